//! `quire serve`: builds with drafts into memory, serves the site over HTTP on
//! the loopback interface, rebuilds on every change, and tells open pages to
//! reload (or shows the build's errors over the page) by Server-Sent Events.
//! It never writes into `output/`.

use crate::diagnostics::Severity;
use crate::pipeline::Session;
use crate::watch::{self, Watcher};
use crate::{BuildError, BuildOptions};
use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;
use tiny_http::{Header, Method, Request, Response, Server};

/// Where the live-reload script and event stream live; no site path starts with `__quire`.
const EVENTS_PATH: &str = "/__quire/events";
const SCRIPT_PATH: &str = "/__quire/live.js";
const LIVE_JS: &str = include_str!("../themes/live.js");

/// What `quire serve` was asked for.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// What to build (root, drafts…); the output folder is never used.
    pub build: BuildOptions,
    /// Address to bind.
    pub bind: String,
    /// Port; 0 for any free port.
    pub port: u16,
}

/// The last good site and the state of the last build.
#[derive(Default)]
struct State {
    pages: HashMap<String, Arc<Vec<u8>>>,
    /// While a build renders: the files it has made so far. Requests take their
    /// file from here as soon as it exists, so a reloading page never gets the
    /// old version and never waits for the site-wide files it does not need.
    fresh: Option<HashMap<String, Arc<Vec<u8>>>>,
    /// `file:line:col: message` of the last build, if it failed.
    errors: Vec<String>,
    /// Counts builds, so event streams know when something happened.
    generation: u64,
    /// Whether any build has succeeded yet.
    has_site: bool,
}

/// State shared by the HTTP threads and the rebuilding thread.
#[derive(Default)]
pub struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

impl Shared {
    /// Ends a build: its files become the site, or its errors are shown over
    /// the last good site.
    fn publish(&self, result: Result<(), Vec<String>>) {
        let mut state = self.state.lock().expect("state lock");
        let fresh = state.fresh.take();
        match (result, fresh) {
            (Ok(()), Some(pages)) => {
                // Open pages were told to reload when rendering began.
                state.pages = pages;
                state.has_site = true;
            }
            (Ok(()), None) => {}
            (Err(errors), _) => {
                state.errors = errors;
                state.generation += 1;
            }
        }
        self.changed.notify_all();
    }

    /// The file at `key` of the newest site, waiting while a build renders
    /// until that file exists or the build has ended.
    fn current(&self, key: &str) -> (std::sync::MutexGuard<'_, State>, Option<Arc<Vec<u8>>>) {
        let state = self.state.lock().expect("state lock");
        let state = self
            .changed
            .wait_while(state, |s| {
                s.fresh.as_ref().is_some_and(|f| !f.contains_key(key))
            })
            .expect("state lock");
        let file = state
            .fresh
            .as_ref()
            .unwrap_or(&state.pages)
            .get(key)
            .cloned();
        (state, file)
    }
}

/// Where a rebuild's files go: straight to the requests waiting for them.
struct Live<'a>(&'a Shared);

impl crate::sink::Sink for Live<'_> {
    fn begin(&self) {
        let mut state = self.0.state.lock().expect("state lock");
        state.fresh = Some(HashMap::new());
        state.errors.clear();
        state.generation += 1;
        self.0.changed.notify_all();
    }

    fn pages_first(&self) -> bool {
        true
    }

    fn put(&self, page: crate::render::Page) -> std::io::Result<()> {
        let mut state = self.0.state.lock().expect("state lock");
        if let Some(fresh) = state.fresh.as_mut() {
            fresh.insert(page.path, Arc::new(page.bytes));
        }
        self.0.changed.notify_all();
        Ok(())
    }
}

