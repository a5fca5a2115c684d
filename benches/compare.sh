#!/usr/bin/env bash
# ckpt next to the tools people would otherwise reach for, on the same
# archives, in one run: `benches/compare.sh [RUNS] [ARCHIVE...]`
# (`CKPT=path/to/ckpt` measures that binary instead of this checkout's).
#
# The archives are the benches' own (target/bench-archives/, written by
# `cargo run --release --example bench_archive` when missing, and reused by
# `cargo bench`): the realistic shape (random, text and zero pages; a
# rootfs diff of 3000 files; 2000 small images) and the incompressible one,
# at 2 GiB and 4 GiB, each plain, gzip and zstd, and a realistic plain one
# of 16 GiB, 8 times the pages of the 2 GiB one.
#
# Each command runs RUNS times (default 5; 21 for commands of milliseconds)
# after one warm-up run, with the archive in the page cache; the table shows
# the median wall time, the
# throughput over the archive's tar content, the peak resident memory
# (`/usr/bin/time -f %M`, median) and, for ckpt's commands, the ratio to
# the baseline of that archive (GNU `tar -tvf` for plain archives,
# `gzip -dc`, `pigz -dc` and `zstd -dc` into /dev/null for compressed
# ones) as a throughput ratio: above 1, ckpt is faster.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-5}
shift || true
dir=target/bench-archives

need=()
for tool in tar gzip pigz zstd; do
    command -v "$tool" >/dev/null 2>&1 || need+=("$tool")
done
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
    echo "installing ${need[*]}" >&2
    apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi

cargo build --release --quiet --bin ckpt --example bench_archive
# CKPT=path measures another build (an older commit's, to compare).
ckpt=${CKPT:-target/release/ckpt}

archives=("$@")
if [ ${#archives[@]} -eq 0 ]; then
    archives=(
        realistic-2g.tar realistic-16g.tar realistic-2g.tar.gz realistic-2g.tar.zst
        realistic-4g.tar realistic-4g.tar.gz realistic-4g.tar.zst
        incompressible-2g.tar incompressible-2g.tar.gz incompressible-2g.tar.zst
        incompressible-4g.tar incompressible-4g.tar.gz incompressible-4g.tar.zst
    )
fi

mkdir -p "$dir"
for name in "${archives[@]}"; do
    stem=${name%%.tar*}
    shape=${stem%-*}
    size=${stem##*-}
    mib=$(( ${size%g} * 1024 ))
    flag=()
    [ "$shape" = incompressible ] && flag=(--incompressible)
    if [ ! -f "$dir/$name.len" ]; then
        echo "writing $dir/$name" >&2
    fi
    target/release/examples/bench_archive "$dir/$name" "$mib" "${flag[@]}" >/dev/null
done

# measure CMD...: RUNS timed runs after a warm-up (21 when the warm-up took
# under 100 ms: a few milliseconds vary too much for a few runs); prints
# "median_microseconds median_peak_kib".
measure() {
    local out times=() rss=() start end n=$runs
    out=$(mktemp)
    start=$(date +%s%N)
    sh -c 'exec "$@" >/dev/null 2>&1' sh "$@" || true
    end=$(date +%s%N)
    [ $(( (end - start) / 1000000 )) -lt 100 ] && n=21
    for _ in $(seq "$n"); do
        start=$(date +%s%N)
        /usr/bin/time -f %M -o "$out" sh -c 'exec "$@" >/dev/null 2>&1' sh "$@" || true
        end=$(date +%s%N)
        times+=("$(( (end - start) / 1000 ))")
        rss+=("$(tail -n 1 "$out")")
    done
    rm -f "$out"
    local t r
    t=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    r=$(printf '%s\n' "${rss[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    echo "$t $r"
}

# row ARCHIVE COMMAND MICROS KIB CONTENT_BYTES BASELINE_MICROS
row() {
    awk -v a="$1" -v c="$2" -v us="$3" -v kib="$4" -v bytes="$5" -v base="$6" 'BEGIN {
        s = us / 1e6
        if (s >= 1) t = sprintf("%.2f s", s); else t = sprintf("%.1f ms", s * 1000)
        mibs = bytes / 1048576 / s
        if (mibs >= 10240) m = sprintf("%.0f GiB/s", mibs / 1024); else m = sprintf("%.0f MiB/s", mibs)
        ratio = (base > 0) ? sprintf("%.2f", base / us) : ""
        printf "| %s | %s | %s | %s | %.1f MiB | %s |\n", a, c, t, m, kib / 1024, ratio
    }'
}

declare -A time_us peak_kib
echo
echo "ckpt $($ckpt --version | awk '{print $2}'), $(nproc) cores, $(awk '/model name/ {sub(/.*: /, ""); print; exit}' /proc/cpuinfo), $runs runs each"
echo
echo "| archive | command | median | throughput | peak memory | ratio to the first baseline |"
echo "|---|---|---|---|---|---|"
for name in "${archives[@]}"; do
    path="$dir/$name"
    content=$(cat "$path.len")
    case "$name" in
        *.tar.gz) baselines=("gzip -dc" "pigz -dc") ;;
        *.tar.zst) baselines=("zstd -dc") ;;
        *) baselines=("tar -tvf") ;;
    esac
    base_us=0
    for baseline in "${baselines[@]}"; do
        # shellcheck disable=SC2086
        read -r us kib < <(measure $baseline "$path")
        time_us["$name|$baseline"]=$us
        peak_kib["$name|$baseline"]=$kib
        row "$name" "\`$baseline\`" "$us" "$kib" "$content" ""
        [ "$base_us" -eq 0 ] && base_us=$us
    done
    for command in "show" "inspect --all" "memparse --pid 1"; do
        # shellcheck disable=SC2086
        read -r us kib < <(measure "$ckpt" $command "$path")
        time_us["$name|$command"]=$us
        peak_kib["$name|$command"]=$kib
        row "$name" "\`ckpt $command\`" "$us" "$kib" "$content" "$base_us"
    done
