//! `memstore session …`, `memstore tool` and `memstore run`: sessions with
//! mounted stores, built-in tool calls, and third-party WASI components
//! (SES-01..04, TOOL-01, TOOL-07). Only calls `memstore::sandbox`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use memstore::sandbox::{Sandbox, SandboxConfig, SandboxError};
use memstore::store::sessions::{Access, NewAttachment, NewSession, Session};
use serde::Serialize;

use super::{Ctx, resolve};

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
    let new = NewSession {
        workspace_id: ctx.workspace.clone(),
        owner_api_key_id: None,
        resources,
    };
    let session = sandbox.create_session(new).map_err(unwrap_store)?;
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

fn describe(s: &Session) -> String {
    let mut text = s.id.clone();
    if let Some(ended) = s.ended_at {
        text.push_str(&format!(" (ended {})", ended.to_rfc3339()));
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
    println!(
        "{}",
        serde_json::to_string_pretty(&result).expect("tool results serialise")
    );
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
        println!("{}", serde_json::to_string_pretty(&value).expect("json"));
    } else {
        use std::io::Write;
        std::io::stdout().write_all(&exec.stdout)?;
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
