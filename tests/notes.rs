//! Footnotes as sidenotes and endnotes, figures with dimensions, typography,
//! highlighted code and reading figures.

mod common;
use common::{assert_fails, part, text_of, Fixture};

fn one_part(body: &str) -> Fixture {
    Fixture::empty()
        .file(
            "series/series.toml",
            "title = \"S\"\nbase_url = \"https://example.org/s/\"\n",
        )
        .file("series/01-a.md", &part("title = \"A\"", body))
}

const NOTES: &str = "\nFirst[^zeta] then[^alpha] and zeta again[^zeta].\n\n\
[^alpha]: Alpha note with *emphasis*.\n\n\
[^zeta]: Zeta note, first paragraph.\n\n    Zeta, second paragraph.\n";

#[test]
fn notes_are_numbered_by_first_reference_with_roles_and_ids() {
    let f = one_part(NOTES);
    f.build_ok(&[]);
    let page = f.page("a/index.html");
    let refs = page.select(".part-body sup.noteref a[role=doc-noteref]");
    let shown: Vec<String> = refs.iter().map(|a| text_of(*a)).collect();
    assert_eq!(shown, ["1", "2", "1"]);
    let ids: Vec<&str> = refs.iter().map(|a| a.value().attr("id").unwrap()).collect();
    assert_eq!(ids, ["fnref-1", "fnref-2", "fnref-1-2"]);
    let hrefs: Vec<&str> = refs
        .iter()
        .map(|a| a.value().attr("href").unwrap())
        .collect();
    assert_eq!(hrefs, ["#fn-1", "#fn-2", "#fn-1"]);

    let notes = page.select("section[role=doc-endnotes] > ol > li");
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[0].value().attr("id"), Some("fn-1"));
    assert!(text_of(notes[0]).starts_with("Zeta note, first paragraph. Zeta, second paragraph."));
    assert_eq!(
        page.select("#fn-1 > p").len(),
        3,
        "two paragraphs and the back-links"
    );
    assert_eq!(page.text("#fn-2 em"), "emphasis");
    // One back-link per reference, labelled a, b when there are several.
    let back = page.select("#fn-1 a[role=doc-backlink]");
    let labels: Vec<String> = back.iter().map(|a| text_of(*a)).collect();
    assert_eq!(labels, ["↩ a", "↩ b"]);
    let targets: Vec<&str> = back
        .iter()
        .map(|a| a.value().attr("href").unwrap())
        .collect();
    assert_eq!(targets, ["#fnref-1", "#fnref-1-2"]);
    assert_eq!(
        page.attrs("#fn-2 a[role=doc-backlink]", "href"),
        ["#fnref-2"]
    );
    assert!(common::broken_links(&f.root().join("output")).is_empty());
}

#[test]
fn each_note_appears_once_as_a_sidenote_beside_its_first_reference() {
    let f = one_part(NOTES);
    f.build_ok(&[]);
    let page = f.page("a/index.html");
    let sidenotes = page.select(".part-body p > span.sidenote");
    assert_eq!(sidenotes.len(), 2);
    assert_eq!(sidenotes[0].value().attr("aria-hidden"), Some("true"));
    assert_eq!(page.text(".sidenote:first-of-type .sidenote-number"), "1");
    // Multi-paragraph notes stay phrasing content (valid inside <p>).
    assert!(page.select(".sidenote p, .sidenote div").is_empty());
    assert_eq!(page.select(".sidenote .sn-p").len(), 3);
    // The sidenote directly follows the reference it belongs to.
    let first_ref = page.one("#fnref-1");
    let sup = first_ref.parent().unwrap();
    let next = sup
        .next_sibling()
        .and_then(scraper::ElementRef::wrap)
        .unwrap();
    assert!(next.value().classes().any(|c| c == "sidenote"));
    // Notes are in the margin only on wide screens; endnotes otherwise.
    let sheet = page.attrs("link[rel=stylesheet]", "href").remove(0);
    let css = std::fs::read_to_string(f.out(sheet.trim_start_matches("../"))).unwrap();
    assert!(css.contains("@media (min-width: 1200px)"));
}

#[test]
fn links_inside_sidenotes_are_out_of_the_tab_order() {
    let f = one_part("\nText[^n].\n\n[^n]: See [elsewhere](https://example.org).\n");
    f.build_ok(&[]);
    let page = f.page("a/index.html");
    assert_eq!(page.attrs(".sidenote a", "tabindex"), ["-1"]);
    assert!(page.attrs(".endnotes a[href^=http]", "tabindex").is_empty());
}

