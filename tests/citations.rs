//! Citations: Pandoc's syntax, formatted by CSL styles through hayagriva, as
//! notes merged with the author's footnotes or inline, with reference lists
//! per part and for the series.

mod common;
use common::{assert_fails, broken_links, duplicate_ids, part, text_of, Fixture};

const BIB: &str = r#"
@book{daniels1967,
  author = {Daniels, Robert Vincent},
  title = {Red October: The Bolshevik Revolution of 1917},
  publisher = {Charles Scribner's Sons},
  address = {New York},
  year = {1967},
}
@book{pipes1990,
  author = {Pipes, Richard},
  title = {The Russian Revolution},
  publisher = {Alfred A. Knopf},
  address = {New York},
  year = {1990},
}
@book{carr1950,
  author = {Carr, Edward Hallett},
  title = {The Bolshevik Revolution, 1917--1923},
  publisher = {Macmillan},
  address = {London},
  year = {1950},
}
"#;

/// A second work by an author of `BIB`.
const PIPES_1995: &str = r#"
@book{pipes1995,
  author = {Pipes, Richard},
  title = {A Concise History of the Russian Revolution},
  publisher = {Knopf},
  address = {New York},
  year = {1995},
}
"#;

/// An author who shares a family name with one of `BIB`.
const DANIEL_PIPES: &str = r#"
@book{dpipes1997,
  author = {Pipes, Daniel},
  title = {Conspiracy},
  publisher = {Free Press},
  address = {New York},
  year = {1997},
}
"#;

fn series(style: Option<&str>, parts: &[(&str, &str)]) -> Fixture {
    let mut config = "title = \"S\"\nbase_url = \"https://example.org/s/\"\n".to_string();
    if let Some(style) = style {
        config.push_str(&format!("citation_style = \"{style}\"\n"));
    }
    let mut f = Fixture::empty()
        .file("series/series.toml", &config)
        .file("series/bibliography.bib", BIB);
    for (i, (title, body)) in parts.iter().enumerate() {
        f = f.file(
            &format!("series/0{}-{}.md", i + 1, title.to_lowercase()),
            &part(&format!("title = \"{title}\""), body),
        );
    }
    f
}

/// A one-part series citing from `bib` in `style`.
fn one_part(style: &str, bib: &str, text: &str) -> Fixture {
    let config = format!(
        "title = \"S\"\nbase_url = \"https://example.org/s/\"\ncitation_style = \"{style}\"\n"
    );
    Fixture::empty()
        .file("series/series.toml", &config)
        .file("series/bibliography.bib", bib)
        .file("series/01-a.md", &part("title = \"A\"", text))
}

/// The text of each citation in a page's body.
fn citations(f: &Fixture, page: &str) -> Vec<String> {
    f.page(page)
        .select(".part-body .citation")
        .iter()
        .map(|c| text_of(*c))
        .collect()
}

/// The text of each endnote, without its back-links.
fn endnotes(f: &Fixture, page: &str) -> Vec<String> {
    f.page(page)
        .select("section[role=doc-endnotes] > ol > li > p:not(.backlinks)")
        .iter()
        .map(|p| text_of(*p))
        .collect()
}

#[test]
fn note_style_citations_are_numbered_with_the_footnotes_by_first_reference() {
    let f = series(
        None,
        &[(
            "A",
            "An aside[^own] and a source [@daniels1967, p. 12]. Another aside[^later] \
             and a second source [@pipes1990].\n\n[^own]: The author's own note.\n\n\
             [^later]: A later note.\n",
        )],
    );
    f.build_ok(&[]);
    let notes = endnotes(&f, "a/index.html");
    assert_eq!(notes.len(), 4, "{notes:?}");
    assert_eq!(notes[0], "The author’s own note.");
    assert_eq!(
        notes[1],
        "Robert Vincent Daniels, Red October: The Bolshevik Revolution of 1917 (Charles Scribner’s Sons, 1967), 12."
            .replace('’', "'")
    );
    assert_eq!(notes[2], "A later note.");
    assert!(
        notes[3].starts_with("Richard Pipes, The Russian Revolution"),
        "{}",
        notes[3]
    );
    let page = f.page("a/index.html");
    let marks: Vec<String> = page
        .select(".part-body sup.noteref a")
        .iter()
        .map(|a| text_of(*a))
        .collect();
    assert_eq!(marks, ["1", "2", "3", "4"]);
    // The title is italic, as the style says.
    assert_eq!(
        page.text("#fn-2 i"),
        "Red October: The Bolshevik Revolution of 1917"
    );
    // The citation's mark follows the full stop, with no space before it.
    let paragraph = page.one(".part-body p").html();
    assert!(
        paragraph.contains("source.<sup class=\"noteref\"><a href=\"#fn-2\""),
        "{paragraph}"
    );
    // Like any note, it is also in the margin.
    assert_eq!(page.select(".part-body .sidenote").len(), 4);
}

#[test]
fn later_citations_of_a_work_are_shortened() {
    let f = series(
        None,
        &[(
            "A",
            "First [@daniels1967, p. 12]. Again [@daniels1967, p. 40].\n",
        )],
    );
    f.build_ok(&[]);
    let notes = endnotes(&f, "a/index.html");
    assert!(notes[0].contains("Scribner"), "{}", notes[0]);
    assert!(!notes[1].contains("Scribner"), "{}", notes[1]);
    assert!(!notes[1].contains("Robert Vincent"), "{}", notes[1]);
    assert!(notes[1].starts_with("Daniels, Red October"), "{}", notes[1]);
    assert!(notes[1].ends_with("40."), "{}", notes[1]);
}

#[test]
fn several_works_prefix_locators_and_a_narrative_citation_in_a_note_style() {
    let f = series(
        None,
        &[(
            "A",
            "Disputed [see @pipes1990, pp. 33–35; @daniels1967, chap. 4]. As @carr1950 [p. 7] \
             put it, and Daniels [-@daniels1967] agrees.[^n]\n\n[^n]: Compare [@pipes1990, p. 2].\n",
        )],
    );
    f.build_ok(&[]);
    let notes = endnotes(&f, "a/index.html");
    assert!(
        notes[0].starts_with("See Richard Pipes, The Russian Revolution"),
        "{}",
        notes[0]
    );
    assert!(
        notes[0].contains("33–35; Robert Vincent Daniels"),
        "{}",
        notes[0]
    );
    assert!(notes[0].contains("chap. 4"), "{}", notes[0]);
    // The narrative citation names the author in the sentence and cites in a note.
    let body = f.page("a/index.html").text(".part-body p");
    assert!(body.contains("As Carr"), "{body}");
    assert!(notes[1].contains("7"), "{}", notes[1]);
    // A citation inside the author's own note stays in that note, unshortened
    // punctuation left to the author.
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("Compare Pipes, The Russian Revolution, 2.")),
        "{notes:?}"
    );
}

