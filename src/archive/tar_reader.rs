//! The tar format, read header by header, with a cap on everything held.
//!
//! ckpt reads tar itself instead of through the `tar` crate because that
//! crate buffers GNU long names and PAX records whole, however large their
//! header says they are: one hostile header could make it allocate
//! gigabytes. Here every such body is read under a cap, and the checks a
//! forensic reader wants are explicit: the header checksum, numbers that
//! parse, an end-of-archive block (a stream that just stops is truncated,
//! not complete).
//!
//! What is read: POSIX ustar (with its name prefix), GNU (long names `L`
//! and long link names `K`, base-256 sizes, old sparse files with their
//! extension blocks), PAX extended headers (`x`: `path` and `size` are
//! used, the rest skipped) and PAX global headers (`g`: checked, not used),
//! and pre-POSIX archives without a magic. Sparse files are reported as
//! entries of another kind, with their stored size; they are not expanded.
//!
//! The reader yields each entry's header ([`TarReader::next_entry`]), then
//! its data on demand ([`TarReader::read_data`]); data not read is skipped
//! before the next header, by seeking where the input allows it.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek};

use crate::archive::progress::Metered;

/// Size of a tar block; headers and data are padded to it.
pub const BLOCK: u64 = 512;
/// Largest GNU long name or long link name. Linux paths are at most 4 KiB;
/// real archives' long names are a few hundred bytes.
pub const LONG_NAME_CAP: u64 = 64 * 1024;
/// Largest PAX header body. Go's writer (every engine's) puts a path, a
/// size and a few times there: well under 1 KiB.
pub const PAX_CAP: u64 = 1024 * 1024;
/// Size of the reads that skip data on a stream.
const SKIP_CHUNK: usize = 128 * 1024;

/// An input the tar reader can move forward in without reading, when it is
/// a file; a stream reads the bytes and drops them.
pub trait TarInput: Read {
    /// Move `n` bytes forward. `scratch` is a buffer for inputs that must
    /// read to skip. A file may be moved past its end: the caller checks
    /// entry sizes against the file's length.
    fn skip(&mut self, n: u64, scratch: &mut Vec<u8>) -> io::Result<()>;
}

impl TarInput for BufReader<Metered<File>> {
    fn skip(&mut self, n: u64, _: &mut Vec<u8>) -> io::Result<()> {
        seek_forward(self, n)
    }
}

/// Move a buffered seekable input `n` bytes forward (keeping what of them
/// is already buffered).
pub(crate) fn seek_forward<R: Seek>(reader: &mut BufReader<R>, n: u64) -> io::Result<()> {
    let mut left = n;
    while left > 0 {
        let step = left.min(i64::MAX as u64);
        // Within i64 by the line above.
        reader.seek_relative(step as i64)?;
        left -= step;
    }
    Ok(())
}

impl TarInput for Box<dyn Read + Send + '_> {
    fn skip(&mut self, n: u64, scratch: &mut Vec<u8>) -> io::Result<()> {
        skip_by_reading(self, n, scratch)
    }
}

