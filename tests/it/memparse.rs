//! `memparse`: the memory-size table, the hexdump of one process and the
//! search of its memory, on the real archives (against what checkpointctl
//! printed for them) and on synthetic archives built at test time, whose
//! expected bytes are what the fixture builder wrote.

use std::collections::BTreeSet;
use std::fs;
use std::io::Read;
use std::path::Path;

use ckpt::archive::compression::Compression;
use ckpt::archive::input::{ArchiveInput, Source};
use ckpt::archive::scan::scan;
use ckpt::criu::collect::{CriuCollector, Selection};
use ckpt::criu::image::{Image, encode, magic};
use ckpt::criu::proto::{MmEntry, PagemapEntry, VmaEntry};
use ckpt::fixture::criu::{TASK_DEAD, pagemap_image, pagemap_run};
use ckpt::fixture::{ArchiveFixture, ContainerFixture, CriuFixture, FixtureEngine, PAGE};
use tempfile::TempDir;

use crate::util::{
    Run, ckpt, ckpt_in, ckpt_stdin, compressed_cut, layout, names_in, real_dir, reference,
};

/// The name synthetic archives are written under.
const FILE: &str = "checkpoint.tar";
/// The secret in every environment of the deep tree.
const SECRET: &str = "s3cr3t-memparse-0123456789";
/// PIDs of the four-level deep tree, each the parent of the next.
const DEEP: [u32; 4] = [1, 8, 15, 22];
const COMPRESSIONS: [Compression; 3] = [Compression::None, Compression::Gzip, Compression::Zstd];
/// The title line and column rule of a hexdump.
const HEADER: &str =
    "Address           Hexadecimal                                       ASCII            ";
const RULE: &str =
    "-------------------------------------------------------------------------------------";

// ---------------------------------------------------------------------------
// Helpers.

fn deep() -> CriuFixture {
    CriuFixture::deep_tree(DEEP.len() as u32, SECRET)
}

fn container(criu: CriuFixture) -> ArchiveFixture {
    let mut container = ContainerFixture::new(FixtureEngine::Podman, "deep");
    container.criu = Some(criu);
    ArchiveFixture::Container(Box::new(container))
}

/// Write `criu` as [`FILE`] in `compression` into a fresh folder.
fn written(criu: &CriuFixture, compression: Compression) -> TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let bytes = container(criu.clone()).to_bytes(compression);
    fs::write(dir.path().join(FILE), bytes).expect("writing the archive");
    dir
}

/// `ckpt memparse ARGS FILE` in `dir`.
fn memparse_in(dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["memparse"];
    all.extend_from_slice(args);
    all.push(FILE);
    ckpt_in(Some(dir), &all)
}

/// `ckpt memparse ARGS FILE` on `criu` written in `compression`.
fn memparse(criu: &CriuFixture, compression: Compression, args: &[&str]) -> Run {
    memparse_in(written(criu, compression).path(), args)
}

/// Like [`memparse`], and it must succeed without warnings.
fn stdout_of(criu: &CriuFixture, compression: Compression, args: &[&str]) -> String {
    let run = memparse(criu, compression, args);
    assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    assert_eq!(run.stderr, "", "{args:?}: no warnings");
    run.stdout
}

/// A hexdump row as checkpointctl prints it, computed here independently.
fn row(address: u64, bytes: &[u8]) -> String {
    let hex: String = bytes.iter().map(|b| format!("{b:02x} ")).collect();
    let ascii: String = bytes
        .iter()
        .map(|&b| {
            if (0x20..0x7f).contains(&b) {
                char::from(b)
            } else {
                '.'
            }
        })
        .collect();
    format!("{address:016x}  {hex} |{ascii}|")
}

/// The bytes the builder wrote for `pid` at `[vaddr, vaddr + len)`, found
/// through its pagemap in its pages image (all runs present).
fn written_bytes(criu: &CriuFixture, pid: u32, vaddr: u64, len: usize) -> Vec<u8> {
    let (pages_id, runs) = criu.pagemap(pid).expect("the process has memory");
    let image = criu
        .image(&format!("checkpoint/pages-{pages_id}.img"))
        .expect("a pages image");
    let mut offset = 0;
    for run in &runs {
        let run_len = run.nr_pages.expect("field 5") * criu.page_size;
        if (run.vaddr..run.vaddr + run_len).contains(&vaddr) {
            let at = usize::try_from(offset + vaddr - run.vaddr).expect("small");
            return image[at..at + len].to_vec();
        }
        offset += run_len;
    }
    panic!("{vaddr:#x} is not in the memory of {pid}");
}

