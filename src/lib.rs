//! ckpt reads container checkpoint archives (Podman, CRI-O, containerd,
//! the kubelet) and tells what is inside, in one streaming pass and without
//! extracting anything.
//!
//! # The API in three steps
//!
//! **A report in one call.** [`show`] opens an archive (a path, or
//! standard input), finds its compression from its first bytes, reads it
//! once and returns an [`ArchiveReport`]: the kind of archive, and per
//! container its name, image, engine, runtime and sizes. This is what
//! `ckpt show --format json` prints.
//!
//! ```
//! use std::path::Path;
//! use ckpt::Source;
//!
//! let path = Path::new("fixtures/real/rich.zstd.tar.zst");
//! let report = ckpt::show(Source::Path(path), "rich.zstd.tar.zst")?;
//! let container = &report.containers[0];
//! assert_eq!(container.container_name, "rich");
//! assert_eq!(container.engine, "Podman");
//! assert_eq!(container.checkpoint_size.memory_pages_size, Some(671_744));
//! # Ok::<(), ckpt::Error>(())
//! ```
//!
//! **What the CRIU images say.** [`inspect()`] decodes, in the same single
//! pass, what [`InspectOptions`] asks for: the process tree, command lines
//! and environments (read from the memory pages as they pass), open files,
//! sockets, mounts, CRIU's statistics, the files of the rootfs diff. It
//! decodes nothing it was not asked for.
//!
//! ```
//! use std::path::Path;
//! use ckpt::{InspectOptions, Source};
//!
//! let options = InspectOptions { ps_tree: true, cmdline: true, ..Default::default() };
//! let path = Path::new("fixtures/real/rich.zstd.tar.zst");
//! let inspected = ckpt::inspect(Source::Path(path), "rich.zstd.tar.zst", options)?;
//! let root = inspected.containers[0].process_tree.as_ref().expect("a process tree");
//! assert_eq!((root.pid, root.command.as_str()), (1, "start.sh"));
//! let syslogd = root.find(6).expect("PID 6");
//! assert!(syslogd.cmdline.as_deref().unwrap_or("").starts_with("syslogd"));
//! # Ok::<(), ckpt::Error>(())
//! ```
//!
//! **Your own part of the pass.** Underneath, [`scan`] walks the tar
//! entries once and hands each to the [`Part`]s given to it: each sees
//! every header and answers whether it wants the data; data nobody wants
//! is skipped (by seeking, on a plain tar file). A part that keeps a
//! member in memory caps it itself. Here, a part that adds up the memory
//! pages without reading a byte of them:
//!
//! ```
//! use std::path::Path;
//! use ckpt::{ArchiveInput, Entry, Interest, Part, Source};
//!
//! #[derive(Default)]
//! struct PagesSize(u64);
//!
//! impl Part for PagesSize {
//!     fn header(&mut self, entry: &Entry) -> ckpt::Result<Interest> {
//!         if entry.is_file() && entry.name.starts_with("checkpoint/pages-") {
//!             self.0 += entry.size;
//!         }
//!         Ok(Interest::Skip)
//!     }
//! }
//!
//! let input = ArchiveInput::open(Source::Path(Path::new("fixtures/real/minimal.none.tar")))?;
//! let mut pages = PagesSize::default();
//! let summary = ckpt::scan(input, &mut [&mut pages])?;
//! assert_eq!(pages.0, 135_168);
//! assert!(summary.entries > 10);
//! # Ok::<(), ckpt::Error>(())
//! ```
//!
//! `examples/summary.rs` puts the three together in a small program:
//! `cargo run --example summary -- fixtures/real/rich.zstd.tar.zst`.
//!
//! # Where things are
//!
//! - [`archive`]: opening (compression sniffed, decompression on a thread
//!   of its own), the tar reader, the scan.
//! - [`inventory`] and [`metadata`]: the metadata members (config.dump,
//!   spec.dump, network.status, pod and kubelet files), each under a size
//!   cap; [`classify`] tells container, pod and kubelet archives apart.
//! - [`criu`]: the CRIU images (process tree, memory, files, sockets,
//!   statistics), decoded as they stream past.
//! - [`report`]: the typed report and its table, tree and JSON forms.
//! - [`inspect`](mod@inspect), [`memparse`], [`diff`], [`list`],
//!   [`nested`]: the commands' own logic, above the scan.
//! - [`oci`]: `build`, the OCI image of a checkpoint, made in the same
//!   single pass.
//! - [`fixture`]: a builder of synthetic archives with real CRIU images,
//!   for tests and benchmarks.
//!
//! Every error is an [`Error`] that names the member at fault. Bad input
//! never panics and never makes a read unbounded: see the README's
//! "Untrusted input".

pub mod archive;
pub mod classify;
pub mod criu;
pub mod diff;
pub mod error;
pub mod fixture;
pub mod inspect;
pub mod inventory;
pub mod list;
pub mod members;
pub mod memparse;
pub mod metadata;
pub mod nested;
pub mod oci;
pub mod output;
pub mod report;
pub mod warnings;

pub use archive::input::{ArchiveInput, Source};
pub use archive::scan::{Entry, Interest, Part, ScanSummary, scan};
pub use error::{Error, Result};
pub use inspect::{InspectOptions, InspectedArchive, InspectedContainer, inspect};
pub use report::{ArchiveReport, ContainerReport};

use inventory::Inventory;

/// Open `source`, scan it once and report what it holds. `display_name` is
/// the archive's name as the report should print it.
pub fn show(source: Source<'_>, display_name: &str) -> Result<ArchiveReport> {
    let input = ArchiveInput::open(source)?;
    show_input(input, display_name)
}

/// Like [`show`], for an input that is already open.
pub fn show_input(input: ArchiveInput, display_name: &str) -> Result<ArchiveReport> {
    let compression = input.compression;
    let mut inventory = Inventory::new();
    scan(input, &mut [&mut inventory])?;
    report::build::build(display_name, compression, &inventory.finish())
}
