//! The EPUB 3 edition (`quire build --epub`): a title page, one chapter per
//! published part with its notes as EPUB footnotes, the index as a chapter,
//! a navigation document with parts and headings, and the images the parts
//! show. Written with the `zip` crate; the files are small XHTML documents
//! made from the same HTML as the site.

use crate::links::part_dir;
use crate::markdown::html::escape;
use crate::numeral::roman;
use crate::render::{Model, TocEntry};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;

/// Where the book goes in the output folder.
pub fn file_name(model: &Model<'_>) -> String {
    format!("{}.epub", crate::slug::slugify(&model.series.config.title))
}

/// A content document of the book.
struct Chapter {
    /// File name inside `OEBPS/`.
    file: String,
    /// Its title, for the navigation document.
    title: String,
    /// Its headings, for the navigation document.
    toc: Vec<TocEntry>,
    /// The whole XHTML document.
    xhtml: String,
}

/// Builds the book. `index` is the index chapter's content, with links as
/// written for a page one folder deep (like the site's index page).
pub fn book(model: &Model<'_>, index: Option<String>) -> Result<Vec<u8>, String> {
    let config = &model.series.config;
    let language = config.language.as_str();
    let files: HashMap<String, String> = model
        .series
        .parts
        .iter()
        .map(|p| (part_dir(p), chapter_file(p.number)))
        .collect();
    let assets: BTreeMap<String, std::path::PathBuf> =
        crate::assets::files(model.root).into_iter().collect();
    let mut images: BTreeMap<String, std::path::PathBuf> = BTreeMap::new();
    let mut link = |attribute: &str, value: &str| -> String {
        epub_url(
            attribute,
            value,
            &files,
            index.is_some(),
            &model.base,
            &assets,
            &mut images,
        )
    };
    let mut chapters = vec![title_page(model)];
    for (i, part) in model.series.parts.iter().enumerate() {
        let doc = &model.docs[i];
        let part_html = &model.html[i];
        let mut content = part_html.plain_body().replace(
            "role=\"doc-noteref\"",
            "role=\"doc-noteref\" epub:type=\"noteref\"",
        );
        for number in 1..=part_html.note_content.len() {
            content.push_str(&format!(
                "<aside id=\"{}\" epub:type=\"footnote\" role=\"doc-footnote\"><p class=\"note-label\"><a href=\"#{}\" role=\"doc-backlink\">{number}</a></p>{}</aside>\n",
                crate::markdown::note_id(number),
                crate::markdown::note_ref_id(number, 1),
                part_html.note(number),
            ));
        }
        content.push_str(&model.works_cited[i]);
        let title = format!("Part {}: {}", roman(part.number), part.meta.title);
        let body = format!(
            "<section epub:type=\"chapter\" role=\"doc-chapter\" aria-labelledby=\"part-title\">\n\
             <header><p class=\"part-position\">Part {}</p><h1 id=\"part-title\">{}</h1>{}</header>\n{}</section>\n",
            roman(part.number),
            escape(&part.meta.title),
            part.meta
                .subtitle
                .as_deref()
                .map(|s| format!("<p class=\"subtitle\">{}</p>", escape(s)))
                .unwrap_or_default(),
            xhtml(&crate::urls::map_urls(&content, &mut link)),
        );
        chapters.push(Chapter {
            file: chapter_file(part.number),
            xhtml: document(&title, language, "bodymatter", &body),
            title,
            toc: crate::render::toc(&doc.headings),
        });
    }
    if let Some(index) = &index {
        let body = format!(
            "<section epub:type=\"index\" role=\"doc-index\" aria-labelledby=\"index-title\">\n<h1 id=\"index-title\">Index</h1>\n{}</section>\n",
            xhtml(&crate::urls::map_urls(index, &mut link))
        );
        chapters.push(Chapter {
            file: "index.xhtml".into(),
            title: "Index".into(),
            toc: Vec::new(),
            xhtml: document("Index", language, "backmatter", &body),
        });
    }
    let mut image_files = Vec::new();
    for (name, source) in &images {
        let bytes = std::fs::read(source)
            .map_err(|e| format!("cannot read {} for the EPUB: {e}", source.display()))?;
        image_files.push((name.clone(), bytes));
    }
    package(model, &chapters, &image_files)
}

fn chapter_file(number: u32) -> String {
    format!("part-{number}.xhtml")
}

/// Where a link of the site's HTML points in the book: parts and the index
/// to their chapters, images into the book, anything else to the site.
fn epub_url(
    attribute: &str,
    value: &str,
    files: &HashMap<String, String>,
    has_index: bool,
    base: &str,
    assets: &BTreeMap<String, std::path::PathBuf>,
    images: &mut BTreeMap<String, std::path::PathBuf>,
) -> String {
    if value.starts_with('#') || value.contains("://") || value.starts_with("mailto:") {
        return value.to_string();
    }
    let Some(path) = value.strip_prefix("../") else {
        return value.to_string();
    };
    let (page, fragment) = match path.split_once('#') {
        Some((page, fragment)) => (page, format!("#{fragment}")),
        None => (path, String::new()),
    };
    if attribute == "src" {
        if let Some(source) = assets.get(page) {
            images.insert(page.to_string(), source.clone());
            return value[3..].to_string();
        }
    }
    if let Some(folder) = page.strip_suffix("index.html") {
        if let Some(file) = files.get(folder) {
            return format!("{file}{fragment}");
        }
        if folder == "index/" && has_index {
            return format!("index.xhtml{fragment}");
        }
    }
    // Anything else lives on the site: the book links there.
    crate::urls::resolve(&format!("{base}book/"), value)
}

