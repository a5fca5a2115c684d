//! Reading a process's memory from its pages image while it streams past.
//!
//! A pages image (`pages-N.img`) is the raw content of every page run that
//! the process's pagemap marks PE_PRESENT, in pagemap order, without
//! headers. To read a virtual range, [`Extraction::plan`] turns it into
//! segments of the pages image; [`Extraction::feed`] then copies the bytes of
//! those segments out of each chunk as the image streams by, so the image is
//! never held. Pages the pagemap does not list were never dumped (untouched,
//! or the shared zero page) and read as zeros, as checkpointctl reads them.

use crate::criu::checkpoint::{PE_PRESENT, Pagemap, flags, nr_pages};

/// Page size assumed when the pages image cannot tell: every x86_64 dump
/// uses 4 KiB pages.
pub const PAGE_SIZE: u64 = 4096;

/// The page size of a dump, which CRIU does not record: the pages image
/// holds exactly the present pages of its pagemap, so its size divided by
/// their count is the page size (aarch64 kernels use 4, 16 or 64 KiB). When
/// that gives no power of two from 4 KiB to 64 KiB, [`PAGE_SIZE`].
pub fn page_size(pagemap: &Pagemap, image_size: u64) -> u64 {
    let present: u64 = pagemap
        .entries
        .iter()
        .filter(|e| flags(e) & PE_PRESENT != 0)
        .map(nr_pages)
        .fold(0, u64::saturating_add);
    if present == 0 || !image_size.is_multiple_of(present) {
        return PAGE_SIZE;
    }
    match image_size / present {
        size @ (4096 | 16384 | 65536) => size,
        _ => PAGE_SIZE,
    }
}

/// Largest range read from memory (argv or environment). Linux limits both
/// together to a quarter of the stack limit, 2 MiB by default; 4 MiB leaves
/// room and bounds what a hostile mm image can make ckpt allocate.
pub const MAX_RANGE: u64 = 4 * 1024 * 1024;
/// Most segments one range is read in. A range of [`MAX_RANGE`] bytes in
/// 4 KiB pages has at most 1024 runs; more can only come from a hostile
/// pagemap whose runs overlap, and each would cost memory.
pub const MAX_SEGMENTS: usize = 4096;

/// One virtual range to read, with where its bytes lie in the pages image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extraction {
    /// The bytes of the range; pages not in the pagemap stay zero.
    pub bytes: Vec<u8>,
    /// (offset in the pages image, offset in `bytes`, length), by image offset.
    segments: Vec<(u64, usize, usize)>,
    /// True when some of the range lies in pages kept in a parent
    /// (pre-dump) image set, which this archive does not hold.
    pub in_parent: bool,
    /// True when the range was longer than the limit it was planned with
    /// (or lay in more than [`MAX_SEGMENTS`] runs) and was cut.
    pub truncated: bool,
}

impl Extraction {
    /// Plan the read of `[start, end)` through `pagemap`, whose pages are
    /// `page_size` bytes, keeping at most `limit` bytes (and never more
    /// than [`MAX_RANGE`]).
    pub fn plan(pagemap: &Pagemap, start: u64, end: u64, page_size: u64, limit: u64) -> Extraction {
        let limit = limit.min(MAX_RANGE);
        let wanted_end = end.max(start);
        let mut truncated = wanted_end - start > limit;
        let end = wanted_end.min(start.saturating_add(limit));
        let len = usize::try_from(end - start).unwrap_or(0);
        let mut segments = Vec::new();
        let mut in_parent = false;
        let mut image_offset = 0u64;

        for entry in &pagemap.entries {
            let run = nr_pages(entry).saturating_mul(page_size);
            let run_start = entry.vaddr;
            let run_end = run_start.saturating_add(run);
            let present = flags(entry) & PE_PRESENT != 0;
            let from = start.max(run_start);
            let to = end.min(run_end);
            if from < to {
                if segments.len() == MAX_SEGMENTS {
                    truncated = true;
                    break;
                }
                if present {
                    let at = image_offset + (from - run_start);
                    let dest = usize::try_from(from - start).unwrap_or(usize::MAX);
                    let n = usize::try_from(to - from).unwrap_or(0);
                    segments.push((at, dest, n));
                } else {
                    in_parent = true;
                }
            }
            if present {
                image_offset = image_offset.saturating_add(run);
            }
        }
        Extraction {
            bytes: vec![0; len],
            segments,
            in_parent,
            truncated,
        }
    }

