//! The files of the tar archives nested in a checkpoint, listed without
//! extracting them: `rootfs-diff.tar` (what the container added or changed
//! in its root file system) and `devshm-checkpoint.tar` (its `/dev/shm`),
//! with the paths the container deleted (`deleted.files`, or the `.wh.`
//! whiteouts of containerd's layer).
//!
//! [`NestedTars`] is a scan part. On a stream, a nested tar's bytes are
//! handed, as they pass, to a thread that reads them with ckpt's own tar
//! reader (gzip-decompressed first when they are gzip, as containerd's
//! layer is), so that its size does not matter. In a plain tar file, the
//! part skips the nested tar during the scan and reads its headers
//! afterwards at its offset, seeking over the data of its files as over
//! the outer archive's.
//!
//! At most [`MAX_LISTED`] files and as many deleted paths are kept of each
//! nested tar, with at most [`MAX_LISTED_BYTES`] of paths (the largest
//! files, when listing by size); the rest are counted. A hostile nested tar
//! of a million files with 64 KiB names costs no more.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::{self, JoinHandle};

use serde::Serialize;

use crate::archive::scan::{Entry, EntryKind, Interest, Part};
use crate::archive::tar_reader::{Next, TarHeader, TarInput, TarReader, seek_forward};
use crate::error::{Error, Result};
use crate::members::{self, DELETED_FILES, DEVSHM_TAR, ROOTFS_DIFF_TAR};

/// Most files (and most deleted paths) kept of one nested tar.
pub const MAX_LISTED: usize = 100_000;
/// Most bytes of paths and link targets kept of one nested tar's files.
pub const MAX_LISTED_BYTES: usize = 16 * 1024 * 1024;

/// Which nested tar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Nested {
    /// `rootfs-diff.tar`.
    RootfsDiff,
    /// `devshm-checkpoint.tar`.
    Devshm,
}

/// How to order the files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Order {
    /// As stored in the nested tar.
    #[default]
    Archive,
    /// Largest first (then by path).
    Size,
}

/// One entry of a nested tar, with the fields `tar -tv` lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NestedFile {
    /// The name as stored (a leading `./` kept, as `tar -t` prints it);
    /// bytes that are not UTF-8 are replaced.
    pub path: String,
    /// `file`, `dir`, `symlink`, `hardlink`, `char`, `block`, `fifo` or
    /// `other`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Data size in bytes.
    pub size: u64,
    /// Permission bits (with the set-ID and sticky bits); in JSON four
    /// octal digits (`"0644"`).
    #[serde(serialize_with = "octal_mode")]
    pub mode: u32,
    /// Owner's user ID, as stored (in the container's user namespace).
    pub uid: u64,
    /// Owner's group ID.
    pub gid: u64,
    /// Modification time in seconds since the epoch; in JSON RFC 3339 in
    /// UTC. Kept as a number so that a listing of 100000 files stays
    /// small.
    #[serde(serialize_with = "rfc3339")]
    pub mtime: u64,
    /// A link's target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// What a nested tar holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NestedListing {
    /// `none` or `gzip`: how the nested tar itself is stored; `null` when
    /// the archive has no such member (the rootfs diff may still list the
    /// paths of `deleted.files`).
    pub compression: Option<&'static str>,
    /// Entries of every type in the nested tar.
    pub total_files: u64,
    /// Bytes of data of its regular files.
    pub total_size: u64,
    /// The entries kept (see [`MAX_LISTED`]).
    pub files: Vec<NestedFile>,
    /// Entries not kept.
    pub more_files: u64,
    /// Paths the container deleted: those of `deleted.files` and the
    /// whiteouts (`.wh.NAME`, which hide `NAME`; `.wh..wh..opq`, which
    /// hides what a folder held before).
    pub deleted: Vec<String>,
    /// Deleted paths not kept.
    pub more_deleted: u64,
    /// Bytes of the paths and link targets in `files`.
    #[serde(skip)]
    kept_bytes: usize,
}

fn octal_mode<S: serde::Serializer>(mode: &u32, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{mode:04o}"))
}