/// Binds the server, trying the next ports when the asked one is busy.
fn bind(options: &ServeOptions) -> Result<Server, BuildError> {
    let tries = if options.port == 0 { 1 } else { 10 };
    let mut last = String::new();
    for offset in 0..tries {
        let port = options.port.saturating_add(offset);
        let addr = format!("{}:{port}", options.bind);
        match Server::http(&addr) {
            Ok(server) => {
                if offset > 0 {
                    say(&format!(
                        "Port {} is busy; using {port} instead.",
                        options.port
                    ));
                }
                return Ok(server);
            }
            Err(err) => last = format!("cannot listen on {addr}: {err}"),
        }
    }
    Err(BuildError::Usage(format!(
        "{last} (ports {}–{} are all busy or not allowed; pick one with --port)",
        options.port,
        options.port.saturating_add(tries - 1)
    )))
}

/// Runs the server until the process is stopped.
pub fn serve(options: ServeOptions) -> Result<(), BuildError> {
    let server = bind(&options)?;
    let addr: SocketAddr = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| BuildError::Usage("the server has no IP address".into()))?;
    let shared = Arc::new(Shared::default());
    let mut build = options.build.clone();
    build.base_url = Some(format!("http://{addr}/"));
    // Watch before the first build, so that no edit made from now on is missed.
    let watcher = Watcher::new(&build.root)
        .map_err(|e| BuildError::Io(format!("cannot watch the project: {e}")))?;
    let mut session = Session::watching();
    rebuild(&mut session, &build, &shared);
    say(&format!(
        "Serving on http://{addr}/ ({}; press Ctrl-C to stop)",
        if build.drafts {
            "drafts and scheduled parts shown"
        } else {
            "drafts hidden"
        }
    ));
    let rebuilder = Arc::clone(&shared);
    std::thread::spawn(move || {
        while let Some(batch) = watcher.next_batch() {
            if watch::needs_full_rebuild(&batch) {
                session.clear();
            }
            rebuild(&mut session, &build, &rebuilder);
        }
    });
    for request in server.incoming_requests() {
        let shared = Arc::clone(&shared);
        std::thread::spawn(move || handle(request, &shared));
    }
    Ok(())
}

