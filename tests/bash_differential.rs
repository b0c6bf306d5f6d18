//! TOOL-06 differential test: every case of `tests/bash/cases.toml` runs
//! through memstore's `bash` (the real component in a real session over a
//! real store file) and through the reference — the `anthropic` SDK's agent
//! toolset `bash`, which drives a real `/bin/bash` on a temporary directory
//! holding the same files (`tests/bash/reference.py`). Each call's text and
//! error flag, and the files each case leaves, must be identical after the
//! case's masks, applied alike to both sides; each mask and exception is
//! listed with its reason at the top of the cases file.
//!
//! The Python comes from `MEMSTORE_BASH_REFERENCE_PYTHON` (set by
//! `tests/run-all.sh`; it needs `anthropic>=2.15.0`). Without it the test
//! fails with instructions, unless `MEMSTORE_SKIP_DIFFERENTIAL=1` is set.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use common::{TestDb, component_cache, user};
use memstore::sandbox::{Sandbox, SandboxConfig};
use memstore::store::MemoryStore;
use memstore::store::sessions::{Access, NewAttachment, NewSession};
use serde::Deserialize;
use serde_json::{Value, json};

/// The cases file.
#[derive(Deserialize)]
struct Cases {
    fixture: BTreeMap<String, String>,
    #[serde(default)]
    masks: BTreeMap<String, Mask>,
    case: Vec<Case>,
}

/// A regex replacement applied to both sides' texts: in the cases that
/// name it, or in every case when `always`.
#[derive(Deserialize)]
struct Mask {
    pattern: String,
    replace: String,
    #[serde(default)]
    always: bool,
}

/// One expected result of a case that differs from the reference on purpose.
#[derive(Deserialize, Debug, PartialEq)]
struct Expected {
    content: String,
    is_error: bool,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    calls: Vec<CallSpec>,
    #[serde(default)]
    mask: Vec<String>,
    #[serde(default)]
    files: BTreeMap<String, String>,
    /// Why memstore answers otherwise than the reference here; then its
    /// answers must be `expect`, and the reference's are only reported.
    differs: Option<String>,
    #[serde(default)]
    expect: Vec<Expected>,
}

/// A call: a command line, or the tool's input as a table.
#[derive(Deserialize)]
#[serde(untagged)]
enum CallSpec {
    Command(String),
    Input {
        command: Option<String>,
        restart: Option<bool>,
        timeout_ms: Option<u64>,
    },
}

impl CallSpec {
    fn input(&self) -> Value {
        match self {
            Self::Command(c) => json!({ "command": c }),
            Self::Input {
                command,
                restart,
                timeout_ms,
            } => {
                let mut input = serde_json::Map::new();
                if let Some(c) = command {
                    input.insert("command".into(), json!(c));
                }
                if let Some(r) = restart {
                    input.insert("restart".into(), json!(r));
                }
                if let Some(t) = timeout_ms {
                    input.insert("timeout_ms".into(), json!(t));
                }
                Value::Object(input)
            }
        }
    }
}

/// What one side said in one case.
#[derive(Debug, PartialEq)]
struct Outcome {
    results: Vec<(String, bool)>,
    files: BTreeMap<String, String>,
}

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/bash")
}

fn load() -> Cases {
    let text = std::fs::read_to_string(dir().join("cases.toml")).expect("cases.toml");
    toml::from_str(&text).expect("cases.toml parses")
}

