//! The search data and the search page, read back as the browser reads them.

mod common;
use common::{build_example, part, Fixture};

/// The data script as JSON, and its text decoded back into words per section.
struct Data {
    json: serde_json::Value,
    sections: Vec<(String, String, Vec<String>)>,
}

fn read(path: &std::path::Path) -> Data {
    let script = std::fs::read_to_string(path).unwrap();
    let json_text = script
        .strip_prefix("window.quireSearchData=")
        .and_then(|s| s.trim_end().strip_suffix(';'))
        .expect("a script that sets window.quireSearchData");
    let json: serde_json::Value = serde_json::from_str(json_text).unwrap();
    let words: Vec<String> = json["words"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_string())
        .collect();
    let numbers = leb128(&base64(json["text"].as_str().unwrap()));
    let sections_json = json["sections"].as_array().unwrap();
    let mut sections = Vec::new();
    for (i, s) in sections_json.iter().enumerate() {
        let start = s["start"].as_u64().unwrap() as usize;
        let end = sections_json
            .get(i + 1)
            .map_or(numbers.len(), |n| n["start"].as_u64().unwrap() as usize);
        let part = &json["parts"][s["part"].as_u64().unwrap() as usize];
        let url = format!(
            "{}#{}",
            part["url"].as_str().unwrap(),
            s["anchor"].as_str().unwrap()
        );
        let text = numbers[start..end]
            .iter()
            .map(|&n| words[n as usize].clone())
            .collect();
        sections.push((url, s["heading"].as_str().unwrap().to_string(), text));
    }
    Data { json, sections }
}

fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let mut out = Vec::new();
    for chunk in text.as_bytes().chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .filter(|(_, &c)| c != b'=')
            .fold(0u32, |n, (k, &c)| n | (u32::from(value(c)) << (18 - 6 * k)));
        let bytes = chunk.iter().filter(|&&c| c != b'=').count() - 1;
        for k in 0..bytes {
            out.push((n >> (16 - 8 * k)) as u8);
        }
    }
    out
}

fn leb128(bytes: &[u8]) -> Vec<u32> {
    let mut out = Vec::new();
    let (mut value, mut shift) = (0u32, 0);
    for &b in bytes {
        value |= u32::from(b & 0x7f) << shift;
        if b & 0x80 != 0 {
            shift += 7;
        } else {
            out.push(value);
            value = 0;
            shift = 0;
        }
    }
    out
}

fn fixture() -> Fixture {
    Fixture::empty()
        .file(
            "series/series.toml",
            "title = \"S\"\nbase_url = \"https://example.org/s/\"\n",
        )
        .file(
            "series/01-first.md",
            &part(
                "title = \"Harbour Lights\"",
                "\nOpening words about two’s company[^n].\n\n## The keepers {#keepers}\n\n\
                 Keepers *wound* the clockwork. Call `inlinecode` never.\n\n\
                 ```\nfencedcode stays out\n```\n\n[^n]: Footnote prose here.\n",
            ),
        )
        .file(
            "series/02-draft.md",
            &part("title = \"Draft\"\ndraft = true", "\nUnpublishedword.\n"),
        )
}

#[test]
fn the_data_holds_titles_headings_text_and_notes_but_not_code() {
    let f = fixture();
    f.build_ok(&[]);
    let data = read(&f.out("search/data.js"));
    let urls: Vec<&str> = data.sections.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(
        urls,
        [
            "first/index.html#",
            "first/index.html#keepers",
            "first/index.html#fn-1"
        ]
    );
    let words = |i: usize| data.sections[i].2.join(" ");
    assert_eq!(
        words(0),
        "Harbour Lights Opening words about two’s company."
    );
    assert_eq!(data.sections[1].1, "The keepers");
    assert_eq!(
        words(1),
        "The keepers Keepers wound the clockwork. Call never."
    );
    assert_eq!(data.sections[2].1, "Note 1");
    assert_eq!(words(2), "Footnote prose here.");
    let all: String = data.sections.iter().map(|s| s.2.join(" ")).collect();
    for absent in ["inlinecode", "fencedcode", "Unpublishedword"] {
        assert!(!all.contains(absent), "{absent} is in the search data");
    }
    assert_eq!(data.json["parts"].as_array().unwrap().len(), 1);
}

#[test]
fn every_result_link_lands_on_an_id_of_its_page() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    build_example(&out, &[]);
    let data = read(&out.join("search/data.js"));
    assert!(data.sections.len() > 10);
    for (url, _, _) in &data.sections {
        let (page, anchor) = url.split_once('#').unwrap();
        let html = std::fs::read_to_string(out.join(page)).unwrap();
        let doc = scraper::Html::parse_document(&html);
        if !anchor.is_empty() {
            let selector = scraper::Selector::parse(&format!("[id='{anchor}']")).unwrap();
            assert_eq!(doc.select(&selector).count(), 1, "{url}");
        }
    }
    // Small enough for a series of this size.
    let size = std::fs::metadata(out.join("search/data.js")).unwrap().len();
    assert!(size < 100_000, "search data is {size} bytes");
}

#[test]
fn the_search_box_is_hidden_until_script_shows_it() {
    let f = fixture();
    f.build_ok(&[]);
    let page = f.page("first/index.html");
    let form = page.one("form.site-search[role=search]");
    assert!(
        form.value().attr("hidden").is_some(),
        "visible without JavaScript"
    );
    assert_eq!(form.value().attr("action"), Some("../search/index.html"));
    let scripts = page.attrs("script[src]", "src");
    assert!(
        scripts
            .iter()
            .any(|s| s.starts_with("../search.") && s.ends_with(".js")),
        "{scripts:?}"
    );
    let search = f.page("search/index.html");
    assert!(search
        .one("form.search-form")
        .value()
        .attr("hidden")
        .is_some());
    assert_eq!(search.attrs("form.search-form", "data-index"), ["data.js"]);
    assert_eq!(search.select("noscript").len(), 1);
    assert_eq!(search.select("label[for=search-input]").len(), 1);
}
