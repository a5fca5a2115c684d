//! `ckpt inspect`.

use std::io::{self, Write};

use anyhow::Result;
use ckpt::inspect::{InspectOptions, InspectedArchive, InspectedContainer, inspect};
use ckpt::nested::Order;
use ckpt::report::inspect_tree;

use crate::cli::args::{InspectArgs, InspectFormat, SortOrder};
use crate::cli::{Exit, read_each};

/// Inspect every file, print what could be read, and an error line for
/// each file that could not.
pub fn run(args: &InspectArgs) -> Result<Exit> {
    let options = options(args);
    let (archives, exit) = read_each(
        &args.files_to_inspect,
        |source, display| inspect(source, display, options),
        |archive: &InspectedArchive| &archive.warnings,
    );

    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match args.format {
        InspectFormat::Tree => inspect_tree::write(&mut out, &archives, options.resolved())?,
        InspectFormat::Json => {
            // Always an array, empty when nothing could be read.
            let all: Vec<&InspectedContainer> =
                archives.iter().flat_map(|a| &a.containers).collect();
            // As an io::Error, a closed pipe is recognised as one.
            serde_json::to_writer_pretty(&mut out, &all).map_err(io::Error::from)?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(exit)
}

fn options(args: &InspectArgs) -> InspectOptions {
    let order = match args.sort {
        SortOrder::Archive => Order::Archive,
        SortOrder::Size => Order::Size,
    };
    if args.all {
        return InspectOptions {
            pid: args.pid,
            rootfs_diff: args.rootfs_diff,
            devshm: args.devshm,
            order,
            ..InspectOptions::all()
        };
    }
    InspectOptions {
        rootfs_diff: args.rootfs_diff,
        devshm: args.devshm,
        order,
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
