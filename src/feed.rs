//! The Atom feed (`atom.xml`) and the sitemap (`sitemap.xml`): the only files
//! that need absolute URLs, built from the same parsed parts as the pages.

use crate::date::Date;
use crate::links::part_dir;
use crate::markdown::html::{self, PartHtml};
use crate::numeral::roman;
use crate::part::Part;
use crate::series::Series;
use std::fmt::Write;
use std::sync::Arc;

/// The canonical URL of a part's page.
pub fn part_url(base: &str, part: &Part) -> String {
    format!("{base}{}", part_dir(part))
}

fn timestamp(date: Date) -> String {
    format!("{}T00:00:00Z", date.iso())
}

/// The date a part was last changed: `updated`, or else `date`.
pub fn last_changed(part: &Part) -> Option<Date> {
    part.updated.or(part.date)
}

/// The newest date among the published parts (the site's last change).
pub fn newest(series: &Series) -> Option<Date> {
    series
        .parts
        .iter()
        .filter(|p| !p.meta.draft)
        .filter_map(last_changed)
        .max()
}

/// Escapes text for XML content and attributes.
pub fn xml_escape(s: &str) -> String {
    html::escape(s)
}

/// Writes the Atom 1.0 feed: one entry per published part, newest first.
pub fn write_atom(
    series: &Series,
    html: &[Arc<PartHtml>],
    base: &str,
    reuse: Option<&crate::render::Reuse>,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let config = &series.config;
    let fallback = newest(series).unwrap_or(Date {
        year: 1970,
        month: 1,
        day: 1,
    });
    let mut order: Vec<usize> = (0..series.parts.len())
        .filter(|&i| !series.parts[i].meta.draft)
        .collect();
    order.sort_by_key(|&i| {
        let p = &series.parts[i];
        std::cmp::Reverse((p.date, p.number))
    });
    let author = config.author.as_deref().unwrap_or(&config.title);
    let mut head = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    let _ = writeln!(
        head,
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">",
        xml_escape(&config.language)
    );
    let _ = writeln!(head, "  <title>{}</title>", xml_escape(&config.title));
    if let Some(subtitle) = config.subtitle.as_deref().or(config.description.as_deref()) {
        let _ = writeln!(head, "  <subtitle>{}</subtitle>", xml_escape(subtitle));
    }
    let _ = writeln!(head, "  <id>{}</id>", xml_escape(base));
    let _ = writeln!(
        head,
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}atom.xml\"/>",
        xml_escape(base)
    );
    let _ = writeln!(
        head,
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
        xml_escape(base)
    );
    let _ = writeln!(head, "  <updated>{}</updated>", timestamp(fallback));
    let _ = writeln!(
        head,
        "  <author><name>{}</name></author>",
        xml_escape(author)
    );
    let _ = writeln!(
        head,
        "  <generator uri=\"https://crates.io/crates/quire\">quire</generator>"
    );
    out.write_all(head.as_bytes())?;
    // Each entry holds a whole part: made on every core, a batch at a time.
    crate::sink::write_in_batches(out, order.len(), |k| {
        let (part, html) = (&series.parts[order[k]], &html[order[k]]);
        let url = part_url(base, part);
        let content = match reuse {
            Some(reuse) => reuse.piece(
                &[
                    b"feed",
                    html.body.as_bytes(),
                    &margin_bytes(&html.margin),
                    html.notes.as_bytes(),
                    url.as_bytes(),
                ],
                || html.feed_content(&url),
            ),
            None => Arc::new(html.feed_content(&url)),
        };
        entry(part, &url, &content, fallback)
    })?;
    out.write_all(b"</feed>\n")
}

/// The margin's ranges as bytes, for the key of a reused entry.
fn margin_bytes(margin: &[std::ops::Range<usize>]) -> Vec<u8> {
    margin
        .iter()
        .flat_map(|m| [m.start, m.end])
        .flat_map(usize::to_le_bytes)
        .collect()
}

/// One part's entry in the feed.
fn entry(part: &Part, url: &str, content: &str, fallback: Date) -> String {
    let mut out = String::with_capacity(content.len() + 1024);
    let title = format!("Part {}: {}", roman(part.number), part.meta.title);
    let published = part.date.unwrap_or(fallback);
    let updated = last_changed(part).unwrap_or(fallback);
    out.push_str("  <entry>\n");
    let _ = writeln!(out, "    <title>{}</title>", xml_escape(&title));
    let _ = writeln!(out, "    <id>{}</id>", xml_escape(url));
    let _ = writeln!(
        out,
        "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
        xml_escape(url)
    );
    let _ = writeln!(out, "    <published>{}</published>", timestamp(published));
    let _ = writeln!(out, "    <updated>{}</updated>", timestamp(updated));
    if let Some(summary) = &part.meta.summary {
        let _ = writeln!(out, "    <summary>{}</summary>", xml_escape(summary));
    }
    let _ = writeln!(
        out,
        "    <content type=\"html\"><![CDATA[{}]]></content>",
        // CDATA needs no escaping of the (large) content; only `]]>` is split.
        content
    );
    out.push_str("  </entry>\n");
    out
}

/// The sitemap: the series page, every published part, and the index page.
pub fn sitemap(series: &Series, base: &str, extra_pages: &[&str]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let newest = newest(series);
    let mut url = |loc: &str, lastmod: Option<Date>| {
        let _ = write!(out, "  <url><loc>{}</loc>", xml_escape(loc));
        if let Some(d) = lastmod {
            let _ = write!(out, "<lastmod>{}</lastmod>", d.iso());
        }
        out.push_str("</url>\n");
    };
    url(base, newest);
    for part in series.parts.iter().filter(|p| !p.meta.draft) {
        url(&part_url(base, part), last_changed(part));
    }
    for page in extra_pages {
        url(&format!("{base}{page}"), newest);
    }
    out.push_str("</urlset>\n");
    out
}
