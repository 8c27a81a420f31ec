//! Shared test harness: a series in a temporary folder, built by the real
//! `quire` binary, with helpers to read pages as parsed HTML.
#![allow(dead_code)]

use scraper::{Html, Selector};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A project root in a temporary folder.
pub struct Fixture {
    dir: tempfile::TempDir,
}

/// A minimal part file with the given front matter lines and body.
pub fn part(front: &str, body: &str) -> String {
    format!("+++\n{front}\n+++\n{body}")
}

impl Fixture {
    /// An empty project.
    pub fn empty() -> Self {
        Fixture {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A project with `series.toml` and three small parts.
    pub fn three_parts() -> Self {
        Fixture::empty()
            .file(
                "series/series.toml",
                "title = \"Test Series\"\nbase_url = \"https://example.org/s/\"\nauthor = \"T. Author\"\n",
            )
            .file(
                "series/01-first.md",
                &part(
                    "title = \"First\"\ndate = 2024-01-02\nsummary = \"The first.\"",
                    "\nOpening text.\n\n## Alpha\n\nSome words here.\n",
                ),
            )
            .file(
                "series/02-second.md",
                &part(
                    "title = \"Second\"",
                    "\nMiddle text.\n\n## Beta {#beta}\n\nMore.\n",
                ),
            )
            .file(
                "series/03-third.md",
                &part("title = \"Third\"", "\nEnd text.\n"),
            )
    }

    /// Writes a file (creating folders).
    pub fn file(self, rel: &str, content: &str) -> Self {
        self.write(rel, content.as_bytes());
        self
    }

    /// Writes raw bytes.
    pub fn write(&self, rel: &str, bytes: &[u8]) {
        let path = self.dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    /// Removes a file.
    pub fn remove(&self, rel: &str) {
        std::fs::remove_file(self.dir.path().join(rel)).unwrap();
    }

    /// The project root.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// `ROOT/output/REL`.
    pub fn out(&self, rel: &str) -> PathBuf {
        self.root().join("output").join(rel)
    }

    /// Runs `quire ARGS --root ROOT` (the subcommand first).
    pub fn run(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_quire"));
        cmd.args(args).arg("--root").arg(self.root());
        Run(cmd.output().expect("run quire"))
    }

    /// `quire build` with extra arguments.
    pub fn build(&self, extra: &[&str]) -> Run {
        let mut args = vec!["build"];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    /// `quire build` that must succeed.
    pub fn build_ok(&self, extra: &[&str]) -> Run {
        let run = self.build(extra);
        assert_eq!(run.code(), 0, "build failed:\n{}", run.stderr());
        run
    }

    /// A built page, parsed.
    pub fn page(&self, rel: &str) -> Page {
        let text = std::fs::read_to_string(self.out(rel))
            .unwrap_or_else(|e| panic!("cannot read output/{rel}: {e}"));
        Page(Html::parse_document(&text))
    }

    /// Every file under `output/` with its bytes.
    pub fn snapshot(&self) -> BTreeMap<String, Vec<u8>> {
        snapshot(&self.root().join("output"))
    }
}

/// Every file under `dir` with its bytes, keyed by relative path.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    if !dir.exists() {
        return files;
    }
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(dir).unwrap();
            files.insert(
                rel.to_string_lossy().replace('\\', "/"),
                std::fs::read(entry.path()).unwrap(),
            );
        }
    }
    files
}

/// The result of running the binary.
pub struct Run(pub Output);

impl Run {
    /// Exit code.
    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }
    /// Standard error as text.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
    /// Standard output as text.
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }
    /// The lines of standard error that are diagnostics (start with a path).
    pub fn diagnostics(&self) -> Vec<String> {
        self.stderr()
            .lines()
            .filter(|l| !l.starts_with("error:"))
            .map(str::to_string)
            .collect()
    }
}

/// A parsed HTML page.
pub struct Page(pub Html);

