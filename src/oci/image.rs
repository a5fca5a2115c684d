//! The JSON documents of the image: config, manifest and index.
//!
//! They are built with `oci_spec`'s image types and written in a canonical
//! form (keys sorted, no spaces), because a blob's name is the digest of
//! its exact bytes: `oci_spec` keeps annotations in `HashMap`s, whose order
//! changes from run to run, and would otherwise give a new manifest digest
//! for the same image each time.

use std::collections::{BTreeMap, HashMap};

use oci_spec::image::{
    Arch, Descriptor, DescriptorBuilder, HistoryBuilder, ImageConfigurationBuilder,
    ImageIndexBuilder, ImageManifestBuilder, MediaType, Os, PlatformBuilder, RootFsBuilder,
    SCHEMA_VERSION,
};
use serde::Serialize;

use crate::oci::annotations::REF_NAME;
use crate::oci::layer::{Layer, sha256_of};

/// The content of the `oci-layout` file.
pub const OCI_LAYOUT: &[u8] = br#"{"imageLayoutVersion":"1.0.0"}"#;

/// A blob: its bytes, its digest and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    /// The exact bytes.
    pub bytes: Vec<u8>,
    /// `sha256:<hex>` of the bytes.
    pub digest: String,
}

impl Blob {
    fn of(bytes: Vec<u8>) -> Blob {
        let digest = sha256_of(&bytes);
        Blob { bytes, digest }
    }

    /// Size in bytes.
    pub fn size(&self) -> u64 {
        self.bytes.len() as u64
    }
}

/// The three documents, ready to write.
#[derive(Debug, Clone)]
pub struct Documents {
    /// The image config blob.
    pub config: Blob,
    /// The image manifest blob.
    pub manifest: Blob,
    /// `index.json` (not a blob).
    pub index: Vec<u8>,
}

/// What the documents say besides the layer.
#[derive(Debug, Clone)]
pub struct Describe<'a> {
    /// Go's architecture name.
    pub architecture: &'a str,
    /// RFC 3339 time for `created`, when the checkpoint time is known.
    pub created: Option<&'a str>,
    /// Annotations of the manifest, of the index's descriptor of it and of
    /// the index.
    pub annotations: &'a BTreeMap<String, String>,
    /// The image's name in the layout, on the index's descriptor.
    pub tag: Option<&'a str>,
    /// The history entry's comment (there is an entry only with `created`).
    pub comment: String,
}

/// Build the config, manifest and index of a one-layer image.
pub fn documents(layer: &Layer, describe: &Describe<'_>) -> Documents {
    let arch = Arch::from(describe.architecture);
    let mut config = ImageConfigurationBuilder::default()
        .architecture(arch.clone())
        .os(Os::Linux)
        .rootfs(
            RootFsBuilder::default()
                .typ("layers")
                .diff_ids(vec![layer.diff_id.clone()])
                .build()
                .expect("a rootfs has no required field left unset"),
        );
    // The history entry goes in only with its time: umoci 0.4.7 (`stat`)
    // crashes on an entry without one, though the spec allows it.
    if let Some(created) = describe.created {
        let history = HistoryBuilder::default()
            .created(created.to_string())
            .created_by(format!("ckpt build {}", env!("CARGO_PKG_VERSION")))
            .comment(describe.comment.clone())
            .build()
            .expect("history has no required field");
        config = config.created(created.to_string()).history(vec![history]);
    }
    let config = config
        .build()
        .expect("the config's required fields are set");
    let config = Blob::of(canonical(&config));

    // Left out when empty rather than written as `{}`.
    let annotations: Option<HashMap<String, String>> = (!describe.annotations.is_empty())
        .then(|| describe.annotations.clone().into_iter().collect());
    let mut manifest = ImageManifestBuilder::default()
        .schema_version(SCHEMA_VERSION)
        .media_type(MediaType::ImageManifest)
        .config(descriptor(MediaType::ImageConfig, &config))
        .layers(vec![
            DescriptorBuilder::default()
                .media_type(layer.compression.media_type())
                .digest(digest(&layer.digest))
                .size(layer.size)
                .build()
                .expect("the layer descriptor's required fields are set"),
        ])
        .build()
        .expect("the manifest's required fields are set");
    manifest.set_annotations(annotations.clone());
    let manifest = Blob::of(canonical(&manifest));

    let mut pointer = annotations.clone();
    if let Some(tag) = describe.tag {
        pointer
            .get_or_insert_default()
            .insert(REF_NAME.to_string(), tag.to_string());
    }
    let mut manifest_descriptor = descriptor(MediaType::ImageManifest, &manifest);
    manifest_descriptor.set_platform(Some(
        PlatformBuilder::default()
            .architecture(arch)
            .os(Os::Linux)
            .build()
            .expect("the platform's required fields are set"),
    ));
    manifest_descriptor.set_annotations(pointer);
    let mut index = ImageIndexBuilder::default()
        .schema_version(SCHEMA_VERSION)
        .media_type(MediaType::ImageIndex)
        .manifests(vec![manifest_descriptor])
        .build()
        .expect("the index's required fields are set");
    index.set_annotations(annotations);

    Documents {
        config,
        manifest,
        index: canonical(&index),
    }
}

