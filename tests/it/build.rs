//! `ckpt build`: the image of a checkpoint archive, checked field by field
//! here, and by skopeo and umoci when they are installed.
//!
//! Every image built is read back in full: `oci-layout`, `index.json`, and
//! each blob, whose name must be the SHA-256 of its bytes and whose size
//! and digest must be those its descriptor gives. The layer, decompressed,
//! must be the archive's tar stream byte for byte (so its members, their
//! headers and data are the archive's), and the annotations must be
//! exactly what `ckpt show --format json` and the archive's own members
//! say.

use std::collections::BTreeMap;
use std::fs;
use std::io::{Cursor, Read};
use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::util::{ckpt, ckpt_in, ckpt_stdin, fixtures, json as show_json, names_in, tar_stream};

/// Every container archive among the fixtures.
const CONTAINERS: &[&str] = &[
    "real/rich.zstd.tar.zst",
    "real/minimal.none.tar",
    "real/minimal.gzip.tar.gz",
    "real/minimal.zstd.tar.zst",
    "real/containerd-cri.none.tar",
    "synthetic/podman-container.tar.zst",
    "synthetic/crio-container.tar",
    "synthetic/crio-container.tar.gz",
    "synthetic/containerd-container.tar.gz",
];

const COMPRESSIONS: [&str; 3] = ["gzip", "zstd", "none"];

fn sha256(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Each member of a tar stream: name, type, size from its header, and the
/// SHA-256 of its data.
fn members(tar: &[u8]) -> Vec<(String, u8, u64, String)> {
    let mut archive = tar::Archive::new(Cursor::new(tar));
    archive
        .entries()
        .unwrap()
        .map(|entry| {
            let mut entry = entry.unwrap();
            let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let kind = entry.header().entry_type().as_byte();
            let size = entry.header().entry_size().unwrap();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            assert_eq!(data.len() as u64, size, "{name}");
            (name, kind, size, sha256(&data))
        })
        .collect()
}

/// The files of an image layout, by path inside the layout, from a folder
/// or a tar file.
fn layout_files(out: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    if out.extension().is_some_and(|e| e == "tar") {
        let bytes = fs::read(out).unwrap();
        let mut archive = tar::Archive::new(Cursor::new(&bytes));
        let mut dirs = Vec::new();
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let header = entry.header().clone();
            let name = String::from_utf8(entry.path_bytes().into_owned()).unwrap();
            assert_eq!(header.uid().unwrap(), 0, "{name}");
            assert_eq!(header.gid().unwrap(), 0, "{name}");
            if header.entry_type().is_dir() {
                assert_eq!(header.mode().unwrap(), 0o755, "{name}");
                dirs.push(name);
                continue;
            }
            assert!(header.entry_type().is_file(), "{name}");
            assert_eq!(header.mode().unwrap(), 0o644, "{name}");
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            assert_eq!(data.len() as u64, header.entry_size().unwrap(), "{name}");
            assert!(files.insert(name, data).is_none(), "a member stored twice");
        }
        assert_eq!(dirs, ["blobs/", "blobs/sha256/"]);
        assert!(
            bytes[bytes.len() - 1024..].iter().all(|&b| b == 0),
            "the end-of-archive blocks"
        );
    } else {
        assert_eq!(names_in(out), ["blobs", "index.json", "oci-layout"]);
        assert_eq!(names_in(&out.join("blobs")), ["sha256"]);
        for name in ["index.json", "oci-layout"] {
            files.insert(name.to_string(), fs::read(out.join(name)).unwrap());
        }
        for name in names_in(&out.join("blobs/sha256")) {
            let bytes = fs::read(out.join("blobs/sha256").join(&name)).unwrap();
            files.insert(format!("blobs/sha256/{name}"), bytes);
        }
    }
    files
}

/// What an image must hold.
struct Expect<'a> {
    /// The archive, relative to `fixtures/`.
    archive: &'a str,
    compression: &'a str,
    annotations: BTreeMap<String, String>,
    tag: Option<&'a str>,
    architecture: &'a str,
    /// The config's `created`.
    created: Option<String>,
}

/// The blob a descriptor points at, after checking its size and digest.
fn blob<'f>(files: &'f BTreeMap<String, Vec<u8>>, descriptor: &Value) -> &'f [u8] {
    let digest = descriptor["digest"].as_str().unwrap();
    let hex = digest.strip_prefix("sha256:").unwrap();
    let bytes = files
        .get(&format!("blobs/sha256/{hex}"))
        .unwrap_or_else(|| panic!("no blob {digest}"));
    assert_eq!(sha256(bytes), digest);
    assert_eq!(descriptor["size"].as_u64().unwrap(), bytes.len() as u64);
    bytes
}

