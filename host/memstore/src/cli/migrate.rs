//! `memstore migrate --from SRC --to DST` (DUR-06): copies a whole database
//! into a new one, between backends or within one (an SQLite file into
//! PostgreSQL when one host becomes several, or back).

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use memstore::store::{CopyReport, EngineConfig, ErrorKind};

use super::Output;

/// Copy everything (stores, memories, every version with its id, actor,
/// redaction and chain hashes, sessions, keys, events) into a new database.
#[derive(Debug, Args)]
#[command(
    after_help = "Stop every host that writes SRC first. DST must be empty \
(a new SQLite file, or a new PostgreSQL database); `memstore --db DST audit verify STORE` \
passes for every store afterwards. Event numbers are assigned afresh, in the same order."
)]
pub struct MigrateArgs {
    /// The database to copy: an SQLite file or a postgres:// URL.
    #[arg(long, value_name = "SRC")]
    from: String,
    /// The empty database to copy into: an SQLite file (created) or a
    /// postgres:// URL.
    #[arg(long, value_name = "DST")]
    to: String,
}

pub fn run(args: &MigrateArgs, config: EngineConfig, out: &Output) -> anyhow::Result<ExitCode> {
    // Checked first: opening an SQLite path that does not exist creates it.
    if !memstore::is_postgres_url(&args.from) && !std::path::Path::new(&args.from).exists() {
        anyhow::bail!("the source database {} does not exist", args.from);
    }
    let src = memstore::open(&args.from, config.clone()).with_context(|| {
        format!(
            "cannot open the source database {}",
            memstore::describe_db(&args.from)
        )
    })?;
    let dst = memstore::open(&args.to, config).with_context(|| {
        format!(
            "cannot open the destination database {}",
            memstore::describe_db(&args.to)
        )
    })?;
    let tty = !out.json && std::io::stderr().is_terminal();
    let report = src
        .copy_into(&dst, &mut |so_far| {
            if tty {
                eprint!("\r{}", summary(so_far));
            }
        })
        .map_err(|e| {
            // A refused destination was left alone; any other failure may
            // have left part of a copy there.
            let refused = e.kind() == ErrorKind::Invalid;
            let e = anyhow::Error::from(e);
            if refused {
                e
            } else {
                e.context("the copy stopped part-way; drop the destination and migrate again")
            }
        })?;
    if tty {
        eprintln!();
    }
    out.print(&report, |r| format!("copied {}", summary(r)));
    Ok(ExitCode::SUCCESS)
}

fn summary(r: &CopyReport) -> String {
    format!(
        "{} stores, {} memories, {} versions, {} events, {} sessions, {} API keys",
        r.stores, r.memories, r.versions, r.events, r.sessions, r.api_keys
    )
}