fn descriptor(media_type: MediaType, blob: &Blob) -> Descriptor {
    Descriptor::new(media_type, blob.size(), digest(&blob.digest))
}

fn digest(name: &str) -> oci_spec::image::Digest {
    name.parse().expect("a sha256 name made here parses")
}

/// `value` as compact JSON with every object's keys sorted.
fn canonical(value: &impl Serialize) -> Vec<u8> {
    let mut tree = serde_json::to_value(value).expect("an OCI document serializes");
    // A no-op unless some crate turns on serde_json's `preserve_order`.
    tree.sort_all_objects();
    serde_json::to_vec(&tree).expect("a JSON value serializes")
}

/// Whether `name` may be an image's name in an OCI layout
/// (`org.opencontainers.image.ref.name`): components of letters and digits
/// joined by `-`, `.`, `_`, `:`, `@`, `+` or `--`, separated by `/`, as the
/// image layout specification's grammar has it.
pub fn check_ref_name(name: &str) -> Result<(), String> {
    let component_ok = |component: &str| {
        let bytes = component.as_bytes();
        let alnum = |b: u8| b.is_ascii_alphanumeric();
        let separator = |b: u8| matches!(b, b'-' | b'.' | b'_' | b':' | b'@' | b'+');
        if bytes.is_empty() || !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
            return false;
        }
        let mut i = 0;
        while i < bytes.len() {
            if alnum(bytes[i]) {
                i += 1;
            } else if bytes[i..].starts_with(b"--") && i + 2 < bytes.len() && alnum(bytes[i + 2]) {
                i += 2;
            } else if separator(bytes[i]) && i + 1 < bytes.len() && alnum(bytes[i + 1]) {
                i += 1;
            } else {
                return false;
            }
        }
        true
    };
    if name.is_empty() {
        return Err("an image name cannot be empty".to_string());
    }
    if name.len() > 255 || !name.split('/').all(component_ok) {
        return Err(format!(
            "`{name}` is not an image name of an OCI layout: letters and digits, joined \
             by one of `-._:@+` or `--`, in parts separated by `/`"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::oci::layer::LayerCompression;

    fn layer() -> Layer {
        Layer {
            digest: format!("sha256:{}", "a".repeat(64)),
            size: 1234,
            diff_id: format!("sha256:{}", "b".repeat(64)),
            tar_size: 5120,
            compression: LayerCompression::Zstd,
        }
    }

    fn annotations() -> BTreeMap<String, String> {
        [("z.last", "1"), ("a.first", "2"), ("m.middle", "3")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn describe<'a>(annotations: &'a BTreeMap<String, String>) -> Describe<'a> {
        Describe {
            architecture: "arm64",
            created: Some("2026-12-03T18:45:49Z"),
            annotations,
            tag: Some("web:checkpoint"),
            comment: "checkpoint of container web".to_string(),
        }
    }

    #[test]
    fn every_field_of_the_three_documents() {
        let annotations = annotations();
        let docs = documents(&layer(), &describe(&annotations));
        let config: Value = serde_json::from_slice(&docs.config.bytes).unwrap();
        let version = env!("CARGO_PKG_VERSION");
        assert_eq!(
            config,
            json!({
                "created": "2026-12-03T18:45:49Z",
                "architecture": "arm64",
                "os": "linux",
                "rootfs": {"type": "layers", "diff_ids": [layer().diff_id]},
                "history": [{
                    "created": "2026-12-03T18:45:49Z",
                    "created_by": format!("ckpt build {version}"),
                    "comment": "checkpoint of container web",
                }],
            })
        );
        assert_eq!(docs.config.digest, sha256_of(&docs.config.bytes));

        let manifest: Value = serde_json::from_slice(&docs.manifest.bytes).unwrap();
        let notes = json!({"a.first": "2", "m.middle": "3", "z.last": "1"});
        assert_eq!(
            manifest,
            json!({
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {
                    "mediaType": "application/vnd.oci.image.config.v1+json",
                    "digest": docs.config.digest,
                    "size": docs.config.size(),
                },
                "layers": [{
                    "mediaType": "application/vnd.oci.image.layer.v1.tar+zstd",
                    "digest": layer().digest,
                    "size": 1234,
                }],
                "annotations": notes,
            })
        );

        let index: Value = serde_json::from_slice(&docs.index).unwrap();
        assert_eq!(
            index,
            json!({
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "manifests": [{
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": docs.manifest.digest,
                    "size": docs.manifest.size(),
                    "platform": {"architecture": "arm64", "os": "linux"},
                    "annotations": {
                        "a.first": "2", "m.middle": "3", "z.last": "1",
                        "org.opencontainers.image.ref.name": "web:checkpoint",
                    },
                }],
                "annotations": notes,
            })
        );
    }

    #[test]
    fn documents_are_canonical_and_the_same_each_time() {
        let annotations = annotations();
        let first = documents(&layer(), &describe(&annotations));
        for _ in 0..5 {
            let again = documents(&layer(), &describe(&annotations));
            assert_eq!(again.manifest, first.manifest);
            assert_eq!(again.index, first.index);
        }
        let text = String::from_utf8(first.manifest.bytes).unwrap();
        assert!(!text.contains(' ') && !text.contains('\n'), "{text}");
        let a = text.find("a.first").unwrap();
        assert!(a < text.find("m.middle").unwrap());
        assert!(text.find("m.middle").unwrap() < text.find("z.last").unwrap());
    }

    #[test]
    fn without_time_and_tag_those_fields_are_left_out() {
        let annotations = BTreeMap::new();
        let mut bare = describe(&annotations);
        bare.created = None;
        bare.tag = None;
        let docs = documents(&layer(), &bare);
        let config: Value = serde_json::from_slice(&docs.config.bytes).unwrap();
        assert!(config.get("created").is_none());
        assert!(
            config.get("history").is_none(),
            "no history entry without a time"
        );
        let index: Value = serde_json::from_slice(&docs.index).unwrap();
        assert!(index["manifests"][0].get("annotations").is_none());
        assert!(index.get("annotations").is_none());
        let manifest: Value = serde_json::from_slice(&docs.manifest.bytes).unwrap();
        assert!(manifest.get("annotations").is_none());
    }

    #[test]
    fn reference_names_follow_the_layout_grammar() {
        for good in [
            "web",
            "web:checkpoint",
            "a/b-c_d.e",
            "x--y",
            "v1.2+b",
            "a@b",
            "A9",
        ] {
            assert_eq!(check_ref_name(good), Ok(()), "{good}");
        }
        for bad in ["", "-web", "web-", "a//b", "a b", "a::b", "é", "a/", "web:"] {
            assert!(check_ref_name(bad).is_err(), "{bad}");
        }
    }
}
