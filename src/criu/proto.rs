//! CRIU's protobuf messages, written by hand with prost's derive.
//!
//! Only the fields ckpt reads are declared; prost skips the others, which
//! keeps old and new CRIU versions readable. Field numbers and types follow
//! CRIU's `images/*.proto` (MIT licensed facts). Two deliberate deviations:
//! every `string` is declared `bytes`, because paths, names and `comm` can be
//! any bytes and prost would reject the whole message on invalid UTF-8; and
//! enums are plain integers, so that unknown values survive.
//!
//! prost does not enforce proto2 `required`: a missing required field
//! decodes as zero. Fields whose presence matters are `optional`.

#![allow(missing_docs)] // The field names are CRIU's; the proto files document them.

use prost::Message;

/// `inventory.img`.
#[derive(Clone, PartialEq, Message)]
pub struct InventoryEntry {
    #[prost(uint32, required, tag = "1")]
    pub img_version: u32,
    #[prost(bool, optional, tag = "2")]
    pub fdinfo_per_id: Option<bool>,
    #[prost(bytes = "vec", optional, tag = "13")]
    pub dump_criu_run_id: Option<Vec<u8>>,
}

/// One process of `pstree.img`.
#[derive(Clone, PartialEq, Message)]
pub struct PstreeEntry {
    #[prost(uint32, required, tag = "1")]
    pub pid: u32,
    #[prost(uint32, required, tag = "2")]
    pub ppid: u32,
    #[prost(uint32, required, tag = "3")]
    pub pgid: u32,
    #[prost(uint32, required, tag = "4")]
    pub sid: u32,
    #[prost(uint32, repeated, packed = "false", tag = "5")]
    pub threads: Vec<u32>,
}

/// `core-<tid>.img`.
#[derive(Clone, PartialEq, Message)]
pub struct CoreEntry {
    #[prost(int32, required, tag = "1")]
    pub mtype: i32,
    #[prost(message, optional, tag = "3")]
    pub tc: Option<TaskCoreEntry>,
    #[prost(message, optional, tag = "5")]
    pub thread_core: Option<ThreadCoreEntry>,
}

/// Per-process part of a core image (thread group leaders only).
#[derive(Clone, PartialEq, Message)]
pub struct TaskCoreEntry {
    #[prost(uint32, required, tag = "1")]
    pub task_state: u32,
    #[prost(uint32, required, tag = "2")]
    pub exit_code: u32,
    #[prost(bytes = "vec", required, tag = "6")]
    pub comm: Vec<u8>,
    #[prost(uint32, optional, tag = "21")]
    pub stop_signo: Option<u32>,
}

/// Per-thread part of a core image.
#[derive(Clone, PartialEq, Message)]
pub struct ThreadCoreEntry {
    #[prost(message, optional, tag = "10")]
    pub creds: Option<CredsEntry>,
    #[prost(bytes = "vec", optional, tag = "13")]
    pub comm: Option<Vec<u8>>,
}

/// A thread's credentials.
#[derive(Clone, PartialEq, Message)]
pub struct CredsEntry {
    #[prost(uint32, required, tag = "1")]
    pub uid: u32,
    #[prost(uint32, required, tag = "2")]
    pub gid: u32,
    #[prost(uint32, required, tag = "3")]
    pub euid: u32,
    #[prost(uint32, required, tag = "4")]
    pub egid: u32,
}

/// `mm-<pid>.img`.
#[derive(Clone, PartialEq, Message)]
pub struct MmEntry {
    #[prost(uint64, required, tag = "8")]
    pub mm_arg_start: u64,
    #[prost(uint64, required, tag = "9")]
    pub mm_arg_end: u64,
    #[prost(uint64, required, tag = "10")]
    pub mm_env_start: u64,
    #[prost(uint64, required, tag = "11")]
    pub mm_env_end: u64,
    #[prost(uint32, required, tag = "12")]
    pub exe_file_id: u32,
    #[prost(message, repeated, tag = "14")]
    pub vmas: Vec<VmaEntry>,
}

/// `mm-<pid>.img` without its VMAs: what the collector decodes. prost
/// skips the VMA fields of the image without allocating, so an image of
/// millions of empty VMAs (two bytes each, 48 decoded) costs nothing; the
/// VMAs are walked one at a time instead ([`crate::criu::image::fields`]).
#[derive(Clone, PartialEq, Message)]
pub struct MmHead {
    #[prost(uint64, required, tag = "8")]
    pub mm_arg_start: u64,
    #[prost(uint64, required, tag = "9")]
    pub mm_arg_end: u64,
    #[prost(uint64, required, tag = "10")]
    pub mm_env_start: u64,
    #[prost(uint64, required, tag = "11")]
    pub mm_env_end: u64,
}

