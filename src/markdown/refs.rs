//! Links and images: each one the build must check or rewrite is recorded with
//! its location, and its destination in the events is replaced by a token.

use super::{matching_end, plain_text, Ev, Heading, Note};
use crate::diagnostics::Diagnostics;
use crate::part::Part;
use pulldown_cmark::{CowStr, Event, Tag};
use std::path::{Component, Path, PathBuf};

/// What a link points at, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkTarget {
    /// `#anchor` in the same part.
    SamePage {
        /// The id.
        anchor: String,
    },
    /// Another part's source file, `02-dual-power.md#soviets`, resolved against the linking file.
    PartFile {
        /// Normalised path relative to the root (`series/02-dual-power.md`).
        path: PathBuf,
        /// Optional id.
        anchor: Option<String>,
    },
    /// `part:2#soviets`.
    PartNumber {
        /// The part number.
        number: u32,
        /// Optional id.
        anchor: Option<String>,
    },
    /// `part:next` (true) or `part:prev` (false).
    Neighbour {
        /// Next rather than previous.
        next: bool,
        /// Optional id.
        anchor: Option<String>,
    },
    /// A local file that is not a part (must live under `series/assets/`).
    Asset {
        /// Normalised path relative to the root.
        path: PathBuf,
        /// Optional fragment, kept as is.
        fragment: Option<String>,
    },
}

/// A link quire checks and rewrites.
#[derive(Debug, Clone)]
pub struct LinkRef {
    /// Where it points.
    pub target: LinkTarget,
    /// The destination as written, for messages.
    pub raw: String,
    /// Line and column in the file, for messages (the file itself is not
    /// kept once the part is parsed).
    pub at: (usize, usize),
    /// Plain text of the link.
    pub text: String,
    /// Its title attribute, if any.
    pub title: String,
    /// The note it sits in, if any.
    pub note: Option<usize>,
    /// Index into the part's headings of the section it sits in.
    pub section: Option<usize>,
    /// Position among the links of the body (1-based), for its `xref-N` id; 0 inside notes.
    pub body_ordinal: usize,
}

impl LinkRef {
    /// The id of the spot that a backlink to this link should land on.
    pub fn spot_id(&self) -> String {
        match self.note {
            None => ["xref-", &self.body_ordinal.to_string()].concat(),
            Some(n) => super::footnotes::ref_id(n, 1),
        }
    }
}

/// An image in the part.
#[derive(Debug, Clone)]
pub struct ImageRef {
    /// The source as written.
    pub raw: String,
    /// The local file, relative to the root, if it is not a URL.
    pub local: Option<PathBuf>,
    /// Line and column in the file, for messages.
    pub at: (usize, usize),
    /// Alt text.
    pub alt: String,
    /// Title (becomes the caption of a figure).
    pub title: String,
}

/// Prefix of the token that replaces a recorded link's destination.
pub const LINK_TOKEN: &str = "quire:link:";
/// Prefix of the token that replaces an image's source.
pub const IMAGE_TOKEN: &str = "quire:image:";

/// The ids of body links (`xref-N`).
pub fn ids(links: &[LinkRef]) -> Vec<String> {
    links
        .iter()
        .filter(|l| l.note.is_none())
        .map(LinkRef::spot_id)
        .collect()
}

/// Records links and images of the body and the notes, replacing destinations by tokens.
pub fn collect(
    body: &mut [Ev],
    notes: &mut [Note],
    headings: &[Heading],
    part: &Part,
    diags: &mut Diagnostics,
) -> (Vec<LinkRef>, Vec<ImageRef>) {
    let mut links = Vec::new();
    let mut images = Vec::new();
    let mut ordinal = 0;
    let section_at =
        |event_index: usize| headings.iter().rposition(|h| h.event_index < event_index);
    // The section of each event: the headings before it, counted as the
    // events go by.
    let mut passed = 0;
    for i in 0..body.len() {
        while headings.get(passed).is_some_and(|h| h.event_index < i) {
            passed += 1;
        }
        let section = passed.checked_sub(1);
        if let Some(link) = record(body, i, None, section, part, &mut links, &mut images, diags) {
            ordinal += 1;
            links[link].body_ordinal = ordinal;
        }
    }
    let first_refs = super::first_references(body, notes.len());
    for (note, at) in notes.iter_mut().zip(first_refs) {
        let section = at.and_then(section_at);
        for i in 0..note.events.len() {
            record(
                &mut note.events,
                i,
                Some(note.number),
                section,
                part,
                &mut links,
                &mut images,
                diags,
            );
        }
    }
    (links, images)
}

