//! `diff --format tree`: checkpointctl's boxed layout, so that its users
//! read the same screen. A header box names the container, then come both
//! checkpoints' times and sizes, a box per kind of change (memory, process
//! tree, then command lines, environments, files and sockets when they were
//! compared), and the summary. Content lines have no right border, as in
//! checkpointctl, so long paths and command lines are printed whole.

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::criu::processes::ProcessNode;
use crate::diff::{CheckpointDiff, FieldChange, FileInfo, ProcessInfo, SocketInfo};
use crate::report::style;
use crate::report::tree::Node;

/// Width of the header box, in characters.
const HEADER_WIDTH: usize = 66;
/// Width of most section boxes.
const WIDTH: usize = 64;
/// checkpointctl draws the socket box wider, for its columns.
const SOCKET_WIDTH: usize = 73;
/// Indentation of the lines below a process line.
const DETAIL: &str = "│             ";

/// Write the whole diff.
pub fn write(out: &mut dyn Write, d: &CheckpointDiff) -> io::Result<()> {
    header(out, d)?;
    memory(out, d)?;
    processes(out, d)?;
    if d.options.cmdline {
        command_lines(out, d)?;
    }
    if d.options.environment {
        environments(out, d)?;
    }
    if let Some(files) = &d.file_changes {
        open_box(out, "File Descriptor Changes", WIDTH)?;
        let none = files.added.is_empty()
            && files.removed.is_empty()
            && files.unchanged.as_ref().is_none_or(Vec::is_empty);
        if none {
            writeln!(out, "│ = No change")?;
        }
        file_list(out, "Added", '+', &files.added)?;
        file_list(out, "Removed", '-', &files.removed)?;
        file_list(
            out,
            "Unchanged",
            '=',
            files.unchanged.as_deref().unwrap_or_default(),
        )?;
        close_box(out, WIDTH)?;
    }
    if let Some(sockets) = &d.socket_changes {
        open_box(out, "Socket Changes", SOCKET_WIDTH)?;
        let unchanged = sockets.unchanged.as_deref().unwrap_or_default();
        let rows = [
            ('+', &sockets.added[..]),
            ('-', &sockets.removed),
            ('=', unchanged),
        ];
        if rows.iter().all(|(_, list)| list.is_empty()) {
            writeln!(out, "│ = No change")?;
        } else {
            writeln!(
                out,
                "│     {:<5} {:<5} {:<12} {:<21} PEER",
                "PID", "PROTO", "STATE", "LOCAL"
            )?;
            for (marker, list) in rows {
                for s in list {
                    socket_row(out, marker, s)?;
                }
            }
        }
        close_box(out, SOCKET_WIDTH)?;
    }
    writeln!(out, "Summary:")?;
    writeln!(out, "{}", d.summary)
}

fn header(out: &mut dyn Write, d: &CheckpointDiff) -> io::Result<()> {
    let rule = "═".repeat(HEADER_WIDTH - 2);
    writeln!(out, "╔{rule}╗")?;
    writeln!(out, "║ {:<62} ║", "Checkpoint Diff")?;
    writeln!(out, "╠{rule}╣")?;
    for (label, value) in [
        ("Container:", &d.container_name),
        ("Image:", &d.image),
        ("ID:", &d.container_id),
    ] {
        writeln!(out, "║ {label:<11}{:<51} ║", truncate(value, 51))?;
    }
    writeln!(out, "╚{rule}╝")?;
    writeln!(out)?;
    for (name, side) in [("A", &d.checkpoint_a), ("B", &d.checkpoint_b)] {
        writeln!(out, "Checkpoint {name}:")?;
        writeln!(out, "  Created: {}", side.created)?;
        writeln!(out, "  Size:    {} bytes", side.total_size)?;
        writeln!(out)?;
    }
    Ok(())
}

