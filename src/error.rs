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
    #[error("input is empty")]
    Empty,
    /// A compression ckpt recognises but does not decode.
    #[error("unsupported compression: {0} (supported: none, gzip, zstd)")]
    UnsupportedCompression(&'static str),
    /// The first bytes are neither a known compression nor a tar header.
    #[error("not a tar archive: no tar header and no known compression magic")]
    NotTar,

    // Reading the stream.
    /// The compressed stream is damaged.
    #[error("corrupt {compression} data{}", at.noticed())]
    Decompress {
        /// `gzip` or `zstd`.
        compression: &'static str,
        /// Where the tar reader was when the decoder failed (decoders read
        /// ahead, so the damage may lie a little further on).
        at: Position,
        /// What the decoder said.
        #[source]
        source: io::Error,
    },
    /// A zstd frame asks for a bigger window than ckpt allows.
    #[error(
        "zstd data needs a window over the {limit_mib} MiB limit \
         (was it compressed with `zstd --long`?)"
    )]
    ZstdWindowTooLarge {
        /// The limit, in MiB.
        limit_mib: u64,
    },
    /// The stream ended before the archive did.
    #[error("archive is truncated{at}")]
    Truncated {
        /// Where the stream ended.
        at: Position,
    },
    /// A tar header is malformed (bad checksum, bad number field, ...).
    #[error("corrupt tar header{at}")]
    CorruptTar {
        /// Where the bad header is.
        at: Position,
        /// What the tar reader said.
        #[source]
        source: io::Error,
    },
    /// Any other read failure of the underlying file or pipe.
    #[error("read failed{at}")]
    Read {
        /// Where the read failed.
        at: Position,
        /// The I/O error.
        #[source]
        source: io::Error,
    },

    /// Writing the output failed (a closed pipe, a full disk).
    #[error("cannot write the output")]
    Write(#[source] io::Error),

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
    /// The metadata members of an archive hold more JSON values than ckpt
    /// deserializes.
    #[error(
        "member `{member}` brings the JSON values of the metadata members to {values}, \
         over the limit of {cap}"
    )]
    JsonValueBudget {
        /// The member that crossed the budget.
        member: String,
        /// The values counted so far, this member included.
        values: u64,
        /// The budget.
        cap: u64,
    },
    /// The CRIU images of an archive would take more memory decoded than
    /// ckpt allows.
    #[error(
        "member `{member}` brings what the decoded CRIU images take in memory over {cap} \
         bytes; ckpt stops rather than grow without bound"
    )]
    DecodedBudget {
        /// The image that crossed the budget.
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
    /// Something ckpt recognises but cannot do yet; the text says what.
    #[error("{0}")]
    Unsupported(String),
    /// More CRIU images than any real dump has.
    #[error("more than {0} CRIU images in the archive")]
    TooManyImages(usize),
    /// More container folders than any real pod has.
    #[error("more than {0} container folders in the archive")]
    TooManyFolders(usize),
    /// A tar archive whose root members make it no kind of checkpoint.
    #[error(
        "not a checkpoint archive: its root has none of `config.dump`, `pod.dump`, \
         `pod.options`, `checkpointed.pods`, or a mix of them no engine writes"
    )]
    NotCheckpoint,
}

/// Where in the archive a stream-level error happened, by member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Position {
    /// Before any member was complete.
    Start,
    /// While reading the data of this member.
    Inside(String),
    /// Between members, after this one.
    After(String),
}

impl Error {
    /// The member a member-level error is about: one whose data was not
    /// what it should be (invalid JSON, a malformed CRIU image, a budget
    /// crossed).
    pub fn member(&self) -> Option<&str> {
        match self {
            Error::Json { member, .. }
            | Error::BadMember { member, .. }
            | Error::JsonValueBudget { member, .. }
            | Error::DecodedBudget { member, .. }
            | Error::EmptyMember(member) => Some(member),
            _ => None,
        }
    }
}

impl Position {
    /// The position as a clause for "corrupt data" messages, where it is
    /// where the damage was noticed rather than where it is.
    fn noticed(&self) -> String {
        match self {
            Position::Start => String::new(),
            Position::Inside(m) => format!(" (noticed inside member `{m}`)"),
            Position::After(m) => format!(" (noticed after member `{m}`)"),
        }
    }
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Position::Start => write!(f, " before the first member"),
            Position::Inside(m) => write!(f, " inside member `{m}`"),
            Position::After(m) => write!(f, " after member `{m}`"),
        }
    }
}
