//! The scan part that decodes CRIU images: [`CriuCollector`].
//!
//! Small images are buffered under a cap and decoded when they end. A pages
//! image is never held: when it streams by, the argv and environment ranges
//! of every process whose pagemap names it are copied out (see
//! [`crate::criu::memory`]). Podman, CRI-O and containerd write
//! `checkpoint/` in byte order, so `mm-*` and `pagemap-*` come before
//! `pages-*` and everything a pages image needs is known when it arrives. A
//! pages image that arrives before its pagemap is remembered, and
//! [`CriuCollector::second_pass`] names it so that the caller can read the
//! archive again for that member alone.
//!
//! The images of a container archive are under `checkpoint/`; those of a
//! pod's containers under `<folder>/checkpoint/`. Each folder gets its own
//! [`Checkpoint`], `""` being the archive root.

use std::collections::{BTreeMap, BTreeSet};

use prost::Message;

use crate::archive::scan::{Entry, EntryKind, Interest, Part};
use crate::criu::checkpoint::{Checkpoint, MAP_SHARED, MmSummary, PE_PRESENT, Pagemap, flags};
use crate::criu::image::{Image, decode_entry, fields, magic};
use crate::criu::memory::{Extraction, page_size};
use crate::criu::proto::{
    CoreEntry, FdinfoEntry, FileEntry, FsEntry, InventoryEntry, MM_VMAS_TAG, MmHead, MntEntry,
    PagemapEntry, PagemapHead, PstreeEntry, StatsEntry, TaskKobjIdsEntry, TcpStreamEntry,
    UtsnsEntry, VmaEntry,
};
use crate::error::{Error, Position, Result};
use crate::members;
use crate::warnings::Warnings;

/// Largest single CRIU image held in memory. Real ones are far smaller
/// (`seccomp.img`, the largest small image of a real dump, is 93 KiB).
pub const IMAGE_CAP: u64 = 16 * 1024 * 1024;
/// Budget for what the decoded CRIU images of one archive may take in
/// memory, as a bound computed before each image is decoded puts it.
/// Decoded entries can be far larger than their bytes (an empty entry of
/// `files.img` is 4 bytes and decodes to a 368-byte struct), so the bytes
/// alone bound nothing. A real dump of a hundred processes takes a few MiB;
/// the budget is met near a thousand processes of a few hundred memory
/// runs each.
pub const DECODED_BUDGET: u64 = 32 * 1024 * 1024;
/// Most bytes of command lines and environments read from the pages of
/// all processes together: each process gets at most
/// [`crate::criu::memory::MAX_RANGE`] of each, and hostile mm images could
/// otherwise claim that for tens of thousands of processes.
pub const MEMORY_READ_BUDGET: u64 = 16 * 1024 * 1024;
/// Most CRIU images (pages images included) in one archive. A dump has a
/// few per process and thread; what is kept of each image (its decoded
/// entries, or a pages image's id) is small but not nothing, so a million
/// tiny images must not each cost memory.
pub const MAX_IMAGES: usize = 65_536;

/// Which parts of the CRIU images to decode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Selection {
    /// `pstree.img` and `core-*.img`: processes, names, states.
    pub processes: bool,
    /// `mm-*`, `pagemap-*` and `pages-*`: command lines and environments.
    pub memory: bool,
    /// `mm-*` and `pagemap-*` alone, without reading any pages image: the
    /// memory maps (`memparse`'s sizes, and where a process's pages lie).
    pub memory_maps: bool,
    /// `ids-*`, `fdinfo-*`, `files.img`, `fs-*`: open files.
    pub files: bool,
    /// The same plus `tcp-stream-*`: sockets.
    pub sockets: bool,
    /// `stats-dump`: CRIU's dump statistics.
    pub stats: bool,
    /// `mountpoints-*`: the mount table CRIU saw.
    pub mounts: bool,
}

/// The kinds of image the collector reads, with the number in the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ImageName {
    Inventory,
    Pstree,
    Files,
    Stats,
    Core(u32),
    Ids(u32),
    Mm(u32),
    Pagemap(u32),
    Fdinfo(u32),
    Fs(u32),
    Mountpoints(u32),
    TcpStream(u32),
    Utsns(u32),
    Pages(u32),
}

