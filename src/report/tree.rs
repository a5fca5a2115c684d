//! `show --format tree`: one tree per archive, drawn with the box-drawing
//! characters of checkpointctl's `inspect` tree.

use std::io::{self, Write};

use crate::classify::ArchiveKind;
use crate::report::model::{ArchiveReport, ContainerReport};
use crate::report::units::iec;

/// A labelled node with children, printed depth first.
#[derive(Debug, Clone, Default)]
pub struct Node {
    /// The text on the node's line.
    pub label: String,
    /// Its children, in print order.
    pub children: Vec<Node>,
}

impl Node {
    /// A node without children.
    pub fn leaf(label: impl Into<String>) -> Node {
        Node {
            label: label.into(),
            children: Vec::new(),
        }
    }

    /// Add a child and return it, for building nested branches.
    pub fn push(&mut self, child: Node) -> &mut Node {
        self.children.push(child);
        let last = self.children.len() - 1;
        &mut self.children[last]
    }

    /// Print the node and its subtree. A label with line breaks continues
    /// under the same indentation, as treeprint does.
    pub fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        let label = self.label.replace('\n', "\n│   ");
        writeln!(out, "{}", crate::report::style::bold(&label))?;
        write_children(out, &self.children, "")
    }
}

fn write_children(out: &mut dyn Write, children: &[Node], indent: &str) -> io::Result<()> {
    for (i, child) in children.iter().enumerate() {
        let last = i + 1 == children.len();
        let (branch, next) = if last {
            ("└── ", "    ")
        } else {
            ("├── ", "│   ")
        };
        let continuation = format!("\n{indent}{next}");
        writeln!(
            out,
            "{indent}{branch}{}",
            child.label.replace('\n', &continuation)
        )?;
        write_children(out, &child.children, &format!("{indent}{next}"))?;
    }
    Ok(())
}

/// Write one tree per archive.
pub fn write(out: &mut dyn Write, reports: &[ArchiveReport]) -> io::Result<()> {
    for report in reports {
        let what = match report.archive_type {
            ArchiveKind::Container => "container",
            ArchiveKind::Pod => "pod",
            ArchiveKind::Kubelet => "kubelet",
            ArchiveKind::Unknown => "archive",
        };
        writeln!(
            out,
            "\nDisplaying {what} checkpoint tree view from {}\n",
            report.archive
        )?;
        archive_tree(report).write(out)?;
        writeln!(out)?;
    }
    Ok(())
}

/// The tree of one archive.
pub fn archive_tree(report: &ArchiveReport) -> Node {
    match report.archive_type {
        ArchiveKind::Container => match report.containers.first() {
            Some(c) => container_tree(c),
            None => Node::leaf("Container"),
        },
        ArchiveKind::Pod => {
            let pod = report.pod.clone().unwrap_or_default();
            let mut root = Node::leaf(if pod.name.is_empty() {
                "Pod".to_string()
            } else {
                pod.name
            });
            for (label, value) in [
                ("Namespace", &pod.namespace),
                ("UID", &pod.uid),
                ("Engine", &pod.engine),
            ] {
                if !value.is_empty() {
                    root.push(Node::leaf(format!("{label}: {value}")));
                }
            }
            let containers = root.push(Node::leaf("Containers"));
            for c in &report.containers {
                containers.push(container_tree(c));
            }
            root
        }
        ArchiveKind::Kubelet => {
            let mut root = Node::leaf("Kubelet checkpoint");
            let mut current: Option<(String, String)> = None;
            for c in &report.containers {
                let key = (
                    c.metadata.pod_name.clone(),
                    c.metadata.kubernetes_namespace.clone(),
                );
                if current.as_ref() != Some(&key) {
                    root.push(Node::leaf(format!("Pod {} (namespace {})", key.0, key.1)));
                    current = Some(key);
                }
                if let Some(pod) = root.children.last_mut() {
                    pod.push(container_tree(c));
                }
            }
            root
        }
        ArchiveKind::Unknown => {
            let mut root = Node::leaf("Unknown archive (not a checkpoint)");
            if let Some(c) = report.containers.first() {
                add_sizes(&mut root, c);
            }
            root
        }
    }
}

/// The tree of one container: checkpointctl's `inspect` tree up to and
/// including the metadata, without the process parts.
pub fn container_tree(c: &ContainerReport) -> Node {
    let mut root = container_head(c);
    if let Some(metadata) = metadata_node(c) {
        root.push(metadata);
    }
    root
}

