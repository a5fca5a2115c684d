//! `memparse --pid P --search`: finding a pattern in a process's memory as
//! its pages stream past.
//!
//! [`Search`] is a [`MemorySink`]. It keeps the bytes of the current
//! stretch of memory in a buffer and searches it each time about 1 MiB has
//! come in. The last [`Search::hold`] bytes are kept back for the next
//! search: a match starting there might go on in bytes not yet seen. So
//! matches that cross a page boundary, a chunk boundary of the archive, or
//! the edge between two pagemap runs that are contiguous in virtual memory
//! are found. Two runs with a gap between them are separate stretches and
//! are never searched as one, and bytes that are not in the archive (runs
//! without PE_PRESENT) are not searched at all.
//!
//! What is held back is bounded: the pattern's length for a literal string
//! (no match can be missed), [`REGEX_WINDOW`] for a regular expression (a
//! match longer than that may be missed or cut short), plus twice the
//! context. Memory therefore does not grow with the process's size; only
//! the list of matches grows, up to [`MAX_MATCHES`] matches and
//! [`MAX_MATCH_TEXT`] bytes of their text.
//!
//! Unlike checkpointctl, the pattern is matched against the raw bytes:
//! checkpointctl first turns every byte outside 0x20–0x7E into `?`, so its
//! `?` also matches any such byte and it cannot find non-ASCII text. Only
//! the printed context gets that substitution here.

use std::io::{self, Write};

use memchr::memmem::Finder;
use regex::bytes::Regex;

use crate::memparse::walk::MemorySink;
use crate::report::table::write_aligned;

/// How far a regular expression match may reach past the point where the
/// buffer is searched: longer matches may be missed.
pub const REGEX_WINDOW: usize = 64 * 1024;
/// Largest `--context`: each match keeps this many bytes on either side.
pub const MAX_CONTEXT: usize = 64 * 1024;
/// Matches kept for the table; further ones are only counted.
pub const MAX_MATCHES: usize = 100_000;
/// Bytes of match text (the match and its context) kept for the table;
/// further matches are only counted. With the largest context a match
/// keeps 128 KiB, so the count alone would not bound memory.
pub const MAX_MATCH_TEXT: usize = 32 * 1024 * 1024;
/// New bytes gathered before the buffer is searched again.
const BATCH: usize = 1024 * 1024;
/// Bytes kept before the search point for look-behind assertions
/// (`\b` on UTF-8 text looks at up to 4 bytes).
const LOOK_BEHIND: usize = 4;

/// What to look for.
#[derive(Debug, Clone)]
pub enum Pattern {
    /// A literal byte string (`--search`).
    Literal(Vec<u8>),
    /// A regular expression over bytes (`--search-regex`).
    Regex(Regex),
}

impl Pattern {
    /// The pattern as given, for messages.
    pub fn text(&self) -> String {
        match self {
            Pattern::Literal(bytes) => String::from_utf8_lossy(bytes).into_owned(),
            Pattern::Regex(regex) => regex.as_str().to_string(),
        }
    }
}

/// One match: where it starts and the text around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchMatch {
    /// Virtual address of the first byte of the match.
    pub vaddr: u64,
    /// The match with up to `context` bytes on either side, bytes outside
    /// 0x20–0x7E shown as `?`.
    pub text: String,
}

