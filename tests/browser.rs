//! The built site in a real browser: headless Chromium (Debian's `chromium`)
//! driven over the DevTools protocol. Without Chromium these tests say so and
//! pass locally; with `CI` set they fail instead. Screenshots for people to
//! look at are saved under `target/screenshots/`.

mod common;
use headless_chrome::protocol::cdp::Emulation;
use headless_chrome::protocol::cdp::Page::CaptureScreenshotFormatOption;
use headless_chrome::{Browser, LaunchOptions, Tab};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";

/// The browser, or `None` (with a message) where it is not installed and not required.
fn chromium() -> Option<PathBuf> {
    let path = PathBuf::from(CHROMIUM);
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{CHROMIUM} is missing: CI must install Debian's chromium package (see .ci/run)"
    );
    eprintln!("skipping browser test: {CHROMIUM} is not installed (apt-get install chromium)");
    None
}

/// A fresh headless browser with its own profile, at a window size.
fn launch(width: u32, height: u32) -> Option<(Browser, tempfile::TempDir)> {
    let path = chromium()?;
    let profile = tempfile::tempdir().unwrap();
    let args: Vec<&OsStr> = [
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--allow-file-access-from-files",
    ]
    .iter()
    .map(OsStr::new)
    .collect();
    let options = LaunchOptions {
        headless: true,
        sandbox: false,
        path: Some(path),
        window_size: Some((width, height)),
        user_data_dir: Some(profile.path().to_path_buf()),
        args,
        idle_browser_timeout: Duration::from_secs(300),
        ..LaunchOptions::default()
    };
    Some((Browser::new(options).expect("Chromium starts"), profile))
}

/// The example series, built once for all tests into a temporary folder.
fn site() -> PathBuf {
    static SITE: OnceLock<tempfile::TempDir> = OnceLock::new();
    SITE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        common::build_example(&dir.path().join("site"), &[]);
        dir
    })
    .path()
    .join("site")
}

fn file_url(page: &str) -> String {
    format!("file://{}/{page}", site().display())
}

fn eval(tab: &Tab, js: &str) -> serde_json::Value {
    let result = tab
        .evaluate(js, true)
        .unwrap_or_else(|e| panic!("{js}: {e}"));
    result.value.unwrap_or(serde_json::Value::Null)
}

/// Waits (bounded) until a JavaScript condition holds.
fn wait_for(tab: &Tab, condition: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if tab.evaluate(condition, false).ok().and_then(|r| r.value)
            == Some(serde_json::Value::Bool(true))
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("timed out waiting for: {condition}");
}

fn open(tab: &Tab, url: &str) {
    tab.navigate_to(url)
        .unwrap()
        .wait_until_navigated()
        .unwrap();
}

fn click(tab: &Tab, selector: &str) {
    tab.wait_for_element(selector)
        .unwrap_or_else(|e| panic!("{selector}: {e}"))
        .click()
        .unwrap();
}

/// Whether the element's top edge is inside the viewport.
fn in_viewport(tab: &Tab, selector: &str) -> bool {
    eval(
        tab,
        &format!(
            "(() => {{ const r = document.querySelector({selector:?}).getBoundingClientRect(); \
             return r.top >= -1 && r.top < window.innerHeight; }})()"
        ),
    ) == true
}

fn screenshot(tab: &Tab, name: &str) {
    let png = tab
        .capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true)
        .unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

#[test]
fn reading_through_the_series_by_its_links() {
    let Some((browser, _profile)) = launch(1280, 900) else {
        return;
    };
    let tab = browser.new_tab().unwrap();
    open(&tab, &file_url("index.html"));
    screenshot(&tab, "series");
    read_through(&tab);
}

#[test]
fn reading_through_the_served_series_by_its_links() {
    let Some((browser, _profile)) = launch(1280, 900) else {
        return;
    };
    let served = Served::start();
    let tab = browser.new_tab().unwrap();
    open(&tab, &format!("http://127.0.0.1:{}/", served.port));
    read_through(&tab);
}

