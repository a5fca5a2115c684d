//! `inspect`: the show report plus what the CRIU images say, from the same
//! single pass.
//!
//! One scan feeds two parts: [`Inventory`] (metadata and sizes, as for
//! `show`) and [`CriuCollector`] (the CRIU images). Only when a pages image
//! came before the pagemap that locates it (no engine writes archives that
//! way, but a hand-made tar may) is the archive read a second time, for that
//! member alone; standard input cannot be, and says so.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::archive::input::{ArchiveInput, Source};
use crate::archive::scan::scan;
use crate::classify::ArchiveKind;
use crate::criu::checkpoint::Checkpoint;
use crate::criu::collect::{CriuCollector, Selection};
use crate::criu::files::{OpenFile, open_files};
use crate::criu::processes::{ProcessNode, TreeOptions, tree};
use crate::criu::sockets::{Socket, sockets};
use crate::error::{Error, Result};
use crate::inventory::{Collected, Inventory};
use crate::nested::{Nested, NestedListing, NestedTars, Order};
use crate::report::build::build;
use crate::report::model::{ArchiveReport, ContainerReport};

/// What `inspect` should show, as checkpointctl's flags select it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InspectOptions {
    /// The process tree (`--ps-tree`).
    pub ps_tree: bool,
    /// Command lines (`--ps-tree-cmd`).
    pub cmdline: bool,
    /// Environments (`--ps-tree-env`).
    pub environment: bool,
    /// Open files (`--files`).
    pub files: bool,
    /// Sockets (`--sockets`).
    pub sockets: bool,
    /// Mounts from the OCI spec (`--mounts`).
    pub mounts: bool,
    /// CRIU's dump statistics (`--stats`).
    pub stats: bool,
    /// The metadata branch of the tree (`--metadata`).
    pub metadata: bool,
    /// Restrict the process tree to this PID and its children (`--pid`).
    pub pid: Option<u32>,
    /// The files of `rootfs-diff.tar` and the deleted paths
    /// (`--rootfs-diff`).
    pub rootfs_diff: bool,
    /// The files of `devshm-checkpoint.tar` (`--devshm`).
    pub devshm: bool,
    /// The order of those files (`--sort`).
    pub order: Order,
}

impl InspectOptions {
    /// Everything (`--all`).
    pub fn all() -> InspectOptions {
        InspectOptions {
            ps_tree: true,
            cmdline: true,
            environment: true,
            files: true,
            sockets: true,
            mounts: true,
            stats: true,
            metadata: true,
            pid: None,
            rootfs_diff: false,
            devshm: false,
            order: Order::Archive,
        }
    }

    /// The nested tars to list.
    fn nested(&self) -> Vec<Nested> {
        let mut wanted = Vec::new();
        if self.rootfs_diff {
            wanted.push(Nested::RootfsDiff);
        }
        if self.devshm {
            wanted.push(Nested::Devshm);
        }
        wanted
    }

    /// With checkpointctl's implications applied: files, sockets, command
    /// lines, environments and a PID all need the process tree.
    pub fn resolved(mut self) -> InspectOptions {
        if self.files || self.sockets || self.cmdline || self.environment || self.pid.is_some() {
            self.ps_tree = true;
        }
        self
    }

    fn selection(&self) -> Selection {
        Selection {
            processes: self.ps_tree,
            memory: self.cmdline || self.environment,
            memory_maps: false,
            files: self.files,
            sockets: self.sockets,
            stats: self.stats,
            mounts: false,
        }
    }
}

/// CRIU's dump statistics, with checkpointctl's keys; times in µs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Statistics {
    /// Time spent freezing the processes.
    pub freezing_time: u32,
    /// Time the processes stayed frozen.
    pub frozen_time: u32,
    /// Time spent collecting memory.
    pub memdump_time: u32,
    /// Time spent writing memory.
    pub memwrite_time: u32,
    /// Pages looked at.
    pub pages_scanned: u64,
    /// Pages written.
    pub pages_written: u64,
}

/// Open files of one process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProcessFiles {
    /// The process.
    pub pid: u32,
    /// Its descriptors, then `cwd` and `root`.
    pub open_files: Vec<OpenFile>,
}

