//! The annotations of a checkpoint image: what a restore reads to know
//! that the image is a checkpoint, and of what.
//!
//! CRI-O takes an image for a checkpoint when it carries
//! `io.kubernetes.cri-o.annotations.checkpoint.name`; the `org.criu.checkpoint.*`
//! keys are the engine-neutral set (see `archive-format.md`). Each key is
//! written only when the archive holds its value: nothing is guessed, and
//! nothing about the machine ckpt runs on is written (it is not the host
//! that was checkpointed).
//!
//! Where each value comes from:
//!
//! | key (`org.criu.checkpoint.` …) | source |
//! |---|---|
//! | `engine.name` | the engine `show` names (`Podman`, `CRI-O`, `containerd`) |
//! | `container.name` | the container name `show` prints |
//! | `pod.name`, `pod.namespace` | the pod and namespace `show` prints |
//! | `pod.id` | CRI-O's `io.kubernetes.cri-o.SandboxID`, containerd's `io.kubernetes.cri.sandbox-id` (spec annotations), Podman's `pod` (`config.dump`) |
//! | `pod.uid` | CRI-O's `io.kubernetes.pod.uid`, containerd's `io.kubernetes.cri.sandbox-uid` |
//! | `rootfsImageName` | `config.dump` `rootfsImageName` |
//! | `rootfsImageUserRequested` | `config.dump` `rootfsImage` (CRI-O, containerd) |
//! | `rawImageName` | `config.dump` `RawImageName` (Podman) |
//! | `rootfsImageID` | `config.dump` `rootfsImageID` (Podman), else `rootfsImageRef` |
//! | `runtime.name` | `config.dump` `runtime` |
//! | `criu.version` | CRIU's log, as it prints it (`4.2.1`) |
//! | `host.kernel` | CRIU's log (the `uname` release) |
//! | `host.arch` | the CRIU images' machine type, else CRIU's log; Go's name |
//!
//! Never written, because no archive records them: `engine.version`,
//! `runtime.version`, `conmon.version`, `cgroup.version` and
//! `rootfsImageSha`. Podman writes a CRIU version as one number
//! (`40201`) in its own `io.podman.annotations.checkpoint.criu.version`;
//! the dotted form here is CRIU's own.

use std::collections::BTreeMap;

use crate::metadata::ConfigDump;
use crate::oci::facts::ArchiveFacts;
use crate::report::model::ContainerReport;