/// The reference's outcomes by case name, or `None` when it cannot run and
/// skipping is allowed.
fn reference() -> Option<BTreeMap<String, Option<Outcome>>> {
    let python =
        std::env::var("MEMSTORE_BASH_REFERENCE_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = Command::new(&python)
        .arg(dir().join("reference.py"))
        .arg(dir().join("cases.toml"))
        .output();
    let why = match &out {
        Ok(o) if o.status.success() => None,
        Ok(o) => Some(format!(
            "{python} reference.py failed ({}): {}",
            o.status,
            String::from_utf8_lossy(&o.stderr)
        )),
        Err(e) => Some(format!("cannot run {python}: {e}")),
    };
    if let Some(why) = why {
        if std::env::var("MEMSTORE_SKIP_DIFFERENTIAL").is_ok_and(|v| v == "1") {
            eprintln!("skipping the bash differential test: {why}");
            return None;
        }
        panic!(
            "the bash differential test needs the reference: {why}\n\
             Install it (`python3 -m venv v && v/bin/pip install -r tests/bash/requirements.txt`) \
             and set MEMSTORE_BASH_REFERENCE_PYTHON=v/bin/python, or set MEMSTORE_SKIP_DIFFERENTIAL=1."
        );
    }
    let doc: Value = serde_json::from_slice(&out.expect("ran").stdout).expect("reference JSON");
    let mut by_name = BTreeMap::new();
    for case in doc["cases"].as_array().expect("cases") {
        let name = case["name"].as_str().expect("name").to_owned();
        if let Some(why) = case.get("skipped").and_then(Value::as_str) {
            eprintln!("case {name}: the reference cannot run it here ({why})");
            by_name.insert(name, None);
            continue;
        }
        let results = case["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| {
                (
                    r["content"].as_str().expect("content").to_owned(),
                    r["is_error"].as_bool().expect("is_error"),
                )
            })
            .collect();
        let files = case["files"]
            .as_object()
            .expect("files")
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
            .collect();
        by_name.insert(name, Some(Outcome { results, files }));
    }
    Some(by_name)
}

/// The stores of one case: `notes` read-write and `docs` read-only, seeded
/// with the fixture and the case's files.
struct Stores {
    notes: MemoryStore,
    docs: MemoryStore,
}

fn seed(db: &TestDb, files: &BTreeMap<String, String>) -> Stores {
    let stores = Stores {
        notes: db.store("notes"),
        docs: db.store("docs"),
    };
    for (path, content) in files {
        let (store, rest) = match path.split_once('/') {
            Some(("notes", rest)) => (&stores.notes, rest),
            Some(("docs", rest)) => (&stores.docs, rest),
            _ => panic!("fixture path {path:?} is outside notes/ and docs/"),
        };
        db.engine
            .create_memory(&store.id, &format!("/{rest}"), content, &user())
            .expect("seed");
    }
    stores
}

fn files(db: &TestDb, stores: &Stores) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (slug, store) in [("notes", &stores.notes), ("docs", &stores.docs)] {
        for m in common::memories(db, &store.id) {
            let content = db.content(&store.id, &m.path).unwrap_or_default();
            out.insert(format!("{slug}{}", m.path), content);
        }
    }
    out
}

fn ours(sandbox: &Sandbox, db: &TestDb, cases: &Cases, case: &Case) -> Outcome {
    let mut all = cases.fixture.clone();
    all.extend(case.files.clone());
    let stores = seed(db, &all);
    let session = sandbox
        .create_session(NewSession {
            workspace_id: "default".into(),
            owner_api_key_id: None,
            resources: [
                (&stores.notes, Access::ReadWrite),
                (&stores.docs, Access::ReadOnly),
            ]
            .into_iter()
            .map(|(s, access)| NewAttachment {
                memory_store_id: s.id.clone(),
                access,
                instructions: String::new(),
            })
            .collect(),
        })
        .expect("session");
    let results = case
        .calls
        .iter()
        .map(|call| {
            let r = sandbox
                .tool_call(&session.id, "bash", &call.input().to_string())
                .expect("tool call");
            (r.content, r.is_error)
        })
        .collect();
    Outcome {
        results,
        files: files(db, &stores),
    }
}

fn masked(outcome: Outcome, masks: &[(regex::Regex, &str)]) -> Outcome {
    let apply = |text: String| {
        masks
            .iter()
            .fold(text, |t, (re, with)| re.replace_all(&t, *with).into_owned())
    };
    Outcome {
        results: outcome
            .results
            .into_iter()
            .map(|(c, e)| (apply(c), e))
            .collect(),
        files: outcome
            .files
            .into_iter()
            .map(|(p, c)| (p, apply(c)))
            .collect(),
    }
}

