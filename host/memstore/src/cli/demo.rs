//! `memstore demo`: a guided scenario on a fresh database that shows what
//! memstore does and explains each step — stores, attributed versions, a
//! refused stale write, two agents working through real tool calls in the
//! wasm sandbox (a read-only org store, a read-write user store, a rejected
//! write, concurrent edits that both survive), a redaction, a rollback and
//! the audit chain.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail, ensure};
use clap::Args;
use memstore::sandbox::{Sandbox, SandboxConfig, ToolResult};
use memstore::store::sessions::{Access, NewAttachment, NewSession, Session};
use memstore::store::{
    Actor, Engine, EngineConfig, ErrorKind, MemoryStore, MemoryUpdate, NewStore, Precondition,
    VersionQuery, View,
};
use serde_json::json;

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
        None => temp_dir()?.join("memstore-demo.db"),
    };
    let engine = memstore::open(&path, EngineConfig::default())
        .with_context(|| format!("cannot create {}", path.display()))?;
    let mut demo = Demo {
        engine,
        db: path.clone(),
        say: Narrator {
            json: out.json,
            steps: Vec::new(),
        },
    };
    demo.run()?;
    demo.say.step(
        "Explore",
        format!(
            "The database is {p}. Try:\n  memstore --db {p} store list\n  memstore --db {p} versions \"Alice's notes\"",
            p = path.display()
        ),
    );
    if out.json {
        let steps = json!({"database": path, "steps": demo.say.steps});
        super::output::print_json(&steps);
    }
    Ok(ExitCode::SUCCESS)
}

fn temp_dir() -> anyhow::Result<PathBuf> {
    let name = format!(
        "memstore-demo-{}",
        memstore::store::ids::new_id("").to_lowercase()
    );
    let dir = std::env::temp_dir().join(name);
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
            self.steps.push(json!({"step": title, "text": text}));
        } else {
            super::output::print_line(&format!("== {title}\n{}\n", text.trim_end()));
        }
    }
}

struct Demo {
    engine: Engine,
    db: PathBuf,
    say: Narrator,
}

/// The two stores every step works on.
struct Stores {
    org: MemoryStore,
    user: MemoryStore,
}

const ORG_MOUNT: &str = "/mnt/memory/acme-handbook";
const USER_MOUNT: &str = "/mnt/memory/alice-s-notes";

fn ops() -> Actor {
    Actor::User {
        user_id: "ops@acme".into(),
    }
}

fn harness() -> Actor {
    Actor::Api {
        api_key_id: "apikey_demo_harness".into(),
    }
}

impl Demo {
    fn run(&mut self) -> anyhow::Result<()> {
        let stores = self.create_stores()?;
        self.attributed_writes(&stores)?;
        self.stale_write(&stores)?;
        let sandbox = Sandbox::new(
            self.engine.clone(),
            SandboxConfig {
                cache_dir: SandboxConfig::default_cache_dir(),
                ..SandboxConfig::default()
            },
        )
        .context("cannot start the wasm sandbox")?;
        let (planner, coder) = self.open_sessions(&sandbox, &stores)?;
        self.tool_calls(&sandbox, &planner)?;
        self.rejected_write(&sandbox, &planner, &stores)?;
        self.concurrent_edits(&sandbox, &planner, &coder)?;
        self.bash_agent(&sandbox, &coder, &stores)?;
        self.redaction(&stores)?;
        self.rollback(&stores, &coder)?;
        self.audit(&stores)
    }

    fn create_stores(&mut self) -> anyhow::Result<Stores> {
        let new = |name: &str, description: &str| NewStore {
            workspace_id: "default".into(),
            name: name.into(),
            description: description.into(),
            ..NewStore::default()
        };
        let org = self.engine.create_store(
            new(
                "Acme handbook",
                "How Acme builds and ships software. Read before changing code.",
            ),
            &ops(),
        )?;
        let user = self.engine.create_store(
            new(
                "Alice's notes",
                "What agents learned while working with Alice.",
            ),
            &ops(),
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
            self.engine.create_memory(&org.id, path, text, &ops())?;
        }
        self.say.step(
            "1. Two memory stores",
            format!(
                "An operator created {} ({}) with 2 memories, and {} ({}).\n\
                 Stores are named collections of small text files; every change to them is kept.",
                org.name, org.id, user.name, user.id
            ),
        );
        Ok(Stores { org, user })
    }

