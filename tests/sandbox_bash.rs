//! The `bash` tool end to end (TOOL-06, TOOL-08): the real bash component
//! under wasmtime, over a real store file, through `Sandbox::tool_call`.
//!
//! What agents type — pipelines, redirections, here-documents, `sed -i` —
//! becomes versions attributed to the session; read-only mounts refuse every
//! way bash can write; state carries over between calls and `restart`
//! clears it; runaway commands end with a clear error, commit nothing, and
//! the next call works. The differential suite against the reference
//! `/bin/bash` is `bash_differential.rs`.

mod common;

use std::time::Duration;

use common::{TestDb, component_cache};
use memstore::sandbox::{Limits, Sandbox, SandboxConfig, ToolResult};
use memstore::store::sessions::{Access, Session};
use memstore::store::{Actor, MemoryStore, Operation};
use serde_json::json;

struct Fx {
    db: TestDb,
    sandbox: Sandbox,
}

impl Fx {
    fn new() -> Self {
        let db = TestDb::new();
        let sandbox = Sandbox::new(
            db.engine.clone(),
            SandboxConfig {
                limits: Limits {
                    pool_instances: 8,
                    ..Limits::default()
                },
                cache_dir: Some(component_cache()),
            },
        )
        .expect("sandbox");
        Self { db, sandbox }
    }

    fn session(&self, attach: &[(&MemoryStore, Access)]) -> Session {
        common::open_session(&self.sandbox, attach)
    }

    fn bash(&self, s: &Session, command: &str) -> ToolResult {
        self.call(s, json!({ "command": command }))
    }

    fn call(&self, s: &Session, input: serde_json::Value) -> ToolResult {
        self.sandbox
            .tool_call(&s.id, "bash", &input.to_string())
            .expect("tool call")
    }

    fn content(&self, store: &MemoryStore, path: &str) -> Option<String> {
        self.db.content(&store.id, path)
    }

    fn snapshot(&self, store: &MemoryStore) -> (Vec<(String, String)>, usize) {
        common::store_snapshot(&self.db, store)
    }
}

const RO: Access = Access::ReadOnly;
const RW: Access = Access::ReadWrite;

fn ok(r: &ToolResult) -> &str {
    assert!(!r.is_error, "unexpected error: {}", r.content);
    &r.content
}

#[test]
fn tool_06_reads_with_the_utilities_agents_type() {
    let fx = Fx::new();
    let notes = fx.db.store("Notes");
    fx.db
        .create(&notes.id, "/todo.md", "- buy milk\n- call Bob\n- fix bug\n");
    fx.db.create(&notes.id, "/people/bob.md", "Bob likes tea\n");
    let s = fx.session(&[(&notes, RW)]);
    assert_eq!(ok(&fx.bash(&s, "cat notes/todo.md | wc -l")), "3");
    assert_eq!(
        ok(&fx.bash(&s, "grep -rn Bob notes | sort")),
        "notes/people/bob.md:1:Bob likes tea\nnotes/todo.md:2:- call Bob"
    );
    assert_eq!(ok(&fx.bash(&s, "ls notes")), "people\ntodo.md");
    assert_eq!(ok(&fx.bash(&s, "pwd")), "/mnt/memory");
    assert_eq!(
        ok(&fx.bash(&s, "find notes -name '*.md' | sort")),
        "notes/people/bob.md\nnotes/todo.md"
    );
}

#[test]
fn tool_06_writes_become_versions_attributed_to_the_session() {
    let fx = Fx::new();
    let notes = fx.db.store("Notes");
    fx.db.create(&notes.id, "/log.md", "one\n");
    let s = fx.session(&[(&notes, RW)]);
    let r = fx.bash(
        &s,
        "cd notes && echo two >> log.md && sed -i 's/one/1/' log.md",
    );
    ok(&r);
    assert_eq!(fx.content(&notes, "/log.md").as_deref(), Some("1\ntwo\n"));
    let r = fx.bash(
        &s,
        "cat > ideas.md <<'EOF'\n# Ideas\n- $HOME is not expanded\nEOF",
    );
    ok(&r);
    assert_eq!(r.changes.len(), 1, "{:?}", r.changes);
    assert_eq!(r.changes[0].operation, Operation::Created);
    assert_eq!(
        fx.content(&notes, "/ideas.md").as_deref(),
        Some("# Ideas\n- $HOME is not expanded\n")
    );
    let versions = common::versions(&fx.db, &notes.id);
    let by_session: Vec<_> = versions
        .iter()
        .filter(|v| {
            v.created_by
                == Actor::Session {
                    session_id: s.id.clone(),
                }
        })
        .collect();
    assert!(by_session.len() >= 2, "{versions:?}");
}

