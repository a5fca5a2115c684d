//! `diff` on the real minimal pair, compared with checkpointctl's output,
//! and on two synthetic checkpoints of one container built at test time,
//! between which a process was added, one removed, one changed its command
//! line and environment, a socket was opened and a file closed. Then: every
//! flag changes the output, different containers still diff, and errors.

use std::fs;
use std::path::Path;

use ckpt::archive::compression::Compression;
use ckpt::fixture::{
    ArchiveFixture, ContainerFixture, CriuFixture, FdFixture, FixtureEngine, PodOptionsShape,
    ProcessFixture,
};
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::util::{Run, ckpt_in, ckpt_stdin, real_dir};

/// The real pair: two checkpoints of one busybox loop, whose `sleep` child
/// had PID 5 in the first and PID 11 in the second.
const A: &str = "minimal.none.tar";
const B: &str = "minimal.zstd.tar.zst";
const FLAGS: [&str; 5] = [
    "--ps-tree-cmd",
    "--ps-tree-env",
    "--files",
    "--sockets",
    "--show-unchanged",
];

/// `ckpt diff ARGS` in `dir`.
fn diff_in(dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["diff"];
    all.extend_from_slice(args);
    ckpt_in(Some(dir), &all)
}

/// `ckpt diff ARGS A B` on the real pair; it must succeed quietly.
fn real(args: &[&str]) -> String {
    let all = [args, &[A, B]].concat();
    let run = diff_in(&real_dir(), &all);
    assert_eq!(run.code, 0, "diff {all:?}: {}", run.stderr);
    assert_eq!(run.stderr, "", "diff {all:?} prints nothing on stderr");
    run.stdout
}

fn parse(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"))
}

// ---------------------------------------------------------------------------
// The real pair.

#[test]
fn real_pair_prints_checkpointctls_text_exactly() {
    let path = real_dir()
        .join("reference")
        .join(format!("diff.{A}.vs.{B}.txt"));
    let reference = fs::read_to_string(&path).expect("the reference diff");
    assert_eq!(real(&[]), reference);
    assert_eq!(real(&["--format", "tree"]), reference);
}

#[test]
fn real_pair_in_json_has_exact_values() {
    let id = "b520bd9f82ef58b69773383cd7b6385fa89725a1f3c6883e0efae43262e439a4";
    let side = |archive: &str, total: u64| {
        json!({
            "created": "2026-12-03T18:18:27Z",
            "total_size": total,
            "archive": archive,
            "container_id": id,
            "container_name": "minimal",
            "memory_pages_size": 135168,
            "root_fs_diff_size": 0
        })
    };
    let no_change = json!({"size_change_bytes": 0, "size_change_mb": 0.0});
    let expected = json!({
        "container_id": id,
        "container_name": "minimal",
        "image": "localhost/base:latest",
        "checkpoint_a": side(A, 170911),
        "checkpoint_b": side(B, 176051),
        "process_changes": {
            "added": [{"pid": 11, "command": "sleep"}],
            "removed": [{"pid": 5, "command": "sleep"}],
            "modified": [],
            "changed": []
        },
        "memory_changes": no_change,
        "root_fs_diff_changes": no_change,
        "summary": "Checkpoint comparison for container minimal\nProcesses: +1 -1 ~0"
    });
    assert_eq!(parse(&real(&["--format", "json"])), expected);
}

#[test]
fn real_pair_with_every_flag() {
    let all = parse(&real(&[&FLAGS[..], &["--format", "json"]].concat()));
    let env = json!({
        "HOME": "/root",
        "HOSTNAME": "b520bd9f82ef",
        "PATH": "/bin:/usr/bin:/sbin:/usr/sbin",
        "container": "podman"
    });
    let shell = "/bin/sh -c i=0; while true; do i=$((i+1)); sleep 1; done ";
    assert_eq!(
        all["process_changes"]["unchanged"],
        json!([{"pid": 1, "command": "sh", "cmdline": shell, "environment_variables": env}])
    );
    assert_eq!(all["process_changes"]["added"][0]["cmdline"], "sleep 1 ");
    // The sleep's five entries went with PID 5 and came back with PID 11.
    let files = &all["file_changes"];
    let count = |key: &str| files[key].as_array().map_or(0, Vec::len);
    assert_eq!(
        (count("added"), count("removed"), count("unchanged")),
        (5, 5, 5)
    );
    assert_eq!(
        files["removed"][0],
        json!({"path": "/dev/null", "type": "REG", "pid": 5, "fd": "REG 0"})
    );
    assert_eq!(
        all["socket_changes"],
        json!({"added": [], "removed": [], "unchanged": []})
    );
    assert_eq!(
        all["summary"],
        "Checkpoint comparison for container minimal\nProcesses: +1 -1 ~0\nFiles: +5 -5"
    );
}

