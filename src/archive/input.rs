//! Opening an archive: a path or standard input, sniffed and decompressed.
//!
//! The result is one of two readers. A plain tar in a regular file stays
//! seekable, so the scanner can jump over member data nobody wants. Anything
//! else (compressed data, a pipe) is a forward-only stream: skipping there
//! means reading and discarding, because a decompressor cannot seek. The
//! compressed bytes of a stream are read on a thread of their own
//! ([`ReadAhead`]), so that the copies from the page cache overlap with
//! decompression.

use std::fs::File;
use std::io::{self, BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::Path;

use crate::archive::compression::{Compression, SNIFF_LEN, sniff};
use crate::archive::progress::Metered;
use crate::archive::read_ahead::ReadAhead;
use crate::error::{Error, Position, Result};

/// Buffer for the seekable reader. Small, because most of the file is
/// skipped: a bigger buffer would only read bytes that are then thrown away.
const SEEKABLE_BUFFER: usize = 64 * 1024;
/// Blocks of compressed input read ahead of the decompressor, and how
/// many may be in flight: 4 MiB in all. Measured on a zstd archive of 2 GiB
/// (realistic shape): `show` took 505 ms with this, 565 ms reading on the
/// decompressing thread. Decompressing on a thread of its own as well was
/// slower (578 ms): the scan has nothing to do meanwhile, and the hand-over
/// of decompressed blocks costs more than it saves.
const COMPRESSED_BLOCK: usize = 1024 * 1024;
const BLOCKS_AHEAD: usize = 4;
/// Blocks of decompressed data of [`ArchiveInput::pipelined`]. Fewer
/// hand-overs pay more than cache-sized blocks: the hexdump above took
/// 1216 ms with 128 KiB blocks, 1073 ms with 512 KiB, 1017 ms with 1 MiB.
const PIPELINE_BLOCK: usize = 1024 * 1024;
/// Largest zstd window accepted (2^27 = 128 MiB, libzstd's own default
/// limit). A frame asking for more fails instead of allocating it.
pub(crate) const ZSTD_WINDOW_LOG_MAX: u32 = 27;

/// Where an archive comes from.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// A file on disk.
    Path(&'a Path),
    /// Standard input, read once, front to back.
    Stdin,
}

/// An opened archive, ready to be scanned.
pub struct ArchiveInput {
    /// The compression found in the first bytes.
    pub compression: Compression,
    pub(crate) reader: InputReader,
}

pub(crate) enum InputReader {
    /// A plain tar in a regular file, with its length in bytes.
    Seekable(BufReader<Metered<File>>, u64),
    /// Decompressed data or a pipe: read forward only.
    Stream(Box<dyn Read + Send>),
    /// Decompressed data made on a thread of its own, for a scan that has
    /// much to do with the data ([`ArchiveInput::pipelined`]).
    Pipelined(ReadAhead),
}

impl ArchiveInput {
    /// Open `source`, read its first bytes and set up the decompressor.
    pub fn open(source: Source<'_>) -> Result<ArchiveInput> {
        match source {
            Source::Path(path) => open_file(path),
            Source::Stdin => open_stream(Box::new(io::stdin())),
        }
    }

    /// Decompress on a thread of its own, for a scan that works on much of
    /// the data (the hexdump or search of `memparse --pid`): decompression
    /// and that work then share the two cores. A seekable file is left as
    /// it is. Measured on the hexdump of 448 MiB of one process's memory in
    /// 2 GiB archives: zstd 1166 ms before, 1017 ms pipelined; gzip 4947 ms,
    /// 4273 ms. `show` gains nothing from it (it only skips data), and the
    /// hand-over of blocks cost it 5 to 10% on zstd.
    pub fn pipelined(self) -> ArchiveInput {
        let reader = match self.reader {
            InputReader::Stream(stream) => {
                InputReader::Pipelined(ReadAhead::new(stream, PIPELINE_BLOCK, BLOCKS_AHEAD))
            }
            other => other,
        };
        ArchiveInput {
            compression: self.compression,
            reader,
        }
    }

    /// Set up an archive read from any byte stream (a pipe, an in-memory
    /// buffer). It is never treated as seekable.
    pub fn from_reader(reader: Box<dyn Read + Send>) -> Result<ArchiveInput> {
        open_stream(reader)
    }
}

fn open_file(path: &Path) -> Result<ArchiveInput> {
    let mut file = File::open(path).map_err(Error::Open)?;
    let meta = file.metadata().map_err(Error::Open)?;
    if meta.is_dir() {
        return Err(Error::IsDirectory);
    }
    if !meta.is_file() {
        // A FIFO or character device: no seeking, maybe no length.
        return open_stream(Box::new(file));
    }

    let prefix = read_prefix(&mut file)?;
    let compression = sniff(&prefix)?;
    if compression == Compression::None {
        file.seek(SeekFrom::Start(0)).map_err(read_error)?;
        let reader = BufReader::with_capacity(SEEKABLE_BUFFER, Metered::new(file, 0));
        return Ok(ArchiveInput {
            compression,
            reader: InputReader::Seekable(reader, meta.len()),
        });
    }
    let file = Metered::new(file, prefix.len() as u64);
    let rest = Cursor::new(prefix).chain(file);
    decompressed(compression, Box::new(rest))
}

fn open_stream(reader: Box<dyn Read + Send>) -> Result<ArchiveInput> {
    let mut reader = Metered::new(reader, 0);
    let prefix = read_prefix(&mut reader)?;
    let compression = sniff(&prefix)?;
    let whole = Box::new(Cursor::new(prefix).chain(reader));
    decompressed(compression, whole)
}

fn decompressed(compression: Compression, raw: Box<dyn Read + Send>) -> Result<ArchiveInput> {
    let compressed = |raw| ReadAhead::new(raw, COMPRESSED_BLOCK, BLOCKS_AHEAD);
    let stream: Box<dyn Read + Send> = match compression {
        Compression::None => raw,
        Compression::Gzip => Box::new(DecodeErrors::new(
            compression,
            flate2::bufread::MultiGzDecoder::new(compressed(raw)),
        )),
        Compression::Zstd => {
            let compressed = compressed(raw);
            let mut decoder = zstd::stream::read::Decoder::with_buffer(compressed)
                .map_err(|source| decompress_error(compression, source))?;
            decoder
                .window_log_max(ZSTD_WINDOW_LOG_MAX)
                .map_err(|source| decompress_error(compression, source))?;
            Box::new(DecodeErrors::new(compression, decoder))
        }
    };
    Ok(ArchiveInput {
        compression,
        reader: InputReader::Stream(stream),
    })
}

/// Read up to [`SNIFF_LEN`] bytes, fewer only at end of input.
fn read_prefix(reader: &mut dyn Read) -> Result<Vec<u8>> {
    let mut prefix = Vec::with_capacity(SNIFF_LEN);
    reader
        .take(SNIFF_LEN as u64)
        .read_to_end(&mut prefix)
        .map_err(read_error)?;
    Ok(prefix)
}

fn read_error(source: io::Error) -> Error {
    Error::Read {
        at: Position::Start,
        source,
    }
}

fn decompress_error(compression: Compression, source: io::Error) -> Error {
    Error::Decompress {
        compression: compression.name(),
        at: Position::Start,
        source,
    }
}

/// Marks the errors a decompressor returns, so that the scanner can tell
/// "corrupt gzip data" from a bad tar header once the tar reader has passed
/// the error on.
struct DecodeErrors<R> {
    compression: Compression,
    inner: R,
}

impl<R> DecodeErrors<R> {
    fn new(compression: Compression, inner: R) -> Self {
        DecodeErrors { compression, inner }
    }
}

impl<R: Read> Read for DecodeErrors<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|err| {
            let kind = err.kind();
            io::Error::new(
                kind,
                DecodeError {
                    compression: self.compression.name(),
                    inner: err,
                },
            )
        })
    }
}

