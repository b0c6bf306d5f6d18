//! The crate split of issue 9: each layer of the host is a crate, and the
//! compiler enforces the layering only if the manifests keep it. These tests
//! read the workspace's manifests (`cargo metadata`) and fail when a
//! crate reaches a layer above it, or when the store engine, which must
//! build and test without any of them, gains wasmtime, axum or a database
//! driver — directly or through another memstore crate.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

/// Crates that neither the store engine nor the VFS may reach, by name
/// prefix: both are plain Rust over the `Backend` trait.
const NOT_BELOW_THE_SANDBOX: &[&str] = &[
    "wasmtime",
    "cranelift",
    "wasi",
    "axum",
    "hyper",
    "tower",
    "utoipa",
    "rusqlite",
    "libsqlite3",
    "postgres",
    "tokio-postgres",
    "sqlx",
    "tokio",
];

/// Each memstore crate and the memstore crates it may depend on (normal
/// dependencies): api/cli → sandbox → vfs → store ← backends.
const ALLOWED: &[(&str, &[&str])] = &[
    ("memstore-store", &[]),
    ("memstore-sqlite", &["memstore-store"]),
    ("memstore-postgres", &["memstore-store"]),
    ("memstore-vfs", &["memstore-store"]),
    ("memstore-sandbox", &["memstore-store", "memstore-vfs"]),
    (
        "memstore-api",
        &["memstore-store", "memstore-vfs", "memstore-sandbox"],
    ),
];

/// The workspace's crates and their normal (non-dev, non-build)
/// dependencies, from the manifests (`cargo metadata --no-deps`: offline,
/// and blind to other platforms' crates). What a crate reaches through an
/// external crate is not followed: the store engine's external
/// dependencies are small pure-Rust crates, and each of them is listed here.
fn normal_dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .arg("--manifest-path")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml"))
        .output()
        .expect("running cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).expect("metadata JSON");
    meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .expect("dependencies")
                .iter()
                .filter(|d| d["kind"].is_null())
                .map(|d| d["name"].as_str().expect("name").to_owned())
                .collect();
            (p["name"].as_str().expect("name").to_owned(), deps)
        })
        .collect()
}

/// Every crate `name` reaches through normal dependencies.
fn reach(graph: &BTreeMap<String, BTreeSet<String>>, name: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![name.to_owned()];
    while let Some(next) = todo.pop() {
        for dep in graph.get(&next).into_iter().flatten() {
            if seen.insert(dep.clone()) {
                todo.push(dep.clone());
            }
        }
    }
    seen
}

#[test]
fn issue_09_the_store_engine_and_vfs_reach_no_wasm_http_or_database_crate() {
    let graph = normal_dependencies();
    for krate in ["memstore-store", "memstore-vfs"] {
        let reached = reach(&graph, krate);
        let bad: Vec<&String> = reached
            .iter()
            .filter(|c| NOT_BELOW_THE_SANDBOX.iter().any(|p| c.starts_with(p)))
            .collect();
        assert!(bad.is_empty(), "{krate} reaches {bad:?}");
    }
    // The graph is real: the backends above it do reach their drivers.
    assert!(reach(&graph, "memstore-sqlite").contains("rusqlite"));
    assert!(reach(&graph, "memstore-postgres").contains("postgres"));
}

#[test]
fn issue_09_layer_dependencies_point_one_way() {
    let graph = normal_dependencies();
    for (krate, allowed) in ALLOWED {
        let ours: BTreeSet<&str> = graph
            .get(*krate)
            .unwrap_or_else(|| panic!("{krate} is a workspace member"))
            .iter()
            .map(String::as_str)
            .filter(|d| d.starts_with("memstore"))
            .collect();
        let extra: Vec<&&str> = ours.iter().filter(|d| !allowed.contains(d)).collect();
        assert!(
            extra.is_empty(),
            "{krate} depends on {extra:?}, a layer above or beside it"
        );
    }
}