/// Records the link or image starting at `events[i]`, if any; returns the new link's index.
#[allow(clippy::too_many_arguments)]
fn record(
    events: &mut [Ev],
    i: usize,
    note: Option<usize>,
    section: Option<usize>,
    part: &Part,
    links: &mut Vec<LinkRef>,
    images: &mut Vec<ImageRef>,
    diags: &mut Diagnostics,
) -> Option<usize> {
    // Where it is written (worked out only for a link or an image: every event comes here).
    let at = || part.body_line_col(events[i].1.start);
    match &events[i].0 {
        Event::Start(Tag::Link {
            dest_url, title, ..
        }) => {
            let at = at();
            let raw = dest_url.to_string();
            let title = title.to_string();
            let target = match classify(&raw, &part.source) {
                Ok(Some(target)) => target,
                Ok(None) => return None,
                Err(message) => {
                    diags.error_at(&part.source, at, format!("broken link to {raw}: {message}"));
                    return None;
                }
            };
            let end = matching_end(events, i);
            let text = plain_text(&events[i + 1..end]);
            if let Event::Start(Tag::Link { dest_url, .. }) = &mut events[i].0 {
                *dest_url = CowStr::from(format!("{LINK_TOKEN}{}", links.len()));
            }
            links.push(LinkRef {
                target,
                raw,
                at,
                text,
                title,
                note,
                section,
                body_ordinal: 0,
            });
            Some(links.len() - 1)
        }
        Event::Start(Tag::Image {
            dest_url, title, ..
        }) => {
            let at = at();
            let raw = dest_url.to_string();
            let title = title.to_string();
            let end = matching_end(events, i);
            let alt = plain_text(&events[i + 1..end]);
            let local = match classify(&raw, &part.source) {
                Ok(Some(LinkTarget::Asset { path, .. } | LinkTarget::PartFile { path, .. })) => {
                    Some(path)
                }
                _ => None,
            };
            if alt.trim().is_empty() {
                diags.warning_at(
                    &part.source,
                    at,
                    format!("image {raw} has no alt text (describe it: ![what it shows]({raw}))"),
                );
            }
            if let Event::Start(Tag::Image { dest_url, .. }) = &mut events[i].0 {
                *dest_url = CowStr::from(format!("{IMAGE_TOKEN}{}", images.len()));
            }
            images.push(ImageRef {
                raw,
                local,
                at,
                alt,
                title,
            });
            None
        }
        _ => None,
    }
}

/// Classifies a destination; `Ok(None)` for external URLs, which are left alone.
pub fn classify(raw: &str, from: &Path) -> Result<Option<LinkTarget>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("the destination is empty".into());
    }
    if let Some(anchor) = raw.strip_prefix('#') {
        return Ok(Some(LinkTarget::SamePage {
            anchor: percent_decode(anchor),
        }));
    }
    if let Some(rest) = raw.strip_prefix("part:") {
        let (what, anchor) = split_fragment(rest);
        return match what {
            "next" => Ok(Some(LinkTarget::Neighbour { next: true, anchor })),
            "prev" | "previous" => Ok(Some(LinkTarget::Neighbour {
                next: false,
                anchor,
            })),
            n => match n.parse::<u32>() {
                Ok(number) => Ok(Some(LinkTarget::PartNumber { number, anchor })),
                Err(_) => Err(format!(
                    "`part:` takes a part number, `next` or `prev` (e.g. part:2), not `{n}`"
                )),
            },
        };
    }
    if has_scheme(raw) || raw.starts_with("//") {
        return Ok(None);
    }
    let (path, fragment) = split_fragment(raw);
    let path = percent_decode(path);
    let base = if let Some(abs) = path.strip_prefix('/') {
        Path::new(crate::series::SERIES_DIR).join(abs)
    } else {
        from.parent().unwrap_or(Path::new("")).join(&path)
    };
    let path = normalize(&base).ok_or_else(|| "the path leaves the project folder".to_string())?;
    if path.extension().is_some_and(|e| e == "md") {
        Ok(Some(LinkTarget::PartFile {
            path,
            anchor: fragment,
        }))
    } else {
        Ok(Some(LinkTarget::Asset { path, fragment }))
    }
}

fn split_fragment(s: &str) -> (&str, Option<String>) {
    match s.split_once('#') {
        Some((a, b)) => (a, Some(percent_decode(b))),
        None => (s, None),
    }
}

fn has_scheme(s: &str) -> bool {
    let Some(colon) = s.find(':') else {
        return false;
    };
    let scheme = &s[..colon];
    !scheme.is_empty()
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
}

/// Resolves `.` and `..` without touching the file system; `None` if it climbs above the start.
pub fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::Normal(c) => out.push(c),
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Some(Ok(b)) = s.get(i + 1..i + 3).map(|h| u8::from_str_radix(h, 16)) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(raw: &str) -> Option<LinkTarget> {
        classify(raw, Path::new("series/essays/03-x.md")).unwrap()
    }

    #[test]
    fn classifies_every_link_form() {
        assert_eq!(t("https://example.org/a.md"), None);
        assert_eq!(t("mailto:a@b.c"), None);
        assert_eq!(
            t("#soviets"),
            Some(LinkTarget::SamePage {
                anchor: "soviets".into()
            })
        );
        assert_eq!(
            t("../02-dual-power.md#soviets"),
            Some(LinkTarget::PartFile {
                path: "series/02-dual-power.md".into(),
                anchor: Some("soviets".into())
            })
        );
        assert_eq!(
            t("part:2"),
            Some(LinkTarget::PartNumber {
                number: 2,
                anchor: None
            })
        );
        assert_eq!(
            t("part:next#a"),
            Some(LinkTarget::Neighbour {
                next: true,
                anchor: Some("a".into())
            })
        );
        assert_eq!(
            t("../assets/map%201917.png"),
            Some(LinkTarget::Asset {
                path: "series/assets/map 1917.png".into(),
                fragment: None
            })
        );
        assert!(classify("part:two", Path::new("series/a.md")).is_err());
        assert!(classify("../../../x.md", Path::new("series/a.md")).is_err());
    }
}
