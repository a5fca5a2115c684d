//! Synthetic checkpoint archives for tests and benchmarks.
//!
//! The builder writes archives of any size and shape in the layouts the
//! engines use: a Podman, CRI-O or containerd container, a CRI-O or
//! containerd pod (a folder per container), and a kubelet archive (pods as
//! nested tar files beside `checkpointed.pods`). Large members (memory
//! pages, the rootfs diff) are generated while they are written, so a
//! multi-GiB archive needs no memory.
//!
//! By default the CRIU images it writes carry the right header magics but
//! no entries: they are valid, empty images, whose sizes, names and layout
//! are what `show` reads. With [`ContainerFixture::criu`] set, it writes
//! real images with entries instead, for the decoding commands (see
//! [`criu`]).

use std::io::{self, Read, Write};

use crate::archive::compression::Compression;

pub mod criu;

use criu::CriuMembers;
pub use criu::{CriuFixture, FdFixture, ProcessFixture};

/// Size of a memory page in the pages images.
pub const PAGE: u64 = 4096;

/// The engine whose layout a container follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixtureEngine {
    /// Podman: long config.dump, network.status, devshm-checkpoint.tar.
    Podman,
    /// CRI-O: short config.dump, facts in spec.dump annotations.
    CriO,
    /// containerd: status file, gzip-compressed rootfs-diff.tar.
    Containerd,
}

/// One container to write.
#[derive(Debug, Clone)]
pub struct ContainerFixture {
    /// The engine's layout.
    pub engine: FixtureEngine,
    /// Container name.
    pub name: String,
    /// Full container ID.
    pub id: String,
    /// Rootfs image name.
    pub image: String,
    /// OCI runtime.
    pub runtime: String,
    /// Creation time, RFC 3339 with nanoseconds.
    pub created: String,
    /// Checkpoint time, when the engine records it.
    pub checkpointed: Option<String>,
    /// Pod name (CRI-O, containerd).
    pub pod_name: String,
    /// Kubernetes namespace (CRI-O, containerd).
    pub namespace: String,
    /// CRI-O's IP annotation.
    pub ip: String,
    /// Podman networks: (network, interface, ipnet, gateway, mac); an
    /// interface listed again gets a further address (dual stack).
    pub networks: Vec<(String, String, String, String, String)>,
    /// Number of processes: each gets core, mm, pagemap and pages images.
    pub processes: u32,
    /// Bytes of memory pages per process (a multiple of [`PAGE`]).
    pub pages_per_process: u64,
    /// Bytes of AMD GPU pages, written as one image.
    pub gpu_pages: u64,
    /// Extra small CRIU images (fdinfo, fs, ids, ...), for archives with
    /// many members.
    pub extra_images: u32,
    /// Bytes of the one file in rootfs-diff.tar, if there is a diff.
    pub rootfs_file: Option<u64>,
    /// How many files the rootfs diff's bytes are spread over: one
    /// (`var/lib/app/blob.bin`), or many of varied sizes.
    pub rootfs_files: u32,
    /// What the generated data (pages, rootfs diff) looks like to a
    /// compressor; with [`ContainerFixture::criu`] set, its own
    /// [`CriuFixture::data_shape`] rules the pages.
    pub data_shape: DataShape,
    /// Bytes of the one file in devshm-checkpoint.tar, if there is one.
    pub devshm_file: Option<u64>,
    /// Paths in deleted.files, if the member is written.
    pub deleted_files: Option<Vec<String>>,
    /// Named volumes: (name, bytes).
    pub volumes: Vec<(String, u64)>,
    /// Leave out the `checkpoint/` folder (a broken archive).
    pub without_checkpoint: bool,
    /// Replace spec.dump with these bytes.
    pub spec_override: Option<Vec<u8>>,
    /// Replace config.dump with these bytes.
    pub config_override: Option<Vec<u8>>,
    /// Write real CRIU images with entries, as described, instead of empty
    /// ones; `processes`, `pages_per_process` and `extra_images` are then
    /// not used.
    pub criu: Option<CriuFixture>,
    /// Write `checkpoint/` before `config.dump` and the other metadata, as
    /// CRI-O and containerd do (Podman writes the metadata first). Off by
    /// default, so that the committed fixtures keep their bytes.
    pub images_first: bool,
}

