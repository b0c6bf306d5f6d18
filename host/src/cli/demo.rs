//! `memstore demo`: a guided scenario on a fresh database that shows what
//! memstore does — stores, attributed versions, a precondition conflict, a
//! redaction, a rollback and the audit chain — and explains each step.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use memstore::store::{
    Actor, Engine, EngineConfig, ErrorKind, MemoryUpdate, NewStore, Precondition, VersionQuery,
    View,
};

use super::Output;
use super::history::actor_text;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to create the demo database (must not exist yet); default: a
    /// new temporary directory, kept so you can explore it afterwards.
    #[arg(long = "into")]
    into: Option<PathBuf>,
}

pub fn run(args: DemoArgs, out: &Output) -> anyhow::Result<ExitCode> {
    let path = match args.into {
        Some(p) if p.exists() => bail!(
            "{} already exists; the demo needs a fresh file",
            p.display()
        ),
        Some(p) => p,
        None => {
            let dir = tempfile_dir()?;
            dir.join("memstore-demo.db")
        }
    };
    let engine = Engine::open_sqlite(&path, EngineConfig::default())
        .with_context(|| format!("cannot create {}", path.display()))?;
    let mut say = Narrator {
        json: out.json,
        steps: Vec::new(),
    };
    scenario(&engine, &path, &mut say)?;
    say.step(
        "Explore",
        format!(
            "The database is {p}. Try:\n  memstore --db {p} store list\n  memstore --db {p} versions \"Alice's notes\"",
            p = path.display()
        ),
    );
    if out.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "database": path,
                "steps": say.steps,
            }))?
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "memstore-demo-{}",
        memstore::store::ids::new_id("").to_lowercase()
    ));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

/// Prints each step as it happens (or collects it for `--json`).
struct Narrator {
    json: bool,
    steps: Vec<serde_json::Value>,
}

impl Narrator {
    fn step(&mut self, title: &str, text: impl Into<String>) {
        let text = text.into();
        if self.json {
            self.steps
                .push(serde_json::json!({"step": title, "text": text}));
        } else {
            println!("== {title}\n{text}\n");
        }
    }
}

