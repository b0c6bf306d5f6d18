//! `read {file_path, view_range?}`: a file's text, or lines
//! `[start, end]` of it (1-based, inclusive; `end <= 0` reads to the end).

use std::fs;
use std::io::Read;

use super::{io_error, resolve};
use crate::Session;
use crate::protocol::{Input, ToolOutcome, fail};

/// Runs `read` on its JSON input.
pub fn run(session: &Session, input: &str) -> ToolOutcome {
    let input = Input::parse("read", input)?;
    let file_path = input.str("file_path")?;
    let view_range = input.opt_ints("view_range")?.filter(|r| !r.is_empty());
    let target = resolve(session, "read", file_path)?;
    if view_range.as_ref().is_some_and(|r| r.len() != 2) {
        return fail("read: view_range must be [start_line, end_line]");
    }
    // Open first and ask the descriptor: a path `stat` and then an open
    // would look the memory up in the store three times instead of once
    // (wasi-libc's `stat` is two host calls), a third of a read's cost
    // (PERF-01).
    let io = |e: std::io::Error| io_error("read", file_path, &e);
    let mut file = fs::File::open(&target).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return fail(format!("read: {file_path}: not a regular file"));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.read_to_end(&mut bytes).map_err(io)?;
    let Ok(text) = String::from_utf8(bytes) else {
        return fail(format!(
            "read: {file_path}: not valid UTF-8 text (memories hold text only)"
        ));
    };
    let Some(range) = view_range else {
        return Ok(text);
    };
    let lines: Vec<&str> = text.split('\n').collect();
    let start = usize::try_from(range[0].saturating_sub(1)).unwrap_or(0);
    let end = usize::try_from(range[1])
        .ok()
        .filter(|&e| e > 0)
        .unwrap_or(lines.len());
    let end = end.min(lines.len());
    Ok(lines
        .get(start..end)
        .map(|l| l.join("\n"))
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::testing::Sandbox;

    #[test]
    fn tool_03_read_returns_the_text() {
        let sb = Sandbox::new();
        let path = sb.file("notes", "a.md", "one\ntwo\n");
        let r = sb.run("read", json!({"file_path": path}));
        assert!(!r.is_error);
        assert_eq!(r.content, "one\ntwo\n");
    }

    #[test]
    fn tool_03_read_view_range_selects_lines() {
        let sb = Sandbox::new();
        sb.file("notes", "a.md", "1\n2\n3\n4\n");
        let run = |range: serde_json::Value| {
            sb.run(
                "read",
                json!({"file_path": "notes/a.md", "view_range": range}),
            )
            .content
        };
        assert_eq!(run(json!([2, 3])), "2\n3");
        assert_eq!(run(json!([3, -1])), "3\n4\n");
        assert_eq!(run(json!([3, 0])), "3\n4\n");
        assert_eq!(run(json!([0, 1])), "1");
        assert_eq!(run(json!([9, 12])), "");
    }

    #[test]
    fn tool_03_read_rejects_a_malformed_view_range() {
        let sb = Sandbox::new();
        sb.file("notes", "a.md", "x");
        let r = sb.run(
            "read",
            json!({"file_path": "notes/a.md", "view_range": [1]}),
        );
        assert!(r.is_error);
        assert_eq!(r.content, "read: view_range must be [start_line, end_line]");
    }

    #[test]
    fn tool_03_read_missing_file_and_directory() {
        let sb = Sandbox::new();
        let r = sb.run("read", json!({"file_path": "notes/nope.md"}));
        assert_eq!(r.content, "read: notes/nope.md: no such file or directory");
        let r = sb.run("read", json!({"file_path": "notes"}));
        assert_eq!(r.content, "read: notes: not a regular file");
        assert!(r.is_error);
    }

    #[test]
    fn tool_03_read_requires_file_path() {
        let sb = Sandbox::new();
        let r = sb.run("read", json!({}));
        assert!(r.is_error);
        assert_eq!(r.content, "read: missing required field file_path");
    }
}
