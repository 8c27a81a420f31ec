//! Incremental rebuilds (as `serve` and `build --watch` do them) give exactly
//! the site a full build gives.

mod common;
use common::{part, Fixture};
use quire::pipeline::Session;
use quire::BuildOptions;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

/// A change an author makes to the project.
type Edit = Box<dyn Fn(&Fixture)>;

fn pages(session: &mut Session, options: &BuildOptions) -> BTreeMap<String, Vec<u8>> {
    let site = session.render(options).expect("builds");
    site.pages.into_iter().map(|p| (p.path, p.bytes)).collect()
}

#[test]
fn every_kind_of_edit_rebuilds_to_the_same_site_as_a_full_build() {
    let f = Fixture::three_parts()
        .file("series/index.toml", "[[term]]\nname = \"Alpha\"\n")
        .file(
            "series/bibliography.yaml",
            "w:\n  type: book\n  title: Old Title\n  author: Writer, Wendy\n  date: 1950\n",
        )
        .file(
            "series/01-first.md",
            &part(
                "title = \"First\"",
                "\nSee [beta](part:2#beta). Alpha [@w, p. 3].\n",
            ),
        );
    let options = BuildOptions {
        root: f.root().to_path_buf(),
        ..BuildOptions::default()
    };
    let mut session = Session::watching();
    pages(&mut session, &options);
    let edits: Vec<Edit> = vec![
        // body text, with an index term
        Box::new(|f| {
            f.write(
                "series/02-second.md",
                part(
                    "title = \"Second\"",
                    "\n## Beta {#beta}\n\nAlpha here now.\n",
                )
                .as_bytes(),
            )
        }),
        // a title (neighbours and backlinks change)
        Box::new(|f| {
            f.write(
                "series/03-third.md",
                part("title = \"Third, retitled\"", "\nEnd.\n").as_bytes(),
            )
        }),
        // the terms file (every part's marking changes)
        Box::new(|f| {
            f.write(
                "series/index.toml",
                b"[[term]]\nname = \"Alpha\"\n[[term]]\nname = \"End\"\n",
            )
        }),
        // the bibliography (every citation may read differently)
        Box::new(|f| {
            f.write(
                "series/bibliography.yaml",
                b"w:\n  type: book\n  title: New Title\n  author: Writer, Wendy\n  date: 1951\n",
            )
        }),
        // the configuration, with another citation style
        Box::new(|f| {
            f.write(
                "series/series.toml",
                b"title = \"S\"\nbase_url = \"https://example.org/s/\"\ncitation_style = \"apa\"\n",
            )
        }),
        // a second work by the same author in the same year, then its first
        // citation, in another part: Part I's citation becomes "1951a"
        Box::new(|f| {
            f.write(
                "series/bibliography.yaml",
                b"w:\n  type: book\n  title: New Title\n  author: Writer, Wendy\n  date: 1951\n\
                  w2:\n  type: book\n  title: Other Title\n  author: Writer, Wendy\n  date: 1951\n",
            )
        }),
        Box::new(|f| {
            f.write(
                "series/02-second.md",
                part(
                    "title = \"Second\"",
                    "\n## Beta {#beta}\n\nAlpha here now [@w2].\n",
                )
                .as_bytes(),
            )
        }),
        // a numeric style, then a citation in Part I that renumbers the works
        Box::new(|f| {
            f.write(
                "series/series.toml",
                b"title = \"S\"\nbase_url = \"https://example.org/s/\"\ncitation_style = \"ieee\"\n",
            )
        }),
        Box::new(|f| {
            f.write(
                "series/01-first.md",
                part(
                    "title = \"First\"",
                    "\nSee [beta](part:2#beta). First [@w2], then Alpha [@w, p. 3].\n",
                )
                .as_bytes(),
            )
        }),
        Box::new(|f| {
            f.write(
                "series/series.toml",
                b"title = \"Renamed\"\nbase_url = \"https://example.org/s/\"\n",
            )
        }),
        // a template override
        Box::new(|f| {
            f.write("themes/default/404.html", b"{% extends \"base.html\" %}{% block content %}<h1>Gone</h1>{% endblock content %}")
        }),
        // an asset
        Box::new(|f| f.write("series/assets/new.txt", b"new")),
        // a new part and a removed one
        Box::new(|f| {
            f.write(
                "series/04-fourth.md",
                part("title = \"Fourth\"", "\nAlpha.\n").as_bytes(),
            )
        }),
        Box::new(|f| f.remove("series/03-third.md")),
    ];
    for (i, edit) in edits.iter().enumerate() {
        edit(&f);
        let incremental = pages(&mut session, &options);
        let full = pages(&mut Session::default(), &options);
        assert_eq!(
            incremental.keys().collect::<Vec<_>>(),
            full.keys().collect::<Vec<_>>(),
            "edit {i}"
        );
        for (path, bytes) in &full {
            assert!(
                incremental[path] == *bytes,
                "edit {i}: {path} differs from a full build"
            );
        }
    }
}

#[test]
fn build_watch_rebuilds_into_output_on_every_change() {
    let f = Fixture::three_parts();
    let mut child = Command::new(env!("CARGO_BIN_EXE_quire"))
        .args(["build", "--watch", "--root"])
        .arg(f.root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let (etx, erx) = std::sync::mpsc::channel();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            let _ = etx.send(line);
        }
    });
    let wait = Duration::from_secs(20);
    let first = rx.recv_timeout(wait).unwrap();
    assert!(first.starts_with("Built 3 parts"), "{first}");
    f.write(
        "series/02-second.md",
        part("title = \"Second\"", "\nWatched.\n").as_bytes(),
    );
    let second = rx.recv_timeout(wait).unwrap();
    assert!(second.starts_with("Built 3 parts"), "{second}");
    assert_eq!(f.page("second/index.html").text(".part-body p"), "Watched.");
    // A broken edit is reported and leaves output/ as it was; the fix builds again.
    let before = f.snapshot();
    f.write(
        "series/02-second.md",
        part("title = \"Second\"", "\n[x](part:9)\n").as_bytes(),
    );
    let error = erx.recv_timeout(wait).unwrap();
    assert!(
        error.starts_with("series/02-second.md:5:1: broken link to part:9"),
        "{error}"
    );
    assert_eq!(f.snapshot(), before);
    f.write(
        "series/02-second.md",
        part("title = \"Second\"", "\nFixed.\n").as_bytes(),
    );
    let third = rx.recv_timeout(wait).unwrap();
    assert!(third.starts_with("Built 3 parts"), "{third}");
    assert_eq!(f.page("second/index.html").text(".part-body p"), "Fixed.");
    let _ = child.kill();
    let _ = child.wait();
}
