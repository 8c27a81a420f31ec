//! Rendering: typed views of the series are handed to the theme's templates,
//! and every page of the site is produced in memory.

use crate::date::DateView;
use crate::diagnostics::Diagnostics;
use crate::index::{self, Locator};
use crate::links::{part_dir, Backlink};
use crate::markdown::{html, Doc, Heading};
use crate::numeral::roman;
use crate::series::Series;
use crate::sink::Sink;
use crate::theme::{tera_message, Theme};
use crate::{feed, fingerprint};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// One file of the built site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// Path under the output root, with `/` separators.
    pub path: String,
    /// Its content.
    pub bytes: Vec<u8>,
}

/// Words a reader gets through in a minute, for reading times.
const WORDS_PER_MINUTE: usize = 230;

fn reading_minutes(words: usize) -> usize {
    words.div_ceil(WORDS_PER_MINUTE).max(1)
}

/// The series, as every template sees it.
#[derive(Serialize)]
struct SiteView<'a> {
    title: &'a str,
    subtitle: Option<&'a str>,
    author: Option<&'a str>,
    description: Option<&'a str>,
    language: &'a str,
    base_url: Option<&'a str>,
    extra: &'a toml::Table,
    word_count: usize,
    reading_time: usize,
    part_count: usize,
    has_index: bool,
    has_bibliography: bool,
}

/// What a page is, for `base.html`.
#[derive(Serialize, Default)]
struct PageMeta {
    kind: &'static str,
    title: String,
    description: Option<String>,
    noindex: bool,
    draft: bool,
    has_code: bool,
    /// Absolute URL of the page.
    canonical: String,
    /// Open Graph type: `article` or `website`.
    og_type: &'static str,
    /// ISO dates, for `article:published_time` / `article:modified_time`.
    published: Option<String>,
    modified: Option<String>,
    /// Structured data (schema.org JSON-LD), already serialised.
    json_ld: Option<String>,
}

/// A published part in lists and navigation.
#[derive(Serialize, Clone)]
struct PartSummary<'a> {
    number: u32,
    numeral: String,
    title: &'a str,
    subtitle: Option<&'a str>,
    summary: Option<&'a str>,
    date: Option<DateView>,
    updated: Option<DateView>,
    word_count: usize,
    reading_time: usize,
    draft: bool,
    url: String,
    extra: &'a toml::Table,
}

/// A part announced but not published.
#[derive(Serialize, Clone)]
struct ForthcomingView<'a> {
    number: u32,
    numeral: String,
    title: &'a str,
    summary: Option<&'a str>,
    /// When a scheduled part becomes due.
    date: Option<DateView>,
}

/// One row of the series page: a published part or a forthcoming one.
#[derive(Serialize)]
struct Entry<'a> {
    forthcoming: bool,
    #[serde(flatten)]
    part: Option<PartSummary<'a>>,
    #[serde(flatten)]
    announced: Option<ForthcomingView<'a>>,
}

/// The previous or next part from a part page.
#[derive(Serialize)]
struct Neighbour<'a> {
    number: u32,
    numeral: String,
    title: &'a str,
    /// `None` for a forthcoming part, which is shown unlinked.
    url: Option<String>,
}

#[derive(Serialize)]
struct Position {
    number: u32,
    numeral: String,
    total: u32,
    total_numeral: String,
}

/// An entry of a part's table of contents.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct TocEntry {
    /// Heading id.
    pub id: String,
    /// Heading text.
    pub title: String,
    /// Level-3 headings under a level-2 one.
    pub children: Vec<TocEntry>,
}

#[derive(Serialize)]
struct BacklinkView<'a> {
    number: u32,
    numeral: String,
    part_title: &'a str,
    section: Option<&'a str>,
    url: String,
}

/// Everything the pipeline knows once links are resolved: what pages are made of.
pub struct Model<'a> {
    /// The loaded series.
    pub series: &'a Series,
    /// One parsed document per published part.
    pub docs: &'a [Doc],
    /// Indexed like the parts: who links to each, in series order.
    pub backlinks: &'a [Vec<Backlink>],
    /// The index, sorted.
    pub entries: &'a [index::Entry],
    /// Every work the series cites, sorted by the citation style.
    pub references: &'a [crate::bibliography::Reference],
    /// Indexed like the parts: the "Works cited" section of each (empty for
    /// a part that cites nothing).
    pub works_cited: &'a [String],
    /// The project root (for assets).
    pub root: &'a Path,
    /// The site's absolute URL, ending in `/`.
    pub base: String,
    /// Each published part's HTML.
    pub html: &'a [std::sync::Arc<html::PartHtml>],
    /// Also make the EPUB.
    pub epub: bool,
    /// What earlier builds of the same session made that this one may reuse
    /// (`None` for a one-off build, which keeps nothing).
    pub reuse: Option<&'a Reuse>,
    /// Each published part's words, taken by the search data, which lets
    /// them go once written (the rest of the pages is made meanwhile).
    pub words: std::sync::Mutex<Vec<std::sync::Arc<crate::search::PartWords>>>,
}

