//! `ckpt inspect`.

use std::io::{self, Write};

use anyhow::Result;
use ckpt::inspect::{InspectOptions, InspectedArchive, InspectedContainer, inspect};
use ckpt::report::inspect_tree;

use crate::cli::args::{InspectArgs, InspectFormat};
use crate::cli::{Exit, for_each_source, print_error, print_warning};

/// Inspect every file, print what could be read, and an error line for
/// each file that could not.
pub fn run(args: &InspectArgs) -> Result<Exit> {
    let options = options(args);
    let mut archives: Vec<InspectedArchive> = Vec::new();
    let exit = for_each_source(&args.files_to_inspect, |source, display| {
        match inspect(source, display, options) {
            Ok(archive) => {
                for warning in &archive.warnings {
                    print_warning(&format!("{display}: {warning}"));
                }
                archives.push(archive);
                true
            }
            Err(err) => {
                print_error(&format!("{display}: {:#}", anyhow::Error::new(err)));
                false
            }
        }
    });

    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match args.format {
        InspectFormat::Tree => inspect_tree::write(&mut out, &archives, options.resolved())?,
        InspectFormat::Json => {
            if !archives.is_empty() {
                let all: Vec<&InspectedContainer> =
                    archives.iter().flat_map(|a| &a.containers).collect();
                serde_json::to_writer_pretty(&mut out, &all)?;
                writeln!(out)?;
            }
        }
    }
    out.flush()?;
    Ok(exit)
}

fn options(args: &InspectArgs) -> InspectOptions {
    if args.all {
        return InspectOptions {
            pid: args.pid,
            ..InspectOptions::all()
        };
    }
    InspectOptions {
        ps_tree: args.ps_tree,
        cmdline: args.ps_tree_cmd,
        environment: args.ps_tree_env,
        files: args.files,
        sockets: args.sockets,
        mounts: args.mounts,
        stats: args.stats,
        metadata: args.metadata,
        pid: args.pid,
    }
}
