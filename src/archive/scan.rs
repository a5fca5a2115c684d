//! The one pass over an archive.
//!
//! # Execution model
//!
//! The scanner pulls tar entries in archive order and *pushes* them to the
//! [`Part`]s it was given. For each entry every part sees the header first
//! ([`Part::header`]) and answers whether it wants the data. Parts that do
//! get the data as a sequence of chunks ([`Part::chunk`]), then one
//! [`Part::end`]. Several parts may want the same member; each chunk is read
//! once and handed to all of them. Data nobody wants is skipped: by seeking
//! on a plain tar file, by reading and discarding on a stream.
//!
//! Nothing is written to disk and no member is held whole by the scanner: a
//! part that needs a member in memory buffers it itself, under its own cap.
//!
//! The scan ends at the tar end-of-archive marker. A stream that stops
//! before it, at a header boundary, is reported as truncated (the tar crate
//! alone would take that for a clean end). A compressed stream is then read
//! to its very end, so that gzip's CRC and zstd's checksum are verified and
//! damage after the last member is not missed.

use std::io::{self, Read};

use crate::archive::compression::Compression;
use crate::archive::input::{ArchiveInput, DecodeError, InputReader, ZSTD_WINDOW_LOG_MAX};
pub use crate::archive::tar_reader::EntryKind;
use crate::archive::tar_reader::{Next, TarHeader, TarInput, TarReader};
use crate::error::{Error, Position, Result};
use crate::members;

/// Size of the chunks handed to [`Part::chunk`]: at least a zstd block
/// (128 KiB), so the decoder can write straight into it instead of through
/// its own buffer.
const CHUNK: usize = 128 * 1024;

/// One tar entry's header, as parts see it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The member name, normalised: no leading `./`, no trailing `/`.
    pub name: String,
    /// The entry type.
    pub kind: EntryKind,
    /// Data size in bytes (from a PAX record when there is one).
    pub size: u64,
    /// Position of the entry in the archive, counting from 0.
    pub index: u64,
    /// The name as stored, when extraction would place the member elsewhere
    /// than that name says (an absolute name, `..`, `.` or `//` in it); `name`
    /// is then the cleaned name (see [`members::clean`]). A name that climbs
    /// above the archive root keeps its stored form in `name`, and the entry
    /// is given kind [`EntryKind::Other`], so that no part takes it for a
    /// member it names.
    pub stored_name: Option<String>,
    /// True for an entry whose name climbs above the archive root.
    pub outside_root: bool,
    /// A link's target as stored; `None` for other entries.
    pub link_target: Option<String>,
    /// Where the data starts in the file, when the archive is a plain tar
    /// read from a file: a part may then skip the data during the scan and
    /// read just the bytes it needs at that offset afterwards. `None` on a
    /// stream.
    pub data_offset: Option<u64>,
}

impl Entry {
    /// True for regular files, the only entries whose size counts.
    pub fn is_file(&self) -> bool {
        self.kind == EntryKind::File
    }
}

/// What a part wants of an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interest {
    /// The header was enough.
    Skip,
    /// Hand over the data.
    Data,
}

/// A consumer of the scan: see the module docs for the order of calls.
pub trait Part {
    /// Called for every entry, in archive order, before its data.
    fn header(&mut self, entry: &Entry) -> Result<Interest>;

    /// The next bytes of an entry this part asked for. Chunks arrive in
    /// order and add up to `entry.size` bytes.
    fn chunk(&mut self, entry: &Entry, bytes: &[u8]) -> Result<()> {
        let _ = (entry, bytes);
        Ok(())
    }

    /// The entry this part asked for has been handed over completely.
    fn end(&mut self, entry: &Entry) -> Result<()> {
        let _ = entry;
        Ok(())
    }

    /// True once this part needs nothing more from the archive. When every
    /// part is done the scan stops early, without the end-of-stream checks.
    fn done(&self) -> bool {
        false
    }
}

/// What the scan saw of the archive as a whole.
#[derive(Debug, Clone, Default)]
pub struct ScanSummary {
    /// Number of tar entries.
    pub entries: u64,
    /// Bytes of the tar stream consumed (decompressed bytes for a
    /// compressed archive).
    pub tar_bytes: u64,
    /// True when the scan stopped early because every part was done.
    pub stopped_early: bool,
}

