//! `write {file_path, content}`: creates or replaces a file, creating its
//! parent directories.

use std::fs;

use super::{io_error, require_writable, resolve};
use crate::Session;
use crate::paths;
use crate::protocol::{Input, ToolOutcome, fail};
use crate::store::{MAX_CONTENT_BYTES, StoreError};

/// Runs `write` on its JSON input.
pub fn run(session: &Session, input: &str) -> ToolOutcome {
    let input = Input::parse("write", input)?;
    let file_path = input.str("file_path")?;
    let content = input.str("content")?;
    let target = resolve(session, "write", file_path)?;
    require_writable(session, "write", &target, file_path)?;
    // Checked here because a refusal inside the filesystem reaches the guest
    // only as a bare I/O error (NOTES-WASM), which would not tell the agent why.
    let size = content.len() as u64;
    if size > MAX_CONTENT_BYTES {
        return fail(format!(
            "write: {file_path}: {}",
            StoreError::TooLarge(size)
        ));
    }
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
    fn mem_02_write_over_size_cap_is_refused_before_writing() {
        let sb = Sandbox::new();
        let big = "x".repeat(102_401);
        let r = sb.run(
            "write",
            json!({"file_path": "notes/big.md", "content": big}),
        );
        assert!(r.is_error);
        assert_eq!(
            r.content,
            "write: notes/big.md: file too large (102401 bytes; a memory holds at most 102400 bytes)"
        );
        assert!(!std::path::Path::new(&format!("{}/big.md", sb.mount("notes"))).exists());
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
