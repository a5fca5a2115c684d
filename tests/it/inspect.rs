//! `inspect` on the real archives, compared with checkpointctl's output,
//! and its flags and errors.

use std::fs;

use serde_json::Value;

use crate::util::{REAL, Run, ckpt_in, ckpt_stdin, json, real_dir, reference};

fn inspect(args: &[&str]) -> Run {
    let mut all = vec!["inspect"];
    all.extend_from_slice(args);
    let run = ckpt_in(Some(&real_dir()), &all);
    assert_eq!(run.code, 0, "ckpt {all:?} failed: {}", run.stderr);
    run
}

/// Where ckpt prints right what checkpointctl prints wrong (see README):
/// an IPv4-mapped IPv6 address, the NUL ending a unix socket's name, and
/// the type of a unix socket in the tree.
fn corrected(reference: &str) -> String {
    reference
        .replace("7f00:1::", "::ffff:127.0.0.1")
        .replace('\0', "")
        .replace("\\u0000", "")
        .replace("[UNIX ()]", "[UNIX (DGRAM)]")
}

/// Compare every key checkpointctl printed with ours; lists of objects
/// with a `pid` are matched by pid, since checkpointctl's order is random.
fn assert_agrees(ours: &Value, theirs: &Value, path: &str) {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in b {
                let mine = a.get(key).unwrap_or_else(|| panic!("{path}.{key} missing"));
                assert_agrees(mine, value, &format!("{path}.{key}"));
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "length of {path}");
            for (i, item) in b.iter().enumerate() {
                let mine = match item.get("pid") {
                    Some(pid) => a.iter().find(|x| x.get("pid") == Some(pid)),
                    None => a.get(i),
                };
                let mine = mine.unwrap_or_else(|| panic!("{path}[{i}] missing"));
                assert_agrees(mine, item, &format!("{path}[{i}]"));
            }
        }
        _ => assert_eq!(ours, theirs, "value of {path}"),
    }
}

#[test]
fn json_agrees_with_checkpointctl_on_every_key() {
    for archive in REAL {
        let ours = json(&inspect(&["--all", "--format", "json", archive]));
        let theirs: Value =
            serde_json::from_str(&corrected(&reference(archive, "inspect-all.json")))
                .expect("reference JSON");
        assert_eq!(ours.len(), 1);
        assert_agrees(&ours[0], &theirs[0], archive);
    }
}

/// Where a line's branch glyph starts, in characters.
fn depth(line: &str) -> Option<usize> {
    line.chars().position(|c| c == '├' || c == '└')
}

/// Environment variables print in memory order and annotations sorted;
/// checkpointctl prints both in random order. Sort the leaves of each such
/// block so that the two can be compared.
fn normalise_tree(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut block: Vec<String> = Vec::new();
    let mut block_depth: Option<usize> = None;
    for line in text.lines().map(|l| l.trim_end().to_string()) {
        if let Some(d) = block_depth {
            if depth(&line) == Some(d) {
                block.push(line.replace('└', "├"));
                continue;
            }
            block.sort();
            lines.append(&mut block);
            block_depth = None;
        }
        if line.ends_with("── Environment variables") || line.ends_with("── Annotations") {
            block_depth = depth(&line).map(|d| d + 4);
        }
        lines.push(line);
    }
    block.sort();
    lines.append(&mut block);
    lines
}

#[test]
fn tree_matches_checkpointctl_line_for_line() {
    for archive in REAL {
        let run = inspect(&["--all", archive]);
        let ours: Vec<String> = normalise_tree(&run.stdout)
            .into_iter()
            // ckpt's own additions to the size branches.
            .filter(|l| !l.contains("── /dev/shm size: ") && !l.contains("── Deleted files: "))
            .collect();
        let theirs = normalise_tree(&corrected(&reference(archive, "inspect-all.txt")));
        assert_eq!(ours, theirs, "{archive}");
    }
}

