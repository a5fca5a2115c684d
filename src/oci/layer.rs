//! The layer: the archive's own tar stream, teed off the scan, compressed
//! and hashed on a thread of its own.
//!
//! The scan reads the decompressed tar stream once, for the metadata. A
//! `Tee` sits between that stream and the scan: every byte the scan
//! reads (headers, data, data it skips, the padding it drains at the end)
//! is hashed there for the diff ID and copied into blocks that go to a
//! writer thread, which compresses them, hashes the compressed bytes for
//! the layer's digest and writes them out. The scan must therefore read
//! everything and seek over nothing: the input is turned into a plain
//! forward stream first, even a plain tar file that the scan would
//! otherwise skip through.
//!
//! Compression is the slowest step (gzip in particular), so it runs beside
//! the decompression and the scan instead of after them; with two cores the
//! reading side waits for the compressor, not the other way round. The
//! diff ID is hashed on the reading side because that side has time to
//! spare: with that hash on the writer thread too, the uncompressed layer
//! of the 2 GiB bench archive took 4.3 s to build into tmpfs instead of
//! 3.5 s, and the gzip one 15.3 s instead of 11.7 s. At most
//! [`BLOCKS_IN_FLIGHT`] blocks of [`BLOCK`] bytes wait between the two
//! threads; when the writer falls behind, the scan waits. Blocks are handed
//! back and reused, so memory stays at a few MiB whatever the archive's
//! size.
//!
//! The output is a function of the input alone: no time stamp or host name
//! goes into the gzip header or the zstd frame, so building twice from the
//! same archive gives the same digests.

use std::io::{self, Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::{self, JoinHandle};

use oci_spec::image::MediaType;
use sha2::{Digest as _, Sha256};

use crate::archive::input::{ArchiveInput, InputReader};

/// Size of the blocks handed to the writer thread.
pub const BLOCK: usize = 512 * 1024;
/// Blocks that may wait for the writer thread: with the block being filled
/// and the one being compressed, 3 MiB at most.
pub const BLOCKS_IN_FLIGHT: usize = 4;
/// gzip level. On the 2 GiB bench archive (realistic shape), level 6
/// (gzip's default) made the layer 6% smaller than level 1 (1.13 GiB
/// instead of 1.20 GiB) and took twice as long (22.7 s instead of
/// 11.7 s): compression is what the build waits for.
pub const GZIP_LEVEL: u32 = 1;
/// zstd level: zstd's default, which is both fast and good.
pub const ZSTD_LEVEL: i32 = 3;

/// How the layer is compressed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LayerCompression {
    /// `application/vnd.oci.image.layer.v1.tar+gzip`, which every client
    /// reads.
    #[default]
    Gzip,
    /// `application/vnd.oci.image.layer.v1.tar+zstd`: smaller and faster,
    /// read by containerd 1.5 and newer, CRI-O and Podman.
    Zstd,
    /// `application/vnd.oci.image.layer.v1.tar`: the tar stream as it is.
    None,
}

impl LayerCompression {
    /// The layer's media type.
    pub fn media_type(self) -> MediaType {
        match self {
            LayerCompression::Gzip => MediaType::ImageLayerGzip,
            LayerCompression::Zstd => MediaType::ImageLayerZstd,
            LayerCompression::None => MediaType::ImageLayer,
        }
    }

    /// `gzip`, `zstd` or `none`.
    pub fn name(self) -> &'static str {
        match self {
            LayerCompression::Gzip => "gzip",
            LayerCompression::Zstd => "zstd",
            LayerCompression::None => "none",
        }
    }
}

/// What the writer thread made of the tar stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    /// `sha256:<hex>` of the layer blob (the compressed bytes).
    pub digest: String,
    /// Size of the layer blob in bytes.
    pub size: u64,
    /// `sha256:<hex>` of the uncompressed tar stream: the image config's
    /// diff ID.
    pub diff_id: String,
    /// Size of the uncompressed tar stream in bytes.
    pub tar_size: u64,
    /// The compression of the blob.
    pub compression: LayerCompression,
}

/// The writer thread, running until the tee that feeds it is dropped.
pub(crate) struct LayerJob<W> {
    handle: JoinHandle<io::Result<(Layer, W)>>,
    /// Set once the tee has seen the end of the stream.
    complete: Arc<AtomicBool>,
}

