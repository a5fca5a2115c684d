//! The framing of a CRIU image: header words, then size-prefixed entries.
//!
//! Most images start with the IMG_COMMON word and the image's own magic;
//! `inventory.img` has only its magic; `stats-dump` starts with IMG_SERVICE.
//! After the header come entries until the end of the file, each a
//! little-endian u32 size and that many bytes of one protobuf message.
//! Images are decoded from bytes already in memory (under the caller's cap),
//! so a size that claims more than the image holds is an error, never an
//! allocation.

use prost::Message;

use crate::error::{Error, Result};

/// First word of every normal image.
pub const COMMON_MAGIC: u32 = 0x5456_4319;
/// First word of `stats-dump`, `stats-restore` and `irmap-cache`.
pub const SERVICE_MAGIC: u32 = 0x5510_5940;

/// The image magics ckpt decodes.
pub mod magic {
    #![allow(missing_docs)]
    pub const INVENTORY: u32 = 0x5831_3116;
    pub const PSTREE: u32 = 0x5027_3030;
    pub const CORE: u32 = 0x5505_3847;
    pub const IDS: u32 = 0x5443_2030;
    pub const MM: u32 = 0x5749_2820;
    pub const PAGEMAP: u32 = 0x5608_4025;
    pub const FDINFO: u32 = 0x5621_3732;
    pub const FILES: u32 = 0x5630_3138;
    pub const FS: u32 = 0x5140_3912;
    pub const MNTS: u32 = 0x5556_3928;
    pub const TCP_STREAM: u32 = 0x5146_5506;
    pub const UTSNS: u32 = 0x5447_3203;
    pub const STATS: u32 = 0x5709_3306;
}

/// A CRIU image's entries, after its header was checked.
#[derive(Debug, Clone, Copy)]
pub struct Image<'a> {
    member: &'a str,
    entries: &'a [u8],
}

impl<'a> Image<'a> {
    /// Check that `bytes` start with the header of an image of `expected`
    /// magic and return the image. `member` names the image in errors.
    pub fn parse(member: &'a str, bytes: &'a [u8], expected: u32) -> Result<Image<'a>> {
        let first = word(bytes, 0).ok_or_else(|| bad(member, "shorter than its header"))?;
        let (magic, header_len) = if first == COMMON_MAGIC || first == SERVICE_MAGIC {
            let second = word(bytes, 4).ok_or_else(|| bad(member, "shorter than its header"))?;
            (second, 8)
        } else {
            (first, 4)
        };
        if magic != expected {
            return Err(bad(
                member,
                &format!("magic {magic:#010x} is not the expected {expected:#010x}"),
            ));
        }
        Ok(Image {
            member,
            entries: &bytes[header_len..],
        })
    }

    /// The raw entries in order.
    pub fn entries(&self) -> Entries<'a> {
        Entries {
            member: self.member,
            rest: self.entries,
            index: 0,
        }
    }

    /// Decode every entry as `M`.
    pub fn decode_all<M: Message + Default>(&self) -> Result<Vec<M>> {
        self.entries()
            .enumerate()
            .map(|(i, entry)| entry.and_then(|bytes| decode_entry(self.member, i, bytes)))
            .collect()
    }

    /// Decode the first entry as `M`; an image without entries is an error.
    /// Later entries (or trailing payload, as in `tcp-stream-*.img`) are not
    /// looked at.
    pub fn decode_first<M: Message + Default>(&self) -> Result<M> {
        match self.entries().next() {
            Some(entry) => decode_entry(self.member, 0, entry?),
            None => Err(bad(self.member, "holds no entry")),
        }
    }
}

/// Iterator over the size-prefixed entries of an image.
#[derive(Debug, Clone)]
pub struct Entries<'a> {
    member: &'a str,
    rest: &'a [u8],
    index: usize,
}

impl<'a> Iterator for Entries<'a> {
    type Item = Result<&'a [u8]>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let Some(size) = word(self.rest, 0) else {
            let problem = format!("entry {} has a cut size prefix", self.index);
            self.rest = &[];
            return Some(Err(bad(self.member, &problem)));
        };
        let size = size as usize;
        let available = self.rest.len() - 4;
        if size > available {
            let problem = format!(
                "entry {} claims {size} bytes, but only {available} remain",
                self.index
            );
            self.rest = &[];
            return Some(Err(bad(self.member, &problem)));
        }
        let entry = &self.rest[4..4 + size];
        self.rest = &self.rest[4 + size..];
        self.index += 1;
        Some(Ok(entry))
    }
}

