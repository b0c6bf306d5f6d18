//! Differential test of the agent file tools (TOOL-03) against the reference
//! implementation in the `anthropic` Python SDK, pinned at 2.11.0.
//!
//! Each case seeds a working directory with `notes/` (read-write) and
//! `docs/` (read-only), then runs the same calls through the reference
//! (`reference_agent_toolset.py`) and through our tools on `NativeStore`.
//! Result texts and error flags must be identical, with the temporary root
//! normalised.
//!
//! Deliberate differences are kept out of the cases and documented where
//! they are made: `write` counts UTF-8 bytes (the reference counts Python
//! characters), `grep` uses Rust regex syntax and a 30,000-byte cap, a
//! missing `grep` path is an error, and everything outside a mount is
//! read-only (the sandbox's `/mnt/memory`).

mod common;

use std::fs;

use memstore_guest::native_store::NativeStore;
use memstore_guest::{Mount, Session};
use serde_json::{Value, json};

struct Case {
    name: &'static str,
    files: Value,
    calls: Vec<(&'static str, Value)>,
}

fn cases() -> Vec<Case> {
    let notes = json!({
        "notes/a.md": "one\ntwo\nthree\nfour\n",
        "notes/rep.md": "x y x y x",
        "notes/sub/b.txt": "bee",
        "docs/readme.md": "read only\n",
    });
    vec![
        Case {
            name: "read",
            files: notes.clone(),
            calls: vec![
                ("read", json!({"file_path": "notes/a.md"})),
                (
                    "read",
                    json!({"file_path": "notes/a.md", "view_range": [2, 3]}),
                ),
                (
                    "read",
                    json!({"file_path": "notes/a.md", "view_range": [2, -1]}),
                ),
                (
                    "read",
                    json!({"file_path": "notes/a.md", "view_range": [3, 0]}),
                ),
                (
                    "read",
                    json!({"file_path": "notes/a.md", "view_range": [0, 1]}),
                ),
                (
                    "read",
                    json!({"file_path": "notes/a.md", "view_range": [7, 9]}),
                ),
                (
                    "read",
                    json!({"file_path": "notes/a.md", "view_range": [1]}),
                ),
                ("read", json!({"file_path": "notes/a.md", "view_range": []})),
                ("read", json!({"file_path": "notes/missing.md"})),
                ("read", json!({"file_path": "notes"})),
                ("read", json!({"file_path": "notes/a.md/x"})),
                ("read", json!({"file_path": "../outside.md"})),
                ("read", json!({"file_path": "/etc/hostname"})),
                ("read", json!({"file_path": "notes/../docs/readme.md"})),
            ],
        },
        Case {
            name: "write",
            files: notes.clone(),
            calls: vec![
                (
                    "write",
                    json!({"file_path": "notes/new/deep.md", "content": "hello"}),
                ),
                ("read", json!({"file_path": "notes/new/deep.md"})),
                ("write", json!({"file_path": "notes/a.md", "content": ""})),
                ("read", json!({"file_path": "notes/a.md"})),
                ("write", json!({"file_path": "docs/x.md", "content": "x"})),
                (
                    "write",
                    json!({"file_path": "docs/readme.md", "content": "x"}),
                ),
                ("write", json!({"file_path": "notes/sub", "content": "x"})),
                (
                    "write",
                    json!({"file_path": "notes/rep.md/x", "content": "x"}),
                ),
                (
                    "write",
                    json!({"file_path": "../escape.md", "content": "x"}),
                ),
            ],
        },
        Case {
            name: "edit",
            files: notes.clone(),
            calls: vec![
                (
                    "edit",
                    json!({"file_path": "notes/a.md", "old_string": "two", "new_string": "2"}),
                ),
                ("read", json!({"file_path": "notes/a.md"})),
                (
                    "edit",
                    json!({"file_path": "notes/rep.md", "old_string": "x", "new_string": "z", "replace_all": true}),
                ),
                (
                    "edit",
                    json!({"file_path": "notes/rep.md", "old_string": "y", "new_string": "w"}),
                ),
                (
                    "edit",
                    json!({"file_path": "notes/rep.md", "old_string": "y", "new_string": "w", "replace_all": false}),
                ),
                (
                    "edit",
                    json!({"file_path": "notes/rep.md", "old_string": "", "new_string": "w"}),
                ),
                (
                    "edit",
                    json!({"file_path": "notes/rep.md", "old_string": "absent", "new_string": "w"}),
                ),
                (
                    "edit",
                    json!({"file_path": "notes/rep.md", "old_string": "absent", "new_string": "w", "replace_all": true}),
                ),
                ("read", json!({"file_path": "notes/rep.md"})),
                (
                    "edit",
                    json!({"file_path": "notes/missing.md", "old_string": "a", "new_string": "b"}),
                ),
                (
                    "edit",
                    json!({"file_path": "notes/sub", "old_string": "a", "new_string": "b"}),
                ),
                (
                    "edit",
                    json!({"file_path": "docs/readme.md", "old_string": "read", "new_string": "b"}),
                ),
                (
                    "edit",
                    json!({"file_path": "../x.md", "old_string": "a", "new_string": "b"}),
                ),
            ],
        },
        Case {
            name: "glob",
            files: notes,
            calls: vec![
                ("glob", json!({"pattern": "/etc/*"})),
                ("glob", json!({"pattern": "notes/../../*"})),
                ("glob", json!({"pattern": "../*"})),
                ("glob", json!({"pattern": "**/*.nothing"})),
                ("glob", json!({"pattern": "notes/**/*.txt"})),
                ("glob", json!({"pattern": "*.txt", "path": "notes/sub"})),
                ("glob", json!({"pattern": "*.md", "path": "docs"})),
                ("glob", json!({"pattern": "*", "path": "../.."})),
            ],
        },
    ]
}

/// Our results for one case, in a fresh directory laid out like the
/// reference's.
fn run_ours(case: &Case) -> Vec<(String, String, bool)> {
    let dir = tempfile::tempdir().unwrap();
    let root = dir
        .path()
        .canonicalize()
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    for name in ["notes", "docs"] {
        fs::create_dir(format!("{root}/{name}")).unwrap();
    }
    for (rel, content) in case.files.as_object().unwrap() {
        let path = format!("{root}/{rel}");
        fs::create_dir_all(std::path::Path::new(&path).parent().unwrap()).unwrap();
        fs::write(path, content.as_str().unwrap()).unwrap();
    }
    let store = NativeStore::new(vec![
        Mount {
            path: format!("{root}/notes"),
            writable: true,
        },
        Mount {
            path: format!("{root}/docs"),
            writable: false,
        },
    ]);
    let session = Session::new(&store, &root, None);
    case.calls
        .iter()
        .map(|(tool, input)| {
            let result = session.run(tool, &input.to_string());
            (root.clone(), result.content, result.is_error)
        })
        .collect()
}

#[test]
fn tool_03_agent_file_tools_match_reference_sdk() {
    let cases = cases();
    let request = json!({
        "cases": cases.iter().map(|c| json!({"files": c.files, "calls": c.calls})).collect::<Vec<_>>()
    });
    let Some(reference) = common::run_reference("reference_agent_toolset.py", &request) else {
        return;
    };
    let mut mismatches = Vec::new();
    for (case, expected) in cases.iter().zip(&reference) {
        let expected = expected.as_array().unwrap();
        assert_eq!(
            expected.len(),
            case.calls.len(),
            "[{}] reference skipped calls",
            case.name
        );
        for (((tool, input), theirs), (our_root, our_content, our_error)) in
            case.calls.iter().zip(expected).zip(run_ours(case))
        {
            let (their_content, their_error) = common::normalised(
                theirs["content"].as_str().unwrap_or("<non-text result>"),
                theirs["is_error"].as_bool().unwrap(),
                theirs["root"].as_str().unwrap(),
            );
            let (our_content, our_error) = common::normalised(&our_content, our_error, &our_root);
            if (&their_content, their_error) != (&our_content, our_error) {
                mismatches.push(format!(
                    "[{}] {tool} {input}\n  reference (is_error={their_error}): {their_content:?}\n  \
                     memstore  (is_error={our_error}): {our_content:?}",
                    case.name
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
