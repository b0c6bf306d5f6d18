//! History commands: `versions`, `version show|redact`, `rollback`,
//! `audit verify`, `prune`, `events`.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use memstore::store::{
    Actor, ChainReport, Event, EventQuery, MemoryVersion, Operation, Page, Timestamp, VersionQuery,
    View,
};

use super::{ChainBroken, Ctx, resolve};

#[derive(Debug, Args)]
pub struct VersionsArgs {
    /// Store id or unique name.
    store: String,
    /// Only versions of this memory (path or mem_… id; deleted memories by id).
    #[arg(long)]
    memory: Option<String>,
    /// Only this kind of change.
    #[arg(long, value_parser = parse_operation)]
    operation: Option<Operation>,
    /// Only versions written by this session.
    #[arg(long)]
    session: Option<String>,
    /// Only versions written with this API key id.
    #[arg(long)]
    api_key: Option<String>,
    /// Only versions written by sessions of this agent id.
    #[arg(long, value_name = "ID")]
    agent: Option<String>,
    /// Only versions created at or after this RFC 3339 time.
    #[arg(long)]
    since: Option<Timestamp>,
    /// Only versions created at or before this RFC 3339 time.
    #[arg(long)]
    until: Option<Timestamp>,
    /// Include content.
    #[arg(long)]
    full: bool,
    /// Page size (1–100; at most 20 with --full).
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// Cursor printed by the previous page.
    #[arg(long)]
    page: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum VersionCommand {
    /// Show one version with its content.
    Show {
        /// memver_… id.
        version: String,
    },
    /// Scrub a historical version's content and path from the database.
    Redact {
        /// memver_… id.
        version: String,
    },
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The memver_… id whose content becomes the memory's head again.
    version: String,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute a store's audit chain; exit code 6 names a broken link.
    Verify {
        /// Store id or unique name.
        store: String,
    },
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Versions older than this many days may be pruned …
    #[arg(long, default_value_t = 30)]
    older_than_days: u64,
    /// … except each live memory's newest this-many versions (head included).
    #[arg(long, default_value_t = 10)]
    keep: usize,
}

impl PruneArgs {
    /// Puts the retention policy into the engine's configuration.
    pub fn apply(&self, config: &mut memstore::store::EngineConfig) {
        config.retention_age = std::time::Duration::from_secs(self.older_than_days * 24 * 3600);
        config.retention_keep_recent = self.keep.max(1);
    }
}

#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Store id or unique name.
    store: String,
    /// Only events after this event id.
    #[arg(long)]
    after: Option<u64>,
    /// Only events caused by sessions of this agent id.
    #[arg(long, value_name = "ID")]
    agent: Option<String>,
    /// Most events to show.
    #[arg(long, default_value_t = 100)]
    limit: usize,
}

pub fn versions(ctx: &Ctx, args: VersionsArgs) -> anyhow::Result<ExitCode> {
    let store = resolve::store(ctx, &args.store)?;
    let memory_id = match args.memory {
        Some(m) if m.starts_with(memstore::store::ids::MEMORY_PREFIX) => Some(m),
        Some(path) => Some(resolve::memory(ctx, &store, &path)?.id),
        None => None,
    };
    let created_by = [
        args.session.map(|session_id| Actor::Session { session_id }),
        args.api_key.map(|api_key_id| Actor::Api { api_key_id }),
    ]
    .into_iter()
    .flatten()
    .collect();
    let page = ctx.engine.list_versions(
        &store,
        &VersionQuery {
            memory_id,
            operation: args.operation,
            created_by,
            agent_id: args.agent,
            created_gte: args.since,
            created_lte: args.until,
            view: if args.full { View::Full } else { View::Basic },
            limit: args.limit,
            page: args.page,
        },
    )?;
    ctx.out.print(&page, versions_text);
    Ok(ExitCode::SUCCESS)
}

