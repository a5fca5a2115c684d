//! `ckpt completions` and `ckpt man`: what the shell and `man` read, made
//! from the argument definitions, so that they never fall behind them.

use std::fs;
use std::io::{self, Write};

use anyhow::{Context, Result, bail};
use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Exit;
use crate::cli::args::{Cli, CompletionShell, CompletionsArgs, ManArgs};

/// Print the completion script for the shell.
pub fn completions(args: &CompletionsArgs) -> Result<Exit> {
    let shell = match args.shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
    };
    let mut command = Cli::command();
    let stdout = io::stdout();
    let mut out = stdout.lock();
    clap_complete::generate(shell, &mut command, "ckpt", &mut out);
    out.flush()?;
    Ok(Exit::Success)
}

/// Print one manual page, or write them all into a folder.
pub fn man(args: &ManArgs) -> Result<Exit> {
    let command = Cli::command();
    if let Some(dir) = &args.dir {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let mut pages = vec![("ckpt".to_string(), command.clone())];
        for sub in command.get_subcommands() {
            pages.push((
                format!("ckpt-{}", sub.get_name()),
                page_command(&command, sub),
            ));
        }
        for (name, page) in pages {
            let path = dir.join(format!("{name}.1"));
            let mut roff = Vec::new();
            clap_mangen::Man::new(page).render(&mut roff)?;
            fs::write(&path, roff).with_context(|| format!("cannot write {}", path.display()))?;
        }
        return Ok(Exit::Success);
    }
    let page = match &args.command {
        None => command.clone(),
        Some(name) => match command.find_subcommand(name) {
            Some(sub) => page_command(&command, sub),
            None => bail!("no command `{name}` (the commands: {})", names(&command)),
        },
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    clap_mangen::Man::new(page).render(&mut out)?;
    out.flush()?;
    Ok(Exit::Success)
}

/// A subcommand as its own page: named `ckpt-<name>`, with ckpt's version.
fn page_command(parent: &clap::Command, sub: &clap::Command) -> clap::Command {
    let name = format!("ckpt-{}", sub.get_name());
    let mut page = sub.clone().name(name.clone()).bin_name(name);
    if let Some(version) = parent.get_version() {
        page = page.version(version.to_string());
    }
    page
}

fn names(command: &clap::Command) -> String {
    let names: Vec<&str> = command.get_subcommands().map(|c| c.get_name()).collect();
    names.join(", ")
}