/// Check every field of the image at `out`; returns the manifest's digest
/// and the layer's.
fn validate(out: &Path, expect: &Expect<'_>) -> (String, String) {
    let files = layout_files(out);
    assert_eq!(files["oci-layout"], br#"{"imageLayoutVersion":"1.0.0"}"#);
    for (name, bytes) in &files {
        if let Some(hex) = name.strip_prefix("blobs/sha256/") {
            assert_eq!(
                sha256(bytes),
                format!("sha256:{hex}"),
                "blob named by its hash"
            );
        }
    }
    let blobs = files.keys().filter(|k| k.starts_with("blobs/")).count();
    assert_eq!(blobs, 3, "manifest, config, layer: {:?}", files.keys());
    assert_eq!(files.len(), 5);

    let notes = serde_json::to_value(&expect.annotations).unwrap();
    let mut pointer = expect.annotations.clone();
    if let Some(tag) = expect.tag {
        pointer.insert(
            "org.opencontainers.image.ref.name".to_string(),
            tag.to_string(),
        );
    }
    let index: Value = serde_json::from_slice(&files["index.json"]).unwrap();
    let manifests = index["manifests"].as_array().unwrap();
    assert_eq!(manifests.len(), 1);
    let descriptor = &manifests[0];
    assert_eq!(
        index,
        json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [{
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": descriptor["digest"],
                "size": descriptor["size"],
                "platform": {"architecture": expect.architecture, "os": "linux"},
                "annotations": pointer,
            }],
            "annotations": notes,
        })
    );

    let manifest: Value = serde_json::from_slice(blob(&files, descriptor)).unwrap();
    let layer_type = match expect.compression {
        "gzip" => "application/vnd.oci.image.layer.v1.tar+gzip",
        "zstd" => "application/vnd.oci.image.layer.v1.tar+zstd",
        _ => "application/vnd.oci.image.layer.v1.tar",
    };
    assert_eq!(
        manifest,
        json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": manifest["config"]["digest"],
                "size": manifest["config"]["size"],
            },
            "layers": [{
                "mediaType": layer_type,
                "digest": manifest["layers"][0]["digest"],
                "size": manifest["layers"][0]["size"],
            }],
            "annotations": notes,
        })
    );

    let layer = blob(&files, &manifest["layers"][0]);
    let mut tar = Vec::new();
    match expect.compression {
        "gzip" => {
            flate2::read::GzDecoder::new(layer)
                .read_to_end(&mut tar)
                .unwrap();
        }
        "zstd" => {
            zstd::stream::read::Decoder::new(layer)
                .unwrap()
                .read_to_end(&mut tar)
                .unwrap();
        }
        _ => tar = layer.to_vec(),
    }
    let archive = tar_stream(&fixtures().join(expect.archive));
    assert_eq!(members(&tar), members(&archive), "{}", expect.archive);
    assert!(
        tar == archive,
        "{}: the layer is the tar stream",
        expect.archive
    );

    let config: Value = serde_json::from_slice(blob(&files, &manifest["config"])).unwrap();
    let mut expected_config = json!({
        "architecture": expect.architecture,
        "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [sha256(&tar)]},
    });
    if let Some(created) = &expect.created {
        expected_config["created"] = json!(created);
        expected_config["history"] = json!([{
            "created": created,
            "created_by": format!("ckpt build {}", env!("CARGO_PKG_VERSION")),
            "comment": config["history"][0]["comment"],
        }]);
        let comment = config["history"][0]["comment"].as_str().unwrap();
        assert!(comment.starts_with("checkpoint of "), "{comment}");
    }
    assert_eq!(config, expected_config);
    (
        descriptor["digest"].as_str().unwrap().to_string(),
        manifest["layers"][0]["digest"]
            .as_str()
            .unwrap()
            .to_string(),
    )
}

