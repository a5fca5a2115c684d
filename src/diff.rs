//! `diff`: what changed between two checkpoints of one container.
//!
//! Checkpointing the same container twice (before and after an incident, or
//! on two nodes) and asking what differs is a common question; answering it
//! from two `inspect` reports needs no extraction and no second pass, so the
//! comparison here is a pure function of two [`InspectedContainer`]s. It
//! keeps checkpointctl's JSON keys (`process_changes`, `file_changes`,
//! `memory_changes`, `socket_changes`, `summary`) and adds what checkpointctl
//! leaves out: what exactly changed in each process (`changed`), the
//! identity and sizes of both sides, and the root file system diff's change.
//!
//! Processes are matched by PID: a PID in both checkpoints is the same
//! process, flagged as modified when its name or state differs, or its
//! command line or environment does (when those were read). Files and
//! sockets are matched by all they show, as multisets, so that two
//! identical unnamed sockets of one process are not folded into one.

pub mod tree;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::criu::processes::ProcessNode;
use crate::criu::sockets::Socket;
use crate::inspect::{InspectOptions, InspectedContainer, ProcessFiles, ProcessSockets};
use crate::report::model::ContainerReport;

/// What to compare, as `ckpt diff`'s flags select it. The process tree
/// (names and states) is always compared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DiffOptions {
    /// Compare command lines (`--ps-tree-cmd`).
    pub cmdline: bool,
    /// Compare environments (`--ps-tree-env`).
    pub environment: bool,
    /// Compare open files (`--files`).
    pub files: bool,
    /// Compare sockets (`--sockets`).
    pub sockets: bool,
    /// Also list what did not change (`--show-unchanged`).
    pub show_unchanged: bool,
}

impl DiffOptions {
    /// What `inspect` must read from each archive: the process tree always,
    /// the rest only when it is compared.
    pub fn inspect_options(self) -> InspectOptions {
        InspectOptions {
            ps_tree: true,
            cmdline: self.cmdline,
            environment: self.environment,
            files: self.files,
            sockets: self.sockets,
            ..InspectOptions::default()
        }
    }
}

/// The difference between checkpoint A (earlier) and B (later), keyed as
/// checkpointctl's `diff --format json`.
#[derive(Debug, Clone, Serialize)]
pub struct CheckpointDiff {
    /// A's container ID.
    pub container_id: String,
    /// A's container name.
    pub container_name: String,
    /// A's image.
    pub image: String,
    /// Checkpoint A.
    pub checkpoint_a: CheckpointInfo,
    /// Checkpoint B.
    pub checkpoint_b: CheckpointInfo,
    /// Processes added, removed, modified (and unchanged).
    pub process_changes: ProcessChanges,
    /// Open files opened and closed; with `--files` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_changes: Option<FileChanges>,
    /// Change of the memory pages' size, B minus A.
    pub memory_changes: SizeChange,
    /// Sockets opened and closed; with `--sockets` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub socket_changes: Option<SocketChanges>,
    /// Change of `rootfs-diff.tar`'s size, B minus A (not in checkpointctl).
    pub root_fs_diff_changes: SizeChange,
    /// checkpointctl's summary: a line naming the container, then one line
    /// per kind of change that has any.
    pub summary: String,
    /// What was compared.
    #[serde(skip)]
    pub options: DiffOptions,
    /// B's process tree, for the annotated tree of `--show-unchanged`.
    #[serde(skip)]
    pub tree_b: Option<ProcessNode>,
}

impl CheckpointDiff {
    /// Whether A and B are checkpoints of the same container (same ID).
    pub fn same_container(&self) -> bool {
        self.checkpoint_a.container_id == self.checkpoint_b.container_id
    }
}

/// One side of the diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckpointInfo {
    /// Creation time of the container, as `show` prints it.
    pub created: String,
    /// Bytes under `checkpoint/`.
    pub total_size: u64,
    /// The archive as given (not in checkpointctl).
    pub archive: String,
    /// Its container ID (not in checkpointctl).
    pub container_id: String,
    /// Its container name (not in checkpointctl).
    pub container_name: String,
    /// Bytes of memory pages (not in checkpointctl).
    pub memory_pages_size: u64,
    /// Bytes of `rootfs-diff.tar` (not in checkpointctl).
    pub root_fs_diff_size: u64,
}