/// Series page → Part I → next → next → previous → back to the series, by clicking.
fn read_through(tab: &Tab) {
    click(tab, ".part-entry .part-title a");
    wait_for(
        tab,
        "location.href.endsWith('/fire-on-the-headland/index.html')",
    );
    click(tab, "a[rel=next]");
    wait_for(tab, "location.href.endsWith('/the-rock/index.html')");
    click(tab, "a[rel=next]");
    wait_for(
        tab,
        "location.href.endsWith('/the-lens-and-the-keepers/index.html')",
    );
    click(tab, "a[rel=prev]");
    wait_for(tab, "location.href.endsWith('/the-rock/index.html')");
    click(tab, "a.site-title");
    wait_for(
        tab,
        "location.href.endsWith('/index.html') && document.querySelector('.part-list') !== null",
    );
}

#[test]
fn a_cross_link_lands_on_its_heading() {
    let Some((browser, _profile)) = launch(1280, 900) else {
        return;
    };
    let tab = browser.new_tab().unwrap();
    open(&tab, &file_url("the-rock/index.html"));
    click(&tab, ".part-body p a[href$='#the-lens-that-bent-the-lamp']");
    wait_for(&tab, "location.hash === '#the-lens-that-bent-the-lamp'");
    assert!(location_is(&tab, "/the-lens-and-the-keepers/index.html"));
    wait_for(&tab, "document.readyState === 'complete'");
    assert!(in_viewport(&tab, "#the-lens-that-bent-the-lamp"));
}

fn location_is(tab: &Tab, suffix: &str) -> bool {
    eval(tab, &format!("location.pathname.endsWith({suffix:?})")) == true
}

#[test]
fn a_note_reference_and_its_back_link_take_the_reader_there_and_back() {
    let Some((browser, _profile)) = launch(400, 800) else {
        return;
    };
    let tab = browser.new_tab().unwrap();
    open(&tab, &file_url("the-rock/index.html"));
    click(&tab, "#fnref-1");
    wait_for(&tab, "location.hash === '#fn-1'");
    assert!(in_viewport(&tab, "#fn-1"));
    click(&tab, "#fn-1 a[role=doc-backlink]");
    wait_for(&tab, "location.hash === '#fnref-1'");
    assert!(in_viewport(&tab, "#fnref-1"));
}

/// Geometry of every sidenote against the text and its reference, from the page.
const SIDENOTE_GEOMETRY: &str = r#"(() => {
  const body = document.querySelector('.part-body p').getBoundingClientRect();
  const notes = [...document.querySelectorAll('.sidenote')].map(n => {
    const r = n.getBoundingClientRect();
    const ref = n.previousElementSibling.getBoundingClientRect();
    return { shown: getComputedStyle(n).display !== 'none' && r.width > 0,
             left: r.left, right: r.right, top: r.top, bottom: r.bottom, refTop: ref.top };
  });
  return JSON.stringify({ textRight: body.right, width: window.innerWidth, notes });
})()"#;

#[test]
fn wide_screens_show_notes_in_the_margin_beside_their_references() {
    let Some((browser, _profile)) = launch(1400, 1000) else {
        return;
    };
    let tab = browser.new_tab().unwrap();
    for page in [
        "fire-on-the-headland/index.html",
        "the-rock/index.html",
        "the-lens-and-the-keepers/index.html",
    ] {
        open(&tab, &file_url(page));
        let g: serde_json::Value =
            serde_json::from_str(eval(&tab, SIDENOTE_GEOMETRY).as_str().unwrap()).unwrap();
        let notes = g["notes"].as_array().unwrap();
        assert!(!notes.is_empty(), "{page} has notes");
        let text_right = g["textRight"].as_f64().unwrap();
        for (i, n) in notes.iter().enumerate() {
            let f = |k: &str| n[k].as_f64().unwrap();
            assert_eq!(n["shown"], true, "{page}: sidenote {i} visible");
            assert!(
                f("left") >= text_right + 8.0,
                "{page}: sidenote {i} right of the text: {n}"
            );
            assert!(
                f("right") <= g["width"].as_f64().unwrap(),
                "{page}: sidenote {i} on screen"
            );
            // Beside its reference, or, when the note before it is still
            // running there, directly under that note (floats stack; they
            // never overlap and never move above their reference).
            let pushed =
                i > 0 && (f("top") - notes[i - 1]["bottom"].as_f64().unwrap()).abs() < 30.0;
            assert!(
                f("top") >= f("refTop") - 20.0 && (f("top") - f("refTop") < 60.0 || pushed),
                "{page}: sidenote {i} beside its reference: {n}"
            );
            for (j, m) in notes.iter().enumerate().skip(i + 1) {
                let overlap = f("top") < m["bottom"].as_f64().unwrap()
                    && m["top"].as_f64().unwrap() < f("bottom");
                assert!(!overlap, "{page}: sidenotes {i} and {j} overlap");
            }
        }
    }
    open(&tab, &file_url("the-rock/index.html"));
    screenshot(&tab, "part-wide");
}

