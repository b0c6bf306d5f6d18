//! The mount table of a session: which store appears where under
//! `/mnt/memory`, and whether it accepts writes (SES-02, FS-01, FS-04).
//!
//! Owns the slug rules, the mount layout of new sessions and access. Must not touch the store: the sandbox builds
//! the table from the session record and the stores' archive state.

/// The read-only directory that lists the mounts (FS-01).
pub const MOUNT_ROOT: &str = "/mnt/memory";

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

/// SES-02: where a session's stores appear, in order:
/// `/mnt/memory/<slug>` with [`unique_slugs`]. The engine's
/// [`MountLayout`](memstore_store::sessions::MountLayout) for every session.
pub fn mount_paths(names: &[&str]) -> Vec<String> {
    unique_slugs(names.iter().copied())
        .into_iter()
        .map(|slug| format!("{MOUNT_ROOT}/{slug}"))
        .collect()
}

/// SES-02: the store name lowercased, every run of non-alphanumeric
/// characters turned into one `-`, trimmed of `-`; `store` when nothing is left.
pub fn slugify(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_matches('-');
    if slug.is_empty() {
        "store".to_owned()
    } else {
        slug.to_owned()
    }
}

/// SES-02: slugs for these store names in order, distinct and deterministic:
/// a repeated slug gets `-2`, `-3`, … (skipping any already taken).
pub fn unique_slugs<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut taken: Vec<String> = Vec::new();
    for name in names {
        let base = slugify(name);
        let mut slug = base.clone();
        let mut n = 2;
        while taken.contains(&slug) {
            slug = format!("{base}-{n}");
            n += 1;
        }
        taken.push(slug);
    }
    taken
}

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
