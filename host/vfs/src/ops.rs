//! The filesystem operations a guest can ask for, one method each, in the
//! order `wasi:filesystem/types` declares them.
//!
//! Every mutation first checks that its mount is writable (FS-04), then
//! stages its effect in the overlay and the operation log, and reports
//! creations, deletions and moves to the capacity ledger (FS-09); nothing
//! here writes to the store (see `commit`). Symlinks and links never exist
//! (FS-07).
//! The staging helpers serve the `store` interface too (`store_api`).

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};

use super::resolve::{dir_prefix, names_directory, parent, resolve};
use super::tree::Found;
use super::{
    Base, Errno, FileRef, FsError, FsResult, Kind, Node, Op, OpenFile, OpenMode, Place, Staged,
    Stat, Vfs,
};
use memstore_store::now;

impl Vfs {
    /// `open-at`: opens (and maybe creates or truncates) a path.
    ///
    /// # Errors
    /// `read-only` for any mutating open on a read-only mount — including a
    /// truncate flag alone (GHSA-2r75-cxrj-cmph) — `no-space` when creating
    /// the file would take its store past its capacity (FS-09), and the
    /// usual POSIX codes.
    pub fn open_at(&mut self, base: &Node, arg: &str, mode: OpenMode) -> FsResult<Node> {
        let place = if mode.mutates() {
            self.resolve_mut(base, arg)?
        } else {
            resolve(&self.mounts, &base.place()?, arg)?
        };
        if mode.mutates() {
            self.writable(&place)?;
        }
        let Place::In { mount, path } = place.clone() else {
            return Ok(Node::Root);
        };
        let shown = place.display(&self.mounts);
        match self.lookup_arg(&place, arg)? {
            Some(Found::Dir) if mode.create && mode.exclusive => Err(FsError::new(
                Errno::Exist,
                format!("{shown} already exists"),
            )),
            Some(Found::Dir) if mode.write || mode.truncate => Err(FsError::new(
                Errno::IsDirectory,
                format!("{shown} is a directory"),
            )),
            Some(Found::Dir) => Ok(Node::Dir { mount, path }),
            Some(Found::File(_)) if mode.directory => Err(FsError::new(
                Errno::NotDirectory,
                format!("{shown} is not a directory"),
            )),
            Some(Found::File(_)) if mode.create && mode.exclusive => Err(FsError::new(
                Errno::Exist,
                format!("{shown} already exists"),
            )),
            Some(Found::File(info)) => {
                let mut data = info.base.content.clone().into_bytes();
                let dirty = mode.truncate && !data.is_empty();
                if mode.truncate {
                    data.clear();
                }
                let file = self.file(mount, path, shown, mode, data, Some(info.base), dirty);
                {
                    let mut f = file.lock().expect("file lock");
                    f.created = info.created.unwrap_or(f.created);
                    f.updated = info.updated.unwrap_or(f.updated);
                }
                Ok(Node::File(file))
            }
            None if !mode.create || mode.directory => {
                self.check_parent(mount, &path)?;
                Err(FsError::not_found(&shown))
            }
            // `open("new/", O_CREAT)`: only a directory could be there.
            None if names_directory(arg) => Err(FsError::new(
                Errno::IsDirectory,
                format!("{shown} cannot be created as a file: the path ends in '/'"),
            )),
            None => {
                self.check_parent(mount, &path)?;
                // The guest holds the file now and it becomes a memory at
                // commit, so it takes its slot now (FS-09).
                self.ensure_room(mount, &path)?;
                self.ledger.created(mount, &path);
                // It exists from now on for `stat`, another `open`,
                // `set-times` and listings (FS-10), empty until this
                // descriptor's content is staged on close.
                self.overlay.insert(
                    (mount, path.clone()),
                    Staged::File(Base::staged(String::new(), None)),
                );
                self.pending.insert((mount, path.clone()));
                self.listed = None;
                Ok(Node::File(self.file(
                    mount,
                    path,
                    shown,
                    mode,
                    Vec::new(),
                    None,
                    true,
                )))
            }
        }
    }

    /// [`Vfs::lookup`] of the place `arg` resolved to, where a trailing `/`
    /// demands a directory: a file there is `not-directory` (FS-10).
    pub(super) fn lookup_arg(&self, place: &Place, arg: &str) -> FsResult<Option<Found>> {
        let found = self.lookup(place)?;
        if names_directory(arg) && matches!(found, Some(Found::File(_))) {
            return Err(FsError::new(
                Errno::NotDirectory,
                format!("{} is not a directory", place.display(&self.mounts)),
            ));
        }
        Ok(found)
    }

