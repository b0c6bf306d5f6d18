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
//!
//! The whole call commits in one write transaction ([`Engine::apply_batch`]):
//! one fsync however many files it changed, and a crash commits all of it or
//! none. Each operation still succeeds or fails on its own, with a note. The
//! merge is decided inside that transaction from the head it reads, so the
//! head cannot move between the decision and the write.
//!
//! [`Engine::apply_batch`]: memstore_store::Engine::apply_batch

use std::collections::BTreeSet;

use super::{Base, Op, Vfs};
use memstore_store::{
    Applied, BatchOp, Change, Decision, Memory, Precondition, Result, StoreError,
};

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
    /// Ends the call. When `ok`, stages files still open and commits every
    /// staged operation, in order, in one write transaction; otherwise
    /// discards everything, writes through the `store` interface included
    /// (TOOL-02).
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
        self.commit(&mut out);
        out.notes.splice(0..0, self.shared.notes());
        out.failed |= self.shared.lost();
        if self.dirs_changed {
            out.dirs = Some(std::mem::take(&mut self.dirs));
        }
        out
    }

    /// Commits the staged operations as one engine batch: each succeeds or
    /// fails on its own, and all that succeed cost one commit.
    fn commit(&mut self, out: &mut CallOutcome) {
        let ops = std::mem::take(&mut self.ops);
        if ops.is_empty() {
            return;
        }
        let (batch, reports): (Vec<_>, Vec<_>) =
            ops.into_iter().map(|op| self.batch_op(op)).unzip();
        match self.engine.apply_batch(batch, &self.actor) {
            Ok(results) => {
                for (report, result) in reports.iter().zip(results) {
                    report.record(result, out);
                }
            }
            Err(e) => {
                out.failed = true;
                out.notes.push(format!(
                    "commit of this call's {} changes failed, so none of them was made: {e}; \
                     run the call again",
                    reports.len()
                ));
            }
        }
    }

    /// The engine's form of a staged operation, and how to report it.
    fn batch_op(&self, op: Op) -> (BatchOp, Report) {
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
                let planner = shown.clone();
                let decide = Box::new(move |head: Option<&Memory>| {
                    decide(&planner, &content, base.as_ref(), guarded, head)
                });
                let report = Report {
                    shown,
                    kind: Kind::Write {
                        version_id: version_id.clone(),
                    },
                };
                let op = BatchOp::Put {
                    store_id: self.store_id(mount).to_owned(),
                    path,
                    version_id,
                    decide,
                };
                (op, report)
            }
            Op::Delete {
                mount,
                path,
                expected,
            } => {
                let report = Report {
                    shown: self.shown(mount, &path),
                    kind: Kind::Delete,
                };
                let op = BatchOp::DeleteAt {
                    store_id: self.store_id(mount).to_owned(),
                    path,
                    precondition: expected.map_or(Precondition::None, Precondition::ContentSha256),
                };
                (op, report)
            }
            Op::Rename { mount, from, to } => {
                let report = Report::other(self.shown(mount, &from));
                let store_id = self.store_id(mount).to_owned();
                (BatchOp::Move { store_id, from, to }, report)
            }
            Op::RenameDir { mount, from, to } => {
                let report = Report::other(self.shown(mount, &from));
                let store_id = self.store_id(mount).to_owned();
                (BatchOp::MoveDir { store_id, from, to }, report)
            }
        }
    }
}

/// What the commit of one staged operation says in a [`CallOutcome`].
struct Report {
    /// The path the guest used.
    shown: String,
    kind: Kind,
}

enum Kind {
    /// With the version id a `store.write` reserved.
    Write {
        version_id: Option<String>,
    },
    Delete,
    Other,
}

impl Report {
    fn other(shown: String) -> Self {
        Self {
            shown,
            kind: Kind::Other,
        }
    }

