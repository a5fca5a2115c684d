//! Command-line arguments, with checkpointctl's command and flag names.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Analyze container checkpoint archives without extracting them
#[derive(Debug, Parser)]
#[command(name = "ckpt", version, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show an overview of checkpoint archives
    ///
    /// Reads each archive once, front to back, and prints one row per
    /// container: name, rootfs image, ID, runtime, creation time, engine and
    /// sizes. Pod and kubelet archives list every container they hold.
    Show(ShowArgs),
}

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// Output format
    #[arg(short, long, value_enum, default_value_t = ShowFormat::Table)]
    pub format: ShowFormat,

    /// Checkpoint archives (.tar, .tar.gz, .tar.zst); `-` reads standard input
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    /// Aligned columns, one row per container
    Table,
    /// A JSON array, one object per container
    Json,
    /// One tree per archive
    Tree,
}
