//! Applying a call's staged operations to the store (FS-05, FS-06, FS-08,
//! TOOL-02).
//!
//! Owns the commit rules: one version per changed file, attributed to the
//! session, with the id a `store.write` reserved when it has one; a head
//! that moved since the call read the file (a descriptor's open, a
//! `store.write`'s precondition check) is merged three-way (with `diffy`)
//! when the changes do not overlap, and otherwise the later commit becomes
//! head while the other stays in history, both named in the result. Must not
//! decide access: staging already checked it.

use std::collections::BTreeSet;

use super::{Base, Op, Vfs};
use crate::store::{Change, Memory, MemoryUpdate, Precondition, StoreError};

/// How often a commit re-reads a head that keeps moving under it.
const MAX_COMMIT_ATTEMPTS: usize = 5;

/// What a tool call's filesystem did, once finished.
#[derive(Debug, Clone, Default)]
pub struct CallOutcome {
    /// Versions created, in order; none when the call failed.
    pub changes: Vec<Change>,
    /// Precise reasons the agent should know (size cap, UTF-8, merges,
    /// conflicts, failed commits).
    pub notes: Vec<String>,
    /// Something the guest believed written was not committed.
    pub failed: bool,
    /// A `store.write` with a precondition was not committed because
    /// another session changed the memory in a way that overlaps it; a
    /// call that committed nothing else can be run again (TOOL-05).
    pub raced: bool,
    /// The session's empty directories, when this call changed them.
    pub dirs: Option<BTreeSet<(usize, String)>>,
}

impl Vfs {
    /// Ends the call. When `ok`, stages files still open and applies every
    /// staged operation in order; otherwise discards everything, writes
    /// through the `store` interface included (TOOL-02).
    pub fn finish(mut self, ok: bool) -> CallOutcome {
        let mut out = CallOutcome::default();
        if !ok {
            return out;
        }
        let open: Vec<_> = self
            .open
            .iter()
            .filter_map(std::sync::Weak::upgrade)
            .collect();
        for file in &open {
            self.close(file);
        }
        for op in std::mem::take(&mut self.ops) {
            if let Err((path, e)) = self.apply(op, &mut out) {
                out.failed = true;
                out.notes.push(format!("commit of {path} failed: {e}"));
            }
        }
        out.notes.splice(0..0, self.shared.notes());
        out.failed |= self.shared.lost();
        if self.dirs_changed {
            out.dirs = Some(std::mem::take(&mut self.dirs));
        }
        out
    }

    fn apply(&self, op: Op, out: &mut CallOutcome) -> Result<(), (String, StoreError)> {
        match op {
            Op::Write {
                mount,
                path,
                content,
                base,
                version_id,
                guarded,
            } => {
                let shown = self.shown(mount, &path);
                let write = PendingWrite {
                    mount,
                    path: &path,
                    content: &content,
                    base: base.as_ref(),
                    version_id: version_id.as_deref(),
                    guarded,
                };
                self.commit_write(&write, out).map_err(|e| (shown, e))
            }
            Op::Delete {
                mount,
                path,
                expected,
            } => self
                .commit_delete(mount, &path, expected, out)
                .map_err(|e| (self.shown(mount, &path), e)),
            Op::Rename { mount, from, to } => {
                let shown = self.shown(mount, &from);
                self.commit_rename(mount, &from, &to, out)
                    .map_err(|e| (shown, e))
            }
            Op::RenameDir { mount, from, to } => {
                let changes = self
                    .engine
                    .rename_dir(self.store_id(mount), &from, &to, &self.actor);
                out.changes
                    .extend(changes.map_err(|e| (self.shown(mount, &from), e))?);
                Ok(())
            }
        }
    }

    /// Deletes a file; one already gone is fine, the goal holds.
    fn commit_delete(
        &self,
        mount: usize,
        path: &str,
        expected: Option<String>,
        out: &mut CallOutcome,
    ) -> Result<(), StoreError> {
        let precondition = expected.map_or(Precondition::None, Precondition::ContentSha256);
        let deleted =
            self.engine
                .delete_memory_at(self.store_id(mount), path, precondition, &self.actor);
        match deleted {
            Ok(change) => out.changes.push(change),
            Err(StoreError::PathNotFound(_)) => {}
            Err(StoreError::PreconditionFailed { actual, .. }) if actual.is_empty() => {}
            Err(e) => return Err(e),
        }
        Ok(())
    }

