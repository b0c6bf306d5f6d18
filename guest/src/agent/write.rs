//! `write {file_path, content}`: creates or replaces a file, creating its
//! parent directories.

use std::fs;

use super::{io_error, require_writable, resolve};
use crate::Session;
use crate::paths;
use crate::protocol::{Input, ToolOutcome};

/// Runs `write` on its JSON input.
pub fn run(session: &Session, input: &str) -> ToolOutcome {
    let input = Input::parse("write", input)?;
    let file_path = input.str("file_path")?;
    let content = input.str("content")?;
    let target = resolve(session, "write", file_path)?;
    require_writable(session, "write", &target, file_path)?;
    fs::create_dir_all(paths::parent(&target)).map_err(|e| io_error("write", file_path, &e))?;
    fs::write(&target, content).map_err(|e| io_error("write", file_path, &e))?;
    // The reference counts Python characters here; memstore reports the
    // UTF-8 bytes actually stored, which is what the message says.
    Ok(format!("wrote {} bytes to {file_path}", content.len()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::testing::Sandbox;

    #[test]
    fn tool_03_write_creates_parents_and_reports_bytes() {
        let sb = Sandbox::new();
        let path = format!("{}/deep/er/a.md", sb.mount("notes"));
        let r = sb.run("write", json!({"file_path": path, "content": "héllo"}));
        assert!(!r.is_error, "{}", r.content);
        assert_eq!(r.content, format!("wrote 6 bytes to {path}"));
        assert_eq!(sb.read(&path), "héllo");
    }

    #[test]
    fn fs_04_write_into_read_only_mount_is_refused() {
        let sb = Sandbox::new();
        let r = sb.run("write", json!({"file_path": "docs/a.md", "content": "x"}));
        assert!(r.is_error);
        assert_eq!(
            r.content,
            format!(
                "write: docs/a.md is inside read-only directory {}",
                sb.mount("docs")
            )
        );
    }

    #[test]
    fn fs_01_write_outside_every_mount_is_refused() {
        let sb = Sandbox::new();
        let r = sb.run("write", json!({"file_path": "x.md", "content": "x"}));
        assert!(r.is_error);
        assert_eq!(
            r.content,
            format!("write: x.md is inside read-only directory {}", sb.root())
        );
    }

    #[test]
    fn tool_03_write_onto_a_directory_fails() {
        let sb = Sandbox::new();
        sb.file("notes", "d/a.md", "x");
        let r = sb.run("write", json!({"file_path": "notes/d", "content": "x"}));
        assert!(r.is_error);
        assert_eq!(r.content, "write: notes/d: is a directory");
    }
}