impl Page {
    /// All elements matching a CSS selector.
    pub fn select(&self, css: &str) -> Vec<scraper::ElementRef<'_>> {
        let selector = Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css}: {e:?}"));
        self.0.select(&selector).collect()
    }

    /// The one element matching a selector.
    pub fn one(&self, css: &str) -> scraper::ElementRef<'_> {
        let found = self.select(css);
        assert_eq!(
            found.len(),
            1,
            "expected exactly one `{css}`, found {}",
            found.len()
        );
        found[0]
    }

    /// The text of the one element matching a selector, whitespace collapsed.
    pub fn text(&self, css: &str) -> String {
        text_of(self.one(css))
    }

    /// Values of an attribute over all elements matching a selector.
    pub fn attrs(&self, css: &str, attr: &str) -> Vec<String> {
        self.select(css)
            .iter()
            .filter_map(|e| e.value().attr(attr).map(str::to_string))
            .collect()
    }

    /// Every id in the page.
    pub fn ids(&self) -> Vec<String> {
        self.attrs("[id]", "id")
    }
}

/// An element's text with whitespace collapsed.
pub fn text_of(e: scraper::ElementRef<'_>) -> String {
    e.text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Checks that every relative `href`/`src` in every HTML page under `dir`
/// names an existing file and, with a fragment, an existing id there.
/// Returns the problems found.
pub fn broken_links(dir: &Path) -> Vec<String> {
    let pages: BTreeMap<String, Vec<u8>> = snapshot(dir)
        .into_iter()
        .filter(|(p, _)| p.ends_with(".html") && p != "404.html")
        .collect();
    let mut problems = Vec::new();
    let mut checked = 0;
    for (path, bytes) in &pages {
        let html = Html::parse_document(&String::from_utf8_lossy(bytes));
        let sel = Selector::parse("[href], [src]").unwrap();
        for el in html.select(&sel) {
            let url = el.value().attr("href").or(el.value().attr("src")).unwrap();
            if url.contains("://") || url.starts_with("mailto:") || url.starts_with("data:") {
                continue;
            }
            checked += 1;
            let (file, fragment) = url.split_once('#').unwrap_or((url, ""));
            let base = Path::new(path).parent().unwrap_or(Path::new(""));
            let target = if file.is_empty() {
                PathBuf::from(path)
            } else {
                normalize(&base.join(file))
            };
            let target_str = target.to_string_lossy().replace('\\', "/");
            let full = dir.join(&target);
            if !full.is_file() {
                problems.push(format!("{path}: {url}: no file {target_str}"));
                continue;
            }
            if !fragment.is_empty() {
                let text = std::fs::read_to_string(&full).unwrap();
                let target_html = Html::parse_document(&text);
                let id_sel = Selector::parse("[id]").unwrap();
                let found = target_html
                    .select(&id_sel)
                    .any(|e| e.value().attr("id") == Some(fragment));
                if !found {
                    problems.push(format!("{path}: {url}: no id #{fragment} in {target_str}"));
                }
            }
        }
    }
    assert!(
        checked > 0,
        "no relative links were checked in {}",
        dir.display()
    );
    problems
}

fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Builds a good site first, applies `breakage`, then checks the failed build:
/// exit 1, every expected diagnostic present, output byte-for-byte unchanged.
pub fn assert_fails(f: &Fixture, breakage: impl FnOnce(&Fixture), expected: &[&str]) {
    f.build_ok(&[]);
    let before = f.snapshot();
    assert!(!before.is_empty());
    breakage(f);
    let run = f.build(&[]);
    assert_eq!(run.code(), 1, "expected exit 1, stderr:\n{}", run.stderr());
    let diags = run.diagnostics();
    for e in expected {
        assert!(
            diags.iter().any(|d| d.starts_with(e)),
            "no diagnostic starting with {e:?} in:\n{}",
            run.stderr()
        );
    }
    assert_eq!(f.snapshot(), before, "output/ changed after a failed build");
}

/// Ids that occur more than once in a page, for every HTML page under `dir`.
pub fn duplicate_ids(dir: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for (path, bytes) in snapshot(dir)
        .into_iter()
        .filter(|(p, _)| p.ends_with(".html"))
    {
        let page = Page(Html::parse_document(&String::from_utf8_lossy(&bytes)));
        let mut seen = std::collections::BTreeSet::new();
        for id in page.ids() {
            if !seen.insert(id.clone()) {
                problems.push(format!("{path}: #{id}"));
            }
        }
    }
    problems
}

/// Builds the project's own example series into `out` with extra arguments;
/// panics with quire's messages if the build fails.
pub fn build_example(out: &Path, extra: &[&str]) {
    let run = Command::new(env!("CARGO_BIN_EXE_quire"))
        .args(["build", "--root", env!("CARGO_MANIFEST_DIR"), "--output"])
        .arg(out)
        .args(extra)
        .output()
        .expect("run quire");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}