    #[allow(clippy::too_many_arguments)]
    fn file(
        &mut self,
        mount: usize,
        path: String,
        shown: String,
        mode: OpenMode,
        data: Vec<u8>,
        base: Option<Base>,
        dirty: bool,
    ) -> FileRef {
        let at = now();
        let file = Arc::new(Mutex::new(OpenFile {
            mount,
            path,
            shown,
            readable: mode.read || !mode.write,
            writable: mode.write,
            base,
            data,
            dirty,
            failed: false,
            closed: false,
            created: at,
            updated: at,
            shared: self.shared.clone(),
        }));
        self.open.retain(|w| w.strong_count() > 0);
        self.open.push(Arc::downgrade(&file));
        file
    }

    /// Resolves the target of a mutation: a new name directly under
    /// `/mnt/memory` is `read-only` (FS-01), not `no-entry`.
    fn resolve_mut(&self, base: &Node, arg: &str) -> FsResult<Place> {
        let base = base.place()?;
        match resolve(&self.mounts, &base, arg) {
            Err(e) if e.code == Errno::NoEntry && base == Place::Root => {
                Err(FsError::read_only(&format!("{}/{arg}", super::MOUNT_ROOT)))
            }
            other => other,
        }
    }

    /// `no-space` when the call may not hold `bytes` more until commit.
    pub(super) fn budget(&self, bytes: usize) -> FsResult<()> {
        if self.shared.reserve(bytes) {
            return Ok(());
        }
        Err(FsError::new(
            Errno::NoSpace,
            format!(
                "this tool call holds more than {} bytes of staged changes",
                super::file::MAX_STAGED_BYTES
            ),
        ))
    }

    /// `no-entry` when the parent of `path` does not exist, `not-directory`
    /// when it is a file.
    fn check_parent(&self, mount: usize, path: &str) -> FsResult<()> {
        let dir = Place::In {
            mount,
            path: parent(path).to_owned(),
        };
        match self.lookup(&dir)? {
            Some(Found::Dir) => Ok(()),
            Some(Found::File(_)) => Err(FsError::new(
                Errno::NotDirectory,
                format!("{} is not a directory", dir.display(&self.mounts)),
            )),
            None => Err(FsError::not_found(&dir.display(&self.mounts))),
        }
    }

    /// `stat` of an open descriptor.
    ///
    /// # Errors
    /// Store errors.
    pub fn stat(&self, node: &Node) -> FsResult<Stat> {
        match node {
            Node::File(f) => {
                let f = f.lock().expect("file lock");
                Ok(Stat {
                    kind: Kind::File,
                    size: f.size(),
                    created: Some(f.created),
                    updated: Some(f.updated),
                })
            }
            other => self.stat_place(&other.place()?),
        }
    }

    /// `stat-at`.
    ///
    /// # Errors
    /// `no-entry` and resolution errors.
    pub fn stat_at(&self, base: &Node, arg: &str) -> FsResult<Stat> {
        let place = resolve(&self.mounts, &base.place()?, arg)?;
        let stat = self.stat_place(&place)?;
        if stat.kind == Kind::File && names_directory(arg) {
            return Err(FsError::new(
                Errno::NotDirectory,
                format!("{} is not a directory", place.display(&self.mounts)),
            ));
        }
        Ok(stat)
    }

    /// `read-directory`: (name, is directory) in name order.
    ///
    /// # Errors
    /// `not-directory` for files, store errors.
    pub fn read_dir(&mut self, node: &Node) -> FsResult<Vec<(String, Kind)>> {
        let place = node.place()?;
        let children = self.children(&place)?;
        let entries = children
            .iter()
            .map(|(n, d)| (n.clone(), if *d { Kind::Dir } else { Kind::File }))
            .collect();
        self.remember_listing(&place, children);
        Ok(entries)
    }

    /// `create-directory-at`: an empty directory for the rest of the session
    /// (FS-02).
    ///
    /// # Errors
    /// `read-only`, `exist`, `no-entry` for a missing parent.
    pub fn mkdir_at(&mut self, base: &Node, arg: &str) -> FsResult<()> {
        let place = self.resolve_mut(base, arg)?;
        let mount = self.writable(&place)?;
        let Place::In { path, .. } = &place else {
            unreachable!("writable places are in a mount")
        };
        if self.lookup(&place)?.is_some() {
            return Err(FsError::new(
                Errno::Exist,
                format!("{} already exists", place.display(&self.mounts)),
            ));
        }
        self.check_parent(mount, path)?;
        self.dirs.insert((mount, path.clone()));
        self.dirs_changed = true;
        self.listed = None;
        Ok(())
    }

