//! Reading the tree: what exists at a path and what a directory lists, as
//! the store's heads overlaid with this call's staged changes and the
//! session's empty directories (FS-02, FS-03).
//!
//! Must not mutate anything. Directories are path prefixes: one exists when
//! any memory lives below it.

use std::collections::BTreeMap;
use std::ops::Bound;

use super::resolve::dir_prefix;
use super::{Base, FsError, FsResult, Kind, Place, Staged, Stat, Vfs};
use memstore_store::{Memory, MemoryListItem, MemoryQuery, Timestamp};

/// A file as found by [`Vfs::lookup`].
#[derive(Debug, Clone)]
pub(super) struct FileInfo {
    /// Its content as this call sees it, which is also the base of a write
    /// made from it.
    pub base: Base,
    pub created: Option<Timestamp>,
    pub updated: Option<Timestamp>,
}

/// What a path is.
#[derive(Debug, Clone)]
pub(super) enum Found {
    File(FileInfo),
    Dir,
}

/// The file at a path as one call sees it.
enum Head<'a> {
    /// Written by this call.
    Staged(&'a Base),
    /// The store's head, untouched by this call.
    Stored(Memory),
    /// No file: never there, or deleted by this call.
    Absent,
}

/// The entries of the directory a call listed last. wasi-libc's `readdir`
/// asks `metadata-hash-at` of every entry (for `d_ino`), which needs each
/// entry's kind: looking each one up again cost two or three queries per
/// entry, most of a listing's time (PERF-03). An entry the call has staged
/// anything at or below since is looked up again instead, and a change to
/// the session's directories drops the listing.
pub(super) struct Listed {
    mount: usize,
    prefix: String,
    is_dir: BTreeMap<String, bool>,
}

/// Page size when walking a store's listing.
const LIST_PAGE: usize = 100;
/// Page size when listing one directory level.
const DIR_PAGE: usize = 16;

impl Vfs {
    /// What exists at `place`, if anything.
    pub(super) fn lookup(&self, place: &Place) -> FsResult<Option<Found>> {
        let Place::In { mount, path } = place else {
            return Ok(Some(Found::Dir));
        };
        if path == "/" {
            return Ok(Some(Found::Dir));
        }
        if let Some(file) = self.file_at(*mount, path)? {
            return Ok(Some(Found::File(file)));
        }
        Ok(self.dir_exists(*mount, path)?.then_some(Found::Dir))
    }

    fn file_at(&self, mount: usize, path: &str) -> FsResult<Option<FileInfo>> {
        Ok(match self.head_at(mount, path, true)? {
            Head::Staged(base) => Some(FileInfo {
                base: base.clone(),
                created: None,
                updated: None,
            }),
            Head::Stored(m) => Some(FileInfo {
                base: Base {
                    content: m.content.unwrap_or_default(),
                    sha: m.content_sha256,
                    version_id: m.memory_version_id,
                },
                created: Some(m.created_at),
                updated: Some(m.updated_at),
            }),
            Head::Absent => None,
        })
    }

