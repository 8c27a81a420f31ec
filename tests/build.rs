//! `quire build`: pages, navigation, drafts, themes, assets and the command line.

mod common;
use common::{part, text_of, Fixture};

#[test]
fn series_page_lists_parts_and_forthcoming() {
    let f = Fixture::three_parts().file(
        "series/series.toml",
        "title = \"Test Series\"\nbase_url = \"https://example.org/s/\"\nsubtitle = \"Sub\"\nauthor = \"T. Author\"\ndescription = \"About it.\"\n\n[[forthcoming]]\npart = 4\ntitle = \"Fourth\"\nsummary = \"Soon.\"\n",
    );
    f.build_ok(&[]);
    let page = f.page("index.html");
    assert_eq!(page.text("h1"), "Test Series");
    assert_eq!(page.text(".series-header .subtitle"), "Sub");
    assert_eq!(page.text(".byline"), "by T. Author");
    assert_eq!(page.text(".description"), "About it.");
    let entries = page.select(".part-entry");
    assert_eq!(entries.len(), 4);
    let numbers: Vec<String> = page
        .select(".part-entry .part-number")
        .into_iter()
        .map(text_of)
        .collect();
    assert_eq!(numbers, ["Part I", "Part II", "Part III", "Part IV"]);
    assert_eq!(
        page.attrs(".part-entry .part-title a", "href"),
        ["first/index.html", "second/index.html", "third/index.html"]
    );
    assert_eq!(page.attrs(".part-entry time", "datetime"), ["2024-01-02"]);
    assert_eq!(
        page.text(".part-entry:first-child .part-summary"),
        "The first."
    );
    assert!(page
        .text(".part-entry:first-child .part-meta")
        .ends_with("1 min read"));
    // The forthcoming part is listed by number and title, not linked.
    let forthcoming = page.one(".part-entry.forthcoming");
    assert_eq!(
        text_of(forthcoming).split(" Forthcoming").next().unwrap(),
        "Part IV Fourth"
    );
    assert_eq!(
        forthcoming
            .select(&scraper::Selector::parse("a").unwrap())
            .count(),
        0
    );
}

#[test]
fn part_page_has_position_title_body_and_neighbours() {
    let f = Fixture::three_parts();
    f.build_ok(&[]);
    let page = f.page("second/index.html");
    assert_eq!(page.attrs("html", "lang"), ["en"]);
    assert_eq!(page.attrs("a.site-title", "href"), ["../index.html"]);
    assert_eq!(page.text(".part-position"), "Part II of III");
    assert_eq!(page.text("h1"), "Second");
    assert_eq!(page.text(".part-body p:first-child"), "Middle text.");
    let prev = page.one("a[rel=prev]");
    assert_eq!(prev.value().attr("href"), Some("../first/index.html"));
    assert!(text_of(prev).contains("First"));
    let next = page.one("a[rel=next]");
    assert_eq!(next.value().attr("href"), Some("../third/index.html"));
    assert!(text_of(next).contains("Third"));
    let first = f.page("first/index.html");
    assert!(first.select("[rel=prev]").is_empty());
}

#[test]
fn forthcoming_next_part_is_shown_unlinked_and_counted() {
    let f = Fixture::three_parts().file(
        "series/series.toml",
        "title = \"S\"\nbase_url = \"https://example.org/s/\"\n[[forthcoming]]\npart = 4\ntitle = \"Fourth\"\n",
    );
    f.build_ok(&[]);
    let page = f.page("third/index.html");
    assert_eq!(page.text(".part-position"), "Part III of IV");
    assert!(page.select("a[rel=next]").is_empty());
    assert!(page.text(".part-nav .forthcoming").contains("Fourth"));
}

#[test]
fn drafts_are_left_out_unless_asked_for() {
    let f = Fixture::three_parts()
        .file(
            "series/series.toml",
            "title = \"S\"\nbase_url = \"https://example.org/s/\"\n[[forthcoming]]\npart = 4\ntitle = \"Announced Fourth\"\n",
        )
        .file(
            "series/04-fourth.md",
            &part(
                "title = \"Fourth draft\"\ndraft = true",
                "\nWork in progress.\n",
            ),
        );
    let run = f.build_ok(&[]);
    assert!(
        run.stdout().starts_with("Built 3 parts (1 draft skipped)"),
        "{}",
        run.stdout()
    );
    assert!(!f.out("fourth/index.html").exists());
    let index = f.page("index.html");
    assert_eq!(
        index.text(".part-entry.forthcoming .part-title"),
        "Announced Fourth"
    );
    assert!(f
        .page("first/index.html")
        .select("meta[name=robots]")
        .is_empty());

    f.build_ok(&["--drafts"]);
    let draft = f.page("fourth/index.html");
    assert_eq!(draft.attrs("meta[name=robots]", "content"), ["noindex"]);
    assert!(draft.text(".draft-banner").starts_with("Draft"));
    let index = f.page("index.html");
    assert!(index.select(".part-entry.forthcoming").is_empty());
    assert_eq!(
        index.attrs(".part-entry.draft .part-title a", "href"),
        ["fourth/index.html"]
    );
    // The previous draft build's page is removed again by a normal build.
    f.build_ok(&[]);
    assert!(!f.out("fourth/index.html").exists());
}

