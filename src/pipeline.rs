//! The build pipeline, run by a `Session` that remembers each part's parse
//! between builds: a watch rebuild re-parses only the parts whose text changed.

use crate::diagnostics::Diagnostics;
use crate::markdown::html::{PartHtml, Targets};
use crate::markdown::Doc;
use crate::search::PartWords;
use crate::{bibliography, config, date, index, links, markdown, render, series, theme, urls};
use crate::{BuildError, BuildOptions, Site};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A part's parse and its HTML with slots for destinations, with what it
/// was parsed from and what it reported.
struct CachedParse {
    /// Hash of the part's text (keeping a copy would double the memory).
    text_hash: u64,
    doc: Doc,
    draft: Arc<PartHtml>,
    words: Arc<PartWords>,
    diags: Diagnostics,
}

/// The parts' parses, in series order.
struct Parsed {
    docs: Vec<Doc>,
    drafts: Vec<Arc<PartHtml>>,
    words: Vec<Arc<PartWords>>,
}

/// A part's HTML with what it was made from.
struct CachedHtml {
    doc: Doc,
    targets: Targets,
    html: Arc<PartHtml>,
}

/// Builds in memory, reusing parses (and the HTML made from them) across
/// builds of the same project when watching.
#[derive(Default)]
pub struct Session {
    /// Kept only when watching: a one-off build drops each part's draft HTML
    /// once its slots are filled.
    parses: HashMap<PathBuf, CachedParse>,
    html: HashMap<PathBuf, CachedHtml>,
    /// What the cached parses were made with besides each part's text: the
    /// terms file (it decides what is marked), the bibliography and style, and
    /// which cited works have namesakes (their citations are told apart).
    parse_inputs: u64,
    /// Pieces of pages kept for the next rebuild (only when watching: a
    /// one-off build would hold them for nothing).
    reuse: Option<render::Reuse>,
    /// Formatted citations, read from the project's cache on the first build.
    citations: Option<Arc<crate::citecache::Store>>,
    /// Whether `citations` holds something the cache file does not.
    citations_changed: bool,
}

/// Times the phases of one build.
struct Clock {
    last: Instant,
    phases: Vec<(&'static str, Duration)>,
}

impl Clock {
    fn new() -> Self {
        Clock {
            last: Instant::now(),
            phases: Vec::new(),
        }
    }

    fn lap(&mut self, phase: &'static str) {
        let now = Instant::now();
        self.phases.push((phase, now - self.last));
        self.last = now;
    }
}

/// Each part's HTML with a numeric style's citation numbers put in (done
/// after the cached HTML, since a citation added to an earlier part
/// renumbers the works of later ones).
fn numbered(html: Vec<Arc<PartHtml>>, numbers: &bibliography::Numbers) -> Vec<Arc<PartHtml>> {
    if numbers.is_empty() {
        return html;
    }
    html.into_par_iter()
        .map(|part| match part.map_text(|text| numbers.apply(text)) {
            Some(renumbered) => Arc::new(renumbered),
            None => part,
        })
        .collect()
}

fn text_hash(text: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(text.as_bytes())
}

impl Session {
    /// A session for `quire serve` and `build --watch`, which also keeps
    /// pieces of pages between rebuilds.
    pub fn watching() -> Self {
        Session {
            reuse: Some(render::Reuse::default()),
            ..Session::default()
        }
    }

    /// Forgets every cached parse (after a configuration change).
    pub fn clear(&mut self) {
        self.parses.clear();
        self.html.clear();
    }

    /// Writes what this session's builds formatted into the project's cache
    /// of citations, if anything (after a `quire build` that succeeded; `quire
    /// check` and `quire serve` never write it).
    pub fn keep_citations(&mut self, root: &Path) -> std::io::Result<()> {
        match &self.citations {
            Some(store) if std::mem::take(&mut self.citations_changed) => store.write(root),
            _ => Ok(()),
        }
    }

    /// Loads, parses, resolves and renders the series into memory.
    pub fn render(&mut self, options: &BuildOptions) -> Result<Site, BuildError> {
        let collect = crate::sink::Collect::default();
        let mut site = self.render_into(options, &collect)?;
        site.pages = collect.into_pages();
        Ok(site)
    }