#[test]
fn author_date_styles_cite_inline_and_link_to_the_works_cited() {
    let f = series(
        Some("chicago-author-date"),
        &[(
            "A",
            "Fast [@daniels1967, p. 12]. Slow [see @pipes1990; @carr1950]. As @pipes1990 \
             says, and Daniels [-@daniels1967, p. 3] agrees.\n",
        )],
    );
    f.build_ok(&[]);
    let page = f.page("a/index.html");
    let cites: Vec<String> = page
        .select(".part-body .citation")
        .iter()
        .map(|c| text_of(*c))
        .collect();
    assert_eq!(
        cites,
        [
            "(Daniels 1967, 12)",
            "(see Pipes 1990; Carr 1950)",
            "Pipes (1990)",
            "(1967, 3)"
        ]
    );
    assert!(page.select("section[role=doc-endnotes]").is_empty());
    for href in page.attrs(".part-body .citation a", "href") {
        let id = href.trim_start_matches('#');
        assert_eq!(
            page.select(&format!(".works-cited li#{id}")).len(),
            1,
            "{href}"
        );
    }
    let works: Vec<String> = page
        .select(".works-cited li")
        .iter()
        .map(|li| text_of(*li))
        .collect();
    // Sorted as the style sorts: by author.
    assert_eq!(works.len(), 3);
    assert!(
        works[0].starts_with("Carr, Edward Hallett. 1950."),
        "{works:?}"
    );
    assert!(works[1].starts_with("Daniels"));
    assert!(works[2].starts_with("Pipes"));
}

