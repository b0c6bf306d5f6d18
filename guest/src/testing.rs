//! Test fixtures: a temporary directory standing in for `/mnt/memory`, with a
//! read-write mount `notes` and a read-only mount `docs`, served by
//! [`NativeStore`].

use std::fs;

use tempfile::TempDir;

use crate::native_store::NativeStore;
use crate::store::Mount;
use crate::{Session, ToolResult};

pub struct Sandbox {
    dir: TempDir,
    store: NativeStore,
}

impl Sandbox {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_str().unwrap().to_string();
        let mut mounts = Vec::new();
        for (name, writable) in [("notes", true), ("docs", false)] {
            let path = format!("{root}/{name}");
            fs::create_dir(&path).unwrap();
            mounts.push(Mount { path, writable });
        }
        Sandbox {
            dir,
            store: NativeStore::new(mounts),
        }
    }

    /// The directory playing `/mnt/memory`.
    pub fn root(&self) -> String {
        self.dir.path().to_str().unwrap().to_string()
    }

    pub fn mount(&self, name: &str) -> String {
        format!("{}/{name}", self.root())
    }

    pub fn store(&self) -> &NativeStore {
        &self.store
    }

    pub fn session(&self) -> Session<'_> {
        Session::new(&self.store, &self.root(), None)
    }

    /// Writes `content` at `rel` inside mount `mount`, returning its path.
    pub fn file(&self, mount: &str, rel: &str, content: &str) -> String {
        let path = format!("{}/{rel}", self.mount(mount));
        fs::create_dir_all(crate::paths::parent(&path)).unwrap();
        fs::write(&path, content).unwrap();
        path
    }

    pub fn read(&self, path: &str) -> String {
        fs::read_to_string(path).unwrap()
    }

    /// Runs `tool` with `input` and returns the result.
    pub fn run(&self, tool: &str, input: serde_json::Value) -> ToolResult {
        self.session().run(tool, &input.to_string())
    }
}

/// A store that lets another writer change a file right before this call's
/// first write, to exercise the precondition path (TOOL-05).
pub struct Interfering<'a> {
    inner: &'a NativeStore,
    writes: std::cell::Cell<usize>,
    /// Content the "other writer" puts at the path, per write attempt (the
    /// first entry before the first write, the second before the second).
    meddle: Vec<(String, String)>,
}

impl<'a> Interfering<'a> {
    pub fn new(inner: &'a NativeStore, meddle: Vec<(String, String)>) -> Self {
        Interfering {
            inner,
            writes: std::cell::Cell::new(0),
            meddle,
        }
    }
}

impl crate::store::Store for Interfering<'_> {
    fn mounts(&self) -> Vec<Mount> {
        self.inner.mounts()
    }

    fn read(&self, path: &str) -> Result<crate::store::Memory, crate::store::StoreError> {
        self.inner.read(path)
    }

    fn write(
        &self,
        path: &str,
        content: &str,
        if_sha256: Option<&str>,
    ) -> Result<(), crate::store::StoreError> {
        let n = self.writes.get();
        self.writes.set(n + 1);
        if let Some((other_path, other_content)) = self.meddle.get(n) {
            fs::write(other_path, other_content).unwrap();
        }
        self.inner.write(path, content, if_sha256)
    }
}