impl CheckpointInfo {
    fn of(c: &ContainerReport) -> CheckpointInfo {
        let size = &c.checkpoint_size;
        CheckpointInfo {
            created: c.created.clone(),
            total_size: size.total_size.unwrap_or(0),
            archive: c.archive.clone(),
            container_id: c.id.clone(),
            container_name: c.container_name.clone(),
            memory_pages_size: size.memory_pages_size.unwrap_or(0),
            root_fs_diff_size: size.root_fs_diff_size.unwrap_or(0),
        }
    }
}

/// A size change, B minus A.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SizeChange {
    /// In bytes.
    pub size_change_bytes: i64,
    /// In MiB (checkpointctl's "MB").
    pub size_change_mb: f64,
}

impl SizeChange {
    fn between(a: u64, b: u64) -> SizeChange {
        let delta = i128::from(b) - i128::from(a);
        let bytes = i64::try_from(delta).unwrap_or(if delta < 0 { i64::MIN } else { i64::MAX });
        SizeChange {
            size_change_bytes: bytes,
            size_change_mb: bytes as f64 / 1024.0 / 1024.0,
        }
    }
}

/// The processes of the two trees, matched by PID, each list by PID.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProcessChanges {
    /// In B only.
    pub added: Vec<ProcessInfo>,
    /// In A only.
    pub removed: Vec<ProcessInfo>,
    /// In both, with a difference; as in B (checkpointctl's list).
    pub modified: Vec<ProcessInfo>,
    /// What differs in each modified process (not in checkpointctl).
    pub changed: Vec<ProcessChange>,
    /// In both, without a difference; with `--show-unchanged` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unchanged: Option<Vec<ProcessInfo>>,
}

/// A process, as checkpointctl lists it in a diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProcessInfo {
    /// PID inside the container.
    pub pid: u32,
    /// Its name (`comm`).
    pub command: String,
    /// Its command line, with `--ps-tree-cmd`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cmdline: Option<String>,
    /// Its environment, with `--ps-tree-env`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment_variables: Option<BTreeMap<String, String>>,
}

impl ProcessInfo {
    fn of(node: &ProcessNode) -> ProcessInfo {
        ProcessInfo {
            pid: node.pid,
            command: node.command.clone(),
            cmdline: node.cmdline.clone(),
            environment_variables: node.environment_variables.clone(),
        }
    }
}

/// What differs in one process found in both checkpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProcessChange {
    /// PID inside the container.
    pub pid: u32,
    /// Its name in B.
    pub command: String,
    /// Each difference.
    pub changes: Vec<FieldChange>,
}

/// One difference: a field's value in A and in B.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// `command`, `task_state`, `cmdline`, or `environment_variables.NAME`.
    pub field: String,
    /// The value in A; absent for a variable B added.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// The value in B; absent for a variable B no longer has.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// The prefix of an environment variable's [`FieldChange::field`].
pub const ENV_FIELD: &str = "environment_variables.";

impl FieldChange {
    fn new(field: impl Into<String>, before: Option<&str>, after: Option<&str>) -> FieldChange {
        FieldChange {
            field: field.into(),
            before: before.map(str::to_string),
            after: after.map(str::to_string),
        }
    }

    /// The variable's name, when this is an environment change.
    pub fn variable(&self) -> Option<&str> {
        self.field.strip_prefix(ENV_FIELD)
    }
}

/// Open files opened and closed, each list by PID then descriptor order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FileChanges {
    /// Open in B only.
    pub added: Vec<FileInfo>,
    /// Open in A only.
    pub removed: Vec<FileInfo>,
    /// Open in both; with `--show-unchanged` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unchanged: Option<Vec<FileInfo>>,
}

/// An open file of a process, keyed as checkpointctl's diff.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct FileInfo {
    /// The path, or a description such as `pipe[45247]`.
    pub path: String,
    /// The fd type (`REG`, `PIPE`, …); empty for `cwd` and `root`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The process.
    pub pid: u32,
    /// The label: `REG 0`, `cwd`, `root`.
    pub fd: String,
}

/// Sockets opened and closed, each list by PID then descriptor order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SocketChanges {
    /// In B only.
    pub added: Vec<SocketInfo>,
    /// In A only.
    pub removed: Vec<SocketInfo>,
    /// In both; with `--show-unchanged` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unchanged: Option<Vec<SocketInfo>>,
}

