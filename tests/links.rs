//! Cross-links between parts: every form an author writes is rewritten to the
//! built page, checked, followed both ways, and kept alive across publishing.

mod common;
use common::{assert_fails, part, text_of, Fixture};

fn series_with(first_body: &str) -> Fixture {
    Fixture::empty()
        .file(
            "series/series.toml",
            "title = \"S\"\nbase_url = \"https://example.org/s/\"\n[[forthcoming]]\npart = 4\ntitle = \"From Soviet Power to One-Party State\"\n",
        )
        .file("series/01-first.md", &part("title = \"First\"", first_body))
        .file(
            "series/02-dual-power.md",
            &part("title = \"Dual Power\"", "\n## The soviets {#soviets}\n\nText.\n\n## Later\n\nMore.\n"),
        )
        .file(
            "series/essays/03-october.md",
            &part("title = \"October\"", "\n## Rising\n\nBack to [the soviets](../02-dual-power.md#soviets).\n"),
        )
}

fn hrefs_in_body(f: &Fixture, page: &str) -> Vec<String> {
    f.page(page)
        .attrs(".part-body a[href]:not(.permalink)", "href")
}

#[test]
fn every_link_form_is_rewritten_to_the_built_page() {
    let f = series_with(
        "\n## Categories\n\n\
         [file](02-dual-power.md) [file anchor](02-dual-power.md#soviets) \
         [sub folder](essays/03-october.md#rising) [number](part:2) [number anchor](part:2#soviets) \
         [next](part:next) [same page](#categories) [by reference][ref] \
         [external](https://example.org/a.md) [mail](mailto:a@example.org)\n\n\
         [ref]: part:3\n",
    );
    f.build_ok(&[]);
    assert_eq!(
        hrefs_in_body(&f, "first/index.html"),
        [
            "../dual-power/index.html",
            "../dual-power/index.html#soviets",
            "../october/index.html#rising",
            "../dual-power/index.html",
            "../dual-power/index.html#soviets",
            "../dual-power/index.html",
            "#categories",
            "../october/index.html",
            "https://example.org/a.md",
            "mailto:a@example.org",
        ]
    );
    // From a sub-folder, a relative link climbs back out; part:prev works too.
    assert_eq!(
        hrefs_in_body(&f, "october/index.html"),
        ["../dual-power/index.html#soviets"]
    );
    assert!(common::broken_links(&f.root().join("output")).is_empty());
}

#[test]
fn prev_and_links_to_assets() {
    let f = series_with("x").file("series/assets/map.pdf", "%PDF").file(
        "series/05-last.md",
        &part(
            "title = \"Last\"",
            "\n[back](part:prev) [map](assets/map.pdf#page=2)\n",
        ),
    );
    f.build_ok(&[]);
    // The previous *known* part is the forthcoming Part IV: shown, not linked.
    let page = f.page("last/index.html");
    assert_eq!(
        page.attrs(".part-body .link-forthcoming", "title"),
        ["Forthcoming: Part IV, From Soviet Power to One-Party State"]
    );
    assert_eq!(
        hrefs_in_body(&f, "last/index.html"),
        ["../assets/map.pdf#page=2"]
    );
}

#[test]
fn links_inside_footnotes_are_rewritten_too() {
    let f = series_with("\nText.[^n]\n\n[^n]: See [the soviets](part:2#soviets).\n");
    f.build_ok(&[]);
    let page = f.page("first/index.html");
    assert_eq!(
        page.attrs(".endnotes a:not([role])", "href"),
        ["../dual-power/index.html#soviets"]
    );
    assert_eq!(
        page.attrs(".sidenote a", "href"),
        ["../dual-power/index.html#soviets"]
    );
}

#[test]
fn forthcoming_part_link_is_marked_up_then_becomes_a_real_link() {
    let f = series_with("\nThe [one-party state](part:4) and [its end](part:4#end).\n");
    f.build_ok(&[]);
    let page = f.page("first/index.html");
    let spans = page.select(".part-body span.link-forthcoming");
    assert_eq!(spans.len(), 2);
    assert_eq!(text_of(spans[0]), "one-party state");
    assert_eq!(
        spans[0].value().attr("title"),
        Some("Forthcoming: Part IV, From Soviet Power to One-Party State")
    );
    assert!(spans[0].value().attr("href").is_none());
    // Publishing Part IV turns the same source into real links, with no edit.
    let f = f.file(
        "series/04-one-party.md",
        &part("title = \"One Party\"", "\n## The end {#end}\n\nx\n"),
    );
    f.build_ok(&[]);
    let page = f.page("first/index.html");
    assert!(page.select(".link-forthcoming").is_empty());
    assert_eq!(
        page.attrs(".part-body p a", "href"),
        ["../one-party/index.html", "../one-party/index.html#end"]
    );
}

