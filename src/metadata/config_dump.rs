//! `config.dump`: the engine's container config.
//!
//! Podman writes its whole container config (dozens of keys); containerd
//! and CRI-O write a short one. Only the keys a report shows are read.

use serde::Deserialize;

/// The keys of `config.dump` that ckpt reports.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ConfigDump {
    /// Full container ID (64 hex digits).
    pub id: String,
    /// Container name as the engine knows it.
    pub name: String,
    /// The rootfs image as requested.
    #[serde(rename = "rootfsImage")]
    pub rootfs_image: String,
    /// The rootfs image's content reference.
    #[serde(rename = "rootfsImageRef")]
    pub rootfs_image_ref: String,
    /// The rootfs image's name, as reports show it.
    #[serde(rename = "rootfsImageName")]
    pub rootfs_image_name: String,
    /// The OCI runtime (crun, runc) or containerd's shim type.
    pub runtime: String,
    /// When the container was created (RFC 3339).
    #[serde(rename = "createdTime")]
    pub created_time: Option<String>,
    /// When it was checkpointed (RFC 3339); Podman leaves it out.
    #[serde(rename = "checkpointedTime")]
    pub checkpointed_time: Option<String>,
    /// When it was last restored (RFC 3339).
    #[serde(rename = "restoredTime")]
    pub restored_time: Option<String>,
    /// Whether the container had been restored before this checkpoint.
    pub restored: bool,
    /// Podman's image ID of the rootfs (only `ckpt build`'s annotations
    /// use it, so a value that is not a string is left out, not an error).
    #[serde(rename = "rootfsImageID", deserialize_with = "string_if_any")]
    pub rootfs_image_id: Option<String>,
    /// Podman's image name as the user gave it; as above.
    #[serde(rename = "RawImageName", deserialize_with = "string_if_any")]
    pub raw_image_name: Option<String>,
    /// Podman's ID of the container's pod; as above.
    #[serde(deserialize_with = "string_if_any")]
    pub pod: Option<String>,
}

/// A non-empty string; anything else (another type, `""`) is `None`.
fn string_if_any<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Value {
        Text(String),
        Other(serde::de::IgnoredAny),
    }
    Ok(match Value::deserialize(deserializer)? {
        Value::Text(text) if !text.is_empty() => Some(text),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_containerd_config() {
        let json = br#"{"id":"4c9d","name":"web_cri-web_default_uid_0","rootfsImage":"docker.io/library/cpbase:latest","rootfsImageRef":"sha256:4fc3","rootfsImageName":"docker.io/library/cpbase:latest","runtime":"io.containerd.runc.v2","createdTime":"2026-12-03T18:45:45.199242721Z","checkpointedTime":"2026-12-03T18:45:49.283102067Z","restoredTime":"0001-01-01T00:00:00Z","restored":false,"extra":[1,2]}"#;
        let config: ConfigDump = crate::metadata::deserialize("config.dump", json).unwrap();
        assert_eq!(config.id, "4c9d");
        assert_eq!(config.rootfs_image_name, "docker.io/library/cpbase:latest");
        assert_eq!(config.runtime, "io.containerd.runc.v2");
        assert_eq!(
            config.checkpointed_time.as_deref(),
            Some("2026-12-03T18:45:49.283102067Z")
        );
        assert!(!config.restored);
    }

    #[test]
    fn podman_keys_for_the_image_are_strings_or_nothing() {
        let json = br#"{"id": "abc", "rootfsImageID": "4fc3", "RawImageName": "base", "pod": ""}"#;
        let config: ConfigDump = crate::metadata::deserialize("config.dump", json).unwrap();
        assert_eq!(config.rootfs_image_id.as_deref(), Some("4fc3"));
        assert_eq!(config.raw_image_name.as_deref(), Some("base"));
        assert_eq!(config.pod, None, "an empty value is no value");
        let odd = br#"{"id": "abc", "rootfsImageID": 5, "RawImageName": ["x"]}"#;
        let config: ConfigDump = crate::metadata::deserialize("config.dump", odd).unwrap();
        assert_eq!((config.id.as_str(), config.rootfs_image_id), ("abc", None));
        assert_eq!(config.raw_image_name, None);
    }

    #[test]
    fn wrong_type_is_an_error() {
        assert!(
            crate::metadata::deserialize::<ConfigDump>("config.dump", br#"{"id": 5}"#).is_err()
        );
    }
}
