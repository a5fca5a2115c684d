//! `memparse`: the memory of a checkpoint's processes, from the same single
//! pass over the archive as everything else.
//!
//! Without a PID, [`sizes`] reads only small images (`pstree.img`, `core-*`,
//! `mm-*`, `pagemap-*`) and the sizes of the `pages-*` members from their
//! tar headers; page data is skipped, by seeking on a plain tar file.
//!
//! With a PID, [`read_memory`] hands that process's memory to a
//! [`MemorySink`] (a [`hexdump::Hexdump`] or a [`search::Search`]) while its
//! pages image streams past: every engine writes `checkpoint/` in byte
//! order, so `core-P`, `mm-P` and `pagemap-P` arrive before `pages-N`, and
//! the [`walk::Walker`] knows where every byte belongs. Nothing holds the
//! image; a sink keeps at most a row or a search window.
//!
//! `pstree.img` comes *after* the pages, and only it says whether the PID
//! belongs to the dump (an archive may carry stale images of processes that
//! exited after an earlier `--leave-running` checkpoint). The design:
//!
//! - on a plain tar file the pages image is skipped during the scan and,
//!   once `pstree.img` has confirmed the PID, read at its offset in chunks,
//!   so nothing is printed for a PID that is not in the dump;
//! - on a stream (a compressed archive, standard input) the pages are
//!   written as they pass, when `pagemap-P.img` exists and `core-P.img`
//!   does not say the process is dead. Holding them back would mean holding
//!   the whole image (or spooling it to disk, which ckpt never does). If
//!   `pstree.img` then lacks the PID, the error says plainly that what was
//!   printed came from stale images. Only a PID that has stale images but
//!   is not in the dump, which nobody asks for on purpose, gets there.
//!
//! A pages image that comes before the pagemap locating it (no engine
//! writes that order) is read in a second pass over a file; standard input
//! cannot be read twice, and the error says so.
//!
//! The scan stops as soon as it has what it needs (`pstree.img`, and the
//! images and pages of the processes shown), so on a compressed archive the
//! root fs diff after `checkpoint/` is not decompressed, and damage there
//! goes unnoticed.

pub mod hexdump;
pub mod search;
pub mod walk;

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{self, Write};

use crate::archive::input::{ArchiveInput, Source};
use crate::archive::scan::{Entry, Interest, Part, scan};
use crate::criu::checkpoint::{Checkpoint, PE_PRESENT, Pagemap, flags, nr_pages};
use crate::criu::collect::{CriuCollector, MAX_IMAGES, Selection};
use crate::criu::memory::{PAGE_SIZE, page_size};
use crate::criu::processes::{TreeOptions, tree};
use crate::error::{Error, Position, Result};
use crate::members;
use crate::report::table::write_aligned;
use crate::report::units::iec;
use crate::warnings::Warnings;
use walk::{MemorySink, Walker};

/// Bytes read at a time from a plain tar file.
const READ_CHUNK: usize = 128 * 1024;
/// Where the images of a container archive are.
const CHECKPOINT: &str = "checkpoint/";

/// One row of the memory-size table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizeRow {
    /// The process.
    pub pid: u32,
    /// Its name (`comm`); empty without a core image.
    pub name: String,
    /// Pages its pagemap records × the page size; `None` without a pagemap.
    pub memory: Option<u64>,
    /// The virtual size of its `MAP_SHARED` mappings; `None` without an
    /// mm image.
    pub shared: Option<u64>,
}

/// The memory sizes of a checkpoint's processes.
#[derive(Debug, Clone, Default)]
pub struct Sizes {
    /// One row per live process, depth first from the root, children by
    /// PID; dead and zombie processes and everything below them left out.
    pub rows: Vec<SizeRow>,
    /// What could not be fully read, each naming its member.
    pub warnings: Vec<String>,
}

/// What reading one process's memory left to say.
#[derive(Debug, Clone, Default)]
pub struct MemoryRead {
    /// The page size used (inferred from the pages image's size).
    pub page_size: u64,
    /// What could not be fully read, each naming its member.
    pub warnings: Vec<String>,
}