impl ImageName {
    /// Recognise an image by its file name inside `checkpoint/`.
    fn parse(file: &str) -> Option<ImageName> {
        let fixed = match file {
            "inventory.img" => Some(ImageName::Inventory),
            "pstree.img" => Some(ImageName::Pstree),
            "files.img" => Some(ImageName::Files),
            "stats-dump" => Some(ImageName::Stats),
            _ => None,
        };
        if fixed.is_some() {
            return fixed;
        }
        let stem = file.strip_suffix(".img")?;
        let (kind, number) = stem.rsplit_once('-')?;
        let decimal = || number.parse::<u32>().ok();
        Some(match kind {
            "core" => ImageName::Core(decimal()?),
            "ids" => ImageName::Ids(decimal()?),
            "mm" => ImageName::Mm(decimal()?),
            "pagemap" => ImageName::Pagemap(decimal()?),
            "fdinfo" => ImageName::Fdinfo(decimal()?),
            "fs" => ImageName::Fs(decimal()?),
            "mountpoints" => ImageName::Mountpoints(decimal()?),
            "utsns" => ImageName::Utsns(decimal()?),
            "pages" => ImageName::Pages(decimal()?),
            "tcp-stream" => ImageName::TcpStream(u32::from_str_radix(number, 16).ok()?),
            _ => return None,
        })
    }

    fn wanted(self, selection: &Selection) -> bool {
        let files = selection.files || selection.sockets;
        // The process tree and each process's core image are what the
        // per-process images hang on; `inspect` without flags or with
        // `--stats` alone needs none of them.
        let per_process = selection.processes || selection.memory || selection.memory_maps || files;
        match self {
            ImageName::Inventory | ImageName::Pstree | ImageName::Core(_) => per_process,
            ImageName::Mm(_) | ImageName::Pagemap(_) => selection.memory || selection.memory_maps,
            ImageName::Pages(_) => selection.memory,
            ImageName::Ids(_) | ImageName::Fdinfo(_) | ImageName::Files | ImageName::Fs(_) => files,
            ImageName::TcpStream(_) => selection.sockets,
            ImageName::Stats => selection.stats,
            ImageName::Mountpoints(_) => selection.mounts,
            ImageName::Utsns(_) => selection.processes,
        }
    }
}

/// What is being received for the current member.
#[derive(Debug)]
enum Pending {
    /// A small image, buffered whole.
    Image {
        folder: String,
        name: ImageName,
        bytes: Vec<u8>,
    },
    /// A pages image, read for these (pid, argv, environment) extractions.
    Pages {
        folder: String,
        offset: u64,
        claims: Vec<(u32, Extraction, Extraction)>,
    },
}

/// A pages image of a plain tar file, to be read by offset after the scan.
#[derive(Debug)]
struct Deferred {
    folder: String,
    member: String,
    offset: u64,
    size: u64,
    claims: Vec<(u32, Extraction, Extraction)>,
}

/// The scan part that decodes CRIU images.
#[derive(Debug, Default)]
pub struct CriuCollector {
    /// Pages images of a plain tar file, read after the scan.
    deferred: Vec<Deferred>,
    selection: Selection,
    checkpoints: BTreeMap<String, Checkpoint>,
    pending: Option<Pending>,
    /// What the images decoded so far take, as [`decoded_size`] bounds it.
    decoded: u64,
    /// The processes whose pagemap names each pages image, by folder and
    /// pages id: a pages image is matched to its claimants without a look
    /// at every pagemap (tens of thousands, in a hostile archive).
    claimants: BTreeMap<(String, u32), BTreeSet<u32>>,
    /// Pages images seen, by folder.
    seen_pages: BTreeMap<String, BTreeSet<u32>>,
    /// Pages images no pagemap had claimed when they passed, by folder.
    unclaimed: BTreeMap<String, BTreeSet<u32>>,
    /// In a second pass: the only pages members to read.
    only: Option<BTreeSet<String>>,
    /// Things the report should say, each naming its member.
    warnings: Warnings,
    /// CRIU images seen, up to [`MAX_IMAGES`].
    images_seen: usize,
    /// Bytes of command lines and environments planned so far, up to
    /// [`MEMORY_READ_BUDGET`].
    memory_read: u64,
}