#[test]
fn part_numbers_come_from_front_matter_or_file_name_and_order_parts() {
    let f = Fixture::empty()
        .file(
            "series/series.toml",
            "title = \"S\"\nbase_url = \"https://example.org/s/\"\n",
        )
        .file(
            "series/b.md",
            &part("title = \"Two\"\npart = 2\nslug = \"two\"", "x"),
        )
        .file("series/sub/01-one.md", &part("title = \"One\"", "y"))
        .file("series/_ignored.md", "not a part")
        .file("series/.hidden.md", "not a part");
    f.build_ok(&[]);
    let index = f.page("index.html");
    assert_eq!(
        index.attrs(".part-title a", "href"),
        ["one/index.html", "two/index.html"]
    );
}

#[test]
fn markdown_features_render() {
    let body = "\n## The soviets {#soviets}\n\n## Intro\n\n## Intro\n\n\
                | a | b |\n|---|---|\n| 1 | 2 |\n\n~~struck~~ \"quoted\" -- and --- done...\n";
    let f = Fixture::empty()
        .file(
            "series/series.toml",
            "title = \"S\"\nbase_url = \"https://example.org/s/\"\nlanguage = \"fr\"\n",
        )
        .file("series/01-a.md", &part("title = \"A\"", body));
    f.build_ok(&[]);
    let page = f.page("a/index.html");
    assert_eq!(page.attrs("html", "lang"), ["fr"]);
    assert_eq!(
        page.attrs(".part-body h2", "id"),
        ["soviets", "intro", "intro-1"]
    );
    assert_eq!(page.select(".part-body table td").len(), 2);
    assert_eq!(page.text(".part-body del"), "struck");
    let p = page
        .select(".part-body p")
        .into_iter()
        .map(text_of)
        .last()
        .unwrap();
    assert_eq!(p, "struck “quoted” – and — done…");
}

#[test]
fn lone_image_becomes_figure_and_assets_are_copied() {
    let f = Fixture::empty()
        .file("series/series.toml", "title = \"S\"\nbase_url = \"https://example.org/s/\"\n")
        .file("series/assets/maps/map.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"40\" height=\"30\"></svg>")
        .file("series/assets/notes.pdf", "%PDF-1.4")
        .file(
            "series/01-a.md",
            &part("title = \"A\"", "\n![A map](assets/maps/map.svg \"The map.\")\n\nInline ![icon](assets/maps/map.svg) here.\n"),
        );
    f.build_ok(&[]);
    assert!(f.out("assets/maps/map.svg").is_file());
    assert_eq!(
        std::fs::read(f.out("assets/notes.pdf")).unwrap(),
        b"%PDF-1.4"
    );
    let page = f.page("a/index.html");
    let img = page.one("figure > img");
    assert_eq!(img.value().attr("src"), Some("../assets/maps/map.svg"));
    assert_eq!(img.value().attr("alt"), Some("A map"));
    assert_eq!(page.text("figure > figcaption"), "The map.");
    assert_eq!(
        page.select("p > img").len(),
        1,
        "an image inside text stays inline"
    );
    assert!(page.select("figure + p:empty").is_empty());
}

#[test]
fn every_link_between_pages_is_relative() {
    let f = Fixture::three_parts();
    f.build_ok(&[]);
    for page in ["index.html", "first/index.html", "second/index.html"] {
        let page = f.page(page);
        for url in page.attrs(
            "a[href], link[rel=stylesheet], link[rel=alternate], img[src]",
            "href",
        ) {
            assert!(
                !url.starts_with('/') && !url.contains("://"),
                "absolute link {url}"
            );
        }
    }
    assert!(common::broken_links(&f.root().join("output")).is_empty());
}

#[test]
fn default_theme_is_accessible_html5() {
    let f = Fixture::three_parts();
    f.build_ok(&[]);
    let page = f.page("first/index.html");
    assert_eq!(page.attrs("a.skip-link", "href"), ["#content"]);
    assert_eq!(page.attrs("main", "id"), ["content"]);
    assert_eq!(page.select("header.site-header").len(), 1);
    assert_eq!(page.select("footer").len(), 1);
    assert_eq!(page.select("nav[aria-label]").len(), 2);
    assert_eq!(page.attrs("meta[name=viewport]", "content").len(), 1);
    let sheets = page.attrs("link[rel=stylesheet]", "href");
    assert_eq!(sheets.len(), 1);
    let css = std::fs::read_to_string(f.out(sheets[0].trim_start_matches("../"))).unwrap();
    assert!(css.contains("prefers-color-scheme: dark"));
}