/// A socket of a process, keyed as checkpointctl's diff. Two sockets are
/// the same when every field is; buffer sizes are not compared (the kernel
/// tunes them as it likes).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct SocketInfo {
    /// The process.
    pub pid: u32,
    /// `TCP`, `UDP`, the unix socket type, `PACKET` or `NETLINK`.
    pub protocol: String,
    /// `TCP`, `UDP`, `UNIX`; empty for packet and netlink sockets.
    #[serde(rename = "type")]
    pub kind: String,
    /// A unix socket's name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub address: String,
    /// The TCP state name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub state: String,
    /// Local address.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// Local port.
    #[serde(skip_serializing_if = "is_zero")]
    pub src_port: u32,
    /// Peer address.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub dest: String,
    /// Peer port.
    #[serde(skip_serializing_if = "is_zero")]
    pub dst_port: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl SocketInfo {
    fn of(pid: u32, s: &Socket) -> SocketInfo {
        let d = &s.data;
        SocketInfo {
            pid,
            protocol: s.protocol.clone(),
            kind: d.kind.clone(),
            address: d.address.clone(),
            state: d.state.clone(),
            source: d.src.clone(),
            src_port: d.src_port,
            dest: d.dst.clone(),
            dst_port: d.dst_port,
        }
    }
}

/// Compare the containers of two inspections: A, the earlier, with B.
/// Lists missing from an inspection (files or sockets not read) count as
/// empty.
pub fn diff(
    a: &InspectedContainer,
    b: &InspectedContainer,
    options: DiffOptions,
) -> CheckpointDiff {
    let info_a = CheckpointInfo::of(&a.container);
    let info_b = CheckpointInfo::of(&b.container);
    let process_changes =
        compare_processes(a.process_tree.as_ref(), b.process_tree.as_ref(), options);
    let file_changes = options.files.then(|| {
        let (added, removed, unchanged) = match_lists(
            &files_of(&a.file_descriptors),
            &files_of(&b.file_descriptors),
        );
        FileChanges {
            added,
            removed,
            unchanged: options.show_unchanged.then_some(unchanged),
        }
    });
    let socket_changes = options.sockets.then(|| {
        let (added, removed, unchanged) =
            match_lists(&sockets_of(&a.sockets), &sockets_of(&b.sockets));
        SocketChanges {
            added,
            removed,
            unchanged: options.show_unchanged.then_some(unchanged),
        }
    });
    let mut result = CheckpointDiff {
        container_id: info_a.container_id.clone(),
        container_name: info_a.container_name.clone(),
        image: a.container.image.clone(),
        memory_changes: SizeChange::between(info_a.memory_pages_size, info_b.memory_pages_size),
        root_fs_diff_changes: SizeChange::between(
            info_a.root_fs_diff_size,
            info_b.root_fs_diff_size,
        ),
        checkpoint_a: info_a,
        checkpoint_b: info_b,
        process_changes,
        file_changes,
        socket_changes,
        summary: String::new(),
        options,
        tree_b: b.process_tree.clone(),
    };
    result.summary = summary(&result);
    result
}

fn compare_processes<'a>(
    a: Option<&'a ProcessNode>,
    b: Option<&'a ProcessNode>,
    options: DiffOptions,
) -> ProcessChanges {
    let by_pid = |tree: Option<&'a ProcessNode>| -> BTreeMap<u32, &'a ProcessNode> {
        let nodes = tree.map(ProcessNode::walk).unwrap_or_default();
        nodes.into_iter().map(|n| (n.pid, n)).collect()
    };
    let (a, b) = (by_pid(a), by_pid(b));
    let mut changes = ProcessChanges::default();
    let mut unchanged = Vec::new();
    for (pid, new) in &b {
        let Some(old) = a.get(pid) else {
            changes.added.push(ProcessInfo::of(new));
            continue;
        };
        let differences = process_differences(old, new, options);
        if differences.is_empty() {
            unchanged.push(ProcessInfo::of(new));
        } else {
            changes.modified.push(ProcessInfo::of(new));
            changes.changed.push(ProcessChange {
                pid: *pid,
                command: new.command.clone(),
                changes: differences,
            });
        }
    }
    changes.removed = a
        .iter()
        .filter(|(pid, _)| !b.contains_key(pid))
        .map(|(_, old)| ProcessInfo::of(old))
        .collect();
    changes.unchanged = options.show_unchanged.then_some(unchanged);
    changes
}