/// Pieces of pages kept between the rebuilds of `quire serve` and `build
/// --watch`: each part's text as rewritten for the one-page edition and as
/// written into the feed, which are most of the work of a rebuild after a
/// one-part edit. Keyed by a hash of everything a piece is made from.
#[derive(Default)]
pub struct Reuse {
    pieces: crate::kept::Kept<std::sync::Arc<String>>,
}

impl Reuse {
    /// The piece made from `inputs`, made by `make` unless an earlier build made it.
    pub fn piece(&self, inputs: &[&[u8]], make: impl FnOnce() -> String) -> std::sync::Arc<String> {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        for input in inputs {
            hasher.update(&(input.len() as u64).to_le_bytes());
            hasher.update(input);
        }
        let made = || std::sync::Arc::new(make());
        self.pieces.get_or_make(hasher.digest(), made).0
    }

    /// Forgets every piece the last build did not use.
    fn sweep(&self) {
        self.pieces.sweep();
    }
}

/// Renders every page of the site into `sink`, returning how many files it
/// made; template failures go to `diags`, a file that cannot be written ends
/// the rendering.
pub fn render_site(
    model: &Model<'_>,
    theme: &Theme,
    sink: &dyn Sink,
    diags: &mut Diagnostics,
) -> std::io::Result<usize> {
    let (series, docs, root) = (model.series, model.docs, model.root);
    let total_words: usize = docs.iter().map(|d| d.word_count).sum();
    let site = SiteView {
        title: &series.config.title,
        subtitle: series.config.subtitle.as_deref(),
        author: series.config.author.as_deref(),
        description: series.config.description.as_deref(),
        language: &series.config.language,
        base_url: series.config.base_url.as_deref(),
        extra: &series.config.extra,
        word_count: total_words,
        reading_time: reading_minutes(total_words),
        part_count: series.parts.len(),
        has_index: !model.entries.is_empty(),
        has_bibliography: !model.references.is_empty(),
    };
    let summaries: Vec<PartSummary> = series
        .parts
        .iter()
        .zip(docs)
        .map(|(part, doc)| PartSummary {
            number: part.number,
            numeral: roman(part.number),
            title: &part.meta.title,
            subtitle: part.meta.subtitle.as_deref(),
            summary: part.meta.summary.as_deref(),
            date: part.date.map(DateView::from),
            updated: part.updated.map(DateView::from),
            word_count: doc.word_count,
            reading_time: reading_minutes(doc.word_count),
            draft: part.meta.draft,
            url: format!("{}index.html", part_dir(part)),
            extra: &part.meta.extra,
        })
        .collect();
    let forthcoming: Vec<ForthcomingView> = series
        .forthcoming
        .iter()
        .map(|f| ForthcomingView {
            number: f.part,
            numeral: roman(f.part),
            title: &f.title,
            summary: f.summary.as_deref(),
            date: f.date.map(DateView::from),
        })
        .collect();
    let has_code = docs.iter().any(|d| d.has_highlighted_code);
    let mut statics = theme.statics.clone();
    if has_code {
        statics.push((
            "syntax.css".into(),
            crate::markdown::highlight::stylesheet().into_bytes(),
        ));
    }
    let statics = fingerprint::fingerprint(statics);
    let static_urls: BTreeMap<&str, &str> = statics
        .iter()
        .map(|s| (s.name.as_str(), s.path.as_str()))
        .collect();
    let renderer = Renderer {
        theme,
        site: &site,
        model,
        static_urls: &static_urls,
        letters: std::sync::OnceLock::new(),
    };
    // Every page is independent of the others: render them all on every core,
    // the largest single ones (feed, index) first so that no core idles at the end.
    let mut jobs = vec![Job::Feed, Job::Series, Job::NotFound, Job::Sitemap];
    let mut extra_pages = Vec::new();
    if !series.parts.is_empty() {
        jobs.insert(0, Job::SearchData);
        jobs.insert(2, Job::Edition);
        jobs.push(Job::Search);
        extra_pages.push("all/");
    }
    if site.has_index {
        jobs.insert(1, Job::Index);
        extra_pages.push("index/");
    }
    if model.epub && !series.parts.is_empty() {
        jobs.insert(0, Job::Epub);
    }
    if site.has_bibliography {
        jobs.push(Job::Bibliography);
        extra_pages.push("bibliography/");
    }
    let part_jobs: Vec<Job> = (0..series.parts.len()).map(Job::Part).collect();
    let base = &model.base;
    let render_job = |job| -> Result<(), Problem> {
        let page = match job {
            Job::Part(index) => renderer.part_page(&summaries, index)?,
            Job::Series => renderer.series_page(&summaries, &forthcoming)?,
            Job::Index => renderer.index_page()?,
            Job::Bibliography => renderer.bibliography_page()?,
            Job::Edition => return renderer.edition(&summaries, sink),
            Job::Search => renderer.search_page()?,
            Job::Epub => {
                let index = (!model.entries.is_empty()).then(|| index_body(renderer.letters()));
                let bytes = crate::epub::book(model, index).map_err(|message| {
                    Problem::Template((crate::config::CONFIG_PATH.into(), message))
                })?;
                Page {
                    path: crate::epub::file_name(model),
                    bytes,
                }
            }
            Job::SearchData => {
                return Ok(sink.stream(crate::search::DATA_PATH, &mut |w| {
                    let words =
                        std::mem::take(&mut *model.words.lock().unwrap_or_else(|e| e.into_inner()));
                    let written = crate::search::write_data(series, &words, w);
                    // A fifth of the build's memory, freed in small blocks
                    // among the parts' HTML: handed back to the system (when
                    // watching, the parses keep the words).
                    drop(words);
                    if model.reuse.is_none() {
                        crate::memory::release_free_memory();
                    }
                    written
                })?);
            }
            Job::NotFound => renderer.not_found_page(series)?,
            Job::Feed => {
                return Ok(sink.stream("atom.xml", &mut |w| {
                    feed::write_atom(series, model.html, base, model.reuse, w)
                })?)
            }
            Job::Sitemap => Page {
                path: "sitemap.xml".into(),
                bytes: feed::sitemap(series, base, &extra_pages).into_bytes(),
            },
        };
        Ok(sink.put(page)?)
    };
    // One job per task handed out: left to itself rayon cuts the list into
    // a few long runs, and the run holding the search data, feed and edition
    // (a tenth of a second each at 1,000 parts) kept one core busy while the
    // other sat idle.
    let run = |jobs: Vec<Job>| -> Vec<Result<(), Problem>> {
        jobs.into_par_iter()
            .with_max_len(1)
            .map(&render_job)
            .collect()
    };
    sink.begin();
    let outcomes = if sink.pages_first() {
        let mut outcomes = run(part_jobs);
        outcomes.extend(run(jobs));
        outcomes
    } else {
        jobs.extend(part_jobs);
        run(jobs)
    };
    if let Some(reuse) = model.reuse {
        reuse.sweep();
    }
    let mut files = 0;
    for outcome in outcomes {
        match outcome {
            Ok(()) => files += 1,
            Err(Problem::Template((file, message))) => diags.file_error(&file, message),
            Err(Problem::Io(err)) => return Err(err),
        }
    }
    for file in statics {
        sink.put(Page {
            path: file.path,
            bytes: file.bytes,
        })?;
        files += 1;
    }
    for (path, source) in crate::assets::files(root) {
        match std::fs::read(&source) {
            Ok(bytes) => {
                sink.put(Page { path, bytes })?;
                files += 1;
            }
            Err(err) => {
                let rel = source.strip_prefix(root).unwrap_or(&source);
                diags.file_error(rel, format!("cannot be read: {err}"));
            }
        }
    }
    Ok(files)
}