impl ContainerFixture {
    /// A large, realistic Podman container for measurements: real CRIU
    /// images for `processes` processes ([`CriuFixture::large`]) sharing
    /// `pages` bytes of memory pages, a rootfs diff holding one file of
    /// `rootfs_file` bytes, and `small_images` extra small members in
    /// `checkpoint/` (real dumps have a few per process, and one per tmpfs
    /// mount; large containers have thousands).
    pub fn large(
        processes: u32,
        pages: u64,
        rootfs_file: u64,
        small_images: u32,
    ) -> ContainerFixture {
        let mut criu = CriuFixture::large(processes, pages / u64::from(processes.max(1)));
        for i in 0..small_images {
            // An empty gzip stream, as CRIU's tmpfs images are gzip tarballs.
            let empty_gzip = vec![
                0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            ];
            criu.overrides.insert(
                format!("checkpoint/tmpfs-dev-{i}.tar.gz.img"),
                Some(empty_gzip),
            );
        }
        let mut container = ContainerFixture::new(FixtureEngine::Podman, "large");
        container.criu = Some(criu);
        container.rootfs_file = Some(rootfs_file);
        container
    }

    /// The same container with its generated data (pages, rootfs diff) of
    /// `shape`.
    pub fn with_shape(mut self, shape: DataShape) -> ContainerFixture {
        self.data_shape = shape;
        if let Some(criu) = &mut self.criu {
            criu.data_shape = shape;
        }
        self
    }

    /// A container with the given engine and name, small defaults for the
    /// rest, and an ID derived from the name.
    pub fn new(engine: FixtureEngine, name: &str) -> ContainerFixture {
        let id = derived_id(name);
        let (runtime, checkpointed) = match engine {
            FixtureEngine::Podman => ("crun", None),
            FixtureEngine::CriO => ("runc", Some("2026-11-30T10:00:05.5Z".to_string())),
            FixtureEngine::Containerd => (
                "io.containerd.runc.v2",
                Some("2026-11-30T10:00:05.283102067Z".to_string()),
            ),
        };
        ContainerFixture {
            engine,
            name: name.to_string(),
            id,
            image: format!("registry.example/{name}:1.0"),
            runtime: runtime.to_string(),
            created: "2026-11-30T09:59:01.123456789Z".to_string(),
            checkpointed,
            pod_name: String::new(),
            namespace: String::new(),
            ip: String::new(),
            networks: Vec::new(),
            processes: 2,
            pages_per_process: 8 * PAGE,
            gpu_pages: 0,
            extra_images: 4,
            rootfs_file: Some(3000),
            rootfs_files: 1,
            data_shape: DataShape::Realistic,
            devshm_file: if engine == FixtureEngine::Podman {
                Some(100)
            } else {
                None
            },
            deleted_files: match engine {
                FixtureEngine::Containerd => None,
                _ => Some(vec!["/etc/motd".to_string()]),
            },
            volumes: Vec::new(),
            without_checkpoint: false,
            spec_override: None,
            config_override: None,
            criu: None,
            images_first: false,
        }
    }

    fn annotations(&self) -> serde_json::Value {
        match self.engine {
            FixtureEngine::Podman => serde_json::json!({
                "io.container.manager": "libpod",
                "org.opencontainers.image.stopSignal": "15"
            }),
            FixtureEngine::CriO => serde_json::json!({
                "io.container.manager": "cri-o",
                "io.kubernetes.cri-o.Metadata":
                    serde_json::json!({"name": self.name, "attempt": 0}).to_string(),
                "io.kubernetes.cri-o.Created": self.created,
                "io.kubernetes.cri-o.IP.0": self.ip,
                "io.kubernetes.pod.name": self.pod_name,
                "io.kubernetes.pod.namespace": self.namespace,
                "io.kubernetes.container.name": self.name
            }),
            FixtureEngine::Containerd => serde_json::json!({
                "io.kubernetes.cri.container-name": self.name,
                "io.kubernetes.cri.container-type": "container",
                "io.kubernetes.cri.image-name": self.image,
                "io.kubernetes.cri.sandbox-name": self.pod_name,
                "io.kubernetes.cri.sandbox-namespace": self.namespace
            }),
        }
    }

    fn config_dump(&self) -> Vec<u8> {
        if let Some(bytes) = &self.config_override {
            return bytes.clone();
        }
        let mut config = serde_json::json!({
            "id": self.id,
            "name": self.name,
            "rootfsImageName": self.image,
            "runtime": self.runtime,
            "createdTime": self.created,
        });
        match self.engine {
            FixtureEngine::Podman => {
                config["CreateCommand"] = serde_json::json!(["podman", "run", "-d", self.image]);
                config["rootfsImageID"] = serde_json::json!(derived_id(&self.image));
            }
            FixtureEngine::CriO | FixtureEngine::Containerd => {
                config["rootfsImage"] = serde_json::json!(self.image);
                config["rootfsImageRef"] =
                    serde_json::json!(format!("sha256:{}", derived_id(&self.image)));
                config["checkpointedTime"] = serde_json::json!(self.checkpointed);
                config["restoredTime"] = serde_json::json!("0001-01-01T00:00:00Z");
                config["restored"] = serde_json::json!(false);
            }
        }
        json_bytes(&config)
    }

