//! `list`: the checkpoint archives in a folder, one row per container.
//!
//! A checkpoint folder (the kubelet's is `/var/lib/kubelet/checkpoints`)
//! may hold hundreds of archives of gigabytes each, while a row needs two
//! small members of each. So every archive is scanned with an inventory
//! that stops the scan once the root's `config.dump` and `spec.dump` are
//! read ([`Inventory::until_root_metadata`]). Podman writes them first, so
//! only the first few KiB are read; CRI-O and containerd write them after
//! `checkpoint/`, which costs only the tar headers on a plain tar (the data
//! is skipped by seeking) and, on a compressed one, the decompression up to
//! them. Pod and kubelet archives are read whole and give a row per
//! container.
//!
//! Archives are read on a few threads at once ([`read_all`]); the rows keep
//! the order of the files, which is checkpointctl's: folders as given, the
//! files of each folder sorted by name.
//!
//! Nothing is taken from file names: the kubelet's names
//! (`checkpoint-<pod>_<namespace>-<container>-<time>.tar`) cannot be split
//! back, since pod and container names may hold `-`.

use std::ffi::OsString;
use std::fs;
use std::io::{self, Write};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;

use crate::archive::compression::Compression;
use crate::archive::input::{ArchiveInput, Source};
use crate::archive::scan::scan;
use crate::classify::ArchiveKind;
use crate::error::{Error, Result};
use crate::inventory::Inventory;
use crate::report::build;
use crate::report::table::write_aligned;
use crate::report::units::iec;

/// Archives are the files whose names start with this, as checkpointctl
/// picks them (the kubelet names its archives so).
pub const NAME_PREFIX: &str = "checkpoint-";
/// Where the kubelet writes its checkpoint archives (under its default
/// `--root-dir`): the folder `list` looks in when given none.
pub const KUBELET_DIR: &str = "/var/lib/kubelet/checkpoints";

/// An archive file found in a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The folder as given, joined with the file name.
    pub path: PathBuf,
    /// The file name (non-UTF-8 bytes replaced).
    pub name: String,
    /// The file's size on disk in bytes (compressed, for a compressed one).
    pub size: u64,
}

/// The files named `checkpoint-*` in `dir`, sorted by name; not recursing.
///
/// Only regular files count, after following symbolic links: a folder, a
/// FIFO (whose reading would block) or a device so named is left out. An
/// entry whose kind cannot be told (a dangling link) is kept, so that
/// reading it gives an error line instead of silence.
pub fn find(dir: &Path) -> io::Result<Vec<Found>> {
    let mut named: Vec<(OsString, PathBuf)> = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        if name.as_encoded_bytes().starts_with(NAME_PREFIX.as_bytes()) {
            named.push((name, dir.join(entry.file_name())));
        }
    }
    // Byte order of the names, as Go's filepath.Glob sorts them.
    named.sort();
    let mut found = Vec::with_capacity(named.len());
    for (name, path) in named {
        let size = match fs::metadata(&path) {
            Ok(meta) if meta.is_file() => meta.len(),
            Ok(_) => continue,
            Err(_) => 0,
        };
        found.push(Found {
            path,
            name: name.to_string_lossy().into_owned(),
            size,
        });
    }
    Ok(found)
}

/// One row of the list: one container of one archive.
///
/// The keys are those of `show --format json` where it has the same fact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListRow {
    /// The archive's file name.
    pub checkpoint_name: String,
    /// The archive's path: the folder as given, joined with the name.
    pub path: String,
    /// The archive's size on disk, in bytes.
    pub size: u64,
    /// The archive's compression, from its first bytes.
    pub compression: Compression,
    /// Container, pod or kubelet.
    pub archive_type: ArchiveKind,
    /// Kubernetes namespace; empty when unknown (Podman).
    pub kubernetes_namespace: String,
    /// Pod name; empty when unknown (Podman).
    pub pod_name: String,
    /// Container name.
    pub container_name: String,
    /// `Podman`, `CRI-O` or `containerd`.
    pub engine: String,
    /// When the container was checkpointed (RFC 3339), as `config.dump`
    /// records it; Podman does not.
    pub checkpointed: Option<String>,
}