impl CriuCollector {
    /// A collector for the parts in `selection`.
    pub fn new(selection: Selection) -> CriuCollector {
        CriuCollector {
            selection,
            ..CriuCollector::default()
        }
    }

    /// What has been decoded so far of the images of `folder` (`""` for the
    /// archive root), for a part that works beside the collector.
    pub fn checkpoint(&self, folder: &str) -> Option<&Checkpoint> {
        self.checkpoints.get(folder)
    }

    /// The decoded checkpoints by folder (`""` for the archive root), and
    /// the warnings.
    pub fn finish(mut self) -> (BTreeMap<String, Checkpoint>, Vec<String>) {
        if self.selection.memory {
            self.warn_missing_pages();
        }
        let warnings = self
            .warnings
            .finish(|n| format!("{n} more warnings about CRIU images (not listed)"));
        (self.checkpoints, warnings)
    }

    /// A process of the dump whose pagemap names a pages image the archive
    /// does not hold has no command line or environment to show: say why.
    fn warn_missing_pages(&mut self) {
        let no_pages = BTreeSet::new();
        for (folder, checkpoint) in &self.checkpoints {
            let seen = self.seen_pages.get(folder).unwrap_or(&no_pages);
            for pid in checkpoint.pids() {
                let Some(pagemap) = checkpoint.pagemaps.get(&pid) else {
                    continue;
                };
                let stored = pagemap.entries.iter().any(|e| flags(e) & PE_PRESENT != 0);
                if stored && !seen.contains(&pagemap.pages_id) {
                    self.warnings.push(format!(
                        "member `{}pages-{}.img` is missing: the command line and environment \
                         of process {pid} cannot be read",
                        checkpoint_dir(folder),
                        pagemap.pages_id
                    ));
                }
            }
        }
    }

    /// Pages members that passed before the pagemap naming them, and that a
    /// live process of the dump needs: they must be read again.
    pub fn second_pass(&self) -> BTreeSet<String> {
        let mut members = BTreeSet::new();
        for (folder, ids) in &self.unclaimed {
            let Some(checkpoint) = self.checkpoints.get(folder) else {
                continue;
            };
            for pid in checkpoint.pids() {
                if let Some(pagemap) = checkpoint.pagemaps.get(&pid)
                    && ids.contains(&pagemap.pages_id)
                {
                    members.insert(format!(
                        "{}pages-{}.img",
                        checkpoint_dir(folder),
                        pagemap.pages_id
                    ));
                }
            }
        }
        members
    }

    /// Switch to a second pass that reads only `members` (pages images) and
    /// adds what they hold to the checkpoints collected so far.
    pub fn start_second_pass(&mut self, members: BTreeSet<String>) {
        self.unclaimed.clear();
        self.only = Some(members);
    }

    /// True when pages images were skipped to be read by offset.
    pub fn has_deferred(&self) -> bool {
        !self.deferred.is_empty()
    }

    /// Read the pages images skipped during the scan of a plain tar file,
    /// each at its offset in `file`: only the bytes of the argv and
    /// environment ranges, so time does not grow with the pages' size.
    pub fn read_deferred(&mut self, file: &std::fs::File) -> Result<()> {
        use std::os::unix::fs::FileExt;
        for mut deferred in std::mem::take(&mut self.deferred) {
            let base = deferred.offset;
            let mut read_at = |at: u64, buffer: &mut [u8]| file.read_exact_at(buffer, base + at);
            for (_, args, env) in &mut deferred.claims {
                for extraction in [args, env] {
                    extraction
                        .read_with(deferred.size, &mut read_at)
                        .map_err(|source| Error::Read {
                            at: Position::Inside(deferred.member.clone()),
                            source,
                        })?;
                }
            }
            self.store_claims(deferred.folder, &deferred.member, deferred.claims);
        }
        Ok(())
    }