#[test]
fn the_style_is_chosen_in_series_toml() {
    let body = "Fast [@daniels1967, p. 12].\n";
    let apa = series(Some("apa"), &[("A", body)]);
    apa.build_ok(&[]);
    assert_eq!(
        apa.page("a/index.html").text(".citation"),
        "(Daniels, 1967, p. 12)"
    );
    let mla = series(Some("mla"), &[("A", body)]);
    mla.build_ok(&[]);
    assert_eq!(mla.page("a/index.html").text(".citation"), "(Daniels 12)");
    let csl = series(Some("house.csl"), &[("A", body)]).file("series/house.csl", HOUSE_CSL);
    csl.build_ok(&[]);
    assert_eq!(
        csl.page("a/index.html").text(".citation"),
        "[Red October: The Bolshevik Revolution of 1917 @ 12]"
    );
}

/// A minimal in-text style of the author's own.
const HOUSE_CSL: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
  <info>
    <title>House style</title>
    <id>http://example.org/house</id>
    <updated>2024-01-01T00:00:00+00:00</updated>
  </info>
  <citation>
    <layout prefix="[" suffix="]" delimiter="; ">
      <text variable="title"/>
      <text variable="locator" prefix=" @ "/>
    </layout>
  </citation>
  <bibliography>
    <layout>
      <text variable="title"/>
    </layout>
  </bibliography>
</style>
"#;

#[test]
fn each_part_lists_its_works_and_the_series_page_lists_them_all_with_back_links() {
    let f = series(
        None,
        &[
            ("A", "One [@pipes1990, p. 1]. Two [@daniels1967].\n"),
            (
                "B",
                "Three [@pipes1990, p. 9]. Four[^x].\n\n[^x]: See [@pipes1990].\n",
            ),
        ],
    );
    f.build_ok(&[]);
    let works = |page: &str| -> Vec<String> {
        f.page(page)
            .select(".works-cited li")
            .iter()
            .map(|li| li.value().attr("id").unwrap().to_string())
            .collect()
    };
    assert_eq!(works("a/index.html"), ["ref-daniels1967", "ref-pipes1990"]);
    assert_eq!(works("b/index.html"), ["ref-pipes1990"]);

    let page = f.page("bibliography/index.html");
    let entries = page.select(".series-references > li");
    let ids: Vec<&str> = entries
        .iter()
        .map(|li| li.value().attr("id").unwrap())
        .collect();
    // Cited works only, once each; Carr is never cited.
    assert_eq!(ids, ["ref-daniels1967", "ref-pipes1990"]);
    let pipes_links = page.attrs("#ref-pipes1990 .cited-in a", "href");
    assert_eq!(
        pipes_links,
        [
            "../a/index.html#fnref-1",
            "../b/index.html#fnref-1",
            "../b/index.html#fn-2"
        ]
    );
    let labels: Vec<String> = page
        .select("#ref-pipes1990 .cited-in .locator-part > a")
        .iter()
        .map(|a| text_of(*a))
        .collect();
    assert_eq!(labels, ["Part I", "Part II"]);
    // Every back-link lands on an id that exists, and no page repeats an id.
    assert_eq!(broken_links(&f.out("")), Vec::<String>::new());
    assert_eq!(duplicate_ids(&f.out("")), Vec::<String>::new());
    // Every page links to the bibliography.
    assert_eq!(
        f.page("a/index.html")
            .attrs(".site-nav a.nav-bibliography", "href"),
        ["../bibliography/index.html"]
    );
}

#[test]
fn nothing_in_code_links_or_addresses_is_a_citation() {
    let f = series(
        Some("chicago-author-date"),
        &[(
            "A",
            "Code `[@daniels1967]`, a [link](https://example.org/@pipes1990), mail \
             me@example.org, an escaped \\@carr1950.\n\n```\n[@pipes1990]\n```\n",
        )],
    );
    f.build_ok(&[]);
    let page = f.page("a/index.html");
    assert!(page.select(".citation").is_empty());
    assert!(page.select(".works-cited").is_empty());
    assert_eq!(page.text(".part-body p code"), "[@daniels1967]");
    assert!(page
        .text(".part-body p")
        .contains("me@example.org, an escaped @carr1950."));
    assert_eq!(
        page.attrs(".part-body p a", "href"),
        ["https://example.org/@pipes1990"]
    );
    assert!(!f.out("bibliography/index.html").exists());
}