/// HTML as quire writes it, made well-formed XML: void elements closed, and
/// attributes EPUB readers do not know dropped.
fn xhtml(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let tag_end = rest[at..].find('>').map_or(rest.len(), |e| at + e);
        let tag = &rest[at..tag_end];
        let name: String = tag[1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let is_void = matches!(
            name.as_str(),
            "img" | "br" | "hr" | "input" | "col" | "source" | "wbr"
        );
        let tag = tag.replace(" loading=\"lazy\"", "");
        if is_void && !tag.ends_with('/') {
            out.push_str(tag.trim_end());
            out.push_str(" /");
        } else {
            out.push_str(&tag);
        }
        rest = &rest[tag_end..];
        if let Some(stripped) = rest.strip_prefix('>') {
            out.push('>');
            rest = stripped;
        }
    }
    out.push_str(rest);
    out
}

/// A complete XHTML content document.
fn document(title: &str, language: &str, kind: &str, body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!DOCTYPE html>\n\
         <html xmlns=\"http://www.w3.org/1999/xhtml\" xmlns:epub=\"http://www.idpf.org/2007/ops\" lang=\"{lang}\" xml:lang=\"{lang}\">\n\
         <head>\n<meta charset=\"utf-8\" />\n<title>{}</title>\n<link rel=\"stylesheet\" type=\"text/css\" href=\"style.css\" />\n</head>\n\
         <body epub:type=\"{kind}\">\n{body}</body>\n</html>\n",
        escape(title),
        lang = escape(language),
    )
}

fn title_page(model: &Model<'_>) -> Chapter {
    let config = &model.series.config;
    let mut body = format!(
        "<section epub:type=\"titlepage\" class=\"title-page\">\n<h1>{}</h1>\n",
        escape(&config.title)
    );
    for (class, text) in [
        ("subtitle", &config.subtitle),
        ("byline", &config.author),
        ("description", &config.description),
    ] {
        if let Some(text) = text {
            body.push_str(&format!("<p class=\"{class}\">{}</p>\n", escape(text)));
        }
    }
    body.push_str("</section>\n");
    Chapter {
        file: "title.xhtml".into(),
        title: config.title.clone(),
        toc: Vec::new(),
        xhtml: document(&config.title, &config.language, "frontmatter", &body),
    }
}

/// The navigation document: every chapter, and each part's headings.
fn nav(model: &Model<'_>, chapters: &[Chapter]) -> String {
    let mut list = String::from("<ol>\n");
    for chapter in chapters {
        list.push_str(&format!(
            "<li><a href=\"{}\">{}</a>",
            chapter.file,
            escape(&chapter.title)
        ));
        toc_list(&mut list, &chapter.file, &chapter.toc);
        list.push_str("</li>\n");
    }
    list.push_str("</ol>\n");
    let body = format!(
        "<nav epub:type=\"toc\" id=\"toc\" role=\"doc-toc\" aria-labelledby=\"toc-title\">\n<h1 id=\"toc-title\">Contents</h1>\n{list}</nav>\n"
    );
    document(
        "Contents",
        &model.series.config.language,
        "frontmatter",
        &body,
    )
}

/// Headings as nested lists of links into `file`.
fn toc_list(out: &mut String, file: &str, entries: &[TocEntry]) {
    if entries.is_empty() {
        return;
    }
    out.push_str("\n<ol>\n");
    for entry in entries {
        out.push_str(&format!(
            "<li><a href=\"{file}#{}\">{}</a>",
            escape(&entry.id),
            escape(&entry.title)
        ));
        toc_list(out, file, &entry.children);
        out.push_str("</li>\n");
    }
    out.push_str("</ol>\n");
}

