//! The back-of-book index: matching, markers, ordering, locators, cross-references, errors.

mod common;
use common::{assert_fails, part, text_of, Fixture};

fn series(terms: &str, parts: &[(&str, &str)]) -> Fixture {
    let mut f = Fixture::empty()
        .file(
            "series/series.toml",
            "title = \"S\"\nbase_url = \"https://example.org/s/\"\n",
        )
        .file("series/index.toml", terms);
    for (i, (title, body)) in parts.iter().enumerate() {
        f = f.file(
            &format!("series/0{}-{}.md", i + 1, title.to_lowercase()),
            &part(&format!("title = \"{title}\""), body),
        );
    }
    f
}

/// (entry name, locator link texts) in page order.
fn entries(f: &Fixture) -> Vec<(String, Vec<String>)> {
    let page = f.page("index/index.html");
    page.select("ul.index-entries > li.index-entry")
        .into_iter()
        .map(|li| {
            let name = text_of(li.select(&sel(":scope > .entry-name")).next().unwrap());
            let links = li
                .select(&sel(":scope > .locator-part a"))
                .map(text_of)
                .collect();
            (name, links)
        })
        .collect()
}

fn sel(css: &str) -> scraper::Selector {
    scraper::Selector::parse(css).unwrap()
}

#[test]
fn entries_are_collated_and_grouped_under_letters() {
    let f = series(
        "[[term]]\nname = \"Zeta\"\n[[term]]\nname = \"Éclair\"\n[[term]]\nname = \"de Gaulle\"\n\
         [[term]]\nname = \"apple\"\n[[term]]\nname = \"Eagle\"\n[[term]]\nname = \"Dover\"\n",
        &[(
            "One",
            "\nZeta, Éclair, de Gaulle, apple, Eagle and Dover.\n",
        )],
    );
    f.build_ok(&[]);
    let names: Vec<String> = entries(&f).into_iter().map(|e| e.0).collect();
    assert_eq!(
        names,
        ["apple", "de Gaulle", "Dover", "Eagle", "Éclair", "Zeta"]
    );
    let page = f.page("index/index.html");
    let letters: Vec<String> = page
        .select(".index-letter > h2")
        .into_iter()
        .map(text_of)
        .collect();
    assert_eq!(letters, ["A", "D", "E", "Z"]);
    let jump: Vec<String> = page.attrs(".index-letters a", "href");
    assert_eq!(jump, ["#letter-a", "#letter-d", "#letter-e", "#letter-z"]);
    assert!(common::broken_links(&f.root().join("output")).is_empty());
}

#[test]
fn locators_land_on_the_matched_words_in_series_order() {
    let f = series(
        "[[term]]\nname = \"Kerensky, Alexander\"\nmatch = [\"Kerensky\"]\n",
        &[
            ("One", "\nKerensky spoke. Kerensky again, same paragraph.\n"),
            ("Two", "\n## Summer\n\nFirst Kerensky.\n\nSecond Kerensky.\n\n> Quoted Kerensky.\n\n- listed Kerensky\n"),
        ],
    );
    f.build_ok(&[]);
    assert_eq!(
        entries(&f),
        [(
            "Kerensky, Alexander".to_string(),
            vec!["Part I", "Part II", "2", "3", "4"]
                .into_iter()
                .map(String::from)
                .collect()
        )]
    );
    let index = f.page("index/index.html");
    let part_two = index.select(".locator-part")[1];
    assert!(text_of(part_two).starts_with("Part II ×4"));
    // Every locator resolves to a span around exactly the words.
    for url in index.attrs(".locator-part a", "href") {
        let (file, id) = url.trim_start_matches("../").split_once('#').unwrap();
        let page = f.page(file);
        let target = page.one(&format!("span.ix#{id}"));
        assert_eq!(text_of(target), "Kerensky");
    }
    // Part I's occurrence precedes any heading; Part II's are all in "Summer".
    assert_eq!(index.attrs(".locator-part a", "title"), ["§ Summer"; 4]);
}

#[test]
fn longest_phrase_wins_and_matching_is_whole_word_and_case_sensitive() {
    let f = series(
        "[[term]]\nname = \"Bolshevik Party\"\n[[term]]\nname = \"Bolsheviks\"\nmatch = [\"Bolsheviks\", \"Bolshevik\"]\n",
        &[("One", "\nThe Bolshevik Party grew.\n\nThe Bolsheviks won.\n\nBolshevikism and bolsheviks are not matched.\n")],
    );
    f.build_ok(&[]);
    let page = f.page("one/index.html");
    let spans: Vec<String> = page.select("span.ix").into_iter().map(text_of).collect();
    assert_eq!(spans, ["Bolshevik Party", "Bolsheviks"]);
}