/// The field number of [`MmEntry::vmas`].
pub const MM_VMAS_TAG: u32 = 14;

/// One mapping of an address space.
#[derive(Clone, PartialEq, Message)]
pub struct VmaEntry {
    #[prost(uint64, required, tag = "1")]
    pub start: u64,
    #[prost(uint64, required, tag = "2")]
    pub end: u64,
    #[prost(uint64, required, tag = "3")]
    pub pgoff: u64,
    #[prost(uint64, required, tag = "4")]
    pub shmid: u64,
    #[prost(uint32, required, tag = "5")]
    pub prot: u32,
    #[prost(uint32, required, tag = "6")]
    pub flags: u32,
    #[prost(uint32, required, tag = "7")]
    pub status: u32,
}

/// First entry of a pagemap image.
#[derive(Clone, PartialEq, Message)]
pub struct PagemapHead {
    #[prost(uint32, required, tag = "1")]
    pub pages_id: u32,
}

/// Every later entry of a pagemap image: one run of pages.
#[derive(Clone, PartialEq, Message)]
pub struct PagemapEntry {
    #[prost(uint64, required, tag = "1")]
    pub vaddr: u64,
    /// The page count as CRIU before 4.2 wrote it (4.2 writes 0 here).
    #[prost(uint32, required, tag = "2")]
    pub compat_nr_pages: u32,
    #[prost(bool, optional, tag = "3")]
    pub in_parent: Option<bool>,
    #[prost(uint32, optional, tag = "4")]
    pub flags: Option<u32>,
    /// The page count as CRIU 4.2 and later write it.
    #[prost(uint64, optional, tag = "5")]
    pub nr_pages: Option<u64>,
}

/// `ids-<pid>.img`.
#[derive(Clone, PartialEq, Message)]
pub struct TaskKobjIdsEntry {
    #[prost(uint32, required, tag = "1")]
    pub vm_id: u32,
    #[prost(uint32, required, tag = "2")]
    pub files_id: u32,
    #[prost(uint32, required, tag = "3")]
    pub fs_id: u32,
    #[prost(uint32, required, tag = "4")]
    pub sighand_id: u32,
    #[prost(uint32, optional, tag = "5")]
    pub pid_ns_id: Option<u32>,
    #[prost(uint32, optional, tag = "6")]
    pub net_ns_id: Option<u32>,
    #[prost(uint32, optional, tag = "9")]
    pub mnt_ns_id: Option<u32>,
}

/// One open descriptor of `fdinfo-<files_id>.img`.
#[derive(Clone, PartialEq, Message)]
pub struct FdinfoEntry {
    #[prost(uint32, required, tag = "1")]
    pub id: u32,
    #[prost(uint32, required, tag = "2")]
    pub flags: u32,
    #[prost(int32, required, tag = "3")]
    pub r#type: i32,
    #[prost(uint32, required, tag = "4")]
    pub fd: u32,
}

/// One open-file object of `files.img`.
#[derive(Clone, PartialEq, Message)]
pub struct FileEntry {
    #[prost(int32, required, tag = "1")]
    pub r#type: i32,
    #[prost(uint32, required, tag = "2")]
    pub id: u32,
    #[prost(message, optional, tag = "3")]
    pub reg: Option<RegFileEntry>,
    #[prost(message, optional, tag = "4")]
    pub isk: Option<InetSkEntry>,
    #[prost(message, optional, tag = "6")]
    pub psk: Option<PacketSockEntry>,
    #[prost(message, optional, tag = "7")]
    pub nlsk: Option<NetlinkSkEntry>,
    #[prost(message, optional, tag = "16")]
    pub usk: Option<UnixSkEntry>,
    #[prost(message, optional, tag = "17")]
    pub fifo: Option<FifoEntry>,
    #[prost(message, optional, tag = "18")]
    pub pipe: Option<PipeEntry>,
    #[prost(message, optional, tag = "19")]
    pub tty: Option<TtyFileEntry>,
}

/// A regular file, directory or device node.
#[derive(Clone, PartialEq, Message)]
pub struct RegFileEntry {
    #[prost(uint32, required, tag = "1")]
    pub id: u32,
    #[prost(uint32, required, tag = "2")]
    pub flags: u32,
    #[prost(uint64, required, tag = "3")]
    pub pos: u64,
    #[prost(bytes = "vec", required, tag = "6")]
    pub name: Vec<u8>,
    #[prost(uint64, optional, tag = "8")]
    pub size: Option<u64>,
    #[prost(uint32, optional, tag = "10")]
    pub mode: Option<u32>,
}

