//! `memstore key …`: API keys for the HTTP API (SEC-01). The secret is
//! printed once, at creation; only its hash is stored.

use clap::Subcommand;
use memstore::store::{ApiKey, Role};
use serde::Serialize;

use super::Ctx;

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create a key for the workspace (--workspace) and print its secret once.
    Create {
        /// What the key may do.
        #[arg(long, value_parser = parse_role, default_value = "writer")]
        role: Role,
        /// Further workspaces the key may act in (repeatable); requests pick
        /// one with the anthropic-workspace-id header.
        #[arg(long = "also-workspace", value_name = "WORKSPACE")]
        also: Vec<String>,
        /// A label for the key.
        #[arg(long, default_value = "")]
        name: String,
    },
    /// List keys (never their secrets).
    List,
    /// Revoke a key: it authenticates nothing from now on.
    Revoke {
        /// The key's id (`apikey_…`).
        id: String,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("unknown role {s:?}; use admin, writer or reader"))
}

/// What `key create` prints.
#[derive(Serialize)]
struct Created<'a> {
    id: &'a str,
    key: &'a str,
    role: Role,
    workspaces: &'a [String],
}

pub fn run(ctx: &Ctx, cmd: KeyCommand) -> anyhow::Result<std::process::ExitCode> {
    match cmd {
        KeyCommand::Create { role, also, name } => {
            let mut workspaces = vec![ctx.workspace.clone()];
            workspaces.extend(also.into_iter().filter(|w| *w != ctx.workspace));
            let (key, secret) = ctx.engine.create_api_key(workspaces, role, &name)?;
            let created = Created {
                id: &key.id,
                key: &secret,
                role: key.role,
                workspaces: &key.workspaces,
            };
            ctx.out.print(&created, |c| {
                format!(
                    "{}\n(id {}, role {}, workspace {}; the key is shown only this once)",
                    c.key,
                    c.id,
                    c.role.as_str(),
                    c.workspaces.join(", ")
                )
            });
        }
        KeyCommand::List => {
            let keys = ctx.engine.list_api_keys()?;
            ctx.out.print(&keys, |keys| keys.iter().map(line).collect());
        }
        KeyCommand::Revoke { id } => {
            let key = ctx.engine.revoke_api_key(&id)?;
            ctx.out.print(&key, |k| format!("revoked {}", k.id));
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}

fn line(k: &ApiKey) -> String {
    format!(
        "{}\t{}\t{}\t{}{}\n",
        k.id,
        k.role.as_str(),
        k.workspaces.join(","),
        k.name,
        if k.is_active() { "" } else { "\t(revoked)" }
    )
}
