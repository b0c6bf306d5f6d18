//! A [`Store`] over a plain host directory, for running the tools natively:
//! unit tests and the differential test against the Python reference.
//!
//! It keeps the store's semantics that the tools rely on — read-only mounts,
//! content hashes, precondition writes, the size cap and path conflicts —
//! using `std::fs` underneath. It is not compiled into the component.

use std::fs;
use std::io;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::paths;
use crate::store::{MAX_CONTENT_BYTES, Memory, Mount, Store, StoreError};

/// Mounts that are directories on the host's own filesystem.
pub struct NativeStore {
    mounts: Vec<Mount>,
}

impl NativeStore {
    /// A store serving `mounts`, whose paths are absolute host directories.
    pub fn new(mounts: Vec<Mount>) -> Self {
        NativeStore { mounts }
    }
}

/// Lowercase hex SHA-256, as the store reports `content-sha256`.
pub fn sha256_hex(content: &str) -> String {
    hex::encode(Sha256::digest(content.as_bytes()))
}

fn other(err: &io::Error) -> StoreError {
    StoreError::Other(paths::io_reason(err))
}

impl Store for NativeStore {
    fn mounts(&self) -> Vec<Mount> {
        self.mounts.clone()
    }

    fn read(&self, path: &str) -> Result<Memory, StoreError> {
        match fs::read_to_string(path) {
            Ok(content) => {
                let sha256 = sha256_hex(&content);
                Ok(Memory { content, sha256 })
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(StoreError::NotFound(path.into())),
            Err(e) => Err(other(&e)),
        }
    }

    fn write(&self, path: &str, content: &str, if_sha256: Option<&str>) -> Result<(), StoreError> {
        let Some(mount) = paths::mount_of(&self.mounts, path).filter(|m| m.path != path) else {
            return Err(StoreError::InvalidPath(format!(
                "{path} is not inside a mount"
            )));
        };
        if !mount.writable {
            return Err(StoreError::ReadOnly(mount.path.clone()));
        }
        if content.len() as u64 > MAX_CONTENT_BYTES {
            return Err(StoreError::TooLarge(content.len() as u64));
        }
        // A path cannot be a file and a directory at once (MEM-04).
        let mut ancestor = paths::parent(path);
        while ancestor.len() > mount.path.len() {
            if Path::new(ancestor).is_file() {
                return Err(StoreError::Conflict(ancestor.into()));
            }
            ancestor = paths::parent(ancestor);
        }
        if Path::new(path).is_dir() {
            return Err(StoreError::Conflict(path.into()));
        }
        if let Some(expected) = if_sha256 {
            let current = match fs::read_to_string(path) {
                Ok(content) => sha256_hex(&content),
                Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
                Err(e) => return Err(other(&e)),
            };
            if current != expected {
                return Err(StoreError::PreconditionFailed(current));
            }
        }
        fs::create_dir_all(paths::parent(path)).map_err(|e| other(&e))?;
        fs::write(path, content).map_err(|e| other(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Sandbox;

    #[test]
    fn mem_05_write_honours_content_precondition() {
        let sb = Sandbox::new();
        let path = sb.file("notes", "a.md", "one");
        let store = sb.store();
        let stale = sha256_hex("zero");
        assert_eq!(
            store.write(&path, "two", Some(&stale)),
            Err(StoreError::PreconditionFailed(sha256_hex("one")))
        );
        store.write(&path, "two", Some(&sha256_hex("one"))).unwrap();
        assert_eq!(store.read(&path).unwrap().content, "two");
    }

    #[test]
    fn mem_05_empty_precondition_requires_absence() {
        let sb = Sandbox::new();
        let path = sb.file("notes", "a.md", "one");
        let store = sb.store();
        assert!(matches!(
            store.write(&path, "x", Some("")),
            Err(StoreError::PreconditionFailed(_))
        ));
        let fresh = format!("{}/new/b.md", sb.mount("notes"));
        store.write(&fresh, "x", Some("")).unwrap();
        assert_eq!(fs::read_to_string(fresh).unwrap(), "x");
    }

    #[test]
    fn mem_04_write_under_a_file_conflicts() {
        let sb = Sandbox::new();
        let path = sb.file("notes", "a.md", "one");
        let store = sb.store();
        assert_eq!(
            store.write(&format!("{path}/x"), "x", None),
            Err(StoreError::Conflict(path))
        );
    }

    #[test]
    fn fs_04_read_only_mount_rejects_writes() {
        let sb = Sandbox::new();
        let store = sb.store();
        let path = format!("{}/x.md", sb.mount("docs"));
        assert!(matches!(
            store.write(&path, "x", None),
            Err(StoreError::ReadOnly(_))
        ));
    }

    #[test]
    fn mem_02_write_over_size_cap_fails() {
        let sb = Sandbox::new();
        let store = sb.store();
        let path = format!("{}/big.md", sb.mount("notes"));
        let big = "x".repeat(102_401);
        assert_eq!(
            store.write(&path, &big, None),
            Err(StoreError::TooLarge(102_401))
        );
        assert!(!Path::new(&path).exists());
    }
}