#[test]
fn narrow_screens_show_endnotes_and_never_scroll_sideways() {
    let Some((browser, _profile)) = launch(400, 900) else {
        return;
    };
    let tab = browser.new_tab().unwrap();
    for page in [
        "index.html",
        "fire-on-the-headland/index.html",
        "the-rock/index.html",
        "the-lens-and-the-keepers/index.html",
        "index/index.html",
        "bibliography/index.html",
        "all/index.html",
        "search/index.html?q=keepers",
    ] {
        open(&tab, &file_url(page));
        let sideways = eval(
            &tab,
            "document.documentElement.scrollWidth - window.innerWidth",
        );
        assert!(
            sideways.as_f64().unwrap() <= 0.0,
            "{page} scrolls sideways by {sideways}"
        );
        let hidden = eval(&tab, "[...document.querySelectorAll('.sidenote')].every(n => getComputedStyle(n).display === 'none')");
        assert_eq!(hidden, true, "{page}: sidenotes hidden");
    }
    open(&tab, &file_url("the-rock/index.html"));
    assert_eq!(
        eval(
            &tab,
            "getComputedStyle(document.querySelector('.endnotes')).display !== 'none'"
        ),
        true
    );
    screenshot(&tab, "part-narrow");
}

#[test]
fn an_index_locator_lands_on_the_highlighted_words() {
    let Some((browser, _profile)) = launch(1280, 900) else {
        return;
    };
    let tab = browser.new_tab().unwrap();
    open(&tab, &file_url("index/index.html"));
    screenshot(&tab, "index");
    // The first occurrence of "Smeaton, John" is the word in a heading.
    let href = eval(
        &tab,
        "document.querySelector('#term-smeaton-john .locator-part a').getAttribute('href')",
    );
    let id = href
        .as_str()
        .unwrap()
        .split('#')
        .nth(1)
        .unwrap()
        .to_string();
    click(&tab, "#term-smeaton-john .locator-part a");
    wait_for(&tab, &format!("location.hash === '#{id}'"));
    wait_for(&tab, "document.readyState === 'complete'");
    assert!(in_viewport(&tab, &format!("#{id}")));
    assert_eq!(
        eval(
            &tab,
            &format!("document.getElementById('{id}').textContent")
        ),
        "Smeaton"
    );
    let background = eval(
        &tab,
        &format!("getComputedStyle(document.getElementById('{id}')).backgroundColor"),
    );
    assert_ne!(background, "rgba(0, 0, 0, 0)", "the :target is highlighted");
}