#[test]
fn a_phrase_split_by_a_line_break_of_the_source_is_found() {
    let f = series(
        "[[term]]\nname = \"Provisional Government\"\n",
        &[(
            "One",
            "\nThe Provisional\nGovernment met. Then the *Provisional\nGovernment* fell.\n",
        )],
    );
    f.build_ok(&[]);
    let page = f.page("one/index.html");
    let spans = page.select("p span.ix[id]");
    let texts: Vec<String> = spans
        .iter()
        .map(|s| text_of(*s).replace('\n', " "))
        .collect();
    assert_eq!(texts, ["Provisional Government", "Provisional Government"]);
    let ids: Vec<String> = page.attrs("p span.ix[id]", "id");
    let locators: Vec<String> = f.page("index/index.html").attrs(".index-entry a", "href");
    assert_eq!(locators, [format!("../one/index.html#{}", ids[0])]);
}

#[test]
fn prose_everywhere_is_indexed_but_never_code_links_or_html() {
    let f = series(
        "[[term]]\nname = \"Petrograd\"\n",
        &[(
            "One",
            "\n## Petrograd in a heading\n\n| Petrograd |\n|---|\n| cell |\n\nA note.[^n] A [link to Petrograd](https://example.org/Petrograd) \
             and `Petrograd` in code and <b title=\"Petrograd\">raw</b> and ![Petrograd](https://example.org/Petrograd.png).\n\n\
             ```\nPetrograd\n```\n\n[^n]: Petrograd in a note.\n",
        )],
    );
    f.build_ok(&[]);
    let page = f.page("one/index.html");
    let in_body: Vec<String> = page
        .select(".part-body span.ix[id]")
        .into_iter()
        .map(|s| {
            let parent = s.parent().and_then(scraper::ElementRef::wrap).unwrap();
            parent.value().name().to_string()
        })
        .collect();
    // heading, table header, link text; the note's occurrence is in the endnotes.
    assert_eq!(in_body, ["h2", "th", "a"]);
    assert_eq!(page.select(".endnotes span.ix[id]").len(), 1);
    assert!(page.select("code span.ix, pre span.ix").is_empty());
    assert_eq!(
        page.attrs(".part-body a[href^=http]", "href"),
        ["https://example.org/Petrograd"]
    );
    assert_eq!(page.attrs("img", "alt"), ["Petrograd"]);
    // The margin copy of the note keeps the span but not the id: ids stay unique.
    assert_eq!(page.select(".sidenote span.ix").len(), 1);
    assert!(page.select(".sidenote span.ix[id]").is_empty());
    let ids = page.ids();
    let unique: std::collections::BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate ids: {ids:?}");
}

#[test]
fn markers_add_occurrences_and_sub_entries() {
    let f = series(
        "[[term]]\nname = \"Kerensky, Alexander\"\nmatch = [\"Kerensky\"]\n",
        &[(
            "One",
            "\n[the head of the government](<index:Kerensky, Alexander>) fled.\n\n\
             Money came.[](<index:Bolshevik Party!German funds>) And [orders](index:Lenin).\n",
        )],
    );
    f.build_ok(&[]);
    let page = f.page("one/index.html");
    let marker = page.one("span.ix#ix-1");
    assert_eq!(text_of(marker), "the head of the government");
    assert!(
        page.select(".part-body a").is_empty(),
        "markers render as plain text"
    );
    assert_eq!(text_of(page.one("span.ix-marker")), "");
    let names: Vec<String> = entries(&f).into_iter().map(|e| e.0).collect();
    assert_eq!(names, ["Bolshevik Party", "Kerensky, Alexander", "Lenin"]);
    let index = f.page("index/index.html");
    let sub = index.one("#term-bolshevik-party .index-subentries > li");
    assert_eq!(text_of(sub), "German funds, Part I");
    assert_eq!(
        sub.select(&sel("a")).next().unwrap().value().attr("href"),
        Some("../one/index.html#ix-2")
    );
}

#[test]
fn see_and_see_also_link_to_their_entries() {
    let f = series(
        "[[term]]\nname = \"Coup d'état\"\nsee = \"Bolshevik Party\"\n\
         [[term]]\nname = \"Bolshevik Party\"\nsee_also = [\"Soviets\"]\n\
         [[term]]\nname = \"Soviets\"\nmatch = [\"soviets\"]\n",
        &[("One", "\nThe Bolshevik Party and the soviets.\n")],
    );
    f.build_ok(&[]);
    let index = f.page("index/index.html");
    let coup = index.one("#term-coup-détat");
    assert_eq!(text_of(coup), "Coup d'état, see Bolshevik Party");
    assert_eq!(
        coup.select(&sel("a")).next().unwrap().value().attr("href"),
        Some("#term-bolshevik-party")
    );
    let party = index.one("#term-bolshevik-party");
    assert!(text_of(party).ends_with("; see also Soviets"));
    assert!(common::broken_links(&f.root().join("output")).is_empty());
}

