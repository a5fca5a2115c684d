//! What kind of archive this is, from member names alone.
//!
//! The rules (project notes, `archive-format.md`):
//! - kubelet: `checkpointed.pods` at the root, neither `config.dump` nor
//!   `pod.dump` there;
//! - pod: `pod.dump` or `pod.options` at the root, neither `config.dump` nor
//!   `checkpointed.pods` there (CRI-O writes only `pod.options`);
//! - container: `config.dump` at the root, neither `pod.dump` nor
//!   `checkpointed.pods` there;
//! - anything else is unknown.

use serde::Serialize;

/// The kinds of checkpoint archive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ArchiveKind {
    /// One container (Podman, CRI-O or containerd).
    Container,
    /// One pod: a folder per container.
    Pod,
    /// Several pods, written by the kubelet.
    Kubelet,
    /// None of the above.
    #[default]
    Unknown,
}

impl ArchiveKind {
    /// The lowercase name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            ArchiveKind::Container => "container",
            ArchiveKind::Pod => "pod",
            ArchiveKind::Kubelet => "kubelet",
            ArchiveKind::Unknown => "unknown",
        }
    }
}

/// Which of the deciding members exist at the archive root, as regular files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RootMembers {
    /// `config.dump`
    pub config_dump: bool,
    /// `pod.dump`
    pub pod_dump: bool,
    /// `pod.options`
    pub pod_options: bool,
    /// `checkpointed.pods`
    pub checkpointed_pods: bool,
}

/// Classify an archive by the members at its root.
pub fn classify(root: RootMembers) -> ArchiveKind {
    if root.checkpointed_pods && !root.config_dump && !root.pod_dump {
        ArchiveKind::Kubelet
    } else if (root.pod_dump || root.pod_options) && !root.config_dump && !root.checkpointed_pods {
        ArchiveKind::Pod
    } else if root.config_dump && !root.pod_dump && !root.checkpointed_pods {
        ArchiveKind::Container
    } else {
        ArchiveKind::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(config: bool, pod_dump: bool, pod_options: bool, pods: bool) -> RootMembers {
        RootMembers {
            config_dump: config,
            pod_dump,
            pod_options,
            checkpointed_pods: pods,
        }
    }

    #[test]
    fn each_kind_from_its_members() {
        assert_eq!(
            classify(root(true, false, false, false)),
            ArchiveKind::Container
        );
        assert_eq!(classify(root(false, true, true, false)), ArchiveKind::Pod);
        assert_eq!(classify(root(false, false, true, false)), ArchiveKind::Pod);
        assert_eq!(classify(root(false, true, false, false)), ArchiveKind::Pod);
        assert_eq!(
            classify(root(false, false, false, true)),
            ArchiveKind::Kubelet
        );
        assert_eq!(
            classify(root(false, false, false, false)),
            ArchiveKind::Unknown
        );
    }

    #[test]
    fn conflicting_members_are_unknown() {
        assert_eq!(
            classify(root(true, true, false, false)),
            ArchiveKind::Unknown
        );
        assert_eq!(
            classify(root(true, false, false, true)),
            ArchiveKind::Unknown
        );
        assert_eq!(
            classify(root(false, true, false, true)),
            ArchiveKind::Unknown
        );
    }

    #[test]
    fn config_dump_with_pod_options_is_a_container() {
        assert_eq!(
            classify(root(true, false, true, false)),
            ArchiveKind::Container
        );
    }
}
