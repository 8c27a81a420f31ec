//! Resolving links across the series: every cross-link, anchor, asset and image
//! is checked against the whole series at once, every failure is reported, and
//! the links that succeed become relative URLs and backlinks.

use crate::assets::asset_url;
use crate::diagnostics::{display_path, Diagnostics};
use crate::markdown::html::{ImageOut, LinkOut, Targets};
use crate::markdown::{Doc, LinkRef, LinkTarget, ParsedDoc};
use crate::numeral::roman;
use crate::part::Part;
use crate::series::Series;
use crate::tomlsrc::closest;
use std::path::Path;

/// A place in another part that links to a part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backlink {
    /// Index (in `Series::parts`) of the linking part.
    pub from: usize,
    /// Id of the spot in the linking page.
    pub spot_id: String,
    /// Text of the heading of the section the link sits in, if any.
    pub section: Option<String>,
}

/// The result of resolution: per part, its targets and the backlinks to it.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    /// Indexed like `Series::parts`.
    pub targets: Vec<Targets>,
    /// Indexed like `Series::parts`: who links here, in series order.
    pub backlinks: Vec<Vec<Backlink>>,
}

/// Where a part's page lives in the output, relative to the site root.
pub fn part_dir(part: &Part) -> String {
    format!("{}/", part.slug)
}

/// Relative URL from part `from` to part `to` (`None` = the same page) plus an anchor.
fn part_url(series: &Series, from: usize, to: usize, anchor: Option<&str>) -> String {
    let fragment = anchor.map(|a| format!("#{a}")).unwrap_or_default();
    if from == to {
        return if fragment.is_empty() {
            "#".into()
        } else {
            fragment
        };
    }
    format!("../{}index.html{fragment}", part_dir(&series.parts[to]))
}

/// Resolves every link and image of every published part.
pub fn resolve(series: &Series, root: &Path, docs: &[Doc], diags: &mut Diagnostics) -> Resolved {
    use rayon::prelude::*;
    // Each part's links are checked on their own, on every core; backlinks
    // and messages are gathered in part order after.
    let per_part: Vec<PartLinks> = docs
        .par_iter()
        .enumerate()
        .map(|(index, doc)| resolve_part(series, root, docs, index, doc))
        .collect();
    let mut resolved = Resolved {
        targets: Vec::with_capacity(docs.len()),
        backlinks: vec![Vec::new(); docs.len()],
    };
    for part in per_part {
        resolved.targets.push(part.targets);
        for (to, backlink) in part.backlinks {
            resolved.backlinks[to].push(backlink);
        }
        diags.extend(part.diags);
    }
    resolved
}

/// What one part's links resolve to.
struct PartLinks {
    targets: Targets,
    /// Backlinks this part gives other parts: (the part linked to, the backlink).
    backlinks: Vec<(usize, Backlink)>,
    diags: Diagnostics,
}

fn resolve_part(
    series: &Series,
    root: &Path,
    docs: &[Doc],
    index: usize,
    doc: &ParsedDoc,
) -> PartLinks {
    let part = &series.parts[index];
    let mut diags = Diagnostics::default();
    let mut targets = Targets::default();
    let mut backlinks = Vec::new();
    for link in &doc.links {
        let out = match resolve_link(series, root, docs, index, link) {
            Ok(Resolution::Part(to, anchor)) => {
                if to != index {
                    backlinks.push((
                        to,
                        Backlink {
                            from: index,
                            spot_id: link.spot_id(),
                            section: link.section.map(|s| doc.headings[s].text.clone()),
                        },
                    ));
                }
                LinkOut::Href(part_url(series, index, to, anchor.as_deref()))
            }
            Ok(Resolution::Forthcoming(label)) => LinkOut::Forthcoming(label),
            Ok(Resolution::Url(url)) => LinkOut::Href(url),
            Err(message) => {
                diags.error_at(
                    &part.source,
                    link.at,
                    format!("broken link to {}: {message}", link.raw),
                );
                LinkOut::Href(String::new())
            }
        };
        targets.links.push(out);
    }
    for image in &doc.images {
        let out = match &image.local {
            None => ImageOut {
                src: image.raw.clone(),
                size: None,
            },
            Some(path) => match asset_url(root, path) {
                Ok(src) => ImageOut {
                    src,
                    size: crate::assets::image_size(&root.join(path)),
                },
                Err(message) => {
                    diags.error_at(
                        &part.source,
                        image.at,
                        format!("missing image {}: {message}", image.raw),
                    );
                    ImageOut {
                        src: String::new(),
                        size: None,
                    }
                }
            },
        };
        targets.images.push(out);
    }
    PartLinks {
        targets,
        backlinks,
        diags,
    }
}

