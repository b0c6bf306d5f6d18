//! `memstore:memory/store`: precondition-aware access to the mounts for
//! tools that want content hashes (TOOL-05, TOOL-07).
//!
//! Each host method calls the call's [`memstore_vfs::Vfs`] and converts. The
//! VFS stages `write`, `delete` and `rename` with the call's filesystem
//! changes, so they commit when the tool exits cleanly and not at all when
//! it traps or hits a limit (TOOL-02); a `write` returns the version id
//! reserved for it. Must not hold store rules or bypass the mount table:
//! access, preconditions and paths are the VFS's.

use super::bindings::store_iface::{self, Entry, Error, Memory, Mount};
use super::filesystem::FsView;
use memstore_store::Precondition;
use memstore_vfs::StoreApiError;

type Answer<T> = wasmtime::Result<Result<T, Error>>;

/// The WIT `if-sha256`: none, `""` for "must not exist", or a hash.
fn precondition(if_sha256: Option<String>) -> Precondition {
    match if_sha256 {
        None => Precondition::None,
        Some(s) if s.is_empty() => Precondition::Absent,
        Some(s) => Precondition::ContentSha256(s),
    }
}

fn error(e: StoreApiError) -> Error {
    match e {
        StoreApiError::NotFound(m) => Error::NotFound(m),
        StoreApiError::InvalidPath(m) => Error::InvalidPath(m),
        StoreApiError::ReadOnly(m) => Error::ReadOnly(m),
        StoreApiError::PreconditionFailed(sha) => Error::PreconditionFailed(sha),
        StoreApiError::Conflict(path) => Error::Conflict(path),
        StoreApiError::TooLarge(size) => Error::TooLarge(size),
        StoreApiError::NoSpace(m) => Error::NoSpace(m),
        StoreApiError::Other(m) => Error::Other(m),
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
        let found = self.vfs.read_memory(&path).map(|m| Memory {
            path,
            content: m.content,
            content_sha256: m.content_sha256,
            version_id: m.version_id,
        });
        Ok(found.map_err(error))
    }

    fn write(
        &mut self,
        path: String,
        content: String,
        if_sha256: Option<String>,
    ) -> Answer<String> {
        let pre = precondition(if_sha256);
        Ok(self.vfs.write_memory(&path, content, &pre).map_err(error))
    }

    fn delete(&mut self, path: String, if_sha256: Option<String>) -> Answer<()> {
        let pre = precondition(if_sha256);
        Ok(self.vfs.delete_memory(&path, &pre).map_err(error))
    }

    fn rename(&mut self, from: String, to: String) -> Answer<()> {
        Ok(self.vfs.rename_memory(&from, &to).map_err(error))
    }

    fn list(&mut self, prefix: String, depth: u32) -> Answer<Vec<Entry>> {
        let entries = self.vfs.list_memories(&prefix, depth).map(|entries| {
            entries
                .into_iter()
                .map(|e| Entry {
                    path: e.path,
                    is_dir: e.is_dir,
                    size: e.size,
                })
                .collect()
        });
        Ok(entries.map_err(error))
    }
}
