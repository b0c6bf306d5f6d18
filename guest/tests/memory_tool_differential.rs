//! Differential test of the memory tool (TOOL-04) against the reference
//! implementation in the `anthropic` Python SDK, pinned at 2.11.0.
//!
//! Every sequence of commands runs twice on fresh directories: through the
//! reference (`reference_memory_tool.py`) and through our tool on
//! `NativeStore`. Result texts and error flags must be identical; only the
//! temporary root directory is normalised, should it appear.
//!
//! How the reference is found, and skipped, is in `common/mod.rs`.

mod common;

use memstore_guest::native_store::NativeStore;
use memstore_guest::{Mount, Session};
use serde_json::{Value, json};

fn create(path: &str, text: &str) -> Value {
    json!({"command": "create", "path": path, "file_text": text})
}

fn view(path: &str) -> Value {
    json!({"command": "view", "path": path})
}

fn view_range(path: &str, start: i64, end: i64) -> Value {
    json!({"command": "view", "path": path, "view_range": [start, end]})
}

fn str_replace(path: &str, old: &str, new: &str) -> Value {
    json!({"command": "str_replace", "path": path, "old_str": old, "new_str": new})
}

fn insert(path: &str, line: i64, text: &str) -> Value {
    json!({"command": "insert", "path": path, "insert_line": line, "insert_text": text})
}

fn delete(path: &str) -> Value {
    json!({"command": "delete", "path": path})
}

fn rename(old: &str, new: &str) -> Value {
    json!({"command": "rename", "old_path": old, "new_path": new})
}

/// The command sequences, each named for the failure report.
fn sequences() -> Vec<(&'static str, Vec<Value>)> {
    let ten_lines: String = (1..=10).map(|i| format!("line {i}\n")).collect();
    vec![
        (
            "view file and ranges",
            vec![
                create("/memories/notes.md", "hello\nwörld\n\nlast"),
                view("/memories/notes.md"),
                view_range("/memories/notes.md", 2, -1),
                view_range("/memories/notes.md", 1, 1),
                view_range("/memories/notes.md", 0, 2),
                view_range("/memories/notes.md", 3, 2),
                view_range("/memories/notes.md", 2, -2),
                view_range("/memories/notes.md", 2, 99),
                view_range("/memories/notes.md", 9, 12),
                json!({"command": "view", "path": "/memories/notes.md", "view_range": [2]}),
                create("/memories/empty.md", ""),
                view("/memories/empty.md"),
                create("/memories/crlf.md", "a\r\nb\r\n"),
                view("/memories/crlf.md"),
                view("/memories/missing.md"),
                view("/memories/notes.md/below"),
            ],
        ),
        (
            "view directory sizes and depth",
            vec![
                create("/memories/empty.md", ""),
                create("/memories/four.md", &"x".repeat(4096)),
                create("/memories/five.md", &"y".repeat(5632)),
                create("/memories/tie.md", &"z".repeat(1280)),
                create("/memories/near.md", &"w".repeat(1034)),
                create("/memories/unicode.md", "ééé"),
                create("/memories/sub/a.md", "a"),
                create("/memories/sub/deep/b.md", "bb"),
                create("/memories/sub/deep/deeper/c.md", "ccc"),
                create("/memories/.hidden.md", "h"),
                create("/memories/sub/.hid/x.md", "x"),
                create("/memories/B-upper.md", "upper sorts first"),
                view("/memories"),
                view("/memories/"),
                view("/memories/sub"),
                view("/memories/sub/deep"),
            ],
        ),
        (
            "str_replace",
            vec![
                create("/memories/ten.md", &ten_lines),
                str_replace("/memories/ten.md", "line 5", "LINE FIVE"),
                str_replace("/memories/ten.md", "line 1\n", "first\nline\n"),
                str_replace("/memories/ten.md", "line 10\n", "the end"),
                str_replace("/memories/ten.md", "not there", "x"),
                str_replace("/memories/ten.md", "line", "x"),
                str_replace("/memories/ten.md", "line 7\nline 8", "seven-eight"),
                view("/memories/ten.md"),
                create("/memories/a3.md", "aaa"),
                str_replace("/memories/a3.md", "aa", "b"),
                create("/memories/a4.md", "aaaa\naa"),
                str_replace("/memories/a4.md", "aa", "b"),
                create("/memories/u.md", "héllo wörld\nsecond"),
                str_replace("/memories/u.md", "wörld", "wereld"),
                create("/memories/dir/x.md", "x"),
                str_replace("/memories/dir", "x", "y"),
                str_replace("/memories/nope.md", "x", "y"),
                view("/memories"),
            ],
        ),
        (
            "insert",
            vec![
                create("/memories/i.md", "one\ntwo\n"),
                insert("/memories/i.md", 0, "zero"),
                insert("/memories/i.md", 3, "three\n\n"),
                insert("/memories/i.md", 2, "between\nlines"),
                insert("/memories/i.md", 7, "too far"),
                insert("/memories/i.md", -1, "negative"),
                view("/memories/i.md"),
                create("/memories/nonl.md", "no newline"),
                insert("/memories/nonl.md", 1, "after"),
                view("/memories/nonl.md"),
                create("/memories/e.md", ""),
                insert("/memories/e.md", 1, "x"),
                insert("/memories/e.md", 0, "first"),
                view("/memories/e.md"),
                create("/memories/crlf.md", "a\r\nb\r\n"),
                insert("/memories/crlf.md", 1, "mid"),
                view("/memories/crlf.md"),
                insert("/memories/nope.md", 0, "x"),
                insert("/memories", 0, "x"),
            ],
        ),
        (
            "delete",
            vec![
                create("/memories/a.md", "a"),
                create("/memories/d/e/f.md", "f"),
                create("/memories/d/g.md", "g"),
                delete("/memories/a.md"),
                delete("/memories/a.md"),
                delete("/memories/d"),
                delete("/memories"),
                delete("/memories/"),
                delete("/memories/x/.."),
                delete("/memories/missing"),
                view("/memories"),
            ],
        ),
        (
            "rename",
            vec![
                create("/memories/a.md", "a"),
                create("/memories/b.md", "b"),
                create("/memories/d/c.md", "c"),
                rename("/memories/a.md", "/memories/b.md"),
                rename("/memories/a.md", "/memories/new/dir/a.md"),
                rename("/memories/a.md", "/memories/z.md"),
                rename("/memories/d", "/memories/e"),
                rename("/memories", "/memories/x"),
                rename("/memories/", "/memories/x"),
                rename("/memories/b.md", "/memories"),
                rename("/memories/missing", "/memories/m2/file"),
                view("/memories"),
                view("/memories/e/c.md"),
            ],
        ),
        (
            "path validation",
            vec![
                view("/etc/passwd"),
                view("memories/x"),
                view(""),
                create("/tmp/x", "x"),
                view("/memories/../etc"),
                view("/memories/a/../../x"),
                create("/memories/a/../b.md", "inside"),
                view("/memories/b.md"),
                create("/memoriesfoo", "prefix only"),
                view("/memories//b.md"),
                view("/memories/./b.md"),
                rename("/memories/b.md", "/elsewhere"),
                rename("/memories/b.md", "/memories/../out"),
                delete("/memories/.."),
                str_replace("/memories/../x", "a", "b"),
                insert("/nope", 0, "x"),
                view("/memories"),
            ],
        ),
        (
            "create conflicts",
            vec![
                create("/memories/a.md", "first"),
                create("/memories/a.md", "second"),
                view("/memories/a.md"),
                create("/memories", "root"),
                create("/memories/d/x.md", "x"),
                create("/memories/d", "dir"),
                create("/memories/d/", "dir slash"),
                view("/memories"),
            ],
        ),
    ]
}