/// The memory sizes of the processes of the archive at `source`.
pub fn sizes(source: Source<'_>) -> Result<Sizes> {
    let mut part = MemoryPart::new(None);
    scan(ArchiveInput::open(source)?, &mut [&mut part])?;
    let no_checkpoint = part.no_checkpoint();
    let pages = std::mem::take(&mut part.pages);
    let (checkpoints, mut warnings) = part.collector.finish();
    let Some(checkpoint) = checkpoints.get("") else {
        return Err(no_checkpoint);
    };
    let (root, tree_warnings) = tree(checkpoint, TreeOptions::default());
    warnings.extend(tree_warnings.into_iter().map(in_checkpoint_dir));
    let Some(root) = root else {
        return Err(no_tree(checkpoint));
    };

    let mut rows = Vec::new();
    let mut missing = Warnings::default();
    for node in root.walk().into_iter().filter(|n| n.has_resources) {
        let pid = node.pid;
        let memory = checkpoint.pagemaps.get(&pid).map(|pagemap| {
            let page = pages
                .get(&pagemap.pages_id)
                .map_or(PAGE_SIZE, |m| page_size(pagemap, m.size));
            let count = pagemap.entries.iter().map(nr_pages);
            count.fold(0, u64::saturating_add).saturating_mul(page)
        });
        if memory.is_none() {
            missing.push(format!(
                "member `{CHECKPOINT}pagemap-{pid}.img` is missing: the memory size of \
                 process {pid} is unknown"
            ));
        }
        let shared = checkpoint.mms.get(&pid).map(|mm| mm.shared_size);
        if shared.is_none() {
            missing.push(format!(
                "member `{CHECKPOINT}mm-{pid}.img` is missing: the shared memory size of \
                 process {pid} is unknown"
            ));
        }
        rows.push(SizeRow {
            pid,
            name: node.command.clone(),
            memory,
            shared,
        });
    }
    warnings.extend(missing.finish(|n| format!("{n} more memory images are missing (not listed)")));
    Ok(Sizes { rows, warnings })
}

/// Print the size table as checkpointctl does, titled with `display`.
pub fn write_sizes(out: &mut dyn Write, display: &str, sizes: &Sizes) -> io::Result<()> {
    writeln!(out, "\nDisplaying processes memory sizes from {display}\n")?;
    let header = ["PID", "PROCESS NAME", "MEMORY SIZE", "SHARED MEMORY SIZE"];
    let mut rows: Vec<Vec<String>> = vec![
        header.iter().map(|h| h.to_string()).collect(),
        header.iter().map(|h| "-".repeat(h.len())).collect(),
    ];
    let size = |s: Option<u64>| s.map_or_else(|| "-".to_string(), iec);
    for row in &sizes.rows {
        rows.push(vec![
            row.pid.to_string(),
            row.name.clone(),
            size(row.memory),
            size(row.shared),
        ]);
    }
    write_aligned(out, &rows)
}

/// The size table as JSON: the archive and one object per process, sizes
/// in bytes, `null` where the table prints `-`.
pub fn write_sizes_json(out: &mut dyn Write, display: &str, sizes: &Sizes) -> io::Result<()> {
    #[derive(serde::Serialize)]
    struct Process<'a> {
        pid: u32,
        process_name: &'a str,
        memory_size: Option<u64>,
        shared_memory_size: Option<u64>,
    }
    #[derive(serde::Serialize)]
    struct Report<'a> {
        archive: &'a str,
        processes: Vec<Process<'a>>,
    }
    let processes = sizes
        .rows
        .iter()
        .map(|row| Process {
            pid: row.pid,
            process_name: &row.name,
            memory_size: row.memory,
            shared_memory_size: row.shared,
        })
        .collect();
    let report = Report {
        archive: display,
        processes,
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}

