//! The hexdump of `memparse --pid`, written row by row as bytes arrive.
//!
//! [`Hexdump`] is a [`MemorySink`]: it holds at most one row of 16 bytes
//! (a row can straddle two chunks of the pages image) and the previous
//! row's ASCII column, and writes every row as soon as it is complete. The
//! format is checkpointctl's: the address as 16 hex digits, the 16 bytes in
//! hex, and the bytes as ASCII (`.` outside 0x20–0x7E) between bars. In
//! compact form (what checkpointctl prints on a terminal) a row whose ASCII
//! column equals the previous row's is left out, and a run of such rows is
//! marked by one `*` line; the comparison starts afresh at each pagemap run.

use std::io::{self, Write};

use crate::memparse::walk::MemorySink;

/// Bytes per row.
const ROW: usize = 16;
/// The longest line: a full row.
const LINE: usize = 16 + 2 + 3 * ROW + 2 + ROW + 2;
const HEX: &[u8; 16] = b"0123456789abcdef";
/// Each byte's two hex digits and a space.
const HEX3: [[u8; 3]; 256] = {
    let mut table = [[0u8; 3]; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = [HEX[b >> 4], HEX[b & 15], b' '];
        b += 1;
    }
    table
};
/// The column titles: address at 0, hexadecimal at 18, ASCII at 68.
pub const HEADER: &str =
    "Address           Hexadecimal                                       ASCII            ";
/// The rule under the titles, as wide as a row.
pub const RULE: &str =
    "-------------------------------------------------------------------------------------";

/// Writes a process's memory as hexdump rows to `W`.
#[derive(Debug)]
pub struct Hexdump<W: Write> {
    out: W,
    compact: bool,
    /// The bytes of the row being filled, and how many there are.
    row: [u8; ROW],
    filled: usize,
    /// The address of the row being filled.
    address: u64,
    /// The previous row's ASCII column in this run, and its length.
    previous: Option<([u8; ROW], usize)>,
    /// True while rows equal to the previous one are being left out.
    repeating: bool,
    /// One formatted line, reused: 16 address digits, 2 spaces, 3 bytes
    /// per byte, ` |`, the ASCII column, `|` and a newline.
    line: [u8; LINE],
}

impl<W: Write> Hexdump<W> {
    /// A hexdump to `out`; `compact` folds repeated rows into `*`.
    pub fn new(out: W, compact: bool) -> Hexdump<W> {
        Hexdump {
            out,
            compact,
            row: [0; ROW],
            filled: 0,
            address: 0,
            previous: None,
            repeating: false,
            line: [0; LINE],
        }
    }

    /// Write the column titles and the rule.
    pub fn header(&mut self) -> io::Result<()> {
        writeln!(self.out, "{HEADER}")?;
        writeln!(self.out, "{RULE}")
    }

    /// Write the last, incomplete row if there is one, and flush.
    pub fn finish(&mut self) -> io::Result<()> {
        self.flush_partial()?;
        self.out.flush()
    }

    /// The writer, for a caller that wants it back.
    pub fn into_inner(self) -> W {
        self.out
    }

    fn flush_partial(&mut self) -> io::Result<()> {
        if self.filled > 0 {
            let row = self.row;
            self.emit(&row[..self.filled])?;
            self.filled = 0;
        }
        Ok(())
    }