/// Our results for one sequence, on a fresh directory named like the
/// reference's (`…/memories`) so that directory sizes agree.
fn run_ours(commands: &[Value]) -> Vec<(String, String, bool)> {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().to_str().unwrap().to_string();
    let root = format!("{base}/memories");
    std::fs::create_dir(&root).unwrap();
    let store = NativeStore::new(vec![Mount {
        path: root.clone(),
        writable: true,
    }]);
    let session = Session::new(&store, &base, Some(root.clone()));
    commands
        .iter()
        .map(|command| {
            let result = session.run("memory", &command.to_string());
            (root.clone(), result.content, result.is_error)
        })
        .collect()
}

#[test]
fn tool_04_memory_tool_matches_reference_sdk() {
    let sequences = sequences();
    let commands: Vec<Vec<Value>> = sequences.iter().map(|(_, c)| c.clone()).collect();
    let request = json!({ "sequences": commands });
    let Some(reference) = common::run_reference("reference_memory_tool.py", &request) else {
        return;
    };
    let mut mismatches = Vec::new();
    for ((name, commands), expected) in sequences.iter().zip(&reference) {
        let expected = expected.as_array().unwrap();
        let ours = run_ours(commands);
        assert_eq!(
            expected.len(),
            commands.len(),
            "[{name}] reference skipped commands"
        );
        for ((command, theirs), (our_root, our_content, our_error)) in
            commands.iter().zip(expected).zip(ours)
        {
            let (their_content, their_error) = common::normalised(
                theirs["content"].as_str().unwrap(),
                theirs["is_error"].as_bool().unwrap(),
                theirs["root"].as_str().unwrap(),
            );
            let (our_content, our_error) = common::normalised(&our_content, our_error, &our_root);
            if (&their_content, their_error) != (&our_content, our_error) {
                mismatches.push(format!(
                    "[{name}] {command}\n  reference (is_error={their_error}): {their_content:?}\n  \
                     memstore  (is_error={our_error}): {our_content:?}"
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} result(s) differ from the reference:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
