//! The report: plain data, serialized as `show --format json` prints it.
//!
//! Key names are checkpointctl's (`inspect --format json`) wherever it has
//! one, so that scripts written for it keep working; ckpt's additions are
//! `archive`, `archive_type`, `compression`, `checkpoint_size.devshm_size`,
//! `checkpoint_size.volumes_size` and `deleted_files`. Sizes are byte
//! counts. Unlike checkpointctl, zero sizes are printed, not left out.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::archive::compression::Compression;
use crate::classify::ArchiveKind;

/// What one archive holds.
#[derive(Debug, Clone, Serialize)]
pub struct ArchiveReport {
    /// The path as given (`-` for standard input).
    pub archive: String,
    /// Container, pod, kubelet or unknown.
    pub archive_type: ArchiveKind,
    /// The archive's compression.
    pub compression: Compression,
    /// One record per container the archive holds, in archive order.
    pub containers: Vec<ContainerReport>,
    /// The pod of a pod archive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod: Option<PodReport>,
    /// Things the report could not fully use; each names its member.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// The pod of a pod archive.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PodReport {
    /// Pod name.
    pub name: String,
    /// Kubernetes namespace.
    pub namespace: String,
    /// Pod UID.
    pub uid: String,
    /// Engine that wrote the pod archive.
    pub engine: String,
}

/// One container, with the keys of checkpointctl's `inspect --format json`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ContainerReport {
    /// The archive's path as given.
    pub archive: String,
    /// The folder holding the container's members: `""` for the archive
    /// root, `<id>-<name>` in a pod archive.
    #[serde(skip)]
    pub folder: String,
    /// The archive's kind.
    pub archive_type: ArchiveKind,
    /// The archive's compression.
    pub compression: Compression,
    /// Container name.
    pub container_name: String,
    /// Rootfs image name.
    pub image: String,
    /// Full container ID.
    pub id: String,
    /// OCI runtime (or containerd's shim type).
    pub runtime: String,
    /// Creation time, RFC 3339 (CRI-O: its annotation as written).
    pub created: String,
    /// Checkpoint time, RFC 3339, when the engine records it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpointed: Option<String>,
    /// `Podman`, `CRI-O` or `containerd`.
    pub engine: String,
    /// The container's first IP address, without prefix length.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ip: String,
    /// The MAC address of that interface.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mac: String,
    /// Every network and interface (Podman).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub networks: Vec<NetworkReport>,
    /// Sizes in bytes.
    pub checkpoint_size: SizeReport,
    /// Number of paths in `deleted.files`; `null` when there is none.
    pub deleted_files: Option<usize>,
    /// Pod, namespace and the spec's annotations.
    pub metadata: MetadataReport,
}

/// A network and its interfaces.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NetworkReport {
    /// Network name.
    pub name: String,
    /// Interface name to its addresses.
    pub interfaces: BTreeMap<String, InterfaceReport>,
}

/// An interface's first address.
#[derive(Debug, Clone, Default, Serialize)]
pub struct InterfaceReport {
    /// Address with prefix length.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ip: String,
    /// MAC address.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mac: String,
    /// Gateway.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub gateway: String,
    /// The interface's further addresses (a dual-stack interface has an
    /// IPv6 one after its IPv4 one), each with its gateway; `ip` and
    /// `gateway` are the first, as checkpointctl shows only that.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub more_addresses: Vec<AddressReport>,
}

/// An address of an interface, with prefix length, and its gateway.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AddressReport {
    /// Address with prefix length.
    pub ip: String,
    /// Gateway.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub gateway: String,
}

/// Sizes in bytes. `null` where the archive does not tell (the containers
/// of a kubelet archive live in nested archives that `show` does not open).
#[derive(Debug, Clone, Default, Serialize)]
pub struct SizeReport {
    /// Regular files under `checkpoint/`.
    pub total_size: Option<u64>,
    /// `checkpoint/pages-*`.
    pub memory_pages_size: Option<u64>,
    /// `checkpoint/amdgpu-pages-*`.
    pub amd_gpu_memory_pages_size: Option<u64>,
    /// `rootfs-diff.tar`.
    pub root_fs_diff_size: Option<u64>,
    /// `devshm-checkpoint.tar`.
    pub devshm_size: Option<u64>,
    /// Regular files under `volumes/`.
    pub volumes_size: Option<u64>,
}

/// Kubernetes placement and annotations.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MetadataReport {
    /// Pod name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub pod_name: String,
    /// Kubernetes namespace.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub kubernetes_namespace: String,
    /// The spec's annotations, sorted by key.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}
