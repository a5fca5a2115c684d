//! A small program on ckpt's library API: what a checkpoint holds, its
//! processes with their command lines, and the largest members, in one
//! pass for the report and the processes plus one for the member sizes.
//!
//! `cargo run --example summary -- ARCHIVE` (`.tar`, `.tar.gz`, `.tar.zst`).

use std::path::Path;

use ckpt::criu::processes::ProcessNode;
use ckpt::report::units::iec;
use ckpt::{ArchiveInput, Entry, InspectOptions, Interest, Part, Source};

/// The largest members, found from the headers alone.
struct Largest {
    keep: usize,
    members: Vec<(u64, String)>,
}

impl Part for Largest {
    fn header(&mut self, entry: &Entry) -> ckpt::Result<Interest> {
        if entry.is_file() {
            self.members.push((entry.size, entry.name.clone()));
            // Largest first, ties by name; only `keep` of them held.
            self.members
                .sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
            self.members.truncate(self.keep);
        }
        Ok(Interest::Skip)
    }
}

fn print_tree(node: &ProcessNode, depth: usize) {
    let command = node.cmdline.as_deref().unwrap_or(&node.command).trim_end();
    println!(
        "{:indent$}{} {command}",
        "",
        node.pid,
        indent = 2 + depth * 2
    );
    for child in &node.children {
        print_tree(child, depth + 1);
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(path) = std::env::args().nth(1) else {
        return Err("usage: summary ARCHIVE".into());
    };
    let source = Source::Path(Path::new(&path));

    let options = InspectOptions {
        cmdline: true,
        ..InspectOptions::default()
    };
    let inspected = ckpt::inspect(source, &path, options)?;
    println!("{path}: {:?} archive", inspected.report.archive_type);
    for inspected in &inspected.containers {
        let container = &inspected.container;
        println!(
            "{} ({}, {}), {} of memory pages",
            container.container_name,
            container.image,
            container.engine,
            iec(container.checkpoint_size.memory_pages_size.unwrap_or(0))
        );
        if let Some(tree) = &inspected.process_tree {
            print_tree(tree, 0);
        }
    }
    for warning in &inspected.warnings {
        eprintln!("warning: {warning}");
    }

    let mut largest = Largest {
        keep: 5,
        members: Vec::new(),
    };
    ckpt::scan(ArchiveInput::open(source)?, &mut [&mut largest])?;
    println!("largest members:");
    for (size, name) in &largest.members {
        println!("  {:>10}  {name}", iec(*size));
    }
    Ok(())
}