#[test]
fn links_to_drafts() {
    let f = series_with("\nSee [the draft](part:5) and [the announced draft](part:4).\n")
        .file(
            "series/04-draft-four.md",
            &part("title = \"D4\"\ndraft = true", "x"),
        )
        .file(
            "series/05-draft-five.md",
            &part("title = \"D5\"\ndraft = true", "x"),
        );
    // A draft that is not announced cannot be linked from a published part…
    let run = f.build(&[]);
    assert_eq!(run.code(), 1);
    assert_eq!(
        run.diagnostics(),
        ["series/01-first.md:5:5: broken link to part:5: Part V is a draft, left out of this build (publish it, build with --drafts, or announce it as [[forthcoming]] in series.toml)"]
    );
    // …but works with --drafts, where the announced one is a real link too.
    f.build_ok(&["--drafts"]);
    assert_eq!(
        hrefs_in_body(&f, "first/index.html"),
        ["../draft-five/index.html", "../draft-four/index.html"]
    );
}

#[test]
fn broken_links_are_reported_together_with_their_location() {
    let f = series_with("\nOk.\n");
    assert_fails(
        &f,
        |f| {
            f.write(
                "series/01-first.md",
                part(
                    "title = \"First\"",
                    "\nA [file](02-dual-powr.md) and\n   [anchor](02-dual-power.md#soviet)\n\
                     and [number](part:9) and [same](#nowhere) and [bad](part:two).\n",
                )
                .as_bytes(),
            )
        },
        &[
            "series/01-first.md:5:3: broken link to 02-dual-powr.md: no part file series/02-dual-powr.md (did you mean 02-dual-power.md?)",
            "series/01-first.md:6:4: broken link to 02-dual-power.md#soviet: no such anchor (did you mean #soviets?)",
            "series/01-first.md:7:5: broken link to part:9: there is no Part IX (published parts: 1, 2, 3;",
            "series/01-first.md:7:26: broken link to #nowhere: no such anchor",
            "series/01-first.md:7:47: broken link to part:two: `part:` takes a part number, `next` or `prev`",
        ],
    );
}

#[test]
fn next_from_the_last_part_is_an_error() {
    let f = Fixture::three_parts();
    assert_fails(
        &f,
        |f| f.write("series/03-third.md", part("title = \"Third\"", "\nOn to [the next](part:next).\n").as_bytes()),
        &["series/03-third.md:5:7: broken link to part:next: Part III is the last part (announce the next one as [[forthcoming]] in series.toml)"],
    );
}

#[test]
fn missing_asset_link_is_an_error() {
    let f = Fixture::three_parts();
    assert_fails(
        &f,
        |f| f.write("series/03-third.md", part("title = \"Third\"", "\n[map](assets/map.pdf)\n").as_bytes()),
        &["series/03-third.md:5:1: broken link to assets/map.pdf: no such file series/assets/map.pdf"],
    );
}

#[test]
fn backlinks_land_on_the_linking_sentence() {
    let f = series_with("\n## Categories\n\nAs [Part II](part:2#soviets) shows.[^n] Also [self](#categories).\n\n[^n]: And [again](part:2).\n");
    f.build_ok(&[]);
    let target = f.page("dual-power/index.html");
    let items = target.select("section.backlinks li a");
    let labels: Vec<String> = items.iter().map(|a| text_of(*a)).collect();
    let urls: Vec<&str> = items
        .iter()
        .map(|a| a.value().attr("href").unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "Part I, §“Categories”",
            "Part I, §“Categories”",
            "Part III, §“Rising”"
        ]
    );
    assert_eq!(
        urls,
        [
            "../first/index.html#xref-1",
            "../first/index.html#fnref-1",
            "../october/index.html#xref-1"
        ]
    );
    // The ids exist on the link itself and on the note reference.
    let source = f.page("first/index.html");
    assert_eq!(source.text("a#xref-1"), "Part II");
    assert_eq!(source.select("#fnref-1").len(), 1);
    // A part that links only to itself lists no backlinks.
    assert!(source.select("section.backlinks").is_empty());
}

#[test]
fn table_of_contents_for_parts_with_three_headings() {
    let f = series_with("\n## One\n\n### One a\n\n### One b\n\n## Two\n\n#### Deep\n");
    f.build_ok(&[]);
    let page = f.page("first/index.html");
    let top: Vec<String> = page
        .select(".toc > ol > li > a")
        .into_iter()
        .map(text_of)
        .collect();
    assert_eq!(top, ["One", "Two"]);
    assert_eq!(
        page.attrs(".toc > ol > li > ol > li > a", "href"),
        ["#one-a", "#one-b"]
    );
    // Two headings: no contents box.
    assert!(f.page("dual-power/index.html").select(".toc").is_empty());
}

#[test]
fn headings_have_a_permalink_hidden_from_screen_readers() {
    let f = series_with("x");
    f.build_ok(&[]);
    let page = f.page("dual-power/index.html");
    let link = page.one("h2#soviets a.permalink");
    assert_eq!(link.value().attr("href"), Some("#soviets"));
    assert_eq!(link.value().attr("aria-hidden"), Some("true"));
    assert_eq!(link.value().attr("tabindex"), Some("-1"));
}
