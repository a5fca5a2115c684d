//! `inspect`'s tree: the container's facts, then CRIU's statistics, the
//! metadata, the process tree with each process's environment, open files
//! and sockets, and the mounts, in checkpointctl's order and wording.

use std::io::{self, Write};

use crate::criu::processes::ProcessNode;
use crate::criu::sockets::tree_label;
use crate::inspect::{InspectOptions, InspectedArchive, InspectedContainer};
use crate::members::{DEVSHM_TAR, ROOTFS_DIFF_TAR};
use crate::metadata::time::rfc3339_utc;
use crate::nested::NestedListing;
use crate::report::tree::{Node, container_head, metadata_node};
use crate::report::units::{iec, micros};

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
    if let Some(listing) = &c.rootfs_diff {
        root.push(listing_node(ROOTFS_DIFF_TAR, "Root FS diff", listing));
        if !listing.deleted.is_empty() {
            let node = root.push(Node::leaf(format!(
                "Deleted files ({})",
                listing.deleted.len() as u64 + listing.more_deleted
            )));
            for path in &listing.deleted {
                node.push(Node::leaf(printable(path)));
            }
            if listing.more_deleted > 0 {
                node.push(Node::leaf(format!(
                    "… {} more (not listed)",
                    listing.more_deleted
                )));
            }
        }
    }
    if let Some(listing) = &c.devshm {
        root.push(listing_node(DEVSHM_TAR, "/dev/shm", listing));
    }
    root
}

/// A nested tar's files, one line each as `tar -tv` lists them: type and
/// permissions, owner, size in bytes (aligned), modification time, name.
fn listing_node(member: &str, title: &str, listing: &NestedListing) -> Node {
    let Some(compression) = listing.compression else {
        return Node::leaf(format!("{title}: no {member} in the archive"));
    };
    let stored = if compression == "gzip" { ", gzip" } else { "" };
    let mut node = Node::leaf(format!(
        "{title} ({member}{stored}): {} {}, {}",
        listing.total_files,
        if listing.total_files == 1 {
            "entry"
        } else {
            "entries"
        },
        iec(listing.total_size)
    ));
    let owners: Vec<String> = listing
        .files
        .iter()
        .map(|f| format!("{}/{}", f.uid, f.gid))
        .collect();
    let owner_width = owners.iter().map(String::len).max().unwrap_or(0);
    let size_width = listing
        .files
        .iter()
        .map(|f| f.size.to_string().len())
        .max()
        .unwrap_or(0);
    for (file, owner) in listing.files.iter().zip(&owners) {
        let target = match (&file.link, file.kind) {
            (Some(link), "symlink") => format!(" -> {}", printable(link)),
            (Some(link), _) => format!(" link to {}", printable(link)),
            (None, _) => String::new(),
        };
        node.push(Node::leaf(format!(
            "{} {owner:<owner_width$} {:>size_width$} {} {}{target}",
            ls_mode(file.kind, file.mode),
            file.size,
            rfc3339_utc(file.mtime),
            printable(&file.path)
        )));
    }
    if listing.more_files > 0 {
        node.push(Node::leaf(format!(
            "… {} more (not listed)",
            listing.more_files
        )));
    }
    node
}

/// A name from the archive, safe to print on a terminal: control
/// characters (an escape sequence in a hostile file name, a line break)
/// are escaped as Rust writes them (`\u{1b}`, `\n`).
fn printable(name: &str) -> String {
    if !name.chars().any(char::is_control) {
        return name.to_string();
    }
    let mut clean = String::with_capacity(name.len() + 8);
    for c in name.chars() {
        if c.is_control() {
            clean.extend(c.escape_default());
        } else {
            clean.push(c);
        }
    }
    clean
}

/// `ls -l`'s ten characters for a type and octal permission bits.
fn ls_mode(kind: &str, bits: u32) -> String {
    let mut text = String::with_capacity(10);
    text.push(match kind {
        "dir" => 'd',
        "symlink" => 'l',
        "file" | "hardlink" => '-',
        "char" => 'c',
        "block" => 'b',
        "fifo" => 'p',
        _ => '?',
    });
    // (read, write, execute) bits, and the special bit shown in the
    // execute place: set-user-id, set-group-id, sticky.
    for (shift, special, set, unset) in [
        (6, 0o4000, 's', 'S'),
        (3, 0o2000, 's', 'S'),
        (0, 0o1000, 't', 'T'),
    ] {
        let triple = (bits >> shift) & 7;
        text.push(if triple & 4 != 0 { 'r' } else { '-' });
        text.push(if triple & 2 != 0 { 'w' } else { '-' });
        let execute = triple & 1 != 0;
        text.push(match (bits & special != 0, execute) {
            (true, true) => set,
            (true, false) => unset,
            (false, true) => 'x',
            (false, false) => '-',
        });
    }
    text
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_read_as_ls_prints_them() {
        assert_eq!(ls_mode("file", 0o644), "-rw-r--r--");
        assert_eq!(ls_mode("dir", 0o1755), "drwxr-xr-t");
        assert_eq!(ls_mode("dir", 0o1754), "drwxr-xr-T");
        assert_eq!(ls_mode("file", 0o4755), "-rwsr-xr-x");
        assert_eq!(ls_mode("file", 0o2644), "-rw-r-Sr--");
        assert_eq!(ls_mode("symlink", 0o777), "lrwxrwxrwx");
        assert_eq!(ls_mode("char", 0o600), "crw-------");
        assert_eq!(ls_mode("fifo", 0), "p---------");
        assert_eq!(ls_mode("other", 0o644), "?rw-r--r--");
    }

    #[test]
    fn control_characters_in_names_are_escaped() {
        assert_eq!(printable("var/log/a b.txt"), "var/log/a b.txt");
        assert_eq!(printable("x\u{1b}[2Jy"), "x\\u{1b}[2Jy");
        assert_eq!(printable("two\nlines"), "two\\nlines");
    }
}