fn rfc3339<S: serde::Serializer>(secs: &u64, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&crate::metadata::time::rfc3339_utc(*secs))
}

fn name_bytes(file: &NestedFile) -> usize {
    file.path.len() + file.link.as_ref().map_or(0, String::len)
}

impl NestedListing {
    fn add(&mut self, file: NestedFile, order: Order) {
        self.total_files += 1;
        if file.kind == "file" {
            self.total_size = self.total_size.saturating_add(file.size);
        }
        if let Some(hidden) = whiteout(members::normalize(&file.path)) {
            self.add_deleted(hidden);
        }
        match order {
            Order::Archive => {
                if self.files.len() < MAX_LISTED
                    && self.kept_bytes + name_bytes(&file) <= MAX_LISTED_BYTES
                {
                    self.kept_bytes += name_bytes(&file);
                    self.files.push(file);
                }
            }
            Order::Size => {
                // Gather up to twice the limits, then keep the largest
                // half: the largest of all are kept in O(n log n).
                self.kept_bytes += name_bytes(&file);
                self.files.push(file);
                if self.files.len() >= 2 * MAX_LISTED || self.kept_bytes > 2 * MAX_LISTED_BYTES {
                    self.keep_largest();
                }
            }
        }
    }

    /// Sort by size, largest first, and keep what the limits allow.
    fn keep_largest(&mut self) {
        self.files
            .sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.path.cmp(&b.path)));
        let mut bytes = 0;
        let keep = self
            .files
            .iter()
            .take(MAX_LISTED)
            .take_while(|f| {
                bytes += name_bytes(f);
                bytes <= MAX_LISTED_BYTES
            })
            .count();
        self.files.truncate(keep);
        self.kept_bytes = self.files.iter().map(name_bytes).sum();
    }

    fn add_deleted(&mut self, path: String) {
        if self.deleted.len() < MAX_LISTED {
            self.deleted.push(path);
        } else {
            self.more_deleted += 1;
        }
    }

    fn finish(&mut self, order: Order) {
        if order == Order::Size {
            self.keep_largest();
        }
        self.more_files = self.total_files - self.files.len() as u64;
    }
}

/// The path a whiteout entry hides, if `path` is one.
fn whiteout(path: &str) -> Option<String> {
    let (dir, name) = match path.rsplit_once('/') {
        Some((dir, name)) => (Some(dir), name),
        None => (None, path),
    };
    let hidden = name.strip_prefix(".wh.")?;
    let joined = |name: &str| match dir {
        Some(dir) => format!("/{dir}/{name}"),
        None => format!("/{name}"),
    };
    Some(if hidden == ".wh..opq" {
        // An opaque folder: what the lower layers had in it is gone.
        joined("*")
    } else {
        joined(hidden)
    })
}

/// Read the nested tar from `reader` (gzip-decompressed when it starts
/// like gzip); `member` names it in errors.
pub fn list_stream(
    mut reader: Box<dyn Read + Send>,
    member: &str,
    order: Order,
) -> Result<NestedListing> {
    let mut magic = Vec::with_capacity(2);
    (&mut reader)
        .take(2)
        .read_to_end(&mut magic)
        .map_err(|e| nested_error(member, &e))?;
    let gzip = magic == [0x1f, 0x8b];
    let whole: Box<dyn Read + Send> = Box::new(Cursor::new(magic).chain(reader));
    let stream: Box<dyn Read + Send> = if gzip {
        Box::new(flate2::read::MultiGzDecoder::new(whole))
    } else {
        whole
    };
    let mut listing = collect(TarReader::new(stream), member, order)?;
    listing.compression = Some(if gzip { "gzip" } else { "none" });
    Ok(listing)
}