#[test]
fn a_theme_folder_overrides_templates_and_static_files_one_by_one() {
    let f = Fixture::three_parts()
        .file("series/series.toml", "title = \"S\"\nbase_url = \"https://example.org/s/\"\ntheme = \"mine\"\n")
        .file(
            "themes/mine/part.html",
            "{% extends \"base.html\" %}{% block content %}<h1 class=\"custom\">{{ part.title }}</h1>{{ body | safe }}{% endblock content %}",
        )
        .file("themes/mine/static/extra.js", "// extra");
    f.build_ok(&[]);
    let page = f.page("first/index.html");
    assert_eq!(page.text("h1.custom"), "First");
    // base.html and style.css still come from the built-in theme.
    assert_eq!(page.attrs("a.skip-link", "href"), ["#content"]);
    let files: Vec<String> = f.snapshot().into_keys().collect();
    assert!(
        files
            .iter()
            .any(|f| f.starts_with("style.") && f.ends_with(".css")),
        "{files:?}"
    );
    assert!(
        files
            .iter()
            .any(|f| f.starts_with("extra.") && f.ends_with(".js")),
        "{files:?}"
    );
}

#[test]
fn autoescaping_protects_titles() {
    let f = Fixture::empty()
        .file(
            "series/series.toml",
            "title = \"Fish & <Chips>\"\nbase_url = \"https://example.org/s/\"\n",
        )
        .file(
            "series/01-a.md",
            &part("title = \"<script>alert(1)</script>\"", "x"),
        );
    f.build_ok(&[]);
    let page = f.page("a/index.html");
    // The only scripts are the structured data and the theme's search script.
    assert!(page
        .select("script:not([type=\"application/ld+json\"]):not([src^=\"../search.\"])")
        .is_empty());
    assert_eq!(page.select("script[src]").len(), 1);
    assert!(page.select("script[src]")[0].inner_html().is_empty());
    assert_eq!(page.text("h1"), "<script>alert(1)</script>");
    assert_eq!(page.text("a.site-title"), "Fish & <Chips>");
}

#[test]
fn the_example_series_builds_and_every_link_resolves() {
    let out = tempfile::tempdir().unwrap();
    let out_dir = out.path().join("site");
    common::build_example(&out_dir, &[]);
    let problems = common::broken_links(&out_dir);
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
    assert!(out_dir.join("index.html").is_file());
    assert!(
        common::snapshot(&out_dir)
            .keys()
            .filter(|k| k.ends_with("/index.html"))
            .count()
            >= 3
    );
}

#[test]
fn cli_help_version_and_usage_errors() {
    let f = Fixture::empty();
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_quire"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("build"));
    let version = std::process::Command::new(env!("CARGO_BIN_EXE_quire"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("quire "));
    assert_eq!(f.run(&["build", "--no-such-flag"]).code(), 2);
    assert_eq!(f.build(&["--base-url", "example.org"]).code(), 2);
}

#[test]
fn timings_name_every_phase_and_the_peak_memory() {
    let f = Fixture::three_parts();
    let out = f.build_ok(&["--timings"]).stdout();
    let rows: Vec<Vec<&str>> = out
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().collect())
        .collect();
    let names: Vec<&str> = rows.iter().map(|r| r[0]).collect();
    let phases = [
        "load", "parse", "links", "index", "cite", "render", "write", "total",
    ];
    let expected: Vec<&str> = phases
        .into_iter()
        .chain(cfg!(target_os = "linux").then_some("memory"))
        .collect();
    assert_eq!(names, expected, "{out}");
    for row in &rows {
        let value: f64 = row[1].parse().unwrap_or_else(|_| panic!("a number: {out}"));
        assert!(value >= 0.0, "{out}");
    }
    if cfg!(target_os = "linux") {
        let memory = rows.last().unwrap();
        assert_eq!(memory[2], "MB", "{out}");
        assert!(memory[1].parse::<f64>().unwrap() > 1.0, "{out}");
    }
}

#[test]
fn summary_line_reports_parts_files_and_changes() {
    let f = Fixture::three_parts();
    let run = f.build_ok(&[]);
    let line = run.stdout();
    assert!(line.starts_with("Built 3 parts, "), "{line}");
    assert!(line.contains(" -> output/ ("), "{line}");
    let again = f.build_ok(&[]);
    assert!(again.stdout().contains("(0 written,"), "{}", again.stdout());
}
