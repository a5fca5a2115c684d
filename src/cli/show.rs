//! `ckpt show`.

use std::io::{self, Write};

use anyhow::Result;
use ckpt::report::{self, ArchiveReport};

use crate::cli::args::{ShowArgs, ShowFormat};
use crate::cli::{Exit, for_each_source, print_error, print_warning};

/// Scan every file, print the reports of those that could be read, and an
/// error line for each that could not.
pub fn run(args: &ShowArgs) -> Result<Exit> {
    let mut reports: Vec<ArchiveReport> = Vec::new();
    let exit = for_each_source(&args.files, |source, display| {
        match ckpt::show(source, display) {
            Ok(report) => {
                for warning in &report.warnings {
                    print_warning(&format!("{display}: {warning}"));
                }
                reports.push(report);
                true
            }
            Err(err) => {
                print_error(&format!("{display}: {:#}", anyhow::Error::new(err)));
                false
            }
        }
    });

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