    /// Keep what was read from a pages image for each process claiming it.
    fn store_claims(
        &mut self,
        folder: String,
        member: &str,
        claims: Vec<(u32, Extraction, Extraction)>,
    ) {
        let cp = self.checkpoints.entry(folder).or_default();
        for (pid, args, env) in claims {
            for (what, x) in [("command line", &args), ("environment", &env)] {
                if x.truncated {
                    self.warnings.push(format!(
                        "member `{member}`: the {what} of process {pid} was cut at {} bytes \
                         (ckpt reads at most {} of each, {} for all processes together)",
                        x.bytes.len(),
                        crate::criu::memory::MAX_RANGE,
                        MEMORY_READ_BUDGET
                    ));
                }
            }
            let memory = cp.memory.entry(pid).or_default();
            memory.args = (!args.in_parent).then_some(args.bytes);
            memory.env = (!env.in_parent).then_some(env.bytes);
        }
    }

    /// Split a member name into its folder and its file name inside that
    /// folder's `checkpoint/` (or `stats-dump` beside it).
    fn locate(name: &str) -> Option<(&str, &str)> {
        let (folder, rest) = match name.split_once('/') {
            Some((first, rest)) if first != members::CHECKPOINT_DIR => (first, rest),
            _ => ("", name),
        };
        if rest == "stats-dump" {
            return Some((folder, rest));
        }
        let file = rest.strip_prefix("checkpoint/")?;
        (!file.contains('/')).then_some((folder, file))
    }

    fn claim_pages(
        &mut self,
        folder: &str,
        pages_id: u32,
        image_size: u64,
    ) -> Vec<(u32, Extraction, Extraction)> {
        let Some(checkpoint) = self.checkpoints.get(folder) else {
            return Vec::new();
        };
        // Stale pagemaps of exited processes may name the same pages image
        // as a live one; pstree.img comes later, so read for every claimant
        // and let the report keep the live ones.
        let mut claims = Vec::new();
        let claimants = self.claimants.get(&(folder.to_string(), pages_id));
        for &pid in claimants.into_iter().flatten() {
            // A later copy of the pagemap may name another pages image.
            let Some(pagemap) = checkpoint.pagemaps.get(&pid) else {
                continue;
            };
            let Some(mm) = checkpoint.mms.get(&pid) else {
                continue;
            };
            if pagemap.pages_id != pages_id {
                continue;
            }
            let page = page_size(pagemap, image_size);
            let mut plan = |start, end| {
                let left = MEMORY_READ_BUDGET.saturating_sub(self.memory_read);
                let x = Extraction::plan(pagemap, start, end, page, left);
                self.memory_read += x.bytes.len() as u64;
                x
            };
            let args = plan(mm.mm_arg_start, mm.mm_arg_end);
            let env = plan(mm.mm_env_start, mm.mm_env_end);
            claims.push((pid, args, env));
        }
        claims
    }

