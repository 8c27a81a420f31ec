//! Generates a benchmark series in quire's format, deterministic from a seed:
//!
//!     cargo run --release --example corpus -- --parts 1000 --words 6000 --out /tmp/corpus
//!
//! Options: `--parts N` (100), `--words N` per part (6000), `--terms N` index
//! terms (40), `--citations N` per part (0; with more, a `bibliography.bib`
//! of 60 works is written), `--seed N` (1917), `--out DIR` (corpus), `--hugo DIR` to also
//! write the same parts as a Hugo site. See `quire::corpus` for what is made.

use quire::corpus::{generate, Options};
use std::path::PathBuf;

fn main() {
    let mut o = Options::default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).cloned().unwrap_or_default();
        let number = || {
            value
                .parse()
                .unwrap_or_else(|_| panic!("{} takes a number", pair[0]))
        };
        match pair[0].as_str() {
            "--parts" => o.parts = number(),
            "--words" => o.words = number(),
            "--terms" => o.terms = number(),
            "--citations" => o.citations = number(),
            "--seed" => o.seed = value.parse().expect("--seed takes a number"),
            "--out" => o.out = PathBuf::from(&value),
            "--hugo" => o.hugo = Some(PathBuf::from(&value)),
            other => {
                panic!("unknown argument {other}; see the comment at the top of examples/corpus.rs")
            }
        }
    }
    let bytes = generate(&o);
    println!(
        "Wrote {} parts, {:.1} MB of Markdown, {} index terms to {}",
        o.parts,
        bytes as f64 / 1e6,
        o.terms,
        o.out.join("series").display()
    );
}
