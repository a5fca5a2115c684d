//! Hostile and broken archives, built at test time, run through every
//! command.
//!
//! Each case is written as `checkpoint-hostile.tar` into an empty folder and
//! given to every command (show, inspect, memparse, diff, list, build; from
//! the file and from standard input), each run under `ulimit -v` of the bound
//! the README states ([`MEMORY_LIMIT_MIB`]), with `TMPDIR` pointing at an
//! empty folder, and killed if it takes over [`TIMEOUT`]. Every run must
//! end with exit code 0 or 1 (a panic is 101, an abort or a signal has
//! none), print only `ckpt: error:` and `ckpt: warning:` lines naming the
//! file on stderr, exactly one error line when it fails, and leave both
//! folders as they were; `build` writes its image into a third folder,
//! which must hold nothing after a failure. On top of that, each case
//! checks the exact report
//! or the exact error of `show` and `inspect`.

use std::fs;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ckpt::archive::compression::Compression;
use ckpt::criu::image::{COMMON_MAGIC, encode, magic};
use ckpt::criu::proto::PstreeEntry;
use ckpt::fixture::criu::{pagemap_image, pagemap_run};
use ckpt::fixture::{ArchiveFixture, ContainerFixture, CriuFixture, FixtureEngine};
use serde_json::Value;

use crate::util::{Member, Run, compressed_cut, layout, names_in};

/// The name every case is written under; `list` picks it by its prefix.
const NAME: &str = "checkpoint-hostile.tar";
/// The README's bound on memory, whatever the input.
const MEMORY_LIMIT_MIB: u64 = 320;
/// A run that takes longer hangs: 30 s for an optimized build, as the
/// README promises; an unoptimized one (plain `cargo test`) is many times
/// slower at reading a million headers, and gets more.
const TIMEOUT: Duration = Duration::from_secs(if cfg!(debug_assertions) { 180 } else { 30 });
/// PIDs of the deep tree's four levels.
const DEEP: [u32; 4] = [1, 8, 15, 22];

// ---------------------------------------------------------------------------
// Running every command.

/// One command line, without the archive: `{}` stands for it.
#[derive(Debug, Clone, Copy)]
struct Line {
    args: &'static [&'static str],
    /// Reads the archive from standard input.
    stdin: bool,
}

/// Every command, with the flags that read the most of an archive.
const COMMANDS: &[Line] = &[
    Line {
        args: &["show", "{}"],
        stdin: false,
    },
    Line {
        args: &["show", "--format", "json", "{}"],
        stdin: false,
    },
    Line {
        args: &["inspect", "--all", "{}"],
        stdin: false,
    },
    Line {
        args: &["inspect", "--all", "--format", "json", "{}"],
        stdin: false,
    },
    Line {
        args: &["memparse", "{}"],
        stdin: false,
    },
    Line {
        args: &["memparse", "--pid", "1", "{}"],
        stdin: false,
    },
    Line {
        args: &[
            "memparse",
            "--pid",
            "1",
            "-r",
            "[A-Z_]{3,}=",
            "-c",
            "8",
            "{}",
        ],
        stdin: false,
    },
    Line {
        args: &[
            "diff",
            "--ps-tree-cmd",
            "--ps-tree-env",
            "--files",
            "--sockets",
            "--format",
            "json",
            "{}",
            "{}",
        ],
        stdin: false,
    },
    Line {
        args: &["list", "."],
        stdin: false,
    },
    Line {
        args: &["show", "-"],
        stdin: true,
    },
    Line {
        args: &["inspect", "--all", "--format", "json", "-"],
        stdin: true,
    },
    // Writes its image into a folder of its own (see `every_command_of`).
    Line {
        args: &["build", "{}", "--output", "{out}"],
        stdin: false,
    },
    Line {
        args: &[
            "inspect",
            "--rootfs-diff",
            "--devshm",
            "--sort",
            "size",
            "--format",
            "json",
            "{}",
        ],
        stdin: false,
    },
    Line {
        args: &["inspect", "--rootfs-diff", "--devshm", "-"],
        stdin: true,
    },
];

/// The command lines of [`COMMANDS`] that list the nested tars.
const NESTED_FILE: &str = "inspect --rootfs-diff --devshm --sort size --format json {}";
const NESTED_STDIN: &str = "inspect --rootfs-diff --devshm -";

/// The runs of every command on one archive, by command line.
struct Runs(Vec<(String, Run)>);

impl Runs {
    /// The run of the command line `args` (with `{}` for the archive).
    fn of(&self, args: &str) -> &Run {
        self.0
            .iter()
            .find(|(line, _)| line == args)
            .map(|(_, run)| run)
            .unwrap_or_else(|| panic!("no run of `{args}`"))
    }

    /// Assert that `args` failed with exactly `message` after the file
    /// name (`-` for standard input).
    fn fails(&self, args: &str, message: &str) {
        let run = self.of(args);
        let file = if args.ends_with(" -") { "-" } else { NAME };
        assert_eq!(
            run.stderr,
            format!("ckpt: error: {file}: {message}\n"),
            "`{args}`"
        );
        assert_eq!(run.code, 1, "`{args}`");
    }

