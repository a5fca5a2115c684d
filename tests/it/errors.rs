//! Error paths of `ckpt show`.
//!
//! Every broken input must give exactly one line on stderr,
//! `ckpt: error: FILE: message`, that names the member in backticks where
//! there is one, and exit code 1 (a panic would exit 101). The broken inputs
//! are built at test time in a temporary folder, from the fixture builder or
//! from the committed fixtures.

use std::fs;
use std::io::Write;
use std::path::PathBuf;

use ckpt::archive::compression::Compression;
use ckpt::fixture::{ArchiveFixture, ContainerFixture, FixtureEngine, PodOptionsShape};
use ckpt::members::{JSON_MEMBER_CAP, MAX_FOLDERS, METADATA_BUDGET};
use tempfile::TempDir;

use crate::util::{Member, Run, ckpt_in, ckpt_stdin, compressed_cut, fixtures, json, layout};

/// The name broken archives are written under.
const BROKEN: &str = "broken.tar";

// ---------------------------------------------------------------------------
// Building inputs and running `show` on them.

/// A temporary folder to write broken inputs to and run `ckpt` in, so that
/// file names print exactly as given.
struct Scratch(TempDir);

impl Scratch {
    fn new() -> Scratch {
        Scratch(tempfile::tempdir().expect("a temporary folder"))
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }

    fn write(&self, name: &str, bytes: &[u8]) {
        fs::write(self.path(name), bytes).expect("writing a scratch file");
    }

    /// `ckpt show ARGS`, run inside the folder.
    fn show(&self, args: &[&str]) -> Run {
        let mut all = vec!["show"];
        all.extend_from_slice(args);
        ckpt_in(Some(self.0.path()), &all)
    }
}

/// Write `bytes` to a temporary file named `name` and run `ckpt show name`.
fn show_file(name: &str, bytes: &[u8]) -> Run {
    let scratch = Scratch::new();
    scratch.write(name, bytes);
    scratch.show(&[name])
}

/// Where a broken archive is handed to `ckpt`.
#[derive(Debug, Clone, Copy)]
enum Via {
    /// A regular file, which a plain tar is read from with seeks.
    File,
    /// Standard input (`-`), read forward only.
    Stdin,
}

/// Run `ckpt show` on `bytes` given `via`; returns the run and the file name
/// the error line must start with.
fn show_via(via: Via, bytes: &[u8]) -> (Run, &'static str) {
    match via {
        Via::File => (show_file(BROKEN, bytes), BROKEN),
        Via::Stdin => (ckpt_stdin(&["show", "-"], bytes), "-"),
    }
}

/// The Podman container `web`, with the builder's small defaults.
fn web() -> ContainerFixture {
    ContainerFixture::new(FixtureEngine::Podman, "web")
}

/// A container archive of `container`.
fn container_archive(container: ContainerFixture, compression: Compression) -> Vec<u8> {
    ArchiveFixture::Container(Box::new(container)).to_bytes(compression)
}

/// The plain tar of `web`, changed by `change` first.
fn web_archive(change: impl FnOnce(&mut ContainerFixture)) -> Vec<u8> {
    let mut container = web();
    change(&mut container);
    container_archive(container, Compression::None)
}

/// A pod archive `shop` holding `container` and a healthy `db`.
fn pod_archive(container: ContainerFixture) -> Vec<u8> {
    ArchiveFixture::Pod {
        name: "shop".to_string(),
        namespace: "default".to_string(),
        uid: "uid-shop".to_string(),
        pod_dump: false,
        options_shape: PodOptionsShape::Map,
        containers: vec![container, ContainerFixture::new(FixtureEngine::CriO, "db")],
    }
    .to_bytes(Compression::None)
}

/// A plain tar holding exactly `members`.
fn raw_archive(members: &[(&str, &[u8])]) -> Vec<u8> {
    let members = members
        .iter()
        .map(|(name, bytes)| (name.to_string(), bytes.to_vec()))
        .collect();
    ArchiveFixture::Raw(members).to_bytes(Compression::None)
}

