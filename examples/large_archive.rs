//! Write a large, realistic checkpoint archive for measurements.
//!
//! `cargo run --release --example large_archive -- OUT PAGES_MIB [PROCESSES]`
//! writes a Podman container archive to OUT (compressed by its extension:
//! `.tar`, `.tar.gz` or `.tar.zst`) whose processes hold PAGES_MIB MiB of
//! memory pages in all, with real CRIU images (process tree, memory maps,
//! files, sockets, statistics), a 64 MiB rootfs diff and 2000 small images.
//! The data is generated as it is written, so any size needs no memory.

use std::fs::File;
use std::io::BufWriter;

use ckpt::archive::compression::Compression;
use ckpt::fixture::{ArchiveFixture, ContainerFixture};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(out), Some(pages_mib)) = (args.first(), args.get(1)) else {
        return Err("usage: large_archive OUT PAGES_MIB [PROCESSES]".into());
    };
    let pages_mib: u64 = pages_mib.parse()?;
    let processes: u32 = args.get(2).map_or(Ok(4), |p| p.parse())?;
    let compression = if out.ends_with(".gz") {
        Compression::Gzip
    } else if out.ends_with(".zst") {
        Compression::Zstd
    } else {
        Compression::None
    };

    let container = ContainerFixture::large(processes, pages_mib << 20, 64 << 20, 2000);
    let archive = ArchiveFixture::Container(Box::new(container));
    archive.write(
        BufWriter::with_capacity(1 << 20, File::create(out)?),
        compression,
        false,
    )?;
    Ok(())
}
