//! The vocabulary of a checkpoint archive: member names and their caps.
//!
//! The names are the ones Podman, CRI-O, containerd and the kubelet write
//! (see `shared/docs/archive-format.md` in the project notes). Names are
//! compared after [`normalize`], so `./config.dump` and `config.dump` match.

/// The engine's container config (JSON).
pub const CONFIG_DUMP: &str = "config.dump";
/// The OCI runtime spec the container ran with (JSON).
pub const SPEC_DUMP: &str = "spec.dump";
/// Podman's network result (JSON).
pub const NETWORK_STATUS: &str = "network.status";
/// containerd's own container status (JSON).
pub const CONTAINERD_STATUS: &str = "status";
/// Paths deleted from the rootfs image (JSON list).
pub const DELETED_FILES: &str = "deleted.files";
/// Folder of CRIU images.
pub const CHECKPOINT_DIR: &str = "checkpoint";
/// Files the container changed or added in its root file system.
pub const ROOTFS_DIFF_TAR: &str = "rootfs-diff.tar";
/// The container's /dev/shm.
pub const DEVSHM_TAR: &str = "devshm-checkpoint.tar";
/// Folder of named-volume tarballs.
pub const VOLUMES_DIR: &str = "volumes";
/// Pod sandbox config (pod archives).
pub const POD_DUMP: &str = "pod.dump";
/// Pod checkpoint options (pod archives).
pub const POD_OPTIONS: &str = "pod.options";
/// Kubelet-level metadata of several pods (kubelet archives).
pub const CHECKPOINTED_PODS: &str = "checkpointed.pods";
/// Prefix of CRIU memory page images inside `checkpoint/`.
pub const PAGES_PREFIX: &str = "pages-";
/// Prefix of AMD GPU memory page images inside `checkpoint/`.
pub const AMDGPU_PAGES_PREFIX: &str = "amdgpu-pages-";

/// Largest `config.dump`, `spec.dump`, `network.status`, `status`,
/// `pod.dump` or `pod.options` read into memory. Real ones are a few tens
/// of KiB (Podman's config.dump: 24 KiB with a full `CreateCommand`).
pub const JSON_MEMBER_CAP: u64 = 4 * 1024 * 1024;
/// Largest `deleted.files` or `checkpointed.pods`: both grow with the
/// container (one path per deleted file, one record per pod).
pub const LIST_MEMBER_CAP: u64 = 16 * 1024 * 1024;
/// Budget for all metadata members of one archive held at once: a pod
/// archive has a set per container.
pub const METADATA_BUDGET: u64 = 64 * 1024 * 1024;
/// Most JSON values deserialized from all the metadata members of one
/// archive (counted by [`crate::metadata::count_values`]). The bytes of a
/// member are not what its deserialized form costs: `[""]` is 3 bytes and
/// becomes a 24-byte `String`, an annotation of 7 bytes a map entry of
/// about 200. Real `spec.dump` and `config.dump` members hold about 1000
/// values each, so this leaves room for pods of some thirty containers, and
/// holds what the worst member shape makes ckpt allocate under 16 MiB.
/// `deleted.files` is only counted, never held, and is not charged.
pub const JSON_VALUE_BUDGET: u64 = 64 * 1024;
/// Most container folders a pod archive may have.
pub const MAX_FOLDERS: usize = 4096;

/// The metadata members ckpt deserializes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MetadataMember {
    /// `config.dump`
    ConfigDump,
    /// `spec.dump`
    SpecDump,
    /// `network.status`
    NetworkStatus,
    /// containerd's `status`
    ContainerdStatus,
    /// `deleted.files`
    DeletedFiles,
    /// `pod.dump` (archive root only)
    PodDump,
    /// `pod.options` (archive root only)
    PodOptions,
    /// `checkpointed.pods` (archive root only)
    CheckpointedPods,
}

impl MetadataMember {
    /// Recognise a member by its file name (the part after the folder).
    pub fn from_file_name(name: &str) -> Option<MetadataMember> {
        Some(match name {
            CONFIG_DUMP => MetadataMember::ConfigDump,
            SPEC_DUMP => MetadataMember::SpecDump,
            NETWORK_STATUS => MetadataMember::NetworkStatus,
            CONTAINERD_STATUS => MetadataMember::ContainerdStatus,
            DELETED_FILES => MetadataMember::DeletedFiles,
            POD_DUMP => MetadataMember::PodDump,
            POD_OPTIONS => MetadataMember::PodOptions,
            CHECKPOINTED_PODS => MetadataMember::CheckpointedPods,
            _ => return None,
        })
    }

