//! How fast `show` scans a large checkpoint archive, next to the fastest
//! anything could read the same file.
//!
//! `show` reads every tar header and a few small JSON members; the rest of the
//! archive is skipped. On a compressed archive skipping still means
//! decompressing, so the floor is the bare decompressor reading the whole file,
//! and `show` should come close to it. On a plain tar file skipping is a seek,
//! so `show` should cost about the same on a 1 GiB archive as on a 4 MiB one
//! with the same members. GNU tar listing the archive is the tool people would
//! otherwise reach for, so it is measured too.
//!
//! The archives are generated once under `<target dir>/bench-archives/` with
//! the library's fixture builder and reused by later runs. Each compression is
//! one criterion group, so its lines can be compared directly:
//!
//! - `ckpt_show`: `ckpt::show` on the archive, the whole scan and report;
//! - `ckpt_inspect_all`: `inspect --all` (process tree, argv and environment
//!   read from the pages, files, sockets, statistics, mounts), which must
//!   stay close to `ckpt_show`;
//! - `read_loop` / `flate2_multigz` / `zstd_decoder`: the file read to the
//!   end, decompressed when it is compressed, into `io::sink`;
//! - `gnu_tar_list`: `tar -tf` (with `-z` or `--zstd`), output discarded;
//! - `ckpt_show_4mib` (plain only): `ckpt::show` on the small archive.
//!
//! Under `cargo test --benches` criterion runs each routine once as a smoke
//! test; the small shape then stands in for the large one, because writing
//! 3 GiB of archives from a debug build would take minutes.

use std::fs::{self, File};
use std::hint::black_box;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use ckpt::archive::compression::Compression;
use ckpt::archive::input::Source;
use ckpt::fixture::{ArchiveFixture, ContainerFixture};
use ckpt::inspect::{InspectOptions, inspect};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode, Throughput};
use criterion::{criterion_group, criterion_main};

mod common;
use common::{archive_dir, benchmarking, drain, open_stream};

const KIB: u64 = 1 << 10;
const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// The shape of a generated archive. Both shapes have the same members, so
/// `show` reads the same headers and metadata in both; only the data that is
/// skipped differs.
struct Shape {
    stem: &'static str,
    pages_per_process: u64,
    rootfs_file: u64,
}

/// 4 x 192 MiB of pages and a 300 MiB rootfs diff: about 1.04 GiB of tar.
/// (4 x 160 MiB would leave the archive under the 1 GiB it must reach.)
const LARGE: Shape = Shape {
    stem: "large",
    pages_per_process: 192 * MIB,
    rootfs_file: 300 * MIB,
};

/// The same members at about 4 MiB: the 2000 small images alone take 2 MiB
/// (a header block and a data block each).
const SMALL: Shape = Shape {
    stem: "small",
    pages_per_process: 256 * KIB,
    rootfs_file: MIB,
};

const PROCESSES: u32 = 4;
const EXTRA_IMAGES: u32 = 2000;

impl Shape {
    fn fixture(&self) -> ArchiveFixture {
        // Real CRIU images, so that `inspect` has processes, memory, files
        // and sockets to decode; a Podman layout, whose rootfs diff is
        // streamed into the archive (containerd's is gzipped in memory).
        let pages = u64::from(PROCESSES) * self.pages_per_process;
        let container = ContainerFixture::large(PROCESSES, pages, self.rootfs_file, EXTRA_IMAGES);
        ArchiveFixture::Container(Box::new(container))
    }
}

/// An archive on disk and the length of the tar stream inside it.
struct Archive {
    path: PathBuf,
    compression: Compression,
    tar_len: u64,
}

/// The file extension of an archive in `compression`.
pub fn extension(compression: Compression) -> &'static str {
    match compression {
        Compression::None => "tar",
        Compression::Gzip => "tar.gz",
        Compression::Zstd => "tar.zst",
    }
}

/// Counts the bytes written to it: the tar length without a file.
struct CountingSink(u64);

impl Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn tar_len(fixture: &ArchiveFixture) -> u64 {
    let mut sink = CountingSink(0);
    fixture
        .write(&mut sink, Compression::None, false)
        .expect("writing to a counting sink does not fail");
    sink.0
}

/// The archive of `shape` in `compression`, written unless a complete one
/// with the expected tar length is already there.
fn prepare(dir: &Path, shape: &Shape, compression: Compression) -> Archive {
    let fixture = shape.fixture();
    let expected = tar_len(&fixture);
    let name = format!("{}.{}", shape.stem, extension(compression));
    let path = dir.join(&name);
    let archive = Archive {
        path,
        compression,
        tar_len: expected,
    };

    // Only a finished file ever gets the final name, so one that is there is
    // whole; its length still has to match in case the shape changed.
    if archive.path.exists() && stream_len(&archive.path, compression).ok() == Some(expected) {
        eprintln!("reusing {}", archive.path.display());
        return archive;
    }

    let mib = expected as f64 / MIB as f64;
    eprintln!("writing {} ({mib:.1} MiB of tar)", archive.path.display());
    let partial = dir.join(format!("{name}.partial"));
    let file = File::create(&partial).expect("the bench archive directory is writable");
    let mut out = BufWriter::with_capacity(MIB as usize, file);
    fixture
        .write(&mut out, compression, false)
        .expect("the disk has room for the bench archive");
    out.into_inner()
        .map_err(io::IntoInnerError::into_error)
        .and_then(|file| file.sync_all())
        .expect("the bench archive reaches the disk");
    fs::rename(&partial, &archive.path).expect("renaming within one directory works");
    assert_eq!(
        stream_len(&archive.path, compression).expect("a just-written archive reads back"),
        expected,
        "the written archive holds the whole tar stream"
    );
    archive
}