    fn spec_dump(&self) -> Vec<u8> {
        if let Some(bytes) = &self.spec_override {
            return bytes.clone();
        }
        json_bytes(&serde_json::json!({
            "ociVersion": "1.2.0",
            "process": {
                "user": {"uid": 0, "gid": 0},
                "args": ["/bin/sh", "-c", "sleep infinity"],
                "env": ["PATH=/usr/bin:/bin", format!("HOSTNAME={}", self.name)],
                "cwd": "/"
            },
            "root": {"path": "/var/lib/containers/rootfs"},
            "hostname": self.name,
            "mounts": [
                {"destination": "/proc", "type": "proc", "source": "proc"},
                {"destination": "/data", "type": "bind", "source": "/mnt/appdata", "options": ["rbind"]}
            ],
            "annotations": self.annotations(),
            "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "network"}]}
        }))
    }

    fn network_status(&self) -> Vec<u8> {
        if self.networks.is_empty() {
            return b"null".to_vec();
        }
        let mut status = serde_json::Map::new();
        for (network, iface, ipnet, gateway, mac) in &self.networks {
            let entry = status
                .entry(network.clone())
                .or_insert_with(|| serde_json::json!({"interfaces": {}}));
            let subnet = serde_json::json!({"ipnet": ipnet, "gateway": gateway});
            match entry["interfaces"][iface]["subnets"].as_array_mut() {
                Some(subnets) => subnets.push(subnet),
                None => {
                    entry["interfaces"][iface] =
                        serde_json::json!({"subnets": [subnet], "mac_address": mac});
                }
            }
        }
        json_bytes(&serde_json::Value::Object(status))
    }

    /// Write this container's members under `prefix` (`""` or `"<folder>/"`).
    fn write_members<W: Write>(&self, tar: &mut tar::Builder<W>, prefix: &str) -> io::Result<()> {
        let p = |name: &str| format!("{prefix}{name}");
        let criu = self.criu.as_ref().map(|c| c.members(self.gpu_pages));
        if self.images_first {
            self.write_images(tar, &p, criu.as_ref())?;
        }
        append(tar, &p("config.dump"), &self.config_dump())?;
        append(tar, &p("spec.dump"), &self.spec_dump())?;
        match self.engine {
            FixtureEngine::Podman => {
                append(tar, &p("network.status"), &self.network_status())?;
                append(tar, &p("ctr.log"), b"")?;
            }
            FixtureEngine::CriO => {
                append(tar, &p("bind.mounts"), b"[]")?;
                append(tar, &p("io.kubernetes.cri-o.LogPath"), b"log line\n")?;
            }
            FixtureEngine::Containerd => {
                let status = serde_json::json!({
                    "Version": "v1", "Pid": 4242,
                    "CreatedAt": 1_796_323_545_199_761_228_i64,
                    "StartedAt": 1_796_323_545_249_506_258_i64,
                    "FinishedAt": 0, "ExitCode": 0, "Reason": "", "Message": ""
                });
                append(tar, &p("status"), &json_bytes(&status))?;
                append(tar, &p("container.log"), b"")?;
            }
        }
        match &criu {
            Some(members) => {
                if let Some(stats) = &members.stats {
                    stats.append(tar, &p("stats-dump"))?;
                }
            }
            None => append(
                tar,
                &p("stats-dump"),
                &image_header(SERVICE_MAGIC, STATS_MAGIC),
            )?,
        }
        if !self.images_first {
            self.write_images(tar, &p, criu.as_ref())?;
        }

        if let Some(size) = self.rootfs_file {
            let diff = if self.rootfs_files > 1 {
                nested_tar_of(&rootfs_files(self.rootfs_files, size), 7, self.data_shape)
            } else {
                nested_tar_of(
                    &[("var/lib/app/blob.bin".to_string(), size)],
                    7,
                    self.data_shape,
                )
            };
            if self.engine == FixtureEngine::Containerd {
                // containerd stores its layer blob as is: gzip, despite the name.
                let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                io::copy(&mut diff.into_reader(), &mut gz)?;
                append(tar, &p("rootfs-diff.tar"), &gz.finish()?)?;
            } else {
                let size = diff.len();
                append_reader(tar, &p("rootfs-diff.tar"), size, diff.into_reader())?;
            }
        }
        if let Some(size) = self.devshm_file {
            let shm = nested_tar("hello.txt", size, 11);
            append_reader(
                tar,
                &p("devshm-checkpoint.tar"),
                shm.len(),
                shm.into_reader(),
            )?;
        }
        if let Some(paths) = &self.deleted_files {
            append(
                tar,
                &p("deleted.files"),
                &json_bytes(&serde_json::json!(paths)),
            )?;
        }
        for (name, size) in &self.volumes {
            let volume = nested_tar("data.bin", *size, 13);
            append_reader(
                tar,
                &p(&format!("volumes/{name}.tar")),
                volume.len(),
                volume.into_reader(),
            )?;
        }
        Ok(())
    }

