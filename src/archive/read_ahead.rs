//! Reading on a second thread, so that the two cores of a small machine
//! share the work of a compressed archive.
//!
//! [`ReadAhead`] moves a reader to its own thread, which fills blocks and
//! hands them over a bounded channel, while the caller works on the
//! previous ones. ckpt puts one in front of the decoder: the file's `read`
//! calls, which copy from the page cache, then overlap with decompression.
//! The decoder reads the blocks in place ([`BufRead`]); a caller that
//! skips data drops it a block at a time, never copied.
//!
//! Memory is bounded: at most `depth` blocks are in flight, and spent
//! blocks go back to the thread to be filled again. When the reader is
//! dropped (the scan stopped early, or failed), the thread ends after the
//! block it is filling; a thread blocked in a `read` of standard input
//! ends with the process.

use std::io::{self, BufRead, Read};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread;

use crate::archive::tar_reader::TarInput;

/// A reader whose data is read ahead on another thread; see the module
/// docs.
pub struct ReadAhead {
    blocks: Receiver<io::Result<Vec<u8>>>,
    /// Spent blocks, sent back for reuse.
    spent: SyncSender<Vec<u8>>,
    current: Vec<u8>,
    /// Bytes of `current` already handed out.
    at: usize,
    /// The thread ended: end of input, or an error already returned.
    finished: bool,
}

impl ReadAhead {
    /// Read `inner` on a new thread in blocks of `block` bytes, at most
    /// `depth` of them ahead of the caller.
    pub fn new(inner: impl Read + Send + 'static, block: usize, depth: usize) -> ReadAhead {
        let block = block.max(1);
        let depth = depth.max(1);
        let (full_tx, full_rx) = sync_channel(depth);
        let (spent_tx, spent_rx) = sync_channel(depth + 1);
        let spawned = thread::Builder::new()
            .name("ckpt-read-ahead".to_string())
            .spawn(move || fill(inner, block, &full_tx, &spent_rx));
        if let Err(err) = spawned {
            // No thread to be had: the reader reports it on its first read.
            let (tx, rx) = sync_channel(1);
            let _ = tx.send(Err(err));
            return ReadAhead::from_parts(rx, spent_tx);
        }
        ReadAhead::from_parts(full_rx, spent_tx)
    }

    fn from_parts(blocks: Receiver<io::Result<Vec<u8>>>, spent: SyncSender<Vec<u8>>) -> Self {
        ReadAhead {
            blocks,
            spent,
            current: Vec::new(),
            at: 0,
            finished: false,
        }
    }

