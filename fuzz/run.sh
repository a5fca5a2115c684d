#!/usr/bin/env bash
# Fuzz ckpt with libFuzzer: `fuzz/run.sh [SECONDS] [TARGET...]`.
#
# Runs each target (default: archive, metadata, criu) for SECONDS (default
# 600) on a corpus seeded from the project's fixtures. Inputs that crash,
# hang (over 30 s) or go over 512 MiB of memory are written to
# artifacts/<target>/; copy each into regressions/<target>/ and the project's
# tests replay it (tests/it/fuzz_regressions.rs). Installs cargo-fuzz when it
# is missing; needs a nightly compiler, or the stable one with
# RUSTC_BOOTSTRAP=1 (set here when no nightly toolchain is installed).
# No sanitizer: ckpt forbids unsafe code, so what AddressSanitizer would
# catch cannot happen in it, and without it each target runs about twice
# as fast; arithmetic overflow still panics (debug assertions are on).
set -euo pipefail
cd "$(dirname "$0")"

seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(archive metadata criu)

command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
toolchain=()
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    toolchain=(+nightly)
else
    export RUSTC_BOOTSTRAP=1
fi

cargo run --quiet --release --bin seeds
for target in "${targets[@]}"; do
    mkdir -p "artifacts/$target"
    echo "fuzzing $target for $seconds s"
    cargo "${toolchain[@]}" fuzz run --sanitizer none "$target" "corpus/$target" -- \
        -max_total_time="$seconds" -timeout=30 -rss_limit_mb=512 \
        -max_len=1048576 -print_final_stats=1 \
        -artifact_prefix="artifacts/$target/"
done