/// Prints a line; a closed terminal or pipe must not stop the server.
fn say(line: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

/// Prints a line to standard error, ignoring a closed stream.
fn warn(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

fn rebuild(session: &mut Session, build: &BuildOptions, shared: &Shared) {
    let start = std::time::Instant::now();
    let result = guarded(|| session.render_into(build, &Live(shared))).unwrap_or_else(|crash| {
        // What the session kept may be half made: start afresh next time.
        session.clear();
        Err(BuildError::Io(crash))
    });
    match result {
        Ok(site) => {
            for warning in &site.warnings {
                warn(&warning.to_string());
            }
            say(&format!(
                "Built {} parts in {} ms",
                site.parts,
                start.elapsed().as_millis()
            ));
            shared.publish(Ok(()));
        }
        Err(err) => {
            let errors = error_lines(&err);
            for line in &errors {
                warn(line);
            }
            warn("error: build failed; still serving the last good build");
            shared.publish(Err(errors));
        }
    }
}

/// Runs a build, catching a panic (a bug of quire) as the error message to
/// show: the requests waiting for the build's pages then get the last good
/// ones instead of waiting forever, and the next save is built again.
fn guarded<T>(build: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(build)).map_err(|panic| {
        let cause = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".into());
        format!(
            "internal error: quire crashed while building ({cause}); this is a bug, please \
             report it with the message above"
        )
    })
}

fn error_lines(err: &BuildError) -> Vec<String> {
    match err {
        BuildError::Content(diags) => diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(ToString::to_string)
            .collect(),
        BuildError::Usage(m) | BuildError::Io(m) => vec![m.clone()],
    }
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("valid header")
}

fn handle(request: Request, shared: &Shared) {
    if !matches!(request.method(), Method::Get | Method::Head) {
        let response =
            Response::from_string("only GET and HEAD are served\n").with_status_code(405);
        let _ = request.respond(response.with_header(header("Allow", "GET, HEAD")));
        return;
    }
    let url = request.url().to_string();
    let path = url.split(['?', '#']).next().unwrap_or("/").to_string();
    if path == EVENTS_PATH {
        // The build the page was served from; events start after it.
        let since = url
            .split_once("?since=")
            .and_then(|(_, n)| n.parse::<u64>().ok());
        return stream_events(request, shared, since);
    }
    if path == SCRIPT_PATH {
        let response = Response::from_string(LIVE_JS)
            .with_header(header("Content-Type", "text/javascript; charset=utf-8"))
            .with_header(header("Cache-Control", "no-store"));
        let _ = request.respond(response);
        return;
    }
    let response = match site_path(&path) {
        None => not_found(shared),
        Some(key) => lookup(shared, &key, &path),
    };
    let _ = request.respond(response);
}

/// The key of a request path in the site, or `None` for a path that is
/// malformed or tries to leave the site (`..`, encoded slashes, NUL, backslashes).
pub fn site_path(url_path: &str) -> Option<String> {
    let raw = url_path.strip_prefix('/')?;
    let lower = raw.to_ascii_lowercase();
    if lower.contains("%2f") || lower.contains("%5c") || lower.contains("%00") {
        return None;
    }
    let decoded = percent_decode(raw)?;
    if decoded.contains('\\') || decoded.contains('\0') {
        return None;
    }
    let mut segments = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "" => {}
            "." | ".." => return None,
            s => segments.push(s),
        }
    }
    let mut key = segments.join("/");
    if key.is_empty() || decoded.ends_with('/') {
        if !key.is_empty() {
            key.push('/');
        }
        key.push_str("index.html");
    }
    Some(key)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn lookup(shared: &Shared, key: &str, url_path: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    let (state, file) = shared.current(key);
    if !state.has_site && file.is_none() {
        let page = error_page(&state.errors, state.generation);
        return html_response(page.into_bytes(), 500);
    }
    if let Some(bytes) = file {
        let bytes = if key.ends_with(".html") {
            inject(&bytes, &state.errors, state.generation)
        } else {
            bytes.to_vec()
        };
        return Response::from_data(bytes)
            .with_header(header("Content-Type", content_type(key)))
            .with_header(header("Cache-Control", "no-store"));
    }
    // A folder asked for without its slash: redirect, so relative links resolve.
    if state.pages.contains_key(&format!("{key}/index.html")) {
        return Response::from_data(Vec::new())
            .with_status_code(301)
            .with_header(header(
                "Location",
                &format!("{}/", url_path.trim_end_matches('/')),
            ));
    }
    drop(state);
    not_found(shared)
}

fn not_found(shared: &Shared) -> Response<std::io::Cursor<Vec<u8>>> {
    let state = shared.state.lock().expect("state lock");
    let body = state
        .pages
        .get("404.html")
        .map(|b| inject(b, &state.errors, state.generation))
        .unwrap_or_else(|| b"<!DOCTYPE html><title>Not found</title><h1>Not found</h1>".to_vec());
    html_response(body, 404)
}

fn html_response(body: Vec<u8>, status: u16) -> Response<std::io::Cursor<Vec<u8>>> {
    Response::from_data(body)
        .with_status_code(status)
        .with_header(header("Content-Type", "text/html; charset=utf-8"))
        .with_header(header("Cache-Control", "no-store"))
}