fn memory(out: &mut dyn Write, d: &CheckpointDiff) -> io::Result<()> {
    open_box(out, "Memory Changes", WIDTH)?;
    let change = &d.memory_changes;
    if change.size_change_bytes == 0 {
        writeln!(out, "│ = No change")?;
    } else {
        let (arrow, verb) = if change.size_change_bytes > 0 {
            ("↑", "Increased")
        } else {
            ("↓", "Decreased")
        };
        writeln!(
            out,
            "│ {arrow} {verb} by {:.2} MB",
            change.size_change_mb.abs()
        )?;
        // MB with two decimals hides a change of a few pages.
        writeln!(
            out,
            "│   memory pages: {} → {} bytes",
            d.checkpoint_a.memory_pages_size, d.checkpoint_b.memory_pages_size
        )?;
    }
    close_box(out, WIDTH)
}

fn processes(out: &mut dyn Write, d: &CheckpointDiff) -> io::Result<()> {
    open_box(out, "Process Tree", WIDTH)?;
    let p = &d.process_changes;
    if let (Some(_), Some(tree)) = (&p.unchanged, &d.tree_b) {
        // Every process of B, marked, then what B no longer has.
        let mut markers: BTreeMap<u32, (char, Vec<String>)> = BTreeMap::new();
        for info in &p.added {
            markers.insert(info.pid, ('+', Vec::new()));
        }
        for change in &p.changed {
            let notes = change.changes.iter().filter(|c| is_identity(c));
            let notes = notes.map(|c| format!("{}: {}", c.field, before_after(c)));
            markers.insert(change.pid, ('~', notes.collect()));
        }
        let mut root = Node::leaf("Process tree");
        root.push(annotated(&markers, tree));
        let mut text = Vec::new();
        root.write(&mut text)?;
        for line in String::from_utf8_lossy(&text).lines() {
            writeln!(out, "│ {line}")?;
        }
        process_list(out, d, "Removed", '-', &p.removed)?;
    } else if p.added.is_empty() && p.removed.is_empty() && p.modified.is_empty() {
        writeln!(out, "│ = No change")?;
    } else {
        process_list(out, d, "Added", '+', &p.added)?;
        process_list(out, d, "Removed", '-', &p.removed)?;
        if !p.modified.is_empty() {
            writeln!(out, "│ Modified:")?;
            for change in &p.changed {
                let marker = style::marker('~');
                writeln!(out, "│   {marker} PID {:<5} {}", change.pid, change.command)?;
                for c in change.changes.iter().filter(|c| is_identity(c)) {
                    writeln!(out, "{DETAIL}{}: {}", c.field, before_after(c))?;
                }
            }
        }
    }
    close_box(out, WIDTH)
}

/// Whether a change is to the process's name or state, which the process
/// box details; command lines and environments have their own boxes.
fn is_identity(c: &FieldChange) -> bool {
    c.field == "command" || c.field == "task_state"
}

fn before_after(c: &FieldChange) -> String {
    let side = |v: &Option<String>| v.clone().unwrap_or_default();
    format!("{} → {}", side(&c.before), side(&c.after))
}

fn process_list(
    out: &mut dyn Write,
    d: &CheckpointDiff,
    title: &str,
    marker: char,
    list: &[ProcessInfo],
) -> io::Result<()> {
    if list.is_empty() {
        return Ok(());
    }
    writeln!(out, "│ {title}:")?;
    for p in list {
        let marker = style::marker(marker);
        writeln!(out, "│   {marker} PID {:<5} {}", p.pid, p.command)?;
        if d.options.cmdline
            && let Some(cmdline) = &p.cmdline
        {
            writeln!(out, "{DETAIL}{}", cmdline.trim_end())?;
        }
    }
    Ok(())
}

/// B's tree, each process marked `+` (added), `~` (modified, with what
/// changed in its name or state) or `=` (unchanged).
fn annotated(markers: &BTreeMap<u32, (char, Vec<String>)>, node: &ProcessNode) -> Node {
    let (marker, notes) = markers
        .get(&node.pid)
        .map_or(('=', &[][..]), |(m, notes)| (*m, &notes[..]));
    let name = node
        .cmdline
        .as_deref()
        .map_or(&node.command[..], str::trim_end);
    let mut label = format!("[{} PID {}]  {name}", style::marker(marker), node.pid);
    if !notes.is_empty() {
        label.push_str(&format!(" ({})", notes.join(", ")));
    }
    let mut branch = Node::leaf(label);
    for child in &node.children {
        branch.push(annotated(markers, child));
    }
    branch
}

