//! Write one of the archives the benchmarks measure, unless it is there.
//!
//! `cargo run --release --example bench_archive -- OUT CONTENT_MIB
//! [--incompressible]` writes [`ArchiveFixture::bench`] to OUT (compressed
//! by its extension: `.tar`, `.tar.gz` or `.tar.zst`) and `OUT.len`, the
//! length of its tar stream, which it also prints. `benches/compare.sh`
//! and `cargo bench` make their archives with the same call, so each
//! reuses what the other wrote.

use std::path::Path;

use ckpt::archive::compression::Compression;
use ckpt::fixture::{ArchiveFixture, DataShape};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: bench_archive OUT CONTENT_MIB [--incompressible]";
    let (Some(out), Some(content_mib)) = (args.first(), args.get(1)) else {
        return Err(usage.into());
    };
    let shape = match args.get(2).map(String::as_str) {
        None => DataShape::Realistic,
        Some("--incompressible") => DataShape::Incompressible,
        Some(_) => return Err(usage.into()),
    };
    let compression = if out.ends_with(".gz") {
        Compression::Gzip
    } else if out.ends_with(".zst") {
        Compression::Zstd
    } else {
        Compression::None
    };
    let archive = ArchiveFixture::bench(content_mib.parse()?, shape);
    println!("{}", archive.write_file(Path::new(out), compression)?);
    Ok(())
}
