//! `inspect` on synthetic archives with real CRIU images, built at test time
//! by the fixture builder ([`CriuFixture`]) in a temporary folder.
//!
//! The expected values are what the builder was told to write: a process
//! tree six levels deep with command lines, environments, open files and
//! sockets, and the dump statistics, in every compression. Then the second
//! pass that pages images written before their pagemaps need; malformed
//! images, each of which must fail with one error line naming the member
//! (exit 1, never a panic); and odd but valid images, which must not fail.

use std::fs;
use std::io::Read;
use std::process::{Command, Stdio};

use ckpt::archive::compression::Compression;
use ckpt::criu::image::{COMMON_MAGIC, SERVICE_MAGIC, magic};
use ckpt::criu::proto::PagemapEntry;
use ckpt::fixture::criu::{TASK_DEAD, pagemap_image, pagemap_run};
use ckpt::fixture::{
    ArchiveFixture, ContainerFixture, CriuFixture, FixtureEngine, PAGE, PodOptionsShape,
    ProcessFixture,
};
use ckpt::inspect::Statistics;
use serde_json::{Value, json};

use crate::util::{Run, ckpt_in, ckpt_stdin, json};

/// The name archives are written under.
const FILE: &str = "checkpoint.tar";
/// The secret every process of the deep tree has in its environment.
const SECRET: &str = "s3cr3t-t0ken-0123456789";
/// PIDs of the deep tree, root first, each the parent of the next.
const DEEP: [u32; 6] = [1, 8, 15, 22, 29, 36];
const COMPRESSIONS: [Compression; 3] = [Compression::None, Compression::Gzip, Compression::Zstd];

// ---------------------------------------------------------------------------
// Building archives and running `inspect` on them.

/// The six-level tree of [`CriuFixture::deep_tree`].
fn deep() -> CriuFixture {
    CriuFixture::deep_tree(DEEP.len() as u32, SECRET)
}

/// A Podman container `deep` with `criu` as its CRIU images.
fn container(criu: CriuFixture) -> ArchiveFixture {
    let mut container = ContainerFixture::new(FixtureEngine::Podman, "deep");
    container.criu = Some(criu);
    ArchiveFixture::Container(Box::new(container))
}

/// The arguments of `ckpt inspect ARGS FILE`.
fn inspect_args<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec!["inspect"];
    all.extend_from_slice(args);
    all.push(FILE);
    all
}

/// Write `archive` in `compression` to a fresh folder as [`FILE`] (ckpt
/// tells the compression from the first bytes, not the name) and run
/// `ckpt inspect ARGS FILE` there.
fn inspect(archive: &ArchiveFixture, compression: Compression, args: &[&str]) -> Run {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let bytes = archive.to_bytes(compression);
    fs::write(dir.path().join(FILE), bytes).expect("writing the archive");
    ckpt_in(Some(dir.path()), &inspect_args(args))
}

/// The one container of a successful `--format json` run on `input`,
/// with the keys naming the input blanked, and the stderr lines with
/// `input` replaced by [`FILE`].
fn report_of(run: &Run, input: &str) -> (Value, Vec<String>) {
    assert_eq!(
        run.code, 0,
        "exit code for {input}; stderr:\n{}",
        run.stderr
    );
    let mut all = json(run);
    assert_eq!(all.len(), 1, "one container");
    let mut report = all.remove(0);
    report["archive"] = Value::Null;
    report["compression"] = Value::Null;
    let from = format!(": {input}: ");
    let to = format!(": {FILE}: ");
    let lines = run
        .stderr_lines()
        .iter()
        .map(|l| l.replacen(&from, &to, 1))
        .collect();
    (report, lines)
}

/// `inspect ARGS --format json` on `criu`, read three ways that must agree:
/// a plain tar file (pages images read by offset), a zstd file and a plain
/// tar on standard input (both streamed). The one container and the
/// stderr lines.
fn inspect_with_warnings(criu: CriuFixture, args: &[&str]) -> (Value, Vec<String>) {
    let archive = container(criu);
    let args = [args, &["--format", "json"]].concat();
    let plain = report_of(&inspect(&archive, Compression::None, &args), FILE);
    let zstd = report_of(&inspect(&archive, Compression::Zstd, &args), FILE);
    assert_eq!(zstd, plain, "a zstd file and a plain tar file differ");
    let mut on_stdin = vec!["inspect"];
    on_stdin.extend_from_slice(&args);
    on_stdin.push("-");
    let run = ckpt_stdin(&on_stdin, &archive.to_bytes(Compression::None));
    assert_eq!(
        report_of(&run, "-"),
        plain,
        "standard input and a file differ"
    );
    plain
}