/// Read the nested tar of `len` bytes at `offset` in the plain tar `file`,
/// seeking over its files' data when it is not compressed.
pub fn list_in_file(
    file: &File,
    offset: u64,
    len: u64,
    member: &str,
    order: Order,
) -> Result<NestedListing> {
    let mut part = Slice::new(file, offset, len).map_err(|e| nested_error(member, &e))?;
    let mut magic = [0u8; 2];
    let got = read_fully(&mut part, &mut magic).map_err(|e| nested_error(member, &e))?;
    part.rewind().map_err(|e| nested_error(member, &e))?;
    if got == 2 && magic == [0x1f, 0x8b] {
        let stream: Box<dyn Read + Send + '_> = Box::new(flate2::bufread::MultiGzDecoder::new(
            BufReader::with_capacity(256 * 1024, part),
        ));
        let mut listing = collect(TarReader::new(stream), member, order)?;
        listing.compression = Some("gzip");
        return Ok(listing);
    }
    let mut listing = collect(TarReader::new(BufReader::new(part)), member, order)?;
    listing.compression = Some("none");
    Ok(listing)
}

fn read_fully(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match reader.read(&mut buf[got..])? {
            0 => break,
            n => got += n,
        }
    }
    Ok(got)
}

fn collect<R: TarInput>(
    mut tar: TarReader<R>,
    member: &str,
    order: Order,
) -> Result<NestedListing> {
    let mut listing = NestedListing::default();
    // The end comes as an end-of-archive block, or as the end of the
    // outer member (a nested tar without its end block, but whole).
    while let Next::Entry(header) = tar.next_entry().map_err(|e| nested_error(member, &e))? {
        listing.add(file_of(&header), order);
    }
    listing.finish(order);
    Ok(listing)
}

fn file_of(header: &TarHeader) -> NestedFile {
    let kind = match (header.kind, header.type_flag) {
        (EntryKind::File, _) => "file",
        (EntryKind::Dir, _) => "dir",
        (EntryKind::Symlink, _) => "symlink",
        (EntryKind::HardLink, _) => "hardlink",
        (EntryKind::Other, b'3') => "char",
        (EntryKind::Other, b'4') => "block",
        (EntryKind::Other, b'6') => "fifo",
        (EntryKind::Other, _) => "other",
    };
    let link = matches!(header.kind, EntryKind::Symlink | EntryKind::HardLink)
        .then(|| String::from_utf8_lossy(&header.link).into_owned());
    NestedFile {
        path: String::from_utf8_lossy(&header.name).into_owned(),
        kind,
        size: header.size,
        mode: header.mode,
        uid: header.uid,
        gid: header.gid,
        mtime: header.mtime,
        link,
    }
}

fn nested_error(member: &str, err: &io::Error) -> Error {
    let problem = if err.kind() == io::ErrorKind::UnexpectedEof {
        "is cut short inside (a tar whose members run past its end)".to_string()
    } else {
        format!("is not a readable tar archive inside: {err}")
    };
    Error::BadMember {
        member: member.to_string(),
        problem,
    }
}

/// `len` bytes of a file from `offset`, read and skipped by offset.
struct Slice<'f> {
    file: &'f File,
    start: u64,
    len: u64,
    at: u64,
}

impl<'f> Slice<'f> {
    fn new(file: &'f File, start: u64, len: u64) -> io::Result<Self> {
        let mut slice = Slice {
            file,
            start,
            len,
            at: 0,
        };
        slice.rewind()?;
        Ok(slice)
    }
}

impl Read for Slice<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.len.saturating_sub(self.at);
        let want = usize::try_from(left).map_or(buf.len(), |l| l.min(buf.len()));
        if want == 0 {
            return Ok(0);
        }
        let n = (&mut &*self.file).read(&mut buf[..want])?;
        self.at += n as u64;
        Ok(n)
    }
}

impl Seek for Slice<'_> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::Current(d) => self.at.checked_add_signed(d),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
        }
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        // Past the end is allowed, as for a file; reads there give nothing.
        (&mut &*self.file).seek(SeekFrom::Start(self.start.saturating_add(target)))?;
        self.at = target;
        Ok(target)
    }
}

impl TarInput for BufReader<Slice<'_>> {
    fn skip(&mut self, n: u64, _: &mut Vec<u8>) -> io::Result<()> {
        seek_forward(self, n)?;
        // A skip past the slice's end is a cut nested tar.
        if self.get_ref().at > self.get_ref().len {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        Ok(())
    }
}