enum Resolution {
    /// A published part (index) and an optional checked anchor.
    Part(usize, Option<String>),
    /// Not published yet: the title attribute to show.
    Forthcoming(String),
    /// An asset URL relative to the page.
    Url(String),
}

fn resolve_link(
    series: &Series,
    root: &Path,
    docs: &[Doc],
    from: usize,
    link: &LinkRef,
) -> Result<Resolution, String> {
    let part = &series.parts[from];
    let (number, anchor) = match &link.target {
        LinkTarget::SamePage { anchor } => {
            check_anchor(&docs[from], anchor)?;
            return Ok(Resolution::Part(from, Some(anchor.clone())));
        }
        LinkTarget::Asset { path, fragment } => {
            let url = asset_url(root, path)?;
            let fragment = fragment
                .as_ref()
                .map(|f| format!("#{f}"))
                .unwrap_or_default();
            return Ok(Resolution::Url(format!("{url}{fragment}")));
        }
        LinkTarget::PartFile { path, anchor } => {
            let number = series
                .parts
                .iter()
                .chain(&series.excluded)
                .find(|p| p.source == *path)
                .map(|p| p.number)
                .ok_or_else(|| no_such_file(series, path))?;
            (number, anchor)
        }
        LinkTarget::PartNumber { number, anchor } => (*number, anchor),
        LinkTarget::Neighbour { next, anchor } => (neighbour(series, part.number, *next)?, anchor),
    };
    if let Some(to) = series.parts.iter().position(|p| p.number == number) {
        if let Some(anchor) = anchor {
            check_anchor(&docs[to], anchor)?;
        }
        return Ok(Resolution::Part(to, anchor.clone()));
    }
    if let Some(entry) = series.forthcoming_entry(number) {
        return Ok(Resolution::Forthcoming(format!(
            "Forthcoming: Part {}, {}",
            roman(number),
            entry.title
        )));
    }
    if let Some(part) = series.excluded.iter().find(|p| p.number == number) {
        let reason = crate::series::exclusion_reason(part, &series.selection);
        let announce = if reason.ends_with("--drafts") {
            ", or announce it as [[forthcoming]] in series.toml)"
        } else {
            ""
        };
        return Err(format!("Part {} {reason}{announce}", roman(number)));
    }
    Err(format!(
        "there is no Part {} ({}; announce parts not yet written as [[forthcoming]] in series.toml)",
        roman(number),
        known_parts(series)
    ))
}

fn known_parts(series: &Series) -> String {
    let numbers: Vec<String> = series.parts.iter().map(|p| p.number.to_string()).collect();
    if numbers.is_empty() {
        "no part is published".into()
    } else {
        format!("published parts: {}", numbers.join(", "))
    }
}

/// The number of the part before or after `number` that the series knows of.
fn neighbour(series: &Series, number: u32, next: bool) -> Result<u32, String> {
    let known = series
        .parts
        .iter()
        .chain(&series.excluded)
        .map(|p| p.number)
        .chain(series.forthcoming.iter().map(|f| f.part));
    let found = if next {
        known.filter(|&n| n > number).min()
    } else {
        known.filter(|&n| n < number).max()
    };
    found.ok_or_else(|| {
        if next {
            format!(
                "Part {} is the last part (announce the next one as [[forthcoming]] in series.toml)",
                roman(number)
            )
        } else {
            format!("Part {} is the first part; there is no previous one", roman(number))
        }
    })
}

fn no_such_file(series: &Series, path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let files: Vec<String> = series
        .parts
        .iter()
        .chain(&series.excluded)
        .map(|p| display_path(&p.source))
        .collect();
    let names: Vec<&str> = files
        .iter()
        .map(|f| f.rsplit('/').next().unwrap_or(f))
        .collect();
    let hint = closest(&name, &names)
        .map(|n| format!(" (did you mean {n}?)"))
        .unwrap_or_default();
    format!("no part file {}{hint}", display_path(path))
}

fn check_anchor(doc: &ParsedDoc, anchor: &str) -> Result<(), String> {
    if doc.ids.contains(anchor) {
        return Ok(());
    }
    let ids: Vec<&str> = doc.ids.iter().collect();
    let hint = closest(anchor, &ids)
        .map(|id| format!(" (did you mean #{id}?)"))
        .unwrap_or_else(|| {
            let headings: Vec<&str> = doc.headings.iter().map(|h| h.id.as_str()).take(8).collect();
            if headings.is_empty() {
                String::new()
            } else {
                format!(" (headings there: #{})", headings.join(", #"))
            }
        });
    Err(format!("no such anchor{hint}"))
}