/// An IPv4 or IPv6 socket.
#[derive(Clone, PartialEq, Message)]
pub struct InetSkEntry {
    #[prost(uint32, required, tag = "1")]
    pub id: u32,
    #[prost(uint32, required, tag = "2")]
    pub ino: u32,
    #[prost(uint32, required, tag = "3")]
    pub family: u32,
    #[prost(uint32, required, tag = "4")]
    pub r#type: u32,
    #[prost(uint32, required, tag = "5")]
    pub proto: u32,
    #[prost(uint32, required, tag = "6")]
    pub state: u32,
    #[prost(uint32, required, tag = "7")]
    pub src_port: u32,
    #[prost(uint32, required, tag = "8")]
    pub dst_port: u32,
    #[prost(uint32, required, tag = "9")]
    pub flags: u32,
    #[prost(uint32, required, tag = "10")]
    pub backlog: u32,
    #[prost(uint32, repeated, packed = "false", tag = "11")]
    pub src_addr: Vec<u32>,
    #[prost(uint32, repeated, packed = "false", tag = "12")]
    pub dst_addr: Vec<u32>,
    #[prost(message, optional, tag = "14")]
    pub opts: Option<SkOptsEntry>,
    #[prost(bool, optional, tag = "15")]
    pub v6only: Option<bool>,
    #[prost(bytes = "vec", optional, tag = "17")]
    pub ifname: Option<Vec<u8>>,
}

/// The socket options a report shows.
#[derive(Clone, PartialEq, Message)]
pub struct SkOptsEntry {
    #[prost(uint32, required, tag = "1")]
    pub so_sndbuf: u32,
    #[prost(uint32, required, tag = "2")]
    pub so_rcvbuf: u32,
}

/// A unix socket.
#[derive(Clone, PartialEq, Message)]
pub struct UnixSkEntry {
    #[prost(uint32, required, tag = "1")]
    pub id: u32,
    #[prost(uint32, required, tag = "2")]
    pub ino: u32,
    #[prost(uint32, required, tag = "3")]
    pub r#type: u32,
    #[prost(uint32, required, tag = "4")]
    pub state: u32,
    #[prost(uint32, required, tag = "5")]
    pub flags: u32,
    #[prost(uint32, required, tag = "6")]
    pub uflags: u32,
    #[prost(uint32, required, tag = "7")]
    pub backlog: u32,
    #[prost(uint32, required, tag = "8")]
    pub peer: u32,
    #[prost(message, optional, tag = "10")]
    pub opts: Option<SkOptsEntry>,
    #[prost(bytes = "vec", required, tag = "11")]
    pub name: Vec<u8>,
    #[prost(bool, optional, tag = "15")]
    pub deleted: Option<bool>,
}

/// An AF_PACKET socket.
#[derive(Clone, PartialEq, Message)]
pub struct PacketSockEntry {
    #[prost(uint32, required, tag = "1")]
    pub id: u32,
    #[prost(uint32, required, tag = "2")]
    pub r#type: u32,
    #[prost(uint32, required, tag = "3")]
    pub protocol: u32,
    #[prost(message, optional, tag = "7")]
    pub opts: Option<SkOptsEntry>,
}

/// A netlink socket.
#[derive(Clone, PartialEq, Message)]
pub struct NetlinkSkEntry {
    #[prost(uint32, required, tag = "1")]
    pub id: u32,
    #[prost(uint32, required, tag = "2")]
    pub ino: u32,
    #[prost(uint32, required, tag = "3")]
    pub protocol: u32,
    #[prost(message, optional, tag = "12")]
    pub opts: Option<SkOptsEntry>,
}

/// A pipe end.
#[derive(Clone, PartialEq, Message)]
pub struct PipeEntry {
    #[prost(uint32, required, tag = "1")]
    pub id: u32,
    #[prost(uint32, required, tag = "2")]
    pub pipe_id: u32,
    #[prost(uint32, required, tag = "3")]
    pub flags: u32,
}

/// A FIFO; its path is the REG entry `regf_id`.
#[derive(Clone, PartialEq, Message)]
pub struct FifoEntry {
    #[prost(uint32, required, tag = "1")]
    pub id: u32,
    #[prost(uint32, required, tag = "2")]
    pub pipe_id: u32,
    #[prost(uint32, optional, tag = "3")]
    pub regf_id: Option<u32>,
}

