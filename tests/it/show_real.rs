//! `show` on the real archives, compared with what checkpointctl printed
//! for them (`fixtures/real/reference/`).

use std::fs;

use serde_json::Value;

use crate::util::{REAL, Run, ckpt_in, ckpt_stdin, json, real_dir, reference};

fn show(args: &[&str]) -> Run {
    let run = ckpt_in(Some(&real_dir()), args);
    assert_eq!(run.code, 0, "ckpt {args:?} failed: {}", run.stderr);
    run
}

#[test]
fn table_matches_checkpointctl_byte_for_byte() {
    for archive in REAL {
        let run = show(&["show", archive]);
        assert_eq!(
            run.stdout,
            reference(archive, "show.txt"),
            "table of {archive}"
        );
        assert_eq!(run.stderr, "", "no warnings for {archive}");
    }
}

/// Every key both tools print has the same value. Objects are compared key
/// by key; anything else must be equal.
fn assert_agrees(ours: &Value, theirs: &Value, path: &str) {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in b {
                if let Some(mine) = a.get(key) {
                    assert_agrees(mine, value, &format!("{path}.{key}"));
                }
            }
        }
        _ => assert_eq!(ours, theirs, "value of {path}"),
    }
}

#[test]
fn json_agrees_with_checkpointctl_on_every_shared_key() {
    for archive in REAL {
        let ours = json(&show(&["show", "--format", "json", archive]));
        let theirs: Vec<Value> =
            serde_json::from_str(&reference(archive, "inspect-all.json")).expect("reference JSON");
        assert_eq!(ours.len(), 1, "{archive}");
        assert_agrees(&ours[0], &theirs[0], archive);

        // The keys checkpointctl prints that `show` must print too: all but
        // the CRIU-decoded parts.
        let decoded = [
            "statistics",
            "process_tree",
            "file_descriptors",
            "sockets",
            "mounts",
        ];
        for key in theirs[0].as_object().expect("an object").keys() {
            if !decoded.contains(&key.as_str()) {
                assert!(ours[0].get(key).is_some(), "{archive}: key `{key}` missing");
            }
        }
    }
}

#[test]
fn json_adds_archive_facts_and_sizes() {
    let run = show(&[
        "show",
        "-f",
        "json",
        "rich.zstd.tar.zst",
        "minimal.none.tar",
    ]);
    let all = json(&run);
    let rich = &all[0];
    assert_eq!(rich["archive"], "rich.zstd.tar.zst");
    assert_eq!(rich["archive_type"], "container");
    assert_eq!(rich["compression"], "zstd");
    assert_eq!(rich["checkpoint_size"]["devshm_size"], 134_144);
    assert_eq!(rich["checkpoint_size"]["root_fs_diff_size"], 270_848);
    assert_eq!(rich["checkpoint_size"]["volumes_size"], 0);
    assert_eq!(rich["checkpoint_size"]["amd_gpu_memory_pages_size"], 0);
    assert_eq!(rich["deleted_files"], 2);
    assert_eq!(
        rich["networks"][0]["interfaces"]["eth0"]["gateway"],
        "10.88.0.1"
    );

    let minimal = &all[1];
    assert_eq!(minimal["compression"], "none");
    // network.status is the JSON `null`: no addresses at all.
    assert!(minimal.get("ip").is_none() && minimal.get("networks").is_none());
    assert_eq!(minimal["deleted_files"], Value::Null);
    assert_eq!(minimal["checkpoint_size"]["devshm_size"], 1536);
    assert_eq!(minimal["checkpoint_size"]["root_fs_diff_size"], 0);
}

#[test]
fn containerd_facts_come_from_annotations_and_config() {
    let run = show(&["show", "--format", "json", "containerd-cri.none.tar"]);
    let web = &json(&run)[0];
    assert_eq!(web["container_name"], "web");
    assert_eq!(web["engine"], "containerd");
    assert_eq!(web["runtime"], "io.containerd.runc.v2");
    assert_eq!(web["created"], "2026-12-03T18:45:45Z");
    assert_eq!(web["checkpointed"], "2026-12-03T18:45:49Z");
    assert_eq!(web["metadata"]["pod_name"], "cri-web");
    assert_eq!(web["metadata"]["kubernetes_namespace"], "default");
    // The gzip-compressed layer blob is reported at its stored size.
    assert_eq!(web["checkpoint_size"]["root_fs_diff_size"], 66_192);
    assert_eq!(web["checkpoint_size"]["devshm_size"], 0);
}