/// Walk the whole archive once, handing entries to `parts`.
pub fn scan(input: ArchiveInput, parts: &mut [&mut dyn Part]) -> Result<ScanSummary> {
    let compressed = input.compression != Compression::None;
    match input.reader {
        InputReader::Seekable(reader, file_len) => {
            let mut tar = TarReader::new(reader);
            walk(&mut tar, parts, Some(file_len)).map(|(summary, _)| summary)
        }
        InputReader::Stream(reader) => walk_stream(reader, parts, compressed),
        InputReader::Pipelined(reader) => walk_stream(reader, parts, compressed),
    }
}

/// [`walk`] a forward-only stream, then read it to its end.
fn walk_stream<R: TarInput>(
    reader: R,
    parts: &mut [&mut dyn Part],
    compressed: bool,
) -> Result<ScanSummary> {
    let mut tar = TarReader::new(reader);
    let (summary, last) = match walk(&mut tar, parts, None) {
        Ok(walked) => walked,
        Err(err) if compressed => return Err(blame_decoder(tar.into_inner(), err)),
        Err(err) => return Err(err),
    };
    if !summary.stopped_early {
        // Drain the rest (padding, usually) so that the decoders verify
        // their checksums and see damage past the last member.
        let mut rest = tar.into_inner();
        io::copy(&mut rest, &mut io::sink()).map_err(|e| classify(e, after(&last)))?;
    }
    Ok(summary)
}

/// A tar-level or member-level error in a compressed stream is often the
/// decoder's fault: deflate has no checksum until the end, so damaged data
/// first shows up as a garbled tar header, or as a member that is not the
/// JSON or CRIU image it should be. Read on to the end of the stream; when
/// the decoder then fails, report its error, which names the real cause
/// (and where it was first noticed).
fn blame_decoder(mut rest: impl Read, err: Error) -> Error {
    let at = match &err {
        Error::CorruptTar { at, .. } | Error::Truncated { at } => at.clone(),
        other => match other.member() {
            Some(member) => Position::Inside(member.to_string()),
            None => return err,
        },
    };
    match io::copy(&mut rest, &mut io::sink()) {
        Err(drain) if find_decode_error(&drain).is_some() => classify(drain, at),
        _ => err,
    }
}

fn after(last: &Option<String>) -> Position {
    last.clone().map_or(Position::Start, Position::After)
}

/// The loop shared by both inputs. Returns the summary and the name of the
/// last complete member. `file_len` is the length of a seekable file.
fn walk<R: TarInput>(
    tar: &mut TarReader<R>,
    parts: &mut [&mut dyn Part],
    file_len: Option<u64>,
) -> Result<(ScanSummary, Option<String>)> {
    let mut summary = ScanSummary::default();
    let mut last: Option<String> = None;
    let mut buffer = vec![0u8; CHUNK];
    let mut wanting: Vec<usize> = Vec::with_capacity(parts.len());

    loop {
        let header = match tar.next_entry().map_err(|e| classify(e, after(&last)))? {
            Next::Entry(header) => header,
            Next::End => break,
            Next::EndOfInput => return Err(Error::Truncated { at: after(&last) }),
        };
        let mut entry = describe(&header, summary.entries);
        summary.entries += 1;

        if let Some(len) = file_len {
            // Saturating: a hostile header may declare a size near u64::MAX.
            if header.data_start.saturating_add(entry.size) > len {
                return Err(Error::Truncated {
                    at: Position::Inside(entry.name),
                });
            }
            entry.data_offset = Some(header.data_start);
        }

        wanting.clear();
        for (i, part) in parts.iter_mut().enumerate() {
            if part.header(&entry)? == Interest::Data {
                wanting.push(i);
            }
        }
        if wanting.is_empty() {
            // Skipped here rather than before the next header, so that a
            // stream ending inside the data names this member.
            tar.skip_data().map_err(|e| inside(e, &entry))?;
        } else {
            feed(tar, &entry, parts, &wanting, &mut buffer)?;
        }
        summary.tar_bytes = tar.position();
        last = Some(entry.name);

        if parts.iter().all(|p| p.done()) {
            summary.stopped_early = true;
            return Ok((summary, last));
        }
    }

    if summary.entries == 0 {
        // An end-of-archive block first: nothing in it is a tar member.
        return Err(Error::NotTar);
    }
    summary.tar_bytes = tar.position();
    Ok((summary, last))
}

