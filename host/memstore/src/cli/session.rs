//! `memstore session …`, `memstore sessions`, `memstore tool` and
//! `memstore run`: sessions with mounted stores and their agent, the
//! session list, built-in tool calls, and third-party WASI components
//! (SES-01..04, TOOL-01, TOOL-07, issue 14). Only calls the library.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use memstore::sandbox::{Sandbox, SandboxConfig, SandboxError};
use memstore::store::Page;
use memstore::store::sessions::{
    Access, Agent, NewAgent, NewAttachment, NewSession, Session, SessionQuery,
};
use serde::Serialize;

use super::{Ctx, output, resolve};

/// Session commands.
#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// Create a session; prints its id, mounts and system prompt.
    Create(CreateArgs),
    /// Print a session's system-prompt section (SES-03).
    Prompt {
        /// Session id (`sesn_…`).
        session: String,
    },
    /// Show a session, its mounts and its tool-call log.
    Show {
        /// Session id (`sesn_…`).
        session: String,
    },
    /// End a session; later tool calls are refused.
    End {
        /// Session id (`sesn_…`).
        session: String,
    },
}

/// Arguments of `session create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// A store to attach, by id or name, with `:ro` or `:rw` (default rw).
    /// Repeat for up to 8 stores; mounts appear in this order.
    #[arg(long = "attach", value_name = "STORE[:ro|:rw]", required = true)]
    attach: Vec<String>,
    /// Instructions for the agent about an attached store (≤4,096 chars).
    /// The n-th --instructions goes with the n-th --attach.
    #[arg(long, value_name = "TEXT")]
    instructions: Vec<String>,
    /// The agent that runs the session: the harness's own agent id
    /// (1–255 characters, no control characters).
    #[arg(long, value_name = "ID")]
    agent: Option<String>,
    /// The agent's display name (needs --agent).
    #[arg(long, value_name = "NAME", requires = "agent")]
    agent_name: Option<String>,
    /// A metadata pair of the agent, KEY=VALUE; repeat for up to 16 (needs --agent).
    #[arg(long = "agent-meta", value_name = "KEY=VALUE", requires = "agent", value_parser = parse_pair)]
    agent_meta: Vec<(String, String)>,
    /// Write the agent (name, id, metadata) into the session's system prompt.
    #[arg(long, requires = "agent")]
    render_agent_in_prompt: bool,
}

/// Arguments of `sessions`.
#[derive(Debug, Args)]
pub struct SessionsArgs {
    /// Only sessions of this agent id.
    #[arg(long, value_name = "ID")]
    agent: Option<String>,
    /// Page size (1–100).
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// Cursor printed by the previous page.
    #[arg(long)]
    page: Option<String>,
}

fn parse_pair(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("expected KEY=VALUE, got {s:?}"))
}

/// Arguments of `tool`.
#[derive(Debug, Args)]
pub struct ToolArgs {
    /// Session id (`sesn_…`).
    session: String,
    /// Tool name: read, write, edit, glob, grep, memory, bash.
    name: String,
    /// The tool's JSON input, e.g. '{"file_path": "/mnt/memory/notes/a.md"}'.
    input: String,
}

/// Arguments of `run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Session id (`sesn_…`).
    session: String,
    /// A WASI 0.2 command component (`.wasm`).
    component: PathBuf,
    /// Arguments for the component (its argv[1..]); put them after `--`.
    #[arg(last = true)]
    args: Vec<String>,
}

/// Unwraps a store error from a sandbox error, so the exit code reflects it
/// (3 for an unknown store, 5 for an archived one, …).
fn unwrap_store(e: SandboxError) -> anyhow::Error {
    match e {
        SandboxError::Store(e) => e.into(),
        e => e.into(),
    }
}

fn sandbox(ctx: &Ctx) -> anyhow::Result<Sandbox> {
    let config = SandboxConfig {
        cache_dir: SandboxConfig::default_cache_dir(),
        ..SandboxConfig::default()
    };
    Sandbox::new(ctx.engine.clone(), config).context("cannot start the wasm sandbox")
}