/// Decode entry number `index` of image `member`.
pub fn decode_entry<M: Message + Default>(member: &str, index: usize, bytes: &[u8]) -> Result<M> {
    M::decode(bytes).map_err(|err| bad(member, &format!("entry {index} does not decode: {err}")))
}

/// The length-delimited fields numbered `tag` at the top level of the
/// protobuf message `bytes`, in order, without decoding anything else:
/// for repeated sub-messages that must be looked at one at a time rather
/// than collected. Yields one [`BrokenWire`] and stops where the wire
/// format is broken.
pub fn fields(bytes: &[u8], tag: u32) -> Fields<'_> {
    Fields { rest: bytes, tag }
}

/// Iterator of [`fields`].
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    rest: &'a [u8],
    tag: u32,
}

/// A protobuf message whose wire format does not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrokenWire;

impl<'a> Fields<'a> {
    /// The next field: its key and, for a length-delimited one, its value.
    fn field(&mut self) -> Option<(u64, &'a [u8])> {
        let key = varint(&mut self.rest)?;
        let length = match key & 7 {
            0 => {
                varint(&mut self.rest)?;
                0
            }
            1 => 8,
            2 => usize::try_from(varint(&mut self.rest)?).ok()?,
            5 => 4,
            _ => return None,
        };
        let value = self.rest.get(..length)?;
        self.rest = &self.rest[length..];
        Some((key, value))
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = std::result::Result<&'a [u8], BrokenWire>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.rest.is_empty() {
            let Some((key, value)) = self.field() else {
                self.rest = &[];
                return Some(Err(BrokenWire));
            };
            if key & 7 == 2 && key >> 3 == u64::from(self.tag) {
                return Some(Ok(value));
            }
        }
        None
    }
}

/// Read a base-128 varint from the front of `bytes`.
fn varint(bytes: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for (i, &b) in bytes.iter().enumerate().take(10) {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            *bytes = &bytes[i + 1..];
            return Some(value);
        }
    }
    None
}

fn word(bytes: &[u8], at: usize) -> Option<u32> {
    let four = bytes.get(at..at + 4)?;
    Some(u32::from_le_bytes([four[0], four[1], four[2], four[3]]))
}

fn bad(member: &str, problem: &str) -> Error {
    Error::BadMember {
        member: member.to_string(),
        problem: problem.to_string(),
    }
}