#[test]
fn every_flag_changes_the_output_of_the_real_pair() {
    for format in ["tree", "json"] {
        let plain = real(&["--format", format]);
        let mut seen = vec![plain.clone()];
        for flag in FLAGS {
            let with = real(&[flag, "--format", format]);
            assert_ne!(with, plain, "{flag} changes nothing in {format}");
            assert!(
                !seen.contains(&with),
                "{flag} prints what another flag does"
            );
            seen.push(with);
        }
    }
}

#[test]
fn a_checkpoint_compared_with_itself_has_no_change() {
    let run = diff_in(&real_dir(), &["--files", "--sockets", A, A]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("┌─ Process Tree ─"));
    assert_eq!(run.stdout.matches("│ = No change").count(), 4);
    assert!(
        run.stdout
            .ends_with("Summary:\nCheckpoint comparison for container minimal\n")
    );
}

#[test]
fn archive_a_may_come_from_standard_input() {
    let bytes = fs::read(real_dir().join(A)).expect("the real archive");
    let run = ckpt_stdin(
        &["diff", "--format", "json", "-", &format!("real/{B}")],
        &bytes,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let value = parse(&run.stdout);
    assert_eq!(value["checkpoint_a"]["archive"], "-");
    assert_eq!(value["process_changes"]["removed"][0]["pid"], 5);
}

// ---------------------------------------------------------------------------
// Two synthetic checkpoints of one container.

/// Before: a shell (PID 1) with `/var/log/app.log` open on fd 3, a worker
/// (PID 7) at level 1 and a `sleep` (PID 9).
fn before() -> Vec<ProcessFixture> {
    let mut shell = ProcessFixture::new(1, 0, &["/bin/sh", "/app/run.sh"]);
    shell
        .fds
        .push((3, FdFixture::File("/var/log/app.log".to_string())));
    let mut worker = ProcessFixture::new(7, 1, &["/usr/bin/worker", "--level", "1"]);
    worker
        .env
        .extend(["LEVEL=1".to_string(), "OLD=x".to_string()]);
    let sleep = ProcessFixture::new(9, 1, &["sleep", "100"]);
    vec![shell, worker, sleep]
}

/// After: the shell closed the log and listens on TCP port 8080 (fd 4), the
/// worker runs at level 2 with another environment, the sleep is gone and
/// `nc` (PID 12) is new.
fn after() -> Vec<ProcessFixture> {
    let mut shell = ProcessFixture::new(1, 0, &["/bin/sh", "/app/run.sh"]);
    shell.fds.push((4, FdFixture::TcpListen(8080)));
    let mut worker = ProcessFixture::new(7, 1, &["/usr/bin/worker", "--level", "2"]);
    worker
        .env
        .extend(["LEVEL=2".to_string(), "NEW=y".to_string()]);
    let nc = ProcessFixture::new(12, 1, &["nc", "-l", "-p", "9000"]);
    vec![shell, worker, nc]
}

/// A Podman container `app` with these processes.
fn archive(processes: Vec<ProcessFixture>, name: &str) -> ArchiveFixture {
    let mut container = ContainerFixture::new(FixtureEngine::Podman, name);
    container.criu = Some(CriuFixture::new(processes));
    ArchiveFixture::Container(Box::new(container))
}

/// A folder holding `a.tar` (before, plain) and `b.tar.zst` (after).
fn synthetic() -> TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let write = |name: &str, archive: ArchiveFixture, compression| {
        fs::write(dir.path().join(name), archive.to_bytes(compression)).expect("writing");
    };
    write("a.tar", archive(before(), "app"), Compression::None);
    write("b.tar.zst", archive(after(), "app"), Compression::Zstd);
    write("other.tar", archive(after(), "other"), Compression::None);
    dir
}