    /// The `checkpoint/` folder and its images, unless it is left out.
    fn write_images<W: Write>(
        &self,
        tar: &mut tar::Builder<W>,
        p: &dyn Fn(&str) -> String,
        criu: Option<&CriuMembers>,
    ) -> io::Result<()> {
        if self.without_checkpoint {
            return Ok(());
        }
        append_dir(tar, &p("checkpoint/"))?;
        match criu {
            Some(members) => {
                for (name, body) in &members.checkpoint {
                    body.append(tar, &p(name))?;
                }
                Ok(())
            }
            None => self.write_empty_images(tar, p),
        }
    }

    /// The CRIU images of the default layout: valid, but without entries.
    fn write_empty_images<W: Write>(
        &self,
        tar: &mut tar::Builder<W>,
        p: &dyn Fn(&str) -> String,
    ) -> io::Result<()> {
        append(
            tar,
            &p("checkpoint/inventory.img"),
            &INVENTORY_MAGIC.to_le_bytes(),
        )?;
        append(
            tar,
            &p("checkpoint/pstree.img"),
            &image_header(COMMON_MAGIC, PSTREE_MAGIC),
        )?;
        for pid in 1..=self.processes {
            for (kind, magic) in [
                ("core", CORE_MAGIC),
                ("mm", MM_MAGIC),
                ("pagemap", PAGEMAP_MAGIC),
            ] {
                let name = p(&format!("checkpoint/{kind}-{pid}.img"));
                append(tar, &name, &image_header(COMMON_MAGIC, magic))?;
            }
            let pages = p(&format!("checkpoint/pages-{pid}.img"));
            let seed = u64::from(pid);
            append_generated(tar, &pages, self.pages_per_process, seed, self.data_shape)?;
        }
        if self.gpu_pages > 0 {
            append_generated(
                tar,
                &p("checkpoint/amdgpu-pages-1-0.img"),
                self.gpu_pages,
                99,
                self.data_shape,
            )?;
        }
        for i in 0..self.extra_images {
            let name = p(&format!("checkpoint/fdinfo-{}.img", i + 2));
            append(tar, &name, &image_header(COMMON_MAGIC, FDINFO_MAGIC))?;
        }
        Ok(())
    }
}

/// How `pod.options` lists the containers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodOptionsShape {
    /// Older writers: a list of names.
    List,
    /// Newer writers: short name to folder name.
    Map,
}

/// The shape of a whole archive.
#[derive(Debug, Clone)]
pub enum ArchiveFixture {
    /// A single container at the archive root.
    Container(Box<ContainerFixture>),
    /// A pod: `pod.options` (and `pod.dump` when `pod_dump`) at the root,
    /// a `<id>-<name>/` folder per container.
    Pod {
        /// Pod name.
        name: String,
        /// Kubernetes namespace.
        namespace: String,
        /// Pod UID.
        uid: String,
        /// Write `pod.dump` too (containerd does, CRI-O does not).
        pod_dump: bool,
        /// How `pod.options` lists the containers.
        options_shape: PodOptionsShape,
        /// The containers.
        containers: Vec<ContainerFixture>,
    },
    /// A kubelet archive: `checkpointed.pods` and a nested pod archive per pod.
    Kubelet {
        /// (pod name, namespace, engine, pod archive).
        pods: Vec<(String, String, FixtureEngine, ArchiveFixture)>,
    },
    /// Members exactly as given: (name, bytes).
    Raw(Vec<(String, Vec<u8>)>),
}

impl ArchiveFixture {
    /// The archive the benchmarks measure: a Podman container of about
    /// `content_mib` MiB of tar, of `shape`. Four processes with real CRIU
    /// images share all but 256 MiB as memory pages; the rest is a rootfs
    /// diff of 3000 files of varied sizes; 2000 small images besides, as a
    /// container with many tmpfs mounts has.
    pub fn bench(content_mib: u64, shape: DataShape) -> ArchiveFixture {
        let rootfs = 256u64.min(content_mib / 2);
        let pages = content_mib.saturating_sub(rootfs) << 20;
        let mut container = ContainerFixture::large(4, pages, rootfs << 20, 2000).with_shape(shape);
        container.rootfs_files = 3000;
        ArchiveFixture::Container(Box::new(container))
    }