/// Hand the memory of process `pid` of the archive at `source` to `sink`,
/// run by run in pagemap order; see the module docs for when.
pub fn read_memory(source: Source<'_>, pid: u32, sink: &mut dyn MemorySink) -> Result<MemoryRead> {
    let mut part = MemoryPart::new(Some(Target {
        pid,
        sink,
        begun: false,
        walker: None,
        streaming: false,
    }));
    // The hexdump or search works on much of the data: let it share the
    // cores with decompression.
    scan(ArchiveInput::open(source)?.pipelined(), &mut [&mut part])?;
    let begun = part.target.as_ref().is_some_and(|t| t.begun);
    let Some(checkpoint) = part.collector.checkpoint("") else {
        return Err(part.no_checkpoint());
    };
    let pagemap = check_process(checkpoint, pid, begun)?.clone();
    let pages_member = format!("{CHECKPOINT}pages-{}.img", pagemap.pages_id);
    let member = part.pages.get(&pagemap.pages_id).cloned();
    let page = member
        .as_ref()
        .map_or(PAGE_SIZE, |m| page_size(&pagemap, m.size));
    if part.target.as_ref().is_some_and(|t| t.walker.is_none()) {
        let walker = Walker::new(&pagemap, page);
        match member {
            // A plain tar file: read the image at its offset now.
            Some(PagesMember {
                offset: Some(offset),
                size,
                name,
            }) => {
                let Source::Path(path) = source else {
                    return Err(Error::Unsupported(format!(
                        "`{name}` has an offset but no file"
                    )));
                };
                let file = File::open(path).map_err(Error::Open)?;
                if let Some(target) = part.target.as_mut() {
                    target.start(walker)?;
                    target.read_at(&file, &name, offset, size)?;
                }
            }
            // It came before the pagemap locating it: read it again.
            Some(PagesMember { name, .. }) => {
                if matches!(source, Source::Stdin) {
                    return Err(Error::BadMember {
                        member: name,
                        problem: "comes before the pagemap that locates it, and standard \
                                  input cannot be read twice; save the archive to a file \
                                  and run memparse on that"
                            .to_string(),
                    });
                }
                part.only = Some(name);
                scan(ArchiveInput::open(source)?, &mut [&mut part])?;
            }
            None if walker.present_len() > 0 => {
                return Err(Error::BadMember {
                    member: pages_member,
                    problem: format!("is missing, so the memory of process {pid} cannot be read"),
                });
            }
            // Nothing is stored: every run is absent from this dump.
            None => {
                if let Some(target) = part.target.as_mut() {
                    target.start(walker)?;
                }
            }
        }
    }

    let Some(target) = part.target.as_mut() else {
        return Err(Error::Unsupported("no process to read".to_string()));
    };
    let Some(walker) = target.walker.as_mut() else {
        // The second pass did not meet the member: the file changed.
        return Err(Error::BadMember {
            member: pages_member,
            problem: "was not found when the archive was read again".to_string(),
        });
    };
    if target.streaming {
        walker.finish(target.sink).map_err(Error::Write)?;
        target.streaming = false;
    }
    let mut warnings = Vec::new();
    if walker.missing() > 0 {
        warnings.push(format!(
            "member `{pages_member}` is {} bytes short of what `pagemap-{pid}.img` locates \
             in it; the missing bytes print as zeros",
            walker.missing()
        ));
    }
    if walker.excess() > 0 {
        warnings.push(format!(
            "member `{pages_member}` holds {} bytes past the pages `pagemap-{pid}.img` \
             locates in it; they were ignored",
            walker.excess()
        ));
    }
    Ok(MemoryRead {
        page_size: page,
        warnings,
    })
}

/// The PID must be a live process of the dump with a pagemap.
fn check_process(checkpoint: &Checkpoint, pid: u32, begun: bool) -> Result<&Pagemap> {
    let Some(pstree) = &checkpoint.pstree else {
        return Err(no_tree(checkpoint));
    };
    if !pstree.iter().any(|p| p.pid == pid) {
        let mut problem = format!("has no process with PID {pid} (`inspect --ps-tree` lists them)");
        if begun {
            problem.push_str(
                "; the memory printed above came from stale images of an exited process: \
                 `pstree.img` comes after the pages, and a stream is read only once",
            );
        }
        return Err(Error::BadMember {
            member: format!("{CHECKPOINT}pstree.img"),
            problem,
        });
    }
    if let Some((_, state)) = checkpoint.task(pid)
        && !state.has_resources()
    {
        return Err(Error::BadMember {
            member: format!("{CHECKPOINT}core-{pid}.img"),
            problem: format!(
                "process {pid} is {}: CRIU keeps no memory of it",
                state.name()
            ),
        });
    }
    checkpoint
        .pagemaps
        .get(&pid)
        .ok_or_else(|| Error::BadMember {
            member: format!("{CHECKPOINT}pagemap-{pid}.img"),
            problem: format!("is missing, so the memory of process {pid} cannot be read"),
        })
}

