//! Fuzz target: see `ckpt_fuzz::harness::metadata`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ckpt_fuzz::harness::metadata(data));