/// The processes found in both checkpoints, by PID, with what changed.
fn in_both(d: &CheckpointDiff) -> Vec<(&ProcessInfo, &[FieldChange])> {
    let p = &d.process_changes;
    let mut all: Vec<(&ProcessInfo, &[FieldChange])> = p
        .modified
        .iter()
        .zip(&p.changed)
        .map(|(info, change)| (info, &change.changes[..]))
        .collect();
    all.extend(p.unchanged.iter().flatten().map(|info| (info, &[][..])));
    all.sort_by_key(|(info, _)| info.pid);
    all
}

fn command_lines(out: &mut dyn Write, d: &CheckpointDiff) -> io::Result<()> {
    open_box(out, "Command Line Changes", WIDTH)?;
    let mut any = false;
    for (info, changes) in in_both(d) {
        let change = changes.iter().find(|c| c.field == "cmdline");
        if let Some(c) = change {
            let (changed, before, after) =
                (style::marker('~'), style::marker('-'), style::marker('+'));
            writeln!(out, "│ {changed} PID {:<5} {}", info.pid, info.command)?;
            let line = |v: &Option<String>| v.as_deref().unwrap_or_default().trim_end().to_string();
            writeln!(out, "│   {before} {}", line(&c.before))?;
            writeln!(out, "│   {after} {}", line(&c.after))?;
        } else if d.options.show_unchanged {
            writeln!(out, "│ = PID {:<5} {}", info.pid, info.command)?;
            let cmdline = info.cmdline.as_deref().unwrap_or_default();
            writeln!(out, "│     {}", cmdline.trim_end())?;
        } else {
            continue;
        }
        any = true;
    }
    if !any {
        writeln!(out, "│ = No change")?;
    }
    close_box(out, WIDTH)
}

fn environments(out: &mut dyn Write, d: &CheckpointDiff) -> io::Result<()> {
    open_box(out, "Environment Changes", WIDTH)?;
    let mut any = false;
    for (info, changes) in in_both(d) {
        let variables: Vec<&FieldChange> =
            changes.iter().filter(|c| c.variable().is_some()).collect();
        if !variables.is_empty() {
            let changed = style::marker('~');
            writeln!(out, "│ {changed} PID {:<5} {}", info.pid, info.command)?;
            for c in variables {
                let name = c.variable().unwrap_or_default();
                if let Some(before) = &c.before {
                    writeln!(out, "│   {} {name}={before}", style::marker('-'))?;
                }
                if let Some(after) = &c.after {
                    writeln!(out, "│   {} {name}={after}", style::marker('+'))?;
                }
            }
        } else if d.options.show_unchanged {
            let count = info.environment_variables.as_ref().map_or(0, |e| e.len());
            writeln!(
                out,
                "│ = PID {:<5} {} ({count} variables)",
                info.pid, info.command
            )?;
        } else {
            continue;
        }
        any = true;
    }
    if !any {
        writeln!(out, "│ = No change")?;
    }
    close_box(out, WIDTH)
}

fn file_list(out: &mut dyn Write, title: &str, marker: char, list: &[FileInfo]) -> io::Result<()> {
    if list.is_empty() {
        return Ok(());
    }
    writeln!(out, "│ {title}:")?;
    for f in list {
        let marker = style::marker(marker);
        writeln!(out, "│   {marker} PID {:<5} {:<8} {}", f.pid, f.fd, f.path)?;
    }
    Ok(())
}