enum Matcher {
    Literal(Box<Finder<'static>>),
    Regex(Regex),
}

impl Matcher {
    /// The leftmost non-empty match starting at or after `from`.
    fn find_at(&self, haystack: &[u8], from: usize) -> Option<(usize, usize)> {
        match self {
            Matcher::Literal(finder) if finder.needle().is_empty() => None,
            Matcher::Literal(finder) => finder
                .find(haystack.get(from..)?)
                .map(|i| (from + i, from + i + finder.needle().len())),
            Matcher::Regex(regex) => {
                let mut at = from;
                while at <= haystack.len() {
                    let m = regex.find_at(haystack, at)?;
                    if m.end() > m.start() {
                        return Some((m.start(), m.end()));
                    }
                    // Empty matches say nothing about memory: skip them.
                    at = m.start() + 1;
                }
                None
            }
        }
    }
}

/// Searches the memory handed to it; see the module docs.
pub struct Search {
    matcher: Matcher,
    context: usize,
    /// Bytes kept back at the end of the buffer until more arrive.
    hold: usize,
    /// The current stretch of contiguous memory, from `base` on.
    buffer: Vec<u8>,
    base: u64,
    /// Where in `buffer` the next search starts; every match starting
    /// before it has been recorded.
    from: usize,
    /// True while a stretch is open (bytes were added since the last gap).
    open: bool,
    matches: Vec<SearchMatch>,
    /// Bytes of text in `matches`.
    text_kept: usize,
    /// Matches found beyond [`MAX_MATCHES`] or [`MAX_MATCH_TEXT`].
    more: u64,
}

impl Search {
    /// A search for `pattern` with `context` bytes each side (at most
    /// [`MAX_CONTEXT`]; more is cut to it).
    pub fn new(pattern: &Pattern, context: usize) -> Search {
        let context = context.min(MAX_CONTEXT);
        let (matcher, window) = match pattern {
            Pattern::Literal(bytes) => (
                Matcher::Literal(Box::new(Finder::new(bytes).into_owned())),
                bytes.len().saturating_sub(1),
            ),
            Pattern::Regex(regex) => (Matcher::Regex(regex.clone()), REGEX_WINDOW),
        };
        Search {
            matcher,
            context,
            hold: window + context,
            buffer: Vec::new(),
            base: 0,
            from: 0,
            open: false,
            matches: Vec::new(),
            text_kept: 0,
            more: 0,
        }
    }

    /// Search what is left and return the matches in address order, and
    /// how many more there were beyond [`MAX_MATCHES`] or
    /// [`MAX_MATCH_TEXT`].
    pub fn finish(mut self) -> (Vec<SearchMatch>, u64) {
        self.close();
        (self.matches, self.more)
    }

    /// Bytes held back at the end of the buffer between searches.
    pub fn hold(&self) -> usize {
        self.hold
    }

    /// The end of the open stretch, in virtual memory.
    fn end(&self) -> Option<u64> {
        self.open
            .then(|| self.base.wrapping_add(self.buffer.len() as u64))
    }

    /// Search the buffer. Unless `last`, matches starting in the held-back
    /// tail are left for the next search.
    fn search(&mut self, last: bool) {
        let len = self.buffer.len();
        let limit = if last {
            len
        } else {
            len.saturating_sub(self.hold)
        };
        let mut at = self.from;
        while at < limit {
            let Some((start, end)) = self.matcher.find_at(&self.buffer, at) else {
                at = limit;
                break;
            };
            if start >= limit {
                at = limit;
                break;
            }
            self.record(start, end);
            at = end;
        }
        self.from = at.max(self.from);
        // Keep what the next search needs before its start: the context of
        // a match starting there, and room for look-behind assertions.
        let keep = self.context.max(LOOK_BEHIND);
        let drop = self.from.saturating_sub(keep).min(len);
        if drop > 0 {
            self.buffer.drain(..drop);
            self.base = self.base.wrapping_add(drop as u64);
            self.from -= drop;
        }
    }

    fn record(&mut self, start: usize, end: usize) {
        let from = start.saturating_sub(self.context);
        let to = end.saturating_add(self.context).min(self.buffer.len());
        if self.matches.len() >= MAX_MATCHES || self.text_kept + (to - from) > MAX_MATCH_TEXT {
            self.more += 1;
            return;
        }
        self.text_kept += to - from;
        let text = self.buffer[from..to]
            .iter()
            .map(|&b| {
                if (0x20..0x7f).contains(&b) {
                    char::from(b)
                } else {
                    '?'
                }
            })
            .collect();
        self.matches.push(SearchMatch {
            vaddr: self.base.wrapping_add(start as u64),
            text,
        });
    }

    /// End the open stretch: search all of it.
    fn close(&mut self) {
        if self.open {
            self.search(true);
        }
        self.buffer.clear();
        self.from = 0;
        self.open = false;
    }
}

impl MemorySink for Search {
    fn run(&mut self, vaddr: u64, _len: u64, present: bool) -> io::Result<()> {
        if !present || self.end() != Some(vaddr) {
            self.close();
        }
        if present && !self.open {
            self.base = vaddr;
            self.open = true;
        }
        Ok(())
    }

