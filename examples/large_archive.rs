//! Write a large, realistic checkpoint archive for measurements.
//!
//! `cargo run --release --example large_archive -- OUT PAGES_MIB [OPTIONS]`
//! writes a Podman container archive to OUT (compressed by its extension:
//! `.tar`, `.tar.gz` or `.tar.zst`) whose processes hold PAGES_MIB MiB of
//! memory pages in all, with real CRIU images (process tree, memory maps,
//! files, sockets, statistics), a rootfs diff and 2000 small images. The
//! data is generated as it is written, so any size needs no memory.
//!
//! Options:
//! - `--processes N`: processes sharing the pages (default 4);
//! - `--rootfs-mib N`, `--rootfs-files N`: the rootfs diff's size and
//!   number of files (default 64 MiB in one file);
//! - `--incompressible`: random data only, instead of the realistic mix of
//!   random, text and zero pages.

use std::fs::File;
use std::io::BufWriter;

use ckpt::archive::compression::Compression;
use ckpt::fixture::{ArchiveFixture, ContainerFixture, DataShape};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: large_archive OUT PAGES_MIB [--processes N] [--rootfs-mib N] \
                 [--rootfs-files N] [--incompressible]";
    let (Some(out), Some(pages_mib)) = (args.first(), args.get(1)) else {
        return Err(usage.into());
    };
    let pages_mib: u64 = pages_mib.parse()?;
    let mut processes = 4u32;
    let mut rootfs_mib = 64u64;
    let mut rootfs_files = 1u32;
    let mut shape = DataShape::Realistic;
    let mut rest = args[2..].iter();
    while let Some(flag) = rest.next() {
        let mut value = || rest.next().ok_or(usage);
        match flag.as_str() {
            "--processes" => processes = value()?.parse()?,
            "--rootfs-mib" => rootfs_mib = value()?.parse()?,
            "--rootfs-files" => rootfs_files = value()?.parse()?,
            "--incompressible" => shape = DataShape::Incompressible,
            _ => return Err(usage.into()),
        }
    }
    let compression = if out.ends_with(".gz") {
        Compression::Gzip
    } else if out.ends_with(".zst") {
        Compression::Zstd
    } else {
        Compression::None
    };

    let mut container = ContainerFixture::large(processes, pages_mib << 20, rootfs_mib << 20, 2000)
        .with_shape(shape);
    container.rootfs_files = rootfs_files;
    let archive = ArchiveFixture::Container(Box::new(container));
    archive.write(
        BufWriter::with_capacity(1 << 20, File::create(out)?),
        compression,
        false,
    )?;
    Ok(())
}
