//! From what the scan collected to the report: the engine facts.
//!
//! The engines fill the same fields from different places:
//! - Podman (`io.container.manager` = `libpod`): name and creation time
//!   from `config.dump`, addresses from `network.status`;
//! - CRI-O (`cri-o`): name from the JSON annotation
//!   `io.kubernetes.cri-o.Metadata`, creation time, IP, pod and namespace
//!   from annotations;
//! - containerd (anything else): name, pod and namespace from the
//!   `io.kubernetes.cri.*` annotations, creation time from `config.dump`
//!   or, when it has none, from containerd's `status`.

use serde::Deserialize;

use crate::archive::compression::Compression;
use crate::classify::{ArchiveKind, classify};
use crate::error::{Error, Result};
use crate::inventory::{Collected, Folder};
use crate::members;
use crate::metadata::spec_dump::annotation_json;
use crate::metadata::time::{from_unix_nanos, rfc3339_seconds};
use crate::metadata::{ConfigDump, SpecDump};
use crate::report::model::{
    AddressReport, ArchiveReport, ContainerReport, InterfaceReport, MetadataReport, NetworkReport,
    PodReport, SizeReport,
};

const MANAGER: &str = "io.container.manager";
const CRIO_METADATA: &str = "io.kubernetes.cri-o.Metadata";
const CRIO_CREATED: &str = "io.kubernetes.cri-o.Created";
const CRIO_IP: &str = "io.kubernetes.cri-o.IP.0";
const K8S_POD_NAME: &str = "io.kubernetes.pod.name";
const K8S_POD_NAMESPACE: &str = "io.kubernetes.pod.namespace";
const CRI_CONTAINER_NAME: &str = "io.kubernetes.cri.container-name";
const CRI_SANDBOX_NAME: &str = "io.kubernetes.cri.sandbox-name";
const CRI_SANDBOX_NAMESPACE: &str = "io.kubernetes.cri.sandbox-namespace";

/// The engines ckpt tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Podman (libpod).
    Podman,
    /// CRI-O.
    CriO,
    /// containerd (the default when no manager annotation says otherwise).
    Containerd,
}

impl Engine {
    /// Tell the engine from the `io.container.manager` annotation's value.
    pub fn from_manager(manager: &str) -> Engine {
        match manager {
            "libpod" => Engine::Podman,
            "cri-o" => Engine::CriO,
            _ => Engine::Containerd,
        }
    }

    /// The name reports print, as checkpointctl spells it.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Podman => "Podman",
            Engine::CriO => "CRI-O",
            Engine::Containerd => "containerd",
        }
    }
}

/// Build the report of one archive.
pub fn build(
    archive: &str,
    compression: Compression,
    collected: &Collected,
) -> Result<ArchiveReport> {
    let kind = classify(collected.root_members);
    let mut report = ArchiveReport {
        archive: archive.to_string(),
        archive_type: kind,
        compression,
        containers: Vec::new(),
        pod: None,
        warnings: collected.warnings.clone(),
    };
    let base = ContainerReport {
        archive: archive.to_string(),
        archive_type: kind,
        compression,
        ..ContainerReport::default()
    };
    let empty = Folder::default();
    let root = collected.folders.get("").unwrap_or(&empty);

    match kind {
        ArchiveKind::Container => {
            if !root.has_checkpoint_dir {
                return Err(Error::MissingCheckpoint {
                    folder: String::new(),
                });
            }
            let container = container(&base, "", root, &mut report.warnings)?;
            report.containers.push(container);
        }
        ArchiveKind::Pod => pod(&base, collected, &mut report)?,
        ArchiveKind::Kubelet => kubelet(&base, collected, &mut report),
        ArchiveKind::Unknown => {
            report.warnings.push(format!(
                "not a checkpoint archive: none of `{}`, `{}`, `{}` or `{}` decides its kind",
                members::CONFIG_DUMP,
                members::POD_DUMP,
                members::POD_OPTIONS,
                members::CHECKPOINTED_PODS
            ));
            let mut unknown = base;
            unknown.checkpoint_size = sizes(root);
            report.containers.push(unknown);
        }
    }
    Ok(report)
}