#[test]
fn searching_finds_a_passage_and_the_result_lands_on_its_section() {
    let Some((browser, _profile)) = launch(1280, 900) else {
        return;
    };
    let tab = browser.new_tab().unwrap();
    // The box in every page's header leads to the search page.
    open(&tab, &file_url("the-rock/index.html"));
    wait_for(&tab, "!document.querySelector('form.site-search').hidden");
    // Nothing is loaded until the reader searches.
    assert_eq!(eval(&tab, "'quireSearchData' in window"), false);
    tab.find_element("#site-search-q").unwrap().click().unwrap();
    tab.type_str("lighthouse keepers").unwrap();
    tab.press_key("Enter").unwrap();
    wait_for(&tab, "location.pathname.endsWith('/search/index.html')");
    wait_for(
        &tab,
        "document.querySelectorAll('#search-results li').length > 0",
    );
    assert_eq!(
        eval(&tab, "document.getElementById('search-input').value"),
        "lighthouse keepers"
    );
    // Typing refines the results as the reader goes: "keep" finds keepers by prefix.
    eval(&tab, "document.getElementById('search-input').value = ''");
    tab.find_element("#search-input").unwrap().click().unwrap();
    tab.type_str("Smeaton's ston").unwrap();
    wait_for(
        &tab,
        "[...document.querySelectorAll('#search-results .search-heading')].some(h => h.textContent === 'Smeaton’s stones')",
    );
    let marks = eval(
        &tab,
        "JSON.stringify([...document.querySelectorAll('#search-results li:first-child mark')].map(m => m.textContent))",
    );
    let marks: Vec<String> = serde_json::from_str(marks.as_str().unwrap()).unwrap();
    assert!(marks.iter().any(|m| m.starts_with("Smeaton")), "{marks:?}");
    assert!(marks.iter().any(|m| m.starts_with("ston")), "{marks:?}");
    screenshot(&tab, "search");
    // Keyboard: arrow down to the first result, Enter follows it.
    tab.press_key("ArrowDown").unwrap();
    let href = eval(&tab, "document.activeElement.getAttribute('href')");
    let href = href.as_str().unwrap().to_string();
    assert!(href.starts_with("../the-rock/index.html#"), "{href}");
    tab.press_key("Enter").unwrap();
    let id = href.split('#').nth(1).unwrap().to_string();
    wait_for(&tab, &format!("location.hash === '#{id}'"));
    wait_for(&tab, "document.readyState === 'complete'");
    assert!(location_is(&tab, "/the-rock/index.html"));
    assert!(in_viewport(&tab, &format!("#{id}")));
}

#[test]
fn pages_load_without_console_errors_or_failed_requests() {
    let Some((browser, _profile)) = launch(1280, 900) else {
        return;
    };
    let tab = browser.new_tab().unwrap();
    let problems = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = Arc::clone(&problems);
    tab.enable_log().unwrap();
    tab.enable_runtime().unwrap();
    tab.add_event_listener(Arc::new(
        move |event: &headless_chrome::protocol::cdp::types::Event| {
            use headless_chrome::protocol::cdp::types::Event;
            let problem = match event {
                Event::LogEntryAdded(e) => Some(format!("log: {:?}", e.params.entry.text)),
                Event::RuntimeExceptionThrown(e) => {
                    Some(format!("exception: {:?}", e.params.exception_details.text))
                }
                _ => None,
            };
            if let Some(p) = problem {
                sink.lock().unwrap().push(p);
            }
        },
    ))
    .unwrap();
    let failed = Arc::new(Mutex::new(Vec::<String>::new()));
    let failed_sink = Arc::clone(&failed);
    tab.register_loading_failed_handling(
        "quire",
        Box::new(move |_response, failure| {
            failed_sink.lock().unwrap().push(format!("{failure:?}"))
        }),
    )
    .unwrap();
    // (404.html links from the site's root, for any depth: it is checked served, below.)
    for page in [
        "index.html",
        "fire-on-the-headland/index.html",
        "the-rock/index.html",
        "the-lens-and-the-keepers/index.html",
        "index/index.html",
        "bibliography/index.html",
        "all/index.html",
        "search/index.html?q=keepers",
    ] {
        open(&tab, &file_url(page));
        wait_for(&tab, "document.readyState === 'complete'");
        // Lazy images far down a long page (the one-page edition) load when
        // scrolled to: load them all now.
        eval(
            &tab,
            "document.querySelectorAll('img').forEach(i => i.loading = 'eager')",
        );
        wait_for(&tab, "[...document.images].every(i => i.complete)");
        let images_ok = eval(
            &tab,
            "[...document.images].every(i => i.complete && i.naturalWidth > 0)",
        );
        assert_eq!(images_ok, true, "{page}: every image loads");
        let styled = eval(
            &tab,
            "getComputedStyle(document.body).fontFamily.includes('Palatino')",
        );
        assert_eq!(styled, true, "{page}: the stylesheet loads");
    }
    assert!(
        problems.lock().unwrap().is_empty(),
        "console: {:?}",
        problems.lock().unwrap()
    );
    assert!(
        failed.lock().unwrap().is_empty(),
        "failed requests: {:?}",
        failed.lock().unwrap()
    );
}