/// A nested tar being read on a thread as its bytes pass.
struct Streaming {
    folder: String,
    which: Nested,
    bytes: SyncSender<Vec<u8>>,
    reader: JoinHandle<Result<NestedListing>>,
}

/// A nested tar of a plain tar file, to be read at its offset afterwards.
#[derive(Debug)]
struct Deferred {
    folder: String,
    which: Nested,
    member: String,
    offset: u64,
    size: u64,
}

/// The scan part that lists nested tars; see the module docs.
pub struct NestedTars {
    wanted: Vec<Nested>,
    order: Order,
    streaming: Option<Streaming>,
    deferred: Vec<Deferred>,
    /// The `deleted.files` being read, by folder.
    deleted_bytes: Option<(String, Vec<u8>)>,
    /// Its paths kept, and how many more, by folder.
    deleted: BTreeMap<String, (Vec<String>, u64)>,
    listings: BTreeMap<(String, Nested), NestedListing>,
}

impl NestedTars {
    /// A part listing the nested tars in `wanted`, in `order`.
    pub fn new(wanted: &[Nested], order: Order) -> NestedTars {
        NestedTars {
            wanted: wanted.to_vec(),
            order,
            streaming: None,
            deferred: Vec::new(),
            deleted_bytes: None,
            deleted: BTreeMap::new(),
            listings: BTreeMap::new(),
        }
    }

    /// Read the nested tars of a plain tar file that the scan skipped.
    pub fn read_deferred(&mut self, path: &Path) -> Result<()> {
        if self.deferred.is_empty() {
            return Ok(());
        }
        let file = File::open(path).map_err(Error::Open)?;
        for d in std::mem::take(&mut self.deferred) {
            let listing = list_in_file(&file, d.offset, d.size, &d.member, self.order)?;
            self.listings.insert((d.folder, d.which), listing);
        }
        Ok(())
    }

    /// The listings by folder (`""` for the archive root) and kind, with
    /// the paths of `deleted.files` added to the rootfs diff's.
    pub fn finish(mut self) -> BTreeMap<(String, Nested), NestedListing> {
        if self.wanted.contains(&Nested::RootfsDiff) {
            for (folder, (paths, more)) in std::mem::take(&mut self.deleted) {
                let listing = self
                    .listings
                    .entry((folder, Nested::RootfsDiff))
                    .or_default();
                let from_whiteouts = std::mem::take(&mut listing.deleted);
                let whiteouts_dropped = std::mem::take(&mut listing.more_deleted);
                for path in paths.into_iter().chain(from_whiteouts) {
                    listing.add_deleted(path);
                }
                listing.more_deleted += more + whiteouts_dropped;
            }
        }
        self.listings
    }

    /// The folder and kind of a nested tar or `deleted.files` member.
    fn locate(name: &str) -> Option<(&str, &str)> {
        match name.split_once('/') {
            Some((folder, file)) if !file.contains('/') => Some((folder, file)),
            Some(_) => None,
            None => Some(("", name)),
        }
    }
}