    fn attributed_writes(&mut self, s: &Stores) -> anyhow::Result<()> {
        let prefs = "Alice prefers short PR descriptions.\n";
        self.engine
            .create_memory(&s.user.id, "/preferences.md", prefs, &harness())?;
        let billing = "# Billing service\nOwner: Alice\nOn-call: weekly rotation\n";
        self.engine
            .create_memory(&s.user.id, "/projects/billing.md", billing, &ops())?;
        self.say.step(
            "2. Every write is a version with its author",
            format!(
                "A harness through the HTTP API ({}) and the operator ({}) wrote two memories \
                 into {}. Each write is an immutable version that records who made it.",
                actor_text(&harness()),
                actor_text(&ops()),
                s.user.name
            ),
        );
        Ok(())
    }

    fn stale_write(&mut self, s: &Stores) -> anyhow::Result<()> {
        let read = self
            .engine
            .memory_at(&s.user.id, "/preferences.md")?
            .context("just written")?;
        let fresh = "Alice prefers short PR descriptions.\nShe reviews in the morning (UTC).\n";
        self.engine.put_memory(
            &s.user.id,
            "/preferences.md",
            fresh,
            Precondition::None,
            &ops(),
        )?;
        let stale = self.engine.update_memory(
            &s.user.id,
            &read.id,
            MemoryUpdate {
                content: Some("Alice prefers long PR descriptions.\n".into()),
                precondition: Some(read.content_sha256.clone()),
                ..MemoryUpdate::default()
            },
            &harness(),
        );
        let Err(conflict) = stale else {
            bail!("the stale write should have been refused")
        };
        ensure!(
            conflict.kind() == ErrorKind::PreconditionFailed,
            "unexpected: {conflict}"
        );
        self.say.step(
            "3. A stale write is refused, not lost",
            format!(
                "The harness read /preferences.md, the operator changed it, then the harness \
                 wrote based on what it had read, with that content's hash as a precondition. \
                 memstore refused:\n  {conflict}"
            ),
        );
        Ok(())
    }

    fn open_sessions(
        &mut self,
        sandbox: &Sandbox,
        s: &Stores,
    ) -> anyhow::Result<(Session, Session)> {
        let attach = || {
            vec![
                NewAttachment {
                    memory_store_id: s.user.id.clone(),
                    access: Access::ReadWrite,
                    instructions: "Record what you learn about Alice and her projects.".into(),
                },
                NewAttachment {
                    memory_store_id: s.org.id.clone(),
                    access: Access::ReadOnly,
                    instructions: String::new(),
                },
            ]
        };
        let open = || {
            sandbox.create_session(NewSession {
                workspace_id: "default".into(),
                owner_api_key_id: None,
                resources: attach(),
            })
        };
        let (planner, coder) = (open()?, open()?);
        for r in &planner.resources {
            let expected = if r.memory_store_id == s.org.id {
                ORG_MOUNT
            } else {
                USER_MOUNT
            };
            ensure!(
                r.mount_path == expected,
                "unexpected mount path {}",
                r.mount_path
            );
        }
        let prompt = sandbox.system_prompt(&planner.id)?;
        let excerpt: String = prompt
            .lines()
            .take(6)
            .map(|l| format!("  | {l}\n"))
            .collect();
        self.say.step(
            "4. Two agents, two sandboxed sessions",
            format!(
                "Two agent sessions, {} (planner) and {} (coder), each attach {} read-write at \
                 {USER_MOUNT} and {} read-only at {ORG_MOUNT}. Their file tools run as \
                 WebAssembly components that can see nothing but these mounts.\n\
                 The system prompt section they get begins:\n{excerpt}",
                planner.id, coder.id, s.user.name, s.org.name
            ),
        );
        Ok((planner, coder))
    }

    fn tool_calls(&mut self, sandbox: &Sandbox, planner: &Session) -> anyhow::Result<()> {
        let style = call(
            sandbox,
            planner,
            "read",
            json!({"file_path": format!("{ORG_MOUNT}/style/rust.md")}),
        )?;
        let note = "Alice's team ships on Tuesdays.\n";
        let created = call(
            sandbox,
            planner,
            "memory",
            json!({"command": "create", "path": "/memories/team/shipping.md", "file_text": note}),
        )?;
        let change = created
            .changes
            .first()
            .context("the create made a version")?;
        self.say.step(
            "5. Real tool calls",
            format!(
                "The planner called `read` on the handbook:\n  {}\nand the memory tool's `create` \
                 (its /memories is {USER_MOUNT}):\n  {}\nThe new memory {} is version {}, \
                 attributed to session {}.",
                style.content.trim_end(),
                created.content,
                change.path,
                change.version_id,
                planner.id
            ),
        );
        Ok(())
    }