#[test]
fn a_yaml_bibliography_works_too() {
    let f = Fixture::empty()
        .file(
            "series/series.toml",
            "title = \"S\"\nbase_url = \"https://example.org/s/\"\ncitation_style = \"chicago-author-date\"\n",
        )
        .file(
            "series/bibliography.yaml",
            "trotsky1932:\n  type: book\n  title: The History of the Russian Revolution\n  author: Trotsky, Leon\n  date: 1932\n  publisher: Victor Gollancz\n",
        )
        .file("series/01-a.md", &part("title = \"A\"", "Told [@trotsky1932].\n"));
    f.build_ok(&[]);
    assert_eq!(f.page("a/index.html").text(".citation"), "(Trotsky 1932)");
}

#[test]
fn an_unknown_key_is_an_error_at_its_place_with_a_suggestion() {
    let f = series(None, &[("A", "Fine [@pipes1990].\n")]);
    assert_fails(
        &f,
        |f| {
            f.write(
                "series/01-a.md",
                part(
                    "title = \"A\"",
                    "Fine.\n\nBroken [see @pipes1909, p. 3] and @danels1967.\n",
                )
                .as_bytes(),
            )
        },
        &[
            "series/01-a.md:6:13: unknown citation key `@pipes1909` (did you mean @pipes1990?",
            "series/01-a.md:6:35: unknown citation key `@danels1967` (did you mean @daniels1967?",
        ],
    );
}

#[test]
fn a_bibliography_that_does_not_parse_is_an_error_naming_the_line() {
    let f = series(None, &[("A", "Fine [@pipes1990].\n")]);
    assert_fails(
        &f,
        |f| {
            f.write(
                "series/bibliography.bib",
                format!("{BIB}\n@book{{broken,\n  title = {{Unclosed\n").as_bytes(),
            )
        },
        &["series/bibliography.bib:26:1: the bibliography does not parse: unexpected end of file"],
    );
    let yaml = Fixture::empty()
        .file(
            "series/series.toml",
            "title = \"S\"\nbase_url = \"https://example.org/s/\"\n",
        )
        .file("series/bibliography.yaml", "a:\n  type: book\n  title: T\n")
        .file("series/01-a.md", &part("title = \"A\"", "Text [@a].\n"));
    assert_fails(
        &yaml,
        |f| {
            f.write(
                "series/bibliography.yaml",
                b"a:\n  type: book\n  title: [unclosed\n",
            )
        },
        &["series/bibliography.yaml:"],
    );
}

#[test]
fn an_unknown_style_is_an_error_listing_the_styles() {
    let f = series(None, &[("A", "Fine [@pipes1990].\n")]);
    assert_fails(
        &f,
        |f| {
            f.write(
                "series/series.toml",
                b"title = \"S\"\nbase_url = \"https://example.org/s/\"\ncitation_style = \"chicago-note\"\n",
            )
        },
        &["series/series.toml:3:1: unknown citation style `chicago-note` (did you mean `chicago-notes`?"],
    );
    let run = f.build(&[]);
    let message = run.stderr();
    for name in ["apa", "chicago-author-date", "chicago-notes", "mla"] {
        assert!(
            message.contains(&format!(" {name},")) || message.contains(&format!(" {name})")),
            "{name} not listed: {message}"
        );
    }
}

#[test]
fn author_date_styles_cite_a_second_work_of_an_author_by_its_year_next_to_the_first() {
    let bib = format!("{BIB}\n{PIPES_1995}");
    let text = "Grouped [@pipes1990; @daniels1967; @pipes1995, p. 12]. \
                With a prefix [@pipes1990; see @pipes1995].\n";
    let styles = [
        (
            "apa",
            "(Pipes, 1990, 1995, p. 12; Daniels, 1967)",
            "(Pipes, 1990; see Pipes, 1995)",
        ),
        (
            "chicago-author-date",
            "(Pipes 1990, 1995, 12; Daniels 1967)",
            "(Pipes 1990; see Pipes 1995)",
        ),
    ];
    for (style, grouped, prefixed) in styles {
        let f = one_part(style, &bib, text);
        f.build_ok(&[]);
        let page = f.page("a/index.html");
        let cites = page.select(".part-body .citation");
        let texts: Vec<String> = cites.iter().map(|c| text_of(*c)).collect();
        assert_eq!(texts, [grouped, prefixed], "{style}");
        // Each year still links to its own work.
        let hrefs: Vec<&str> = cites[0]
            .select(&scraper::Selector::parse("a").unwrap())
            .filter_map(|a| a.value().attr("href"))
            .collect();
        assert_eq!(
            hrefs,
            ["#ref-pipes1990", "#ref-pipes1995", "#ref-daniels1967"],
            "{style}"
        );
    }
}