/// Start the writer thread on `out`, and return `input` with the tee in
/// front of its stream.
pub(crate) fn start<W: Write + Send + 'static>(
    input: ArchiveInput,
    compression: LayerCompression,
    out: W,
) -> (ArchiveInput, LayerJob<W>) {
    let (to_writer, messages) = mpsc::sync_channel(BLOCKS_IN_FLIGHT);
    let (give_back, spare) = mpsc::sync_channel(BLOCKS_IN_FLIGHT + 2);
    let complete = Arc::new(AtomicBool::new(false));
    let handle = thread::spawn(move || write_layer(messages, give_back, compression, out));

    // Everything is read: no seeking over the data nobody else wants.
    let stream: Box<dyn Read + Send> = match input.reader {
        InputReader::Seekable(file, _) => Box::new(file),
        InputReader::Stream(stream) => stream,
        InputReader::Pipelined(stream) => Box::new(stream),
    };
    let tee = Tee {
        inner: stream,
        block: Vec::with_capacity(BLOCK),
        diff: Sha256::new(),
        tar_size: 0,
        to_writer,
        spare,
        ended: false,
        complete: Arc::clone(&complete),
    };
    let teed = ArchiveInput {
        compression: input.compression,
        reader: InputReader::Stream(Box::new(tee)),
    };
    (teed, LayerJob { handle, complete })
}

impl<W> LayerJob<W> {
    /// Wait for the writer thread and take the layer and the output back.
    /// Call once the scan is over (and the tee dropped with it). The layer
    /// is whole only when [`LayerJob::complete`] said so.
    pub(crate) fn finish(self) -> io::Result<(Layer, W)> {
        self.handle
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the layer writer panicked")))
    }

    /// True when the tee passed the stream on to its end.
    pub(crate) fn complete(&self) -> bool {
        self.complete.load(Ordering::Acquire)
    }
}

/// What the tee sends the writer thread.
enum Message {
    /// The next bytes of the tar stream.
    Block(Vec<u8>),
    /// The end of what was read: the stream's SHA-256 and length.
    End(Vec<u8>, u64),
}

/// Hashes what the scan reads and copies it into blocks for the writer
/// thread.
struct Tee {
    inner: Box<dyn Read + Send>,
    block: Vec<u8>,
    diff: Sha256,
    tar_size: u64,
    to_writer: SyncSender<Message>,
    spare: Receiver<Vec<u8>>,
    /// The end was sent.
    ended: bool,
    complete: Arc<AtomicBool>,
}

impl Tee {
    fn send(&mut self, message: Message) -> io::Result<()> {
        // The writer thread stops only on an error, which `finish` returns.
        self.to_writer
            .send(message)
            .map_err(|_| io::Error::other("the layer writer stopped"))
    }

    fn send_block(&mut self) -> io::Result<()> {
        if self.block.is_empty() {
            return Ok(());
        }
        let next = self
            .spare
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(BLOCK));
        let full = std::mem::replace(&mut self.block, next);
        self.send(Message::Block(full))
    }

    fn send_end(&mut self) -> io::Result<()> {
        self.send_block()?;
        if !self.ended {
            self.ended = true;
            let diff = std::mem::take(&mut self.diff).finalize().to_vec();
            self.send(Message::End(diff, self.tar_size))?;
        }
        Ok(())
    }
}

impl Drop for Tee {
    /// What was read goes to the writer even when the stream was not read
    /// to its end (the layer is then incomplete, and
    /// [`LayerJob::complete`] says so).
    fn drop(&mut self) {
        let _ = self.send_end();
    }
}

impl Read for Tee {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 {
            self.send_end()?;
            self.complete.store(true, Ordering::Release);
            return Ok(0);
        }
        self.diff.update(&buf[..n]);
        self.tar_size += n as u64;
        let mut rest = &buf[..n];
        while !rest.is_empty() {
            let take = (BLOCK - self.block.len()).min(rest.len());
            self.block.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.block.len() == BLOCK {
                self.send_block()?;
            }
        }
        Ok(n)
    }
}

