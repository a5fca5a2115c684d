//! `ckpt show`.

use std::io::{self, Write};

use anyhow::Result;
use ckpt::report::{self, ArchiveReport};

use crate::cli::args::{ShowArgs, ShowFormat};
use crate::cli::{Exit, read_each};

/// Scan every file, print the reports of those that could be read, and an
/// error line for each that could not.
pub fn run(args: &ShowArgs) -> Result<Exit> {
    let (reports, exit) = read_each(&args.files, ckpt::show, |report: &ArchiveReport| {
        &report.warnings
    });
    // JSON is always an array, empty when no file could be read, so that
    // a script reads the same shape whatever happened (the exit code and
    // stderr say what).
    if reports.is_empty() && args.format != ShowFormat::Json {
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
