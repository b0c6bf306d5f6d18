//! Sandbox path handling shared by every tool: lexical normalisation, which
//! mount a path belongs to, and the wording of filesystem errors.
//!
//! There are no symlinks inside the sandbox (FS-07), so resolving a path is
//! purely lexical; the host confines paths again on every open, this is only
//! what makes the tools' messages precise.

use std::io;

use crate::store::Mount;

/// Collapses `.`, `..` and repeated `/` in an absolute path; `..` at `/`
/// stays at `/`, as in POSIX path resolution.
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Resolves a tool's path argument: relative paths are taken from `workdir`.
pub fn resolve(workdir: &str, path: &str) -> String {
    if path.starts_with('/') {
        normalize(path)
    } else {
        normalize(&format!("{workdir}/{path}"))
    }
}

/// Whether `path` is `dir` itself or lies below it (both normalised).
pub fn is_within(path: &str, dir: &str) -> bool {
    if dir == "/" {
        return true;
    }
    path == dir
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The mount holding `path`, the innermost one if mounts were ever nested.
pub fn mount_of<'m>(mounts: &'m [Mount], path: &str) -> Option<&'m Mount> {
    mounts
        .iter()
        .filter(|m| is_within(path, &m.path))
        .max_by_key(|m| m.path.len())
}

/// The parent directory of a normalised absolute path.
pub fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// The runtime-independent phrase for an I/O error, as the reference toolset
/// words it, so agents see the same text whatever the platform says.
pub fn io_reason(err: &io::Error) -> String {
    match err.kind() {
        io::ErrorKind::NotFound => "no such file or directory".into(),
        io::ErrorKind::NotADirectory => "not a directory".into(),
        io::ErrorKind::IsADirectory => "is a directory".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        io::ErrorKind::AlreadyExists => "file already exists".into(),
        io::ErrorKind::ReadOnlyFilesystem => "read-only file system".into(),
        io::ErrorKind::FileTooLarge => "file too large".into(),
        io::ErrorKind::StorageFull => "no space left on device".into(),
        io::ErrorKind::DirectoryNotEmpty => "directory not empty".into(),
        _ => {
            // `Display` appends "(os error N)"; the agent has no use for it.
            let text = err.to_string();
            let text = match text.find(" (os error") {
                Some(i) => &text[..i],
                None => &text,
            };
            text.to_lowercase()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_collapses_dots_and_slashes() {
        assert_eq!(normalize("/a//b/./c/../d/"), "/a/b/d");
        assert_eq!(normalize("/../../x"), "/x");
        assert_eq!(normalize("/"), "/");
    }

    #[test]
    fn resolve_takes_relative_paths_from_workdir() {
        assert_eq!(
            resolve("/mnt/memory", "notes/a.md"),
            "/mnt/memory/notes/a.md"
        );
        assert_eq!(resolve("/mnt/memory", "../etc"), "/mnt/etc");
        assert_eq!(resolve("/mnt/memory", "/x/./y"), "/x/y");
    }

    #[test]
    fn is_within_respects_segment_boundaries() {
        assert!(is_within("/mnt/memory/notes", "/mnt/memory/notes"));
        assert!(is_within("/mnt/memory/notes/a", "/mnt/memory/notes"));
        assert!(!is_within("/mnt/memory/notes-2/a", "/mnt/memory/notes"));
    }

    #[test]
    fn mount_of_picks_the_mount_holding_the_path() {
        let mounts = vec![
            Mount {
                path: "/mnt/memory/a".into(),
                writable: true,
            },
            Mount {
                path: "/mnt/memory/ab".into(),
                writable: false,
            },
        ];
        assert_eq!(
            mount_of(&mounts, "/mnt/memory/ab/x").map(|m| m.writable),
            Some(false)
        );
        assert_eq!(
            mount_of(&mounts, "/mnt/memory/a/x").map(|m| m.writable),
            Some(true)
        );
        assert!(mount_of(&mounts, "/mnt/memory").is_none());
    }

    #[test]
    fn parent_drops_the_last_component() {
        assert_eq!(parent("/a/b/c"), "/a/b");
        assert_eq!(parent("/a"), "/");
    }
}
