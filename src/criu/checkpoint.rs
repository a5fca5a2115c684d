//! The decoded CRIU images of one container, as the scan leaves them.
//!
//! Everything is keyed the way CRIU names its images: per-task images by
//! pid, `fdinfo-*` by files id, `mountpoints-*` by mount namespace id,
//! `tcp-stream-*` by socket inode. An archive may hold stale images of
//! processes that exited after an earlier `--leave-running` checkpoint, so
//! the maps can have more pids than the dump: [`Checkpoint::pstree`] alone
//! says which processes belong to it.

use std::collections::BTreeMap;

use crate::criu::proto::{
    CoreEntry, FdinfoEntry, FileEntry, FsEntry, InventoryEntry, MntEntry, PagemapEntry,
    PstreeEntry, StatsEntry, TaskKobjIdsEntry, TcpStreamEntry, UtsnsEntry,
};

/// A pagemap image: the pages image it points to and its page runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pagemap {
    /// The `N` of `pages-N.img`.
    pub pages_id: u32,
    /// The runs, in image order (ascending addresses).
    pub entries: Vec<PagemapEntry>,
}

/// `MAP_SHARED` in a VMA's mmap flags.
pub const MAP_SHARED: u32 = 0x1;

/// What is kept of an `mm-<pid>.img`: where the command line and the
/// environment lie, and the size of the shared mappings. The VMAs are
/// summed as they are decoded, one at a time, and not kept: a process may
/// have tens of thousands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MmSummary {
    /// Start of the argv strings.
    pub mm_arg_start: u64,
    /// End of the argv strings.
    pub mm_arg_end: u64,
    /// Start of the environment strings.
    pub mm_env_start: u64,
    /// End of the environment strings.
    pub mm_env_end: u64,
    /// Bytes of the `MAP_SHARED` mappings (checkpointctl's shared memory
    /// size).
    pub shared_size: u64,
}

/// Bytes read from a process's memory while its pages image streamed past.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcessMemory {
    /// `[mm_arg_start, mm_arg_end)`: the NUL-separated argv strings.
    pub args: Option<Vec<u8>>,
    /// `[mm_env_start, mm_env_end)`: the NUL-separated environment.
    pub env: Option<Vec<u8>>,
}

/// All decoded images of one container's `checkpoint/` folder.
#[derive(Debug, Clone, Default)]
pub struct Checkpoint {
    /// `inventory.img`.
    pub inventory: Option<InventoryEntry>,
    /// `pstree.img`: the processes of the dump, parents before children.
    pub pstree: Option<Vec<PstreeEntry>>,
    /// `core-<tid>.img` by thread id.
    pub cores: BTreeMap<u32, CoreEntry>,
    /// `ids-<pid>.img` by pid.
    pub ids: BTreeMap<u32, TaskKobjIdsEntry>,
    /// `mm-<pid>.img` by pid.
    pub mms: BTreeMap<u32, MmSummary>,
    /// `pagemap-<pid>.img` by pid.
    pub pagemaps: BTreeMap<u32, Pagemap>,
    /// `fdinfo-<files_id>.img` by files id.
    pub fdinfo: BTreeMap<u32, Vec<FdinfoEntry>>,
    /// `files.img` by file id.
    pub files: BTreeMap<u32, FileEntry>,
    /// `fs-<pid>.img` by pid.
    pub fs: BTreeMap<u32, FsEntry>,
    /// `mountpoints-<mnt_ns_id>.img` by namespace id.
    pub mountpoints: BTreeMap<u32, Vec<MntEntry>>,
    /// `tcp-stream-<ino hex>.img` by socket inode.
    pub tcp_streams: BTreeMap<u32, TcpStreamEntry>,
    /// `utsns-<id>.img` by namespace id.
    pub utsns: BTreeMap<u32, UtsnsEntry>,
    /// `stats-dump` (next to `checkpoint/`, or inside it).
    pub stats: Option<StatsEntry>,
    /// Argument and environment bytes by pid, for every pid whose pagemap
    /// named a pages image that streamed past (stale ones included).
    pub memory: BTreeMap<u32, ProcessMemory>,
}

/// Process states as `task_core_entry.task_state` stores them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    /// 1: running or sleeping.
    Alive,
    /// 2: dead (CRIU stores zombies this way).
    Dead,
    /// 3: stopped by a signal.
    Stopped,
    /// 6: zombie.
    Zombie,
    /// Anything else.
    Unknown(u32),
}