    fn data(&mut self, bytes: &[u8]) -> io::Result<()> {
        if !self.open {
            // Data after zeros within one run: a new stretch.
            self.open = true;
        }
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() - self.from >= self.hold + BATCH {
            self.search(false);
        }
        Ok(())
    }

    fn zeros(&mut self, len: u64) -> io::Result<()> {
        // Bytes not in the archive end the stretch; what follows them
        // starts after them.
        let end = self.end();
        self.close();
        if let Some(end) = end {
            self.base = end.wrapping_add(len);
        } else {
            self.base = self.base.wrapping_add(len);
        }
        Ok(())
    }
}

/// Print the matches as checkpointctl does: a table of address, text and
/// instance number, or one line saying there is none.
pub fn write_matches(
    out: &mut dyn Write,
    pattern: &Pattern,
    pid: u32,
    matches: &[SearchMatch],
) -> io::Result<()> {
    if matches.is_empty() {
        return writeln!(
            out,
            "No matches for pattern \"{}\" in the memory of PID {pid}",
            pattern.text()
        );
    }
    let mut rows = vec![
        vec!["ADDRESS".to_string(), "MATCH".into(), "INSTANCE".into()],
        vec!["-------".to_string(), "-----".into(), "--------".into()],
    ];
    for (i, m) in matches.iter().enumerate() {
        rows.push(vec![
            format!("{:016x}", m.vaddr),
            m.text.clone(),
            (i + 1).to_string(),
        ]);
    }
    write_aligned(out, &rows)
}

/// The matches as JSON: the archive, the process, the pattern, each match
/// with its address (as the table prints it, and as a number) and text,
/// and how many more were found than kept.
pub fn write_matches_json(
    out: &mut dyn Write,
    display: &str,
    pattern: &Pattern,
    pid: u32,
    matches: &[SearchMatch],
    more: u64,
) -> io::Result<()> {
    #[derive(serde::Serialize)]
    struct Match<'a> {
        instance: usize,
        address: String,
        vaddr: u64,
        #[serde(rename = "match")]
        text: &'a str,
    }
    #[derive(serde::Serialize)]
    struct Report<'a> {
        archive: &'a str,
        pid: u32,
        pattern: String,
        pattern_type: &'static str,
        matches: Vec<Match<'a>>,
        more_matches: u64,
    }
    let report = Report {
        archive: display,
        pid,
        pattern: pattern.text(),
        pattern_type: match pattern {
            Pattern::Literal(_) => "string",
            Pattern::Regex(_) => "regex",
        },
        matches: matches
            .iter()
            .enumerate()
            .map(|(i, m)| Match {
                instance: i + 1,
                address: format!("{:016x}", m.vaddr),
                vaddr: m.vaddr,
                text: &m.text,
            })
            .collect(),
        more_matches: more,
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn literal(s: &str) -> Pattern {
        Pattern::Literal(s.as_bytes().to_vec())
    }

    fn regex(s: &str) -> Pattern {
        Pattern::Regex(Regex::new(s).unwrap())
    }

    /// Feed `runs` (vaddr, bytes) in pieces of `piece` bytes.
    fn search(
        pattern: &Pattern,
        context: usize,
        runs: &[(u64, &[u8])],
        piece: usize,
    ) -> Vec<SearchMatch> {
        let mut search = Search::new(pattern, context);
        for (vaddr, bytes) in runs {
            search.run(*vaddr, bytes.len() as u64, true).unwrap();
            for chunk in bytes.chunks(piece) {
                search.data(chunk).unwrap();
            }
        }
        search.finish().0
    }

    fn at(vaddr: u64, text: &str) -> SearchMatch {
        SearchMatch {
            vaddr,
            text: text.to_string(),
        }
    }

    #[test]
    fn finds_a_match_across_chunks_and_contiguous_runs() {
        let mut first = vec![b'.'; 4096];
        first[4090..].copy_from_slice(b"SECRET");
        let mut second = vec![b'.'; 4096];
        second[..6].copy_from_slice(b"_TOKEN");
        for piece in [1, 7, 4096, 5000] {
            let found = search(
                &literal("SECRET_TOKEN"),
                2,
                &[(0x1000, &first), (0x2000, &second)],
                piece,
            );
            assert_eq!(found, [at(0x1ffa, "..SECRET_TOKEN..")], "pieces of {piece}");
        }
    }

    #[test]
    fn runs_with_a_gap_between_them_are_not_joined() {
        let found = search(&literal("ab"), 0, &[(0x1000, b"xa"), (0x3000, b"bx")], 1);
        assert!(found.is_empty());
        // Context stops at the end of the stretch too.
        let found = search(&literal("xa"), 3, &[(0x1000, b"xa"), (0x3000, b"bx")], 1);
        assert_eq!(found, [at(0x1000, "xa")]);
    }

    #[test]
    fn absent_bytes_end_a_stretch() {
        let mut search = Search::new(&literal("ab"), 0);
        search.run(0x1000, 16, true).unwrap();
        search.data(b"a").unwrap();
        search.zeros(15).unwrap();
        search.run(0x1010, 16, true).unwrap();
        search.data(b"b").unwrap();
        assert!(search.finish().0.is_empty());
    }

    #[test]
    fn matches_in_a_large_stretch_are_all_found_whatever_the_pieces() {
        // Matches far apart and near every batch edge.
        let mut bytes = vec![0u8; 3 * BATCH + 12345];
        let mut expected = Vec::new();
        let mut i = 100;
        while i + 8 < bytes.len() {
            bytes[i..i + 8].copy_from_slice(b"k3y=v4l\xff");
            expected.push(0x10_0000 + i as u64);
            i += 262_139;
        }
        for pattern in [literal("k3y=v4l"), regex(r"k3y=v\d+l")] {
            for piece in [4096, 128 * 1024 + 1, 1 << 20] {
                let found = search(&pattern, 4, &[(0x10_0000, &bytes)], piece);
                let addresses: Vec<u64> = found.iter().map(|m| m.vaddr).collect();
                assert_eq!(addresses, expected, "{pattern:?} in pieces of {piece}");
                assert!(found.iter().all(|m| m.text == "????k3y=v4l????"));
            }
        }
    }

    #[test]
    fn kept_match_text_stays_bounded_and_the_rest_is_counted() {
        // Every byte matches and keeps 128 KiB of context.
        let bytes = vec![b'A'; 1 << 20];
        let mut search = Search::new(&literal("A"), MAX_CONTEXT);
        search.run(0, bytes.len() as u64, true).unwrap();
        search.data(&bytes).unwrap();
        let (matches, more) = search.finish();
        let kept: usize = matches.iter().map(|m| m.text.len()).sum();
        assert!(kept <= MAX_MATCH_TEXT, "{kept}");
        assert!(kept > MAX_MATCH_TEXT - 2 * MAX_CONTEXT - 1, "{kept}");
        assert_eq!(matches.len() as u64 + more, bytes.len() as u64);
    }

    #[test]
    fn the_buffer_stays_bounded() {
        let mut search = Search::new(&regex("never"), 100);
        search.run(0, 64 << 20, true).unwrap();
        let chunk = vec![b'x'; 128 * 1024];
        for _ in 0..512 {
            search.data(&chunk).unwrap();
            assert!(search.buffer.len() <= search.hold() + BATCH + chunk.len() + 100);
        }
    }

    #[test]
    fn raw_bytes_are_matched_and_empty_matches_skipped() {
        let bytes = b"a\x00b a?b caf\xc3\xa9";
        let found = search(&literal("a?b"), 0, &[(0, bytes)], 3);
        assert_eq!(found, [at(4, "a?b")]);
        let found = search(&literal("café"), 0, &[(0, bytes)], 3);
        assert_eq!(found, [at(8, "caf??")]);
        let found = search(&regex("x*"), 0, &[(0, bytes)], 3);
        assert!(found.is_empty());
    }

    #[test]
    fn prints_the_table_or_the_no_match_line() {
        let mut out = Vec::new();
        write_matches(
            &mut out,
            &literal("TOKEN"),
            7,
            &[at(0x7ffc_402f_5fb0, "a TOKEN b")],
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "ADDRESS            MATCH       INSTANCE\n\
             -------            -----       --------\n\
             00007ffc402f5fb0   a TOKEN b   1\n"
        );
        let mut out = Vec::new();
        write_matches(&mut out, &literal("nope"), 7, &[]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "No matches for pattern \"nope\" in the memory of PID 7\n"
        );
    }
}
