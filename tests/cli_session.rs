//! `memstore session …`, `memstore tool` and `memstore run` end to end on a
//! real database file (SES-01..04, TOOL-01, TOOL-07).

mod common;

use common::cli::Cli;
use serde_json::Value;

#[allow(dead_code)]
mod guests {
    include!(concat!(env!("OUT_DIR"), "/test_guests.rs"));
    pub const WRITE: &str = WRITE_FILE;
}

#[test]
fn ses_01_tool_07_session_create_run_show_end_from_the_cli() {
    let cli = Cli::new();
    cli.ok(&["store", "create", "Team Notes"]);
    cli.ok(&["store", "create", "Docs"]);
    let created = cli.json(&[
        "session",
        "create",
        "--attach",
        "Team Notes",
        "--attach",
        "Docs:ro",
        "--instructions",
        "Be brief",
    ]);
    let id = created["session"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        created["session"]["resources"][0]["mount_path"],
        "/mnt/memory/team-notes"
    );
    assert_eq!(created["session"]["resources"][1]["access"], "read_only");
    assert!(
        created["system_prompt"]
            .as_str()
            .unwrap()
            .contains("Be brief")
    );
    assert_eq!(
        cli.json(&["session", "prompt", &id])["system_prompt"],
        created["system_prompt"]
    );

    let out = cli.ok(&[
        "run",
        &id,
        guests::WRITE,
        "--",
        "/mnt/memory/team-notes/a.md",
        "from run",
    ]);
    assert_eq!(out, "write:ok\n");
    assert_eq!(
        cli.ok(&["memory", "get", "Team Notes", "/a.md"]).trim_end(),
        "from run"
    );
    let out = cli.ok(&[
        "run",
        &id,
        guests::WRITE,
        "--",
        "/mnt/memory/docs/a.md",
        "nope",
    ]);
    assert_eq!(out, "write:EROFS\n");

    // A tool result that is an error still exits 0; the JSON says so.
    let result: Value = serde_json::from_str(&cli.ok(&[
        "tool",
        &id,
        "read",
        r#"{"file_path": "/mnt/memory/docs/none.md"}"#,
    ]))
    .unwrap();
    assert_eq!(result["is_error"], true);

    let shown = cli.json(&["session", "show", &id]);
    assert!(
        shown["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["changes"].as_array().is_some_and(|c| c.len() == 1))
    );
    let ended = cli.json(&["session", "end", &id]);
    assert!(ended["ended_at"].is_string());
    let out = cli.run(&[
        "run",
        &id,
        guests::WRITE,
        "--",
        "/mnt/memory/team-notes/b.md",
        "late",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("memstore: "));
}
