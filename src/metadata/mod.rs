//! Deserializing the JSON members of an archive, from bytes in memory.
//!
//! Every type here is lenient in the way the engines' own readers are: keys
//! may be missing (they get defaults) and unknown keys are ignored. What is
//! not JSON, or JSON of the wrong shape for its member, is an error that
//! names the member.

pub mod config_dump;
pub mod containerd_status;
pub mod kubelet;
pub mod network_status;
pub mod pod;
pub mod spec_dump;
pub mod time;

use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

pub use config_dump::ConfigDump;
pub use containerd_status::ContainerdStatus;
pub use kubelet::CheckpointedPods;
pub use network_status::NetworkStatus;
pub use pod::{PodDump, PodOptions};
pub use spec_dump::SpecDump;

/// Deserialize a member's bytes, naming the member in any error. A JSON
/// `null` gives the type's default, as Go's decoder leaves the value alone.
pub fn deserialize<T: DeserializeOwned + Default>(member: &str, bytes: &[u8]) -> Result<T> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::EmptyMember(member.to_string()));
    }
    serde_json::from_slice::<Option<T>>(bytes)
        .map(Option::unwrap_or_default)
        .map_err(|source| Error::Json {
            member: member.to_string(),
            source,
        })
}

/// Like [`deserialize`], for members that must hold a JSON object (or
/// `null`). serde would also build a struct from a JSON array, field by
/// field; Go's decoder, which wrote these members, rejects that, and so do we.
pub fn deserialize_object<T: DeserializeOwned + Default>(member: &str, bytes: &[u8]) -> Result<T> {
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => Err(Error::BadMember {
            member: member.to_string(),
            problem: "expected a JSON object, found a list".to_string(),
        }),
        _ => deserialize(member, bytes),
    }
}

/// The number of paths in `deleted.files`, counted without holding them:
/// the member may have millions.
pub fn count_deleted_files(member: &str, bytes: &[u8]) -> Result<usize> {
    let (_, count) = deleted_paths(member, bytes, 0)?;
    Ok(usize::try_from(count).unwrap_or(usize::MAX))
}

/// The first `max` paths of `deleted.files` (and how many more), for the
/// listing of the rootfs diff.
pub fn deleted_paths(member: &str, bytes: &[u8], max: usize) -> Result<(Vec<String>, u64)> {
    let paths: Option<FirstPaths> = deserialize_seeded(member, bytes, max)?;
    Ok(paths.map_or((Vec::new(), 0), |p| (p.kept, p.more)))
}

/// Deserialize a JSON list of strings, keeping the first `max`.
fn deserialize_seeded(member: &str, bytes: &[u8], max: usize) -> Result<Option<FirstPaths>> {
    use serde::de::DeserializeSeed;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::EmptyMember(member.to_string()));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let json = |source| Error::Json {
        member: member.to_string(),
        source,
    };
    let value = FirstPathsSeed(max)
        .deserialize(&mut deserializer)
        .map_err(json)?;
    deserializer.end().map_err(json)?;
    Ok(value)
}

/// The first paths of a list, and the count of the rest.
struct FirstPaths {
    kept: Vec<String>,
    more: u64,
}

/// Keeps at most `.0` paths; `null` gives `None`.
struct FirstPathsSeed(usize);

impl<'de> serde::de::DeserializeSeed<'de> for FirstPathsSeed {
    type Value = Option<FirstPaths>;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        struct Paths(usize);
        impl<'de> serde::de::Visitor<'de> for Paths {
            type Value = Option<FirstPaths>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of paths")
            }
            fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let mut paths = FirstPaths {
                    kept: Vec::new(),
                    more: 0,
                };
                while paths.kept.len() < self.0 {
                    match seq.next_element::<String>()? {
                        Some(path) => paths.kept.push(path),
                        None => return Ok(Some(paths)),
                    }
                }
                while seq.next_element::<PathOnly>()?.is_some() {
                    paths.more += 1;
                }
                Ok(Some(paths))
            }
        }
        deserializer.deserialize_any(Paths(self.0))
    }
}