/// Read and drop `n` bytes; ends short of them with `UnexpectedEof`.
pub fn skip_by_reading(reader: &mut dyn Read, n: u64, scratch: &mut Vec<u8>) -> io::Result<()> {
    if scratch.len() < SKIP_CHUNK {
        scratch.resize(SKIP_CHUNK, 0);
    }
    let mut left = n;
    while left > 0 {
        let want = usize::try_from(left).map_or(scratch.len(), |l| l.min(scratch.len()));
        match reader.read(&mut scratch[..want]) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(got) => left -= got as u64,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// What a tar entry is, as far as ckpt cares, from its type flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file (`0`, NUL, or contiguous `7`).
    File,
    /// A directory (`5`, or a pre-POSIX file whose name ends in `/`).
    Dir,
    /// A symbolic link (`2`).
    Symlink,
    /// A hard link (`1`).
    HardLink,
    /// Devices, FIFOs, GNU sparse files, volume labels, vendor types.
    Other,
}

/// One entry's header, with any long name or PAX record applied.
#[derive(Debug, Clone)]
pub struct TarHeader {
    /// The member name's bytes as stored (not normalised, maybe not UTF-8).
    pub name: Vec<u8>,
    /// A link's target as stored (empty for other entries).
    pub link: Vec<u8>,
    /// What the entry is.
    pub kind: EntryKind,
    /// Data size in bytes (a PAX `size` record wins over the header's).
    pub size: u64,
    /// Permission bits (and set-id and sticky bits), 0 when unreadable.
    pub mode: u32,
    /// Modification time in seconds since the epoch (a PAX `mtime` record
    /// wins), 0 when unreadable.
    pub mtime: u64,
    /// Owner's user and group IDs (PAX `uid` and `gid` records win), 0 when
    /// unreadable.
    pub uid: u64,
    /// See `uid`.
    pub gid: u64,
    /// The type flag byte as stored (`0` file, `3` character device, `6`
    /// FIFO, ...), for listings finer than [`EntryKind`].
    pub type_flag: u8,
    /// Where the data starts, in bytes of the tar stream.
    pub data_start: u64,
}

/// What [`TarReader::next_entry`] found.
#[derive(Debug)]
pub enum Next {
    /// A member.
    Entry(TarHeader),
    /// The end-of-archive block.
    End,
    /// The input ended cleanly where a header should start: the archive
    /// was cut there (a complete archive ends with a zero block).
    EndOfInput,
}

/// A long name or PAX record seen, waiting for the header it applies to.
#[derive(Default)]
struct Pending {
    name: Option<Vec<u8>>,
    link: Option<Vec<u8>>,
    size: Option<u64>,
    mtime: Option<u64>,
    uid: Option<u64>,
    gid: Option<u64>,
    sparse: bool,
    /// An extension header was read: a member must follow.
    any: bool,
}

/// Reads tar headers and data from `R`, counting the bytes of the stream.
pub struct TarReader<R> {
    inner: R,
    /// Bytes of the tar stream consumed so far.
    position: u64,
    /// Data bytes of the current entry not yet read.
    data_left: u64,
    /// Padding after the current entry's data.
    padding: u64,
    scratch: Vec<u8>,
}

impl<R: TarInput> TarReader<R> {
    /// A reader at the start of a tar stream.
    pub fn new(inner: R) -> Self {
        TarReader {
            inner,
            position: 0,
            data_left: 0,
            padding: 0,
            scratch: Vec::new(),
        }
    }

    /// Bytes of the tar stream consumed so far.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// The input, positioned after what was consumed.
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// Skip what is left of the current entry's data, then read headers up
    /// to the next member (applying long names and PAX records) or the end.
    ///
    /// Errors: `UnexpectedEof` when the input ends inside a header or an
    /// extension body (or inside skipped data), `InvalidData` for a header
    /// that is not a valid tar header or a body over its cap, with a
    /// message saying which.
    pub fn next_entry(&mut self) -> io::Result<Next> {
        self.skip_data()?;
        self.skip_padding()?;
        let mut pending = Pending::default();
        loop {
            let mut block = [0u8; BLOCK as usize];
            match self.read_block(&mut block)? {
                false if pending.any => {
                    return Err(io::ErrorKind::UnexpectedEof.into());
                }
                false => return Ok(Next::EndOfInput),
                true => {}
            }
            if block.iter().all(|&b| b == 0) {
                if pending.any {
                    return Err(invalid(
                        "a long name or PAX header is followed by the end of the archive",
                    ));
                }
                return Ok(Next::End);
            }
            check_checksum(&block)?;
            let size = parse_size(&block[124..136])?;
            let flag = block[156];
            match flag {
                b'L' | b'K' => {
                    let body = self.read_body(size, LONG_NAME_CAP, long_name_label(flag))?;
                    if flag == b'L' {
                        pending.name = Some(trim_nuls(body));
                    } else {
                        pending.link = Some(trim_nuls(body));
                    }
                    pending.any = true;
                }
                b'x' | b'g' => {
                    let body = self.read_body(size, PAX_CAP, "PAX header")?;
                    let records = parse_pax(&body)?;
                    if flag == b'x' {
                        records.apply(&mut pending);
                    }
                    // A global header sets defaults for later members; none
                    // of those ckpt reads (path, size) may be set globally
                    // by POSIX, so it is checked and passed over.
                    pending.any = pending.any || flag == b'x';
                }
                _ => {
                    if flag == b'S' {
                        self.skip_sparse_extensions(&block)?;
                        pending.sparse = true;
                    }
                    let name = pending.name.take().unwrap_or_else(|| header_name(&block));
                    let kind = kind_of(flag, &name, pending.sparse);
                    let link = match kind {
                        EntryKind::Symlink | EntryKind::HardLink => pending
                            .link
                            .take()
                            .unwrap_or_else(|| trim_nuls(block[157..257].to_vec())),
                        _ => Vec::new(),
                    };
                    let size = pending.size.unwrap_or(size);
                    self.data_left = size;
                    self.padding = padding(size);
                    // Mode, owner and time are only reported, never relied
                    // on: a field that does not parse reads as 0.
                    let mode = parse_octal(&block[100..108]).unwrap_or(0);
                    let number = |pax: Option<u64>, field: &[u8]| {
                        pax.or_else(|| parse_size(field).ok()).unwrap_or(0)
                    };
                    return Ok(Next::Entry(TarHeader {
                        name,
                        link,
                        kind,
                        size,
                        mode: u32::try_from(mode & 0o7777).unwrap_or(0),
                        mtime: number(pending.mtime, &block[136..148]),
                        uid: number(pending.uid, &block[108..116]),
                        gid: number(pending.gid, &block[116..124]),
                        type_flag: flag,
                        data_start: self.position,
                    }));
                }
            }
        }
    }

    /// Read the current entry's data into `buf`; 0 at its end. The input
    /// ending first is `UnexpectedEof`.
    pub fn read_data(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.data_left == 0 || buf.is_empty() {
            return Ok(0);
        }
        let want = usize::try_from(self.data_left).map_or(buf.len(), |l| l.min(buf.len()));
        loop {
            match self.inner.read(&mut buf[..want]) {
                Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(n) => {
                    self.data_left -= n as u64;
                    self.position += n as u64;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Skip what is left of the current entry's data.
    pub fn skip_data(&mut self) -> io::Result<()> {
        let n = std::mem::take(&mut self.data_left);
        self.inner.skip(n, &mut self.scratch)?;
        self.position = self.position.saturating_add(n);
        Ok(())
    }

    fn skip_padding(&mut self) -> io::Result<()> {
        let n = std::mem::take(&mut self.padding);
        self.inner.skip(n, &mut self.scratch)?;
        self.position += n;
        Ok(())
    }

    /// Fill `block`; false when the input ended before its first byte.
    fn read_block(&mut self, block: &mut [u8; BLOCK as usize]) -> io::Result<bool> {
        let mut filled = 0;
        while filled < block.len() {
            match self.inner.read(&mut block[filled..]) {
                Ok(0) if filled == 0 => return Ok(false),
                Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.position += BLOCK;
        Ok(true)
    }

    /// The body of an extension header, refused before reading when its
    /// size is over `cap`.
    fn read_body(&mut self, size: u64, cap: u64, what: &str) -> io::Result<Vec<u8>> {
        if size > cap {
            return Err(invalid(&format!(
                "{what} of {size} bytes, over the {cap}-byte limit"
            )));
        }
        // Within the cap, so within usize.
        let mut body = vec![0u8; size as usize];
        self.inner.read_exact(&mut body)?;
        self.position += size;
        self.padding = padding(size);
        self.skip_padding()?;
        Ok(body)
    }

    /// An old GNU sparse header may be followed by extension blocks of
    /// more sparse map entries, before the data; each says whether
    /// another follows.
    fn skip_sparse_extensions(&mut self, header: &[u8; BLOCK as usize]) -> io::Result<()> {
        let mut extended = header[482] != 0;
        while extended {
            let mut block = [0u8; BLOCK as usize];
            if !self.read_block(&mut block)? {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            extended = block[504] != 0;
        }
        Ok(())
    }
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_string())
}

fn long_name_label(flag: u8) -> &'static str {
    if flag == b'L' {
        "GNU long name"
    } else {
        "GNU long link name"
    }
}

fn padding(size: u64) -> u64 {
    (BLOCK - size % BLOCK) % BLOCK
}

fn trim_nuls(mut bytes: Vec<u8>) -> Vec<u8> {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    bytes.truncate(end);
    bytes
}

/// The header's checksum field against the sum of its bytes (the field
/// counted as spaces); old writers summed signed bytes, so that counts too.
fn check_checksum(block: &[u8; BLOCK as usize]) -> io::Result<()> {
    let stored = parse_octal(&block[148..156])
        .ok_or_else(|| invalid("the header checksum is not an octal number"))?;
    let field = 148..156;
    let (mut unsigned, mut signed) = (0u64, 0i64);
    for (i, &b) in block.iter().enumerate() {
        let b = if field.contains(&i) { b' ' } else { b };
        unsigned += u64::from(b);
        signed += i64::from(b as i8);
    }
    if stored == unsigned || i64::try_from(stored).is_ok_and(|s| s == signed) {
        Ok(())
    } else {
        Err(invalid(&format!(
            "header checksum {stored:o} does not match the header's bytes ({unsigned:o})"
        )))
    }
}

/// An octal number field: leading spaces, digits, then a space or NUL.
/// An empty field is 0.
fn parse_octal(field: &[u8]) -> Option<u64> {
    let digits = field
        .iter()
        .skip_while(|&&b| b == b' ')
        .take_while(|&&b| b != 0 && b != b' ');
    let mut value = 0u64;
    for &b in digits {
        if !(b'0'..=b'7').contains(&b) {
            return None;
        }
        value = value.checked_mul(8)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(value)
}

/// The size field: octal, or GNU's base-256 (high bit of the first byte
/// set) for sizes of 8 GiB and more.
fn parse_size(field: &[u8]) -> io::Result<u64> {
    let number = if field[0] & 0x80 != 0 {
        if field[0] != 0x80 {
            // 0xff starts a negative number; other high bits are unused.
            None
        } else {
            field[1..].iter().try_fold(0u64, |value, &b| {
                value.checked_mul(256)?.checked_add(u64::from(b))
            })
        }
    } else {
        parse_octal(field)
    };
    number.ok_or_else(|| {
        invalid(&format!(
            "the size field `{}` is not a number",
            String::from_utf8_lossy(field).escape_debug()
        ))
    })
}

/// The name of a header without a long name: `name`, after ustar's
/// `prefix` and a `/` when the header is POSIX ustar and has one.
fn header_name(block: &[u8; BLOCK as usize]) -> Vec<u8> {
    let name = trim_nuls(block[..100].to_vec());
    let posix = &block[257..263] == b"ustar\0";
    let prefix = trim_nuls(block[345..500].to_vec());
    if posix && !prefix.is_empty() {
        let mut full = prefix;
        full.push(b'/');
        full.extend_from_slice(&name);
        full
    } else {
        name
    }
}

fn kind_of(flag: u8, name: &[u8], sparse: bool) -> EntryKind {
    if sparse {
        return EntryKind::Other;
    }
    match flag {
        // Pre-POSIX archives mark folders only by the trailing slash.
        b'0' | 0 | b'7' if name.ends_with(b"/") => EntryKind::Dir,
        b'0' | 0 | b'7' => EntryKind::File,
        b'1' => EntryKind::HardLink,
        b'2' => EntryKind::Symlink,
        b'5' => EntryKind::Dir,
        _ => EntryKind::Other,
    }
}

/// What ckpt uses of a PAX header's records.
#[derive(Default)]
struct PaxRecords {
    path: Option<Vec<u8>>,
    linkpath: Option<Vec<u8>>,
    size: Option<u64>,
    mtime: Option<u64>,
    uid: Option<u64>,
    gid: Option<u64>,
    sparse: bool,
}

impl PaxRecords {
    fn apply(self, pending: &mut Pending) {
        if self.path.is_some() {
            pending.name = self.path;
        }
        if self.linkpath.is_some() {
            pending.link = self.linkpath;
        }
        if self.size.is_some() {
            pending.size = self.size;
        }
        if self.mtime.is_some() {
            pending.mtime = self.mtime;
        }
        if self.uid.is_some() {
            pending.uid = self.uid;
        }
        if self.gid.is_some() {
            pending.gid = self.gid;
        }
        pending.sparse |= self.sparse;
    }
}

/// A PAX record's decimal number; `None` when it is not one.
fn decimal(value: &[u8]) -> Option<u64> {
    std::str::from_utf8(value).ok()?.parse().ok()
}

/// Records are `LENGTH KEY=VALUE\n`, LENGTH counting the whole record.
fn parse_pax(body: &[u8]) -> io::Result<PaxRecords> {
    let mut records = PaxRecords::default();
    let mut rest = body;
    // Some writers pad the body with NULs.
    while !rest.is_empty() && rest[0] != 0 {
        let space = rest
            .iter()
            .position(|&b| b == b' ')
            .ok_or_else(|| invalid("a PAX record has no length"))?;
        let length = std::str::from_utf8(&rest[..space])
            .ok()
            .and_then(|digits| digits.parse::<usize>().ok())
            .filter(|&l| l > space + 1 && l <= rest.len())
            .ok_or_else(|| invalid("a PAX record's length is not a number within the header"))?;
        let record = &rest[space + 1..length];
        let Some((b'\n', record)) = record.split_last() else {
            return Err(invalid("a PAX record does not end in a newline"));
        };
        let equals = record
            .iter()
            .position(|&b| b == b'=')
            .ok_or_else(|| invalid("a PAX record has no `=`"))?;
        let (key, value) = (&record[..equals], &record[equals + 1..]);
        match key {
            b"path" => records.path = Some(value.to_vec()),
            b"linkpath" => records.linkpath = Some(value.to_vec()),
            b"size" => {
                let size = std::str::from_utf8(value)
                    .ok()
                    .and_then(|v| v.parse::<u64>().ok())
                    .ok_or_else(|| invalid("the PAX size record is not a number"))?;
                records.size = Some(size);
            }
            b"mtime" => {
                // Seconds, maybe with a fraction ("1733300000.123"); a
                // time before 1970 or not a number is left unread.
                let seconds = value.split(|&b| b == b'.').next().unwrap_or_default();
                records.mtime = decimal(seconds);
            }
            b"uid" => records.uid = decimal(value),
            b"gid" => records.gid = decimal(value),
            b"GNU.sparse.name" => {
                records.path = Some(value.to_vec());
                records.sparse = true;
            }
            key if key.starts_with(b"GNU.sparse.") => records.sparse = true,
            _ => {}
        }
        rest = &rest[length..];
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    /// A stream over bytes, skipping by reading.
    fn reader(bytes: Vec<u8>) -> TarReader<Box<dyn Read + Send>> {
        TarReader::new(Box::new(Cursor::new(bytes)))
    }

    fn header(name: &[u8], size: u64, flag: u8) -> [u8; 512] {
        let mut h = [0u8; 512];
        h[..name.len()].copy_from_slice(name);
        h[100..108].copy_from_slice(b"0000644\0");
        h[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
        h[156] = flag;
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        seal(&mut h);
        h
    }

    fn seal(h: &mut [u8; 512]) {
        h[148..156].copy_from_slice(b"        ");
        let sum: u64 = h.iter().map(|&b| u64::from(b)).sum();
        h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    }

    fn member(name: &[u8], data: &[u8], flag: u8) -> Vec<u8> {
        let mut out = header(name, data.len() as u64, flag).to_vec();
        out.extend_from_slice(data);
        out.resize(out.len() + padding(data.len() as u64) as usize, 0);
        out
    }

    fn end() -> Vec<u8> {
        vec![0u8; 1024]
    }

    fn entry(next: Next) -> TarHeader {
        match next {
            Next::Entry(header) => header,
            other => panic!("expected an entry, got {other:?}"),
        }
    }

    fn pax(records: &[(&str, &str)]) -> Vec<u8> {
        let mut body = Vec::new();
        for (key, value) in records {
            let tail = format!(" {key}={value}\n");
            // The length counts its own digits.
            let mut length = tail.len() + 1;
            while format!("{length}{tail}").len() != length {
                length += 1;
            }
            body.extend_from_slice(format!("{length}{tail}").as_bytes());
        }
        body
    }

    #[test]
    fn reads_what_the_tar_crate_writes() {
        let mut builder = tar::Builder::new(Vec::new());
        let long = format!("checkpoint/{}.img", "x".repeat(150));
        for (name, data) in [("config.dump", &b"{}"[..]), (long.as_str(), b"data")] {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o100600);
            h.set_uid(1000);
            h.set_gid(2000);
            h.set_mtime(1_796_323_549);
            builder.append_data(&mut h, name, data).unwrap();
        }
        let mut dir = tar::Header::new_ustar();
        dir.set_entry_type(tar::EntryType::Directory);
        dir.set_size(0);
        builder
            .append_data(&mut dir, "checkpoint/", &[][..])
            .unwrap();
        let mut r = reader(builder.into_inner().unwrap());

        let first = entry(r.next_entry().unwrap());
        assert_eq!(
            (first.name.as_slice(), first.kind, first.size),
            (&b"config.dump"[..], EntryKind::File, 2)
        );
        // The file type bits of the mode are not permissions.
        assert_eq!(first.mode, 0o600);
        assert_eq!(
            (first.uid, first.gid, first.mtime),
            (1000, 2000, 1_796_323_549)
        );
        let mut data = [0u8; 8];
        assert_eq!(r.read_data(&mut data).unwrap(), 2);
        assert_eq!(&data[..2], b"{}");
        assert_eq!(r.read_data(&mut data).unwrap(), 0);

        // A GNU long name; its data is skipped unread.
        let second = entry(r.next_entry().unwrap());
        assert_eq!(second.name, long.as_bytes());
        assert_eq!(second.size, 4);
        let third = entry(r.next_entry().unwrap());
        assert_eq!(
            (third.name.as_slice(), third.kind),
            (&b"checkpoint/"[..], EntryKind::Dir)
        );
        assert!(matches!(r.next_entry().unwrap(), Next::End));
    }

    #[test]
    fn ustar_prefix_and_pax_records_make_the_name_and_size() {
        let mut h = header(b"pages-1.img", 0, b'0');
        h[345..355].copy_from_slice(b"checkpoint");
        seal(&mut h);
        let mut bytes = h.to_vec();
        // A PAX size over the header's: the data is 600 bytes, not 0.
        bytes.extend(member(
            b"PaxHeaders/x",
            &pax(&[
                ("path", "a/long name"),
                ("size", "600"),
                ("mtime", "1.5"),
                ("uid", "100000"),
            ]),
            b'x',
        ));
        bytes.extend(header(b"short", 0, b'0'));
        bytes.extend(vec![7u8; 600]);
        bytes.resize(bytes.len() + padding(600) as usize, 0);
        bytes.extend(member(b"after", b"z", b'0'));
        bytes.extend(end());
        let mut r = reader(bytes);
        assert_eq!(
            entry(r.next_entry().unwrap()).name,
            b"checkpoint/pages-1.img"
        );
        let paxed = entry(r.next_entry().unwrap());
        assert_eq!(
            (paxed.name.as_slice(), paxed.size),
            (&b"a/long name"[..], 600)
        );
        // PAX records win over the header's fields; the rest come from it.
        assert_eq!((paxed.mtime, paxed.uid, paxed.gid), (1, 100_000, 0));
        assert_eq!((paxed.mode, paxed.type_flag), (0o644, b'0'));
        assert_eq!(entry(r.next_entry().unwrap()).name, b"after");
        assert!(matches!(r.next_entry().unwrap(), Next::End));
    }

    #[test]
    fn global_pax_headers_are_not_members() {
        let mut bytes = member(b"pax_global_header", &pax(&[("comment", "hi")]), b'g');
        bytes.extend(member(b"a", b"", b'0'));
        bytes.extend(end());
        let mut r = reader(bytes);
        assert_eq!(entry(r.next_entry().unwrap()).name, b"a");
        assert!(matches!(r.next_entry().unwrap(), Next::End));
    }

    #[test]
    fn long_names_and_pax_bodies_over_their_caps_are_refused_unread() {
        for (flag, cap, what) in [
            (b'L', LONG_NAME_CAP, "GNU long name"),
            (b'K', LONG_NAME_CAP, "GNU long link name"),
            (b'x', PAX_CAP, "PAX header"),
        ] {
            // The header claims cap + 1 bytes; none follow, so reading any
            // would end in UnexpectedEof instead.
            let mut bytes = header(b"././@LongLink", cap + 1, flag).to_vec();
            bytes.extend(end());
            let err = reader(bytes).next_entry().unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData);
            assert_eq!(
                err.to_string(),
                format!("{what} of {} bytes, over the {cap}-byte limit", cap + 1)
            );
        }
    }

    #[test]
    fn a_long_name_at_its_cap_is_read() {
        let name = vec![b'n'; LONG_NAME_CAP as usize];
        let mut bytes = member(b"././@LongLink", &name, b'L');
        bytes.extend(member(b"short", b"", b'0'));
        bytes.extend(end());
        assert_eq!(entry(reader(bytes).next_entry().unwrap()).name, name);
    }

    #[test]
    fn bad_checksums_sizes_and_pax_records_are_invalid_data() {
        let mut flipped = header(b"a", 0, b'0');
        flipped[0] = b'b';
        let mut bad_size = header(b"a", 0, b'0');
        bad_size[124..136].copy_from_slice(b"zzzzzzzzzzz\0");
        seal(&mut bad_size);
        let mut negative = header(b"a", 0, b'0');
        negative[124] = 0xff;
        seal(&mut negative);
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (flipped.to_vec(), "does not match"),
            (bad_size.to_vec(), "`zzzzzzzzzzz\\0` is not a number"),
            (negative.to_vec(), "is not a number"),
            (
                member(b"p", b"12 path=a\n", b'x'),
                "length is not a number within",
            ),
            (member(b"p", b"8 path=a", b'x'), "newline"),
            (member(b"p", b"8 patha\n", b'x'), "no `=`"),
            (member(b"p", b"pathonly", b'x'), "no length"),
            (member(b"p", b"11 size=1x\n", b'x'), "size record"),
        ];
        for (mut bytes, words) in cases {
            bytes.extend(end());
            let err = reader(bytes).next_entry().unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{words}");
            assert!(err.to_string().contains(words), "{err} lacks {words}");
        }
    }

    #[test]
    fn base_256_sizes_are_read() {
        let mut h = header(b"big", 0, b'0');
        h[124..136].copy_from_slice(&[0x80, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0]);
        seal(&mut h);
        let got = entry(reader(h.to_vec()).next_entry().unwrap());
        assert_eq!(got.size, 8 << 30);
    }

    #[test]
    fn where_the_input_ends_decides_the_outcome() {
        let whole = member(b"a", b"hello", b'0');
        // At a header boundary: cleanly, but without the end block.
        let mut r = reader(whole.clone());
        entry(r.next_entry().unwrap());
        assert!(matches!(r.next_entry().unwrap(), Next::EndOfInput));
        // Inside a header.
        let err = reader(whole[..100].to_vec()).next_entry().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        // Inside data being read.
        let mut r = reader(whole[..515].to_vec());
        entry(r.next_entry().unwrap());
        let mut buf = [0u8; 16];
        assert_eq!(r.read_data(&mut buf).unwrap(), 3);
        assert_eq!(
            r.read_data(&mut buf).unwrap_err().kind(),
            io::ErrorKind::UnexpectedEof
        );
        // After a long name, before its member.
        let long = member(b"././@LongLink", b"name", b'L');
        let err = reader(long.clone()).next_entry().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        let mut ended = long;
        ended.extend(end());
        let err = reader(ended).next_entry().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn sparse_files_are_other_and_their_extension_blocks_skipped() {
        let mut h = header(b"sparse", 3, b'S');
        h[482] = 1;
        seal(&mut h);
        let mut bytes = h.to_vec();
        let mut extension = [0u8; 512];
        extension[504] = 1;
        bytes.extend(extension);
        bytes.extend([0u8; 512]); // The last extension block.
        bytes.extend(b"abc");
        bytes.resize(bytes.len() + 509, 0);
        bytes.extend(member(b"next", b"", b'0'));
        bytes.extend(end());
        let mut r = reader(bytes);
        let sparse = entry(r.next_entry().unwrap());
        assert_eq!((sparse.kind, sparse.size), (EntryKind::Other, 3));
        assert_eq!(entry(r.next_entry().unwrap()).name, b"next");
    }

    #[test]
    fn kinds_follow_the_type_flag() {
        for (flag, name, kind) in [
            (b'0', &b"f"[..], EntryKind::File),
            (0, b"f", EntryKind::File),
            (0, b"d/", EntryKind::Dir),
            (b'7', b"f", EntryKind::File),
            (b'1', b"l", EntryKind::HardLink),
            (b'2', b"s", EntryKind::Symlink),
            (b'5', b"d", EntryKind::Dir),
            (b'6', b"fifo", EntryKind::Other),
            (b'V', b"label", EntryKind::Other),
        ] {
            let mut bytes = header(name, 0, flag).to_vec();
            bytes.extend(end());
            assert_eq!(
                entry(reader(bytes).next_entry().unwrap()).kind,
                kind,
                "{flag}"
            );
        }
    }

    #[test]
    fn link_targets_come_from_the_header_a_long_link_or_pax() {
        let mut symlink = header(b"config.dump", 0, b'2');
        symlink[157..168].copy_from_slice(b"/etc/passwd");
        seal(&mut symlink);
        let mut bytes = symlink.to_vec();
        bytes.extend(member(b"././@LongLink", b"spec.dump", b'K'));
        bytes.extend(header(b"hard", 0, b'1'));
        bytes.extend(member(b"p", &pax(&[("linkpath", "../../x")]), b'x'));
        bytes.extend(header(b"soft", 0, b'2'));
        bytes.extend(member(b"file", b"", b'0'));
        bytes.extend(end());
        let mut r = reader(bytes);
        let links: Vec<(EntryKind, Vec<u8>)> = (0..4)
            .map(|_| {
                let e = entry(r.next_entry().unwrap());
                (e.kind, e.link)
            })
            .collect();
        assert_eq!(
            links,
            [
                (EntryKind::Symlink, b"/etc/passwd".to_vec()),
                (EntryKind::HardLink, b"spec.dump".to_vec()),
                (EntryKind::Symlink, b"../../x".to_vec()),
                (EntryKind::File, Vec::new()),
            ]
        );
    }

    #[test]
    fn signed_checksums_of_old_writers_count() {
        let mut h = header("caf\u{e9}".as_bytes(), 0, b'0');
        h[148..156].copy_from_slice(b"        ");
        let signed: i64 = h.iter().map(|&b| i64::from(b as i8)).sum();
        h[148..156].copy_from_slice(format!("{signed:06o}\0 ").as_bytes());
        let got = entry(reader(h.to_vec()).next_entry().unwrap());
        assert_eq!(got.name, "caf\u{e9}".as_bytes());
    }
}