done

# The targets, each as a ratio of two times measured above.
# check DESCRIPTION NUMERATOR_KEY DENOMINATOR_KEY OP TARGET
check() {
    local n=${time_us[$2]:-} d=${time_us[$3]:-}
    [ -n "$n" ] && [ -n "$d" ] || return 0
    awk -v what="$1" -v n="$n" -v d="$d" -v op="$4" -v target="$5" 'BEGIN {
        r = n / d
        met = (op == ">=") ? (r >= target) : (r <= target)
        printf "| %s | %.2f | %s %s | %s |\n", what, r, op, target, met ? "met" : "missed"
    }'
}
# memory CHECK KEY LIMIT_MIB
memory() {
    local kib=${peak_kib[$2]:-}
    [ -n "$kib" ] || return 0
    awk -v what="$1" -v kib="$kib" -v limit="$3" 'BEGIN {
        printf "| %s | %.1f MiB | < %d MiB | %s |\n", what, kib / 1024, limit, kib / 1024 < limit ? "met" : "missed"
    }'
}
echo
echo "| target | measured | wanted | |"
echo "|---|---|---|---|"
check "plain: show time, 16 GiB / 2 GiB" "realistic-16g.tar|show" "realistic-2g.tar|show" "<=" 1.2
check "plain: inspect --all time, 16 GiB / 2 GiB" "realistic-16g.tar|inspect --all" "realistic-2g.tar|inspect --all" "<=" 1.2
for name in "${archives[@]}"; do
    case "$name" in
        *.tar.gz)
            check "$name: show throughput / gzip -dc" "$name|gzip -dc" "$name|show" ">=" 1.3
            check "$name: show throughput / pigz -dc" "$name|pigz -dc" "$name|show" ">=" 1.0 ;;
        *.tar.zst)
            check "$name: show throughput / zstd -dc" "$name|zstd -dc" "$name|show" ">=" 0.95 ;;
        *)
            check "$name: show throughput / tar -tvf" "$name|tar -tvf" "$name|show" ">=" 1.0 ;;
    esac
    check "$name: inspect --all time / show" "$name|inspect --all" "$name|show" "<=" 1.2
    check "$name: memparse --pid throughput / show" "$name|show" "$name|memparse --pid 1" ">=" 0.8
    memory "$name: show peak memory" "$name|show" 32
    memory "$name: inspect --all peak memory" "$name|inspect --all" 64
done
