//! The `memstore key` and `memstore serve` commands, run as the real binary
//! (SEC-01 key handling; graceful shutdown of the server on SIGTERM).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::Value;

fn memstore(db: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_memstore"));
    c.arg("--db").arg(db);
    c
}

fn run_json(cmd: &mut Command) -> Value {
    let out = cmd.output().expect("run memstore");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

#[test]
fn sec_01_key_create_shows_the_secret_once_and_list_never_does() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let created = run_json(memstore(&db).args([
        "--json",
        "--workspace",
        "team",
        "key",
        "create",
        "--role",
        "reader",
    ]));
    let id = created["id"].as_str().unwrap();
    let secret = created["key"].as_str().unwrap();
    assert!(id.starts_with("apikey_"));
    assert!(secret.len() > 40);
    assert_eq!(created["role"], "reader");
    assert_eq!(created["workspaces"], serde_json::json!(["team"]));

    let listed = run_json(memstore(&db).args(["--json", "key", "list"]));
    assert_eq!(listed[0]["id"], id);
    assert!(!listed.to_string().contains(secret));

    let revoked = run_json(memstore(&db).args(["--json", "key", "revoke", id]));
    assert!(revoked["revoked_at"].is_string());

    let out = memstore(&db)
        .args(["key", "create", "--role", "root"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "unknown roles are refused");
}

#[cfg(unix)]
#[test]
fn api_serve_prints_its_address_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let mut child = memstore(&db)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(
        line.starts_with("memstore listening on http://127.0.0.1:"),
        "{line}"
    );
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "serve exits 0 after SIGTERM: {exit:?}");
}
