//! containerd's `status` member: its own record of the container's state,
//! with times as nanoseconds since the Unix epoch.

use serde::Deserialize;

/// The keys of containerd's `status`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct ContainerdStatus {
    /// Creation time, nanoseconds since the epoch.
    pub created_at: i64,
    /// Start time, nanoseconds since the epoch.
    pub started_at: i64,
    /// Exit time, nanoseconds since the epoch (0 while running).
    pub finished_at: i64,
    /// Exit code, once finished.
    pub exit_code: i32,
    /// PID of the container's init process on the host.
    pub pid: u32,
    /// Why the container finished.
    pub reason: String,
    /// Message that goes with `reason`.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_real_status() {
        let json = br#"{"Version":"v1","Pid":24232,"CreatedAt":1796323545199761228,"StartedAt":1796323545249506258,"FinishedAt":0,"ExitCode":0,"Reason":"","Message":"","Resources":{"linux":{}},"Restore":false}"#;
        let status: ContainerdStatus = crate::metadata::deserialize("status", json).unwrap();
        assert_eq!(status.pid, 24232);
        assert_eq!(status.created_at, 1_796_323_545_199_761_228);
    }
}
