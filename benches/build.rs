//! `cargo bench`: full builds of generated series (10, 100, 1,000 parts of
//! 6,000 words) and their peak memory, a one-part incremental rebuild, the
//! cost of the index (0, 40 and 4,000 terms), the time from saving a part to
//! the rebuilt page being served by `quire serve`, and the cost of ten
//! citations per part (Chicago notes and APA, repeated and first builds, as
//! ratios to a build without citations in the same round). Medians of
//! several runs, side by side, in this process (peak memory and citations:
//! `quire build` in a process of its own); phases from quire's own timings. The series are made in the system's temporary folder, or in
//! `QUIRE_BENCH_DIR`.

use quire::corpus::{generate, Options};
use quire::pipeline::Session;
use quire::BuildOptions;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn corpus(dir: &Path, parts: usize, terms: usize) -> usize {
    generate(&Options {
        parts,
        terms,
        out: dir.to_path_buf(),
        ..Options::default()
    })
}

/// Median full build (into an empty output folder each time) and median phases.
fn full_builds(root: &Path, runs: usize) -> (Duration, Vec<(&'static str, Duration)>) {
    let mut totals = Vec::new();
    let mut phases: Vec<Vec<(&'static str, Duration)>> = Vec::new();
    for _ in 0..runs {
        let _ = std::fs::remove_dir_all(root.join("output"));
        let start = Instant::now();
        let report = quire::build(&BuildOptions {
            root: root.to_path_buf(),
            ..BuildOptions::default()
        })
        .expect("the generated series builds");
        totals.push(start.elapsed());
        phases.push(report.site.timings);
    }
    let names: Vec<&'static str> = phases[0].iter().map(|(n, _)| *n).collect();
    let medians = names
        .iter()
        .enumerate()
        .map(|(i, n)| (*n, median(phases.iter().map(|p| p[i].1).collect())))
        .collect();
    (median(totals), medians)
}

fn report_full(parts: usize, bytes: usize, runs: usize, dir: &Path) -> Duration {
    let (total, phases) = full_builds(dir, runs);
    let mb = bytes as f64 / 1e6;
    println!(
        "full build, {parts:>5} parts ({mb:>5.1} MB): median {:>8.1} ms over {runs} runs, {:>6.1} MB/s",
        ms(total),
        mb / total.as_secs_f64()
    );
    let line: Vec<String> = phases
        .iter()
        .map(|(n, d)| format!("{n} {:.1}", ms(*d)))
        .collect();
    println!("    phases (ms, medians): {}", line.join(", "));
    total
}

/// Peak memory of `quire build` of `dir` in a process of its own, over the
/// output of the last build, as its `--timings` reports it (the process's
/// own high-water mark: a parent's `wait4` would count the benchmark's
/// memory too, which a spawned child inherits until it runs quire).
fn peak_memory(parts: usize, bytes: usize, dir: &Path, runs: usize) {
    let mut peaks = Vec::new();
    for _ in 0..runs {
        let output = Command::new(env!("CARGO_BIN_EXE_quire"))
            .arg("build")
            .arg("--timings")
            .arg("--root")
            .arg(dir)
            .output()
            .expect("quire runs");
        assert!(output.status.success(), "the generated series builds");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let Some(megabytes) = stdout.lines().find_map(|line| {
            let mut words = line.split_whitespace();
            (words.next() == Some("memory")).then(|| words.next()?.parse::<f64>().ok())?
        }) else {
            println!("peak memory: not reported on this system");
            return;
        };
        peaks.push(megabytes);
    }
    peaks.sort_by(f64::total_cmp);
    let peak = peaks[peaks.len() / 2];
    let mb = bytes as f64 / 1e6;
    println!(
        "peak memory, {parts:>5} parts: median {peak:>6.1} MB over {runs} builds, {:.2}x the Markdown",
        peak / mb
    );
}

/// What ten citations per part add to a 1,000-part build, in Chicago notes
/// and APA: a repeated build takes its citation forms from `.quire-cache/`,
/// a first build formats them all. Each build is `quire build` in a process
/// of its own, as an author runs it (in one process, every build after the
/// first starts on the heap the others left, and pays for freeing its parses,
/// which `quire build` leaves to the system). Each round builds every series
/// once, the order turned by one each round, so that no series builds twice
/// in a row (the second would find the disk still writing the first's
/// pages). On a shared machine the speed of the whole machine drifts by more
/// than the difference measured, so each build is compared with the build
/// without citations of its own round, seconds apart: the figures are the
/// median and quartiles of those ratios, for the wall clock and for the CPU
/// time of all threads.
fn citations(tmp: &Path, runs: usize) {
    let make = |name: &str, citations: usize, style: Option<&str>| {
        let dir = tmp.join(name);
        generate(&Options {
            parts: 1000,
            citations,
            out: dir.clone(),
            ..Options::default()
        });
        if let Some(style) = style {
            let toml = dir.join("series/series.toml");
            let text = std::fs::read_to_string(&toml).expect("series.toml");
            std::fs::write(&toml, format!("citation_style = \"{style}\"\n{text}")).unwrap();
        }
        dir
    };
    let plain = make("cite-none", 0, None);
    let chicago = make("cite-chicago", 10, None);
    let apa = make("cite-apa", 10, Some("apa"));
    let series = [
        ("no citations", &plain, false),
        ("Chicago notes, repeated build", &chicago, false),
        ("Chicago notes, first build", &chicago, true),
        ("APA, repeated build", &apa, false),
        ("APA, first build", &apa, true),
    ];
    // Wall clock and CPU time of one `quire build`.
    let build = |root: &Path, first: bool| -> (f64, f64) {
        if first {
            let _ = std::fs::remove_dir_all(root.join(".quire-cache"));
        }
        let _ = std::fs::remove_dir_all(root.join("output"));
        let (start, cpu) = (Instant::now(), children_cpu_time());
        let status = Command::new(env!("CARGO_BIN_EXE_quire"))
            .arg("build")
            .arg("--root")
            .arg(root)
            .stdout(Stdio::null())
            .status()
            .expect("quire runs");
        assert!(status.success(), "the generated series builds");
        (ms(start.elapsed()), children_cpu_time() - cpu)
    };
    for (_, root, first) in &series {
        build(root, *first);
    }
    let mut rounds: Vec<Vec<(f64, f64)>> = Vec::new();
    for round in 0..runs {
        let mut order: Vec<usize> = (0..series.len()).collect();
        order.rotate_left(round % series.len());
        let mut times = vec![(0.0, 0.0); series.len()];
        for i in order {
            let (_, root, first) = series[i];
            times[i] = build(root, first);
        }
        rounds.push(times);
    }
    // Median and quartiles, as percentages added.
    let spread = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let at = |q: usize| 100.0 * (v[(v.len() - 1) * q / 4] - 1.0);
        (at(2), at(1), at(3))
    };
    for (i, (name, _, _)) in series.iter().enumerate() {
        let name = format!("{name}:");
        let wall: Vec<f64> = rounds.iter().map(|r| r[i].0).collect();
        let mut sorted = wall.clone();
        sorted.sort_by(f64::total_cmp);
        let median_ms = sorted[sorted.len() / 2];
        if i == 0 {
            println!("citations, 1,000 parts, {name:<31} median {median_ms:>7.1} ms");
            continue;
        }
        let (w, w1, w3) = spread(rounds.iter().map(|r| r[i].0 / r[0].0).collect());
        let (c, c1, c3) = spread(rounds.iter().map(|r| r[i].1 / r[0].1).collect());
        println!(
            "citations, 1,000 parts, {name:<31} median {median_ms:>7.1} ms; against no citations \
             in the same round: wall {w:+.1}% [{w1:+.1}, {w3:+.1}], CPU {c:+.1}% [{c1:+.1}, {c3:+.1}]"
        );
    }
}

/// CPU time used so far by every finished child process (every thread of
/// each), in milliseconds (not measured where quire does not depend on
/// libc: NaN).
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn children_cpu_time() -> f64 {
    f64::NAN
}

/// CPU time used so far by every finished child process (every thread of
/// each), in milliseconds.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn children_cpu_time() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given; RUSAGE_CHILDREN counts
    // the children this process has waited for.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr());
        usage.assume_init()
    };
    let ms = |t: libc::timeval| t.tv_sec as f64 * 1000.0 + t.tv_usec as f64 / 1000.0;
    ms(usage.ru_utime) + ms(usage.ru_stime)
}