/// `ckpt diff ARGS a.tar b.tar.zst`; it must succeed quietly.
fn synthetic_diff(dir: &TempDir, args: &[&str]) -> String {
    let all = [args, &["a.tar", "b.tar.zst"]].concat();
    let run = diff_in(dir.path(), &all);
    assert_eq!(run.code, 0, "diff {all:?}: {}", run.stderr);
    assert_eq!(run.stderr, "", "diff {all:?} prints nothing on stderr");
    run.stdout
}

/// The content lines of the box titled `title`; `None` without that box.
fn section(text: &str, title: &str) -> Option<Vec<String>> {
    let start = format!("┌─ {title} ");
    let lines: Vec<&str> = text.lines().collect();
    let first = lines.iter().position(|l| l.starts_with(&start))?;
    let content = lines[first + 1..]
        .iter()
        .take_while(|l| !l.starts_with('└'));
    Some(content.map(|l| l.to_string()).collect())
}

/// The lines after `Summary:`.
fn summary(text: &str) -> Vec<&str> {
    text.lines()
        .skip_while(|l| *l != "Summary:")
        .skip(1)
        .collect()
}

#[test]
fn synthetic_without_flags_finds_the_added_and_removed_process() {
    let dir = synthetic();
    let out = synthetic_diff(&dir, &[]);
    assert_eq!(
        section(&out, "Process Tree").unwrap(),
        [
            "│ Added:",
            "│   + PID 12    nc",
            "│ Removed:",
            "│   - PID 9     sleep"
        ]
    );
    for title in ["Command Line Changes", "Environment Changes"] {
        assert_eq!(section(&out, title), None, "{title} without its flag");
    }
    for title in ["File Descriptor Changes", "Socket Changes"] {
        assert_eq!(section(&out, title), None, "{title} without its flag");
    }
    assert_eq!(
        summary(&out),
        [
            "Checkpoint comparison for container app",
            "Processes: +1 -1 ~0"
        ]
    );
}

#[test]
fn synthetic_command_line_change() {
    let dir = synthetic();
    let out = synthetic_diff(&dir, &["--ps-tree-cmd"]);
    assert_eq!(
        section(&out, "Process Tree").unwrap(),
        [
            "│ Added:",
            "│   + PID 12    nc",
            "│             nc -l -p 9000",
            "│ Removed:",
            "│   - PID 9     sleep",
            "│             sleep 100",
            "│ Modified:",
            "│   ~ PID 7     worker",
        ]
    );
    assert_eq!(
        section(&out, "Command Line Changes").unwrap(),
        [
            "│ ~ PID 7     worker",
            "│   - /usr/bin/worker --level 1",
            "│   + /usr/bin/worker --level 2",
        ]
    );
    assert_eq!(summary(&out)[1], "Processes: +1 -1 ~1");
}

#[test]
fn synthetic_environment_change() {
    let dir = synthetic();
    let out = synthetic_diff(&dir, &["--ps-tree-env"]);
    assert_eq!(
        section(&out, "Environment Changes").unwrap(),
        [
            "│ ~ PID 7     worker",
            "│   - LEVEL=1",
            "│   + LEVEL=2",
            "│   + NEW=y",
            "│   - OLD=x",
        ]
    );
    assert_eq!(section(&out, "Command Line Changes"), None);
    assert_eq!(summary(&out)[1], "Processes: +1 -1 ~1");
}

