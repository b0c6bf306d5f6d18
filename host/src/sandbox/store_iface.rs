//! `memstore:memory/store`: precondition-aware access to the mounts for
//! tools that want content hashes (TOOL-05, TOOL-07).
//!
//! Each call is one store-engine call on the mount's store, committed at
//! once: a write returns its version id, so it cannot wait for the end of
//! the tool call. Access is the mount's (read-only mounts and archived stores
//! refuse every mutation). Must not bypass the mount table.

use super::bindings::store_iface::{self, Entry, Error, Memory, Mount};
use super::filesystem::FsView;
use crate::store::{Change, MemoryListItem, MemoryQuery, MemoryUpdate, Precondition, StoreError};
use crate::vfs::{MountTable, Place};

type Answer<T> = wasmtime::Result<Result<T, Error>>;

fn precondition(if_sha256: Option<String>) -> Precondition {
    match if_sha256 {
        None => Precondition::None,
        Some(s) if s.is_empty() => Precondition::Absent,
        Some(s) => Precondition::ContentSha256(s),
    }
}

fn store_error(mounts: &MountTable, mount: usize, e: StoreError) -> Error {
    let shown = |p: &str| {
        Place::In {
            mount,
            path: p.to_owned(),
        }
        .display(mounts)
    };
    match e {
        StoreError::TooLarge { size, .. } => Error::TooLarge(size as u64),
        StoreError::PathConflict {
            conflicting_path, ..
        } => Error::Conflict(shown(&conflicting_path)),
        StoreError::PreconditionFailed { actual, .. } => Error::PreconditionFailed(actual),
        StoreError::InvalidPath { .. } => Error::InvalidPath(e.to_string()),
        StoreError::Archived(_) => Error::ReadOnly(e.to_string()),
        StoreError::CapacityExceeded { .. } => Error::NoSpace(e.to_string()),
        e if e.kind() == crate::store::ErrorKind::NotFound => Error::NotFound(e.to_string()),
        e => Error::Other(e.to_string()),
    }
}

impl FsView<'_> {
    /// The mount and store path of an absolute sandbox path.
    fn locate(&self, path: &str, writing: bool) -> Result<(usize, String), Error> {
        let (mount, store_path) = self.vfs.mounts().split(path).ok_or_else(|| {
            Error::InvalidPath(format!("{path} is not inside a mount under /mnt/memory"))
        })?;
        if writing && !self.vfs.mounts().get(mount).is_some_and(|m| m.writable) {
            return Err(Error::ReadOnly(format!("{path} is on a read-only mount")));
        }
        Ok((mount, store_path))
    }

    fn store_of(&self, mount: usize) -> String {
        self.vfs
            .mounts()
            .get(mount)
            .map(|m| m.store_id.clone())
            .unwrap_or_default()
    }

    fn record(&mut self, change: Option<Change>) {
        if let Some(c) = change {
            self.vfs.record_direct(c);
        }
    }
}