/// The folder a pod archive keeps `container`'s members in.
fn pod_folder(container: &ContainerFixture) -> String {
    format!("{}-{}", container.id, container.name)
}

/// The plain tar of `web`, the index of `name` in it and its layout.
fn web_tar_at(name: &str) -> (Vec<u8>, usize, Vec<Member>) {
    let tar = container_archive(web(), Compression::None);
    let members = layout(&tar);
    let index = members
        .iter()
        .position(|m| m.name == name)
        .unwrap_or_else(|| panic!("`{name}` is in the fixture"));
    (tar, index, members)
}

/// A memory pages member, large enough to cut in the middle.
const PAGES: &str = "checkpoint/pages-1.img";

/// `bytes` with every byte in `range` inverted.
fn flipped(mut bytes: Vec<u8>, range: std::ops::Range<usize>) -> Vec<u8> {
    for b in &mut bytes[range] {
        *b = !*b;
    }
    bytes
}

/// A committed fixture's bytes.
fn fixture(path: &str) -> Vec<u8> {
    fs::read(fixtures().join(path)).expect("a committed fixture")
}

/// A committed fixture's absolute path, as a string for the command line.
fn fixture_arg(path: &str) -> String {
    fixtures().join(path).to_string_lossy().into_owned()
}

// ---------------------------------------------------------------------------
// Checking the outcome.

/// Assert that the run failed with exactly one stderr line, an error about
/// `file` that contains every one of `words`; returns that line.
fn assert_error_line(run: &Run, file: &str, words: &[&str]) -> String {
    assert_eq!(
        run.code, 1,
        "exit code (101 is a panic); stderr:\n{}",
        run.stderr
    );
    let lines = run.stderr_lines();
    assert_eq!(lines.len(), 1, "one stderr line, got:\n{}", run.stderr);
    let line = lines[0];
    let prefix = format!("ckpt: error: {file}: ");
    assert!(line.starts_with(&prefix), "{line:?} starts with {prefix:?}");
    for word in words {
        assert!(line.contains(word), "{line:?} contains {word:?}");
    }
    line.to_string()
}

/// Like [`assert_error_line`], for a run on one file alone: nothing may
/// reach stdout.
fn assert_fails(run: &Run, file: &str, words: &[&str]) -> String {
    assert!(run.stdout.is_empty(), "empty stdout, got:\n{}", run.stdout);
    assert_error_line(run, file, words)
}

/// `member `NAME``, the way messages name a member.
fn member(name: &str) -> String {
    format!("member `{name}`")
}

// ---------------------------------------------------------------------------
// Opening the input.

#[test]
fn missing_file_cannot_be_opened() {
    let scratch = Scratch::new();
    let run = scratch.show(&["missing.tar"]);
    assert_fails(&run, "missing.tar", &["cannot open", "No such file"]);
}

#[test]
fn folder_is_not_an_archive_file() {
    let scratch = Scratch::new();
    fs::create_dir(scratch.path("folder.tar")).unwrap();
    let run = scratch.show(&["folder.tar"]);
    assert_fails(&run, "folder.tar", &["is a directory, not an archive file"]);
}

#[test]
fn empty_file_is_reported_as_empty() {
    let run = show_file("empty.tar", b"");
    assert_fails(&run, "empty.tar", &["input is empty"]);
}

#[test]
fn text_file_is_not_a_tar_archive() {
    let run = show_file("notes.tar", b"these are my notes, not an archive\n");
    assert_fails(
        &run,
        "notes.tar",
        &[
            "not a tar archive",
            "no tar header and no known compression magic",
        ],
    );
}