/// What differs between two processes of the same PID. A command line or
/// environment that could not be read on one side is not compared.
fn process_differences(a: &ProcessNode, b: &ProcessNode, options: DiffOptions) -> Vec<FieldChange> {
    let mut all = Vec::new();
    if a.command != b.command {
        all.push(FieldChange::new(
            "command",
            Some(&a.command),
            Some(&b.command),
        ));
    }
    if a.task_state != b.task_state {
        all.push(FieldChange::new(
            "task_state",
            Some(&a.task_state),
            Some(&b.task_state),
        ));
    }
    if options.cmdline
        && let (Some(old), Some(new)) = (&a.cmdline, &b.cmdline)
        && old != new
    {
        all.push(FieldChange::new("cmdline", Some(old), Some(new)));
    }
    if options.environment
        && let (Some(old), Some(new)) = (&a.environment_variables, &b.environment_variables)
    {
        let mut names: Vec<&String> = old.keys().chain(new.keys()).collect();
        names.sort_unstable();
        names.dedup();
        for name in names {
            let (before, after) = (old.get(name), new.get(name));
            if before != after {
                all.push(FieldChange::new(
                    format!("{ENV_FIELD}{name}"),
                    before.map(String::as_str),
                    after.map(String::as_str),
                ));
            }
        }
    }
    all
}

fn files_of(files: &Option<Vec<ProcessFiles>>) -> Vec<FileInfo> {
    let all = files.iter().flatten().flat_map(|p| {
        p.open_files.iter().map(|f| FileInfo {
            path: f.path.clone(),
            kind: f.kind.clone(),
            pid: p.pid,
            fd: f.fd.clone(),
        })
    });
    all.collect()
}

fn sockets_of(sockets: &Option<Vec<ProcessSockets>>) -> Vec<SocketInfo> {
    let all = sockets
        .iter()
        .flatten()
        .flat_map(|p| p.open_sockets.iter().map(|s| SocketInfo::of(p.pid, s)));
    all.collect()
}

/// Anything that belongs to a process.
trait OfProcess {
    fn pid(&self) -> u32;
}

impl OfProcess for FileInfo {
    fn pid(&self) -> u32 {
        self.pid
    }
}

impl OfProcess for SocketInfo {
    fn pid(&self) -> u32 {
        self.pid
    }
}

/// Match two lists as multisets: (in B only, in A only, in both), each
/// sorted by PID, keeping each process's order.
fn match_lists<T: Ord + Clone + OfProcess>(a: &[T], b: &[T]) -> (Vec<T>, Vec<T>, Vec<T>) {
    let counts = |items: &[T]| {
        let mut counts: BTreeMap<T, usize> = BTreeMap::new();
        for item in items {
            *counts.entry(item.clone()).or_default() += 1;
        }
        counts
    };
    let (mut left_in_a, mut left_in_b) = (counts(a), counts(b));
    let (mut added, mut unchanged) = (Vec::new(), Vec::new());
    for item in b {
        match left_in_a.get_mut(item) {
            Some(n) if *n > 0 => {
                *n -= 1;
                unchanged.push(item.clone());
            }
            _ => added.push(item.clone()),
        }
    }
    let mut removed = Vec::new();
    for item in a {
        match left_in_b.get_mut(item) {
            Some(n) if *n > 0 => *n -= 1,
            _ => removed.push(item.clone()),
        }
    }
    for list in [&mut added, &mut removed, &mut unchanged] {
        list.sort_by_key(OfProcess::pid);
    }
    (added, removed, unchanged)
}