    /// The length of the archive's tar stream, counted without writing it.
    pub fn tar_len(&self) -> u64 {
        struct Counter(u64);
        impl Write for Counter {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                self.0 += buf.len() as u64;
                Ok(buf.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut counter = Counter(0);
        // Writing to a counter cannot fail.
        self.write(&mut counter, Compression::None, false)
            .expect("counting does not fail");
        counter.0
    }

    /// Write the archive to the file `path`, unless a complete one is
    /// there: the file is written as `<path>.partial` and renamed when
    /// complete, then `<path>.len` records the tar length it holds. Returns
    /// the tar length. For large archives reused across runs (benches).
    pub fn write_file(&self, path: &std::path::Path, compression: Compression) -> io::Result<u64> {
        let expected = self.tar_len();
        let beside = |suffix: &str| {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            std::path::PathBuf::from(name)
        };
        let len_path = beside(".len");
        let recorded = std::fs::read_to_string(&len_path).ok();
        if path.exists() && recorded.as_deref().map(str::trim) == Some(&expected.to_string()) {
            return Ok(expected);
        }
        let partial = beside(".partial");
        let file = std::fs::File::create(&partial)?;
        let mut out = io::BufWriter::with_capacity(1 << 20, file);
        self.write(&mut out, compression, false)?;
        out.into_inner()
            .map_err(io::IntoInnerError::into_error)?
            .sync_all()?;
        std::fs::rename(&partial, path)?;
        std::fs::write(&len_path, format!("{expected}\n"))?;
        Ok(expected)
    }

    /// Write the archive with `compression` to `out`. Member names get a
    /// leading `./` when `dot_slash` is set, as some engines write them.
    pub fn write<W: Write>(
        &self,
        out: W,
        compression: Compression,
        dot_slash: bool,
    ) -> io::Result<()> {
        match compression {
            Compression::None => self.write_tar(out, dot_slash).map(drop),
            Compression::Gzip => {
                let gz = flate2::write::GzEncoder::new(out, flate2::Compression::fast());
                self.write_tar(gz, dot_slash)?.finish().map(drop)
            }
            Compression::Zstd => {
                let zst = zstd::stream::write::Encoder::new(out, 1)?;
                self.write_tar(zst, dot_slash)?.finish().map(drop)
            }
        }
    }

    /// The archive as bytes in memory.
    pub fn to_bytes(&self, compression: Compression) -> Vec<u8> {
        let mut out = Vec::new();
        // Writing to a Vec cannot fail.
        self.write(&mut out, compression, false)
            .expect("writing to memory does not fail");
        out
    }

    fn write_tar<W: Write>(&self, out: W, dot_slash: bool) -> io::Result<W> {
        let mut tar = tar::Builder::new(out);
        let prefix = if dot_slash { "./" } else { "" };
        self.write_members(&mut tar, prefix)?;
        tar.into_inner()
    }

    fn write_members<W: Write>(&self, tar: &mut tar::Builder<W>, prefix: &str) -> io::Result<()> {
        match self {
            ArchiveFixture::Container(c) => c.write_members(tar, prefix),
            ArchiveFixture::Pod {
                name,
                namespace,
                uid,
                pod_dump,
                options_shape,
                containers,
            } => {
                let folders: Vec<(String, String)> = containers
                    .iter()
                    .map(|c| (c.name.clone(), format!("{}-{}", c.id, c.name)))
                    .collect();
                let listed = match options_shape {
                    PodOptionsShape::List => {
                        serde_json::json!(folders.iter().map(|f| &f.1).collect::<Vec<_>>())
                    }
                    PodOptionsShape::Map => serde_json::json!(
                        folders
                            .iter()
                            .cloned()
                            .collect::<std::collections::BTreeMap<_, _>>()
                    ),
                };
                let options = serde_json::json!({
                    "version": 1,
                    "containers": listed,
                    "annotations": {"org.criu.checkpoint.pod.name": name}
                });
                append(tar, &format!("{prefix}pod.options"), &json_bytes(&options))?;
                if *pod_dump {
                    let dump = serde_json::json!({
                        "metadata": {"name": name, "uid": uid, "namespace": namespace},
                        "hostname": name
                    });
                    append(tar, &format!("{prefix}pod.dump"), &json_bytes(&dump))?;
                }
                for (c, (_, folder)) in containers.iter().zip(&folders) {
                    append_dir(tar, &format!("{prefix}{folder}/"))?;
                    c.write_members(tar, &format!("{prefix}{folder}/"))?;
                }
                Ok(())
            }
            ArchiveFixture::Kubelet { pods } => {
                let mut records = Vec::new();
                for (i, (name, namespace, engine, pod)) in pods.iter().enumerate() {
                    let sandbox = derived_id(&format!("sandbox-{name}"));
                    let containers: Vec<serde_json::Value> = match pod {
                        ArchiveFixture::Pod { containers, .. } => containers
                            .iter()
                            .map(|c| serde_json::json!({
                                "io.kubernetes.container.name": c.name,
                                "id": c.id,
                                "Image": c.image,
                                "io.kubernetes.container.restartCount": 0,
                                "io.kubernetes.container.terminationMessagePath": "/dev/termination-log",
                                "io.kubernetes.container.terminationMessagePolicy": "File",
                                "terminationMessagePathUID": ""
                            }))
                            .collect(),
                        _ => Vec::new(),
                    };
                    records.push(serde_json::json!({
                        "io.kubernetes.pod.uid": format!("uid-{name}"),
                        "SandboxID": sandbox,
                        "io.kubernetes.pod.name": name,
                        "io.kubernetes.pod.namespace": namespace,
                        "io.kubernetes.pod.terminationGracePeriod": 30,
                        "kubernetes.io/config.source": "api",
                        "kubernetes.io/config.seen": "2026-11-30T09:58:00.000000000Z",
                        "io.container.manager": match engine {
                            FixtureEngine::Podman => "libpod",
                            FixtureEngine::CriO => "cri-o",
                            FixtureEngine::Containerd => "containerd",
                        },
                        "hostIP": "192.0.2.10",
                        "podIP": format!("10.244.0.{}", i + 5),
                        "podIPs": [format!("10.244.0.{}", i + 5)],
                        "Containers": containers
                    }));
                    let bytes = pod.to_bytes(Compression::None);
                    append(tar, &format!("{prefix}{sandbox}.tar"), &bytes)?;
                }
                let meta = serde_json::json!({"version": 1, "CheckpointedPods": records});
                append(
                    tar,
                    &format!("{prefix}checkpointed.pods"),
                    &json_bytes(&meta),
                )
            }
            ArchiveFixture::Raw(members) => {
                for (name, bytes) in members {
                    append(tar, &format!("{prefix}{name}"), bytes)?;
                }
                Ok(())
            }
        }
    }
}

const COMMON_MAGIC: u32 = 0x5456_4319;
const SERVICE_MAGIC: u32 = 0x5510_5940;
const INVENTORY_MAGIC: u32 = 0x5831_3116;
const PSTREE_MAGIC: u32 = 0x5027_3030;
const CORE_MAGIC: u32 = 0x5505_3847;
const MM_MAGIC: u32 = 0x5749_2820;
const PAGEMAP_MAGIC: u32 = 0x5608_4025;
const FDINFO_MAGIC: u32 = 0x5621_3732;
const STATS_MAGIC: u32 = 0x5709_3306;

/// The two header words of a CRIU image with no entries.
fn image_header(first: u32, kind: u32) -> Vec<u8> {
    let mut bytes = first.to_le_bytes().to_vec();
    bytes.extend_from_slice(&kind.to_le_bytes());
    bytes
}

/// A 64-hex-digit ID derived from `seed`, stable across runs.
pub fn derived_id(seed: &str) -> String {
    let mut state = seed.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    (0..4)
        .map(|_| {
            state = splitmix(state);
            format!("{state:016x}")
        })
        .collect()
}

fn splitmix(state: u64) -> u64 {
    let mut z = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn json_bytes(value: &serde_json::Value) -> Vec<u8> {
    serde_json::to_vec_pretty(value).expect("a JSON value always serializes")
}

fn header(size: u64, mode: u32, kind: tar::EntryType) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_size(size);
    header.set_mode(mode);
    header.set_entry_type(kind);
    header.set_mtime(1_796_323_549);
    header.set_uid(0);
    header.set_gid(0);
    header
}

fn append<W: Write>(tar: &mut tar::Builder<W>, name: &str, bytes: &[u8]) -> io::Result<()> {
    append_reader(tar, name, bytes.len() as u64, bytes)
}

fn append_reader<W: Write>(
    tar: &mut tar::Builder<W>,
    name: &str,
    size: u64,
    data: impl Read,
) -> io::Result<()> {
    let mut h = header(size, 0o600, tar::EntryType::Regular);
    tar.append_data(&mut h, name, data)
}

fn append_dir<W: Write>(tar: &mut tar::Builder<W>, name: &str) -> io::Result<()> {
    let mut h = header(0, 0o700, tar::EntryType::Directory);
    tar.append_data(&mut h, name, io::empty())
}

/// Append `size` bytes of generated page data.
fn append_generated<W: Write>(
    tar: &mut tar::Builder<W>,
    name: &str,
    size: u64,
    seed: u64,
    shape: DataShape,
) -> io::Result<()> {
    append_reader(tar, name, size, PageData::with_shape(size, seed, shape))
}

/// What generated data looks like to a compressor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DataShape {
    /// As memory and files mostly are: of every four pages, two random, one
    /// of text (log lines, varied enough not to repeat exactly) and one of
    /// zeros. gzip and zstd shrink it to about half.
    #[default]
    Realistic,
    /// Random bytes only: compression gains nothing, and decompressing
    /// costs the most per byte of output.
    Incompressible,
}

/// Generated bytes of a [`DataShape`], page by page, reproducible from a
/// seed: the memory pages and file contents of synthetic archives.
pub struct PageData {
    remaining: u64,
    offset: u64,
    state: u64,
    shape: DataShape,
    /// The current text page, made when the offset enters it.
    text: Vec<u8>,
}

impl PageData {
    /// `size` bytes of [`DataShape::Realistic`] data from `seed`.
    pub fn new(size: u64, seed: u64) -> PageData {
        PageData::with_shape(size, seed, DataShape::Realistic)
    }