    /// Assert that `args` worked without an error.
    fn works(&self, args: &str) -> &Run {
        let run = self.of(args);
        assert_eq!(run.code, 0, "`{args}`: {}", run.stderr);
        run
    }
}

/// Run `ckpt ARGS` in `dir` under the memory limit and the timeout, with
/// `TMPDIR` at `tmp` and `input` on standard input.
fn run_limited(dir: &Path, tmp: &Path, args: &[&str], input: Option<Vec<u8>>) -> Run {
    let limit_kib = MEMORY_LIMIT_MIB * 1024;
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {limit_kib} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_ckpt"))
        .args(args)
        .current_dir(dir)
        .env("TMPDIR", tmp)
        .env("NO_COLOR", "1")
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sh runs");
    let writer = child.stdin.take().map(|mut stdin| {
        let input = input.unwrap_or_default();
        // ckpt may stop reading early, on an error.
        std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        })
    });
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stdout.read_to_end(&mut bytes);
        bytes
    });
    let err = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stderr.read_to_end(&mut bytes);
        bytes
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting") {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            panic!("`ckpt {}` hangs (over {TIMEOUT:?})", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    if let Some(writer) = writer {
        let _ = writer.join();
    }
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.join().expect("stdout")).expect("stdout is UTF-8"),
        stderr: String::from_utf8(err.join().expect("stderr")).expect("stderr is UTF-8"),
    }
}

/// Run every command of [`COMMANDS`] on `bytes` and check what every run
/// must satisfy (see the module docs).
fn every_command(bytes: &[u8]) -> Runs {
    every_command_of(bytes, COMMANDS)
}

fn every_command_of(bytes: &[u8], commands: &[Line]) -> Runs {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let tmp = tempfile::tempdir().expect("a temporary folder");
    // `build` writes here: its image when it works, nothing when it fails.
    let out = tempfile::tempdir().expect("a temporary folder");
    let image = out.path().join("image.tar");
    let image = image.to_str().expect("a UTF-8 path");
    fs::write(dir.path().join(NAME), bytes).expect("writing the case");
    let mut runs = Vec::new();
    for command in commands {
        let line = command.args.join(" ");
        let args: Vec<&str> = command
            .args
            .iter()
            .map(|a| match *a {
                "{}" => NAME,
                "{out}" => image,
                other => other,
            })
            .collect();
        let input = command.stdin.then(|| bytes.to_vec());
        let run = run_limited(dir.path(), tmp.path(), &args, input);
        check_run(&line, &run, command.stdin);
        if command.args.contains(&"{out}") {
            let written = names_in(out.path());
            if run.code == 0 {
                assert_eq!(written, ["image.tar"], "`{line}`: the image");
                fs::remove_file(out.path().join("image.tar")).expect("removing the image");
            } else {
                assert!(written.is_empty(), "`{line}` failed, yet left {written:?}");
            }
        }
        runs.push((line, run));
    }
    assert_eq!(
        names_in(dir.path()),
        [NAME],
        "nothing written beside the archive"
    );
    assert!(names_in(tmp.path()).is_empty(), "nothing written to TMPDIR");
    Runs(runs)
}

/// What every run must satisfy, whatever the input.
fn check_run(line: &str, run: &Run, stdin: bool) {
    assert!(
        run.code == 0 || run.code == 1,
        "`{line}` ended with {} (101 is a panic, -1 a signal): {}",
        run.code,
        run.stderr
    );
    let file = if stdin { "-" } else { NAME };
    let mut errors = 0;
    for l in run.stderr.lines() {
        let rest = if let Some(rest) = l.strip_prefix("ckpt: error: ") {
            errors += 1;
            rest
        } else if let Some(rest) = l.strip_prefix("ckpt: warning: ") {
            rest
        } else {
            panic!("`{line}`: a stderr line that is not an error or a warning: {l:?}");
        };
        // list names its files by path.
        let named =
            rest.starts_with(&format!("{file}: ")) || rest.starts_with(&format!("./{file}: "));
        assert!(named, "`{line}`: a line that does not name the file: {l:?}");
    }
    match run.code {
        1 => assert_eq!(errors, 1, "`{line}`: one error line: {}", run.stderr),
        _ => assert_eq!(errors, 0, "`{line}`: worked, yet: {}", run.stderr),
    }
    if run.code == 0 && line.contains("json") {
        let parsed: Result<Value, _> = serde_json::from_str(&run.stdout);
        assert!(parsed.is_ok(), "`{line}`: JSON that does not parse");
    }
}

// ---------------------------------------------------------------------------
// Building cases.

/// A Podman container with real CRIU images: a four-level process tree
/// with command lines, environments, files and sockets.
fn deep_container() -> ContainerFixture {
    let mut container = ContainerFixture::new(FixtureEngine::Podman, "deep");
    container.criu = Some(CriuFixture::deep_tree(DEEP.len() as u32, "s3cr3t"));
    container
}

