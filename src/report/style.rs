//! Color for human output: bold table headings and tree roots, green and
//! red for what a diff added and removed.
//!
//! Off unless the program turns it on ([`set_color`]); the command line does
//! so only when standard output is a terminal and `NO_COLOR` is unset or
//! empty (<https://no-color.org>). The switch is process-wide, because the
//! writers that use it sit deep in the report code, and a process prints to
//! one standard output. Padding is computed on the plain text, so colored
//! tables stay aligned.

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};

static COLOR: AtomicBool = AtomicBool::new(false);

const BOLD: &str = "\x1b[1m";
const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const RESET: &str = "\x1b[0m";

/// Turn color on or off for everything printed afterwards.
pub fn set_color(on: bool) {
    COLOR.store(on, Ordering::Relaxed);
}

/// Whether output is colored.
pub fn color() -> bool {
    COLOR.load(Ordering::Relaxed)
}

/// Whether the environment forbids color: `NO_COLOR` set to anything but
/// the empty string.
pub fn no_color_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

fn paint<'a>(code: &str, text: &'a str) -> Cow<'a, str> {
    painted(color(), code, text)
}

fn painted<'a>(on: bool, code: &str, text: &'a str) -> Cow<'a, str> {
    if on && !text.is_empty() {
        Cow::Owned(format!("{code}{text}{RESET}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A heading: a table's column heads, a tree's root.
pub fn bold(text: &str) -> Cow<'_, str> {
    paint(BOLD, text)
}

/// A diff marker in its color: `+` green, `-` red, `~` yellow.
pub fn marker(marker: char) -> String {
    marker_painted(color(), marker)
}

fn marker_painted(on: bool, marker: char) -> String {
    let code = match marker {
        '+' => GREEN,
        '-' => RED,
        '~' => YELLOW,
        _ => "",
    };
    let text = marker.to_string();
    if code.is_empty() {
        return text;
    }
    painted(on, code, &text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Through the flag-taking functions: the process-wide switch would
    // color the output of report tests running in parallel.
    #[test]
    fn paints_only_when_on() {
        assert_eq!(painted(false, BOLD, "PID"), "PID");
        assert_eq!(marker_painted(false, '+'), "+");
        assert_eq!(painted(true, BOLD, "PID"), "\x1b[1mPID\x1b[0m");
        assert_eq!(painted(true, BOLD, ""), "");
        assert_eq!(marker_painted(true, '+'), "\x1b[32m+\x1b[0m");
        assert_eq!(marker_painted(true, '-'), "\x1b[31m-\x1b[0m");
        assert_eq!(marker_painted(true, '~'), "\x1b[33m~\x1b[0m");
        assert_eq!(marker_painted(true, '='), "=");
    }
}