    /// `size` bytes of `shape` from `seed`.
    pub fn with_shape(size: u64, seed: u64, shape: DataShape) -> PageData {
        PageData {
            remaining: size,
            offset: 0,
            state: splitmix(seed),
            shape,
            text: Vec::new(),
        }
    }

    /// A page of log lines, numbered from the page's index so that pages
    /// differ while their lines look alike.
    fn text_page(index: u64) -> Vec<u8> {
        let mut page = Vec::with_capacity(PAGE as usize + 128);
        let mut line = index * 64;
        while page.len() < PAGE as usize {
            let _ = writeln!(
                page,
                "2026-12-04T10:{:02}:{:02}Z worker[{}]: GET /api/items/{} 200 {} bytes",
                line / 60 % 60,
                line % 60,
                100 + line % 7,
                line.wrapping_mul(7919) % 100_000,
                line.wrapping_mul(31) % 9000
            );
            line += 1;
        }
        page.truncate(PAGE as usize);
        page
    }
}

impl Read for PageData {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf
            .len()
            .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        let mut written = 0;
        while written < n {
            let page = self.offset / PAGE;
            let in_page = self.offset % PAGE;
            let take = ((PAGE - in_page) as usize).min(n - written);
            let chunk = &mut buf[written..written + take];
            let kind = match self.shape {
                DataShape::Incompressible => 0,
                DataShape::Realistic => page % 4,
            };
            match kind {
                3 => chunk.fill(0),
                2 => {
                    if in_page == 0 || self.text.is_empty() {
                        self.text = PageData::text_page(page);
                    }
                    chunk.copy_from_slice(&self.text[in_page as usize..in_page as usize + take]);
                }
                _ => {
                    for word in chunk.chunks_mut(8) {
                        self.state = splitmix(self.state);
                        word.copy_from_slice(&self.state.to_le_bytes()[..word.len()]);
                    }
                }
            }
            written += take;
            self.offset += take as u64;
        }
        self.remaining -= n as u64;
        Ok(n)
    }
}

