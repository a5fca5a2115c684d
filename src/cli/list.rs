//! `ckpt list`: the checkpoint archives in folders, one row per container,
//! as checkpointctl's `list` prints them. See [`ckpt::list`] for how little
//! of each archive is read.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::Result;
use ckpt::list::{self, Found, ListRow};

use crate::cli::args::{ListArgs, ListFormat};
use crate::cli::progress::Progress;
use crate::cli::{Exit, print_error, print_warning};

/// Find the archives of every folder, read them in parallel, print the
/// rows in file order, and an error line for each folder or archive that
/// could not be read.
pub fn run(args: &ListArgs) -> Result<Exit> {
    let mut exit = Exit::Success;
    let mut found: Vec<Found> = Vec::new();
    let mut searched: Vec<&PathBuf> = Vec::new();
    let default = [PathBuf::from(list::KUBELET_DIR)];
    let dirs = if args.dirs.is_empty() {
        &default[..]
    } else {
        &args.dirs[..]
    };
    for dir in dirs {
        match list::find(dir) {
            Ok(files) => {
                searched.push(dir);
                found.extend(files);
            }
            // Where the kubelet has never checkpointed, its folder does not
            // exist: there is simply nothing to list.
            Err(err) if args.dirs.is_empty() && err.kind() == io::ErrorKind::NotFound => {
                searched.push(dir);
            }
            Err(err) => {
                print_error(&format!("{}: cannot read the folder: {err}", dir.display()));
                exit = Exit::Failure;
            }
        }
    }

    let progress = Progress::start(&found.iter().map(|f| f.path.clone()).collect::<Vec<_>>());
    let results = list::read_all(&found, list::default_threads());
    drop(progress);
    let mut rows: Vec<ListRow> = Vec::new();
    for (file, result) in found.iter().zip(results) {
        let display = file.path.display();
        match result {
            Ok(listed) => {
                for warning in &listed.warnings {
                    print_warning(&format!("{display}: {warning}"));
                }
                rows.extend(listed.rows);
            }
            Err(err) => {
                print_error(&format!("{display}: {:#}", anyhow::Error::new(err)));
                exit = Exit::Failure;
            }
        }
    }

    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match args.format {
        ListFormat::Json => list::write_json(&mut out, &rows)?,
        ListFormat::Table if found.is_empty() && !searched.is_empty() => {
            writeln!(
                out,
                "No `{}*` archives in {}",
                list::NAME_PREFIX,
                joined(&searched)
            )?;
        }
        ListFormat::Table if !rows.is_empty() => {
            // Rows of several folders name their files by path, or two
            // folders' rows could not be told apart.
            let several = dirs.len() > 1;
            if let [dir] = dirs {
                writeln!(out, "\nCheckpoint archives in {}\n", dir.display())?;
            }
            list::write_table(&mut out, &rows, several)?;
        }
        // Every archive failed, or every folder: the errors said it all.
        ListFormat::Table => {}
    }
    out.flush()?;
    Ok(exit)
}

fn joined(dirs: &[&PathBuf]) -> String {
    let names: Vec<String> = dirs.iter().map(|d| Path::display(d).to_string()).collect();
    names.join(", ")
}