fn no_tree(checkpoint: &Checkpoint) -> Error {
    let problem = match &checkpoint.pstree {
        None => "is missing, so there is no process tree",
        Some(_) => "holds no process",
    };
    Error::BadMember {
        member: format!("{CHECKPOINT}pstree.img"),
        problem: problem.to_string(),
    }
}

fn in_checkpoint_dir(warning: String) -> String {
    warning.replace("member `", &format!("member `{CHECKPOINT}"))
}

/// A `pages-N.img` member of the archive root.
#[derive(Debug, Clone)]
struct PagesMember {
    name: String,
    size: u64,
    /// Where its data starts, in a plain tar file.
    offset: Option<u64>,
}

/// The process whose memory is wanted, and where it goes.
struct Target<'s> {
    pid: u32,
    sink: &'s mut dyn MemorySink,
    /// True once `sink.begin` was called.
    begun: bool,
    /// Set when its pages start (streamed or read by offset).
    walker: Option<Walker>,
    /// True while its pages image streams past.
    streaming: bool,
}

impl Target<'_> {
    fn start(&mut self, walker: Walker) -> Result<()> {
        if !self.begun {
            self.sink.begin().map_err(Error::Write)?;
            self.begun = true;
        }
        self.walker = Some(walker);
        self.streaming = true;
        Ok(())
    }

    /// Read the pages image at `offset` of a plain tar `file`, a chunk at a
    /// time, through the walker.
    fn read_at(&mut self, file: &File, member: &str, offset: u64, size: u64) -> Result<()> {
        use std::os::unix::fs::FileExt;
        let Some(walker) = self.walker.as_mut() else {
            return Ok(());
        };
        let mut buffer = vec![0u8; READ_CHUNK];
        let mut done = 0u64;
        while done < size {
            let n = usize::try_from(size - done).map_or(READ_CHUNK, |left| left.min(READ_CHUNK));
            file.read_exact_at(&mut buffer[..n], offset + done)
                .map_err(|source| Error::Read {
                    at: Position::Inside(member.to_string()),
                    source,
                })?;
            walker.feed(&buffer[..n], self.sink).map_err(Error::Write)?;
            done += n as u64;
        }
        Ok(())
    }
}

/// The scan part of `memparse`: the CRIU collector for the small images,
/// the sizes (and offsets) of the pages images, and the pages of the target
/// process as they pass.
struct MemoryPart<'s> {
    collector: CriuCollector,
    /// True when the collector asked for the current member.
    collector_wants: bool,
    /// `pages-N.img` of the archive root, by N.
    pages: BTreeMap<u32, PagesMember>,
    target: Option<Target<'s>>,
    /// In a second pass: the only member to read.
    only: Option<String>,
    /// Folders holding a `checkpoint/` of their own (a pod archive's
    /// containers), which memparse does not read.
    folders: BTreeSet<String>,
    /// True when `checkpointed.pods` was seen (a kubelet archive).
    kubelet: bool,
    /// True when the root has a `checkpoint/` folder or anything in it.
    root_checkpoint: bool,
}

