//! Inputs that once broke ckpt, replayed through the fuzz targets' own
//! code (`fuzz/src/harness.rs`, included here), which runs every command
//! of the library on them with every output writer.
//!
//! Each file in `fuzz/regressions/<target>/` is an input of that target as
//! libFuzzer hands it: a first byte choosing what it replaces, then the
//! bytes. Its name starts with the member it replaces, which the replay
//! checks, so that a change of the harness cannot silently make a file
//! test something else. Kept here: what fuzzing found, and the hostile
//! images found by hand that took memory or stack without bound (a chain
//! of processes, empty entries and VMAs, deep JSON).

use std::fs;
use std::path::Path;

#[allow(dead_code)]
#[path = "../../fuzz/src/harness.rs"]
mod harness;

/// Every input of `target`, with its file name.
fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut all: Vec<(String, Vec<u8>)> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("an entry").path();
            let name = path
                .file_name()
                .expect("a name")
                .to_string_lossy()
                .into_owned();
            (name, fs::read(&path).expect("a readable input"))
        })
        .collect();
    all.sort();
    assert!(!all.is_empty(), "{target}: no inputs to replay");
    all
}

/// Check that an input's first byte selects the member its name starts
/// with, in `base`'s `targets`.
fn selects(name: &str, bytes: &[u8], base: usize, targets: &[usize]) {
    let index = targets[usize::from(bytes[0]) % targets.len()];
    let member = &harness::bases()[base].members[index].0;
    let file = member.rsplit('/').next().unwrap_or(member);
    assert!(
        name.starts_with(&format!("{file}-")),
        "{name} replaces `{member}`"
    );
}

#[test]
fn criu_inputs_replay_without_a_panic() {
    for (name, bytes) in inputs("criu") {
        selects(&name, &bytes, 0, harness::criu_targets());
        harness::criu(&bytes);
    }
}

#[test]
fn metadata_inputs_replay_without_a_panic() {
    let targets = harness::metadata_targets();
    for (name, bytes) in inputs("metadata") {
        let (base, member) = targets[usize::from(bytes[0]) % targets.len()];
        selects(&name, &bytes, base, &[member]);
        harness::metadata(&bytes);
    }
}