/// Why a page was not made: its template failed (reported with the other
/// problems of the build), or its file could not be written (ends the build).
enum Problem {
    Template(Failure),
    Io(std::io::Error),
}

impl From<Failure> for Problem {
    fn from(failure: Failure) -> Self {
        Problem::Template(failure)
    }
}

impl From<std::io::Error> for Problem {
    fn from(err: std::io::Error) -> Self {
        Problem::Io(err)
    }
}

/// One page to render.
enum Job {
    Part(usize),
    Series,
    Index,
    Bibliography,
    Edition,
    Search,
    SearchData,
    Epub,
    NotFound,
    Feed,
    Sitemap,
}

/// A template that failed: its file and the message.
type Failure = (std::path::PathBuf, String);

struct Renderer<'a> {
    theme: &'a Theme,
    site: &'a SiteView<'a>,
    model: &'a Model<'a>,
    static_urls: &'a BTreeMap<&'a str, &'a str>,
    /// The index's view for pages, made by the first job that needs it (so
    /// that it is made while other pages render).
    letters: std::sync::OnceLock<Vec<LetterView>>,
}

impl Renderer<'_> {
    /// The index's view, with links to the part pages.
    fn letters(&self) -> &[LetterView] {
        self.letters.get_or_init(|| {
            if self.site.has_index {
                index_view(self.model, self.theme.locator_lists, LocatorTarget::Pages)
            } else {
                Vec::new()
            }
        })
    }

    fn render(
        &self,
        template: &str,
        path: String,
        context: tera::Context,
    ) -> Result<Page, Failure> {
        match self.theme.tera.render(template, &context) {
            Ok(html) => Ok(Page {
                path,
                bytes: html.into_bytes(),
            }),
            Err(err) => Err((
                self.theme.origin(template),
                format!(
                    "template failed while rendering {path}: {}",
                    tera_message(&err)
                ),
            )),
        }
    }

    fn base_context(&self, root: &str, page: PageMeta) -> tera::Context {
        let mut context = tera::Context::new();
        context.insert("site", self.site);
        context.insert("root", root);
        context.insert("page", &page);
        context.insert("static", self.static_urls);
        context
    }

    fn series_page(
        &self,
        parts: &[PartSummary],
        forthcoming: &[ForthcomingView],
    ) -> Result<Page, Failure> {
        let mut entries: Vec<Entry> = parts
            .iter()
            .map(|p| Entry {
                forthcoming: false,
                part: Some(p.clone()),
                announced: None,
            })
            .chain(forthcoming.iter().map(|f| Entry {
                forthcoming: true,
                part: None,
                announced: Some(f.clone()),
            }))
            .collect();
        entries.sort_by_key(|e| {
            e.part.as_ref().map_or_else(
                || e.announced.as_ref().map_or(0, |a| a.number),
                |p| p.number,
            )
        });
        let base = &self.model.base;
        let json_ld = serde_json::json!({
            "@context": "https://schema.org",
            "@type": "CreativeWorkSeries",
            "name": self.site.title,
            "description": self.site.description,
            "url": base,
            "inLanguage": self.site.language,
            "author": self.site.author.map(|a| serde_json::json!({"@type": "Person", "name": a})),
            "hasPart": parts.iter().filter(|p| !p.draft).map(|p| serde_json::json!({
                "@type": "Article",
                "headline": p.title,
                "position": p.number,
                "url": format!("{base}{}", p.url.trim_end_matches("index.html")),
            })).collect::<Vec<_>>(),
        });
        let meta = PageMeta {
            kind: "series",
            title: self.site.title.to_string(),
            description: self.site.description.map(str::to_string),
            canonical: base.clone(),
            og_type: "website",
            modified: feed::newest(self.model.series).map(|d| d.iso()),
            json_ld: Some(script_json(&json_ld)),
            ..PageMeta::default()
        };
        let mut context = self.base_context("", meta);
        context.insert("parts", parts);
        context.insert("forthcoming", forthcoming);
        context.insert("entries", &entries);
        self.render("series.html", "index.html".into(), context)
    }

    fn part_page(&self, summaries: &[PartSummary], index: usize) -> Result<Page, Failure> {
        let (series, docs) = (self.model.series, self.model.docs);
        let part = &series.parts[index];
        let doc = &docs[index];
        let relative = |s: &PartSummary| format!("../{}", s.url);
        let prev = summaries[..index].last().map(|p| Neighbour {
            number: p.number,
            numeral: p.numeral.clone(),
            title: p.title,
            url: Some(relative(p)),
        });
        let next_published = summaries.get(index + 1);
        let next_announced = series
            .forthcoming
            .iter()
            .find(|f| f.part > part.number && next_published.is_none_or(|n| f.part < n.number));
        let next = match (next_announced, next_published) {
            (Some(f), _) => Some(Neighbour {
                number: f.part,
                numeral: roman(f.part),
                title: &f.title,
                url: None,
            }),
            (None, Some(p)) => Some(Neighbour {
                number: p.number,
                numeral: p.numeral.clone(),
                title: p.title,
                url: Some(relative(p)),
            }),
            (None, None) => None,
        };
        let total = series.total();
        let position = Position {
            number: part.number,
            numeral: roman(part.number),
            total,
            total_numeral: roman(total),
        };
        let backlinks: Vec<BacklinkView> = self.model.backlinks[index]
            .iter()
            .map(|b: &Backlink| {
                let from = &series.parts[b.from];
                BacklinkView {
                    number: from.number,
                    numeral: roman(from.number),
                    part_title: &from.meta.title,
                    section: b.section.as_deref(),
                    url: format!("../{}index.html#{}", part_dir(from), b.spot_id),
                }
            })
            .collect();
        let base = &self.model.base;
        let canonical = feed::part_url(base, part);
        let json_ld = serde_json::json!({
            "@context": "https://schema.org",
            "@type": "Article",
            "headline": part.meta.title,
            "alternativeHeadline": part.meta.subtitle,
            "description": part.meta.summary,
            "url": canonical,
            "inLanguage": self.site.language,
            "datePublished": part.date.map(|d| d.iso()),
            "dateModified": feed::last_changed(part).map(|d| d.iso()),
            "wordCount": doc.word_count,
            "author": self.site.author.map(|a| serde_json::json!({"@type": "Person", "name": a})),
            "position": part.number,
            "isPartOf": {
                "@type": "CreativeWorkSeries",
                "name": self.site.title,
                "url": base,
            },
        });
        let meta = PageMeta {
            kind: "part",
            title: format!("Part {}: {}", roman(part.number), part.meta.title),
            description: part.meta.summary.clone(),
            noindex: part.meta.draft,
            draft: part.meta.draft,
            has_code: doc.has_highlighted_code,
            canonical,
            og_type: "article",
            published: part.date.map(|d| d.iso()),
            modified: feed::last_changed(part).map(|d| d.iso()),
            json_ld: Some(script_json(&json_ld)),
        };
        let mut context = self.base_context("../", meta);
        context.insert("part", &summaries[index]);
        let part_html = &self.model.html[index];
        context.insert("body", &part_html.body);
        context.insert("notes", &part_html.notes);
        context.insert("works_cited", &self.model.works_cited[index]);
        context.insert("toc", &toc(&doc.headings));
        let heading_count = doc
            .headings
            .iter()
            .filter(|h| h.level == 2 || h.level == 3)
            .count();
        context.insert("heading_count", &heading_count);
        context.insert("backlinks", &backlinks);
        context.insert("prev", &prev);
        context.insert("next", &next);
        context.insert("position", &position);
        self.render(
            "part.html",
            format!("{}index.html", part_dir(part)),
            context,
        )
    }

    fn index_page(&self) -> Result<Page, Failure> {
        let meta = PageMeta {
            kind: "index",
            title: "Index".into(),
            description: Some(format!(
                "Index of people, places and ideas in {}",
                self.site.title
            )),
            canonical: format!("{}index/", self.model.base),
            og_type: "website",
            ..PageMeta::default()
        };
        let mut context = self.base_context("../", meta);
        context.insert("letters", self.letters());
        self.render("book-index.html", "index/index.html".into(), context)
    }

    fn bibliography_page(&self) -> Result<Page, Failure> {
        let references = bibliography_view(self.model, self.theme.locator_lists);
        let meta = PageMeta {
            kind: "bibliography",
            title: "Bibliography".into(),
            description: Some(format!("Every work cited in {}", self.site.title)),
            canonical: format!("{}bibliography/", self.model.base),
            og_type: "website",
            ..PageMeta::default()
        };
        let mut context = self.base_context("../", meta);
        context.insert("references", &references);
        self.render(
            "bibliography.html",
            "bibliography/index.html".into(),
            context,
        )
    }

    /// Every published part in one page, ids prefixed per part, links inside.
    fn edition(&self, summaries: &[PartSummary], sink: &dyn Sink) -> Result<(), Problem> {
        let model = self.model;
        let rewriter = crate::edition::Rewriter::new(
            model.series.parts.iter().map(|p| (part_dir(p), p.number)),
        );
        let parts: Vec<EditionPart> = model
            .series
            .parts
            .iter()
            .enumerate()
            .map(|(i, part)| {
                let doc = &model.docs[i];
                let prefix = crate::edition::id_prefix(part.number);
                let mut toc = toc(&doc.headings);
                for entry in &mut toc {
                    entry.id = format!("{prefix}{}", entry.id);
                    for child in &mut entry.children {
                        child.id = format!("{prefix}{}", child.id);
                    }
                }
                EditionPart {
                    part: summaries[i].clone(),
                    id: crate::edition::part_id(part.number),
                    text: edition_marker(i),
                    toc,
                }
            })
            .collect();
        let letters = if self.site.has_index {
            edition_letters(model, self.theme.locator_lists, &rewriter)
        } else {
            Vec::new()
        };
        let meta = PageMeta {
            kind: "edition",
            title: format!("{}: the whole series", self.site.title),
            description: self.site.description.map(str::to_string),
            canonical: format!("{}all/", model.base),
            og_type: "website",
            ..PageMeta::default()
        };
        let mut context = self.base_context("../", meta);
        context.insert("parts", &parts);
        context.insert("letters", &letters);
        let page = self.render("edition.html", "all/index.html".into(), context)?;
        // The parts' HTML goes into the rendered page in place of markers,
        // written straight to the file: handing tens of megabytes to the
        // template engine would copy them twice. Parts are rewritten on
        // every core, a batch at a time.
        let page = String::from_utf8_lossy(&page.bytes);
        let (before, tail) = split_at_markers(&page, model.series.parts.len());
        let text = |i: usize| {
            let part = &model.series.parts[i];
            let html = &model.html[i];
            let notes = format!("{}{}", html.notes, model.works_cited[i]);
            let make = || {
                let mut text = String::from("<div class=\"part-body\">\n");
                text.push_str(&rewriter.rewrite(&html.body, Some(part.number)));
                text.push_str("</div>\n");
                text.push_str(&rewriter.rewrite(&notes, Some(part.number)));
                text
            };
            match model.reuse {
                Some(reuse) => reuse.piece(
                    &[
                        b"edition",
                        html.body.as_bytes(),
                        notes.as_bytes(),
                        &part.number.to_le_bytes(),
                        &rewriter.fingerprint().to_le_bytes(),
                    ],
                    make,
                ),
                None => std::sync::Arc::new(make()),
            }
        };
        sink.stream("all/index.html", &mut |w| {
            crate::sink::write_in_batches(w, before.len(), |i| {
                let mut piece = before[i].unwrap_or_default().to_string();
                if before[i].is_some() {
                    piece.push_str(&text(i));
                }
                piece
            })?;
            w.write_all(tail.as_bytes())
        })?;
        Ok(())
    }

    fn search_page(&self) -> Result<Page, Failure> {
        let meta = PageMeta {
            kind: "search",
            title: "Search".into(),
            description: Some(format!("Search {}", self.site.title)),
            canonical: format!("{}search/", self.model.base),
            og_type: "website",
            // Result pages are not content.
            noindex: true,
            ..PageMeta::default()
        };
        let mut context = self.base_context("../", meta);
        context.insert("data_url", "data.js");
        self.render("search.html", "search/index.html".into(), context)
    }

    fn not_found_page(&self, series: &Series) -> Result<Page, Failure> {
        // Served at any depth, so links are rooted at the site's path, not relative.
        let root = series
            .config
            .base_url
            .as_deref()
            .and_then(|u| u.split_once("://"))
            .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()))
            .unwrap_or_else(|| "/".into());
        let root = if root.ends_with('/') {
            root
        } else {
            format!("{root}/")
        };
        let meta = PageMeta {
            kind: "404",
            title: "Page not found".into(),
            noindex: true,
            canonical: format!("{}404.html", self.model.base),
            og_type: "website",
            ..PageMeta::default()
        };
        let context = self.base_context(&root, meta);
        self.render("404.html", "404.html".into(), context)
    }
}

