//! `delete {path}` (directories recursively) and `rename {old_path,
//! new_path}`; neither may touch the `/memories` directory itself.

use std::fs;
use std::io;

use super::Command;
use crate::paths;
use crate::protocol::{ToolOutcome, fail};

pub(super) fn delete(cmd: &Command) -> ToolOutcome {
    let path = cmd.input.str("path")?;
    let full = cmd.resolve(path)?;
    if full == cmd.root {
        return fail("Cannot delete the /memories directory itself");
    }
    let missing = || fail(format!("The path {path} does not exist"));
    let removed = match fs::metadata(&full) {
        Ok(meta) if meta.is_file() => {
            cmd.require_writable("delete", path)?;
            fs::remove_file(&full)
        }
        Ok(meta) if meta.is_dir() => {
            cmd.require_writable("delete", path)?;
            fs::remove_dir_all(&full)
        }
        _ => return missing(),
    };
    match removed {
        Ok(()) => Ok(format!("Successfully deleted {path}")),
        Err(e) if e.kind() == io::ErrorKind::NotFound => missing(),
        Err(e) => fail(format!("delete: {path}: {}", paths::io_reason(&e))),
    }
}

pub(super) fn rename(cmd: &Command) -> ToolOutcome {
    let old_path = cmd.input.str("old_path")?;
    let new_path = cmd.input.str("new_path")?;
    let old_full = cmd.resolve(old_path)?;
    let new_full = cmd.resolve(new_path)?;
    if old_full == cmd.root {
        return fail("Cannot rename the /memories directory itself");
    }
    if fs::metadata(&new_full).is_ok() {
        return fail(format!("The destination {new_path} already exists"));
    }
    cmd.require_writable("rename", old_path)?;
    // Like the reference, the destination's parent is made before the move
    // is attempted, even if the source turns out to be missing.
    fs::create_dir_all(paths::parent(&new_full))
        .or_else(|e| fail(format!("rename: {new_path}: {}", paths::io_reason(&e))))?;
    match fs::rename(&old_full, &new_full) {
        Ok(()) => Ok(format!("Successfully renamed {old_path} to {new_path}")),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            fail(format!("The path {old_path} does not exist"))
        }
        Err(e) => fail(format!("rename: {old_path}: {}", paths::io_reason(&e))),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::json;

    use crate::testing::Sandbox;

    #[test]
    fn tool_04_delete_file_and_directory() {
        let sb = Sandbox::new();
        let file = sb.file("notes", "a.md", "x");
        sb.file("notes", "d/e/f.md", "x");
        let r = sb.run(
            "memory",
            json!({"command": "delete", "path": "/memories/a.md"}),
        );
        assert_eq!(r.content, "Successfully deleted /memories/a.md");
        assert!(!Path::new(&file).exists());
        let r = sb.run(
            "memory",
            json!({"command": "delete", "path": "/memories/d"}),
        );
        assert!(!r.is_error);
        assert!(!Path::new(&format!("{}/d", sb.mount("notes"))).exists());
    }

    #[test]
    fn tool_04_delete_refuses_root_and_missing() {
        let sb = Sandbox::new();
        let r = sb.run("memory", json!({"command": "delete", "path": "/memories/"}));
        assert!(r.is_error);
        assert_eq!(r.content, "Cannot delete the /memories directory itself");
        let r = sb.run(
            "memory",
            json!({"command": "delete", "path": "/memories/nope"}),
        );
        assert_eq!(r.content, "The path /memories/nope does not exist");
    }

    #[test]
    fn tool_04_rename_moves_and_refuses_conflicts() {
        let sb = Sandbox::new();
        sb.file("notes", "a.md", "x");
        sb.file("notes", "b.md", "y");
        let r = sb.run("memory", json!({"command": "rename", "old_path": "/memories/a.md", "new_path": "/memories/b.md"}));
        assert!(r.is_error);
        assert_eq!(r.content, "The destination /memories/b.md already exists");
        let r = sb.run("memory", json!({"command": "rename", "old_path": "/memories/a.md", "new_path": "/memories/n/c.md"}));
        assert_eq!(
            r.content,
            "Successfully renamed /memories/a.md to /memories/n/c.md"
        );
        assert_eq!(sb.read(&format!("{}/n/c.md", sb.mount("notes"))), "x");
        let r = sb.run(
            "memory",
            json!({"command": "rename", "old_path": "/memories/zz", "new_path": "/memories/yy"}),
        );
        assert_eq!(r.content, "The path /memories/zz does not exist");
        let r = sb.run(
            "memory",
            json!({"command": "rename", "old_path": "/memories", "new_path": "/memories/yy"}),
        );
        assert_eq!(r.content, "Cannot rename the /memories directory itself");
    }
}
