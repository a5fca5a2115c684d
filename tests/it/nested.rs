//! `inspect --rootfs-diff` and `--devshm`: the listing of the nested tars,
//! checked line by line against GNU tar's `tar -tv` of the same nested tar,
//! and field by field against the tar crate's reading of it.

use std::io::{Cursor, Read, Write};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::util::{REAL, ckpt, ckpt_stdin, json, real_dir, tar_stream};

/// The data of member `name` of a plain tar, if it is there.
fn member(tar: &[u8], name: &str) -> Option<Vec<u8>> {
    let mut archive = tar::Archive::new(Cursor::new(tar));
    for entry in archive.entries().expect("a tar") {
        let mut entry = entry.expect("an entry");
        if entry.path_bytes().as_ref() == name.as_bytes() {
            let mut data = Vec::new();
            entry.read_to_end(&mut data).expect("member data");
            return Some(data);
        }
    }
    None
}

/// One listing line as `MODE OWNER SIZE TIME NAME`, single-spaced: both
/// tools pad their columns, each its own way. `time_words` is how many
/// words the time takes (GNU tar: a date and a time).
fn columns(line: &str, time_words: usize) -> String {
    let mut words = line.split_whitespace();
    let fixed: Vec<&str> = words.by_ref().take(3 + time_words).collect();
    let last = fixed.last().expect("the time");
    // The name is everything after the time, spaces included.
    let name_at = line.find(last).expect("the time") + last.len() + 1;
    let time = if time_words == 2 {
        format!("{}T{}Z", fixed[3], fixed[4])
    } else {
        fixed[3].to_string()
    };
    format!(
        "{} {} {} {time} {}",
        fixed[0],
        fixed[1],
        fixed[2],
        &line[name_at..]
    )
}

/// GNU tar's listing of a nested tar, its times in UTC as RFC 3339.
fn gnu_tar_listing(nested: &[u8]) -> Vec<String> {
    let mut args = vec!["-tv", "--numeric-owner", "--full-time", "-f", "-"];
    if nested.starts_with(&[0x1f, 0x8b]) {
        args.push("-z");
    }
    let mut child = Command::new("tar")
        .args(&args)
        .env("TZ", "UTC")
        .env("LC_ALL", "C")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("GNU tar runs");
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(nested)
        .expect("tar reads it");
    let output = child.wait_with_output().expect("tar finishes");
    assert!(output.status.success(), "tar -tv failed");
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    text.lines().map(|line| columns(line, 2)).collect()
}

/// The file lines under the tree node that starts with `title`, without
/// the branch characters.
fn tree_listing(tree: &str, title: &str) -> Vec<String> {
    let mut lines = tree.lines().skip_while(|l| !l.contains(title));
    let head = lines
        .next()
        .unwrap_or_else(|| panic!("no `{title}` in\n{tree}"));
    // Children are drawn four columns further in than their node's label.
    let label_at = head.chars().take_while(|c| " │├└─".contains(*c)).count();
    let child_at = label_at + 4;
    lines
        .take_while(|l| l.chars().nth(label_at).is_some_and(|c| "├└".contains(c)))
        .filter(|l| !l.contains("more (not listed)"))
        .map(|l| columns(&l.chars().skip(child_at).collect::<String>(), 1))
        .collect()
}

#[test]
fn listings_agree_with_gnu_tar_on_every_real_archive() {
    let mut listed = 0;
    for archive in REAL {
        let tar = tar_stream(&real_dir().join(archive));
        let run = ckpt(&[
            "inspect",
            "--rootfs-diff",
            "--devshm",
            &format!("real/{archive}"),
        ]);
        assert_eq!(run.code, 0, "{archive}: {}", run.stderr);
        for (member_name, title) in [
            ("rootfs-diff.tar", "Root FS diff"),
            ("devshm-checkpoint.tar", "/dev/shm"),
        ] {
            match member(&tar, member_name) {
                Some(nested) => {
                    let expected = gnu_tar_listing(&nested);
                    let got = tree_listing(&run.stdout, &format!("{title} ({member_name}"));
                    assert_eq!(got, expected, "{archive}: {member_name}");
                    listed += expected.len();
                }
                None => assert!(
                    run.stdout
                        .contains(&format!("{title}: no {member_name} in the archive")),
                    "{archive}: {}",
                    run.stdout
                ),
            }
        }
    }
    // rich: 10 + 3 entries; containerd: 13; minimal: the devshm folder.
    assert!(listed >= 26, "{listed} lines compared");
}

/// What the tar crate reads of a nested tar, as ckpt's JSON spells it.
fn tar_crate_files(nested: &[u8]) -> Vec<Value> {
    let plain = if nested.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(nested)
            .read_to_end(&mut out)
            .expect("gzip");
        out
    } else {
        nested.to_vec()
    };
    let mut archive = tar::Archive::new(Cursor::new(plain));
    archive
        .entries()
        .expect("a tar")
        .map(|e| {
            let e = e.expect("an entry");
            let h = e.header();
            let kind = match h.entry_type() {
                tar::EntryType::Regular => "file",
                tar::EntryType::Directory => "dir",
                tar::EntryType::Symlink => "symlink",
                tar::EntryType::Link => "hardlink",
                other => panic!("unexpected {other:?}"),
            };
            let mtime = h.mtime().expect("mtime");
            let time = Command::new("date")
                .args(["-u", "-d", &format!("@{mtime}"), "+%Y-%m-%dT%H:%M:%SZ"])
                .output()
                .expect("date runs");
            serde_json::json!({
                "path": String::from_utf8_lossy(&e.path_bytes()),
                "type": kind,
                "size": h.size().expect("size"),
                "mode": format!("{:04o}", h.mode().expect("mode") & 0o7777),
                "uid": h.uid().expect("uid"),
                "gid": h.gid().expect("gid"),
                "mtime": String::from_utf8(time.stdout).expect("UTF-8").trim(),
            })
        })
        .collect()
}

