//! How fast `list` reads a folder of 200 checkpoint archives, next to
//! reading each of them through once in the same run.
//!
//! `list` needs two small members of each archive, so it stops reading an
//! archive once it has them, and reads several archives at a time. Podman
//! writes those members first; CRI-O and containerd write them after
//! `checkpoint/`, so on a compressed archive of theirs most of the stream is
//! still decompressed. The folder mixes the three engines, each in its own
//! member order, and the three compressions. The routines:
//!
//! - `ckpt_list`: `ckpt list` on the folder, as the command runs it;
//! - `ckpt_list_one_thread`: the same on one thread, which shows what the
//!   early stop alone is worth;
//! - `ckpt_show_each`: `ckpt show` on every archive in turn, the whole scan
//!   (seeking past data on the plain ones);
//! - `read_each`: every archive read to its end, decompressed when it is
//!   compressed, into `io::sink`: what any tool that reads each archive
//!   through once costs at the least.
//!
//! The archives are written once under `<target dir>/bench-archives/` and
//! reused by later runs. Under `cargo test --benches` a folder of small
//! archives stands in, and each routine runs once.

use std::fs;
use std::hint::black_box;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Duration;

use ckpt::archive::compression::Compression;
use ckpt::archive::input::{ArchiveInput, Source};
use ckpt::fixture::{ArchiveFixture, ContainerFixture, FixtureEngine, PAGE};
use ckpt::list::{self, Found};
use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};

mod common;
use common::{archive_dir, benchmarking, drain, open_stream};

const ARCHIVES: usize = 200;
const ENGINES: [FixtureEngine; 3] = [
    FixtureEngine::Podman,
    FixtureEngine::CriO,
    FixtureEngine::Containerd,
];
const COMPRESSIONS: [Compression; 3] = [Compression::None, Compression::Gzip, Compression::Zstd];

/// The size of each archive's members.
struct Shape {
    stem: &'static str,
    pages_per_process: u64,
    rootfs_file: u64,
}

/// About 9 MiB of tar each (two processes of 4 MiB of pages and a 1 MiB
/// rootfs diff): 1.8 GiB for the folder.
const LARGE: Shape = Shape {
    stem: "list-large",
    pages_per_process: 4 << 20,
    rootfs_file: 1 << 20,
};

/// About 100 KiB each, for the smoke test.
const SMALL: Shape = Shape {
    stem: "list-small",
    pages_per_process: 8 * PAGE,
    rootfs_file: 4096,
};

/// The `i`-th archive: engines and compressions take turns, so that every
/// pair of them is in the folder about equally often.
fn archive(shape: &Shape, i: usize) -> (String, ArchiveFixture, Compression) {
    let engine = ENGINES[i % ENGINES.len()];
    let compression = COMPRESSIONS[i / ENGINES.len() % COMPRESSIONS.len()];
    let pod = format!("shop-{i:03}-7d9f");
    let mut container = ContainerFixture::new(engine, "app");
    container.pod_name = pod.clone();
    container.namespace = "team-a".to_string();
    container.pages_per_process = shape.pages_per_process;
    container.rootfs_file = Some(shape.rootfs_file);
    container.images_first = engine != FixtureEngine::Podman;
    let minute = i % 60;
    // The kubelet's file name: pod_namespace-container-time.tar.
    let name = format!("checkpoint-{pod}_team-a-app-2026-11-30T10:{minute:02}:00Z.tar");
    let fixture = ArchiveFixture::Container(Box::new(container));
    (name, fixture, compression)
}

/// The folder of `shape`, written unless a complete one is there: the
/// marker file is written last and says what the folder holds.
fn prepare(shape: &Shape) -> std::path::PathBuf {
    let dir = archive_dir().join(shape.stem);
    let marker = dir.join(".complete");
    let description = format!(
        "{ARCHIVES} archives, {} bytes of pages per process, {} bytes of rootfs diff\n",
        shape.pages_per_process, shape.rootfs_file
    );
    if fs::read_to_string(&marker).ok().as_deref() == Some(description.as_str()) {
        eprintln!("reusing {}", dir.display());
        return dir;
    }
    eprintln!("writing {} ({description})", dir.display());
    if dir.exists() {
        fs::remove_dir_all(&dir).expect("the old bench folder can be removed");
    }
    fs::create_dir_all(&dir).expect("the target directory is writable");
    for i in 0..ARCHIVES {
        let (name, fixture, compression) = archive(shape, i);
        let file = fs::File::create(dir.join(name)).expect("the bench folder is writable");
        let mut out = BufWriter::with_capacity(1 << 20, file);
        fixture
            .write(&mut out, compression, false)
            .expect("the disk has room for the bench archives");
        out.flush().expect("the bench archive reaches the disk");
    }
    fs::write(&marker, description).expect("the bench folder is writable");
    dir
}

fn list_folder(dir: &Path, threads: usize) {
    let found = list::find(dir).expect("the bench folder is readable");
    assert_eq!(found.len(), ARCHIVES, "every archive is found");
    let mut rows = 0;
    for result in list::read_all(&found, threads) {
        let listed = result.expect("every bench archive lists");
        rows += listed.rows.len();
        black_box(listed);
    }
    assert_eq!(rows, ARCHIVES, "one row per archive");
}

fn show_each(found: &[Found]) {
    for file in found {
        let report = ckpt::show(Source::Path(&file.path), "bench")
            .expect("show reads a bench archive without error");
        assert_eq!(report.containers.len(), 1, "one container per archive");
        black_box(report);
    }
}

fn read_each(found: &[Found]) {
    for file in found {
        let compression = archive_compression(&file.path);
        let stream = open_stream(&file.path, compression).expect("the archive opens");
        black_box(drain(stream).expect("the archive reads to its end"));
    }
}

/// The compression from the first bytes, as `ckpt` tells it.
fn archive_compression(path: &Path) -> Compression {
    ArchiveInput::open(Source::Path(path))
        .expect("the archive opens")
        .compression
}

fn list_benches(c: &mut Criterion) {
    let shape = if benchmarking() { &LARGE } else { &SMALL };
    let dir = prepare(shape);
    let found = list::find(&dir).expect("the bench folder is readable");
    let on_disk: u64 = found.iter().map(|f| f.size).sum();
    eprintln!(
        "{}: {} archives, {:.1} MiB on disk",
        dir.display(),
        found.len(),
        on_disk as f64 / f64::from(1 << 20)
    );

    let mut group = c.benchmark_group("list_200");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(10));
    group.bench_function("ckpt_list", |b| {
        b.iter(|| list_folder(&dir, list::default_threads()))
    });
    group.bench_function("ckpt_list_one_thread", |b| b.iter(|| list_folder(&dir, 1)));
    group.bench_function("ckpt_show_each", |b| b.iter(|| show_each(&found)));
    group.bench_function("read_each", |b| b.iter(|| read_each(&found)));
    group.finish();
}

criterion_group!(benches, list_benches);
criterion_main!(benches);
