//! What only a terminal sees: progress on standard error and color. Each
//! run here is under `script`, which gives ckpt a pseudo-terminal for both
//! outputs (they arrive merged, with `\r\n` line ends).

use std::process::Command;

use crate::util::{ckpt, fixtures};

/// Run ckpt with `args` on a pseudo-terminal, from the fixtures folder,
/// with `env` set (and NO_COLOR unset unless `env` sets it).
fn on_terminal(args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let binary = env!("CARGO_BIN_EXE_ckpt");
    let mut line = shell_quote(binary);
    for arg in args {
        line.push(' ');
        line.push_str(&shell_quote(arg));
    }
    let mut command = Command::new("script");
    command
        .args(["-q", "-e", "-c", &line, "/dev/null"])
        .current_dir(fixtures())
        .env_remove("NO_COLOR")
        // A fixed width, so the bar's line is predictable.
        .env("COLUMNS", "100");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("script (util-linux) runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).replace("\r\n", "\n"),
    )
}

fn shell_quote(arg: &str) -> String {
    format!("'{}'", arg.replace('\'', r"'\''"))
}

const ARCHIVE: &str = "real/rich.zstd.tar.zst";
/// At once, so that a scan of milliseconds shows it.
const NOW: (&str, &str) = ("CKPT_PROGRESS_DELAY_MS", "0");

#[test]
fn progress_shows_on_a_terminal_and_is_cleared_before_the_output() {
    let (code, screen) = on_terminal(&["show", ARCHIVE], &[NOW]);
    assert_eq!(code, 0, "{screen}");
    let size = std::fs::metadata(fixtures().join(ARCHIVE))
        .expect("the fixture")
        .len();
    // First on the screen: a spinner character, then the bar.
    let (spinner, _) = screen.split_once(" reading [").expect("the bar");
    assert_eq!(spinner.chars().count(), 1, "{screen:?}");
    // The bar is erased (carriage return, clear line) before the table.
    let table_at = screen.find("Displaying container").expect("the title");
    let cleared_at = screen.rfind("\r\x1b[2K").expect("the bar cleared");
    assert!(cleared_at < table_at, "{screen:?}");
    // Out of the file's size (indicatif writes two decimals).
    let bar = &screen[..table_at];
    let total = format!("/{:.2} KiB (", size as f64 / 1024.0);
    assert!(bar.contains(&total), "{total} in {bar:?}");
    // Standard output is the same as without a terminal.
    let piped = ckpt(&["show", ARCHIVE]);
    let table = &screen[table_at - 1..];
    assert_eq!(strip_color(table), piped.stdout);
}

#[test]
fn quiet_or_a_short_scan_shows_no_progress() {
    for args in [
        &["-q", "show", ARCHIVE][..],
        &["show", "--quiet", ARCHIVE][..],
    ] {
        let (code, screen) = on_terminal(args, &[NOW]);
        assert_eq!(code, 0);
        assert!(!screen.contains("reading"), "{args:?}: {screen:?}");
    }
    // The default delay is a second; this archive takes milliseconds.
    let (_, screen) = on_terminal(&["inspect", "--all", ARCHIVE], &[]);
    assert!(!screen.contains("reading"), "{screen:?}");
}

#[test]
fn progress_is_never_written_to_a_pipe() {
    let run = Command::new(env!("CARGO_BIN_EXE_ckpt"))
        .args(["show", ARCHIVE])
        .current_dir(fixtures())
        .env(NOW.0, NOW.1)
        .output()
        .expect("ckpt runs");
    assert!(run.status.success());
    assert_eq!(String::from_utf8_lossy(&run.stderr), "");
    // And no color either, NO_COLOR or not.
    assert!(!String::from_utf8_lossy(&run.stdout).contains('\x1b'));
}

#[test]
fn color_on_a_terminal_unless_no_color() {
    let (_, screen) = on_terminal(&["show", ARCHIVE], &[]);
    assert!(
        screen.contains("\x1b[1mCONTAINER   IMAGE"),
        "bold column heads: {screen:?}"
    );
    let (_, tree) = on_terminal(&["inspect", ARCHIVE], &[]);
    assert!(tree.contains("\x1b[1mrich\x1b[0m\n├── Image"), "{tree:?}");
    for value in ["1", "true"] {
        let (_, plain) = on_terminal(&["show", ARCHIVE], &[("NO_COLOR", value)]);
        assert!(!plain.contains('\x1b'), "NO_COLOR={value}: {plain:?}");
    }
    // An empty NO_COLOR does not count (no-color.org).
    let (_, empty) = on_terminal(&["show", ARCHIVE], &[("NO_COLOR", "")]);
    assert!(empty.contains("\x1b[1m"));

    let (code, error) = on_terminal(&["show", "missing.tar"], &[]);
    assert_eq!(code, 1);
    assert!(
        error.starts_with("ckpt: \x1b[1;31merror\x1b[0m: missing.tar: "),
        "{error:?}"
    );
    let (_, plain_error) = on_terminal(&["show", "missing.tar"], &[("NO_COLOR", "1")]);
    assert!(plain_error.starts_with("ckpt: error: missing.tar: "));
}

#[test]
fn diff_markers_are_green_and_red() {
    let args = [
        "diff",
        "--files",
        "real/minimal.none.tar",
        "real/rich.zstd.tar.zst",
    ];
    let (code, screen) = on_terminal(&args, &[]);
    assert_eq!(code, 0, "{screen}");
    assert!(
        screen.contains("│   \x1b[32m+\x1b[0m PID 6     syslogd\n"),
        "{screen:?}"
    );
    assert!(screen.contains("│   \x1b[31m-\x1b[0m PID 5     sleep\n"));
    assert!(screen.contains("│   \x1b[33m~\x1b[0m PID 1     start.sh\n"));
    // Without the colors, what a pipe gets (the warning line aside).
    let piped = ckpt(&args);
    let screen = strip_color(&screen);
    let warning_end = screen.find('\n').expect("the warning line") + 1;
    assert!(screen.starts_with("ckpt: warning: "));
    assert_eq!(&screen[warning_end..], piped.stdout);
}

/// The text without SGR sequences (`ESC [ ... m`).
fn strip_color(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain
}
