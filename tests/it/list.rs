//! `ckpt list`: a temporary checkpoint folder filled from the fixture
//! builder, archives named as the kubelet names them, every cell checked.
//!
//! CRI-O and containerd write `config.dump` and `spec.dump` after
//! `checkpoint/`, Podman before it; the archives here follow each engine's
//! order (`ContainerFixture::images_first`).

use std::fs;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use ckpt::archive::compression::Compression;
use ckpt::fixture::{ArchiveFixture, ContainerFixture, FixtureEngine, PodOptionsShape};
use ckpt::report::units::iec;
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::util::{Run, ckpt_in};

const COMPRESSIONS: [Compression; 3] = [Compression::None, Compression::Gzip, Compression::Zstd];
const ENGINES: [FixtureEngine; 3] = [
    FixtureEngine::Podman,
    FixtureEngine::CriO,
    FixtureEngine::Containerd,
];

/// The name the kubelet gives an archive: pod and namespace joined by `_`,
/// then the container and the time, all joined by `-`.
fn kubelet_name(pod: &str, namespace: &str, container: &str, time: &str) -> String {
    format!("checkpoint-{pod}_{namespace}-{container}-{time}.tar")
}

fn engine_word(engine: FixtureEngine) -> &'static str {
    match engine {
        FixtureEngine::Podman => "podman",
        FixtureEngine::CriO => "crio",
        FixtureEngine::Containerd => "containerd",
    }
}

fn compression_word(compression: Compression) -> &'static str {
    match compression {
        Compression::None => "none",
        Compression::Gzip => "gzip",
        Compression::Zstd => "zstd",
    }
}

fn compress(tar: &[u8], compression: Compression) -> Vec<u8> {
    match compression {
        Compression::None => tar.to_vec(),
        Compression::Gzip => {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(tar).unwrap();
            gz.finish().unwrap()
        }
        Compression::Zstd => zstd::encode_all(tar, 1).unwrap(),
    }
}

/// What one row must say.
#[derive(Debug, Clone)]
struct Expected {
    file: String,
    namespace: &'static str,
    pod: String,
    container: String,
    engine: &'static str,
    time: Option<String>,
    compression: &'static str,
    kind: &'static str,
}

/// A checkpoint folder in a temporary directory.
struct Folder {
    dir: TempDir,
    rows: Vec<Expected>,
}