    /// True when no byte of the range is in the pages image.
    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    /// Copy what `chunk`, found at `offset` in the pages image, holds of the
    /// planned segments.
    pub fn feed(&mut self, offset: u64, chunk: &[u8]) {
        let chunk_end = offset + chunk.len() as u64;
        for &(at, dest, n) in &self.segments {
            let seg_end = at + n as u64;
            let from = at.max(offset);
            let to = seg_end.min(chunk_end);
            if from >= to {
                continue;
            }
            let src = (from - offset) as usize..(to - offset) as usize;
            let dst = dest + (from - at) as usize;
            self.bytes[dst..dst + src.len()].copy_from_slice(&chunk[src]);
        }
    }
}

impl Extraction {
    /// Read the planned segments directly, with `read_at(offset, buffer)`
    /// filling `buffer` from that offset of the pages image, whose size is
    /// `image_size`. Bytes past the end of the image stay zero, as they do
    /// when the image is streamed.
    pub fn read_with(
        &mut self,
        image_size: u64,
        read_at: &mut dyn FnMut(u64, &mut [u8]) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        for &(at, dest, n) in &self.segments {
            let available = image_size.saturating_sub(at).min(n as u64) as usize;
            if available > 0 {
                read_at(at, &mut self.bytes[dest..dest + available])?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::criu::checkpoint::PE_PARENT;
    use crate::criu::proto::PagemapEntry;

    fn run(vaddr: u64, pages: u64, flags: u32) -> PagemapEntry {
        PagemapEntry {
            vaddr,
            compat_nr_pages: 0,
            in_parent: None,
            flags: Some(flags),
            nr_pages: Some(pages),
        }
    }

    /// A pages image whose every byte says which page and offset it is.
    fn image(pages: u64) -> Vec<u8> {
        (0..pages * PAGE_SIZE)
            .map(|i| (i / PAGE_SIZE * 7 + i % 251) as u8)
            .collect()
    }

    #[test]
    fn reads_a_range_across_runs_and_chunk_edges() {
        // Two present runs with a hole between them, and a lazy-present run.
        let pagemap = Pagemap {
            pages_id: 1,
            entries: vec![run(0x1000, 2, PE_PRESENT), run(0x8000, 1, PE_PRESENT | 2)],
        };
        let pages = image(3);
        let mut x = Extraction::plan(&pagemap, 0x2ff0, 0x8010, PAGE_SIZE, MAX_RANGE);
        for (i, chunk) in pages.chunks(1000).enumerate() {
            x.feed(i as u64 * 1000, chunk);
        }
        // Last 16 bytes of page 2 of the first run, then zeros for the hole,
        // then the first 16 bytes of the third page of the image.
        assert_eq!(&x.bytes[..16], &pages[0x1ff0..0x2000]);
        assert!(x.bytes[16..x.bytes.len() - 16].iter().all(|&b| b == 0));
        assert_eq!(&x.bytes[x.bytes.len() - 16..], &pages[0x2000..0x2010]);
        assert!(!x.in_parent && !x.truncated);
    }

    #[test]
    fn parent_pages_take_no_room_in_the_image() {
        let pagemap = Pagemap {
            pages_id: 1,
            entries: vec![run(0x1000, 4, PE_PARENT), run(0x9000, 1, PE_PRESENT)],
        };
        let pages = image(1);
        let mut x = Extraction::plan(&pagemap, 0x9000, 0x9010, PAGE_SIZE, MAX_RANGE);
        x.feed(0, &pages);
        assert_eq!(&x.bytes[..], &pages[..16]);

        let from_parent = Extraction::plan(&pagemap, 0x1000, 0x1010, PAGE_SIZE, MAX_RANGE);
        assert!(from_parent.in_parent && from_parent.is_empty());
    }

    #[test]
    fn old_pagemaps_count_pages_in_field_two() {
        let mut old = run(0x1000, 0, PE_PRESENT);
        old.nr_pages = None;
        old.compat_nr_pages = 1;
        old.flags = None;
        let pagemap = Pagemap {
            pages_id: 1,
            entries: vec![old, run(0x5000, 1, PE_PRESENT)],
        };
        let pages = image(2);
        let mut x = Extraction::plan(&pagemap, 0x5000, 0x5004, PAGE_SIZE, MAX_RANGE);
        x.feed(0, &pages);
        assert_eq!(&x.bytes[..], &pages[0x1000..0x1004]);
    }

    #[test]
    fn direct_reads_give_what_streaming_gives() {
        let pagemap = Pagemap {
            pages_id: 1,
            entries: vec![run(0x1000, 2, PE_PRESENT), run(0x8000, 1, PE_PRESENT)],
        };
        let pages = image(3);
        let mut streamed = Extraction::plan(&pagemap, 0x1ff0, 0x8010, PAGE_SIZE, MAX_RANGE);
        streamed.feed(0, &pages);
        let mut direct = Extraction::plan(&pagemap, 0x1ff0, 0x8010, PAGE_SIZE, MAX_RANGE);
        let mut read_at = |at: u64, buf: &mut [u8]| {
            buf.copy_from_slice(&pages[at as usize..at as usize + buf.len()]);
            Ok(())
        };
        direct.read_with(pages.len() as u64, &mut read_at).unwrap();
        assert_eq!(direct, streamed);

        // A run pointing past the end of the image reads as zeros.
        let mut short = Extraction::plan(&pagemap, 0x8000, 0x8010, PAGE_SIZE, MAX_RANGE);
        short.read_with(2 * PAGE_SIZE, &mut read_at).unwrap();
        assert!(short.bytes.iter().all(|&b| b == 0));
    }

    #[test]
    fn page_size_comes_from_the_image_size() {
        let pagemap = Pagemap {
            pages_id: 1,
            entries: vec![run(0x10000, 2, PE_PRESENT), run(0x40000, 3, PE_PARENT)],
        };
        assert_eq!(page_size(&pagemap, 2 * 16384), 16384);
        assert_eq!(page_size(&pagemap, 2 * 4096), 4096);
        assert_eq!(page_size(&pagemap, 2 * 65536), 65536);
        // Odd sizes and empty pagemaps fall back to 4 KiB.
        assert_eq!(page_size(&pagemap, 2 * 8192 + 2), PAGE_SIZE);
        assert_eq!(page_size(&pagemap, 2 * 8192), PAGE_SIZE);
        assert_eq!(page_size(&Pagemap::default(), 0), PAGE_SIZE);
    }

    #[test]
    fn a_limit_below_the_range_cuts_it() {
        let pagemap = Pagemap {
            pages_id: 1,
            entries: vec![run(0x1000, 4, PE_PRESENT)],
        };
        let x = Extraction::plan(&pagemap, 0x1000, 0x3000, PAGE_SIZE, 100);
        assert_eq!((x.bytes.len(), x.truncated), (100, true));
        let none = Extraction::plan(&pagemap, 0x1000, 0x3000, PAGE_SIZE, 0);
        assert!(none.bytes.is_empty() && none.truncated && none.is_empty());
    }

    #[test]
    fn overlapping_runs_beyond_the_segment_limit_cut_the_range() {
        // A hostile pagemap: the same page listed many times over.
        let pagemap = Pagemap {
            pages_id: 1,
            entries: vec![run(0x1000, 1, PE_PRESENT); MAX_SEGMENTS + 10],
        };
        let x = Extraction::plan(&pagemap, 0x1000, 0x1010, PAGE_SIZE, MAX_RANGE);
        assert_eq!(x.segments.len(), MAX_SEGMENTS);
        assert!(x.truncated);
    }

    #[test]
    fn huge_ranges_are_cut_and_inverted_ones_are_empty() {
        let pagemap = Pagemap {
            pages_id: 1,
            entries: vec![run(0, 1, PE_PRESENT)],
        };
        let x = Extraction::plan(&pagemap, 0, u64::MAX, PAGE_SIZE, MAX_RANGE);
        assert!(x.truncated);
        assert_eq!(x.bytes.len() as u64, MAX_RANGE);
        let y = Extraction::plan(&pagemap, 0x5000, 0x1000, PAGE_SIZE, MAX_RANGE);
        assert!(y.bytes.is_empty());
    }
}
