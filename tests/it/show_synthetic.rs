//! `show` on the synthetic fixtures: every engine layout and archive kind,
//! in every compression. The expected values are what
//! `examples/make_fixtures.rs` put into them.

use std::fs::File;

use ckpt::fixture::derived_id;
use serde_json::{Value, json};

use crate::util::{ckpt, fixtures, json};

const COMPRESSIONS: &[(&str, &str)] = &[("tar", "none"), ("tar.gz", "gzip"), ("tar.zst", "zstd")];

/// The pages of the builder's default container (sizes-only images): two
/// processes with 8 pages each.
const PAGES: u64 = 65_536;

/// Run `show --format json` on every compression of `stem`, check that the
/// three agree, and return the records of the plain tar.
fn show_all(stem: &str) -> Vec<Value> {
    let mut first: Option<Vec<Value>> = None;
    for (extension, compression) in COMPRESSIONS {
        let file = format!("synthetic/{stem}.{extension}");
        let run = ckpt(&["show", "--format", "json", &file]);
        assert_eq!(run.code, 0, "{file}: {}", run.stderr);
        assert_eq!(run.stderr, "", "{file} warns");
        let mut records = json(&run);
        for record in &mut records {
            assert_eq!(record["archive"], file.as_str());
            assert_eq!(record["compression"], *compression);
            record["archive"] = Value::Null;
            record["compression"] = Value::Null;
        }
        match &first {
            None => first = Some(records),
            Some(expected) => assert_eq!(&records, expected, "{file} differs from the plain tar"),
        }
    }
    first.expect("three compressions ran")
}

/// The `checkpoint_size` object of the container in `folder` (`""` for
/// the root) of `fixtures/synthetic/<stem>.tar`, summed from the member
/// sizes the tar crate reads, as the README defines each.
fn expected_sizes(stem: &str, folder: &str) -> Value {
    let file = File::open(fixtures().join(format!("synthetic/{stem}.tar"))).expect("fixture");
    let mut archive = tar::Archive::new(file);
    let (mut total, mut pages, mut gpu, mut diff, mut shm, mut volumes) = (0, 0, 0, 0, 0, 0);
    for entry in archive.entries().expect("a tar") {
        let entry = entry.expect("an entry");
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry.path().expect("a path").to_string_lossy().into_owned();
        let path = path.trim_start_matches("./");
        let Some(name) = path.strip_prefix(folder) else {
            continue;
        };
        let size = entry.size();
        if let Some(image) = name.strip_prefix("checkpoint/") {
            total += size;
            if image.starts_with("pages-") {
                pages += size;
            } else if image.starts_with("amdgpu-pages-") {
                gpu += size;
            }
        } else if name.starts_with("volumes/") {
            volumes += size;
        } else if name == "rootfs-diff.tar" {
            diff = size;
        } else if name == "devshm-checkpoint.tar" {
            shm = size;
        }
    }
    json!({
        "total_size": total, "memory_pages_size": pages, "amd_gpu_memory_pages_size": gpu,
        "root_fs_diff_size": diff, "devshm_size": shm, "volumes_size": volumes
    })
}

#[test]
fn podman_container_every_field() {
    let records = show_all("podman-container");
    assert_eq!(records.len(), 1);
    let web = &records[0];
    let expected = json!({
        "archive": null, "archive_type": "container", "compression": null,
        "container_name": "web", "image": "registry.example/web:1.0", "id": derived_id("web"),
        "runtime": "crun", "created": "2026-11-30T09:59:01Z", "engine": "Podman",
        // Networks are sorted by name; the summary address is the first one's.
        "ip": "10.89.1.4", "mac": "aa:bb:cc:00:01:04",
        "networks": [
            {"name": "backend", "interfaces": {"eth1": {"ip": "10.89.1.4/24", "mac": "aa:bb:cc:00:01:04", "gateway": "10.89.1.1"}}},
            {"name": "podman", "interfaces": {"eth0": {"ip": "10.88.0.9/16", "mac": "aa:bb:cc:00:00:09", "gateway": "10.88.0.1"}}}
        ],
        "checkpoint_size": expected_sizes("podman-container", ""),
        "deleted_files": 1,
        "metadata": {"annotations": {
            "io.container.manager": "libpod", "org.opencontainers.image.stopSignal": "15"
        }}
    });
    assert_eq!(web, &expected);
}

