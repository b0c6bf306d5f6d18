//! The `memstore` binary end to end: commands, `--json` output shapes,
//! error messages and exit codes, on a real database file.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::cli::Cli;
use serde_json::Value;

#[test]
fn cli_store_lifecycle_with_json_shapes() {
    let cli = Cli::new();
    let s = cli.json(&[
        "store",
        "create",
        "Team notes",
        "--description",
        "d",
        "--metadata",
        "owner=alice",
    ]);
    assert_eq!(s["type"], "memory_store");
    assert_eq!(s["metadata"]["owner"], "alice");
    let id = s["id"].as_str().unwrap();
    assert!(id.starts_with("memstore_"));
    let list = cli.json(&["store", "list"]);
    assert_eq!(list["data"][0]["id"], id);
    let by_name = cli.json(&["store", "show", "Team notes"]);
    assert_eq!(by_name["id"], id);
    let updated = cli.json(&[
        "store",
        "update",
        id,
        "--description",
        "",
        "--unset",
        "owner",
    ]);
    assert_eq!(updated["description"], "");
    assert_eq!(updated["metadata"], serde_json::json!({}));
    let archived = cli.json(&["store", "archive", id]);
    assert!(archived["archived_at"].is_string());
    cli.fails(&["store", "delete", id], 1);
    let deleted = cli.json(&["store", "delete", id, "--yes"]);
    assert_eq!(
        deleted,
        serde_json::json!({"id": id, "type": "memory_store_deleted"})
    );
    cli.fails(&["store", "show", id], 3);
}