impl Part for NestedTars {
    fn header(&mut self, entry: &Entry) -> Result<Interest> {
        if !entry.is_file() {
            return Ok(Interest::Skip);
        }
        let Some((folder, file)) = NestedTars::locate(&entry.name) else {
            return Ok(Interest::Skip);
        };
        let which = match file {
            ROOTFS_DIFF_TAR => Nested::RootfsDiff,
            DEVSHM_TAR => Nested::Devshm,
            DELETED_FILES if self.wanted.contains(&Nested::RootfsDiff) => {
                if entry.size > members::LIST_MEMBER_CAP {
                    return Err(Error::MemberTooLarge {
                        member: entry.name.clone(),
                        size: entry.size,
                        cap: members::LIST_MEMBER_CAP,
                    });
                }
                self.deleted_bytes = Some((folder.to_string(), Vec::new()));
                return Ok(Interest::Data);
            }
            _ => return Ok(Interest::Skip),
        };
        if !self.wanted.contains(&which) {
            return Ok(Interest::Skip);
        }
        if let Some(offset) = entry.data_offset {
            self.deferred.push(Deferred {
                folder: folder.to_string(),
                which,
                member: entry.name.clone(),
                offset,
                size: entry.size,
            });
            return Ok(Interest::Skip);
        }
        let (bytes, receiver) = sync_channel::<Vec<u8>>(4);
        let member = entry.name.clone();
        let order = self.order;
        let reader = thread::Builder::new()
            .name("ckpt-nested-tar".to_string())
            .spawn(move || list_stream(Box::new(Chunks::new(receiver)), &member, order))
            .map_err(|e| Error::Read {
                at: crate::error::Position::Inside(entry.name.clone()),
                source: e,
            })?;
        self.streaming = Some(Streaming {
            folder: folder.to_string(),
            which,
            bytes,
            reader,
        });
        Ok(Interest::Data)
    }

    fn chunk(&mut self, _: &Entry, bytes: &[u8]) -> Result<()> {
        if let Some((_, buffer)) = &mut self.deleted_bytes {
            buffer.extend_from_slice(bytes);
        }
        if let Some(streaming) = &self.streaming {
            // The reader may have stopped early (a broken nested tar): its
            // error comes at the end.
            let _ = streaming.bytes.send(bytes.to_vec());
        }
        Ok(())
    }

    fn end(&mut self, entry: &Entry) -> Result<()> {
        if let Some((folder, bytes)) = self.deleted_bytes.take() {
            let paths = crate::metadata::deleted_paths(&entry.name, &bytes, MAX_LISTED)?;
            self.deleted.insert(folder, paths);
        }
        if let Some(streaming) = self.streaming.take() {
            drop(streaming.bytes);
            let listing = streaming.reader.join().map_err(|_| Error::BadMember {
                member: entry.name.clone(),
                problem: "could not be listed (its reader stopped)".to_string(),
            })??;
            self.listings
                .insert((streaming.folder, streaming.which), listing);
        }
        Ok(())
    }
}

/// The bytes of a nested tar, as the scan hands them over.
struct Chunks {
    receiver: Receiver<Vec<u8>>,
    current: Vec<u8>,
    at: usize,
}

impl Chunks {
    fn new(receiver: Receiver<Vec<u8>>) -> Self {
        Chunks {
            receiver,
            current: Vec::new(),
            at: 0,
        }
    }
}

