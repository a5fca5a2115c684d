//! Running the binary and finding fixtures.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use ckpt::archive::compression::Compression;

/// The repository's `fixtures/` folder.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The real archives copied into `fixtures/real/`, each with what
/// checkpointctl printed for it in `fixtures/real/reference/`.
pub const REAL: &[&str] = &[
    "minimal.none.tar",
    "minimal.gzip.tar.gz",
    "minimal.zstd.tar.zst",
    "containerd-cri.none.tar",
    "rich.zstd.tar.zst",
];

/// `fixtures/real/`.
pub fn real_dir() -> PathBuf {
    fixtures().join("real")
}

/// What checkpointctl printed for `archive`: `<archive>.<suffix>`.
pub fn reference(archive: &str, suffix: &str) -> String {
    let path = real_dir()
        .join("reference")
        .join(format!("{archive}.{suffix}"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What one run of the binary gave.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(output: Output) -> Run {
        Run {
            // A run killed by a signal (a panic abort, say) has no code.
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        }
    }

    /// The stderr lines.
    pub fn stderr_lines(&self) -> Vec<&str> {
        self.stderr.lines().collect()
    }
}

/// Run `ckpt ARGS` in `dir` (the fixtures folder when `None`).
pub fn ckpt_in(dir: Option<&Path>, args: &[&str]) -> Run {
    let fixtures = fixtures();
    let output = Command::new(env!("CARGO_BIN_EXE_ckpt"))
        .args(args)
        .current_dir(dir.unwrap_or(&fixtures))
        .env("NO_COLOR", "1")
        .output()
        .expect("the ckpt binary runs");
    Run::from(output)
}

/// Run `ckpt ARGS` from the fixtures folder, so paths print short.
pub fn ckpt(args: &[&str]) -> Run {
    ckpt_in(None, args)
}

/// Run `ckpt ARGS` with `input` on standard input.
pub fn ckpt_stdin(args: &[&str], input: &[u8]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ckpt"))
        .args(args)
        .current_dir(fixtures())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the ckpt binary starts");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = input.to_vec();
    // Write from a thread: ckpt may stop reading early on an error.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let output = child.wait_with_output().expect("ckpt finishes");
    let _ = writer.join();
    Run::from(output)
}

/// Parse stdout as the JSON array `show --format json` prints.
pub fn json(run: &Run) -> Vec<serde_json::Value> {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is not a JSON array ({e}):\n{}", run.stdout))
}

/// `tar` compressed with `compression` and cut right after the compressed
/// form of its first `at` bytes. The encoder is flushed there, so a decoder
/// can hand out every one of those bytes before it runs out of input.
pub fn compressed_cut(tar: &[u8], at: usize, compression: Compression) -> Vec<u8> {
    match compression {
        Compression::None => tar[..at].to_vec(),
        Compression::Gzip => {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(&tar[..at]).unwrap();
            gz.flush().unwrap();
            gz.get_ref().clone()
        }
        Compression::Zstd => {
            let mut zst = zstd::stream::write::Encoder::new(Vec::new(), 1).unwrap();
            zst.write_all(&tar[..at]).unwrap();
            zst.flush().unwrap();
            zst.get_ref().clone()
        }
    }
}

/// One member of a plain tar: its name, where its header and data start,
/// and its size.
pub struct Member {
    pub name: String,
    pub header: usize,
    pub data: usize,
    pub size: usize,
}

/// The members of a plain tar, in archive order.
pub fn layout(tar: &[u8]) -> Vec<Member> {
    let mut archive = tar::Archive::new(std::io::Cursor::new(tar));
    archive
        .entries()
        .expect("a readable tar")
        .map(|entry| {
            let entry = entry.expect("a readable entry");
            Member {
                // As messages name it: a folder without its slash.
                name: String::from_utf8_lossy(&entry.path_bytes())
                    .trim_end_matches('/')
                    .to_string(),
                header: entry.raw_header_position() as usize,
                data: entry.raw_file_position() as usize,
                size: entry.size() as usize,
            }
        })
        .collect()
}

/// The names in `dir`, sorted.
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("a folder")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// The tar stream of an archive file, decompressed (by its first bytes).
pub fn tar_stream(path: &Path) -> Vec<u8> {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    match bytes.get(..4) {
        Some([0x1f, 0x8b, ..]) => {
            flate2::read::MultiGzDecoder::new(&bytes[..])
                .read_to_end(&mut out)
                .unwrap();
        }
        Some([0x28, 0xb5, 0x2f, 0xfd]) => {
            zstd::stream::read::Decoder::new(&bytes[..])
                .unwrap()
                .read_to_end(&mut out)
                .unwrap();
        }
        _ => out = bytes,
    }
    out
}
