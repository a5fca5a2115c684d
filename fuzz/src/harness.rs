//! What each fuzz target does with its input: build an archive from it,
//! then run every command of ckpt on that archive through the library, with
//! every output writer, into sinks. Errors are the expected outcome of most
//! inputs; a panic, a hang or unbounded memory is a bug.
//!
//! - [`archive`]: the input is a whole archive. Its first byte chooses how
//!   the rest is wrapped (as is, gzip, zstd), so that mutations of the tar
//!   structure reach the scanner through either decompressor too.
//! - [`metadata`]: the input replaces one JSON metadata member of a valid
//!   container, pod or kubelet archive; the first byte chooses which.
//! - [`criu`]: the input replaces one CRIU image (or the pages data) of a
//!   real Podman checkpoint; the first byte chooses which.
//!
//! This file uses nothing but ckpt's public API, the standard library and
//! the crates ckpt itself depends on, so that the project's tests can
//! include it and replay saved reproducers.

use std::fs;
use std::io::{self, Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use ckpt::archive::compression::Compression;
use ckpt::archive::input::{ArchiveInput, Source};
use ckpt::diff::{DiffOptions, diff};
use ckpt::fixture::{ArchiveFixture, ContainerFixture, FixtureEngine, PodOptionsShape};
use ckpt::inspect::{InspectOptions, InspectedContainer, inspect};
use ckpt::list::{self, Found};
use ckpt::members::MetadataMember;
use ckpt::memparse::hexdump::Hexdump;
use ckpt::memparse::search::{Pattern, Search, write_matches, write_matches_json};
use ckpt::memparse::walk::MemorySink;
use ckpt::memparse::{read_memory, sizes, write_sizes, write_sizes_json};
use ckpt::report;

/// The real Podman checkpoint the CRIU target mutates: many processes,
/// sockets of each family, files, a rootfs diff.
const RICH: &[u8] = include_bytes!("../../fixtures/real/rich.zstd.tar.zst");

/// Fuzz the whole archive: scanner, decompressors, every member.
pub fn archive(data: &[u8]) {
    let Some((&wrap, rest)) = data.split_first() else {
        return;
    };
    let bytes = match wrap % 3 {
        0 => rest.to_vec(),
        1 => gzip(rest),
        _ => zstd(rest),
    };
    exercise_stream(&bytes);
    exercise_file(&bytes);
}

/// Fuzz one JSON metadata member of a valid archive.
pub fn metadata(data: &[u8]) {
    let Some((&selector, member)) = data.split_first() else {
        return;
    };
    let targets = metadata_targets();
    let (base, index) = targets[usize::from(selector) % targets.len()];
    let bytes = bases()[base].with_member(index, member);
    exercise_file(&bytes);
}

/// Fuzz one CRIU image of a real checkpoint.
pub fn criu(data: &[u8]) {
    let Some((&selector, image)) = data.split_first() else {
        return;
    };
    let rich = &bases()[0];
    let images = criu_targets();
    let index = images[usize::from(selector) % images.len()];
    let bytes = rich.with_member(index, image);
    exercise_file(&bytes);
}

/// A plain tar archive and where each of its members lies.
pub struct Base {
    /// The archive's bytes.
    pub tar: Vec<u8>,
    /// Each member: its name, header offset, data offset and data size.
    pub members: Vec<(String, usize, usize, usize)>,
}

impl Base {
    fn new(tar: Vec<u8>) -> Base {
        let mut members = Vec::new();
        let mut archive = tar::Archive::new(Cursor::new(&tar[..]));
        let entries = archive.entries().expect("the fuzz base archives are valid");
        for entry in entries {
            let entry = entry.expect("the fuzz base archives are valid");
            let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let header = entry.raw_header_position() as usize;
            let data = entry.raw_file_position() as usize;
            members.push((name, header, data, entry.size() as usize));
        }
        Base { tar, members }
    }

    /// The archive with member `index`'s data replaced by `data`, its
    /// header's size and checksum set to match.
    pub fn with_member(&self, index: usize, data: &[u8]) -> Vec<u8> {
        let (_, header_at, data_at, size) = self.members[index];
        let mut header = tar::Header::new_old();
        header
            .as_mut_bytes()
            .copy_from_slice(&self.tar[header_at..header_at + 512]);
        header.set_size(data.len() as u64);
        header.set_cksum();
        let mut out = Vec::with_capacity(self.tar.len() + data.len());
        out.extend_from_slice(&self.tar[..header_at]);
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(data);
        out.resize(out.len() + (512 - data.len() % 512) % 512, 0);
        out.extend_from_slice(&self.tar[data_at + size.div_ceil(512) * 512..]);
        out
    }

    /// The data of member `index`.
    pub fn data(&self, index: usize) -> &[u8] {
        let (_, _, at, size) = self.members[index];
        &self.tar[at..at + size]
    }
}

/// The archives the member targets mutate: the real rich container, a
/// containerd pod and a kubelet archive from the fixture builder.
pub fn bases() -> &'static [Base] {
    static BASES: OnceLock<Vec<Base>> = OnceLock::new();
    BASES.get_or_init(|| {
        let mut rich = Vec::new();
        zstd::stream::read::Decoder::new(RICH)
            .and_then(|mut d| d.read_to_end(&mut rich))
            .expect("the bundled rich archive decompresses");
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
        let kubelet = ArchiveFixture::Kubelet {
            pods: vec![(
                "shop".to_string(),
                "prod".to_string(),
                FixtureEngine::CriO,
                ArchiveFixture::Pod {
                    name: "shop".to_string(),
                    namespace: "prod".to_string(),
                    uid: "uid-shop".to_string(),
                    pod_dump: false,
                    options_shape: PodOptionsShape::List,
                    containers: vec![ContainerFixture::new(FixtureEngine::CriO, "web")],
                },
            )],
        };
        vec![
            Base::new(rich),
            Base::new(pod.to_bytes(Compression::None)),
            Base::new(kubelet.to_bytes(Compression::None)),
        ]
    })
}