fn media_type(name: &str) -> &'static str {
    match name
        .rsplit('.')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
        .as_str()
    {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

/// The package document.
fn opf(model: &Model<'_>, chapters: &[Chapter], images: &[(String, Vec<u8>)]) -> String {
    let config = &model.series.config;
    let modified =
        crate::feed::newest(model.series).map_or_else(|| "2000-01-01".to_string(), |d| d.iso());
    let mut metadata = format!(
        "<dc:identifier id=\"pub-id\">{}</dc:identifier>\n<dc:title>{}</dc:title>\n<dc:language>{}</dc:language>\n\
         <meta property=\"dcterms:modified\">{modified}T00:00:00Z</meta>\n",
        escape(&model.base),
        escape(&config.title),
        escape(&config.language)
    );
    if let Some(author) = &config.author {
        metadata.push_str(&format!("<dc:creator>{}</dc:creator>\n", escape(author)));
    }
    if let Some(description) = &config.description {
        metadata.push_str(&format!(
            "<dc:description>{}</dc:description>\n",
            escape(description)
        ));
    }
    let mut manifest = String::from(
        "<item id=\"nav\" href=\"nav.xhtml\" media-type=\"application/xhtml+xml\" properties=\"nav\" />\n\
         <item id=\"css\" href=\"style.css\" media-type=\"text/css\" />\n",
    );
    let mut spine = String::new();
    for (i, chapter) in chapters.iter().enumerate() {
        manifest.push_str(&format!(
            "<item id=\"c{i}\" href=\"{}\" media-type=\"application/xhtml+xml\" />\n",
            chapter.file
        ));
        spine.push_str(&format!("<itemref idref=\"c{i}\" />\n"));
    }
    for (i, (name, _)) in images.iter().enumerate() {
        manifest.push_str(&format!(
            "<item id=\"img{i}\" href=\"{}\" media-type=\"{}\" />\n",
            escape(name),
            media_type(name)
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <package xmlns=\"http://www.idpf.org/2007/opf\" version=\"3.0\" unique-identifier=\"pub-id\" xml:lang=\"{}\">\n\
         <metadata xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n{metadata}</metadata>\n\
         <manifest>\n{manifest}</manifest>\n<spine>\n{spine}</spine>\n</package>\n",
        escape(&config.language)
    )
}

const CONTAINER: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
<container version=\"1.0\" xmlns=\"urn:oasis:names:tc:opendocument:xmlns:container\">\n\
<rootfiles><rootfile full-path=\"OEBPS/content.opf\" media-type=\"application/oebps-package+xml\" /></rootfiles>\n\
</container>\n";

/// A reading-system stylesheet: the readers' own fonts and margins, with
/// what the text needs (figures, notes, code, index).
const STYLE: &str = "body { line-height: 1.5; }\n\
h1 { margin-top: 0; }\n\
.part-position, .subtitle, .byline { font-style: italic; }\n\
figure { margin: 1em 0; text-align: center; }\n\
figure img { max-width: 100%; height: auto; }\n\
figcaption { font-size: 0.9em; font-style: italic; }\n\
aside { font-size: 0.9em; margin: 0.8em 0; }\n\
.note-label { font-weight: bold; margin-bottom: 0; }\n\
pre { white-space: pre-wrap; font-size: 0.85em; }\n\
.index-entries, .index-subentries, .references { list-style: none; padding-left: 0; }\n\
.index-subentries { padding-left: 1.5em; }\n\
.ix, .link-forthcoming { font-style: inherit; }\n";

fn package(
    model: &Model<'_>,
    chapters: &[Chapter],
    images: &[(String, Vec<u8>)],
) -> Result<Vec<u8>, String> {
    use zip::write::SimpleFileOptions;
    let fail = |e: zip::result::ZipError| format!("cannot write the EPUB: {e}");
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    // Fixed dates keep the book byte-identical from build to build.
    let stored = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(zip::DateTime::default());
    let deflated = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    // The mimetype comes first and uncompressed, so readers can sniff it.
    let mut add = |name: &str, bytes: &[u8], options: SimpleFileOptions| -> Result<(), String> {
        zip.start_file(name, options).map_err(fail)?;
        zip.write_all(bytes)
            .map_err(|e| format!("cannot write the EPUB: {e}"))
    };
    add("mimetype", b"application/epub+zip", stored)?;
    add("META-INF/container.xml", CONTAINER.as_bytes(), deflated)?;
    add(
        "OEBPS/content.opf",
        opf(model, chapters, images).as_bytes(),
        deflated,
    )?;
    add("OEBPS/nav.xhtml", nav(model, chapters).as_bytes(), deflated)?;
    let mut style = STYLE.to_string();
    if model.docs.iter().any(|d| d.has_highlighted_code) {
        style.push_str(&crate::markdown::highlight::stylesheet());
    }
    add("OEBPS/style.css", style.as_bytes(), deflated)?;
    for chapter in chapters {
        add(
            &format!("OEBPS/{}", chapter.file),
            chapter.xhtml.as_bytes(),
            deflated,
        )?;
    }
    for (name, bytes) in images {
        add(&format!("OEBPS/{name}"), bytes, deflated)?;
    }
    let cursor = zip.finish().map_err(fail)?;
    Ok(cursor.into_inner())
}

#[cfg(test)]
mod tests {
    use super::xhtml;

    #[test]
    fn void_elements_are_closed_and_unknown_attributes_dropped() {
        assert_eq!(
            xhtml("<p>a<br>b<img src=\"x.png\" alt=\"\" loading=\"lazy\"><hr /></p>"),
            "<p>a<br />b<img src=\"x.png\" alt=\"\" /><hr /></p>"
        );
    }
}
