//! The memory tool (`memory_20250818`): `view`, `create`, `str_replace`,
//! `insert`, `delete`, `rename` on paths under `/memories`, which maps to
//! one mount (TOOL-04).
//!
//! Result and error strings are those of the reference implementation in
//! the `anthropic` Python SDK (`BetaLocalFilesystemMemoryTool`), down to its
//! edge cases; `guest/tests/memory_tool_differential.rs` holds us to it.
//! This file owns dispatch and the `/memories` path rules.

mod create;
mod edit;
mod remove;
mod view;

use crate::Session;
use crate::paths;
use crate::protocol::{Input, ToolError, ToolOutcome, fail};

/// The path prefix the model uses for the memory directory.
pub const MEMORIES: &str = "/memories";

/// The memory tool's commands.
pub const COMMANDS: [&str; 6] = [
    "view",
    "create",
    "str_replace",
    "insert",
    "delete",
    "rename",
];

/// Runs one memory-tool command on its JSON input.
pub fn run(session: &Session, input: &str) -> ToolOutcome {
    let input = Input::parse("memory", input)?;
    let command = input.str("command")?.to_string();
    let Some(root) = session.memory_root.as_deref() else {
        return fail("memory: no writable memory store is attached to this session");
    };
    let cmd = Command {
        session,
        root,
        input: input.relabel(&format!("memory {command}")),
    };
    match command.as_str() {
        "view" => view::view(&cmd),
        "create" => create::create(&cmd),
        "str_replace" => edit::str_replace(&cmd),
        "insert" => edit::insert(&cmd),
        "delete" => remove::delete(&cmd),
        "rename" => remove::rename(&cmd),
        other => fail(format!(
            "memory: unknown command {other:?}; expected one of {}",
            COMMANDS.join(", ")
        )),
    }
}

/// One command's context: the session, the mount `/memories` maps to, and
/// the command's input.
struct Command<'a> {
    session: &'a Session<'a>,
    root: &'a str,
    input: Input,
}

impl Command<'_> {
    /// Maps a model path to the sandbox path, with the reference's rules: the
    /// path must start with `/memories` (only as a string prefix) and must
    /// not leave the root once `.`/`..` are collapsed.
    fn resolve(&self, path: &str) -> Result<String, ToolError> {
        let Some(rest) = path.strip_prefix(MEMORIES) else {
            return fail(format!("Path must start with /memories, got: {path}"));
        };
        let relative = rest.trim_start_matches('/');
        let full = if relative.is_empty() {
            self.root.to_string()
        } else {
            paths::normalize(&format!("{}/{relative}", self.root))
        };
        if !paths::is_within(&full, self.root) {
            return fail(format!("Path {path} would escape /memories directory"));
        }
        Ok(full)
    }

    /// Refuses to mutate a read-only `/memories` before anything is tried.
    fn require_writable(&self, op: &str, path: &str) -> Result<(), ToolError> {
        match paths::mount_of(&self.session.mounts, self.root) {
            Some(mount) if mount.writable => Ok(()),
            Some(mount) => fail(format!(
                "{op}: {path} is inside read-only directory {}",
                mount.path
            )),
            None => fail(format!(
                "{op}: {path} is inside read-only directory {}",
                self.root
            )),
        }
    }
}

/// Line numbers as the reference prints them: right-aligned in six columns.
fn numbered(first: usize, lines: &[&str]) -> String {
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| format!("{:>6}\t{line}", first + i))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::testing::Sandbox;

    #[test]
    fn tool_04_path_must_start_with_memories() {
        let sb = Sandbox::new();
        let r = sb.run("memory", json!({"command": "view", "path": "/etc/passwd"}));
        assert!(r.is_error);
        assert_eq!(
            r.content,
            "Path must start with /memories, got: /etc/passwd"
        );
    }

    #[test]
    fn tool_04_dot_dot_cannot_escape_memories() {
        let sb = Sandbox::new();
        let r = sb.run(
            "memory",
            json!({"command": "view", "path": "/memories/../docs"}),
        );
        assert!(r.is_error);
        assert_eq!(
            r.content,
            "Path /memories/../docs would escape /memories directory"
        );
    }

    #[test]
    fn tool_04_unknown_command_and_missing_field() {
        let sb = Sandbox::new();
        let r = sb.run("memory", json!({"command": "copy"}));
        assert!(r.is_error);
        assert_eq!(
            r.content,
            "memory: unknown command \"copy\"; expected one of view, create, str_replace, insert, delete, rename"
        );
        let r = sb.run(
            "memory",
            json!({"command": "create", "path": "/memories/a"}),
        );
        assert_eq!(r.content, "memory create: missing required field file_text");
        let r = sb.run("memory", json!({}));
        assert_eq!(r.content, "memory: missing required field command");
    }

    #[test]
    fn tool_04_read_only_memory_root_refuses_mutation() {
        let sb = Sandbox::new();
        let session = crate::Session::new(sb.store(), &sb.root(), Some(sb.mount("docs")));
        let input = json!({"command": "create", "path": "/memories/a.md", "file_text": "x"});
        let r = session.run("memory", &input.to_string());
        assert!(r.is_error);
        assert_eq!(
            r.content,
            format!(
                "create: /memories/a.md is inside read-only directory {}",
                sb.mount("docs")
            )
        );
    }
}
