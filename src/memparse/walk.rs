//! Turning a pages image, as it streams past, into a process's memory.
//!
//! A pages image holds the bytes of the PE_PRESENT runs of its pagemap, in
//! pagemap order, back to back. [`Walker`] keeps a cursor in the run list
//! and hands each chunk of the image to a [`MemorySink`] cut at run
//! boundaries, announcing every run first. It holds no page data itself, so
//! what a sink keeps is all that is kept.
//!
//! Runs without PE_PRESENT (pages of a parent pre-dump, lazy pages) take no
//! room in the image: their bytes are not in this archive. They are
//! announced in their place and handed over as [`MemorySink::zeros`], as
//! are present runs that the image is too short for. checkpointctl prints
//! zeros for pages it does not find; a hexdump here does the same, while a
//! search skips them (zeros it would match were never in the process).

use std::io;

use crate::criu::checkpoint::{PE_PRESENT, Pagemap, flags, nr_pages};

/// Where a process's memory goes, run by run, in pagemap order.
pub trait MemorySink {
    /// Called once, before the first run (or alone, for a process with no
    /// pages): a hexdump prints its title here, not before the process is
    /// known to have memory.
    fn begin(&mut self) -> io::Result<()> {
        Ok(())
    }

    /// A new run of `len` bytes starting at virtual address `vaddr`. Its
    /// bytes follow as [`MemorySink::data`] (present runs) or
    /// [`MemorySink::zeros`] (bytes not in the archive).
    fn run(&mut self, vaddr: u64, len: u64, present: bool) -> io::Result<()>;

    /// The next bytes of the current run.
    fn data(&mut self, bytes: &[u8]) -> io::Result<()>;

    /// The next `len` bytes of the current run are not in the archive.
    fn zeros(&mut self, len: u64) -> io::Result<()>;
}

/// One pagemap run, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    vaddr: u64,
    len: u64,
    present: bool,
}

/// A cursor over the runs of one pagemap, fed the bytes of its pages image.
#[derive(Debug, Clone)]
pub struct Walker {
    runs: Vec<Run>,
    /// Index of the next run to announce.
    next: usize,
    /// Bytes of the current present run still to come from the image.
    left: u64,
    /// Bytes of the image past the last present run.
    excess: u64,
    /// Bytes of present runs the image was too short for.
    missing: u64,
}

impl Walker {
    /// A walker over `pagemap`, whose pages are `page_size` bytes. Runs of
    /// no pages are left out: there is nothing to show of them.
    pub fn new(pagemap: &Pagemap, page_size: u64) -> Walker {
        let runs = pagemap
            .entries
            .iter()
            .map(|e| Run {
                vaddr: e.vaddr,
                len: nr_pages(e).saturating_mul(page_size),
                present: flags(e) & PE_PRESENT != 0,
            })
            .filter(|r| r.len > 0)
            .collect();
        Walker {
            runs,
            next: 0,
            left: 0,
            excess: 0,
            missing: 0,
        }
    }

    /// The next bytes of the pages image.
    pub fn feed(&mut self, mut bytes: &[u8], sink: &mut dyn MemorySink) -> io::Result<()> {
        while !bytes.is_empty() {
            if self.left == 0 && !self.start_present(sink)? {
                self.excess = self.excess.saturating_add(bytes.len() as u64);
                return Ok(());
            }
            let n = usize::try_from(self.left).map_or(bytes.len(), |l| l.min(bytes.len()));
            sink.data(&bytes[..n])?;
            self.left -= n as u64;
            bytes = &bytes[n..];
        }
        Ok(())
    }

    /// The image has ended: hand over what the runs still cover as zeros.
    pub fn finish(&mut self, sink: &mut dyn MemorySink) -> io::Result<()> {
        if self.left > 0 {
            sink.zeros(self.left)?;
            self.missing = self.missing.saturating_add(self.left);
            self.left = 0;
        }
        while let Some(&run) = self.runs.get(self.next) {
            self.next += 1;
            sink.run(run.vaddr, run.len, run.present)?;
            sink.zeros(run.len)?;
            if run.present {
                self.missing = self.missing.saturating_add(run.len);
            }
        }
        Ok(())
    }

    /// Announce runs up to the next present one, handing over the absent
    /// ones before it as zeros. False when no present run is left.
    fn start_present(&mut self, sink: &mut dyn MemorySink) -> io::Result<bool> {
        while let Some(&run) = self.runs.get(self.next) {
            self.next += 1;
            sink.run(run.vaddr, run.len, run.present)?;
            if run.present {
                self.left = run.len;
                return Ok(true);
            }
            sink.zeros(run.len)?;
        }
        Ok(false)
    }