fn deep_tar() -> Vec<u8> {
    ArchiveFixture::Container(Box::new(deep_container())).to_bytes(Compression::None)
}

/// The deep container with the CRIU image `name` replaced by `bytes`.
fn deep_with_image(name: &str, bytes: Vec<u8>) -> Vec<u8> {
    let mut container = deep_container();
    let criu = container.criu.as_mut().expect("real images");
    criu.overrides.insert(name.to_string(), Some(bytes));
    ArchiveFixture::Container(Box::new(container)).to_bytes(Compression::None)
}

/// Where the members of a plain tar end (the end-of-archive blocks start).
fn end_of_members(tar: &[u8]) -> usize {
    let last = layout(tar).pop().expect("a member");
    last.data + last.size.div_ceil(512) * 512
}

/// A ustar header for `name` (bytes, up to 100), `size` and `kind`, with
/// `link` as link target; its checksum set.
fn header(name: &[u8], size: u64, kind: u8, link: &[u8]) -> [u8; 512] {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name);
    h[100..108].copy_from_slice(b"0000644\0");
    h[108..116].copy_from_slice(b"0000000\0");
    h[116..124].copy_from_slice(b"0000000\0");
    h[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
    h[136..148].copy_from_slice(b"15077067420\0");
    h[156] = kind;
    h[157..157 + link.len()].copy_from_slice(link);
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    set_checksum(&mut h);
    h
}

fn set_checksum(h: &mut [u8]) {
    h[148..156].fill(b' ');
    let sum: u32 = h[..512].iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
}

/// `data` padded to whole blocks.
fn padded(data: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    out.resize(data.len().div_ceil(512) * 512, 0);
    out
}

/// The plain tar `tar` with `extra` (whole blocks) put before its
/// end-of-archive blocks.
fn with_members_at_end(tar: &[u8], extra: &[u8]) -> Vec<u8> {
    let end = end_of_members(tar);
    let mut out = tar[..end].to_vec();
    out.extend_from_slice(extra);
    out.extend_from_slice(&[0; 1024]);
    out
}

/// The plain tar `tar` with the data of member `name` replaced by `data`.
fn with_member_replaced(tar: &[u8], name: &str, data: &[u8]) -> Vec<u8> {
    let members = layout(tar);
    let member = members
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("`{name}` is in the archive"));
    let mut out = tar[..member.header].to_vec();
    out.extend_from_slice(&file_member(name.as_bytes(), data));
    out.extend_from_slice(&tar[member.data + member.size.div_ceil(512) * 512..]);
    out
}

/// The plain tar `tar` with `extra` (whole blocks) put first.
fn with_members_first(tar: &[u8], extra: &[u8]) -> Vec<u8> {
    let mut out = extra.to_vec();
    out.extend_from_slice(tar);
    out
}

/// A member with its header: name, data, type `0`.
fn file_member(name: &[u8], data: &[u8]) -> Vec<u8> {
    let mut out = header(name, data.len() as u64, b'0', b"").to_vec();
    out.extend_from_slice(&padded(data));
    out
}

/// A member whose name is too long for the header, written as GNU tar does
/// (`L` entry) or as POSIX does (`x` PAX record).
fn long_named_member(name: &[u8], data: &[u8], pax: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if pax {
        // "LEN path=NAME\n", LEN counting itself.
        let body_len = name.len() + " path=\n".len();
        let mut len = body_len + body_len.to_string().len();
        if len.to_string().len() + body_len != len {
            len += 1;
        }
        let mut record = format!("{len} path=").into_bytes();
        record.extend_from_slice(name);
        record.push(b'\n');
        out.extend_from_slice(&header(b"PaxHeaders/x", record.len() as u64, b'x', b""));
        out.extend_from_slice(&padded(&record));
    } else {
        let mut body = name.to_vec();
        body.push(0);
        out.extend_from_slice(&header(b"././@LongLink", body.len() as u64, b'L', b""));
        out.extend_from_slice(&padded(&body));
    }
    out.extend_from_slice(&file_member(&name[..name.len().min(100)], data));
    out
}

// ---------------------------------------------------------------------------
// Cut archives.

/// The member before `index`, as errors name it when the archive ends at
/// `index`'s header.
fn truncation_after(members: &[Member], index: usize) -> String {
    match index {
        0 => "input is empty".to_string(),
        _ => format!(
            "archive is truncated after member `{}`",
            members[index - 1].name
        ),
    }
}