    /// Make `current` hold unread bytes; false at the end of the input.
    fn next_block(&mut self) -> io::Result<bool> {
        while self.at == self.current.len() {
            if self.finished {
                return Ok(false);
            }
            let spent = std::mem::take(&mut self.current);
            if spent.capacity() > 0 {
                // The thread may have ended; the block is then dropped.
                let _ = self.spent.try_send(spent);
            }
            self.at = 0;
            match self.blocks.recv() {
                Ok(Ok(block)) => self.current = block,
                Ok(Err(err)) => {
                    self.finished = true;
                    return Err(err);
                }
                // The thread ended after the last block.
                Err(_) => {
                    self.finished = true;
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }
}

/// The thread's loop: one read into a block (a spent one when there is
/// one), sent as it is, until the end of the input, an error, or a caller
/// that is gone. One read, not as many as fill the block: a pipe gives
/// what it has, and the caller must get it without waiting for more (a
/// file or a decoder fills the block in one read anyway).
fn fill(
    mut inner: impl Read,
    block: usize,
    full: &SyncSender<io::Result<Vec<u8>>>,
    spent: &Receiver<Vec<u8>>,
) {
    loop {
        let mut buffer = spent.try_recv().unwrap_or_default();
        buffer.resize(block, 0);
        let read = loop {
            match inner.read(&mut buffer) {
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                other => break other,
            }
        };
        match read {
            Ok(0) => return,
            Ok(n) => {
                buffer.truncate(n);
                if full.send(Ok(buffer)).is_err() {
                    return;
                }
            }
            Err(err) => {
                let _ = full.send(Err(err));
                return;
            }
        }
    }
}

impl Read for ReadAhead {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() || !self.next_block()? {
            return Ok(0);
        }
        let n = buf.len().min(self.current.len() - self.at);
        buf[..n].copy_from_slice(&self.current[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// The decoders read straight from the blocks, without a copy.
impl BufRead for ReadAhead {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if !self.next_block()? {
            return Ok(&[]);
        }
        Ok(&self.current[self.at..])
    }

    fn consume(&mut self, amount: usize) {
        self.at = (self.at + amount).min(self.current.len());
    }
}

impl TarInput for ReadAhead {
    /// Drop `n` bytes a block at a time, without copying them.
    fn skip(&mut self, n: u64, _: &mut Vec<u8>) -> io::Result<()> {
        let mut left = n;
        while left > 0 {
            if !self.next_block()? {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let available = (self.current.len() - self.at) as u64;
            let step = left.min(available);
            // At most the block's length, so within usize.
            self.at += step as usize;
            left -= step;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that returns short reads of varying sizes, then an error
    /// if `fail` is set.
    struct Ragged {
        data: Vec<u8>,
        at: usize,
        step: usize,
        fail: bool,
    }

    impl Read for Ragged {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.at == self.data.len() {
                return if self.fail {
                    Err(io::Error::other("broken"))
                } else {
                    Ok(0)
                };
            }
            self.step = self.step % 7 + 1;
            let n = buf
                .len()
                .min(self.step * 100)
                .min(self.data.len() - self.at);
            buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    fn ragged(len: usize, fail: bool) -> (Vec<u8>, Ragged) {
        let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
        let reader = Ragged {
            data: data.clone(),
            at: 0,
            step: 0,
            fail,
        };
        (data, reader)
    }

    #[test]
    fn hands_out_every_byte_in_order_whatever_the_sizes() {
        let (data, reader) = ragged(100_003, false);
        let mut ahead = ReadAhead::new(reader, 4096, 3);
        let mut out = Vec::new();
        let mut piece = [0u8; 999];
        loop {
            let n = ahead.read(&mut piece).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&piece[..n]);
        }
        assert_eq!(out, data);
        assert_eq!(ahead.read(&mut piece).unwrap(), 0, "the end stays the end");
    }

    #[test]
    fn skips_across_blocks_and_reports_a_short_input() {
        let (data, reader) = ragged(50_000, false);
        let mut ahead = ReadAhead::new(reader, 4096, 2);
        let mut scratch = Vec::new();
        ahead.skip(12_345, &mut scratch).unwrap();
        let mut byte = [0u8; 1];
        ahead.read_exact(&mut byte).unwrap();
        assert_eq!(byte[0], data[12_345]);
        ahead.skip(30_000, &mut scratch).unwrap();
        ahead.read_exact(&mut byte).unwrap();
        assert_eq!(byte[0], data[42_346]);
        let short = ahead.skip(10_000, &mut scratch).unwrap_err();
        assert_eq!(short.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn an_error_comes_after_the_bytes_before_it() {
        let (data, reader) = ragged(10_000, true);
        let mut ahead = ReadAhead::new(reader, 4096, 2);
        let mut out = Vec::new();
        let err = ahead.read_to_end(&mut out).unwrap_err();
        assert_eq!(err.to_string(), "broken");
        assert_eq!(out, data);
    }

    /// A pipe: some bytes, then nothing until the gate opens.
    struct Gate {
        first: Option<Vec<u8>>,
        open: Receiver<()>,
    }

    impl Read for Gate {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if let Some(first) = self.first.take() {
                buf[..first.len()].copy_from_slice(&first);
                return Ok(first.len());
            }
            let _ = self.open.recv();
            Ok(0)
        }
    }

    #[test]
    fn what_a_pipe_has_arrives_without_waiting_for_a_full_block() {
        let (open, gate) = sync_channel(1);
        let reader = Gate {
            first: Some(b"header".to_vec()),
            open: gate,
        };
        let mut ahead = ReadAhead::new(reader, 1 << 20, 2);
        let mut got = [0u8; 6];
        ahead.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"header");
        open.send(()).unwrap();
        assert_eq!(ahead.read(&mut got).unwrap(), 0);
    }

    #[test]
    fn dropping_the_reader_early_does_not_wait_for_the_thread() {
        // An endless input: the thread must stop once nobody reads.
        let mut ahead = ReadAhead::new(io::repeat(1), 1024, 2);
        let mut first = [0u8; 10];
        ahead.read_exact(&mut first).unwrap();
        drop(ahead);
    }
}