#[test]
fn process_tree_of_containerd_starts_at_pid_2() {
    let run = inspect(&["--ps-tree", "--format", "json", "containerd-cri.none.tar"]);
    let tree = &json(&run)[0]["process_tree"];
    assert_eq!(tree["pid"], 2);
    assert_eq!(tree["command"], "sh");
    // Without --ps-tree-cmd/--ps-tree-env, neither is read.
    assert!(tree.get("cmdline").is_none() && tree.get("environment_variables").is_none());
    let children: Vec<&Value> = tree["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["pid"])
        .collect();
    assert_eq!(children, [6, 7, 14]);
}

#[test]
fn stale_images_do_not_become_processes() {
    // minimal.zstd holds images of pids 1, 5, 8 and 11; the dump is 1 and 11.
    let run = inspect(&["--ps-tree-cmd", "--format", "json", "minimal.zstd.tar.zst"]);
    let tree = &json(&run)[0]["process_tree"];
    assert_eq!(tree["pid"], 1);
    let children = tree["children"].as_array().unwrap();
    assert_eq!(children.len(), 1);
    assert_eq!(children[0]["pid"], 11);
    assert_eq!(children[0]["cmdline"], "sleep 1 ");
}

#[test]
fn pid_restricts_the_tree() {
    let run = inspect(&["--pid", "13", "--ps-tree-cmd", "rich.zstd.tar.zst"]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.ends_with("Process tree"))
        .unwrap();
    assert!(lines[start + 1].contains("[13]  sh -c exec 3</root/new-file.txt"));
    assert!(lines[start + 2].ends_with("]  sleep 5 "), "{}", run.stdout);
    // The two processes, then the blank line after the tree.
    assert_eq!(lines.len(), start + 4, "{}", run.stdout);
    assert_eq!(lines[start + 3], "");

    let missing = ckpt_in(
        Some(&real_dir()),
        &["inspect", "--pid", "999", "rich.zstd.tar.zst"],
    );
    assert_eq!(missing.code, 1);
    assert_eq!(missing.stderr.lines().count(), 1);
    assert!(
        missing.stderr.contains("no process with PID 999"),
        "{}",
        missing.stderr
    );
    assert!(missing.stderr.contains("`checkpoint/pstree.img`"));
}

#[test]
fn without_flags_inspect_is_the_show_tree() {
    let run = inspect(&["rich.zstd.tar.zst"]);
    assert!(run.stdout.contains("├── Root FS diff size: 264.5 KiB"));
    assert!(!run.stdout.contains("Process tree") && !run.stdout.contains("CRIU dump statistics"));
}

#[test]
fn without_flags_or_with_stats_alone_no_process_image_is_decoded() {
    // The builder's default archive holds placeholder CRIU images that do
    // not decode: inspect must not need them for what it prints.
    use ckpt::fixture::{ArchiveFixture, ContainerFixture, FixtureEngine};
    let dir = tempfile::tempdir().expect("a temporary folder");
    let file = "placeholders.tar";
    let fixture = ArchiveFixture::Container(Box::new(ContainerFixture::new(
        FixtureEngine::Podman,
        "web",
    )));
    let bytes = fixture.to_bytes(ckpt::archive::compression::Compression::None);
    fs::write(dir.path().join(file), bytes).expect("writing");
    let run_in = |args: &[&str]| ckpt_in(Some(dir.path()), args);

    let run = run_in(&["inspect", file]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let show = run_in(&["show", "--format", "tree", file]);
    // The same tree, but for the metadata branch that --metadata adds.
    let cut = show
        .stdout
        .find("├── Deleted files: 1\n")
        .expect("a deleted-files line");
    assert_eq!(
        run.stdout,
        format!("{}└── Deleted files: 1\n\n", &show.stdout[..cut])
    );
    // --stats reads stats-dump alone; the process tree needs the rest.
    let stats = run_in(&["inspect", "--stats", file]);
    assert_eq!(
        stats.stderr,
        format!("ckpt: error: {file}: member `stats-dump`: holds no entry\n")
    );
    let flagged = run_in(&["inspect", "--ps-tree", file]);
    assert_eq!(flagged.code, 1);
    assert!(
        flagged.stderr.contains("`checkpoint/core-1.img`"),
        "{}",
        flagged.stderr
    );
}

#[test]
fn each_flag_adds_its_part() {
    let cases: &[(&str, &str)] = &[
        ("--stats", "CRIU dump statistics"),
        ("--mounts", "Overview of mounts"),
        ("--ps-tree", "Process tree"),
        ("--ps-tree-env", "Environment variables"),
        ("--files", "Open files"),
        ("--sockets", "Open sockets"),
        ("--metadata", "Metadata"),
    ];
    for (flag, branch) in cases {
        let run = inspect(&[flag, "rich.zstd.tar.zst"]);
        assert!(run.stdout.contains(branch), "{flag} does not show {branch}");
        for (other_flag, other) in cases {
            let implied = *other == "Process tree"
                && ["--ps-tree-env", "--files", "--sockets"].contains(flag);
            if other != branch && !implied {
                assert!(
                    !run.stdout.contains(other),
                    "{flag} also shows {other} ({other_flag})"
                );
            }
        }
    }
    let cmd = inspect(&["--ps-tree-cmd", "rich.zstd.tar.zst"]);
    assert!(cmd.stdout.contains("[1]  /bin/sh /vol/start.sh "));
    let plain = inspect(&["--ps-tree", "rich.zstd.tar.zst"]);
    assert!(plain.stdout.contains("[1]  start.sh"));
}

#[test]
fn secret_in_the_environment_is_found_from_standard_input_too() {
    let bytes = fs::read(real_dir().join("rich.zstd.tar.zst")).expect("fixture");
    let run = ckpt_stdin(
        &["inspect", "--ps-tree-env", "--format", "json", "-"],
        &bytes,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let tree = &json(&run)[0]["process_tree"];
    assert_eq!(
        tree["environment_variables"]["SECRET_TOKEN"],
        "s3cr3t-t0ken-for-testing-0123456789"
    );
}