impl<'s> MemoryPart<'s> {
    fn new(target: Option<Target<'s>>) -> MemoryPart<'s> {
        MemoryPart {
            collector: CriuCollector::new(Selection {
                processes: true,
                memory_maps: true,
                ..Selection::default()
            }),
            collector_wants: false,
            pages: BTreeMap::new(),
            target,
            only: None,
            folders: BTreeSet::new(),
            kubelet: false,
            root_checkpoint: false,
        }
    }

    /// Why the archive root has no checkpoint.
    fn no_checkpoint(&self) -> Error {
        if self.kubelet {
            return Error::Unsupported(
                "memparse reads container archives; a kubelet archive keeps each pod's \
                 checkpoint in a nested archive (`<sandbox ID>.tar`)"
                    .to_string(),
            );
        }
        if self.root_checkpoint {
            // A `checkpoint/` folder, but no image the collector decodes.
            return Error::BadMember {
                member: format!("{CHECKPOINT}pstree.img"),
                problem: "not in the archive, so there is no process tree".to_string(),
            };
        }
        if self.folders.is_empty() {
            return Error::MissingCheckpoint {
                folder: String::new(),
            };
        }
        let folders: Vec<String> = self.folders.iter().map(|f| format!("`{f}/`")).collect();
        Error::Unsupported(format!(
            "memparse reads container archives, and this is a pod archive (container \
             folders: {})",
            folders.join(", ")
        ))
    }

    /// True for members of the archive root that the collector may want:
    /// the images of a pod's containers are not read, only noted.
    fn at_root(&mut self, entry: &Entry) -> bool {
        if entry.name == members::CHECKPOINTED_PODS {
            self.kubelet = true;
        }
        if entry.name == members::CHECKPOINT_DIR || entry.name.starts_with(CHECKPOINT) {
            self.root_checkpoint = true;
        }
        match entry.name.split_once('/') {
            Some((folder, rest))
                if folder != members::CHECKPOINT_DIR
                    && (rest == members::CHECKPOINT_DIR
                        || rest.starts_with(CHECKPOINT)
                        || rest == "stats-dump") =>
            {
                if self.folders.len() < members::MAX_FOLDERS {
                    self.folders.insert(folder.to_string());
                }
                false
            }
            _ => true,
        }
    }

    /// Start streaming the target's pages if `entry` is its pages image
    /// and it can be streamed now.
    fn stream(&mut self, pages_id: u32, entry: &Entry) -> Result<bool> {
        let Some(target) = self.target.as_mut() else {
            return Ok(false);
        };
        if target.walker.is_some() {
            return Ok(false);
        }
        match &self.only {
            Some(only) if *only != entry.name => return Ok(false),
            // A plain tar file: read by offset once the PID is confirmed.
            None if entry.data_offset.is_some() => return Ok(false),
            _ => {}
        }
        let Some(checkpoint) = self.collector.checkpoint("") else {
            return Ok(false);
        };
        let Some(pagemap) = checkpoint.pagemaps.get(&target.pid) else {
            return Ok(false);
        };
        if pagemap.pages_id != pages_id {
            return Ok(false);
        }
        if let Some((_, state)) = checkpoint.task(target.pid)
            && !state.has_resources()
        {
            return Ok(false);
        }
        let walker = Walker::new(pagemap, page_size(pagemap, entry.size));
        target.start(walker)?;
        Ok(true)
    }

    /// True when the table has every image it needs: each process of
    /// `pstree.img` has its core image and, if alive, its mm and pagemap
    /// images and the size of its pages image.
    fn table_complete(&self, checkpoint: &Checkpoint) -> bool {
        checkpoint
            .pids()
            .iter()
            .all(|pid| match checkpoint.task(*pid) {
                None => false,
                Some((_, state)) if !state.has_resources() => true,
                Some(_) => {
                    checkpoint.mms.contains_key(pid)
                        && checkpoint.pagemaps.get(pid).is_some_and(|pagemap| {
                            self.pages.contains_key(&pagemap.pages_id) || !stores_pages(pagemap)
                        })
                }
            })
    }
}

fn stores_pages(pagemap: &Pagemap) -> bool {
    pagemap.entries.iter().any(|e| flags(e) & PE_PRESENT != 0)
}

/// `N` when `name` is `checkpoint/pages-N.img`.
fn root_pages_id(name: &str) -> Option<u32> {
    let file = name.strip_prefix(CHECKPOINT)?;
    file.strip_prefix("pages-")?
        .strip_suffix(".img")?
        .parse()
        .ok()
}

impl Part for MemoryPart<'_> {
    fn header(&mut self, entry: &Entry) -> Result<Interest> {
        let mut mine = false;
        if entry.is_file()
            && let Some(pages_id) = root_pages_id(&entry.name)
        {
            if self.only.is_none() {
                if self.pages.len() >= MAX_IMAGES {
                    return Err(Error::TooManyImages(MAX_IMAGES));
                }
                self.pages.insert(
                    pages_id,
                    PagesMember {
                        name: entry.name.clone(),
                        size: entry.size,
                        offset: entry.data_offset,
                    },
                );
            }
            mine = self.stream(pages_id, entry)?;
        }
        self.collector_wants = self.only.is_none()
            && self.at_root(entry)
            && self.collector.header(entry)? == Interest::Data;
        Ok(if mine || self.collector_wants {
            Interest::Data
        } else {
            Interest::Skip
        })
    }

