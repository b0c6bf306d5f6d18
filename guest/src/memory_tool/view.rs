//! `view {path, view_range?}`: a directory listing two levels deep with
//! human-readable sizes, or a file with line numbers.

use std::fs;
use std::io;

use super::{Command, numbered};
use crate::paths;
use crate::protocol::{ToolOutcome, fail};

/// A file with more lines is refused rather than shown, as in the reference.
pub const MAX_LINES: usize = 999_999;

/// Directory levels shown below the viewed directory.
const VIEW_DEPTH: usize = 2;

pub(super) fn view(cmd: &Command) -> ToolOutcome {
    let path = cmd.input.str("path")?;
    let view_range = cmd.input.opt_ints("view_range")?;
    let full = cmd.resolve(path)?;
    let meta = match fs::metadata(&full) {
        Ok(meta) => meta,
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            return fail(format!(
                "The path {path} does not exist. Please provide a valid path."
            ));
        }
        Err(e) => return fail(format!("view: {path}: {}", paths::io_reason(&e))),
    };
    if meta.is_dir() {
        let mut items = Vec::new();
        collect(&full, "", 1, &mut items);
        let mut out = format!(
            "Here're the files and directories up to 2 levels deep in {path}, excluding hidden items:\n{}\t{path}",
            format_size(meta.len())
        );
        for (size, relative) in items {
            out.push_str(&format!("\n{size}\t{path}/{relative}"));
        }
        return Ok(out);
    }
    let content = match fs::read(&full) {
        Ok(bytes) => String::from_utf8(bytes)
            .or_else(|_| fail(format!("view: {path}: not valid UTF-8 text")))?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return fail(format!(
                "The file {path} no longer exists (may have been deleted or renamed concurrently)."
            ));
        }
        Err(e) => return fail(format!("view: {path}: {}", paths::io_reason(&e))),
    };
    let lines: Vec<&str> = content.split('\n').collect();
    if lines.len() > MAX_LINES {
        return fail(format!(
            "File {path} exceeds maximum line limit of 999,999 lines."
        ));
    }
    let (first, shown) = match view_range.as_deref() {
        Some(&[start, end]) => {
            let start = usize::try_from(start.max(1) - 1).unwrap_or(0);
            let end = if end == -1 { lines.len() as i64 } else { end };
            (start + 1, py_slice(&lines, start, end))
        }
        _ => (1, &lines[..]),
    };
    Ok(format!(
        "Here's the content of {path} with line numbers:\n{}",
        numbered(first, shown)
    ))
}

/// `lines[start:end]` with Python's slice rules (`end` may be negative or
/// past the end).
fn py_slice<'a, 'b>(lines: &'a [&'b str], start: usize, end: i64) -> &'a [&'b str] {
    let len = lines.len() as i64;
    let end = if end < 0 {
        (len + end).max(0)
    } else {
        end.min(len)
    };
    let end = usize::try_from(end).unwrap_or(0);
    if start >= end {
        &[]
    } else {
        &lines[start..end]
    }
}

/// Appends `(size, relative path)` for the visible entries of `dir`, by
/// name, directories with a trailing `/` followed by their own entries while
/// `depth` allows. Hidden entries and anything unreadable are left out.
fn collect(dir: &str, relative: &str, depth: usize, items: &mut Vec<(String, String)>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in names.into_iter().filter(|n| !n.starts_with('.')) {
        let child = format!("{dir}/{name}");
        let child_relative = if relative.is_empty() {
            name
        } else {
            format!("{relative}/{name}")
        };
        let Ok(meta) = fs::metadata(&child) else {
            continue;
        };
        if meta.is_dir() {
            items.push((format_size(meta.len()), format!("{child_relative}/")));
            if depth < VIEW_DEPTH {
                collect(&child, &child_relative, depth + 1, items);
            }
        } else if meta.is_file() {
            items.push((format_size(meta.len()), child_relative));
        }
    }
}

