//! `spec.dump`: the OCI runtime spec the container ran with.
//!
//! Two parses. The strict one uses `oci_spec::runtime::Spec` and is kept for
//! library users who want the whole typed spec. Its enums are closed, so one
//! value it does not know (a new capability, namespace or seccomp action)
//! fails the whole parse, where runc only warns. The report must survive
//! that, so the fields a report needs come from a second, lenient parse of
//! our own, where such values are plain strings. When the strict parse
//! fails, its reason is kept in [`SpecDump::strict_error`] for the report's
//! warnings.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

use crate::error::{Error, Result};

/// The parts of the OCI spec a report shows, plus the typed spec when it
/// parses.
#[derive(Debug, Clone, Default)]
pub struct SpecDump {
    /// `annotations`; they tell which engine wrote the archive.
    pub annotations: BTreeMap<String, String>,
    /// `hostname`.
    pub hostname: String,
    /// `mounts`, in spec order.
    pub mounts: Vec<Mount>,
    /// `process.args`.
    pub args: Vec<String>,
    /// `process.env`.
    pub env: Vec<String>,
    /// `process.cwd`.
    pub cwd: String,
    /// `linux.namespaces[].type`, as written.
    pub namespaces: Vec<String>,
    /// The whole spec, typed, when `oci_spec` accepts it.
    pub strict: Option<Box<oci_spec::runtime::Spec>>,
    /// Why `oci_spec` rejected the spec, when it did.
    pub strict_error: Option<String>,
}

/// One entry of the spec's `mounts`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Mount {
    /// Path inside the container.
    pub destination: String,
    /// File system type (`bind`, `proc`, `tmpfs`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// Host path or device.
    pub source: String,
    /// Mount options.
    pub options: Vec<String>,
}

impl SpecDump {
    /// Parse `spec.dump` from its bytes. Fails only when the bytes are not
    /// JSON or the fields ckpt reads have the wrong shape.
    pub fn parse(member: &str, bytes: &[u8]) -> Result<SpecDump> {
        let lenient: LenientSpec = crate::metadata::deserialize_object(member, bytes)?;
        let (strict, strict_error) = match serde_json::from_slice::<oci_spec::runtime::Spec>(bytes)
        {
            Ok(spec) => (Some(Box::new(spec)), None),
            Err(err) => (None, Some(err.to_string())),
        };
        let process = lenient.process.unwrap_or_default();
        let linux = lenient.linux.unwrap_or_default();
        Ok(SpecDump {
            annotations: lenient.annotations,
            hostname: lenient.hostname,
            mounts: lenient.mounts,
            args: process.args,
            env: process.env,
            cwd: process.cwd,
            namespaces: linux.namespaces.into_iter().map(|ns| ns.kind).collect(),
            strict,
            strict_error,
        })
    }

    /// The annotation `key`, or `""`.
    pub fn annotation(&self, key: &str) -> &str {
        self.annotations.get(key).map_or("", String::as_str)
    }
}

/// Parse an annotation that holds JSON (CRI-O's `io.kubernetes.cri-o.Metadata`).
pub fn annotation_json<T: for<'de> Deserialize<'de>>(
    member: &str,
    key: &str,
    value: &str,
) -> Result<T> {
    serde_json::from_str(value).map_err(|err| Error::BadMember {
        member: member.to_string(),
        problem: format!("annotation `{key}` is not the JSON expected: {err}"),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LenientSpec {
    #[serde(deserialize_with = "string_map")]
    annotations: BTreeMap<String, String>,
    hostname: String,
    mounts: Vec<Mount>,
    process: Option<LenientProcess>,
    linux: Option<LenientLinux>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LenientProcess {
    args: Vec<String>,
    env: Vec<String>,
    cwd: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LenientLinux {
    namespaces: Vec<LenientNamespace>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LenientNamespace {
    #[serde(rename = "type")]
    kind: String,
}

/// Annotations are strings by the spec; a writer that puts another JSON
/// value there gets it back as JSON text rather than a failed report.
fn string_map<'de, D: Deserializer<'de>>(de: D) -> Result<BTreeMap<String, String>, D::Error> {
    let raw: Option<BTreeMap<String, serde_json::Value>> = Option::deserialize(de)?;
    Ok(raw
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => (k, s),
            other => (k, other.to_string()),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_object_is_a_valid_spec() {
        let spec = SpecDump::parse("spec.dump", b"{}").unwrap();
        assert!(spec.annotations.is_empty());
        assert!(spec.mounts.is_empty());
        assert!(spec.strict.is_some());
    }

    #[test]
    fn unknown_capability_falls_back_to_lenient_fields() {
        let json = br#"{
            "ociVersion": "1.2.0",
            "process": {"args": ["sh"], "cwd": "/", "capabilities": {"bounding": ["CAP_FROM_THE_FUTURE"]}},
            "annotations": {"io.container.manager": "cri-o"},
            "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
            "linux": {"namespaces": [{"type": "pid"}, {"type": "brand-new"}]}
        }"#;
        let spec = SpecDump::parse("spec.dump", json).unwrap();
        assert!(spec.strict.is_none());
        assert!(
            spec.strict_error
                .as_deref()
                .unwrap()
                .contains("CAP_FROM_THE_FUTURE")
        );
        assert_eq!(spec.annotation("io.container.manager"), "cri-o");
        assert_eq!(spec.args, ["sh"]);
        assert_eq!(spec.namespaces, ["pid", "brand-new"]);
        assert_eq!(spec.mounts[0].kind, "proc");
    }

    #[test]
    fn non_string_annotation_becomes_text() {
        let spec =
            SpecDump::parse("spec.dump", br#"{"annotations": {"n": 15, "s": "x"}}"#).unwrap();
        assert_eq!(spec.annotation("n"), "15");
        assert_eq!(spec.annotation("s"), "x");
    }

    #[test]
    fn wrong_shape_of_a_read_field_is_an_error() {
        assert!(SpecDump::parse("spec.dump", br#"{"mounts": "none"}"#).is_err());
        assert!(SpecDump::parse("spec.dump", b"[]").is_err());
    }
}
