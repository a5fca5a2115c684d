//! `inspect`'s tree: the container's facts, then CRIU's statistics, the
//! metadata, the process tree with each process's environment, open files
//! and sockets, and the mounts, in checkpointctl's order and wording.

use std::io::{self, Write};

use crate::criu::processes::ProcessNode;
use crate::criu::sockets::tree_label;
use crate::inspect::{InspectOptions, InspectedArchive, InspectedContainer};
use crate::report::tree::{Node, container_head, metadata_node};
use crate::report::units::micros;

/// Write the tree of every container of every archive.
pub fn write(
    out: &mut dyn Write,
    archives: &[InspectedArchive],
    options: InspectOptions,
) -> io::Result<()> {
    for archive in archives {
        for container in &archive.containers {
            writeln!(
                out,
                "\nDisplaying container checkpoint tree view from {}\n",
                archive.report.archive
            )?;
            container_tree(container, options).write(out)?;
            // checkpointctl prints the tree's own final newline and one more.
            writeln!(out)?;
        }
    }
    Ok(())
}

/// The whole tree of one inspected container.
pub fn container_tree(c: &InspectedContainer, options: InspectOptions) -> Node {
    let mut root = container_head(&c.container);
    if let Some(stats) = &c.statistics {
        let node = root.push(Node::leaf("CRIU dump statistics"));
        for (label, value) in [
            ("Freezing time", micros(u64::from(stats.freezing_time))),
            ("Frozen time", micros(u64::from(stats.frozen_time))),
            ("Memdump time", micros(u64::from(stats.memdump_time))),
            ("Memwrite time", micros(u64::from(stats.memwrite_time))),
            ("Pages scanned", stats.pages_scanned.to_string()),
            ("Pages written", stats.pages_written.to_string()),
        ] {
            node.push(Node::leaf(format!("{label}: {value}")));
        }
    }
    if options.metadata
        && let Some(metadata) = metadata_node(&c.container)
    {
        root.push(metadata);
    }
    if let Some(tree) = &c.process_tree {
        let node = root.push(Node::leaf("Process tree"));
        node.push(process_node(c, tree, options));
    }
    if let Some(mounts) = &c.mounts {
        let node = root.push(Node::leaf("Overview of mounts"));
        for mount in mounts {
            let m = node.push(Node::leaf(format!("Destination: {}", mount.destination)));
            m.push(Node::leaf(format!("Type: {}", mount.kind)));
            m.push(Node::leaf(format!("Source: {}", mount.source)));
        }
    }
    root
}

fn process_node(c: &InspectedContainer, p: &ProcessNode, options: InspectOptions) -> Node {
    let tag = if p.task_state == "Alive" {
        p.pid.to_string()
    } else {
        format!("{} ({})", p.pid, p.task_state)
    };
    let text = match &p.cmdline {
        Some(cmdline) if options.cmdline && !cmdline.trim().is_empty() => cmdline.as_str(),
        _ => p.command.as_str(),
    };
    let mut node = Node::leaf(format!("[{tag}]  {text}"));
    if !p.has_resources {
        return node;
    }
    if !p.environment_in_order.is_empty() {
        let env = node.push(Node::leaf("Environment variables"));
        for var in &p.environment_in_order {
            env.push(Node::leaf(var.clone()));
        }
    }
    let files = c.file_descriptors.iter().flatten().find(|f| f.pid == p.pid);
    if let Some(files) = files.filter(|f| !f.open_files.is_empty()) {
        let branch = node.push(Node::leaf("Open files"));
        for file in &files.open_files {
            branch.push(Node::leaf(format!("[{}]  {}", file.fd, file.path)));
        }
    }
    let sockets = c.sockets.iter().flatten().find(|s| s.pid == p.pid);
    if let Some(sockets) = sockets.filter(|s| !s.open_sockets.is_empty()) {
        let branch = node.push(Node::leaf("Open sockets"));
        for socket in &sockets.open_sockets {
            let (label, text) = tree_label(socket);
            branch.push(Node::leaf(format!("[{label}]  {text}")));
        }
    }
    for child in &p.children {
        node.push(process_node(c, child, options));
    }
    node
}