#[test]
fn crio_container_facts_come_from_annotations() {
    let nginx = &show_all("crio-container")[0];
    assert_eq!(nginx["container_name"], "nginx");
    assert_eq!(nginx["id"], derived_id("nginx"));
    assert_eq!(nginx["image"], "registry.example/nginx:1.0");
    assert_eq!(nginx["runtime"], "runc");
    assert_eq!(nginx["engine"], "CRI-O");
    // CRI-O's creation annotation is printed as written, as checkpointctl does.
    assert_eq!(nginx["created"], "2026-11-30T09:59:01.123456789Z");
    assert_eq!(nginx["checkpointed"], "2026-11-30T10:00:05Z");
    assert_eq!(nginx["ip"], "10.244.1.7");
    assert!(nginx.get("mac").is_none() && nginx.get("networks").is_none());
    assert_eq!(nginx["metadata"]["pod_name"], "frontend");
    assert_eq!(nginx["metadata"]["kubernetes_namespace"], "shop");
    assert_eq!(
        nginx["metadata"]["annotations"]
            .as_object()
            .map(|a| a.len()),
        Some(7)
    );
    assert_eq!(
        nginx["checkpoint_size"],
        expected_sizes("crio-container", "")
    );
    assert_eq!(nginx["deleted_files"], 1);
}

#[test]
fn containerd_container_reads_its_own_layout() {
    let api = &show_all("containerd-container")[0];
    assert_eq!(api["container_name"], "api");
    assert_eq!(api["engine"], "containerd");
    assert_eq!(api["runtime"], "io.containerd.runc.v2");
    assert_eq!(api["created"], "2026-11-30T09:59:01Z");
    assert_eq!(api["checkpointed"], "2026-11-30T10:00:05Z");
    assert_eq!(api["metadata"]["pod_name"], "backend");
    assert_eq!(api["metadata"]["kubernetes_namespace"], "shop");
    assert_eq!(api["deleted_files"], Value::Null);
    assert_eq!(
        api["checkpoint_size"],
        expected_sizes("containerd-container", "")
    );
}

#[test]
fn pod_archives_list_each_container_of_the_pod() {
    for (stem, engine, pod, names) in [
        ("crio-pod", "CRI-O", "frontend", ["nginx", "sidecar"]),
        ("containerd-pod", "containerd", "backend", ["api", "cache"]),
    ] {
        let records = show_all(stem);
        assert_eq!(records.len(), 2, "{stem}");
        for (record, name) in records.iter().zip(names) {
            assert_eq!(record["archive_type"], "pod");
            assert_eq!(record["container_name"], name);
            assert_eq!(record["id"], derived_id(name));
            assert_eq!(record["engine"], engine);
            assert_eq!(record["metadata"]["pod_name"], pod);
            assert_eq!(record["metadata"]["kubernetes_namespace"], "shop");
            let folder = format!("{}-{name}/", derived_id(name));
            assert_eq!(record["checkpoint_size"], expected_sizes(stem, &folder));
        }
    }
}

#[test]
fn kubelet_archive_lists_pods_from_its_metadata() {
    let records = show_all("kubelet");
    let rows: Vec<(String, String, String, String)> = records
        .iter()
        .map(|r| {
            assert_eq!(r["archive_type"], "kubelet");
            assert_eq!(
                r["id"],
                derived_id(r["container_name"].as_str().unwrap_or(""))
            );
            // The containers' data is in nested archives: sizes are unknown.
            assert_eq!(r["checkpoint_size"]["total_size"], Value::Null);
            let text = |v: &Value| v.as_str().unwrap_or("").to_string();
            (
                text(&r["container_name"]),
                text(&r["engine"]),
                text(&r["metadata"]["pod_name"]),
                text(&r["ip"]),
            )
        })
        .collect();
    let expected = [
        ("nginx", "CRI-O", "frontend", "10.244.0.5"),
        ("sidecar", "CRI-O", "frontend", "10.244.0.5"),
        ("api", "containerd", "backend", "10.244.0.6"),
        ("cache", "containerd", "backend", "10.244.0.6"),
    ];
    let expected: Vec<_> = expected
        .iter()
        .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()))
        .collect();
    assert_eq!(rows, expected);
}

