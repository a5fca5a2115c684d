//! The process tree of a checkpoint, with command lines and environments.
//!
//! `pstree.img` is the only authority on which processes belong to the dump
//! (stale images of exited processes may sit beside them). Names and states
//! come from `core-<pid>.img`; command lines and environments from the
//! bytes the collector read out of the pages images.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::criu::checkpoint::{Checkpoint, TaskState};
use crate::warnings::Warnings;

/// One process and its children, with checkpointctl's JSON keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProcessNode {
    /// PID inside the container.
    pub pid: u32,
    /// The process name (`comm`, at most 15 bytes).
    pub command: String,
    /// argv joined by spaces, when read (checkpointctl's form: the NUL after
    /// the last argument becomes a trailing space).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cmdline: Option<String>,
    /// `Alive`, `Dead`, `Stopped`, `Zombie` or `Unknown`.
    pub task_state: String,
    /// The environment, sorted by name, when read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment_variables: Option<BTreeMap<String, String>>,
    /// The environment in memory order, for the tree view.
    #[serde(skip)]
    pub environment_in_order: Vec<String>,
    /// Child processes, by PID.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<ProcessNode>,
    /// True when the process has memory, files and sockets to show.
    #[serde(skip)]
    pub has_resources: bool,
}

impl ProcessNode {
    /// The node of `pid` in this subtree.
    pub fn find(&self, pid: u32) -> Option<&ProcessNode> {
        if self.pid == pid {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(pid))
    }

    /// Every node of the subtree, parents before children.
    pub fn walk(&self) -> Vec<&ProcessNode> {
        let mut all = vec![self];
        for child in &self.children {
            all.extend(child.walk());
        }
        all
    }
}

/// What to read into the nodes.
#[derive(Debug, Clone, Copy, Default)]
pub struct TreeOptions {
    /// Fill `cmdline`.
    pub cmdline: bool,
    /// Fill the environment.
    pub environment: bool,
}

/// Deepest level of the process tree that is built. Real trees are a few
/// levels deep; the tree is built, printed, serialized and dropped by
/// recursion, so a hostile chain of a hundred thousand processes must stop
/// well within the stack. Processes below are left out, with a warning.
/// At 50 levels the JSON of `inspect` nests at most about 100 deep, within
/// what common parsers accept (serde_json: 128, Python: about 1000).
pub const MAX_TREE_DEPTH: usize = 50;
/// Why a process of `pstree.img` is not in the tree.
#[derive(Debug, Clone, Copy)]
enum Unshown {
    /// Below this shown process, which has no resources (dead, zombie).
    BelowInactive(u32),
    /// Below this process, at [`MAX_TREE_DEPTH`].
    TooDeep(u32),
    /// In a cycle of parents, or below one.
    Cycle,
}

/// Build the process tree. Returns `None` without `pstree.img`, and the
/// warnings about what could not be placed or read.
pub fn tree(checkpoint: &Checkpoint, options: TreeOptions) -> (Option<ProcessNode>, Vec<String>) {
    let mut warnings = Warnings::default();
    let Some(entries) = &checkpoint.pstree else {
        return (None, Vec::new());
    };
    let Some(root) = entries.iter().find(|e| e.ppid == 0).or(entries.first()) else {
        return (None, Vec::new());
    };

    // The first entry of each PID counts; a PID listed again is a broken
    // (or hostile) image, whose other entries would make a second node.
    let mut first: BTreeMap<u32, u32> = BTreeMap::new();
    let mut order = Vec::with_capacity(entries.len());
    for entry in entries {
        if let std::collections::btree_map::Entry::Vacant(slot) = first.entry(entry.pid) {
            slot.insert(entry.ppid);
            order.push((entry.pid, entry.ppid));
        } else {
            warnings.push(format!(
                "member `pstree.img`: process {} is listed more than once; its first entry \
                 is used",
                entry.pid
            ));
        }
    }
    // Where each process is placed: under its parent, or under the root
    // when the parent is not in the dump.
    let mut placed_under: BTreeMap<u32, u32> = BTreeMap::new();
    let mut children: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for (pid, ppid) in order {
        if pid == root.pid {
            continue;
        }
        let parent = if ppid == pid {
            warnings.push(format!(
                "member `pstree.img`: process {pid} names itself as its parent; \
                 it is shown under the root"
            ));
            root.pid
        } else if first.contains_key(&ppid) {
            ppid
        } else {
            warnings.push(format!(
                "member `pstree.img`: the parent {ppid} of process {pid} is not in the dump; \
                 it is shown under the root"
            ));
            root.pid
        };
        placed_under.insert(pid, parent);
        children.entry(parent).or_default().push(pid);
    }

    let mut shown = Shown::default();
    let node = build(
        checkpoint,
        options,
        root.pid,
        0,
        &children,
        &mut shown,
        &mut warnings,
    );
    for (pid, why) in unshown(&placed_under, &shown) {
        warnings.push(match why {
            Unshown::BelowInactive(parent) => {
                let state = checkpoint
                    .task(parent)
                    .map_or("Unknown", |(_, state)| state.name());
                format!(
                    "member `pstree.img`: process {pid} is below process {parent}, which is \
                     {state}, so it is not shown (nothing below such a process is)"
                )
            }
            Unshown::TooDeep(parent) => format!(
                "member `pstree.img`: process {pid} is below process {parent}, more than \
                 {MAX_TREE_DEPTH} levels under the root, so it is not shown"
            ),
            Unshown::Cycle => format!(
                "member `pstree.img`: process {pid} is in or below a cycle of parents and is \
                 not shown"
            ),
        });
    }
    let warnings = warnings.finish(|n| {
        format!("member `pstree.img`: {n} more warnings about single processes (not listed)")
    });
    (Some(node), warnings)
}

