//! `ckpt memparse`: the memory-size table, one process's hexdump, or a
//! search of its memory. The library does the reading; this file picks
//! where the output goes and prints checkpointctl's titles.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Result;
use ckpt::memparse::hexdump::Hexdump;
use ckpt::memparse::search::{
    MAX_CONTEXT, MAX_MATCH_TEXT, MAX_MATCHES, Pattern, Search, write_matches, write_matches_json,
};
use ckpt::memparse::walk::MemorySink;
use ckpt::memparse::{read_memory, sizes, write_sizes, write_sizes_json};
use ckpt::output::{OutputFile, check_target};
use clap::CommandFactory;
use clap::error::ErrorKind;

use crate::cli::args::{Cli, MemparseArgs, MemparseFormat};
use crate::cli::progress::Progress;
use crate::cli::{Exit, print_error, print_warning};

/// Run the command.
pub fn run(args: &MemparseArgs) -> Result<Exit> {
    check_usage(args);
    if let Some(output) = &args.output {
        if let Err(err) = check_target(output, args.force) {
            // Before the archive is read: its scan may take minutes.
            print_error(&err.to_string());
            return Ok(Exit::Failure);
        }
        crate::cli::remove_partial_files_on_interrupt();
    }
    let display = args.file.display().to_string();
    let source = crate::cli::source_of(&args.file);
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());

    // A hexdump printed on the terminal would mix with the bar.
    let searching = args.search.is_some() || args.search_regex.is_some();
    let dumping_here = args.pid.is_some() && !searching && args.output.is_none();
    let mut progress = (!(dumping_here && io::stdout().is_terminal()))
        .then(|| Progress::start(std::slice::from_ref(&args.file)));
    let outcome = match (args.pid, pattern(args)) {
        (None, _) => match sizes(source) {
            Ok(sizes) => {
                progress.take();
                match args.format {
                    MemparseFormat::Table => write_sizes(&mut out, &display, &sizes)?,
                    MemparseFormat::Json => write_sizes_json(&mut out, &display, &sizes)?,
                }
                Ok(sizes.warnings)
            }
            Err(err) => Err(err),
        },
        (Some(pid), Some(pattern)) => {
            let mut search = Search::new(&pattern, args.context);
            match read_memory(source, pid, &mut search) {
                Ok(read) => {
                    progress.take();
                    let (matches, more) = search.finish();
                    match args.format {
                        MemparseFormat::Table => write_matches(&mut out, &pattern, pid, &matches)?,
                        MemparseFormat::Json => {
                            write_matches_json(&mut out, &display, &pattern, pid, &matches, more)?
                        }
                    }
                    let mut warnings = read.warnings;
                    if more > 0 {
                        warnings.push(format!(
                            "{more} more matches were found; only the first {} are listed \
                             (at most {MAX_MATCHES}, with {} MiB of text)",
                            matches.len(),
                            MAX_MATCH_TEXT >> 20
                        ));
                    }
                    Ok(warnings)
                }
                Err(err) => Err(err),
            }
        }
        (Some(pid), None) => {
            let mut dump = HexdumpOutput {
                stdout: Some(&mut out),
                file: args.output.clone(),
                force: args.force,
                pid,
                display: &display,
                hexdump: None,
            };
            let result = read_memory(source, pid, &mut dump);
            match dump.finish(result.is_ok()) {
                Ok(()) => result.map(|read| read.warnings),
                // The file could not get its name: that is this run's error.
                Err(err) if result.is_ok() => Err(ckpt::Error::Write(err)),
                Err(_) => result.map(|read| read.warnings),
            }
        }
    };
    drop(progress);
    out.flush()?;
    drop(out);
    match outcome {
        Ok(warnings) => {
            for warning in warnings {
                print_warning(&format!("{display}: {warning}"));
            }
            Ok(Exit::Success)
        }
        Err(err) => {
            let err = anyhow::Error::new(err);
            if crate::cli::is_broken_pipe(&err) {
                return Err(err);
            }
            print_error(&format!("{display}: {err:#}"));
            Ok(Exit::Failure)
        }
    }
}