/// The report of the container at the archive root from its `config.dump`
/// and `spec.dump` alone, for a scan that stopped as soon as both were read
/// ([`crate::inventory::Inventory::until_root_metadata`], used by `list`).
/// The archive is taken to be a container archive; its sizes, which only
/// the whole archive tells, are left unknown (`null`).
pub fn root_container(
    archive: &str,
    compression: Compression,
    collected: &Collected,
) -> Result<ArchiveReport> {
    let base = ContainerReport {
        archive: archive.to_string(),
        archive_type: ArchiveKind::Container,
        compression,
        ..ContainerReport::default()
    };
    let empty = Folder::default();
    let root = collected.folders.get("").unwrap_or(&empty);
    let mut warnings = collected.warnings.clone();
    let mut report = container(&base, "", root, &mut warnings)?;
    report.checkpoint_size = SizeReport::default();
    report.deleted_files = None;
    Ok(ArchiveReport {
        archive: archive.to_string(),
        archive_type: ArchiveKind::Container,
        compression,
        containers: vec![report],
        pod: None,
        warnings,
    })
}

/// One container from its folder (`""` is the archive root).
fn container(
    base: &ContainerReport,
    folder_name: &str,
    folder: &Folder,
    warnings: &mut Vec<String>,
) -> Result<ContainerReport> {
    let prefix = if folder_name.is_empty() {
        String::new()
    } else {
        format!("{folder_name}/")
    };
    let default_config = ConfigDump::default();
    let default_spec = SpecDump::default();
    let config = folder.config.as_ref().unwrap_or(&default_config);
    let spec = match &folder.spec {
        Some(spec) => {
            if let Some(err) = &spec.strict_error {
                warnings.push(format!(
                    "member `{prefix}spec.dump`: the strict OCI spec type rejected it ({err}); \
                     the report uses the fields ckpt reads and skips the typed spec"
                ));
            }
            spec
        }
        None => {
            warnings.push(format!(
                "member `{prefix}spec.dump` is missing; engine facts may be incomplete"
            ));
            &default_spec
        }
    };
    if folder.config.is_none() {
        warnings.push(format!(
            "member `{prefix}config.dump` is missing; ID, image and runtime are unknown"
        ));
    }

    let engine = Engine::from_manager(spec.annotation(MANAGER));
    let mut report = ContainerReport {
        folder: folder_name.to_string(),
        image: first_nonempty(&config.rootfs_image_name, &config.rootfs_image),
        id: config.id.clone(),
        runtime: config.runtime.clone(),
        checkpointed: config
            .checkpointed_time
            .as_deref()
            .and_then(rfc3339_seconds),
        engine: engine.name().to_string(),
        checkpoint_size: sizes(folder),
        deleted_files: folder.deleted_files,
        ..base.clone()
    };
    let created_from_config = config.created_time.as_deref().and_then(rfc3339_seconds);
    let mut metadata = MetadataReport {
        annotations: spec.annotations.clone(),
        ..Default::default()
    };

    match engine {
        Engine::Podman => {
            report.container_name = config.name.clone();
            report.created = created_from_config.unwrap_or_default();
        }
        Engine::CriO => {
            report.container_name = crio_name(&prefix, spec, config, warnings);
            report.created = spec.annotation(CRIO_CREATED).to_string();
            report.ip = spec.annotation(CRIO_IP).to_string();
            metadata.pod_name = spec.annotation(K8S_POD_NAME).to_string();
            metadata.kubernetes_namespace = spec.annotation(K8S_POD_NAMESPACE).to_string();
        }
        Engine::Containerd => {
            report.container_name =
                first_nonempty(spec.annotation(CRI_CONTAINER_NAME), &config.name);
            let from_status = folder
                .containerd_status
                .as_ref()
                .and_then(|status| from_unix_nanos(status.created_at));
            report.created = created_from_config.or(from_status).unwrap_or_default();
            metadata.pod_name = spec.annotation(CRI_SANDBOX_NAME).to_string();
            metadata.kubernetes_namespace = spec.annotation(CRI_SANDBOX_NAMESPACE).to_string();
        }
    }
    report.metadata = metadata;

    if let Some(network) = &folder.network {
        for (name, net) in &network.networks {
            let mut node = NetworkReport {
                name: name.clone(),
                ..Default::default()
            };
            for (iface_name, iface) in &net.interfaces {
                let first = iface.subnets.first();
                let more = iface.subnets.iter().skip(1).map(|s| AddressReport {
                    ip: s.ipnet.clone(),
                    gateway: s.gateway.clone(),
                });
                node.interfaces.insert(
                    iface_name.clone(),
                    InterfaceReport {
                        ip: first.map(|s| s.ipnet.clone()).unwrap_or_default(),
                        mac: iface.mac_address.clone(),
                        gateway: first.map(|s| s.gateway.clone()).unwrap_or_default(),
                        more_addresses: more.collect(),
                    },
                );
            }
            report.networks.push(node);
        }
        // The summary address is the first interface's, as checkpointctl
        // picks it; names are sorted, so "first" is stable here.
        if report.ip.is_empty()
            && let Some(iface) = report
                .networks
                .iter()
                .flat_map(|n| n.interfaces.values())
                .next()
        {
            report.ip = iface.ip.split('/').next().unwrap_or_default().to_string();
            report.mac = iface.mac.clone();
        }
    }
    Ok(report)
}

