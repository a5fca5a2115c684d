//! How far reading has got, for a progress display.
//!
//! Every archive opened through [`crate::archive::input::ArchiveInput`]
//! counts the bytes of its file (or pipe) that it has passed: read, or
//! skipped by seeking. The count is one process-wide number, so that a
//! display can follow several archives read at once (`list` reads two) and
//! compare it with the sum of their sizes. Nothing else reads it.

use std::io::{self, Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicU64, Ordering};

static PASSED: AtomicU64 = AtomicU64::new(0);

/// Bytes of archive input passed so far by this process, read or skipped.
pub fn bytes_passed() -> u64 {
    PASSED.load(Ordering::Relaxed)
}

fn add(n: u64) {
    PASSED.fetch_add(n, Ordering::Relaxed);
}

/// A reader that adds what passes through it to [`bytes_passed`].
pub struct Metered<R> {
    inner: R,
    /// Position in `inner`, for seekable readers: a forward seek counts as
    /// passed; a backward one (rare: re-reading pages) does not subtract.
    at: u64,
}

impl<R> Metered<R> {
    /// Count what `inner` gives, from its current position `at`.
    pub fn new(inner: R, at: u64) -> Metered<R> {
        add(at);
        Metered { inner, at }
    }

    /// The reader inside.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }
}

impl<R: Read> Read for Metered<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.at += n as u64;
        add(n as u64);
        Ok(n)
    }
}

impl<R: Seek> Seek for Metered<R> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let now = self.inner.seek(to)?;
        add(now.saturating_sub(self.at));
        self.at = now;
        Ok(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn reads_and_forward_seeks_count_backward_seeks_do_not() {
        // Other tests read archives at the same time: measure from below.
        let before = bytes_passed();
        let mut metered = Metered::new(Cursor::new(vec![7u8; 1000]), 0);
        let mut buf = [0u8; 100];
        metered.read_exact(&mut buf).unwrap();
        metered.seek(SeekFrom::Current(400)).unwrap();
        metered.seek(SeekFrom::Start(50)).unwrap();
        metered.seek(SeekFrom::Start(600)).unwrap();
        // 100 read, 400 skipped, 50 -> 600 skipped again (550).
        assert!(bytes_passed() - before >= 1050);
        assert_eq!(metered.at, 600);
    }
}
