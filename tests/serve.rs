//! `quire serve`: a real HTTP server on an ephemeral port, watched edits,
//! live-reload events, the error overlay, and an output folder left alone.
//! Every wait is bounded and event-driven; no fixed sleeps.

mod common;
use common::{part, Fixture};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(20);

struct Server {
    child: Child,
    port: u16,
    _stdout: std::thread::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(f: &Fixture, extra: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_quire"))
        .args(["serve", "--port", "0", "--root"])
        .arg(f.root())
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = channel();
    let reader = std::thread::spawn(move || {
        // Keep reading for the server's whole life: it prints after every build.
        for line in stdout.lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + WAIT;
    let port = loop {
        let line = rx
            .recv_timeout(deadline - Instant::now())
            .expect("server printed its address");
        if let Some(rest) = line.split("http://127.0.0.1:").nth(1) {
            break rest.split('/').next().unwrap().parse().unwrap();
        }
    };
    Server {
        child,
        port,
        _stdout: reader,
    }
}

struct Reply {
    status: u16,
    headers: String,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<String> {
        self.headers.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }
    fn page(&self) -> common::Page {
        common::Page(scraper::Html::parse_document(&self.body))
    }
}

/// One raw HTTP/1.1 request: the path is sent exactly as given.
fn request(port: u16, method: &str, path: &str) -> Reply {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    Reply {
        status,
        headers: head.to_string(),
        body: body.to_string(),
    }
}

fn get(port: u16, path: &str) -> Reply {
    request(port, "GET", path)
}

/// Opens the event stream; events arrive on the receiver as (event, data).
fn events(port: u16) -> Receiver<(String, String)> {
    open_events(port, "/__quire/events")
}

/// Opens the event stream as a page served from build `generation` does.
fn events_since(port: u16, generation: u64) -> Receiver<(String, String)> {
    open_events(port, &format!("/__quire/events?since={generation}"))
}

fn open_events(port: u16, path: &str) -> Receiver<(String, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
    let (tx, rx) = channel();
    let (ready_tx, ready_rx) = channel();
    std::thread::spawn(move || {
        let reader = BufReader::new(stream);
        let mut event = String::new();
        for line in reader.lines().map_while(Result::ok) {
            if line.starts_with("retry:") {
                let _ = ready_tx.send(());
            } else if let Some(e) = line.strip_prefix("event: ") {
                event = e.to_string();
            } else if let Some(d) = line.strip_prefix("data: ") {
                if tx.send((event.clone(), d.to_string())).is_err() {
                    break;
                }
            }
        }
    });
    ready_rx.recv_timeout(WAIT).expect("event stream opened");
    rx
}

fn next_event(rx: &Receiver<(String, String)>) -> (String, String) {
    rx.recv_timeout(WAIT)
        .expect("an event within the time limit")
}

fn site() -> Fixture {
    Fixture::three_parts()
        .file(
            "series/04-fourth.md",
            &part("title = \"Fourth\"\ndraft = true", "\nA draft.\n"),
        )
        .file(
            "series/assets/a.svg",
            "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
        )
}

#[test]
fn serves_pages_and_files_with_the_right_status_and_type() {
    let f = site();
    let s = start(&f, &[]);
    let index = get(s.port, "/");
    assert_eq!(index.status, 200);
    assert_eq!(
        index.header("Content-Type").as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(index.page().text("h1"), "Test Series");
    assert_eq!(get(s.port, "/second/").page().text("h1"), "Second");
    let moved = get(s.port, "/second");
    assert_eq!(
        (moved.status, moved.header("Location").as_deref()),
        (301, Some("/second/"))
    );
    let svg = get(s.port, "/assets/a.svg");
    assert_eq!(
        (svg.status, svg.header("Content-Type").as_deref()),
        (200, Some("image/svg+xml"))
    );
    let css = index.page().attrs("link[rel=stylesheet]", "href").remove(0);
    assert_eq!(
        get(s.port, &format!("/{css}"))
            .header("Content-Type")
            .as_deref(),
        Some("text/css; charset=utf-8")
    );
    assert_eq!(
        get(s.port, "/atom.xml").header("Content-Type").as_deref(),
        Some("application/xml; charset=utf-8")
    );
    let missing = get(s.port, "/no/such/page/");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.page().text("h1"), "Page not found");
    let head = request(s.port, "HEAD", "/second/");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    // Live reload is added to served pages only.
    let scripts = index.page().attrs("script[src]", "src");
    assert_eq!(scripts.len(), 2, "{scripts:?}");
    assert!(
        scripts[0].starts_with("search."),
        "the theme's own script stays"
    );
    assert_eq!(scripts[1], "/__quire/live.js");
    assert!(!index
        .page()
        .attrs("script[data-generation]", "data-generation")[0]
        .is_empty());
    assert_eq!(get(s.port, "/__quire/live.js").status, 200);
}

#[test]
fn requests_that_try_to_leave_the_site_get_nothing_from_outside() {
    let f = site().file("secret.txt", "TOP SECRET");
    let s = start(&f, &[]);
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        f.root().join("secret.txt"),
        f.root().join("series/assets/link.txt"),
    )
    .unwrap();
    for path in [
        "/../secret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e/secret.txt",
        "/assets/..%2f..%2fsecret.txt",
        "/assets/%2e%2e/%2e%2e/secret.txt",
        "/assets\\..\\..\\secret.txt",
        "//etc/passwd",
        &format!("/{}", f.root().join("secret.txt").display()),
        "/assets/link.txt",
    ] {
        let reply = get(s.port, path);
        assert!(!reply.body.contains("TOP SECRET"), "{path} leaked a file");
        assert_ne!(reply.status, 200, "{path}");
    }
}

#[test]
fn drafts_are_served_but_output_is_never_written() {
    let f = site();
    let s = start(&f, &[]);
    let draft = get(s.port, "/fourth/");
    assert_eq!(draft.status, 200);
    assert!(draft.page().text(".draft-banner").starts_with("Draft"));
    assert!(!f.root().join("output").exists());
    drop(s);
    let s = start(&f, &["--no-drafts"]);
    assert_eq!(get(s.port, "/fourth/").status, 404);
    assert!(!f.root().join("output").exists());
}

#[test]
fn a_saved_edit_is_served_and_announced() {
    let f = site();
    let s = start(&f, &[]);
    let rx = events(s.port);
    f.write(
        "series/02-second.md",
        part("title = \"Second\"", "\nRewritten middle.\n").as_bytes(),
    );
    assert_eq!(next_event(&rx).0, "reload");
    assert_eq!(
        get(s.port, "/second/")
            .page()
            .text(".part-body p:first-child"),
        "Rewritten middle."
    );
    // Editor noise triggers nothing: the next event is the next real edit.
    f.write("series/.02-second.md.swp", b"swap");
    f.write("series/02-second.md~", b"backup");
    f.write(
        "series/02-second.md",
        part("title = \"Second\"", "\nAgain.\n").as_bytes(),
    );
    assert_eq!(next_event(&rx).0, "reload");
    assert_eq!(
        get(s.port, "/second/")
            .page()
            .text(".part-body p:first-child"),
        "Again."
    );
}

#[test]
fn a_page_from_an_older_build_hears_of_the_newer_one_at_once() {
    let f = site();
    let s = start(&f, &[]);
    let page = get(s.port, "/second/");
    let generation: u64 = page
        .page()
        .attrs("script[data-generation]", "data-generation")[0]
        .parse()
        .unwrap();
    let rx = events(s.port);
    f.write(
        "series/02-second.md",
        part("title = \"Second\"", "\nNewer.\n").as_bytes(),
    );
    assert_eq!(next_event(&rx).0, "reload");
    // A stream opened after that build, from the older page, is told straight away.
    let late = events_since(s.port, generation);
    assert_eq!(next_event(&late).0, "reload");
}

#[test]
fn a_write_through_rename_is_seen() {
    let f = site();
    let s = start(&f, &[]);
    let rx = events(s.port);
    f.write(
        "series/.tmp-second",
        part("title = \"Second\"", "\nRenamed in.\n").as_bytes(),
    );
    std::fs::rename(
        f.root().join("series/.tmp-second"),
        f.root().join("series/02-second.md"),
    )
    .unwrap();
    assert_eq!(next_event(&rx).0, "reload");
    assert_eq!(
        get(s.port, "/second/")
            .page()
            .text(".part-body p:first-child"),
        "Renamed in."
    );
}

#[test]
fn a_broken_link_shows_the_overlay_over_the_last_good_page_until_fixed() {
    let f = site();
    let s = start(&f, &[]);
    let rx = events(s.port);
    f.write(
        "series/02-second.md",
        part("title = \"Second\"", "\nSee [nowhere](part:9).\n").as_bytes(),
    );
    let (event, data) = next_event(&rx);
    assert_eq!(event, "errors");
    let errors: Vec<String> = serde_json::from_str(&data).unwrap();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].starts_with("series/02-second.md:5:5: broken link to part:9"),
        "{errors:?}"
    );
    let page = get(s.port, "/second/");
    assert_eq!(page.status, 200);
    assert_eq!(
        page.page().text(".part-body p:first-child"),
        "Middle text.",
        "the last good build is still served"
    );
    assert!(page
        .page()
        .text("#quire-overlay li")
        .starts_with("series/02-second.md:5:5"));
    f.write(
        "series/02-second.md",
        part("title = \"Second\"", "\nSee [first](part:1).\n").as_bytes(),
    );
    assert_eq!(next_event(&rx).0, "reload");
    let fixed = get(s.port, "/second/");
    assert!(fixed.page().select("#quire-overlay").is_empty());
    assert_eq!(fixed.page().text(".part-body p:first-child"), "See first.");
}