/// Every call of a default timeout starts from the component's snapshot,
/// which holds an interpreter built once: what must differ between shells
/// is made afresh by each call, as a new `/bin/bash` has it.
#[test]
fn perf_06_shells_from_the_snapshot_do_not_share_random_or_seconds() {
    let fx = Fx::new();
    let notes = fx.db.store("Notes");
    let (a, b) = (fx.session(&[(&notes, RW)]), fx.session(&[(&notes, RW)]));
    let first_a = ok(&fx.bash(&a, "echo $RANDOM $RANDOM $RANDOM")).to_owned();
    let first_b = ok(&fx.bash(&b, "echo $RANDOM $RANDOM $RANDOM")).to_owned();
    assert_ne!(first_a, first_b, "two new shells drew the same numbers");
    let next_a = ok(&fx.bash(&a, "echo $RANDOM $RANDOM $RANDOM")).to_owned();
    assert_ne!(
        first_a, next_a,
        "two calls of one shell drew the same numbers"
    );
    assert_eq!(ok(&fx.bash(&a, "echo $SECONDS")), "0");
    // A timeout other than the default builds its own shell, alike.
    let own = fx.call(
        &a,
        json!({ "command": "echo $SECONDS; pwd", "timeout_ms": 5000 }),
    );
    assert_eq!(ok(&own), "0\n/mnt/memory");
}

#[test]
fn tool_06_state_carries_over_between_calls_and_restart_clears_it() {
    let fx = Fx::new();
    let notes = fx.db.store("Notes");
    fx.db.create(&notes.id, "/a.md", "alpha\n");
    let s = fx.session(&[(&notes, RW)]);
    ok(&fx.bash(
        &s,
        "cd notes; export TOPIC=tea; n=2; shout() { tr a-z A-Z; }; shopt -s expand_aliases; alias ll='ls -1'",
    ));
    assert_eq!(ok(&fx.bash(&s, "pwd")), "/mnt/memory/notes");
    assert_eq!(
        ok(&fx.bash(&s, "echo $TOPIC $n; cat a.md | shout")),
        "tea 2\nALPHA"
    );
    assert_eq!(ok(&fx.bash(&s, "ll")), "a.md");
    let r = fx.call(&s, json!({ "restart": true }));
    assert_eq!(ok(&r), "bash session restarted");
    assert_eq!(
        ok(&fx.bash(&s, "pwd; echo \"[$TOPIC]\"")),
        "/mnt/memory\n[]"
    );
    let r = fx.bash(&s, "shout");
    assert!(r.is_error);
    assert_eq!(r.content, "bash: shout: command not found");
}

#[test]
fn tool_06_the_reference_s_answers_for_no_command_failure_and_timeout() {
    let fx = Fx::new();
    let notes = fx.db.store("Notes");
    let s = fx.session(&[(&notes, RW)]);
    for input in [json!({}), json!({ "command": "" })] {
        let r = fx.call(&s, input);
        assert!(r.is_error);
        assert_eq!(r.content, "bash: command is required");
    }
    let r = fx.bash(&s, "echo partial; (exit 3)");
    assert!(r.is_error);
    assert_eq!(r.content, "partial");
    ok(&fx.bash(&s, "cd notes"));
    let r = fx.call(&s, json!({ "command": "sleep 5", "timeout_ms": 300 }));
    assert!(r.is_error);
    assert_eq!(r.content, "bash: bash command timed out after 0.3s");
    // The reference kills its shell on a timeout and answers every call so
    // until it is restarted; the restarted shell starts afresh.
    let r = fx.bash(&s, "pwd");
    assert!(r.is_error);
    assert_eq!(r.content, "bash: bash session terminated; restart required");
    ok(&fx.call(&s, json!({ "restart": true })));
    assert_eq!(ok(&fx.bash(&s, "pwd")), "/mnt/memory");
}

#[test]
fn tool_06_exit_ends_the_shell_until_restart() {
    let fx = Fx::new();
    let notes = fx.db.store("Notes");
    let s = fx.session(&[(&notes, RW)]);
    let r = fx.bash(&s, "echo bye; exit 0");
    assert!(
        r.is_error,
        "the reference reads no exit status from a shell that exited"
    );
    assert_eq!(r.content, "bye");
    let r = fx.bash(&s, "echo hello");
    assert_eq!(r.content, "bash: bash session terminated; restart required");
    ok(&fx.call(&s, json!({ "restart": true })));
    assert_eq!(ok(&fx.bash(&s, "echo hello")), "hello");
}