#[test]
fn undefined_reference_is_an_error_at_its_place() {
    let f = one_part("x");
    assert_fails(
        &f,
        |f| f.write("series/01-a.md", part("title = \"A\"", "\nText[^nope] and[^note].\n\n[^note]: n\n").as_bytes()),
        &["series/01-a.md:5:5: footnote [^nope] is never defined (did you mean [^note]? or add a line `[^nope]: text`)"],
    );
}

#[test]
fn duplicate_definition_names_both_lines() {
    let f = one_part("x");
    assert_fails(
        &f,
        |f| f.write("series/01-a.md", part("title = \"A\"", "\nText[^a].\n\n[^a]: One.\n\n[^a]: Two.\n").as_bytes()),
        &["series/01-a.md:9:1: footnote `a` is defined twice, first on line 7 (remove or rename one)"],
    );
}

#[test]
fn unreferenced_definition_is_a_warning_and_the_build_goes_on() {
    let f = one_part("\nText.\n\n[^lonely]: Never used.\n");
    let run = f.build_ok(&[]);
    assert!(
        run.stderr().contains(
            "series/01-a.md:7:1: warning: footnote `lonely` is defined but never referenced"
        ),
        "{}",
        run.stderr()
    );
    assert!(f.page("a/index.html").select(".endnotes").is_empty());
}

/// Minimal headers that carry an image's size.
fn png(w: u32, h: u32) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    b.extend(w.to_be_bytes());
    b.extend(h.to_be_bytes());
    b.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
    b
}
fn gif(w: u16, h: u16) -> Vec<u8> {
    let mut b = b"GIF89a".to_vec();
    b.extend(w.to_le_bytes());
    b.extend(h.to_le_bytes());
    b.extend([0, 0, 0]);
    b
}
fn jpeg(w: u16, h: u16) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08];
    b.extend(h.to_be_bytes());
    b.extend(w.to_be_bytes());
    b.extend([3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xFF, 0xD9]);
    b
}
fn webp(w: u32, h: u32) -> Vec<u8> {
    let mut b = b"RIFF\x1e\0\0\0WEBPVP8X\x0a\0\0\0\0\0\0\0".to_vec();
    b.extend(&(w - 1).to_le_bytes()[..3]);
    b.extend(&(h - 1).to_le_bytes()[..3]);
    b.extend([0u8; 8]);
    b
}

#[test]
fn figures_get_caption_alt_lazy_loading_and_dimensions() {
    let f = one_part(
        "\n![A png](assets/a.png \"PNG caption\")\n\n![A gif](assets/b.gif)\n\n![A jpeg](assets/c.jpg)\n\n\
         ![A webp](assets/d.webp)\n\n![An svg](assets/e.svg)\n\n![Remote](https://example.org/x.png)\n",
    );
    f.write("series/assets/a.png", &png(640, 480));
    f.write("series/assets/b.gif", &gif(32, 16));
    f.write("series/assets/c.jpg", &jpeg(800, 600));
    f.write("series/assets/d.webp", &webp(300, 200));
    f.write(
        "series/assets/e.svg",
        b"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 120 60\"></svg>",
    );
    f.build_ok(&[]);
    let page = f.page("a/index.html");
    let figures = page.select("figure");
    assert_eq!(figures.len(), 6);
    let sizes: Vec<(Option<&str>, Option<&str>)> = page
        .select("figure > img")
        .iter()
        .map(|i| (i.value().attr("width"), i.value().attr("height")))
        .collect();
    assert_eq!(
        sizes,
        [
            (Some("640"), Some("480")),
            (Some("32"), Some("16")),
            (Some("800"), Some("600")),
            (Some("300"), Some("200")),
            (Some("120"), Some("60")),
            (None, None)
        ]
    );
    assert_eq!(page.attrs("figure > img", "loading"), vec!["lazy"; 6]);
    assert_eq!(page.attrs("figure > img", "alt")[0], "A png");
    assert_eq!(page.select("figure > figcaption").len(), 1);
    assert_eq!(page.text("figure > figcaption"), "PNG caption");
    assert_eq!(
        page.attrs("figure > img", "src")[5],
        "https://example.org/x.png"
    );
}