/// What one archive gave.
#[derive(Debug, Clone)]
pub struct Listed {
    /// A row per container, in archive order.
    pub rows: Vec<ListRow>,
    /// Things the rows could not fully use; each names its member.
    pub warnings: Vec<String>,
    /// True when the scan stopped after the metadata, before the end.
    pub stopped_early: bool,
}

/// Read the rows of one archive.
pub fn read(found: &Found) -> Result<Listed> {
    let display = found.path.display().to_string();
    let input = ArchiveInput::open(Source::Path(&found.path))?;
    let compression = input.compression;
    let mut inventory = Inventory::until_root_metadata();
    let summary = scan(input, &mut [&mut inventory])?;
    let collected = inventory.finish();
    let report = if summary.stopped_early {
        build::root_container(&display, compression, &collected)?
    } else {
        build::build(&display, compression, &collected)?
    };
    if report.archive_type == ArchiveKind::Unknown {
        return Err(Error::NotCheckpoint);
    }
    let rows = report
        .containers
        .iter()
        .map(|c| ListRow {
            checkpoint_name: found.name.clone(),
            path: display.clone(),
            size: found.size,
            compression,
            archive_type: report.archive_type,
            kubernetes_namespace: c.metadata.kubernetes_namespace.clone(),
            pod_name: c.metadata.pod_name.clone(),
            container_name: c.container_name.clone(),
            engine: c.engine.clone(),
            checkpointed: c.checkpointed.clone(),
        })
        .collect();
    Ok(Listed {
        rows,
        warnings: report.warnings,
        stopped_early: summary.stopped_early,
    })
}

/// [`read`] every archive on up to `threads` threads; the results are in
/// the order of `found`.
pub fn read_all(found: &[Found], threads: usize) -> Vec<Result<Listed>> {
    parallel_map(found, threads, read)
}

/// Most archives [`read_all`] reads at once by default. Each archive read
/// may take the memory that one archive's scan is allowed on hostile input
/// (a full zstd window and the metadata budgets; see the README's bound),
/// so the bound of `list` is this many times that.
pub const MAX_THREADS: usize = 2;

/// The number of threads [`read_all`] should use: one per CPU the process
/// may run on, at most [`MAX_THREADS`]. Reading stops early, so the work is
/// mostly small reads and JSON parsing, or decompression for compressed
/// archives.
pub fn default_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .min(MAX_THREADS)
}

/// `f` of every item, computed on up to `threads` scoped threads that take
/// the next item as they finish one; the results are in the items' order.
pub fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut slots: Vec<Option<R>> = items.iter().map(|_| None).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else {
                            return done;
                        };
                        done.push((i, f(item)));
                    }
                })
            })
            .collect();
        for worker in workers {
            match worker.join() {
                Ok(done) => {
                    for (i, result) in done {
                        slots[i] = Some(result);
                    }
                }
                // A panic in `f` is a bug: pass it on as it was.
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
    });
    // Every slot is filled: each index was taken by exactly one worker.
    slots.into_iter().flatten().collect()
}

/// Write the rows as checkpointctl's table, with a SIZE column at the end.
/// The CHECKPOINT NAME column holds the file name, or the whole path when
/// `paths` is set (rows from several folders).
pub fn write_table(out: &mut dyn Write, rows: &[ListRow], paths: bool) -> io::Result<()> {
    let header = [
        "NAMESPACE",
        "POD",
        "CONTAINER",
        "ENGINE",
        "TIME CHECKPOINTED",
        "CHECKPOINT NAME",
        "SIZE",
    ];
    let mut table: Vec<Vec<String>> = vec![
        header.iter().map(|h| h.to_string()).collect(),
        header.iter().map(|h| "-".repeat(h.len())).collect(),
    ];
    for row in rows {
        let name = if paths {
            &row.path
        } else {
            &row.checkpoint_name
        };
        table.push(vec![
            or_dash(&row.kubernetes_namespace),
            or_dash(&row.pod_name),
            or_dash(&row.container_name),
            or_dash(&row.engine),
            or_dash(row.checkpointed.as_deref().unwrap_or_default()),
            or_dash(name),
            iec(row.size),
        ]);
    }
    write_aligned(out, &table)
}