#[test]
fn authors_who_share_a_family_name_are_cited_with_their_given_names_as_the_style_says() {
    let bib = format!("{BIB}\n{PIPES_1995}\n{DANIEL_PIPES}");
    let text = "Two authors [@pipes1990; @dpipes1997]. One author [@pipes1990; @pipes1995]. \
                Narrative @dpipes1997 says.\n";
    let styles = [
        (
            "apa",
            [
                "(R. Pipes, 1990; D. Pipes, 1997)",
                "(R. Pipes, 1990, 1995)",
                "D. Pipes (1997)",
            ],
        ),
        (
            "chicago-author-date",
            [
                "(Richard Pipes 1990; Daniel Pipes 1997)",
                "(Richard Pipes 1990, 1995)",
                "Daniel Pipes (1997)",
            ],
        ),
    ];
    for (style, expected) in styles {
        let f = one_part(style, &bib, text);
        f.build_ok(&[]);
        assert_eq!(citations(&f, "a/index.html"), expected, "{style}");
        // Once the other Pipes is no longer cited, the family name is enough.
        f.write(
            "series/01-a.md",
            part("title = \"A\"", "One author [@pipes1990; @pipes1995].\n").as_bytes(),
        );
        f.build_ok(&[]);
        let page = f.page("a/index.html");
        let alone = page.text(".part-body .citation");
        assert!(alone.starts_with("(Pipes"), "{style}: {alone}");
    }
}

#[test]
fn a_style_that_prints_no_year_tells_works_of_an_author_apart_by_title_and_suppresses_alike() {
    let text = "One [@pipes1990, 12], another [@pipes1995], a third author [@daniels1967]. \
                Named in the text [-@daniels1967, 4], and without a page [-@daniels1967].\n";
    let f = one_part("mla", &format!("{BIB}\n{PIPES_1995}"), text);
    f.build_ok(&[]);
    assert_eq!(
        citations(&f, "a/index.html"),
        [
            "(Pipes, The Russian Revolution 12)",
            "(Pipes, A Concise History of the Russian Revolution)",
            "(Daniels)",
            "(4)",
            // Nothing is left to show, not even "()"; the spot stays for back-links.
            ""
        ]
    );
}

#[test]
fn a_numeric_style_orders_the_works_of_a_citation_and_collapses_runs() {
    let text = "First [@carr1950], then [@pipes1990] and [@daniels1967].\n\n\
                All three [@daniels1967; @carr1950; @pipes1990], two [@pipes1990; @carr1950], \
                and one with a page [@daniels1967; @carr1950; @pipes1990, p. 4].\n";
    // IEEE (as hayagriva has it) sorts a citation's works by number; the
    // Council of Science Editors also collapses three or more in a row, but
    // never one with a locator. A range's ends still link to their works.
    let styles = [
        (
            "ieee",
            ["[1], [2], [3]", "[1], [2]", "[1], [2, p. 4], [3]"],
            3,
        ),
        (
            "council-of-science-editors",
            ["[1–3]", "[1, 2]", "[1, 2,p 4, 3]"],
            2,
        ),
    ];
    for (style, expected, links) in styles {
        let f = series(Some(style), &[("A", text)]);
        f.build_ok(&[]);
        let page = f.page("a/index.html");
        let cites = page.select(".part-body .citation");
        let texts: Vec<String> = cites.iter().map(|c| text_of(*c)).collect();
        assert_eq!(texts[..3], ["[1]", "[2]", "[3]"], "{style}");
        assert_eq!(texts[3..], expected, "{style}");
        let hrefs: Vec<&str> = cites[3]
            .select(&scraper::Selector::parse("a").unwrap())
            .filter_map(|a| a.value().attr("href"))
            .collect();
        assert_eq!(hrefs.len(), links, "{style}: {hrefs:?}");
        assert_eq!(hrefs[0], "#ref-carr1950", "{style}");
        assert_eq!(hrefs[links - 1], "#ref-daniels1967", "{style}");
    }
}