/// Sizes as the reference prints them: `0B`; otherwise in the largest of
/// `B K M G` (1024-based) that the size reaches, as an integer when exact,
/// else with one decimal rounded half to even (Python's `{:.1f}`).
pub fn format_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "K", "M", "G"];
    if bytes == 0 {
        return "0B".into();
    }
    let exponent = ((63 - bytes.leading_zeros()) / 10).min(3);
    let unit = 1u128 << (10 * exponent);
    let name = UNITS[exponent as usize];
    let bytes = u128::from(bytes);
    if bytes % unit == 0 {
        return format!("{}{name}", bytes / unit);
    }
    // Tenths, rounded half to even on the exact value, in integers so that
    // no float formatting can disagree with Python's.
    let scaled = bytes * 10;
    let (mut tenths, rest) = (scaled / unit, scaled % unit);
    if rest * 2 > unit || (rest * 2 == unit && tenths % 2 == 1) {
        tenths += 1;
    }
    format!("{}.{}{name}", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::format_size;
    use crate::testing::Sandbox;

    #[test]
    fn tool_04_view_sizes_are_human_readable() {
        assert_eq!(format_size(0), "0B");
        assert_eq!(format_size(17), "17B");
        assert_eq!(format_size(1023), "1023B");
        assert_eq!(format_size(4096), "4K");
        assert_eq!(format_size(5632), "5.5K");
        assert_eq!(format_size(1280), "1.2K");
        assert_eq!(format_size(1536 + 512), "2K");
        assert_eq!(format_size(1034), "1.0K");
        assert_eq!(format_size(3 * 1024 * 1024), "3M");
        assert_eq!(format_size(5 << 40), "5120G");
    }

    #[test]
    fn tool_04_view_directory_lists_two_levels() {
        let sb = Sandbox::new();
        sb.file("notes", "a.md", "12345");
        sb.file("notes", "sub/b.md", "");
        sb.file("notes", "sub/deeper/c.md", "x");
        sb.file("notes", "sub/deeper/deepest/d.md", "x");
        sb.file("notes", ".hidden/e.md", "x");
        sb.file("notes", ".f.md", "x");
        let r = sb.run("memory", json!({"command": "view", "path": "/memories"}));
        assert!(!r.is_error, "{}", r.content);
        let lines: Vec<&str> = r.content.lines().collect();
        assert_eq!(
            lines[0],
            "Here're the files and directories up to 2 levels deep in /memories, excluding hidden items:"
        );
        let names: Vec<&str> = lines[1..]
            .iter()
            .map(|l| l.split('\t').nth(1).unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "/memories",
                "/memories/a.md",
                "/memories/sub/",
                "/memories/sub/b.md",
                "/memories/sub/deeper/"
            ]
        );
        assert_eq!(lines[2], "5B\t/memories/a.md");
        assert_eq!(lines[4], "0B\t/memories/sub/b.md");
    }

    #[test]
    fn tool_04_view_file_numbers_lines() {
        let sb = Sandbox::new();
        sb.file("notes", "a.md", "one\ntwo\n");
        let r = sb.run(
            "memory",
            json!({"command": "view", "path": "/memories/a.md"}),
        );
        assert_eq!(
            r.content,
            "Here's the content of /memories/a.md with line numbers:\n     1\tone\n     2\ttwo\n     3\t"
        );
        let r = sb.run(
            "memory",
            json!({"command": "view", "path": "/memories/a.md", "view_range": [2, -1]}),
        );
        assert_eq!(
            r.content,
            "Here's the content of /memories/a.md with line numbers:\n     2\ttwo\n     3\t"
        );
    }

    #[test]
    fn tool_04_view_missing_path() {
        let sb = Sandbox::new();
        let r = sb.run(
            "memory",
            json!({"command": "view", "path": "/memories/none"}),
        );
        assert!(r.is_error);
        assert_eq!(
            r.content,
            "The path /memories/none does not exist. Please provide a valid path."
        );
    }
}