/// Like [`inspect_with_warnings`], and nothing may be printed on stderr.
fn inspect_json(criu: CriuFixture, args: &[&str]) -> Value {
    let (report, warnings) = inspect_with_warnings(criu, args);
    assert!(warnings.is_empty(), "no warnings, got {warnings:?}");
    report
}

/// The process tree `--ps-tree-cmd --ps-tree-env` shows for `criu`.
fn process_tree(criu: CriuFixture) -> Value {
    inspect_json(criu, &["--ps-tree-cmd", "--ps-tree-env"])["process_tree"].take()
}

/// The node of the deep tree at `level` and everything below it, as
/// `--ps-tree-cmd --ps-tree-env` shows it.
fn deep_node(level: usize) -> Value {
    let (command, cmdline) = match level {
        0 => ("start.sh".to_string(), "/bin/sh /app/start.sh ".to_string()),
        _ => (
            format!("worker-{level}"),
            // checkpointctl's form: the NUL after the last argument is a space.
            format!("/usr/bin/worker-{level} --level {level} "),
        ),
    };
    let mut node = json!({
        "pid": DEEP[level],
        "command": command,
        "cmdline": cmdline,
        "task_state": "Alive",
        "environment_variables": {
            "HOME": "/root",
            "HOSTNAME": "deep",
            "LEVEL": level.to_string(),
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "SECRET_TOKEN": SECRET
        }
    });
    if level + 1 < DEEP.len() {
        node["children"] = json!([deep_node(level + 1)]);
    }
    node
}

/// `criu` with member `name` (relative to the container) replaced by
/// `bytes`, or left out when `None`.
fn overriding(mut criu: CriuFixture, name: &str, bytes: Option<Vec<u8>>) -> CriuFixture {
    criu.overrides.insert(name.to_string(), bytes);
    criu
}

/// `criu` with the pagemap of `pid` replaced by `runs`.
fn with_pagemap(criu: CriuFixture, pid: u32, runs: &[PagemapEntry]) -> CriuFixture {
    let (pages_id, _) = criu.pagemap(pid).expect("the process has memory");
    let name = format!("checkpoint/pagemap-{pid}.img");
    overriding(criu, &name, Some(pagemap_image(pages_id, runs)))
}

/// Assert that `run` failed with exactly one stderr line, an error about
/// `file` that names `member` in backticks and contains `words`.
fn assert_error_line(run: &Run, file: &str, member: &str, words: &str) {
    assert_eq!(
        run.code, 1,
        "exit code (101 is a panic) for `{member}`; stderr:\n{}",
        run.stderr
    );
    let lines = run.stderr_lines();
    assert_eq!(lines.len(), 1, "one stderr line, got:\n{}", run.stderr);
    let prefix = format!("ckpt: error: {file}: member `{member}`: ");
    assert!(
        lines[0].starts_with(&prefix),
        "{:?} starts with {prefix:?}",
        lines[0]
    );
    assert!(
        lines[0].contains(words),
        "{:?} contains {words:?}",
        lines[0]
    );
}

// ---------------------------------------------------------------------------
// The process tree, files, sockets and statistics.

#[test]
fn deep_tree_shows_every_level_with_command_line_and_environment() {
    let pids: Vec<u32> = (0..DEEP.len() as u32).map(CriuFixture::deep_pid).collect();
    assert_eq!(pids, DEEP);
    assert_eq!(process_tree(deep()), deep_node(0));
}