#[test]
fn cli_memory_put_from_flag_file_and_stdin() {
    let cli = Cli::new();
    cli.ok(&["store", "create", "s"]);
    let m = cli.json(&["memory", "put", "s", "/a.md", "--content", "one"]);
    assert_eq!(m["type"], "memory");
    assert_eq!(m["content"], Value::Null);
    assert_eq!(m["content_size_bytes"], 3);
    let file = cli.dir.path().join("in.txt");
    std::fs::write(&file, "from a file\n").unwrap();
    cli.ok(&[
        "memory",
        "put",
        "s",
        "/b.md",
        "--file",
        file.to_str().unwrap(),
    ]);
    let mut child = cli
        .cmd(&["memory", "put", "s", "/c.md"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all("from stdin ✓".as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(cli.ok(&["memory", "get", "s", "/b.md"]), "from a file\n");
    assert_eq!(cli.ok(&["memory", "get", "s", "/c.md"]), "from stdin ✓\n");
    let ls = cli.json(&["memory", "ls", "s"]);
    let paths: Vec<_> = ls["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["/a.md", "/b.md", "/c.md"]);
}

#[test]
fn cli_precondition_conflict_and_refusals_have_exit_codes() {
    let cli = Cli::new();
    cli.ok(&["store", "create", "s"]);
    let m = cli.json(&["memory", "put", "s", "/a", "--content", "one"]);
    let sha = m["content_sha256"].as_str().unwrap();
    let err = cli.fails(
        &[
            "memory",
            "put",
            "s",
            "/a",
            "--content",
            "two",
            "--if-sha256",
            &"0".repeat(64),
        ],
        4,
    );
    assert!(err.contains("precondition failed"), "{err}");
    cli.ok(&[
        "memory",
        "put",
        "s",
        "/a",
        "--content",
        "two",
        "--if-sha256",
        sha,
    ]);
    let err = cli.fails(&["memory", "put", "s", "/a/b", "--content", "x"], 4);
    assert!(err.contains("conflicts with memory"), "{err}");
    let err = cli.fails(&["memory", "put", "s", "/bad//path", "--content", "x"], 5);
    assert!(err.contains("invalid path"), "{err}");
    cli.fails(&["memory", "get", "s", "/missing"], 3);
    cli.fails(&["store", "show", "nope"], 3);
    assert_eq!(cli.ok(&["memory", "get", "s", "/a"]), "two\n");
}

#[test]
fn cli_versions_redact_rollback_and_audit() {
    let cli = Cli::new();
    cli.ok(&["store", "create", "s"]);
    cli.ok(&["memory", "put", "s", "/a", "--content", "secret-value-1"]);
    cli.ok(&["memory", "put", "s", "/a", "--content", "clean"]);
    let versions = cli.json(&["versions", "s", "--memory", "/a"]);
    let data = versions["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert_eq!(
        data[0]["created_by"],
        serde_json::json!({"type": "user_actor", "user_id": "operator"})
    );
    let old = data[1]["id"].as_str().unwrap();
    let shown = cli.json(&["version", "show", old]);
    assert_eq!(shown["content"], "secret-value-1");
    let back = cli.json(&["rollback", old]);
    assert_eq!(back["content"], "secret-value-1");
    cli.ok(&["memory", "put", "s", "/a", "--content", "clean again"]);
    let redacted = cli.json(&["version", "redact", old]);
    assert_eq!(redacted["content"], Value::Null);
    assert!(redacted["redacted_at"].is_string());
    let report = cli.json(&["audit", "verify", "s"]);
    assert_eq!(report["ok"], true);
    assert_eq!(report["versions_checked"], 4);
}

#[test]
fn cli_audit_verify_exits_6_on_a_tampered_chain() {
    let cli = Cli::new();
    cli.ok(&["store", "create", "s"]);
    cli.ok(&["memory", "put", "s", "/a", "--content", "x"]);
    let conn = rusqlite::Connection::open(cli.dir.path().join("m.db")).unwrap();
    conn.execute("UPDATE versions SET content = 'y'", [])
        .unwrap();
    drop(conn);
    let err = cli.fails(&["audit", "verify", "s"], 6);
    assert!(err.contains("broken at version #1"), "{err}");
}

#[test]
fn cli_same_name_is_ambiguous_and_asks_for_the_id() {
    let cli = Cli::new();
    cli.ok(&["store", "create", "twin"]);
    cli.ok(&["store", "create", "twin"]);
    let err = cli.fails(&["store", "show", "twin"], 1);
    assert!(err.contains("2 stores are named \"twin\""), "{err}");
}

#[test]
fn cli_demo_runs_the_scenario_on_a_fresh_file() {
    let cli = Cli::new();
    let db = cli.dir.path().join("demo.db");
    let out = Command::new(env!("CARGO_BIN_EXE_memstore"))
        .args(["demo", "--into", db.to_str().unwrap()])
        .env("MEMSTORE_CACHE_DIR", cli.dir.path().join("cache"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "A stale write is refused",
        "finds it 0 times",
        "The audit chain verifies",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    let again = Command::new(env!("CARGO_BIN_EXE_memstore"))
        .args(["demo", "--into", db.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        again.status.code(),
        Some(1),
        "the demo refuses an existing file"
    );
}

#[test]
fn cli_capacity_and_retention_are_configurable() {
    let cli = Cli::new();
    cli.ok(&["store", "create", "s"]);
    cli.ok(&[
        "--max-memories",
        "1",
        "memory",
        "put",
        "s",
        "/a",
        "--content",
        "1",
    ]);
    let err = cli.fails(
        &[
            "--max-memories",
            "1",
            "memory",
            "put",
            "s",
            "/b",
            "--content",
            "2",
        ],
        5,
    );
    assert!(err.contains("maximum of 1 memories"), "{err}");
    for v in ["2", "3", "4"] {
        cli.ok(&["memory", "put", "s", "/a", "--content", v]);
    }
    let report = cli.json(&["prune", "--older-than-days", "0", "--keep", "2"]);
    assert_eq!(report["versions_pruned"], 2);
    assert_eq!(
        cli.json(&["versions", "s"])["data"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

/// What `memstore` makes of a database file that is not one it can use:
/// refused by name with what to do, exit code 1, and the file and its
/// directory left exactly as they were (issue 9, faults; DUR-03/DUR-04).
fn assert_refused_untouched(cli: &Cli, expected: &str) {
    let db = cli.dir.path().join("m.db");
    let before = std::fs::read(&db).unwrap();
    for args in [&["store", "list"][..], &["store", "create", "x"][..]] {
        let err = cli.fails(args, 1);
        assert!(
            err.contains(&db.display().to_string()),
            "names the file: {err}"
        );
        assert!(err.contains(expected), "{err}");
        assert!(err.contains("the file was not modified"), "{err}");
    }
    assert_eq!(std::fs::read(&db).unwrap(), before, "the file is unchanged");
    for side in ["m.db-wal", "m.db-shm", "m.db-journal"] {
        assert!(!cli.dir.path().join(side).exists(), "{side} was created");
    }
}

#[test]
fn dur_04_a_file_that_is_not_a_database_is_refused_and_left_alone() {
    let cli = Cli::new();
    std::fs::write(
        cli.dir.path().join("m.db"),
        "# my notes\n\nnot a database\n",
    )
    .unwrap();
    assert_refused_untouched(
        &cli,
        "is not a memstore database (it is not an SQLite file)",
    );
}

#[test]
fn dur_04_another_applications_sqlite_database_is_refused_and_left_alone() {
    let cli = Cli::new();
    let conn = rusqlite::Connection::open(cli.dir.path().join("m.db")).unwrap();
    conn.execute_batch("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices VALUES (1, 9.5);")
        .unwrap();
    drop(conn);
    assert_refused_untouched(&cli, "is an SQLite database of another application");
}

#[test]
fn dur_03_a_database_of_a_newer_memstore_is_refused_and_left_alone() {
    let cli = Cli::new();
    cli.ok(&["store", "create", "Notes"]);
    let conn = rusqlite::Connection::open(cli.dir.path().join("m.db")).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    assert_refused_untouched(&cli, "was written by a newer memstore (schema version 999");
}

#[test]
fn dur_04_a_truncated_database_is_refused_and_left_alone() {
    let cli = Cli::new();
    cli.ok(&["store", "create", "Notes"]);
    for i in 0..8 {
        let body = format!("{i}").repeat(20_000);
        cli.ok(&[
            "memory",
            "put",
            "Notes",
            &format!("/m{i}.md"),
            "--content",
            &body,
        ]);
    }
    let db = cli.dir.path().join("m.db");
    let len = std::fs::metadata(&db).unwrap().len();
    assert!(len > 100_000, "the database spans many pages: {len} bytes");
    let file = std::fs::OpenOptions::new().write(true).open(&db).unwrap();
    file.set_len(len / 2).unwrap();
    drop(file);
    assert_refused_untouched(&cli, "is truncated");
}

/// A PostgreSQL URL names a server, not a file (DUR-04): one that cannot be
/// reached is an error that says why, names the URL without its password,
/// and no file named after it appears.
#[test]
fn dur_04_a_postgres_url_is_a_server_not_a_file_and_its_password_is_never_shown() {
    let cli = Cli::new();
    // Port 1 on loopback: nothing listens there.
    for url in [
        "postgres://memstore:hunter2@127.0.0.1:1/m",
        "postgresql://memstore:hunter2@127.0.0.1:1/m",
    ] {
        let out = cli
            .cmd(&["store", "list"])
            .current_dir(cli.dir.path())
            .arg("--db")
            .arg(url)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("cannot connect to PostgreSQL at "), "{err}");
        assert!(
            err.contains("Connection refused"),
            "the reason is shown: {err}"
        );
        assert!(!err.contains("hunter2"), "{err}");
    }
    let left: Vec<_> = std::fs::read_dir(cli.dir.path()).unwrap().collect();
    assert!(left.is_empty(), "nothing was created: {left:?}");
}

/// EMB-01 (issue 13): a reader that stops early (`memstore … | head -c 300`)
/// ends the run quietly with success instead of a "Broken pipe" panic and
/// its backtrace. The output is larger than a pipe's buffer, so the write
/// meets the closed pipe whenever the reader leaves.
#[test]
fn emb_01_a_closed_output_pipe_ends_the_run_quietly() {
    let cli = Cli::new();
    cli.ok(&["store", "create", "big"]);
    let content = "x".repeat(100_000);
    cli.ok(&["memory", "put", "big", "/big.md", "--content", &content]);
    let mut child = cli
        .cmd(&["--json", "memory", "get", "big", "/big.md"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {err}", out.status);
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.is_empty(), "nothing on stderr: {err}");
}
