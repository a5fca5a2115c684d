//! Reading the archive: compression, input, and the one scanning pass.

pub mod compression;
pub mod input;
pub mod progress;
pub mod read_ahead;
pub mod scan;
pub mod tar_reader;
