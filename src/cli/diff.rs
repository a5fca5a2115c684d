//! `ckpt diff A B`: inspect both archives, each in one streaming pass that
//! reads only what the flags compare, and print what changed.

use std::io::{self, Write};
use std::path::Path;

use anyhow::Result;
use ckpt::diff::{DiffOptions, diff, tree};
use ckpt::inspect::{InspectedArchive, inspect};

use crate::cli::args::{DiffArgs, InspectFormat};
use crate::cli::{Exit, print_error, print_warning, read_each};

/// Run the command.
pub fn run(args: &DiffArgs) -> Result<Exit> {
    let options = DiffOptions {
        cmdline: args.ps_tree_cmd,
        environment: args.ps_tree_env,
        files: args.files,
        sockets: args.sockets,
        show_unchanged: args.show_unchanged,
    };
    if args.a == Path::new("-") && args.b == Path::new("-") {
        print_error("-: standard input can be read only once");
        return Ok(Exit::Failure);
    }
    // One after the other: when A cannot be read, B is not read at all, and
    // the one error line names A.
    let mut archives = Vec::new();
    for path in [&args.a, &args.b] {
        let (mut read, exit) = read_each(
            std::slice::from_ref(path),
            |source, display| inspect(source, display, options.inspect_options()),
            |archive: &InspectedArchive| &archive.warnings,
        );
        match read.pop() {
            Some(archive) if exit == Exit::Success => archives.push(archive),
            _ => return Ok(Exit::Failure),
        }
    }
    let [a, b] = archives.as_slice() else {
        return Ok(Exit::Failure);
    };
    let mut firsts = Vec::new();
    for archive in [a, b] {
        let name = &archive.report.archive;
        let Some(first) = archive.containers.first() else {
            print_error(&format!("{name}: holds no container to compare"));
            return Ok(Exit::Failure);
        };
        if archive.containers.len() > 1 {
            print_warning(&format!(
                "{name}: holds {} containers; only the first, {}, is compared",
                archive.containers.len(),
                first.container.container_name
            ));
        }
        firsts.push(first);
    }
    let result = diff(firsts[0], firsts[1], options);
    if !result.same_container() {
        let (ca, cb) = (&result.checkpoint_a, &result.checkpoint_b);
        print_warning(&format!(
            "{} and {} are checkpoints of different containers ({} {} and {} {}); \
             comparing them anyway",
            ca.archive,
            cb.archive,
            ca.container_name,
            ca.container_id,
            cb.container_name,
            cb.container_id
        ));
    }

    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match args.format {
        InspectFormat::Tree => tree::write(&mut out, &result)?,
        InspectFormat::Json => {
            // As an io::Error, a closed pipe is recognised as one.
            serde_json::to_writer_pretty(&mut out, &result).map_err(io::Error::from)?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(Exit::Success)
}