/// The writer thread: compress, hash, write, until the tee is gone.
fn write_layer<W: Write>(
    messages: Receiver<Message>,
    give_back: SyncSender<Vec<u8>>,
    compression: LayerCompression,
    out: W,
) -> io::Result<(Layer, W)> {
    // Uncompressed, the blob is the tar stream, already hashed by the tee.
    let hashed = compression != LayerCompression::None;
    let mut encoder = Encoder::new(compression, Hashing::new(out, hashed))?;
    let mut end = None;
    for message in messages {
        match message {
            Message::Block(mut block) => {
                encoder.write_all(&block)?;
                block.clear();
                // Dropped when the tee has enough spares already.
                let _ = give_back.try_send(block);
            }
            Message::End(diff, tar_size) => end = Some((diff, tar_size)),
        }
    }
    let (diff, tar_size) =
        end.ok_or_else(|| io::Error::other("the tar stream ended without its digest"))?;
    let blob = encoder.finish()?;
    let diff_id = sha256_name(&diff);
    let layer = Layer {
        digest: match blob.hash {
            Some(hash) => sha256_name(&hash.finalize()),
            None => diff_id.clone(),
        },
        size: blob.len,
        diff_id,
        tar_size,
        compression,
    };
    Ok((layer, blob.inner))
}

/// `sha256:` and the lowercase hex of `hash`.
pub(crate) fn sha256_name(hash: &[u8]) -> String {
    let mut name = String::with_capacity(7 + 2 * hash.len());
    name.push_str("sha256:");
    for byte in hash {
        name.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        name.push(char::from(b"0123456789abcdef"[usize::from(byte & 15)]));
    }
    name
}

/// `sha256:<hex>` of `bytes`.
pub(crate) fn sha256_of(bytes: &[u8]) -> String {
    sha256_name(&Sha256::digest(bytes))
}

/// The compressor in front of the blob.
enum Encoder<W: Write> {
    Plain(W),
    Gzip(flate2::write::GzEncoder<W>),
    Zstd(zstd::stream::write::Encoder<'static, W>),
}

impl<W: Write> Encoder<W> {
    fn new(compression: LayerCompression, out: W) -> io::Result<Encoder<W>> {
        Ok(match compression {
            LayerCompression::None => Encoder::Plain(out),
            // GzBuilder's header has no name and a zero time: the blob
            // depends on the data alone.
            LayerCompression::Gzip => Encoder::Gzip(
                flate2::GzBuilder::new().write(out, flate2::Compression::new(GZIP_LEVEL)),
            ),
            LayerCompression::Zstd => {
                let mut encoder = zstd::stream::write::Encoder::new(out, ZSTD_LEVEL)?;
                encoder.include_checksum(true)?;
                Encoder::Zstd(encoder)
            }
        })
    }

    fn finish(self) -> io::Result<W> {
        match self {
            Encoder::Plain(out) => Ok(out),
            Encoder::Gzip(gz) => gz.finish(),
            Encoder::Zstd(zst) => zst.finish(),
        }
    }
}

impl<W: Write> Write for Encoder<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Encoder::Plain(out) => out.write(buf),
            Encoder::Gzip(gz) => gz.write(buf),
            Encoder::Zstd(zst) => zst.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Encoder::Plain(out) => out.flush(),
            Encoder::Gzip(gz) => gz.flush(),
            Encoder::Zstd(zst) => zst.flush(),
        }
    }
}

/// Counts, and hashes when asked, what goes through it.
struct Hashing<W> {
    inner: W,
    hash: Option<Sha256>,
    len: u64,
}

impl<W> Hashing<W> {
    fn new(inner: W, hashed: bool) -> Hashing<W> {
        Hashing {
            inner,
            hash: hashed.then(Sha256::new),
            len: 0,
        }
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        if let Some(hash) = &mut self.hash {
            hash.update(&buf[..n]);
        }
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    /// A reader that gives at most 1000 bytes per read, so blocks fill
    /// across many reads.
    struct Dribble(Cursor<Vec<u8>>);

    impl Read for Dribble {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(1000);
            self.0.read(&mut buf[..n])
        }
    }

