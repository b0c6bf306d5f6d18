//! Helpers shared by the integration tests: a fresh engine on a real SQLite
//! file in a temporary directory.

#![allow(dead_code)]

pub mod cli;

use std::path::PathBuf;

use memstore::store::{Actor, Engine, EngineConfig, MemoryStore, NewStore};
use tempfile::TempDir;

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
        let engine = Engine::open_sqlite(dir.path().join("memstore.db"), config).expect("open");
        Self { dir, engine }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("memstore.db")
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