#[test]
fn json_lists_every_field_as_the_tar_crate_reads_it() {
    for archive in ["rich.zstd.tar.zst", "containerd-cri.none.tar"] {
        let tar = tar_stream(&real_dir().join(archive));
        let run = ckpt(&[
            "inspect",
            "--rootfs-diff",
            "--devshm",
            "--format",
            "json",
            &format!("real/{archive}"),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let container = &json(&run)[0];
        for (key, name) in [
            ("rootfs_diff", "rootfs-diff.tar"),
            ("devshm", "devshm-checkpoint.tar"),
        ] {
            let listing = &container[key];
            let Some(nested) = member(&tar, name) else {
                assert_eq!(listing["compression"], Value::Null, "{archive}");
                assert_eq!(listing["files"], serde_json::json!([]));
                continue;
            };
            let expected = tar_crate_files(&nested);
            assert_eq!(
                listing["files"],
                Value::Array(expected.clone()),
                "{archive} {key}"
            );
            let gzip = nested.starts_with(&[0x1f, 0x8b]);
            assert_eq!(listing["compression"], if gzip { "gzip" } else { "none" });
            assert_eq!(listing["total_files"], expected.len());
            let data: u64 = expected
                .iter()
                .filter(|f| f["type"] == "file")
                .map(|f| f["size"].as_u64().expect("a size"))
                .sum();
            assert_eq!(listing["total_size"], data);
            assert_eq!(listing["more_files"], 0);
            assert_eq!(listing["more_deleted"], 0);
        }
    }
}

#[test]
fn deleted_paths_come_from_deleted_files_and_whiteouts() {
    let podman = ckpt(&[
        "inspect",
        "--rootfs-diff",
        "--format",
        "json",
        "real/rich.zstd.tar.zst",
    ]);
    assert_eq!(
        json(&podman)[0]["rootfs_diff"]["deleted"],
        serde_json::json!(["/data/delete-me.txt", "/etc/motd"])
    );
    // containerd writes no deleted.files: its layer has a whiteout.
    let containerd = ckpt(&[
        "inspect",
        "--rootfs-diff",
        "--devshm",
        "real/containerd-cri.none.tar",
    ]);
    assert!(
        containerd
            .stdout
            .contains("├── Deleted files (1)\n│   └── /data/delete-me.txt\n"),
        "{}",
        containerd.stdout
    );
}

#[test]
fn sort_by_size_puts_the_largest_first() {
    let run = ckpt(&[
        "inspect",
        "--rootfs-diff",
        "--sort",
        "size",
        "real/rich.zstd.tar.zst",
    ]);
    let sizes: Vec<u64> = tree_listing(&run.stdout, "Root FS diff (rootfs-diff.tar")
        .iter()
        .map(|l| {
            l.split(' ')
                .nth(2)
                .expect("a size")
                .parse()
                .expect("a number")
        })
        .collect();
    assert_eq!(sizes, [262_144, 138, 47, 18, 15, 5, 0, 0, 0, 0]);
    // The heading counts every entry and adds up their sizes (262 367 B).
    assert!(
        run.stdout
            .contains("├── Root FS diff (rootfs-diff.tar): 10 entries, 256.2 KiB\n"),
        "{}",
        run.stdout
    );
    let devshm = ckpt(&["inspect", "--devshm", "synthetic/podman-container.tar"]);
    assert!(
        devshm
            .stdout
            .contains("└── /dev/shm (devshm-checkpoint.tar): 1 entry, 100 B\n"),
        "{}",
        devshm.stdout
    );
    let first = tree_listing(&run.stdout, "Root FS diff (rootfs-diff.tar");
    assert_eq!(
        first[0],
        "-rw-r--r-- 0/0 262144 2026-12-03T18:45:19Z var/lib/app/blob.bin"
    );
    // Equal sizes by path.
    assert!(first[6].ends_with(" var/lib/") && first[9].ends_with(" vol/"));
}

#[test]
fn a_stream_lists_what_a_seekable_file_lists() {
    for archive in [
        "minimal.none.tar",
        "containerd-cri.none.tar",
        "rich.zstd.tar.zst",
    ] {
        let path = format!("real/{archive}");
        let args = ["inspect", "--rootfs-diff", "--devshm", "--format", "json"];
        let from_file = ckpt(&[&args[..], &[path.as_str()]].concat());
        let bytes = std::fs::read(real_dir().join(archive)).expect("a fixture");
        let from_stdin = ckpt_stdin(&[&args[..], &["-"]].concat(), &bytes);
        assert_eq!(from_stdin.code, 0, "{}", from_stdin.stderr);
        let mut file_json = json(&from_file);
        let mut stdin_json = json(&from_stdin);
        file_json[0]["archive"] = Value::Null;
        stdin_json[0]["archive"] = Value::Null;
        assert_eq!(file_json, stdin_json, "{archive}");
    }
}

#[test]
fn without_the_flags_nothing_is_listed() {
    let run = ckpt(&[
        "inspect",
        "--all",
        "--format",
        "json",
        "real/rich.zstd.tar.zst",
    ]);
    let container = &json(&run)[0];
    assert!(container.get("rootfs_diff").is_none() && container.get("devshm").is_none());
    let tree = ckpt(&["inspect", "--all", "real/rich.zstd.tar.zst"]);
    assert!(!tree.stdout.contains("(rootfs-diff.tar)"));
}
