//! The command line: global options, the command tree, dispatch, and the
//! mapping of errors to exit codes. Each command group lives in its own file
//! and only calls the library.

mod demo;
mod history;
mod key;
mod memory;
mod migrate;
mod output;
mod resolve;
mod serve;
mod session;
mod stores;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use memstore::sandbox::SandboxError;
use memstore::store::{Actor, Engine, EngineConfig, ErrorKind, StoreError};

pub use output::Output;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  failure (database, I/O)
  2  command-line usage error
  3  not found: no such store, memory, version or session
  4  conflict: path taken, or a --if-sha256 precondition failed
  5  refused: invalid input, content too large, store archived or full,
     session ended
  6  audit verification found a broken chain";

/// Durable, versioned memory stores for AI agents.
#[derive(Debug, Parser)]
#[command(name = "memstore", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    /// Database: an SQLite file (created if missing) or a postgres:// URL.
    #[arg(
        long,
        global = true,
        env = "MEMSTORE_DB",
        default_value = "memstore.db"
    )]
    pub db: PathBuf,

    /// Print machine-readable JSON on stdout.
    #[arg(long, global = true)]
    pub json: bool,

    /// Workspace for new stores and for finding stores by name.
    #[arg(
        long,
        global = true,
        env = "MEMSTORE_WORKSPACE",
        default_value = "default"
    )]
    pub workspace: String,

    /// User id recorded as the author (`user_actor`) of changes made here.
    #[arg(
        long = "as",
        global = true,
        env = "MEMSTORE_USER",
        default_value = "operator"
    )]
    pub user: String,

    /// Most live memories one store may hold (MEM-09).
    #[arg(long, global = true, env = "MEMSTORE_MAX_MEMORIES", default_value_t = EngineConfig::default().max_memories_per_store)]
    pub max_memories: usize,

    /// Log more (repeat for even more); logs go to stderr.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create, list, show, update, archive and delete memory stores.
    #[command(subcommand)]
    Store(stores::StoreCommand),
    /// Read and write the memories of a store.
    #[command(subcommand)]
    Memory(memory::MemoryCommand),
    /// List a store's versions, newest first.
    Versions(history::VersionsArgs),
    /// Show or redact one version.
    #[command(subcommand)]
    Version(history::VersionCommand),
    /// Write an earlier version's content back as the memory's head.
    Rollback(history::RollbackArgs),
    /// Check a store's tamper-evident audit chain.
    #[command(subcommand)]
    Audit(history::AuditCommand),
    /// Apply version retention: prune old versions' content.
    Prune(history::PruneArgs),
    /// Show a store's event log.
    Events(history::EventsArgs),
    /// Run the HTTP API server.
    Serve(serve::ServeArgs),
    /// Create, list and revoke API keys.
    #[command(subcommand)]
    Key(key::KeyCommand),
    /// Run a guided scenario on a fresh database and explain each step.
    Demo(demo::DemoArgs),
    /// Create, show, prompt and end agent sessions with mounted stores.
    #[command(subcommand)]
    Session(session::SessionCommand),
    /// List sessions newest first, all or one agent's (--agent).
    Sessions(session::SessionsArgs),
    /// Run a built-in tool call in a session and print its JSON result.
    Tool(session::ToolArgs),
    /// Run a WASI 0.2 command component in a session, under its mounts and limits.
    Run(session::RunArgs),
    /// Copy a whole database into a new one, e.g. an SQLite file into PostgreSQL.
    Migrate(migrate::MigrateArgs),
}

/// What every command needs: the open engine, output settings, the actor.
pub struct Ctx {
    pub engine: Engine,
    pub out: Output,
    pub workspace: String,
    pub actor: Actor,
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let out = Output { json: cli.json };
    if let Command::Demo(args) = cli.command {
        return demo::run(args, &out);
    }
    let mut config = EngineConfig {
        max_memories_per_store: cli.max_memories,
        ..EngineConfig::default()
    };
    if let Command::Prune(args) = &cli.command {
        args.apply(&mut config);
    }
    if let Command::Migrate(args) = &cli.command {
        return migrate::run(args, config, &out);
    }
    let engine = memstore::open(&cli.db, config).with_context(|| {
        format!(
            "cannot open database {}",
            memstore::describe_db(&cli.db.to_string_lossy())
        )
    })?;
    let ctx = Ctx {
        engine,
        out,
        workspace: cli.workspace,
        actor: Actor::User { user_id: cli.user },
    };
    match cli.command {
        Command::Store(cmd) => stores::run(&ctx, cmd),
        Command::Memory(cmd) => memory::run(&ctx, cmd),
        Command::Versions(args) => history::versions(&ctx, args),
        Command::Version(cmd) => history::version(&ctx, cmd),
        Command::Rollback(args) => history::rollback(&ctx, args),
        Command::Audit(cmd) => history::audit(&ctx, cmd),
        Command::Prune(_) => history::prune(&ctx),
        Command::Events(args) => history::events(&ctx, args),
        Command::Session(cmd) => session::run(&ctx, cmd),
        Command::Sessions(args) => session::list(&ctx, args),
        Command::Tool(args) => session::tool(&ctx, args),
        Command::Run(args) => session::run_component(&ctx, args),
        Command::Serve(args) => serve::run(ctx, args),
        Command::Key(cmd) => key::run(&ctx, cmd),
        Command::Demo(_) | Command::Migrate(_) => unreachable!("handled above"),
    }
}

/// Sends logs to stderr; `-v` for debug, `-vv` for trace, or `RUST_LOG`.
pub fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// The whole cause chain, outermost first: `cannot open x: permission denied`.
pub fn describe(err: &anyhow::Error) -> String {
    err.chain()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
}

/// The documented exit code for an error (see `--help`).
pub fn exit_code(err: &anyhow::Error) -> ExitCode {
    if err.downcast_ref::<ChainBroken>().is_some() {
        return ExitCode::from(6);
    }
    let kind = err.chain().find_map(|e| {
        e.downcast_ref::<StoreError>()
            .map(StoreError::kind)
            .or_else(|| e.downcast_ref::<SandboxError>().map(SandboxError::kind))
    });
    ExitCode::from(match kind {
        Some(ErrorKind::NotFound) => 3,
        Some(ErrorKind::PathConflict | ErrorKind::PreconditionFailed) => 4,
        Some(ErrorKind::Invalid | ErrorKind::ReadOnly | ErrorKind::CapacityExceeded) => 5,
        Some(ErrorKind::StorageFull | ErrorKind::Internal) | None => 1,
    })
}

/// `audit verify` found a broken link; the report was already printed.
#[derive(Debug, thiserror::Error)]
#[error("the audit chain of {store} is broken at version #{seq}: {reason}")]
pub struct ChainBroken {
    store: String,
    seq: u64,
    reason: String,
}
