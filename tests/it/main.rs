//! Integration tests: run the built `ckpt` binary on fixtures and check
//! every field it prints.

mod build;
mod diff;
mod docs;
mod errors;
mod expected;
mod fuzz_regressions;
mod hostile;
mod inspect;
mod inspect_synthetic;
mod list;
mod memparse;
mod nested;
mod show_real;
mod show_synthetic;
mod terminal;
mod util;
