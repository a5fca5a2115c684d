//! Telling the compression of an archive from its first bytes.
//!
//! File names lie (Podman users name zstd exports `.tar.gz` out of habit), so
//! only the magic numbers count. Plain tar has no magic at offset 0; it is
//! recognised by `ustar` at offset 257, or, for pre-POSIX v7 archives, by a
//! first header whose checksum is right.

use serde::Serialize;

use crate::error::{Error, Result};

/// How many leading bytes [`sniff`] wants to see: one tar header.
pub const SNIFF_LEN: usize = 512;

/// The compressions ckpt reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// A plain tar stream.
    #[default]
    None,
    /// One or more concatenated gzip members.
    Gzip,
    /// One or more zstd frames.
    Zstd,
}

impl Compression {
    /// The lowercase name used in reports and errors.
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];
const XZ_MAGIC: &[u8] = &[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const BZIP2_MAGIC: &[u8] = b"BZh";
const USTAR_OFFSET: usize = 257;

/// Decide the compression from the first bytes of the input.
///
/// `prefix` holds up to [`SNIFF_LEN`] bytes; fewer only when the input is
/// shorter than that.
pub fn sniff(prefix: &[u8]) -> Result<Compression> {
    if prefix.is_empty() {
        return Err(Error::Empty);
    }
    if prefix.starts_with(GZIP_MAGIC) {
        return Ok(Compression::Gzip);
    }
    if prefix.starts_with(ZSTD_MAGIC) || is_zstd_skippable(prefix) {
        return Ok(Compression::Zstd);
    }
    if prefix.starts_with(XZ_MAGIC) {
        return Err(Error::UnsupportedCompression("xz"));
    }
    if prefix.starts_with(BZIP2_MAGIC) {
        return Err(Error::UnsupportedCompression("bzip2"));
    }
    if prefix.get(USTAR_OFFSET..USTAR_OFFSET + 5) == Some(b"ustar") || has_valid_checksum(prefix) {
        return Ok(Compression::None);
    }
    Err(Error::NotTar)
}

/// True when the input starts with a zstd skippable frame (magic
/// `0x184D2A50` to `0x184D2A5F`), as pzstd writes before each frame to
/// record its size; libzstd reads past them.
fn is_zstd_skippable(prefix: &[u8]) -> bool {
    matches!(prefix, [first, 0x2a, 0x4d, 0x18, ..] if first & 0xf0 == 0x50)
}

/// True when `block` is a full 512-byte header whose checksum field matches
/// its bytes. An all-zero block does not count: it is an end marker.
fn has_valid_checksum(block: &[u8]) -> bool {
    let Some(block) = block.get(..SNIFF_LEN) else {
        return false;
    };
    if block.iter().all(|&b| b == 0) {
        return false;
    }
    let field = &block[148..156];
    let digits: String = field
        .iter()
        .map(|&b| b as char)
        .filter(|c| c.is_ascii_digit())
        .collect();
    let Ok(stored) = u32::from_str_radix(&digits, 8) else {
        return false;
    };
    // The checksum is computed with its own field read as eight spaces.
    let sum: u32 = block
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                u32::from(b' ')
            } else {
                u32::from(b)
            }
        })
        .sum();
    sum == stored
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_header() -> Vec<u8> {
        let mut header = tar::Header::new_gnu();
        header.set_path("config.dump").unwrap();
        header.set_size(3);
        header.set_cksum();
        header.as_bytes().to_vec()
    }

    #[test]
    fn detects_each_magic() {
        assert_eq!(sniff(&[0x1f, 0x8b, 8, 0]).unwrap(), Compression::Gzip);
        assert_eq!(
            sniff(&[0x28, 0xb5, 0x2f, 0xfd, 0]).unwrap(),
            Compression::Zstd
        );
        assert_eq!(
            sniff(&[0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0]).unwrap(),
            Compression::Zstd
        );
        assert_eq!(
            sniff(&[0x5f, 0x2a, 0x4d, 0x18, 4, 0, 0, 0]).unwrap(),
            Compression::Zstd
        );
        assert_eq!(sniff(&tar_header()).unwrap(), Compression::None);
    }

    #[test]
    fn names_xz_and_bzip2_as_unsupported() {
        let xz = sniff(&[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1]).unwrap_err();
        assert_eq!(
            xz.to_string(),
            "unsupported compression: xz (supported: none, gzip, zstd)"
        );
        assert!(matches!(
            sniff(b"BZh91AY&SY").unwrap_err(),
            Error::UnsupportedCompression("bzip2")
        ));
    }

    #[test]
    fn accepts_v7_header_by_checksum() {
        let mut header = tar::Header::new_old();
        header.set_path("spec.dump").unwrap();
        header.set_size(0);
        header.set_cksum();
        assert_eq!(sniff(header.as_bytes()).unwrap(), Compression::None);
    }

    #[test]
    fn rejects_text_and_empty_input() {
        assert!(matches!(
            sniff(b"hello, world\n").unwrap_err(),
            Error::NotTar
        ));
        assert!(matches!(sniff(&[0u8; 512]).unwrap_err(), Error::NotTar));
        assert!(matches!(sniff(&[]).unwrap_err(), Error::Empty));
    }

    #[test]
    fn rejects_header_with_wrong_checksum() {
        let mut header = tar::Header::new_old();
        header.set_path("spec.dump").unwrap();
        header.set_cksum();
        let mut bytes = header.as_bytes().to_vec();
        bytes[0] ^= 1;
        assert!(!has_valid_checksum(&bytes));
    }
}
