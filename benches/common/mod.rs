//! What the benches share: where their archives live, whether this is a
//! real bench run, and the baseline that reads a file through once.

use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use ckpt::archive::compression::Compression;

/// The same buffer size `ckpt` puts in front of a decompressor, so the
/// baselines read the file the way `ckpt` does.
pub const STREAM_BUFFER: usize = 256 * 1024;
/// Output buffer of the baselines' read loop.
const DRAIN_BUFFER: usize = 128 * 1024;

/// `<target dir>/bench-archives`. Cargo runs benches from the manifest
/// directory, so a relative `CARGO_TARGET_DIR` is taken from there.
pub fn archive_dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => manifest.join(dir),
        None => manifest.join("target"),
    };
    target.join("bench-archives")
}

/// True under `cargo bench`, false under `cargo test --benches`, which runs
/// each routine once as a smoke test (criterion's own rule: `cargo bench`
/// passes `--bench`, and `--test` turns a bench run back into a test).
pub fn benchmarking() -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--test")
}

/// The file decompressed as the baselines read it: buffered like `ckpt`
/// buffers it, with the decoder `ckpt` uses.
pub fn open_stream(path: &Path, compression: Compression) -> io::Result<Box<dyn Read>> {
    let file = File::open(path)?;
    Ok(match compression {
        Compression::None => Box::new(file),
        Compression::Gzip => {
            let buffered = BufReader::with_capacity(STREAM_BUFFER, file);
            Box::new(flate2::bufread::MultiGzDecoder::new(buffered))
        }
        Compression::Zstd => {
            let buffered = BufReader::with_capacity(STREAM_BUFFER, file);
            Box::new(zstd::stream::read::Decoder::with_buffer(buffered)?)
        }
    })
}

/// Read `reader` to the end into `io::sink`; returns the bytes read.
pub fn drain(mut reader: impl Read) -> io::Result<u64> {
    let mut buffer = vec![0u8; DRAIN_BUFFER];
    let mut sink = io::sink();
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buffer) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        sink.write_all(&buffer[..n])?;
        total += n as u64;
    }
}