/// The mm image of `pid` as the builder writes it.
fn mm_of(criu: &CriuFixture, pid: u32) -> MmEntry {
    let name = format!("checkpoint/mm-{pid}.img");
    let bytes = criu.image(&name).expect("an mm image");
    Image::parse(&name, &bytes, magic::MM)
        .and_then(|image| image.decode_first())
        .expect("the mm image decodes")
}

/// Where `needle` starts in the environment of `pid`.
fn env_address(criu: &CriuFixture, pid: u32, needle: &str) -> u64 {
    let mm = mm_of(criu, pid);
    let len = usize::try_from(mm.mm_env_end - mm.mm_env_start).expect("small");
    let env = written_bytes(criu, pid, mm.mm_env_start, len);
    let at = env
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())
        .expect("the needle is in the environment");
    mm.mm_env_start + at as u64
}

/// The (address, text) pairs of a search table.
fn matches(stdout: &str) -> Vec<(u64, String)> {
    let mut lines = stdout.lines();
    assert_eq!(
        lines
            .next()
            .map(|l| l.split_whitespace().collect::<Vec<_>>()),
        Some(vec!["ADDRESS", "MATCH", "INSTANCE"]),
        "{stdout}"
    );
    lines.next();
    lines
        .enumerate()
        .map(|(i, line)| {
            let (address, rest) = line.split_once("   ").expect("columns");
            let (text, instance) = rest.trim_end().rsplit_once(' ').expect("an instance");
            assert_eq!(instance, (i + 1).to_string());
            let address = u64::from_str_radix(address, 16).expect("a hex address");
            (address, text.trim_end().to_string())
        })
        .collect()
}

/// The memory of the deep tree's root with a marker written at offset
/// `at` of its first data run (3 pages at the start of its pages image).
fn with_marker(marker: &str, at: usize) -> (CriuFixture, u64) {
    let mut criu = deep();
    let (pages_id, runs) = criu.pagemap(1).expect("memory");
    let name = format!("checkpoint/pages-{pages_id}.img");
    let mut image = criu.image(&name).expect("a pages image");
    image[at..at + marker.len()].copy_from_slice(marker.as_bytes());
    criu.overrides.insert(name, Some(image));
    (criu, runs[0].vaddr + at as u64)
}

/// `criu` with the pagemap of `pid` replaced by `runs`.
fn with_pagemap(mut criu: CriuFixture, pid: u32, runs: &[PagemapEntry]) -> CriuFixture {
    let (pages_id, _) = criu.pagemap(pid).expect("the process has memory");
    let name = format!("checkpoint/pagemap-{pid}.img");
    criu.overrides
        .insert(name, Some(pagemap_image(pages_id, runs)));
    criu
}

// ---------------------------------------------------------------------------
// The memory-size table.

#[test]
fn table_matches_checkpointctl_on_the_real_archives() {
    for archive in crate::util::REAL {
        let run = ckpt_in(Some(&real_dir()), &["memparse", archive]);
        assert_eq!(run.code, 0, "{archive}: {}", run.stderr);
        assert_eq!(run.stderr, "", "{archive}");
        let expected = reference(archive, "memparse.txt");
        // The title and the column heads exactly; the rows as a set, since
        // checkpointctl's row order comes from Go's random map order.
        let head = |text: &str| text.lines().take(5).collect::<Vec<_>>().join("\n");
        assert_eq!(head(&run.stdout), head(&expected), "{archive}");
        let rows = |text: &str| text.lines().skip(5).map(str::to_string).collect();
        let (ours, theirs): (BTreeSet<String>, BTreeSet<String>) =
            (rows(&run.stdout), rows(&expected));
        assert_eq!(ours, theirs, "{archive}");
        assert_eq!(run.stdout.lines().count(), expected.lines().count());
    }
}

