//! Code highlighting with syntect, emitting CSS classes (`hl-…`), never inline styles.
//! The syntax set is loaded on first use, so a prose-only series never pays for it.

#[cfg(not(feature = "highlight"))]
pub use disabled::*;
#[cfg(feature = "highlight")]
pub use enabled::*;

#[cfg(not(feature = "highlight"))]
mod disabled {
    /// Without the `highlight` feature every code block is plain.
    pub fn highlight(_code: &str, _lang: &str) -> Option<String> {
        None
    }

    /// Without the `highlight` feature there is no code stylesheet.
    pub fn stylesheet() -> String {
        String::new()
    }
}

#[cfg(feature = "highlight")]
mod enabled {
    use std::sync::OnceLock;
    use syntect::highlighting::ThemeSet;
    use syntect::html::{css_for_theme_with_class_style, ClassStyle, ClassedHTMLGenerator};
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

    /// The stylesheet for highlighted code, generated once from syntect's
    /// themes and kept in the theme (loading the themes would cost more than
    /// the rest of a small build); a test keeps it equal to `generate_stylesheet`.
    pub fn stylesheet() -> String {
        include_str!("../../themes/default/syntax.css").to_string()
    }

    /// A light scheme, and a dark one for readers whose system prefers it.
    pub fn generate_stylesheet() -> String {
        let themes = ThemeSet::load_defaults();
        let light = css_for_theme_with_class_style(&themes.themes["InspiredGitHub"], CLASS_STYLE)
            .unwrap_or_default();
        let dark = css_for_theme_with_class_style(&themes.themes["base16-ocean.dark"], CLASS_STYLE)
            .unwrap_or_default();
        format!("{light}\n@media (prefers-color-scheme: dark) {{\n{dark}\n}}\n")
    }
}

#[cfg(all(test, feature = "highlight"))]
mod tests {
    use super::*;

    #[test]
    fn the_kept_stylesheet_is_the_generated_one() {
        // Regenerate with: cargo test -- --ignored write_syntax_css
        assert_eq!(stylesheet(), generate_stylesheet());
    }

    #[test]
    #[ignore = "writes themes/default/syntax.css"]
    fn write_syntax_css() {
        std::fs::write("themes/default/syntax.css", generate_stylesheet()).unwrap();
    }

    #[test]
    fn known_language_gets_classes_unknown_gets_none() {
        let html = highlight("fn main() {}\n", "rust").unwrap();
        assert!(html.contains("class=\"hl-"));
        assert!(!html.contains("style="));
        assert!(highlight("x", "no-such-language").is_none());
    }
}
