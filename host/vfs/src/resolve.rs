//! Path resolution confined to a mount (FS-07, SEC-03).
//!
//! Owns the walk of a guest-supplied relative path from a directory
//! descriptor. `..` never leaves the mount it starts in, absolute paths are
//! refused (they resolve only through preopens, in the guest's libc), and
//! the result is checked against the store's path rules (MEM-03). Must not
//! look at the store: existence is the tree's business.

use super::error::{Errno, FsError, FsResult};
use super::mount::{MOUNT_ROOT, MountTable};
use memstore_store::limits::MAX_PATH_BYTES;
use memstore_store::path;

/// Longest path argument walked at all; anything longer cannot name a
/// memory (1,024 bytes) even after `..` and `.` are removed from a sane path.
const MAX_ARG_BYTES: usize = 4 * MAX_PATH_BYTES;

/// Where a path lands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// `/mnt/memory` itself, the read-only list of mounts.
    Root,
    /// A path inside a mount: its index and store path (`/` for the mount root).
    In {
        /// Mount index.
        mount: usize,
        /// Store path, `/` or a valid memory path.
        path: String,
    },
}

impl Place {
    /// The path as the guest sees it, for messages.
    pub fn display(&self, mounts: &MountTable) -> String {
        match self {
            Self::Root => MOUNT_ROOT.to_owned(),
            Self::In { mount, path } => {
                let base = mounts.get(*mount).map(|m| m.path()).unwrap_or_default();
                if path == "/" {
                    base
                } else {
                    format!("{base}{path}")
                }
            }
        }
    }
}

/// Resolves `arg` relative to `base`.
///
/// # Errors
/// `not-permitted` for absolute paths and `..` leaving the mount,
/// `no-entry` for an unknown mount, `invalid`/`name-too-long` for paths that
/// break MEM-03.
pub fn resolve(mounts: &MountTable, base: &Place, arg: &str) -> FsResult<Place> {
    if arg.len() > MAX_ARG_BYTES {
        return Err(FsError::new(
            Errno::NameTooLong,
            format!("path of {} bytes is too long", arg.len()),
        ));
    }
    if arg.contains('\0') {
        return Err(FsError::new(
            Errno::Invalid,
            "path contains a NUL character",
        ));
    }
    if arg.starts_with('/') {
        return Err(FsError::new(
            Errno::NotPermitted,
            format!("absolute path {arg:?} is not allowed here; paths are relative to a mount"),
        ));
    }
    let (mut mount, mut segments): (Option<usize>, Vec<&str>) = match base {
        Place::Root => (None, Vec::new()),
        Place::In { mount, path } => (
            Some(*mount),
            path.split('/').filter(|s| !s.is_empty()).collect(),
        ),
    };
    for segment in arg.split('/') {
        match (segment, mount) {
            ("" | ".", _) => {}
            ("..", Some(_)) if !segments.is_empty() => {
                segments.pop();
            }
            ("..", _) => {
                return Err(FsError::new(
                    Errno::NotPermitted,
                    format!("{arg:?} would leave the mount"),
                ));
            }
            (slug, None) => {
                mount = Some(
                    mounts
                        .by_slug(slug)
                        .ok_or_else(|| FsError::not_found(&format!("{MOUNT_ROOT}/{slug}")))?,
                );
            }
            (name, Some(_)) => segments.push(name),
        }
    }
    let Some(mount) = mount else {
        return Ok(Place::Root);
    };
    if segments.is_empty() {
        return Ok(Place::In {
            mount,
            path: "/".into(),
        });
    }
    let store_path = format!("/{}", segments.join("/"));
    path::validate(&store_path).map_err(|reason| FsError::path(&store_path, &reason))?;
    Ok(Place::In {
        mount,
        path: store_path,
    })
}

/// Whether `arg` can only name a directory: it ends in `/` (or `/.`), so
/// POSIX resolves it as a directory and a file there is `not-directory`
/// (FS-10). `resolve` drops the empty segment; callers that find a file
/// check this.
pub fn names_directory(arg: &str) -> bool {
    arg.ends_with('/') || arg.ends_with("/.")
}

/// The parent directory of a store path (`/a/b` → `/a`, `/a` → `/`).
pub fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// The prefix under which a directory's children live (`/` → `/`, `/a` → `/a/`).
pub fn dir_prefix(dir: &str) -> String {
    if dir == "/" {
        "/".into()
    } else {
        format!("{dir}/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mount::Mount;

    fn table() -> MountTable {
        MountTable::new(
            ["a", "b"]
                .iter()
                .map(|s| Mount {
                    slug: (*s).into(),
                    store_id: (*s).into(),
                    name: (*s).into(),
                    writable: true,
                })
                .collect(),
        )
    }

    fn at(mount: usize, path: &str) -> Place {
        Place::In {
            mount,
            path: path.into(),
        }
    }

    #[test]
    fn fs_07_dotdot_never_leaves_the_mount() {
        let t = table();
        assert_eq!(resolve(&t, &at(0, "/x"), "../y").unwrap(), at(0, "/y"));
        assert_eq!(
            resolve(&t, &at(0, "/"), "x/../../b/secret")
                .unwrap_err()
                .code,
            Errno::NotPermitted
        );
        assert_eq!(
            resolve(&t, &at(0, "/"), "..").unwrap_err().code,
            Errno::NotPermitted
        );
        assert_eq!(
            resolve(&t, &Place::Root, "..").unwrap_err().code,
            Errno::NotPermitted
        );
    }

    #[test]
    fn sec_03_absolute_nul_and_non_nfc_paths_are_refused() {
        let t = table();
        assert_eq!(
            resolve(&t, &at(0, "/"), "/etc/passwd").unwrap_err().code,
            Errno::NotPermitted
        );
        assert_eq!(
            resolve(&t, &at(0, "/"), "a\0b").unwrap_err().code,
            Errno::Invalid
        );
        assert_eq!(
            resolve(&t, &at(0, "/"), "e\u{301}.md").unwrap_err().code,
            Errno::Invalid
        );
        let deep = vec!["d"; 21].join("/");
        assert_eq!(
            resolve(&t, &at(0, "/"), &deep).unwrap_err().code,
            Errno::NameTooLong
        );
        assert_eq!(
            resolve(&t, &at(0, "/"), &"x".repeat(5000))
                .unwrap_err()
                .code,
            Errno::NameTooLong
        );
    }

    #[test]
    fn fs_10_a_trailing_slash_names_a_directory() {
        assert!(names_directory("a/b/"));
        assert!(names_directory("a/b/."));
        assert!(!names_directory("a/b"));
        assert!(!names_directory("a/.b"));
    }

    #[test]
    fn fs_01_root_resolves_into_mounts() {
        let t = table();
        assert_eq!(resolve(&t, &Place::Root, "b/n.md").unwrap(), at(1, "/n.md"));
        assert_eq!(resolve(&t, &Place::Root, ".").unwrap(), Place::Root);
        assert_eq!(
            resolve(&t, &Place::Root, "zzz").unwrap_err().code,
            Errno::NoEntry
        );
    }
}
