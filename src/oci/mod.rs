//! `ckpt build`: an OCI image (image-spec 1.1) made of a checkpoint
//! archive, the kind a Kubernetes restore pulls (CRI-O and containerd
//! restore a container from an image whose one layer is the checkpoint
//! archive's content), made without buildah or a daemon.
//!
//! The image has one layer: the archive's own tar stream, decompressed,
//! byte for byte, then compressed again as asked (gzip, zstd or none). It
//! is made in the one pass that reads the archive: the [`layer`] tee copies
//! the stream to a compressing thread while the scan of `show` reads the
//! metadata members from it, and [`facts`] reads what the annotations need
//! besides. Once the stream has ended, the config, manifest and index are
//! written ([`image`]) with the [`annotations`] that tell a restore what the
//! image is, and the layout is given its name ([`layout`]).
//!
//! Only a container archive has a meaning as such an image. Pod and
//! kubelet archives hold several containers, each of which would need an
//! image of its own made of a part of the archive; they are refused.
//!
//! Known shortcomings:
//! - the whole archive is compressed before it is known whether it is a
//!   container checkpoint at all (that is known only at its end, as for
//!   `show`), so refusing a large non-checkpoint takes as long as building;
//! - the image config's `created` is the checkpoint time only when the
//!   engine records it (CRI-O, containerd); Podman does not, and the field
//!   is then left out rather than set to the build time.

pub mod annotations;
pub mod facts;
pub mod image;
pub mod layer;
pub mod layout;

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::archive::input::{ArchiveInput, Source};
use crate::archive::scan::scan;
use crate::classify::ArchiveKind;
use crate::error::{Error, Result};
use crate::inventory::Inventory;
use crate::report::model::ContainerReport;

pub use facts::ArchiveFacts;
pub use layer::{Layer, LayerCompression};
pub use layout::LayoutKind;

/// What to build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// The layer's compression.
    pub compression: LayerCompression,
    /// The image's name in the layout (`org.opencontainers.image.ref.name`),
    /// checked with [`image::check_ref_name`].
    pub tag: Option<String>,
    /// Replace an existing output (a file, an empty folder or an OCI
    /// layout).
    pub force: bool,
}

/// Where the architecture written into the image came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchitectureSource {
    /// The archive: the member or log named here.
    Archive(String),
    /// The archive does not say; this is the machine ckpt was built for.
    BuildMachine,
}

/// A blob of the image: digest and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobRef {
    /// `sha256:<hex>`.
    pub digest: String,
    /// Size in bytes.
    pub size: u64,
}

/// What [`build`] wrote.
#[derive(Debug, Clone)]
pub struct Built {
    /// The output as given.
    pub output: PathBuf,
    /// A folder or a tar file.
    pub layout: LayoutKind,
    /// The container, as `show` reports it.
    pub container: ContainerReport,
    /// The layer blob.
    pub layer: Layer,
    /// The image config blob.
    pub config: BlobRef,
    /// The image manifest blob.
    pub manifest: BlobRef,
    /// Go's architecture name written into the config and the index.
    pub architecture: String,
    /// Where [`Built::architecture`] came from.
    pub architecture_source: ArchitectureSource,
    /// The config's `created` (the checkpoint time), when known.
    pub created: Option<String>,
    /// The annotations of the manifest and the index.
    pub annotations: BTreeMap<String, String>,
    /// The name given to the image in the layout.
    pub tag: Option<String>,
    /// What could not be fully used; each names its member.
    pub warnings: Vec<String>,
}

/// Read the checkpoint archive `source` once and write its image to
/// `output`: a tar file when the name ends in `.tar`, else a folder.
/// `display_name` is how messages name the archive. Nothing is left at
/// `output` (or beside it) when this fails.
pub fn build(
    source: Source<'_>,
    display_name: &str,
    output: &Path,
    options: &BuildOptions,
) -> Result<Built> {
    if let Some(tag) = &options.tag {
        image::check_ref_name(tag).map_err(|problem| {
            Error::Write(io::Error::new(io::ErrorKind::InvalidInput, problem))
        })?;
    }
    let kind = LayoutKind::of(output);
    // The output is checked before the archive is read: the read may take
    // minutes.
    match kind {
        LayoutKind::Directory => layout::check_dir_target(output, options.force),
        LayoutKind::Archive => crate::output::check_target(output, options.force),
    }
    .map_err(Error::Write)?;
    let input = ArchiveInput::open(source)?;

    match kind {
        LayoutKind::Directory => {
            let (dir, layer_file) =
                layout::DirTarget::create(output, options.force).map_err(Error::Write)?;
            let (scanned, layer, layer_file) = stream(input, options.compression, layer_file)?;
            let (built, docs) = describe(scanned, layer, display_name, output, kind, options)?;
            dir.finish(layer_file, &built.layer, &docs)
                .map_err(Error::Write)?;
            Ok(built)
        }
        LayoutKind::Archive => {
            let (archive, out) =
                layout::ArchiveTarget::create(output, options.force).map_err(Error::Write)?;
            let (scanned, layer, out) = stream(input, options.compression, out)?;
            let (built, docs) = describe(scanned, layer, display_name, output, kind, options)?;
            archive
                .finish(out, &built.layer, &docs)
                .map_err(Error::Write)?;
            Ok(built)
        }
    }
}

