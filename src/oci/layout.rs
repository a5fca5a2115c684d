//! Writing the image as an OCI image layout: in a folder, or in one tar
//! file (what `skopeo`'s `oci-archive:` transport reads).
//!
//! Both forms are made under a temporary name beside the target and get
//! the target's name only when complete, so the name never holds half an
//! image, and an error (or Ctrl-C, through
//! [`crate::output::remove_partial_files`]) leaves nothing behind. Only a
//! process killed outright leaves its `.partial` folder or file, under a
//! name that says so.
//!
//! **Folder.** Built as `<name>.ckpt-<pid>-<n>.partial/`; the layer is
//! written to `blobs/sha256/layer.partial` while the archive streams and
//! renamed to its digest at the end. An existing target is refused without
//! `--force`. With it, the old target is first renamed aside, then the new
//! folder renamed in, then the old one removed: for that moment the name
//! is missing, never half written. `--force` replaces only a file, an
//! empty folder or an OCI layout (a folder with an `oci-layout` file): a
//! typo must not delete a folder of something else. Without `--force`, a
//! folder that someone creates empty at the target while ckpt runs is
//! replaced (the rename allows it, and nothing is lost); one with content
//! is not.
//!
//! **Tar file.** Written through [`OutputFile`]. The layer's name in the
//! tar is its digest, known only once the layer is written, so its header
//! is first written as a placeholder block, the layer streamed after it,
//! and the header written over the placeholder at the end. That needs a
//! regular file: a pipe or a device is refused. Members: `oci-layout`,
//! `blobs/`, `blobs/sha256/`, the layer, the config, the manifest and
//! `index.json`, each owned by root, mode 0644 (folders 0755), time 0. A
//! layer over 8 GiB gets its size in the GNU base-256 form, which Go's
//! `archive/tar` (skopeo's reader), GNU tar and bsdtar read.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::oci::image::{Documents, OCI_LAYOUT};
use crate::oci::layer::Layer;
use crate::output::{OutputFile, exists, forget_partial, named, register_partial, sibling};

/// Name of the layer in the folder while it is written.
const LAYER_PARTIAL: &str = "layer.partial";
/// Buffer of the layer file in a folder layout.
const LAYER_BUFFER: usize = 256 * 1024;
/// A tar block.
const BLOCK: u64 = 512;

/// The two forms of output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayoutKind {
    /// A folder holding `oci-layout`, `index.json` and `blobs/`.
    Directory,
    /// The same in one tar file.
    Archive,
}

impl LayoutKind {
    /// A path whose name ends in `.tar` is a tar file; anything else a
    /// folder.
    pub fn of(path: &Path) -> LayoutKind {
        match path.extension() {
            Some(ext) if ext == "tar" => LayoutKind::Archive,
            _ => LayoutKind::Directory,
        }
    }
}

/// Prefix an I/O error with the path it concerns.
fn at(path: &Path) -> impl Fn(io::Error) -> io::Error + '_ {
    move |e| io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

/// Whether a folder layout may be written at `target`; see the module docs.
pub fn check_dir_target(target: &Path, force: bool) -> io::Result<()> {
    let meta = match fs::symlink_metadata(target) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(at(target)(e)),
        Ok(meta) => meta,
    };
    if !force {
        return Err(exists(target));
    }
    if meta.is_dir() && !replaceable(target) {
        return Err(named(
            target,
            io::ErrorKind::AlreadyExists,
            "is a folder that is neither empty nor an OCI layout; ckpt replaces only \
             those, even with --force",
        ));
    }
    Ok(())
}

/// An empty folder, or one holding an `oci-layout` file.
fn replaceable(dir: &Path) -> bool {
    dir.join("oci-layout").is_file()
        || fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_none())
}

/// A folder layout being built.
#[derive(Debug)]
pub(crate) struct DirTarget {
    target: PathBuf,
    temp: PathBuf,
    force: bool,
    placed: bool,
}