/// checkpointctl's summary, plus a line for the root file system diff.
fn summary(d: &CheckpointDiff) -> String {
    let mut lines = vec![format!(
        "Checkpoint comparison for container {}",
        d.container_name
    )];
    let p = &d.process_changes;
    if !(p.added.is_empty() && p.removed.is_empty() && p.modified.is_empty()) {
        lines.push(format!(
            "Processes: +{} -{} ~{}",
            p.added.len(),
            p.removed.len(),
            p.modified.len()
        ));
    }
    if let Some(f) = &d.file_changes
        && !(f.added.is_empty() && f.removed.is_empty())
    {
        lines.push(format!("Files: +{} -{}", f.added.len(), f.removed.len()));
    }
    if let Some(s) = &d.socket_changes
        && !(s.added.is_empty() && s.removed.is_empty())
    {
        lines.push(format!("Sockets: +{} -{}", s.added.len(), s.removed.len()));
    }
    if d.memory_changes.size_change_bytes != 0 {
        lines.push(format!(
            "Memory: {:+.2} MB",
            d.memory_changes.size_change_mb
        ));
    }
    if d.root_fs_diff_changes.size_change_bytes != 0 {
        lines.push(format!(
            "Root FS diff: {:+} bytes",
            d.root_fs_diff_changes.size_change_bytes
        ));
    }
    lines.join("\n")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::criu::files::OpenFile;
    use crate::criu::sockets::SocketData;

    /// A process with a name, a command line and an environment.
    pub(crate) fn node(
        pid: u32,
        command: &str,
        cmdline: &str,
        env: &[(&str, &str)],
    ) -> ProcessNode {
        let env: BTreeMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ProcessNode {
            pid,
            command: command.to_string(),
            cmdline: Some(cmdline.to_string()),
            task_state: "Alive".to_string(),
            environment_in_order: env.iter().map(|(k, v)| format!("{k}={v}")).collect(),
            environment_variables: Some(env),
            children: Vec::new(),
            has_resources: true,
        }
    }

    /// A container named `name` whose process tree is `root`.
    pub(crate) fn container(name: &str, root: ProcessNode) -> InspectedContainer {
        let mut report = ContainerReport {
            container_name: name.to_string(),
            id: format!("{name}-id"),
            image: "img".to_string(),
            created: "2026-01-01T00:00:00Z".to_string(),
            ..ContainerReport::default()
        };
        report.checkpoint_size.total_size = Some(1000);
        report.checkpoint_size.memory_pages_size = Some(4096);
        report.checkpoint_size.root_fs_diff_size = Some(10);
        InspectedContainer {
            container: report,
            statistics: None,
            process_tree: Some(root),
            file_descriptors: None,
            sockets: None,
            mounts: None,
            rootfs_diff: None,
            devshm: None,
        }
    }

    fn tree(root: ProcessNode, children: Vec<ProcessNode>) -> ProcessNode {
        ProcessNode { children, ..root }
    }

    fn all() -> DiffOptions {
        DiffOptions {
            cmdline: true,
            environment: true,
            files: true,
            sockets: true,
            show_unchanged: true,
        }
    }

    fn pids(list: &[ProcessInfo]) -> Vec<u32> {
        list.iter().map(|p| p.pid).collect()
    }

    #[test]
    fn processes_are_matched_by_pid() {
        let a = tree(
            node(1, "sh", "sh ", &[]),
            vec![node(5, "sleep", "sleep 1 ", &[])],
        );
        let b = tree(
            node(1, "sh", "sh ", &[]),
            vec![node(11, "sleep", "sleep 1 ", &[])],
        );
        let d = diff(
            &container("c", a),
            &container("c", b),
            DiffOptions::default(),
        );
        let p = &d.process_changes;
        assert_eq!((pids(&p.added), pids(&p.removed)), (vec![11], vec![5]));
        assert!(p.modified.is_empty() && p.changed.is_empty());
        assert_eq!(p.unchanged, None, "unchanged only with show_unchanged");
        assert_eq!(
            d.summary,
            "Checkpoint comparison for container c\nProcesses: +1 -1 ~0"
        );
        assert!(d.same_container());
        let d = diff(
            &container("c", d.tree_b.clone().unwrap()),
            &container("c", d.tree_b.clone().unwrap()),
            all(),
        );
        assert_eq!(
            pids(d.process_changes.unchanged.as_deref().unwrap()),
            [1, 11]
        );
        assert_eq!(d.summary, "Checkpoint comparison for container c");
    }

    #[test]
    fn a_different_command_or_state_under_one_pid_is_flagged_without_flags() {
        let a = tree(
            node(1, "sh", "sh ", &[]),
            vec![node(7, "worker", "w ", &[])],
        );
        let mut stopped = node(7, "python3", "python3 ", &[]);
        stopped.task_state = "Stopped".to_string();
        let b = tree(node(1, "sh", "sh ", &[]), vec![stopped]);
        let d = diff(
            &container("c", a),
            &container("c", b),
            DiffOptions::default(),
        );
        let p = &d.process_changes;
        assert_eq!(pids(&p.modified), [7]);
        assert_eq!(p.modified[0].command, "python3");
        assert_eq!(
            p.changed[0].changes,
            [
                FieldChange::new("command", Some("worker"), Some("python3")),
                FieldChange::new("task_state", Some("Alive"), Some("Stopped")),
            ]
        );
        assert!(d.summary.ends_with("Processes: +0 -0 ~1"));
    }

    #[test]
    fn command_lines_and_environments_only_when_asked() {
        let a = node(
            1,
            "sh",
            "sh -c old ",
            &[("KEEP", "1"), ("GONE", "x"), ("LEVEL", "1")],
        );
        let b = node(
            1,
            "sh",
            "sh -c new ",
            &[("KEEP", "1"), ("NEW", "y"), ("LEVEL", "2")],
        );
        let (a, b) = (container("c", a), container("c", b));
        let d = diff(&a, &b, DiffOptions::default());
        assert!(d.process_changes.modified.is_empty(), "not compared");

        let cmdline = DiffOptions {
            cmdline: true,
            ..DiffOptions::default()
        };
        let d = diff(&a, &b, cmdline);
        assert_eq!(
            d.process_changes.changed[0].changes,
            [FieldChange::new(
                "cmdline",
                Some("sh -c old "),
                Some("sh -c new ")
            )]
        );

        let environment = DiffOptions {
            environment: true,
            ..DiffOptions::default()
        };
        let d = diff(&a, &b, environment);
        let changes = &d.process_changes.changed[0].changes;
        assert_eq!(
            changes,
            &[
                FieldChange::new("environment_variables.GONE", Some("x"), None),
                FieldChange::new("environment_variables.LEVEL", Some("1"), Some("2")),
                FieldChange::new("environment_variables.NEW", None, Some("y")),
            ]
        );
        assert_eq!(changes[1].variable(), Some("LEVEL"));
    }

    #[test]
    fn an_unread_command_line_or_environment_is_not_a_change() {
        let a = node(1, "sh", "sh ", &[("A", "1")]);
        let mut b = node(1, "sh", "", &[]);
        b.cmdline = None;
        b.environment_variables = None;
        let d = diff(&container("c", a), &container("c", b), all());
        assert!(d.process_changes.modified.is_empty());
    }

    fn files(pid: u32, list: &[(&str, &str)]) -> ProcessFiles {
        let open_files = list
            .iter()
            .map(|(fd, path)| OpenFile {
                kind: fd.split(' ').next().unwrap_or_default().to_string(),
                fd: fd.to_string(),
                path: path.to_string(),
            })
            .collect();
        ProcessFiles { pid, open_files }
    }

    #[test]
    fn files_are_matched_as_multisets_and_listed_by_pid() {
        let mut a = container("c", node(1, "sh", "sh ", &[]));
        let mut b = a.clone();
        a.file_descriptors = Some(vec![
            files(9, &[("REG 3", "/old.log")]),
            files(
                1,
                &[
                    ("REG 0", "/dev/null"),
                    ("PIPE 1", "pipe[1]"),
                    ("PIPE 1", "pipe[1]"),
                ],
            ),
        ]);
        b.file_descriptors = Some(vec![
            files(
                1,
                &[
                    ("REG 0", "/dev/null"),
                    ("PIPE 1", "pipe[1]"),
                    ("REG 4", "/new"),
                ],
            ),
            files(9, &[]),
        ]);
        let d = diff(&a, &b, all());
        let f = d.file_changes.unwrap();
        let labels = |l: &[FileInfo]| -> Vec<String> {
            l.iter()
                .map(|f| format!("{} {} {}", f.pid, f.fd, f.path))
                .collect()
        };
        assert_eq!(labels(&f.added), ["1 REG 4 /new"]);
        assert_eq!(labels(&f.removed), ["1 PIPE 1 pipe[1]", "9 REG 3 /old.log"]);
        assert_eq!(
            labels(f.unchanged.as_deref().unwrap()),
            ["1 REG 0 /dev/null", "1 PIPE 1 pipe[1]"]
        );
        assert_eq!(f.added[0].kind, "REG");
        assert!(d.summary.ends_with("Files: +1 -2"));
    }

    fn tcp(state: &str, port: u32, send_buf: &str) -> Socket {
        Socket {
            protocol: "TCP".to_string(),
            data: SocketData {
                kind: "TCP".to_string(),
                state: state.to_string(),
                src: "0.0.0.0".to_string(),
                src_port: port,
                dst: "0.0.0.0".to_string(),
                send_buf: send_buf.to_string(),
                ..SocketData::default()
            },
        }
    }

    #[test]
    fn sockets_ignore_buffer_sizes_but_not_states() {
        let mut a = container("c", node(1, "sh", "sh ", &[]));
        let mut b = a.clone();
        let of = |sockets: Vec<Socket>| {
            Some(vec![ProcessSockets {
                pid: 1,
                open_sockets: sockets,
            }])
        };
        a.sockets = of(vec![tcp("LISTEN", 80, "16.0 KB"), tcp("SYN_SENT", 81, "")]);
        b.sockets = of(vec![
            tcp("LISTEN", 80, "32.0 KB"),
            tcp("ESTABLISHED", 81, ""),
        ]);
        let options = DiffOptions {
            sockets: true,
            ..DiffOptions::default()
        };
        let d = diff(&a, &b, options);
        let s = d.socket_changes.as_ref().unwrap();
        assert_eq!(s.added.len(), 1);
        assert_eq!(s.added[0].state, "ESTABLISHED");
        assert_eq!(s.removed[0].state, "SYN_SENT");
        assert_eq!(s.unchanged, None);
        assert!(d.file_changes.is_none(), "files not compared");
        assert!(d.summary.ends_with("Sockets: +1 -1"));
    }

    #[test]
    fn sizes_change_both_ways_and_never_overflow() {
        let shrink = SizeChange::between(3 * 1024 * 1024, 1024 * 1024);
        assert_eq!(shrink.size_change_bytes, -2 * 1024 * 1024);
        assert_eq!(shrink.size_change_mb, -2.0);
        assert_eq!(SizeChange::between(0, u64::MAX).size_change_bytes, i64::MAX);
        assert_eq!(SizeChange::between(u64::MAX, 0).size_change_bytes, i64::MIN);

        let a = container("c", node(1, "sh", "sh ", &[]));
        let mut b = container("d", node(1, "sh", "sh ", &[]));
        b.container.checkpoint_size.memory_pages_size = Some(4096 + 3 * 1024 * 1024 / 2);
        b.container.checkpoint_size.root_fs_diff_size = Some(0);
        let d = diff(&a, &b, DiffOptions::default());
        assert!(!d.same_container());
        assert_eq!(d.container_name, "c", "A names the container");
        assert_eq!(
            d.summary,
            "Checkpoint comparison for container c\nMemory: +1.50 MB\nRoot FS diff: -10 bytes"
        );
    }

    #[test]
    fn json_has_checkpointctls_keys_and_ckpts_additions() {
        let a = container("c", node(1, "sh", "sh ", &[]));
        let d = diff(&a, &a, DiffOptions::default());
        let text = serde_json::to_string_pretty(&d).unwrap();
        // The keys of the top object, in print order.
        let keys: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("  \""))
            .filter_map(|l| l.split('"').next())
            .collect();
        assert_eq!(
            keys,
            [
                "container_id",
                "container_name",
                "image",
                "checkpoint_a",
                "checkpoint_b",
                "process_changes",
                "memory_changes",
                "root_fs_diff_changes",
                "summary",
            ]
        );
        let value = serde_json::to_value(&d).unwrap();
        let processes = value["process_changes"].as_object().unwrap();
        let mut keys: Vec<&str> = processes.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["added", "changed", "modified", "removed"]);
        assert_eq!(value["checkpoint_a"]["total_size"], 1000);
        assert_eq!(value["memory_changes"]["size_change_bytes"], 0);

        let d = diff(&a, &a, all());
        let value = serde_json::to_value(&d).unwrap();
        assert_eq!(value["process_changes"]["unchanged"][0]["cmdline"], "sh ");
        assert_eq!(value["file_changes"]["unchanged"], serde_json::json!([]));
        assert_eq!(value["socket_changes"]["added"], serde_json::json!([]));
    }

    #[test]
    fn inspection_reads_the_tree_always_and_the_rest_by_flag() {
        let none = DiffOptions::default().inspect_options();
        assert!(none.ps_tree && !none.cmdline && !none.files && !none.sockets);
        let every = all().inspect_options();
        assert!(every.cmdline && every.environment && every.files && every.sockets);
        assert!(!every.mounts && !every.stats && every.pid.is_none());
    }
}