/// Write the rows as one pretty-printed JSON array.
pub fn write_json(out: &mut dyn Write, rows: &[ListRow]) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, rows)?;
    writeln!(out)
}

fn or_dash(text: &str) -> String {
    if text.is_empty() {
        "-".to_string()
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{ArchiveFixture, ContainerFixture, FixtureEngine, PodOptionsShape};

    fn write(dir: &Path, name: &str, archive: &ArchiveFixture, compression: Compression) {
        fs::write(dir.join(name), archive.to_bytes(compression)).unwrap();
    }

    fn container(engine: FixtureEngine, name: &str) -> ArchiveFixture {
        let mut c = ContainerFixture::new(engine, name);
        c.pod_name = "shop-7f9c".to_string();
        c.namespace = "prod".to_string();
        ArchiveFixture::Container(Box::new(c))
    }

    fn found(dir: &Path, name: &str) -> Found {
        let path = dir.join(name);
        let size = fs::metadata(&path).unwrap().len();
        Found {
            path,
            name: name.to_string(),
            size,
        }
    }

    #[test]
    fn find_takes_regular_checkpoint_files_sorted_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for name in [
            "checkpoint-b.tar",
            "checkpoint-a-2.tar",
            "checkpoint-a.tar",
            "notes.txt",
        ] {
            fs::write(d.join(name), b"x").unwrap();
        }
        fs::create_dir(d.join("checkpoint-folder")).unwrap();
        fs::create_dir(d.join("sub")).unwrap();
        fs::write(d.join("sub/checkpoint-deep.tar"), b"x").unwrap();
        // A socket: opening it for reading would fail or block.
        let _socket = std::os::unix::net::UnixListener::bind(d.join("checkpoint-sock")).unwrap();
        std::os::unix::fs::symlink(d.join("checkpoint-b.tar"), d.join("checkpoint-link")).unwrap();
        std::os::unix::fs::symlink(d.join("gone"), d.join("checkpoint-dangling")).unwrap();

        let names: Vec<String> = find(d).unwrap().into_iter().map(|f| f.name).collect();
        assert_eq!(
            names,
            [
                "checkpoint-a-2.tar",
                "checkpoint-a.tar",
                "checkpoint-b.tar",
                "checkpoint-dangling",
                "checkpoint-link",
            ]
        );
        assert_eq!(find(d).unwrap()[0].size, 1);
        assert_eq!(find(d).unwrap()[0].path, d.join("checkpoint-a-2.tar"));
        assert!(find(&d.join("missing")).is_err());
    }

    #[test]
    fn podman_archive_stops_after_its_metadata() {
        let dir = tempfile::tempdir().unwrap();
        let archive = container(FixtureEngine::Podman, "web-1");
        write(dir.path(), "checkpoint-a.tar", &archive, Compression::Zstd);
        let listed = read(&found(dir.path(), "checkpoint-a.tar")).unwrap();
        assert!(listed.stopped_early);
        assert!(listed.warnings.is_empty(), "{:?}", listed.warnings);
        let [row] = listed.rows.as_slice() else {
            panic!("one row: {:?}", listed.rows);
        };
        assert_eq!(row.container_name, "web-1");
        assert_eq!(row.engine, "Podman");
        assert_eq!(row.checkpointed, None);
        assert_eq!(row.pod_name, "");
        assert_eq!(row.compression, Compression::Zstd);
        assert_eq!(row.archive_type, ArchiveKind::Container);
    }

    #[test]
    fn crio_and_containerd_facts_come_from_the_annotations() {
        let dir = tempfile::tempdir().unwrap();
        for (engine, name, time) in [
            (FixtureEngine::CriO, "nginx", "2026-11-30T10:00:05Z"),
            (FixtureEngine::Containerd, "api", "2026-11-30T10:00:05Z"),
        ] {
            write(
                dir.path(),
                "checkpoint-x",
                &container(engine, name),
                Compression::Gzip,
            );
            let listed = read(&found(dir.path(), "checkpoint-x")).unwrap();
            let row = &listed.rows[0];
            assert_eq!(row.container_name, name);
            assert_eq!(row.pod_name, "shop-7f9c");
            assert_eq!(row.kubernetes_namespace, "prod");
            assert_eq!(row.checkpointed.as_deref(), Some(time));
        }
    }

    #[test]
    fn pod_archive_is_read_whole_and_gives_a_row_per_container() {
        let dir = tempfile::tempdir().unwrap();
        let pod = ArchiveFixture::Pod {
            name: "shop".to_string(),
            namespace: "prod".to_string(),
            uid: "uid-shop".to_string(),
            pod_dump: true,
            options_shape: PodOptionsShape::Map,
            containers: vec![
                ContainerFixture::new(FixtureEngine::Containerd, "web"),
                ContainerFixture::new(FixtureEngine::Containerd, "db"),
            ],
        };
        write(dir.path(), "checkpoint-pod", &pod, Compression::None);
        let listed = read(&found(dir.path(), "checkpoint-pod")).unwrap();
        assert!(!listed.stopped_early);
        let names: Vec<(&str, &str, &str)> = listed
            .rows
            .iter()
            .map(|r| {
                let kind = r.archive_type.name();
                (kind, r.pod_name.as_str(), r.container_name.as_str())
            })
            .collect();
        // `pod.options` as a map lists the containers by name.
        assert_eq!(names, [("pod", "shop", "db"), ("pod", "shop", "web")]);
    }

    #[test]
    fn archive_of_no_known_kind_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let raw = ArchiveFixture::Raw(vec![("hello.txt".to_string(), b"hi".to_vec())]);
        write(dir.path(), "checkpoint-raw", &raw, Compression::None);
        let err = read(&found(dir.path(), "checkpoint-raw")).unwrap_err();
        assert!(matches!(err, Error::NotCheckpoint), "{err}");
    }

    #[test]
    fn parallel_map_keeps_the_order() {
        let items: Vec<u64> = (0..103).collect();
        let slow_first = |&i: &u64| {
            // Early items take longest, so they finish last.
            std::thread::sleep(std::time::Duration::from_micros(200 * (103 - i) % 1000));
            i * 2
        };
        for threads in [1, 2, 8, 500] {
            let doubled = parallel_map(&items, threads, slow_first);
            assert_eq!(doubled, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        }
        assert!(parallel_map(&[] as &[u64], 4, slow_first).is_empty());
        assert!(default_threads() >= 1);
    }

    const TABLE: &str = "\
NAMESPACE   POD   CONTAINER   ENGINE   TIME CHECKPOINTED   CHECKPOINT NAME    SIZE
---------   ---   ---------   ------   -----------------   ---------------    ----
-           -     web         Podman   -                   checkpoint-a.tar   2.0 KiB
";

    #[test]
    fn table_has_checkpointctl_columns_then_size() {
        let row = ListRow {
            checkpoint_name: "checkpoint-a.tar".to_string(),
            path: "dir/checkpoint-a.tar".to_string(),
            size: 2048,
            compression: Compression::None,
            archive_type: ArchiveKind::Container,
            kubernetes_namespace: String::new(),
            pod_name: String::new(),
            container_name: "web".to_string(),
            engine: "Podman".to_string(),
            checkpointed: None,
        };
        let mut out = Vec::new();
        write_table(&mut out, std::slice::from_ref(&row), false).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), TABLE);
        let mut out = Vec::new();
        write_table(&mut out, &[row], true).unwrap();
        assert!(
            String::from_utf8(out)
                .unwrap()
                .contains("   dir/checkpoint-a.tar   ")
        );
    }
}