    fn rejected_write(
        &mut self,
        sandbox: &Sandbox,
        planner: &Session,
        s: &Stores,
    ) -> anyhow::Result<()> {
        let path = format!("{ORG_MOUNT}/deploy/checklist.md");
        let before = self.engine.memory_at(&s.org.id, "/deploy/checklist.md")?;
        let attempt = call_raw(
            sandbox,
            planner,
            "write",
            json!({"file_path": path, "content": "just push to main\n"}),
        )?;
        ensure!(
            attempt.is_error && attempt.changes.is_empty(),
            "the write should be refused"
        );
        ensure!(
            self.engine.memory_at(&s.org.id, "/deploy/checklist.md")? == before,
            "store changed"
        );
        self.say.step(
            "6. A write to a read-only mount is rejected",
            format!(
                "The planner tried to overwrite the deploy checklist in the read-only handbook:\n  \
                 {}\nRead-only is enforced by memstore's own filesystem code; the store is unchanged.",
                attempt.content.trim_end()
            ),
        );
        Ok(())
    }

    /// An agent works on memory the way agents do most: with `bash`.
    fn bash_agent(&mut self, sandbox: &Sandbox, coder: &Session, s: &Stores) -> anyhow::Result<()> {
        let before = self.engine.memory_at(&s.user.id, "/projects/billing.md")?;
        let before = before.map(|m| m.memory_version_id).unwrap_or_default();
        let commands = [
            "cd alice-s-notes && cat preferences.md",
            "grep -rn Owner . ../acme-handbook | sort",
            "echo '- Invoices go out on the 1st.' >> projects/billing.md",
            "cat > projects/standup.md <<'EOF'\n# Stand-up\n- 09:30, Alice runs it\nEOF",
            "sed -i 's/09:30/09:45/' projects/standup.md && cat projects/standup.md",
        ];
        let mut transcript = String::new();
        let mut changes = Vec::new();
        for command in commands {
            let r = call(sandbox, coder, "bash", json!({ "command": command }))?;
            transcript.push_str(&format!("  $ {}\n", command.replace('\n', "\n    ")));
            for line in r.content.lines() {
                transcript.push_str(&format!("    {line}\n"));
            }
            changes.extend(r.changes);
        }
        ensure!(
            changes.len() == 3,
            "bash should make three versions: {changes:?}"
        );
        let made: String = changes
            .iter()
            .map(|c| format!("  {} {} {}\n", c.version_id, c.operation.as_str(), c.path))
            .collect();
        self.say.step(
            "8. An agent uses bash on memory",
            format!(
                "The coder ran bash in its session (cwd and variables carry over between calls; \
                 the commands run inside the wasm sandbox over the same filesystem):\n{transcript}\
                 Each file a command changed became one version attributed to session {}:\n{made}\
                 (/projects/billing.md was at version {before} before the append.)",
                coder.id
            ),
        );
        Ok(())
    }

    fn concurrent_edits(
        &mut self,
        sandbox: &Sandbox,
        planner: &Session,
        coder: &Session,
    ) -> anyhow::Result<()> {
        let file = format!("{USER_MOUNT}/projects/billing.md");
        let edit = |session: &Session, old: &str, new: &str| {
            call(
                sandbox,
                session,
                "edit",
                json!({"file_path": file, "old_string": old, "new_string": new}),
            )
        };
        let (a, b) = std::thread::scope(|scope| {
            let a = scope.spawn(|| edit(planner, "Owner: Alice", "Owner: Alice (billing lead)"));
            let b = scope.spawn(|| {
                edit(
                    coder,
                    "On-call: weekly rotation",
                    "On-call: weekly rotation, handover Mondays",
                )
            });
            (a.join(), b.join())
        });
        let (a, b) = (a.expect("edit thread")?, b.expect("edit thread")?);
        let now = call(sandbox, planner, "read", json!({"file_path": file}))?;
        ensure!(
            now.content.contains("billing lead") && now.content.contains("handover Mondays"),
            "an edit was lost:\n{}",
            now.content
        );
        self.say.step(
            "7. Two agents edit one memory at the same moment",
            format!(
                "Planner and coder edited different lines of /projects/billing.md in parallel; \
                 both calls succeeded ({} replacement each). Each edit is written with the hash of \
                 the content it read as a precondition; when the other edit committed first, \
                 non-overlapping changes are merged, and an overlapping one is never written over \
                 it: memstore runs the edit again on the new content. Both survive:\n{}",
                a.changes.len().min(b.changes.len()),
                now.content
                    .lines()
                    .map(|l| format!("  | {l}\n"))
                    .collect::<String>()
            ),
        );
        Ok(())
    }

