//! Files and folders the user asked ckpt to write (`memparse --output`,
//! `build --output`), made so that the name never holds half of one.
//!
//! The content goes to a temporary file beside the target (same folder, so
//! the final rename cannot cross file systems), named
//! `<name>.ckpt-<pid>-<n>.partial`. [`OutputFile::commit`] flushes it to
//! disk and only then gives it the target's name; dropping it uncommitted
//! (an error in the middle) removes it, and so does
//! [`remove_partial_files`], which the command line calls when it is
//! interrupted (Ctrl-C, SIGTERM). Only a process killed outright (SIGKILL)
//! leaves the `.partial` file behind, visible beside the target, never a
//! truncated file under the name.
//!
//! An existing target is kept unless `force` is set: without it the final
//! step is a hard link, which fails if the name was taken meanwhile, so
//! even a file created while ckpt ran is not overwritten.
//!
//! A target that is not a regular file (`/dev/null`, `/dev/stdout`, a FIFO,
//! or a symbolic link to one) is written directly, as a shell redirection
//! would: it has no content to lose and cannot be replaced by renaming.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Temporary files and folders being written, for
/// [`remove_partial_files`].
static PARTIAL: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Remove every temporary file or folder still being written (those of
/// [`OutputFile`] and of `build`'s layout folders): for a process that is
/// interrupted and about to exit.
pub fn remove_partial_files() {
    if let Ok(partial) = PARTIAL.lock() {
        for path in partial.iter() {
            if fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
                let _ = fs::remove_dir_all(path);
            } else {
                let _ = fs::remove_file(path);
            }
        }
    }
}

/// Note a temporary path for [`remove_partial_files`]; done before it is
/// created, so that an interruption right after its creation removes it.
pub(crate) fn register_partial(path: &Path) {
    if let Ok(mut partial) = PARTIAL.lock() {
        partial.push(path.to_path_buf());
    }
}

/// The temporary path is gone or has its final name.
pub(crate) fn forget_partial(path: &Path) {
    if let Ok(mut partial) = PARTIAL.lock() {
        partial.retain(|p| p != path);
    }
}

/// Whether `path` is noted for removal (for tests).
#[cfg(test)]
pub(crate) fn is_partial(path: &Path) -> bool {
    PARTIAL.lock().is_ok_and(|p| p.iter().any(|q| q == path))
}

/// A path beside `target`, named after it: `<name>.ckpt-<pid>-<n>.<what>`.
pub(crate) fn sibling(target: &Path, what: &str) -> io::Result<PathBuf> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = target
        .file_name()
        .ok_or_else(|| named(target, io::ErrorKind::InvalidInput, "names no file"))?;
    Ok(target.with_file_name(format!(
        "{}.ckpt-{}-{}.{what}",
        name.to_string_lossy(),
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )))
}

/// A file being written under a temporary name; see the module docs.
#[derive(Debug)]
pub struct OutputFile {
    target: PathBuf,
    /// `None` when the target is written directly (not a regular file).
    temp: Option<PathBuf>,
    force: bool,
    /// `None` once committed.
    file: Option<BufWriter<File>>,
}

impl OutputFile {
    /// Start writing `target`. Fails at once when `target` is an existing
    /// regular file and `force` is not set, or is a folder; the message
    /// names the path.
    pub fn create(target: &Path, force: bool) -> io::Result<OutputFile> {
        check_target(target, force)?;
        let cannot = |e: io::Error| named(target, e.kind(), &format!("cannot be created: {e}"));
        if is_special(target) {
            let file = OpenOptions::new()
                .write(true)
                .open(target)
                .map_err(cannot)?;
            return Ok(OutputFile {
                target: target.to_path_buf(),
                temp: None,
                force,
                file: Some(BufWriter::new(file)),
            });
        }
        let temp = sibling(target, "partial")?;
        register_partial(&temp);
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(|e| {
                forget_partial(&temp);
                cannot(e)
            })?;
        Ok(OutputFile {
            target: target.to_path_buf(),
            temp: Some(temp),
            force,
            file: Some(BufWriter::new(file)),
        })
    }

    /// The temporary file's path, `None` when the target is written
    /// directly (for tests and messages).
    pub fn temp_path(&self) -> Option<&Path> {
        self.temp.as_deref()
    }