/// The processes in the tree, and those at [`MAX_TREE_DEPTH`] whose
/// children were left out.
#[derive(Debug, Default)]
struct Shown {
    visited: BTreeSet<u32>,
    cut: BTreeSet<u32>,
}

/// Why each process placed under `placed_under` is not in the tree, by
/// PID. Each chain of parents is walked once: what is learnt of a process
/// holds for every process below it, so a long chain costs no more than
/// its length.
fn unshown(placed_under: &BTreeMap<u32, u32>, shown: &Shown) -> BTreeMap<u32, Unshown> {
    let mut why: BTreeMap<u32, Unshown> = BTreeMap::new();
    for &pid in placed_under.keys() {
        if shown.visited.contains(&pid) || why.contains_key(&pid) {
            continue;
        }
        let mut path = Vec::new();
        let mut on_path = BTreeSet::new();
        let mut current = pid;
        let found = loop {
            if let Some(&known) = why.get(&current) {
                break known;
            }
            if !on_path.insert(current) {
                break Unshown::Cycle;
            }
            path.push(current);
            let Some(&parent) = placed_under.get(&current) else {
                // Only the root has no place, and the root is shown.
                break Unshown::Cycle;
            };
            if shown.visited.contains(&parent) {
                break if shown.cut.contains(&parent) {
                    Unshown::TooDeep(parent)
                } else {
                    Unshown::BelowInactive(parent)
                };
            }
            current = parent;
        };
        for p in path {
            why.insert(p, found);
        }
    }
    why
}