fn scenario(engine: &Engine, db: &Path, say: &mut Narrator) -> anyhow::Result<()> {
    let ops = Actor::User {
        user_id: "ops@acme".into(),
    };
    let planner = Actor::Session {
        session_id: "sesn_demo_planner".into(),
    };
    let reviewer = Actor::Api {
        api_key_id: "apikey_demo_reviewer".into(),
    };

    let org = engine.create_store(
        NewStore {
            workspace_id: "default".into(),
            name: "Acme handbook".into(),
            description: "How Acme builds and ships software. Read before changing code.".into(),
            ..NewStore::default()
        },
        &ops,
    )?;
    let user = engine.create_store(
        NewStore {
            workspace_id: "default".into(),
            name: "Alice's notes".into(),
            description: "What agents learned while working with Alice.".into(),
            ..NewStore::default()
        },
        &ops,
    )?;
    for (path, text) in [
        (
            "/style/rust.md",
            "Run cargo fmt and clippy before every commit.\n",
        ),
        (
            "/deploy/checklist.md",
            "1. Tag the release\n2. Wait for CI\n3. Announce in #ship\n",
        ),
    ] {
        engine.create_memory(&org.id, path, text, &ops)?;
    }
    say.step(
        "1. Two memory stores",
        format!(
            "An operator created {} ({}) with 2 memories, and {} ({}).\n\
             A harness attaches stores like these to agent sessions as directories \
             under /mnt/memory/.",
            org.name, org.id, user.name, user.id
        ),
    );

    let prefs = engine.create_memory(
        &user.id,
        "/preferences.md",
        "Alice prefers short PR descriptions.\n",
        &planner,
    )?;
    engine.create_memory(
        &user.id,
        "/projects/billing.md",
        "Billing service: owner Alice, on-call rotation weekly.\n",
        &planner,
    )?;
    let reviewed = engine.put_memory(
        &user.id,
        "/preferences.md",
        "Alice prefers short PR descriptions.\nShe reviews in the morning (UTC).\n",
        Precondition::ContentSha256(prefs.memory.content_sha256.clone()),
        &reviewer,
    )?;
    say.step(
        "2. Writes by two actors, each a version",
        format!(
            "An agent session ({}) wrote 2 memories; a reviewer through the API ({}) \
             extended /preferences.md.\nEvery change is an immutable version with its author; \
             /preferences.md is now at {}.",
            actor_text(&planner),
            actor_text(&reviewer),
            reviewed.memory.memory_version_id
        ),
    );

    let stale = engine.update_memory(
        &user.id,
        &prefs.memory.id,
        MemoryUpdate {
            content: Some("Alice prefers long PR descriptions.\n".into()),
            precondition: Some(prefs.memory.content_sha256.clone()),
            ..MemoryUpdate::default()
        },
        &planner,
    );
    let Err(conflict) = stale else {
        bail!("the stale write should have been refused")
    };
    assert_eq!(conflict.kind(), ErrorKind::PreconditionFailed);
    say.step(
        "3. A stale write is refused, not lost",
        format!(
            "The agent tried to overwrite /preferences.md based on the content it read \
             before the reviewer's change. Its precondition (the old content_sha256) no longer \
             holds, so memstore refused:\n  {conflict}\nNo update is ever silently lost."
        ),
    );

    let leaked =
        "Billing service: owner Alice, on-call rotation weekly.\nDB password: hunter2-demo\n";
    let leak = engine.put_memory(
        &user.id,
        "/projects/billing.md",
        leaked,
        Precondition::None,
        &planner,
    )?;
    engine.put_memory(
        &user.id,
        "/projects/billing.md",
        "Billing service: owner Alice, on-call rotation weekly.\nCredentials live in the vault.\n",
        Precondition::None,
        &ops,
    )?;
    let leak_version = leak.change.context("the leak was a change")?.version_id;
    engine.redact_version(&user.id, &leak_version, &ops)?;
    let redacted = engine.version(&user.id, &leak_version)?;
    let found = occurrences(db, b"hunter2-demo")?;
    say.step(
        "4. A leaked secret is redacted",
        format!(
            "The agent saved a password into /projects/billing.md. The operator wrote a clean \
             version, then redacted the leaking one ({leak_version}).\nIts content, hash, size \
             and path are now null (redacted_at {}); the bytes are scrubbed from the \
             database file itself: searching the files for the password finds it {found} \
             times. Who wrote it and when stays on record.",
            redacted
                .redacted_at
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
                .unwrap_or_default()
        ),
    );

    let bad = engine.put_memory(
        &org.id,
        "/deploy/checklist.md",
        "just push to main\n",
        Precondition::None,
        &planner,
    )?;
    let history = engine.list_versions(
        &org.id,
        &VersionQuery {
            memory_id: Some(bad.memory.id.clone()),
            view: View::Basic,
            ..VersionQuery::default()
        },
    )?;
    let good = history
        .data
        .get(1)
        .context("the checklist has an earlier version")?;
    let restored = engine.rollback(&org.id, &good.id, &ops)?;
    say.step(
        "5. A bad edit is rolled back in one call",
        format!(
            "An agent replaced the deploy checklist with \"just push to main\". The operator \
             rolled back to {}: the checklist is restored as a new version ({}), and the bad \
             edit stays in history for the audit.",
            good.id,
            restored.change.map(|c| c.version_id).unwrap_or_default()
        ),
    );

    let mut lines = String::new();
    for store in [&org, &user] {
        let report = engine.verify_chain(&store.id)?;
        if !report.ok {
            bail!("the demo's audit chain of {} does not verify", store.name);
        }
        lines.push_str(&format!(
            "\n  {:<14} {} versions, chain head {}…",
            store.name,
            report.versions_checked,
            &report.head[..16]
        ));
    }
    say.step(
        "6. The audit chain verifies",
        format!(
            "Each version is hash-chained to the one before it, over a salted commitment to its \
             content, so history cannot be edited unnoticed — and the chain still verifies after \
             the redaction:{lines}"
        ),
    );
    Ok(())
}

/// How often `needle` occurs in the database file and its WAL/SHM files.
fn occurrences(db: &Path, needle: &[u8]) -> anyhow::Result<usize> {
    let mut count = 0;
    for suffix in ["", "-wal", "-shm"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        if let Ok(bytes) = std::fs::read(&name) {
            count += bytes.windows(needle.len()).filter(|w| *w == needle).count();
        }
    }
    Ok(count)
}
