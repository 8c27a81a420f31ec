//! The benchmark series generator (used by `examples/corpus.rs` and
//! `benches/build.rs`): a series in quire's format, deterministic from a seed.
//!
//! Each part has prose-like paragraphs of varied sentence lengths, headings
//! with ids, footnotes, cross-links to other parts' headings, a numbered
//! list, a block quote, and (every tenth part) a code block. `index.toml`
//! holds `--terms` terms (default 40) that occur in the text; a few parts are
//! drafts and a few more are announced as forthcoming. With `--citations N`,
//! each part cites N times from a generated `bibliography.bib`. `--hugo DIR` also
//! writes the same parts as a Hugo site, for side-by-side measurements.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// SplitMix64: tiny, fast, and stable forever (a crate's generator may change
/// its output between versions, which would change the benchmark).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const WORDS: &[&str] = &[
    "the",
    "of",
    "and",
    "to",
    "in",
    "a",
    "that",
    "was",
    "for",
    "it",
    "with",
    "as",
    "on",
    "by",
    "which",
    "from",
    "at",
    "this",
    "not",
    "but",
    "they",
    "were",
    "their",
    "had",
    "be",
    "its",
    "would",
    "more",
    "power",
    "party",
    "workers",
    "soldiers",
    "government",
    "city",
    "council",
    "question",
    "revolution",
    "history",
    "class",
    "state",
    "land",
    "peasants",
    "army",
    "war",
    "peace",
    "bread",
    "strike",
    "street",
    "factory",
    "committee",
    "congress",
    "majority",
    "minority",
    "leaders",
    "program",
    "debate",
    "crisis",
    "autumn",
    "winter",
    "summer",
    "spring",
    "morning",
    "evening",
    "night",
    "month",
    "year",
    "decade",
    "argument",
    "evidence",
    "sources",
    "letters",
    "memoirs",
    "newspapers",
    "pamphlets",
    "speeches",
    "quickly",
    "slowly",
    "openly",
    "quietly",
    "finally",
    "already",
    "still",
    "never",
    "often",
    "rarely",
    "large",
    "small",
    "new",
    "old",
    "early",
    "late",
    "political",
    "social",
    "economic",
    "military",
    "uncertain",
    "decisive",
    "divided",
    "united",
    "hungry",
    "tired",
    "angry",
    "hopeful",
    "careful",
    "believed",
    "argued",
    "insisted",
    "feared",
    "hoped",
    "decided",
    "refused",
    "accepted",
    "demanded",
    "organized",
    "gathered",
    "marched",
    "voted",
    "wrote",
    "read",
    "waited",
    "watched",
    "returned",
    "railway",
    "telegraph",
    "bridge",
    "harbour",
    "square",
    "palace",
    "barracks",
    "station",
    "district",
];

const SUFFIXES: &[&str] = &["ov", "sky", "in", "enko", "ich", "ova", "ina", "ev"];
const STEMS: &[&str] = &[
    "Kar", "Mir", "Vol", "Tem", "Bor", "Lis", "Dan", "Petr", "Gor", "Zan", "Ros", "Ned",
];

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    /// Number of parts.
    pub parts: usize,
    /// Words per part, roughly.
    pub words: usize,
    /// Number of index terms.
    pub terms: usize,
    /// Citations per part (0: no bibliography).
    pub citations: usize,
    /// Seed of the generator.
    pub seed: u64,
    /// Project root to write (`OUT/series/…`).
    pub out: PathBuf,
    /// Also write the parts as a Hugo site here.
    pub hugo: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            parts: 100,
            words: 6000,
            terms: 40,
            citations: 0,
            seed: 1917,
            out: PathBuf::from("corpus"),
            hugo: None,
        }
    }
}

/// Made-up proper names for the index terms: "Karov", "Mirsky", "Council of Volin"…
fn term_names(count: usize) -> Vec<String> {
    let mut names = Vec::with_capacity(count);
    'outer: for round in 0.. {
        for stem in STEMS {
            for suffix in SUFFIXES {
                if names.len() == count {
                    break 'outer;
                }
                let name = if round == 0 {
                    format!("{stem}{suffix}")
                } else {
                    format!("{stem}{suffix} {}", roman_word(round))
                };
                names.push(name);
            }
        }
    }
    names
}

fn roman_word(n: usize) -> String {
    [
        "Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta", "Eta", "Theta",
    ]
    .iter()
    .cycle()
    .nth(n - 1)
    .map(|s| format!("{s}{}", n / 8))
    .unwrap_or_default()
}

