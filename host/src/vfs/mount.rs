//! The mount table of a session: which store appears where under
//! `/mnt/memory`, and whether it accepts writes (SES-02, FS-01, FS-04).
//!
//! Owns slug rules and access. Must not touch the store: the sandbox builds
//! the table from the session record and the stores' archive state.

/// The read-only directory that lists the mounts (FS-01).
pub use crate::store::sessions::MOUNT_ROOT;

/// One attached store as a directory of the sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// The directory name under [`MOUNT_ROOT`].
    pub slug: String,
    /// The store behind it.
    pub store_id: String,
    /// Store name as of attach time.
    pub name: String,
    /// Whether mutations are allowed: the attachment is `read_write` and the
    /// store is not archived (STORE-03).
    pub writable: bool,
}

impl Mount {
    /// `/mnt/memory/<slug>`.
    pub fn path(&self) -> String {
        format!("{MOUNT_ROOT}/{}", self.slug)
    }
}

/// The mounts of one session, in attachment order.
#[derive(Debug, Clone, Default)]
pub struct MountTable {
    mounts: Vec<Mount>,
}

impl MountTable {
    /// A table of these mounts.
    pub fn new(mounts: Vec<Mount>) -> Self {
        Self { mounts }
    }

    /// All mounts, in attachment order.
    pub fn mounts(&self) -> &[Mount] {
        &self.mounts
    }

    /// The mount at `index`.
    pub fn get(&self, index: usize) -> Option<&Mount> {
        self.mounts.get(index)
    }

    /// The mount with this slug.
    pub fn by_slug(&self, slug: &str) -> Option<usize> {
        self.mounts.iter().position(|m| m.slug == slug)
    }

    /// Splits an absolute sandbox path into its mount and the store path
    /// (`/mnt/memory/notes/a.md` → notes, `/a.md`).
    pub fn split(&self, sandbox_path: &str) -> Option<(usize, String)> {
        let rest = sandbox_path.strip_prefix(MOUNT_ROOT)?.strip_prefix('/')?;
        let (slug, inner) = rest.split_once('/').unwrap_or((rest, ""));
        Some((self.by_slug(slug)?, format!("/{inner}")))
    }
}

pub use crate::store::sessions::{slugify, unique_slugs};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ses_02_slug_lowercases_and_collapses_punctuation() {
        assert_eq!(slugify("  Team Notes!! (2026) "), "team-notes-2026");
        assert_eq!(slugify("***"), "store");
        assert_eq!(slugify("Ünïcode Ok"), "ünïcode-ok");
    }

    #[test]
    fn ses_02_duplicate_slugs_get_suffixes() {
        let slugs = unique_slugs(["Notes", "notes", "NOTES!", "notes-2"]);
        assert_eq!(slugs, ["notes", "notes-2", "notes-3", "notes-2-2"]);
    }

    #[test]
    fn fs_01_split_maps_sandbox_paths_to_mounts() {
        let table = MountTable::new(vec![Mount {
            slug: "a".into(),
            store_id: "s".into(),
            name: "A".into(),
            writable: true,
        }]);
        assert_eq!(
            table.split("/mnt/memory/a/x/y.md"),
            Some((0, "/x/y.md".into()))
        );
        assert_eq!(table.split("/mnt/memory/a"), Some((0, "/".into())));
        assert_eq!(table.split("/mnt/memory/b/x"), None);
        assert_eq!(table.split("/etc/passwd"), None);
    }
}