impl Read for Chunks {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.current.len() {
            match self.receiver.recv() {
                Ok(chunk) => {
                    self.current = chunk;
                    self.at = 0;
                }
                // The member ended.
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len() - self.at);
        buf[..n].copy_from_slice(&self.current[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, data) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o640);
            header.set_mtime(1_796_323_549);
            header.set_cksum();
            builder.append_data(&mut header, name, *data).unwrap();
        }
        builder.into_inner().unwrap()
    }

    #[test]
    fn lists_files_with_size_mode_time_and_whiteouts() {
        let tar = tar_of(&[
            ("etc/app.conf", b"x=1\n"),
            ("var/log/.wh.old.log", b""),
            ("tmp/.wh..wh..opq", b""),
            ("big.bin", &[7u8; 5000]),
        ]);
        let listing =
            list_stream(Box::new(Cursor::new(tar)), "rootfs-diff.tar", Order::Size).unwrap();
        assert_eq!(listing.compression, Some("none"));
        assert_eq!((listing.total_files, listing.total_size), (4, 5004));
        let paths: Vec<&str> = listing.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths[..2], ["big.bin", "etc/app.conf"]);
        assert_eq!(
            (listing.files[0].mode, listing.files[0].mtime),
            (0o640, 1_796_323_549)
        );
        assert_eq!(listing.deleted, ["/var/log/old.log", "/tmp/*"]);
    }

    #[test]
    fn gzip_nested_tars_are_decompressed_and_files_read_by_offset() {
        let tar = tar_of(&[("a", b"1"), ("b", &[0u8; 3000])]);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &tar).unwrap();
        let gzipped = gz.finish().unwrap();
        let listing =
            list_stream(Box::new(Cursor::new(gzipped.clone())), "x", Order::Archive).unwrap();
        assert_eq!(listing.compression, Some("gzip"));
        assert_eq!(listing.total_files, 2);

        // In a file at an offset, plain and gzip.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("outer");
        let mut outer = vec![0xeeu8; 1000];
        outer.extend_from_slice(&tar);
        outer.extend_from_slice(&gzipped);
        outer.extend_from_slice(&[0xee; 100]);
        std::fs::write(&path, &outer).unwrap();
        let file = File::open(&path).unwrap();
        let plain = list_in_file(&file, 1000, tar.len() as u64, "x", Order::Archive).unwrap();
        assert_eq!(
            plain,
            NestedListing {
                compression: Some("none"),
                ..listing.clone()
            }
        );
        let start = 1000 + tar.len() as u64;
        let zipped = list_in_file(&file, start, gzipped.len() as u64, "x", Order::Archive).unwrap();
        assert_eq!(zipped, listing);
    }

    #[test]
    fn a_nested_tar_that_is_not_one_is_named() {
        let err = list_stream(
            Box::new(Cursor::new(vec![b'x'; 1024])),
            "rootfs-diff.tar",
            Order::Archive,
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("member `rootfs-diff.tar`: is not a readable tar archive inside"),
            "{err}"
        );
        // Members running past the end.
        let mut cut = tar_of(&[("a", &[1u8; 4000])]);
        cut.truncate(2048);
        let err = list_stream(
            Box::new(Cursor::new(cut)),
            "rootfs-diff.tar",
            Order::Archive,
        )
        .unwrap_err();
        assert!(err.to_string().contains("cut short"), "{err}");
    }

    #[test]
    fn long_names_stop_the_listing_at_its_byte_limit() {
        let mut listing = NestedListing::default();
        let long = "n".repeat(60 * 1024);
        for order in [Order::Archive, Order::Size] {
            for i in 0..600u64 {
                let file = NestedFile {
                    path: format!("{long}{i}"),
                    kind: "file",
                    size: i,
                    mode: 0o644,
                    uid: 0,
                    gid: 0,
                    mtime: 0,
                    link: None,
                };
                listing.add(file, order);
            }
            listing.finish(order);
            let kept: usize = listing.files.iter().map(name_bytes).sum();
            assert!(kept <= MAX_LISTED_BYTES, "{order:?}: {kept}");
            assert!(listing.files.len() < 600 && !listing.files.is_empty());
            assert_eq!(
                listing.more_files + listing.files.len() as u64,
                listing.total_files
            );
            listing = NestedListing::default();
        }
    }

    #[test]
    fn whiteouts_name_what_they_hide() {
        assert_eq!(whiteout("a/b/.wh.c"), Some("/a/b/c".to_string()));
        assert_eq!(whiteout(".wh.top"), Some("/top".to_string()));
        assert_eq!(whiteout("d/.wh..wh..opq"), Some("/d/*".to_string()));
        assert_eq!(whiteout("a/b/c"), None);
        assert_eq!(whiteout("a/.whx"), None);
    }

    #[test]
    fn only_the_largest_are_kept_past_the_limit() {
        let mut listing = NestedListing::default();
        for i in 0..MAX_LISTED as u64 + 10 {
            let file = NestedFile {
                path: format!("f{i}"),
                kind: "file",
                size: i,
                mode: 0o644,
                uid: 0,
                gid: 0,
                mtime: 0,
                link: None,
            };
            listing.add(file, Order::Size);
        }
        listing.finish(Order::Size);
        assert_eq!(listing.files.len(), MAX_LISTED);
        assert_eq!(listing.more_files, 10);
        assert_eq!(listing.total_files, MAX_LISTED as u64 + 10);
        assert_eq!(listing.files[0].size, MAX_LISTED as u64 + 9);
        assert_eq!(listing.files.last().unwrap().size, 10);
    }
}
