//! `glob {pattern, path?}`: paths matching a relative glob pattern under
//! `path` (default: the working directory), newest first.

use std::cmp::Reverse;
use std::fs;
use std::time::SystemTime;

use globset::GlobBuilder;

use super::{resolve, walk};
use crate::Session;
use crate::protocol::{Input, ToolOutcome, fail};

/// Most paths one `glob` returns, as in the reference toolset.
pub const GLOB_RESULT_LIMIT: usize = 200;

/// Runs `glob` on its JSON input.
pub fn run(session: &Session, input: &str) -> ToolOutcome {
    let input = Input::parse("glob", input)?;
    let pattern = input.str("pattern")?;
    let path = input.opt_str("path")?.filter(|p| !p.is_empty());
    if pattern.starts_with('/') {
        return fail(
            "glob: absolute pattern not permitted; pass a relative pattern (and optionally path)",
        );
    }
    if pattern.split('/').any(|part| part == "..") {
        return fail("glob: '..' is not permitted in the pattern");
    }
    let root = match path {
        Some(path) => resolve(session, "glob", path)?,
        None => session.workdir.clone(),
    };
    // `*` stays within one path segment and `**` spans segments, as in
    // Python's `Path.glob` that the reference uses.
    let matcher = match GlobBuilder::new(pattern).literal_separator(true).build() {
        Ok(glob) => glob.compile_matcher(),
        Err(e) => return fail(format!("glob: {}", e.kind())),
    };
    let prefix = format!("{}/", root.trim_end_matches('/'));
    let mut matches: Vec<(String, SystemTime)> = Vec::new();
    walk(
        &root,
        &|_| true,
        &mut |entry: &str, _, meta: &fs::Metadata| {
            let relative = &entry[prefix.len()..];
            if matcher.is_match(relative) {
                matches.push((
                    entry.to_string(),
                    meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                ));
            }
            true
        },
    );
    if matches.is_empty() {
        return Ok("no matches".into());
    }
    // Stable: entries with the same time keep the walk's (name) order.
    matches.sort_by_key(|&(_, modified)| Reverse(modified));
    let shown: Vec<&str> = matches
        .iter()
        .take(GLOB_RESULT_LIMIT)
        .map(|(p, _)| p.as_str())
        .collect();
    Ok(shown.join("\n"))
}

#[cfg(test)]
mod tests {
    use std::fs::File;
    use std::time::{Duration, SystemTime};

    use serde_json::json;

    use crate::testing::Sandbox;

    fn age(path: &str, secs: u64) {
        let when = SystemTime::now() - Duration::from_secs(secs);
        File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(when)
            .unwrap();
    }

    #[test]
    fn tool_03_glob_lists_matches_newest_first() {
        let sb = Sandbox::new();
        let old = sb.file("notes", "old.md", "");
        let new = sb.file("notes", "sub/new.md", "");
        let mid = sb.file("notes", "mid.md", "");
        sb.file("notes", "skip.txt", "");
        age(&old, 300);
        age(&mid, 200);
        age(&new, 100);
        let r = sb.run(
            "glob",
            json!({"pattern": "**/*.md", "path": sb.mount("notes")}),
        );
        assert!(!r.is_error, "{}", r.content);
        assert_eq!(r.content, [new, mid, old].join("\n"));
    }

    #[test]
    fn tool_03_glob_star_stays_in_one_directory() {
        let sb = Sandbox::new();
        let top = sb.file("notes", "a.md", "");
        sb.file("notes", "sub/b.md", "");
        let r = sb.run("glob", json!({"pattern": "notes/*.md"}));
        assert_eq!(r.content, top);
    }

    #[test]
    fn tool_03_glob_refuses_absolute_and_parent_patterns() {
        let sb = Sandbox::new();
        let r = sb.run("glob", json!({"pattern": "/etc/*"}));
        assert!(r.is_error);
        assert_eq!(
            r.content,
            "glob: absolute pattern not permitted; pass a relative pattern (and optionally path)"
        );
        let r = sb.run("glob", json!({"pattern": "notes/../../*"}));
        assert_eq!(r.content, "glob: '..' is not permitted in the pattern");
    }

    #[test]
    fn tool_03_glob_without_hits_says_no_matches() {
        let sb = Sandbox::new();
        let r = sb.run("glob", json!({"pattern": "*.nothing"}));
        assert!(!r.is_error);
        assert_eq!(r.content, "no matches");
    }

    #[test]
    fn tool_03_glob_reports_a_bad_pattern() {
        let sb = Sandbox::new();
        let r = sb.run("glob", json!({"pattern": "a[b"}));
        assert!(r.is_error);
        assert!(
            r.content.starts_with("glob: unclosed character class"),
            "{}",
            r.content
        );
    }
}