#[test]
fn table_has_a_row_per_container_in_every_kind() {
    let run = ckpt(&[
        "show",
        "synthetic/podman-container.tar.zst",
        "synthetic/crio-pod.tar.gz",
        "synthetic/kubelet.tar",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2 + 1 + 2 + 4, "{}", run.stdout);
    let cells = |line: &str| {
        line.split("   ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let podman = format!("{:.12}", derived_id("web"));
    let sizes = expected_sizes("podman-container", "");
    let iec = |v: &Value| ckpt::report::units::iec(v.as_u64().expect("a size"));
    assert_eq!(
        cells(lines[2]),
        [
            "web",
            "registry.example/web:1.0",
            &podman,
            "crun",
            "2026-11-30T09:59:01Z",
            "Podman",
            &iec(&sizes["total_size"]),
            &iec(&sizes["root_fs_diff_size"]),
        ]
    );
    assert_eq!(cells(lines[3])[0], "nginx");
    assert_eq!(cells(lines[4])[0], "sidecar");
    // Kubelet rows: what checkpointed.pods does not say is a dash.
    let cache = cells(lines[8]);
    assert_eq!(cache[0], "cache");
    assert_eq!(&cache[3..], ["-", "-", "containerd", "-", "-"]);
}

#[test]
fn tree_groups_pods_and_containers() {
    let run = ckpt(&[
        "show",
        "--format",
        "tree",
        "synthetic/containerd-pod.tar.zst",
        "synthetic/kubelet.tar.gz",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = &run.stdout;
    let api = format!("{}-api/", derived_id("api"));
    let api_size = expected_sizes("containerd-pod", &api)["total_size"]
        .as_u64()
        .expect("a size");
    let api_line = format!(
        "    │   ├── Checkpoint size: {}",
        ckpt::report::units::iec(api_size)
    );
    for line in [
        "Displaying pod checkpoint tree view from synthetic/containerd-pod.tar.zst",
        "backend",
        "├── Namespace: shop",
        "├── UID: uid-backend",
        "└── Containers",
        "    ├── api",
        "    │   ├── Runtime: io.containerd.runc.v2",
        &api_line,
        "Displaying kubelet checkpoint tree view from synthetic/kubelet.tar.gz",
        "Kubelet checkpoint",
        "├── Pod frontend (namespace shop)",
        "└── Pod backend (namespace shop)",
    ] {
        assert!(
            out.lines().any(|l| l == line),
            "`{line}` missing in:\n{out}"
        );
    }
}

/// Write `fixture` as a plain tar into a temporary folder and show it.
fn show_built(fixture: &ckpt::fixture::ArchiveFixture) -> (crate::util::Run, Vec<Value>) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("built.tar");
    std::fs::write(
        &path,
        fixture.to_bytes(ckpt::archive::compression::Compression::None),
    )
    .expect("write the archive");
    let run = crate::util::ckpt_in(Some(dir.path()), &["show", "--format", "json", "built.tar"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let records = json(&run);
    (run, records)
}

fn container_with_spec(spec: &[u8]) -> ckpt::fixture::ArchiveFixture {
    use ckpt::fixture::{ArchiveFixture, ContainerFixture, FixtureEngine};
    let mut fixture = ContainerFixture::new(FixtureEngine::Podman, "odd");
    fixture.spec_override = Some(spec.to_vec());
    ArchiveFixture::Container(Box::new(fixture))
}

#[test]
fn minimal_spec_still_gives_a_report() {
    let (run, records) = show_built(&container_with_spec(b"{}"));
    assert_eq!(run.stderr, "");
    // No manager annotation: checkpointctl's rule makes it containerd, and
    // the name falls back to config.dump's.
    assert_eq!(records[0]["container_name"], "odd");
    assert_eq!(records[0]["engine"], "containerd");
    assert_eq!(records[0]["id"], derived_id("odd"));
    assert_eq!(records[0]["checkpoint_size"]["memory_pages_size"], PAGES);
}

#[test]
fn spec_with_an_unknown_value_falls_back_and_says_so() {
    let spec = br#"{"ociVersion": "1.2.0",
        "process": {"user": {"uid": 0, "gid": 0}, "cwd": "/", "args": ["sh"],
                    "capabilities": {"bounding": ["CAP_NOT_YET_INVENTED"]}},
        "annotations": {"io.container.manager": "libpod"}}"#;
    let (run, records) = show_built(&container_with_spec(spec));
    assert_eq!(records[0]["engine"], "Podman");
    assert_eq!(records[0]["container_name"], "odd");
    let lines = run.stderr_lines();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(lines[0].starts_with(
        "ckpt: warning: built.tar: member `spec.dump`: the strict OCI spec type rejected it"
    ));
    assert!(lines[0].contains("CAP_NOT_YET_INVENTED"));
    assert!(lines[0].contains("skips the typed spec"));
}

#[test]
fn archive_without_deciding_members_is_unknown() {
    use ckpt::fixture::ArchiveFixture;
    let fixture = ArchiveFixture::Raw(vec![
        ("notes.txt".to_string(), b"not a checkpoint".to_vec()),
        ("checkpoint/pages-1.img".to_string(), vec![0; 4096]),
    ]);
    let (run, records) = show_built(&fixture);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["archive_type"], "unknown");
    assert_eq!(records[0]["checkpoint_size"]["memory_pages_size"], 4096);
    assert_eq!(records[0]["container_name"], "");
    assert_eq!(run.stderr_lines().len(), 1);
    assert!(
        run.stderr
            .starts_with("ckpt: warning: built.tar: not a checkpoint archive")
    );
}

#[test]
fn table_and_tree_are_the_same_in_every_compression() {
    let stems = [
        ("podman-container", 1),
        ("crio-container", 1),
        ("containerd-container", 1),
        ("crio-pod", 2),
        ("containerd-pod", 2),
        ("kubelet", 4),
    ];
    for (stem, containers) in stems {
        for format in ["table", "tree"] {
            let mut first: Option<String> = None;
            for (extension, _) in COMPRESSIONS {
                let file = format!("synthetic/{stem}.{extension}");
                let run = ckpt(&["show", "--format", format, &file]);
                assert_eq!(run.code, 0, "{file}: {}", run.stderr);
                let text = run.stdout.replace(&file, "FILE");
                if format == "table" {
                    // Blank, title, blank, header, rule, a row per container.
                    assert_eq!(text.lines().count(), 5 + containers, "{file}:\n{text}");
                }
                match &first {
                    None => first = Some(text),
                    Some(expected) => assert_eq!(&text, expected, "{file} as {format}"),
                }
            }
        }
    }
}

#[test]
fn an_archive_of_a_folder_with_its_root_entry_reads_without_warnings() {
    // What `tar -C dir -cf x.tar .` writes: a `./` entry, then every name
    // under `./`.
    use ckpt::fixture::{ArchiveFixture, ContainerFixture, FixtureEngine};
    let fixture = ArchiveFixture::Container(Box::new(ContainerFixture::new(
        FixtureEngine::Podman,
        "dotted",
    )));
    let mut prefixed = Vec::new();
    fixture
        .write(
            &mut prefixed,
            ckpt::archive::compression::Compression::None,
            true,
        )
        .expect("writing to memory");
    let mut root = tar::Header::new_gnu();
    root.set_path("./").unwrap();
    root.set_entry_type(tar::EntryType::Directory);
    root.set_size(0);
    root.set_mode(0o755);
    root.set_cksum();
    let mut bytes = root.as_bytes().to_vec();
    bytes.extend_from_slice(&prefixed);

    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(dir.path().join("dotted.tar"), &bytes).expect("writing");
    for args in [
        &["show", "--format", "json", "dotted.tar"][..],
        &["inspect", "dotted.tar"],
    ] {
        let run = crate::util::ckpt_in(Some(dir.path()), args);
        assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{args:?}");
    }
    let run = crate::util::ckpt_in(
        Some(dir.path()),
        &["show", "--format", "json", "dotted.tar"],
    );
    let records = json(&run);
    assert_eq!(records[0]["container_name"], "dotted");
    assert_eq!(records[0]["archive_type"], "container");
}

#[test]
fn a_dual_stack_interface_shows_every_address() {
    use ckpt::fixture::{ArchiveFixture, ContainerFixture, FixtureEngine};
    let mut container = ContainerFixture::new(FixtureEngine::Podman, "dual");
    let mac = "aa:bb:cc:00:00:0f";
    for (ip, gateway) in [("10.88.0.15/16", "10.88.0.1"), ("fd00::5/64", "fd00::1")] {
        let net = ("podman", "eth0", ip, gateway, mac);
        container.networks.push((
            net.0.to_string(),
            net.1.to_string(),
            net.2.to_string(),
            net.3.to_string(),
            net.4.to_string(),
        ));
    }
    let (_, records) = show_built(&ArchiveFixture::Container(Box::new(container.clone())));
    assert_eq!(records[0]["ip"], "10.88.0.15");
    assert_eq!(
        records[0]["networks"],
        json!([{"name": "podman", "interfaces": {"eth0": {
            "ip": "10.88.0.15/16", "mac": mac, "gateway": "10.88.0.1",
            "more_addresses": [{"ip": "fd00::5/64", "gateway": "fd00::1"}]
        }}}])
    );
    let dir = tempfile::tempdir().expect("a temporary folder");
    let bytes = ArchiveFixture::Container(Box::new(container))
        .to_bytes(ckpt::archive::compression::Compression::None);
    std::fs::write(dir.path().join("dual.tar"), bytes).expect("writing");
    let run = crate::util::ckpt_in(Some(dir.path()), &["show", "--format", "tree", "dual.tar"]);
    let expected = [
        "│   └── podman (eth0)",
        "│       ├── IP: 10.88.0.15/16",
        "│       ├── MAC: aa:bb:cc:00:00:0f",
        "│       ├── Gateway: 10.88.0.1",
        "│       ├── IP: fd00::5/64",
        "│       └── Gateway: fd00::1",
    ]
    .join("\n");
    assert!(run.stdout.contains(&expected), "{}", run.stdout);
}