    fn commit_rename(
        &self,
        mount: usize,
        from: &str,
        to: &str,
        out: &mut CallOutcome,
    ) -> Result<(), StoreError> {
        let store = self.store_id(mount);
        let memory = self
            .engine
            .memory_at(store, from)?
            .ok_or_else(|| StoreError::PathNotFound(from.to_owned()))?;
        let update = MemoryUpdate {
            path: Some(to.to_owned()),
            ..MemoryUpdate::default()
        };
        let outcome = self
            .engine
            .update_memory(store, &memory.id, update, &self.actor)?;
        out.changes.extend(outcome.change);
        Ok(())
    }

    /// Writes one file, merging when the head moved since the call read it
    /// (FS-08).
    fn commit_write(
        &self,
        write: &PendingWrite<'_>,
        out: &mut CallOutcome,
    ) -> Result<(), StoreError> {
        let store = self.store_id(write.mount);
        let shown = self.shown(write.mount, write.path);
        for _ in 0..MAX_COMMIT_ATTEMPTS {
            let head = self.engine.memory_at(store, write.path)?;
            let Planned {
                content,
                precondition,
                note,
                overlapped,
            } = plan(&shown, write.content, write.base, head.as_ref());
            if let (true, true, Some(head)) = (write.guarded, overlapped, &head) {
                out.raced = true;
                return Err(StoreError::invalid(
                    "content",
                    format!(
                        "{shown} was changed by another writer (version {}) after this call \
                         checked its content, and the changes overlap, so this write was not \
                         committed; read the file again and retry",
                        head.memory_version_id
                    ),
                ));
            }
            let (path, actor) = (write.path, &self.actor);
            let put = match write.version_id {
                Some(id) => self.engine.put_memory_with_version_id(
                    store,
                    path,
                    &content,
                    precondition,
                    actor,
                    id,
                ),
                None => self
                    .engine
                    .put_memory(store, path, &content, precondition, actor),
            };
            match put {
                Ok(outcome) => {
                    if let (Some(note), Some(change)) = (note, &outcome.change) {
                        out.notes.push(note.replace("{new}", &change.version_id));
                    }
                    if let (Some(id), None) = (write.version_id, &outcome.change) {
                        // MEM-06: another writer got there with the same
                        // content; the id the guest holds names nothing.
                        out.notes.push(format!(
                            "{shown}: already held this content when the call committed \
                             (version {}), so version {id} returned by store.write was not created",
                            outcome.memory.memory_version_id
                        ));
                    }
                    out.changes.extend(outcome.change);
                    return Ok(());
                }
                Err(StoreError::PreconditionFailed { .. }) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::invalid(
            "content",
            format!("{shown} kept changing concurrently; try again"),
        ))
    }
}

/// A staged write, as the commit needs it.
struct PendingWrite<'a> {
    mount: usize,
    path: &'a str,
    content: &'a str,
    base: Option<&'a Base>,
    version_id: Option<&'a str>,
    guarded: bool,
}

/// What to write, and how to say so.
struct Planned {
    content: String,
    precondition: Precondition,
    note: Option<String>,
    /// The head moved and its change overlaps ours.
    overlapped: bool,
}