/// JSON for a `<script>` element: `</` cannot end the element early.
fn script_json(value: &serde_json::Value) -> String {
    let mut value = value.clone();
    if let serde_json::Value::Object(map) = &mut value {
        map.retain(|_, v| !v.is_null());
    }
    value.to_string().replace("</", "<\\/")
}

/// Levels 2 and 3 as a two-level tree.
pub fn toc(headings: &[Heading]) -> Vec<TocEntry> {
    let mut entries: Vec<TocEntry> = Vec::new();
    for h in headings.iter().filter(|h| h.level == 2 || h.level == 3) {
        let entry = TocEntry {
            id: h.id.clone(),
            title: h.text.clone(),
            children: Vec::new(),
        };
        match (h.level, entries.last_mut()) {
            (3, Some(parent)) => parent.children.push(entry),
            _ => entries.push(entry),
        }
    }
    entries
}

/// The index as plain HTML (letters and entries), for the EPUB's index
/// chapter; links as written for a page one folder deep.
fn index_body(letters: &[LetterView]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for letter in letters {
        let _ = write!(
            out,
            "<h2 id=\"{}\">{}</h2>\n<ul class=\"index-entries\">\n",
            html::escape(&letter.id),
            html::escape(&letter.letter)
        );
        for e in &letter.entries {
            let _ = write!(
                out,
                "<li id=\"{}\">{}",
                html::escape(&e.id),
                html::escape(&e.name)
            );
            match &e.see {
                Some(see) => {
                    let _ = write!(
                        out,
                        ", <em>see</em> <a href=\"{}\">{}</a>",
                        html::escape(&see.url),
                        html::escape(&see.name)
                    );
                }
                None => {
                    if !e.locators_html.is_empty() {
                        let _ = write!(out, ", {}", e.locators_html);
                    }
                    for (i, also) in e.see_also.iter().enumerate() {
                        let lead = if i == 0 { "; <em>see also</em> " } else { ", " };
                        let _ = write!(
                            out,
                            "{lead}<a href=\"{}\">{}</a>",
                            html::escape(&also.url),
                            html::escape(&also.name)
                        );
                    }
                }
            }
            if !e.subentries.is_empty() {
                out.push_str("<ul class=\"index-subentries\">");
                for sub in &e.subentries {
                    let _ = write!(
                        out,
                        "<li>{}, {}</li>",
                        html::escape(&sub.name),
                        sub.locators_html
                    );
                }
                out.push_str("</ul>");
            }
            out.push_str("</li>\n");
        }
        out.push_str("</ul>\n");
    }
    out
}

