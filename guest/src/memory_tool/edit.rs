//! `str_replace {path, old_str, new_str}` and `insert {path, insert_line,
//! insert_text}`: in-place edits written with the read's content hash as
//! precondition and re-applied once after a concurrent change (TOOL-05).

use std::fs;

use super::{Command, numbered};
use crate::protocol::{ToolError, ToolOutcome, fail};
use crate::store::StoreError;
use crate::update::{UpdateError, update};

/// Lines of context the `str_replace` snippet shows before and after.
const SNIPPET_CONTEXT: usize = 2;

pub(super) fn str_replace(cmd: &Command) -> ToolOutcome {
    let path = cmd.input.str("path")?;
    let old = cmd.input.str("old_str")?;
    let new = cmd.input.str("new_str")?;
    let full = existing_file(cmd, path)?;
    cmd.require_writable("str_replace", path)?;
    let (content, changed_line) = update(cmd.session.store, &full, |content| {
        replace_once(content, old, new, path)
    })
    .map_err(|e| update_error(e, "str_replace", path))?;
    let lines: Vec<&str> = content.split('\n').collect();
    let start = changed_line.saturating_sub(SNIPPET_CONTEXT);
    let end = (changed_line + SNIPPET_CONTEXT + 1).min(lines.len());
    Ok(format!(
        "The memory file has been edited. Here is the snippet showing the change (with line numbers):\n{}",
        numbered(start + 1, &lines[start..end])
    ))
}

/// Replaces the single occurrence of `old`; reports the 0-based line where
/// the change starts.
fn replace_once(
    content: &str,
    old: &str,
    new: &str,
    path: &str,
) -> Result<(String, usize), ToolError> {
    match content.matches(old).count() {
        0 => fail(format!(
            "No replacement was performed, old_str `{old}` did not appear verbatim in {path}."
        )),
        1 => {
            let pos = content.find(old).unwrap_or(0);
            let changed_line = content[..pos].matches('\n').count();
            Ok((content.replace(old, new), changed_line))
        }
        _ => {
            let lines: Vec<String> = occurrence_lines(content, old)
                .iter()
                .map(usize::to_string)
                .collect();
            fail(format!(
                "No replacement was performed. Multiple occurrences of old_str `{old}` in lines: {}. Please ensure it is unique",
                lines.join(", ")
            ))
        }
    }
}

/// 1-based line of every occurrence of `needle`, overlapping ones included,
/// as the reference lists them.
fn occurrence_lines(content: &str, needle: &str) -> Vec<usize> {
    let mut lines = Vec::new();
    let mut start = 0;
    while start <= content.len() {
        let Some(found) = content[start..].find(needle) else {
            break;
        };
        let pos = start + found;
        lines.push(content[..pos].matches('\n').count() + 1);
        // Step one character (not byte) so the next search starts on a boundary.
        start = pos + content[pos..].chars().next().map_or(1, char::len_utf8);
    }
    lines
}

pub(super) fn insert(cmd: &Command) -> ToolOutcome {
    let path = cmd.input.str("path")?;
    let insert_line = cmd.input.int("insert_line")?;
    let insert_text = cmd.input.str("insert_text")?;
    let full = existing_file(cmd, path)?;
    cmd.require_writable("insert", path)?;
    // On a retry the insertion is only unambiguous when the lines before the
    // insertion point are still exactly the ones the first attempt saw.
    let mut anchor: Option<Vec<String>> = None;
    update(cmd.session.store, &full, |content| {
        let mut lines = split_lines(content);
        let at = match usize::try_from(insert_line) {
            Ok(at) if at <= lines.len() => at,
            _ => {
                return fail(format!(
                    "Invalid `insert_line` parameter: {insert_line}. It should be within the range [0, {}].",
                    lines.len()
                ));
            }
        };
        let before: Vec<String> = lines[..at].iter().map(|l| l.to_string()).collect();
        match &anchor {
            Some(seen) if *seen != before => return fail("lines before the insertion point changed"),
            Some(_) => {}
            None => anchor = Some(before),
        }
        lines.insert(at, insert_text.trim_end_matches('\n'));
        let mut new_content = lines.join("\n");
        if !new_content.ends_with('\n') {
            new_content.push('\n');
        }
        Ok((new_content, ()))
    })
    .map_err(|e| update_error(e, "insert", path))?;
    Ok(format!("The file {path} has been edited."))
}