    fn decode(&mut self, member: &str, folder: &str, name: ImageName, bytes: &[u8]) -> Result<()> {
        self.decoded = self.decoded.saturating_add(decoded_size(name, bytes));
        if self.decoded > DECODED_BUDGET {
            return Err(Error::DecodedBudget {
                member: member.to_string(),
                cap: DECODED_BUDGET,
            });
        }
        let cp = self.checkpoints.entry(folder.to_string()).or_default();
        match name {
            ImageName::Inventory => {
                // Read but not required: nothing in a report depends on it yet.
                let entries = Image::parse(member, bytes, magic::INVENTORY)?.decode_all()?;
                cp.inventory = entries.into_iter().next();
            }
            ImageName::Pstree => {
                cp.pstree = Some(Image::parse(member, bytes, magic::PSTREE)?.decode_all()?);
            }
            ImageName::Files => {
                let files: Vec<FileEntry> =
                    Image::parse(member, bytes, magic::FILES)?.decode_all()?;
                cp.files = files.into_iter().map(|f| (f.id, f)).collect();
            }
            ImageName::Stats => {
                cp.stats = Some(first::<StatsEntry>(member, bytes, magic::STATS)?);
            }
            ImageName::Core(tid) => {
                cp.cores
                    .insert(tid, first::<CoreEntry>(member, bytes, magic::CORE)?);
            }
            ImageName::Ids(pid) => {
                cp.ids
                    .insert(pid, first::<TaskKobjIdsEntry>(member, bytes, magic::IDS)?);
            }
            ImageName::Mm(pid) => {
                cp.mms.insert(pid, mm_summary(member, bytes)?);
            }
            ImageName::Fs(pid) => {
                cp.fs
                    .insert(pid, first::<FsEntry>(member, bytes, magic::FS)?);
            }
            ImageName::TcpStream(ino) => {
                cp.tcp_streams.insert(
                    ino,
                    first::<TcpStreamEntry>(member, bytes, magic::TCP_STREAM)?,
                );
            }
            ImageName::Utsns(id) => {
                cp.utsns
                    .insert(id, first::<UtsnsEntry>(member, bytes, magic::UTSNS)?);
            }
            ImageName::Fdinfo(id) => {
                let fds: Vec<FdinfoEntry> =
                    Image::parse(member, bytes, magic::FDINFO)?.decode_all()?;
                cp.fdinfo.insert(id, fds);
            }
            ImageName::Mountpoints(id) => {
                let mounts: Vec<MntEntry> =
                    Image::parse(member, bytes, magic::MNTS)?.decode_all()?;
                cp.mountpoints.insert(id, mounts);
            }
            ImageName::Pagemap(pid) => {
                let image = Image::parse(member, bytes, magic::PAGEMAP)?;
                let mut entries = image.entries().enumerate();
                let head: PagemapHead = match entries.next() {
                    Some((i, head)) => decode_entry(member, i, head?)?,
                    None => return Err(bad(member, &"holds no pagemap head")),
                };
                let runs = entries
                    .map(|(i, run)| run.and_then(|bytes| decode_entry(member, i, bytes)))
                    .collect::<Result<Vec<PagemapEntry>>>()?;
                cp.pagemaps.insert(
                    pid,
                    Pagemap {
                        pages_id: head.pages_id,
                        entries: runs,
                    },
                );
                self.claimants
                    .entry((folder.to_string(), head.pages_id))
                    .or_default()
                    .insert(pid);
            }
            ImageName::Pages(_) => {}
        }
        Ok(())
    }
}

/// An upper bound of the memory that decoding the image `bytes` as `name`
/// takes and keeps, computed before decoding it. Each entry decoded costs
/// its struct, twice for the spare capacity of the vector or map holding
/// it. On top of that, prost decodes bytes and strings into vectors no
/// longer than their encoding (the image's size covers them), and
/// repeated `u32` fields, at least 2 bytes each, into 4 bytes with at most
/// as much spare capacity (4 times the image's size covers them; only
/// `pstree.img` and `files.img` have such fields). `mm-*.img` keeps no
/// bytes at all.
///
/// NB: sound only because no message that is decoded whole has a repeated
/// message field: the one in `mm-*.img`, its VMAs, is walked one at a
/// time ([`mm_summary`]). A repeated message field added to a decoded
/// message must be counted here.
fn decoded_size(name: ImageName, bytes: &[u8]) -> u64 {
    use std::mem::size_of;
    // (decoded size of one entry, the image's magic, all entries decoded,
    // bytes kept per byte of the image)
    let (entry_size, expected, all, per_byte) = match name {
        ImageName::Inventory => (size_of::<InventoryEntry>(), magic::INVENTORY, true, 1),
        ImageName::Pstree => (size_of::<PstreeEntry>(), magic::PSTREE, true, 4),
        ImageName::Files => (size_of::<FileEntry>(), magic::FILES, true, 4),
        ImageName::Stats => (size_of::<StatsEntry>(), magic::STATS, false, 1),
        ImageName::Core(_) => (size_of::<CoreEntry>(), magic::CORE, false, 1),
        ImageName::Ids(_) => (size_of::<TaskKobjIdsEntry>(), magic::IDS, false, 1),
        ImageName::Mm(_) => (size_of::<MmSummary>(), magic::MM, false, 0),
        ImageName::Pagemap(_) => (size_of::<PagemapEntry>(), magic::PAGEMAP, true, 1),
        ImageName::Fdinfo(_) => (size_of::<FdinfoEntry>(), magic::FDINFO, true, 1),
        ImageName::Fs(_) => (size_of::<FsEntry>(), magic::FS, false, 1),
        ImageName::Mountpoints(_) => (size_of::<MntEntry>(), magic::MNTS, true, 1),
        ImageName::TcpStream(_) => (size_of::<TcpStreamEntry>(), magic::TCP_STREAM, false, 1),
        ImageName::Utsns(_) => (size_of::<UtsnsEntry>(), magic::UTSNS, false, 1),
        ImageName::Pages(_) => return 0,
    };
    // Walking the size prefixes costs no allocation; an image that does not
    // parse fails when decoded.
    let entries = match Image::parse("", bytes, expected) {
        Ok(image) if all => image.entries().count(),
        _ => 1,
    };
    // Map nodes add a little per entry.
    let structs = (entries as u64).saturating_mul(2 * entry_size as u64 + 32);
    (bytes.len() as u64)
        .saturating_mul(per_byte)
        .saturating_add(structs)
}