pub fn version(ctx: &Ctx, cmd: VersionCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        VersionCommand::Show { version } => {
            let store = ctx.engine.version_store(&version)?;
            let v = ctx.engine.version(&store, &version)?;
            ctx.out.print(&v, |v| {
                let mut text = version_line(v);
                if let Some(c) = &v.content {
                    text.push_str("\n\n");
                    text.push_str(c);
                }
                text
            });
        }
        VersionCommand::Redact { version } => {
            let store = ctx.engine.version_store(&version)?;
            let v = ctx.engine.redact_version(&store, &version, &ctx.actor)?;
            ctx.out.print(&v, |v| {
                format!("redacted {}: content, hash, size and path are gone", v.id)
            });
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn rollback(ctx: &Ctx, args: RollbackArgs) -> anyhow::Result<ExitCode> {
    let store = ctx.engine.version_store(&args.version)?;
    let out = ctx.engine.rollback(&store, &args.version, &ctx.actor)?;
    let memory = out.memory.clone();
    ctx.out.print(&memory, |m| match &out.change {
        Some(c) => format!("{} is back to {} as {}", m.path, args.version, c.version_id),
        None => format!("{} already has the content of {}", m.path, args.version),
    });
    Ok(ExitCode::SUCCESS)
}

pub fn audit(ctx: &Ctx, cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    let AuditCommand::Verify { store } = cmd;
    let store = resolve::store(ctx, &store)?;
    let report = ctx.engine.verify_chain(&store)?;
    ctx.out.print(&report, report_text);
    match report.first_broken {
        None => Ok(ExitCode::SUCCESS),
        Some(b) => Err(ChainBroken {
            store,
            seq: b.seq,
            reason: b.reason,
        }
        .into()),
    }
}

pub fn prune(ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let report = ctx.engine.prune(memstore::store::now())?;
    ctx.out.print(&report, |r| {
        format!("pruned the content of {} old versions", r.versions_pruned)
    });
    Ok(ExitCode::SUCCESS)
}

pub fn events(ctx: &Ctx, args: EventsArgs) -> anyhow::Result<ExitCode> {
    let store = resolve::store(ctx, &args.store)?;
    let data = ctx.engine.events(&EventQuery {
        memory_store_id: Some(store),
        session_id: None,
        agent_id: args.agent,
        after: args.after,
        limit: args.limit,
    })?;
    let page = Page {
        data,
        next_page: None,
    };
    ctx.out
        .print(&page, |p| p.data.iter().map(event_line).collect());
    Ok(ExitCode::SUCCESS)
}

fn parse_operation(s: &str) -> Result<Operation, String> {
    Operation::parse(s).ok_or_else(|| format!("expected created, modified or deleted, got {s:?}"))
}

/// Who, in a few words: `user operator`, `session sesn_…`, `key apikey_…`.
pub fn actor_text(a: &Actor) -> String {
    match a {
        Actor::Api { api_key_id } => format!("key {api_key_id}"),
        Actor::Session { session_id } => format!("session {session_id}"),
        Actor::User { user_id } => format!("user {user_id}"),
        Actor::ServiceAccount { service_account_id } => format!("service {service_account_id}"),
    }
}

fn version_line(v: &MemoryVersion) -> String {
    let what = match (&v.path, v.redacted_at) {
        (_, Some(at)) => format!("[redacted {at}]"),
        (Some(p), None) => p.clone(),
        (None, None) => String::new(),
    };
    format!(
        "{}  {}  {:<8}  {}  by {}",
        v.id,
        v.created_at.format("%Y-%m-%d %H:%M:%S"),
        v.operation.as_str(),
        what,
        actor_text(&v.created_by)
    )
}

fn versions_text(page: &Page<MemoryVersion>) -> String {
    let mut text: String = page.data.iter().map(|v| version_line(v) + "\n").collect();
    if page.data.is_empty() {
        text.push_str("no versions\n");
    }
    if let Some(next) = &page.next_page {
        text.push_str(&format!("more: --page {next}\n"));
    }
    text
}

fn report_text(r: &ChainReport) -> String {
    match &r.first_broken {
        None => format!(
            "audit chain of {} verified: {} versions, head {}",
            r.memory_store_id, r.versions_checked, r.head
        ),
        Some(b) => format!(
            "audit chain of {} is BROKEN at version #{} ({}): {}",
            r.memory_store_id,
            b.seq,
            b.version_id.as_deref().unwrap_or("missing"),
            b.reason
        ),
    }
}

fn event_line(e: &Event) -> String {
    let agent = e
        .agent_id
        .as_ref()
        .map(|a| format!(" (agent {a})"))
        .unwrap_or_default();
    format!(
        "{:>6}  {}  {:<24} {}  by {}{agent}\n",
        e.id,
        e.created_at.format("%Y-%m-%d %H:%M:%S"),
        e.event_type.as_str(),
        e.path.as_deref().unwrap_or(""),
        actor_text(&e.actor)
    )
}
