//! Every synthetic fixture in every output format, compared whole with the
//! expected output in `fixtures/synthetic/expected/`, so that every field
//! each format prints is checked, in every compression.
//!
//! The expected files were written by ckpt itself and read line by line
//! against what `examples/make_fixtures.rs` puts into each archive; after
//! a deliberate change of the output, `CKPT_BLESS=1 cargo test expected`
//! rewrites them, and the diff is what to review. The archive's path is
//! written `ARCHIVE` and its compression `COMPRESSION` in them.

use std::fs;
use std::path::PathBuf;

use crate::util::{ckpt, fixtures};

const STEMS: &[&str] = &[
    "podman-container",
    "crio-container",
    "containerd-container",
    "crio-pod",
    "containerd-pod",
    "kubelet",
];
const EXTENSIONS: &[(&str, &str)] = &[("tar", "none"), ("tar.gz", "gzip"), ("tar.zst", "zstd")];

/// Each output, by the suffix of its expected file, and its arguments.
fn outputs(stem: &str) -> Vec<(&'static str, Vec<&'static str>)> {
    let mut all = vec![
        ("show.txt", vec!["show"]),
        ("show.json", vec!["show", "--format", "json"]),
        ("show-tree.txt", vec!["show", "--format", "tree"]),
    ];
    // A kubelet archive's checkpoints are nested archives, which inspect
    // and memparse refuse (tested in inspect.rs and memparse.rs).
    if stem != "kubelet" {
        all.push(("inspect-all.txt", vec!["inspect", "--all"]));
        all.push((
            "inspect-all.json",
            vec!["inspect", "--all", "--format", "json"],
        ));
    }
    if stem.ends_with("container") {
        all.push(("memparse.txt", vec!["memparse"]));
    }
    all
}

fn expected_path(stem: &str, suffix: &str) -> PathBuf {
    fixtures()
        .join("synthetic/expected")
        .join(format!("{stem}.{suffix}"))
}

#[test]
fn every_fixture_prints_its_expected_output_in_every_format() {
    let bless = std::env::var_os("CKPT_BLESS").is_some();
    for stem in STEMS {
        for (suffix, args) in outputs(stem) {
            for (extension, compression) in EXTENSIONS {
                let file = format!("synthetic/{stem}.{extension}");
                let mut all = args.clone();
                all.push(&file);
                let run = ckpt(&all);
                assert_eq!(run.code, 0, "{all:?}: {}", run.stderr);
                assert_eq!(run.stderr, "", "{all:?} warns");
                let got = run.stdout.replace(&file, "ARCHIVE").replace(
                    &format!("\"compression\": \"{compression}\""),
                    "\"compression\": \"COMPRESSION\"",
                );
                let path = expected_path(stem, suffix);
                if bless && *extension == "tar" {
                    fs::create_dir_all(path.parent().expect("a folder")).expect("writable");
                    fs::write(&path, &got).expect("writable");
                    continue;
                }
                let expected = fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{}: {e} (CKPT_BLESS=1 writes it)", path.display()));
                assert!(
                    got == expected,
                    "{all:?} differs from {}:\n{}",
                    path.display(),
                    first_difference(&expected, &got)
                );
            }
        }
    }
}

/// The first line where `got` differs from `expected`, for the message.
fn first_difference(expected: &str, got: &str) -> String {
    let mut got_lines = got.lines();
    for (i, want) in expected.lines().enumerate() {
        match got_lines.next() {
            Some(line) if line == want => {}
            other => return format!("line {}: expected {want:?}, got {other:?}", i + 1),
        }
    }
    match got_lines.next() {
        Some(extra) => format!("an extra line: {extra:?}"),
        None => "the same lines, other line endings".to_string(),
    }
}