/// The annotations an image of `archive` must carry: from `show`'s JSON,
/// from its `config.dump` read here, and from CRIU's log where it has one.
fn expected_annotations(archive: &str) -> (BTreeMap<String, String>, Option<String>) {
    let show = ckpt(&["show", "--format", "json", archive]);
    assert_eq!(show.code, 0, "{}", show.stderr);
    let report = show_json(&show).remove(0);
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();

    let tar = tar_stream(&fixtures().join(archive));
    let mut config = Value::Null;
    let mut log = String::new();
    let mut tar_archive = tar::Archive::new(Cursor::new(&tar));
    for entry in tar_archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        match name.trim_start_matches("./") {
            "config.dump" => config = serde_json::from_slice(&data).unwrap(),
            "dump.log" => log = String::from_utf8_lossy(&data).into_owned(),
            _ => {}
        }
    }

    let mut notes = BTreeMap::new();
    let mut put = |key: &str, value: String| {
        if !value.is_empty() {
            notes.insert(key.to_string(), value);
        }
    };
    let name = text(&report["container_name"]);
    put(
        "io.kubernetes.cri-o.annotations.checkpoint.name",
        name.clone(),
    );
    let criu = |key: &str| format!("org.criu.checkpoint.{key}");
    put(&criu("container.name"), name);
    put(&criu("engine.name"), text(&report["engine"]));
    put(&criu("pod.name"), text(&report["metadata"]["pod_name"]));
    put(
        &criu("pod.namespace"),
        text(&report["metadata"]["kubernetes_namespace"]),
    );
    put(&criu("runtime.name"), text(&report["runtime"]));
    put(&criu("rootfsImageName"), text(&config["rootfsImageName"]));
    put(
        &criu("rootfsImageUserRequested"),
        text(&config["rootfsImage"]),
    );
    put(&criu("rawImageName"), text(&config["RawImageName"]));
    let image_id = match config.get("rootfsImageID") {
        Some(id) => text(id),
        None => text(&config["rootfsImageRef"]),
    };
    put(&criu("rootfsImageID"), image_id);
    let spec = &report["metadata"]["annotations"];
    match text(&report["engine"]).as_str() {
        "CRI-O" => {
            put(
                &criu("pod.id"),
                text(&spec["io.kubernetes.cri-o.SandboxID"]),
            );
            put(&criu("pod.uid"), text(&spec["io.kubernetes.pod.uid"]));
        }
        "containerd" => {
            put(&criu("pod.id"), text(&spec["io.kubernetes.cri.sandbox-id"]));
            put(
                &criu("pod.uid"),
                text(&spec["io.kubernetes.cri.sandbox-uid"]),
            );
        }
        _ => put(&criu("pod.id"), text(&config["pod"])),
    }
    if !log.is_empty() {
        // The one real log among the fixtures, containerd's.
        assert!(log.contains(") Version: 4.2.1 (gitid 0)\n"));
        assert!(log.contains(") Running on vm Linux 6.18.44-fc-v1252 #1 "));
        put(&criu("criu.version"), "4.2.1".to_string());
        put(&criu("host.kernel"), "6.18.44-fc-v1252".to_string());
    }
    let created = report["checkpointed"].as_str().map(str::to_string);
    (notes, created)
}

/// Go's name for the machine type of the archive's first core image, read
/// here by hand: the image's two magic words, the entry's size, then
/// field 1 (`mtype`) as a one-byte varint.
fn core_machine(archive: &str) -> Option<&'static str> {
    let tar = tar_stream(&fixtures().join(archive));
    let mut tar_archive = tar::Archive::new(Cursor::new(&tar));
    for entry in tar_archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        if name.starts_with("checkpoint/core-") && name.ends_with(".img") {
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            assert_eq!(data[12], 0x08, "{archive}: {name}: field 1, varint");
            return Some(match data[13] {
                1 => "amd64",
                3 => "arm64",
                other => panic!("{archive}: machine type {other}"),
            });
        }
    }
    None
}

/// The architecture ckpt writes when the archive does not tell.
fn build_machine_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

/// Build `archive` into `out` with `args`, and check the run.
fn build(archive: &str, out: &Path, args: &[&str]) -> crate::util::Run {
    let out = out.to_str().unwrap();
    let mut all = vec!["build", archive, "--output", out];
    all.extend_from_slice(args);
    ckpt(&all)
}