/// Sockets of one process.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcessSockets {
    /// The process.
    pub pid: u32,
    /// Its sockets.
    pub open_sockets: Vec<Socket>,
}

/// A mount of the OCI spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MountReport {
    /// Path inside the container.
    pub destination: String,
    /// File system type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Host path or device.
    pub source: String,
}

/// One container with what its CRIU images say, keyed as checkpointctl's
/// `inspect --format json`.
#[derive(Debug, Clone, Serialize)]
pub struct InspectedContainer {
    /// Everything `show` reports.
    #[serde(flatten)]
    pub container: ContainerReport,
    /// `--stats`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statistics: Option<Statistics>,
    /// `--ps-tree` and friends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process_tree: Option<ProcessNode>,
    /// `--files`, one record per process of the tree.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_descriptors: Option<Vec<ProcessFiles>>,
    /// `--sockets`, one record per process of the tree.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sockets: Option<Vec<ProcessSockets>>,
    /// `--mounts`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mounts: Option<Vec<MountReport>>,
    /// `--rootfs-diff`: the files of `rootfs-diff.tar` and the deleted
    /// paths.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rootfs_diff: Option<NestedListing>,
    /// `--devshm`: the files of `devshm-checkpoint.tar`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub devshm: Option<NestedListing>,
}

/// The inspection of one archive.
#[derive(Debug, Clone)]
pub struct InspectedArchive {
    /// The show report.
    pub report: ArchiveReport,
    /// Its containers, inspected.
    pub containers: Vec<InspectedContainer>,
    /// What could not be fully read, each naming its member.
    pub warnings: Vec<String>,
}

/// Inspect the archive at `source`; `display_name` is how reports name it.
pub fn inspect(
    source: Source<'_>,
    display_name: &str,
    options: InspectOptions,
) -> Result<InspectedArchive> {
    let options = options.resolved();
    let input = ArchiveInput::open(source)?;
    let compression = input.compression;
    let mut inventory = Inventory::new();
    let mut collector = CriuCollector::new(options.selection());
    let wanted = options.nested();
    let mut nested = NestedTars::new(&wanted, options.order);
    if wanted.is_empty() {
        scan(input, &mut [&mut inventory, &mut collector])?;
    } else {
        scan(input, &mut [&mut inventory, &mut collector, &mut nested])?;
        if let Source::Path(path) = source {
            // Nested tars of a plain tar file are read by offset now.
            nested.read_deferred(path)?;
        }
    }
    let listings = nested.finish();
    let again = collector.second_pass();
    if !again.is_empty() {
        read_again(source, &mut collector, again)?;
    }
    if let Source::Path(path) = source
        && collector.has_deferred()
    {
        // Pages images skipped in a plain tar file are read by offset now.
        let file = std::fs::File::open(path).map_err(Error::Open)?;
        collector.read_deferred(&file)?;
    }

    let collected = inventory.finish();
    let report = build(display_name, compression, &collected)?;
    let (checkpoints, mut warnings) = collector.finish();
    warnings.extend(report.warnings.iter().cloned());

    let wants_criu = options.ps_tree || options.stats;
    if report.archive_type == ArchiveKind::Kubelet && wants_criu {
        return Err(Error::Unsupported(
            "a kubelet archive keeps each pod's checkpoint in a nested archive \
             (`<sandbox ID>.tar`), which inspect does not open yet; `show` lists its pods"
                .to_string(),
        ));
    }

    let empty = Checkpoint::default();
    let mut containers = Vec::new();
    for container in &report.containers {
        let checkpoint = checkpoints.get(&container.folder).unwrap_or(&empty);
        let mut inspected =
            inspect_container(container, checkpoint, &collected, options, &mut warnings)?;
        let listing = |which| {
            let key = (container.folder.clone(), which);
            listings.get(&key).cloned().unwrap_or_default()
        };
        inspected.rootfs_diff = options.rootfs_diff.then(|| listing(Nested::RootfsDiff));
        inspected.devshm = options.devshm.then(|| listing(Nested::Devshm));
        containers.push(inspected);
    }
    Ok(InspectedArchive {
        report,
        containers,
        warnings,
    })
}