    /// Write one row (or a `*`, or nothing) and move to the next address.
    fn emit(&mut self, bytes: &[u8]) -> io::Result<()> {
        let mut ascii = [0u8; ROW];
        for (a, &b) in ascii.iter_mut().zip(bytes) {
            *a = if (0x20..0x7f).contains(&b) { b } else { b'.' };
        }
        let this = (ascii, bytes.len());
        let same = self.previous == Some(this);
        self.previous = Some(this);
        let address = self.address;
        self.address = self.address.wrapping_add(ROW as u64);
        if self.compact && same {
            if !self.repeating {
                self.repeating = true;
                self.out.write_all(b"*\n")?;
            }
            return Ok(());
        }
        self.repeating = false;
        // Formatted by hand into a fixed line: rows are written by the
        // ten million, and `write!` spent more time than everything else
        // together (1.96 s for 448 MiB of memory, then 0.61 s).
        let line = &mut self.line;
        for (i, digit) in line[..16].iter_mut().enumerate() {
            *digit = HEX[((address >> (60 - 4 * i)) & 15) as usize];
        }
        line[16..18].copy_from_slice(b"  ");
        for (hex, &b) in line[18..18 + 3 * bytes.len()]
            .chunks_exact_mut(3)
            .zip(bytes)
        {
            hex.copy_from_slice(&HEX3[usize::from(b)]);
        }
        let mut at = 18 + 3 * bytes.len();
        line[at..at + 2].copy_from_slice(b" |");
        at += 2;
        line[at..at + bytes.len()].copy_from_slice(&ascii[..bytes.len()]);
        at += bytes.len();
        line[at..at + 2].copy_from_slice(b"|\n");
        self.out.write_all(&line[..at + 2])
    }
}

impl<W: Write> MemorySink for Hexdump<W> {
    fn begin(&mut self) -> io::Result<()> {
        self.header()
    }

    fn run(&mut self, vaddr: u64, _len: u64, _present: bool) -> io::Result<()> {
        self.flush_partial()?;
        self.address = vaddr;
        self.previous = None;
        self.repeating = false;
        Ok(())
    }