fn sentence(rng: &mut Rng, terms: &[String], out: &mut String) -> usize {
    let len = 6 + rng.below(22);
    for w in 0..len {
        // About one index term in 300 words: twenty or so occurrences in a
        // part of 6,000 words, as in a well-indexed history.
        let word = if !terms.is_empty() && rng.below(300) == 0 {
            terms[rng.below(terms.len())].clone()
        } else {
            rng.pick(WORDS).to_string()
        };
        if w == 0 {
            let mut chars = word.chars();
            if let Some(c) = chars.next() {
                out.extend(c.to_uppercase());
                out.push_str(chars.as_str());
            }
        } else {
            out.push(' ');
            out.push_str(&word);
            if rng.below(14) == 0 {
                out.push(',');
            }
        }
    }
    out.push_str(if rng.below(12) == 0 { "?" } else { "." });
    len
}

const SECTIONS: usize = 6;

fn part_text(
    o: &Options,
    rng: &mut Rng,
    number: usize,
    published: &[usize],
    terms: &[String],
) -> String {
    let mut body = String::new();
    let mut words = 0;
    let per_section = o.words / SECTIONS;
    let mut notes = Vec::new();
    // Citations come from their own generator, so that a series without them
    // is the same text as before they existed.
    let mut cite_rng = Rng(o.seed ^ (number as u64).wrapping_mul(0x9E37_79B9));
    let paragraphs = (o.words / 60).max(1);
    let cite_every = (paragraphs / o.citations.max(1)).max(1);
    let mut paragraph = 0;
    let mut cited = 0;
    for section in 0..SECTIONS {
        let _ = writeln!(
            body,
            "\n## Section {section} of part {number} {{#s-{section}}}\n"
        );
        let mut in_section = 0;
        while in_section < per_section {
            let sentences = 2 + rng.below(6);
            for s in 0..sentences {
                if s > 0 {
                    body.push(' ');
                }
                in_section += sentence(rng, terms, &mut body);
            }
            if rng.below(3) == 0 {
                let label = notes.len() + 1;
                let _ = write!(body, "[^n{label}]");
                let mut note = String::new();
                sentence(rng, terms, &mut note);
                notes.push(note);
            }
            paragraph += 1;
            if cited < o.citations && paragraph % cite_every == 0 {
                citation(&mut cite_rng, cited, &mut body);
                cited += 1;
            }
            if rng.below(4) == 0 && published.len() > 1 {
                let target = published[rng.below(published.len())];
                let _ = write!(
                    body,
                    " See [part {target}](part:{target}#s-{}).",
                    rng.below(SECTIONS)
                );
            }
            body.push_str("\n\n");
        }
        words += in_section;
        if section == 1 {
            for item in 1..=4 {
                let _ = write!(body, "{item}. ");
                sentence(rng, terms, &mut body);
                body.push('\n');
            }
            body.push('\n');
        }
        if section == 2 {
            body.push_str("> ");
            sentence(rng, terms, &mut body);
            body.push_str("\n\n");
        }
        if section == 3 && number.is_multiple_of(10) {
            body.push_str(
                "```python\ndef tally(votes):\n    return sum(v for v in votes if v > 0)\n```\n\n",
            );
        }
    }
    if cited < o.citations {
        body.push_str("Further reading:");
        while cited < o.citations {
            citation(&mut cite_rng, cited, &mut body);
            cited += 1;
        }
        body.push_str("\n\n");
    }
    for (i, note) in notes.iter().enumerate() {
        let _ = writeln!(body, "[^n{}]: {note}\n", i + 1);
    }
    let _ = words;
    body
}

/// Works in the generated bibliography.
const WORKS: usize = 60;

/// One citation in one of Pandoc's forms, cycling through them.
fn citation(rng: &mut Rng, k: usize, out: &mut String) {
    let work = |rng: &mut Rng| rng.below(WORKS);
    let page = 1 + rng.below(400);
    let _ = match k % 4 {
        0 => write!(out, " [@work{}, p. {page}]", work(rng)),
        1 => write!(
            out,
            " [see @work{}, pp. {page}–{}; @work{}]",
            work(rng),
            page + 3,
            work(rng)
        ),
        2 => write!(
            out,
            " As @work{} [p. {page}] argues, it was not so.",
            work(rng)
        ),
        _ => write!(out, " [@work{}]", work(rng)),
    };
}

/// A BibTeX file of `WORKS` made-up books and articles.
fn bibliography(rng: &mut Rng) -> String {
    // About as many authors as works, as in a real reading list.
    let surnames = [
        "Abel", "Brand", "Corwin", "Dahl", "Ellis", "Fenn", "Gale", "Hurst", "Ivers", "Juno",
        "Kerr", "Lund", "Marsh", "Nolan", "Orme", "Price", "Quill", "Rusk", "Stead", "Thorne",
        "Umber", "Vance", "Wilde", "Yates", "Zorn", "Archer", "Bly", "Crane", "Dunn", "Eames",
    ];
    let given = ["Anna", "Boris", "Clara", "Daniel", "Eva", "Felix"];
    let mut out = String::new();
    for n in 0..WORKS {
        let author = format!("{}, {}", rng.pick(&surnames), rng.pick(&given));
        let year = 1920 + rng.below(100);
        if n % 3 == 0 {
            let _ = writeln!(
                out,
                "@article{{work{n},\n  author = {{{author}}},\n  title = {{On the Question of Council {n}}},\n  \
                 journal = {{Journal of Generated History}},\n  volume = {{{}}},\n  pages = {{{}--{}}},\n  year = {{{year}}},\n}}\n",
                1 + n / 3,
                10 + n,
                30 + n
            );
        } else {
            let _ = writeln!(
                out,
                "@book{{work{n},\n  author = {{{author}}},\n  title = {{A History of Volume {n}}},\n  \
                 publisher = {{Example Press}},\n  address = {{London}},\n  year = {{{year}}},\n}}\n"
            );
        }
    }
    out
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("has a parent")).expect("create folder");
    std::fs::write(path, text).expect("write file");
}