#[test]
fn the_server_starts_even_when_the_first_build_fails() {
    let f = site().file("series/01-first.md", "+++\ntitle = \"First\"\n");
    let s = start(&f, &[]);
    let page = get(s.port, "/");
    assert_eq!(page.status, 500);
    assert!(page
        .page()
        .text("#quire-overlay li")
        .starts_with("series/01-first.md:1:1: front matter opened here is never closed"));
    let rx = events(s.port);
    f.write(
        "series/01-first.md",
        part("title = \"First\"", "\nFixed.\n").as_bytes(),
    );
    assert_eq!(next_event(&rx).0, "reload");
    assert_eq!(
        get(s.port, "/first/")
            .page()
            .text(".part-body p:first-child"),
        "Fixed."
    );
}

#[test]
fn new_and_deleted_parts_appear_and_disappear() {
    let f = site();
    let s = start(&f, &[]);
    let rx = events(s.port);
    f.write(
        "series/05-fifth.md",
        part("title = \"Fifth\"", "\nNew.\n").as_bytes(),
    );
    assert_eq!(next_event(&rx).0, "reload");
    let titles = get(s.port, "/").page().attrs(".part-title a", "href");
    assert!(
        titles.contains(&"fifth/index.html".to_string()),
        "{titles:?}"
    );
    assert_eq!(get(s.port, "/fifth/").status, 200);
    f.remove("series/03-third.md");
    assert_eq!(next_event(&rx).0, "reload");
    assert_eq!(get(s.port, "/third/").status, 404);
    let titles = get(s.port, "/").page().attrs(".part-title a", "href");
    assert!(
        !titles.contains(&"third/index.html".to_string()),
        "{titles:?}"
    );
}