fn crio_name(
    prefix: &str,
    spec: &SpecDump,
    config: &ConfigDump,
    warnings: &mut Vec<String>,
) -> String {
    #[derive(Deserialize)]
    struct CrioMetadata {
        #[serde(default)]
        name: String,
    }
    let member = format!("{prefix}spec.dump");
    match annotation_json::<CrioMetadata>(&member, CRIO_METADATA, spec.annotation(CRIO_METADATA)) {
        Ok(meta) if !meta.name.is_empty() => meta.name,
        Ok(_) => config.name.clone(),
        Err(err) => {
            warnings.push(format!("{err}; using the name in `config.dump`"));
            config.name.clone()
        }
    }
}

fn pod(base: &ContainerReport, collected: &Collected, report: &mut ArchiveReport) -> Result<()> {
    let mut pod = PodReport::default();
    if let Some(dump) = &collected.pod_dump {
        pod.name = dump.metadata.name.clone();
        pod.namespace = dump.metadata.namespace.clone();
        pod.uid = dump.metadata.uid.clone();
    }

    // The folders `pod.options` names come first, in its order; any other
    // container folder after them, sorted.
    let mut order: Vec<&str> = Vec::new();
    if let Some(options) = &collected.pod_options {
        for (_, folder) in options.containers.pairs() {
            if let Some((name, _)) = collected.folders.get_key_value(folder.as_str()) {
                order.push(name);
            } else {
                report.warnings.push(format!(
                    "member `{}` names container folder `{folder}/`, which the archive lacks",
                    members::POD_OPTIONS
                ));
            }
        }
    }
    for (name, folder) in &collected.folders {
        if !name.is_empty() && folder.is_container() && !order.contains(&name.as_str()) {
            order.push(name);
        }
    }

    for name in order {
        let folder = &collected.folders[name];
        if !folder.has_checkpoint_dir {
            return Err(Error::MissingCheckpoint {
                folder: format!("{name}/"),
            });
        }
        let mut container = container(base, name, folder, &mut report.warnings)?;
        if pod.engine.is_empty() {
            pod.engine = container.engine.clone();
        }
        if pod.name.is_empty() {
            pod.name = container.metadata.pod_name.clone();
        }
        if pod.namespace.is_empty() {
            pod.namespace = container.metadata.kubernetes_namespace.clone();
        }
        if container.metadata.pod_name.is_empty() {
            container.metadata.pod_name = pod.name.clone();
        }
        if container.metadata.kubernetes_namespace.is_empty() {
            container.metadata.kubernetes_namespace = pod.namespace.clone();
        }
        report.containers.push(container);
    }
    if report.containers.is_empty() {
        report
            .warnings
            .push("pod archive holds no container folder".to_string());
    }
    report.pod = Some(pod);
    Ok(())
}

fn kubelet(base: &ContainerReport, collected: &Collected, report: &mut ArchiveReport) {
    let Some(pods) = &collected.checkpointed_pods else {
        return;
    };
    for pod in &pods.pods {
        let engine = match pod.manager.as_str() {
            "" => String::new(),
            manager => Engine::from_manager(manager).name().to_string(),
        };
        if !collected
            .nested_tars
            .contains_key(&format!("{}.tar", pod.sandbox_id))
        {
            report.warnings.push(format!(
                "member `{}` lists pod `{}`, whose archive `{}.tar` is missing",
                members::CHECKPOINTED_PODS,
                pod.name,
                pod.sandbox_id
            ));
        }
        for c in &pod.containers {
            report.containers.push(ContainerReport {
                container_name: c.name.clone(),
                image: c.image.clone(),
                id: c.id.clone(),
                engine: engine.clone(),
                ip: pod.pod_ip.clone(),
                metadata: MetadataReport {
                    pod_name: pod.name.clone(),
                    kubernetes_namespace: pod.namespace.clone(),
                    ..Default::default()
                },
                ..base.clone()
            });
        }
    }
}

fn sizes(folder: &Folder) -> SizeReport {
    let s = &folder.sizes;
    SizeReport {
        total_size: Some(s.checkpoint),
        memory_pages_size: Some(s.memory_pages),
        amd_gpu_memory_pages_size: Some(s.amd_gpu_pages),
        root_fs_diff_size: Some(s.rootfs_diff),
        devshm_size: Some(s.devshm),
        volumes_size: Some(s.volumes),
    }
}

fn first_nonempty(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        a.to_string()
    }
}
