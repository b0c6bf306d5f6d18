//! Sandbox benchmarks, each printed beside a baseline measured in the same
//! run, as a ratio (these machines are noisy; never assert timings).
//!
//! - PERF-01: the built-in `read` tool call of a 1 KB memory, warm engine,
//!   in process (p50/p99), vs spawning native `cat` on the same bytes; plus
//!   a minimal read guest, to separate the tools' own cost.
//! - PERF-03: session open with 8 stores of 10,000 memories vs 8 stores of
//!   10 (must stay flat); then the first listing of every mount, and the
//!   first `ls -R` of one mount, which grows with the data by nature.
//! - PERF-06: a `bash` tool call (`cat` of a 1 KB memory; pipelines over
//!   it), warm, in process (p50/p99), vs spawning native `bash -c` with the
//!   same command on the same files.
//!
//! Run: `cargo bench -p memstore --bench sandbox [perf01|perf03|perf06]`.

use std::time::{Duration, Instant};

use memstore::sandbox::{LoadedComponent, Sandbox, SandboxConfig};
use memstore::store::sessions::{Access, NewAttachment, NewSession, Session};
use memstore::store::{Actor, Engine, EngineConfig, MemoryStore, NewStore};

#[allow(dead_code)]
mod guests {
    include!(concat!(env!("OUT_DIR"), "/test_guests.rs"));
    pub const READ: &str = READ_FILE;
    pub const LIST: &str = LIST_DIR;
}

