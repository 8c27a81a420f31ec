//! quire: a static-site generator for multi-part essay series.
//!
//! The pipeline passes one model along: `series::load` reads the parts,
//! `markdown::parse` parses each once, `links::resolve` checks and resolves every
//! cross-link against the whole series, `render::render_site` produces every
//! page into a `sink::Sink`: for a build, `output::Staging` writes each file
//! under a temporary name as it is made and renames them all into place only
//! when the build had no errors (or removes them, leaving the output as it was).

pub mod assets;
pub mod bibliography;
pub mod bytemask;
pub mod citecache;
pub mod citenumbers;
pub mod config;
pub mod corpus;
pub mod date;
pub mod diagnostics;
pub mod edition;
pub mod epub;
pub mod feed;
pub mod fingerprint;
pub mod index;
pub mod kept;
pub mod links;
pub mod markdown;
pub mod memory;
pub mod newpart;
pub mod numeral;
pub mod output;
pub mod part;
pub mod phrases;
pub mod pipeline;
pub mod render;
pub mod search;
pub mod series;
pub mod serve;
pub mod sink;
pub mod slug;
pub mod theme;
pub mod tomlsrc;
pub mod urls;
pub mod watch;
pub mod workstyle;

use diagnostics::Diagnostic;
use render::Page;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What the command line asked of a build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// The project root (holds `series/`).
    pub root: PathBuf,
    /// Where to write; `ROOT/output` when `None`.
    pub output: Option<PathBuf>,
    /// Include draft parts.
    pub drafts: bool,
    /// Include parts dated in the future.
    pub future: bool,
    /// The build's "today" for scheduled parts; the system date when `None`.
    pub today: Option<date::Date>,
    /// Overrides `base_url` from `series.toml`.
    pub base_url: Option<String>,
    /// Build into a non-empty folder quire has never built into.
    pub force: bool,
    /// Also make the EPUB edition.
    pub epub: bool,
}

impl BuildOptions {
    /// The output folder this build writes to.
    pub fn output_dir(&self) -> PathBuf {
        self.output
            .clone()
            .unwrap_or_else(|| self.root.join("output"))
    }
}

/// A site rendered in memory, not yet written.
#[derive(Debug)]
pub struct Site {
    /// Every file of the site, when it was rendered into memory.
    pub pages: Vec<Page>,
    /// How many files the site has.
    pub files: usize,
    /// Parts published.
    pub parts: usize,
    /// Drafts left out.
    pub drafts_skipped: usize,
    /// Scheduled parts (dated in the future) left out.
    pub scheduled: usize,
    /// When the next scheduled part becomes due.
    pub next_due: Option<date::Date>,
    /// Warnings found on the way.
    pub warnings: Vec<Diagnostic>,
    /// How long each phase took, in order.
    pub timings: Vec<(&'static str, Duration)>,
}

/// What a successful build did.
#[derive(Debug)]
pub struct BuildReport {
    /// The site that was written.
    pub site: Site,
    /// What the write did.
    pub written: output::WriteReport,
    /// Wall time of the whole build.
    pub elapsed: Duration,
    /// Where it went.
    pub output: PathBuf,
}

/// Why a build failed; the output folder is untouched in every case.
#[derive(Debug)]
pub enum BuildError {
    /// Problems in the content: all of them, sorted (exit code 1).
    Content(Vec<Diagnostic>),
    /// A request quire refuses, such as a dangerous output folder (exit code 2).
    Usage(String),
    /// The output could not be written (exit code 1).
    Io(String),
}

impl BuildError {
    /// The process exit code for this failure.
    pub fn exit_code(&self) -> i32 {
        match self {
            BuildError::Usage(_) => 2,
            BuildError::Content(_) | BuildError::Io(_) => 1,
        }
    }
}

/// Loads, parses, resolves and renders the series into memory.
pub fn render(options: &BuildOptions) -> Result<Site, BuildError> {
    pipeline::Session::default().render(options)
}

/// Runs the whole build in memory and writes nothing (`quire check`).
pub fn check(options: &BuildOptions) -> Result<Site, BuildError> {
    if let Some(url) = &options.base_url {
        check_base_url(url)?;
    }
    render(options)
}

/// Builds the site and writes it, touching the output folder only on success.
pub fn build(options: &BuildOptions) -> Result<BuildReport, BuildError> {
    build_with(&mut pipeline::Session::default(), options)
}

/// `build` for a process that ends right after: the session's memory (every
/// part's parse, a few million small allocations at 1,000 parts) is left for
/// the system to take back at exit instead of being freed piece by piece,
/// which took a tenth of a second of the build.
pub fn build_and_exit(options: &BuildOptions) -> Result<BuildReport, BuildError> {
    let mut session = pipeline::Session::default();
    let report = build_with(&mut session, options);
    std::mem::forget(session);
    report
}

/// `quire build --watch`: builds, then rebuilds into the output folder after
/// every change, reporting each result; returns only if watching fails.
pub fn watch_and_build(
    options: &BuildOptions,
    mut report: impl FnMut(Result<BuildReport, BuildError>),
) -> Result<(), BuildError> {
    let watcher = watch::Watcher::new(&options.root)
        .map_err(|e| BuildError::Io(format!("cannot watch the project: {e}")))?;
    let mut session = pipeline::Session::watching();
    match build_with(&mut session, options) {
        Err(err @ BuildError::Usage(_)) => return Err(err),
        result => report(result),
    }
    while let Some(batch) = watcher.next_batch() {
        if watch::needs_full_rebuild(&batch) {
            session.clear();
        }
        report(build_with(&mut session, options));
    }
    Ok(())
}

fn build_with(
    session: &mut pipeline::Session,
    options: &BuildOptions,
) -> Result<BuildReport, BuildError> {
    let start = Instant::now();
    let output = options.output_dir();
    if let Some(url) = &options.base_url {
        check_base_url(url)?;
    }
    output::check_target(&options.root, &output, options.force).map_err(BuildError::Usage)?;
    let staging = output::Staging::begin(&output);
    let mut site = match session.render_into(options, &staging) {
        Ok(site) => site,
        Err(err) => {
            staging.abort();
            return Err(match err {
                BuildError::Io(message) => {
                    BuildError::Io(format!("{}: {message}", output.display()))
                }
                err => err,
            });
        }
    };
    let write_start = Instant::now();
    let written = staging.commit().map_err(|err| {
        BuildError::Io(format!(
            "{}: cannot write the site: {err}",
            output.display()
        ))
    })?;
    site.timings.push(("write", write_start.elapsed()));
    if let Err(err) = session.keep_citations(&options.root) {
        site.warnings.push(diagnostics::Diagnostic {
            path: citecache::PATH.into(),
            location: None,
            severity: diagnostics::Severity::Warning,
            message: format!(
                "cannot keep the formatted citations for the next build ({err}); \
                 the site was built"
            ),
        });
    }
    Ok(BuildReport {
        site,
        written,
        elapsed: start.elapsed(),
        output,
    })
}

fn check_base_url(url: &str) -> Result<(), BuildError> {
    if url.starts_with("https://") || url.starts_with("http://") {
        Ok(())
    } else {
        Err(BuildError::Usage(format!(
            "--base-url must be an absolute http(s) URL, e.g. https://example.org/essays/, not `{url}`"
        )))
    }
}

/// `output/` shown relative to the root when it lies inside it.
pub fn shown_path(root: &Path, path: &Path) -> String {
    let shown = path.strip_prefix(root).unwrap_or(path);
    let mut s = diagnostics::display_path(shown);
    if !s.ends_with('/') {
        s.push('/');
    }
    s
}
