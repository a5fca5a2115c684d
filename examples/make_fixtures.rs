//! Regenerate the synthetic archives in `fixtures/`.
//!
//! Run from the repository root: `cargo run --example make_fixtures`.
//! The output is deterministic, so a rerun changes no committed file unless
//! the fixture builder changed. The real archives in `fixtures/real/` were
//! made by Podman and containerd and are not touched.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use ckpt::archive::compression::Compression;
use ckpt::fixture::{
    ArchiveFixture, ContainerFixture, CriuFixture, FixtureEngine, PodOptionsShape,
};

fn main() -> std::io::Result<()> {
    let dir = Path::new("fixtures/synthetic");
    std::fs::create_dir_all(dir)?;

    for (stem, archive, dot_slash) in fixtures() {
        for (compression, extension) in [
            (Compression::None, "tar"),
            (Compression::Gzip, "tar.gz"),
            (Compression::Zstd, "tar.zst"),
        ] {
            let path = dir.join(format!("{stem}.{extension}"));
            let out = BufWriter::new(File::create(&path)?);
            archive.write(out, compression, dot_slash)?;
            println!("wrote {}", path.display());
        }
    }
    Ok(())
}

fn fixtures() -> Vec<(&'static str, ArchiveFixture, bool)> {
    let mut podman = with_images(ContainerFixture::new(FixtureEngine::Podman, "web"), 3);
    podman.networks = vec![
        net(
            "podman",
            "eth0",
            "10.88.0.9/16",
            "10.88.0.1",
            "aa:bb:cc:00:00:09",
        ),
        net(
            "backend",
            "eth1",
            "10.89.1.4/24",
            "10.89.1.1",
            "aa:bb:cc:00:01:04",
        ),
    ];
    podman.volumes = vec![("appdata".to_string(), 2000)];
    podman.gpu_pages = 2 * ckpt::fixture::PAGE;

    let mut crio = with_images(ContainerFixture::new(FixtureEngine::CriO, "nginx"), 2);
    crio.pod_name = "frontend".to_string();
    crio.namespace = "shop".to_string();
    crio.ip = "10.244.1.7".to_string();

    let mut containerd = with_images(ContainerFixture::new(FixtureEngine::Containerd, "api"), 2);
    containerd.pod_name = "backend".to_string();
    containerd.namespace = "shop".to_string();
    containerd.deleted_files = None;

    let crio_pod = pod(
        FixtureEngine::CriO,
        "frontend",
        false,
        PodOptionsShape::Map,
        &["nginx", "sidecar"],
    );
    let containerd_pod = pod(
        FixtureEngine::Containerd,
        "backend",
        true,
        PodOptionsShape::List,
        &["api", "cache"],
    );
    let kubelet = ArchiveFixture::Kubelet {
        pods: vec![
            (
                "frontend".to_string(),
                "shop".to_string(),
                FixtureEngine::CriO,
                crio_pod.clone(),
            ),
            (
                "backend".to_string(),
                "shop".to_string(),
                FixtureEngine::Containerd,
                containerd_pod.clone(),
            ),
        ],
    };

    vec![
        (
            "podman-container",
            ArchiveFixture::Container(Box::new(podman)),
            false,
        ),
        (
            "crio-container",
            ArchiveFixture::Container(Box::new(crio)),
            true,
        ),
        (
            "containerd-container",
            ArchiveFixture::Container(Box::new(containerd)),
            false,
        ),
        ("crio-pod", crio_pod, false),
        ("containerd-pod", containerd_pod, false),
        ("kubelet", kubelet, false),
    ]
}

/// `container` with real CRIU images: a chain of `depth` processes with
/// command lines, environments (a `SECRET_TOKEN` named after the
/// container), files and sockets, in the engine's member order (CRI-O and
/// containerd write `checkpoint/` before the metadata).
fn with_images(mut container: ContainerFixture, depth: u32) -> ContainerFixture {
    let secret = format!("{}-s3cr3t", container.name);
    container.criu = Some(CriuFixture::deep_tree(depth, &secret));
    container.images_first = container.engine != FixtureEngine::Podman;
    container
}

fn pod(
    engine: FixtureEngine,
    name: &str,
    pod_dump: bool,
    options_shape: PodOptionsShape,
    containers: &[&str],
) -> ArchiveFixture {
    let containers = containers
        .iter()
        .map(|c| {
            let mut fixture = with_images(ContainerFixture::new(engine, c), 2);
            fixture.pod_name = name.to_string();
            fixture.namespace = "shop".to_string();
            if engine == FixtureEngine::CriO {
                fixture.ip = "10.244.2.9".to_string();
            }
            fixture
        })
        .collect();
    ArchiveFixture::Pod {
        name: name.to_string(),
        namespace: "shop".to_string(),
        uid: format!("uid-{name}"),
        pod_dump,
        options_shape,
        containers,
    }
}

fn net(
    network: &str,
    iface: &str,
    ipnet: &str,
    gateway: &str,
    mac: &str,
) -> (String, String, String, String, String) {
    (
        network.into(),
        iface.into(),
        ipnet.into(),
        gateway.into(),
        mac.into(),
    )
}