/// A tar stream of files of generated bytes, produced on demand: the
/// rootfs diff, /dev/shm and volume tarballs.
struct NestedTar {
    /// Each file's header and size.
    files: Vec<(Vec<u8>, u64)>,
    seed: u64,
    shape: DataShape,
}

/// A nested tar of one file.
fn nested_tar(name: &str, size: u64, seed: u64) -> NestedTar {
    nested_tar_of(&[(name.to_string(), size)], seed, DataShape::Realistic)
}

/// A nested tar of `files` (name, size).
fn nested_tar_of(files: &[(String, u64)], seed: u64, shape: DataShape) -> NestedTar {
    let files = files
        .iter()
        .map(|(name, size)| {
            let mut h = header(*size, 0o644, tar::EntryType::Regular);
            // Names the builder makes fit a GNU header (long ones get an
            // extension header from the tar crate when appended, not here).
            h.set_path(name).expect("fixture names fit a tar header");
            h.set_cksum();
            (h.as_bytes().to_vec(), *size)
        })
        .collect();
    NestedTar { files, seed, shape }
}

/// `count` file names and sizes adding up to `total`, sizes varied (a
/// few large files and many small ones), as a container's changes are.
fn rootfs_files(count: u32, total: u64) -> Vec<(String, u64)> {
    let count = count.max(1);
    let weights: Vec<u64> = (0..count).map(|i| 1 + u64::from(i % 16).pow(3)).collect();
    let sum: u64 = weights.iter().sum();
    let mut left = total;
    let mut files: Vec<(String, u64)> = weights
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let size = (u128::from(total) * u128::from(*w) / u128::from(sum)) as u64;
            left -= size;
            let dir = ["usr/lib/app", "var/lib/app/data", "etc/app", "tmp/cache"][i % 4];
            (format!("{dir}/file-{i:05}.bin"), size)
        })
        .collect();
    // The rounding remainder goes to the first file.
    files[0].1 += left;
    files
}

impl NestedTar {
    /// Bytes of the whole nested tar: headers, data, padding, end marker.
    fn len(&self) -> u64 {
        let files: u64 = self
            .files
            .iter()
            .map(|(_, size)| 512 + size.div_ceil(512) * 512)
            .sum();
        files + 1024
    }