/// The container's name with its facts and sizes, as the first branches of
/// checkpointctl's tree.
pub fn container_head(c: &ContainerReport) -> Node {
    let name = if c.container_name.is_empty() {
        "Container"
    } else {
        &c.container_name
    };
    let mut root = Node::leaf(name);
    root.push(Node::leaf(format!("Image: {}", c.image)));
    root.push(Node::leaf(format!("ID: {}", c.id)));
    if !c.runtime.is_empty() {
        root.push(Node::leaf(format!("Runtime: {}", c.runtime)));
    }
    if !c.created.is_empty() {
        root.push(Node::leaf(format!("Created: {}", c.created)));
    }
    if let Some(checkpointed) = &c.checkpointed {
        root.push(Node::leaf(format!("Checkpointed: {checkpointed}")));
    }
    root.push(Node::leaf(format!("Engine: {}", c.engine)));

    if c.networks.is_empty() {
        if !c.ip.is_empty() {
            root.push(Node::leaf(format!("IP: {}", c.ip)));
        }
        if !c.mac.is_empty() {
            root.push(Node::leaf(format!("MAC: {}", c.mac)));
        }
    } else {
        let networks = root.push(Node::leaf("Network Interfaces"));
        for network in &c.networks {
            for (name, iface) in &network.interfaces {
                let node = networks.push(Node::leaf(format!("{} ({name})", network.name)));
                let fields = [
                    ("IP", &iface.ip),
                    ("MAC", &iface.mac),
                    ("Gateway", &iface.gateway),
                ];
                for (label, value) in fields {
                    if !value.is_empty() {
                        node.push(Node::leaf(format!("{label}: {value}")));
                    }
                }
                for more in &iface.more_addresses {
                    node.push(Node::leaf(format!("IP: {}", more.ip)));
                    if !more.gateway.is_empty() {
                        node.push(Node::leaf(format!("Gateway: {}", more.gateway)));
                    }
                }
            }
        }
    }
    add_sizes(&mut root, c);
    root
}

/// Pod, namespace and annotations, when there are any.
pub fn metadata_node(c: &ContainerReport) -> Option<Node> {
    let meta = &c.metadata;
    if meta.pod_name.is_empty()
        && meta.kubernetes_namespace.is_empty()
        && meta.annotations.is_empty()
    {
        return None;
    }
    let mut node = Node::leaf("Metadata");
    if !meta.pod_name.is_empty() {
        node.push(Node::leaf(format!("Pod name: {}", meta.pod_name)));
    }
    if !meta.kubernetes_namespace.is_empty() {
        node.push(Node::leaf(format!(
            "Kubernetes namespace: {}",
            meta.kubernetes_namespace
        )));
    }
    if !meta.annotations.is_empty() {
        let annotations = node.push(Node::leaf("Annotations"));
        for (key, value) in &meta.annotations {
            annotations.push(Node::leaf(format!("{key}: {value}")));
        }
    }
    Some(node)
}

fn add_sizes(root: &mut Node, c: &ContainerReport) {
    let sizes = &c.checkpoint_size;
    let nonzero = |size: Option<u64>| size.filter(|&s| s > 0);
    if let Some(total) = sizes.total_size {
        let node = root.push(Node::leaf(format!("Checkpoint size: {}", iec(total))));
        if let Some(pages) = nonzero(sizes.memory_pages_size) {
            node.push(Node::leaf(format!("Memory pages size: {}", iec(pages))));
        }
        if let Some(gpu) = nonzero(sizes.amd_gpu_memory_pages_size) {
            node.push(Node::leaf(format!(
                "AMD GPU memory pages size: {}",
                iec(gpu)
            )));
        }
    }
    if let Some(diff) = nonzero(sizes.root_fs_diff_size) {
        root.push(Node::leaf(format!("Root FS diff size: {}", iec(diff))));
    }
    if let Some(shm) = nonzero(sizes.devshm_size) {
        root.push(Node::leaf(format!("/dev/shm size: {}", iec(shm))));
    }
    if let Some(volumes) = nonzero(sizes.volumes_size) {
        root.push(Node::leaf(format!("Volumes size: {}", iec(volumes))));
    }
    if let Some(deleted) = c.deleted_files {
        root.push(Node::leaf(format!("Deleted files: {deleted}")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_nested_branches() {
        let mut root = Node::leaf("rich");
        root.push(Node::leaf("Image: base"));
        let sizes = root.push(Node::leaf("Checkpoint size: 1.0 KiB"));
        sizes.push(Node::leaf("Memory pages size: 512 B"));
        root.push(Node::leaf("Engine: Podman"));
        let mut out = Vec::new();
        root.write(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "rich\n├── Image: base\n├── Checkpoint size: 1.0 KiB\n│   └── Memory pages size: 512 B\n└── Engine: Podman\n"
        );
    }
}
