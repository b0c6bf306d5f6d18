//! `memstore store …`: the store lifecycle.

use std::collections::BTreeMap;

use anyhow::bail;
use clap::Subcommand;
use memstore::store::{DeletedStore, MemoryStore, NewStore, Page, StorePatch, StoreQuery};

use super::{Ctx, resolve};

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Create a store and print it.
    Create {
        /// Name, 1–255 characters (need not be unique).
        name: String,
        /// What the store holds; shown to agents that mount it.
        #[arg(long, default_value = "")]
        description: String,
        /// Metadata pair KEY=VALUE (repeatable); never shown to agents.
        #[arg(long = "metadata", value_name = "KEY=VALUE", value_parser = parse_pair)]
        metadata: Vec<(String, String)>,
    },
    /// List stores, newest first.
    List {
        /// Include archived stores.
        #[arg(long)]
        include_archived: bool,
        /// Page size (1–100).
        #[arg(long, default_value_t = 100)]
        limit: usize,
        /// Cursor printed by the previous page.
        #[arg(long)]
        page: Option<String>,
    },
    /// Show one store.
    Show {
        /// Store id or unique name.
        store: String,
    },
    /// Change name, description or metadata.
    Update {
        /// Store id or unique name.
        store: String,
        /// New name.
        #[arg(long)]
        name: Option<String>,
        /// New description ("" clears it).
        #[arg(long)]
        description: Option<String>,
        /// Set a metadata pair (repeatable).
        #[arg(long = "metadata", value_name = "KEY=VALUE", value_parser = parse_pair)]
        metadata: Vec<(String, String)>,
        /// Remove a metadata key (repeatable).
        #[arg(long = "unset", value_name = "KEY")]
        unset: Vec<String>,
    },
    /// Archive a store: read-only from now on, for good.
    Archive {
        /// Store id or unique name.
        store: String,
    },
    /// Delete a store with all its memories and history, irreversibly.
    Delete {
        /// Store id or unique name.
        store: String,
        /// Confirm the irreversible deletion.
        #[arg(long)]
        yes: bool,
    },
}

pub fn run(ctx: &Ctx, cmd: StoreCommand) -> anyhow::Result<std::process::ExitCode> {
    match cmd {
        StoreCommand::Create {
            name,
            description,
            metadata,
        } => {
            let store = ctx.engine.create_store(
                NewStore {
                    workspace_id: ctx.workspace.clone(),
                    name,
                    description,
                    metadata: metadata.into_iter().collect(),
                },
                &ctx.actor,
            )?;
            ctx.out.print(&store, |s| format!("created {}", line(s)));
        }
        StoreCommand::List {
            include_archived,
            limit,
            page,
        } => {
            let stores = ctx.engine.list_stores(&StoreQuery {
                workspace_id: Some(ctx.workspace.clone()),
                include_archived,
                limit,
                page,
                ..StoreQuery::default()
            })?;
            ctx.out.print(&stores, list_text);
        }
        StoreCommand::Show { store } => {
            let store = ctx.engine.store(&resolve::store(ctx, &store)?)?;
            ctx.out.print(&store, details);
        }
        StoreCommand::Update {
            store,
            name,
            description,
            metadata,
            unset,
        } => {
            let id = resolve::store(ctx, &store)?;
            let mut patch: BTreeMap<String, Option<String>> =
                metadata.into_iter().map(|(k, v)| (k, Some(v))).collect();
            patch.extend(unset.into_iter().map(|k| (k, None)));
            let store = ctx.engine.update_store(
                &id,
                StorePatch {
                    name,
                    description,
                    metadata: (!patch.is_empty()).then_some(patch),
                },
            )?;
            ctx.out.print(&store, |s| format!("updated {}", line(s)));
        }
        StoreCommand::Archive { store } => {
            let store = ctx
                .engine
                .archive_store(&resolve::store(ctx, &store)?, &ctx.actor)?;
            ctx.out.print(&store, |s| format!("archived {}", line(s)));
        }
        StoreCommand::Delete { store, yes } => {
            let id = resolve::store(ctx, &store)?;
            if !yes {
                bail!("deleting {id} destroys all its memories and history; add --yes to confirm");
            }
            ctx.engine.delete_store(&id, &ctx.actor)?;
            ctx.out
                .print(&DeletedStore { id }, |d| format!("deleted {}", d.id));
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}

fn parse_pair(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("expected KEY=VALUE, got {s:?}"))
}

fn line(s: &MemoryStore) -> String {
    let archived = if s.is_archived() { " (archived)" } else { "" };
    format!("{}  {}{archived}", s.id, s.name)
}

fn list_text(page: &Page<MemoryStore>) -> String {
    let mut text: String = page.data.iter().map(|s| line(s) + "\n").collect();
    if page.data.is_empty() {
        text.push_str("no stores\n");
    }
    if let Some(next) = &page.next_page {
        text.push_str(&format!("more: --page {next}\n"));
    }
    text
}

fn details(s: &MemoryStore) -> String {
    let mut text = format!(
        "id:          {}\nname:        {}\ndescription: {}\ncreated:     {}\nupdated:     {}\n",
        s.id, s.name, s.description, s.created_at, s.updated_at
    );
    if let Some(at) = s.archived_at {
        text.push_str(&format!("archived:    {at}\n"));
    }
    for (k, v) in &s.metadata {
        text.push_str(&format!("metadata:    {k}={v}\n"));
    }
    text
}
