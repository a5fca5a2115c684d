//! The library's error type.
//!
//! Every variant says what went wrong in one lowercase line without a
//! trailing period. The archive's own path is not part of the message: the
//! caller knows which file it opened and puts it in front (the CLI prints
//! "`FILE`: message"). Where a member is involved, the message names it.

use std::io;

/// Result alias used throughout the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while reading an archive.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // Opening the input.
    /// The file could not be opened or its metadata read.
    #[error("cannot open")]
    Open(#[source] io::Error),
    /// The path names a folder, not a file.
    #[error("is a directory, not an archive file")]
    IsDirectory,
    /// The input holds no bytes at all.
    #[error("file is empty")]
    Empty,
    /// A compression ckpt recognises but does not decode.
    #[error("unsupported compression: {0} (supported: none, gzip, zstd)")]
    UnsupportedCompression(&'static str),
    /// The first bytes are neither a known compression nor a tar header.
    #[error("not a tar archive: no tar header and no known compression magic")]
    NotTar,

    // Reading the stream.
    /// The compressed stream is damaged.
    #[error("corrupt {compression} data{}", detected_after(.after))]
    Decompress {
        /// `gzip` or `zstd`.
        compression: &'static str,
        /// The last member read completely before the damage, if any.
        after: Option<String>,
        /// What the decoder said.
        #[source]
        source: io::Error,
    },
    /// The stream ended before the archive did.
    #[error("archive is truncated{}", place(.member, .after))]
    Truncated {
        /// The member whose data was cut, when the cut is inside data.
        member: Option<String>,
        /// The last complete member, when the cut is between members.
        after: Option<String>,
    },
    /// A tar header is malformed (bad checksum, bad number field, ...).
    #[error("corrupt tar header{}", after_text(.after))]
    CorruptTar {
        /// The last member read completely before the bad header, if any.
        after: Option<String>,
        /// What the tar reader said.
        #[source]
        source: io::Error,
    },
    /// Any other read failure of the underlying file or pipe.
    #[error("read failed{}", after_text(.after))]
    Read {
        /// The last member read completely before the failure, if any.
        after: Option<String>,
        /// The I/O error.
        #[source]
        source: io::Error,
    },

    // Members.
    /// A member that is read into memory is larger than its cap.
    #[error("member `{member}` is {size} bytes, over the {cap}-byte limit for this member")]
    MemberTooLarge {
        /// The member's name in the archive.
        member: String,
        /// The size its tar header declares.
        size: u64,
        /// The cap for this kind of member.
        cap: u64,
    },
    /// All metadata members together exceed the overall in-memory budget.
    #[error("metadata members add up to more than {cap} bytes (at member `{member}`)")]
    MetadataBudget {
        /// The member that crossed the budget.
        member: String,
        /// The budget in bytes.
        cap: u64,
    },
    /// A JSON member is empty.
    #[error("member `{0}` is empty")]
    EmptyMember(String),
    /// A JSON member does not deserialize.
    #[error("member `{member}` is not valid JSON for its kind")]
    Json {
        /// The member's name in the archive.
        member: String,
        /// What serde_json said, with line and column.
        #[source]
        source: serde_json::Error,
    },
    /// A member holds something that is valid JSON but cannot be used.
    #[error("member `{member}`: {problem}")]
    BadMember {
        /// The member's name in the archive.
        member: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A container (or a pod's container folder) has no CRIU images.
    #[error("container archive has no `{folder}checkpoint/` folder, so it holds no checkpoint")]
    MissingCheckpoint {
        /// `""` for a container archive, `"<id>-<name>/"` in a pod archive.
        folder: String,
    },
    /// More container folders than any real pod has.
    #[error("more than {0} container folders in the archive")]
    TooManyFolders(usize),
}

fn after_text(member: &Option<String>) -> String {
    match member {
        Some(m) => format!(" after member `{m}`"),
        None => " before the first member".to_string(),
    }
}

fn detected_after(member: &Option<String>) -> String {
    match member {
        Some(m) => format!(" (detected after member `{m}`)"),
        None => String::new(),
    }
}

fn place(member: &Option<String>, after_member: &Option<String>) -> String {
    match (member, after_member) {
        (Some(m), _) => format!(" inside member `{m}`"),
        (None, Some(a)) => format!(" after member `{a}`"),
        (None, None) => " before the first member".to_string(),
    }
}