#[test]
fn the_server_keeps_rebuilding_when_its_output_is_closed() {
    let f = site();
    let mut child = Command::new(env!("CARGO_BIN_EXE_quire"))
        .args(["serve", "--port", "0", "--root"])
        .arg(f.root())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    while !first.starts_with("Serving on") {
        first.clear();
        stdout.read_line(&mut first).unwrap();
    }
    let port: u16 = first
        .split("127.0.0.1:")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    drop(stdout); // as when the terminal goes away
    let rx = events(port);
    f.write(
        "series/02-second.md",
        part("title = \"Second\"", "\nOne.\n").as_bytes(),
    );
    assert_eq!(next_event(&rx).0, "reload");
    f.write(
        "series/02-second.md",
        part("title = \"Second\"", "\nTwo.\n").as_bytes(),
    );
    assert_eq!(next_event(&rx).0, "reload");
    assert_eq!(get(port, "/second/").page().text(".part-body p"), "Two.");
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn a_busy_port_moves_to_the_next_one() {
    let f = site();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let busy = listener.local_addr().unwrap().port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_quire"))
        .args(["serve", "--port", &busy.to_string(), "--root"])
        .arg(f.root())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    while let Some(Ok(line)) = lines.next() {
        let done = line.starts_with("Serving on");
        seen.push(line);
        if done {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        seen.iter()
            .any(|l| l == &format!("Port {busy} is busy; using {} instead.", busy + 1)),
        "{seen:?}"
    );
}

/// Records the order files arrive in, like the preview server's sink.
struct Order {
    pages_first: bool,
    paths: std::sync::Mutex<Vec<String>>,
}

impl quire::sink::Sink for Order {
    fn put(&self, page: quire::render::Page) -> std::io::Result<()> {
        self.paths.lock().unwrap().push(page.path);
        Ok(())
    }

    fn stream(
        &self,
        path: &str,
        fill: &mut dyn FnMut(&mut dyn std::io::Write) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        fill(&mut std::io::sink())?;
        self.paths.lock().unwrap().push(path.to_string());
        Ok(())
    }

    fn pages_first(&self) -> bool {
        self.pages_first
    }
}

fn arrival_order(pages_first: bool) -> Vec<String> {
    let f = Fixture::three_parts();
    let sink = Order {
        pages_first,
        paths: Default::default(),
    };
    let options = quire::BuildOptions {
        root: f.root().to_path_buf(),
        ..quire::BuildOptions::default()
    };
    quire::pipeline::Session::default()
        .render_into(&options, &sink)
        .expect("builds");
    sink.paths.into_inner().unwrap()
}

#[test]
fn the_preview_renders_part_pages_before_the_site_wide_files() {
    let is_part = |p: &String| {
        p.ends_with("/index.html")
            && !["all/", "index/", "search/"]
                .iter()
                .any(|d| p.starts_with(d))
    };
    let order = arrival_order(true);
    let last_part = order.iter().rposition(is_part).expect("part pages");
    for site_wide in ["atom.xml", "all/index.html", "sitemap.xml", "index.html"] {
        let at = order.iter().position(|p| p == site_wide).expect(site_wide);
        assert!(
            at > last_part,
            "{site_wide} came before a part page: {order:?}"
        );
    }
    // A build for the output folder renders the biggest files first instead.
    let order = arrival_order(false);
    let (mut sorted, mut again) = (order.clone(), arrival_order(true));
    sorted.sort();
    again.sort();
    assert_eq!(sorted, again, "the same files either way");
}