#[test]
fn synthetic_file_closed_and_socket_opened() {
    let dir = synthetic();
    let out = synthetic_diff(&dir, &["--files"]);
    let files = section(&out, "File Descriptor Changes").unwrap();
    assert!(files.contains(&"│   - PID 1     REG 3    /var/log/app.log".to_string()));
    let socket_fd = files
        .iter()
        .find(|l| l.starts_with("│   + PID 1     INETSK 4 "));
    assert!(
        socket_fd.is_some(),
        "the socket's descriptor is a new file: {files:?}"
    );
    // The sleep's files went with it; nc's came with it.
    assert!(files.contains(&"│   - PID 9     REG 0    /dev/null".to_string()));
    assert!(files.contains(&"│   + PID 12    REG 0    /dev/null".to_string()));
    assert!(!files.iter().any(|l| l.contains("PID 7 ")), "{files:?}");
    assert_eq!(summary(&out)[2], "Files: +6 -6");

    let out = synthetic_diff(&dir, &["--sockets"]);
    assert_eq!(
        section(&out, "Socket Changes").unwrap(),
        [
            "│     PID   PROTO STATE        LOCAL                 PEER",
            "│  +  1     TCP   LISTEN       0.0.0.0:8080          -",
        ]
    );
    assert_eq!(section(&out, "File Descriptor Changes"), None);
    assert_eq!(summary(&out)[2], "Sockets: +1 -0");
}

#[test]
fn synthetic_show_unchanged_marks_every_process_of_b() {
    let dir = synthetic();
    let out = synthetic_diff(&dir, &["--show-unchanged", "--ps-tree-cmd"]);
    assert_eq!(
        section(&out, "Process Tree").unwrap(),
        [
            "│ Process tree",
            "│ └── [= PID 1]  /bin/sh /app/run.sh",
            "│     ├── [~ PID 7]  /usr/bin/worker --level 2",
            "│     └── [+ PID 12]  nc -l -p 9000",
            "│ Removed:",
            "│   - PID 9     sleep",
            "│             sleep 100",
        ]
    );
    assert_eq!(
        section(&out, "Command Line Changes").unwrap(),
        [
            "│ = PID 1     sh",
            "│     /bin/sh /app/run.sh",
            "│ ~ PID 7     worker",
            "│   - /usr/bin/worker --level 1",
            "│   + /usr/bin/worker --level 2",
        ]
    );
}

