//! The part of the scan that `show` needs: member names, sizes and the
//! deserialized metadata members.
//!
//! Sizes come from tar headers alone, so no data is read for them. The
//! metadata members are small JSON files; each is buffered under its cap
//! ([`MetadataMember::cap`]), deserialized as soon as it ends, and its bytes
//! dropped.
//!
//! A pod archive keeps each container's members in a folder of its own
//! (`<container ID>-<name>/`). Whether an archive is a pod archive is known
//! only at the end of the scan, so every member one folder deep is also
//! filed under that folder; the report then uses the root or the folders.
//!
//! `list` needs only the root's `config.dump` and `spec.dump` of each of
//! many archives, so [`Inventory::until_root_metadata`] makes an inventory
//! that reports itself done, and so stops the scan, once both are read.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::archive::scan::{Entry, EntryKind, Interest, Part};
use crate::classify::RootMembers;
use crate::error::{Error, Result};
use crate::members::{self, MetadataMember};
use crate::metadata::{
    self, CheckpointedPods, ConfigDump, ContainerdStatus, NetworkStatus, PodDump, PodOptions,
    SpecDump,
};
use crate::warnings::Warnings;

/// Folders at the root of a container archive, which are never a pod's
/// container folder.
const ROOT_FOLDERS: &[&str] = &["checkpoint", "volumes", "artifacts", "pre-checkpoint"];

/// Sizes of one container's parts, in bytes, from the tar headers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Sizes {
    /// Regular files under `checkpoint/`.
    pub checkpoint: u64,
    /// `checkpoint/pages-*`.
    pub memory_pages: u64,
    /// `checkpoint/amdgpu-pages-*`.
    pub amd_gpu_pages: u64,
    /// `rootfs-diff.tar`.
    pub rootfs_diff: u64,
    /// `devshm-checkpoint.tar`.
    pub devshm: u64,
    /// Regular files under `volumes/`.
    pub volumes: u64,
}

/// What one container (the archive root, or a pod's container folder) holds.
#[derive(Debug, Clone, Default)]
pub struct Folder {
    /// Sizes of its parts.
    pub sizes: Sizes,
    /// True when a `checkpoint/` folder (or anything in it) was seen.
    pub has_checkpoint_dir: bool,
    /// `config.dump`
    pub config: Option<ConfigDump>,
    /// `spec.dump`
    pub spec: Option<SpecDump>,
    /// `network.status`
    pub network: Option<NetworkStatus>,
    /// containerd's `status`
    pub containerd_status: Option<ContainerdStatus>,
    /// The number of paths in `deleted.files`.
    pub deleted_files: Option<usize>,
}

impl Folder {
    /// True when the folder holds anything of a container.
    pub fn is_container(&self) -> bool {
        self.has_checkpoint_dir || self.config.is_some() || self.spec.is_some()
    }
}

/// Everything [`Inventory`] collected.
#[derive(Debug, Clone, Default)]
pub struct Collected {
    /// Which deciding members the root has.
    pub root_members: RootMembers,
    /// `""` for the archive root, else a first-level folder's name.
    pub folders: BTreeMap<String, Folder>,
    /// `pod.dump` at the root.
    pub pod_dump: Option<PodDump>,
    /// `pod.options` at the root.
    pub pod_options: Option<PodOptions>,
    /// `checkpointed.pods` at the root.
    pub checkpointed_pods: Option<CheckpointedPods>,
    /// Sizes of tar files at the root other than the known ones: the
    /// nested pod archives of a kubelet archive.
    pub nested_tars: BTreeMap<String, u64>,
    /// Number of tar entries.
    pub entries: u64,
    /// Members the report does not read as their names say: names that
    /// extraction would rewrite or refuse, links named like metadata
    /// members, metadata members stored twice. At most
    /// [`crate::warnings::MAX_WARNINGS`], then one line counting the rest.
    pub warnings: Vec<String>,
}

/// The scan part that collects [`Collected`].
#[derive(Debug, Default)]
pub struct Inventory {
    collected: Collected,
    /// The member being buffered: its folder, kind and bytes so far.
    pending: Option<(String, MetadataMember, Vec<u8>)>,
    budget_used: u64,
    /// JSON values counted in the metadata members read so far.
    json_values: u64,
    /// Done as soon as the root's `config.dump` and `spec.dump` are read.
    until_root_metadata: bool,
    /// Metadata members read so far, to tell a second copy.
    metadata_seen: std::collections::BTreeSet<String>,
    /// Warnings about member names, for [`Collected::warnings`].
    name_warnings: Warnings,
}

impl Inventory {
    /// A new, empty inventory.
    pub fn new() -> Self {
        Inventory::default()
    }

