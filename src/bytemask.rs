//! Words found 64 bytes at a time. The search data and the word count go
//! over every byte of the series; a byte-by-byte loop that carries whether
//! the last byte was in a word costs several instructions per byte. Here the
//! bytes are first classified into a 64-bit mask (a loop without carried
//! state, which the compiler turns into vector compares), and the words'
//! edges are then found with bit arithmetic, one step per edge.

/// Bit `i` is set where `test` holds for `bytes[i]` (at most 64 bytes).
fn mask(bytes: &[u8], test: impl Fn(u8) -> bool) -> u64 {
    // Each byte classified as 0 or 1 (a loop the compiler vectorizes)...
    let mut class = [0u8; 64];
    for (c, &b) in class.iter_mut().zip(bytes) {
        *c = u8::from(test(b));
    }
    // ...then eight at a time gathered into bits: the multiplication moves
    // byte i's low bit to bit 56 + i, with nothing else landing there.
    let mut mask = 0u64;
    for (k, eight) in class.chunks_exact(8).enumerate() {
        let eight = u64::from_le_bytes(eight.try_into().expect("eight bytes"));
        mask |= (eight.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * k);
    }
    mask
}

/// Calls `f` with each run of `text` without ASCII whitespace, in order:
/// the words `str::split_ascii_whitespace` gives.
pub fn for_each_word<'t>(text: &'t str, mut f: impl FnMut(&'t str)) {
    let mut start = 0;
    // Whether the byte before the block is in a word.
    let mut before = 0u64;
    for (k, block) in text.as_bytes().chunks(64).enumerate() {
        let base = k * 64;
        let word = mask(block, |b| !b.is_ascii_whitespace());
        // A bit where a word starts or ends (a short last block ends its
        // word at the text's end: its missing bytes read as not in a word).
        let mut edges = word ^ ((word << 1) | before);
        while edges != 0 {
            let i = edges.trailing_zeros() as usize;
            edges &= edges - 1;
            if word >> i & 1 == 1 {
                start = base + i;
            } else {
                f(&text[start..base + i]);
            }
        }
        before = word >> 63;
    }
    if before == 1 {
        f(&text[start..]);
    }
}

/// How many runs of bytes for which `in_word` holds start in `bytes`;
/// `running` tells whether such a run runs into them.
pub fn count_starts(bytes: &[u8], running: bool, in_word: impl Fn(u8) -> bool + Copy) -> usize {
    let mut count = 0;
    let mut before = u64::from(running);
    for block in bytes.chunks(64) {
        let word = mask(block, in_word);
        count += (word & !((word << 1) | before)).count_ones() as usize;
        before = word >> 63;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Texts around the edges of a block: words that end at 63, 64 and 65
    /// bytes, whitespace runs across an edge, every kind of ASCII
    /// whitespace, and characters of several bytes across an edge.
    fn texts() -> Vec<String> {
        let mut texts = vec![
            String::new(),
            " ".into(),
            "word".into(),
            "  two  words  ".into(),
            "tab\tline\nfeed\x0cform\rreturn\x0bvertical tab stays".into(),
        ];
        for len in [62, 63, 64, 65, 127, 128, 129] {
            texts.push("a".repeat(len));
            texts.push(format!("{} b", "a".repeat(len)));
            texts.push(format!("{}  b ", " ".repeat(len)));
            texts.push(format!("{}é’ — x", "a".repeat(len)));
        }
        texts.push("lorem ipsum dolor, sit amet; ".repeat(40));
        texts
    }

    #[test]
    fn the_words_are_those_split_ascii_whitespace_gives() {
        for text in texts() {
            let mut words = Vec::new();
            for_each_word(&text, |w| words.push(w));
            let expected: Vec<&str> = text.split_ascii_whitespace().collect();
            assert_eq!(words, expected, "{text:?}");
        }
    }

    #[test]
    fn run_starts_are_counted_across_blocks() {
        let letter = |b: u8| b.is_ascii_alphabetic();
        for text in texts() {
            let bytes = text.as_bytes();
            for running in [false, true] {
                // Byte by byte: a letter after a byte that is not one.
                let mut before = running;
                let mut expected = 0;
                for &b in bytes {
                    expected += usize::from(letter(b) && !before);
                    before = letter(b);
                }
                assert_eq!(count_starts(bytes, running, letter), expected, "{text:?}");
            }
        }
    }
}
