//! Code highlighting with syntect, emitting CSS classes (`hl-…`), never inline
//! styles; the default theme's `syntax.css` colours them. The syntax set is
//! loaded on first use, so a prose-only series never pays for it.

#[cfg(not(feature = "highlight"))]
pub use disabled::highlight;
#[cfg(feature = "highlight")]
pub use enabled::highlight;

/// The stylesheet for highlighted code: the default theme's palette for
/// syntect's classes, chosen for contrast in both colour schemes.
pub fn stylesheet() -> String {
    include_str!("../../themes/default/syntax.css").to_string()
}

#[cfg(not(feature = "highlight"))]
mod disabled {
    /// Without the `highlight` feature every code block is plain.
    pub fn highlight(_code: &str, _lang: &str) -> Option<String> {
        None
    }
}

#[cfg(feature = "highlight")]
mod enabled {
    use std::sync::OnceLock;
    use syntect::html::{ClassStyle, ClassedHTMLGenerator};
    use syntect::parsing::SyntaxSet;
    use syntect::util::LinesWithEndings;

    const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

    fn syntaxes() -> &'static SyntaxSet {
        static SET: OnceLock<SyntaxSet> = OnceLock::new();
        SET.get_or_init(SyntaxSet::load_defaults_newlines)
    }

    /// Highlighted HTML for the inside of `<code>`, or `None` when the language is unknown.
    pub fn highlight(code: &str, lang: &str) -> Option<String> {
        let set = syntaxes();
        let syntax = set.find_syntax_by_token(lang)?;
        let mut generator = ClassedHTMLGenerator::new_with_class_style(syntax, set, CLASS_STYLE);
        for line in LinesWithEndings::from(code) {
            generator
                .parse_html_for_line_which_includes_newline(line)
                .ok()?;
        }
        Some(generator.finalize())
    }
}

#[cfg(all(test, feature = "highlight"))]
mod tests {
    use super::*;

    #[test]
    fn known_language_gets_classes_unknown_gets_none() {
        let html = highlight("fn main() {}\n", "rust").unwrap();
        assert!(html.contains("class=\"hl-"));
        assert!(!html.contains("style="));
        assert!(highlight("x", "no-such-language").is_none());
    }

    #[test]
    fn the_stylesheet_covers_both_schemes() {
        let css = stylesheet();
        assert!(css.contains(".hl-keyword") && css.contains("prefers-color-scheme: dark"));
    }
}