    fn chunk(&mut self, entry: &Entry, bytes: &[u8]) -> Result<()> {
        if self.collector_wants {
            self.collector.chunk(entry, bytes)?;
        }
        if let Some(target) = self.target.as_mut()
            && target.streaming
            && let Some(walker) = target.walker.as_mut()
        {
            walker.feed(bytes, target.sink).map_err(Error::Write)?;
        }
        Ok(())
    }

    fn end(&mut self, entry: &Entry) -> Result<()> {
        if self.collector_wants {
            self.collector.end(entry)?;
        }
        if let Some(target) = self.target.as_mut()
            && target.streaming
            && let Some(walker) = target.walker.as_mut()
        {
            walker.finish(target.sink).map_err(Error::Write)?;
            target.streaming = false;
        }
        Ok(())
    }

    fn done(&self) -> bool {
        if let Some(target) = &self.target {
            let streamed = target.walker.is_some() && !target.streaming;
            if self.only.is_some() {
                return streamed;
            }
            // Only a stream's pages are read during the scan.
            return streamed
                && self
                    .collector
                    .checkpoint("")
                    .is_some_and(|c| c.pstree.is_some());
        }
        match self.collector.checkpoint("") {
            Some(checkpoint) if checkpoint.pstree.is_some() => self.table_complete(checkpoint),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::CriuFixture;
    use hexdump::Hexdump;
    use search::{Pattern, Search};

    /// The pagemap and pages image of the root of a small deep tree.
    fn root_memory() -> (Pagemap, Vec<u8>) {
        let criu = CriuFixture::deep_tree(2, "s3cr3t");
        let (pages_id, entries) = criu.pagemap(1).expect("memory");
        let image = criu
            .image(&format!("checkpoint/pages-{pages_id}.img"))
            .expect("a pages image");
        (Pagemap { pages_id, entries }, image)
    }

    /// Feed `image` through a walker into `sink` in pieces whose sizes come
    /// from `seed` (1 to 20000 bytes, as a decompressor may hand them out).
    fn feed(pagemap: &Pagemap, image: &[u8], seed: u64, sink: &mut dyn MemorySink) {
        let mut walker = Walker::new(pagemap, PAGE_SIZE);
        let mut state = seed;
        let mut rest = image;
        while !rest.is_empty() {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let n = (1 + (state >> 33) as usize % 20_000).min(rest.len());
            walker.feed(&rest[..n], sink).expect("in memory");
            rest = &rest[n..];
        }
        walker.finish(sink).expect("in memory");
        assert_eq!((walker.excess(), walker.missing()), (0, 0));
    }

    #[test]
    fn a_streamed_hexdump_does_not_depend_on_how_the_image_is_cut() {
        let (pagemap, image) = root_memory();
        let dump = |seed| {
            let mut hex = Hexdump::new(Vec::new(), false);
            hex.begin().expect("in memory");
            feed(&pagemap, &image, seed, &mut hex);
            hex.finish().expect("in memory");
            String::from_utf8(hex.into_inner()).expect("ASCII")
        };
        let first = dump(1);
        assert_eq!(first.lines().count(), 2 + image.len() / 16);
        for seed in 2..40 {
            assert_eq!(dump(seed), first, "seed {seed}");
        }
    }

    #[test]
    fn a_streamed_search_does_not_depend_on_how_the_image_is_cut() {
        let (pagemap, image) = root_memory();
        let found = |seed| {
            let mut search = Search::new(&Pattern::Literal(b"s3cr3t".to_vec()), 5);
            feed(&pagemap, &image, seed, &mut search);
            search.finish()
        };
        let (first, more) = found(1);
        assert_eq!((first.len(), more), (1, 0));
        assert_eq!(first[0].text, "OKEN=s3cr3t?/bin");
        for seed in 2..40 {
            assert_eq!(found(seed).0, first, "seed {seed}");
        }
    }

    #[test]
    fn only_root_pages_images_are_recognised() {
        assert_eq!(root_pages_id("checkpoint/pages-12.img"), Some(12));
        assert_eq!(root_pages_id("web/checkpoint/pages-1.img"), None);
        assert_eq!(root_pages_id("checkpoint/amdgpu-pages-1-0.img"), None);
        assert_eq!(root_pages_id("checkpoint/pagemap-1.img"), None);
    }
}
