//! `create {path, file_text}`: a new memory file; never overwrites.

use std::fs;

use super::Command;
use crate::paths;
use crate::protocol::{ToolOutcome, fail};
use crate::store::StoreError;

pub(super) fn create(cmd: &Command) -> ToolOutcome {
    let path = cmd.input.str("path")?;
    let file_text = cmd.input.str("file_text")?;
    let full = cmd.resolve(path)?;
    let exists = || fail(format!("File {path} already exists"));
    if fs::metadata(&full).is_ok() {
        return exists();
    }
    cmd.require_writable("create", path)?;
    // The empty-hash precondition makes "only if absent" atomic in the store
    // and the write all-or-nothing: no empty file is left behind when the
    // content is refused (too large, store full).
    match cmd.session.store.write(&full, file_text, Some("")) {
        Ok(()) => Ok(format!("File created successfully at: {path}")),
        Err(StoreError::PreconditionFailed(_)) => exists(),
        Err(StoreError::Conflict(other)) if paths::is_within(&other, &full) => exists(),
        Err(StoreError::Conflict(_)) => fail(format!("create: {path}: not a directory")),
        Err(e) => fail(format!("create: {path}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::testing::Sandbox;

    #[test]
    fn tool_04_create_writes_a_new_file_with_parents() {
        let sb = Sandbox::new();
        let r = sb.run(
            "memory",
            json!({"command": "create", "path": "/memories/a/b.md", "file_text": "hi"}),
        );
        assert!(!r.is_error, "{}", r.content);
        assert_eq!(r.content, "File created successfully at: /memories/a/b.md");
        assert_eq!(sb.read(&format!("{}/a/b.md", sb.mount("notes"))), "hi");
    }

    #[test]
    fn tool_04_create_never_overwrites() {
        let sb = Sandbox::new();
        let path = sb.file("notes", "a.md", "old");
        let r = sb.run(
            "memory",
            json!({"command": "create", "path": "/memories/a.md", "file_text": "new"}),
        );
        assert!(r.is_error);
        assert_eq!(r.content, "File /memories/a.md already exists");
        assert_eq!(sb.read(&path), "old");
        let r = sb.run(
            "memory",
            json!({"command": "create", "path": "/memories", "file_text": "new"}),
        );
        assert_eq!(r.content, "File /memories already exists");
    }

    #[test]
    fn mem_02_create_over_size_cap_stores_nothing() {
        let sb = Sandbox::new();
        let big = "x".repeat(102_401);
        let r = sb.run(
            "memory",
            json!({"command": "create", "path": "/memories/big.md", "file_text": big}),
        );
        assert!(r.is_error);
        assert_eq!(
            r.content,
            "create: /memories/big.md: file too large (102401 bytes; a memory holds at most 102400 bytes)"
        );
        assert!(!std::path::Path::new(&format!("{}/big.md", sb.mount("notes"))).exists());
    }

    #[test]
    fn mem_04_create_below_a_file_is_refused() {
        let sb = Sandbox::new();
        sb.file("notes", "a.md", "x");
        let r = sb.run(
            "memory",
            json!({"command": "create", "path": "/memories/a.md/b.md", "file_text": "y"}),
        );
        assert!(r.is_error);
        assert_eq!(r.content, "create: /memories/a.md/b.md: not a directory");
    }
}