/// What the scan read of the metadata.
struct Scanned {
    compression: crate::archive::compression::Compression,
    collected: crate::inventory::Collected,
    facts: ArchiveFacts,
}

/// The one pass: scan `input` while its stream goes into the layer written
/// to `out`.
fn stream<W: Write + Send + 'static>(
    input: ArchiveInput,
    compression: LayerCompression,
    out: W,
) -> Result<(Scanned, Layer, W)> {
    let archive_compression = input.compression;
    let (teed, job) = layer::start(input, compression, out);
    let mut inventory = Inventory::new();
    let mut facts = facts::Facts::default();
    let scanned = scan(teed, &mut [&mut inventory, &mut facts]);
    let complete = job.complete();
    // A writer error (a full disk) is the cause of whatever the scan then
    // said (the tee fails once the writer is gone), so it comes first.
    let (layer, out) = job.finish().map_err(Error::Write)?;
    scanned?;
    if !complete {
        // No part of this scan is ever done early, so the scan reads to the
        // end of the stream; this guards the layer against a change there.
        return Err(Error::Unsupported(
            "the scan stopped before the end of the archive; the layer would be cut short"
                .to_string(),
        ));
    }
    Ok((
        Scanned {
            compression: archive_compression,
            collected: inventory.finish(),
            facts: facts.finish(),
        },
        layer,
        out,
    ))
}

