//! The `quire` command line.

use clap::{Args, Parser, Subcommand};
use quire::date::Date;
use quire::diagnostics::Severity;
use quire::{BuildError, BuildOptions, Site};
use std::path::PathBuf;
use std::process::ExitCode;

/// quire turns a folder of essay parts into a finished static site.
#[derive(Parser)]
#[command(name = "quire", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the series in ROOT/series/ into ROOT/output/.
    Build(BuildArgs),
    /// Run the whole build (links, notes, index, templates) and write nothing.
    Check(SelectArgs),
    /// Start the next part as a draft and print its path.
    New(NewArgs),
    /// Preview the series, drafts included, at http://127.0.0.1:1111/, rebuilding on every change.
    Serve(ServeArgs),
}

#[derive(Args)]
struct ServeArgs {
    /// Project root, the folder that holds series/.
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Port to listen on (the next free one is used if it is busy; 0: any free port).
    #[arg(long, default_value_t = 1111)]
    port: u16,
    /// Address to listen on; anything but loopback exposes your drafts to the network.
    #[arg(long, default_value = "127.0.0.1")]
    bind: String,
    /// Leave drafts and scheduled parts out, as `quire build` does.
    #[arg(long)]
    no_drafts: bool,
    /// Open the site in the default browser.
    #[arg(long)]
    open: bool,
}

#[derive(Args)]
struct SelectArgs {
    /// Project root, the folder that holds series/.
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Include draft parts (marked as drafts, not indexed by search engines).
    #[arg(long)]
    drafts: bool,
    /// Include parts dated in the future.
    #[arg(long)]
    future: bool,
    /// The date to build as of, YYYY-MM-DD [default: today].
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    today: Option<Date>,
    /// Absolute URL the site is deployed at; overrides base_url in series.toml.
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
}

#[derive(Args)]
struct BuildArgs {
    #[command(flatten)]
    select: SelectArgs,
    /// Output folder [default: ROOT/output].
    #[arg(long)]
    output: Option<PathBuf>,
    /// Build into a non-empty folder that quire has never built into.
    #[arg(long)]
    force: bool,
    /// Keep watching and rebuild on every change.
    #[arg(long)]
    watch: bool,
    /// Print the time each phase took (load, parse, links, index, render,
    /// write) and the most memory the build held at once.
    #[arg(long)]
    timings: bool,
    /// Also make an EPUB 3 book of the series, output/<series-title>.epub.
    #[arg(long)]
    epub: bool,
}

#[derive(Args)]
struct NewArgs {
    /// The part's title [default: the title of its [[forthcoming]] entry].
    title: Option<String>,
    /// Part number [default: the next free number].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    part: Option<u32>,
    /// Project root, the folder that holds series/.
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// The date to put in the part, YYYY-MM-DD [default: today].
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    today: Option<Date>,
}

fn parse_date(s: &str) -> Result<Date, String> {
    Date::parse(s).ok_or_else(|| format!("`{s}` is not a date written YYYY-MM-DD"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Build(args) => build(args),
        Command::Check(args) => check(args),
        Command::New(args) => new(args),
        Command::Serve(args) => serve(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            report_error(&err);
            ExitCode::from(err.exit_code() as u8)
        }
    }
}

fn options(select: SelectArgs, output: Option<PathBuf>, force: bool) -> BuildOptions {
    BuildOptions {
        root: select.root,
        output,
        drafts: select.drafts,
        future: select.future,
        today: select.today,
        base_url: select.base_url,
        force,
        epub: false,
    }
}

fn serve(args: ServeArgs) -> Result<(), BuildError> {
    let options = quire::serve::ServeOptions {
        build: BuildOptions {
            root: args.root,
            drafts: !args.no_drafts,
            future: !args.no_drafts,
            ..BuildOptions::default()
        },
        bind: args.bind,
        port: args.port,
    };
    if args.open {
        let url = format!("http://{}:{}/", options.bind, options.port);
        let _ = std::process::Command::new("xdg-open").arg(url).spawn();
    }
    quire::serve::serve(options)
}

fn build(args: BuildArgs) -> Result<(), BuildError> {
    let (watch, timings) = (args.watch, args.timings);
    let options = BuildOptions {
        epub: args.epub,
        ..options(args.select, args.output, args.force)
    };
    if watch {
        return quire::watch_and_build(&options, |result| match result {
            Ok(report) => print_built(&options, &report),
            Err(err) => report_error(&err),
        });
    }
    let report = quire::build_and_exit(&options)?;
    print_built(&options, &report);
    if timings {
        print_timings(&report);
    }
    Ok(())
}

fn print_built(options: &BuildOptions, report: &quire::BuildReport) {
    print_warnings(&report.site);
    let w = report.written;
    println!(
        "Built {}, {} files in {} ms -> {} ({} written, {} unchanged, {} removed)",
        parts_summary(&report.site),
        report.site.files,
        report.elapsed.as_millis(),
        quire::shown_path(&options.root, &report.output),
        w.written,
        w.unchanged,
        w.removed
    );
}

fn check(args: SelectArgs) -> Result<(), BuildError> {
    let options = options(args, None, false);
    let site = quire::check(&options)?;
    print_warnings(&site);
    println!(
        "Checked {}: no errors, {} warning{}; nothing written",
        parts_summary(&site),
        site.warnings.len(),
        if site.warnings.len() == 1 { "" } else { "s" }
    );
    Ok(())
}

fn new(args: NewArgs) -> Result<(), BuildError> {
    let today = args.today.unwrap_or_else(Date::today);
    let path = quire::newpart::create(&args.root, args.title.as_deref(), args.part, today)?;
    println!("{}", quire::diagnostics::display_path(&path));
    Ok(())
}

/// One line per phase, with its share of the whole build.
fn print_timings(report: &quire::BuildReport) {
    let total = report.elapsed.as_secs_f64().max(f64::EPSILON);
    for (phase, took) in &report.site.timings {
        let ms = took.as_secs_f64() * 1000.0;
        println!(
            "  {phase:<7} {ms:>9.2} ms {:>5.1}%",
            100.0 * took.as_secs_f64() / total
        );
    }
    println!("  {:<7} {:>9.2} ms", "total", total * 1000.0);
    if let Some(peak) = quire::memory::peak_resident() {
        println!(
            "  {:<7} {:>9.1} MB at the peak",
            "memory",
            peak as f64 / 1e6
        );
    }
}

/// `3 parts (1 draft skipped, 1 scheduled: next due 2027-01-05)`.
fn parts_summary(site: &Site) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut notes = Vec::new();
    if site.drafts_skipped > 0 {
        notes.push(format!("{} skipped", plural(site.drafts_skipped, "draft")));
    }
    if site.scheduled > 0 {
        let due = site
            .next_due
            .map(|d| format!(": next due {d}"))
            .unwrap_or_default();
        notes.push(format!("{} scheduled{due}", site.scheduled));
    }
    let notes = if notes.is_empty() {
        String::new()
    } else {
        format!(" ({})", notes.join(", "))
    };
    format!("{}{notes}", plural(site.parts, "part"))
}

fn print_warnings(site: &Site) {
    for warning in &site.warnings {
        eprintln!("{warning}");
    }
}

fn report_error(err: &BuildError) {
    match err {
        BuildError::Content(diags) => {
            let errors = diags
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .count();
            for d in diags {
                eprintln!("{d}");
            }
            eprintln!(
                "error: {errors} error{}; output left unchanged",
                if errors == 1 { "" } else { "s" }
            );
        }
        BuildError::Usage(message) | BuildError::Io(message) => eprintln!("error: {message}"),
    }
}
