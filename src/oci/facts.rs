//! What the image needs beyond the report of `show`, read in the same pass.
//!
//! `Facts` is a scan part beside [`crate::inventory::Inventory`]. It
//! keeps:
//! - from CRIU's log (`dump.log`, at the root or in `checkpoint/`), the
//!   CRIU version (`Version: 4.2.1 (gitid 0)`) and the kernel release and
//!   machine of the host (`Running on NODE Linux RELEASE VERSION MACHINE`,
//!   CRIU's `uname`);
//! - the machine type of the first `checkpoint/core-*.img` that decodes:
//!   the architecture of the processes, and so of the host that dumped
//!   them.
//!
//! None of these is needed to build a valid image, so a member that cannot
//! be read is a warning, never an error: the key it would have filled is
//! left out (or, for the architecture, the build machine's is used).

use prost::Message;

use crate::archive::scan::{Entry, Interest, Part};
use crate::criu::image::{Image, magic};
use crate::error::Result;

/// Bytes of `dump.log` read: the version and `uname` lines are the first
/// few. The rest streams past unread.
const LOG_HEAD: usize = 64 * 1024;
/// Largest core image read. A real one is about 2 KiB.
const CORE_CAP: u64 = 1024 * 1024;

/// What `Facts` found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArchiveFacts {
    /// The CRIU version as CRIU's log prints it (`4.2.1`).
    pub criu_version: Option<String>,
    /// The host's kernel release from CRIU's log.
    pub kernel_release: Option<String>,
    /// The host's machine (`uname -m`) from CRIU's log.
    pub log_machine: Option<String>,
    /// The machine type of the CRIU images, and the image it came from.
    pub criu_machine: Option<(i32, String)>,
    /// Members that could not be used, each named.
    pub warnings: Vec<String>,
}

impl ArchiveFacts {
    /// The architecture of the checkpointed processes, as Go names it
    /// (`amd64`, `arm64`, ...), and where it was found: the CRIU images
    /// first (they are binary and exact), else CRIU's log.
    pub fn architecture(&self) -> Option<(&'static str, String)> {
        if let Some((mtype, member)) = &self.criu_machine
            && let Some(arch) = go_arch_of_criu_machine(*mtype)
        {
            return Some((arch, format!("`{member}`")));
        }
        let machine = self.log_machine.as_deref()?;
        go_arch_of_uname(machine).map(|arch| (arch, "CRIU's log".to_string()))
    }
}

/// The scan part; see the module docs.
#[derive(Debug, Default)]
pub(crate) struct Facts {
    found: ArchiveFacts,
    pending: Option<(Pending, Vec<u8>)>,
    /// A core image could not be used: the next ones are tried, silently.
    core_warned: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    Log,
    Core,
}

impl Facts {
    pub(crate) fn finish(self) -> ArchiveFacts {
        self.found
    }

    fn warn(&mut self, warning: String) {
        self.found.warnings.push(warning);
    }

    /// One warning for all the core images: a hostile archive may hold
    /// thousands of broken ones.
    fn warn_core(&mut self, warning: String) {
        if !self.core_warned {
            self.core_warned = true;
            self.warn(format!("{warning}; the later core images are tried"));
        }
    }

    fn read_log(&mut self, bytes: &[u8]) {
        let text = String::from_utf8_lossy(bytes);
        for line in text.lines() {
            // Each line starts with a time stamp: `(00.000026) Version: ...`.
            let message = line.split_once(") ").map_or(line, |(_, rest)| rest);
            if self.found.criu_version.is_none()
                && let Some(rest) = message.strip_prefix("Version: ")
            {
                let version = rest.split_whitespace().next().unwrap_or_default();
                if is_version(version) {
                    self.found.criu_version = Some(version.to_string());
                }
            }
            if self.found.kernel_release.is_none()
                && let Some(rest) = message.strip_prefix("Running on ")
            {
                // NODE SYSNAME RELEASE VERSION... MACHINE: the version has
                // spaces in it, the other fields do not.
                let fields: Vec<&str> = rest.split_whitespace().collect();
                if fields.len() >= 5 && fields[1] == "Linux" && is_plain(fields[2]) {
                    self.found.kernel_release = Some(fields[2].to_string());
                    let machine = fields[fields.len() - 1];
                    if is_plain(machine) {
                        self.found.log_machine = Some(machine.to_string());
                    }
                }
            }
        }
    }