fn build(
    checkpoint: &Checkpoint,
    options: TreeOptions,
    pid: u32,
    depth: usize,
    children: &BTreeMap<u32, Vec<u32>>,
    shown: &mut Shown,
    warnings: &mut Warnings,
) -> ProcessNode {
    shown.visited.insert(pid);
    let task = checkpoint.task(pid);
    if task.is_none() {
        warnings.push(format!(
            "member `core-{pid}.img` is missing: process {pid} has no name or state"
        ));
    }
    // Without a core image the state is unknown; show what the other
    // images hold rather than hide the process's files and children.
    let has_resources = task.as_ref().is_none_or(|(_, state)| state.has_resources());
    let (command, state) = task.unwrap_or((String::new(), TaskState::Unknown(0)));
    let memory = checkpoint.memory.get(&pid);

    let cmdline = (options.cmdline && has_resources)
        .then(|| memory.and_then(|m| m.args.as_deref()).map(cmdline))
        .flatten();
    let env_pieces = (options.environment && has_resources)
        .then(|| memory.and_then(|m| m.env.as_deref()).map(environment))
        .flatten();

    let mut kids: Vec<u32> = children.get(&pid).cloned().unwrap_or_default();
    kids.sort_unstable();
    let children_nodes = if !has_resources {
        // Dead and zombie tasks have no state below them; their children
        // were inherited by the nearest reaper and still appear there.
        Vec::new()
    } else if depth + 1 >= MAX_TREE_DEPTH {
        if !kids.is_empty() {
            shown.cut.insert(pid);
        }
        Vec::new()
    } else {
        let mut nodes = Vec::with_capacity(kids.len());
        for kid in kids {
            if !shown.visited.contains(&kid) {
                let node = build(
                    checkpoint,
                    options,
                    kid,
                    depth + 1,
                    children,
                    shown,
                    warnings,
                );
                nodes.push(node);
            }
        }
        nodes
    };

    ProcessNode {
        pid,
        command,
        cmdline,
        task_state: state.name().to_string(),
        environment_variables: env_pieces.as_ref().map(|pieces| {
            pieces
                .iter()
                .filter_map(|p| p.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        }),
        environment_in_order: env_pieces.unwrap_or_default(),
        children: children_nodes,
        has_resources,
    }
}

/// argv as checkpointctl shows it: the NUL-separated strings joined by
/// spaces, the terminating NUL included (so the line ends with a space).
fn cmdline(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .split('\0')
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `KEY=VALUE` strings of an environment block, in memory order.
fn environment(bytes: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(bytes)
        .split('\0')
        .filter(|piece| !piece.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::criu::checkpoint::ProcessMemory;
    use crate::criu::proto::{CoreEntry, PstreeEntry, TaskCoreEntry};

    fn checkpoint(tree: &[(u32, u32, u32)]) -> Checkpoint {
        let pstree = tree
            .iter()
            .map(|&(pid, ppid, _)| PstreeEntry {
                pid,
                ppid,
                pgid: 1,
                sid: 1,
                threads: vec![pid],
            })
            .collect();
        let mut cp = Checkpoint {
            pstree: Some(pstree),
            ..Checkpoint::default()
        };
        for &(pid, _, state) in tree {
            let tc = TaskCoreEntry {
                task_state: state,
                exit_code: 0,
                comm: format!("p{pid}").into_bytes(),
                stop_signo: None,
            };
            cp.cores.insert(
                pid,
                CoreEntry {
                    mtype: 1,
                    tc: Some(tc),
                    thread_core: None,
                },
            );
        }
        cp
    }

    #[test]
    fn builds_a_deep_tree_with_children_by_pid() {
        let cp = checkpoint(&[
            (1, 0, 1),
            (9, 1, 1),
            (3, 1, 1),
            (4, 3, 1),
            (5, 4, 1),
            (6, 5, 1),
        ]);
        let (root, warnings) = tree(&cp, TreeOptions::default());
        let root = root.unwrap();
        assert!(warnings.is_empty());
        assert_eq!(
            root.children.iter().map(|c| c.pid).collect::<Vec<_>>(),
            [3, 9]
        );
        assert_eq!(root.find(6).unwrap().command, "p6");
        let order: Vec<u32> = root.walk().iter().map(|n| n.pid).collect();
        assert_eq!(order, [1, 3, 4, 5, 6, 9]);
    }

    #[test]
    fn root_may_have_any_pid() {
        let cp = checkpoint(&[(2, 0, 1), (6, 2, 1)]);
        assert_eq!(tree(&cp, TreeOptions::default()).0.unwrap().pid, 2);
    }

    #[test]
    fn dead_tasks_show_no_children_or_memory() {
        let mut cp = checkpoint(&[(1, 0, 1), (7, 1, 2), (8, 7, 1)]);
        cp.memory.insert(
            7,
            ProcessMemory {
                args: Some(b"x\0".to_vec()),
                env: None,
            },
        );
        let options = TreeOptions {
            cmdline: true,
            environment: true,
        };
        let root = tree(&cp, options).0.unwrap();
        let dead = root.find(7).unwrap();
        assert_eq!(dead.task_state, "Dead");
        assert!(dead.cmdline.is_none() && dead.children.is_empty());
    }

    #[test]
    fn missing_parent_and_cycles_are_reported_not_fatal() {
        let cp = checkpoint(&[(1, 0, 1), (5, 42, 1), (6, 7, 1), (7, 6, 1)]);
        let (root, warnings) = tree(&cp, TreeOptions::default());
        let root = root.unwrap();
        assert_eq!(root.find(5).unwrap().pid, 5);
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("parent 42 of process 5"))
        );
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("process 6 is in or below a cycle"))
        );
        assert!(root.find(6).is_none());
    }

    #[test]
    fn children_of_a_dead_process_are_said_to_be_hidden() {
        let cp = checkpoint(&[(1, 0, 1), (7, 1, 2), (8, 7, 1), (9, 9, 1)]);
        let (root, warnings) = tree(&cp, TreeOptions::default());
        assert!(root.unwrap().find(8).is_none());
        let said = |text: &str| warnings.iter().any(|w| w.contains(text));
        assert!(
            said("process 8 is below process 7, which is Dead"),
            "{warnings:?}"
        );
        assert!(said("process 9 names itself as its parent"), "{warnings:?}");
    }

    #[test]
    fn missing_core_image_hides_nothing() {
        let mut cp = checkpoint(&[(1, 0, 1), (5, 1, 1), (6, 5, 1)]);
        cp.cores.remove(&5);
        let (root, warnings) = tree(&cp, TreeOptions::default());
        let five = root.as_ref().unwrap().find(5).unwrap();
        assert_eq!(five.task_state, "Unknown");
        assert_eq!(five.children[0].pid, 6);
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("`core-5.img` is missing"))
        );
    }

    #[test]
    fn a_pid_listed_twice_is_one_process() {
        let cp = checkpoint(&[(1, 0, 1), (5, 1, 1), (5, 1, 1), (1, 5, 1), (6, 5, 1)]);
        let (root, warnings) = tree(&cp, TreeOptions::default());
        let order: Vec<u32> = root.unwrap().walk().iter().map(|n| n.pid).collect();
        assert_eq!(order, [1, 5, 6]);
        assert_eq!(
            warnings,
            [
                "member `pstree.img`: process 5 is listed more than once; its first entry is \
                 used",
                "member `pstree.img`: process 1 is listed more than once; its first entry is \
                 used",
            ]
        );
    }

    #[test]
    fn a_chain_deeper_than_the_limit_is_cut_with_one_warning() {
        // A chain of 100000 processes: neither the stack nor the time
        // may grow with it beyond the limit.
        let chain: Vec<(u32, u32, u32)> = (1..=100_000).map(|pid| (pid, pid - 1, 1)).collect();
        // Core images for the levels that are shown, and some more.
        let mut cp = checkpoint(&chain[..MAX_TREE_DEPTH + 100]);
        cp.pstree = Some(
            chain
                .iter()
                .map(|&(pid, ppid, _)| PstreeEntry {
                    pid,
                    ppid,
                    ..PstreeEntry::default()
                })
                .collect(),
        );
        let (root, warnings) = tree(&cp, TreeOptions::default());
        let root = root.unwrap();
        assert_eq!(root.walk().len(), MAX_TREE_DEPTH);
        let last = MAX_TREE_DEPTH as u32;
        assert!(root.find(last).unwrap().children.is_empty());
        assert_eq!(warnings.len(), crate::warnings::MAX_WARNINGS + 1);
        assert_eq!(
            warnings[0],
            format!(
                "member `pstree.img`: process {} is below process {last}, more than \
                 {MAX_TREE_DEPTH} levels under the root, so it is not shown",
                last + 1
            )
        );
        assert_eq!(
            warnings.last().unwrap(),
            &format!(
                "member `pstree.img`: {} more warnings about single processes (not listed)",
                (100_000 - MAX_TREE_DEPTH) - crate::warnings::MAX_WARNINGS
            )
        );
    }

    #[test]
    fn a_long_cycle_is_found_in_linear_time() {
        let mut cp = checkpoint(&[(1, 0, 1)]);
        let n = 200_000;
        let cycle = (2..n).map(|pid| PstreeEntry {
            pid,
            ppid: if pid == 2 { n - 1 } else { pid - 1 },
            ..PstreeEntry::default()
        });
        cp.pstree.as_mut().unwrap().extend(cycle);
        let (root, warnings) = tree(&cp, TreeOptions::default());
        assert_eq!(root.unwrap().walk().len(), 1);
        assert!(
            warnings[0].contains("process 2 is in or below a cycle"),
            "{warnings:?}"
        );
    }

    #[test]
    fn command_line_and_environment_from_memory() {
        let mut cp = checkpoint(&[(1, 0, 1)]);
        let memory = ProcessMemory {
            args: Some(b"/bin/sh\0/vol/start.sh\0".to_vec()),
            env: Some(b"B=2\0A=1=x\0\0".to_vec()),
        };
        cp.memory.insert(1, memory);
        let root = tree(
            &cp,
            TreeOptions {
                cmdline: true,
                environment: true,
            },
        )
        .0
        .unwrap();
        assert_eq!(root.cmdline.as_deref(), Some("/bin/sh /vol/start.sh "));
        assert_eq!(root.environment_in_order, ["B=2", "A=1=x"]);
        let env = root.environment_variables.unwrap();
        assert_eq!(
            env.iter().next(),
            Some((&"A".to_string(), &"1=x".to_string()))
        );
    }
}