#[test]
fn xz_magic_is_an_unsupported_compression() {
    let mut bytes = vec![0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
    bytes.extend_from_slice(&[0x55; 600]);
    let run = show_file("web.tar.xz", &bytes);
    assert_fails(
        &run,
        "web.tar.xz",
        &["unsupported compression: xz (supported: none, gzip, zstd)"],
    );
}

#[test]
fn bzip2_magic_is_an_unsupported_compression() {
    let mut bytes = b"BZh91AY&SY".to_vec();
    bytes.extend_from_slice(&[0x55; 600]);
    let run = show_file("web.tar.bz2", &bytes);
    assert_fails(
        &run,
        "web.tar.bz2",
        &["unsupported compression: bzip2 (supported: none, gzip, zstd)"],
    );
}

// ---------------------------------------------------------------------------
// Truncated streams.

/// Cut `web` in the middle of the pages member's data.
fn cut_inside_member_data(via: Via) {
    let (tar, i, members) = web_tar_at(PAGES);
    let cut = members[i].data + members[i].size / 2;
    let (run, file) = show_via(via, &tar[..cut]);
    assert_fails(
        &run,
        file,
        &["archive is truncated", &format!("inside {}", member(PAGES))],
    );
}

/// Cut `web` exactly where the pages member's header starts: no end marker.
fn cut_at_header_boundary(via: Via) {
    let (tar, i, members) = web_tar_at(PAGES);
    let (run, file) = show_via(via, &tar[..members[i].header]);
    let before = &members[i - 1].name;
    assert_fails(
        &run,
        file,
        &["archive is truncated", &format!("after {}", member(before))],
    );
}

/// Cut `web` in the middle of the pages member's header.
fn cut_inside_header(via: Via) {
    let (tar, i, members) = web_tar_at(PAGES);
    let (run, file) = show_via(via, &tar[..members[i].header + 100]);
    let before = &members[i - 1].name;
    assert_fails(
        &run,
        file,
        &["archive is truncated", &format!("after {}", member(before))],
    );
}

#[test]
fn truncated_inside_member_data_names_the_member() {
    cut_inside_member_data(Via::File);
}

#[test]
fn truncated_at_a_header_boundary_names_the_last_complete_member() {
    cut_at_header_boundary(Via::File);
}

#[test]
fn truncated_inside_a_header_names_the_last_complete_member() {
    cut_inside_header(Via::File);
}

#[test]
fn truncated_stdin_inside_member_data_names_the_member() {
    cut_inside_member_data(Via::Stdin);
}

#[test]
fn truncated_stdin_at_a_header_boundary_names_the_last_complete_member() {
    cut_at_header_boundary(Via::Stdin);
}

#[test]
fn truncated_stdin_inside_a_header_names_the_last_complete_member() {
    cut_inside_header(Via::Stdin);
}

#[test]
fn truncated_metadata_member_names_the_member() {
    let (tar, i, members) = web_tar_at("spec.dump");
    let cut = members[i].data + members[i].size / 2;
    for via in [Via::File, Via::Stdin] {
        let (run, file) = show_via(via, &tar[..cut]);
        assert_fails(
            &run,
            file,
            &["archive is truncated", "inside member `spec.dump`"],
        );
    }
}

/// Cut a compressed archive in half: the decoder runs out of input.
fn cut_compressed_in_half(compression: Compression, name: &str, words: &[&str]) {
    let bytes = container_archive(web(), compression);
    let run = show_file(name, &bytes[..bytes.len() / 2]);
    assert_fails(&run, name, words);
}

#[test]
fn gzip_cut_in_half_is_truncation() {
    let words = ["archive is truncated"];
    cut_compressed_in_half(Compression::Gzip, "web.tar.gz", &words);
}

#[test]
fn zstd_cut_in_half_is_truncation() {
    let words = ["archive is truncated"];
    cut_compressed_in_half(Compression::Zstd, "web.tar.zst", &words);
}

/// Cut a compressed `web` where the pages member's data is half read, and
/// check the error says where: inside that member or after the one before
/// it, never after the member that was cut.
fn compressed_cut_inside_member_data(compression: Compression, name: &str) {
    let (tar, i, members) = web_tar_at(PAGES);
    let cut = members[i].data + members[i].size / 2;
    let run = show_file(name, &compressed_cut(&tar, cut, compression));
    let line = assert_fails(&run, name, &[]);
    let inside = format!("inside {}", member(PAGES));
    let after_previous = format!("after {}", member(&members[i - 1].name));
    assert!(
        line.contains(&inside) || line.contains(&after_previous),
        "{line:?} places the cut inside `{PAGES}`"
    );
}

#[test]
fn gzip_cut_inside_member_data_places_the_cut() {
    compressed_cut_inside_member_data(Compression::Gzip, "web.tar.gz");
}

#[test]
fn zstd_cut_inside_member_data_places_the_cut() {
    compressed_cut_inside_member_data(Compression::Zstd, "web.tar.zst");
}

// ---------------------------------------------------------------------------
// Damaged data.

#[test]
fn corrupt_tar_header_names_the_last_complete_member() {
    let (tar, i, members) = web_tar_at(PAGES);
    // A byte of the name: the header checksum no longer matches.
    let header = members[i].header;
    let run = show_file(BROKEN, &flipped(tar, header..header + 1));
    let before = &members[i - 1].name;
    assert_fails(
        &run,
        BROKEN,
        &["corrupt tar header", &format!("after {}", member(before))],
    );
}

#[test]
fn corrupt_first_tar_header_is_before_the_first_member() {
    let tar = container_archive(web(), Compression::None);
    let run = show_file(BROKEN, &flipped(tar, 0..1));
    assert_fails(
        &run,
        BROKEN,
        &["corrupt tar header before the first member"],
    );
}

#[test]
fn tar_header_with_a_garbled_size_is_corrupt() {
    // The checksum matches, but the size field is not a number.
    let mut tar = raw_archive(&[("config.dump", b"{}")]);
    tar[124..136].copy_from_slice(b"zzzzzzzzzzz\0");
    let mut header = tar::Header::new_old();
    header.as_mut_bytes().copy_from_slice(&tar[..512]);
    header.set_cksum();
    tar[..512].copy_from_slice(header.as_bytes());
    let run = show_file(BROKEN, &tar);
    assert_fails(
        &run,
        BROKEN,
        &["corrupt tar header before the first member", "zzzzzzzzzzz"],
    );
}

/// Invert 16 bytes in the middle of `bytes` and check the error blames the
/// decoder of `compression`.
fn corrupt_in_the_middle(bytes: Vec<u8>, name: &str, compression: &str) {
    let middle = bytes.len() / 2;
    let run = show_file(name, &flipped(bytes, middle..middle + 16));
    assert_fails(&run, name, &[&format!("corrupt {compression} data")]);
}

/// Damage early in a compressed stream lands in the first members, the
/// JSON ones: each run must blame the data, never the member, since the
/// stream's checksum says what happened.
fn damage_in_metadata_blames(bytes: &[u8], name: &str, compression: &str) {
    for at in (30..bytes.len() / 3).step_by(97) {
        let run = show_file(name, &flipped(bytes.to_vec(), at..at + 1));
        if run.code == 0 {
            // A flip the format does not notice (padding bits).
            continue;
        }
        let line = assert_fails(&run, name, &[&format!("corrupt {compression} data")]);
        assert!(!line.contains("JSON"), "byte {at}: {line}");
    }
}

#[test]
fn damage_inside_metadata_members_blames_gzip_or_zstd_not_the_json() {
    damage_in_metadata_blames(
        &fixture("real/minimal.gzip.tar.gz"),
        "minimal.tar.gz",
        "gzip",
    );
    damage_in_metadata_blames(
        &fixture("real/minimal.zstd.tar.zst"),
        "minimal.tar.zst",
        "zstd",
    );
}

#[test]
fn corrupt_gzip_data_blames_gzip() {
    let bytes = container_archive(web(), Compression::Gzip);
    corrupt_in_the_middle(bytes, "web.tar.gz", "gzip");
}

#[test]
fn corrupt_real_gzip_data_blames_gzip() {
    corrupt_in_the_middle(
        fixture("real/minimal.gzip.tar.gz"),
        "minimal.tar.gz",
        "gzip",
    );
}

/// `tar` as one zstd frame, with `configure` applied to the encoder.
fn zstd_with(tar: &[u8], configure: impl FnOnce(&mut zstd::Encoder<'static, Vec<u8>>)) -> Vec<u8> {
    let mut zst = zstd::Encoder::new(Vec::new(), 1).unwrap();
    configure(&mut zst);
    zst.write_all(tar).unwrap();
    zst.finish().unwrap()
}

#[test]
fn corrupt_zstd_data_blames_zstd() {
    // The builder's zstd frames carry no checksum, so damage inside a raw
    // block would go unseen; Podman's frames have one, and so does this.
    let tar = container_archive(web(), Compression::None);
    let bytes = zstd_with(&tar, |zst| zst.include_checksum(true).unwrap());
    corrupt_in_the_middle(bytes, "web.tar.zst", "zstd");
}

#[test]
fn zstd_frame_over_the_window_limit_is_not_called_corrupt() {
    // What `zstd --long=28` writes: a valid frame asking for a 256 MiB window.
    let tar = container_archive(web(), Compression::None);
    let bytes = zstd_with(&tar, |zst| zst.window_log(28).unwrap());
    let run = show_file("web.tar.zst", &bytes);
    let line = assert_fails(&run, "web.tar.zst", &["zstd", "window"]);
    assert!(!line.contains("corrupt"), "{line:?} blames the data");
}

#[test]
fn corrupt_real_zstd_data_blames_zstd() {
    corrupt_in_the_middle(
        fixture("real/minimal.zstd.tar.zst"),
        "minimal.tar.zst",
        "zstd",
    );
}

// ---------------------------------------------------------------------------
// Metadata members.

#[test]
fn empty_config_dump_is_named() {
    let run = show_file(
        BROKEN,
        &web_archive(|c| c.config_override = Some(Vec::new())),
    );
    assert_fails(&run, BROKEN, &["member `config.dump` is empty"]);
}

/// Check that `archive` fails because `name` is not valid JSON.
fn assert_invalid_json(archive: &[u8], name: &str) {
    let run = show_file(BROKEN, archive);
    let expected = format!("{} is not valid JSON for its kind", member(name));
    let line = assert_fails(&run, BROKEN, &[&expected]);
    // serde_json's position follows the message.
    assert!(line.contains("line 1 column"), "{line}");
}

const NOT_JSON: &[u8] = b"{\"id\": oops";

#[test]
fn invalid_json_in_config_dump_is_named() {
    assert_invalid_json(
        &web_archive(|c| c.config_override = Some(NOT_JSON.to_vec())),
        "config.dump",
    );
}

#[test]
fn invalid_json_in_spec_dump_is_named() {
    assert_invalid_json(
        &web_archive(|c| c.spec_override = Some(NOT_JSON.to_vec())),
        "spec.dump",
    );
}

#[test]
fn spec_dump_of_the_wrong_shape_is_named() {
    assert_invalid_json(
        &web_archive(|c| c.spec_override = Some(br#"{"mounts": "none"}"#.to_vec())),
        "spec.dump",
    );
}

#[test]
fn invalid_json_in_network_status_is_named() {
    let archive = raw_archive(&[("config.dump", b"{}"), ("network.status", NOT_JSON)]);
    assert_invalid_json(&archive, "network.status");
}

#[test]
fn invalid_json_in_pod_options_is_named() {
    assert_invalid_json(&raw_archive(&[("pod.options", NOT_JSON)]), "pod.options");
}

#[test]
fn invalid_json_in_checkpointed_pods_is_named() {
    let archive = raw_archive(&[("checkpointed.pods", NOT_JSON)]);
    assert_invalid_json(&archive, "checkpointed.pods");
}

#[test]
fn invalid_json_in_a_pod_container_folder_names_the_folder() {
    let mut container = web();
    container.config_override = Some(NOT_JSON.to_vec());
    let name = format!("{}/config.dump", pod_folder(&container));
    assert_invalid_json(&pod_archive(container), &name);
}

#[test]
fn hostile_member_name_stays_on_one_line() {
    // A line break and a terminal escape in the folder name of a member
    // that fails: the message must stay one line and print no escape.
    let archive = raw_archive(&[("evil\n\x1b[31mred/config.dump", NOT_JSON)]);
    let line = assert_fails(
        &show_file(BROKEN, &archive),
        BROKEN,
        &["member `evil ", "red/config.dump` is not valid JSON"],
    );
    assert!(!line.contains('\x1b'), "{line:?} carries an escape");
}

// ---------------------------------------------------------------------------
// Archives without a checkpoint.

#[test]
fn container_archive_without_checkpoint_folder_is_an_error() {
    let run = show_file(BROKEN, &web_archive(|c| c.without_checkpoint = true));
    assert_fails(
        &run,
        BROKEN,
        &["container archive has no `checkpoint/` folder, so it holds no checkpoint"],
    );
}

#[test]
fn pod_container_folder_without_checkpoint_names_the_folder() {
    let mut container = web();
    container.without_checkpoint = true;
    let folder = pod_folder(&container);
    let run = show_file(BROKEN, &pod_archive(container));
    assert_fails(
        &run,
        BROKEN,
        &[&format!("no `{folder}/checkpoint/` folder")],
    );
}

// ---------------------------------------------------------------------------
// Members over their cap.

/// The message for a `spec.dump` of `size` bytes.
fn spec_over_cap(size: u64) -> String {
    format!("member `spec.dump` is {size} bytes, over the {JSON_MEMBER_CAP}-byte limit")
}

#[test]
fn spec_dump_over_its_cap_is_named() {
    let size = JSON_MEMBER_CAP + 1;
    let spec = vec![b' '; usize::try_from(size).unwrap()];
    let run = show_file(BROKEN, &web_archive(|c| c.spec_override = Some(spec)));
    assert_fails(&run, BROKEN, &[&spec_over_cap(size)]);
}

/// A tar header for a `spec.dump` of `size` bytes, and nothing else.
fn spec_header(size: u64) -> Vec<u8> {
    let mut header = tar::Header::new_gnu();
    header.set_path("spec.dump").unwrap();
    header.set_size(size);
    header.set_mode(0o600);
    header.set_cksum();
    header.as_bytes().to_vec()
}

#[test]
fn member_over_its_cap_is_refused_from_its_header_alone() {
    // Standard input holds the header and a few bytes, not the 64 GiB it
    // declares: had ckpt read (or allocated) the member, it would have
    // found the stream truncated or run out of memory.
    let size = 64 << 30;
    let mut bytes = spec_header(size);
    bytes.extend_from_slice(&[b' '; 512]);
    let run = ckpt_stdin(&["show", "-"], &bytes);
    assert_fails(&run, "-", &[&spec_over_cap(size)]);
}

#[test]
fn member_over_its_cap_in_a_sparse_file_is_refused() {
    // A sparse file whose 64 GiB member takes no disk space. (That nothing
    // of it is read is shown by the standard-input case above, whose data
    // is not even there.)
    let size: u64 = 64 << 30;
    let scratch = Scratch::new();
    scratch.write(BROKEN, &spec_header(size));
    let file = fs::OpenOptions::new()
        .append(true)
        .open(scratch.path(BROKEN))
        .unwrap();
    file.set_len(512 + size + 1024).unwrap();
    let run = scratch.show(&[BROKEN]);
    assert_fails(&run, BROKEN, &[&spec_over_cap(size)]);
}

#[test]
fn metadata_members_over_the_overall_budget_are_refused() {
    // Seventeen `config.dump`s of 4 MiB each, in folders of their own:
    // each is under its cap, together they are over the 64 MiB budget.
    let mut big = b"{}".to_vec();
    big.resize(usize::try_from(JSON_MEMBER_CAP).unwrap(), b' ');
    let names: Vec<String> = (0..17).map(|i| format!("c{i:02}/config.dump")).collect();
    let members: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &big[..])).collect();
    let run = show_file(BROKEN, &raw_archive(&members));
    assert_fails(
        &run,
        BROKEN,
        &[&format!(
            "metadata members add up to more than {METADATA_BUDGET} bytes (at member `c16/config.dump`)"
        )],
    );
}

#[test]
fn too_many_container_folders_are_refused() {
    let names: Vec<String> = (0..=MAX_FOLDERS + 1)
        .map(|i| format!("f{i}/checkpoint/core-1.img"))
        .collect();
    let members: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
    let run = show_file(BROKEN, &raw_archive(&members));
    assert_fails(
        &run,
        BROKEN,
        &[&format!(
            "more than {MAX_FOLDERS} container folders in the archive"
        )],
    );
}

// ---------------------------------------------------------------------------
// Several files.

#[test]
fn one_bad_file_among_good_ones_still_prints_the_good_ones() {
    let good = [
        fixture_arg("synthetic/podman-container.tar"),
        fixture_arg("real/minimal.zstd.tar.zst"),
    ];
    let scratch = Scratch::new();
    scratch.write(BROKEN, b"not an archive at all\n");
    let run = scratch.show(&["--format", "json", &good[0], BROKEN, &good[1]]);
    assert_error_line(&run, BROKEN, &["not a tar archive"]);
    let archives: Vec<String> = json(&run)
        .iter()
        .map(|c| c["archive"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(archives, good);
}

#[test]
fn missing_file_among_good_ones_still_prints_the_good_ones_as_a_table() {
    let good = fixture_arg("synthetic/crio-container.tar.gz");
    let run = Scratch::new().show(&["missing.tar", &good]);
    assert_error_line(&run, "missing.tar", &["cannot open"]);
    assert!(run.stdout.contains(&good), "{}", run.stdout);
}

#[test]
fn every_failing_file_gets_its_own_line() {
    let scratch = Scratch::new();
    scratch.write("empty.tar", b"");
    let run = scratch.show(&["missing.tar", "empty.tar"]);
    assert_eq!(run.code, 1, "stderr:\n{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    let lines = run.stderr_lines();
    assert_eq!(lines.len(), 2, "{}", run.stderr);
    assert!(lines[0].starts_with("ckpt: error: missing.tar: cannot open"));
    assert_eq!(lines[1], "ckpt: error: empty.tar: input is empty");
}

#[test]
fn standard_input_twice_reads_it_once() {
    let tar = fixture("synthetic/podman-container.tar");
    let run = ckpt_stdin(&["show", "--format", "json", "-", "-"], &tar);
    assert_eq!(run.code, 1, "stderr:\n{}", run.stderr);
    assert_eq!(run.stderr_lines().len(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("standard input can be read only once"));
    let containers = json(&run);
    assert_eq!(containers.len(), 1);
    assert_eq!(containers[0]["archive"], "-");
}

#[test]
fn standard_input_twice_error_line_starts_with_the_file_name() {
    let tar = fixture("synthetic/podman-container.tar");
    let run = ckpt_stdin(&["show", "-", "-"], &tar);
    assert_error_line(&run, "-", &["standard input can be read only once"]);
}

#[test]
fn json_is_an_empty_array_when_no_file_could_be_read() {
    for command in ["show", "inspect"] {
        let run = ckpt_in(None, &[command, "--format", "json", "no-such-file.tar"]);
        assert_eq!(run.code, 1);
        assert_eq!(run.stdout, "[]\n", "{command}");
        assert_eq!(run.stderr_lines().len(), 1, "{command}: {}", run.stderr);
    }
}
