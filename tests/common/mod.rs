//! Helpers shared by the integration tests: a fresh engine on a real SQLite
//! file in a temporary directory, or on a fresh database of a real
//! PostgreSQL server (the backend suite runs its cases on both).

#![allow(dead_code)]

pub mod cli;
pub mod postgres;

/// The test's database on the backend of the calling module (its `BACKEND`
/// constant: the backend suite includes each case file once per backend);
/// returns from the test, skipping it, when that backend's server is not
/// available here.
#[allow(unused_macros)]
macro_rules! test_db {
    () => {
        test_db!(memstore::store::EngineConfig::default())
    };
    ($config:expr) => {
        match crate::common::TestDb::on(BACKEND, $config) {
            Some(db) => db,
            None => return,
        }
    };
}

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

/// The database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// An engine on a database that lives as long as the value.
pub struct TestDb {
    pub dir: TempDir,
    // Dropped before the database it uses.
    pub engine: Engine,
    pub backend: Backend,
    pg: Option<postgres::PgDatabase>,
}

impl TestDb {
    /// An SQLite file.
    pub fn new() -> Self {
        Self::with_config(EngineConfig::default())
    }

    /// An SQLite file with `config`.
    pub fn with_config(config: EngineConfig) -> Self {
        Self::on(Backend::Sqlite, config).expect("SQLite is always there")
    }

    /// A fresh database of `backend`, or `None` when that backend's server
    /// is not available here (see [`postgres::admin_url`]).
    pub fn on(backend: Backend, config: EngineConfig) -> Option<Self> {
        let dir = tempfile::tempdir().expect("temp dir");
        let pg = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(postgres::PgDatabase::create()?),
        };
        let db = pg.as_ref().map_or_else(
            || dir.path().join("memstore.db").display().to_string(),
            |pg| pg.url.clone(),
        );
        let engine = memstore::open(&db, config).expect("open");
        Some(Self {
            dir,
            engine,
            backend,
            pg,
        })
    }

    /// The SQLite file; a test that reads it runs on SQLite only.
    pub fn path(&self) -> PathBuf {
        assert_eq!(self.backend, Backend::Sqlite, "only SQLite has a file");
        self.dir.path().join("memstore.db")
    }

    /// What `--db` would name: the file, or the PostgreSQL URL.
    pub fn db_arg(&self) -> String {
        self.pg
            .as_ref()
            .map_or_else(|| self.path().display().to_string(), |pg| pg.url.clone())
    }

    /// Runs one statement behind the engine's back (tampering tests). The
    /// SQL must mean the same in both dialects; parameters are `$1`, `$2`…
    pub fn execute(&self, sql: &str, params: &[&str]) -> usize {
        match &self.pg {
            None => {
                let conn = rusqlite::Connection::open(self.path()).unwrap();
                conn.execute(sql, rusqlite::params_from_iter(params))
                    .unwrap()
            }
            Some(pg) => {
                let params: Vec<&(dyn ::postgres::types::ToSql + Sync)> = params
                    .iter()
                    .map(|p| p as &(dyn ::postgres::types::ToSql + Sync))
                    .collect();
                pg.client().execute(sql, &params).unwrap() as usize
            }
        }
    }

    /// The salt, commitment and link stored for a version.
    pub fn chain_columns(&self, version_id: &str) -> (Option<Vec<u8>>, Vec<u8>, Vec<u8>) {
        let sql = "SELECT salt, commitment, link FROM versions WHERE id = $1";
        match &self.pg {
            None => rusqlite::Connection::open(self.path())
                .unwrap()
                .query_row(sql, [version_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap(),
            Some(pg) => {
                let row = pg.client().query_one(sql, &[&version_id]).unwrap();
                (row.get(0), row.get(1), row.get(2))
            }
        }
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

/// Whether the database still holds `needle` anywhere: on SQLite, in the
/// bytes of its files after a checkpoint; on PostgreSQL, in any column of
/// any row of the tables that hold content, paths and events, after the
/// backend's checkpoint (a VACUUM of them).
pub fn file_contains(db: &TestDb, needle: &[u8]) -> bool {
    db.engine.checkpoint().unwrap();
    if let Some(pg) = &db.pg {
        let needle = std::str::from_utf8(needle).expect("PostgreSQL needles are text");
        let found: bool = pg
            .client()
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM versions t WHERE strpos(t::text, $1) > 0) \
                     OR EXISTS (SELECT 1 FROM memories t WHERE strpos(t::text, $1) > 0) \
                     OR EXISTS (SELECT 1 FROM events t WHERE strpos(t::text, $1) > 0)",
                &[&needle],
            )
            .unwrap()
            .get(0);
        return found;
    }
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
