//! The one-page edition: every published part in one page, ids unique,
//! every link into a part pointing inside the page.

mod common;
use common::{part, text_of, Fixture, Page};
use std::collections::BTreeSet;

fn series() -> Fixture {
    Fixture::empty()
        .file(
            "series/series.toml",
            "title = \"S\"\nbase_url = \"https://example.org/s/\"\n",
        )
        .file("series/index.toml", "[[term]]\nname = \"Alpha\"\n")
        .file(
            "series/01-first.md",
            &part(
                "title = \"First\"",
                "\n## Start {#start}\n\nAlpha begins[^n]. On to [the middle](02-second.md#middle) \
                 and [the second part](part:2).\n\n[^n]: A note of the first part.\n",
            ),
        )
        .file(
            "series/02-second.md",
            &part(
                "title = \"Second\"",
                "\n## Start {#start}\n\nSame heading id as part one[^n].\n\n## Middle {#middle}\n\n\
                 Alpha again, back to [the start](part:1#start) and [here](#middle).\n\n\
                 ![A figure](assets/f.svg)\n\n[^n]: The second part's note.\n",
            ),
        )
        .file(
            "series/assets/f.svg",
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"></svg>",
        )
        .file(
            "series/03-draft.md",
            &part("title = \"Draft\"\ndraft = true", "\nNot ready.\n"),
        )
}

fn edition(f: &Fixture) -> Page {
    f.build_ok(&[]);
    f.page("all/index.html")
}

#[test]
fn every_published_part_in_order_with_its_own_contents() {
    let f = series();
    let page = edition(&f);
    let titles: Vec<String> = page
        .select("article.edition-part h2.part-title")
        .iter()
        .map(|h| text_of(*h))
        .collect();
    assert_eq!(titles, ["First", "Second"]);
    let sections: Vec<&str> = page
        .select("article.edition-part")
        .iter()
        .map(|a| a.value().attr("id").unwrap())
        .collect();
    assert_eq!(sections, ["part-1", "part-2"]);
    let contents = page.attrs(".edition-toc a", "href");
    assert_eq!(
        contents,
        [
            "#part-1",
            "#p1-start",
            "#part-2",
            "#p2-start",
            "#p2-middle",
            "#edition-index"
        ]
    );
    // The series page links to it.
    assert_eq!(
        f.page("index.html").attrs(".edition-link a", "href"),
        ["all/index.html"]
    );
}

#[test]
fn ids_are_unique_and_every_fragment_resolves_inside_the_page() {
    let f = series();
    let page = edition(&f);
    let ids = page.ids();
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate ids: {ids:?}");
    for href in page.attrs("a[href]", "href") {
        if let Some(fragment) = href.strip_prefix('#') {
            assert!(
                ids.iter().any(|id| id == fragment),
                "#{fragment} is not in the page"
            );
        }
        assert!(
            !href.starts_with("../first/") && !href.starts_with("../second/"),
            "{href} leaves the edition"
        );
    }
    // What the links became.
    let body = |n: usize| page.select("article.edition-part .part-body")[n];
    let first: Vec<&str> = body(0)
        .select(&scraper::Selector::parse("a[href]:not(.permalink)").unwrap())
        .map(|a| a.value().attr("href").unwrap())
        .collect();
    assert!(first.contains(&"#p2-middle"), "{first:?}");
    assert!(first.contains(&"#part-2"), "{first:?}");
    assert!(first.contains(&"#p1-fn-1"), "{first:?}");
    // Each part keeps its own notes, with their own ids.
    assert_eq!(
        page.text("#p1-fn-1 p:not(.backlinks)"),
        "A note of the first part."
    );
    assert_eq!(
        page.text("#p2-fn-1 p:not(.backlinks)"),
        "The second part’s note."
    );
    // Images still load (the edition is one folder deep, like a part).
    assert_eq!(page.attrs(".part-body img", "src"), ["../assets/f.svg"]);
    assert!(
        page.select("article#part-3, #p3-start").is_empty(),
        "drafts stay out"
    );
}

#[test]
fn the_index_locators_point_inside_the_page() {
    let f = series();
    let page = edition(&f);
    let locators = page.attrs("#edition-index .locator-part a", "href");
    assert_eq!(locators.len(), 2, "{locators:?}");
    for href in &locators {
        let id = href.strip_prefix('#').expect("a fragment");
        let target = page.one(&format!("[id='{id}']"));
        assert_eq!(text_of(target), "Alpha");
    }
}

#[test]
fn the_index_locators_given_to_templates_point_inside_the_page_too() {
    // A theme may write the locators from `parts[].links` itself: in the
    // edition those links must land on the words in the page, as the
    // default theme's `locators_html` do.
    let f = series();
    let page = edition(&f);
    let html_locators = page.attrs("#edition-index .locator-part a", "href");
    f.write(
        "themes/default/edition.html",
        b"<!DOCTYPE html><html><body>{% for l in letters %}{% for e in l.entries %}\
          {% for p in e.parts %}{% for k in p.links %}<a class=\"own\" href=\"{{ k.url }}\">{{ p.number }}</a>\
          {% endfor %}{% endfor %}{% endfor %}{% endfor %}</body></html>",
    );
    f.build_ok(&[]);
    let own = f.page("all/index.html").attrs("a.own", "href");
    assert_eq!(own, html_locators);
    for href in &own {
        let id = href.strip_prefix('#').expect("a fragment");
        assert_eq!(text_of(page.one(&format!("[id='{id}']"))), "Alpha");
    }
}