#[test]
fn table_rows_go_depth_first_with_sizes_from_pagemap_and_shared_vmas() {
    let mut criu = deep();
    // Give worker-1 a MAP_SHARED mapping of 0x22000 bytes.
    let mut mm = mm_of(&criu, 8);
    mm.vmas.push(VmaEntry {
        start: 0x7f00_0000_0000,
        end: 0x7f00_0002_2000,
        pgoff: 0,
        shmid: 0,
        prot: 0x3,
        flags: 0x1,
        status: 1 | 1 << 8,
    });
    criu.overrides.insert(
        "checkpoint/mm-8.img".to_string(),
        Some(encode(magic::MM, &[mm])),
    );
    let stdout = stdout_of(&criu, Compression::Zstd, &[]);
    let size = |pid: u32| {
        let (_, runs) = criu.pagemap(pid).expect("memory");
        let pages: u64 = runs.iter().map(|r| r.nr_pages.expect("field 5")).sum();
        ckpt::report::units::iec(pages * PAGE)
    };
    let expected = format!(
        "\nDisplaying processes memory sizes from {FILE}\n\n\
         PID   PROCESS NAME   MEMORY SIZE   SHARED MEMORY SIZE\n\
         ---   ------------   -----------   ------------------\n\
         1     start.sh       {:<11}   0 B\n\
         8     worker-1       {:<11}   136.0 KiB\n\
         15    worker-2       {:<11}   0 B\n\
         22    worker-3       {:<11}   0 B\n",
        size(1),
        size(8),
        size(15),
        size(22)
    );
    assert_eq!(stdout, expected);
}