/// The marker of part `i`'s text in the rendered edition.
fn edition_marker(i: usize) -> String {
    format!("<!--quire-edition-part:{i}-->")
}

/// The rendered edition cut at the parts' markers: for each part the page
/// text before its marker (`None` when the template left the marker out, and
/// then the part's text too), and the text after the last one.
fn split_at_markers(page: &str, parts: usize) -> (Vec<Option<&str>>, &str) {
    let mut rest = page;
    let mut before = Vec::with_capacity(parts);
    for i in 0..parts {
        let marker = edition_marker(i);
        match rest.find(&marker) {
            Some(at) => {
                before.push(Some(&rest[..at]));
                rest = &rest[at + marker.len()..];
            }
            None => before.push(None),
        }
    }
    (before, rest)
}

/// A part in the one-page edition.
#[derive(Serialize)]
struct EditionPart<'a> {
    #[serde(flatten)]
    part: PartSummary<'a>,
    /// The id of the part's section.
    id: String,
    /// Where the part's text, notes and works cited go (ids prefixed, links
    /// inside the page): a marker that the page's renderer replaces.
    text: String,
    /// Its headings, with the prefixed ids.
    toc: Vec<TocEntry>,
}

/// The index's view for the edition: every locator (links and HTML) points
/// inside the page.
fn edition_letters(
    model: &Model<'_>,
    lists: bool,
    rewriter: &crate::edition::Rewriter,
) -> Vec<LetterView> {
    let mut letters = index_view(model, lists, LocatorTarget::Edition);
    if lists {
        let relink = |parts: &mut Vec<PartLocators>| {
            for link in parts.iter_mut().flat_map(|p| &mut p.links) {
                link.url = rewriter.link(&link.url);
            }
        };
        for entry in letters.iter_mut().flat_map(|l| &mut l.entries) {
            relink(&mut entry.parts);
            for sub in &mut entry.subentries {
                relink(&mut sub.parts);
            }
        }
    }
    letters
}