/// The Content-Type of a site file, by extension.
pub fn content_type(path: &str) -> &'static str {
    match path
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .as_deref()
    {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("xml") => "application/xml; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("avif") => "image/avif",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("ttf") => "font/ttf",
        Some("otf") => "font/otf",
        Some("pdf") => "application/pdf",
        Some("epub") => "application/epub+zip",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Adds the live-reload script, and the error overlay while the last build failed.
fn inject(page: &[u8], errors: &[String], generation: u64) -> Vec<u8> {
    let html = String::from_utf8_lossy(page);
    let mut extra = overlay(errors);
    // The script is told which build the page comes from (see `stream_events`).
    extra.push_str(&format!(
        "<script src=\"{SCRIPT_PATH}\" data-generation=\"{generation}\"></script>\n"
    ));
    match html.rfind("</body>") {
        Some(at) => format!("{}{extra}{}", &html[..at], &html[at..]).into_bytes(),
        None => format!("{html}{extra}").into_bytes(),
    }
}

fn overlay(errors: &[String]) -> String {
    if errors.is_empty() {
        return String::new();
    }
    let items: String = errors
        .iter()
        .map(|e| format!("<li>{}</li>", crate::markdown::html::escape(e)))
        .collect();
    format!(
        "<div id=\"quire-overlay\" role=\"alert\"><p><strong>The last build failed</strong>; \
         this is the last good version. Fix these and save:</p><ul>{items}</ul></div>\n"
    )
}

fn error_page(errors: &[String], generation: u64) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Build failed</title></head>\
         <body><main><h1>The site could not be built yet</h1>{}</main></body></html>",
        String::from_utf8(inject(b"", errors, generation)).unwrap_or_default()
    )
}