/// Writes the series; returns the bytes of Markdown written.
pub fn generate(o: &Options) -> usize {
    let mut rng = Rng(o.seed);
    let terms = term_names(o.terms);
    // Every 97th part is a draft; two parts past the end are announced.
    let is_draft = |n: usize| n.is_multiple_of(97);
    let published: Vec<usize> = (1..=o.parts).filter(|&n| !is_draft(n)).collect();
    let series = o.out.join("series");
    let mut config = format!(
        "title = \"Benchmark Series\"\nauthor = \"Generated\"\nbase_url = \"https://example.org/bench/\"\n\
         description = \"{} parts of about {} words, seed {}.\"\n",
        o.parts, o.words, o.seed
    );
    for extra in 1..=2 {
        let _ = write!(
            config,
            "\n[[forthcoming]]\npart = {}\ntitle = \"Announced part {}\"\n",
            o.parts + extra,
            o.parts + extra
        );
    }
    write(&series.join("series.toml"), &config);
    let mut index = String::new();
    for t in &terms {
        let _ = writeln!(index, "[[term]]\nname = \"{t}\"\n");
    }
    write(&series.join("index.toml"), &index);
    if o.citations > 0 {
        write(
            &series.join("bibliography.bib"),
            &bibliography(&mut Rng(o.seed ^ 0xB1B)),
        );
    }
    let mut bytes = 0;
    for number in 1..=o.parts {
        let body = part_text(o, &mut rng, number, &published, &terms);
        let draft = if is_draft(number) {
            "draft = true\n"
        } else {
            ""
        };
        let (y, m, d) = (2000 + number / 336, 1 + (number / 28) % 12, 1 + number % 28);
        let front = format!("title = \"Part number {number}\"\ndate = {y:04}-{m:02}-{d:02}\nsummary = \"Generated part {number}.\"\n{draft}");
        let text = format!("+++\n{front}+++\n{body}");
        bytes += text.len();
        write(&series.join(format!("{number:04}-part-{number}.md")), &text);
        if let Some(hugo) = &o.hugo {
            write(
                &hugo.join(format!("content/parts/{number:04}-part-{number}.md")),
                &text,
            );
        }
    }
    if let Some(hugo) = &o.hugo {
        write_hugo_skeleton(hugo);
    }
    bytes
}

/// A minimal Hugo site with templates equivalent to what quire renders:
/// a list page, a page per part with title, date, previous/next and body.
fn write_hugo_skeleton(dir: &Path) {
    write(
        &dir.join("hugo.toml"),
        "baseURL = \"https://example.org/bench/\"\ntitle = \"Benchmark Series\"\n\
         disableKinds = [\"taxonomy\", \"term\"]\n[markup.goldmark.extensions]\n  typographer = true\n",
    );
    write(
        &dir.join("layouts/_default/baseof.html"),
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{{ .Title }}</title></head>\
         <body><main>{{ block \"main\" . }}{{ end }}</main></body></html>\n",
    );
    write(
        &dir.join("layouts/_default/single.html"),
        "{{ define \"main\" }}<article><h1>{{ .Title }}</h1><p>{{ .Date.Format \"2 January 2006\" }} · \
         {{ .WordCount }} words</p>{{ .TableOfContents }}{{ .Content }}</article><nav>\
         {{ with .PrevInSection }}<a rel=\"prev\" href=\"{{ .RelPermalink }}\">{{ .Title }}</a>{{ end }}\
         {{ with .NextInSection }}<a rel=\"next\" href=\"{{ .RelPermalink }}\">{{ .Title }}</a>{{ end }}</nav>{{ end }}\n",
    );
    write(
        &dir.join("layouts/_default/list.html"),
        "{{ define \"main\" }}<h1>{{ .Title }}</h1><ol>{{ range .Pages }}<li><a href=\"{{ .RelPermalink }}\">\
         {{ .Title }}</a> {{ .Summary }}</li>{{ end }}</ol>{{ end }}\n",
    );
    write(&dir.join("layouts/index.html"), "{{ define \"main\" }}<h1>{{ .Site.Title }}</h1><ol>{{ range (where .Site.RegularPages \"Section\" \"parts\") }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>{{ end }}</ol>{{ end }}\n");
}
