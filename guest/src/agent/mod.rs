//! The file tools of `agent_toolset_20260401`: `read`, `write`, `edit`,
//! `glob`, `grep`, with the reference toolset's input schemas and messages.
//!
//! This file holds what they share: resolving a `file_path` inside the
//! sandbox, the read-only refusal, error wording and the directory walk.

pub mod edit;
pub mod glob;
pub mod grep;
pub mod read;
pub mod write;

use std::fs;
use std::io;

use crate::Session;
use crate::paths;
use crate::protocol::ToolError;

/// Most entries a `glob` or `grep` walk visits, so a huge tree cannot make a
/// tool call run out of time or memory before it answers.
pub const WALK_MAX_ENTRIES: usize = 50_000;

/// Python `repr` of a string, which the reference puts in path errors.
fn py_repr(s: &str) -> String {
    if s.contains('\'') && !s.contains('"') {
        format!("\"{}\"", s.replace('\\', "\\\\"))
    } else {
        format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
    }
}

/// Resolves `file_path` (absolute, or relative to the working directory) and
/// refuses what lies outside the working directory.
///
/// # Errors
/// `{op}: path '…' is outside the session's working directory`.
pub fn resolve(session: &Session, op: &str, file_path: &str) -> Result<String, ToolError> {
    let target = paths::resolve(&session.workdir, file_path);
    if paths::is_within(&target, &session.workdir) {
        Ok(target)
    } else {
        Err(ToolError(format!(
            "{op}: path {} is outside the session's working directory",
            py_repr(file_path)
        )))
    }
}

/// Refuses a mutation of `target` unless it lies inside a writable mount.
/// Anything outside every mount is under the read-only `/mnt/memory` (FS-01).
///
/// # Errors
/// `{op}: {file_path} is inside read-only directory {root}`.
pub fn require_writable(
    session: &Session,
    op: &str,
    target: &str,
    file_path: &str,
) -> Result<(), ToolError> {
    let root = match paths::mount_of(&session.mounts, target) {
        Some(mount) if mount.writable => return Ok(()),
        Some(mount) => mount.path.as_str(),
        None => session.workdir.as_str(),
    };
    Err(ToolError(format!(
        "{op}: {file_path} is inside read-only directory {root}"
    )))
}

/// `{op}: {file_path}: {reason}` for a failed filesystem call.
pub fn io_error(op: &str, file_path: &str, err: &io::Error) -> ToolError {
    ToolError(format!("{op}: {file_path}: {}", paths::io_reason(err)))
}

/// Visits `root`'s tree top-down, like Python's `os.walk`: a directory's
/// files (by name), then each subdirectory (by name) followed by its own
/// tree. `visit` gets each entry's path, whether it is a directory, and its
/// metadata, and returns `false` to stop. Directories for which
/// `descend` says no are visited but not entered. Unreadable directories are
/// skipped. Returns `false` when stopped early (by `visit` or the entry cap).
pub fn walk(
    root: &str,
    descend: &dyn Fn(&str) -> bool,
    visit: &mut dyn FnMut(&str, bool, &fs::Metadata) -> bool,
) -> bool {
    let mut seen = 0;
    walk_dir(root, descend, visit, &mut seen)
}

fn walk_dir(
    dir: &str,
    descend: &dyn Fn(&str) -> bool,
    visit: &mut dyn FnMut(&str, bool, &fs::Metadata) -> bool,
    seen: &mut usize,
) -> bool {
    let Ok(entries) = fs::read_dir(dir) else {
        return true;
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let base = dir.trim_end_matches('/');
    let mut subdirs = Vec::new();
    for name in names {
        let path = format!("{base}/{name}");
        let Ok(meta) = fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            subdirs.push((name, path, meta));
            continue;
        }
        *seen += 1;
        if *seen > WALK_MAX_ENTRIES || !visit(&path, false, &meta) {
            return false;
        }
    }
    for (name, path, meta) in subdirs {
        *seen += 1;
        if *seen > WALK_MAX_ENTRIES || !visit(&path, true, &meta) {
            return false;
        }
        if descend(&name) && !walk_dir(&path, descend, visit, seen) {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Sandbox;

    #[test]
    fn tool_03_relative_paths_outside_the_workdir_are_refused() {
        let sb = Sandbox::new();
        let err = resolve(&sb.session(), "read", "../x").unwrap_err();
        assert_eq!(
            err.0,
            "read: path '../x' is outside the session's working directory"
        );
    }

    #[test]
    fn tool_03_walk_visits_files_before_subdirectories() {
        let sb = Sandbox::new();
        sb.file("notes", "b/z.md", "");
        sb.file("notes", "a.md", "");
        sb.file("notes", "c.md", "");
        let root = sb.mount("notes");
        let mut seen = Vec::new();
        walk(&root, &|_| true, &mut |p, _, _| {
            seen.push(p.strip_prefix(&root).unwrap().to_string());
            true
        });
        assert_eq!(seen, ["/a.md", "/c.md", "/b", "/b/z.md"]);
    }
}
