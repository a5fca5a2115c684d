//! How fast ckpt's commands read large checkpoint archives, next to the
//! fastest anything could read the same file, in the same run.
//!
//! `show` reads every tar header and a few small JSON members; the rest of
//! the archive is skipped. On a compressed archive skipping still means
//! decompressing, so the floor is the bare decompressor reading the whole
//! file, and every command should come close to it. On a plain tar file
//! skipping is a seek, so `show` should cost the same on 16 GiB as on
//! 2 GiB. GNU tar listing the archive is the tool people would otherwise
//! reach for, so it is measured too.
//!
//! The archives are [`ArchiveFixture::bench`]: the realistic shape (pages
//! part random, part text, part zeros; a rootfs diff of 3000 files; 2000
//! small images) and the incompressible one, at 2 and 4 GiB, each plain,
//! gzip and zstd, and a plain realistic one of 16 GiB (8 times the
//! pages of the 2 GiB one). They are written once under
//! `<target dir>/bench-archives/` and reused, by this bench and by
//! `benches/compare.sh` alike. Each archive is one criterion group:
//!
//! - `ckpt_show`: `ckpt::show`, the whole scan and report;
//! - `ckpt_inspect_all`: `inspect --all` (process tree, argv and environment
//!   read from the pages, files, sockets, statistics, mounts), which must
//!   stay within 1.2 times `ckpt_show`;
//! - `ckpt_memparse_pid`: the hexdump of PID 1's memory (a quarter of the
//!   pages) into a sink, folded as on a terminal;
//! - `read_loop` / `flate2_multigz` / `zstd_decoder`: the file read to the
//!   end, decompressed when it is compressed, into `io::sink`;
//! - `gnu_tar_list`: `tar -tf` (with `-z` or `--zstd`), output discarded.
//!
//! Throughput is over the tar content, the same for all three compressions
//! of a shape and size, so MiB/s compares across the whole run. Under
//! `cargo test --benches` criterion runs each routine once as a smoke test,
//! on 16 MiB archives instead.

use std::fs;
use std::hint::black_box;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use ckpt::archive::compression::Compression;
use ckpt::archive::input::Source;
use ckpt::fixture::{ArchiveFixture, DataShape};
use ckpt::inspect::{InspectOptions, inspect};
use ckpt::memparse::hexdump::Hexdump;
use ckpt::memparse::read_memory;
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode, Throughput};
use criterion::{criterion_group, criterion_main};

mod common;
use common::{archive_dir, benchmarking, drain, open_stream};

/// An archive on disk and the length of the tar stream inside it.
struct Archive {
    name: String,
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

/// The archive of `content_mib` MiB of `shape` in `compression`, written
/// unless a complete one is already there.
fn prepare(dir: &Path, shape: DataShape, content_mib: u64, compression: Compression) -> Archive {
    let stem = match shape {
        DataShape::Realistic => "realistic",
        DataShape::Incompressible => "incompressible",
    };
    let size = if content_mib >= 1024 {
        format!("{}g", content_mib / 1024)
    } else {
        format!("{content_mib}m")
    };
    let name = format!("{stem}-{size}.{}", extension(compression));
    let path = dir.join(&name);
    if !path.exists() {
        eprintln!("writing {} ({content_mib} MiB of tar)", path.display());
    }
    let tar_len = ArchiveFixture::bench(content_mib, shape)
        .write_file(&path, compression)
        .expect("the disk has room for the bench archive");
    Archive {
        name,
        path,
        compression,
        tar_len,
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

fn memparse_pid(archive: &Archive) {
    let mut hexdump = Hexdump::new(io::sink(), true);
    read_memory(Source::Path(&archive.path), 1, &mut hexdump)
        .expect("memparse reads a bench archive without error");
    hexdump.finish().expect("a sink takes every row");
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
/// more samples would take the bench far past its half-hour budget.
fn configure(group: &mut BenchmarkGroup<'_, WallTime>, bytes: u64) {
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10))
        .throughput(Throughput::Bytes(bytes));
}

fn bench_archive(c: &mut Criterion, archive: &Archive) {
    let baseline = match archive.compression {
        Compression::None => "read_loop",
        Compression::Gzip => "flate2_multigz",
        Compression::Zstd => "zstd_decoder",
    };
    let with_tar = gnu_tar_works(archive);

    let mut group = c.benchmark_group(&archive.name);
    configure(&mut group, archive.tar_len);
    group.bench_function("ckpt_show", |b| b.iter(|| show(archive)));
    group.bench_function("ckpt_inspect_all", |b| b.iter(|| inspect_all(archive)));
    group.bench_function("ckpt_memparse_pid", |b| b.iter(|| memparse_pid(archive)));
    // Reading 16 GiB through would take minutes a sample, and tells
    // nothing the 2 GiB one does not.
    if archive.compression != Compression::None || archive.tar_len < 8 << 30 {
        group.bench_function(baseline, |b| b.iter(|| read_all(archive)));
    }
    if with_tar {
        group.bench_function("gnu_tar_list", |b| {
            b.iter(|| assert!(tar_list(archive).expect("tar ran once, it runs again")))
        });
    }
    group.finish();
}

fn scan_benches(c: &mut Criterion) {
    let dir = archive_dir();
    fs::create_dir_all(&dir).expect("the target directory is writable");
    // (shape, MiB of content, compressions)
    let all = [Compression::None, Compression::Gzip, Compression::Zstd];
    let plan: Vec<(DataShape, u64, &[Compression])> = if benchmarking() {
        vec![
            (DataShape::Realistic, 2048, &all),
            (DataShape::Realistic, 16384, &[Compression::None]),
            (DataShape::Realistic, 4096, &all),
            (DataShape::Incompressible, 2048, &all),
            (DataShape::Incompressible, 4096, &all),
        ]
    } else {
        vec![
            (DataShape::Realistic, 16, &all),
            (DataShape::Incompressible, 16, &all),
        ]
    };
    let mut archives = Vec::new();
    for (shape, mib, compressions) in plan {
        for &compression in compressions {
            archives.push(prepare(&dir, shape, mib, compression));
        }
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
        bench_archive(c, archive);
    }
}

criterion_group!(benches, scan_benches);
criterion_main!(benches);