#[test]
fn a_numeric_style_numbers_each_work_once_across_the_series() {
    let f = series(
        Some("ieee"),
        &[
            (
                "A",
                "First [@carr1950], then [@pipes1990, p. 4] and [@carr1950] again.\n",
            ),
            ("B", "Later [@daniels1967] and [@pipes1990, pp. 3-5].\n"),
        ],
    );
    f.build_ok(&[]);
    let cites = |page: &str| -> Vec<String> {
        f.page(page)
            .select(".part-body .citation")
            .iter()
            .map(|c| text_of(*c))
            .collect()
    };
    // Numbered in the order the series first cites them, one number per work.
    assert_eq!(cites("a/index.html"), ["[1]", "[2, p. 4]", "[1]"]);
    assert_eq!(cites("b/index.html"), ["[3]", "[2, pp. 3-5]"]);
    let listed = |page: &str| -> Vec<String> {
        f.page(page)
            .select(".references li .csl-left-margin")
            .iter()
            .map(|n| text_of(*n))
            .collect()
    };
    assert_eq!(listed("a/index.html"), ["[1]", "[2]"]);
    assert_eq!(listed("b/index.html"), ["[2]", "[3]"]);
    assert_eq!(listed("bibliography/index.html"), ["[1]", "[2]", "[3]"]);
    let works = f.page("bibliography/index.html");
    let first = text_of(works.select(".references li")[0]);
    assert!(first.starts_with("[1] E. H. Carr"), "{first}");
    // No marker number is left anywhere, in the feed or the one-page edition.
    for file in ["atom.xml", "all/index.html", "a/index.html"] {
        let text = std::fs::read_to_string(f.out(file)).unwrap();
        assert!(
            !text.contains('\u{E000}') && !text.contains("6000001"),
            "a marker is left in {file}"
        );
    }
    // A citation added to the first part renumbers the works after it.
    f.write(
        "series/01-a.md",
        part(
            "title = \"A\"",
            "First [@daniels1967], then [@carr1950], [@pipes1990, p. 4] and [@carr1950] again.\n",
        )
        .as_bytes(),
    );
    f.build_ok(&[]);
    assert_eq!(cites("a/index.html"), ["[1]", "[2]", "[3, p. 4]", "[2]"]);
    assert_eq!(cites("b/index.html"), ["[1]", "[3, pp. 3-5]"]);
}

#[test]
fn two_bibliographies_are_an_error() {
    let f = series(None, &[("A", "Fine [@pipes1990].\n")]);
    assert_fails(
        &f,
        |f| {
            f.write(
                "series/bibliography.yaml",
                b"x:\n  type: book\n  title: T\n",
            )
        },
        &["series/bibliography.yaml: a series has one bibliography"],
    );
}

#[test]
fn page_ranges_follow_the_style_s_page_range_format() {
    // Chicago abbreviates ranges ("321–28"), APA writes them in full
    // ("321–328"), whatever the author typed; other locators stay as written.
    let text = "One [@daniels1967, pp. 321-328]. Two [@pipes1990, pp. 321-8]. \
                Three [@carr1950, chap. 3-4].\n";
    let cited = |style: &str| {
        let f = series(Some(style), &[("A", text)]);
        f.build_ok(&[]);
        f.page("a/index.html")
            .select(".part-body .citation")
            .iter()
            .map(|c| text_of(*c))
            .collect::<Vec<String>>()
    };
    assert_eq!(
        cited("chicago-author-date"),
        [
            "(Daniels 1967, 321–28)",
            "(Pipes 1990, 321–28)",
            "(Carr 1950, chaps. 3-4)"
        ]
    );
    assert_eq!(
        cited("apa"),
        [
            "(Daniels, 1967, pp. 321–328)",
            "(Pipes, 1990, pp. 321–328)",
            "(Carr, 1950, Chapters 3-4)"
        ]
    );
}

#[test]
fn works_by_one_author_in_one_year_are_told_apart_in_citations_and_lists() {
    // Two books by Daniels from 1967, cited in different parts: both the
    // citations and the works cited say 1967a and 1967b, the same way.
    let bib = format!(
        "{BIB}\n@book{{daniels1967b,\n  author = {{Daniels, Robert Vincent}},\n  \
         title = {{The Nature of Communism}},\n  publisher = {{Random House}},\n  year = {{1967}},\n}}\n"
    );
    let f = series(
        Some("chicago-author-date"),
        &[
            ("A", "First [@daniels1967, p. 12].\n"),
            ("B", "Second [@daniels1967b]. And @pipes1990 alone.\n"),
        ],
    );
    f.write("series/bibliography.bib", bib.as_bytes());
    f.build_ok(&[]);
    let cites = |page: &str| {
        f.page(page)
            .select(".part-body .citation")
            .iter()
            .map(|c| text_of(*c))
            .collect::<Vec<String>>()
    };
    assert_eq!(cites("a/index.html"), ["(Daniels 1967a, 12)"]);
    assert_eq!(cites("b/index.html"), ["(Daniels 1967b)", "Pipes (1990)"]);
    let listed: Vec<String> = f
        .page("bibliography/index.html")
        .select(".reference")
        .iter()
        .map(|li| text_of(*li))
        .collect();
    assert!(
        listed.iter().any(|r| r.contains("1967a. Red October")),
        "{listed:?}"
    );
    assert!(
        listed.iter().any(|r| r.contains("1967b. The Nature")),
        "{listed:?}"
    );
}