impl store_iface::Host for FsView<'_> {
    fn mounts(&mut self) -> wasmtime::Result<Vec<Mount>> {
        let table = self.vfs.mounts();
        Ok(table
            .mounts()
            .iter()
            .map(|m| Mount {
                path: m.path(),
                name: m.name.clone(),
                writable: m.writable,
            })
            .collect())
    }

    fn read(&mut self, path: String) -> Answer<Memory> {
        let (mount, store_path) = match self.locate(&path, false) {
            Ok(l) => l,
            Err(e) => return Ok(Err(e)),
        };
        let found = self
            .vfs
            .engine()
            .memory_at(&self.store_of(mount), &store_path);
        Ok(match found {
            Ok(Some(m)) => Ok(Memory {
                path,
                content: m.content.unwrap_or_default(),
                content_sha256: m.content_sha256,
                version_id: m.memory_version_id,
            }),
            Ok(None) => Err(Error::NotFound(path)),
            Err(e) => Err(store_error(self.vfs.mounts(), mount, e)),
        })
    }

    fn write(
        &mut self,
        path: String,
        content: String,
        if_sha256: Option<String>,
    ) -> Answer<String> {
        let (mount, store_path) = match self.locate(&path, true) {
            Ok(l) => l,
            Err(e) => return Ok(Err(e)),
        };
        let engine = self.vfs.engine().clone();
        let actor = self.vfs.actor().clone();
        match engine.put_memory(
            &self.store_of(mount),
            &store_path,
            &content,
            precondition(if_sha256),
            &actor,
        ) {
            Ok(outcome) => {
                let version = outcome.memory.memory_version_id.clone();
                self.record(outcome.change);
                Ok(Ok(version))
            }
            Err(e) => Ok(Err(store_error(self.vfs.mounts(), mount, e))),
        }
    }

    fn delete(&mut self, path: String, if_sha256: Option<String>) -> Answer<()> {
        let (mount, store_path) = match self.locate(&path, true) {
            Ok(l) => l,
            Err(e) => return Ok(Err(e)),
        };
        let pre = match if_sha256 {
            Some(s) => Precondition::ContentSha256(s),
            None => Precondition::None,
        };
        let engine = self.vfs.engine().clone();
        let actor = self.vfs.actor().clone();
        match engine.delete_memory_at(&self.store_of(mount), &store_path, pre, &actor) {
            Ok(change) => {
                self.record(Some(change));
                Ok(Ok(()))
            }
            Err(e) => Ok(Err(store_error(self.vfs.mounts(), mount, e))),
        }
    }

    fn rename(&mut self, from: String, to: String) -> Answer<()> {
        let located = self
            .locate(&from, true)
            .and_then(|a| Ok((a, self.locate(&to, true)?)));
        let ((mount, src), (to_mount, dst)) = match located {
            Ok(l) => l,
            Err(e) => return Ok(Err(e)),
        };
        if mount != to_mount {
            return Ok(Err(Error::InvalidPath(
                "cannot rename between mounts".into(),
            )));
        }
        let (engine, actor, store) = (
            self.vfs.engine().clone(),
            self.vfs.actor().clone(),
            self.store_of(mount),
        );
        let result = engine.memory_at(&store, &src).and_then(|m| {
            let m = m.ok_or_else(|| StoreError::PathNotFound(from.clone()))?;
            let update = MemoryUpdate {
                path: Some(dst),
                ..MemoryUpdate::default()
            };
            engine.update_memory(&store, &m.id, update, &actor)
        });
        match result {
            Ok(outcome) => {
                self.record(outcome.change);
                Ok(Ok(()))
            }
            Err(e) => Ok(Err(store_error(self.vfs.mounts(), mount, e))),
        }
    }

    fn list(&mut self, prefix: String, depth: u32) -> Answer<Vec<Entry>> {
        let (mount, store_prefix) = match self.locate(&prefix, false) {
            Ok(l) => l,
            Err(e) => return Ok(Err(e)),
        };
        let mut query = MemoryQuery {
            path_prefix: Some(store_prefix),
            depth: depth as usize,
            limit: 100,
            ..MemoryQuery::default()
        };
        let base = self
            .vfs
            .mounts()
            .get(mount)
            .map(|m| m.path())
            .unwrap_or_default();
        let mut out = Vec::new();
        loop {
            let page = match self
                .vfs
                .engine()
                .list_memories(&self.store_of(mount), &query)
            {
                Ok(p) => p,
                Err(e) => return Ok(Err(store_error(self.vfs.mounts(), mount, e))),
            };
            for item in page.data {
                out.push(match item {
                    MemoryListItem::Memory(m) => Entry {
                        path: format!("{base}{}", m.path),
                        is_dir: false,
                        size: m.content_size_bytes,
                    },
                    MemoryListItem::Prefix(p) => Entry {
                        path: format!("{base}{}", p.path),
                        is_dir: true,
                        size: 0,
                    },
                });
            }
            match page.next_page {
                Some(next) => query.page = Some(next),
                None => return Ok(Ok(out)),
            }
        }
    }
}