/// One row of the socket table, with checkpointctl's columns.
fn socket_row(out: &mut dyn Write, marker: char, s: &SocketInfo) -> io::Result<()> {
    let (state, local, peer) = match s.kind.as_str() {
        "TCP" | "UDP" => {
            let peer = if s.dst_port > 0 {
                format!("{}:{}", s.dest, s.dst_port)
            } else {
                "-".to_string()
            };
            let state = if s.state.is_empty() { "-" } else { &s.state };
            (
                state.to_string(),
                format!("{}:{}", s.source, s.src_port),
                peer,
            )
        }
        "UNIX" if s.address.is_empty() => ("-".to_string(), "@".to_string(), "-".to_string()),
        "UNIX" => ("-".to_string(), s.address.clone(), "-".to_string()),
        _ => ("-".to_string(), "-".to_string(), "-".to_string()),
    };
    let marker = style::marker(marker);
    writeln!(
        out,
        "│  {marker}  {:<5} {:<5} {state:<12} {local:<21} {peer}",
        s.pid, s.protocol
    )
}

fn open_box(out: &mut dyn Write, title: &str, width: usize) -> io::Result<()> {
    let rule = "─".repeat(width.saturating_sub(5 + title.chars().count()));
    writeln!(out, "┌─ {title} {rule}┐")
}

fn close_box(out: &mut dyn Write, width: usize) -> io::Result<()> {
    writeln!(out, "└{}┘", "─".repeat(width - 2))
}