impl TaskState {
    /// From the stored number.
    pub fn from_raw(raw: u32) -> TaskState {
        match raw {
            1 => TaskState::Alive,
            2 => TaskState::Dead,
            3 => TaskState::Stopped,
            6 => TaskState::Zombie,
            other => TaskState::Unknown(other),
        }
    }

    /// The name checkpointctl prints.
    pub fn name(self) -> &'static str {
        match self {
            TaskState::Alive => "Alive",
            TaskState::Dead => "Dead",
            TaskState::Stopped => "Stopped",
            TaskState::Zombie => "Zombie",
            TaskState::Unknown(_) => "Unknown",
        }
    }

    /// Only alive and stopped tasks have memory, files and sockets.
    pub fn has_resources(self) -> bool {
        matches!(self, TaskState::Alive | TaskState::Stopped)
    }
}

impl Checkpoint {
    /// The pids of the dump, in `pstree.img` order; empty without it.
    pub fn pids(&self) -> Vec<u32> {
        self.pstree.iter().flatten().map(|p| p.pid).collect()
    }

    /// A process's name (`comm`) and state from its core image.
    pub fn task(&self, pid: u32) -> Option<(String, TaskState)> {
        let tc = self.cores.get(&pid)?.tc.as_ref()?;
        let comm = String::from_utf8_lossy(&tc.comm).into_owned();
        Some((comm, TaskState::from_raw(tc.task_state)))
    }

    /// The fdinfo entries of a process, through its ids image.
    pub fn fds_of(&self, pid: u32) -> Option<&[FdinfoEntry]> {
        let files_id = self.ids.get(&pid)?.files_id;
        self.fdinfo.get(&files_id).map(Vec::as_slice)
    }

    /// The path of a regular-file entry of `files.img`.
    pub fn reg_path(&self, file_id: u32) -> Option<String> {
        let reg = self.files.get(&file_id)?.reg.as_ref()?;
        Some(String::from_utf8_lossy(&reg.name).into_owned())
    }
}

#[cfg(test)]
impl Checkpoint {
    /// A checkpoint with one task `pid` named `comm` in `state` (as stored),
    /// whose fd table `files_id` holds `fds` as `(type, fd, file id)`.
    pub(crate) fn with_task(
        pid: u32,
        comm: &str,
        state: u32,
        files_id: u32,
        fds: &[(i32, u32, u32)],
    ) -> Checkpoint {
        use crate::criu::proto::TaskCoreEntry;
        let tc = TaskCoreEntry {
            task_state: state,
            exit_code: 0,
            comm: comm.as_bytes().to_vec(),
            stop_signo: None,
        };
        let mut cp = Checkpoint::default();
        cp.cores.insert(
            pid,
            CoreEntry {
                mtype: 1,
                tc: Some(tc),
                thread_core: None,
            },
        );
        cp.ids.insert(
            pid,
            TaskKobjIdsEntry {
                files_id,
                ..Default::default()
            },
        );
        let fdinfo = fds.iter().map(|&(r#type, fd, id)| FdinfoEntry {
            id,
            flags: 0,
            r#type,
            fd,
        });
        cp.fdinfo.insert(files_id, fdinfo.collect());
        cp
    }
}

/// A pagemap entry's page count: field 5 from CRIU 4.2 on, field 2 before.
pub fn nr_pages(entry: &PagemapEntry) -> u64 {
    entry.nr_pages.unwrap_or(u64::from(entry.compat_nr_pages))
}

/// PE_PARENT: the pages are in the parent (pre-dump) image set.
pub const PE_PARENT: u32 = 1 << 0;
/// PE_LAZY: the pages may be fetched lazily.
pub const PE_LAZY: u32 = 1 << 1;
/// PE_PRESENT: the pages are stored in this dump's pages image.
pub const PE_PRESENT: u32 = 1 << 2;

/// A pagemap entry's flags, normalised as CRIU reads them: the old
/// `in_parent` marker becomes PE_PARENT, and an entry without flags is
/// present.
pub fn flags(entry: &PagemapEntry) -> u32 {
    if entry.in_parent == Some(true) {
        entry.flags.unwrap_or(0) | PE_PARENT
    } else {
        entry.flags.unwrap_or(PE_PRESENT)
    }
}