#[test]
fn cut_at_every_header_and_inside_every_member() {
    let tar = deep_tar();
    let members = layout(&tar);
    let commands = &[
        Line {
            args: &["show", "{}"],
            stdin: false,
        },
        Line {
            args: &["inspect", "--all", "--format", "json", "{}"],
            stdin: false,
        },
        Line {
            args: &["memparse", "--pid", "22", "{}"],
            stdin: false,
        },
        Line {
            args: &["show", "-"],
            stdin: true,
        },
    ];
    for (i, member) in members.iter().enumerate() {
        let at_header = every_command_of(&tar[..member.header], commands);
        let expected = truncation_after(&members, i);
        for line in ["show {}", "inspect --all --format json {}", "show -"] {
            at_header.fails(line, &expected);
        }
        if member.size > 0 {
            let inside = every_command_of(&tar[..member.data + member.size / 2], commands);
            let expected = format!("archive is truncated inside member `{}`", member.name);
            for line in ["show {}", "inspect --all --format json {}", "show -"] {
                inside.fails(line, &expected);
            }
        }
    }
    // Without the end-of-archive blocks, cleanly after the last member.
    let end = end_of_members(&tar);
    let runs = every_command_of(&tar[..end], commands);
    runs.fails("show {}", &truncation_after(&members, members.len()));
}

