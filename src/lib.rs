//! ckpt reads container checkpoint archives (Podman, CRI-O, containerd,
//! the kubelet) and tells what is inside, in one streaming pass and without
//! extracting anything.
//!
//! The pass is [`archive::scan::scan`]: it walks the tar entries once and
//! hands each member to the [`archive::scan::Part`]s that want it. `show`
//! uses one part, [`inventory::Inventory`], which keeps sizes and the
//! metadata members; [`report::build`] turns that into a typed report.
//!
//! ```no_run
//! use std::path::Path;
//! use ckpt::archive::input::Source;
//!
//! let report = ckpt::show(Source::Path(Path::new("checkpoint.tar.zst")), "checkpoint.tar.zst")?;
//! for container in &report.containers {
//!     println!("{} ({}): {} bytes of pages", container.container_name, container.engine,
//!              container.checkpoint_size.memory_pages_size.unwrap_or(0));
//! }
//! # Ok::<(), ckpt::Error>(())
//! ```

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
pub mod output;
pub mod report;
pub mod warnings;

pub use error::{Error, Result};

use archive::input::{ArchiveInput, Source};
use archive::scan::scan;
use inventory::Inventory;
use report::ArchiveReport;

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