    fn read_core(&mut self, member: &str, bytes: &[u8]) {
        /// The one field of `core_entry` wanted: `mtype`, field 1.
        #[derive(Clone, PartialEq, Message)]
        struct CoreMachine {
            #[prost(int32, optional, tag = "1")]
            mtype: Option<i32>,
        }
        let decoded = Image::parse(member, bytes, magic::CORE)
            .and_then(|image| image.decode_first::<CoreMachine>());
        match decoded {
            Ok(CoreMachine { mtype: Some(mtype) }) => {
                if go_arch_of_criu_machine(mtype).is_none() {
                    self.warn(format!(
                        "member `{member}`: machine type {mtype} is not one ckpt knows; \
                         the architecture comes from elsewhere"
                    ));
                }
                self.found.criu_machine = Some((mtype, member.to_string()));
            }
            Ok(CoreMachine { mtype: None }) => {
                self.warn_core(format!("member `{member}`: no machine type"));
            }
            Err(err) => self.warn_core(format!("{err}; its machine type is not used")),
        }
    }
}

impl Part for Facts {
    fn header(&mut self, entry: &Entry) -> Result<Interest> {
        if !entry.is_file() {
            return Ok(Interest::Skip);
        }
        let name = entry.name.as_str();
        let wanted = if (name == "dump.log" || name == "checkpoint/dump.log")
            && self.found.criu_version.is_none()
        {
            Some(Pending::Log)
        } else if self.found.criu_machine.is_none()
            && entry.size <= CORE_CAP
            && name
                .strip_prefix("checkpoint/core-")
                .and_then(|rest| rest.strip_suffix(".img"))
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        {
            Some(Pending::Core)
        } else {
            None
        };
        Ok(match wanted {
            Some(kind) => {
                let capacity = usize::try_from(entry.size).unwrap_or(0).min(LOG_HEAD);
                self.pending = Some((kind, Vec::with_capacity(capacity)));
                Interest::Data
            }
            None => Interest::Skip,
        })
    }

    fn chunk(&mut self, _: &Entry, bytes: &[u8]) -> Result<()> {
        if let Some((kind, buffer)) = &mut self.pending {
            let cap = match kind {
                Pending::Log => LOG_HEAD,
                // Checked against its cap from the header.
                Pending::Core => usize::MAX,
            };
            let take = cap.saturating_sub(buffer.len()).min(bytes.len());
            buffer.extend_from_slice(&bytes[..take]);
        }
        Ok(())
    }

    fn end(&mut self, entry: &Entry) -> Result<()> {
        match self.pending.take() {
            Some((Pending::Log, bytes)) => self.read_log(&bytes),
            Some((Pending::Core, bytes)) => self.read_core(&entry.name, &bytes),
            None => {}
        }
        Ok(())
    }
}

/// Digits and dots, as in `4.2.1`.
fn is_version(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 32
        && text.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && text.bytes().next().is_some_and(|b| b.is_ascii_digit())
}

/// A short run of printable ASCII without spaces, as a kernel release or a
/// machine name is: nothing else goes into an annotation from the log.
fn is_plain(text: &str) -> bool {
    !text.is_empty() && text.len() <= 128 && text.bytes().all(|b| b.is_ascii_graphic())
}

/// Go's name for the machine type of CRIU's `core_entry.march` (CRIU's
/// `images/core.proto`). CRIU's ppc64 support is little-endian only, and
/// its MIPS support is for 64-bit little-endian (Loongson) machines.
/// Later values are left unknown rather than guessed.
pub fn go_arch_of_criu_machine(mtype: i32) -> Option<&'static str> {
    Some(match mtype {
        1 => "amd64",
        2 => "arm",
        3 => "arm64",
        4 => "ppc64le",
        5 => "s390x",
        6 => "mips64le",
        7 => "loong64",
        _ => return None,
    })
}

/// Go's name for a `uname -m` machine.
pub fn go_arch_of_uname(machine: &str) -> Option<&'static str> {
    Some(match machine {
        "x86_64" => "amd64",
        "aarch64" | "arm64" => "arm64",
        "ppc64le" => "ppc64le",
        "s390x" => "s390x",
        "riscv64" => "riscv64",
        "loongarch64" => "loong64",
        "mips64" => "mips64le",
        m if m.starts_with("armv") => "arm",
        _ => return None,
    })
}