/// Read an entry's data in chunks and hand each chunk to every part that
/// asked for it.
fn feed<R: TarInput>(
    tar: &mut TarReader<R>,
    entry: &Entry,
    parts: &mut [&mut dyn Part],
    wanting: &[usize],
    buffer: &mut [u8],
) -> Result<()> {
    loop {
        let n = tar.read_data(buffer).map_err(|e| inside(e, entry))?;
        if n == 0 {
            break;
        }
        for &i in wanting {
            parts[i].chunk(entry, &buffer[..n])?;
        }
    }
    for &i in wanting {
        parts[i].end(entry)?;
    }
    Ok(())
}

fn describe(header: &TarHeader, index: u64) -> Entry {
    let stored = String::from_utf8_lossy(&header.name);
    let mut entry = Entry {
        name: members::normalize(&stored).to_string(),
        kind: header.kind,
        size: header.size,
        index,
        stored_name: None,
        outside_root: false,
        link_target: match header.kind {
            EntryKind::Symlink | EntryKind::HardLink => {
                Some(String::from_utf8_lossy(&header.link).into_owned())
            }
            _ => None,
        },
        data_offset: None,
    };
    match members::clean(&stored) {
        members::CleanName::Plain => {}
        members::CleanName::Rewritten(name) => {
            entry.stored_name = Some(std::mem::replace(&mut entry.name, name));
        }
        members::CleanName::OutsideRoot => {
            entry.stored_name = Some(stored.into_owned());
            entry.outside_root = true;
            entry.kind = EntryKind::Other;
        }
    }
    entry
}

/// Sort an I/O error from the tar reader or a decoder into the error kinds
/// ckpt reports.
fn classify(err: io::Error, at: Position) -> Error {
    if let Some(decode) = find_decode_error(&err) {
        if decode.inner.kind() == io::ErrorKind::UnexpectedEof {
            // "incomplete deflate stream", "incomplete frame": a cut file.
            return Error::Truncated { at };
        }
        // libzstd's wording when a frame's window is over our limit.
        if decode.inner.to_string().contains("too much memory") {
            let limit_mib = (1u64 << ZSTD_WINDOW_LOG_MAX) >> 20;
            return Error::ZstdWindowTooLarge { limit_mib };
        }
        let source = io::Error::new(decode.inner.kind(), decode.inner.to_string());
        return Error::Decompress {
            compression: decode.compression,
            at,
            source,
        };
    }
    if err.kind() == io::ErrorKind::UnexpectedEof {
        return Error::Truncated { at };
    }
    if matches!(
        err.kind(),
        io::ErrorKind::Other | io::ErrorKind::InvalidData
    ) {
        return Error::CorruptTar { at, source: err };
    }
    Error::Read { at, source: err }
}

/// An error while reading the data of a member.
fn inside(err: io::Error, entry: &Entry) -> Error {
    classify(err, Position::Inside(entry.name.clone()))
}