    /// `remove-directory-at`: only empty directories can go.
    ///
    /// # Errors
    /// `read-only`, `not-empty`, `not-directory`, `no-entry`.
    pub fn rmdir_at(&mut self, base: &Node, arg: &str) -> FsResult<()> {
        let place = self.resolve_mut(base, arg)?;
        let mount = self.writable(&place)?;
        let shown = place.display(&self.mounts);
        let Place::In { path, .. } = &place else {
            unreachable!("writable places are in a mount")
        };
        match self.lookup(&place)? {
            None => Err(FsError::not_found(&shown)),
            Some(Found::File(_)) => Err(FsError::new(
                Errno::NotDirectory,
                format!("{shown} is not a directory"),
            )),
            Some(Found::Dir) if path == "/" => Err(FsError::new(
                Errno::NotPermitted,
                format!("{shown} is a mount"),
            )),
            Some(Found::Dir) if !self.children(&place)?.is_empty() => Err(FsError::new(
                Errno::NotEmpty,
                format!("{shown} is not empty"),
            )),
            Some(Found::Dir) => {
                self.dirs.remove(&(mount, path.clone()));
                self.dirs_changed = true;
                self.listed = None;
                Ok(())
            }
        }
    }

    /// `unlink-file-at`: deletes a memory (one `deleted` version, FS-06).
    ///
    /// # Errors
    /// `read-only`, `is-directory`, `no-entry`.
    pub fn unlink_at(&mut self, base: &Node, arg: &str) -> FsResult<()> {
        let place = self.resolve_mut(base, arg)?;
        let mount = self.writable(&place)?;
        let shown = place.display(&self.mounts);
        let Place::In { path, .. } = place.clone() else {
            unreachable!("writable places are in a mount")
        };
        match self.lookup_arg(&place, arg)? {
            None => Err(FsError::not_found(&shown)),
            Some(Found::Dir) => Err(FsError::new(
                Errno::IsDirectory,
                format!("{shown} is a directory"),
            )),
            Some(Found::File(_)) => {
                self.stage_delete(mount, path, None);
                Ok(())
            }
        }
    }

    /// `rename-at`: a file keeps its memory id; a directory moves every
    /// memory below it (FS-06). Both ends must be writable (FS-04).
    ///
    /// # Errors
    /// `read-only`, `cross-device` between mounts, `no-entry`, `exist`,
    /// `is-directory`, `not-directory`, `not-empty`, `invalid`.
    pub fn rename_at(
        &mut self,
        base: &Node,
        from_arg: &str,
        to_base: &Node,
        to_arg: &str,
    ) -> FsResult<()> {
        let src = self.resolve_mut(base, from_arg)?;
        let dst = self.resolve_mut(to_base, to_arg)?;
        let mount = self.writable(&src)?;
        if self.writable(&dst)? != mount {
            return Err(FsError::new(
                Errno::CrossDevice,
                "cannot rename between mounts; copy and delete instead",
            ));
        }
        let (Place::In { path: from, .. }, Place::In { path: to, .. }) = (&src, &dst) else {
            unreachable!("writable places are in a mount")
        };
        if from == "/" || to == "/" {
            return Err(FsError::new(
                Errno::NotPermitted,
                "a mount root cannot be renamed",
            ));
        }
        if from == to {
            return Ok(());
        }
        match (
            self.lookup_arg(&src, from_arg)?,
            self.lookup_arg(&dst, to_arg)?,
        ) {
            (None, _) => Err(FsError::not_found(&src.display(&self.mounts))),
            (Some(Found::File(_)), Some(Found::Dir)) => Err(FsError::new(
                Errno::IsDirectory,
                format!("{} is a directory", dst.display(&self.mounts)),
            )),
            (Some(Found::File(_)), None) if names_directory(to_arg) => Err(FsError::new(
                Errno::NotDirectory,
                format!("{} is not a directory", dst.display(&self.mounts)),
            )),
            (Some(Found::File(info)), existing) => {
                if existing.is_none() {
                    self.check_parent(mount, to)?;
                }
                let replaced = match existing {
                    Some(Found::File(old)) => Some(old.base),
                    _ => None,
                };
                self.stage_file_rename(mount, from.clone(), to.clone(), info.base, replaced)
            }
            (Some(Found::Dir), Some(Found::File(_))) => Err(FsError::new(
                Errno::NotDirectory,
                format!("{} is not a directory", dst.display(&self.mounts)),
            )),
            (Some(Found::Dir), existing) => {
                if to.starts_with(&dir_prefix(from)) {
                    return Err(FsError::new(
                        Errno::Invalid,
                        "cannot move a directory into itself",
                    ));
                }
                if existing.is_some() && !self.children(&dst)?.is_empty() {
                    return Err(FsError::new(
                        Errno::NotEmpty,
                        format!("{} is not empty", dst.display(&self.mounts)),
                    ));
                }
                if existing.is_none() {
                    self.check_parent(mount, to)?;
                }
                self.stage_dir_rename(mount, from.clone(), to.clone())
            }
        }
    }