/// The lines of checkpointctl's tree from the container name up to the
/// CRIU statistics, which `show` does not decode.
fn reference_tree_head(archive: &str) -> Vec<String> {
    reference(archive, "inspect-all.txt")
        .lines()
        .skip(3)
        .take_while(|line| !line.contains("CRIU dump statistics"))
        .map(str::to_string)
        .collect()
}

#[test]
fn tree_has_checkpointctl_lines_in_the_same_order() {
    for archive in REAL {
        let run = show(&["show", "--format", "tree", archive]);
        let ours: Vec<&str> = run.stdout.lines().collect();
        assert_eq!(
            ours[1],
            format!("Displaying container checkpoint tree view from {archive}")
        );
        let mut rest = ours.iter();
        for line in reference_tree_head(archive) {
            // Same text, except the branch glyph of what is last in our
            // tree and not in theirs, or the reverse.
            let text = line.trim_start_matches(['│', '├', '└', '─', ' ']);
            assert!(
                rest.any(|mine| mine.trim_start_matches(['│', '├', '└', '─', ' ']) == text),
                "{archive}: line `{line}` missing or out of order in:\n{}",
                run.stdout
            );
        }
    }
}

#[test]
fn tree_shows_metadata_and_our_sizes() {
    let run = show(&["show", "--format", "tree", "rich.zstd.tar.zst"]);
    for line in [
        "├── Root FS diff size: 264.5 KiB",
        "├── /dev/shm size: 131.0 KiB",
        "├── Deleted files: 2",
        "└── Metadata",
        "        ├── io.container.manager: libpod",
        "│   └── podman (eth0)",
        "│       └── Gateway: 10.88.0.1",
    ] {
        assert!(
            run.stdout.lines().any(|l| l == line),
            "`{line}` missing in:\n{}",
            run.stdout
        );
    }
}

#[test]
fn several_files_share_one_table_without_a_title() {
    let run = show(&[
        "show",
        "minimal.none.tar",
        "rich.zstd.tar.zst",
        "containerd-cri.none.tar",
    ]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{}", run.stdout);
    assert!(lines[0].starts_with("CONTAINER   IMAGE"));
    assert!(lines[0].ends_with("CHKPT SIZE   ROOT FS DIFF SIZE"));
    assert!(lines[2].starts_with("minimal     localhost/base:latest"));
    // A container without a diff shows 0 B in the shared column.
    assert!(lines[2].ends_with("166.9 KiB    0 B"), "{}", lines[2]);
    assert!(lines[3].ends_with("784.3 KiB    264.5 KiB"), "{}", lines[3]);
    assert!(lines[4].starts_with("web "));
}

#[test]
fn standard_input_is_read_as_a_stream() {
    for archive in ["minimal.zstd.tar.zst", "containerd-cri.none.tar"] {
        let bytes = fs::read(real_dir().join(archive)).expect("fixture");
        let run = ckpt_stdin(&["show", "--format", "json", "-"], &bytes);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let report = &json(&run)[0];
        assert_eq!(report["archive"], "-");
        let from_file = &json(&show(&["show", "--format", "json", archive]))[0];
        for key in [
            "container_name",
            "id",
            "created",
            "checkpoint_size",
            "metadata",
        ] {
            assert_eq!(report[key], from_file[key], "{archive}: {key}");
        }
    }
}

#[test]
fn pzstd_output_with_skippable_frames_is_zstd() {
    // pzstd writes each frame behind a skippable frame holding its size.
    let tar = fs::read(real_dir().join("minimal.none.tar")).expect("fixture");
    let mut bytes = Vec::new();
    for half in tar.chunks(tar.len() / 2 + 1) {
        let frame = zstd::encode_all(half, 3).expect("compressing in memory");
        bytes.extend_from_slice(&[0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0]);
        bytes.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&frame);
    }
    let run = ckpt_stdin(&["show", "--format", "json", "-"], &bytes);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let records = json(&run);
    assert_eq!(records[0]["compression"], "zstd");
    assert_eq!(records[0]["container_name"], "minimal");
}