fn find_decode_error(err: &io::Error) -> Option<&DecodeError> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = err.get_ref().map(|e| e as _);
    while let Some(e) = current {
        if let Some(decode) = e.downcast_ref::<DecodeError>() {
            return Some(decode);
        }
        if let Some(io_err) = e.downcast_ref::<io::Error>()
            && let Some(inner) = io_err.get_ref()
        {
            current = Some(inner as _);
            continue;
        }
        current = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::archive::compression::Compression;
    use crate::fixture::{ArchiveFixture, ContainerFixture, FixtureEngine};

    fn archive(compression: Compression) -> Vec<u8> {
        let container = ContainerFixture::new(FixtureEngine::Podman, "web");
        ArchiveFixture::Container(Box::new(container)).to_bytes(compression)
    }

    /// Returns at most a pseudo-random 1..=700 bytes per read, from a fixed
    /// seed, so that no parser can rely on full reads.
    struct ShortReads {
        inner: Cursor<Vec<u8>>,
        state: u64,
    }

    impl Read for ShortReads {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.state = self
                .state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let limit = 1 + (self.state >> 33) as usize % 700;
            let n = buf.len().min(limit);
            self.inner.read(&mut buf[..n])
        }
    }

    /// Records every header and how many bytes each wanted member got.
    #[derive(Default)]
    struct Recorder {
        prefix: &'static str,
        names: Vec<String>,
        received: Vec<(String, u64, u64)>,
        stop_after: Option<usize>,
    }

    impl Part for Recorder {
        fn header(&mut self, entry: &Entry) -> Result<Interest> {
            self.names.push(entry.name.clone());
            if entry.name.starts_with(self.prefix) && entry.is_file() {
                self.received.push((entry.name.clone(), entry.size, 0));
                return Ok(Interest::Data);
            }
            Ok(Interest::Skip)
        }

        fn chunk(&mut self, _: &Entry, bytes: &[u8]) -> Result<()> {
            if let Some(last) = self.received.last_mut() {
                last.2 += bytes.len() as u64;
            }
            Ok(())
        }

        fn done(&self) -> bool {
            self.stop_after.is_some_and(|n| self.names.len() >= n)
        }
    }

    fn scan_bytes(bytes: Vec<u8>, parts: &mut [&mut dyn Part]) -> Result<ScanSummary> {
        let reader = ShortReads {
            inner: Cursor::new(bytes),
            state: 42,
        };
        scan(ArchiveInput::from_reader(Box::new(reader))?, parts)
    }

    #[test]
    fn short_reads_give_every_member_whole_in_each_compression() {
        for compression in [Compression::None, Compression::Gzip, Compression::Zstd] {
            let mut pages = Recorder {
                prefix: "checkpoint/pages-",
                ..Default::default()
            };
            let summary = scan_bytes(archive(compression), &mut [&mut pages]).unwrap();
            assert_eq!(pages.received.len(), 2, "{compression:?}");
            for (name, size, got) in &pages.received {
                assert_eq!(size, got, "{name} in {compression:?}");
            }
            assert_eq!(summary.entries, pages.names.len() as u64);
            assert!(
                pages.names.contains(&"checkpoint".to_string()),
                "directory names are normalised"
            );
        }
    }

    #[test]
    fn two_parts_can_want_the_same_member() {
        let mut a = Recorder {
            prefix: "config.dump",
            ..Default::default()
        };
        let mut b = Recorder {
            prefix: "config",
            ..Default::default()
        };
        scan_bytes(archive(Compression::Zstd), &mut [&mut a, &mut b]).unwrap();
        assert_eq!(a.received, b.received);
        assert_eq!(a.received[0].1, a.received[0].2);
    }

    #[test]
    fn concatenated_gzip_members_are_read_to_the_end() {
        let tar = archive(Compression::None);
        let half = tar.len() / 1024 * 512;
        let mut joined = Vec::new();
        for part in [&tar[..half], &tar[half..]] {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            io::Write::write_all(&mut gz, part).unwrap();
            joined.extend(gz.finish().unwrap());
        }
        let mut all = Recorder {
            prefix: "",
            ..Default::default()
        };
        let mut whole = Recorder {
            prefix: "",
            ..Default::default()
        };
        scan_bytes(joined, &mut [&mut all]).unwrap();
        scan_bytes(tar, &mut [&mut whole]).unwrap();
        assert_eq!(all.names, whole.names);
    }

    #[test]
    fn scan_stops_once_every_part_is_done() {
        let mut first = Recorder {
            prefix: "none",
            stop_after: Some(3),
            ..Default::default()
        };
        let summary = scan_bytes(archive(Compression::Gzip), &mut [&mut first]).unwrap();
        assert!(summary.stopped_early);
        assert_eq!(first.names.len(), 3);
    }

    #[test]
    fn missing_end_marker_is_truncation() {
        let tar = archive(Compression::None);
        // The builder ends with two zero blocks; drop both.
        let cut = tar[..tar.len() - 1024].to_vec();
        let mut any = Recorder::default();
        let err = scan_bytes(cut, &mut [&mut any]).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Truncated {
                    at: Position::After(_)
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn seekable_file_skips_unwanted_data_and_sees_every_header() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.tar");
        std::fs::write(&path, archive(Compression::None)).unwrap();
        let input = ArchiveInput::open(crate::archive::input::Source::Path(&path)).unwrap();
        assert!(matches!(input.reader, InputReader::Seekable(..)));
        let mut config = Recorder {
            prefix: "config.dump",
            ..Default::default()
        };
        let summary = scan(input, &mut [&mut config]).unwrap();
        assert_eq!(config.received.len(), 1);
        assert_eq!(summary.entries, config.names.len() as u64);
    }
}