#[test]
fn table_leaves_out_dead_processes_and_what_is_below_them() {
    let mut criu = deep();
    criu.processes[2].task_state = TASK_DEAD;
    let run = memparse(&criu, Compression::None, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let pids: Vec<&str> = run
        .stdout
        .lines()
        .skip(5)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(pids, ["1", "8"]);
    // The one process below the dead one is named in a warning.
    assert_eq!(run.stderr_lines().len(), 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("process 22 is below process 15, which is Dead")
    );

    let dead = memparse(&criu, Compression::None, &["--pid", "15"]);
    assert_eq!(dead.code, 1);
    assert_eq!(
        dead.stderr.trim_end(),
        format!(
            "ckpt: error: {FILE}: member `checkpoint/core-15.img`: process 15 is Dead: \
             CRIU keeps no memory of it"
        )
    );
    assert_eq!(dead.stdout, "");
}

// ---------------------------------------------------------------------------
// The hexdump.

#[test]
fn hexdump_of_a_real_archive_equals_checkpointctls() {
    let run = ckpt_in(
        Some(&real_dir()),
        &["memparse", "--pid", "1", "minimal.none.tar"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected = reference("minimal.none.tar", "memparse-pid1.txt");
    assert_eq!(run.stdout, expected);

    // The same archive on standard input: streamed, not read by offset.
    let bytes = fs::read(real_dir().join("minimal.none.tar")).expect("the fixture");
    let piped = ckpt_stdin(&["memparse", "--pid", "1", "-"], &bytes);
    assert_eq!(piped.code, 0, "{}", piped.stderr);
    assert_eq!(
        piped.stdout,
        expected.replacen("checkpoint: minimal.none.tar", "checkpoint: -", 1)
    );
}

#[test]
fn hexdump_of_the_real_containerd_archive_has_checkpointctls_line() {
    // containerd's PID 2 stack row holding the secret, as checkpointctl
    // printed it in its hexdump of this archive.
    let line = "00007ffc402f5fb0  53 45 43 52 45 54 5f 54 4f 4b 45 4e 3d 63 72 69  \
                |SECRET_TOKEN=cri|";
    let run = ckpt(&["memparse", "--pid", "2", "real/containerd-cri.none.tar"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.lines().any(|l| l == line));
}

#[test]
fn hexdump_rows_are_the_bytes_the_builder_wrote() {
    let criu = deep();
    let mm = mm_of(&criu, 8);
    let (_, runs) = criu.pagemap(8).expect("memory");
    // The row holding the start of argv, and the second row of the second
    // data page (pseudo-random bytes).
    let argv_row = mm.mm_arg_start & !15;
    let data_row = runs[0].vaddr + PAGE + 16;
    for compression in COMPRESSIONS {
        let dir = written(&criu, compression);
        let compact = memparse_in(dir.path(), &["--pid", "8"]);
        assert_eq!(compact.code, 0, "{}", compact.stderr);
        let full = memparse_in(dir.path(), &["--pid", "8", "-o", "dump.txt"]);
        assert_eq!(full.code, 0, "{}", full.stderr);
        let file = fs::read_to_string(dir.path().join("dump.txt")).expect("the dump");
        for address in [argv_row, data_row] {
            let expected = row(address, &written_bytes(&criu, 8, address, 16));
            assert!(
                file.lines().any(|l| l == expected),
                "{compression:?}: {expected}"
            );
            assert!(
                compact.stdout.lines().any(|l| l == expected),
                "{compression:?}: {expected}"
            );
        }
    }
}

#[test]
fn output_file_gets_every_row_and_stdout_says_where() {
    let criu = deep();
    let dir = written(&criu, Compression::Gzip);
    let run = memparse_in(dir.path(), &["--pid", "1", "--output", "out.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        format!(
            "\nWriting memory pages content for process ID 1 from checkpoint: {FILE} to \
             file: out.txt...\n"
        )
    );
    let file = fs::read_to_string(dir.path().join("out.txt")).expect("the dump");
    let lines: Vec<&str> = file.lines().collect();
    assert_eq!(lines[..2], [HEADER, RULE]);
    let (_, runs) = criu.pagemap(1).expect("memory");
    let bytes: u64 = runs
        .iter()
        .map(|r| r.nr_pages.expect("field 5") * PAGE)
        .sum();
    assert_eq!(lines.len() as u64 - 2, bytes / 16, "one row per 16 bytes");
    assert!(!lines.contains(&"*"));
    // Rows go up by 16 within a run and start each run at its address.
    let starts: BTreeSet<u64> = runs.iter().map(|r| r.vaddr).collect();
    let mut previous: Option<u64> = None;
    for line in &lines[2..] {
        let address = u64::from_str_radix(&line[..16], 16).expect("an address");
        assert!(
            previous.is_some_and(|p| p + 16 == address) || starts.contains(&address),
            "{line}"
        );
        previous = Some(address);
    }
    // Stdout folds what the file spells out.
    let compact = memparse_in(dir.path(), &["--pid", "1"]);
    assert!(compact.stdout.lines().any(|l| l == "*"));
    assert!(compact.stdout.lines().count() < lines.len());
}

#[test]
fn every_compression_and_standard_input_give_the_same_output() {
    let criu = deep();
    for args in [
        &[][..],
        &["--pid", "15"],
        &["--pid", "22", "--search", "SECRET_TOKEN", "--context", "12"],
        &["--pid", "22", "--search-regex", r"LEVEL=\d", "-c", "3"],
    ] {
        let plain = stdout_of(&criu, Compression::None, args);
        for compression in [Compression::Gzip, Compression::Zstd] {
            assert_eq!(
                stdout_of(&criu, compression, args),
                plain,
                "{compression:?} {args:?}"
            );
        }
        let mut on_stdin = vec!["memparse"];
        on_stdin.extend_from_slice(args);
        on_stdin.push("-");
        let piped = ckpt_stdin(
            &on_stdin,
            &container(criu.clone()).to_bytes(Compression::Zstd),
        );
        assert_eq!(piped.code, 0, "{}", piped.stderr);
        assert_eq!(
            piped.stdout.replacen(" -\n", &format!(" {FILE}\n"), 1),
            plain,
            "stdin {args:?}"
        );
    }
}

#[test]
fn pages_written_before_their_pagemap_are_read_again_from_a_file() {
    let mut criu = deep();
    criu.pages_before_pagemaps = true;
    let expected = stdout_of(&deep(), Compression::None, &["--pid", "8"]);
    for compression in COMPRESSIONS {
        assert_eq!(
            stdout_of(&criu, compression, &["--pid", "8"]),
            expected,
            "{compression:?}"
        );
    }
    let piped = ckpt_stdin(
        &["memparse", "--pid", "8", "-"],
        &container(criu).to_bytes(Compression::Gzip),
    );
    assert_eq!(piped.code, 1);
    assert!(piped.stderr.contains("standard input cannot be read twice"));
}

// ---------------------------------------------------------------------------
// The search.

#[test]
fn search_on_a_real_archive_equals_checkpointctls() {
    let run = ckpt_in(
        Some(&real_dir()),
        &[
            "memparse",
            "--pid",
            "2",
            "--search",
            "SECRET_TOKEN",
            "--context",
            "40",
            "containerd-cri.none.tar",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        reference(
            "containerd-cri.none.tar",
            "memparse-search-SECRET_TOKEN.txt"
        )
    );
}

#[test]
fn search_finds_the_secret_in_the_real_zstd_archive_where_the_environment_is() {
    // Where the secret is, read independently through inspect's collector.
    let path = real_dir().join("rich.zstd.tar.zst");
    let mut collector = CriuCollector::new(Selection {
        processes: true,
        memory: true,
        ..Selection::default()
    });
    let input = ArchiveInput::open(Source::Path(&path)).expect("the fixture opens");
    scan(input, &mut [&mut collector]).expect("the fixture scans");
    let (checkpoints, _) = collector.finish();
    let checkpoint = &checkpoints[""];
    let mm = &checkpoint.mms[&1];
    let env = checkpoint.memory[&1].env.as_ref().expect("the environment");
    let at = env
        .windows(13)
        .position(|w| w == b"SECRET_TOKEN=")
        .expect("the secret is in PID 1's environment");
    let expected = mm.mm_env_start + at as u64;

    let run = ckpt(&[
        "memparse",
        "--pid",
        "1",
        "-s",
        "SECRET_TOKEN",
        "-c",
        "40",
        "real/rich.zstd.tar.zst",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let found = matches(&run.stdout);
    assert_eq!(found.len(), 1, "{}", run.stdout);
    assert_eq!(found[0].0, expected);
    assert!(
        found[0]
            .1
            .contains("?SECRET_TOKEN=s3cr3t-t0ken-for-testing-0123456789?")
    );
    assert!(found[0].0 >= mm.mm_env_start && found[0].0 < mm.mm_env_end);
}

#[test]
fn search_finds_the_secret_of_every_synthetic_process_at_its_address() {
    let criu = deep();
    for pid in DEEP {
        let stdout = stdout_of(
            &criu,
            Compression::Zstd,
            &["--pid", &pid.to_string(), "-s", SECRET],
        );
        let expected = env_address(&criu, pid, SECRET);
        assert_eq!(
            matches(&stdout),
            [(expected, SECRET.to_string())],
            "pid {pid}"
        );
    }
    // With context, as checkpointctl shows it: NULs as `?`.
    let stdout = stdout_of(
        &criu,
        Compression::None,
        &[
            "--pid",
            "15",
            "--search-regex",
            "SECRET_[A-Z]+=",
            "--context",
            "8",
        ],
    );
    let level = env_address(&criu, 15, "SECRET_TOKEN=");
    assert_eq!(
        matches(&stdout),
        [(level, format!("LEVEL=2?SECRET_TOKEN={}", &SECRET[..8]))]
    );
}

#[test]
fn json_gives_the_table_and_the_search_with_every_field() {
    let criu = deep();
    let sizes: serde_json::Value =
        serde_json::from_str(&stdout_of(&criu, Compression::Gzip, &["--format", "json"]))
            .expect("JSON");
    let pages = |pid: u32| {
        let (_, runs) = criu.pagemap(pid).expect("memory");
        runs.iter()
            .map(|r| r.nr_pages.expect("field 5"))
            .sum::<u64>()
            * PAGE
    };
    let processes: Vec<serde_json::Value> = [
        (1, "start.sh"),
        (8, "worker-1"),
        (15, "worker-2"),
        (22, "worker-3"),
    ]
    .iter()
    .map(|&(pid, name)| {
        serde_json::json!({
            "pid": pid,
            "process_name": name,
            "memory_size": pages(pid),
            "shared_memory_size": 0,
        })
    })
    .collect();
    assert_eq!(
        sizes,
        serde_json::json!({ "archive": FILE, "processes": processes })
    );

    let found = stdout_of(
        &criu,
        Compression::Zstd,
        &[
            "--pid",
            "15",
            "-r",
            "SECRET_[A-Z]+=",
            "-c",
            "8",
            "--format",
            "json",
        ],
    );
    let level = env_address(&criu, 15, "SECRET_TOKEN=");
    let found: serde_json::Value = serde_json::from_str(&found).expect("JSON");
    assert_eq!(
        found,
        serde_json::json!({
            "archive": FILE,
            "pid": 15,
            "pattern": "SECRET_[A-Z]+=",
            "pattern_type": "regex",
            "matches": [{
                "instance": 1,
                "address": format!("{level:016x}"),
                "vaddr": level,
                "match": format!("LEVEL=2?SECRET_TOKEN={}", &SECRET[..8]),
            }],
            "more_matches": 0,
        })
    );
    let none = stdout_of(
        &criu,
        Compression::None,
        &["-p", "1", "-s", "absent!", "--format", "json"],
    );
    let none: serde_json::Value = serde_json::from_str(&none).expect("JSON");
    assert_eq!(none["matches"], serde_json::json!([]));
    assert_eq!(none["pattern_type"], "string");

    // The hexdump has no JSON form: a usage error, before any reading.
    let hexdump = memparse(&criu, Compression::None, &["-p", "1", "--format", "json"]);
    assert_eq!(hexdump.code, 2);
    assert!(
        hexdump.stderr.starts_with(
            "error: --format json applies to the size table and to searches; the hexdump is text"
        ),
        "{}",
        hexdump.stderr
    );
    assert_eq!(hexdump.stdout, "");
}

#[test]
fn search_finds_a_match_across_a_page_boundary() {
    let marker = "PAGE_EDGE_MARKER";
    let (criu, address) = with_marker(marker, PAGE as usize - 6);
    for compression in COMPRESSIONS {
        for flag in ["--search", "--search-regex"] {
            let pattern = if flag == "--search" {
                marker
            } else {
                "PAGE_EDGE_[A-Z]+"
            };
            let stdout = stdout_of(&criu, compression, &["--pid", "1", flag, pattern]);
            assert_eq!(
                matches(&stdout),
                [(address, marker.to_string())],
                "{compression:?} {flag}"
            );
        }
    }
}

#[test]
fn search_joins_contiguous_runs_and_only_those() {
    let marker = "RUN_EDGE_MARKER";
    let (criu, address) = with_marker(marker, PAGE as usize - 6);
    let (_, runs) = criu.pagemap(1).expect("memory");
    let data = runs[0].vaddr;
    assert_eq!(runs[0].nr_pages, Some(3));
    let stack = runs.last().expect("a stack run").clone();

    // The first data run cut in two at the page boundary the marker crosses.
    let split = with_pagemap(
        criu.clone(),
        1,
        &[
            pagemap_run(data, 1),
            pagemap_run(data + PAGE, 2),
            stack.clone(),
        ],
    );
    for compression in COMPRESSIONS {
        let stdout = stdout_of(
            &split,
            compression,
            &["--pid", "1", "-s", marker, "-c", "2"],
        );
        let found = matches(&stdout);
        assert_eq!(found.len(), 1, "{compression:?}");
        assert_eq!(found[0].0, address);
        assert_eq!(&found[0].1[2..2 + marker.len()], marker);
    }

    // The same bytes, but the second piece mapped far away: not one stretch.
    let apart = with_pagemap(
        criu,
        1,
        &[
            pagemap_run(data, 1),
            pagemap_run(data + 16 * PAGE, 2),
            stack,
        ],
    );
    for compression in COMPRESSIONS {
        let stdout = stdout_of(&apart, compression, &["--pid", "1", "-s", marker]);
        assert_eq!(
            stdout,
            format!("No matches for pattern \"{marker}\" in the memory of PID 1\n"),
            "{compression:?}"
        );
    }
}

#[test]
fn search_without_a_match_says_so() {
    let stdout = stdout_of(
        &deep(),
        Compression::Gzip,
        &["--pid", "1", "-s", "no such text"],
    );
    assert_eq!(
        stdout,
        "No matches for pattern \"no such text\" in the memory of PID 1\n"
    );
}

// ---------------------------------------------------------------------------
// Errors.

#[test]
fn a_pid_that_is_not_in_the_dump_is_one_error_line() {
    let criu = deep();
    let line = format!(
        "ckpt: error: {FILE}: member `checkpoint/pstree.img`: has no process with PID 99 \
         (`inspect --ps-tree` lists them)"
    );
    for compression in COMPRESSIONS {
        for args in [&["--pid", "99"][..], &["--pid", "99", "-s", "x"]] {
            let run = memparse(&criu, compression, args);
            assert_eq!(run.code, 1, "{compression:?} {args:?}");
            assert_eq!(run.stderr_lines(), [line.as_str()]);
            assert_eq!(run.stdout, "");
        }
    }
}

#[test]
fn stale_images_of_an_exited_process_are_refused() {
    // minimal.gzip.tar.gz holds images of PID 5, which pstree.img does not
    // list. Streamed, its pages pass before pstree.img: the error says
    // that what was printed is stale.
    let run = ckpt(&["memparse", "--pid", "5", "real/minimal.gzip.tar.gz"]);
    assert_eq!(run.code, 1);
    let lines = run.stderr_lines();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(lines[0].contains("member `checkpoint/pstree.img`: has no process with PID 5"));
    assert!(lines[0].contains("stale images of an exited process"));
    assert!(
        run.stdout
            .contains("Displaying memory pages content for process ID 5")
    );

    // The same archive as a plain tar file: checked before anything prints.
    let mut tar = Vec::new();
    let gz = fs::read(real_dir().join("minimal.gzip.tar.gz")).expect("the fixture");
    flate2::read::MultiGzDecoder::new(&gz[..])
        .read_to_end(&mut tar)
        .expect("the fixture decompresses");
    let dir = tempfile::tempdir().expect("a temporary folder");
    fs::write(dir.path().join(FILE), tar).expect("writing the archive");
    let run = memparse_in(dir.path(), &["--pid", "5"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "");
    assert!(!run.stderr.contains("stale"));
    assert!(run.stderr.contains("has no process with PID 5"));
}

#[test]
fn misused_flags_are_usage_errors() {
    for args in [
        &["memparse", "--search", "x", "real/minimal.none.tar"][..],
        &["memparse", "-r", "x+", "real/minimal.none.tar"],
        &["memparse", "-o", "out.txt", "real/minimal.none.tar"],
    ] {
        let run = ckpt(args);
        assert_eq!(run.code, 2, "{args:?}");
        assert!(run.stderr.contains("--pid"), "{}", run.stderr);
        assert_eq!(run.stdout, "");
    }
    let run = ckpt(&["memparse", "--pid", "1", "-r", "(", "real/minimal.none.tar"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("invalid --search-regex"));
    let run = ckpt(&["memparse", "--pid", "1", "-c", "4", "real/minimal.none.tar"]);
    assert_eq!(run.code, 2);
}

#[test]
fn a_short_or_missing_pages_image_is_named() {
    let mut criu = deep();
    let (pages_id, runs) = criu.pagemap(22).expect("memory");
    let name = format!("checkpoint/pages-{pages_id}.img");
    let mut image = criu.image(&name).expect("a pages image");
    image.truncate(image.len() - 100);
    criu.overrides.insert(name.clone(), Some(image));
    let last = runs.last().expect("a run");
    let end = last.vaddr + last.nr_pages.expect("field 5") * PAGE;
    for compression in COMPRESSIONS {
        let dir = written(&criu, compression);
        let run = memparse_in(dir.path(), &["--pid", "22", "-o", "out.txt"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(
            run.stderr_lines(),
            [format!(
                "ckpt: warning: {FILE}: member `{name}` is 100 bytes short of what \
                 `pagemap-22.img` locates in it; the missing bytes print as zeros"
            )]
        );
        // The last row is all zeros, at the end of the last run.
        let file = fs::read_to_string(dir.path().join("out.txt")).expect("the dump");
        assert_eq!(file.lines().last(), Some(row(end - 16, &[0; 16]).as_str()));
    }

    criu.overrides.insert(name.clone(), None);
    for compression in COMPRESSIONS {
        let run = memparse(&criu, compression, &["--pid", "22"]);
        assert_eq!(run.code, 1);
        assert_eq!(
            run.stderr_lines(),
            [format!(
                "ckpt: error: {FILE}: member `{name}`: is missing, so the memory of process \
                 22 cannot be read"
            )]
        );
        // The table needs no pages: it still works.
        assert_eq!(memparse(&criu, compression, &[]).code, 0);
    }
}

#[test]
fn pod_and_kubelet_archives_are_refused_in_one_line() {
    for (archive, words) in [
        (
            "synthetic/crio-pod.tar.gz",
            "this is a pod archive (container folders: `",
        ),
        (
            "synthetic/kubelet.tar",
            "a kubelet archive keeps each pod's checkpoint",
        ),
    ] {
        for args in [&["memparse"][..], &["memparse", "--pid", "1"]] {
            let run = ckpt(&[args, &[archive]].concat());
            assert_eq!(run.code, 1, "{archive}");
            let lines = run.stderr_lines();
            assert_eq!(lines.len(), 1, "{}", run.stderr);
            assert!(lines[0].starts_with(&format!("ckpt: error: {archive}: memparse reads")));
            assert!(lines[0].contains(words), "{}", lines[0]);
        }
    }
}

#[test]
fn output_file_is_not_overwritten_without_force() {
    let criu = deep();
    let dir = written(&criu, Compression::Zstd);
    let out = dir.path().join("out.txt");
    fs::write(&out, "keep me").expect("an existing file");
    let refused = memparse_in(dir.path(), &["--pid", "1", "-o", "out.txt"]);
    assert_eq!(refused.code, 1);
    assert_eq!(refused.stdout, "", "refused before the archive is read");
    assert_eq!(
        refused.stderr_lines(),
        ["ckpt: error: out.txt exists already; pass --force to replace it"]
    );
    assert_eq!(fs::read_to_string(&out).expect("kept"), "keep me");

    let forced = memparse_in(dir.path(), &["--pid", "1", "-o", "out.txt", "--force"]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    let file = fs::read_to_string(&out).expect("replaced");
    assert!(file.starts_with(HEADER), "{file:.200}");

    // --force alone means nothing: it needs a file to replace.
    let usage = memparse_in(dir.path(), &["--pid", "1", "--force"]);
    assert_eq!(usage.code, 2, "{}", usage.stderr);
}

/// The deep tree as a plain tar, and an offset 3000 bytes into the data
/// of the pages image of its last process (PID 22).
fn inside_the_last_pages_image() -> (Vec<u8>, usize) {
    let criu = deep();
    let whole = container(criu.clone()).to_bytes(Compression::None);
    let (pages_id, _) = criu.pagemap(22).expect("memory");
    let name = format!("checkpoint/pages-{pages_id}.img");
    let member = layout(&whole)
        .into_iter()
        .find(|m| m.name == name)
        .expect("the pages image");
    (whole, member.data + 3000)
}

#[test]
fn output_file_of_a_run_that_fails_midway_is_never_named() {
    // Cut inside the last pages image: rows are written before the error.
    let (whole, at) = inside_the_last_pages_image();
    for compression in COMPRESSIONS {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let bytes = compressed_cut(&whole, at, compression);
        fs::write(dir.path().join(FILE), bytes).expect("writing the archive");
        let run = memparse_in(dir.path(), &["--pid", "22", "-o", "out.txt"]);
        assert_eq!(run.code, 1, "{compression:?}");
        assert_eq!(
            run.stderr_lines().len(),
            1,
            "{compression:?}: {}",
            run.stderr
        );
        assert!(run.stderr.contains("truncated"), "{}", run.stderr);
        assert_eq!(
            names_in(dir.path()),
            [FILE],
            "{compression:?}: no out.txt, no partial file"
        );
    }
}

#[test]
fn output_file_of_an_interrupted_run_is_removed() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    // Stop feeding inside the last pages image: rows are being written.
    let (whole, at) = inside_the_last_pages_image();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ckpt"))
        .args(["memparse", "--pid", "22", "-o", "out.txt", "-"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the ckpt binary starts");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    stdin.write_all(&whole[..at]).expect("ckpt reads");
    stdin.flush().expect("ckpt reads");
    // The unfinished file appears; ckpt then waits for more input.
    let started = Instant::now();
    let partial = loop {
        let names = names_in(dir.path());
        if let Some(name) = names.iter().find(|n| n.ends_with(".partial")) {
            break name.clone();
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no partial file"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(partial.starts_with("out.txt.ckpt-"), "{partial}");
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    let status = child.wait().expect("ckpt ends");
    drop(stdin);
    assert_eq!(status.code(), Some(130));
    assert!(names_in(dir.path()).is_empty(), "nothing is left");
}