    fn into_reader(self) -> impl Read {
        let mut parts: std::collections::VecDeque<Box<dyn Read>> = Default::default();
        for (i, (header, size)) in self.files.into_iter().enumerate() {
            let padding = size.div_ceil(512) * 512 - size;
            parts.push_back(Box::new(io::Cursor::new(header)));
            let seed = self.seed.wrapping_add(i as u64);
            parts.push_back(Box::new(PageData::with_shape(size, seed, self.shape)));
            parts.push_back(Box::new(io::repeat(0).take(padding)));
        }
        parts.push_back(Box::new(io::repeat(0).take(1024)));
        Concat(parts)
    }
}

/// Readers read one after the other, without the nesting of `chain` (a
/// rootfs diff has thousands of parts).
struct Concat(std::collections::VecDeque<Box<dyn Read>>);

impl Read for Concat {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while let Some(front) = self.0.front_mut() {
            let n = front.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            self.0.pop_front();
        }
        Ok(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_data_is_reproducible_with_zero_pages() {
        let mut a = Vec::new();
        PageData::new(4 * PAGE, 1).read_to_end(&mut a).unwrap();
        let mut b = Vec::new();
        PageData::new(4 * PAGE, 1).read_to_end(&mut b).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len() as u64, 4 * PAGE);
        assert!(a[3 * PAGE as usize..].iter().all(|&x| x == 0));
        assert!(a[..PAGE as usize].iter().any(|&x| x != 0));
    }

    #[test]
    fn shapes_compress_as_their_names_say() {
        let ratio = |shape| {
            let mut data = Vec::new();
            let mut generated = PageData::with_shape(64 * PAGE, 5, shape);
            // Pieces of odd sizes cross page edges in the middle of text.
            let mut piece = [0u8; 1000];
            loop {
                let n = generated.read(&mut piece).unwrap();
                if n == 0 {
                    break;
                }
                data.extend_from_slice(&piece[..n]);
            }
            assert_eq!(data.len() as u64, 64 * PAGE);
            let mut whole = Vec::new();
            PageData::with_shape(64 * PAGE, 5, shape)
                .read_to_end(&mut whole)
                .unwrap();
            assert_eq!(data, whole, "{shape:?} does not depend on the read sizes");
            zstd::encode_all(&data[..], 3).unwrap().len() as f64 / data.len() as f64
        };
        let realistic = ratio(DataShape::Realistic);
        let incompressible = ratio(DataShape::Incompressible);
        assert!((0.3..0.7).contains(&realistic), "{realistic}");
        assert!(incompressible > 0.99, "{incompressible}");
        // The text pages are log lines.
        let mut page = vec![0u8; PAGE as usize];
        let mut realistic = PageData::new(3 * PAGE, 5);
        realistic.read_exact(&mut page).unwrap();
        realistic.read_exact(&mut page).unwrap();
        realistic.read_exact(&mut page).unwrap();
        assert!(page.starts_with(b"2026-12-04T10:"), "{:?}", &page[..40]);
    }

    #[test]
    fn rootfs_diff_of_many_files_adds_up_and_lists() {
        let files = rootfs_files(3000, 50 << 20);
        assert_eq!(files.len(), 3000);
        assert_eq!(files.iter().map(|f| f.1).sum::<u64>(), 50 << 20);
        let nested = nested_tar_of(&files[..40], 1, DataShape::Incompressible);
        let expected = nested.len();
        let mut bytes = Vec::new();
        nested.into_reader().read_to_end(&mut bytes).unwrap();
        assert_eq!(bytes.len() as u64, expected);
        let mut archive = tar::Archive::new(&bytes[..]);
        let listed: Vec<(String, u64)> = archive
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (e.path().unwrap().to_string_lossy().into_owned(), e.size())
            })
            .collect();
        assert_eq!(listed, files[..40]);
    }

    #[test]
    fn nested_tar_length_matches_its_bytes() {
        let nested = nested_tar("a.bin", 1000, 3);
        let expected = nested.len();
        let mut bytes = Vec::new();
        nested.into_reader().read_to_end(&mut bytes).unwrap();
        assert_eq!(bytes.len() as u64, expected);
        let mut archive = tar::Archive::new(&bytes[..]);
        let sizes: Vec<u64> = archive
            .entries()
            .unwrap()
            .map(|e| e.unwrap().size())
            .collect();
        assert_eq!(sizes, [1000]);
    }

    #[test]
    fn derived_ids_are_stable_hex() {
        let id = derived_id("web");
        assert_eq!(id.len(), 64);
        assert_eq!(id, derived_id("web"));
        assert_ne!(id, derived_id("db"));
    }
}