/// axe-core's rules, installed by `npm ci --prefix tests/browser` (see .ci/run).
fn axe_source() -> Option<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/browser/node_modules/axe-core/axe.min.js");
    match std::fs::read_to_string(&path) {
        Ok(source) => Some(source),
        Err(_) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{} is missing: CI must run `npm ci --prefix tests/browser`",
                path.display()
            );
            eprintln!("skipping accessibility checks: run `npm ci --prefix tests/browser`");
            None
        }
    }
}

fn color_scheme(tab: &Tab, scheme: &str) {
    tab.call_method(Emulation::SetEmulatedMedia {
        media: None,
        features: Some(vec![Emulation::MediaFeature {
            name: "prefers-color-scheme".into(),
            value: scheme.into(),
        }]),
    })
    .unwrap();
}

#[test]
fn no_serious_accessibility_violations_in_light_or_dark() {
    let Some(axe) = axe_source() else { return };
    let Some((browser, _profile)) = launch(1400, 1000) else {
        return;
    };
    let tab = browser.new_tab().unwrap();
    let mut found = Vec::new();
    for scheme in ["light", "dark"] {
        for page in [
            "index.html",
            "fire-on-the-headland/index.html",
            "the-rock/index.html",
            "the-lens-and-the-keepers/index.html",
            "index/index.html",
        ] {
            open(&tab, &file_url(page));
            color_scheme(&tab, scheme);
            eval(&tab, &axe);
            let report = eval(
                &tab,
                "axe.run(document, { resultTypes: ['violations'] }).then(r => JSON.stringify(r.violations \
                 .filter(v => v.impact === 'serious' || v.impact === 'critical') \
                 .map(v => v.id + ' ' + v.nodes.map(n => n.target.join(' ')).join(', '))))",
            );
            let violations: Vec<String> = serde_json::from_str(report.as_str().unwrap()).unwrap();
            found.extend(
                violations
                    .into_iter()
                    .map(|v| format!("{scheme} {page}: {v}")),
            );
        }
    }
    assert!(
        found.is_empty(),
        "accessibility violations:\n{}",
        found.join("\n")
    );
}

#[test]
fn keyboard_users_see_focus_and_reach_the_notes() {
    let Some((browser, _profile)) = launch(1400, 1000) else {
        return;
    };
    let tab = browser.new_tab().unwrap();
    open(&tab, &file_url("the-rock/index.html"));
    // The skip link is the first stop and becomes visible when focused.
    tab.press_key("Tab").unwrap();
    assert_eq!(eval(&tab, "document.activeElement.className"), "skip-link");
    assert_eq!(
        eval(
            &tab,
            "document.activeElement.getBoundingClientRect().top >= 0"
        ),
        true
    );
    assert_ne!(
        eval(
            &tab,
            "getComputedStyle(document.activeElement).outlineStyle"
        ),
        "none"
    );
    // Every note reference and every note's back-link is a reachable link.
    let reachable = eval(&tab, "[...document.querySelectorAll('a[role=doc-noteref], a[role=doc-backlink]')].every(a => a.tabIndex === 0)");
    assert_eq!(reachable, true);
    // Sidenote copies stay out of the tab order.
    assert_eq!(
        eval(
            &tab,
            "[...document.querySelectorAll('.sidenote a')].every(a => a.tabIndex === -1)"
        ),
        true
    );
}