#[test]
fn sec_02_bash_cannot_write_a_read_only_mount_in_any_way() {
    let fx = Fx::new();
    let org = fx.db.store("Org");
    let scratch = fx.db.store("Scratch");
    fx.db.create(&org.id, "/policy.md", "be kind\n");
    fx.db.create(&org.id, "/dir/x.md", "x\n");
    let before = fx.snapshot(&org);
    let s = fx.session(&[(&org, RO), (&scratch, RW)]);
    let writes = [
        "echo x > org/new.md",
        "echo x > org/policy.md",
        "echo x >> org/policy.md",
        "echo x | tee org/policy.md",
        "sed -i 's/kind/mean/' org/policy.md",
        "rm org/policy.md",
        "rm -r org/dir",
        "mv org/policy.md org/moved.md",
        "mv org/policy.md scratch/stolen.md",
        "mv scratch/../org/dir org/dir2",
        "cp scratch/../org/policy.md org/copy.md",
        "touch org/policy.md",
        "touch org/new.md",
        "mkdir org/newdir",
        "truncate -s 0 org/policy.md",
        "cat > org/heredoc.md <<'EOF'\nx\nEOF",
    ];
    for command in writes {
        let r = fx.bash(&s, command);
        assert!(r.is_error, "{command:?} succeeded: {}", r.content);
        assert!(
            r.content.contains("Read-only file system"),
            "{command:?}: {}",
            r.content
        );
        assert!(r.changes.is_empty(), "{command:?}: {:?}", r.changes);
    }
    let r = fx.bash(&s, "echo x > /mnt/memory/org/x.md");
    assert_eq!(
        r.content,
        "bash: /mnt/memory/org/x.md: Read-only file system"
    );
    assert_eq!(fx.snapshot(&org), before, "the read-only store changed");
}

#[test]
fn mem_02_bash_writes_past_the_size_cap_fail_and_commit_nothing() {
    let fx = Fx::new();
    let notes = fx.db.store("Notes");
    let s = fx.session(&[(&notes, RW)]);
    let r = fx.bash(&s, "head -c 200000 /dev/zero | tr '\\0' x > notes/big.md");
    assert!(r.is_error, "{}", r.content);
    assert!(r.content.contains("102400"), "{}", r.content);
    assert!(fx.content(&notes, "/big.md").is_none());
}

/// A runaway command ends with a clear error and commits nothing; after a
/// restart the session works again.
fn assert_stopped(fx: &Fx, s: &Session, notes: &MemoryStore, command: &str, timeout_ms: u64) {
    let before = fx.snapshot(notes);
    let r = fx.call(
        s,
        json!({ "command": format!("echo partial > notes/partial.md; {command}"), "timeout_ms": timeout_ms }),
    );
    assert!(r.is_error, "{command:?} was not stopped: {}", r.content);
    assert!(!r.content.is_empty(), "{command:?}: no reason given");
    assert!(r.changes.is_empty(), "{command:?}: {:?}", r.changes);
    assert_eq!(
        fx.snapshot(notes),
        before,
        "{command:?} committed something"
    );
    ok(&fx.call(s, json!({ "restart": true })));
    assert_eq!(ok(&fx.bash(s, "echo still here")), "still here");
}

#[test]
fn tool_02_runaway_bash_commands_end_cleanly_and_the_next_call_works() {
    let fx = Fx::new();
    let notes = fx.db.store("Notes");
    let s = fx.session(&[(&notes, RW)]);
    assert_stopped(&fx, &s, &notes, "while true; do :; done", 1_000);
    assert_stopped(&fx, &s, &notes, "bomb() { bomb | bomb & }; bomb", 2_000);
    // bashkit's `yes` stops after 10,000 lines on its own; a flood into a
    // memory fails at the size cap instead.
    let r = fx.bash(&s, "yes | head -c 100000000 | wc -l");
    assert_eq!(
        (r.content.as_str(), r.is_error),
        (
            "10000\nyes: output limit (10000 lines) exceeded; output truncated",
            false
        )
    );
    let before = fx.snapshot(&notes);
    let r = fx.bash(&s, "seq 1 10000000 > notes/flood.md");
    assert!(
        r.is_error && r.content.contains("file-too-large"),
        "{}",
        r.content
    );
    assert_eq!(fx.snapshot(&notes), before);
    let huge = format!("cat > notes/huge.md <<'EOF'\n{}\nEOF", "y".repeat(300_000));
    let before = fx.snapshot(&notes);
    let r = fx.bash(&s, &huge);
    assert!(r.is_error, "{}", r.content);
    assert_eq!(fx.snapshot(&notes), before);
}

