//! `ckpt build`: the library builds the image; this file sets up the
//! cleanup on Ctrl-C, prints the warnings, the error or what was written.

use std::io::{self, Write};

use anyhow::Result;
use ckpt::oci::{ArchitectureSource, BuildOptions, Built, LayerCompression, LayoutKind};
use ckpt::report::units::iec;

use crate::cli::args::{BuildArgs, BuildCompression, BuildFormat};
use crate::cli::progress::Progress;
use crate::cli::{Exit, print_error, print_warning};

/// Run the command.
pub fn run(args: &BuildArgs) -> Result<Exit> {
    crate::cli::remove_partial_files_on_interrupt();
    let display = args.file.display().to_string();
    let source = crate::cli::source_of(&args.file);
    let options = BuildOptions {
        compression: match args.compress {
            BuildCompression::Gzip => LayerCompression::Gzip,
            BuildCompression::Zstd => LayerCompression::Zstd,
            BuildCompression::None => LayerCompression::None,
        },
        tag: args.tag.clone(),
        force: args.force,
    };

    let progress = Progress::start(std::slice::from_ref(&args.file));
    let result = ckpt::oci::build(source, &display, &args.output, &options);
    drop(progress);
    match result {
        Ok(built) => {
            for warning in &built.warnings {
                print_warning(&format!("{display}: {warning}"));
            }
            let stdout = io::stdout();
            let mut out = io::BufWriter::new(stdout.lock());
            match args.format {
                BuildFormat::Text => write_summary(&mut out, &display, &built)?,
                BuildFormat::Json => write_json(&mut out, &display, &built)?,
            }
            out.flush()?;
            Ok(Exit::Success)
        }
        Err(err) => {
            print_error(&format!("{display}: {:#}", anyhow::Error::new(err)));
            Ok(Exit::Failure)
        }
    }
}

/// What was written, one fact a line, then the annotations.
fn write_summary(out: &mut impl Write, display: &str, built: &Built) -> io::Result<()> {
    let container = &built.container;
    let name = if container.container_name.is_empty() {
        String::new()
    } else {
        format!(" {}", container.container_name)
    };
    writeln!(
        out,
        "Built an OCI image of {} container{name} from {display}\n",
        container.engine
    )?;
    let form = match built.layout {
        LayoutKind::Directory => "OCI layout folder",
        LayoutKind::Archive => "OCI layout in a tar file",
    };
    let from = match &built.architecture_source {
        ArchitectureSource::Archive(from) => format!("from {from}"),
        ArchitectureSource::BuildMachine => "the build machine's".to_string(),
    };
    let layer = &built.layer;
    let rows = [
        ("Output", format!("{} ({form})", built.output.display())),
        (
            "Manifest",
            format!("{} ({})", built.manifest.digest, iec(built.manifest.size)),
        ),
        (
            "Config",
            format!("{} ({})", built.config.digest, iec(built.config.size)),
        ),
        (
            "Layer",
            format!(
                "{} ({} {}, tar {})",
                layer.digest,
                layer.compression.name(),
                iec(layer.size),
                iec(layer.tar_size)
            ),
        ),
        ("Diff ID", layer.diff_id.clone()),
        ("Platform", format!("linux/{} ({from})", built.architecture)),
        (
            "Created",
            built.created.clone().unwrap_or_else(|| "-".to_string()),
        ),
        ("Tag", built.tag.clone().unwrap_or_else(|| "-".to_string())),
    ];
    for (key, value) in rows {
        writeln!(out, "{:<10}{value}", format!("{key}:"))?;
    }
    writeln!(out, "Annotations:")?;
    for (key, value) in &built.annotations {
        writeln!(out, "  {key}: {value}")?;
    }
    Ok(())
}

/// The same as one JSON object; sizes in bytes.
fn write_json(out: &mut impl Write, display: &str, built: &Built) -> io::Result<()> {
    #[derive(serde::Serialize)]
    struct Blob<'a> {
        digest: &'a str,
        size: u64,
    }
    #[derive(serde::Serialize)]
    struct LayerJson<'a> {
        digest: &'a str,
        size: u64,
        compression: &'static str,
        diff_id: &'a str,
        tar_size: u64,
    }
    #[derive(serde::Serialize)]
    struct Report<'a> {
        archive: &'a str,
        container_name: &'a str,
        engine: &'a str,
        output: String,
        layout: &'static str,
        manifest: Blob<'a>,
        config: Blob<'a>,
        layer: LayerJson<'a>,
        os: &'static str,
        architecture: &'a str,
        /// The member or log that told the architecture; `null` when it is
        /// the build machine's.
        architecture_from: Option<&'a str>,
        created: Option<&'a str>,
        tag: Option<&'a str>,
        annotations: &'a std::collections::BTreeMap<String, String>,
    }
    let report = Report {
        archive: display,
        container_name: &built.container.container_name,
        engine: &built.container.engine,
        output: built.output.display().to_string(),
        layout: match built.layout {
            LayoutKind::Directory => "directory",
            LayoutKind::Archive => "tar",
        },
        manifest: Blob {
            digest: &built.manifest.digest,
            size: built.manifest.size,
        },
        config: Blob {
            digest: &built.config.digest,
            size: built.config.size,
        },
        layer: LayerJson {
            digest: &built.layer.digest,
            size: built.layer.size,
            compression: built.layer.compression.name(),
            diff_id: &built.layer.diff_id,
            tar_size: built.layer.tar_size,
        },
        os: "linux",
        architecture: &built.architecture,
        architecture_from: match &built.architecture_source {
            ArchitectureSource::Archive(from) => Some(from.trim_matches('`')),
            ArchitectureSource::BuildMachine => None,
        },
        created: built.created.as_deref(),
        tag: built.tag.as_deref(),
        annotations: &built.annotations,
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}
