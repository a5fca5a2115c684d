//! `pod.dump` and `pod.options`: the metadata at the root of a pod archive.
//!
//! containerd writes both; CRI-O writes only `pod.options`. Older writers
//! list the pod's containers in `pod.options` as a list of names, newer ones
//! as an object from the short container name to its folder's full name.

use std::collections::BTreeMap;

use serde::Deserialize;

/// `pod.dump`: the pod sandbox config.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PodDump {
    /// The pod's name, UID and namespace.
    pub metadata: PodMetadata,
    /// The pod's hostname.
    pub hostname: String,
}

/// `metadata` of `pod.dump`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PodMetadata {
    /// Pod name.
    pub name: String,
    /// Pod UID.
    pub uid: String,
    /// Kubernetes namespace.
    pub namespace: String,
}

/// `pod.options`: how the pod was checkpointed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PodOptions {
    /// Format version, as written.
    pub version: serde_json::Value,
    /// The pod's containers, in either of the two shapes.
    pub containers: PodContainers,
    /// SELinux mount label.
    #[serde(rename = "mountLabel")]
    pub mount_label: String,
    /// SELinux process label.
    #[serde(rename = "processLabel")]
    pub process_label: String,
    /// Annotations, among them the `org.criu.checkpoint.*` keys.
    pub annotations: BTreeMap<String, String>,
}

/// The `containers` of `pod.options`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum PodContainers {
    /// Older writers: names only.
    Names(Vec<String>),
    /// Newer writers: short name to folder name.
    Folders(BTreeMap<String, String>),
}

impl Default for PodContainers {
    fn default() -> Self {
        PodContainers::Names(Vec::new())
    }
}

impl PodContainers {
    /// `(short name, folder name)` pairs; with the older shape both are the
    /// listed name.
    pub fn pairs(&self) -> Vec<(String, String)> {
        match self {
            PodContainers::Names(names) => names.iter().map(|n| (n.clone(), n.clone())).collect(),
            PodContainers::Folders(map) => {
                map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::deserialize;

    #[test]
    fn reads_both_shapes_of_containers() {
        let old: PodOptions = deserialize(
            "pod.options",
            br#"{"version": 1, "containers": ["web", "db"]}"#,
        )
        .unwrap();
        assert_eq!(
            old.containers.pairs()[1],
            ("db".to_string(), "db".to_string())
        );

        let new: PodOptions = deserialize(
            "pod.options",
            br#"{"version": 2, "containers": {"web": "0123abcd-web"}, "annotations": {"org.criu.checkpoint.engine.name": "cri-o"}}"#,
        )
        .unwrap();
        assert_eq!(
            new.containers.pairs(),
            [("web".to_string(), "0123abcd-web".to_string())]
        );
        assert_eq!(new.annotations["org.criu.checkpoint.engine.name"], "cri-o");
    }

    #[test]
    fn reads_pod_dump() {
        let dump: PodDump = deserialize(
            "pod.dump",
            br#"{"metadata": {"name": "web", "uid": "u1", "namespace": "prod"}, "hostname": "web-0"}"#,
        )
        .unwrap();
        assert_eq!(dump.metadata.namespace, "prod");
        assert_eq!(dump.hostname, "web-0");
    }

    #[test]
    fn containers_of_another_shape_is_an_error() {
        assert!(deserialize::<PodOptions>("pod.options", br#"{"containers": 3}"#).is_err());
    }
}