#[test]
fn deep_tree_prints_as_nested_branches() {
    let run = inspect(&container(deep()), Compression::None, &["--ps-tree-cmd"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let tree = run
        .stdout
        .split_once("└── Process tree\n")
        .expect("a process tree")
        .1;
    assert_eq!(
        tree,
        "    └── [1]  /bin/sh /app/start.sh \n\
        \x20       └── [8]  /usr/bin/worker-1 --level 1 \n\
        \x20           └── [15]  /usr/bin/worker-2 --level 2 \n\
        \x20               └── [22]  /usr/bin/worker-3 --level 3 \n\
        \x20                   └── [29]  /usr/bin/worker-4 --level 4 \n\
        \x20                       └── [36]  /usr/bin/worker-5 --level 5 \n\
        \n"
    );
}

#[test]
fn pid_selects_the_subtree_below_it() {
    let report = inspect_json(
        deep(),
        &["--pid", "15", "--ps-tree-cmd", "--ps-tree-env", "--files"],
    );
    assert_eq!(report["process_tree"], deep_node(2));
    assert_eq!(listed_pids(&report), [15, 22, 29, 36]);

    let leaf = inspect_json(deep(), &["--pid", "36", "--ps-tree"]);
    assert_eq!(
        leaf["process_tree"],
        json!({"pid": 36, "command": "worker-5", "task_state": "Alive"})
    );
}

#[test]
fn secret_in_the_environment_is_found_across_page_boundaries() {
    // A variable longer than a page pushes the secret onto the next page.
    let mut criu = deep();
    let last = criu.processes.last_mut().expect("a process");
    last.env
        .insert(0, format!("PADDING={}", "x".repeat(3 * PAGE as usize)));
    let tree = process_tree(criu);
    let mut node = &tree;
    for pid in DEEP {
        assert_eq!(node["pid"], pid);
        assert_eq!(
            node["environment_variables"]["SECRET_TOKEN"], SECRET,
            "pid {pid}"
        );
        if pid != DEEP[5] {
            node = &node["children"][0];
        }
    }
    let padding = node["environment_variables"]["PADDING"]
        .as_str()
        .expect("PADDING");
    assert_eq!(padding.len(), 3 * PAGE as usize);

    let run = inspect(&container(deep()), Compression::Zstd, &["--ps-tree-env"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let secret = format!("── SECRET_TOKEN={SECRET}");
    assert_eq!(run.stdout.matches(&secret).count(), DEEP.len());
}

/// The four-level tree: every descriptor kind the builder writes.
fn four_levels() -> CriuFixture {
    CriuFixture::deep_tree(4, SECRET)
}

/// An open file record of checkpointctl's JSON.
fn open_file(kind: &str, fd: &str, path: &str) -> Value {
    json!({"type": kind, "fd": fd, "path": path})
}

/// The descriptors every process of the deep tree has: `/dev/null` and a
/// pipe named after the PID; `cwd` and `root` are appended by [`files`].
fn stdio(pid: u32) -> Vec<Value> {
    let pipe = format!("pipe[{}]", 40_000 + pid);
    vec![
        open_file("REG", "REG 0", "/dev/null"),
        open_file("PIPE", "PIPE 1", &pipe),
        open_file("PIPE", "PIPE 2", &pipe),
    ]
}

/// The record of `pid`: stdio, `more`, then the working and root folders.
fn files(pid: u32, more: &[Value]) -> Value {
    let mut all = stdio(pid);
    all.extend_from_slice(more);
    all.push(open_file("", "cwd", "/app"));
    all.push(open_file("", "root", "/"));
    json!({"pid": pid, "open_files": all})
}

#[test]
fn open_files_of_every_process() {
    let report = inspect_json(four_levels(), &["--files"]);
    // File ids count through files.img: per process its descriptors, then
    // cwd, root and the executable.
    let expected = json!([
        files(
            1,
            &[
                open_file("REG", "REG 3", "/app/start.sh"),
                open_file("REG", "REG 4", "/var/log/app.log"),
            ]
        ),
        files(
            8,
            &[
                open_file("INETSK", "INETSK 3", "INETSK.12"),
                // Inode 0x9d00 + 13, no peer, the trailing NUL dropped.
                open_file("UNIXSK", "UNIXSK 4", "unix[40205 (0) /dev/log]"),
            ]
        ),
        files(15, &[open_file("INETSK", "INETSK 3", "INETSK.20")]),
        files(22, &[open_file("INETSK", "INETSK 3", "INETSK.27")]),
    ]);
    assert_eq!(report["file_descriptors"], expected);
}

/// A TCP socket record of checkpointctl's JSON.
fn tcp(state: &str, src: (&str, u32), dst: (&str, u32), send_buf: &str) -> Value {
    let mut data = json!({
        "type": "TCP", "state": state, "src": src.0, "src_port": src.1, "dst": dst.0,
        "send_buf": send_buf, "recv_buf": "128.0 KB"
    });
    // checkpointctl leaves out a zero port.
    if dst.1 != 0 {
        data["dst_port"] = json!(dst.1);
    }
    json!({"protocol": "TCP", "data": data})
}

#[test]
fn sockets_of_every_process() {
    let report = inspect_json(four_levels(), &["--sockets"]);
    let expected = json!([
        {"pid": 8, "open_sockets": [
            tcp("LISTEN", ("0.0.0.0", 8080), ("0.0.0.0", 0), "16.0 KB"),
            {"protocol": "DGRAM", "data": {"type": "UNIX", "address": "/dev/log"}},
        ]},
        {"pid": 15, "open_sockets": [
            tcp("ESTABLISHED", ("127.0.0.1", 9000), ("127.0.0.1", 51000), "2.5 MB"),
        ]},
        {"pid": 22, "open_sockets": [
            tcp("ESTABLISHED", ("127.0.0.1", 51000), ("127.0.0.1", 9000), "2.5 MB"),
        ]},
    ]);
    assert_eq!(report["sockets"], expected);
    // Processes without sockets are left out, as checkpointctl leaves them.
    assert!(report.get("file_descriptors").is_none());
}

#[test]
fn statistics_are_the_dump_values() {
    let mut criu = deep();
    criu.stats = Statistics {
        freezing_time: 1_234_567,
        frozen_time: 999,
        memdump_time: 1_000,
        memwrite_time: 25_500,
        pages_scanned: 1 << 40,
        pages_written: 7,
    };
    let report = inspect_json(criu.clone(), &["--stats"]);
    let expected = json!({
        "freezing_time": 1_234_567_u32, "frozen_time": 999, "memdump_time": 1_000,
        "memwrite_time": 25_500, "pages_scanned": 1_u64 << 40, "pages_written": 7
    });
    assert_eq!(report["statistics"], expected);
    assert!(report.get("process_tree").is_none());

    let run = inspect(&container(criu), Compression::Gzip, &["--stats"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The last branch of the tree, so its leaves are indented by spaces.
    let branch = run
        .stdout
        .split_once("└── CRIU dump statistics\n")
        .expect("statistics")
        .1;
    assert_eq!(
        branch,
        "    ├── Freezing time: 1.2346 s\n\
        \x20   ├── Frozen time: 999 µs\n\
        \x20   ├── Memdump time: 1 ms\n\
        \x20   ├── Memwrite time: 25.5 ms\n\
        \x20   ├── Pages scanned: 1099511627776\n\
        \x20   └── Pages written: 7\n\
        \n"
    );
}

/// `inspect --all --format json` of `archive` in `compression`, with the
/// compression key blanked so that compressions compare equal.
fn everything(archive: &ArchiveFixture, compression: Compression) -> Value {
    let run = inspect(archive, compression, &["--all", "--format", "json"]);
    assert_eq!(run.code, 0, "{compression:?}: {}", run.stderr);
    assert_eq!(run.stderr, "", "{compression:?} warns");
    let mut all = json(&run);
    all[0]["compression"] = Value::Null;
    all.remove(0)
}

#[test]
fn every_compression_gives_the_same_report() {
    let archive = container(deep());
    let plain = everything(&archive, Compression::None);
    assert_eq!(plain["process_tree"], deep_node(0));
    for compression in [Compression::Gzip, Compression::Zstd] {
        assert_eq!(everything(&archive, compression), plain, "{compression:?}");
    }
}

// ---------------------------------------------------------------------------
// Malformed images.

/// Ways to break a valid image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// The first entry's size prefix claims one byte more than remains.
    Oversized,
    /// Another image's magic in the header.
    WrongMagic,
    /// An entry of bytes that are no protobuf message.
    Garbage,
    /// The image ends two bytes into the first size prefix.
    CutSizePrefix,
    /// The header alone.
    NoEntries,
}

const FAULTS: [Fault; 4] = [
    Fault::Oversized,
    Fault::WrongMagic,
    Fault::Garbage,
    Fault::CutSizePrefix,
];

impl Fault {
    /// `image`, broken this way.
    fn apply(self, image: &[u8]) -> Vec<u8> {
        let word = u32::from_le_bytes(image[..4].try_into().expect("a header"));
        // Inventory has its magic alone; the others a common word first.
        let header = if word == COMMON_MAGIC || word == SERVICE_MAGIC {
            8
        } else {
            4
        };
        let mut bytes = image.to_vec();
        match self {
            Fault::Oversized => {
                let claimed = u32::try_from(image.len() - header - 4 + 1).expect("small");
                bytes[header..header + 4].copy_from_slice(&claimed.to_le_bytes());
            }
            Fault::WrongMagic => {
                bytes[header - 4..header].copy_from_slice(&magic::UTSNS.to_le_bytes());
            }
            Fault::Garbage => {
                // A field key whose varint never ends.
                bytes.truncate(header);
                bytes.extend_from_slice(&[4, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
            }
            Fault::CutSizePrefix => bytes.truncate(header + 2),
            Fault::NoEntries => bytes.truncate(header),
        }
        bytes
    }

    /// What the error line must say.
    fn words(self) -> &'static str {
        match self {
            Fault::Oversized => "entry 0 claims",
            Fault::WrongMagic => "is not the expected",
            Fault::Garbage => "entry 0 does not decode",
            Fault::CutSizePrefix => "entry 0 has a cut size prefix",
            Fault::NoEntries => "holds no",
        }
    }
}

/// The images `inspect --all` decodes, one of each kind, in the deep tree.
const DECODED: [&str; 11] = [
    "checkpoint/inventory.img",
    "checkpoint/pstree.img",
    "checkpoint/core-8.img",
    "checkpoint/mm-8.img",
    "checkpoint/pagemap-8.img",
    "checkpoint/ids-8.img",
    "checkpoint/fdinfo-3.img",
    "checkpoint/files.img",
    "checkpoint/fs-8.img",
    "checkpoint/tcp-stream-9d14.img",
    "stats-dump",
];

/// `criu` with `member` broken by `fault`.
fn broken(criu: CriuFixture, member: &str, fault: Fault) -> CriuFixture {
    let image = criu
        .image(member)
        .unwrap_or_else(|| panic!("`{member}` is written"));
    overriding(criu, member, Some(fault.apply(&image)))
}

/// `inspect --all` on the deep tree with `member` broken by `fault`.
fn inspect_broken(member: &str, fault: Fault) -> Run {
    let criu = broken(deep(), member, fault);
    inspect(&container(criu), Compression::None, &["--all"])
}

#[test]
fn malformed_images_fail_with_one_line_naming_the_member() {
    for member in DECODED {
        for fault in FAULTS {
            if member.contains("pagemap") && fault == Fault::Garbage {
                // See pagemap_entry_that_does_not_decode_is_named_by_its_index.
                continue;
            }
            assert_error_line(&inspect_broken(member, fault), FILE, member, fault.words());
        }
    }
    // Standard input reads the images the same way.
    let criu = broken(deep(), "checkpoint/pstree.img", Fault::Oversized);
    let bytes = container(criu).to_bytes(Compression::None);
    let run = ckpt_stdin(&["inspect", "--ps-tree", "-"], &bytes);
    assert_error_line(&run, "-", "checkpoint/pstree.img", Fault::Oversized.words());
}

#[test]
fn pagemap_entry_that_does_not_decode_is_named_by_its_index() {
    let run = inspect_broken("checkpoint/pagemap-8.img", Fault::Garbage);
    assert_error_line(
        &run,
        FILE,
        "checkpoint/pagemap-8.img",
        Fault::Garbage.words(),
    );
}

#[test]
fn images_without_entries_fail_where_an_entry_is_needed() {
    let cases = [
        ("checkpoint/pstree.img", "holds no process"),
        ("checkpoint/pagemap-8.img", "holds no pagemap head"),
        ("checkpoint/core-8.img", "holds no entry"),
        ("checkpoint/mm-8.img", "holds no entry"),
        ("checkpoint/ids-8.img", "holds no entry"),
        ("checkpoint/fs-8.img", "holds no entry"),
        ("checkpoint/tcp-stream-9d14.img", "holds no entry"),
        ("stats-dump", "holds no entry"),
    ];
    for (member, words) in cases {
        assert_error_line(
            &inspect_broken(member, Fault::NoEntries),
            FILE,
            member,
            words,
        );
    }
}

#[test]
fn empty_inventory_fdinfo_and_files_images_are_valid() {
    let report = inspect_json(
        broken(deep(), "checkpoint/inventory.img", Fault::NoEntries),
        &["--all"],
    );
    assert_eq!(report["process_tree"], deep_node(0));

    // Process 8 has no descriptors, only its folders.
    let report = inspect_json(
        broken(deep(), "checkpoint/fdinfo-3.img", Fault::NoEntries),
        &["--files"],
    );
    assert_eq!(
        report["file_descriptors"][1],
        json!({"pid": 8, "open_files": [
            open_file("", "cwd", "/app"),
            open_file("", "root", "/"),
        ]})
    );

    // Nothing says what the descriptors are.
    let report = inspect_json(
        broken(deep(), "checkpoint/files.img", Fault::NoEntries),
        &["--files", "--sockets"],
    );
    assert_eq!(
        report["file_descriptors"][1],
        json!({"pid": 8, "open_files": [
            open_file("REG", "REG 0", "unknown"),
            open_file("PIPE", "PIPE 1", "pipe[?]"),
            open_file("PIPE", "PIPE 2", "pipe[?]"),
            open_file("INETSK", "INETSK 3", "INETSK.12"),
            open_file("UNIXSK", "UNIXSK 4", "unix[?]"),
            open_file("", "cwd", "unknown"),
            open_file("", "root", "unknown"),
        ]})
    );
    assert_eq!(report["sockets"], json!([]));
}

// ---------------------------------------------------------------------------
// The second pass.

/// The deep tree with its pages images written first.
fn pages_first() -> ArchiveFixture {
    let mut criu = deep();
    criu.pages_before_pagemaps = true;
    container(criu)
}

#[test]
fn pages_before_pagemaps_in_a_file_give_the_same_report() {
    let usual = container(deep());
    for compression in COMPRESSIONS {
        let report = everything(&pages_first(), compression);
        assert_eq!(report, everything(&usual, compression), "{compression:?}");
        assert_eq!(report["process_tree"], deep_node(0));
    }
}

#[test]
fn pages_before_pagemaps_on_standard_input_fail_naming_the_pages_member() {
    let bytes = pages_first().to_bytes(Compression::Zstd);
    let run = ckpt_stdin(&["inspect", "--ps-tree-cmd", "-"], &bytes);
    assert_error_line(
        &run,
        "-",
        "checkpoint/pages-1.img",
        "comes before the pagemap that locates it, and standard input cannot be read twice",
    );
    // Without command lines or environments no pages image is needed.
    let run = ckpt_stdin(&["inspect", "--files", "--ps-tree", "-"], &bytes);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
}

// ---------------------------------------------------------------------------
// Odd but valid images.

#[test]
fn overlapping_pagemap_runs_do_not_fail_and_the_later_run_wins() {
    let criu = deep();
    let pid = DEEP[1];
    let (pages_id, mut runs) = criu.pagemap(pid).expect("a pagemap");
    let pages_name = format!("checkpoint/pages-{pages_id}.img");
    let mut pages = criu.image(&pages_name).expect("a pages image");
    // The stack run once more, with its bytes once more at the end.
    let stack = runs.last().expect("a stack run").clone();
    let stack_len = usize::try_from(stack.nr_pages.expect("field 5") * PAGE).unwrap();
    let copy = pages[pages.len() - stack_len..].to_vec();
    runs.push(stack);
    let criu = with_pagemap(criu, pid, &runs);

    let mut same = pages.clone();
    same.extend_from_slice(&copy);
    let same = overriding(criu.clone(), &pages_name, Some(same));
    assert_eq!(process_tree(same), deep_node(0));

    // A copy that differs: the later run's bytes win, as they would if the
    // runs were copied into memory in order. (checkpointctl takes the first
    // run that covers a page.)
    let mut changed = copy;
    let at = changed
        .windows(8)
        .position(|w| w == b"worker-1")
        .expect("argv[0] in the stack");
    changed[at..at + 8].copy_from_slice(b"WORKER-1");
    pages.extend_from_slice(&changed);
    let tree = process_tree(overriding(criu, &pages_name, Some(pages)));
    let node = &tree["children"][0];
    assert_eq!(node["cmdline"], "/usr/bin/WORKER-1 --level 1 ");
    assert_eq!(node["command"], "worker-1");
}

#[test]
fn pagemap_run_past_the_end_of_the_pages_image_reads_zeros() {
    // Without extra data the pages image holds the stack pages alone.
    let mut criu = deep();
    criu.pages_per_process = 0;
    let pid = DEEP[1];
    let (_, runs) = criu.pagemap(pid).expect("a pagemap");
    assert_eq!(runs.len(), 1, "the stack run alone");
    // Two pages listed first take the image's bytes, so the stack's lie
    // past its end.
    let runs = [pagemap_run(0x1000_0000, 2), runs[0].clone()];
    let tree = process_tree(with_pagemap(criu, pid, &runs));
    let node = &tree["children"][0];
    // argv is 28 NUL bytes: 29 empty pieces joined by spaces.
    let argv = "/usr/bin/worker-1\0--level\x001\0";
    assert_eq!(argv.len(), 28);
    assert_eq!(node["cmdline"], " ".repeat(28));
    assert_eq!(node["environment_variables"], json!({}));
    // The processes around it are read as usual.
    assert_eq!(tree["cmdline"], "/bin/sh /app/start.sh ");
    assert_eq!(node["children"][0], deep_node(2));
}

/// The PIDs `--files` lists, in order.
fn listed_pids(report: &Value) -> Vec<u32> {
    let listed = report["file_descriptors"]
        .as_array()
        .expect("files per process");
    listed.iter().map(|p| pid_of(&p["pid"])).collect()
}

fn pid_of(value: &Value) -> u32 {
    let pid = value.as_u64().expect("a PID");
    u32::try_from(pid).expect("a 32-bit PID")
}

/// The PIDs of the children of `node`.
fn child_pids(node: &Value) -> Vec<u32> {
    let children = node["children"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    children.iter().map(|c| pid_of(&c["pid"])).collect()
}

/// The warning `inspect` prints about `pstree.img`.
fn pstree_warning(problem: &str) -> String {
    format!("ckpt: warning: {FILE}: member `checkpoint/pstree.img`: {problem}")
}

#[test]
fn process_whose_parent_is_missing_is_shown_under_the_root() {
    let mut criu = deep();
    criu.processes
        .push(ProcessFixture::new(50, 42, &["/usr/bin/orphan"]));
    let (report, warnings) = inspect_with_warnings(criu, &["--ps-tree-cmd"]);
    let tree = &report["process_tree"];
    assert_eq!(child_pids(tree), [8, 50]);
    assert_eq!(tree["children"][1]["cmdline"], "/usr/bin/orphan ");
    assert_eq!(
        warnings,
        [pstree_warning(
            "the parent 42 of process 50 is not in the dump; it is shown under the root"
        )]
    );
}

#[test]
fn cycle_of_parents_is_reported_and_left_out() {
    let mut criu = deep();
    criu.processes
        .push(ProcessFixture::new(60, 61, &["/usr/bin/a"]));
    criu.processes
        .push(ProcessFixture::new(61, 60, &["/usr/bin/b"]));
    let (report, warnings) = inspect_with_warnings(criu, &["--ps-tree", "--files"]);
    assert_eq!(child_pids(&report["process_tree"]), [8]);
    assert_eq!(listed_pids(&report), DEEP);
    assert_eq!(
        warnings,
        [60, 61].map(|pid| pstree_warning(&format!(
            "process {pid} is in or below a cycle of parents and is not shown"
        )))
    );
}

#[test]
fn process_that_is_its_own_parent_is_named_so() {
    let mut criu = deep();
    criu.processes
        .push(ProcessFixture::new(70, 70, &["/usr/bin/self"]));
    let (report, warnings) = inspect_with_warnings(criu, &["--ps-tree"]);
    assert_eq!(child_pids(&report["process_tree"]), [8, 70]);
    assert_eq!(warnings.len(), 1);
    assert!(!warnings[0].contains("not in the dump"), "{}", warnings[0]);
}

#[test]
fn stale_images_of_a_process_not_in_pstree_are_ignored() {
    // An earlier dump's process 50, numbered as that dump numbered it: its
    // pagemap names pages-1.img, which now holds process 1's pages.
    let stale = CriuFixture::new(vec![ProcessFixture::new(50, 0, &["/usr/bin/old-job"])]);
    assert_eq!(stale.pagemap(50).expect("a pagemap").0, 1);
    let mut criu = deep();
    for kind in ["core", "ids", "mm", "pagemap", "fs"] {
        let name = format!("checkpoint/{kind}-50.img");
        criu.overrides.insert(name.clone(), stale.image(&name));
    }
    let report = inspect_json(criu, &["--all"]);
    assert_eq!(report["process_tree"], deep_node(0));
    assert_eq!(listed_pids(&report), DEEP);
}

#[test]
fn thread_core_images_are_not_processes() {
    let mut criu = deep();
    criu.processes[0].threads = vec![2, 3];
    assert!(criu.image("checkpoint/core-3.img").is_some());
    assert_eq!(process_tree(criu), deep_node(0));
}

#[test]
fn dead_process_shows_its_state_and_nothing_else() {
    let mut criu = deep();
    criu.processes[5].task_state = TASK_DEAD;
    let report = inspect_json(criu, &["--ps-tree-cmd", "--ps-tree-env", "--files"]);
    let mut node = &report["process_tree"];
    while node.get("children").is_some() {
        node = &node["children"][0];
    }
    assert_eq!(
        node,
        &json!({"pid": 36, "command": "worker-5", "task_state": "Dead"})
    );
    assert_eq!(listed_pids(&report), DEEP[..5]);
}

#[test]
fn children_of_a_dead_process_are_not_called_a_cycle() {
    let mut criu = deep();
    criu.processes[2].task_state = TASK_DEAD;
    let (_, warnings) = inspect_with_warnings(criu, &["--ps-tree"]);
    for warning in &warnings {
        assert!(!warning.contains("cycle"), "{warning}");
    }
}

#[test]
fn missing_core_image_hides_no_other_process() {
    let criu = overriding(deep(), "checkpoint/core-15.img", None);
    let (report, warnings) = inspect_with_warnings(criu, &["--ps-tree-cmd"]);
    let middle = &report["process_tree"]["children"][0]["children"][0];
    assert_eq!(middle["pid"], 15);
    assert_eq!(child_pids(middle), [22]);
    let missing = "member `checkpoint/core-15.img` is missing: process 15 has no name or state";
    assert_eq!(warnings, [format!("ckpt: warning: {FILE}: {missing}")]);
}

#[test]
fn missing_pages_image_is_named_in_a_warning() {
    let criu = overriding(deep(), "checkpoint/pages-2.img", None);
    let (report, warnings) = inspect_with_warnings(criu, &["--ps-tree-cmd"]);
    assert!(
        report["process_tree"]["children"][0]
            .get("cmdline")
            .is_none()
    );
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("`checkpoint/pages-2.img`"),
        "{}",
        warnings[0]
    );
}

/// A CRI-O container `name` of a pod, its processes a deep tree of `depth`
/// levels whose secret is the name.
fn pod_container(name: &str, depth: u32) -> ContainerFixture {
    let mut container = ContainerFixture::new(FixtureEngine::CriO, name);
    container.criu = Some(CriuFixture::deep_tree(depth, name));
    container
}

/// A CRI-O pod of `containers`.
fn pod(containers: Vec<ContainerFixture>) -> ArchiveFixture {
    ArchiveFixture::Pod {
        name: "shop".to_string(),
        namespace: "default".to_string(),
        uid: "uid-shop".to_string(),
        pod_dump: false,
        options_shape: PodOptionsShape::Map,
        containers,
    }
}

#[test]
fn pod_containers_each_show_their_own_processes() {
    let archive = pod(vec![pod_container("web", 2), pod_container("db", 3)]);
    let run = inspect(
        &archive,
        Compression::Zstd,
        &["--ps-tree-env", "--format", "json"],
    );
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let containers = json(&run);
    let found: Vec<(&Value, Vec<&Value>)> = containers
        .iter()
        .map(|c| {
            let mut secrets = Vec::new();
            let mut node = Some(&c["process_tree"]);
            while let Some(n) = node {
                secrets.push(&n["environment_variables"]["SECRET_TOKEN"]);
                node = n.get("children").map(|kids| &kids[0]);
            }
            (&c["container_name"], secrets)
        })
        .collect();
    let (db, web) = (json!("db"), json!("web"));
    assert_eq!(found, [(&db, vec![&db; 3]), (&web, vec![&web; 2])]);

    // An error inside a container's folder names the member with it.
    let mut db = pod_container("db", 2);
    let criu = db.criu.take().expect("CRIU images");
    db.criu = Some(broken(criu, "checkpoint/pstree.img", Fault::WrongMagic));
    let member = format!("{}-db/checkpoint/pstree.img", db.id);
    let archive = pod(vec![pod_container("web", 2), db]);
    let run = inspect(&archive, Compression::None, &["--ps-tree"]);
    assert_error_line(&run, FILE, &member, Fault::WrongMagic.words());
}

#[test]
fn megabytes_of_pages_before_the_stack_are_read_past() {
    // Six MiB per process: two runs of data (1024 and 512 pages) before
    // the stack run.
    let criu = CriuFixture::large(4, 6 << 20);
    assert_eq!(criu.pagemap(11).expect("a pagemap").1.len(), 3);
    let tree = process_tree(criu);
    assert_eq!(tree["cmdline"], "/bin/sh /app/run.sh ");
    let cmdlines: Vec<&str> = tree["children"]
        .as_array()
        .expect("workers")
        .iter()
        .map(|c| c["cmdline"].as_str().expect("a command line"))
        .collect();
    assert_eq!(
        cmdlines,
        [1, 2, 3].map(|i| format!("/usr/bin/python3 /app/worker.py --shard {i} "))
    );
}

#[test]
fn sixteen_kib_pages_give_the_same_tree() {
    let mut criu = deep();
    criu.page_size = 4 * PAGE;
    assert_eq!(process_tree(criu), deep_node(0));
}

#[test]
fn closed_standard_output_is_not_a_failure() {
    // More JSON than a pipe holds, so that ckpt is still writing when the
    // reader goes away.
    let mut criu = deep();
    criu.processes[0]
        .env
        .push(format!("BIG={}", "b".repeat(256 * 1024)));
    let dir = tempfile::tempdir().expect("a temporary folder");
    let bytes = container(criu).to_bytes(Compression::None);
    fs::write(dir.path().join(FILE), bytes).expect("writing the archive");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ckpt"))
        .args(inspect_args(&["--ps-tree-env", "--format", "json"]))
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ckpt starts");
    let mut stdout = child.stdout.take().expect("piped");
    let mut first = [0u8; 1];
    stdout.read_exact(&mut first).expect("ckpt writes");
    drop(stdout);
    let output = child.wait_with_output().expect("ckpt ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!((output.status.code(), stderr.as_ref()), (Some(0), ""));
}