#[test]
fn missing_alt_text_is_a_warning_with_location() {
    let f = one_part("\nIntro.\n\n![](assets/a.png)\n").file("series/assets/a.png", "");
    f.write("series/assets/a.png", &png(1, 1));
    let run = f.build_ok(&[]);
    assert!(
        run.stderr()
            .contains("series/01-a.md:7:1: warning: image assets/a.png has no alt text"),
        "{}",
        run.stderr()
    );
}

#[test]
fn smart_typography_on_tricky_cases() {
    let f = one_part(
        "\nIn the '80s -- or so -- \"quotes\" and 'singles' met.\n\n\
         He said---\"no\"---and (\"yes\") and [\"bracketed\"].\n\n\
         \"She called it 'the rock', then left...\"\n",
    );
    f.build_ok(&[]);
    let page = f.page("a/index.html");
    let paras: Vec<String> = page
        .select(".part-body p")
        .into_iter()
        .map(text_of)
        .collect();
    assert_eq!(
        paras,
        [
            "In the ’80s – or so – “quotes” and ‘singles’ met.",
            "He said—“no”—and (“yes”) and [“bracketed”].",
            "“She called it ‘the rock’, then left…”",
        ]
    );
}

#[test]
fn code_is_highlighted_with_classes_and_unknown_languages_stay_plain() {
    let f = one_part(
        "\n```python\ndef f(x):\n    return x < 2\n```\n\n```klingon\nqapla' <b>\n```\n\n```\nplain & simple\n```\n",
    );
    f.build_ok(&[]);
    let page = f.page("a/index.html");
    let blocks = page.select("pre.code > code");
    assert_eq!(blocks.len(), 3);
    assert_eq!(blocks[0].value().attr("class"), Some("language-python"));
    assert!(!page.select("pre.highlighted span[class^=hl-]").is_empty());
    assert!(
        page.select("pre.code [style]").is_empty(),
        "no inline styles"
    );
    assert_eq!(text_of(blocks[0]), "def f(x): return x < 2");
    assert_eq!(blocks[1].value().attr("class"), Some("language-klingon"));
    assert!(
        blocks[1].child_elements().next().is_none(),
        "unknown language is plain text"
    );
    assert_eq!(text_of(blocks[1]), "qapla' <b>");
    assert_eq!(text_of(blocks[2]), "plain & simple");
    let sheets = page.attrs("link[rel=stylesheet]", "href");
    assert_eq!(sheets.len(), 2);
    assert!(
        sheets[1].starts_with("../syntax.") && sheets[1].ends_with(".css"),
        "{sheets:?}"
    );
    let css = std::fs::read_to_string(f.out(sheets[1].trim_start_matches("../"))).unwrap();
    assert!(css.contains(".hl-") && css.contains("prefers-color-scheme: dark"));
}

#[test]
fn prose_only_series_has_no_syntax_stylesheet() {
    let f = one_part("\nJust prose.\n\n```\nunlabelled code\n```\n");
    f.build_ok(&[]);
    assert!(!f.snapshot().keys().any(|k| k.starts_with("syntax.")));
    assert_eq!(
        f.page("a/index.html")
            .attrs("link[rel=stylesheet]", "href")
            .len(),
        1
    );
}

#[test]
fn word_counts_and_reading_times() {
    let words = "word ".repeat(460);
    let f = Fixture::empty()
        .file(
            "series/series.toml",
            "title = \"S\"\nbase_url = \"https://example.org/s/\"\n",
        )
        .file(
            "series/01-a.md",
            &part("title = \"A\"", &format!("\n{words}\n")),
        )
        .file(
            "series/02-b.md",
            &part(
                "title = \"B\"",
                "\nfive words are right here[^n].\n\n[^n]: Two more.\n",
            ),
        );
    f.build_ok(&[]);
    let a = f.page("a/index.html");
    assert!(
        a.text(".part-meta").contains("460 words · 2 min read"),
        "{}",
        a.text(".part-meta")
    );
    let b = f.page("b/index.html");
    assert!(
        b.text(".part-meta").contains("7 words · 1 min read"),
        "{}",
        b.text(".part-meta")
    );
    let index = f.page("index.html");
    assert_eq!(
        index.text(".series-stats"),
        "2 parts · 467 words · about 3 minutes of reading"
    );
}
