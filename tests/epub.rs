//! The EPUB edition: a valid EPUB 3 (epubcheck, when installed) holding every
//! published part, note and image, with links between chapters.

mod common;
use common::{build_example, part, Fixture};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// Every file of the book, in archive order.
fn unzip(path: &Path) -> Vec<(String, Vec<u8>, zip::CompressionMethod)> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes).unwrap();
            (file.name().unwrap().to_string(), bytes, file.compression())
        })
        .collect()
}

/// XHTML documents start with `<!DOCTYPE html>`.
fn parse(text: &str) -> Result<roxmltree::Document<'_>, roxmltree::Error> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..roxmltree::ParsingOptions::default()
    };
    roxmltree::Document::parse_with_options(text, options)
}

fn fixture() -> Fixture {
    Fixture::empty()
        .file(
            "series/series.toml",
            "title = \"Small Book\"\nauthor = \"A. Writer\"\nbase_url = \"https://example.org/s/\"\n",
        )
        .file("series/index.toml", "[[term]]\nname = \"Alpha\"\n")
        .file(
            "series/01-first.md",
            &part(
                "title = \"First\"\ndate = 2024-01-02",
                "\n## Start {#start}\n\nAlpha with a note[^a] and [a link](part:2#middle).<br>\n\n\
                 ![A square](assets/square.svg \"A square\")\n\n[^a]: The first note.\n",
            ),
        )
        .file(
            "series/02-second.md",
            &part(
                "title = \"Second\"\ndate = 2024-02-03",
                "\n## Middle {#middle}\n\nAlpha again[^b], [the asset](assets/square.svg).\n\n[^b]: The second note.\n",
            ),
        )
        .file(
            "series/03-draft.md",
            &part("title = \"Draft\"\ndraft = true", "\nNot yet.\n"),
        )
        .file(
            "series/assets/square.svg",
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><rect width=\"10\" height=\"10\"/></svg>",
        )
}