fn read_again(
    source: Source<'_>,
    collector: &mut CriuCollector,
    members: BTreeSet<String>,
) -> Result<()> {
    if matches!(source, Source::Stdin) {
        let names: Vec<String> = members.iter().map(|m| format!("`{m}`")).collect();
        return Err(Error::BadMember {
            member: members.first().cloned().unwrap_or_default(),
            problem: format!(
                "comes before the pagemap that locates it, and standard input cannot be \
                 read twice (pages images affected: {}); save the archive to a file and \
                 inspect that",
                names.join(", ")
            ),
        });
    }
    collector.start_second_pass(members);
    scan(ArchiveInput::open(source)?, &mut [collector])?;
    Ok(())
}

fn inspect_container(
    container: &ContainerReport,
    checkpoint: &Checkpoint,
    collected: &Collected,
    options: InspectOptions,
    warnings: &mut Vec<String>,
) -> Result<InspectedContainer> {
    let prefix = if container.folder.is_empty() {
        String::new()
    } else {
        format!("{}/", container.folder)
    };
    let mut inspected = InspectedContainer {
        container: container.clone(),
        statistics: None,
        process_tree: None,
        file_descriptors: None,
        sockets: None,
        mounts: None,
        rootfs_diff: None,
        devshm: None,
    };

    if options.stats {
        let dump = checkpoint.stats.as_ref().and_then(|s| s.dump.as_ref());
        let Some(dump) = dump else {
            return Err(Error::BadMember {
                member: format!("{prefix}stats-dump"),
                problem: "is missing or holds no dump statistics".to_string(),
            });
        };
        inspected.statistics = Some(Statistics {
            freezing_time: dump.freezing_time,
            frozen_time: dump.frozen_time,
            memdump_time: dump.memdump_time,
            memwrite_time: dump.memwrite_time,
            pages_scanned: dump.pages_scanned,
            pages_written: dump.pages_written,
        });
    }

    if options.ps_tree {
        let tree_options = TreeOptions {
            cmdline: options.cmdline,
            environment: options.environment,
        };
        let (root, tree_warnings) = tree(checkpoint, tree_options);
        warnings.extend(
            tree_warnings
                .into_iter()
                .map(|w| w.replace("member `", &format!("member `{prefix}checkpoint/"))),
        );
        let Some(root) = root else {
            let problem = match &checkpoint.pstree {
                None => "is missing, so there is no process tree",
                Some(_) => "holds no process",
            };
            return Err(Error::BadMember {
                member: format!("{prefix}checkpoint/pstree.img"),
                problem: problem.to_string(),
            });
        };
        let root = match options.pid {
            Some(pid) => root.find(pid).cloned().ok_or_else(|| Error::BadMember {
                member: format!("{prefix}checkpoint/pstree.img"),
                problem: format!("has no process with PID {pid} (`inspect --ps-tree` lists them)"),
            })?,
            None => root,
        };
        let live: Vec<u32> = root
            .walk()
            .iter()
            .filter(|n| n.has_resources)
            .map(|n| n.pid)
            .collect();
        if options.files {
            let all = live.iter().map(|&pid| ProcessFiles {
                pid,
                open_files: open_files(checkpoint, pid),
            });
            inspected.file_descriptors = Some(all.collect());
        }
        if options.sockets {
            // Like checkpointctl, only processes that have sockets are listed.
            let all = live
                .iter()
                .map(|&pid| ProcessSockets {
                    pid,
                    open_sockets: sockets(checkpoint, pid),
                })
                .filter(|p| !p.open_sockets.is_empty());
            inspected.sockets = Some(all.collect());
        }
        inspected.process_tree = Some(root);
    }

    if options.mounts {
        let spec = collected
            .folders
            .get(&container.folder)
            .and_then(|f| f.spec.as_ref());
        let mounts = spec.map(|s| s.mounts.as_slice()).unwrap_or_default();
        inspected.mounts = Some(
            mounts
                .iter()
                .map(|m| MountReport {
                    destination: m.destination.clone(),
                    kind: m.kind.clone(),
                    source: m.source.clone(),
                })
                .collect(),
        );
    }
    Ok(inspected)
}
