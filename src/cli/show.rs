//! `ckpt show`.

use std::io::{self, Write};
use std::path::Path;

use anyhow::Result;
use ckpt::archive::input::Source;
use ckpt::report::{self, ArchiveReport};

use crate::cli::args::{ShowArgs, ShowFormat};
use crate::cli::{Exit, print_error, print_warning};

/// Scan every file, print the reports of those that could be read, and an
/// error line for each that could not.
pub fn run(args: &ShowArgs) -> Result<Exit> {
    let mut reports: Vec<ArchiveReport> = Vec::new();
    let mut exit = Exit::Success;
    let mut stdin_used = false;

    for path in &args.files {
        let display = path.display().to_string();
        let source = if path == Path::new("-") {
            if stdin_used {
                print_error("-: standard input can be read only once");
                exit = Exit::Failure;
                continue;
            }
            stdin_used = true;
            Source::Stdin
        } else {
            Source::Path(path)
        };
        match ckpt::show(source, &display) {
            Ok(report) => {
                for warning in &report.warnings {
                    print_warning(&format!("{display}: {warning}"));
                }
                reports.push(report);
            }
            Err(err) => {
                print_error(&format!("{display}: {:#}", anyhow::Error::new(err)));
                exit = Exit::Failure;
            }
        }
    }

    if reports.is_empty() {
        return Ok(exit);
    }
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match args.format {
        ShowFormat::Table => report::table::write(&mut out, &reports)?,
        ShowFormat::Json => report::json::write(&mut out, &reports)?,
        ShowFormat::Tree => report::tree::write(&mut out, &reports)?,
    }
    out.flush()?;
    Ok(exit)
}