/// The calls and files on which two outcomes differ, for the failure report.
fn difference(case: &Case, mine: &Outcome, theirs: &Outcome) -> String {
    let mut out = format!("case {}:", case.name);
    for (i, call) in case.calls.iter().enumerate() {
        let (m, t) = (mine.results.get(i), theirs.results.get(i));
        if m != t {
            let show = |r: Option<&(String, bool)>| {
                r.map_or("nothing".to_owned(), |(c, e)| {
                    format!("{:?} is_error={e}", abbreviated(c))
                })
            };
            out.push_str(&format!(
                "\n  call {i} {}\n    memstore:  {}\n    reference: {}",
                call.input(),
                show(m),
                show(t)
            ));
        }
    }
    let paths: std::collections::BTreeSet<_> =
        mine.files.keys().chain(theirs.files.keys()).collect();
    for path in paths {
        let (m, t) = (mine.files.get(path), theirs.files.get(path));
        if m != t {
            let show = |f: Option<&String>| f.map(|c| abbreviated(c));
            out.push_str(&format!(
                "\n  file {path}\n    memstore:  {:?}\n    reference: {:?}",
                show(m),
                show(t)
            ));
        }
    }
    out
}

/// A long text as its length, head and tail.
fn abbreviated(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= 400 {
        return text.to_owned();
    }
    let head: String = chars[..150].iter().collect();
    let tail: String = chars[chars.len() - 150..].iter().collect();
    format!("{head}[… {} chars in all …]{tail}", chars.len())
}

#[test]
fn tool_06_bash_matches_the_reference_bash_call_for_call() {
    let cases = load();
    let commands: usize = cases.case.iter().map(|c| c.calls.len()).sum();
    assert!(commands >= 150, "only {commands} calls in cases.toml");
    let Some(reference) = reference() else {
        return;
    };
    let db = TestDb::new();
    let sandbox = Sandbox::new(
        db.engine.clone(),
        SandboxConfig {
            cache_dir: Some(component_cache()),
            ..SandboxConfig::default()
        },
    )
    .expect("sandbox");
    let mut failures = Vec::new();
    // MEMSTORE_BASH_RECORD=FILE writes memstore's (masked) answers there, to
    // write the `expect` of a new exception from.
    let mut record = serde_json::Map::new();
    for case in &cases.case {
        let Some(theirs) = reference
            .get(&case.name)
            .unwrap_or_else(|| panic!("the reference has no case {}", case.name))
        else {
            continue;
        };
        let always = cases.masks.iter().filter(|(_, m)| m.always);
        let named = case.mask.iter().map(|name| {
            let m = cases
                .masks
                .get(name)
                .unwrap_or_else(|| panic!("case {} names unknown mask {name}", case.name));
            (name, m)
        });
        let masks: Vec<(regex::Regex, &str)> = always
            .chain(named)
            .map(|(_, m)| {
                (
                    regex::Regex::new(&m.pattern).expect("mask regex"),
                    m.replace.as_str(),
                )
            })
            .collect();
        let mine = masked(ours(&sandbox, &db, &cases, case), &masks);
        record.insert(
            case.name.clone(),
            json!(
                mine.results
                    .iter()
                    .map(|(c, e)| json!({"content": c, "is_error": e}))
                    .collect::<Vec<_>>()
            ),
        );
        if let Some(reason) = &case.differs {
            let got: Vec<Expected> = mine
                .results
                .iter()
                .map(|(content, is_error)| Expected {
                    content: content.clone(),
                    is_error: *is_error,
                })
                .collect();
            if got != case.expect {
                failures.push(format!(
                    "case {} (differs on purpose: {reason}):\n  memstore: {got:?}\n  expected: {:?}\n  reference said: {:?}",
                    case.name, case.expect, theirs.results
                ));
            }
            continue;
        }
        let theirs = masked(
            Outcome {
                results: theirs.results.clone(),
                files: theirs.files.clone(),
            },
            &masks,
        );
        if mine != theirs {
            failures.push(difference(case, &mine, &theirs));
        }
    }
    if let Ok(path) = std::env::var("MEMSTORE_BASH_RECORD") {
        std::fs::write(path, Value::Object(record).to_string()).expect("record");
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.case.len(),
        failures.join("\n")
    );
}
