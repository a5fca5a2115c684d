//! `show --format json`: one array of every container of every archive.

use std::io::{self, Write};

use crate::report::model::{ArchiveReport, ContainerReport};

/// Write the containers of `reports` as one pretty-printed JSON array.
pub fn write(out: &mut dyn Write, reports: &[ArchiveReport]) -> io::Result<()> {
    let containers: Vec<&ContainerReport> = reports.iter().flat_map(|r| &r.containers).collect();
    serde_json::to_writer_pretty(&mut *out, &containers)?;
    writeln!(out)
}
