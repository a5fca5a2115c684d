//! Command-line arguments, with checkpointctl's command and flag names.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Analyze container checkpoint archives without extracting them
#[derive(Debug, Parser)]
#[command(name = "ckpt", version, max_term_width = 100)]
pub struct Cli {
    /// Print no progress on standard error (it shows only on a terminal,
    /// for reads that last over a second)
    #[arg(short, long, global = true)]
    pub quiet: bool,
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
    /// Display low-level information about container checkpoints
    ///
    /// Decodes the CRIU images in the same single pass as `show`: the
    /// process tree with command lines and environments (read from the
    /// memory pages as they stream past), open files, sockets, CRIU's dump
    /// statistics, and the mounts of the OCI spec. Without flags it prints
    /// the `show` information as a tree.
    Inspect(InspectArgs),
    /// Analyze the memory of the processes of a checkpoint
    ///
    /// Without `--pid`: a table of each process's memory size and shared
    /// memory size. With `--pid`: that process's memory pages as a hexdump,
    /// or, with `--search`/`--search-regex`, every match and its address.
    Memparse(MemparseArgs),
    /// Show what changed between two checkpoints of one container
    Diff(DiffArgs),
    /// List the checkpoint archives in folders
    List(ListArgs),
    /// Build an OCI image of a container checkpoint, for a Kubernetes restore
    ///
    /// The image has one layer, the archive's tar stream byte for byte
    /// (compressed again as --compress says), and the annotations CRI-O and
    /// containerd read to restore a container from it. It is written as an
    /// OCI image layout: a folder, or one tar file when OUTPUT ends in
    /// `.tar` (what `skopeo copy oci-archive:IMAGE.tar ...` reads). The
    /// archive is read once; OUTPUT gets its name only when complete, and
    /// nothing is left behind when the build fails.
    Build(BuildArgs),
    /// Print a shell completion script
    ///
    /// For bash: `ckpt completions bash > /etc/bash_completion.d/ckpt`; for
    /// zsh, into a folder of `$fpath` as `_ckpt`; for fish, into
    /// `~/.config/fish/completions/ckpt.fish`.
    Completions(CompletionsArgs),
    /// Print the manual page of ckpt or of one of its commands (roff)
    ///
    /// `ckpt man show | man -l -` reads it; `--dir DIR` writes every page,
    /// `ckpt.1` and `ckpt-<command>.1`, into DIR, for `man` to find there.
    Man(ManArgs),
}

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    /// Bash
    Bash,
    /// Zsh
    Zsh,
    /// Fish
    Fish,
}

#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// The command whose page to print (`show`, `inspect`, …); without it,
    /// the page of ckpt itself
    #[arg(value_name = "COMMAND", conflicts_with = "dir")]
    pub command: Option<String>,
    /// Write every page into this folder instead of printing one
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct MemparseArgs {
    /// The process to analyze
    #[arg(short, long, value_name = "PID")]
    pub pid: Option<u32>,
    /// Write the hexdump to this file instead of standard output; it gets
    /// its name only once complete
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Replace OUT if it exists
    #[arg(long, requires = "output")]
    pub force: bool,
    /// Search the process's memory for this string
    #[arg(short, long, value_name = "STRING", conflicts_with = "search_regex")]
    pub search: Option<String>,
    /// Search the process's memory for this regular expression
    #[arg(short = 'r', long, value_name = "REGEX")]
    pub search_regex: Option<String>,
    /// Bytes of context to print around each match
    #[arg(short, long, value_name = "N", default_value_t = 0)]
    pub context: usize,
    /// Output format of the size table and of a search (the hexdump is
    /// text only)
    #[arg(long, value_enum, default_value_t = MemparseFormat::Table)]
    pub format: MemparseFormat,

    /// Checkpoint archive (.tar, .tar.gz, .tar.zst); `-` reads standard input
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MemparseFormat {
    /// Aligned columns, as checkpointctl prints them
    Table,
    /// One JSON object: the archive, and its processes or its matches
    Json,
}

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// Compare full command lines
    #[arg(long)]
    pub ps_tree_cmd: bool,
    /// Compare environment variables
    #[arg(long)]
    pub ps_tree_env: bool,
    /// Compare open files
    #[arg(long)]
    pub files: bool,
    /// Compare sockets
    #[arg(long)]
    pub sockets: bool,
    /// Also list what did not change
    #[arg(long)]
    pub show_unchanged: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = InspectFormat::Tree)]
    pub format: InspectFormat,

    /// The earlier checkpoint archive
    #[arg(value_name = "A")]
    pub a: PathBuf,
    /// The later checkpoint archive
    #[arg(value_name = "B")]
    pub b: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// Where to write the image: a folder, or a tar file when the name ends
    /// in `.tar`
    #[arg(short, long, value_name = "DIR|IMAGE.tar")]
    pub output: PathBuf,
    /// The image's name in the layout (org.opencontainers.image.ref.name),
    /// as `oci:DIR:NAME` names it
    #[arg(short, long, value_name = "NAME", value_parser = parse_ref_name)]
    pub tag: Option<String>,
    /// Compression of the layer
    #[arg(long, value_enum, default_value_t = BuildCompression::Gzip)]
    pub compress: BuildCompression,
    /// Replace OUTPUT if it exists (a file, an empty folder or an OCI
    /// layout; never a folder of anything else)
    #[arg(long)]
    pub force: bool,
    /// How to print what was written
    #[arg(long, value_enum, default_value_t = BuildFormat::Text)]
    pub format: BuildFormat,

    /// Checkpoint archive (.tar, .tar.gz, .tar.zst) of one container; `-`
    /// reads standard input
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

