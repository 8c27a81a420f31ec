//! Where rendered files go as they are made: the output folder's staging
//! area for `quire build`, memory for `quire serve`, `quire check` and tests.

use crate::output::Staging;
use crate::render::Page;
use std::io::Write;
use std::sync::Mutex;

/// Receives the files of a build, from every core at once.
pub trait Sink: Sync {
    /// A whole file.
    fn put(&self, page: Page) -> std::io::Result<()>;

    /// A file written in pieces by `fill`, for files too big to hold whole
    /// (the one-page edition and the feed of a long series). A sink that
    /// keeps files in memory takes the default: the pieces gathered, then put.
    fn stream(
        &self,
        path: &str,
        fill: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let mut bytes = Vec::new();
        fill(&mut bytes)?;
        self.put(Page {
            path: path.to_string(),
            bytes,
        })
    }

    /// Called once the build's content is known to be good, just before the
    /// first file is rendered: the preview server tells open pages to reload
    /// then, and answers their requests as the files arrive.
    fn begin(&self) {}

    /// Whether someone is waiting for the part pages (the preview server): they
    /// are then rendered before the site-wide files (feed, edition, search
    /// data), which take longest and which no one is looking at while writing.
    fn pages_first(&self) -> bool {
        false
    }
}

impl Sink for Staging {
    fn put(&self, page: Page) -> std::io::Result<()> {
        Staging::put(self, &page.path, &page.bytes)
    }

    fn stream(
        &self,
        path: &str,
        fill: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        Staging::stream(self, path, fill)
    }
}

/// Keeps every file in memory.
#[derive(Default)]
pub struct Collect(Mutex<Vec<Page>>);

impl Collect {
    /// The files, in path order.
    pub fn into_pages(self) -> Vec<Page> {
        let mut pages = self.0.into_inner().unwrap_or_else(|e| e.into_inner());
        pages.sort_by(|a, b| a.path.cmp(&b.path));
        pages
    }
}

impl Sink for Collect {
    fn put(&self, page: Page) -> std::io::Result<()> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(page);
        Ok(())
    }
}

/// Writes `count` pieces in order, each made by `make`, on every core a batch
/// at a time: only one batch is ever held in memory.
pub fn write_in_batches(
    out: &mut dyn Write,
    count: usize,
    make: impl Fn(usize) -> String + Sync,
) -> std::io::Result<()> {
    use rayon::prelude::*;
    // Enough to keep both cores busy; more only holds more pieces at once.
    const BATCH: usize = 8;
    for start in (0..count).step_by(BATCH) {
        let pieces: Vec<String> = (start..count.min(start + BATCH))
            .into_par_iter()
            .map(&make)
            .collect();
        for piece in pieces {
            out.write_all(piece.as_bytes())?;
        }
    }
    Ok(())
}
