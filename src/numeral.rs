//! Roman numerals for part numbers ("Part III of IV").

/// Upper-case Roman numeral; falls back to digits past 3999.
pub fn roman(n: u32) -> String {
    if n == 0 || n > 3999 {
        return n.to_string();
    }
    const TABLE: [(u32, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut n = n;
    let mut out = String::new();
    for (value, letters) in TABLE {
        while n >= value {
            out.push_str(letters);
            n -= value;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn numerals() {
        let got: Vec<String> = [1, 3, 4, 9, 14, 40, 1999, 4000].map(super::roman).to_vec();
        assert_eq!(
            got,
            ["I", "III", "IV", "IX", "XIV", "XL", "MCMXCIX", "4000"]
        );
    }
}