    fn tar_of(data_len: usize) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        let data: Vec<u8> = (0..data_len).map(|i| (i * 7 % 251) as u8).collect();
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_cksum();
        builder
            .append_data(&mut header, "config.dump", &data[..])
            .unwrap();
        builder.into_inner().unwrap()
    }

    /// Run the tee over `bytes` as the scan would (reading to the end) and
    /// return the layer and the blob.
    fn tee_through(bytes: Vec<u8>, compression: LayerCompression) -> (Layer, Vec<u8>, bool) {
        let input = ArchiveInput::from_reader(Box::new(Dribble(Cursor::new(bytes)))).unwrap();
        let (teed, job) = start(input, compression, Vec::new());
        let InputReader::Stream(mut stream) = teed.reader else {
            panic!("the tee is a stream")
        };
        io::copy(&mut stream, &mut io::sink()).unwrap();
        drop(stream);
        let complete = job.complete();
        let (layer, blob) = job.finish().unwrap();
        (layer, blob, complete)
    }

    fn decompress(blob: &[u8], compression: LayerCompression) -> Vec<u8> {
        let mut out = Vec::new();
        match compression {
            LayerCompression::None => out.extend_from_slice(blob),
            LayerCompression::Gzip => {
                flate2::read::GzDecoder::new(blob)
                    .read_to_end(&mut out)
                    .unwrap();
            }
            LayerCompression::Zstd => {
                zstd::stream::read::Decoder::new(blob)
                    .unwrap()
                    .read_to_end(&mut out)
                    .unwrap();
            }
        }
        out
    }

    #[test]
    fn every_byte_reaches_the_blob_and_both_digests_are_right() {
        // Over two blocks, so that blocks are sent full, reused and cut.
        let tar = tar_of(BLOCK * 2 + 12_345);
        for compression in [
            LayerCompression::Gzip,
            LayerCompression::Zstd,
            LayerCompression::None,
        ] {
            let (layer, blob, complete) = tee_through(tar.clone(), compression);
            assert!(complete, "{compression:?}");
            assert_eq!(decompress(&blob, compression), tar, "{compression:?}");
            assert_eq!(layer.tar_size, tar.len() as u64);
            assert_eq!(layer.size, blob.len() as u64);
            assert_eq!(layer.diff_id, sha256_of(&tar));
            assert_eq!(layer.digest, sha256_of(&blob));
            assert_eq!(layer.compression, compression);
        }
    }

    #[test]
    fn the_same_stream_gives_the_same_blob() {
        let tar = tar_of(100_000);
        for compression in [LayerCompression::Gzip, LayerCompression::Zstd] {
            let (first, blob, _) = tee_through(tar.clone(), compression);
            let (second, again, _) = tee_through(tar.clone(), compression);
            assert_eq!(first, second);
            assert_eq!(blob, again);
        }
    }

    #[test]
    fn a_stream_not_read_to_its_end_is_not_complete() {
        let input = ArchiveInput::from_reader(Box::new(Cursor::new(tar_of(10_000)))).unwrap();
        let (teed, job) = start(input, LayerCompression::None, Vec::new());
        let InputReader::Stream(mut stream) = teed.reader else {
            panic!("the tee is a stream")
        };
        let mut some = [0u8; 2048];
        stream.read_exact(&mut some).unwrap();
        drop(stream);
        assert!(!job.complete());
        let (layer, blob) = job.finish().unwrap();
        assert_eq!(layer.tar_size, 2048, "what was read reached the writer");
        assert_eq!(blob, some);
    }

    /// A sink that fails after a few bytes, as a full disk does.
    struct Full(usize);

    impl Write for Full {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.0 < buf.len() {
                return Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"));
            }
            self.0 -= buf.len();
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_failing_writer_stops_the_reader_and_reports_its_error() {
        let tar = tar_of(BLOCK * 12);
        let input = ArchiveInput::from_reader(Box::new(Cursor::new(tar))).unwrap();
        let (teed, job) = start(input, LayerCompression::None, Full(1000));
        let InputReader::Stream(mut stream) = teed.reader else {
            panic!("the tee is a stream")
        };
        let read = io::copy(&mut stream, &mut io::sink());
        assert!(read.is_err(), "the tee fails once the writer is gone");
        drop(stream);
        let err = job.finish().err().unwrap();
        assert_eq!(err.kind(), io::ErrorKind::StorageFull);
    }

    #[test]
    fn hex_names_are_lowercase_and_whole() {
        assert_eq!(
            sha256_of(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(sha256_name(&[0x00, 0xff, 0x0a]), "sha256:00ff0a");
    }
}