#[test]
fn compressed_streams_cut_inside_every_member_name_it() {
    let tar = deep_tar();
    let members = layout(&tar);
    for compression in [Compression::Gzip, Compression::Zstd] {
        for member in members.iter().filter(|m| m.size > 0).step_by(3) {
            let cut = compressed_cut(&tar, member.data + member.size / 2, compression);
            let runs = every_command_of(&cut, &COMMANDS[..2]);
            runs.fails(
                "show {}",
                &format!("archive is truncated inside member `{}`", member.name),
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Damaged headers.

#[test]
fn flipped_header_bytes_are_corrupt_headers_naming_the_member_before() {
    let tar = deep_tar();
    let members = layout(&tar);
    // Name, mode, size, checksum, type flag and magic of a few headers.
    for index in [0, 3, members.len() / 2, members.len() - 1] {
        for field in [0, 101, 130, 150, 156, 258] {
            let mut bytes = tar.clone();
            bytes[members[index].header + field] ^= 0x5a;
            let runs = every_command(&bytes);
            if (index, field) == (0, 258) {
                // Without its magic, the first block is no tar header.
                runs.fails(
                    "show {}",
                    "not a tar archive: no tar header and no known compression magic",
                );
                continue;
            }
            let run = runs.of("show {}");
            assert_eq!(run.code, 1, "field {field} of header {index}");
            let after = match index {
                0 => "before the first member".to_string(),
                _ => format!("after member `{}`", members[index - 1].name),
            };
            assert!(
                run.stderr.contains("corrupt tar header") && run.stderr.contains(&after),
                "field {field} of header {index}: {}",
                run.stderr
            );
        }
    }
}

#[test]
fn sizes_declared_beyond_the_end_of_the_file_are_truncation() {
    let tar = deep_tar();
    let members = layout(&tar);
    for name in [
        "checkpoint/pages-1.img",
        "rootfs-diff.tar",
        "checkpoint/core-8.img",
    ] {
        let member = members.iter().find(|m| m.name == name).expect("the member");
        for size in [tar.len() as u64, 0o77_777_777_777] {
            let mut bytes = tar.clone();
            let h = &mut bytes[member.header..member.header + 512];
            h[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
            set_checksum(h);
            let runs = every_command(&bytes);
            let expected = format!("archive is truncated inside member `{name}`");
            runs.fails("show {}", &expected);
            runs.fails("show -", &expected);
            runs.fails("inspect --all --format json {}", &expected);
        }
    }
}

// ---------------------------------------------------------------------------
// Bombs and caps.

/// The deep container with a `volumes/bomb.tar` of `size` zero bytes,
/// compressed as it is written, never held whole.
fn bomb(size: u64, compression: Compression) -> Vec<u8> {
    let tar = deep_tar();
    match compression {
        Compression::Gzip => {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            write_bomb(&mut gz, &tar, size);
            gz.finish().unwrap()
        }
        Compression::Zstd => {
            let mut zst = zstd::stream::write::Encoder::new(Vec::new(), 3).unwrap();
            write_bomb(&mut zst, &tar, size);
            zst.finish().unwrap()
        }
        Compression::None => unreachable!("a bomb is compressed"),
    }
}

fn write_bomb(out: &mut impl Write, tar: &[u8], size: u64) {
    out.write_all(&tar[..end_of_members(tar)]).unwrap();
    out.write_all(&header(b"volumes/bomb.tar", size, b'0', b""))
        .unwrap();
    let zeros = vec![0u8; 1 << 20];
    let mut left = size;
    while left > 0 {
        let n = left.min(zeros.len() as u64) as usize;
        out.write_all(&zeros[..n]).unwrap();
        left -= n as u64;
    }
    out.write_all(&[0; 1024]).unwrap();
}

#[test]
fn compression_bombs_are_read_through_in_bounded_memory() {
    let size: u64 = 512 << 20;
    for compression in [Compression::Gzip, Compression::Zstd] {
        let bytes = bomb(size, compression);
        assert!(
            (bytes.len() as u64) * 500 < size,
            "{compression:?}: {} bytes expand 500-fold",
            bytes.len()
        );
        let runs = every_command(&bytes);
        let shown: Vec<Value> =
            serde_json::from_str(&runs.works("show --format json {}").stdout).unwrap();
        let volumes = shown[0]["checkpoint_size"]["volumes_size"]
            .as_u64()
            .unwrap();
        assert_eq!(volumes, size);
        runs.works("inspect --all --format json {}");
        runs.works("memparse --pid 1 {}");
        runs.works("build {} --output {out}");
    }
}

/// The plain tar `tar` in one zstd frame with a window of `2^log` bytes.
fn zstd_window(tar: &[u8], log: u32) -> Vec<u8> {
    let mut zst = zstd::Encoder::new(Vec::new(), 1).unwrap();
    zst.window_log(log).unwrap();
    zst.long_distance_matching(true).unwrap();
    zst.write_all(tar).unwrap();
    zst.finish().unwrap()
}

#[test]
fn zstd_windows_up_to_the_limit_are_read_in_bounded_memory_and_larger_refused() {
    // The largest window accepted, filled: 256 MiB of zeros pass through it.
    let bytes = bomb_in_window(256 << 20, 27);
    let runs = every_command(&bytes);
    runs.works("show {}");
    runs.works("inspect --all --format json {}");
    runs.works("show -");

    let tar = deep_tar();
    for log in [28, 31] {
        let runs = every_command_of(&zstd_window(&tar, log), &COMMANDS[..1]);
        runs.fails(
            "show {}",
            "zstd data needs a window over the 128 MiB limit (was it compressed with \
             `zstd --long`?)",
        );
    }
}

/// The deep container with `size` bytes of zeros in a zstd frame whose
/// window is `2^log` bytes.
fn bomb_in_window(size: u64, log: u32) -> Vec<u8> {
    let tar = deep_tar();
    let mut zst = zstd::Encoder::new(Vec::new(), 1).unwrap();
    zst.window_log(log).unwrap();
    write_bomb(&mut zst, &tar, size);
    zst.finish().unwrap()
}

#[test]
fn a_million_empty_members_are_counted_or_refused_in_bounded_memory() {
    // A million empty pages images, then the deep container: an archive
    // of 512 MiB of headers, compressed to almost nothing.
    let mut zst = zstd::Encoder::new(Vec::new(), 1).unwrap();
    for i in 0..1_000_000u32 {
        let name = format!("checkpoint/pages-{}.img", 1000 + i);
        zst.write_all(&header(name.as_bytes(), 0, b'0', b""))
            .unwrap();
    }
    zst.write_all(&deep_tar()).unwrap();
    let bytes = zst.finish().unwrap();
    // The commands that read it all (in the time of a debug build).
    let runs = every_command_of(
        &bytes,
        &[COMMANDS[1], COMMANDS[3], COMMANDS[4], COMMANDS[10]],
    );
    let shown: Vec<Value> =
        serde_json::from_str(&runs.works("show --format json {}").stdout).unwrap();
    assert_eq!(shown[0]["container_name"], "deep");
    let too_many = "more than 65536 CRIU images in the archive";
    runs.fails("inspect --all --format json {}", too_many);
    runs.fails("inspect --all --format json -", too_many);
    runs.fails("memparse {}", too_many);
}

#[test]
fn metadata_members_far_over_their_cap_are_refused_from_the_header() {
    // 64 MiB of spaces: refused before any of it is read. (The errors
    // tests show the same for a header declaring 64 GiB, with no data.)
    let tar = deep_tar();
    for name in [
        "spec.dump",
        "config.dump",
        "deleted.files",
        "network.status",
    ] {
        let size: u64 = 64 << 20;
        let member = file_member(name.as_bytes(), &vec![b' '; size as usize]);
        let runs = every_command(&with_members_first(&tar, &member));
        let cap = if name == "deleted.files" { 16 } else { 4 } << 20;
        let expected =
            format!("member `{name}` is {size} bytes, over the {cap}-byte limit for this member");
        runs.fails("show {}", &expected);
        runs.fails("show -", &expected);
        runs.fails("inspect --all --format json {}", &expected);
    }
}

#[test]
fn json_nested_thousands_deep_is_skipped_or_refused_without_recursion() {
    let tar = deep_tar();
    for name in [
        "spec.dump",
        "config.dump",
        "network.status",
        "deleted.files",
    ] {
        // Deeper than serde_json's limit, well under the values budget.
        let depth = 10_000;
        let nested = if name == "deleted.files" {
            [vec![b'['; depth], vec![b']'; depth]].concat()
        } else {
            [b"{\"a\":".repeat(depth), b"1".to_vec(), vec![b'}'; depth]].concat()
        };
        let runs = every_command(&with_member_replaced(&tar, name, &nested));
        if name == "deleted.files" {
            // A list of strings: its first element, a list, is refused.
            runs.fails(
                "show {}",
                "member `deleted.files` is not valid JSON for its kind: invalid type: \
                 sequence, expected a path at line 1 column 1",
            );
        } else {
            // An unknown key, skipped (without recursion) whatever it holds.
            let run = runs.works("show --format json {}");
            let shown: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
            assert_eq!(shown.len(), 1, "{name}");
            assert_eq!(run.stderr, "", "{name}");
        }
    }
}

// ---------------------------------------------------------------------------
// Names and links.

#[test]
fn long_names_are_read_under_their_caps_and_refused_over() {
    let tar = deep_tar();
    let data = vec![7u8; 4096];
    for pax in [false, true] {
        // 60 KiB names, GNU and PAX: read, counted as a volume.
        let mut name = b"volumes/".to_vec();
        name.extend(vec![b'v'; 60 * 1024]);
        name.extend_from_slice(b".tar");
        let bytes = with_members_at_end(&tar, &long_named_member(&name, &data, pax));
        let runs = every_command(&bytes);
        let shown: Vec<Value> =
            serde_json::from_str(&runs.works("show --format json {}").stdout).unwrap();
        assert_eq!(
            shown[0]["checkpoint_size"]["volumes_size"], 4096,
            "pax: {pax}"
        );
        runs.works("inspect --all --format json {}");
    }
    // Over the caps: one error naming the member before.
    let last = layout(&tar).pop().expect("a member").name;
    // The name and its NUL: one byte over.
    let gnu = long_named_member(&vec![b'n'; 64 * 1024], &data, false);
    let runs = every_command(&with_members_at_end(&tar, &gnu));
    runs.fails(
        "show {}",
        &format!(
            "corrupt tar header after member `{last}`: GNU long name of 65537 bytes, over \
             the 65536-byte limit"
        ),
    );
    let pax = long_named_member(&vec![b'p'; 1024 * 1024], &data, true);
    let runs = every_command(&with_members_at_end(&tar, &pax));
    runs.fails(
        "show {}",
        &format!(
            "corrupt tar header after member `{last}`: PAX header of 1048590 bytes, over \
             the 1048576-byte limit"
        ),
    );
}

#[test]
fn names_climbing_out_absolute_or_not_utf8_are_warned_about_and_never_followed() {
    let tar = deep_tar();
    let mut extra = Vec::new();
    extra.extend(file_member(b"../config.dump", br#"{"name": "climber"}"#));
    extra.extend(file_member(b"checkpoint/\xff\xfe-odd.img", b"x"));
    extra.extend(file_member(b"/checkpoint/../../etc/\xffpasswd", b"x"));
    let runs = every_command(&with_members_at_end(&tar, &extra));
    let run = runs.works("show {}");
    assert_eq!(
        run.stderr_lines(),
        [
            format!(
                "ckpt: warning: {NAME}: member `../config.dump` climbs above the archive \
                 root: ignored (extracting it would fail or write outside the target)"
            ),
            format!(
                "ckpt: warning: {NAME}: member `/checkpoint/../../etc/\u{fffd}passwd` climbs \
                 above the archive root: ignored (extracting it would fail or write outside \
                 the target)"
            ),
        ]
    );
    // The report is the archive's own: the climbing config.dump is not read.
    let shown: Vec<Value> =
        serde_json::from_str(&runs.works("show --format json {}").stdout).unwrap();
    assert_eq!(shown[0]["container_name"], "deep");
}

#[test]
fn links_and_second_copies_named_like_metadata_are_not_followed() {
    let tar = deep_tar();
    let mut extra = Vec::new();
    extra.extend(header(b"network.status", 0, b'2', b"/etc/passwd"));
    extra.extend(header(b"spec.dump", 0, b'1', b"config.dump"));
    // An absolute copy of config.dump, read where extraction would put it.
    let mut config: Value = serde_json::from_slice(&member_data(&tar, "config.dump")).unwrap();
    config["name"] = "second".into();
    extra.extend(file_member(
        b"/config.dump",
        &serde_json::to_vec(&config).unwrap(),
    ));
    let runs = every_command(&with_members_at_end(&tar, &extra));
    let run = runs.works("show --format json {}");
    let warning = |text: &str| format!("ckpt: warning: {NAME}: {text}");
    assert_eq!(
        run.stderr_lines(),
        [
            warning(
                "member `network.status` is a symbolic link to `/etc/passwd`, not a file: \
                 not read"
            ),
            warning("member `spec.dump` is a hard link to `config.dump`, not a file: not read"),
            warning(
                "member `/config.dump` is read as `config.dump`, where extracting it would put it"
            ),
            warning(
                "member `config.dump` is stored more than once: the last copy is read, as \
                 extracting the archive would leave it"
            ),
        ]
    );
    let shown: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(shown[0]["container_name"], "second");
    // The links changed nothing: the network and the spec are the archive's.
    let plain: Vec<Value> = serde_json::from_str(
        &every_command_of(&tar, &COMMANDS[1..2])
            .works("show --format json {}")
            .stdout,
    )
    .unwrap();
    assert_eq!(shown[0]["networks"], plain[0]["networks"]);
    assert_eq!(shown[0]["metadata"], plain[0]["metadata"]);
}

#[test]
fn nested_tars_that_are_not_tars_or_are_cut_are_named() {
    let tar = deep_tar();
    let garbage = vec![b'x'; 1024];
    let mut cut = member_data(&tar, "rootfs-diff.tar");
    cut.truncate(1024);
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gzip.write_all(&garbage).unwrap();
    let gzipped_garbage = gzip.finish().unwrap();
    for (data, problem) in [
        (
            &garbage,
            "is not a readable tar archive inside: the header checksum is not an octal number",
        ),
        (
            &cut,
            "is cut short inside (a tar whose members run past its end)",
        ),
        (
            &gzipped_garbage,
            "is not a readable tar archive inside: the header checksum is not an octal number",
        ),
    ] {
        let runs = every_command(&with_member_replaced(&tar, "rootfs-diff.tar", data));
        let message = format!("member `rootfs-diff.tar`: {problem}");
        runs.fails(NESTED_FILE, &message);
        runs.fails(NESTED_STDIN, &message);
        // Nothing else reads inside it.
        runs.works("inspect --all --format json {}");
    }
}

#[test]
fn a_nested_tar_of_300000_files_is_listed_in_part_in_bounded_memory() {
    // containerd's shape, a gzip layer: 300000 empty files with names of
    // 99 bytes, 147 MiB of tar in a few MiB of gzip.
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for i in 0..300_000u32 {
        let name = format!("{:0>95}.bin", i);
        gzip.write_all(&header(name.as_bytes(), 0, b'0', b""))
            .unwrap();
    }
    gzip.write_all(&[0; 1024]).unwrap();
    let layer = gzip.finish().unwrap();
    let tar = with_member_replaced(&deep_tar(), "rootfs-diff.tar", &layer);
    let runs = every_command_of(&tar, &COMMANDS[COMMANDS.len() - 2..]);
    let listed: Vec<Value> = serde_json::from_str(&runs.works(NESTED_FILE).stdout).unwrap();
    let listing = &listed[0]["rootfs_diff"];
    assert_eq!(listing["compression"], "gzip");
    assert_eq!(listing["total_files"], 300_000);
    assert_eq!(listing["files"].as_array().unwrap().len(), 100_000);
    assert_eq!(listing["more_files"], 200_000);
    let tree = runs.works(NESTED_STDIN);
    assert!(
        tree.stdout.contains("│   └── … 200000 more (not listed)\n"),
        "{:.2000}",
        tree.stdout
    );
}

/// The data of member `name` of a plain tar.
fn member_data(tar: &[u8], name: &str) -> Vec<u8> {
    let member = layout(tar)
        .into_iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("`{name}` is in the archive"));
    tar[member.data..member.data + member.size].to_vec()
}

// ---------------------------------------------------------------------------
// CRIU images.

/// An image of `magic` holding `entries` already framed (size prefixes
/// and all).
fn image(magic: u32, framed: &[u8]) -> Vec<u8> {
    let mut bytes = COMMON_MAGIC.to_le_bytes().to_vec();
    bytes.extend_from_slice(&magic.to_le_bytes());
    bytes.extend_from_slice(framed);
    bytes
}

#[test]
fn an_entry_claiming_more_than_its_image_holds_is_named() {
    let mut pstree = encode(magic::PSTREE, &[PstreeEntry::default()]);
    pstree[8..12].copy_from_slice(&1_000_000u32.to_le_bytes());
    let runs = every_command(&deep_with_image("checkpoint/pstree.img", pstree));
    let expected = "member `checkpoint/pstree.img`: entry 0 claims 1000000 bytes, but only 8 \
                    remain";
    runs.fails("inspect --all --format json {}", expected);
    runs.fails("inspect --all --format json -", expected);
    runs.fails("memparse {}", expected);
    runs.works("show {}");
}

#[test]
fn images_that_decode_to_far_more_than_their_size_are_refused() {
    // Empty entries (4 bytes each) and empty VMAs (2 bytes each) that
    // would decode to structs of tens or hundreds of bytes.
    let budget = "brings what the decoded CRIU images take in memory over 33554432 bytes; \
                  ckpt stops rather than grow without bound";
    let empties = vec![0u8; 12 << 20];
    for (name, magic) in [
        ("checkpoint/pstree.img", magic::PSTREE),
        ("checkpoint/files.img", magic::FILES),
        ("checkpoint/fdinfo-2.img", magic::FDINFO),
    ] {
        let runs = every_command(&deep_with_image(name, image(magic, &empties)));
        runs.fails(
            "inspect --all --format json {}",
            &format!("member `{name}` {budget}"),
        );
        runs.works("show {}");
    }
    // An mm image of a million VMAs: walked one at a time, never held.
    let vmas = [0x72u8, 0x00].repeat(1 << 20);
    let mut framed = (vmas.len() as u32).to_le_bytes().to_vec();
    framed.extend_from_slice(&vmas);
    let runs = every_command(&deep_with_image(
        "checkpoint/mm-1.img",
        image(magic::MM, &framed),
    ));
    runs.works("inspect --all --format json {}");
    runs.works("memparse {}");
}

#[test]
fn pagemaps_overlapping_or_past_their_pages_image_are_read_in_bounds() {
    let criu = CriuFixture::deep_tree(DEEP.len() as u32, "s3cr3t");
    let (pages_id, runs) = criu.pagemap(1).expect("memory");
    let first = runs[0].vaddr;
    // The same run three times, then one far past the image's end.
    let hostile = [
        runs[0].clone(),
        runs[0].clone(),
        pagemap_run(first, 2),
        pagemap_run(first + (1 << 40), 1 << 20),
    ];
    let bytes = deep_with_image(
        "checkpoint/pagemap-1.img",
        pagemap_image(pages_id, &hostile),
    );
    let runs = every_command(&bytes);
    runs.works("inspect --all --format json {}");
    runs.works("memparse {}");
    runs.works("memparse --pid 1 {}");
}

#[test]
fn process_trees_with_cycles_missing_parents_and_reused_pids_are_shown_in_part() {
    let entry = |pid: u32, ppid: u32| PstreeEntry {
        pid,
        ppid,
        pgid: 1,
        sid: 1,
        threads: vec![pid],
    };
    let tree = [
        entry(1, 0),
        entry(8, 1),
        entry(15, 8),
        entry(22, 15),
        // PID 8 again, under another parent; a cycle; a lost parent.
        entry(8, 22),
        entry(60, 61),
        entry(61, 60),
        entry(70, 99),
    ];
    let bytes = deep_with_image("checkpoint/pstree.img", encode(magic::PSTREE, &tree));
    let runs = every_command(&bytes);
    let run = runs.works("inspect --all --format json {}");
    let warning =
        |text: &str| format!("ckpt: warning: {NAME}: member `checkpoint/pstree.img`: {text}");
    let lines = run.stderr_lines();
    for expected in [
        warning("process 8 is listed more than once; its first entry is used"),
        warning("the parent 99 of process 70 is not in the dump; it is shown under the root"),
        warning("process 60 is in or below a cycle of parents and is not shown"),
        warning("process 61 is in or below a cycle of parents and is not shown"),
    ] {
        assert!(
            lines.contains(&expected.as_str()),
            "{expected}\nin\n{}",
            run.stderr
        );
    }
    let shown: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    let tree = &shown[0]["process_tree"];
    let pids: Vec<u64> = tree["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["pid"].as_u64().unwrap())
        .collect();
    assert_eq!(pids, [8, 70]);
    runs.works("memparse {}");
}

#[test]
fn a_chain_of_a_hundred_thousand_processes_is_cut_not_overflowed() {
    let chain: Vec<PstreeEntry> = (1..=100_000u32)
        .map(|pid| PstreeEntry {
            pid,
            ppid: pid - 1,
            ..PstreeEntry::default()
        })
        .collect();
    let bytes = deep_with_image("checkpoint/pstree.img", encode(magic::PSTREE, &chain));
    let runs = every_command(&bytes);
    let run = runs.works("inspect --all --format json {}");
    // The first warnings and one line counting the rest.
    assert_eq!(run.stderr_lines().len(), 21, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("more warnings about single processes (not listed)"),
        "{}",
        run.stderr
    );
    runs.works("memparse {}");
    runs.works("inspect --all --format json -");
}

#[test]
fn twenty_thousand_pagemaps_and_pages_images_take_linear_time() {
    use ckpt::criu::proto::{MmEntry, PagemapHead};
    // Each pages image has one claimant among 20000 pagemaps: matched by
    // an index, not by looking at every pagemap for every image.
    let tar = deep_tar();
    let mut extra = Vec::new();
    let ids = 1000..21_000u32;
    for id in ids.clone() {
        let mm = MmEntry {
            mm_arg_start: 0x1000,
            mm_arg_end: 0x1010,
            ..MmEntry::default()
        };
        let name = format!("checkpoint/mm-{id}.img");
        extra.extend(file_member(name.as_bytes(), &encode(magic::MM, &[mm])));
        let mut pagemap = encode(magic::PAGEMAP, &[PagemapHead { pages_id: id }]);
        pagemap.extend_from_slice(&encode(magic::PAGEMAP, &[pagemap_run(0x1000, 1)])[8..]);
        let name = format!("checkpoint/pagemap-{id}.img");
        extra.extend(file_member(name.as_bytes(), &pagemap));
    }
    for id in ids {
        let name = format!("checkpoint/pages-{id}.img");
        extra.extend(file_member(name.as_bytes(), &[0x41; 16]));
    }
    let runs = every_command_of(&with_members_at_end(&tar, &extra), &COMMANDS[2..7]);
    runs.works("inspect --all --format json {}");
    runs.works("memparse {}");
}
