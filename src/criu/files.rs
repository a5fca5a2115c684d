//! The open files of a process, as `checkpointctl inspect --files` lists
//! them.
//!
//! Derived from four images: `ids-<pid>.img` names the process's fd table,
//! `fdinfo-<files_id>.img` lists its descriptors in fd order, `files.img`
//! says what each descriptor refers to, and `fs-<pid>.img` adds the working
//! and root directories. Labels and paths are checkpointctl's, with two
//! improvements: a unix socket's name is printed readably (one trailing NUL
//! dropped, an abstract name as `@name`) where checkpointctl prints the raw
//! bytes, and FIFOs and terminals show their path where `files.img` has it
//! instead of `FIFO.<id>` / `TTY.<id>`.

use serde::Serialize;

use crate::criu::checkpoint::Checkpoint;
use crate::criu::sockets::unix_name;

/// The `fd_types` numbers that get more than `<TYPE>.<id>` as a path.
pub(crate) mod fd_type {
    pub const REG: i32 = 1;
    pub const PIPE: i32 = 2;
    pub const FIFO: i32 = 3;
    pub const INETSK: i32 = 4;
    pub const UNIXSK: i32 = 5;
    pub const PACKETSK: i32 = 10;
    pub const TTY: i32 = 11;
    pub const NETLINKSK: i32 = 13;
}

/// What a path reads when the image that should name it is missing.
const UNKNOWN_PATH: &str = "unknown";

/// One open descriptor, or the `cwd` / `root` pseudo-entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenFile {
    /// The fd type name (`REG`, `PIPE`, …); empty for `cwd` and `root`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The label: `<TYPE> <fd>` (`REG 0`), or `cwd` / `root`.
    pub fd: String,
    /// The path, or a description such as `pipe[142135]` or `INETSK.14`.
    pub path: String,
}

/// The name of an `fd_types` number (`1` → `REG`), `UNKNOWN` for numbers
/// CRIU does not define.
pub fn fd_type_name(t: i32) -> &'static str {
    match t {
        0 => "UND",
        1 => "REG",
        2 => "PIPE",
        3 => "FIFO",
        4 => "INETSK",
        5 => "UNIXSK",
        6 => "EVENTFD",
        7 => "EVENTPOLL",
        8 => "INOTIFY",
        9 => "SIGNALFD",
        10 => "PACKETSK",
        11 => "TTY",
        12 => "FANOTIFY",
        13 => "NETLINKSK",
        14 => "NS",
        15 => "TUNF",
        16 => "EXT",
        17 => "TIMERFD",
        18 => "MEMFD",
        19 => "BPFMAP",
        20 => "PIDFD",
        // CRIU-internal; never stored, but they are part of the enum.
        65534 => "CTL_TTY",
        65535 => "AUTOFS_PIPE",
        _ => "UNKNOWN",
    }
}