#[test]
fn formatted_citations_are_kept_between_builds_and_never_stale() {
    let f = series(
        None,
        &[(
            "A",
            "A source [@daniels1967, p. 12] and another [@pipes1990].\n",
        )],
    );
    let cache = f.root().join(".quire-cache/citations");
    f.run(&["check"]);
    assert!(!cache.exists(), "quire check writes nothing");
    f.build_ok(&[]);
    assert!(cache.is_file(), "quire build keeps what it formatted");
    let first = f.snapshot();
    f.build_ok(&[]);
    let again = f.snapshot();
    assert_eq!(
        first.keys().collect::<Vec<_>>(),
        again.keys().collect::<Vec<_>>()
    );
    assert!(
        first.iter().all(|(path, bytes)| again[path] == *bytes),
        "a build from the cache makes the same site"
    );
    // An edited entry is formatted again, though its key is the same.
    f.write(
        "series/bibliography.bib",
        BIB.replace("Red October", "Crimson October").as_bytes(),
    );
    f.build_ok(&[]);
    let notes = endnotes(&f, "a/index.html");
    assert!(notes[0].contains("Crimson October"), "{notes:?}");
    // And so is every citation when the style changes.
    f.write(
        "series/series.toml",
        b"title = \"S\"\nbase_url = \"https://example.org/s/\"\ncitation_style = \"apa\"\n",
    );
    f.build_ok(&[]);
    let page = f.page("a/index.html");
    let inline: Vec<String> = page
        .select(".part-body .citation")
        .iter()
        .map(|c| text_of(*c))
        .collect();
    assert_eq!(inline, ["(Daniels, 1967, p. 12)", "(Pipes, 1990)"]);
}

/// How many reference lists the project's cache of citations holds.
fn cached_lists(f: &Fixture) -> usize {
    let bytes = std::fs::read(f.root().join(".quire-cache/citations")).expect("a cache");
    let file: ciborium::Value = ciborium::from_reader(bytes.as_slice()).expect("CBOR");
    let fields = file.as_map().expect("a map of fields");
    let lists = fields
        .iter()
        .find(|(name, _)| name.as_text() == Some("references"))
        .map(|(_, lists)| lists.as_map().expect("a map of lists"));
    lists.expect("the field `references`").len()
}

#[test]
fn the_series_list_made_while_the_parts_parse_is_the_one_the_site_uses() {
    // Citations in the text, in a note, narrative and several at once: the
    // works the texts seem to cite, in their order, are the ones the parse
    // finds, so the list made ahead is the list used, and only it is kept.
    let f = series(
        None,
        &[
            (
                "A",
                "One [@pipes1990, p. 1]. Two[^n]. As @carr1950 says.\n\n[^n]: See [@daniels1967; @pipes1990].\n",
            ),
            ("B", "Three [see @carr1950, pp. 3-4].\n"),
        ],
    );
    f.build_ok(&[]);
    assert_eq!(cached_lists(&f), 1);
    let ids = f.page("bibliography/index.html");
    let ids = ids.attrs(".series-references > li", "id");
    assert_eq!(ids, ["ref-carr1950", "ref-daniels1967", "ref-pipes1990"]);
    // A key in code is no citation: the list made ahead from the texts has
    // one work too many, and the site's list is made from what the parse found.
    f.write(
        "series/01-a.md",
        part(
            "title = \"A\"",
            "One [@pipes1990, p. 1]. Not `[@daniels1967]`.\n",
        )
        .as_bytes(),
    );
    f.build_ok(&[]);
    let ids = f.page("bibliography/index.html");
    let ids = ids.attrs(".series-references > li", "id");
    assert_eq!(ids, ["ref-carr1950", "ref-pipes1990"]);
}