    /// The file at `path` as this call sees it: staged by the call, else
    /// the store's head (with its content only when `with_content`).
    fn head_at(&self, mount: usize, path: &str, with_content: bool) -> FsResult<Head<'_>> {
        match self.overlay.get(&(mount, path.to_owned())) {
            Some(Staged::File(base)) => return Ok(Head::Staged(base)),
            Some(Staged::Deleted) => return Ok(Head::Absent),
            None => {}
        }
        // The call's mounts were read with the session, so a missing store
        // (deleted meanwhile) can read as an empty one.
        let memory = self
            .engine
            .find_memory(self.store_id(mount), path, with_content)
            .map_err(|e| FsError::store(&e))?;
        Ok(memory.map_or(Head::Absent, Head::Stored))
    }

    /// Whether `dir` (not `/`) is a directory: a session directory, or the
    /// prefix of a staged or stored memory that this call has not deleted.
    fn dir_exists(&self, mount: usize, dir: &str) -> FsResult<bool> {
        if self.dirs.contains(&(mount, dir.to_owned())) {
            return Ok(true);
        }
        Ok(self.memory_under(mount, dir)?.is_some())
    }

    /// The path of a memory below `dir` as this call sees it, if any: a
    /// staged one, or a stored one this call has not deleted.
    pub(super) fn memory_under(&self, mount: usize, dir: &str) -> FsResult<Option<String>> {
        let prefix = dir_prefix(dir);
        let mut deleted = 0;
        for (path, staged) in self.overlay_under(mount, &prefix) {
            match staged {
                Staged::File(_) => return Ok(Some(path.clone())),
                Staged::Deleted => deleted += 1,
            }
        }
        // Only this call's deletions can hide a stored memory, so reading one
        // more row than there are deletions under the prefix is enough; a
        // full page per `stat` made listings grow with store size (PERF-03).
        let mut found = None;
        self.walk_store_paged(
            mount,
            &prefix,
            0,
            (deleted + 1).min(LIST_PAGE),
            &mut |item| {
                let live = !matches!(
                    self.overlay.get(&(mount, item.path().to_owned())),
                    Some(Staged::Deleted)
                );
                if live {
                    found = Some(item.path().to_owned());
                }
                !live
            },
        )?;
        Ok(found)
    }

    /// Keeps a directory's listing for [`Vfs::listed_kind`].
    pub(super) fn remember_listing(&mut self, dir: &Place, is_dir: BTreeMap<String, bool>) {
        self.listed = match dir {
            Place::In { mount, path } => Some(Listed {
                mount: *mount,
                prefix: dir_prefix(path),
                is_dir,
            }),
            Place::Root => None,
        };
    }

    /// The kind of `place` as the last listing saw it, unless this call has
    /// changed anything at or below it since.
    pub(super) fn listed_kind(&self, place: &Place) -> Option<Kind> {
        let (Place::In { mount, path }, Some(listed)) = (place, &self.listed) else {
            return None;
        };
        let name = path.strip_prefix(&listed.prefix)?;
        let is_dir = *listed.is_dir.get(name).filter(|_| listed.mount == *mount)?;
        let staged = self.overlay.contains_key(&(*mount, path.clone()))
            || self
                .overlay_under(*mount, &dir_prefix(path))
                .next()
                .is_some();
        (!staged).then_some(if is_dir { Kind::Dir } else { Kind::File })
    }

    /// Whether this call deleted anything below the directory `dir`.
    fn deletes_under(&self, mount: usize, dir: &str) -> bool {
        self.overlay_under(mount, &dir_prefix(dir))
            .any(|(_, s)| matches!(s, Staged::Deleted))
    }

    /// What this call staged at paths starting with `prefix`, in path order.
    pub(super) fn overlay_under<'a>(
        &'a self,
        mount: usize,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a String, &'a Staged)> {
        self.overlay
            .range((
                Bound::Included((mount, prefix.to_owned())),
                Bound::Unbounded,
            ))
            .take_while(move |((m, p), _)| *m == mount && p.starts_with(prefix))
            .map(|((_, p), s)| (p, s))
    }

    /// Calls `f` on the store's items under `prefix` in path order (rolled up
    /// below `depth` when non-zero) until it returns false.
    pub(super) fn walk_store(
        &self,
        mount: usize,
        prefix: &str,
        depth: usize,
        f: &mut dyn FnMut(&MemoryListItem) -> bool,
    ) -> FsResult<()> {
        self.walk_store_paged(mount, prefix, depth, LIST_PAGE, f)
    }

    fn walk_store_paged(
        &self,
        mount: usize,
        prefix: &str,
        depth: usize,
        page: usize,
        f: &mut dyn FnMut(&MemoryListItem) -> bool,
    ) -> FsResult<()> {
        let mut query = MemoryQuery {
            path_prefix: Some(prefix.to_owned()),
            depth,
            limit: page,
            ..MemoryQuery::default()
        };
        loop {
            let page = self
                .engine
                .list_memories(self.store_id(mount), &query)
                .map_err(|e| FsError::store(&e))?;
            for item in &page.data {
                if !f(item) {
                    return Ok(());
                }
            }
            match page.next_page {
                Some(next) => query.page = Some(next),
                None => return Ok(()),
            }
        }
    }

    /// The entries of a directory: name → is a directory, in name order.
    pub(super) fn children(&self, place: &Place) -> FsResult<BTreeMap<String, bool>> {
        let mut out = BTreeMap::new();
        let Place::In { mount, path } = place else {
            for m in self.mounts.mounts() {
                out.insert(m.slug.clone(), true);
            }
            return Ok(out);
        };
        let (mount, prefix) = (*mount, dir_prefix(path));
        let mut store_dirs = Vec::new();
        // Small pages: the store reads a page's worth of rows for each
        // rolled-up directory, so a listing's cost would grow with the
        // subtrees' sizes (PERF-03).
        self.walk_store_paged(mount, &prefix, 1, DIR_PAGE, &mut |item| {
            let rest = &item.path()[prefix.len()..];
            match item {
                MemoryListItem::Prefix(_) => store_dirs.push(rest.trim_end_matches('/').to_owned()),
                MemoryListItem::Memory(_) => {
                    if !matches!(
                        self.overlay.get(&(mount, item.path().to_owned())),
                        Some(Staged::Deleted)
                    ) {
                        out.insert(rest.to_owned(), false);
                    }
                }
            }
            true
        })?;
        for dir in store_dirs {
            let path = format!("{prefix}{dir}");
            // The store just listed a memory below `dir`; only this call's
            // deletions can have emptied it, and only then is it worth a
            // query per directory (PERF-03).
            if !self.deletes_under(mount, &path) || self.dir_exists(mount, &path)? {
                out.insert(dir, true);
            }
        }
        for (p, staged) in self.overlay_under(mount, &prefix) {
            let rest = &p[prefix.len()..];
            match (rest.split_once('/'), staged) {
                (Some((dir, _)), Staged::File(_)) => {
                    out.insert(dir.to_owned(), true);
                }
                (None, Staged::File(_)) => {
                    out.insert(rest.to_owned(), false);
                }
                _ => {}
            }
        }
        for (m, d) in &self.dirs {
            if let Some(rest) = d.strip_prefix(&prefix).filter(|_| *m == mount) {
                out.insert(rest.split('/').next().unwrap_or(rest).to_owned(), true);
            }
        }
        Ok(out)
    }

    /// `stat` of a path (FS-03).
    ///
    /// Reads no content: `stat` and `metadata-hash-at` come before nearly
    /// every open (wasi-libc's `stat` makes both calls), so they stay cheap.
    pub(super) fn stat_place(&self, place: &Place) -> FsResult<Stat> {
        let dir = Stat {
            kind: Kind::Dir,
            size: 0,
            created: None,
            updated: None,
        };
        let Place::In { mount, path } = place else {
            return Ok(dir);
        };
        if path == "/" {
            return Ok(dir);
        }
        let file = |size, created, updated| Stat {
            kind: Kind::File,
            size,
            created,
            updated,
        };
        match self.head_at(*mount, path, false)? {
            Head::Staged(base) => Ok(file(base.content.len() as u64, None, None)),
            Head::Stored(m) => Ok(file(
                m.content_size_bytes,
                Some(m.created_at),
                Some(m.updated_at),
            )),
            Head::Absent if self.dir_exists(*mount, path)? => Ok(dir),
            Head::Absent => Err(FsError::not_found(&place.display(&self.mounts))),
        }
    }
}