fn user() -> Actor {
    Actor::User {
        user_id: "bench".into(),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn measure(n: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    let mut times: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    (percentile(&times, 0.5), percentile(&times, 0.99))
}

fn store(engine: &Engine, name: &str) -> MemoryStore {
    let new = NewStore {
        workspace_id: "default".into(),
        name: name.into(),
        ..NewStore::default()
    };
    engine.create_store(new, &user()).expect("store")
}

fn session(sandbox: &Sandbox, stores: &[MemoryStore]) -> Session {
    let resources = stores
        .iter()
        .map(|s| NewAttachment {
            memory_store_id: s.id.clone(),
            access: Access::ReadWrite,
            instructions: String::new(),
        })
        .collect();
    sandbox
        .create_session(NewSession {
            workspace_id: "default".into(),
            owner_api_key_id: None,
            resources,
        })
        .expect("session")
}

fn component(sandbox: &Sandbox, path: &str) -> LoadedComponent {
    sandbox
        .load(&std::fs::read(path).expect("guest built by build.rs"))
        .expect("load")
}

/// A fresh database in `dir` and a sandbox over it with a warm-able cache.
fn open(dir: &std::path::Path, db: &str) -> (Engine, Sandbox) {
    let engine = memstore::open(dir.join(db), EngineConfig::default()).expect("db");
    let config = SandboxConfig {
        cache_dir: Some(dir.join("cache")),
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::new(engine.clone(), config).expect("sandbox");
    (engine, sandbox)
}

/// A sandbox over a fresh database whose store `name` holds one 1 KB memory
/// at `path` made of `line` repeated, and a session on it.
fn one_memory(
    dir: &std::path::Path,
    db: &str,
    name: &str,
    path: &str,
    line: &str,
) -> (Sandbox, Session, String) {
    let (engine, sandbox) = open(dir, db);
    let s = store(&engine, name);
    let content: String = line.chars().cycle().take(1024).collect();
    engine
        .create_memory(&s.id, path, &content, &user())
        .expect("seed");
    let session = session(&sandbox, std::slice::from_ref(&s));
    (sandbox, session, content)
}

fn perf_01(dir: &std::path::Path) {
    let (sandbox, session, content) = one_memory(
        dir,
        "perf01.db",
        "Bench",
        "/doc.md",
        "memstore bench line of text\n",
    );

    let input = r#"{"file_path":"/mnt/memory/bench/doc.md"}"#;
    let tool = || {
        let result = sandbox.tool_call(&session.id, "read", input).expect("tool");
        assert_eq!(result.content, content, "the read tool returns the memory");
    };
    let reader = component(&sandbox, guests::READ);
    let args = vec!["/mnt/memory/bench/doc.md".to_owned()];
    let minimal = || {
        let exec = sandbox
            .run_loaded(&session.id, &reader, &args)
            .expect("call");
        assert_eq!(exec.stdout.len(), 1024);
    };
    for _ in 0..50 {
        tool();
        minimal();
    }
    let (t50, t99) = measure(1000, tool);
    let (m50, m99) = measure(1000, minimal);

    let file = dir.join("doc.md");
    std::fs::write(&file, &content).expect("file");
    let cat = || {
        let out = std::process::Command::new("cat")
            .arg(&file)
            .output()
            .expect("cat");
        assert_eq!(out.stdout.len(), 1024);
    };
    for _ in 0..10 {
        cat();
    }
    let (c50, c99) = measure(300, cat);
    let ratio = |base: Duration, x: Duration| base.as_secs_f64() / x.as_secs_f64();
    println!(
        "PERF-01 built-in `read` tool call of a 1 KB memory (warm, in process): p50 {t50:?}  p99 {t99:?}"
    );
    println!("        baseline: spawn native `cat` of the same bytes:  p50 {c50:?}  p99 {c99:?}");
    println!(
        "        speed-up vs cat: p50 {:.1}x  p99 {:.1}x  (goal >= 10x)",
        ratio(c50, t50),
        ratio(c99, t99)
    );
    println!(
        "        minimal read guest (std::fs::read, no JSON): p50 {m50:?}  p99 {m99:?}  ({:.1}x / {:.1}x cat)",
        ratio(c50, m50),
        ratio(c99, m99)
    );
}

/// 8 stores of `per_store` memories in 10 top-level directories.
fn fill(engine: &Engine, tag: &str, per_store: usize) -> Vec<MemoryStore> {
    let stores: Vec<MemoryStore> = (0..8)
        .map(|i| store(engine, &format!("{tag} store {i}")))
        .collect();
    let threads = 64;
    std::thread::scope(|scope| {
        for t in 0..threads {
            let (engine, stores) = (engine.clone(), &stores);
            scope.spawn(move || {
                for s in stores {
                    for i in (t..per_store).step_by(threads) {
                        let path = format!("/dir{}/note{i:05}.md", i % 10);
                        engine
                            .create_memory(&s.id, &path, "a short note\n", &user())
                            .expect("fill");
                    }
                }
            });
        }
    });
    stores
}

/// What to list in a freshly opened session.
#[derive(Clone, Copy)]
enum Listing {
    /// `/mnt/memory` only: the open itself, touching no store.
    Root,
    /// Every mount, one level (`ls -1`).
    Mounts,
    /// The first mount, recursively (`ls -R`, what `glob **` walks).
    FirstMountRecursive,
}

/// Opens a session on `stores` and runs one listing in it: the elapsed time
/// and how many entries were listed.
fn open_and_list(
    sandbox: &Sandbox,
    stores: &[MemoryStore],
    lister: &LoadedComponent,
    listing: Listing,
) -> (Duration, usize) {
    let t = Instant::now();
    let s = session(sandbox, stores);
    let mounts = s.resources.iter().map(|r| r.mount_path.clone());
    let args: Vec<String> = match listing {
        Listing::Root => vec!["-1".into(), "/mnt/memory".into()],
        Listing::Mounts => std::iter::once("-1".into()).chain(mounts).collect(),
        Listing::FirstMountRecursive => {
            std::iter::once("-r".into()).chain(mounts.take(1)).collect()
        }
    };
    let exec = sandbox.run_loaded(&s.id, lister, &args).expect("list");
    let out = String::from_utf8_lossy(&exec.stdout).into_owned();
    let total = out
        .lines()
        .find_map(|l| l.strip_prefix("total:"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    (t.elapsed(), total)
}

fn perf_03(dir: &std::path::Path) {
    let (engine, sandbox) = open(dir, "perf03.db");
    let t = Instant::now();
    let small = fill(&engine, "small", 10);
    let large = fill(&engine, "large", 10_000);
    println!(
        "PERF-03 setup: 8 x 10 and 8 x 10,000 memories written in {:?}",
        t.elapsed()
    );
    let lister = component(&sandbox, guests::LIST);
    open_and_list(&sandbox, &small, &lister, Listing::Mounts);
    let runs = 21;
    // Small and large alternate, so drift of a noisy machine hits both.
    let median_pair = |listing: Listing| {
        let (mut s, mut l): (Vec<_>, Vec<_>) = (0..runs)
            .map(|_| {
                (
                    open_and_list(&sandbox, &small, &lister, listing),
                    open_and_list(&sandbox, &large, &lister, listing),
                )
            })
            .unzip();
        s.sort();
        l.sort();
        (s[runs / 2], l[runs / 2])
    };
    let ratio = |l: Duration, s: Duration| l.as_secs_f64() / s.as_secs_f64();
    let ((s_open, _), (l_open, _)) = median_pair(Listing::Root);
    println!(
        "PERF-03 session open (create, first call, list /mnt/memory): 8x10,000 {l_open:?} vs 8x10 {s_open:?}: ratio {:.2} (goal <= 1.5)",
        ratio(l_open, s_open)
    );
    let ((s_list, s_n), (l_list, l_n)) = median_pair(Listing::Mounts);
    println!(
        "        open + first listing of all 8 mounts: 8x10,000 {l_list:?} ({l_n} entries) vs 8x10 {s_list:?} ({s_n} entries): ratio {:.2}",
        ratio(l_list, s_list)
    );
    let (s_walk, s_files) = open_and_list(&sandbox, &small, &lister, Listing::FirstMountRecursive);
    let (l_walk, l_files) = open_and_list(&sandbox, &large, &lister, Listing::FirstMountRecursive);
    println!(
        "        open + first `ls -R` of one mount: 10,000 memories {l_walk:?} ({l_files} entries) vs 10 {s_walk:?} ({s_files} entries): {:.1} us per entry",
        l_walk.as_secs_f64() * 1e6 / l_files.max(1) as f64
    );
}

fn perf_06(dir: &std::path::Path) {
    let (sandbox, session, content) = one_memory(
        dir,
        "perf06.db",
        "Notes",
        "/note.md",
        "a line of notes with an x in it\nand one without\n",
    );
    // The same file at the same relative path for the native shell.
    let native = dir.join("native");
    std::fs::create_dir_all(native.join("notes")).expect("dir");
    std::fs::write(native.join("notes/note.md"), &content).expect("file");
    let commands = [
        "echo hi",
        "cat notes/note.md",
        "grep -c x notes/note.md | wc -l",
        "cat notes/note.md | grep x | wc -l",
    ];
    let ratio = |base: Duration, x: Duration| base.as_secs_f64() / x.as_secs_f64();
    // Where a call's time goes: the bash component instantiated and run to
    // its first line (a usage error, before any shell is built).
    let bash = sandbox
        .load(memstore::sandbox::BASH_WASM)
        .expect("bash component");
    let bare = || {
        let exec = sandbox.run_loaded(&session.id, &bash, &[]).expect("run");
        assert!(!exec.stdout.is_empty());
    };
    for _ in 0..20 {
        bare();
    }
    let (i50, i99) = measure(300, bare);
    println!(
        "PERF-06 of which: instantiating the bash component and exiting at once: p50 {i50:?}  p99 {i99:?}"
    );
    for command in commands {
        let input = serde_json::json!({ "command": command }).to_string();
        let expected = std::process::Command::new("bash")
            .args(["-c", command])
            .current_dir(&native)
            .output()
            .expect("bash");
        let expected = String::from_utf8_lossy(&expected.stdout)
            .trim_end_matches('\n')
            .to_owned();
        let tool = || {
            let r = sandbox
                .tool_call(&session.id, "bash", &input)
                .expect("tool");
            assert_eq!((r.content.as_str(), r.is_error), (expected.as_str(), false));
        };
        let spawn = || {
            let out = std::process::Command::new("bash")
                .args(["-c", command])
                .current_dir(&native)
                .output()
                .expect("bash");
            assert!(out.status.success());
        };
        for _ in 0..20 {
            tool();
            spawn();
        }
        let (t50, t99) = measure(300, tool);
        let (b50, b99) = measure(300, spawn);
        println!(
            "PERF-06 `bash` tool call `{command}` (warm, in process): p50 {t50:?}  p99 {t99:?}"
        );
        println!("        baseline: spawn native `bash -c` with it:  p50 {b50:?}  p99 {b99:?}");
        println!(
            "        speed-up vs bash -c: p50 {:.1}x  p99 {:.1}x  (goal >= 5x at p50)",
            ratio(b50, t50),
            ratio(b99, t99)
        );
    }
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let only = std::env::args().skip(1).find(|a| a.starts_with("perf"));
    if only.as_deref().is_none_or(|o| o == "perf01") {
        perf_01(dir.path());
    }
    if only.as_deref().is_none_or(|o| o == "perf03") {
        perf_03(dir.path());
    }
    if only.as_deref().is_none_or(|o| o == "perf06") {
        perf_06(dir.path());
    }
}