/// A terminal; its path is the REG entry `regf_id`.
#[derive(Clone, PartialEq, Message)]
pub struct TtyFileEntry {
    #[prost(uint32, required, tag = "1")]
    pub id: u32,
    #[prost(uint32, required, tag = "2")]
    pub tty_info_id: u32,
    #[prost(uint32, optional, tag = "6")]
    pub regf_id: Option<u32>,
}

/// `fs-<pid>.img`.
#[derive(Clone, PartialEq, Message)]
pub struct FsEntry {
    #[prost(uint32, required, tag = "1")]
    pub cwd_id: u32,
    #[prost(uint32, required, tag = "2")]
    pub root_id: u32,
    #[prost(uint32, optional, tag = "3")]
    pub umask: Option<u32>,
}

/// One mount of `mountpoints-<mnt_ns_id>.img`.
#[derive(Clone, PartialEq, Message)]
pub struct MntEntry {
    #[prost(uint32, required, tag = "1")]
    pub fstype: u32,
    #[prost(uint32, required, tag = "2")]
    pub mnt_id: u32,
    #[prost(uint32, required, tag = "3")]
    pub root_dev: u32,
    #[prost(uint32, required, tag = "4")]
    pub parent_mnt_id: u32,
    #[prost(uint32, required, tag = "5")]
    pub flags: u32,
    #[prost(bytes = "vec", required, tag = "6")]
    pub root: Vec<u8>,
    #[prost(bytes = "vec", required, tag = "7")]
    pub mountpoint: Vec<u8>,
    #[prost(bytes = "vec", required, tag = "8")]
    pub source: Vec<u8>,
    #[prost(bytes = "vec", required, tag = "9")]
    pub options: Vec<u8>,
    #[prost(bool, optional, tag = "13")]
    pub ext_mount: Option<bool>,
    #[prost(bytes = "vec", optional, tag = "14")]
    pub fsname: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "18")]
    pub ext_key: Option<Vec<u8>>,
}

/// `tcp-stream-<ino hex>.img` (followed by the queue bytes).
#[derive(Clone, PartialEq, Message)]
pub struct TcpStreamEntry {
    #[prost(uint32, required, tag = "1")]
    pub inq_len: u32,
    #[prost(uint32, required, tag = "2")]
    pub inq_seq: u32,
    #[prost(uint32, required, tag = "3")]
    pub outq_len: u32,
    #[prost(uint32, required, tag = "4")]
    pub outq_seq: u32,
    #[prost(uint32, optional, tag = "12")]
    pub unsq_len: Option<u32>,
}

/// `stats-dump` / `stats-restore`.
#[derive(Clone, PartialEq, Message)]
pub struct StatsEntry {
    #[prost(message, optional, tag = "1")]
    pub dump: Option<DumpStatsEntry>,
    #[prost(message, optional, tag = "2")]
    pub restore: Option<RestoreStatsEntry>,
}

/// CRIU's dump statistics; times in microseconds.
#[derive(Clone, PartialEq, Message)]
pub struct DumpStatsEntry {
    #[prost(uint32, required, tag = "1")]
    pub freezing_time: u32,
    #[prost(uint32, required, tag = "2")]
    pub frozen_time: u32,
    #[prost(uint32, required, tag = "3")]
    pub memdump_time: u32,
    #[prost(uint32, required, tag = "4")]
    pub memwrite_time: u32,
    #[prost(uint64, required, tag = "5")]
    pub pages_scanned: u64,
    #[prost(uint64, required, tag = "6")]
    pub pages_skipped_parent: u64,
    #[prost(uint64, required, tag = "7")]
    pub pages_written: u64,
    #[prost(uint64, required, tag = "9")]
    pub pages_lazy: u64,
}

/// CRIU's restore statistics; times in microseconds.
#[derive(Clone, PartialEq, Message)]
pub struct RestoreStatsEntry {
    #[prost(uint64, required, tag = "1")]
    pub pages_compared: u64,
    #[prost(uint64, required, tag = "2")]
    pub pages_skipped_cow: u64,
    #[prost(uint32, required, tag = "3")]
    pub forking_time: u32,
    #[prost(uint32, required, tag = "4")]
    pub restore_time: u32,
}

/// `utsns-<id>.img`.
#[derive(Clone, PartialEq, Message)]
pub struct UtsnsEntry {
    #[prost(bytes = "vec", required, tag = "1")]
    pub nodename: Vec<u8>,
    #[prost(bytes = "vec", required, tag = "2")]
    pub domainname: Vec<u8>,
}