impl DirTarget {
    /// Check the target, make the temporary folder and open the layer's
    /// file in it.
    pub(crate) fn create(target: &Path, force: bool) -> io::Result<(DirTarget, BufWriter<File>)> {
        check_dir_target(target, force)?;
        let temp = sibling(target, "partial")?;
        register_partial(&temp);
        let dir = DirTarget {
            target: target.to_path_buf(),
            temp,
            force,
            placed: false,
        };
        fs::create_dir(&dir.temp).map_err(|e| {
            named(
                target,
                e.kind(),
                &format!("cannot be created: cannot make a folder beside it: {e}"),
            )
        })?;
        let blobs = dir.blobs();
        fs::create_dir_all(&blobs).map_err(at(&blobs))?;
        let path = blobs.join(LAYER_PARTIAL);
        let layer = File::create_new(&path).map_err(at(&path))?;
        Ok((dir, BufWriter::with_capacity(LAYER_BUFFER, layer)))
    }

    fn blobs(&self) -> PathBuf {
        self.temp.join("blobs").join("sha256")
    }

    /// Write the rest of the layout and give it the target's name.
    pub(crate) fn finish(
        mut self,
        layer_file: BufWriter<File>,
        layer: &Layer,
        docs: &Documents,
    ) -> io::Result<()> {
        let blobs = self.blobs();
        let partial = blobs.join(LAYER_PARTIAL);
        let file = layer_file
            .into_inner()
            .map_err(|e| at(&partial)(e.into_error()))?;
        file.sync_all().map_err(at(&partial))?;
        drop(file);
        let layer_path = blobs.join(hex(&layer.digest));
        fs::rename(&partial, &layer_path).map_err(at(&layer_path))?;

        for blob in [&docs.config, &docs.manifest] {
            write_synced(&blobs.join(hex(&blob.digest)), &blob.bytes)?;
        }
        write_synced(&self.temp.join("oci-layout"), OCI_LAYOUT)?;
        write_synced(&self.temp.join("index.json"), &docs.index)?;
        for dir in [&blobs, &self.temp.join("blobs"), &self.temp] {
            sync_dir(dir)?;
        }

        self.place()?;
        self.placed = true;
        forget_partial(&self.temp);
        if let Some(parent) = parent_of(&self.target) {
            // The rename itself is durable once the parent is synced.
            let _ = sync_dir(parent);
        }
        Ok(())
    }

    /// Rename the built folder to the target; see the module docs.
    fn place(&self) -> io::Result<()> {
        let target = &self.target;
        let old = match fs::symlink_metadata(target) {
            Ok(_) if !self.force => return Err(exists(target)),
            Ok(_) => {
                // Checked again: the target may have changed since the start.
                check_dir_target(target, true)?;
                let old = sibling(target, "old")?;
                fs::rename(target, &old).map_err(at(target))?;
                Some(old)
            }
            Err(_) => None,
        };
        if let Err(e) = fs::rename(&self.temp, target) {
            if let Some(old) = &old {
                let _ = fs::rename(old, target);
            }
            return Err(match e.kind() {
                // Something took the name meanwhile.
                io::ErrorKind::DirectoryNotEmpty
                | io::ErrorKind::AlreadyExists
                | io::ErrorKind::NotADirectory => exists(target),
                _ => at(target)(e),
            });
        }
        if let Some(old) = old {
            let removed = if fs::symlink_metadata(&old).is_ok_and(|m| m.is_dir()) {
                fs::remove_dir_all(&old)
            } else {
                fs::remove_file(&old)
            };
            removed.map_err(|e| {
                named(
                    &old,
                    e.kind(),
                    &format!("(the replaced output) could not be removed: {e}"),
                )
            })?;
        }
        Ok(())
    }
}

impl Drop for DirTarget {
    fn drop(&mut self) {
        if !self.placed {
            let _ = fs::remove_dir_all(&self.temp);
            forget_partial(&self.temp);
        }
    }
}