    fn redaction(&mut self, s: &Stores) -> anyhow::Result<()> {
        let leaked = "Alice prefers short PR descriptions.\nDB password: hunter2-demo\n";
        let leak = self.engine.put_memory(
            &s.user.id,
            "/preferences.md",
            leaked,
            Precondition::None,
            &harness(),
        )?;
        let clean = "Alice prefers short PR descriptions.\nCredentials live in the vault.\n";
        self.engine.put_memory(
            &s.user.id,
            "/preferences.md",
            clean,
            Precondition::None,
            &ops(),
        )?;
        let leak_version = leak.change.context("the leak was a change")?.version_id;
        let redacted = self
            .engine
            .redact_version(&s.user.id, &leak_version, &ops())?;
        let found = occurrences(&self.db, b"hunter2-demo");
        ensure!(
            found == 0,
            "the redacted secret is still in the database files"
        );
        self.say.step(
            "9. A leaked secret is redacted",
            format!(
                "A password ended up in /preferences.md. The operator wrote a clean version, then \
                 redacted the leaking one ({leak_version}): its content, hash, size and path are \
                 now null (redacted at {}), and searching the database files for the password \
                 finds it {found} times. Who wrote it and when stays on record.",
                redacted
                    .redacted_at
                    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
                    .unwrap_or_default()
            ),
        );
        Ok(())
    }

    fn rollback(&mut self, s: &Stores, coder: &Session) -> anyhow::Result<()> {
        let agent = Actor::Session {
            session_id: coder.id.clone(),
        };
        let bad = self.engine.put_memory(
            &s.user.id,
            "/team/shipping.md",
            "Ship whenever.\n",
            Precondition::None,
            &agent,
        )?;
        let history = self.engine.list_versions(
            &s.user.id,
            &VersionQuery {
                memory_id: Some(bad.memory.id.clone()),
                view: View::Basic,
                ..VersionQuery::default()
            },
        )?;
        let good = history
            .data
            .get(1)
            .context("the note has an earlier version")?;
        let restored = self.engine.rollback(&s.user.id, &good.id, &ops())?;
        self.say.step(
            "10. A bad edit is rolled back in one call",
            format!(
                "An agent replaced the shipping note with \"Ship whenever.\". The operator rolled \
                 back to {}: the note is restored as a new version ({}), and the bad edit stays in \
                 history for the audit.",
                good.id,
                restored.change.map(|c| c.version_id).unwrap_or_default()
            ),
        );
        Ok(())
    }

    fn audit(&mut self, s: &Stores) -> anyhow::Result<()> {
        let mut lines = String::new();
        for store in [&s.org, &s.user] {
            let report = self.engine.verify_chain(&store.id)?;
            ensure!(
                report.ok,
                "the audit chain of {} does not verify",
                store.name
            );
            lines.push_str(&format!(
                "\n  {:<14} {} versions, chain head {}…",
                store.name,
                report.versions_checked,
                &report.head[..16]
            ));
        }
        self.say.step(
            "11. The audit chain verifies",
            format!(
                "Each version is hash-chained to the one before it, over a salted commitment to \
                 its content, so history cannot be edited unnoticed — and the chain still verifies \
                 after the redaction:{lines}"
            ),
        );
        Ok(())
    }
}

/// A tool call that must succeed.
fn call(
    sandbox: &Sandbox,
    session: &Session,
    tool: &str,
    input: serde_json::Value,
) -> anyhow::Result<ToolResult> {
    let result = call_raw(sandbox, session, tool, input)?;
    ensure!(!result.is_error, "{tool} failed: {}", result.content);
    Ok(result)
}

fn call_raw(
    sandbox: &Sandbox,
    session: &Session,
    tool: &str,
    input: serde_json::Value,
) -> anyhow::Result<ToolResult> {
    Ok(sandbox.tool_call(&session.id, tool, &input.to_string())?)
}

/// How often `needle` occurs in the database file and its WAL/SHM files.
fn occurrences(db: &Path, needle: &[u8]) -> usize {
    ["", "-wal", "-shm"]
        .iter()
        .filter_map(|suffix| {
            let mut name = db.as_os_str().to_owned();
            name.push(suffix);
            std::fs::read(&name).ok()
        })
        .map(|bytes| bytes.windows(needle.len()).filter(|w| *w == needle).count())
        .sum()
}