#[test]
fn printing_drops_navigation_and_keeps_notes_as_endnotes() {
    let Some((browser, _profile)) = launch(1400, 1000) else {
        return;
    };
    let tab = browser.new_tab().unwrap();
    open(&tab, &file_url("the-rock/index.html"));
    tab.call_method(Emulation::SetEmulatedMedia {
        media: Some("print".into()),
        features: None,
    })
    .unwrap();
    let hidden = |selector: &str| {
        eval(&tab, &format!("[...document.querySelectorAll({selector:?})].every(e => getComputedStyle(e).display === 'none')"))
    };
    for chrome in [
        ".site-header",
        ".part-nav",
        ".toc",
        ".sidenote",
        ".site-footer",
    ] {
        assert_eq!(hidden(chrome), true, "{chrome} is not printed");
    }
    assert_eq!(
        eval(
            &tab,
            "getComputedStyle(document.querySelector('.endnotes')).display !== 'none'"
        ),
        true
    );
    let pdf = tab.print_to_pdf(None).unwrap();
    assert!(pdf.starts_with(b"%PDF"), "a PDF");
    // Its text, by poppler's pdftotext (installed by .ci/run).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("part.pdf");
    std::fs::write(&file, &pdf).unwrap();
    match std::process::Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
    {
        Ok(out) => {
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.contains("The Rock"), "the title is printed");
            assert!(text.contains("wave-swept tower"), "the text is printed");
            assert!(text.contains("Notes"), "the notes are printed");
            assert!(
                !text.contains("Skip to content"),
                "no navigation is printed"
            );
        }
        Err(_) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "pdftotext is missing: CI must install poppler-utils"
            );
            assert!(pdf.len() > 5_000, "with pages in it ({} bytes)", pdf.len());
        }
    }
}

/// `quire serve` on a copy of the example series.
struct Served {
    project: tempfile::TempDir,
    child: std::process::Child,
    port: u16,
}

impl Served {
    fn start() -> Served {
        let project = tempfile::tempdir().unwrap();
        let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("series");
        for entry in walkdir::WalkDir::new(&from) {
            let entry = entry.unwrap();
            let target = project
                .path()
                .join("series")
                .join(entry.path().strip_prefix(&from).unwrap());
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&target).unwrap();
            } else {
                std::fs::copy(entry.path(), &target).unwrap();
            }
        }
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_quire"))
            .args(["serve", "--port", "0", "--root"])
            .arg(project.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        use std::io::BufRead;
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let port: u16 = loop {
            let line = lines.next().unwrap().unwrap();
            if let Some(rest) = line.split("127.0.0.1:").nth(1) {
                break rest.split('/').next().unwrap().parse().unwrap();
            }
        };
        // Keep reading: the server prints after every build.
        std::thread::spawn(move || for _ in lines {});
        Served {
            project,
            child,
            port,
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn serve_reloads_on_save_and_shows_errors_over_the_page() {
    let Some((browser, _profile)) = launch(1280, 900) else {
        return;
    };
    let served = Served::start();
    let (project, port) = (&served.project, served.port);
    let tab = browser.new_tab().unwrap();
    // The 404 page, served at any depth, is styled.
    open(&tab, &format!("http://127.0.0.1:{port}/no/such/page/"));
    assert_eq!(
        eval(
            &tab,
            "getComputedStyle(document.body).fontFamily.includes('Palatino')"
        ),
        true
    );
    assert_eq!(
        eval(&tab, "document.querySelector('h1').textContent"),
        "Page not found"
    );
    open(&tab, &format!("http://127.0.0.1:{port}/the-rock/"));
    wait_for(&tab, "document.readyState === 'complete'");
    wait_for(
        &tab,
        "window.__quireEvents !== undefined && window.__quireEvents.readyState === 1",
    );
    let file = project.path().join("series/02-the-rock.md");
    let original = std::fs::read_to_string(&file).unwrap();
    eval(&tab, "window.__before = true");
    std::fs::write(
        &file,
        original.replace(
            "A tower on land needs only to stand up.",
            "A tower on land merely stands.",
        ),
    )
    .unwrap();
    wait_for(&tab, "window.__before === undefined && document.body.textContent.includes('A tower on land merely stands.')");
    std::fs::write(&file, format!("{original}\nBroken: [nowhere](part:9).\n")).unwrap();
    wait_for(&tab, "!!document.getElementById('quire-overlay') && document.getElementById('quire-overlay').textContent.includes('series/02-the-rock.md:')");
    std::fs::write(&file, &original).unwrap();
    wait_for(
        &tab,
        "document.getElementById('quire-overlay') === null && document.readyState === 'complete'",
    );
}