    fn stage_dir_rename(&mut self, mount: usize, from: String, to: String) -> FsResult<()> {
        let prefix = dir_prefix(&from);
        let mut files = Vec::new();
        self.walk_store(mount, &prefix, 0, &mut |item| {
            files.push(item.path().to_owned());
            true
        })?;
        let mut found = Vec::new();
        for path in files {
            let place = Place::In {
                mount,
                path: path.clone(),
            };
            if let Some(Found::File(info)) = self.lookup(&place)? {
                found.push((path, info.base));
            }
        }
        // The moved contents are held until commit: count them against the
        // call's budget before anything moves.
        self.budget(found.iter().map(|(_, base)| base.content.len()).sum())?;
        // Every file under `from` as this call sees it: the stored ones found
        // above and the ones only this call created.
        let mut moving: BTreeMap<String, Base> = self
            .overlay_under(mount, &prefix)
            .filter_map(|(path, staged)| match staged {
                Staged::File(base) => Some((path.clone(), base.clone())),
                Staged::Deleted => None,
            })
            .collect();
        moving.extend(found);
        let moved = !moving.is_empty();
        for (path, base) in moving {
            let new = format!("{to}{}", &path[from.len()..]);
            self.ledger.moved(mount, &path, &new);
            self.overlay.insert((mount, path), Staged::Deleted);
            self.overlay.insert((mount, new), renamed(base));
        }
        let dirs: Vec<_> = self
            .dirs
            .iter()
            .filter(|(m, d)| *m == mount && (*d == from || d.starts_with(&prefix)))
            .cloned()
            .collect();
        for (m, d) in dirs {
            self.dirs.remove(&(m, d.clone()));
            self.dirs.insert((m, format!("{to}{}", &d[from.len()..])));
            self.dirs_changed = true;
            self.listed = None;
        }
        if moved {
            self.ops.push(Op::RenameDir { mount, from, to });
        }
        Ok(())
    }

    /// `set-size` on an open file.
    ///
    /// # Errors
    /// `read-only` on a read-only mount, `bad-descriptor` when not open for
    /// writing, `is-directory`, `file-too-large`.
    pub fn set_size(&mut self, node: &Node, size: u64) -> FsResult<()> {
        match node {
            Node::File(f) => {
                let mut f = f.lock().expect("file lock");
                self.writable(&Place::In {
                    mount: f.mount,
                    path: f.path.clone(),
                })?;
                f.set_size(size)
            }
            other => {
                self.writable(&other.place()?)?;
                Err(FsError::new(
                    Errno::IsDirectory,
                    "cannot set the size of a directory",
                ))
            }
        }
    }

    /// `set-times` / `set-times-at`: refused on read-only mounts; otherwise
    /// accepted and ignored, since times come from the store's versions.
    ///
    /// # Errors
    /// `read-only`, `no-entry`.
    pub fn set_times_at(&mut self, base: &Node, arg: Option<&str>) -> FsResult<()> {
        let place = match (base, arg) {
            (Node::File(f), None) => {
                let f = f.lock().expect("file lock");
                Place::In {
                    mount: f.mount,
                    path: f.path.clone(),
                }
            }
            (node, None) => node.place()?,
            (node, Some(arg)) => {
                let place = self.resolve_mut(node, arg)?;
                self.writable(&place)?;
                return self
                    .lookup_arg(&place, arg)?
                    .map(drop)
                    .ok_or_else(|| FsError::not_found(&place.display(&self.mounts)));
            }
        };
        self.writable(&place)?;
        self.stat_place(&place).map(|_| ())
    }