    /// Loads, parses, resolves and renders the series, handing every file to
    /// `sink` as it is made (`Site::pages` stays empty).
    pub fn render_into(
        &mut self,
        options: &BuildOptions,
        sink: &dyn crate::sink::Sink,
    ) -> Result<Site, BuildError> {
        let mut clock = Clock::new();
        let root = options.root.as_path();
        let mut diags = Diagnostics::default();
        let selection = series::Selection {
            drafts: options.drafts,
            future: options.future,
            today: options.today.unwrap_or_else(date::Date::today),
        };
        let config = config::load(root, &mut diags);
        let store = Arc::clone(
            self.citations
                .get_or_insert_with(|| Arc::new(crate::citecache::Store::read(root))),
        );
        // While the parts are read on every core, the other jobs of loading
        // run beside them: the terms file and its automaton (thousands of
        // phrases take a few milliseconds), and the bibliography with its
        // style (some 20 ms for Chicago's, which is large).
        let bib_setting = config
            .as_ref()
            .map(|c| (c.citation_style.clone(), c.language.clone()));
        let ((loaded, series_diags), ((terms, matcher), (mut bibliography, bib_diags))) =
            rayon::join(
                || {
                    let mut diags = Diagnostics::default();
                    (
                        series::load_with(root, config, selection, &mut diags),
                        diags,
                    )
                },
                || {
                    let terms = index::load(root, &mut diags);
                    let matcher = index::matcher(&terms);
                    let mut bib_diags = Diagnostics::default();
                    let bibliography = bib_setting.and_then(|(style, language)| {
                        bibliography::load(root, style.as_deref(), &language, store, &mut bib_diags)
                    });
                    ((terms, matcher), (bibliography, bib_diags))
                },
            );
        diags.extend(series_diags);
        let Some(mut series) = loaded else {
            return Err(BuildError::Content(diags.sorted()));
        };
        diags.extend(bib_diags);
        if let Some(url) = &options.base_url {
            series.config.base_url = Some(url.clone());
        }
        if series.config.base_url.is_none() {
            diags.file_error(
                Path::new(config::CONFIG_PATH),
                "no `base_url`: the feed and the sitemap need the site's absolute address; add \
                 `base_url = \"https://example.org/my-series/\"` or pass --base-url",
            );
        }
        let base = urls::normalize_base(series.config.base_url.as_deref().unwrap_or_default());
        let theme = theme::load(root, &series.config.theme, &mut diags);
        // The works the texts seem to cite, in the order they are first cited.
        let cited: Vec<String> = match &bibliography {
            Some(_) => {
                let per_part: Vec<Vec<&str>> = series
                    .parts
                    .par_iter()
                    .map(|part| markdown::citations::cited_keys(&part.text))
                    .collect();
                let mut seen = rustc_hash::FxHashSet::default();
                let keys = per_part.into_iter().flatten();
                keys.filter(|key| seen.insert(*key))
                    .map(str::to_string)
                    .collect()
            }
            None => Vec::new(),
        };
        // Which works are cited matters only to tell namesakes apart.
        let namesakes = bibliography
            .as_mut()
            .map_or(0, |bib| match bib.may_have_namesakes() {
                true => bib.set_cited(cited.iter().map(String::as_str)),
                false => bib.set_cited([]),
            });
        clock.lap("load");
        // The series' reference list is made on the other core while the
        // parts parse (the first time it is slow: the style sorts and formats
        // every work), from the works the texts seem to cite; the list made
        // from what the parse found below takes it from the store when those
        // are the same works in the same order.
        let (parsed, ()) = rayon::join(
            || {
                self.parse_all(
                    &mut series,
                    &terms,
                    matcher.as_ref(),
                    bibliography.as_ref(),
                    namesakes,
                    &mut diags,
                )
            },
            || {
                if let Some(bib) = &bibliography {
                    bibliography::prepare_series_references(bib, &cited);
                }
            },
        );
        let Parsed {
            docs,
            drafts,
            words,
        } = parsed;
        clock.lap("parse");
        let resolved = links::resolve(&series, root, &docs, &mut diags);
        clock.lap("links");
        let entries = index::build(&terms, &docs, &mut diags);
        clock.lap("index");
        let references = bibliography
            .as_ref()
            .map(|bib| bibliography::series_references(bib, &docs))
            .unwrap_or_default();
        clock.lap("cite");
        let numbers = bibliography
            .as_ref()
            .map(|bib| bib.numbers(&references))
            .unwrap_or_default();
        let works_cited: Vec<String> = match references.is_empty() {
            true => vec![String::new(); docs.len()],
            false => {
                let sections = markdown::html::WorksCited::new(&references);
                docs.par_iter().map(|doc| sections.section(doc)).collect()
            }
        };
        let links::Resolved { targets, backlinks } = resolved;
        let html = numbered(self.part_html(&series, &docs, drafts, &targets), &numbers);
        // The pages do not need the resolved links (thousands of small
        // frees: on every core).
        targets.into_par_iter().for_each(drop);
        let files = match &theme {
            Some(theme) if !diags.has_errors() => {
                let model = render::Model {
                    series: &series,
                    docs: &docs,
                    backlinks: &backlinks,
                    entries: &entries,
                    references: &references,
                    works_cited: &works_cited,
                    root,
                    base,
                    html: &html,
                    epub: options.epub,
                    reuse: self.reuse.as_ref(),
                    words: std::sync::Mutex::new(words),
                };
                render::render_site(&model, theme, sink, &mut diags)
                    .map_err(|err| BuildError::Io(format!("cannot write the site: {err}")))?
            }
            _ => 0,
        };
        clock.lap("render");
        // What the pages were made from is freed on every core (each part's
        // parse holds thousands of small allocations).
        rayon::join(
            || docs.into_par_iter().for_each(drop),
            || html.into_par_iter().for_each(drop),
        );
        if diags.has_errors() || theme.is_none() {
            return Err(BuildError::Content(diags.sorted()));
        }
        if let (Some(_), Some(store)) = (&bibliography, &self.citations) {
            self.citations_changed |= store.sweep();
        }
        Ok(Site {
            pages: Vec::new(),
            files,
            parts: series.parts.len(),
            drafts_skipped: series.excluded.iter().filter(|p| p.meta.draft).count(),
            scheduled: series.excluded.iter().filter(|p| !p.meta.draft).count(),
            next_due: series.next_due,
            warnings: diags.warnings(),
            timings: clock.phases,
        })
    }