    fn record(&self, result: Result<Applied>, out: &mut CallOutcome) {
        let failure = match result {
            Ok(Applied::Put { outcome, note }) => {
                let shown = &self.shown;
                if let (Some(note), Some(change)) = (note, &outcome.change) {
                    out.notes.push(note.replace("{new}", &change.version_id));
                }
                if let (
                    Kind::Write {
                        version_id: Some(id),
                    },
                    None,
                ) = (&self.kind, &outcome.change)
                {
                    // MEM-06: the memory already held this content; the id
                    // the guest holds names nothing.
                    out.notes.push(format!(
                        "{shown}: already held this content when the call committed \
                         (version {}), so version {id} returned by store.write was not created",
                        outcome.memory.memory_version_id
                    ));
                }
                out.changes.extend(outcome.change);
                None
            }
            Ok(Applied::Refused(e)) => {
                out.raced = true;
                Some(e)
            }
            Ok(Applied::Deleted(change)) => {
                out.changes.push(change);
                None
            }
            Ok(Applied::Moved(outcome)) => {
                out.changes.extend(outcome.change);
                None
            }
            Ok(Applied::MovedDir(changes)) => {
                out.changes.extend(changes);
                None
            }
            // A file already gone is fine for a delete: the goal holds.
            Err(StoreError::PathNotFound(_)) if matches!(self.kind, Kind::Delete) => None,
            Err(StoreError::PreconditionFailed { actual, .. })
                if matches!(self.kind, Kind::Delete) && actual.is_empty() =>
            {
                None
            }
            Err(e) => Some(e),
        };
        if let Some(e) = failure {
            out.failed = true;
            out.notes
                .push(format!("commit of {} failed: {e}", self.shown));
        }
    }
}

/// What to write at commit, given the head read in the commit's
/// transaction (FS-08): a `guarded` write whose concurrent change overlaps
/// is refused (TOOL-05).
fn decide(
    shown: &str,
    ours: &str,
    base: Option<&Base>,
    guarded: bool,
    head: Option<&Memory>,
) -> Decision {
    let Planned {
        content,
        note,
        overlapped,
    } = plan(shown, ours, base, head);
    match head {
        Some(head) if guarded && overlapped => Decision::Refuse(StoreError::invalid(
            "content",
            format!(
                "{shown} was changed by another writer (version {}) after this call \
                 checked its content, and the changes overlap, so this write was not \
                 committed; read the file again and retry",
                head.memory_version_id
            ),
        )),
        _ => Decision::Write { content, note },
    }
}

/// What to write, and how to say so.
struct Planned {
    content: String,
    note: Option<String>,
    /// The head moved and its change overlaps ours.
    overlapped: bool,
}

/// What to write given the head now: our content when the head is where we
/// started, a clean merge when possible, else ours with a conflict note.
fn plan(shown: &str, ours: &str, base: Option<&Base>, head: Option<&Memory>) -> Planned {
    let plain = || Planned {
        content: ours.to_owned(),
        note: None,
        overlapped: false,
    };
    let Some(head) = head else {
        return plain();
    };
    if base.is_some_and(|b| b.sha == head.content_sha256) {
        return plain();
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
            content_sha256: memstore_store::content_sha256(content),
            content_size_bytes: content.len() as u64,
            memory_version_id: "memver_theirs".into(),
            created_at: memstore_store::now(),
            updated_at: memstore_store::now(),
        }
    }

    fn base(content: &str) -> Base {
        Base {
            content: content.into(),
            sha: memstore_store::content_sha256(content),
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
    fn fs_05_unmoved_head_writes_ours_without_a_note() {
        let b = base("x\n");
        let Planned {
            content,
            note,
            overlapped,
        } = plan("/f", "y\n", Some(&b), Some(&head("x\n")));
        assert_eq!((content.as_str(), note, overlapped), ("y\n", None, false));
    }

    #[test]
    fn tool_05_guarded_write_over_an_overlapping_change_is_refused() {
        let b = base("x\n");
        let theirs = head("theirs\n");
        let refused = decide("/f", "ours\n", Some(&b), true, Some(&theirs));
        assert!(matches!(refused, Decision::Refuse(e) if e.to_string().contains("memver_theirs")));
        let written = decide("/f", "ours\n", Some(&b), false, Some(&theirs));
        assert!(matches!(written, Decision::Write { content, .. } if content == "ours\n"));
    }
}