/// What to write given the head now: our content when the head is where we
/// started, a clean merge when possible, else ours with a conflict note.
fn plan(shown: &str, ours: &str, base: Option<&Base>, head: Option<&Memory>) -> Planned {
    let plain = |precondition| Planned {
        content: ours.to_owned(),
        precondition,
        note: None,
        overlapped: false,
    };
    let Some(head) = head else {
        return plain(Precondition::Absent);
    };
    let unchanged = Precondition::ContentSha256(head.content_sha256.clone());
    if base.is_some_and(|b| b.sha == head.content_sha256) {
        return plain(unchanged);
    }
    let theirs = head.content.as_deref().unwrap_or_default();
    let ancestor = base.map_or("", |b| b.content.as_str());
    match merge(ancestor, ours, theirs) {
        Ok(merged) => {
            let note = format!(
                "{shown}: changed concurrently (version {}); the changes did not overlap and were merged into version {{new}}",
                head.memory_version_id
            );
            Planned {
                content: merged,
                precondition: unchanged,
                note: Some(note),
                overlapped: false,
            }
        }
        Err(_) => {
            let note = format!(
                "{shown}: conflicting concurrent change. Your content is now the head (version {{new}}); \
                 the other writer's version {} stays in history. Read the file and reconcile if needed.",
                head.memory_version_id
            );
            Planned {
                content: ours.to_owned(),
                precondition: unchanged,
                note: Some(note),
                overlapped: true,
            }
        }
    }
}

/// Three-way merge. Two writers that both only appended to the ancestor
/// insert at the same place, which diff3 calls a conflict; FS-08 wants both
/// appends kept, so that case is resolved as theirs followed by ours.
fn merge(ancestor: &str, ours: &str, theirs: &str) -> Result<String, String> {
    if let (Some(our_tail), Some(_)) = (ours.strip_prefix(ancestor), theirs.strip_prefix(ancestor))
        && (!ancestor.is_empty() || ours.is_empty() || theirs.is_empty())
    {
        let glue = if theirs.ends_with('\n') || theirs.is_empty() {
            ""
        } else {
            "\n"
        };
        return Ok(format!("{theirs}{glue}{our_tail}"));
    }
    diffy::merge(ancestor, ours, theirs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(content: &str) -> Memory {
        Memory {
            id: "mem_1".into(),
            memory_store_id: "s".into(),
            path: "/f".into(),
            content: Some(content.into()),
            content_sha256: crate::store::content_sha256(content),
            content_size_bytes: content.len() as u64,
            memory_version_id: "memver_theirs".into(),
            created_at: crate::store::now(),
            updated_at: crate::store::now(),
        }
    }

    fn base(content: &str) -> Base {
        Base {
            content: content.into(),
            sha: crate::store::content_sha256(content),
            version_id: "memver_base".into(),
        }
    }

    #[test]
    fn fs_08_non_overlapping_changes_merge() {
        let b = base("a\nb\nc\n");
        let Planned {
            content,
            note,
            overlapped,
            ..
        } = plan(
            "/f",
            "a\nb\nc\nours\n",
            Some(&b),
            Some(&head("theirs\na\nb\nc\n")),
        );
        assert_eq!(content, "theirs\na\nb\nc\nours\n");
        assert!(note.unwrap().contains("merged") && !overlapped);
    }

    #[test]
    fn fs_08_two_appends_to_the_same_base_both_survive() {
        let b = base("start\n");
        let Planned {
            content,
            note,
            overlapped,
            ..
        } = plan(
            "/f",
            "start\nours\n",
            Some(&b),
            Some(&head("start\ntheirs\n")),
        );
        assert_eq!(content, "start\ntheirs\nours\n");
        assert!(note.unwrap().contains("merged") && !overlapped);
    }

    #[test]
    fn fs_08_overlapping_changes_keep_ours_as_head_and_name_theirs() {
        let b = base("x\n");
        let Planned {
            content,
            note,
            overlapped,
            ..
        } = plan("/f", "ours\n", Some(&b), Some(&head("theirs\n")));
        assert_eq!(content, "ours\n");
        assert!(note.unwrap().contains("memver_theirs") && overlapped);
    }

    #[test]
    fn fs_05_unmoved_head_writes_ours_with_its_hash_as_precondition() {
        let b = base("x\n");
        let Planned {
            content,
            precondition: pre,
            note,
            overlapped,
        } = plan("/f", "y\n", Some(&b), Some(&head("x\n")));
        assert_eq!((content.as_str(), note, overlapped), ("y\n", None, false));
        assert_eq!(pre, Precondition::ContentSha256(b.sha));
    }
}