/// A letter of the index with its entries.
#[derive(Clone, Serialize)]
struct LetterView {
    letter: String,
    id: String,
    entries: Vec<EntryView>,
}

#[derive(Clone, Serialize)]
struct EntryView {
    name: String,
    id: String,
    parts: Vec<PartLocators>,
    /// `parts` as HTML ("Part I; Part III ×4 2 3 4"): a big index has hundreds of
    /// thousands of locators, far faster to write here than in a template loop.
    locators_html: String,
    subentries: Vec<SubEntryView>,
    see: Option<CrossRef>,
    see_also: Vec<CrossRef>,
}

#[derive(Clone, Serialize)]
struct SubEntryView {
    name: String,
    parts: Vec<PartLocators>,
    locators_html: String,
}

/// The occurrences of an entry in one part.
#[derive(Clone, Serialize)]
struct PartLocators {
    number: u32,
    numeral: String,
    title: String,
    count: usize,
    links: Vec<LocatorLink>,
}

#[derive(Clone, Serialize)]
struct LocatorLink {
    url: String,
    section: Option<String>,
}

#[derive(Clone, Serialize)]
struct CrossRef {
    name: String,
    url: String,
}

/// The index for templates; `lists`: with each entry's locators as lists,
/// not only as HTML (see `Theme::locator_lists`).
fn index_view(model: &Model<'_>, lists: bool, target: LocatorTarget) -> Vec<LetterView> {
    // Every entry's locators are written on every core (thousands of entries,
    // tens of thousands of locators), then grouped under their letters.
    let numerals = numerals(model);
    let views: Vec<(String, EntryView)> = model
        .entries
        .par_iter()
        .map(|entry| {
            let view = entry_view(model, &numerals, entry, lists, target);
            (index::letter(&entry.name), view)
        })
        .collect();
    let mut letters: Vec<LetterView> = Vec::new();
    for (letter, view) in views {
        if letters.last().is_none_or(|l| l.letter != letter) {
            let id = format!(
                "letter-{}",
                crate::slug::slugify(&letter).replace("section", "other")
            );
            letters.push(LetterView {
                letter,
                id,
                entries: Vec::new(),
            });
        }
        letters.last_mut().expect("pushed above").entries.push(view);
    }
    letters
}