    /// Flush the content to disk and give it the target's name.
    pub fn commit(mut self) -> io::Result<()> {
        let Some(buffered) = self.file.take() else {
            return Ok(());
        };
        let Some(temp) = self.temp.take() else {
            // Written directly: flushing is all there is.
            return buffered
                .into_inner()
                .map(drop)
                .map_err(io::IntoInnerError::into_error);
        };
        let file = buffered
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?;
        file.sync_all()?;
        drop(file);
        let placed = if self.force {
            fs::rename(&temp, &self.target)
        } else {
            // A hard link fails on an existing name: no overwrite, even of a
            // file that appeared while ckpt ran.
            fs::hard_link(&temp, &self.target).and_then(|()| fs::remove_file(&temp))
        };
        forget_partial(&temp);
        placed.map_err(|e| {
            let _ = fs::remove_file(&temp);
            match e.kind() {
                io::ErrorKind::AlreadyExists => exists(&self.target),
                kind => named(&self.target, kind, &format!("cannot be written: {e}")),
            }
        })
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.file.as_mut() {
            Some(file) => file.write(buf),
            None => Err(io::Error::other("output file already committed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.file.as_mut() {
            Some(file) => file.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        if self.file.take().is_some()
            && let Some(temp) = &self.temp
        {
            // Not committed: the content is incomplete.
            let _ = fs::remove_file(temp);
            forget_partial(temp);
        }
    }
}

/// Whether `target` may be written: not a folder, and not an existing
/// regular file unless `force`.
pub fn check_target(target: &Path, force: bool) -> io::Result<()> {
    match fs::metadata(target) {
        Ok(meta) if meta.is_dir() => Err(named(
            target,
            io::ErrorKind::InvalidInput,
            "is a folder, not a file name",
        )),
        _ if is_special(target) => Ok(()),
        _ if !force && fs::symlink_metadata(target).is_ok() => Err(exists(target)),
        _ => Ok(()),
    }
}

/// True for an existing target, or the target of a symbolic link, that is
/// neither a regular file nor a folder: a device, a FIFO, a socket.
fn is_special(target: &Path) -> bool {
    fs::metadata(target).is_ok_and(|meta| !meta.is_file() && !meta.is_dir())
}

pub(crate) fn exists(target: &Path) -> io::Error {
    named(
        target,
        io::ErrorKind::AlreadyExists,
        "exists already; pass --force to replace it",
    )
}

pub(crate) fn named(path: &Path, kind: io::ErrorKind, what: &str) -> io::Error {
    io::Error::new(kind, format!("{} {what}", path.display()))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::FileTypeExt;

    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn the_name_appears_only_when_committed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("dump.txt");
        let mut out = OutputFile::create(&target, false).unwrap();
        out.write_all(b"rows\n").unwrap();
        assert!(!target.exists());
        let temp = out.temp_path().unwrap().to_path_buf();
        assert!(temp.starts_with(dir.path()), "beside the target");
        assert!(temp.exists());
        out.commit().unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"rows\n");
        assert_eq!(entries(dir.path()), ["dump.txt"]);
    }

    #[test]
    fn an_uncommitted_file_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("dump.txt");
        let mut out = OutputFile::create(&target, false).unwrap();
        out.write_all(b"half").unwrap();
        drop(out);
        assert!(entries(dir.path()).is_empty());
    }

    #[test]
    fn an_existing_file_is_kept_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("dump.txt");
        fs::write(&target, b"old").unwrap();
        let err = OutputFile::create(&target, false).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert!(
            err.to_string()
                .ends_with("dump.txt exists already; pass --force to replace it")
        );

        let mut forced = OutputFile::create(&target, true).unwrap();
        forced.write_all(b"new").unwrap();
        forced.commit().unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"new");
        assert_eq!(entries(dir.path()), ["dump.txt"]);
    }

    #[test]
    fn a_file_that_appears_meanwhile_is_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("dump.txt");
        let mut out = OutputFile::create(&target, false).unwrap();
        out.write_all(b"mine").unwrap();
        fs::write(&target, b"theirs").unwrap();
        let err = out.commit().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&target).unwrap(), b"theirs");
        assert_eq!(
            entries(dir.path()),
            ["dump.txt"],
            "the temporary file is gone"
        );
    }

    fn registered(path: &Path) -> bool {
        is_partial(path)
    }

    #[test]
    fn unfinished_files_are_registered_for_removal_until_done() {
        // remove_partial_files itself would remove the files of the tests
        // running beside this one; the command line's test calls it.
        let dir = tempfile::tempdir().unwrap();
        let out = OutputFile::create(&dir.path().join("a.txt"), false).unwrap();
        let temp = out.temp_path().unwrap().to_path_buf();
        assert!(registered(&temp));
        out.commit().unwrap();
        assert!(!registered(&temp));

        let out = OutputFile::create(&dir.path().join("b.txt"), false).unwrap();
        let temp = out.temp_path().unwrap().to_path_buf();
        assert!(registered(&temp));
        drop(out);
        assert!(!registered(&temp));
    }

    #[test]
    fn special_files_are_written_directly_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let null = Path::new("/dev/null");
        let mut out = OutputFile::create(null, false).unwrap();
        assert_eq!(out.temp_path(), None);
        out.write_all(b"rows\n").unwrap();
        out.commit().unwrap();
        assert!(fs::metadata(null).unwrap().file_type().is_char_device());
        // Through a symbolic link too, which stays a link.
        let link = dir.path().join("null");
        std::os::unix::fs::symlink(null, &link).unwrap();
        let mut out = OutputFile::create(&link, true).unwrap();
        out.write_all(b"rows\n").unwrap();
        out.commit().unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(entries(dir.path()), ["null"]);
    }

    #[test]
    fn a_folder_or_a_missing_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = OutputFile::create(dir.path(), true).unwrap_err();
        assert!(err.to_string().contains("is a folder"), "{err}");
        let err = OutputFile::create(&dir.path().join("no/such/dump.txt"), false).unwrap_err();
        assert!(err.to_string().contains("cannot be created"), "{err}");
    }
}