/// The open files of `pid`: its descriptors in fdinfo order, then `cwd`
/// and `root`. Empty for a dead or zombie task. A process whose ids or
/// fdinfo image is missing gets only `cwd` and `root`; one without an fs
/// image gets no `cwd` and `root`.
pub fn open_files(cp: &Checkpoint, pid: u32) -> Vec<OpenFile> {
    if !has_resources(cp, pid) {
        return Vec::new();
    }

    let mut files: Vec<OpenFile> = cp
        .fds_of(pid)
        .unwrap_or_default()
        .iter()
        .map(|fd| {
            let kind = fd_type_name(fd.r#type);
            OpenFile {
                kind: kind.to_string(),
                fd: format!("{kind} {}", fd.fd),
                path: path_of(cp, fd.r#type, fd.id),
            }
        })
        .collect();

    if let Some(fs) = cp.fs.get(&pid) {
        for (label, id) in [("cwd", fs.cwd_id), ("root", fs.root_id)] {
            files.push(OpenFile {
                kind: String::new(),
                fd: label.to_string(),
                path: reg_path_or_unknown(cp, id),
            });
        }
    }
    files
}

/// Whether `pid` may own files and sockets. A task without a core image is
/// given the benefit of the doubt: its other images say what they say.
pub(crate) fn has_resources(cp: &Checkpoint, pid: u32) -> bool {
    cp.task(pid).is_none_or(|(_, state)| state.has_resources())
}

/// The path shown for file object `id`, which fdinfo says is of type
/// `kind`.
fn path_of(cp: &Checkpoint, kind: i32, id: u32) -> String {
    let file = cp.files.get(&id);
    match kind {
        fd_type::REG => reg_path_or_unknown(cp, id),
        fd_type::PIPE => match file.and_then(|f| f.pipe.as_ref()) {
            Some(pipe) => format!("pipe[{}]", pipe.pipe_id),
            None => "pipe[?]".to_string(),
        },
        fd_type::UNIXSK => match file.and_then(|f| f.usk.as_ref()) {
            Some(usk) => format!("unix[{} ({}) {}]", usk.ino, usk.peer, unix_name(&usk.name)),
            None => "unix[?]".to_string(),
        },
        // FIFOs and terminals keep their path in a separate REG entry.
        fd_type::FIFO => file
            .and_then(|f| f.fifo.as_ref())
            .and_then(|fifo| fifo.regf_id)
            .and_then(|regf_id| cp.reg_path(regf_id))
            .unwrap_or_else(|| generic_path(kind, id)),
        fd_type::TTY => file
            .and_then(|f| f.tty.as_ref())
            .and_then(|tty| tty.regf_id)
            .and_then(|regf_id| cp.reg_path(regf_id))
            .unwrap_or_else(|| generic_path(kind, id)),
        _ => generic_path(kind, id),
    }
}

fn reg_path_or_unknown(cp: &Checkpoint, id: u32) -> String {
    cp.reg_path(id).unwrap_or_else(|| UNKNOWN_PATH.to_string())
}

fn generic_path(kind: i32, id: u32) -> String {
    format!("{}.{id}", fd_type_name(kind))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::criu::proto::{
        FifoEntry, FileEntry, FsEntry, InetSkEntry, PipeEntry, RegFileEntry, TtyFileEntry,
        UnixSkEntry,
    };

    const PID: u32 = 7;
    const FILES_ID: u32 = 3;

    /// A checkpoint with one task `PID` in `state`, holding `fds` as
    /// `(type, fd, file id)`, the file objects `files`, and cwd 100 / root
    /// 101 (`/srv`, `/`).
    fn checkpoint(state: u32, fds: &[(i32, u32, u32)], files: Vec<FileEntry>) -> Checkpoint {
        let mut cp = Checkpoint::with_task(PID, "app", state, FILES_ID, fds);
        for file in files.into_iter().chain([reg(100, "/srv"), reg(101, "/")]) {
            cp.files.insert(file.id, file);
        }
        cp.fs.insert(
            PID,
            FsEntry {
                cwd_id: 100,
                root_id: 101,
                umask: None,
            },
        );
        cp
    }

    fn alive(fds: &[(i32, u32, u32)], files: Vec<FileEntry>) -> Checkpoint {
        checkpoint(1, fds, files)
    }

    fn file(r#type: i32, id: u32) -> FileEntry {
        FileEntry {
            r#type,
            id,
            ..Default::default()
        }
    }

    fn reg(id: u32, name: &str) -> FileEntry {
        FileEntry {
            reg: Some(RegFileEntry {
                id,
                name: name.as_bytes().to_vec(),
                ..Default::default()
            }),
            ..file(fd_type::REG, id)
        }
    }

    fn usk(id: u32, ino: u32, peer: u32, name: &[u8]) -> FileEntry {
        FileEntry {
            usk: Some(UnixSkEntry {
                id,
                ino,
                r#type: 2,
                peer,
                name: name.to_vec(),
                ..Default::default()
            }),
            ..file(fd_type::UNIXSK, id)
        }
    }

    fn paths(files: &[OpenFile]) -> Vec<(&str, &str)> {
        files
            .iter()
            .map(|f| (f.fd.as_str(), f.path.as_str()))
            .collect()
    }

    #[test]
    fn lists_fds_in_fdinfo_order_then_cwd_and_root() {
        let pipe = FileEntry {
            pipe: Some(PipeEntry {
                id: 2,
                pipe_id: 142135,
                flags: 1,
            }),
            ..file(fd_type::PIPE, 2)
        };
        let inet = FileEntry {
            isk: Some(InetSkEntry::default()),
            ..file(fd_type::INETSK, 14)
        };
        let cp = alive(
            &[
                (fd_type::REG, 0, 1),
                (fd_type::PIPE, 1, 2),
                (fd_type::PIPE, 2, 2),
                (fd_type::INETSK, 3, 14),
                (fd_type::REG, 10, 5),
            ],
            vec![reg(1, "/dev/null"), pipe, inet, reg(5, "/vol/start.sh")],
        );

        let files = open_files(&cp, PID);
        assert_eq!(
            paths(&files),
            [
                ("REG 0", "/dev/null"),
                ("PIPE 1", "pipe[142135]"),
                ("PIPE 2", "pipe[142135]"),
                ("INETSK 3", "INETSK.14"),
                ("REG 10", "/vol/start.sh"),
                ("cwd", "/srv"),
                ("root", "/"),
            ]
        );
        assert_eq!(files[0].kind, "REG");
        assert_eq!(files[3].kind, "INETSK");
        assert_eq!(files[5].kind, "");
    }

    #[test]
    fn serializes_with_checkpointctl_keys() {
        let entry = OpenFile {
            kind: "REG".to_string(),
            fd: "REG 0".to_string(),
            path: "/dev/null".to_string(),
        };
        assert_eq!(
            serde_json::to_string(&entry).unwrap(),
            r#"{"type":"REG","fd":"REG 0","path":"/dev/null"}"#
        );
    }

    #[test]
    fn missing_file_entries_read_unknown() {
        // fd 1 to 4 point at ids files.img lacks; fd 5 at an entry of
        // another kind than fdinfo claims.
        let cp = alive(
            &[
                (fd_type::REG, 1, 50),
                (fd_type::PIPE, 2, 51),
                (fd_type::UNIXSK, 3, 52),
                (fd_type::INETSK, 4, 53),
                (fd_type::REG, 5, 54),
            ],
            vec![file(fd_type::PIPE, 54)],
        );
        assert_eq!(
            paths(&open_files(&cp, PID))[..5],
            [
                ("REG 1", "unknown"),
                ("PIPE 2", "pipe[?]"),
                ("UNIXSK 3", "unix[?]"),
                ("INETSK 4", "INETSK.53"),
                ("REG 5", "unknown"),
            ]
        );
    }

    #[test]
    fn missing_cwd_and_root_entries_read_unknown() {
        let mut cp = alive(&[], Vec::new());
        cp.files.clear();
        assert_eq!(
            paths(&open_files(&cp, PID)),
            [("cwd", "unknown"), ("root", "unknown")]
        );
    }

    #[test]
    fn without_fs_image_there_is_no_cwd_or_root() {
        let mut cp = alive(&[(fd_type::REG, 0, 1)], vec![reg(1, "/dev/null")]);
        cp.fs.clear();
        assert_eq!(paths(&open_files(&cp, PID)), [("REG 0", "/dev/null")]);
    }

    #[test]
    fn without_fdinfo_only_cwd_and_root_remain() {
        let mut cp = alive(&[(fd_type::REG, 0, 1)], vec![reg(1, "/dev/null")]);
        cp.fdinfo.clear();
        assert_eq!(
            paths(&open_files(&cp, PID)),
            [("cwd", "/srv"), ("root", "/")]
        );
    }

    #[test]
    fn unix_socket_path_names_inode_peer_and_name() {
        let cp = alive(
            &[
                (fd_type::UNIXSK, 0, 1),
                (fd_type::UNIXSK, 1, 2),
                (fd_type::UNIXSK, 2, 3),
                (fd_type::UNIXSK, 3, 4),
            ],
            vec![
                // busybox syslogd binds with the NUL counted in the length.
                usk(1, 142756, 0, b"/dev/log\0"),
                usk(2, 500, 501, b"\0/tmp/.X11-unix/X0"),
                usk(3, 502, 503, b"/run/app.sock"),
                usk(4, 504, 0, b""),
            ],
        );
        assert_eq!(
            paths(&open_files(&cp, PID))[..4],
            [
                ("UNIXSK 0", "unix[142756 (0) /dev/log]"),
                ("UNIXSK 1", "unix[500 (501) @/tmp/.X11-unix/X0]"),
                ("UNIXSK 2", "unix[502 (503) /run/app.sock]"),
                ("UNIXSK 3", "unix[504 (0) ]"),
            ]
        );
    }

    #[test]
    fn fifo_and_tty_resolve_their_path_through_regf_id() {
        let fifo = FileEntry {
            fifo: Some(FifoEntry {
                id: 1,
                pipe_id: 9,
                regf_id: Some(2),
            }),
            ..file(fd_type::FIFO, 1)
        };
        let tty = FileEntry {
            tty: Some(TtyFileEntry {
                id: 3,
                tty_info_id: 1,
                regf_id: Some(4),
            }),
            ..file(fd_type::TTY, 3)
        };
        let bare_tty = FileEntry {
            tty: Some(TtyFileEntry {
                id: 5,
                tty_info_id: 1,
                regf_id: None,
            }),
            ..file(fd_type::TTY, 5)
        };
        let cp = alive(
            &[
                (fd_type::FIFO, 0, 1),
                (fd_type::TTY, 1, 3),
                (fd_type::TTY, 2, 5),
                (fd_type::FIFO, 3, 6),
            ],
            vec![
                fifo,
                reg(2, "/run/queue"),
                tty,
                reg(4, "/dev/pts/0"),
                bare_tty,
            ],
        );
        assert_eq!(
            paths(&open_files(&cp, PID))[..4],
            [
                ("FIFO 0", "/run/queue"),
                ("TTY 1", "/dev/pts/0"),
                ("TTY 2", "TTY.5"),
                ("FIFO 3", "FIFO.6"),
            ]
        );
    }

    #[test]
    fn other_kinds_are_named_by_type_and_id() {
        let cp = alive(
            &[(6, 4, 20), (7, 5, 21), (18, 6, 22), (99, 7, 23)],
            Vec::new(),
        );
        assert_eq!(
            paths(&open_files(&cp, PID))[..4],
            [
                ("EVENTFD 4", "EVENTFD.20"),
                ("EVENTPOLL 5", "EVENTPOLL.21"),
                ("MEMFD 6", "MEMFD.22"),
                ("UNKNOWN 7", "UNKNOWN.23"),
            ]
        );
    }

    #[test]
    fn fd_type_names_follow_criu_enum() {
        assert_eq!(fd_type_name(0), "UND");
        assert_eq!(fd_type_name(13), "NETLINKSK");
        assert_eq!(fd_type_name(20), "PIDFD");
        assert_eq!(fd_type_name(21), "UNKNOWN");
        assert_eq!(fd_type_name(-1), "UNKNOWN");
    }

    #[test]
    fn dead_and_zombie_tasks_have_no_files() {
        let fds = [(fd_type::REG, 0, 1)];
        for state in [2, 6] {
            let cp = checkpoint(state, &fds, vec![reg(1, "/dev/null")]);
            assert!(open_files(&cp, PID).is_empty(), "state {state}");
        }
        let stopped = checkpoint(3, &fds, vec![reg(1, "/dev/null")]);
        assert_eq!(open_files(&stopped, PID).len(), 3);
    }
}