/// Go's name for the architecture ckpt was built for: the image's when the
/// archive does not say.
pub fn go_arch_of_build_machine() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" if cfg!(target_endian = "little") => "ppc64le",
        "powerpc64" => "ppc64",
        "loongarch64" => "loong64",
        "mips64" if cfg!(target_endian = "little") => "mips64le",
        // arm, riscv64, s390x, mips: Rust and Go spell these alike.
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::scan::EntryKind;
    use crate::criu::image::{COMMON_MAGIC, encode};

    fn entry(name: &str, size: u64) -> Entry {
        Entry {
            name: name.to_string(),
            kind: EntryKind::File,
            size,
            index: 0,
            stored_name: None,
            outside_root: false,
            link_target: None,
            data_offset: None,
        }
    }

    /// Hand `bytes` to `facts` as member `name`, in two chunks.
    fn feed(facts: &mut Facts, name: &str, bytes: &[u8]) -> Interest {
        let e = entry(name, bytes.len() as u64);
        let interest = facts.header(&e).unwrap();
        if interest == Interest::Data {
            let half = bytes.len() / 2;
            facts.chunk(&e, &bytes[..half]).unwrap();
            facts.chunk(&e, &bytes[half..]).unwrap();
            facts.end(&e).unwrap();
        }
        interest
    }

    #[derive(Clone, PartialEq, Message)]
    struct Core {
        #[prost(int32, required, tag = "1")]
        mtype: i32,
        #[prost(bytes = "vec", optional, tag = "3")]
        tc: Option<Vec<u8>>,
    }

    fn core_image(mtype: i32) -> Vec<u8> {
        encode(
            magic::CORE,
            &[Core {
                mtype,
                tc: Some(vec![1, 2]),
            }],
        )
    }

    #[test]
    fn reads_version_kernel_and_machine_from_criu_log() {
        let log = b"(00.000000) CRIU run id = d561\n\
                    (00.000026) Version: 4.2.1 (gitid 0)\n\
                    (00.000030) Running on vm Linux 6.18.44-fc-v1252 #1 SMP PREEMPT_DYNAMIC @0 x86_64\n\
                    (00.000090) Version: 9.9 (a second run)\n";
        let mut facts = Facts::default();
        assert_eq!(feed(&mut facts, "dump.log", log), Interest::Data);
        let found = facts.finish();
        assert_eq!(found.criu_version.as_deref(), Some("4.2.1"));
        assert_eq!(found.kernel_release.as_deref(), Some("6.18.44-fc-v1252"));
        assert_eq!(found.log_machine.as_deref(), Some("x86_64"));
        assert_eq!(
            found.architecture(),
            Some(("amd64", "CRIU's log".to_string()))
        );
    }

    #[test]
    fn a_log_without_those_lines_fills_nothing() {
        let mut facts = Facts::default();
        feed(
            &mut facts,
            "checkpoint/dump.log",
            b"Version: x.y\nRunning on short line\n\xff\xfe",
        );
        assert_eq!(facts.finish(), ArchiveFacts::default());
    }

    #[test]
    fn only_the_head_of_a_long_log_is_kept() {
        let mut facts = Facts::default();
        let mut log = vec![b'.'; LOG_HEAD + 10];
        log.extend_from_slice(b"\n(0) Version: 1.0\n");
        feed(&mut facts, "dump.log", &log);
        assert!(facts.pending.is_none());
        assert_eq!(facts.finish().criu_version, None, "past the head");
    }

    #[test]
    fn machine_type_of_the_first_core_image_that_decodes() {
        let mut facts = Facts::default();
        let mut broken = COMMON_MAGIC.to_le_bytes().to_vec();
        broken.extend_from_slice(b"junk");
        feed(&mut facts, "checkpoint/core-1.img", &broken);
        feed(&mut facts, "checkpoint/core-2.img", b"");
        assert_eq!(
            feed(&mut facts, "checkpoint/core-7.img", &core_image(3)),
            Interest::Data
        );
        assert_eq!(
            feed(&mut facts, "checkpoint/core-8.img", &core_image(1)),
            Interest::Skip,
            "one is enough"
        );
        assert_eq!(
            feed(&mut facts, "checkpoint/core-x.img", &core_image(1)),
            Interest::Skip
        );
        let found = facts.finish();
        assert_eq!(
            found.criu_machine,
            Some((3, "checkpoint/core-7.img".to_string()))
        );
        assert_eq!(
            found.architecture(),
            Some(("arm64", "`checkpoint/core-7.img`".to_string()))
        );
        assert_eq!(
            found.warnings,
            [
                "member `checkpoint/core-1.img`: magic 0x6b6e756a is not the expected \
              0x55053847; its machine type is not used; the later core images are tried"
            ],
            "one warning for the two broken images"
        );
    }

    #[test]
    fn an_unknown_machine_type_falls_back_to_the_log() {
        let mut facts = Facts::default();
        feed(&mut facts, "checkpoint/core-1.img", &core_image(42));
        feed(
            &mut facts,
            "dump.log",
            b"(0.1) Running on h Linux 6.1 #1 SMP aarch64\n",
        );
        let found = facts.finish();
        assert_eq!(found.architecture().unwrap().0, "arm64");
        assert!(found.warnings[0].contains("machine type 42 is not one ckpt knows"));
    }

    #[test]
    fn go_names_of_machines() {
        let criu: Vec<_> = (0..=8).map(go_arch_of_criu_machine).collect();
        assert_eq!(
            criu,
            [
                None,
                Some("amd64"),
                Some("arm"),
                Some("arm64"),
                Some("ppc64le"),
                Some("s390x"),
                Some("mips64le"),
                Some("loong64"),
                None
            ]
        );
        assert_eq!(go_arch_of_uname("armv7l"), Some("arm"));
        assert_eq!(go_arch_of_uname("i686"), None);
        let here = go_arch_of_build_machine();
        assert!(!here.is_empty() && here != "x86_64" && here != "aarch64");
    }
}
