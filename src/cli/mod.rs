//! The command line: argument parsing, dispatch, messages and exit codes.

mod args;
mod build;
mod diff;
mod docs;
mod inspect;
mod list;
mod memparse;
mod progress;
mod show;

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ckpt::archive::input::Source;
use ckpt::report::style;

use clap::Parser;

use args::{Cli, Command};

/// Exit codes, as checkpointctl uses them: 0 when everything worked, 1 when
/// anything failed. clap's own usage errors exit with 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Every archive was read.
    Success,
    /// At least one archive could not be read; its error was printed.
    Failure,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        match exit {
            Exit::Success => ExitCode::SUCCESS,
            Exit::Failure => ExitCode::from(1),
        }
    }
}

/// Parse the arguments and run the command.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    progress::set_quiet(cli.quiet);
    style::set_color(io::stdout().is_terminal() && !style::no_color_env());
    let result = match cli.command {
        Command::Show(args) => show::run(&args),
        Command::Inspect(args) => inspect::run(&args),
        Command::Memparse(args) => memparse::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::List(args) => list::run(&args),
        Command::Build(args) => build::run(&args),
        Command::Completions(args) => docs::completions(&args),
        Command::Man(args) => docs::man(&args),
    };
    match result {
        Ok(exit) => exit.into(),
        // A closed pipe (`ckpt show ... | head`) is not a failure.
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            print_error(&format!("{err:#}"));
            Exit::Failure.into()
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .filter_map(|e| e.downcast_ref::<io::Error>())
        .any(|e| e.kind() == io::ErrorKind::BrokenPipe)
}

/// Read each path (`-` is standard input, allowed once) with `read`, which
/// gets the source and its display name. Warnings of what was read and
/// errors of what was not are printed, one line each; the exit code is a
/// failure if any path failed.
pub fn read_each<T>(
    paths: &[PathBuf],
    mut read: impl FnMut(Source<'_>, &str) -> ckpt::Result<T>,
    warnings: impl Fn(&T) -> &[String],
) -> (Vec<T>, Exit) {
    let mut done = Vec::new();
    let mut exit = Exit::Success;
    let mut stdin_used = false;
    for path in paths {
        let display = path.display().to_string();
        let source = source_of(path);
        if let Source::Stdin = source {
            if stdin_used {
                print_error("-: standard input can be read only once");
                exit = Exit::Failure;
                continue;
            }
            stdin_used = true;
        }
        let progress = progress::Progress::start(std::slice::from_ref(path));
        let result = read(source, &display);
        drop(progress);
        match result {
            Ok(value) => {
                for warning in warnings(&value) {
                    print_warning(&format!("{display}: {warning}"));
                }
                done.push(value);
            }
            Err(err) => {
                print_error(&format!("{display}: {:#}", anyhow::Error::new(err)));
                exit = Exit::Failure;
            }
        }
    }
    (done, exit)
}

/// The source a command-line path names: `-` is standard input.
pub fn source_of(path: &Path) -> Source<'_> {
    if path == Path::new("-") {
        Source::Stdin
    } else {
        Source::Path(path)
    }
}

/// On Ctrl-C or SIGTERM, remove the unfinished output files and folders
/// (see `ckpt::output`) and exit with 130. Without the handler the signal
/// still ends ckpt, only the `.partial` output stays behind.
pub fn remove_partial_files_on_interrupt() {
    let _ = ctrlc::set_handler(|| {
        ckpt::output::remove_partial_files();
        std::process::exit(130);
    });
}

/// Print one error line on stderr.
pub fn print_error(message: &str) {
    print_message("error", "\x1b[1;31m", message);
}

/// Print one warning line on stderr.
pub fn print_warning(message: &str) {
    print_message("warning", "\x1b[1;33m", message);
}

/// `ckpt: KIND: MESSAGE`, KIND in `color` on a terminal without NO_COLOR.
fn print_message(kind: &str, color: &str, message: &str) {
    let stderr = io::stderr();
    let kind = if stderr.is_terminal() && !style::no_color_env() {
        format!("{color}{kind}\x1b[0m")
    } else {
        kind.to_string()
    };
    progress::suspended(|| {
        let _ = writeln!(stderr.lock(), "ckpt: {kind}: {}", one_line(message));
    });
}

/// A message must stay on one line and must not carry terminal control
/// characters from a hostile archive (member names, tar-rs's echo of a
/// garbled header): line breaks become spaces, other control characters are
/// escaped.
fn one_line(message: &str) -> String {
    let mut clean = String::with_capacity(message.len());
    for c in message.chars() {
        match c {
            '\n' | '\r' => clean.push(' '),
            c if c.is_control() => clean.extend(c.escape_default()),
            c => clean.push(c),
        }
    }
    clean
}