    /// An inventory that is done as soon as the archive root's
    /// `config.dump` and `spec.dump` have both been deserialized, which is
    /// all a container's engine facts come from. The scan then stops
    /// without reading the rest: sizes stay partial, a later copy of either
    /// member is not seen, and members that would make the archive a pod or
    /// kubelet one after all are not looked for. Pod and kubelet archives,
    /// which have no root `config.dump`, are still read to the end.
    pub fn until_root_metadata() -> Self {
        Inventory {
            until_root_metadata: true,
            ..Inventory::default()
        }
    }

    /// What was collected; call after the scan.
    pub fn finish(mut self) -> Collected {
        self.collected.warnings = self.name_warnings.finish(|n| {
            format!("{n} more members with odd names, links or second copies (not listed)")
        });
        self.collected
    }

    fn warn(&mut self, warning: String) {
        self.name_warnings.push(warning);
    }

    /// Say so when the entry is not what its name says: see
    /// [`Collected::warnings`].
    fn note_name(&mut self, entry: &Entry) {
        if entry.outside_root {
            let stored = entry.stored_name.as_deref().unwrap_or(&entry.name);
            self.warn(format!(
                "member `{stored}` climbs above the archive root: ignored \
                 (extracting it would fail or write outside the target)"
            ));
            return;
        }
        if let Some(stored) = &entry.stored_name {
            self.warn(format!(
                "member `{stored}` is read as `{}`, where extracting it would put it",
                entry.name
            ));
        }
        let file_name = entry.name.rsplit('/').next().unwrap_or_default();
        let named_like_member = MetadataMember::from_file_name(file_name).is_some()
            || matches!(file_name, members::ROOTFS_DIFF_TAR | members::DEVSHM_TAR);
        if let Some(target) = &entry.link_target
            && named_like_member
        {
            let link = if entry.kind == EntryKind::HardLink {
                "a hard link"
            } else {
                "a symbolic link"
            };
            self.warn(format!(
                "member `{}` is {link} to `{target}`, not a file: not read",
                entry.name
            ));
        }
    }

    fn folder(&mut self, name: &str) -> Result<&mut Folder> {
        let folders = &mut self.collected.folders;
        if !folders.contains_key(name) {
            if folders.len() > members::MAX_FOLDERS {
                return Err(Error::TooManyFolders(members::MAX_FOLDERS));
            }
            folders.insert(name.to_string(), Folder::default());
        }
        // Just made sure the key exists.
        Ok(folders.get_mut(name).expect("folder was inserted above"))
    }

    /// File `path` (relative to `folder`) and say whether its data is wanted.
    fn account(&mut self, folder: &str, path: &str, entry: &Entry) -> Result<Interest> {
        let file = entry.kind == EntryKind::File;
        if path == members::CHECKPOINT_DIR && entry.kind == EntryKind::Dir {
            self.folder(folder)?.has_checkpoint_dir = true;
            return Ok(Interest::Skip);
        }
        if let Some(image) = path.strip_prefix("checkpoint/") {
            let f = self.folder(folder)?;
            f.has_checkpoint_dir = true;
            if file {
                // Saturating: sizes are hostile input and must not overflow.
                f.sizes.checkpoint = f.sizes.checkpoint.saturating_add(entry.size);
                if image.starts_with(members::PAGES_PREFIX) {
                    f.sizes.memory_pages = f.sizes.memory_pages.saturating_add(entry.size);
                } else if image.starts_with(members::AMDGPU_PAGES_PREFIX) {
                    f.sizes.amd_gpu_pages = f.sizes.amd_gpu_pages.saturating_add(entry.size);
                }
            }
            return Ok(Interest::Skip);
        }
        if !file {
            // Links and devices named like members are never followed or read.
            return Ok(Interest::Skip);
        }
        if path.starts_with("volumes/") {
            let volumes = &mut self.folder(folder)?.sizes.volumes;
            *volumes = volumes.saturating_add(entry.size);
            return Ok(Interest::Skip);
        }
        match path {
            members::ROOTFS_DIFF_TAR => {
                self.folder(folder)?.sizes.rootfs_diff = entry.size;
                return Ok(Interest::Skip);
            }
            members::DEVSHM_TAR => {
                self.folder(folder)?.sizes.devshm = entry.size;
                return Ok(Interest::Skip);
            }
            _ => {}
        }
        let Some(kind) = MetadataMember::from_file_name(path) else {
            if folder.is_empty() && path.ends_with(".tar") && !path.contains('/') {
                let nested = &mut self.collected.nested_tars;
                if nested.len() < members::MAX_FOLDERS {
                    nested.insert(path.to_string(), entry.size);
                }
            }
            return Ok(Interest::Skip);
        };
        if kind.root_only() && !folder.is_empty() {
            return Ok(Interest::Skip);
        }
        if folder.is_empty() {
            let root = &mut self.collected.root_members;
            match kind {
                MetadataMember::ConfigDump => root.config_dump = true,
                MetadataMember::PodDump => root.pod_dump = true,
                MetadataMember::PodOptions => root.pod_options = true,
                MetadataMember::CheckpointedPods => root.checkpointed_pods = true,
                _ => {}
            }
        } else {
            self.folder(folder)?;
        }

        if entry.size > kind.cap() {
            return Err(Error::MemberTooLarge {
                member: entry.name.clone(),
                size: entry.size,
                cap: kind.cap(),
            });
        }
        if self.budget_used.saturating_add(entry.size) > members::METADATA_BUDGET {
            return Err(Error::MetadataBudget {
                member: entry.name.clone(),
                cap: members::METADATA_BUDGET,
            });
        }
        self.budget_used += entry.size;
        if !self.metadata_seen.insert(entry.name.clone()) {
            self.warn(format!(
                "member `{}` is stored more than once: the last copy is read, \
                 as extracting the archive would leave it",
                entry.name
            ));
        }
        let capacity = usize::try_from(entry.size).unwrap_or(0);
        self.pending = Some((folder.to_string(), kind, Vec::with_capacity(capacity)));
        Ok(Interest::Data)
    }

