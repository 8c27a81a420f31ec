//! Absolute URLs, for the formats that require them (feeds, sitemaps,
//! canonical links); pages themselves link relatively.

/// `base` with exactly one trailing slash.
pub fn normalize_base(base: &str) -> String {
    format!("{}/", base.trim_end_matches('/'))
}

/// Resolves a relative URL against the URL of the folder a page lives in
/// (`https://example.org/s/the-rock/`), dropping a final `index.html`.
pub fn resolve(page_dir: &str, relative: &str) -> String {
    let mut url = String::with_capacity(page_dir.len() + relative.len() + 1);
    resolve_into(page_dir, relative, &mut url);
    url
}

/// `resolve`, appended to `url`.
fn resolve_into(page_dir: &str, relative: &str, url: &mut String) {
    if relative.contains("://") || relative.starts_with("mailto:") || relative.starts_with("//") {
        url.push_str(relative);
        return;
    }
    let (path, fragment) = relative.split_at(relative.find('#').unwrap_or(relative.len()));
    let (origin, dir) = split_origin(page_dir);
    let mut segments: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    let absolute_path = path.starts_with('/');
    if absolute_path {
        segments.clear();
    }
    let parts: Vec<&str> = path.split('/').collect();
    for (i, segment) in parts.iter().enumerate() {
        match *segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s if i + 1 == parts.len() && s == "index.html" => {}
            s => segments.push(s),
        }
    }
    let ends_in_folder = path.is_empty() || path.ends_with('/') || path.ends_with("index.html");
    url.push_str(origin);
    for segment in &segments {
        url.push('/');
        url.push_str(segment);
    }
    if segments.is_empty() || ends_in_folder {
        url.push('/');
    }
    url.push_str(fragment);
}

/// `https://example.org/s/` → (`https://example.org`, `/s/`).
fn split_origin(url: &str) -> (&str, &str) {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => url.split_at(after_scheme + i),
        None => (url, "/"),
    }
}

/// Makes every relative `href` and `src` in quire's own HTML absolute,
/// in one pass over the text.
pub fn absolutize(html: &str, page_dir: &str) -> String {
    let mut out = String::with_capacity(html.len() + html.len() / 8);
    Absolute::new(page_dir).append(html, &mut out);
    out
}

/// Makes quire's own HTML absolute against one page's folder.
pub struct Absolute<'a> {
    page_dir: &'a str,
    /// The page's own URL: most of a page's links are to a spot in it (its
    /// notes), and each needs only the fragment added.
    page: String,
}

impl<'a> Absolute<'a> {
    pub fn new(page_dir: &'a str) -> Self {
        Absolute {
            page_dir,
            page: resolve(page_dir, ""),
        }
    }

    /// Appends `html` to `out` with every relative `href` and `src` made
    /// absolute, in one pass over the text.
    pub fn append(&self, html: &str, out: &mut String) {
        map_attributes_into(html, &["href", "src"], out, |_, value, out| {
            match value.starts_with('#') {
                true => {
                    out.push_str(&self.page);
                    out.push_str(value);
                }
                false => resolve_into(self.page_dir, value, out),
            }
        });
    }
}

/// Replaces the value of every `href` and `src` attribute in quire's own HTML
/// with `f(attribute, value)`.
pub fn map_urls(html: &str, mut f: impl FnMut(&str, &str) -> String) -> String {
    map_attributes(html, &["href", "src"], |name, value, out| {
        out.push_str(&f(name, value))
    })
}

/// Replaces the value of every attribute named in `names`: `f(name, value,
/// out)` appends the new value to `out`, in one pass. For quire's own HTML:
/// values are escaped, so `name="` only ever occurs as an attribute.
pub fn map_attributes(
    html: &str,
    names: &[&str],
    f: impl FnMut(&str, &str, &mut String),
) -> String {
    let mut out = String::with_capacity(html.len() + html.len() / 8);
    map_attributes_into(html, names, &mut out, f);
    out
}

/// `map_attributes`, appended to `out`: the values are written in place, not
/// made as strings of their own (a feed or an edition has hundreds of
/// thousands).
fn map_attributes_into(
    html: &str,
    names: &[&str],
    out: &mut String,
    mut f: impl FnMut(&str, &str, &mut String),
) {
    let mut copied = 0;
    let mut from = 0;
    // `str::find` sets up a new searcher per call: far slower than memchr's
    // vectorised search over the megabytes of a feed or an edition.
    let finder = memchr::memmem::Finder::new("=\"");
    while let Some(found) = finder.find(&html.as_bytes()[from..]) {
        let value_start = from + found + 2;
        let before = &html[..from + found];
        let Some(name) = names
            .iter()
            .find(|n| before.ends_with(*n) && before[..before.len() - n.len()].ends_with(' '))
        else {
            from = value_start;
            continue;
        };
        let end = memchr::memchr(b'"', &html.as_bytes()[value_start..])
            .map_or(html.len(), |e| value_start + e);
        out.push_str(&html[copied..value_start]);
        f(name, &html[value_start..end], out);
        copied = end;
        from = end;
    }
    out.push_str(&html[copied..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_relative_urls_against_a_page_folder() {
        let dir = "https://example.org/s/the-rock/";
        assert_eq!(
            resolve(dir, "#stones"),
            "https://example.org/s/the-rock/#stones"
        );
        assert_eq!(
            resolve(dir, "../lens/index.html#a"),
            "https://example.org/s/lens/#a"
        );
        assert_eq!(
            resolve(dir, "../assets/x.svg"),
            "https://example.org/s/assets/x.svg"
        );
        assert_eq!(resolve(dir, "https://other.org/x"), "https://other.org/x");
        assert_eq!(
            resolve("https://example.org/", "a/index.html"),
            "https://example.org/a/"
        );
    }

    #[test]
    fn a_link_within_the_page_is_resolved_as_any_other() {
        for dir in [
            "https://example.org/s/the-rock/",
            "https://example.org/",
            "https://example.org",
            "https://example.org/s//p/./q/",
        ] {
            for value in ["#fn-1", "#", "#a/b"] {
                let html = format!(r#"<a href="{value}">"#);
                let expected = format!(r#"<a href="{}">"#, resolve(dir, value));
                assert_eq!(absolutize(&html, dir), expected, "{dir} {value}");
            }
        }
        assert_eq!(
            resolve("https://example.org/s//p/./q/", "../x/./y.png#z"),
            "https://example.org/s/p/./x/y.png#z"
        );
        assert_eq!(resolve("https://example.org", ""), "https://example.org/");
    }

    #[test]
    fn absolutizes_attributes_only() {
        let html = r##"<a href="../x/index.html#n" id="y">see ../x</a><img src="../assets/a.png" alt="">"##;
        assert_eq!(
            absolutize(html, "https://e.org/s/p/"),
            r##"<a href="https://e.org/s/x/#n" id="y">see ../x</a><img src="https://e.org/s/assets/a.png" alt="">"##
        );
    }
}