/// Every part's number as a Roman numeral, by index.
fn numerals(model: &Model<'_>) -> Vec<String> {
    model.series.parts.iter().map(|p| roman(p.number)).collect()
}

fn entry_view(
    model: &Model<'_>,
    numerals: &[String],
    entry: &index::Entry,
    lists: bool,
    target: LocatorTarget,
) -> EntryView {
    let cross = |name: &String| CrossRef {
        name: name.clone(),
        url: format!("#{}", index::entry_id(name)),
    };
    let html = |locators: &[Locator], target| {
        locators_html(model, numerals, locators, "occurrence", target)
    };
    let lists = |locators: &[Locator]| {
        if lists {
            group_by_part(model, locators)
        } else {
            Vec::new()
        }
    };
    EntryView {
        name: entry.name.clone(),
        id: index::entry_id(&entry.name),
        locators_html: html(&entry.locators, target),
        parts: lists(&entry.locators),
        subentries: entry
            .subentries
            .iter()
            .map(|(name, locators)| SubEntryView {
                name: name.clone(),
                locators_html: html(locators, target),
                parts: lists(locators),
            })
            .collect(),
        see: entry.see.as_ref().map(cross),
        see_also: entry.see_also.iter().map(cross).collect(),
    }
}

/// A work of the series bibliography.
#[derive(Serialize)]
struct ReferenceView<'a> {
    key: &'a str,
    id: String,
    /// The entry, formatted by the style.
    html: &'a str,
    /// The parts that cite it, each with a link per citation.
    parts: Vec<PartLocators>,
    /// `parts` as HTML: "Part I; Part III ×2 2".
    cited_html: String,
}