/// An upper bound on the number of JSON values in `bytes`, without
/// deserializing them: every value but the first follows a `[`, `,` or `:`
/// outside a string, and every `{` starts one. Linear, no allocation.
pub fn count_values(bytes: &[u8]) -> u64 {
    let mut values = 1;
    let mut in_string = false;
    let mut escaped = false;
    for &b in bytes {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => in_string = true,
                b'[' | b'{' | b',' | b':' => values += 1,
                _ => {}
            }
        }
    }
    values
}

/// One path of `deleted.files`: must be a string, is not kept.
struct PathOnly;

impl<'de> serde::Deserialize<'de> for PathOnly {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        struct Path;
        impl serde::de::Visitor<'_> for Path {
            type Value = PathOnly;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a path")
            }
            fn visit_str<E: serde::de::Error>(self, _: &str) -> std::result::Result<PathOnly, E> {
                Ok(PathOnly)
            }
        }
        deserializer.deserialize_str(Path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_member_is_named() {
        let err = deserialize::<ConfigDump>("config.dump", b"  \n").unwrap_err();
        assert_eq!(err.to_string(), "member `config.dump` is empty");
    }

    #[test]
    fn invalid_json_is_named_with_position() {
        let err = deserialize::<ConfigDump>("pod1/config.dump", b"{\"id\": ").unwrap_err();
        assert_eq!(
            err.to_string(),
            "member `pod1/config.dump` is not valid JSON for its kind"
        );
        let source = std::error::Error::source(&err).unwrap().to_string();
        assert!(source.contains("line 1 column 7"), "{source}");
    }

    #[test]
    fn null_gives_defaults() {
        let config: ConfigDump = deserialize("config.dump", b"null").unwrap();
        assert_eq!(config.id, "");
    }

    #[test]
    fn object_members_refuse_a_list() {
        let err = deserialize_object::<ConfigDump>("config.dump", b" [1]").unwrap_err();
        assert_eq!(
            err.to_string(),
            "member `config.dump`: expected a JSON object, found a list"
        );
        assert!(deserialize_object::<ConfigDump>("config.dump", b"null").is_ok());
    }

    #[test]
    fn counts_deleted_files() {
        let bytes = br#"["/data/delete-me.txt", "/etc/motd"]"#;
        assert_eq!(count_deleted_files("deleted.files", bytes).unwrap(), 2);
        assert!(count_deleted_files("deleted.files", b"{}").is_err());
        assert!(count_deleted_files("deleted.files", b"[1]").is_err());
        assert_eq!(count_deleted_files("deleted.files", b"null").unwrap(), 0);
        let escaped = br#"["/a\"b", "/\u00e9"]"#;
        assert_eq!(count_deleted_files("deleted.files", escaped).unwrap(), 2);
    }

    #[test]
    fn keeps_the_first_deleted_paths_and_counts_the_rest() {
        let bytes = br#"["/a", "/b", "/c"]"#;
        assert_eq!(
            deleted_paths("deleted.files", bytes, 2).unwrap(),
            (vec!["/a".to_string(), "/b".to_string()], 1)
        );
        assert_eq!(
            deleted_paths("deleted.files", b"null", 2).unwrap(),
            (vec![], 0)
        );
        assert!(deleted_paths("deleted.files", b"[1]", 2).is_err());
        assert!(deleted_paths("deleted.files", b"{}", 2).is_err());
        assert!(deleted_paths("deleted.files", b"[] x", 2).is_err());
    }

    #[test]
    fn counts_at_least_every_value() {
        for (json, at_least) in [
            (&b"1"[..], 1),
            (b"[]", 1),
            (b"[1, 2, 3]", 4),
            (br#"{"a": [1, {"b": null}]}"#, 6),
            (br#"["[,{:", "\",", ""]"#, 4),
        ] {
            let counted = count_values(json);
            assert!(counted >= at_least, "{json:?}: {counted}");
            assert!(counted <= at_least + 2, "{json:?}: {counted} is close");
        }
        // Structure inside strings is not counted.
        assert_eq!(count_values(br#""[[[,,,{{{::""#), 1);
    }
}