/// The report, the annotations and the documents of the image.
fn describe(
    scanned: Scanned,
    layer: Layer,
    display_name: &str,
    output: &Path,
    kind: LayoutKind,
    options: &BuildOptions,
) -> Result<(Built, image::Documents)> {
    let report =
        crate::report::build::build(display_name, scanned.compression, &scanned.collected)?;
    let container = match report.archive_type {
        // A container archive's report has its one container; without
        // it there is nothing to build.
        ArchiveKind::Container => match report.containers.into_iter().next() {
            Some(container) => container,
            None => return Err(Error::NotCheckpoint),
        },
        ArchiveKind::Unknown => return Err(Error::NotCheckpoint),
        other => {
            return Err(Error::Unsupported(format!(
                "this is a {} archive of {} containers; `ckpt build` makes the image of \
                 one container's checkpoint",
                other.name(),
                report.containers.len()
            )));
        }
    };
    let facts = scanned.facts;
    let mut warnings = report.warnings;
    warnings.extend(facts.warnings.iter().cloned());

    let (architecture, architecture_source) = match facts.architecture() {
        Some((arch, from)) => (arch.to_string(), ArchitectureSource::Archive(from)),
        None => {
            let arch = facts::go_arch_of_build_machine();
            warnings.push(format!(
                "the archive does not tell the checkpointed machine's architecture (no \
                 CRIU core image or log says it); the image says {arch}, the machine ckpt \
                 was built for"
            ));
            (arch.to_string(), ArchitectureSource::BuildMachine)
        }
    };
    let from_archive = matches!(architecture_source, ArchitectureSource::Archive(_));
    let config = scanned
        .collected
        .folders
        .get("")
        .and_then(|root| root.config.as_ref());
    let annotations = annotations::annotations(
        &container,
        config,
        &facts,
        from_archive.then_some(architecture.as_str()),
    );
    let created = container.checkpointed.clone();
    let comment = if container.container_name.is_empty() {
        format!("checkpoint of a {} container", container.engine)
    } else {
        format!(
            "checkpoint of {} container {}",
            container.engine, container.container_name
        )
    };
    let docs = image::documents(
        &layer,
        &image::Describe {
            architecture: &architecture,
            created: created.as_deref(),
            annotations: &annotations,
            tag: options.tag.as_deref(),
            comment,
        },
    );
    let built = Built {
        output: output.to_path_buf(),
        layout: kind,
        container,
        layer,
        config: BlobRef {
            digest: docs.config.digest.clone(),
            size: docs.config.size(),
        },
        manifest: BlobRef {
            digest: docs.manifest.digest.clone(),
            size: docs.manifest.size(),
        },
        architecture,
        architecture_source,
        created,
        annotations,
        tag: options.tag.clone(),
        warnings,
    };
    Ok((built, docs))
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::io::Read;

    use super::*;
    use crate::archive::compression::Compression;
    use crate::fixture::{ArchiveFixture, ContainerFixture, FixtureEngine, PodOptionsShape};

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn write_archive(dir: &Path, archive: ArchiveFixture, compression: Compression) -> PathBuf {
        let path = dir.join("checkpoint.tar");
        fs::write(&path, archive.to_bytes(compression)).unwrap();
        path
    }

    fn container(engine: FixtureEngine) -> ArchiveFixture {
        ArchiveFixture::Container(Box::new(ContainerFixture::new(engine, "web")))
    }

    #[test]
    fn a_folder_image_of_each_engine_holds_the_archive_as_its_layer() {
        for engine in [
            FixtureEngine::Podman,
            FixtureEngine::CriO,
            FixtureEngine::Containerd,
        ] {
            let dir = tempfile::tempdir().unwrap();
            let fixture = container(engine);
            let tar = fixture.to_bytes(Compression::None);
            let input = write_archive(dir.path(), fixture, Compression::Zstd);
            let out = dir.path().join("image");
            let options = BuildOptions {
                compression: LayerCompression::Gzip,
                tag: Some("web:1".to_string()),
                force: false,
            };
            let built = build(Source::Path(&input), "checkpoint.tar", &out, &options).unwrap();
            assert_eq!(built.container.container_name, "web", "{engine:?}");
            assert_eq!(built.layer.diff_id, layer::sha256_of(&tar));
            assert_eq!(built.layer.tar_size, tar.len() as u64);
            let hex = built.layer.digest.strip_prefix("sha256:").unwrap();
            let blob = fs::read(out.join("blobs/sha256").join(hex)).unwrap();
            assert_eq!(layer::sha256_of(&blob), built.layer.digest);
            let mut unpacked = Vec::new();
            flate2::read::GzDecoder::new(&blob[..])
                .read_to_end(&mut unpacked)
                .unwrap();
            assert_eq!(unpacked, tar, "{engine:?}: byte for byte");
            assert_eq!(
                built.annotations[annotations::CRIO_CHECKPOINT_NAME],
                "web",
                "{engine:?}"
            );
            assert_eq!(names(dir.path()), ["checkpoint.tar", "image"]);
        }
    }

    #[test]
    fn pod_and_kubelet_archives_are_refused_and_leave_nothing() {
        let pod = ArchiveFixture::Pod {
            name: "shop".to_string(),
            namespace: "default".to_string(),
            uid: "uid-shop".to_string(),
            pod_dump: false,
            options_shape: PodOptionsShape::Map,
            containers: vec![
                ContainerFixture::new(FixtureEngine::CriO, "web"),
                ContainerFixture::new(FixtureEngine::CriO, "db"),
            ],
        };
        let kubelet = ArchiveFixture::Kubelet {
            pods: vec![(
                "shop".to_string(),
                "default".to_string(),
                FixtureEngine::CriO,
                pod.clone(),
            )],
        };
        for (fixture, kind) in [(pod, "pod"), (kubelet, "kubelet")] {
            let dir = tempfile::tempdir().unwrap();
            let input = write_archive(dir.path(), fixture, Compression::None);
            for out in ["image", "image.tar"] {
                let err = build(
                    Source::Path(&input),
                    "checkpoint.tar",
                    &dir.path().join(out),
                    &BuildOptions::default(),
                )
                .unwrap_err();
                let text = err.to_string();
                assert!(
                    text.starts_with(&format!("this is a {kind} archive of ")),
                    "{text}"
                );
                assert!(text.ends_with("one container's checkpoint"), "{text}");
                assert_eq!(names(dir.path()), ["checkpoint.tar"]);
            }
        }
    }

    #[test]
    fn an_invalid_tag_is_refused_before_anything_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let options = BuildOptions {
            tag: Some("no spaces".to_string()),
            ..BuildOptions::default()
        };
        let missing = dir.path().join("missing.tar");
        let err = build(Source::Path(&missing), "m", &dir.path().join("o"), &options).unwrap_err();
        assert!(matches!(err, Error::Write(_)), "{err}");
        assert!(names(dir.path()).is_empty());
    }
}