/// At most `max` characters, the last three `...` when cut (checkpointctl
/// cuts bytes; this cuts characters, so never inside one).
fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let kept: String = s.chars().take(max.saturating_sub(3)).collect();
    format!("{kept}...")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::tests::{container, node};
    use crate::diff::{DiffOptions, diff};

    fn text(d: &CheckpointDiff) -> String {
        let mut out = Vec::new();
        write(&mut out, d).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// The lines of the box titled `title`, without its frame.
    fn section(text: &str, title: &str) -> Vec<String> {
        let start = format!("┌─ {title} ");
        let lines: Vec<&str> = text.lines().collect();
        let Some(first) = lines.iter().position(|l| l.starts_with(&start)) else {
            return Vec::new();
        };
        lines[first + 1..]
            .iter()
            .take_while(|l| !l.starts_with('└'))
            .map(|l| l.to_string())
            .collect()
    }

    fn options(f: impl FnOnce(&mut DiffOptions)) -> DiffOptions {
        let mut options = DiffOptions::default();
        f(&mut options);
        options
    }

    #[test]
    fn the_header_pads_and_cuts_by_character() {
        let mut a = container("ünïcödé", node(1, "sh", "sh ", &[]));
        a.container.image = "i".repeat(60);
        let out = text(&diff(&a, &a, DiffOptions::default()));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[3], format!("║ Container: {:<51} ║", "ünïcödé"));
        assert_eq!(lines[4], format!("║ Image:     {}... ║", "i".repeat(48)));
        assert!(lines[..7].iter().all(|l| l.chars().count() == HEADER_WIDTH));
        assert_eq!(section(&out, "Process Tree"), ["│ = No change"]);
        assert!(out.ends_with("Summary:\nCheckpoint comparison for container ünïcödé\n"));
    }

    #[test]
    fn memory_growth_and_shrinkage_are_told_with_bytes() {
        let a = container("c", node(1, "sh", "sh ", &[]));
        let mut b = a.clone();
        b.container.checkpoint_size.memory_pages_size = Some(4096 + 2 * 1024 * 1024);
        let grew = text(&diff(&a, &b, DiffOptions::default()));
        assert_eq!(
            section(&grew, "Memory Changes"),
            [
                "│ ↑ Increased by 2.00 MB",
                "│   memory pages: 4096 → 2101248 bytes"
            ]
        );
        let shrank = text(&diff(&b, &a, DiffOptions::default()));
        assert_eq!(
            section(&shrank, "Memory Changes")[0],
            "│ ↓ Decreased by 2.00 MB"
        );
    }

    #[test]
    fn changes_to_a_process_are_detailed_in_their_own_boxes() {
        let mut root_a = node(1, "sh", "sh -c old ", &[("A", "1"), ("B", "2")]);
        root_a.children = vec![node(5, "sleep", "sleep 1 ", &[])];
        let mut root_b = node(1, "bash", "bash -c new ", &[("A", "1"), ("B", "3")]);
        root_b.children = vec![node(9, "nc", "nc -l ", &[])];
        let (a, b) = (container("c", root_a), container("c", root_b));
        let d = diff(
            &a,
            &b,
            options(|o| {
                o.cmdline = true;
                o.environment = true;
            }),
        );
        let out = text(&d);
        assert_eq!(
            section(&out, "Process Tree"),
            [
                "│ Added:",
                "│   + PID 9     nc",
                "│             nc -l",
                "│ Removed:",
                "│   - PID 5     sleep",
                "│             sleep 1",
                "│ Modified:",
                "│   ~ PID 1     bash",
                "│             command: sh → bash",
            ]
        );
        assert_eq!(
            section(&out, "Command Line Changes"),
            ["│ ~ PID 1     bash", "│   - sh -c old", "│   + bash -c new"]
        );
        assert_eq!(
            section(&out, "Environment Changes"),
            ["│ ~ PID 1     bash", "│   - B=2", "│   + B=3"]
        );
        assert!(section(&out, "File Descriptor Changes").is_empty());
    }

    #[test]
    fn show_unchanged_marks_the_tree_of_b() {
        let mut root_a = node(1, "sh", "sh ", &[]);
        root_a.children = vec![node(5, "sleep", "sleep 1 ", &[]), node(6, "a", "a ", &[])];
        let mut root_b = node(1, "sh", "sh ", &[]);
        root_b.children = vec![node(6, "b", "b ", &[]), node(9, "nc", "nc ", &[])];
        let (a, b) = (container("c", root_a), container("c", root_b));
        let out = text(&diff(&a, &b, options(|o| o.show_unchanged = true)));
        assert_eq!(
            section(&out, "Process Tree"),
            [
                "│ Process tree",
                "│ └── [= PID 1]  sh",
                "│     ├── [~ PID 6]  b (command: a → b)",
                "│     └── [+ PID 9]  nc",
                "│ Removed:",
                "│   - PID 5     sleep",
            ]
        );
    }

    #[test]
    fn files_and_sockets_boxes_say_when_nothing_changed() {
        let a = container("c", node(1, "sh", "sh ", &[]));
        let out = text(&diff(
            &a,
            &a,
            options(|o| {
                o.files = true;
                o.sockets = true;
            }),
        ));
        assert_eq!(section(&out, "File Descriptor Changes"), ["│ = No change"]);
        assert_eq!(section(&out, "Socket Changes"), ["│ = No change"]);
        let socket_box = out.lines().find(|l| l.starts_with("┌─ Socket")).unwrap();
        assert_eq!(socket_box.chars().count(), SOCKET_WIDTH);
    }

    #[test]
    fn socket_rows_have_checkpointctls_columns() {
        let socket = |kind: &str, address: &str| SocketInfo {
            pid: 7,
            protocol: if kind == "UNIX" { "DGRAM" } else { kind }.to_string(),
            kind: kind.to_string(),
            address: address.to_string(),
            state: if kind == "TCP" { "LISTEN" } else { "" }.to_string(),
            source: "0.0.0.0".to_string(),
            src_port: 8080,
            dest: "0.0.0.0".to_string(),
            dst_port: 0,
        };
        let row = |s: &SocketInfo| {
            let mut out = Vec::new();
            socket_row(&mut out, '+', s).unwrap();
            String::from_utf8(out).unwrap()
        };
        assert_eq!(
            row(&socket("TCP", "")),
            "│  +  7     TCP   LISTEN       0.0.0.0:8080          -\n"
        );
        let mut connected = socket("UDP", "");
        connected.dst_port = 53;
        assert_eq!(
            row(&connected),
            "│  +  7     UDP   -            0.0.0.0:8080          0.0.0.0:53\n"
        );
        assert_eq!(
            row(&socket("UNIX", "")),
            "│  +  7     DGRAM -            @                     -\n"
        );
        assert_eq!(
            row(&socket("UNIX", "/dev/log")),
            "│  +  7     DGRAM -            /dev/log              -\n"
        );
    }
}