#[test]
fn every_container_fixture_in_each_compression_and_form() {
    let dir = tempfile::tempdir().unwrap();
    for archive in CONTAINERS {
        let (mut annotations, created) = expected_annotations(archive);
        let from_archive = core_machine(archive);
        let architecture = from_archive.unwrap_or(build_machine_arch());
        if let Some(arch) = from_archive {
            annotations.insert(
                "org.criu.checkpoint.host.arch".to_string(),
                arch.to_string(),
            );
        }
        let mut layers = BTreeMap::new();
        for compression in COMPRESSIONS {
            let mut manifests = Vec::new();
            for form in ["image", "image.tar"] {
                let out = dir.path().join(form);
                let tag = "checkpoint-1.0";
                let run = build(archive, &out, &["--compress", compression, "--tag", tag]);
                assert_eq!(
                    run.code, 0,
                    "{archive} {compression} {form}: {}",
                    run.stderr
                );
                let warned: Vec<&str> = run.stderr_lines();
                if from_archive.is_some() {
                    assert!(warned.is_empty(), "{archive}: {}", run.stderr);
                } else {
                    assert_eq!(warned.len(), 1, "{archive}: {}", run.stderr);
                    assert!(warned[0].contains("does not tell the checkpointed machine"));
                }
                let expect = Expect {
                    archive,
                    compression,
                    annotations: annotations.clone(),
                    tag: Some(tag),
                    architecture,
                    created: created.clone(),
                };
                let (manifest, layer) = validate(&out, &expect);
                manifests.push(manifest.clone());
                layers.insert(compression, layer.clone());

                let summary: Vec<&str> = run.stdout.lines().collect();
                let name = &annotations["org.criu.checkpoint.container.name"];
                let engine = &annotations["org.criu.checkpoint.engine.name"];
                assert_eq!(
                    summary[0],
                    format!("Built an OCI image of {engine} container {name} from {archive}")
                );
                assert!(
                    summary
                        .iter()
                        .any(|l| l.starts_with("Manifest: ") && l.contains(&manifest))
                );
                assert!(summary.iter().any(|l| *l == format!("Tag:      {tag}")));
                assert!(
                    summary
                        .iter()
                        .any(|l| l.starts_with("Layer:    ") && l.contains(&layer)),
                    "{}",
                    run.stdout
                );
                let listed: Vec<&str> = summary
                    .iter()
                    .skip_while(|l| **l != "Annotations:")
                    .skip(1)
                    .copied()
                    .collect();
                let expected: Vec<String> = annotations
                    .iter()
                    .map(|(k, v)| format!("  {k}: {v}"))
                    .collect();
                assert_eq!(listed, expected);

                if form == "image" {
                    fs::remove_dir_all(&out).unwrap();
                } else {
                    fs::remove_file(&out).unwrap();
                }
                assert!(names_in(dir.path()).is_empty(), "nothing else written");
            }
            assert_eq!(manifests[0], manifests[1], "both forms hold the same image");
        }
        let none = layers["none"].clone();
        assert_eq!(none, sha256(&tar_stream(&fixtures().join(archive))));
    }
}

#[test]
fn the_image_is_the_same_from_a_file_and_from_standard_input_and_each_time() {
    let dir = tempfile::tempdir().unwrap();
    let archive = "real/minimal.gzip.tar.gz";
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    assert_eq!(build(archive, &a, &[]).code, 0);
    let bytes = fs::read(fixtures().join(archive)).unwrap();
    let piped = ckpt_stdin(&["build", "-", "--output", b.to_str().unwrap()], &bytes);
    assert_eq!(piped.code, 0, "{}", piped.stderr);
    assert!(
        piped
            .stdout
            .starts_with("Built an OCI image of Podman container minimal from -\n")
    );
    assert_eq!(layout_files(&a), layout_files(&b), "byte for byte");
    let (annotations, created) = expected_annotations(archive);
    let expect = Expect {
        archive,
        compression: "gzip",
        annotations: {
            let mut a = annotations;
            a.insert(
                "org.criu.checkpoint.host.arch".to_string(),
                "amd64".to_string(),
            );
            a
        },
        tag: None,
        architecture: "amd64",
        created,
    };
    validate(&a, &expect);
}