/// (base, member) of every JSON metadata member of the bases.
pub fn metadata_targets() -> &'static [(usize, usize)] {
    static TARGETS: OnceLock<Vec<(usize, usize)>> = OnceLock::new();
    TARGETS.get_or_init(|| {
        let mut targets = Vec::new();
        for (b, base) in bases().iter().enumerate() {
            for (m, (name, ..)) in base.members.iter().enumerate() {
                let file = name.rsplit('/').next().unwrap_or(name);
                if MetadataMember::from_file_name(file).is_some() {
                    targets.push((b, m));
                }
            }
        }
        targets
    })
}

/// Members of the rich base that hold CRIU images: `checkpoint/*.img`
/// (pages included) and `stats-dump`.
pub fn criu_targets() -> &'static [usize] {
    static TARGETS: OnceLock<Vec<usize>> = OnceLock::new();
    TARGETS.get_or_init(|| {
        bases()[0]
            .members
            .iter()
            .enumerate()
            .filter(|(_, (name, ..))| {
                (name.starts_with("checkpoint/") && name.ends_with(".img")) || name == "stats-dump"
            })
            .map(|(i, _)| i)
            .collect()
    })
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(data).expect("writing to memory does not fail");
    gz.finish().expect("writing to memory does not fail")
}

fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 1).expect("writing to memory does not fail")
}

/// `show` on the bytes as a stream, as standard input would give them.
pub fn exercise_stream(bytes: &[u8]) {
    let reader: Box<dyn Read + Send> = Box::new(Cursor::new(bytes.to_vec()));
    if let Ok(input) = ArchiveInput::from_reader(reader)
        && let Ok(report) = ckpt::show_input(input, "fuzz")
    {
        write_show(report);
    }
}

/// Every command on the bytes as a file.
pub fn exercise_file(bytes: &[u8]) {
    let file = TempArchive::new(bytes);
    exercise_path(&file.0);
}

