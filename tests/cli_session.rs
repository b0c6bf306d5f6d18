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
    // An ended session refuses calls (exit 5, as a refused change), and an
    // unknown one is not found (exit 3): not "database, I/O" (issue 13).
    assert_eq!(out.status.code(), Some(5));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("memstore: ") && err.contains("has ended"),
        "{err}"
    );
    let read = r#"{"file_path": "/mnt/memory/docs/none.md"}"#;
    let err = cli.fails(&["tool", &id, "read", read], 5);
    assert!(err.contains("has ended"), "{err}");
    let err = cli.fails(&["tool", "sesn_nope", "read", read], 3);
    assert!(err.contains("not found"), "{err}");
}

#[test]
fn ses_04_cli_sessions_carry_their_agent_and_history_reads_by_agent() {
    let cli = Cli::new();
    cli.ok(&["store", "create", "Notes"]);
    let open = |extra: &[&str]| -> String {
        let mut args = vec!["session", "create", "--attach", "Notes"];
        args.extend_from_slice(extra);
        cli.json(&args)["session"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let b1 = open(&[
        "--agent",
        "billing",
        "--agent-name",
        "Billing bot",
        "--agent-meta",
        "team=finance",
    ]);
    let sup = open(&["--agent", "support", "--render-agent-in-prompt"]);
    let b2 = open(&["--agent", "billing"]);
    let plain = open(&[]);

    let shown = cli.json(&["session", "show", b1.as_str()]);
    assert_eq!(
        shown["session"]["agent"],
        serde_json::json!({"id": "billing", "name": "Billing bot", "metadata": {"team": "finance"}})
    );
    let text = cli.ok(&["session", "show", b1.as_str()]);
    assert!(text.contains("agent billing (Billing bot)"), "{text}");
    assert!(text.contains("team: finance"), "{text}");
    assert!(
        !cli.ok(&["session", "prompt", b1.as_str()])
            .contains("billing")
    );
    assert!(
        cli.ok(&["session", "prompt", sup.as_str()])
            .contains("You are the agent with id support.")
    );
    assert!(
        cli.json(&["session", "show", plain.as_str()])["session"]
            .get("agent")
            .is_none()
    );

    let write = |session: &str, path: &str| {
        let input = format!(r#"{{"file_path": "/mnt/memory/notes/{path}", "content": "x"}}"#);
        let result: Value =
            serde_json::from_str(&cli.ok(&["tool", session, "write", &input])).unwrap();
        assert_eq!(result["is_error"], false, "{result}");
        result["changes"][0]["version_id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let v1 = write(&b1, "a.md");
    let v2 = write(&sup, "b.md");
    let v3 = write(&b2, "c.md");
    write(&plain, "d.md");
    let v5 = write(&b1, "e.md");

    let ids = |page: Value| -> Vec<String> {
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        ids(cli.json(&["versions", "Notes", "--agent", "billing"])),
        [v5.as_str(), v3.as_str(), v1.as_str()]
    );
    assert_eq!(
        ids(cli.json(&["versions", "Notes", "--agent", "support"])),
        [v2.as_str()]
    );
    let first = cli.json(&["versions", "Notes", "--agent", "billing", "--limit", "2"]);
    assert_eq!(ids(first.clone()), [v5.as_str(), v3.as_str()]);
    let next = first["next_page"].as_str().unwrap();
    assert_eq!(
        ids(cli.json(&[
            "versions", "Notes", "--agent", "billing", "--limit", "2", "--page", next
        ])),
        [v1.as_str()]
    );
    let events = cli.json(&["events", "Notes", "--agent", "support"]);
    let data = events["data"].as_array().unwrap();
    assert_eq!(data.len(), 1, "{events}");
    assert_eq!(data[0]["memory_version_id"], v2.as_str());
    assert_eq!(data[0]["agent_id"], "support");
    assert!(cli.ok(&["events", "Notes"]).contains("(agent billing)"));

    assert_eq!(
        ids(cli.json(&["sessions", "--agent", "billing"])),
        [b2.as_str(), b1.as_str()],
        "newest first"
    );
    assert_eq!(
        ids(cli.json(&["sessions"])),
        [plain.as_str(), b2.as_str(), sup.as_str(), b1.as_str()]
    );
    let text = cli.ok(&["sessions", "--agent", "support"]);
    assert!(
        text.contains(&sup) && text.contains("agent support"),
        "{text}"
    );

    // Bad agent ids are refused with the field named (exit 5, invalid input).
    let err = cli.fails(
        &["session", "create", "--attach", "Notes", "--agent", ""],
        5,
    );
    assert!(err.contains("agent.id"), "{err}");
    let err = cli.fails(&["versions", "Notes", "--agent", ""], 5);
    assert!(err.contains("agent_id"), "{err}");
    let err = cli.fails(&["sessions", "--agent", ""], 5);
    assert!(err.contains("agent_id"), "{err}");
}