/// Length of the tar stream in the file: decompressing is the only way to
/// know it for gzip and zstd.
fn stream_len(path: &Path, compression: Compression) -> io::Result<u64> {
    match compression {
        Compression::None => Ok(fs::metadata(path)?.len()),
        _ => drain(open_stream(path, compression)?),
    }
}

fn show(archive: &Archive) {
    let report = ckpt::show(Source::Path(&archive.path), "bench")
        .expect("show reads a bench archive without error");
    assert_eq!(
        report.containers.len(),
        1,
        "the bench archive holds one container"
    );
    black_box(report);
}

fn inspect_all(archive: &Archive) {
    let inspected = inspect(Source::Path(&archive.path), "bench", InspectOptions::all())
        .expect("inspect reads a bench archive without error");
    let tree = inspected.containers[0].process_tree.as_ref();
    let cmdline = tree.and_then(|root| root.cmdline.as_deref());
    assert_eq!(
        cmdline,
        Some("/bin/sh /app/run.sh "),
        "argv was read from the pages"
    );
    black_box(inspected);
}

fn read_all(archive: &Archive) {
    let stream = open_stream(&archive.path, archive.compression).expect("the archive opens");
    let n = drain(stream).expect("the archive reads to its end");
    assert_eq!(n, archive.tar_len, "the whole tar stream was read");
}

fn tar_args(compression: Compression) -> &'static [&'static str] {
    match compression {
        Compression::None => &["-tf"],
        Compression::Gzip => &["-tzf"],
        Compression::Zstd => &["--zstd", "-tf"],
    }
}

fn tar_list(archive: &Archive) -> io::Result<bool> {
    let status = Command::new("tar")
        .args(tar_args(archive.compression))
        .arg(&archive.path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    Ok(status.success())
}

/// Whether GNU tar can list this archive here. Tried once on the archive
/// itself, so a missing binary, a non-GNU tar or a tar without zstd support
/// (or without the `zstd` program it runs) skips the baseline with a note.
fn gnu_tar_works(archive: &Archive) -> bool {
    let version = Command::new("tar")
        .arg("--version")
        .stderr(Stdio::null())
        .output();
    let is_gnu = match version {
        Ok(out) => String::from_utf8_lossy(&out.stdout).contains("GNU tar"),
        Err(_) => false,
    };
    if !is_gnu {
        eprintln!("note: no GNU tar on PATH; skipping the gnu_tar_list baseline");
        return false;
    }
    match tar_list(archive) {
        Ok(true) => true,
        Ok(false) | Err(_) => {
            eprintln!(
                "note: `tar {} {}` failed (no {} support?); skipping the gnu_tar_list baseline",
                tar_args(archive.compression).join(" "),
                archive.path.display(),
                archive.compression.name(),
            );
            false
        }
    }
}

/// Ten samples of one run each: a run of the slow routines takes seconds, so
/// more samples would take the bench far past its ten-minute budget.
fn configure(group: &mut BenchmarkGroup<'_, WallTime>, bytes: u64) {
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(10))
        // The tar stream's length, not the file's: it is the same for all
        // three compressions and for every routine in a group, so MiB/s
        // compares across the whole run; a compressed length would make the
        // better-compressed file look slower for the same work.
        .throughput(Throughput::Bytes(bytes));
}

fn bench_archive(c: &mut Criterion, archive: &Archive, small: Option<&Archive>) {
    let baseline = match archive.compression {
        Compression::None => "read_loop",
        Compression::Gzip => "flate2_multigz",
        Compression::Zstd => "zstd_decoder",
    };
    let with_tar = gnu_tar_works(archive);

    let label = match archive.compression {
        Compression::None => "plain",
        other => other.name(),
    };
    let mut group = c.benchmark_group(label);
    configure(&mut group, archive.tar_len);
    group.bench_function("ckpt_show", |b| b.iter(|| show(archive)));
    group.bench_function("ckpt_inspect_all", |b| b.iter(|| inspect_all(archive)));
    group.bench_function(baseline, |b| b.iter(|| read_all(archive)));
    if with_tar {
        group.bench_function("gnu_tar_list", |b| {
            b.iter(|| assert!(tar_list(archive).expect("tar ran once, it runs again")))
        });
    }
    if let Some(small) = small {
        // Its own length, so its MiB/s is honest; compare its time instead.
        group.throughput(Throughput::Bytes(small.tar_len));
        group.bench_function("ckpt_show_4mib", |b| b.iter(|| show(small)));
    }
    group.finish();
}

fn scan_benches(c: &mut Criterion) {
    let benchmarking = benchmarking();
    let large = if benchmarking { &LARGE } else { &SMALL };

    let dir = archive_dir();
    fs::create_dir_all(&dir).expect("the target directory is writable");
    let small = prepare(&dir, &SMALL, Compression::None);
    if benchmarking {
        let about_4mib = (3 * MIB..5 * MIB).contains(&small.tar_len);
        assert!(about_4mib, "the small archive is about 4 MiB");
    }
    let archives = [Compression::None, Compression::Gzip, Compression::Zstd]
        .map(|compression| prepare(&dir, large, compression));
    if benchmarking {
        let over_1gib = (GIB..2 * GIB).contains(&archives[0].tar_len);
        assert!(over_1gib, "the large archive is over 1 GiB");
    }
    for archive in &archives {
        eprintln!(
            "{}: {} bytes on disk, {} bytes of tar",
            archive.path.display(),
            fs::metadata(&archive.path)
                .expect("the archive was just prepared")
                .len(),
            archive.tar_len,
        );
    }

    for archive in &archives {
        let small = (archive.compression == Compression::None).then_some(&small);
        bench_archive(c, archive, small);
    }
}

criterion_group!(benches, scan_benches);
criterion_main!(benches);