#[test]
fn the_book_holds_every_part_note_and_image_with_working_links() {
    let f = fixture();
    f.build_ok(&["--epub"]);
    let files = unzip(&f.out("small-book.epub"));
    assert_eq!(files[0].0, "mimetype");
    assert_eq!(files[0].1, b"application/epub+zip");
    assert_eq!(files[0].2, zip::CompressionMethod::Stored);
    let by_name: BTreeMap<&str, &[u8]> = files
        .iter()
        .map(|(n, b, _)| (n.as_str(), b.as_slice()))
        .collect();
    for name in [
        "META-INF/container.xml",
        "OEBPS/content.opf",
        "OEBPS/nav.xhtml",
        "OEBPS/part-1.xhtml",
        "OEBPS/part-2.xhtml",
        "OEBPS/index.xhtml",
        "OEBPS/assets/square.svg",
    ] {
        assert!(by_name.contains_key(name), "{name} missing");
    }
    assert!(
        !by_name.contains_key("OEBPS/part-3.xhtml"),
        "drafts stay out"
    );

    // Every XHTML file is well-formed XML; collect ids and links.
    let mut ids: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut links: Vec<(String, String)> = Vec::new();
    let texts: BTreeMap<String, String> = files
        .iter()
        .filter(|(n, _, _)| n.ends_with(".xhtml"))
        .map(|(n, b, _)| {
            (
                n.trim_start_matches("OEBPS/").to_string(),
                String::from_utf8(b.clone()).unwrap(),
            )
        })
        .collect();
    for (name, text) in &texts {
        let doc = parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        for node in doc.descendants().filter(|n| n.is_element()) {
            if let Some(id) = node.attribute("id") {
                ids.entry(name.clone()).or_default().push(id.to_string());
            }
            if let Some(href) = node.attribute("href") {
                links.push((name.clone(), href.to_string()));
            }
        }
    }
    for (from, href) in &links {
        if href.contains("://") || href.ends_with(".css") {
            continue;
        }
        let (file, fragment) = href.split_once('#').unwrap_or((href, ""));
        let file = if file.is_empty() { from.as_str() } else { file };
        assert!(
            texts.contains_key(file),
            "{from}: {href} leads to no chapter"
        );
        if !fragment.is_empty() {
            assert!(
                ids[file].iter().any(|id| id == fragment),
                "{from}: {href} has no target"
            );
        }
    }
    // Notes are EPUB footnotes with note references.
    let first = parse(&texts["part-1.xhtml"]).unwrap();
    fn epub_type<'a>(n: &roxmltree::Node<'a, '_>) -> Option<&'a str> {
        n.attribute(("http://www.idpf.org/2007/ops", "type"))
    }
    let footnotes: Vec<_> = first
        .descendants()
        .filter(|n| n.has_tag_name("aside") && epub_type(n) == Some("footnote"))
        .collect();
    assert_eq!(footnotes.len(), 1);
    assert_eq!(footnotes[0].attribute("id"), Some("fn-1"));
    assert!(footnotes[0]
        .descendants()
        .any(|n| n.text() == Some("The first note.")));
    let noterefs: Vec<_> = first
        .descendants()
        .filter(|n| n.has_tag_name("a") && epub_type(n) == Some("noteref"))
        .map(|n| n.attribute("href").unwrap().to_string())
        .collect();
    assert_eq!(noterefs, ["#fn-1"]);
    // The cross-link goes to the other chapter; the link to an asset to the site.
    assert!(links.contains(&("part-1.xhtml".into(), "part-2.xhtml#middle".into())));
    assert!(links.contains(&(
        "part-2.xhtml".into(),
        "https://example.org/s/assets/square.svg".into()
    )));
    // The navigation document lists the parts and their headings.
    let nav = &texts["nav.xhtml"];
    for target in [
        "part-1.xhtml",
        "part-1.xhtml#start",
        "part-2.xhtml#middle",
        "index.xhtml",
    ] {
        assert!(
            nav.contains(&format!("href=\"{target}\"")),
            "nav lacks {target}"
        );
    }
    // Metadata from series.toml.
    let opf = String::from_utf8(by_name["OEBPS/content.opf"].to_vec()).unwrap();
    let opf = roxmltree::Document::parse(&opf).unwrap();
    let meta = |tag: &str| {
        opf.descendants()
            .find(|n| n.tag_name().name() == tag)
            .and_then(|n| n.text())
            .map(str::to_string)
    };
    assert_eq!(meta("title").as_deref(), Some("Small Book"));
    assert_eq!(meta("creator").as_deref(), Some("A. Writer"));
    assert_eq!(
        meta("identifier").as_deref(),
        Some("https://example.org/s/")
    );
}

#[test]
fn no_book_without_the_flag_and_the_same_book_every_time() {
    let f = fixture();
    f.build_ok(&[]);
    assert!(!f.out("small-book.epub").exists());
    f.build_ok(&["--epub"]);
    let first = std::fs::read(f.out("small-book.epub")).unwrap();
    f.build_ok(&["--epub", "--force"]);
    assert_eq!(std::fs::read(f.out("small-book.epub")).unwrap(), first);
}

fn epubcheck() -> Option<std::path::PathBuf> {
    let jar = std::path::PathBuf::from("/usr/share/java/epubcheck.jar");
    if jar.exists() {
        return Some(jar);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "epubcheck is missing: CI must `apt-get install epubcheck` (see .ci/run)"
    );
    eprintln!("epubcheck is not installed: skipping (apt-get install epubcheck)");
    None
}

#[test]
fn epubcheck_finds_no_error_in_the_example_or_the_fixture() {
    let Some(jar) = epubcheck() else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    build_example(&out, &["--epub"]);
    let f = fixture();
    f.build_ok(&["--epub"]);
    for book in [out.join("lines-of-light.epub"), f.out("small-book.epub")] {
        let run = std::process::Command::new("java")
            .arg("-jar")
            .arg(&jar)
            .arg(&book)
            .output()
            .expect("run java");
        let report = format!(
            "{}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(run.status.success(), "{}:\n{report}", book.display());
        assert!(
            report.contains("No errors or warnings detected"),
            "{report}"
        );
    }
}