    fn data(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            if self.filled == 0 && bytes.len() >= ROW {
                // Whole rows straight from the chunk.
                let (row, rest) = bytes.split_at(ROW);
                self.emit(row)?;
                bytes = rest;
                continue;
            }
            let n = (ROW - self.filled).min(bytes.len());
            self.row[self.filled..self.filled + n].copy_from_slice(&bytes[..n]);
            self.filled += n;
            bytes = &bytes[n..];
            if self.filled == ROW {
                let row = self.row;
                self.filled = 0;
                self.emit(&row)?;
            }
        }
        Ok(())
    }

    fn zeros(&mut self, len: u64) -> io::Result<()> {
        const ZERO_ROW: [u8; ROW] = [0; ROW];
        let mut left = len;
        if self.filled > 0 {
            let n = ((ROW - self.filled) as u64).min(left) as usize;
            self.data(&ZERO_ROW[..n])?;
            left -= n as u64;
        }
        let mut rows = left / ROW as u64;
        // In compact form two zero rows leave the writer folding, and every
        // further zero row would be left out: skip them without a loop, so
        // that a huge absent run costs nothing.
        if self.compact && rows > 2 {
            self.emit(&ZERO_ROW)?;
            self.emit(&ZERO_ROW)?;
            let skipped = rows - 2;
            self.address = self.address.wrapping_add(skipped.wrapping_mul(ROW as u64));
            rows = 0;
        }
        for _ in 0..rows {
            self.emit(&ZERO_ROW)?;
        }
        let tail = (left % ROW as u64) as usize;
        self.data(&ZERO_ROW[..tail])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Memory-like bytes: text, repeated rows, zeros, binary.
    fn sample() -> Vec<u8> {
        let mut bytes = b"PATH=/usr/bin:/bin\0HOME=/root\0".to_vec();
        bytes.extend(std::iter::repeat_n(b"ab\x01\x02".as_slice(), 40).flatten());
        bytes.extend([0u8; 100]);
        bytes.extend((0..=255u8).rev());
        bytes.extend([0xffu8; 64]);
        bytes.resize(bytes.len().div_ceil(ROW) * ROW, 9);
        bytes
    }

    fn dump(runs: &[(u64, &[u8])], pieces: &[usize], compact: bool) -> String {
        let mut hex = Hexdump::new(Vec::new(), compact);
        for (vaddr, bytes) in runs {
            hex.run(*vaddr, bytes.len() as u64, true).unwrap();
            let mut rest = *bytes;
            let mut i = 0;
            while !rest.is_empty() {
                let n = pieces[i % pieces.len()].clamp(1, rest.len());
                hex.data(&rest[..n]).unwrap();
                rest = &rest[n..];
                i += 1;
            }
        }
        hex.finish().unwrap();
        String::from_utf8(hex.into_inner()).unwrap()
    }

    #[test]
    fn rows_do_not_depend_on_how_the_bytes_are_cut() {
        let bytes = sample();
        for compact in [false, true] {
            let whole = dump(&[(0x1000, &bytes)], &[bytes.len()], compact);
            for pieces in [
                &[1][..],
                &[3, 16, 7],
                &[15, 17],
                &[16],
                &[4096],
                &[5, 1, 31],
            ] {
                assert_eq!(
                    dump(&[(0x1000, &bytes)], pieces, compact),
                    whole,
                    "pieces {pieces:?}, compact {compact}"
                );
            }
        }
    }

    #[test]
    fn formats_rows_like_checkpointctl() {
        let out = dump(
            &[(0x401000, b"H\x83\xec\x08H\xc7\xc0\0\0\0\0H\x85\xc0t\x02")],
            &[16],
            true,
        );
        assert_eq!(
            out,
            "0000000000401000  48 83 ec 08 48 c7 c0 00 00 00 00 48 85 c0 74 02  \
             |H...H......H..t.|\n"
        );
        assert_eq!(out.lines().next().unwrap().len(), HEADER.len());
        assert_eq!(RULE.len(), HEADER.len());
    }

    #[test]
    fn compact_form_folds_rows_with_the_same_ascii_and_restarts_per_run() {
        let mut bytes = vec![b'x'; 16];
        bytes.extend([1u8; 16]);
        bytes.extend([2u8; 16]); // same ASCII column as the row before
        bytes.extend([3u8; 16]);
        bytes.extend([b'y'; 16]);
        let out = dump(&[(0, &bytes), (0x100, &[0u8; 16])], &[16], true);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 5, "{out}");
        assert!(lines[0].starts_with("0000000000000000  78"));
        assert!(lines[1].starts_with("0000000000000010  01"));
        assert_eq!(lines[2], "*");
        assert!(lines[3].starts_with("0000000000000040  79"));
        // A new run prints its first row even when it looks the same.
        assert!(lines[4].starts_with("0000000000000100  00"));

        let full = dump(&[(0, &bytes), (0x100, &[0u8; 16])], &[16], false);
        assert_eq!(full.lines().count(), 6);
        assert!(!full.contains('*'));
    }

    #[test]
    fn zeros_print_as_zero_rows_and_fold_without_a_loop() {
        for compact in [false, true] {
            let mut hex = Hexdump::new(Vec::new(), compact);
            hex.run(0x2000, 256, false).unwrap();
            hex.zeros(256).unwrap();
            hex.finish().unwrap();
            let zeros = String::from_utf8(hex.into_inner()).unwrap();
            assert_eq!(zeros, dump(&[(0x2000, &[0u8; 256])], &[256], compact));
        }
        // A terabyte of absent pages in compact form: two lines, then the
        // next run's address is where it should be.
        let mut hex = Hexdump::new(Vec::new(), true);
        hex.run(0, 1 << 40, false).unwrap();
        hex.zeros(1 << 40).unwrap();
        hex.data(b"after the hole..").unwrap();
        hex.finish().unwrap();
        let out = String::from_utf8(hex.into_inner()).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[1], "*");
        assert!(
            lines[2].starts_with("0000010000000000  61 66"),
            "{}",
            lines[2]
        );
    }

    #[test]
    fn an_incomplete_last_row_is_written_short() {
        let out = dump(&[(0x10, b"abc")], &[3], true);
        assert_eq!(out, "0000000000000010  61 62 63  |abc|\n");
    }
}
