//! The `quire` command line.

use clap::{Parser, Subcommand};
use quire::{BuildError, BuildOptions};
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
}

#[derive(clap::Args)]
struct BuildArgs {
    /// Project root, the folder that holds series/.
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Output folder [default: ROOT/output].
    #[arg(long)]
    output: Option<PathBuf>,
    /// Include draft parts (marked as drafts, not indexed by search engines).
    #[arg(long)]
    drafts: bool,
    /// Absolute URL the site is deployed at; overrides base_url in series.toml.
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// Build into a non-empty folder that quire has never built into.
    #[arg(long)]
    force: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build(args) => build(args),
    }
}

fn build(args: BuildArgs) -> ExitCode {
    let options = BuildOptions {
        root: args.root,
        output: args.output,
        drafts: args.drafts,
        base_url: args.base_url,
        force: args.force,
    };
    match quire::build(&options) {
        Ok(report) => {
            for warning in &report.site.warnings {
                eprintln!("{warning}");
            }
            let drafts = match report.site.drafts_skipped {
                0 => String::new(),
                1 => " (1 draft skipped)".to_string(),
                n => format!(" ({n} drafts skipped)"),
            };
            let w = report.written;
            println!(
                "Built {} part{}{drafts}, {} files in {} ms -> {} ({} written, {} unchanged, {} removed)",
                report.site.parts,
                if report.site.parts == 1 { "" } else { "s" },
                report.site.pages.len(),
                report.elapsed.as_millis(),
                quire::shown_path(&options.root, &report.output),
                w.written,
                w.unchanged,
                w.removed
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            report_error(&err);
            ExitCode::from(err.exit_code() as u8)
        }
    }
}

fn report_error(err: &BuildError) {
    match err {
        BuildError::Content(diags) => {
            let errors = diags
                .iter()
                .filter(|d| d.severity == quire::diagnostics::Severity::Error)
                .count();
            for d in diags {
                eprintln!("{d}");
            }
            eprintln!(
                "error: build failed with {errors} error{}; output left unchanged",
                if errors == 1 { "" } else { "s" }
            );
        }
        BuildError::Usage(message) => eprintln!("error: {message}"),
        BuildError::Io(message) => eprintln!("error: {message}"),
    }
}