#[test]
fn rich_archive_annotations_are_exactly_these() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rich");
    let run = build("real/rich.zstd.tar.zst", &out, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let index: Value = serde_json::from_slice(&fs::read(out.join("index.json")).unwrap()).unwrap();
    assert_eq!(
        index["annotations"],
        json!({
            "io.kubernetes.cri-o.annotations.checkpoint.name": "rich",
            "org.criu.checkpoint.container.name": "rich",
            "org.criu.checkpoint.engine.name": "Podman",
            "org.criu.checkpoint.host.arch": "amd64",
            "org.criu.checkpoint.rawImageName": "localhost/base:latest",
            "org.criu.checkpoint.rootfsImageID":
                "4fc3e2412744d3585a148267a064c6bd2f376f7ca0f4afbd9fadf750c0871a91",
            "org.criu.checkpoint.rootfsImageName": "localhost/base:latest",
            "org.criu.checkpoint.runtime.name": "crun",
        })
    );
    let out = dir.path().join("web.tar");
    let run = build("real/containerd-cri.none.tar", &out, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let files = layout_files(&out);
    let index: Value = serde_json::from_slice(&files["index.json"]).unwrap();
    assert_eq!(
        index["annotations"],
        json!({
            "io.kubernetes.cri-o.annotations.checkpoint.name": "web",
            "org.criu.checkpoint.container.name": "web",
            "org.criu.checkpoint.criu.version": "4.2.1",
            "org.criu.checkpoint.engine.name": "containerd",
            "org.criu.checkpoint.host.arch": "amd64",
            "org.criu.checkpoint.host.kernel": "6.18.44-fc-v1252",
            "org.criu.checkpoint.pod.id":
                "55a8452d71edbdcfdde8593666f0277cdedd62ca7488689f6223061c45e5d2a9",
            "org.criu.checkpoint.pod.name": "cri-web",
            "org.criu.checkpoint.pod.namespace": "default",
            "org.criu.checkpoint.pod.uid": "cri-web-uid-0001",
            "org.criu.checkpoint.rootfsImageID":
                "sha256:4fc3e2412744d3585a148267a064c6bd2f376f7ca0f4afbd9fadf750c0871a91",
            "org.criu.checkpoint.rootfsImageName": "docker.io/library/cpbase:latest",
            "org.criu.checkpoint.rootfsImageUserRequested": "docker.io/library/cpbase:latest",
            "org.criu.checkpoint.runtime.name": "io.containerd.runc.v2",
        })
    );
}

#[test]
fn json_summary_names_what_the_layout_holds() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("web.tar");
    let run = build(
        "real/containerd-cri.none.tar",
        &out,
        &["--compress", "zstd", "--tag", "web:1", "--format", "json"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let summary: Value = serde_json::from_str(&run.stdout).expect("one JSON object");
    let files = layout_files(&out);
    let index: Value = serde_json::from_slice(&files["index.json"]).unwrap();
    let manifest_descriptor = &index["manifests"][0];
    let manifest: Value = serde_json::from_slice(blob(&files, manifest_descriptor)).unwrap();
    let layer_descriptor = &manifest["layers"][0];
    let config: Value = serde_json::from_slice(blob(&files, &manifest["config"])).unwrap();
    let tar = tar_stream(&crate::util::real_dir().join("containerd-cri.none.tar"));
    assert_eq!(
        summary,
        json!({
            "archive": "real/containerd-cri.none.tar",
            "container_name": "web",
            "engine": "containerd",
            "output": out.to_str().unwrap(),
            "layout": "tar",
            "manifest": {
                "digest": manifest_descriptor["digest"],
                "size": manifest_descriptor["size"],
            },
            "config": {
                "digest": manifest["config"]["digest"],
                "size": manifest["config"]["size"],
            },
            "layer": {
                "digest": layer_descriptor["digest"],
                "size": layer_descriptor["size"],
                "compression": "zstd",
                "diff_id": config["rootfs"]["diff_ids"][0],
                "tar_size": tar.len(),
            },
            "os": "linux",
            "architecture": "amd64",
            "architecture_from": summary["architecture_from"],
            "created": config["created"],
            "tag": "web:1",
            "annotations": index["annotations"],
        })
    );
    assert_eq!(config["rootfs"]["diff_ids"][0], sha256(&tar));
    assert_eq!(
        manifest_descriptor["annotations"]["org.opencontainers.image.ref.name"],
        "web:1"
    );
    let from = summary["architecture_from"]
        .as_str()
        .expect("from the archive");
    assert!(
        !from.contains('`') && from.starts_with("checkpoint/core-"),
        "{from}"
    );
}

#[test]
fn without_a_usable_core_image_the_build_machine_architecture_is_used_and_said() {
    use ckpt::archive::compression::Compression;
    use ckpt::fixture::{ArchiveFixture, ContainerFixture, FixtureEngine};

    // The generated container's CRIU images are empty: no machine type.
    let container = ContainerFixture::new(FixtureEngine::CriO, "nginx");
    let bytes = ArchiveFixture::Container(Box::new(container)).to_bytes(Compression::Gzip);
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("nginx.tar.gz"), &bytes).unwrap();
    let run = ckpt_in(
        Some(dir.path()),
        &["build", "nginx.tar.gz", "--output", "img.tar"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let arch = build_machine_arch();
    assert_eq!(
        run.stderr_lines(),
        [
            "ckpt: warning: nginx.tar.gz: member `checkpoint/core-1.img`: holds no entry; its \
             machine type is not used; the later core images are tried"
                .to_string(),
            format!(
                "ckpt: warning: nginx.tar.gz: the archive does not tell the checkpointed \
                 machine's architecture (no CRIU core image or log says it); the image says \
                 {arch}, the machine ckpt was built for"
            ),
        ]
    );
    assert!(
        run.stdout
            .contains(&format!("Platform: linux/{arch} (the build machine's)\n"))
    );
    let files = layout_files(&dir.path().join("img.tar"));
    let index: Value = serde_json::from_slice(&files["index.json"]).unwrap();
    assert_eq!(index["manifests"][0]["platform"]["architecture"], arch);
    let annotations = index["annotations"].as_object().unwrap();
    assert!(
        !annotations.contains_key("org.criu.checkpoint.host.arch"),
        "not the archive's: not written"
    );
    assert_eq!(
        annotations["io.kubernetes.cri-o.annotations.checkpoint.name"],
        "nginx"
    );
}

// ---------------------------------------------------------------------------
// Errors: one line naming the file, exit code 1, nothing left behind.

/// Run `build` on `bytes` written as `input.tar` in a fresh folder, into
/// `out` in that folder; check that it failed with `message` and that the
/// folder holds only the input afterwards.
fn fails_leaving_nothing(bytes: &[u8], out: &str, message: &str) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("input.tar"), bytes).unwrap();
    let run = ckpt_in(Some(dir.path()), &["build", "input.tar", "--output", out]);
    assert_eq!(run.code, 1, "{out}: {}", run.stdout);
    assert_eq!(
        run.stderr,
        format!("ckpt: error: input.tar: {message}\n"),
        "{out}"
    );
    assert_eq!(run.stdout, "");
    assert_eq!(
        names_in(dir.path()),
        ["input.tar"],
        "{out}: nothing left behind"
    );
}

#[test]
fn a_tar_that_is_no_checkpoint_is_refused() {
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(5);
    header.set_cksum();
    builder
        .append_data(&mut header, "notes.txt", &b"hello"[..])
        .unwrap();
    let bytes = builder.into_inner().unwrap();
    for out in ["image", "image.tar"] {
        fails_leaving_nothing(
            &bytes,
            out,
            "not a checkpoint archive: its root has none of `config.dump`, `pod.dump`, \
             `pod.options`, `checkpointed.pods`, or a mix of them no engine writes",
        );
    }
}

#[test]
fn pod_and_kubelet_archives_are_refused() {
    for (archive, what) in [
        ("synthetic/crio-pod.tar", "pod archive of 2 containers"),
        (
            "synthetic/containerd-pod.tar.zst",
            "pod archive of 2 containers",
        ),
        ("synthetic/kubelet.tar.gz", "kubelet archive of"),
    ] {
        let bytes = fs::read(fixtures().join(archive)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("input.tar"), &bytes).unwrap();
        let run = ckpt_in(Some(dir.path()), &["build", "input.tar", "--output", "img"]);
        assert_eq!(run.code, 1);
        let line = run.stderr.strip_suffix('\n').unwrap();
        assert!(!line.contains('\n'), "one line: {line}");
        assert!(
            line.starts_with(&format!("ckpt: error: input.tar: this is a {what}")),
            "{line}"
        );
        assert!(line.ends_with("`ckpt build` makes the image of one container's checkpoint"));
        assert_eq!(names_in(dir.path()), ["input.tar"]);
    }
}

#[test]
fn truncated_compressed_input_leaves_no_output() {
    for archive in ["real/rich.zstd.tar.zst", "real/minimal.gzip.tar.gz"] {
        let bytes = fs::read(fixtures().join(archive)).unwrap();
        let cut = &bytes[..bytes.len() / 2];
        for out in ["image", "image.tar"] {
            let dir = tempfile::tempdir().unwrap();
            fs::write(dir.path().join("input.tar"), cut).unwrap();
            let run = ckpt_in(Some(dir.path()), &["build", "input.tar", "--output", out]);
            assert_eq!(run.code, 1, "{archive}");
            let line = run.stderr.strip_suffix('\n').unwrap();
            assert!(
                line.starts_with("ckpt: error: input.tar: archive is truncated inside member `"),
                "{archive}: {line}"
            );
            assert_eq!(names_in(dir.path()), ["input.tar"], "{archive} {out}");
        }
    }
    // Cut at the very end: only the compressed stream's tail is missing.
    let bytes = fs::read(fixtures().join("real/minimal.zstd.tar.zst")).unwrap();
    fails_leaving_nothing(
        &bytes[..bytes.len() - 3],
        "image",
        "archive is truncated after member `checkpoint/utsns-12.img`",
    );
}

#[test]
fn an_existing_output_is_kept_without_force_and_replaced_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let archive = fixtures().join("real/minimal.none.tar");
    let archive = archive.to_str().unwrap();
    for out in ["image", "image.tar"] {
        let target = dir.path().join(out);
        let first = build(archive, &target, &["--compress", "zstd"]);
        assert_eq!(first.code, 0, "{}", first.stderr);
        let before = layout_files(&target);
        let again = build(archive, &target, &["--compress", "gzip"]);
        assert_eq!(again.code, 1);
        assert_eq!(
            again.stderr,
            format!(
                "ckpt: error: {archive}: cannot write the output: {} exists already; \
                 pass --force to replace it\n",
                target.display()
            )
        );
        assert_eq!(layout_files(&target), before, "kept as it was");
        let forced = build(archive, &target, &["--compress", "gzip", "--force"]);
        assert_eq!(forced.code, 0, "{}", forced.stderr);
        assert_ne!(layout_files(&target), before, "replaced");
    }
    assert_eq!(names_in(dir.path()), ["image", "image.tar"]);

    // --force never replaces a folder of something else.
    let precious = dir.path().join("precious");
    fs::create_dir(&precious).unwrap();
    fs::write(precious.join("notes.txt"), b"keep").unwrap();
    let run = build(archive, &precious, &["--force"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.ends_with(
            "is a folder that is neither empty nor an OCI layout; ckpt replaces only \
                        those, even with --force\n"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(names_in(&precious), ["notes.txt"]);
}

#[test]
fn an_output_that_cannot_be_written_is_one_error_line() {
    let dir = tempfile::tempdir().unwrap();
    let archive = fixtures().join("real/minimal.none.tar");
    let archive = archive.to_str().unwrap();
    // A folder that is a file.
    fs::write(dir.path().join("file"), b"x").unwrap();
    for out in ["image", "image.tar"] {
        let target = dir.path().join("file").join(out);
        let run = build(archive, &target, &[]);
        assert_eq!(run.code, 1, "{out}");
        let line = run.stderr.strip_suffix('\n').unwrap();
        assert!(
            line.starts_with(&format!(
                "ckpt: error: {archive}: cannot write the output: "
            )),
            "{line}"
        );
        assert!(line.contains("Not a directory"), "{line}");
    }
    // A folder without write permission (root writes anyway: then there
    // is nothing to test).
    let locked = dir.path().join("locked");
    fs::create_dir(&locked).unwrap();
    let mut perms = fs::metadata(&locked).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o555);
    fs::set_permissions(&locked, perms).unwrap();
    if fs::write(locked.join("probe"), b"").is_ok() {
        eprintln!("running as root: the unwritable-folder case is skipped");
        fs::remove_file(locked.join("probe")).unwrap();
    } else {
        for out in ["image", "image.tar"] {
            let run = build(archive, &locked.join(out), &[]);
            assert_eq!(run.code, 1);
            assert!(run.stderr.contains("Permission denied"), "{}", run.stderr);
            assert!(names_in(&locked).is_empty());
        }
    }
    assert_eq!(names_in(dir.path()), ["file", "locked"]);
}

#[test]
fn a_tag_that_is_no_reference_name_is_a_usage_error() {
    let run = ckpt(&[
        "build",
        "real/minimal.none.tar",
        "--output",
        "/nonexistent/x",
        "--tag",
        "not a tag",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("`not a tag` is not an image name of an OCI layout")
    );
}

// ---------------------------------------------------------------------------
// Independent validators: skopeo and umoci read the images and check
// their digests.

/// Whether `tool` can run. When it cannot, the test is skipped, unless
/// `CKPT_REQUIRE_VALIDATORS=1` says the validators must be there (CI).
fn have(tool: &str) -> bool {
    let found = Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("CKPT_REQUIRE_VALIDATORS").as_deref() != Ok("1"),
            "`{tool}` is required (CKPT_REQUIRE_VALIDATORS=1) but cannot run"
        );
        eprintln!("`{tool}` is not installed: its checks are skipped");
    }
    found
}

fn run_tool(tool: &str, args: &[&str]) -> String {
    let output = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool}: {e}"));
    assert!(
        output.status.success(),
        "{tool} {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The files of a `dir:` copy made by skopeo, which verified each blob's
/// digest as it copied.
fn skopeo_copy(source: &str, dest: &Path) -> BTreeMap<String, Vec<u8>> {
    run_tool(
        "skopeo",
        &["copy", "--quiet", source, &format!("dir:{}", path(dest))],
    );
    names_in(dest)
        .into_iter()
        .map(|name| {
            let bytes = fs::read(dest.join(&name)).unwrap();
            (name, bytes)
        })
        .collect()
}

#[test]
fn skopeo_reads_and_verifies_both_forms() {
    if !have("skopeo") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (archive, compression) in [
        ("real/rich.zstd.tar.zst", "gzip"),
        ("real/containerd-cri.none.tar", "zstd"),
        ("synthetic/crio-container.tar.gz", "none"),
    ] {
        let layout = dir.path().join("layout");
        let tarred = dir.path().join("image.tar");
        for out in [&layout, &tarred] {
            let run = build(
                archive,
                out,
                &["--compress", compression, "--tag", "ckpt:test"],
            );
            assert_eq!(run.code, 0, "{}", run.stderr);
        }
        let files = layout_files(&layout);
        let index: Value = serde_json::from_slice(&files["index.json"]).unwrap();
        let manifest_digest = index["manifests"][0]["digest"].as_str().unwrap();
        let manifest = &files[&format!(
            "blobs/sha256/{}",
            manifest_digest.strip_prefix("sha256:").unwrap()
        )];

        let raw = run_tool(
            "skopeo",
            &["inspect", "--raw", &format!("oci:{}", path(&layout))],
        );
        assert_eq!(raw.as_bytes(), &manifest[..], "{archive}");
        let inspected: Value = serde_json::from_str(&run_tool(
            "skopeo",
            &["inspect", &format!("oci:{}:ckpt:test", path(&layout))],
        ))
        .unwrap();
        assert_eq!(inspected["Digest"], manifest_digest);
        assert_eq!(inspected["Os"], "linux");
        assert_eq!(inspected["Architecture"], "amd64");

        for (source, dest) in [
            (
                format!("oci:{}:ckpt:test", path(&layout)),
                dir.path().join("from-dir"),
            ),
            (
                format!("oci-archive:{}", path(&tarred)),
                dir.path().join("from-tar"),
            ),
        ] {
            let copied = skopeo_copy(&source, &dest);
            assert_eq!(copied["manifest.json"], *manifest, "{source}");
            for (name, bytes) in &files {
                if let Some(hex) = name.strip_prefix("blobs/sha256/") {
                    if name.ends_with(manifest_digest.strip_prefix("sha256:").unwrap()) {
                        continue;
                    }
                    assert_eq!(&copied[hex], bytes, "{source}: {hex}");
                }
            }
            fs::remove_dir_all(&dest).unwrap();
        }
        fs::remove_dir_all(&layout).unwrap();
        fs::remove_file(&tarred).unwrap();
    }
}

#[test]
fn umoci_stats_and_unpacks_the_image() {
    if !have("umoci") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // umoci 0.4.7 reads gzip and plain layers, not zstd ones.
    for (archive, compression) in [
        ("real/minimal.none.tar", "gzip"),
        ("real/containerd-cri.none.tar", "none"),
    ] {
        let layout = dir.path().join("layout");
        let run = build(
            archive,
            &layout,
            &["--compress", compression, "--tag", "t1"],
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        let image = format!("{}:t1", path(&layout));
        let stat = run_tool("umoci", &["stat", "--image", &image]);
        assert!(stat.starts_with("LAYER"), "{stat}");

        // umoci checks every blob's digest as it unpacks.
        let bundle = dir.path().join("bundle");
        run_tool(
            "umoci",
            &["unpack", "--rootless", "--image", &image, path(&bundle)],
        );
        let rootfs = bundle.join("rootfs");
        let tar = tar_stream(&fixtures().join(archive));
        let mut checked = 0;
        for (name, kind, _, hash) in members(&tar) {
            if kind == b'0' {
                let unpacked = fs::read(rootfs.join(&name)).unwrap();
                assert_eq!(sha256(&unpacked), hash, "{archive}: {name}");
                checked += 1;
            }
        }
        assert!(checked > 20, "{archive}: {checked} files");
        fs::remove_dir_all(&bundle).unwrap();
        fs::remove_dir_all(&layout).unwrap();
    }
}

#[test]
fn an_interrupted_build_leaves_nothing_behind() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    let bytes = fs::read(crate::util::real_dir().join("rich.zstd.tar.zst")).unwrap();
    for out in ["image", "image.tar"] {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_ckpt"))
            .args(["build", "-", "--output", out])
            .current_dir(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the ckpt binary starts");
        let mut stdin = child.stdin.take().expect("stdin is piped");
        // Half the archive: the partial output exists, ckpt waits for more.
        stdin.write_all(&bytes[..bytes.len() / 2]).unwrap();
        stdin.flush().unwrap();
        let started = Instant::now();
        while !crate::util::names_in(dir.path())
            .iter()
            .any(|n| n.starts_with(&format!("{out}.ckpt-")) && n.ends_with(".partial"))
        {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{out}: no partial output"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let kill = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(kill.success());
        let status = child.wait().expect("ckpt ends");
        drop(stdin);
        assert_eq!(status.code(), Some(130), "{out}");
        assert!(
            crate::util::names_in(dir.path()).is_empty(),
            "{out}: nothing is left"
        );
    }
}