/// Every command, each with every writer, on the archive at `path`.
pub fn exercise_path(path: &Path) {
    let source = Source::Path(path);
    if let Ok(report) = ckpt::show(source, "fuzz") {
        write_show(report);
    }

    // With the nested tars listed too, sorted by size (the path that
    // keeps the largest when there are too many).
    let all = InspectOptions {
        rootfs_diff: true,
        devshm: true,
        order: ckpt::nested::Order::Size,
        ..InspectOptions::all()
    };
    if let Ok(inspected) = inspect(source, "fuzz", all) {
        let sink = &mut io::sink();
        let _ = report::inspect_tree::write(sink, std::slice::from_ref(&inspected), all.resolved());
        let containers: Vec<&InspectedContainer> = inspected.containers.iter().collect();
        let _ = serde_json::to_writer(io::sink(), &containers);
        let options = DiffOptions {
            cmdline: true,
            environment: true,
            files: true,
            sockets: true,
            show_unchanged: true,
        };
        if let [first, ..] = inspected.containers.as_slice() {
            let compared = diff(first, first, options);
            let _ = ckpt::diff::tree::write(sink, &compared);
            let _ = serde_json::to_writer(io::sink(), &compared);
        }
    }

    if let Ok(found) = sizes(source) {
        let _ = write_sizes(&mut io::sink(), "fuzz", &found);
        let _ = write_sizes_json(&mut io::sink(), "fuzz", &found);
        if let Some(row) = found.rows.first() {
            let regex = regex::bytes::Regex::new(r"[A-Z_]{3,}=\S*").expect("a valid regex");
            let patterns = [Pattern::Literal(b"PATH=".to_vec()), Pattern::Regex(regex)];
            let mut all = AllSinks {
                hexdump: Hexdump::new(io::sink(), true),
                searches: patterns.iter().map(|p| Search::new(p, 16)).collect(),
            };
            if read_memory(source, row.pid, &mut all).is_ok() {
                let _ = all.hexdump.finish();
                for (pattern, search) in patterns.iter().zip(all.searches) {
                    let (matches, _) = search.finish();
                    let _ = write_matches(&mut io::sink(), pattern, row.pid, &matches);
                    let _ =
                        write_matches_json(&mut io::sink(), "fuzz", pattern, row.pid, &matches, 0);
                }
            }
        }
    }

    let found = Found {
        path: path.to_path_buf(),
        name: "checkpoint-fuzz".to_string(),
        size: fs::metadata(path).map_or(0, |m| m.len()),
    };
    if let Ok(listed) = list::read(&found) {
        let _ = list::write_table(&mut io::sink(), &listed.rows, false);
        let _ = list::write_json(&mut io::sink(), &listed.rows);
    }
}

/// A hexdump and searches fed from one read of a process's memory, so
/// that each input costs one scan for all three.
struct AllSinks {
    hexdump: Hexdump<io::Sink>,
    searches: Vec<Search>,
}

impl MemorySink for AllSinks {
    fn begin(&mut self) -> io::Result<()> {
        self.hexdump.begin()?;
        self.searches.iter_mut().try_for_each(|s| s.begin())
    }

    fn run(&mut self, vaddr: u64, len: u64, present: bool) -> io::Result<()> {
        self.hexdump.run(vaddr, len, present)?;
        self.searches
            .iter_mut()
            .try_for_each(|s| s.run(vaddr, len, present))
    }

    fn data(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.hexdump.data(bytes)?;
        self.searches.iter_mut().try_for_each(|s| s.data(bytes))
    }

    fn zeros(&mut self, len: u64) -> io::Result<()> {
        self.hexdump.zeros(len)?;
        self.searches.iter_mut().try_for_each(|s| s.zeros(len))
    }
}

fn write_show(report: ckpt::report::ArchiveReport) {
    let reports = [report];
    let sink = &mut io::sink();
    let _ = report::table::write(sink, &reports);
    let _ = report::json::write(sink, &reports);
    let _ = report::tree::write(sink, &reports);
}

/// A file holding one input, removed when dropped. Shared memory when the
/// machine has it, so that writing it costs no disk I/O.
struct TempArchive(PathBuf);

impl TempArchive {
    fn new(bytes: &[u8]) -> TempArchive {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let shm = Path::new("/dev/shm");
        let dir = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("ckpt-fuzz-{}-{n}.tar", std::process::id()));
        fs::write(&path, bytes).expect("the temporary folder is writable");
        TempArchive(path)
    }
}

impl Drop for TempArchive {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}
