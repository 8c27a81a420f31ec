//! Publishing: feed, sitemap, metadata, scheduled parts, `quire new`,
//! `quire check`, and deploy-friendly output.

mod common;
use common::{part, Fixture};
use std::collections::BTreeSet;

const BASE: &str = "https://example.org/s/";

fn published() -> Fixture {
    Fixture::empty()
        .file(
            "series/series.toml",
            "title = \"The Series\"\nauthor = \"A. Writer\"\nbase_url = \"https://example.org/s\"\n\
             [[forthcoming]]\npart = 4\ntitle = \"Fourth\"\n",
        )
        .file(
            "series/01-one.md",
            &part("title = \"One\"\ndate = 2024-01-10\nsummary = \"First & best.\"", "\nSee [two](part:2#b).[^n]\n\n[^n]: A note.\n"),
        )
        .file(
            "series/02-two.md",
            &part("title = \"Two\"\ndate = 2024-02-10\nupdated = 2024-03-01", "\n## B\n\n![x](assets/a.svg)\n"),
        )
        .file("series/03-three.md", &part("title = \"Three\"\ndate = 2024-04-10\ndraft = true", "\nDraft.\n"))
        .file("series/assets/a.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1\" height=\"1\"/>")
}

const ATOM: &str = "http://www.w3.org/2005/Atom";

fn child<'a>(node: roxmltree::Node<'a, 'a>, name: &str) -> roxmltree::Node<'a, 'a> {
    node.children()
        .find(|c| c.has_tag_name((ATOM, name)))
        .unwrap_or_else(|| panic!("no <{name}> in <{}>", node.tag_name().name()))
}

fn text<'a>(node: roxmltree::Node<'a, 'a>, name: &str) -> &'a str {
    child(node, name).text().unwrap_or("")
}