    /// `symlink-at`, `link-at`: memory stores have no links (FS-07); on a
    /// read-only mount the answer is `read-only` (FS-04).
    ///
    /// # Errors
    /// Always: `read-only` or `not-permitted`.
    pub fn link_at(&mut self, base: &Node, arg: &str) -> FsResult<()> {
        let place = self.resolve_mut(base, arg)?;
        self.writable(&place)?;
        Err(FsError::new(
            Errno::NotPermitted,
            "memory stores have no symbolic or hard links",
        ))
    }

    /// Closes a file: stages its buffer if it changed (FS-05).
    pub fn close(&mut self, file: &FileRef) {
        self.stage_file(file, true);
    }

    /// `sync`/`sync-data`: stages the buffer now; the file stays open.
    pub fn sync(&mut self, file: &FileRef) {
        self.stage_file(file, false);
    }

    fn stage_file(&mut self, file: &FileRef, closing: bool) {
        let mut f = file.lock().expect("file lock");
        if f.closed {
            return;
        }
        f.closed = closing;
        if !f.dirty || f.failed {
            return;
        }
        f.dirty = false;
        let Ok(content) = String::from_utf8(f.data.clone()) else {
            f.failed = true;
            f.shared.lose(format!(
                "{}: content is not valid UTF-8 text; memories hold UTF-8 only, so this file was not committed",
                f.shown
            ));
            return;
        };
        let (mount, path, base) = (f.mount, f.path.clone(), f.base.clone());
        drop(f);
        // A descriptor that created the file and wrote nothing, closed after
        // another descriptor of this call staged content there: its empty
        // file is not news.
        let key = (mount, path);
        if base.is_none()
            && content.is_empty()
            && !self.pending.contains(&key)
            && matches!(self.overlay.get(&key), Some(Staged::File(_)))
        {
            return;
        }
        let (mount, path) = key;
        self.stage_write(mount, path, content, base, None, false);
    }

    /// Stages a write. A file write (`version_id` is `None`) right after a
    /// file write of the same file joins it, so consecutive closes and syncs
    /// make one version; a `store.write` never joins or is joined, since the
    /// guest holds its version id. A write without `base` creates the file;
    /// the caller has checked the store's capacity for it.
    pub(super) fn stage_write(
        &mut self,
        mount: usize,
        path: String,
        content: String,
        base: Option<Base>,
        version_id: Option<String>,
        guarded: bool,
    ) {
        if base.is_none() {
            // Also when a created file was deleted and its descriptor writes
            // it again: the path is created anew.
            self.ledger.created(mount, &path);
        }
        self.pending.remove(&(mount, path.clone()));
        let staged = Base::staged(content.clone(), version_id.clone());
        self.overlay
            .insert((mount, path.clone()), Staged::File(staged));
        if version_id.is_none()
            && let Some(Op::Write {
                mount: m,
                path: p,
                content: c,
                version_id: None,
                ..
            }) = self.ops.last_mut()
            && *m == mount
            && *p == path
        {
            *c = content;
            return;
        }
        self.ops.push(Op::Write {
            mount,
            path,
            content,
            base,
            version_id,
            guarded,
        });
    }

    /// Stages the deletion of the file at `path`; with `expected`, the commit
    /// deletes it only if its content still has that hash.
    pub(super) fn stage_delete(&mut self, mount: usize, path: String, expected: Option<String>) {
        self.ledger.deleted(mount, &path);
        self.overlay.insert((mount, path.clone()), Staged::Deleted);
        // A file only created by an open descriptor has nothing to delete.
        if self.pending.remove(&(mount, path.clone())) {
            return;
        }
        self.ops.push(Op::Delete {
            mount,
            path,
            expected,
        });
    }

    /// Stages moving the file `from`, whose content this call sees as
    /// `moved`, to `to`, replacing the file there (seen as `replaced`) if
    /// there is one. The caller has checked both ends.
    pub(super) fn stage_file_rename(
        &mut self,
        mount: usize,
        from: String,
        to: String,
        moved: Base,
        replaced: Option<Base>,
    ) -> FsResult<()> {
        // The moved content is held until commit.
        self.budget(moved.content.len())?;
        if let Some(old) = replaced {
            if self.temporary(mount, &from) {
                self.stage_save_over(mount, from, to, moved, old);
                return Ok(());
            }
            self.stage_delete(mount, to.clone(), None);
        }
        self.ledger.moved(mount, &from, &to);
        self.overlay.insert((mount, from.clone()), Staged::Deleted);
        self.overlay.insert((mount, to.clone()), renamed(moved));
        self.follow_rename(mount, &from, &to, None);
        // A file only created by an open descriptor moves in the overlay;
        // its descriptor stages it at the new path.
        if self.pending.remove(&(mount, from.clone())) {
            self.pending.insert((mount, to));
            return Ok(());
        }
        self.ops.push(Op::Rename { mount, from, to });
        Ok(())
    }