fn bibliography_view<'a>(model: &Model<'a>, lists: bool) -> Vec<ReferenceView<'a>> {
    let mut spots: BTreeMap<&str, Vec<Locator>> = BTreeMap::new();
    for (part, doc) in model.docs.iter().enumerate() {
        for spot in &doc.citations {
            for key in &spot.keys {
                let list = spots.entry(key.as_str()).or_default();
                // A citation naming a work twice is one place.
                if list
                    .last()
                    .is_none_or(|l| l.part != part || l.id != spot.id)
                {
                    list.push(Locator {
                        part,
                        id: spot.id.clone(),
                        section: None,
                    });
                }
            }
        }
    }
    let numerals = numerals(model);
    model
        .references
        .iter()
        .map(|reference| {
            let spots = spots.get(reference.key.as_str()).map_or(&[][..], |v| v);
            ReferenceView {
                key: &reference.key,
                id: reference.id(),
                html: &reference.html,
                cited_html: locators_html(
                    model,
                    &numerals,
                    spots,
                    "citation",
                    LocatorTarget::Pages,
                ),
                parts: if lists {
                    group_by_part(model, spots)
                } else {
                    Vec::new()
                },
            }
        })
        .collect()
}

/// Where the links of an index or bibliography entry lead.
#[derive(Clone, Copy)]
enum LocatorTarget {
    /// The part pages, from a page one folder deep.
    Pages,
    /// The sections of the one-page edition (`#p3-ix-12`).
    Edition,
}

/// "Part I; Part III ×4 2 3 4": the part links to its first occurrence, the
/// numbers to the further ones; the section heading is each link's title.
/// Written straight from the locators: an index of thousands of terms has
/// hundreds of thousands of them.
fn locators_html(
    model: &Model<'_>,
    numerals: &[String],
    locators: &[Locator],
    noun: &str,
    target: LocatorTarget,
) -> String {
    use std::fmt::Write;
    // A locator is about 140 bytes ("<span class=\"locator-part\"><a href=…>Part XII</a></span>").
    let mut out = String::with_capacity(locators.len() * 160);
    let link = |out: &mut String, locator: &Locator, part: &crate::part::Part| {
        out.push_str("<a href=\"");
        match target {
            // Slugs are checked to be letters, digits, `-` and `_`, and the
            // ids are quire's own (`ix-12`): nothing to escape.
            LocatorTarget::Pages => {
                out.push_str("../");
                out.push_str(&part.slug);
                out.push_str("/index.html#");
            }
            LocatorTarget::Edition => {
                let _ = write!(out, "#{}", crate::edition::id_prefix(part.number));
            }
        }
        out.push_str(&locator.id);
        out.push('"');
    };
    let title = |out: &mut String, locator: &Locator| {
        if let Some(section) = locator_section(model, locator) {
            out.push_str(" title=\"§ ");
            html::escape_into(out, section);
            out.push('"');
        }
    };
    for (i, group) in locators
        .chunk_by(|a, b| model.series.parts[a.part].number == model.series.parts[b.part].number)
        .enumerate()
    {
        let part = &model.series.parts[group[0].part];
        let numeral = &numerals[group[0].part];
        if i > 0 {
            out.push_str("; ");
        }
        out.push_str("<span class=\"locator-part\">");
        link(&mut out, &group[0], part);
        title(&mut out, &group[0]);
        let _ = write!(out, ">Part {numeral}</a>");
        if group.len() > 1 {
            let _ = write!(out, " ×{}<span class=\"locator-more\">", group.len());
            for (k, locator) in group.iter().enumerate().skip(1) {
                out.push(' ');
                link(&mut out, locator, part);
                let _ = write!(out, " aria-label=\"Part {numeral}, {noun} {}\"", k + 1);
                title(&mut out, locator);
                let _ = write!(out, ">{}</a>", k + 1);
            }
            out.push_str("</span>");
        }
        out.push_str("</span>");
    }
    out
}

/// The heading text of a locator's section.
fn locator_section<'m>(model: &Model<'m>, locator: &Locator) -> Option<&'m str> {
    let heading = model.docs[locator.part].headings.get(locator.section?)?;
    Some(heading.text.as_str())
}

fn group_by_part(model: &Model<'_>, locators: &[Locator]) -> Vec<PartLocators> {
    let mut groups: Vec<PartLocators> = Vec::new();
    for locator in locators {
        let part = &model.series.parts[locator.part];
        let link = LocatorLink {
            url: format!("../{}index.html#{}", part_dir(part), locator.id),
            section: locator_section(model, locator).map(str::to_string),
        };
        match groups.last_mut() {
            Some(group) if group.number == part.number => {
                group.count += 1;
                group.links.push(link);
            }
            _ => groups.push(PartLocators {
                number: part.number,
                numeral: roman(part.number),
                title: part.meta.title.clone(),
                count: 1,
                links: vec![link],
            }),
        }
    }
    groups
}
