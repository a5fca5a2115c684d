//! Progress on standard error while archives are read.
//!
//! Drawn only when standard error is a terminal, only once a scan has
//! lasted [`DELAY`] (most take milliseconds), and never with `--quiet`.
//! It follows [`bytes_passed`], the bytes of archive files read or
//! skipped, against the sum of their sizes; a pipe's size is unknown, so
//! there it counts up without a bar. Messages printed meanwhile go through
//! [`suspended`], which lifts the bar off the line first.

use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ckpt::archive::progress::bytes_passed;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a scan runs before its progress shows.
const DELAY: Duration = Duration::from_secs(1);
/// How often the count is read again.
const TICK: Duration = Duration::from_millis(100);

static QUIET: AtomicBool = AtomicBool::new(false);
/// The bar on screen, for [`suspended`].
static SHOWN: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// `--quiet`: no progress at all.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// A progress display for a stretch of reading; dropping it removes the
/// bar (if it was ever drawn).
pub struct Progress {
    running: Option<(Sender<()>, JoinHandle<()>)>,
}

impl Progress {
    /// Follow the reading of `paths` (`-` is standard input, of unknown
    /// size).
    pub fn start(paths: &[PathBuf]) -> Progress {
        let mut total = Some(0u64);
        for path in paths {
            let size = (path != Path::new("-"))
                .then(|| std::fs::metadata(path).ok().filter(|m| m.is_file()))
                .flatten()
                .map(|m| m.len());
            total = total.zip(size).map(|(a, b)| a.saturating_add(b));
        }
        Progress::with_total(total)
    }

    /// Follow reading of `total` bytes (unknown: `None`).
    pub fn with_total(total: Option<u64>) -> Progress {
        if QUIET.load(Ordering::Relaxed) || !io::stderr().is_terminal() {
            return Progress { running: None };
        }
        let delay = delay();
        let base = bytes_passed();
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            // Hidden at first, but counting: its rate is then right from
            // the start when it shows.
            let bar = bar(total);
            let started = Instant::now();
            let mut shown = false;
            loop {
                bar.set_position(bytes_passed().saturating_sub(base));
                if !shown && started.elapsed() >= delay {
                    bar.set_draw_target(ProgressDrawTarget::stderr_with_hz(10));
                    *SHOWN.lock().unwrap_or_else(|e| e.into_inner()) = Some(bar.clone());
                    bar.tick();
                    shown = true;
                }
                let wait = if shown {
                    TICK
                } else {
                    TICK.min(delay.saturating_sub(started.elapsed()))
                };
                match stopped.recv_timeout(wait) {
                    Err(RecvTimeoutError::Timeout) => continue,
                    _ => break,
                }
            }
            if shown {
                SHOWN.lock().unwrap_or_else(|e| e.into_inner()).take();
                bar.finish_and_clear();
            }
        });
        Progress {
            running: Some((stop, thread)),
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some((stop, thread)) = self.running.take() {
            let _ = stop.send(());
            let _ = thread.join();
        }
    }
}

/// [`DELAY`], or `CKPT_PROGRESS_DELAY_MS` milliseconds: the tests draw
/// the bar at once with 0, on a small archive.
fn delay() -> Duration {
    std::env::var("CKPT_PROGRESS_DELAY_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(DELAY, Duration::from_millis)
}

fn bar(total: Option<u64>) -> ProgressBar {
    let target = ProgressDrawTarget::hidden();
    // The templates are constants: a failure would be a typo caught by
    // the tests, and the default style is a fine fallback.
    match total {
        Some(total) => {
            let style = ProgressStyle::with_template(
                "{spinner} reading [{wide_bar}] {binary_bytes}/{binary_total_bytes} \
                 ({binary_bytes_per_sec}, {eta} left)",
            )
            .map(|s| s.progress_chars("=> "))
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            ProgressBar::with_draw_target(Some(total), target).with_style(style)
        }
        None => {
            let style = ProgressStyle::with_template(
                "{spinner} reading {binary_bytes} ({binary_bytes_per_sec})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
            ProgressBar::with_draw_target(None, target).with_style(style)
        }
    }
}

/// Run `print` with the bar lifted off the terminal, so that a message
/// does not land in the middle of it.
pub fn suspended<T>(print: impl FnOnce() -> T) -> T {
    let shown = SHOWN.lock().unwrap_or_else(|e| e.into_inner()).clone();
    match shown {
        Some(bar) => bar.suspend(print),
        None => print(),
    }
}