    /// Whether the file at `path` is one this call created and has only
    /// written through files since: a temporary file, as far as the store
    /// is concerned.
    fn temporary(&self, mount: usize, path: &str) -> bool {
        let touches = |m: &usize, p: &str| *m == mount && p == path;
        self.ledger.counts(mount, path)
            && self.ops.iter().all(|op| match op {
                Op::Write {
                    mount: m,
                    path: p,
                    version_id,
                    ..
                } => !touches(m, p) || version_id.is_none(),
                Op::Delete {
                    mount: m, path: p, ..
                } => !touches(m, p),
                Op::Rename { mount: m, from, to } => !touches(m, from) && !touches(m, to),
                Op::RenameDir { mount: m, from, to } => {
                    *m != mount
                        || !(path.starts_with(&dir_prefix(from))
                            || path.starts_with(&dir_prefix(to)))
                }
            })
    }

    /// A file this call created, renamed over an existing one — how `sed
    /// -i`, editors and atomic writers save. For the store that is one new
    /// version of the existing memory, which keeps its id and history, and
    /// the temporary file never existed.
    fn stage_save_over(&mut self, mount: usize, from: String, to: String, moved: Base, old: Base) {
        self.ops.retain(
            |op| !matches!(op, Op::Write { mount: m, path, .. } if *m == mount && *path == from),
        );
        self.ledger.deleted(mount, &from);
        self.overlay.insert((mount, from.clone()), Staged::Deleted);
        self.follow_rename(mount, &from, &to, Some(&old));
        if self.pending.remove(&(mount, from)) {
            // Its descriptor stages the content at `to` when it closes.
            self.overlay.insert((mount, to), renamed(moved));
        } else {
            self.stage_write(mount, to, moved.content, Some(old), None, false);
        }
    }

    /// Descriptors open on the file at `from` write to `to` from now on, as
    /// an open file follows its inode through a rename; with `base`, their
    /// writes are new versions of the file they replaced.
    fn follow_rename(&mut self, mount: usize, from: &str, to: &str, base: Option<&Base>) {
        let shown = self.shown(mount, to);
        for file in self.open.iter().filter_map(std::sync::Weak::upgrade) {
            let mut f = file.lock().expect("file lock");
            if f.mount == mount && f.path == from && !f.closed {
                f.path = to.to_owned();
                f.shown.clone_from(&shown);
                if let Some(base) = base {
                    f.base = Some(base.clone());
                }
            }
        }
    }

    /// `metadata-hash`: stable per path of a mount, so it survives writes
    /// (wasi-libc uses it as the inode number).
    pub fn metadata_hash(&self, node: &Node) -> (u64, u64) {
        match node {
            Node::Root => hash_of(&("root", 0usize, "/")),
            Node::Dir { mount, path } => hash_of(&("dir", *mount, path.as_str())),
            Node::File(f) => {
                let f = f.lock().expect("file lock");
                hash_of(&("file", f.mount, f.path.as_str()))
            }
        }
    }

    /// `metadata-hash-at`.
    ///
    /// # Errors
    /// As [`Vfs::stat_at`].
    pub fn metadata_hash_at(&self, base: &Node, arg: &str) -> FsResult<(u64, u64)> {
        let place = resolve(&self.mounts, &base.place()?, arg)?;
        let kind = match self.listed_kind(&place) {
            Some(kind) => kind,
            None => self.stat_place(&place)?.kind,
        };
        Ok(match place {
            Place::Root => hash_of(&("root", 0usize, "/")),
            Place::In { mount, path } if kind == Kind::Dir => {
                hash_of(&("dir", mount, path.as_str()))
            }
            Place::In { mount, path } => hash_of(&("file", mount, path.as_str())),
        })
    }
}

/// A moved file's staged content: a rename appends a version of its own,
/// whose id the engine picks at commit.
fn renamed(base: Base) -> Staged {
    Staged::File(Base {
        version_id: String::new(),
        ..base
    })
}

fn hash_of(value: &impl Hash) -> (u64, u64) {
    let mut a = DefaultHasher::new();
    value.hash(&mut a);
    let lower = a.finish();
    lower.hash(&mut a);
    (lower, a.finish())
}