/// Streams `reload` and `errors` events to a page until it goes away.
fn stream_events(request: Request, shared: &Shared, since: Option<u64>) {
    let mut writer = request.into_writer();
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n\
                Connection: keep-alive\r\n\r\nretry: 500\n\n";
    if writer
        .write_all(head.as_bytes())
        .and_then(|_| writer.flush())
        .is_err()
    {
        return;
    }
    // A page served from an older build than the current one hears of it at once.
    let current = shared.state.lock().expect("state lock").generation;
    let mut seen = since.map_or(current, |s| s.min(current));
    loop {
        let state = shared.state.lock().expect("state lock");
        let (state, timeout) = shared
            .changed
            .wait_timeout_while(state, Duration::from_secs(15), |s| s.generation == seen)
            .expect("state lock");
        let message = if timeout.timed_out() {
            ": keep-alive\n\n".to_string()
        } else {
            seen = state.generation;
            if state.errors.is_empty() {
                format!("event: reload\ndata: {seen}\n\n")
            } else {
                let json = serde_json::to_string(&state.errors).unwrap_or_default();
                format!("event: errors\ndata: {json}\n\n")
            }
        };
        drop(state);
        if writer
            .write_all(message.as_bytes())
            .and_then(|_| writer.flush())
            .is_err()
        {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_paths_never_leave_the_site() {
        let table: &[(&str, Option<&str>)] = &[
            ("/", Some("index.html")),
            ("/the-rock/", Some("the-rock/index.html")),
            ("/the-rock", Some("the-rock")),
            ("/assets/map%201917.png", Some("assets/map 1917.png")),
            ("/../etc/passwd", None),
            ("/a/../../b", None),
            ("/%2e%2e/secret", None),
            ("/a%2f..%2fb", None),
            ("/a%5cb", None),
            ("/a\\b", None),
            ("/%00", None),
            ("/%zz", None),
            ("relative", None),
        ];
        for (path, expected) in table {
            assert_eq!(site_path(path).as_deref(), *expected, "{path}");
        }
    }

    fn page(path: &str, text: &str) -> crate::render::Page {
        crate::render::Page {
            path: path.into(),
            bytes: text.as_bytes().to_vec(),
        }
    }

    /// Asks for `key` on another thread, as a request would.
    fn ask(shared: &Arc<Shared>, key: &str) -> std::sync::mpsc::Receiver<Option<Vec<u8>>> {
        let (tx, rx) = std::sync::mpsc::channel();
        let (shared, key) = (Arc::clone(shared), key.to_string());
        std::thread::spawn(move || {
            let file = shared.current(&key).1;
            let _ = tx.send(file.map(|f| f.to_vec()));
        });
        rx
    }

    #[test]
    fn a_build_that_panics_is_an_error_and_releases_the_waiting_requests() {
        use crate::sink::Sink;
        let shared = served_site();
        let live = Live(&shared);
        let crashed = guarded(|| {
            live.begin();
            live.put(page("part/index.html", "half-built part"))
                .unwrap();
            panic!("an index out of bounds");
        });
        let message = crashed.expect_err("the panic is caught");
        assert!(message.contains("an index out of bounds"), "{message}");
        assert!(guarded(|| 7).is_ok_and(|n| n == 7));
        // Until the failure is published, a request waits for the build.
        let waiting = ask(&shared, "all/index.html");
        let wait = Duration::from_millis(200);
        assert!(waiting.recv_timeout(wait).is_err(), "answered too early");
        shared.publish(Err(vec![message]));
        assert_eq!(waiting.recv().unwrap().unwrap(), b"old edition");
        assert_eq!(
            ask(&shared, "part/index.html").recv().unwrap().unwrap(),
            b"old part",
            "the half-built site is dropped"
        );
        assert_eq!(shared.state.lock().unwrap().errors.len(), 1);
    }

    /// A site built once, with a part page and the edition.
    fn served_site() -> Arc<Shared> {
        use crate::sink::Sink;
        let shared = Arc::new(Shared::default());
        let live = Live(&shared);
        live.begin();
        live.put(page("part/index.html", "old part")).unwrap();
        live.put(page("all/index.html", "old edition")).unwrap();
        shared.publish(Ok(()));
        shared
    }

    #[test]
    fn during_a_rebuild_each_file_is_served_new_as_soon_as_it_is_made() {
        use crate::sink::Sink;
        let shared = served_site();
        let before = shared.state.lock().unwrap().generation;
        let live = Live(&shared);
        live.begin();
        assert_eq!(
            shared.state.lock().unwrap().generation,
            before + 1,
            "open pages are told to reload when rendering begins"
        );
        live.put(page("part/index.html", "new part")).unwrap();
        assert_eq!(
            ask(&shared, "part/index.html").recv().unwrap().unwrap(),
            b"new part"
        );
        // The edition is not made yet: its request waits for it, never getting
        // the old one.
        let edition = ask(&shared, "all/index.html");
        let gone = ask(&shared, "removed/index.html");
        let wait = Duration::from_millis(200);
        assert!(edition.recv_timeout(wait).is_err(), "answered too early");
        live.put(page("all/index.html", "new edition")).unwrap();
        assert_eq!(edition.recv().unwrap().unwrap(), b"new edition");
        // A file the new build does not make is missing once the build has ended.
        assert!(gone.recv_timeout(wait).is_err(), "answered too early");
        shared.publish(Ok(()));
        assert_eq!(gone.recv().unwrap(), None);
        assert_eq!(
            shared.state.lock().unwrap().generation,
            before + 1,
            "a build announces itself once"
        );
    }

    #[test]
    fn a_build_that_fails_while_rendering_leaves_the_last_good_site() {
        use crate::sink::Sink;
        let shared = served_site();
        let live = Live(&shared);
        live.begin();
        live.put(page("part/index.html", "half-made")).unwrap();
        let waiting = ask(&shared, "all/index.html");
        shared.publish(Err(vec!["themes/x/part.html: template failed".into()]));
        assert_eq!(waiting.recv().unwrap().unwrap(), b"old edition");
        assert_eq!(
            ask(&shared, "part/index.html").recv().unwrap().unwrap(),
            b"old part"
        );
        assert_eq!(shared.state.lock().unwrap().errors.len(), 1);
    }

    #[test]
    fn injection_adds_script_and_overlay_before_body_end() {
        let page = inject(
            b"<html><body><p>x</p></body></html>",
            &["a.md:1:1: bad <x>".into()],
            7,
        );
        let page = String::from_utf8(page).unwrap();
        assert!(page.ends_with("data-generation=\"7\"></script>\n</body></html>"));
        assert!(page.contains("<li>a.md:1:1: bad &lt;x&gt;</li>"));
    }
}