/// An error raised by a decompressor, carried inside an `io::Error`.
#[derive(Debug)]
pub(crate) struct DecodeError {
    pub(crate) compression: &'static str,
    pub(crate) inner: io::Error,
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl std::error::Error for DecodeError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_input_keeps_the_sniffed_bytes() {
        let mut builder = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_gnu();
        header.set_size(5);
        header.set_cksum();
        builder
            .append_data(&mut header, "a.txt", &b"hello"[..])
            .unwrap();
        let bytes = builder.into_inner().unwrap();

        let input = ArchiveInput::from_reader(Box::new(Cursor::new(bytes.clone()))).unwrap();
        assert_eq!(input.compression, Compression::None);
        let InputReader::Stream(mut reader) = input.reader else {
            panic!("expected a stream")
        };
        let mut all = Vec::new();
        reader.read_to_end(&mut all).unwrap();
        assert_eq!(all, bytes);
    }

    #[test]
    fn directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = ArchiveInput::open(Source::Path(dir.path())).err().unwrap();
        assert!(matches!(err, Error::IsDirectory));
    }

    #[test]
    fn missing_file_is_an_open_error() {
        let err = ArchiveInput::open(Source::Path(Path::new("/nonexistent/ckpt.tar"))).err();
        assert!(matches!(err, Some(Error::Open(_))));
    }
}