    fn store(
        &mut self,
        folder: &str,
        kind: MetadataMember,
        name: &str,
        bytes: &[u8],
    ) -> Result<()> {
        // A member that appears twice is taken from its last copy, as
        // extracting the archive would leave it.
        match kind {
            MetadataMember::PodDump => {
                self.collected.pod_dump = Some(metadata::deserialize_object(name, bytes)?);
            }
            MetadataMember::PodOptions => {
                self.collected.pod_options = Some(metadata::deserialize_object(name, bytes)?);
            }
            MetadataMember::CheckpointedPods => {
                self.collected.checkpointed_pods = Some(metadata::deserialize_object(name, bytes)?);
            }
            MetadataMember::ConfigDump => {
                self.folder(folder)?.config = Some(metadata::deserialize_object(name, bytes)?);
            }
            MetadataMember::SpecDump => {
                self.folder(folder)?.spec = Some(SpecDump::parse(name, bytes)?);
            }
            MetadataMember::NetworkStatus => {
                self.folder(folder)?.network = Some(metadata::deserialize_object(name, bytes)?);
            }
            MetadataMember::ContainerdStatus => {
                self.folder(folder)?.containerd_status =
                    Some(metadata::deserialize_object(name, bytes)?);
            }
            MetadataMember::DeletedFiles => {
                self.folder(folder)?.deleted_files =
                    Some(metadata::count_deleted_files(name, bytes)?);
            }
        }
        Ok(())
    }
}

impl Part for Inventory {
    fn header(&mut self, entry: &Entry) -> Result<Interest> {
        self.collected.entries += 1;
        self.note_name(entry);
        if entry.outside_root {
            return Ok(Interest::Skip);
        }
        let root_interest = self.account("", &entry.name, entry)?;
        if root_interest == Interest::Data {
            return Ok(Interest::Data);
        }
        match members::split_first(&entry.name) {
            Some((first, rest)) if !ROOT_FOLDERS.contains(&first) && !rest.is_empty() => {
                self.account(first, rest, entry)
            }
            _ => Ok(Interest::Skip),
        }
    }

    fn chunk(&mut self, entry: &Entry, bytes: &[u8]) -> Result<()> {
        if let Some((_, _, buffer)) = &mut self.pending {
            // The header's size was checked against the cap; the data cannot
            // be longer than the header says, but guard anyway.
            if buffer.len() as u64 + bytes.len() as u64 > entry.size {
                return Err(Error::BadMember {
                    member: entry.name.clone(),
                    problem: "more data than its header declares".to_string(),
                });
            }
            buffer.extend_from_slice(bytes);
        }
        Ok(())
    }

    fn end(&mut self, entry: &Entry) -> Result<()> {
        if let Some((folder, kind, bytes)) = self.pending.take() {
            if kind != MetadataMember::DeletedFiles {
                self.json_values += metadata::count_values(&bytes);
                if self.json_values > members::JSON_VALUE_BUDGET {
                    return Err(Error::JsonValueBudget {
                        member: entry.name.clone(),
                        values: self.json_values,
                        cap: members::JSON_VALUE_BUDGET,
                    });
                }
            }
            self.store(&folder, kind, &entry.name, &bytes)?;
        }
        Ok(())
    }