    /// Each part's HTML: its draft with the slots filled, reused while
    /// watching as long as its parse and its resolved links are the same.
    fn part_html(
        &mut self,
        series: &series::Series,
        docs: &[Doc],
        drafts: Vec<Arc<PartHtml>>,
        targets: &[Targets],
    ) -> Vec<Arc<PartHtml>> {
        let html: Vec<Arc<PartHtml>> = series
            .parts
            .par_iter()
            .zip(docs)
            .zip(drafts)
            .zip(targets)
            .map(
                |(((part, doc), draft), targets)| match self.html.get(&part.source) {
                    Some(c) if Arc::ptr_eq(&c.doc, doc) && c.targets == *targets => {
                        Arc::clone(&c.html)
                    }
                    // The draft, unless the watch cache holds it, is dropped here.
                    _ => draft.resolved(&doc.links, targets).map_or(draft, Arc::new),
                },
            )
            .collect();
        self.html.clear();
        if self.reuse.is_none() {
            return html;
        }
        for (((part, doc), targets), html) in series.parts.iter().zip(docs).zip(targets).zip(&html)
        {
            self.html.insert(
                part.source.clone(),
                CachedHtml {
                    doc: Doc::clone(doc),
                    targets: targets.clone(),
                    html: Arc::clone(html),
                },
            );
        }
        html
    }

    /// Parses every published part, reusing (when watching) the parse of any
    /// part whose text is unchanged: each part's doc and draft HTML. A part's
    /// file is let go once it is parsed.
    fn parse_all(
        &mut self,
        series: &mut series::Series,
        terms: &index::Terms,
        matcher: Option<&index::Matcher>,
        bibliography: Option<&bibliography::Bibliography>,
        namesakes: u64,
        diags: &mut Diagnostics,
    ) -> Parsed {
        let inputs = text_hash(terms.text())
            ^ bibliography.map_or(0, |b| b.fingerprint.rotate_left(1))
            ^ namesakes.rotate_left(2);
        if inputs != self.parse_inputs {
            self.parses.clear();
            self.parse_inputs = inputs;
        }
        let context = markdown::Context {
            matcher,
            bibliography,
        };
        let cached = &self.parses;
        // Parts parse independently: use every core.
        let fresh: Vec<Option<CachedParse>> = series
            .parts
            .par_iter_mut()
            .map(|part| {
                let hash = text_hash(&part.text);
                let fresh = cached
                    .get(&part.source)
                    .is_none_or(|c| c.text_hash != hash)
                    .then(|| {
                        let mut part_diags = Diagnostics::default();
                        let parsed = markdown::parse(part, context, &mut part_diags);
                        CachedParse {
                            text_hash: hash,
                            doc: Doc::new(parsed.doc),
                            draft: Arc::new(parsed.html),
                            words: Arc::new(parsed.words),
                            diags: part_diags,
                        }
                    });
                part.release_text();
                fresh
            })
            .collect();
        let mut parsed = Parsed {
            docs: Vec::with_capacity(series.parts.len()),
            drafts: Vec::with_capacity(series.parts.len()),
            words: Vec::with_capacity(series.parts.len()),
        };
        for (part, fresh) in series.parts.iter().zip(fresh) {
            let parse = match fresh {
                // A one-off build keeps nothing for later.
                Some(parse) if self.reuse.is_none() => {
                    diags.extend(parse.diags);
                    parsed.docs.push(parse.doc);
                    parsed.drafts.push(parse.draft);
                    parsed.words.push(parse.words);
                    continue;
                }
                Some(parse) => self
                    .parses
                    .entry(part.source.clone())
                    .insert_entry(parse)
                    .into_mut(),
                None => &self.parses[&part.source],
            };
            diags.extend(parse.diags.clone());
            parsed.docs.push(Doc::clone(&parse.doc));
            parsed.drafts.push(Arc::clone(&parse.draft));
            parsed.words.push(Arc::clone(&parse.words));
        }
        parsed
    }
}
