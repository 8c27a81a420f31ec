//! Turning titles into URL segments and element ids.

/// Lower-case letters and digits joined by single hyphens; `section` if nothing is left.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_dash = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.extend(c.to_lowercase());
        } else if c.is_whitespace() || c == '-' || c == '_' || c == '/' {
            pending_dash = true;
        }
        // Other punctuation (quotes, apostrophes, full stops) is dropped.
    }
    if out.is_empty() {
        "section".to_string()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn slugs_keep_letters_and_collapse_separators() {
        assert_eq!(
            slugify("The Soviets — and the Party"),
            "the-soviets-and-the-party"
        );
        assert_eq!(slugify("Workers’ Control"), "workers-control");
        assert_eq!(slugify("Éclair  2"), "éclair-2");
        assert_eq!(slugify("?!"), "section");
    }
}