/// Decode `mm-*.img`: its head, and the shared size of its VMAs summed
/// one VMA at a time.
fn mm_summary(member: &str, bytes: &[u8]) -> Result<MmSummary> {
    let image = Image::parse(member, bytes, magic::MM)?;
    let entry = image
        .entries()
        .next()
        .ok_or_else(|| bad(member, &"holds no entry"))??;
    let head: MmHead = decode_entry(member, 0, entry)?;
    let mut shared_size = 0u64;
    for (i, vma) in fields(entry, MM_VMAS_TAG).enumerate() {
        let vma: VmaEntry = vma
            .map_err(|_| bad(member, &"entry 0 does not decode: broken wire format"))
            .and_then(|bytes| {
                VmaEntry::decode(bytes)
                    .map_err(|e| bad(member, &format!("VMA {i} of entry 0 does not decode: {e}")))
            })?;
        if vma.flags & MAP_SHARED != 0 {
            shared_size = shared_size.saturating_add(vma.end.saturating_sub(vma.start));
        }
    }
    Ok(MmSummary {
        mm_arg_start: head.mm_arg_start,
        mm_arg_end: head.mm_arg_end,
        mm_env_start: head.mm_env_start,
        mm_env_end: head.mm_env_end,
        shared_size,
    })
}

fn first<M: Message + Default>(member: &str, bytes: &[u8], expected: u32) -> Result<M> {
    Image::parse(member, bytes, expected)?.decode_first()
}

fn bad(member: &str, problem: &dyn std::fmt::Display) -> Error {
    Error::BadMember {
        member: member.to_string(),
        problem: problem.to_string(),
    }
}

fn checkpoint_dir(folder: &str) -> String {
    if folder.is_empty() {
        "checkpoint/".to_string()
    } else {
        format!("{folder}/checkpoint/")
    }
}