fn parent_of(path: &Path) -> Option<&Path> {
    match path.parent() {
        Some(p) if p.as_os_str().is_empty() => Some(Path::new(".")),
        other => other,
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = File::create_new(path).map_err(at(path))?;
    file.write_all(bytes).map_err(at(path))?;
    file.sync_all().map_err(at(path))
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(at(dir))
}

/// The hex part of `sha256:<hex>`: a blob's file name.
fn hex(digest: &str) -> &str {
    digest.strip_prefix("sha256:").unwrap_or(digest)
}

/// A tar file layout being written; the layer streams into the
/// [`OutputFile`] between [`ArchiveTarget::create`] and
/// [`ArchiveTarget::finish`].
#[derive(Debug)]
pub(crate) struct ArchiveTarget {
    /// Where the layer's header goes.
    header_at: u64,
}

impl ArchiveTarget {
    /// Open the output file and write what precedes the layer: the
    /// `oci-layout` member, the folders and the layer's placeholder header.
    pub(crate) fn create(target: &Path, force: bool) -> io::Result<(ArchiveTarget, OutputFile)> {
        let mut out = OutputFile::create(target, force)?;
        if out.temp_path().is_none() {
            return Err(named(
                target,
                io::ErrorKind::InvalidInput,
                "is not a regular file: the layer's tar header is written after the layer, \
                 which needs a file to go back in",
            ));
        }
        let mut written = 0;
        written += write_member(&mut out, "oci-layout", OCI_LAYOUT)?;
        for dir in ["blobs/", "blobs/sha256/"] {
            out.write_all(&tar_header(dir, 0, true))?;
            written += BLOCK;
        }
        out.write_all(&[0; BLOCK as usize])?;
        Ok((ArchiveTarget { header_at: written }, out))
    }

    /// Write the members after the layer, the end of the archive, then the
    /// layer's header over its placeholder, and give the file its name.
    pub(crate) fn finish(
        self,
        mut out: OutputFile,
        layer: &Layer,
        docs: &Documents,
    ) -> io::Result<()> {
        out.write_all(&padding(layer.size))?;
        for blob in [&docs.config, &docs.manifest] {
            let name = format!("blobs/sha256/{}", hex(&blob.digest));
            write_member(&mut out, &name, &blob.bytes)?;
        }
        write_member(&mut out, "index.json", &docs.index)?;
        out.write_all(&[0; 2 * BLOCK as usize])?;
        out.flush()?;

        let temp = out
            .temp_path()
            .expect("create refused a target without a temporary file");
        let header = tar_header(
            &format!("blobs/sha256/{}", hex(&layer.digest)),
            layer.size,
            false,
        );
        let file = fs::OpenOptions::new()
            .write(true)
            .open(temp)
            .map_err(at(temp))?;
        file.write_all_at(&header, self.header_at)
            .map_err(at(temp))?;
        // `commit` syncs the file (the same inode) before naming it.
        drop(file);
        out.commit()
    }
}

/// Write a regular member: header, data, padding. Returns the bytes
/// written.
fn write_member(out: &mut impl Write, name: &str, data: &[u8]) -> io::Result<u64> {
    out.write_all(&tar_header(name, data.len() as u64, false))?;
    out.write_all(data)?;
    let pad = padding(data.len() as u64);
    out.write_all(&pad)?;
    Ok(BLOCK + data.len() as u64 + pad.len() as u64)
}

/// Zeros up to the next block boundary after `size` bytes.
fn padding(size: u64) -> Vec<u8> {
    vec![0; ((BLOCK - size % BLOCK) % BLOCK) as usize]
}

/// A GNU tar header for a member of the layout: owned by root, time 0.
/// Sizes of 8 GiB and over take the base-256 form.
pub(crate) fn tar_header(name: &str, size: u64, dir: bool) -> [u8; BLOCK as usize] {
    let mut header = tar::Header::new_gnu();
    header
        .set_path(name)
        .expect("the layout's names are short and plain");
    header.set_size(size);
    header.set_mode(if dir { 0o755 } else { 0o644 });
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(0);
    header.set_entry_type(if dir {
        tar::EntryType::Directory
    } else {
        tar::EntryType::Regular
    });
    header.set_cksum();
    *header.as_bytes()
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Read};

    use super::*;
    use crate::oci::image::Blob;
    use crate::oci::layer::{LayerCompression, sha256_of};

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn layer_of(bytes: &[u8]) -> Layer {
        Layer {
            digest: sha256_of(bytes),
            size: bytes.len() as u64,
            diff_id: sha256_of(bytes),
            tar_size: bytes.len() as u64,
            compression: LayerCompression::None,
        }
    }

    fn docs() -> Documents {
        let blob = |text: &str| Blob {
            bytes: text.as_bytes().to_vec(),
            digest: sha256_of(text.as_bytes()),
        };
        Documents {
            config: blob(r#"{"config":1}"#),
            manifest: blob(r#"{"manifest":1}"#),
            index: br#"{"index":1}"#.to_vec(),
        }
    }

    #[test]
    fn layout_kind_follows_the_extension() {
        assert_eq!(LayoutKind::of(Path::new("a/img.tar")), LayoutKind::Archive);
        assert_eq!(LayoutKind::of(Path::new("img")), LayoutKind::Directory);
        assert_eq!(
            LayoutKind::of(Path::new("img.tar.gz")),
            LayoutKind::Directory
        );
        assert_eq!(LayoutKind::of(Path::new("x.tar/")), LayoutKind::Archive);
    }

    #[test]
    fn headers_read_back_with_their_sizes_names_and_checksums() {
        for size in [
            0,
            1,
            511,
            512,
            (8 << 30) - 1,
            8 << 30,
            17 << 30,
            u64::MAX >> 1,
        ] {
            let bytes = tar_header("blobs/sha256/abc", size, false);
            let header = tar::Header::from_byte_slice(&bytes);
            assert_eq!(header.entry_size().unwrap(), size, "{size}");
            assert_eq!(header.path_bytes().as_ref(), b"blobs/sha256/abc");
            assert_eq!(header.cksum().unwrap(), recomputed_checksum(&bytes));
            assert_eq!(header.entry_type(), tar::EntryType::Regular);
            assert_eq!(header.mode().unwrap(), 0o644);
            assert_eq!(header.mtime().unwrap(), 0);
            // base-256 only where octal cannot hold the size.
            assert_eq!(bytes[124] & 0x80 != 0, size >= 8 << 30, "{size}");
        }
        let dir = tar::Header::from_byte_slice(&tar_header("blobs/", 0, true)).clone();
        assert_eq!(dir.entry_type(), tar::EntryType::Directory);
        assert_eq!(dir.mode().unwrap(), 0o755);
    }

    fn recomputed_checksum(header: &[u8]) -> u32 {
        header
            .iter()
            .enumerate()
            .map(|(i, &b)| {
                if (148..156).contains(&i) {
                    32
                } else {
                    u32::from(b)
                }
            })
            .sum()
    }

    #[test]
    fn the_tar_form_holds_the_layout_with_the_layer_header_patched() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("image.tar");
        let layer_bytes: Vec<u8> = (0..1300u32).map(|i| (i % 251) as u8).collect();
        let (archive, mut out) = ArchiveTarget::create(&target, false).unwrap();
        out.write_all(&layer_bytes).unwrap();
        let layer = layer_of(&layer_bytes);
        let docs = docs();
        assert!(!target.exists(), "named only once complete");
        archive.finish(out, &layer, &docs).unwrap();
        assert_eq!(entries(dir.path()), ["image.tar"]);

        let bytes = fs::read(&target).unwrap();
        let mut tar = tar::Archive::new(Cursor::new(&bytes));
        let mut got = Vec::new();
        for entry in tar.entries().unwrap() {
            let mut entry = entry.unwrap();
            let header = entry.header().clone();
            assert_eq!(
                header.cksum().unwrap(),
                recomputed_checksum(header.as_bytes())
            );
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            let name = String::from_utf8(entry.path_bytes().into_owned()).unwrap();
            got.push((name, header.entry_type(), data));
        }
        let blob = |digest: &str| format!("blobs/sha256/{}", hex(digest));
        let expected = vec![
            (
                "oci-layout".to_string(),
                tar::EntryType::Regular,
                OCI_LAYOUT.to_vec(),
            ),
            ("blobs/".to_string(), tar::EntryType::Directory, vec![]),
            (
                "blobs/sha256/".to_string(),
                tar::EntryType::Directory,
                vec![],
            ),
            (blob(&layer.digest), tar::EntryType::Regular, layer_bytes),
            (
                blob(&docs.config.digest),
                tar::EntryType::Regular,
                docs.config.bytes.clone(),
            ),
            (
                blob(&docs.manifest.digest),
                tar::EntryType::Regular,
                docs.manifest.bytes.clone(),
            ),
            (
                "index.json".to_string(),
                tar::EntryType::Regular,
                docs.index.clone(),
            ),
        ];
        assert_eq!(got, expected);
        assert_eq!(bytes.len() % 512, 0);
        assert!(bytes[bytes.len() - 1024..].iter().all(|&b| b == 0));
    }

    #[test]
    fn the_tar_form_needs_a_regular_file_and_leaves_nothing_on_error() {
        let err = ArchiveTarget::create(Path::new("/dev/null"), false).unwrap_err();
        assert!(err.to_string().contains("is not a regular file"), "{err}");

        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("image.tar");
        let (_archive, mut out) = ArchiveTarget::create(&target, false).unwrap();
        out.write_all(b"half a layer").unwrap();
        drop(out);
        assert!(entries(dir.path()).is_empty());
    }

    #[test]
    fn the_folder_form_is_complete_when_named_and_nothing_stays_on_error() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("image");
        let (layout, mut file) = DirTarget::create(&target, false).unwrap();
        assert!(!target.exists());
        file.write_all(b"layer").unwrap();
        let layer = layer_of(b"layer");
        let docs = docs();
        layout.finish(file, &layer, &docs).unwrap();
        assert_eq!(entries(dir.path()), ["image"]);
        assert_eq!(entries(&target), ["blobs", "index.json", "oci-layout"]);
        let mut blobs = vec![
            hex(&layer.digest).to_string(),
            hex(&docs.config.digest).to_string(),
            hex(&docs.manifest.digest).to_string(),
        ];
        blobs.sort();
        assert_eq!(entries(&target.join("blobs/sha256")), blobs);
        assert_eq!(fs::read(target.join("oci-layout")).unwrap(), OCI_LAYOUT);
        assert_eq!(fs::read(target.join("index.json")).unwrap(), docs.index);

        let other = dir.path().join("other");
        let (layout, mut file) = DirTarget::create(&other, false).unwrap();
        file.write_all(b"half").unwrap();
        drop(file);
        drop(layout);
        assert_eq!(entries(dir.path()), ["image"]);
    }

    #[test]
    fn force_replaces_a_layout_but_not_a_folder_of_something_else() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("image");
        let build = |force: bool| -> io::Result<()> {
            let (layout, mut file) = DirTarget::create(&target, force)?;
            file.write_all(b"layer")?;
            layout.finish(file, &layer_of(b"layer"), &docs())
        };
        build(false).unwrap();
        let err = build(false).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert!(
            err.to_string()
                .ends_with("image exists already; pass --force to replace it")
        );
        build(true).unwrap();
        assert_eq!(entries(dir.path()), ["image"], "the old one is gone");

        let precious = dir.path().join("precious");
        fs::create_dir(&precious).unwrap();
        fs::write(precious.join("thesis.txt"), b"years").unwrap();
        let err = DirTarget::create(&precious, true).unwrap_err();
        assert!(
            err.to_string().contains("neither empty nor an OCI layout"),
            "{err}"
        );
        assert_eq!(fs::read(precious.join("thesis.txt")).unwrap(), b"years");
        assert_eq!(entries(dir.path()), ["image", "precious"]);
    }

    #[test]
    fn a_folder_that_appears_meanwhile_is_not_replaced_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("image");
        let (layout, mut file) = DirTarget::create(&target, false).unwrap();
        file.write_all(b"layer").unwrap();
        fs::create_dir(&target).unwrap();
        fs::write(target.join("theirs"), b"x").unwrap();
        let err = layout
            .finish(file, &layer_of(b"layer"), &docs())
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(entries(&target), ["theirs"]);
        assert_eq!(entries(dir.path()), ["image"], "the built folder is gone");
    }

    #[test]
    fn a_folder_beside_a_missing_parent_cannot_be_made() {
        let dir = tempfile::tempdir().unwrap();
        let err = DirTarget::create(&dir.path().join("no/such/image"), false).unwrap_err();
        assert!(err.to_string().contains("cannot be created"), "{err}");
        assert!(entries(dir.path()).is_empty());
    }

    #[test]
    fn partial_folders_are_registered_until_placed_or_dropped() {
        let registered = crate::output::is_partial;
        let dir = tempfile::tempdir().unwrap();
        let (layout, file) = DirTarget::create(&dir.path().join("a"), false).unwrap();
        let temp = layout.temp.clone();
        assert!(registered(&temp) && temp.is_dir());
        drop(file);
        drop(layout);
        assert!(!registered(&temp) && !temp.exists());
    }
}