#[test]
fn fs_08_two_sessions_appending_with_echo_both_keep_their_lines() {
    let fx = Fx::new();
    let notes = fx.db.store("Notes");
    fx.db.create(&notes.id, "/log.md", "start\n");
    let a = fx.session(&[(&notes, RW)]);
    let b = fx.session(&[(&notes, RW)]);
    std::thread::scope(|scope| {
        for (s, line) in [(&a, "from a"), (&b, "from b")] {
            let fx = &fx;
            scope.spawn(move || {
                let r = fx.bash(s, &format!("sleep 0.2; echo '{line}' >> notes/log.md"));
                ok(&r);
            });
        }
    });
    let log = fx.content(&notes, "/log.md").expect("log");
    assert!(log.starts_with("start\n"), "{log}");
    assert!(
        log.contains("from a\n") && log.contains("from b\n"),
        "{log}"
    );
}

#[test]
fn tool_06_concurrent_calls_of_one_session_take_turns() {
    let fx = Fx::new();
    let notes = fx.db.store("Notes");
    let s = fx.session(&[(&notes, RW)]);
    ok(&fx.bash(&s, "n=0"));
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| ok(&fx.bash(&s, "n=$((n+1))")).to_owned());
        }
    });
    assert_eq!(ok(&fx.bash(&s, "echo $n")), "4");
}

#[test]
fn tool_08_python_and_jq_run_inside_bash_on_the_same_files() {
    let fx = Fx::new();
    let notes = fx.db.store("Notes");
    fx.db.create(
        &notes.id,
        "/people.json",
        r#"[{"name":"Ann","age":31},{"name":"Bo","age":7}]"#,
    );
    let s = fx.session(&[(&notes, RW)]);
    assert_eq!(ok(&fx.bash(&s, "python3 -c 'print(2 ** 10)'")), "1024");
    assert_eq!(
        ok(&fx.bash(
            &s,
            "jq -r '.[] | select(.age > 18) | .name' notes/people.json"
        )),
        "Ann"
    );
    let script = "cat > notes/sum.py <<'EOF'\nprint(sum(range(10)))\nEOF\npython3 notes/sum.py";
    assert_eq!(ok(&fx.bash(&s, script)), "45");
    let r = fx.bash(
        &s,
        "python3 - <<'EOF'\nwith open('/mnt/memory/notes/out.md', 'w') as f:\n    f.write('from python\\n')\nEOF",
    );
    ok(&r);
    assert_eq!(
        fx.content(&notes, "/out.md").as_deref(),
        Some("from python\n")
    );
    let r = fx.bash(&s, "python3 -c 'import socket'");
    assert!(r.is_error, "{}", r.content);
    assert!(!r.content.is_empty());
}

#[test]
fn tool_06_state_is_saved_with_the_session_and_read_by_another_process() {
    let fx = Fx::new();
    let notes = fx.db.store("Notes");
    let s = fx.session(&[(&notes, RW)]);
    ok(&fx.bash(&s, "cd notes; export K=v"));
    // A second sandbox on the same file, as another process would open it.
    let other = Sandbox::new(
        fx.db.engine.clone(),
        SandboxConfig {
            limits: Limits {
                pool_instances: 2,
                wall_time: Duration::from_secs(10),
                ..Limits::default()
            },
            cache_dir: Some(component_cache()),
        },
    )
    .expect("sandbox");
    let r = other
        .tool_call(
            &s.id,
            "bash",
            &json!({"command": "pwd; echo $K"}).to_string(),
        )
        .expect("call");
    assert_eq!(ok(&r), "/mnt/memory/notes\nv");
}

#[test]
fn fs_06_sed_i_saves_a_new_version_of_the_same_memory() {
    let fx = Fx::new();
    let notes = fx.db.store("Notes");
    let id = fx
        .db
        .create(&notes.id, "/plan.md", "ship on Monday\n")
        .memory
        .id;
    let s = fx.session(&[(&notes, RW)]);
    // sed -i writes a temporary file and renames it over the original, as
    // editors and atomic writers do: the store sees one new version.
    let r = fx.bash(&s, "sed -i 's/Monday/Tuesday/' notes/plan.md");
    ok(&r);
    assert_eq!(r.changes.len(), 1, "{:?}", r.changes);
    assert_eq!(r.changes[0].memory_id, id);
    assert_eq!(r.changes[0].operation, Operation::Modified);
    assert_eq!(
        fx.content(&notes, "/plan.md").as_deref(),
        Some("ship on Tuesday\n")
    );
    let paths: Vec<_> = common::versions(&fx.db, &notes.id)
        .into_iter()
        .filter_map(|v| v.path)
        .collect();
    assert_eq!(
        paths,
        ["/plan.md", "/plan.md"],
        "no temporary file in history"
    );
}