/// Encode `entries` as an image with `magic` (for tests and fixtures).
pub fn encode<M: Message>(magic: u32, entries: &[M]) -> Vec<u8> {
    let mut bytes = Vec::new();
    match magic {
        magic::INVENTORY => {}
        magic::STATS => bytes.extend_from_slice(&SERVICE_MAGIC.to_le_bytes()),
        _ => bytes.extend_from_slice(&COMMON_MAGIC.to_le_bytes()),
    }
    bytes.extend_from_slice(&magic.to_le_bytes());
    for entry in entries {
        let len = u32::try_from(entry.encoded_len()).unwrap_or(u32::MAX);
        bytes.extend_from_slice(&len.to_le_bytes());
        entry.encode_raw(&mut bytes);
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::criu::proto::{InventoryEntry, PstreeEntry};

    #[test]
    fn decodes_the_bytes_crit_writes() {
        // From CRIU's own encoder: a pstree entry pid 1 ppid 0 pgid 1 sid 1
        // threads [1], and an inventory with img_version 2, fdinfo_per_id.
        let pstree = [
            0x19, 0x43, 0x56, 0x54, 0x30, 0x30, 0x27, 0x50, 0x0a, 0, 0, 0, 0x08, 0x01, 0x10, 0x00,
            0x18, 0x01, 0x20, 0x01, 0x28, 0x01,
        ];
        let image = Image::parse("checkpoint/pstree.img", &pstree, magic::PSTREE).unwrap();
        let entries: Vec<PstreeEntry> = image.decode_all().unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!((entries[0].pid, entries[0].ppid, entries[0].sid), (1, 0, 1));
        assert_eq!(entries[0].threads, [1]);

        let inventory = [0x16, 0x31, 0x31, 0x58, 4, 0, 0, 0, 0x08, 0x02, 0x10, 0x01];
        let image = Image::parse("checkpoint/inventory.img", &inventory, magic::INVENTORY).unwrap();
        let entry: InventoryEntry = image.decode_first().unwrap();
        assert_eq!(entry.img_version, 2);
        assert_eq!(entry.fdinfo_per_id, Some(true));
    }

    #[test]
    fn encode_and_decode_round_trip() {
        let entries = vec![
            PstreeEntry {
                pid: 1,
                ppid: 0,
                pgid: 1,
                sid: 1,
                threads: vec![1],
            },
            PstreeEntry {
                pid: 7,
                ppid: 1,
                pgid: 1,
                sid: 1,
                threads: vec![7, 8],
            },
        ];
        let bytes = encode(magic::PSTREE, &entries);
        let image = Image::parse("pstree.img", &bytes, magic::PSTREE).unwrap();
        assert_eq!(image.decode_all::<PstreeEntry>().unwrap(), entries);
    }

    #[test]
    fn entry_claiming_more_than_the_image_holds_is_an_error() {
        let mut bytes = encode(magic::PSTREE, &[PstreeEntry::default()]);
        bytes[8] = 0xff;
        let err = Image::parse("checkpoint/pstree.img", &bytes, magic::PSTREE)
            .unwrap()
            .decode_all::<PstreeEntry>()
            .unwrap_err();
        assert!(
            err.to_string().contains("entry 0 claims 255 bytes"),
            "{err}"
        );
        assert!(err.to_string().contains("`checkpoint/pstree.img`"), "{err}");
    }

    #[test]
    fn wrong_magic_short_header_and_garbage_are_errors() {
        let bytes = encode(magic::CORE, &[PstreeEntry::default()]);
        assert!(Image::parse("x", &bytes, magic::PSTREE).is_err());
        assert!(Image::parse("x", &[0x19, 0x43], magic::PSTREE).is_err());
        let mut cut = encode(magic::PSTREE, &[PstreeEntry::default()]);
        cut.extend_from_slice(&[1, 0]);
        assert!(
            Image::parse("x", &cut, magic::PSTREE)
                .unwrap()
                .decode_all::<PstreeEntry>()
                .is_err()
        );
        let garbage = [
            0x19, 0x43, 0x56, 0x54, 0x30, 0x30, 0x27, 0x50, 2, 0, 0, 0, 0xff, 0xff,
        ];
        let image = Image::parse("x", &garbage, magic::PSTREE).unwrap();
        assert!(image.decode_all::<PstreeEntry>().is_err());
    }

    #[test]
    fn fields_finds_the_sub_messages_of_one_tag() {
        use crate::criu::proto::{MM_VMAS_TAG, MmEntry, VmaEntry};
        let vma = |start, end| VmaEntry {
            start,
            end,
            ..VmaEntry::default()
        };
        let mm = MmEntry {
            mm_arg_start: 300,
            mm_env_end: u64::MAX,
            exe_file_id: 7,
            vmas: vec![
                vma(0x1000, 0x2000),
                VmaEntry::default(),
                vma(1 << 40, 1 << 41),
            ],
            ..MmEntry::default()
        };
        let bytes = mm.encode_to_vec();
        let decoded: Vec<VmaEntry> = fields(&bytes, MM_VMAS_TAG)
            .map(|b| VmaEntry::decode(b.unwrap()).unwrap())
            .collect();
        assert_eq!(decoded, mm.vmas);
        assert_eq!(fields(&bytes, 99).count(), 0);
        // Cut inside the last VMA, or a bad wire type: broken, once.
        let cut: Vec<_> = fields(&bytes[..bytes.len() - 1], MM_VMAS_TAG).collect();
        assert_eq!(cut.len(), 3);
        assert_eq!(cut[2], Err(BrokenWire));
        assert_eq!(fields(&[0x0b], 1).collect::<Vec<_>>(), [Err(BrokenWire)]);
        assert_eq!(
            fields(&[0x08, 0xff], 1).collect::<Vec<_>>(),
            [Err(BrokenWire)]
        );
    }

    #[test]
    fn empty_image_has_no_entries() {
        let bytes = encode::<PstreeEntry>(magic::PSTREE, &[]);
        let image = Image::parse("x", &bytes, magic::PSTREE).unwrap();
        assert!(image.decode_all::<PstreeEntry>().unwrap().is_empty());
        assert!(image.decode_first::<PstreeEntry>().is_err());
    }
}