/// Runs a session command.
pub fn run(ctx: &Ctx, cmd: SessionCommand) -> anyhow::Result<ExitCode> {
    let sandbox = sandbox(ctx)?;
    match cmd {
        SessionCommand::Create(args) => create(ctx, &sandbox, args)?,
        SessionCommand::Prompt { session } => {
            let prompt = sandbox.system_prompt(&session).map_err(unwrap_store)?;
            ctx.out
                .print(&serde_json::json!({ "system_prompt": prompt }), |_| {
                    prompt.clone()
                });
        }
        SessionCommand::Show { session } => {
            let s = sandbox.session(&session).map_err(unwrap_store)?;
            let events = sandbox.events(&session).map_err(unwrap_store)?;
            ctx.out.print(
                &serde_json::json!({ "session": s, "events": events }),
                |_| {
                    let mut text = describe(&s);
                    for e in &events {
                        let status = if e.is_error { "error" } else { "ok" };
                        text.push_str(&format!(
                            "\n{}  {}  {status}  {} change(s)",
                            e.created_at.to_rfc3339(),
                            e.tool,
                            e.changes.len()
                        ));
                    }
                    text
                },
            );
        }
        SessionCommand::End { session } => {
            let s = sandbox.end_session(&session).map_err(unwrap_store)?;
            ctx.out.print(&s, |s| format!("ended {}", s.id));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn create(ctx: &Ctx, sandbox: &Sandbox, args: CreateArgs) -> anyhow::Result<()> {
    if args.instructions.len() > args.attach.len() {
        bail!(
            "{} --instructions for {} --attach; give at most one per attached store",
            args.instructions.len(),
            args.attach.len()
        );
    }
    let mut resources = Vec::new();
    for (i, spec) in args.attach.iter().enumerate() {
        let (store, access) = match spec.rsplit_once(':') {
            Some((store, "ro")) => (store, Access::ReadOnly),
            Some((store, "rw")) => (store, Access::ReadWrite),
            _ => (spec.as_str(), Access::ReadWrite),
        };
        resources.push(NewAttachment {
            memory_store_id: resolve::store(ctx, store)?,
            access,
            instructions: args.instructions.get(i).cloned().unwrap_or_default(),
        });
    }
    let agent = args.agent.map(|id| NewAgent {
        agent: Agent {
            id,
            name: args.agent_name,
            metadata: args.agent_meta.into_iter().collect(),
        },
        render_in_prompt: args.render_agent_in_prompt,
    });
    let new = NewSession {
        workspace_id: ctx.workspace.clone(),
        owner_api_key_id: None,
        resources,
    };
    let session = sandbox
        .create_agent_session(new, agent)
        .map_err(unwrap_store)?;
    let prompt = sandbox.system_prompt(&session.id).map_err(unwrap_store)?;
    #[derive(Serialize)]
    struct Created<'a> {
        session: &'a Session,
        system_prompt: &'a str,
    }
    ctx.out.print(
        &Created {
            session: &session,
            system_prompt: &prompt,
        },
        |c| format!("{}\n\n{}", describe(c.session), c.system_prompt),
    );
    Ok(())
}

/// `memstore sessions`: the workspace's sessions newest first, or one
/// agent's, a page at a time.
pub fn list(ctx: &Ctx, args: SessionsArgs) -> anyhow::Result<ExitCode> {
    let page = ctx.engine.list_sessions(&SessionQuery {
        workspace_id: ctx.workspace.clone(),
        agent_id: args.agent,
        limit: args.limit,
        page: args.page,
    })?;
    ctx.out.print(&page, sessions_text);
    Ok(ExitCode::SUCCESS)
}

fn sessions_text(page: &Page<Session>) -> String {
    let mut text = String::new();
    for s in &page.data {
        let state = match s.ended_at {
            Some(_) => "ended",
            None => "open",
        };
        let agent = s.agent.as_ref().map_or("-", |a| a.id.as_str());
        text.push_str(&format!(
            "{}  {}  {state:<5}  agent {agent}  {} store(s)\n",
            s.id,
            s.created_at.format("%Y-%m-%d %H:%M:%S"),
            s.resources.len()
        ));
    }
    if page.data.is_empty() {
        text.push_str("no sessions\n");
    }
    if let Some(next) = &page.next_page {
        text.push_str(&format!("more: --page {next}\n"));
    }
    text
}

fn describe(s: &Session) -> String {
    let mut text = s.id.clone();
    if let Some(ended) = s.ended_at {
        text.push_str(&format!(" (ended {})", ended.to_rfc3339()));
    }
    if let Some(agent) = &s.agent {
        text.push_str(&format!("\n  agent {}", agent.id));
        if let Some(name) = &agent.name {
            text.push_str(&format!(" ({name})"));
        }
        for (key, value) in &agent.metadata {
            text.push_str(&format!("\n    {key}: {value}"));
        }
        if s.render_agent_in_prompt {
            text.push_str("\n    (named in the system prompt)");
        }
    }
    for r in &s.resources {
        let access = if r.access == Access::ReadOnly {
            "ro"
        } else {
            "rw"
        };
        text.push_str(&format!(
            "\n  {}  {access}  {} ({})",
            r.mount_path, r.name, r.memory_store_id
        ));
    }
    text
}

/// `memstore tool`: prints the tool result as JSON; exit code 0 even when
/// the result is an error (the JSON says so).
pub fn tool(ctx: &Ctx, args: ToolArgs) -> anyhow::Result<ExitCode> {
    let result = sandbox(ctx)?
        .tool_call(&args.session, &args.name, &args.input)
        .map_err(unwrap_store)?;
    output::print_json(&result);
    Ok(ExitCode::SUCCESS)
}

/// `memstore run`: runs a component; its stdout and stderr are passed
/// through, and the exit code is the component's (1 if it trapped or hit a
/// limit).
pub fn run_component(ctx: &Ctx, args: RunArgs) -> anyhow::Result<ExitCode> {
    let wasm = std::fs::read(&args.component)
        .with_context(|| format!("cannot read {}", args.component.display()))?;
    let exec = sandbox(ctx)?
        .run_component(&args.session, &wasm, &args.args)
        .map_err(unwrap_store)?;
    if ctx.out.json {
        let value = serde_json::json!({
            "exit_code": exec.exit_code,
            "stdout": String::from_utf8_lossy(&exec.stdout),
            "stderr": String::from_utf8_lossy(&exec.stderr),
            "failure": exec.failure,
            "changes": exec.outcome.changes,
            "notes": exec.outcome.notes,
        });
        output::print_json(&value);
    } else {
        use std::io::Write;
        output::write_stdout(&exec.stdout);
        std::io::stderr().write_all(&exec.stderr)?;
        for note in &exec.outcome.notes {
            eprintln!("memstore note: {note}");
        }
        for c in &exec.outcome.changes {
            eprintln!(
                "memstore committed: {} {} ({})",
                c.operation.as_str(),
                c.path,
                c.version_id
            );
        }
        if exec.stdout_truncated || exec.stderr_truncated {
            eprintln!("memstore note: output truncated at the limit");
        }
        if let Some(failure) = &exec.failure {
            eprintln!("memstore: {failure}");
        }
    }
    let code = match (&exec.failure, exec.exit_code) {
        (Some(_), _) => 1,
        (None, code) => u8::try_from(code).unwrap_or(1),
    };
    Ok(ExitCode::from(code))
}