    /// Bytes of the image that no present run covers (a damaged pagemap).
    pub fn excess(&self) -> u64 {
        self.excess
    }

    /// Bytes of present runs that the image did not hold.
    pub fn missing(&self) -> u64 {
        self.missing
    }

    /// Bytes the present runs take in the pages image.
    pub fn present_len(&self) -> u64 {
        self.runs
            .iter()
            .filter(|r| r.present)
            .map(|r| r.len)
            .fold(0, u64::saturating_add)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::criu::checkpoint::PE_PARENT;
    use crate::criu::proto::PagemapEntry;

    /// Records every call, merging consecutive data and zeros.
    #[derive(Debug, Default, PartialEq, Eq)]
    pub(crate) struct Recorder {
        pub(crate) calls: Vec<Call>,
    }

    #[derive(Debug, PartialEq, Eq)]
    pub(crate) enum Call {
        Run(u64, u64, bool),
        Data(Vec<u8>),
        Zeros(u64),
    }

    impl MemorySink for Recorder {
        fn run(&mut self, vaddr: u64, len: u64, present: bool) -> io::Result<()> {
            self.calls.push(Call::Run(vaddr, len, present));
            Ok(())
        }
        fn data(&mut self, bytes: &[u8]) -> io::Result<()> {
            if let Some(Call::Data(d)) = self.calls.last_mut() {
                d.extend_from_slice(bytes);
            } else {
                self.calls.push(Call::Data(bytes.to_vec()));
            }
            Ok(())
        }
        fn zeros(&mut self, len: u64) -> io::Result<()> {
            if let Some(Call::Zeros(n)) = self.calls.last_mut() {
                *n += len;
            } else {
                self.calls.push(Call::Zeros(len));
            }
            Ok(())
        }
    }

    pub(crate) fn run(vaddr: u64, pages: u64, flags: u32) -> PagemapEntry {
        PagemapEntry {
            vaddr,
            compat_nr_pages: 0,
            in_parent: None,
            flags: Some(flags),
            nr_pages: Some(pages),
        }
    }

    fn walk(pagemap: &Pagemap, image: &[u8], chunk: usize) -> (Recorder, Walker) {
        let mut walker = Walker::new(pagemap, 16);
        let mut sink = Recorder::default();
        for piece in image.chunks(chunk) {
            walker.feed(piece, &mut sink).unwrap();
        }
        walker.finish(&mut sink).unwrap();
        (sink, walker)
    }

    #[test]
    fn present_runs_take_consecutive_image_bytes_and_absent_ones_are_zeros() {
        let pagemap = Pagemap {
            pages_id: 1,
            entries: vec![
                run(0x100, 2, PE_PRESENT),
                run(0x200, 1, PE_PARENT),
                run(0x300, 0, PE_PRESENT),
                run(0x400, 1, PE_PRESENT),
            ],
        };
        let image: Vec<u8> = (0..48).collect();
        for chunk in [1, 5, 16, 17, 48] {
            let (sink, walker) = walk(&pagemap, &image, chunk);
            assert_eq!(
                sink.calls,
                [
                    Call::Run(0x100, 32, true),
                    Call::Data(image[..32].to_vec()),
                    Call::Run(0x200, 16, false),
                    Call::Zeros(16),
                    Call::Run(0x400, 16, true),
                    Call::Data(image[32..].to_vec()),
                ],
                "chunks of {chunk}"
            );
            assert_eq!((walker.excess(), walker.missing()), (0, 0));
        }
    }

    #[test]
    fn a_short_image_ends_in_zeros_and_a_long_one_is_counted() {
        let pagemap = Pagemap {
            pages_id: 1,
            entries: vec![run(0x100, 1, PE_PRESENT), run(0x200, 1, PE_PRESENT)],
        };
        let (sink, walker) = walk(&pagemap, &[7; 20], 8);
        assert_eq!(
            sink.calls,
            [
                Call::Run(0x100, 16, true),
                Call::Data(vec![7; 16]),
                Call::Run(0x200, 16, true),
                Call::Data(vec![7; 4]),
                Call::Zeros(12),
            ]
        );
        assert_eq!(walker.missing(), 12);
        let (_, walker) = walk(&pagemap, &[7; 40], 8);
        assert_eq!((walker.excess(), walker.missing()), (8, 0));
    }
}
