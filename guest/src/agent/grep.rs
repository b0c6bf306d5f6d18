//! `grep {pattern, path?}`: lines matching a regular expression, as
//! `{path}:{line_no}:{line}`, in every text file under `path` (default: the
//! working directory), output capped at [`GREP_OUTPUT_LIMIT`] bytes.

use std::fs;

use regex::Regex;

use super::{io_error, resolve, walk};
use crate::Session;
use crate::protocol::{Input, ToolError, ToolOutcome};

/// Most bytes of matches one `grep` returns. Smaller than the reference's
/// 100 KiB: a memory store holds short notes, and a flood of hits costs the
/// agent context without helping it.
pub const GREP_OUTPUT_LIMIT: usize = 30_000;

/// Longer lines are skipped, as in the reference, so one huge line cannot
/// fill the output.
pub const GREP_MAX_LINE_LENGTH: usize = 2_000;

/// Bytes inspected for a NUL to recognise a binary file.
const BINARY_SNIFF_BYTES: usize = 512;

/// Directories never searched.
const SKIPPED_DIRS: [&str; 2] = [".git", "node_modules"];

/// Runs `grep` on its JSON input.
pub fn run(session: &Session, input: &str) -> ToolOutcome {
    let input = Input::parse("grep", input)?;
    let pattern = input.str("pattern")?;
    let path = input.opt_str("path")?.filter(|p| !p.is_empty());
    let search = match path {
        Some(path) => resolve(session, "grep", path)?,
        None => session.workdir.clone(),
    };
    let regex =
        Regex::new(pattern).map_err(|e| ToolError(format!("grep: invalid regex: {}", why(&e))))?;
    let mut out = Output::default();
    match fs::metadata(&search) {
        Ok(meta) if meta.is_file() => {
            scan(&regex, &search, &mut out);
        }
        Ok(_) => {
            walk(
                &search,
                &|name| !SKIPPED_DIRS.contains(&name),
                &mut |entry, is_dir, _| is_dir || scan(&regex, entry, &mut out),
            );
        }
        // The reference answers `no matches` for a missing path; naming the
        // actual problem saves the agent a confused retry.
        Err(e) => return Err(io_error("grep", path.unwrap_or(&search), &e)),
    }
    if out.hits.is_empty() {
        return Ok("no matches".into());
    }
    Ok(out.hits.join("\n"))
}

/// The one-line reason inside the `regex` crate's multi-line syntax error.
fn why(err: &regex::Error) -> String {
    let text = err.to_string();
    text.lines()
        .find_map(|l| l.strip_prefix("error: "))
        .unwrap_or(text.trim())
        .to_string()
}

/// Matched lines collected so far, within the byte budget.
struct Output {
    hits: Vec<String>,
    budget: usize,
}

impl Default for Output {
    fn default() -> Self {
        Output {
            hits: Vec::new(),
            budget: GREP_OUTPUT_LIMIT,
        }
    }
}

impl Output {
    /// Adds a line (plus its newline) or, when over budget, the truncation
    /// marker; returns `false` when the search must stop.
    fn push(&mut self, line: String) -> bool {
        match self.budget.checked_sub(line.len() + 1) {
            Some(left) => {
                self.budget = left;
                self.hits.push(line);
                true
            }
            None => {
                self.hits
                    .push(format!("[output truncated at {GREP_OUTPUT_LIMIT} bytes]"));
                false
            }
        }
    }
}

/// Searches one file; returns `false` when the output is full. Unreadable
/// and binary files are skipped.
fn scan(regex: &Regex, path: &str, out: &mut Output) -> bool {
    let Ok(bytes) = fs::read(path) else {
        return true;
    };
    if bytes[..bytes.len().min(BINARY_SNIFF_BYTES)].contains(&0) {
        return true;
    }
    // Lines keep their `\n` here so that the length cap counts it, as the
    // reference's does; a final line without one still counts as a line.
    for (i, raw) in bytes.split_inclusive(|&b| b == b'\n').enumerate() {
        if raw.len() > GREP_MAX_LINE_LENGTH {
            continue;
        }
        let line = String::from_utf8_lossy(raw);
        let line = line.trim_end_matches(['\r', '\n']);
        if regex.is_match(line) && !out.push(format!("{path}:{}:{line}", i + 1)) {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::GREP_OUTPUT_LIMIT;
    use crate::testing::Sandbox;

    #[test]
    fn tool_03_grep_prints_path_line_and_text() {
        let sb = Sandbox::new();
        let a = sb.file("notes", "a.md", "apple\nbanana\r\ncherry banana\n");
        let b = sb.file("notes", "sub/b.md", "no\nbanana split");
        let r = sb.run("grep", json!({"pattern": "ban+a"}));
        assert!(!r.is_error, "{}", r.content);
        assert_eq!(
            r.content,
            format!("{a}:2:banana\n{a}:3:cherry banana\n{b}:2:banana split")
        );
    }

    #[test]
    fn tool_03_grep_single_file_and_no_matches() {
        let sb = Sandbox::new();
        let a = sb.file("notes", "a.md", "x\ny\n");
        let r = sb.run("grep", json!({"pattern": "^y$", "path": "notes/a.md"}));
        assert_eq!(r.content, format!("{a}:2:y"));
        let r = sb.run("grep", json!({"pattern": "zzz", "path": "notes"}));
        assert!(!r.is_error);
        assert_eq!(r.content, "no matches");
    }

    #[test]
    fn tool_03_grep_reports_invalid_regex() {
        let sb = Sandbox::new();
        let r = sb.run("grep", json!({"pattern": "(unclosed"}));
        assert!(r.is_error);
        assert_eq!(r.content, "grep: invalid regex: unclosed group");
    }

    #[test]
    fn tool_03_grep_skips_binary_files_and_git() {
        let sb = Sandbox::new();
        sb.file("notes", "empty.md", "");
        sb.file("notes", "bin.dat", "needle\0");
        sb.file("notes", ".git/config", "needle");
        let r = sb.run("grep", json!({"pattern": "needle|^$"}));
        assert_eq!(r.content, "no matches");
    }

    #[test]
    fn tool_02_grep_output_is_truncated_with_marker() {
        let sb = Sandbox::new();
        let line = "needle ".repeat(100);
        sb.file("notes", "big.md", &format!("{line}\n").repeat(200));
        let r = sb.run("grep", json!({"pattern": "needle"}));
        assert!(!r.is_error);
        let marker = format!("[output truncated at {GREP_OUTPUT_LIMIT} bytes]");
        assert!(r.content.ends_with(&marker));
        assert!(r.content.len() <= GREP_OUTPUT_LIMIT + marker.len());
    }

    #[test]
    fn tool_03_grep_missing_path_is_an_error() {
        let sb = Sandbox::new();
        let r = sb.run("grep", json!({"pattern": "x", "path": "notes/none"}));
        assert!(r.is_error);
        assert_eq!(r.content, "grep: notes/none: no such file or directory");
    }
}