    /// True for the members that only mean something at the archive root.
    pub fn root_only(self) -> bool {
        matches!(
            self,
            MetadataMember::PodDump | MetadataMember::PodOptions | MetadataMember::CheckpointedPods
        )
    }

    /// The in-memory cap for this member.
    pub fn cap(self) -> u64 {
        match self {
            MetadataMember::DeletedFiles | MetadataMember::CheckpointedPods => LIST_MEMBER_CAP,
            _ => JSON_MEMBER_CAP,
        }
    }
}

/// Strip the leading `./` (any number of them) and a trailing `/`.
pub fn normalize(name: &str) -> &str {
    let mut name = name;
    while let Some(rest) = name.strip_prefix("./") {
        name = rest;
    }
    if name == "." {
        return "";
    }
    name.strip_suffix('/').unwrap_or(name)
}

/// A stored member name, read as extraction would place it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CleanName {
    /// The name was already in its plain form (after [`normalize`]).
    Plain,
    /// The name was absolute or had `.`, `..` or empty components;
    /// extracting puts it here (engines' extraction cleans names like this
    /// and joins them to the target folder).
    Rewritten(String),
    /// The name climbs above the archive root with `..`: extraction would
    /// refuse it (or, with a careless tool, write outside the target).
    OutsideRoot,
}

/// How extraction would read `name`: see [`CleanName`].
pub fn clean(name: &str) -> CleanName {
    let plain = normalize(name);
    if plain.is_empty() {
        // `./` or `.`: the archive root itself, as `tar -C dir -cf x .`
        // writes it first.
        return CleanName::Plain;
    }
    let odd = plain.starts_with('/')
        || plain
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..");
    if !odd {
        return CleanName::Plain;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in plain.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return CleanName::OutsideRoot;
                }
            }
            part => parts.push(part),
        }
    }
    CleanName::Rewritten(parts.join("/"))
}

/// Split a normalised name into its first folder and the rest:
/// `"abc-web/checkpoint/core-1.img"` gives `Some(("abc-web", "checkpoint/core-1.img"))`,
/// a name without `/` gives `None`.
pub fn split_first(name: &str) -> Option<(&str, &str)> {
    name.split_once('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_strips_dot_slash_and_trailing_slash() {
        assert_eq!(normalize("./config.dump"), "config.dump");
        assert_eq!(normalize("././checkpoint/"), "checkpoint");
        assert_eq!(
            normalize("checkpoint/pages-1.img"),
            "checkpoint/pages-1.img"
        );
        assert_eq!(normalize("./"), "");
        assert_eq!(normalize("."), "");
    }

    #[test]
    fn clean_reads_names_as_extraction_places_them() {
        for plain in [
            "./",
            ".",
            "config.dump",
            "./checkpoint/",
            "checkpoint/pages-1.img",
            "a..b/c.",
        ] {
            assert_eq!(clean(plain), CleanName::Plain, "{plain}");
        }
        for (stored, placed) in [
            ("/config.dump", "config.dump"),
            ("//checkpoint//core-1.img", "checkpoint/core-1.img"),
            ("checkpoint/../spec.dump", "spec.dump"),
            ("./a/./b", "a/b"),
            ("a/..", ""),
        ] {
            assert_eq!(
                clean(stored),
                CleanName::Rewritten(placed.to_string()),
                "{stored}"
            );
        }
        for outside in ["../config.dump", "/../x", "a/../../b", ".."] {
            assert_eq!(clean(outside), CleanName::OutsideRoot, "{outside}");
        }
    }

    #[test]
    fn recognises_metadata_members() {
        assert_eq!(
            MetadataMember::from_file_name("spec.dump"),
            Some(MetadataMember::SpecDump)
        );
        assert_eq!(
            MetadataMember::from_file_name("status"),
            Some(MetadataMember::ContainerdStatus)
        );
        assert_eq!(MetadataMember::from_file_name("status.dump"), None);
        assert!(MetadataMember::PodOptions.root_only());
        assert!(!MetadataMember::ConfigDump.root_only());
    }
}