impl Part for CriuCollector {
    fn header(&mut self, entry: &Entry) -> Result<Interest> {
        if entry.kind != EntryKind::File {
            return Ok(Interest::Skip);
        }
        let Some((folder, file)) = CriuCollector::locate(&entry.name) else {
            return Ok(Interest::Skip);
        };
        let Some(name) = ImageName::parse(file) else {
            return Ok(Interest::Skip);
        };
        if self.only.is_none() {
            self.images_seen += 1;
            if self.images_seen > MAX_IMAGES {
                return Err(Error::TooManyImages(MAX_IMAGES));
            }
        }
        if let Some(only) = &self.only {
            if !only.contains(&entry.name) {
                return Ok(Interest::Skip);
            }
        } else if !name.wanted(&self.selection) {
            return Ok(Interest::Skip);
        }
        let folder = folder.to_string();

        if let ImageName::Pages(pages_id) = name {
            self.seen_pages
                .entry(folder.clone())
                .or_default()
                .insert(pages_id);
            let claims = self.claim_pages(&folder, pages_id, entry.size);
            if claims
                .iter()
                .all(|(_, args, env)| args.is_empty() && env.is_empty())
            {
                if claims.is_empty() {
                    self.unclaimed.entry(folder).or_default().insert(pages_id);
                }
                return Ok(Interest::Skip);
            }
            if let Some(offset) = entry.data_offset {
                // A plain tar file: skip the image now and read just the
                // bytes needed at its offset afterwards (read_deferred).
                let member = entry.name.clone();
                let size = entry.size;
                self.deferred.push(Deferred {
                    folder,
                    member,
                    offset,
                    size,
                    claims,
                });
                return Ok(Interest::Skip);
            }
            self.pending = Some(Pending::Pages {
                folder,
                offset: 0,
                claims,
            });
            return Ok(Interest::Data);
        }
        if self.only.is_some() {
            return Ok(Interest::Skip);
        }

        if entry.size > IMAGE_CAP {
            return Err(Error::MemberTooLarge {
                member: entry.name.clone(),
                size: entry.size,
                cap: IMAGE_CAP,
            });
        }
        let capacity = usize::try_from(entry.size).unwrap_or(0);
        self.pending = Some(Pending::Image {
            folder,
            name,
            bytes: Vec::with_capacity(capacity),
        });
        Ok(Interest::Data)
    }

    fn chunk(&mut self, entry: &Entry, bytes: &[u8]) -> Result<()> {
        match &mut self.pending {
            Some(Pending::Image { bytes: buffer, .. }) => {
                if buffer.len() as u64 + bytes.len() as u64 > entry.size {
                    return Err(bad(&entry.name, &"more data than its header declares"));
                }
                buffer.extend_from_slice(bytes);
            }
            Some(Pending::Pages { offset, claims, .. }) => {
                for (_, args, env) in claims.iter_mut() {
                    args.feed(*offset, bytes);
                    env.feed(*offset, bytes);
                }
                *offset += bytes.len() as u64;
            }
            None => {}
        }
        Ok(())
    }

    fn end(&mut self, entry: &Entry) -> Result<()> {
        match self.pending.take() {
            Some(Pending::Image {
                folder,
                name,
                bytes,
            }) => {
                self.decode(&entry.name, &folder, name, &bytes)?;
            }
            Some(Pending::Pages { folder, claims, .. }) => {
                self.store_claims(folder, &entry.name, claims);
            }
            None => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_image_names() {
        assert_eq!(ImageName::parse("core-12.img"), Some(ImageName::Core(12)));
        assert_eq!(
            ImageName::parse("pagemap-1.img"),
            Some(ImageName::Pagemap(1))
        );
        assert_eq!(ImageName::parse("pagemap-shmem-3.img"), None);
        assert_eq!(ImageName::parse("pages-10.img"), Some(ImageName::Pages(10)));
        assert_eq!(
            ImageName::parse("tcp-stream-22b67.img"),
            Some(ImageName::TcpStream(0x22b67))
        );
        assert_eq!(ImageName::parse("tmpfs-dev-51.tar.gz.img"), None);
        assert_eq!(ImageName::parse("amdgpu-pages-1.img"), None);
        assert_eq!(ImageName::parse("descriptors.json"), None);
        assert_eq!(ImageName::parse("stats-dump"), Some(ImageName::Stats));
    }

    #[test]
    fn locates_images_of_containers_and_pod_folders() {
        assert_eq!(
            CriuCollector::locate("checkpoint/core-1.img"),
            Some(("", "core-1.img"))
        );
        assert_eq!(
            CriuCollector::locate("stats-dump"),
            Some(("", "stats-dump"))
        );
        assert_eq!(
            CriuCollector::locate("abc-web/checkpoint/pstree.img"),
            Some(("abc-web", "pstree.img"))
        );
        assert_eq!(
            CriuCollector::locate("abc-web/stats-dump"),
            Some(("abc-web", "stats-dump"))
        );
        assert_eq!(CriuCollector::locate("config.dump"), None);
        assert_eq!(CriuCollector::locate("checkpoint/sub/core-1.img"), None);
    }
}
