//! The fuzz targets' code, kept apart from libFuzzer so that the project's
//! tests can run the saved reproducers through the very same calls
//! (`tests/it/fuzz_regressions.rs` includes `harness.rs`).

pub mod harness;
