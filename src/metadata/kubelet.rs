//! `checkpointed.pods`: the kubelet's record of the pods in a kubelet
//! archive. The pods' own checkpoints sit beside it as nested tar files.

use serde::Deserialize;

/// The whole member.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CheckpointedPods {
    /// Format version.
    pub version: i64,
    /// One record per pod.
    #[serde(rename = "CheckpointedPods")]
    pub pods: Vec<CheckpointedPod>,
}

/// One checkpointed pod.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CheckpointedPod {
    /// Pod UID.
    #[serde(rename = "io.kubernetes.pod.uid")]
    pub uid: String,
    /// Sandbox ID; the pod's nested archive is named after it.
    #[serde(rename = "SandboxID")]
    pub sandbox_id: String,
    /// Pod name.
    #[serde(rename = "io.kubernetes.pod.name")]
    pub name: String,
    /// Kubernetes namespace.
    #[serde(rename = "io.kubernetes.pod.namespace")]
    pub namespace: String,
    /// Grace period in seconds.
    #[serde(rename = "io.kubernetes.pod.terminationGracePeriod")]
    pub termination_grace_period: i64,
    /// Where the pod's config came from.
    #[serde(rename = "kubernetes.io/config.source")]
    pub config_source: String,
    /// When the kubelet first saw the pod.
    #[serde(rename = "kubernetes.io/config.seen")]
    pub config_seen: String,
    /// The engine (`cri-o`, `containerd`, ...).
    #[serde(rename = "io.container.manager")]
    pub manager: String,
    /// The node's IP.
    #[serde(rename = "hostIP")]
    pub host_ip: String,
    /// The pod's IP.
    #[serde(rename = "podIP")]
    pub pod_ip: String,
    /// All of the pod's IPs, as written (a list of strings or of objects).
    #[serde(rename = "podIPs")]
    pub pod_ips: serde_json::Value,
    /// The pod's containers.
    #[serde(rename = "Containers")]
    pub containers: Vec<CheckpointedContainer>,
}

/// One container of a checkpointed pod.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CheckpointedContainer {
    /// Container name.
    #[serde(rename = "io.kubernetes.container.name")]
    pub name: String,
    /// Container ID.
    pub id: String,
    /// Image.
    #[serde(rename = "Image")]
    pub image: String,
    /// Restart count.
    #[serde(rename = "io.kubernetes.container.restartCount")]
    pub restart_count: i64,
    /// Termination message path.
    #[serde(rename = "io.kubernetes.container.terminationMessagePath")]
    pub termination_message_path: String,
    /// Termination message policy.
    #[serde(rename = "io.kubernetes.container.terminationMessagePolicy")]
    pub termination_message_policy: String,
    /// UID owning the termination message path.
    #[serde(rename = "terminationMessagePathUID")]
    pub termination_message_path_uid: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pods_and_containers() {
        let json = br#"{"version": 1, "CheckpointedPods": [{
            "io.kubernetes.pod.uid": "uid1", "SandboxID": "sb1",
            "io.kubernetes.pod.name": "web", "io.kubernetes.pod.namespace": "prod",
            "io.kubernetes.pod.terminationGracePeriod": 30,
            "io.container.manager": "cri-o", "podIPs": ["10.0.0.5"],
            "Containers": [{"io.kubernetes.container.name": "nginx", "id": "c1", "Image": "nginx:1"}]
        }]}"#;
        let pods: CheckpointedPods =
            crate::metadata::deserialize("checkpointed.pods", json).unwrap();
        assert_eq!(pods.pods.len(), 1);
        assert_eq!(pods.pods[0].containers[0].image, "nginx:1");
        assert_eq!(pods.pods[0].termination_grace_period, 30);
    }
}