    fn done(&self) -> bool {
        self.until_root_metadata
            && self
                .collected
                .folders
                .get("")
                .is_some_and(|root| root.config.is_some() && root.spec.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, kind: EntryKind, size: u64) -> Entry {
        Entry {
            name: name.to_string(),
            kind,
            size,
            index: 0,
            stored_name: None,
            outside_root: false,
            link_target: None,
            data_offset: None,
        }
    }

    fn feed(inventory: &mut Inventory, name: &str, data: &[u8]) {
        let e = entry(name, EntryKind::File, data.len() as u64);
        if inventory.header(&e).unwrap() == Interest::Data {
            inventory.chunk(&e, data).unwrap();
            inventory.end(&e).unwrap();
        }
    }

    #[test]
    fn sums_sizes_by_member_prefix() {
        let mut inv = Inventory::new();
        inv.header(&entry("checkpoint", EntryKind::Dir, 0)).unwrap();
        for (name, size) in [
            ("checkpoint/pages-1.img", 4096),
            ("checkpoint/amdgpu-pages-1.img", 8192),
            ("checkpoint/core-1.img", 100),
            ("rootfs-diff.tar", 10240),
            ("devshm-checkpoint.tar", 1536),
            ("volumes/data.tar", 2048),
            ("dump.log", 77),
        ] {
            assert_eq!(
                inv.header(&entry(name, EntryKind::File, size)).unwrap(),
                Interest::Skip
            );
        }
        let root = &inv.finish().folders[""];
        assert!(root.has_checkpoint_dir);
        assert_eq!(
            root.sizes,
            Sizes {
                checkpoint: 4096 + 8192 + 100,
                memory_pages: 4096,
                amd_gpu_pages: 8192,
                rootfs_diff: 10240,
                devshm: 1536,
                volumes: 2048,
            }
        );
    }

    #[test]
    fn files_pod_members_under_their_folder() {
        let mut inv = Inventory::new();
        feed(
            &mut inv,
            "pod.options",
            br#"{"containers": {"web": "abc-web"}}"#,
        );
        feed(
            &mut inv,
            "abc-web/config.dump",
            br#"{"id": "abc", "name": "web"}"#,
        );
        inv.header(&entry(
            "abc-web/checkpoint/pages-1.img",
            EntryKind::File,
            4096,
        ))
        .unwrap();
        let collected = inv.finish();
        assert!(collected.root_members.pod_options);
        assert!(!collected.root_members.config_dump);
        let web = &collected.folders["abc-web"];
        assert_eq!(web.config.as_ref().unwrap().name, "web");
        assert_eq!(web.sizes.memory_pages, 4096);
        assert!(!collected.folders.contains_key("checkpoint"));
    }

    #[test]
    fn links_named_like_members_are_not_read() {
        let mut inv = Inventory::new();
        let link = entry("config.dump", EntryKind::Symlink, 0);
        assert_eq!(inv.header(&link).unwrap(), Interest::Skip);
        assert!(!inv.finish().root_members.config_dump);
    }

    #[test]
    fn member_over_its_cap_is_an_error_before_reading() {
        let mut inv = Inventory::new();
        let big = entry("spec.dump", EntryKind::File, members::JSON_MEMBER_CAP + 1);
        let err = inv.header(&big).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("member `spec.dump` is 4194305 bytes, over"),
            "{err}"
        );
    }

    #[test]
    fn done_once_root_config_and_spec_are_read_when_asked() {
        let mut inv = Inventory::until_root_metadata();
        feed(&mut inv, "spec.dump", b"{}");
        assert!(!inv.done());
        // A pod folder's config.dump is not the root's.
        feed(&mut inv, "abc-web/config.dump", b"{}");
        assert!(!inv.done());
        feed(&mut inv, "config.dump", br#"{"name": "web"}"#);
        assert!(inv.done());

        let mut show = Inventory::new();
        feed(&mut show, "config.dump", b"{}");
        feed(&mut show, "spec.dump", b"{}");
        assert!(!show.done(), "`show` reads the whole archive");
    }

    #[test]
    fn metadata_budget_bounds_many_members() {
        let mut inv = Inventory::new();
        let size = members::JSON_MEMBER_CAP;
        let mut failed = None;
        for i in 0..20 {
            let e = entry(&format!("c{i}/config.dump"), EntryKind::File, size);
            if let Err(err) = inv.header(&e) {
                failed = Some(err);
                break;
            }
            inv.pending = None;
        }
        assert!(matches!(failed, Some(Error::MetadataBudget { .. })));
    }
}