fn incremental(dir: &Path, runs: usize) {
    let options = BuildOptions {
        root: dir.to_path_buf(),
        ..BuildOptions::default()
    };
    let mut session = Session::watching();
    session.render(&options).expect("builds");
    let part = dir.join("series/0050-part-50.md");
    let original = std::fs::read_to_string(&part).unwrap();
    let mut samples = Vec::new();
    let mut phases: Vec<Vec<(&'static str, Duration)>> = Vec::new();
    for i in 0..runs {
        std::fs::write(&part, format!("{original}\nEdit number {i}.\n")).unwrap();
        let start = Instant::now();
        let site = session.render(&options).expect("builds");
        samples.push(start.elapsed());
        phases.push(site.timings);
    }
    std::fs::write(&part, original).unwrap();
    let line: Vec<String> = phases[0]
        .iter()
        .enumerate()
        .map(|(k, (n, _))| {
            format!(
                "{n} {:.1}",
                ms(median(phases.iter().map(|p| p[k].1).collect()))
            )
        })
        .collect();
    println!(
        "one-part incremental rebuild (100 parts, in memory): median {:.1} ms over {runs} runs\n    phases (ms, medians): {}",
        ms(median(samples)),
        line.join(", ")
    );
}

/// Save a part, wait for the reload event, fetch the page: the author's wait.
fn serve_latency(dir: &Path, runs: usize) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_quire"))
        .args(["serve", "--port", "0", "--root"])
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start quire serve");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let port: u16 = loop {
        let line = lines.next().expect("server output").unwrap();
        if let Some(rest) = line.split("127.0.0.1:").nth(1) {
            break rest.split('/').next().unwrap().parse().unwrap();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let mut events = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(events, "GET /__quire/events HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut events = BufReader::new(events);
    let mut line = String::new();
    while !line.starts_with("retry:") {
        line.clear();
        events.read_line(&mut line).unwrap();
    }
    let part = dir.join("series/0050-part-50.md");
    let original = std::fs::read_to_string(&part).unwrap();
    let mut samples = Vec::new();
    for i in 0..runs {
        // An author saves after a pause: let the last rebuild finish its
        // site-wide files, which it makes after the pages.
        std::thread::sleep(Duration::from_millis(300));
        let marker = format!("Served edit {i}.");
        let start = Instant::now();
        std::fs::write(&part, format!("{original}\n{marker}\n")).unwrap();
        loop {
            line.clear();
            events.read_line(&mut line).unwrap();
            if line.starts_with("event: reload") {
                break;
            }
        }
        let mut page = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(
            page,
            "GET /part-50/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut body = String::new();
        page.read_to_string(&mut body).unwrap();
        assert!(body.contains(&marker), "the served page has the edit");
        samples.push(start.elapsed());
    }
    std::fs::write(&part, original).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    println!(
        "serve: save one part (100 parts) -> rebuilt page served: median {:.1} ms over {runs} runs \
         (includes the {} ms quiet period that collects an editor's burst of writes)",
        ms(median(samples)),
        quire::watch::QUIET.as_millis()
    );
}

fn main() {
    // `cargo bench` passes `--bench`; a filter word runs only matching groups.
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let wanted = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));
    // `QUIRE_BENCH_DIR=/dev/shm` measures quire rather than the disk, whose
    // time to create a thousand folders and files varies severalfold.
    let tmp = match std::env::var_os("QUIRE_BENCH_DIR") {
        Some(dir) => tempfile::tempdir_in(dir),
        None => tempfile::tempdir(),
    }
    .expect("a temporary folder");
    let mut totals = Vec::new();
    for (parts, runs) in [(10, 20), (100, 10), (1000, 5)] {
        let dir = tmp.path().join(format!("c{parts}"));
        let bytes = corpus(&dir, parts, 40);
        if wanted("full") {
            totals.push((parts, report_full(parts, bytes, runs, &dir)));
        }
        if wanted("memory") {
            peak_memory(parts, bytes, &dir, 3);
        }
        if parts == 100 && wanted("incremental") {
            incremental(&dir, 10);
        }
        if parts == 100 && wanted("serve") {
            serve_latency(&dir, 10);
        }
    }
    if let (Some((_, t100)), Some((_, t1000))) = (
        totals.iter().find(|(p, _)| *p == 100),
        totals.iter().find(|(p, _)| *p == 1000),
    ) {
        println!(
            "growth: 1,000 parts take {:.1}x the time of 100 parts",
            t1000.as_secs_f64() / t100.as_secs_f64()
        );
    }
    if wanted("citations") {
        // The cost of citations is work, not writing: on a disk, the time to
        // write a thousand pages varied by more than 20% between two copies
        // of one series, so this group works in memory wherever it can.
        let in_memory = Path::new("/dev/shm");
        let cite_tmp = match std::env::var_os("QUIRE_BENCH_DIR").is_none() && in_memory.is_dir() {
            true => tempfile::tempdir_in(in_memory).expect("a folder in /dev/shm"),
            false => tempfile::tempdir_in(tmp.path()).expect("a temporary folder"),
        };
        citations(cite_tmp.path(), 12);
    }
    if wanted("index") {
        let mut by_terms = Vec::new();
        for terms in [0, 40, 4000] {
            let dir = tmp.path().join(format!("terms{terms}"));
            corpus(&dir, 1000, terms.max(1));
            if terms == 0 {
                std::fs::remove_file(dir.join("series/index.toml")).unwrap();
            }
            let (total, _) = full_builds(&dir, 5);
            by_terms.push((terms, total));
        }
        let base = by_terms[0].1.as_secs_f64();
        for (terms, total) in &by_terms {
            println!(
                "index, 1,000 parts, {terms:>4} terms: median {:>7.1} ms ({:+.1}% against no index)",
                ms(*total),
                100.0 * (total.as_secs_f64() / base - 1.0)
            );
        }
    }
}