/// Flags that make no sense together are usage errors (exit code 2), as
/// clap reports its own.
fn check_usage(args: &MemparseArgs) {
    let searching = args.search.is_some() || args.search_regex.is_some();
    let problem = if searching && args.pid.is_none() {
        Some((
            ErrorKind::MissingRequiredArgument,
            "--search and --search-regex need --pid: they search one process's memory".to_string(),
        ))
    } else if args.output.is_some() && args.pid.is_none() {
        Some((
            ErrorKind::MissingRequiredArgument,
            "--output needs --pid: it receives one process's hexdump".to_string(),
        ))
    } else if args.output.is_some() && searching {
        Some((
            ErrorKind::ArgumentConflict,
            "--output receives the hexdump; a search prints its table on standard output"
                .to_string(),
        ))
    } else if args.format == MemparseFormat::Json && args.pid.is_some() && !searching {
        Some((
            ErrorKind::ArgumentConflict,
            "--format json applies to the size table and to searches; the hexdump is text"
                .to_string(),
        ))
    } else if args.context > 0 && !searching {
        Some((
            ErrorKind::ArgumentConflict,
            "--context applies to --search and --search-regex".to_string(),
        ))
    } else if args.context > MAX_CONTEXT {
        Some((
            ErrorKind::ValueValidation,
            format!("--context is at most {MAX_CONTEXT} bytes"),
        ))
    } else if args.search.as_deref() == Some("") || args.search_regex.as_deref() == Some("") {
        Some((
            ErrorKind::InvalidValue,
            "the search pattern is empty".to_string(),
        ))
    } else {
        args.search_regex
            .as_deref()
            .and_then(|r| regex::bytes::Regex::new(r).err())
            .map(|e| {
                (
                    ErrorKind::InvalidValue,
                    format!("invalid --search-regex: {e}"),
                )
            })
    };
    if let Some((kind, message)) = problem {
        let mut command = Cli::command();
        command.build();
        let mut memparse = command
            .find_subcommand_mut("memparse")
            .cloned()
            .unwrap_or(command);
        memparse.error(kind, message).exit();
    }
}

/// The pattern of `--search` or `--search-regex` (checked by
/// [`check_usage`]).
fn pattern(args: &MemparseArgs) -> Option<Pattern> {
    if let Some(literal) = &args.search {
        return Some(Pattern::Literal(literal.as_bytes().to_vec()));
    }
    let regex = regex::bytes::Regex::new(args.search_regex.as_deref()?).ok()?;
    Some(Pattern::Regex(regex))
}

/// The hexdump with checkpointctl's titles: compact on standard output, or
/// every row to `--output` (created only once the process's memory is
/// about to be written) with a line on standard output saying so.
struct HexdumpOutput<'a> {
    /// Standard output, until the rows take it.
    stdout: Option<&'a mut dyn Write>,
    file: Option<PathBuf>,
    force: bool,
    pid: u32,
    display: &'a str,
    hexdump: Option<Hexdump<Rows<'a>>>,
}

/// Where the hexdump rows go.
enum Rows<'a> {
    Stdout(&'a mut dyn Write),
    File(OutputFile),
}

impl Write for Rows<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Rows::Stdout(out) => out.write(buf),
            Rows::File(file) => file.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Rows::Stdout(out) => out.flush(),
            Rows::File(file) => file.flush(),
        }
    }
}

impl<'a> HexdumpOutput<'a> {
    /// End the hexdump. An output file gets its name only when the whole
    /// memory was read (`complete`); otherwise it is removed, and rows
    /// already on standard output stay above the error.
    fn finish(&mut self, complete: bool) -> io::Result<()> {
        let Some(mut hexdump) = self.hexdump.take() else {
            return Ok(());
        };
        if complete {
            hexdump.finish()?;
        }
        match hexdump.into_inner() {
            Rows::File(file) if complete => file.commit(),
            Rows::File(_) => Ok(()),
            Rows::Stdout(out) => out.flush(),
        }
    }

    fn rows(&mut self) -> io::Result<&mut Hexdump<Rows<'a>>> {
        self.hexdump
            .as_mut()
            .ok_or_else(|| io::Error::other("hexdump rows before its beginning"))
    }
}

impl MemorySink for HexdumpOutput<'_> {
    fn begin(&mut self) -> io::Result<()> {
        let (pid, display) = (self.pid, self.display);
        let Some(stdout) = self.stdout.take() else {
            return Ok(());
        };
        let (rows, compact) = match &self.file {
            Some(path) => {
                let file = OutputFile::create(path, self.force)?;
                writeln!(
                    stdout,
                    "\nWriting memory pages content for process ID {pid} from checkpoint: \
                     {display} to file: {}...",
                    path.display()
                )?;
                stdout.flush()?;
                (Rows::File(file), false)
            }
            None => {
                writeln!(
                    stdout,
                    "\nDisplaying memory pages content for process ID {pid} from \
                     checkpoint: {display}\n"
                )?;
                (Rows::Stdout(stdout), true)
            }
        };
        let mut hexdump = Hexdump::new(rows, compact);
        hexdump.begin()?;
        self.hexdump = Some(hexdump);
        Ok(())
    }

    fn run(&mut self, vaddr: u64, len: u64, present: bool) -> io::Result<()> {
        self.rows()?.run(vaddr, len, present)
    }

    fn data(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.rows()?.data(bytes)
    }

    fn zeros(&mut self, len: u64) -> io::Result<()> {
        self.rows()?.zeros(len)
    }
}
