//! Write the seed corpora of the fuzz targets, from the project's fixtures,
//! into `corpus/<target>/` (run from the `fuzz` folder; `run.sh` does).
//!
//! - archive: every bundled archive as it is (first byte 0), and each
//!   plain one also with first byte 1 and 2 (compressed by the target);
//!   small archives of the fixture builder with real CRIU images, likewise;
//! - metadata, criu: each member the target can replace, with its real
//!   data, behind the first byte that selects it.

use std::fs;
use std::path::Path;

use ckpt::archive::compression::Compression;
use ckpt::fixture::{ArchiveFixture, ContainerFixture, CriuFixture, FixtureEngine};
use ckpt_fuzz::harness::{bases, criu_targets, metadata_targets};

fn main() -> std::io::Result<()> {
    let corpus = Path::new("corpus");
    for target in ["archive", "metadata", "criu"] {
        fs::create_dir_all(corpus.join(target))?;
    }

    let mut n = 0;
    for folder in ["../fixtures/real", "../fixtures/synthetic"] {
        for entry in fs::read_dir(folder)? {
            let path = entry?.path();
            if !path.is_file() {
                continue;
            }
            let bytes = fs::read(&path)?;
            let plain = is_plain(&bytes);
            let stem = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
            write(&corpus.join("archive").join(format!("{stem}.0")), 0, &bytes)?;
            if plain {
                write(&corpus.join("archive").join(format!("{stem}.1")), 1, &bytes)?;
                write(&corpus.join("archive").join(format!("{stem}.2")), 2, &bytes)?;
            }
            n += 1;
        }
    }

    // Small archives with real CRIU images, in each engine's layout.
    for engine in [FixtureEngine::Podman, FixtureEngine::CriO, FixtureEngine::Containerd] {
        let mut container = ContainerFixture::new(engine, "web");
        container.criu = Some(CriuFixture::deep_tree(3, "SECRET=fuzz"));
        container.images_first = engine != FixtureEngine::Podman;
        let tar = ArchiveFixture::Container(Box::new(container)).to_bytes(Compression::None);
        for selector in 0..3 {
            let name = format!("small-{engine:?}.{selector}");
            write(&corpus.join("archive").join(name), selector, &tar)?;
        }
        n += 1;
    }

    let targets = metadata_targets();
    assert!(targets.len() <= 256, "one selector byte reaches every target");
    for (selector, &(base, member)) in targets.iter().enumerate() {
        let data = bases()[base].data(member);
        write(&corpus.join("metadata").join(format!("{selector:03}")), selector as u8, data)?;
    }
    let images = criu_targets();
    assert!(images.len() <= 256, "one selector byte reaches every image");
    for (selector, &member) in images.iter().enumerate() {
        let data = bases()[0].data(member);
        write(&corpus.join("criu").join(format!("{selector:03}")), selector as u8, data)?;
    }
    println!(
        "seeds: {n} archives, {} metadata members, {} CRIU images",
        targets.len(),
        images.len()
    );
    Ok(())
}

fn write(path: &Path, selector: u8, data: &[u8]) -> std::io::Result<()> {
    let mut bytes = vec![selector];
    bytes.extend_from_slice(data);
    fs::write(path, bytes)
}

/// Whether the bytes are a plain tar rather than gzip or zstd.
fn is_plain(bytes: &[u8]) -> bool {
    !bytes.starts_with(&[0x1f, 0x8b]) && !bytes.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
}
