//! Helpers shared by the integration tests: a fresh engine on a real SQLite
//! file in a temporary directory.

#![allow(dead_code)]

pub mod cli;

use std::path::PathBuf;

use memstore::sandbox::Sandbox;
use memstore::store::sessions::{Access, NewAttachment, NewSession, Session};
use memstore::store::{
    Actor, Engine, EngineConfig, Memory, MemoryListItem, MemoryQuery, MemoryStore, MemoryVersion,
    NewStore, VersionQuery, View, WriteOutcome,
};
use tempfile::TempDir;

/// Where the tests keep compiled components: one directory for every test
/// binary of the build, so the bash component (tens of seconds to compile
/// in a debug build) is compiled once per engine configuration, not once
/// per test binary.
pub fn component_cache() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("component-cache")
}

/// An engine on a database file that lives as long as the value.
pub struct TestDb {
    pub dir: TempDir,
    pub engine: Engine,
}

impl TestDb {
    pub fn new() -> Self {
        Self::with_config(EngineConfig::default())
    }

    pub fn with_config(config: EngineConfig) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let engine = memstore::open(dir.path().join("memstore.db"), config).expect("open");
        Self { dir, engine }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("memstore.db")
    }

    /// Creates a memory as the test user; any failure fails the test.
    pub fn create(&self, store: &str, path: &str, content: &str) -> WriteOutcome {
        self.engine
            .create_memory(store, path, content, &user())
            .expect("create memory")
    }

    /// The content of the memory at `path`, if there is one.
    pub fn content(&self, store: &str, path: &str) -> Option<String> {
        self.engine
            .memory_at(store, path)
            .expect("read")
            .and_then(|m| m.content)
    }

    pub fn store(&self, name: &str) -> MemoryStore {
        self.engine
            .create_store(
                NewStore {
                    workspace_id: "default".into(),
                    name: name.into(),
                    ..NewStore::default()
                },
                &user(),
            )
            .expect("create store")
    }
}

pub fn user() -> Actor {
    Actor::User {
        user_id: "user_test".into(),
    }
}

pub fn api(key: &str) -> Actor {
    Actor::Api {
        api_key_id: key.into(),
    }
}

pub fn session(id: &str) -> Actor {
    Actor::Session {
        session_id: id.into(),
    }
}

pub fn seed_tree(db: &TestDb, store: &str) {
    for p in ["/a/x", "/a/y/1", "/a/y/2", "/a/z/deep/1", "/b", "/c/1"] {
        db.engine.create_memory(store, p, p, &user()).unwrap();
    }
}

pub fn versions(db: &TestDb, store: &str) -> Vec<MemoryVersion> {
    versions_where(db, store, VersionQuery::default())
}

pub fn versions_where(db: &TestDb, store: &str, q: VersionQuery) -> Vec<MemoryVersion> {
    let mut out = Vec::new();
    let mut q = VersionQuery {
        limit: 100,
        view: View::Full,
        ..q
    };
    loop {
        let p = db.engine.list_versions(store, &q).unwrap();
        out.extend(p.data);
        match p.next_page {
            Some(n) => q.page = Some(n),
            None => return out,
        }
    }
}

pub fn file_contains(db: &TestDb, needle: &[u8]) -> bool {
    db.engine.checkpoint().unwrap();
    let dir = db.dir.path();
    std::fs::read_dir(dir).unwrap().any(|f| {
        let bytes = std::fs::read(f.unwrap().path()).unwrap();
        bytes.windows(needle.len()).any(|w| w == needle)
    })
}

/// Opens a session of the default workspace with `attach`, in order.
pub fn open_session(sandbox: &Sandbox, attach: &[(&MemoryStore, Access)]) -> Session {
    sandbox
        .create_session(NewSession {
            workspace_id: "default".into(),
            owner_api_key_id: None,
            resources: attach
                .iter()
                .map(|(s, access)| NewAttachment {
                    memory_store_id: s.id.clone(),
                    access: *access,
                    instructions: String::new(),
                })
                .collect(),
        })
        .expect("create session")
}

/// Paths and hashes of every memory of `store`, plus its number of
/// versions: equal snapshots mean the store is unchanged.
pub fn store_snapshot(db: &TestDb, store: &MemoryStore) -> (Vec<(String, String)>, usize) {
    let memories = memories(db, &store.id)
        .into_iter()
        .map(|m| (m.path, m.content_sha256))
        .collect();
    (memories, versions(db, &store.id).len())
}

/// Every live memory of a store (without content), in path order.
pub fn memories(db: &TestDb, store: &str) -> Vec<Memory> {
    let mut out = Vec::new();
    let mut q = MemoryQuery {
        limit: 100,
        ..MemoryQuery::default()
    };
    loop {
        let page = db.engine.list_memories(store, &q).expect("list");
        for item in page.data {
            if let MemoryListItem::Memory(m) = item {
                out.push(m);
            }
        }
        match page.next_page {
            Some(p) => q.page = Some(p),
            None => return out,
        }
    }
}

/// The paths of a listing, in order.
pub fn paths(items: &[MemoryListItem]) -> Vec<&str> {
    items.iter().map(MemoryListItem::path).collect()
}