#[test]
fn atom_feed_is_valid_and_holds_the_published_parts_newest_first() {
    let f = published();
    f.build_ok(&[]);
    let xml = std::fs::read_to_string(f.out("atom.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let feed = doc.root_element();
    assert!(feed.has_tag_name((ATOM, "feed")));
    assert_eq!(text(feed, "title"), "The Series");
    assert_eq!(text(feed, "id"), BASE);
    assert_eq!(text(feed, "updated"), "2024-03-01T00:00:00Z");
    assert_eq!(text(child(feed, "author"), "name"), "A. Writer");
    let self_link = feed
        .children()
        .find(|c| c.has_tag_name((ATOM, "link")) && c.attribute("rel") == Some("self"))
        .unwrap();
    assert_eq!(
        self_link.attribute("href"),
        Some("https://example.org/s/atom.xml")
    );
    let entries: Vec<_> = feed
        .children()
        .filter(|c| c.has_tag_name((ATOM, "entry")))
        .collect();
    let titles: Vec<&str> = entries.iter().map(|e| text(*e, "title")).collect();
    assert_eq!(
        titles,
        ["Part II: Two", "Part I: One"],
        "newest first, no draft"
    );
    let two = entries[0];
    assert_eq!(text(two, "id"), "https://example.org/s/two/");
    assert_eq!(text(two, "published"), "2024-02-10T00:00:00Z");
    assert_eq!(text(two, "updated"), "2024-03-01T00:00:00Z");
    assert_eq!(text(entries[1], "summary"), "First & best.");
    assert_eq!(child(two, "content").attribute("type"), Some("html"));
    // The content is the full part with every link made absolute.
    let html = scraper::Html::parse_fragment(text(entries[1], "content"));
    let sel = scraper::Selector::parse("[href], [src]").unwrap();
    let urls: Vec<&str> = html
        .select(&sel)
        .map(|e| e.value().attr("href").or(e.value().attr("src")).unwrap())
        .collect();
    assert!(urls.contains(&"https://example.org/s/two/#b"), "{urls:?}");
    assert!(urls.iter().all(|u| u.starts_with("https://")), "{urls:?}");
    assert_eq!(
        html.select(&scraper::Selector::parse(".sidenote").unwrap())
            .count(),
        0
    );
    // The note's reference stays; its margin copy and the headings'
    // permalinks are for the page alone.
    let count = |html: &scraper::Html, css: &str| {
        html.select(&scraper::Selector::parse(css).unwrap()).count()
    };
    assert_eq!(count(&html, "sup.noteref a[href$='#fn-1']"), 1);
    assert_eq!(count(&html, "#fn-1"), 1, "the endnote");
    let image = scraper::Html::parse_fragment(text(two, "content"));
    let heading = image
        .select(&scraper::Selector::parse("h2#b").unwrap())
        .next()
        .expect("the heading, with its id");
    assert_eq!(heading.text().collect::<String>(), "B");
    assert_eq!(count(&image, ".permalink"), 0);
    let img = image
        .select(&scraper::Selector::parse("img").unwrap())
        .next()
        .unwrap();
    assert_eq!(
        img.value().attr("src"),
        Some("https://example.org/s/assets/a.svg")
    );
}

#[test]
fn sitemap_lists_exactly_the_published_pages() {
    let f = published().file("series/index.toml", "[[term]]\nname = \"note\"\n");
    f.build_ok(&["--drafts"]);
    let xml = std::fs::read_to_string(f.out("sitemap.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let ns = "http://www.sitemaps.org/schemas/sitemap/0.9";
    assert!(doc.root_element().has_tag_name((ns, "urlset")));
    let urls: Vec<(String, String)> = doc
        .root_element()
        .children()
        .filter(|c| c.has_tag_name((ns, "url")))
        .map(|u| {
            let get = |n: &str| {
                u.children()
                    .find(|c| c.has_tag_name((ns, n)))
                    .and_then(|c| c.text())
                    .unwrap_or("")
                    .to_string()
            };
            (get("loc"), get("lastmod"))
        })
        .collect();
    assert_eq!(
        urls,
        [
            (BASE.to_string(), "2024-03-01".to_string()),
            (
                "https://example.org/s/one/".to_string(),
                "2024-01-10".to_string()
            ),
            (
                "https://example.org/s/two/".to_string(),
                "2024-03-01".to_string()
            ),
            (
                "https://example.org/s/all/".to_string(),
                "2024-03-01".to_string()
            ),
            (
                "https://example.org/s/index/".to_string(),
                "2024-03-01".to_string()
            ),
        ],
        "the draft built with --drafts is not in the sitemap"
    );
    let feed = std::fs::read_to_string(f.out("atom.xml")).unwrap();
    assert!(!feed.contains("Part III"), "nor in the feed");
    assert_eq!(
        f.page("three/index.html")
            .attrs("meta[name=robots]", "content"),
        ["noindex"]
    );
    assert_eq!(
        f.page("404.html").attrs("meta[name=robots]", "content"),
        ["noindex"]
    );
}

#[test]
fn part_pages_carry_canonical_social_and_structured_metadata() {
    let f = published();
    f.build_ok(&[]);
    let page = f.page("one/index.html");
    assert_eq!(
        page.attrs("link[rel=canonical]", "href"),
        ["https://example.org/s/one/"]
    );
    assert_eq!(
        page.attrs("meta[name=description]", "content"),
        ["First & best."]
    );
    assert_eq!(
        page.attrs("meta[property=\"og:type\"]", "content"),
        ["article"]
    );
    assert_eq!(
        page.attrs("meta[property=\"og:title\"]", "content"),
        ["Part I: One"]
    );
    assert_eq!(
        page.attrs("meta[property=\"og:description\"]", "content"),
        ["First & best."]
    );
    assert_eq!(
        page.attrs("meta[property=\"article:published_time\"]", "content"),
        ["2024-01-10"]
    );
    assert_eq!(
        page.attrs("meta[name=\"twitter:card\"]", "content"),
        ["summary"]
    );
    assert_eq!(
        page.attrs("link[rel=alternate][type=\"application/atom+xml\"]", "href"),
        ["../atom.xml"]
    );
    let ld: serde_json::Value =
        serde_json::from_str(&page.text("script[type=\"application/ld+json\"]")).unwrap();
    assert_eq!(ld["@type"], "Article");
    assert_eq!(ld["headline"], "One");
    assert_eq!(ld["datePublished"], "2024-01-10");
    assert_eq!(ld["position"], 1);
    assert_eq!(ld["isPartOf"]["@type"], "CreativeWorkSeries");
    assert_eq!(ld["isPartOf"]["url"], BASE);
    let series = f.page("index.html");
    assert_eq!(
        series.attrs("link[rel=alternate][type=\"application/atom+xml\"]", "href"),
        ["atom.xml"]
    );
    let ld: serde_json::Value =
        serde_json::from_str(&series.text("script[type=\"application/ld+json\"]")).unwrap();
    assert_eq!(ld["@type"], "CreativeWorkSeries");
    assert_eq!(ld["hasPart"].as_array().unwrap().len(), 2);
}

#[test]
fn a_build_without_base_url_is_an_error_unless_given_one() {
    let f = Fixture::empty()
        .file("series/series.toml", "title = \"S\"\n")
        .file("series/01-a.md", &part("title = \"A\"", "x"));
    let run = f.build(&[]);
    assert_eq!(run.code(), 1);
    assert!(
        run.stderr()
            .starts_with("series/series.toml: no `base_url`: the feed and the sitemap need"),
        "{}",
        run.stderr()
    );
    assert!(!f.out("index.html").exists());
    f.build_ok(&["--base-url", "https://elsewhere.example/x/"]);
    assert_eq!(
        f.page("a/index.html").attrs("link[rel=canonical]", "href"),
        ["https://elsewhere.example/x/a/"]
    );
}

#[test]
fn output_is_deterministic_and_a_second_build_writes_nothing() {
    let f = published();
    let a = f.root().join("site-a");
    let b = f.root().join("site-b");
    f.build_ok(&["--output", a.to_str().unwrap()]);
    f.build_ok(&["--output", b.to_str().unwrap()]);
    assert_eq!(common::snapshot(&a), common::snapshot(&b));
    let again = f.build_ok(&["--output", a.to_str().unwrap()]);
    assert!(again.stdout().contains("(0 written,"), "{}", again.stdout());
}

#[test]
fn publishing_the_next_part_changes_exactly_the_pages_it_should() {
    let f = published().file("series/index.toml", "[[term]]\nname = \"note\"\n");
    f.build_ok(&[]);
    let before = f.snapshot();
    f.write(
        "series/04-four.md",
        part(
            "title = \"Fourth\"\ndate = 2024-05-01",
            "\nBack to [two](part:2).\n",
        )
        .as_bytes(),
    );
    f.build_ok(&[]);
    let after = f.snapshot();
    let changed: BTreeSet<&str> = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .map(|(k, _)| k.as_str())
        .collect();
    let expected: BTreeSet<&str> = [
        ".quire-manifest",
        "four/index.html",
        "two/index.html", // its next link and its backlinks
        "index.html",     // the series page
        "all/index.html", // the one-page edition
        "search/data.js", // the search data
        "atom.xml",
        "sitemap.xml",
    ]
    .into();
    assert_eq!(changed, expected);
}

#[test]
fn scheduled_parts_wait_for_their_date() {
    let f = published().file(
        "series/05-five.md",
        &part("title = \"Five\"\ndate = 2030-01-01\nannounce = true", "x"),
    );
    let run = f.build_ok(&["--today", "2025-06-01"]);
    assert!(
        run.stdout()
            .starts_with("Built 2 parts (1 draft skipped, 1 scheduled: next due 2030-01-01)"),
        "{}",
        run.stdout()
    );
    assert!(!f.out("five/index.html").exists());
    let index = f.page("index.html");
    let upcoming: Vec<String> = index
        .select(".part-entry.forthcoming .part-title")
        .into_iter()
        .map(common::text_of)
        .collect();
    assert_eq!(upcoming, ["Fourth", "Five"]);
    assert_eq!(
        index.attrs(".part-entry.forthcoming time", "datetime"),
        ["2030-01-01"]
    );
    // The day comes: the same source publishes it.
    f.build_ok(&["--today", "2030-01-01"]);
    assert!(f.out("five/index.html").exists());
    f.build_ok(&["--today", "2025-06-01", "--future"]);
    assert!(f.out("five/index.html").exists());
}

#[test]
fn check_runs_everything_and_writes_nothing() {
    let f = published();
    let run = f.run(&["check"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(
        run.stdout().starts_with("Checked 2 parts"),
        "{}",
        run.stdout()
    );
    assert!(!f.root().join("output").exists());
    f.write(
        "series/02-two.md",
        part("title = \"Two\"", "\n[x](part:9)\n").as_bytes(),
    );
    let run = f.run(&["check"]);
    assert_eq!(run.code(), 1);
    assert!(
        run.stderr()
            .contains("series/01-one.md:7:5: broken link to part:2#b: no such anchor"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr()
            .contains("series/02-two.md:5:1: broken link to part:9"),
        "{}",
        run.stderr()
    );
    assert!(!f.root().join("output").exists());
}

#[test]
fn new_creates_the_next_part_as_a_draft() {
    let f = published();
    // Part 4 is announced: its title is taken from series.toml.
    let run = f.run(&["new", "--today", "2024-06-01"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_eq!(run.stdout().trim(), "series/04-fourth.md");
    let text = std::fs::read_to_string(f.root().join("series/04-fourth.md")).unwrap();
    let front: toml::Table = text.split("+++").nth(1).unwrap().parse().unwrap();
    assert_eq!(front["title"].as_str(), Some("Fourth"));
    assert_eq!(
        front["date"].as_datetime().unwrap().to_string(),
        "2024-06-01"
    );
    assert_eq!(front["draft"].as_bool(), Some(true));
    let run = f.run(&["new", "Fifth \"Part\": Endings", "--today", "2024-06-01"]);
    assert_eq!(run.stdout().trim(), "series/05-fifth-part-endings.md");
    let fifth = std::fs::read_to_string(f.root().join("series/05-fifth-part-endings.md")).unwrap();
    let front: toml::Table = fifth.split("+++").nth(1).unwrap().parse().unwrap();
    assert_eq!(front["title"].as_str(), Some("Fifth \"Part\": Endings"));
    // The new parts build (as drafts).
    f.build_ok(&["--drafts"]);
    assert!(f.out("fourth/index.html").is_file());
}

#[test]
fn new_never_overwrites_and_rejects_bad_input() {
    let f = published();
    f.write("series/04-fourth.md", b"mine");
    let run = f.run(&["new", "Fourth", "--part", "4"]);
    assert_eq!(run.code(), 1);
    assert!(
        run.stderr()
            .contains("series/04-fourth.md already exists; quire never overwrites"),
        "{}",
        run.stderr()
    );
    assert_eq!(
        std::fs::read(f.root().join("series/04-fourth.md")).unwrap(),
        b"mine"
    );
    let taken = f.run(&["new", "Again", "--part", "2"]);
    assert_eq!(taken.code(), 2);
    assert!(
        taken
            .stderr()
            .contains("--part 2: Part 2 already exists (series/02-two.md)"),
        "{}",
        taken.stderr()
    );
    assert_eq!(f.run(&["new", "Zero", "--part", "0"]).code(), 2);
    assert_eq!(f.run(&["new", "X", "--part", "two"]).code(), 2);
    let empty = Fixture::empty();
    let run = empty.run(&["new", "First"]);
    assert_eq!(run.code(), 1);
    assert!(
        run.stderr().contains("series/series.toml: not found"),
        "{}",
        run.stderr()
    );
}
