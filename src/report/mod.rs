//! Turning what a scan collected into a report, and printing it.
//!
//! `model` is plain data; `build` fills it; `table`, `tree` and `json`
//! write it to the `Write` they are given, never anywhere else.

pub mod build;
pub mod inspect_tree;
pub mod json;
pub mod model;
pub mod style;
pub mod table;
pub mod tree;
pub mod units;

pub use build::Engine;
pub use model::{ArchiveReport, ContainerReport};