#[test]
fn only_published_parts_are_indexed() {
    let f = series(
        "[[term]]\nname = \"Kronstadt\"\n",
        &[("One", "\nKronstadt.\n")],
    )
    .file(
        "series/02-draft.md",
        &part("title = \"D\"\ndraft = true", "\nKronstadt again.\n"),
    );
    f.build_ok(&[]);
    assert_eq!(entries(&f)[0].1, ["Part I"]);
    f.build_ok(&["--drafts"]);
    assert_eq!(entries(&f)[0].1, ["Part I", "Part II"]);
}

#[test]
fn every_page_links_to_the_index_when_there_is_one() {
    let f = series(
        "[[term]]\nname = \"Kronstadt\"\n",
        &[("One", "\nKronstadt.\n")],
    );
    f.build_ok(&[]);
    assert_eq!(
        f.page("index.html").attrs("a.nav-index", "href"),
        ["index/index.html"]
    );
    assert_eq!(
        f.page("one/index.html").attrs("a.nav-index", "href"),
        ["../index/index.html"]
    );
    let plain = Fixture::three_parts();
    plain.build_ok(&[]);
    assert!(!plain.out("index/index.html").exists());
    assert!(plain.page("index.html").select("a.nav-index").is_empty());
}

#[test]
fn bad_terms_file_is_located() {
    let f = series("[[term]]\nname = \"A\"\n", &[("One", "\nA.\n")]);
    assert_fails(
        &f,
        |f| {
            f.write(
                "series/index.toml",
                b"[[term]]\nname = \"A\"\nmatch = [\"A\"\n",
            )
        },
        &["series/index.toml:4:1: invalid array; expected `]`"],
    );
    f.write("series/index.toml", b"[[term]]\nname = \"A\"\n");
    assert_fails(
        &f,
        |f| {
            f.write(
                "series/index.toml",
                b"[[term]]\nname = \"A\"\nmatches = [\"A\"]\n",
            )
        },
        &["series/index.toml:3:1: unknown key `matches` (did you mean `match`?)"],
    );
}

#[test]
fn see_naming_a_missing_term_is_an_error_at_its_line() {
    let f = series("[[term]]\nname = \"A\"\n", &[("One", "\nA.\n")]);
    assert_fails(
        &f,
        |f| f.write("series/index.toml", b"[[term]]\nname = \"A\"\nsee_also = [\"Bee\"]\n\n[[term]]\nname = \"Be\"\nsee = \"A\"\n"),
        &["series/index.toml:3:13: `see_also` names the term \"Bee\", which is not in the index (did you mean \"Be\"?)"],
    );
}

#[test]
fn a_term_that_never_occurs_is_a_warning() {
    let f = series(
        "[[term]]\nname = \"A\"\n\n[[term]]\nname = \"Nowhere\"\n",
        &[("One", "\nA.\n")],
    );
    let run = f.build_ok(&[]);
    assert!(
        run.stderr().contains(
            "series/index.toml:5:8: warning: term \"Nowhere\" never occurs in a published part"
        ),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_marker_with_an_empty_term_is_an_error() {
    let f = series("[[term]]\nname = \"A\"\n", &[("One", "\nA.\n")]);
    assert_fails(
        &f,
        |f| {
            f.write(
                "series/01-one.md",
                part("title = \"One\"", "\nA and [this](<index: >).\n").as_bytes(),
            )
        },
        &["series/01-one.md:5:7: index marker names no term"],
    );
}

#[test]
fn a_theme_that_reads_the_locator_lists_gets_them() {
    // The default theme writes locators from `locators_html`, and the lists
    // are left empty for it; a theme that names `parts` gets every locator.
    let f = series(
        "[[term]]\nname = \"Kerensky\"\n",
        &[
            ("One", "\nKerensky spoke.\n\nKerensky left.\n"),
            ("Two", "\nKerensky returned.\n"),
        ],
    );
    f.build_ok(&[]);
    let default: Vec<String> = f.page("index/index.html").attrs(".locator-part a", "href");
    assert_eq!(default.len(), 3, "{default:?}");
    f.write(
        "themes/default/book-index.html",
        b"<!DOCTYPE html><html><body>{% for l in letters %}{% for e in l.entries %}\
          {% for p in e[\"parts\"] %}{% for k in p.links %}<a class=\"own\" href=\"{{ k.url }}\">{{ p.numeral }}</a>\
          {% endfor %}{% endfor %}{% endfor %}{% endfor %}</body></html>",
    );
    f.build_ok(&[]);
    let page = f.page("index/index.html");
    assert_eq!(page.attrs("a.own", "href"), default);
    let numerals: Vec<String> = page.select("a.own").iter().map(|a| text_of(*a)).collect();
    assert_eq!(numerals, ["I", "I", "II"]);
}