/// The key CRI-O looks for to restore from an image.
pub const CRIO_CHECKPOINT_NAME: &str = "io.kubernetes.cri-o.annotations.checkpoint.name";
/// The prefix of the engine-neutral keys.
pub const CRIU_PREFIX: &str = "org.criu.checkpoint.";
/// The image's name in an OCI layout (`skopeo copy oci:DIR:NAME`).
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// The annotations of the image of `container`; `config` is its
/// `config.dump`, when it has one.
pub fn annotations(
    container: &ContainerReport,
    config: Option<&ConfigDump>,
    facts: &ArchiveFacts,
    architecture: Option<&str>,
) -> BTreeMap<String, String> {
    let spec = &container.metadata.annotations;
    let spec_value = |key: &str| spec.get(key).map(String::as_str);
    let config_value = |pick: fn(&ConfigDump) -> &str| config.map(pick);

    let (pod_id, pod_uid) = match container.engine.as_str() {
        "CRI-O" => (
            spec_value("io.kubernetes.cri-o.SandboxID"),
            spec_value("io.kubernetes.pod.uid"),
        ),
        "containerd" => (
            spec_value("io.kubernetes.cri.sandbox-id"),
            spec_value("io.kubernetes.cri.sandbox-uid"),
        ),
        _ => (config.and_then(|c| c.pod.as_deref()), None),
    };
    let rootfs_image_id = config
        .and_then(|c| c.rootfs_image_id.as_deref())
        .or(config_value(|c| &c.rootfs_image_ref));

    let criu = [
        ("engine.name", Some(container.engine.as_str())),
        ("container.name", Some(container.container_name.as_str())),
        ("pod.name", Some(container.metadata.pod_name.as_str())),
        (
            "pod.namespace",
            Some(container.metadata.kubernetes_namespace.as_str()),
        ),
        ("pod.id", pod_id),
        ("pod.uid", pod_uid),
        ("rootfsImageName", config_value(|c| &c.rootfs_image_name)),
        (
            "rootfsImageUserRequested",
            config_value(|c| &c.rootfs_image),
        ),
        (
            "rawImageName",
            config.and_then(|c| c.raw_image_name.as_deref()),
        ),
        ("rootfsImageID", rootfs_image_id),
        ("runtime.name", config_value(|c| &c.runtime)),
        ("criu.version", facts.criu_version.as_deref()),
        ("host.kernel", facts.kernel_release.as_deref()),
        ("host.arch", architecture),
    ];
    let mut out = BTreeMap::new();
    if !container.container_name.is_empty() {
        out.insert(
            CRIO_CHECKPOINT_NAME.to_string(),
            container.container_name.clone(),
        );
    }
    for (key, value) in criu {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            out.insert(format!("{CRIU_PREFIX}{key}"), value.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::MetadataReport;

    fn container(engine: &str, spec: &[(&str, &str)]) -> ContainerReport {
        ContainerReport {
            container_name: "web".to_string(),
            engine: engine.to_string(),
            metadata: MetadataReport {
                pod_name: "cri-web".to_string(),
                kubernetes_namespace: "default".to_string(),
                annotations: spec
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            },
            ..ContainerReport::default()
        }
    }

    fn config() -> ConfigDump {
        ConfigDump {
            rootfs_image: "docker.io/library/cpbase:latest".to_string(),
            rootfs_image_ref: "sha256:4fc3".to_string(),
            rootfs_image_name: "docker.io/library/cpbase:latest".to_string(),
            runtime: "io.containerd.runc.v2".to_string(),
            ..ConfigDump::default()
        }
    }

    fn pairs(map: &BTreeMap<String, String>) -> Vec<(&str, &str)> {
        map.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }

    #[test]
    fn containerd_container_with_every_source() {
        let spec = [
            ("io.kubernetes.cri.sandbox-id", "55a8"),
            ("io.kubernetes.cri.sandbox-uid", "uid-1"),
        ];
        let facts = ArchiveFacts {
            criu_version: Some("4.2.1".to_string()),
            kernel_release: Some("6.18.44".to_string()),
            ..ArchiveFacts::default()
        };
        let got = annotations(
            &container("containerd", &spec),
            Some(&config()),
            &facts,
            Some("amd64"),
        );
        assert_eq!(
            pairs(&got),
            [
                ("io.kubernetes.cri-o.annotations.checkpoint.name", "web"),
                ("org.criu.checkpoint.container.name", "web"),
                ("org.criu.checkpoint.criu.version", "4.2.1"),
                ("org.criu.checkpoint.engine.name", "containerd"),
                ("org.criu.checkpoint.host.arch", "amd64"),
                ("org.criu.checkpoint.host.kernel", "6.18.44"),
                ("org.criu.checkpoint.pod.id", "55a8"),
                ("org.criu.checkpoint.pod.name", "cri-web"),
                ("org.criu.checkpoint.pod.namespace", "default"),
                ("org.criu.checkpoint.pod.uid", "uid-1"),
                ("org.criu.checkpoint.rootfsImageID", "sha256:4fc3"),
                (
                    "org.criu.checkpoint.rootfsImageName",
                    "docker.io/library/cpbase:latest"
                ),
                (
                    "org.criu.checkpoint.rootfsImageUserRequested",
                    "docker.io/library/cpbase:latest"
                ),
                ("org.criu.checkpoint.runtime.name", "io.containerd.runc.v2"),
            ]
        );
    }

    #[test]
    fn crio_pod_keys_come_from_its_own_annotations() {
        let spec = [
            ("io.kubernetes.cri-o.SandboxID", "sb"),
            ("io.kubernetes.pod.uid", "u"),
            // containerd's keys mean nothing in a CRI-O spec.
            ("io.kubernetes.cri.sandbox-id", "other"),
        ];
        let got = annotations(
            &container("CRI-O", &spec),
            None,
            &ArchiveFacts::default(),
            None,
        );
        assert_eq!(got["org.criu.checkpoint.pod.id"], "sb");
        assert_eq!(got["org.criu.checkpoint.pod.uid"], "u");
        assert!(!got.contains_key("org.criu.checkpoint.runtime.name"));
    }

    #[test]
    fn podman_image_id_and_raw_name_come_from_its_config_and_empty_values_are_left_out() {
        let mut podman = container("Podman", &[]);
        podman.metadata = MetadataReport::default();
        let config = ConfigDump {
            rootfs_image_name: "localhost/base:latest".to_string(),
            runtime: "crun".to_string(),
            rootfs_image_id: Some("4fc3e2".to_string()),
            raw_image_name: Some("base".to_string()),
            pod: Some("p0d".to_string()),
            ..ConfigDump::default()
        };
        let got = annotations(&podman, Some(&config), &ArchiveFacts::default(), None);
        assert_eq!(
            pairs(&got),
            [
                ("io.kubernetes.cri-o.annotations.checkpoint.name", "web"),
                ("org.criu.checkpoint.container.name", "web"),
                ("org.criu.checkpoint.engine.name", "Podman"),
                ("org.criu.checkpoint.pod.id", "p0d"),
                ("org.criu.checkpoint.rawImageName", "base"),
                ("org.criu.checkpoint.rootfsImageID", "4fc3e2"),
                (
                    "org.criu.checkpoint.rootfsImageName",
                    "localhost/base:latest"
                ),
                ("org.criu.checkpoint.runtime.name", "crun"),
            ]
        );
    }

    #[test]
    fn a_container_without_a_name_gets_no_name_keys() {
        let mut nameless = container("containerd", &[]);
        nameless.container_name.clear();
        let got = annotations(&nameless, None, &ArchiveFacts::default(), None);
        assert!(!got.contains_key(CRIO_CHECKPOINT_NAME));
        assert!(!got.contains_key("org.criu.checkpoint.container.name"));
        assert_eq!(got["org.criu.checkpoint.engine.name"], "containerd");
    }
}