#[test]
fn synthetic_json_with_every_flag() {
    let dir = synthetic();
    let all = parse(&synthetic_diff(
        &dir,
        &[&FLAGS[..], &["--format", "json"]].concat(),
    ));
    let p = &all["process_changes"];
    let pids = |list: &Value| -> Vec<u64> {
        let items = list.as_array().cloned().unwrap_or_default();
        items.iter().filter_map(|x| x["pid"].as_u64()).collect()
    };
    assert_eq!(pids(&p["added"]), [12]);
    assert_eq!(pids(&p["removed"]), [9]);
    assert_eq!(pids(&p["modified"]), [7]);
    assert_eq!(pids(&p["unchanged"]), [1]);
    assert_eq!(p["removed"][0]["cmdline"], "sleep 100 ");
    assert_eq!(p["modified"][0]["environment_variables"]["LEVEL"], "2");
    assert_eq!(
        p["changed"],
        json!([{
            "pid": 7,
            "command": "worker",
            "changes": [
                {
                    "field": "cmdline",
                    "before": "/usr/bin/worker --level 1 ",
                    "after": "/usr/bin/worker --level 2 "
                },
                {"field": "environment_variables.LEVEL", "before": "1", "after": "2"},
                {"field": "environment_variables.NEW", "after": "y"},
                {"field": "environment_variables.OLD", "before": "x"}
            ]
        }])
    );
    let closed = json!({"path": "/var/log/app.log", "type": "REG", "pid": 1, "fd": "REG 3"});
    let removed = all["file_changes"]["removed"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(removed.contains(&closed), "{removed:?}");
    assert_eq!(
        all["socket_changes"],
        json!({
            "added": [{
                "pid": 1,
                "protocol": "TCP",
                "type": "TCP",
                "state": "LISTEN",
                "source": "0.0.0.0",
                "src_port": 8080,
                "dest": "0.0.0.0"
            }],
            "removed": [],
            "unchanged": []
        })
    );
    assert_eq!(
        all["summary"],
        "Checkpoint comparison for container app\nProcesses: +1 -1 ~1\nFiles: +6 -6\nSockets: +1 -0"
    );
}

#[test]
fn every_flag_changes_the_output_of_the_synthetic_pair() {
    let dir = synthetic();
    for format in ["tree", "json"] {
        let plain = synthetic_diff(&dir, &["--format", format]);
        for flag in FLAGS {
            let with = synthetic_diff(&dir, &[flag, "--format", format]);
            assert_ne!(with, plain, "{flag} changes nothing in {format}");
        }
    }
}

#[test]
fn different_containers_diff_with_a_warning() {
    let dir = synthetic();
    let run = diff_in(dir.path(), &["a.tar", "other.tar"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines = run.stderr_lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with(
        "ckpt: warning: a.tar and other.tar are checkpoints of different containers (app "
    ));
    assert!(run.stdout.contains("║ Container: app "), "A names the diff");
    assert!(run.stdout.contains("│   + PID 12    nc"));
}

#[test]
fn pod_archives_compare_their_first_containers_with_a_warning() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let container = |name: &str, depth| {
        let mut c = ContainerFixture::new(FixtureEngine::CriO, name);
        c.criu = Some(CriuFixture::deep_tree(depth, name));
        c
    };
    let pod = ArchiveFixture::Pod {
        name: "shop".to_string(),
        namespace: "default".to_string(),
        uid: "uid-shop".to_string(),
        pod_dump: false,
        options_shape: PodOptionsShape::Map,
        containers: vec![container("web", 2), container("db", 3)],
    };
    fs::write(dir.path().join("pod.tar"), pod.to_bytes(Compression::None)).expect("writing");
    let run = diff_in(dir.path(), &["pod.tar", "pod.tar"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines = run.stderr_lines();
    assert_eq!(lines.len(), 2, "{lines:?}");
    for line in lines {
        assert!(
            line.starts_with("ckpt: warning: pod.tar: holds 2 containers; only the first, "),
            "{line}"
        );
    }
    assert!(run.stdout.contains("│ = No change"));
}

// ---------------------------------------------------------------------------
// Errors: one line naming the file, exit 1, nothing on stdout.

fn assert_fails(run: &Run, start: &str) {
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    assert_eq!(run.stdout, "");
    let lines = run.stderr_lines();
    assert_eq!(lines.len(), 1, "one line: {lines:?}");
    assert!(
        lines[0].starts_with(start),
        "{:?} starts with {start:?}",
        lines[0]
    );
}

#[test]
fn an_unreadable_archive_is_one_error_line_naming_it() {
    let dir = synthetic();
    fs::write(dir.path().join("junk.tar"), b"not an archive at all").expect("writing");
    let run = diff_in(dir.path(), &["missing.tar", "b.tar.zst"]);
    assert_fails(&run, "ckpt: error: missing.tar: cannot open");
    let run = diff_in(dir.path(), &["a.tar", "junk.tar"]);
    assert_fails(&run, "ckpt: error: junk.tar: not a tar archive");
    // When A fails, B is not read at all.
    let run = diff_in(dir.path(), &["missing.tar", "junk.tar"]);
    assert_fails(&run, "ckpt: error: missing.tar: ");
    let run = diff_in(dir.path(), &["--format", "json", "-", "-"]);
    assert_fails(&run, "ckpt: error: -: standard input can be read only once");
}

#[test]
fn empty_criu_images_are_an_error_naming_the_member() {
    let dir = synthetic();
    // Without `criu`, the builder writes valid but empty CRIU images.
    let empty = ContainerFixture::new(FixtureEngine::Podman, "app");
    let bytes = ArchiveFixture::Container(Box::new(empty)).to_bytes(Compression::Gzip);
    fs::write(dir.path().join("empty.tar.gz"), bytes).expect("writing");
    let run = diff_in(dir.path(), &["a.tar", "empty.tar.gz"]);
    assert_fails(&run, "ckpt: error: empty.tar.gz: ");
    assert!(run.stderr.contains("member `checkpoint/"), "{}", run.stderr);
}