/// Lines split on LF only (a CR stays part of its line), without the empty
/// tail that a final newline leaves.
fn split_lines(content: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = content.split('\n').collect();
    if lines.last() == Some(&"") {
        lines.pop();
    }
    lines
}

/// Resolves `path` and requires an existing regular file there.
fn existing_file(cmd: &Command, path: &str) -> Result<String, ToolError> {
    let full = cmd.resolve(path)?;
    match fs::metadata(&full) {
        Err(_) => fail(format!(
            "The path {path} does not exist. Please provide a valid path."
        )),
        Ok(meta) if !meta.is_file() => fail(format!("The path {path} is not a file.")),
        Ok(_) => Ok(full),
    }
}

fn update_error(err: UpdateError<ToolError>, op: &str, path: &str) -> ToolError {
    match err {
        UpdateError::Apply(e) => e,
        UpdateError::Read(StoreError::NotFound(_)) => ToolError(format!(
            "The file {path} no longer exists (may have been deleted or renamed concurrently)."
        )),
        UpdateError::Read(e) | UpdateError::Write(e) => ToolError(format!("{op}: {path}: {e}")),
        UpdateError::Raced => ToolError(format!(
            "No change was made: {path} was modified by someone else during this {op}, and the edit \
             no longer applies unambiguously. View the file again and retry."
        )),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::occurrence_lines;
    use crate::Session;
    use crate::testing::{Interfering, Sandbox};

    #[test]
    fn tool_04_str_replace_shows_snippet_with_context() {
        let sb = Sandbox::new();
        let path = sb.file("notes", "a.md", "1\n2\n3\n4\n5\n6\n7\n");
        let r = sb.run("memory", json!({"command": "str_replace", "path": "/memories/a.md", "old_str": "4", "new_str": "four"}));
        assert!(!r.is_error, "{}", r.content);
        assert_eq!(
            r.content,
            "The memory file has been edited. Here is the snippet showing the change (with line numbers):\n     2\t2\n     3\t3\n     4\tfour\n     5\t5\n     6\t6"
        );
        assert_eq!(sb.read(&path), "1\n2\n3\nfour\n5\n6\n7\n");
    }

    #[test]
    fn tool_04_str_replace_missing_and_multiple() {
        let sb = Sandbox::new();
        sb.file("notes", "a.md", "ab\nab\nx");
        let r = sb.run("memory", json!({"command": "str_replace", "path": "/memories/a.md", "old_str": "zz", "new_str": ""}));
        assert!(r.is_error);
        assert_eq!(
            r.content,
            "No replacement was performed, old_str `zz` did not appear verbatim in /memories/a.md."
        );
        let r = sb.run("memory", json!({"command": "str_replace", "path": "/memories/a.md", "old_str": "ab", "new_str": ""}));
        assert_eq!(
            r.content,
            "No replacement was performed. Multiple occurrences of old_str `ab` in lines: 1, 2. Please ensure it is unique"
        );
        let r = sb.run(
            "memory",
            json!({"command": "str_replace", "path": "/memories", "old_str": "a", "new_str": ""}),
        );
        assert_eq!(r.content, "The path /memories is not a file.");
    }

    #[test]
    fn tool_04_occurrences_include_overlapping_matches() {
        assert_eq!(occurrence_lines("aaaa", "aa"), [1, 1, 1]);
        assert_eq!(occurrence_lines("é\né", ""), [1, 1, 2, 2]);
    }

    #[test]
    fn tool_04_insert_adds_a_line() {
        let sb = Sandbox::new();
        let path = sb.file("notes", "a.md", "one\ntwo");
        let r = sb.run("memory", json!({"command": "insert", "path": "/memories/a.md", "insert_line": 1, "insert_text": "mid\n"}));
        assert!(!r.is_error, "{}", r.content);
        assert_eq!(r.content, "The file /memories/a.md has been edited.");
        assert_eq!(sb.read(&path), "one\nmid\ntwo\n");
    }

    #[test]
    fn tool_04_insert_rejects_line_out_of_range() {
        let sb = Sandbox::new();
        sb.file("notes", "a.md", "one\ntwo\n");
        let r = sb.run("memory", json!({"command": "insert", "path": "/memories/a.md", "insert_line": 3, "insert_text": "x"}));
        assert!(r.is_error);
        assert_eq!(
            r.content,
            "Invalid `insert_line` parameter: 3. It should be within the range [0, 2]."
        );
        let r = sb.run("memory", json!({"command": "insert", "path": "/memories/a.md", "insert_line": -1, "insert_text": "x"}));
        assert_eq!(
            r.content,
            "Invalid `insert_line` parameter: -1. It should be within the range [0, 2]."
        );
    }

    #[test]
    fn tool_05_str_replace_reapplies_once_after_concurrent_change() {
        let sb = Sandbox::new();
        let path = sb.file("notes", "a.md", "alpha\nbeta\n");
        let store = Interfering::new(
            sb.store(),
            vec![(path.clone(), "zero\nalpha\nbeta\n".into())],
        );
        let session = Session::new(&store, &sb.root(), None);
        let input = json!({"command": "str_replace", "path": "/memories/a.md", "old_str": "beta", "new_str": "BETA"});
        let r = session.run("memory", &input.to_string());
        assert!(!r.is_error, "{}", r.content);
        assert!(
            r.content.ends_with("     3\tBETA\n     4\t"),
            "{}",
            r.content
        );
        assert_eq!(sb.read(&path), "zero\nalpha\nBETA\n");
    }

    #[test]
    fn tool_05_str_replace_asks_to_view_again_when_edit_no_longer_applies() {
        let sb = Sandbox::new();
        let path = sb.file("notes", "a.md", "alpha\nbeta\n");
        let store = Interfering::new(sb.store(), vec![(path.clone(), "alpha\n".into())]);
        let session = Session::new(&store, &sb.root(), None);
        let input = json!({"command": "str_replace", "path": "/memories/a.md", "old_str": "beta", "new_str": "BETA"});
        let r = session.run("memory", &input.to_string());
        assert!(r.is_error);
        assert!(
            r.content.ends_with("View the file again and retry."),
            "{}",
            r.content
        );
        assert_eq!(sb.read(&path), "alpha\n");
    }

    #[test]
    fn tool_05_insert_reapplies_when_lines_before_are_unchanged() {
        let sb = Sandbox::new();
        let path = sb.file("notes", "a.md", "one\ntwo\n");
        let store = Interfering::new(sb.store(), vec![(path.clone(), "one\ntwo\nthree\n".into())]);
        let session = Session::new(&store, &sb.root(), None);
        let input = json!({"command": "insert", "path": "/memories/a.md", "insert_line": 1, "insert_text": "mid"});
        let r = session.run("memory", &input.to_string());
        assert!(!r.is_error, "{}", r.content);
        assert_eq!(sb.read(&path), "one\nmid\ntwo\nthree\n");
    }

    #[test]
    fn tool_05_insert_gives_up_when_lines_before_changed() {
        let sb = Sandbox::new();
        let path = sb.file("notes", "a.md", "one\ntwo\n");
        let store = Interfering::new(sb.store(), vec![(path.clone(), "zero\none\ntwo\n".into())]);
        let session = Session::new(&store, &sb.root(), None);
        let input = json!({"command": "insert", "path": "/memories/a.md", "insert_line": 1, "insert_text": "mid"});
        let r = session.run("memory", &input.to_string());
        assert!(r.is_error);
        assert!(
            r.content
                .contains("was modified by someone else during this insert"),
            "{}",
            r.content
        );
        assert_eq!(sb.read(&path), "zero\none\ntwo\n");
    }
}
