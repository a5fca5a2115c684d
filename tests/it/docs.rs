//! `ckpt completions` and `ckpt man`.

use crate::util::{ckpt, ckpt_in};

const COMMANDS: [&str; 8] = [
    "show",
    "inspect",
    "memparse",
    "diff",
    "list",
    "build",
    "completions",
    "man",
];

#[test]
fn completions_know_every_command_and_flag_in_each_shell() {
    let bash = ckpt(&["completions", "bash"]);
    assert_eq!(bash.code, 0, "{}", bash.stderr);
    assert!(bash.stdout.contains("_ckpt()"), "a bash function");
    assert!(
        bash.stdout.contains("complete -F _ckpt"),
        "registered for ckpt"
    );
    let zsh = ckpt(&["completions", "zsh"]);
    assert!(
        zsh.stdout.starts_with("#compdef ckpt"),
        "{:.40}",
        zsh.stdout
    );
    let fish = ckpt(&["completions", "fish"]);
    assert!(fish.stdout.contains("complete -c ckpt"));
    for script in [&bash.stdout, &zsh.stdout, &fish.stdout] {
        for command in COMMANDS {
            assert!(script.contains(command), "{command} missing");
        }
        for flag in ["ps-tree-cmd", "search-regex", "show-unchanged", "format"] {
            assert!(script.contains(flag), "--{flag} missing");
        }
    }
    // Bash itself completes with the script: a command, then its flags.
    let script = tempfile::NamedTempFile::new().expect("a temporary file");
    std::fs::write(script.path(), &bash.stdout).expect("the script written");
    let completed = std::process::Command::new("bash")
        .arg("-c")
        .arg(
            r#"source "$1"
            COMP_WORDS=(ckpt ins); COMP_CWORD=1; _ckpt ckpt ins ckpt; echo "${COMPREPLY[*]}"
            COMP_WORDS=(ckpt inspect --ps); COMP_CWORD=2; _ckpt ckpt --ps inspect
            echo "${COMPREPLY[*]}""#,
        )
        .arg("bash")
        .arg(script.path())
        .output()
        .expect("bash runs");
    assert_eq!(
        String::from_utf8_lossy(&completed.stdout),
        "inspect\n--ps-tree --ps-tree-cmd --ps-tree-env\n",
        "{}",
        String::from_utf8_lossy(&completed.stderr)
    );

    let unknown = ckpt(&["completions", "tcsh"]);
    assert_eq!(unknown.code, 2, "a usage error");
}

#[test]
fn every_command_has_a_manual_page() {
    let main = ckpt(&["man"]);
    assert_eq!(main.code, 0, "{}", main.stderr);
    assert!(
        main.stdout.starts_with(".ie \\n(.g .ds Aq"),
        "roff: {:.60}",
        main.stdout
    );
    assert!(main.stdout.contains(".TH ckpt 1"), "{:.300}", main.stdout);
    for command in COMMANDS {
        assert!(main.stdout.contains(command), "{command} in ckpt(1)");
    }
    let inspect = ckpt(&["man", "inspect"]);
    assert!(
        inspect.stdout.contains(".TH ckpt-inspect 1"),
        "{:.300}",
        inspect.stdout
    );
    assert!(inspect.stdout.contains("\\-\\-ps\\-tree\\-cmd"));
    assert!(inspect.stdout.contains("Decodes the CRIU images"));

    let unknown = ckpt(&["man", "nope"]);
    assert_eq!(unknown.code, 1);
    assert_eq!(
        unknown.stderr_lines(),
        [
            "ckpt: error: no command `nope` (the commands: show, inspect, memparse, diff, list, \
             build, completions, man)"
        ]
    );

    let dir = tempfile::tempdir().expect("a temporary folder");
    let run = ckpt_in(Some(dir.path()), &["man", "--dir", "pages"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{}", run.stderr);
    let mut pages: Vec<String> = std::fs::read_dir(dir.path().join("pages"))
        .expect("the pages")
        .map(|e| {
            e.expect("a page")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    pages.sort();
    let mut expected: Vec<String> = COMMANDS.iter().map(|c| format!("ckpt-{c}.1")).collect();
    expected.push("ckpt.1".to_string());
    expected.sort();
    assert_eq!(pages, expected);
    let show = std::fs::read_to_string(dir.path().join("pages/ckpt-show.1")).expect("a page");
    assert!(show.contains(".TH ckpt-show 1"));
}