fn parse_ref_name(name: &str) -> Result<String, String> {
    ckpt::oci::image::check_ref_name(name).map(|()| name.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BuildFormat {
    /// One fact a line, then the annotations
    Text,
    /// One JSON object
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BuildCompression {
    /// gzip: read by every client
    Gzip,
    /// zstd: smaller and faster; containerd 1.5+, CRI-O and Podman read it
    Zstd,
    /// None: the tar stream as it is
    None,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Output format
    #[arg(short, long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,

    /// Folders to look in for `checkpoint-*` archives [default:
    /// /var/lib/kubelet/checkpoints]
    #[arg(value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// Aligned columns, one row per container
    Table,
    /// A JSON array, one object per container
    Json,
}

#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// Display CRIU's dump statistics
    #[arg(long)]
    pub stats: bool,
    /// Display an overview of the mounts of the container
    #[arg(long)]
    pub mounts: bool,
    /// Display the process tree of one PID and its children
    #[arg(short, long, value_name = "PID")]
    pub pid: Option<u32>,
    /// Display the process tree
    #[arg(long)]
    pub ps_tree: bool,
    /// Display the process tree with full command lines
    #[arg(long)]
    pub ps_tree_cmd: bool,
    /// Display the process tree with environment variables
    #[arg(long)]
    pub ps_tree_env: bool,
    /// Display the open files of each process
    #[arg(long)]
    pub files: bool,
    /// Display the open sockets of each process
    #[arg(long)]
    pub sockets: bool,
    /// Display metadata (pod, namespace, annotations) in the tree
    #[arg(long)]
    pub metadata: bool,
    /// Display everything checkpointctl's `--all` displays
    #[arg(long)]
    pub all: bool,
    /// List the files of rootfs-diff.tar and the deleted paths
    ///
    /// Each with its type and permissions, size and modification time, read
    /// from the nested tar as the archive passes (containerd's, which is
    /// gzip, too). The deleted paths are those of `deleted.files` and the
    /// whiteouts of the layer.
    #[arg(long)]
    pub rootfs_diff: bool,
    /// List the files of devshm-checkpoint.tar (the container's /dev/shm)
    #[arg(long)]
    pub devshm: bool,
    /// Order of the files of --rootfs-diff and --devshm
    #[arg(long, value_enum, default_value_t = SortOrder::Archive)]
    pub sort: SortOrder,
    /// Output format
    #[arg(long, value_enum, default_value_t = InspectFormat::Tree)]
    pub format: InspectFormat,

    /// Checkpoint archives (.tar, .tar.gz, .tar.zst); `-` reads standard input
    #[arg(required = true, value_name = "FILE")]
    pub files_to_inspect: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortOrder {
    /// As stored in the nested tar
    Archive,
    /// Largest first
    Size,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InspectFormat {
    /// One tree per container
    Tree,
    /// A JSON array, one object per container
    Json,
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