impl Folder {
    fn new() -> Folder {
        Folder {
            dir: tempfile::tempdir().unwrap(),
            rows: Vec::new(),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn arg(&self) -> String {
        self.path().to_string_lossy().into_owned()
    }

    fn write(&self, name: &str, bytes: &[u8]) {
        fs::write(self.path().join(name), bytes).unwrap();
    }

    /// One container archive of `engine` in `compression`; `n` makes its
    /// names and time its own. Pod and container names hold `-`, and the
    /// time in the file name is a second off the recorded one, so that a
    /// cell read from the name would be caught.
    fn add_container(&mut self, engine: FixtureEngine, compression: Compression, n: usize) {
        let (e, c) = (engine_word(engine), compression_word(compression));
        let pod = format!("{e}-shop-{c}-7d9f");
        let container = format!("{e}-app-{c}");
        let mut fixture = ContainerFixture::new(engine, &container);
        fixture.pod_name = pod.clone();
        fixture.namespace = "team-a".to_string();
        let minute = format!("2026-11-30T10:{n:02}");
        fixture.checkpointed = Some(format!("{minute}:05.25Z"));
        // Some real pages, so that a compressed archive is not all metadata.
        fixture.pages_per_process = 64 * ckpt::fixture::PAGE;
        fixture.images_first = engine != FixtureEngine::Podman;
        let archive = ArchiveFixture::Container(Box::new(fixture));
        let file = kubelet_name(&pod, "team-a", &container, &format!("{minute}:06Z"));
        self.write(&file, &archive.to_bytes(compression));

        let podman = engine == FixtureEngine::Podman;
        self.rows.push(Expected {
            file,
            // Podman records no pod, namespace or checkpoint time.
            namespace: if podman { "" } else { "team-a" },
            pod: if podman { String::new() } else { pod },
            container,
            engine: match engine {
                FixtureEngine::Podman => "Podman",
                FixtureEngine::CriO => "CRI-O",
                FixtureEngine::Containerd => "containerd",
            },
            time: (!podman).then(|| format!("{minute}:05Z")),
            compression: c,
            kind: "container",
        });
    }

    /// A CRI-O pod archive with two containers: a row for each.
    fn add_pod(&mut self) {
        let mut containers = Vec::new();
        for name in ["web-front", "log-shipper"] {
            let mut c = ContainerFixture::new(FixtureEngine::CriO, name);
            c.pod_name = "pod-1".to_string();
            c.namespace = "team-b".to_string();
            containers.push(c);
        }
        let pod = ArchiveFixture::Pod {
            name: "pod-1".to_string(),
            namespace: "team-b".to_string(),
            uid: "uid-pod-1".to_string(),
            pod_dump: false,
            options_shape: PodOptionsShape::List,
            containers,
        };
        let file = "checkpoint-pod-1_team-b-2026-11-30T11:00:00Z.tar".to_string();
        self.write(
            &file,
            &compress(&pod.to_bytes(Compression::None), Compression::Zstd),
        );
        for container in ["web-front", "log-shipper"] {
            self.rows.push(Expected {
                file: file.clone(),
                namespace: "team-b",
                pod: "pod-1".to_string(),
                container: container.to_string(),
                engine: "CRI-O",
                time: Some("2026-11-30T10:00:05Z".to_string()),
                compression: "zstd",
                kind: "pod",
            });
        }
    }

    /// Every engine in every compression, a pod archive, and things that
    /// are not archives: a file not named `checkpoint-*`, a folder so named.
    fn full() -> Folder {
        let mut folder = Folder::new();
        let mut n = 0;
        for engine in ENGINES {
            for compression in COMPRESSIONS {
                folder.add_container(engine, compression, n);
                n += 1;
            }
        }
        folder.add_pod();
        folder.write("notes.txt", b"not a checkpoint\n");
        fs::create_dir(folder.path().join("checkpoint-old")).unwrap();
        fs::write(folder.path().join("checkpoint-old/checkpoint-x.tar"), b"").unwrap();
        folder
    }

    /// The rows in the order `list` prints them: by file name.
    fn sorted(&self) -> Vec<Expected> {
        let mut rows = self.rows.clone();
        rows.sort_by(|a, b| a.file.cmp(&b.file));
        rows
    }

    fn size(&self, file: &str) -> u64 {
        fs::metadata(self.path().join(file)).unwrap().len()
    }

    /// The seven cells `row` must show; `path` names the file by path.
    fn cells(&self, row: &Expected, path: bool) -> Vec<String> {
        let dash = |s: &str| {
            if s.is_empty() {
                "-".to_string()
            } else {
                s.to_string()
            }
        };
        let name = if path {
            self.path().join(&row.file).to_string_lossy().into_owned()
        } else {
            row.file.clone()
        };
        vec![
            dash(row.namespace),
            dash(&row.pod),
            row.container.clone(),
            row.engine.to_string(),
            dash(row.time.as_deref().unwrap_or_default()),
            name,
            iec(self.size(&row.file)),
        ]
    }
}

fn list(args: &[&str]) -> Run {
    let mut all = vec!["list"];
    all.extend_from_slice(args);
    ckpt_in(None, &all)
}

/// The cells of a table line: columns are at least three spaces apart and
/// no cell holds two spaces in a row.
fn split(line: &str) -> Vec<String> {
    line.split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

const HEADER: [&str; 7] = [
    "NAMESPACE",
    "POD",
    "CONTAINER",
    "ENGINE",
    "TIME CHECKPOINTED",
    "CHECKPOINT NAME",
    "SIZE",
];

/// The table's data lines, after checking the header and its rule.
fn table_rows(table: &[&str]) -> Vec<Vec<String>> {
    assert_eq!(split(table[0]), HEADER);
    let rule: Vec<String> = HEADER.iter().map(|h| "-".repeat(h.len())).collect();
    assert_eq!(split(table[1]), rule);
    table[2..].iter().map(|l| split(l)).collect()
}

#[test]
fn lists_every_engine_and_compression_by_name_and_reports_the_broken_one() {
    let folder = Folder::full();
    // Cut inside `config.dump`: unreadable before any fact is read.
    let web = ArchiveFixture::Container(Box::new(ContainerFixture::new(
        FixtureEngine::Podman,
        "web",
    )));
    let broken = "checkpoint-broken_team-a-web-2026-11-30T12:00:00Z.tar";
    folder.write(broken, &web.to_bytes(Compression::None)[..700]);
    let run = list(&[&folder.arg()]);
    assert_eq!(run.code, 1, "stderr:\n{}", run.stderr);
    assert_eq!(
        run.stderr_lines(),
        [format!(
            "ckpt: error: {}: archive is truncated inside member `config.dump`",
            folder.path().join(broken).display()
        )]
    );
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[..3],
        ["", &format!("Checkpoint archives in {}", folder.arg()), ""]
    );
    let rows = table_rows(&lines[3..]);
    let expected = folder.sorted();
    assert_eq!(rows.len(), expected.len(), "{}", run.stdout);
    for (row, want) in rows.iter().zip(&expected) {
        assert_eq!(row, &folder.cells(want, false));
    }
}

#[test]
fn json_has_every_fact_of_every_row() {
    let folder = Folder::full();
    let run = list(&["--format", "json", &folder.arg()]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let records: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    let expected = folder.sorted();
    assert_eq!(records.len(), expected.len());
    for (record, want) in records.iter().zip(&expected) {
        let path = folder.path().join(&want.file);
        assert_eq!(
            record,
            &json!({
                "checkpoint_name": want.file,
                "path": path.to_string_lossy(),
                "size": folder.size(&want.file),
                "compression": want.compression,
                "archive_type": want.kind,
                "kubernetes_namespace": want.namespace,
                "pod_name": want.pod,
                "container_name": want.container,
                "engine": want.engine,
                "checkpointed": want.time,
            })
        );
    }
}

#[test]
fn several_folders_list_in_the_order_given_by_path() {
    let mut first = Folder::new();
    first.add_container(FixtureEngine::CriO, Compression::Gzip, 1);
    let mut second = Folder::new();
    second.add_container(FixtureEngine::Containerd, Compression::None, 2);
    second.add_container(FixtureEngine::Podman, Compression::Zstd, 3);
    let missing = first.path().join("missing");

    let run = list(&[&second.arg(), &missing.to_string_lossy(), &first.arg()]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr_lines(),
        [format!(
            "ckpt: error: {}: cannot read the folder: No such file or directory (os error 2)",
            missing.display()
        )]
    );
    let lines: Vec<&str> = run.stdout.lines().collect();
    let rows = table_rows(&lines);
    let mut expected = Vec::new();
    for folder in [&second, &first] {
        for want in folder.sorted() {
            expected.push(folder.cells(&want, true));
        }
    }
    assert_eq!(rows, expected);
}

#[test]
fn folder_without_archives_says_so() {
    let folder = Folder::new();
    folder.write("checkpoint.tar", b"no dash, not an archive");
    fs::create_dir(folder.path().join("checkpoint-dir")).unwrap();
    let run = list(&[&folder.arg()]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert_eq!(
        run.stdout,
        format!("No `checkpoint-*` archives in {}\n", folder.arg())
    );

    let other = Folder::new();
    let run = list(&[&folder.arg(), &other.arg()]);
    assert_eq!(
        run.stdout,
        format!(
            "No `checkpoint-*` archives in {}, {}\n",
            folder.arg(),
            other.arg()
        )
    );
    let run = list(&["--format", "json", &folder.arg()]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "[]\n"));
}

#[test]
fn without_a_folder_lists_the_kubelets() {
    let default = Path::new("/var/lib/kubelet/checkpoints");
    if default.exists() {
        return;
    }
    // A node that never checkpointed has no such folder: nothing to list.
    let run = list(&[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "");
    assert_eq!(
        run.stdout,
        "No `checkpoint-*` archives in /var/lib/kubelet/checkpoints\n"
    );
    // A folder named on the command line must exist.
    let run = list(&["/var/lib/kubelet/checkpoints"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr_lines(),
        [
            "ckpt: error: /var/lib/kubelet/checkpoints: cannot read the folder: \
          No such file or directory (os error 2)"
        ]
    );
    assert_eq!(run.stdout, "");
}

/// Where the data of `member` ends in a plain tar, padding included.
fn end_of(tar: &[u8], member: &str) -> usize {
    let mut archive = tar::Archive::new(Cursor::new(tar));
    for entry in archive.entries().unwrap() {
        let entry = entry.unwrap();
        if entry.path().unwrap().to_string_lossy() == member {
            let end = entry.raw_file_position() + entry.size().div_ceil(512) * 512;
            return usize::try_from(end).unwrap();
        }
    }
    panic!("`{member}` is in the archive");
}

/// An archive whose bytes after `config.dump` and `spec.dump` are garbage:
/// `list` must not read them, `show` must.
fn garbage_after_metadata(engine: FixtureEngine) -> (Vec<u8>, String) {
    let mut container = ContainerFixture::new(engine, "web-1");
    container.pod_name = "shop-1".to_string();
    container.namespace = "team-a".to_string();
    container.pages_per_process = 64 * ckpt::fixture::PAGE;
    container.images_first = engine != FixtureEngine::Podman;
    let archive = ArchiveFixture::Container(Box::new(container));
    let mut tar = archive.to_bytes(Compression::None);
    let end = end_of(&tar, "spec.dump").max(end_of(&tar, "config.dump"));
    assert!(tar.len() - end > 4096, "members follow the metadata");
    for (i, b) in tar[end..].iter_mut().enumerate() {
        *b = (i % 251) as u8 ^ 0x5a;
    }
    (tar, engine_word(engine).to_string())
}

#[test]
fn list_stops_reading_after_the_metadata_while_show_reads_on() {
    let folder = Folder::new();
    let mut names = Vec::new();
    for engine in [FixtureEngine::Podman, FixtureEngine::CriO] {
        let (tar, word) = garbage_after_metadata(engine);
        for compression in COMPRESSIONS {
            let name = format!("checkpoint-{word}-{}", compression_word(compression));
            folder.write(&name, &compress(&tar, compression));
            names.push(name);
        }
    }
    // A compressed stream cut off after the metadata: no end, no checksum.
    let mut web = ContainerFixture::new(FixtureEngine::Podman, "web-1");
    web.pages_per_process = 256 * ckpt::fixture::PAGE;
    let whole = ArchiveFixture::Container(Box::new(web)).to_bytes(Compression::Zstd);
    folder.write("checkpoint-zstd-cut", &whole[..whole.len() / 2]);
    names.push("checkpoint-zstd-cut".to_string());
    names.sort();

    let run = list(&["--format", "json", &folder.arg()]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let records: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    let listed: Vec<&str> = records
        .iter()
        .map(|r| r["checkpoint_name"].as_str().unwrap())
        .collect();
    assert_eq!(listed, names);
    for record in &records {
        assert_eq!(record["container_name"], "web-1");
    }

    for name in &names {
        let path: PathBuf = folder.path().join(name);
        let show = ckpt_in(None, &["show", &path.to_string_lossy()]);
        assert_eq!(show.code, 1, "`show {name}` reads the garbage");
        assert_eq!(show.stderr_lines().len(), 1, "{}", show.stderr);
    }
}

#[test]
fn real_archives_list_with_every_cell() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let real = crate::util::real_dir();
    let mut names = Vec::new();
    for entry in fs::read_dir(&real).expect("the real fixtures") {
        let path = entry.expect("an entry").path();
        if path.is_file() {
            let name = format!(
                "checkpoint-{}",
                path.file_name().expect("a name").to_string_lossy()
            );
            fs::copy(&path, dir.path().join(&name)).expect("a copy");
            names.push(name);
        }
    }
    names.sort();
    let run = ckpt_in(Some(dir.path()), &["list", "."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "");
    let size = |name: &str| iec(fs::metadata(dir.path().join(name)).expect("a file").len());
    let rows: Vec<Vec<&str>> = run
        .stdout
        .lines()
        .skip(5)
        .map(|line| {
            line.split("   ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect();
    let expected: Vec<Vec<String>> = names
        .iter()
        .map(|name| {
            let (namespace, pod, container, engine, time) = if name.contains("containerd") {
                (
                    "default",
                    "cri-web",
                    "web",
                    "containerd",
                    "2026-12-03T18:45:49Z",
                )
            } else if name.contains("minimal") {
                ("-", "-", "minimal", "Podman", "-")
            } else {
                ("-", "-", "rich", "Podman", "-")
            };
            [namespace, pod, container, engine, time, name, &size(name)]
                .iter()
                .map(|s| s.to_string())
                .collect()
        })
        .collect();
    assert_eq!(rows, expected, "{}", run.stdout);
    assert_eq!(
        run.stdout.lines().take(5).collect::<Vec<_>>(),
        [
            "",
            "Checkpoint archives in .",
            "",
            "NAMESPACE   POD       CONTAINER   ENGINE       TIME CHECKPOINTED      \
             CHECKPOINT NAME                      SIZE",
            "---------   ---       ---------   ------       -----------------      \
             ---------------                      ----",
        ]
    );
}
