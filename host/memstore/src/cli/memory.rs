//! `memstore memory …`: reading and writing memories.

use std::io::Read;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use memstore::store::{
    Memory, MemoryListItem, MemoryQuery, MemoryUpdate, Page, Precondition, View, WriteOutcome,
};

use super::{Ctx, resolve};

#[derive(Debug, Subcommand)]
pub enum MemoryCommand {
    /// Create or replace the memory at PATH.
    Put {
        /// Store id or unique name.
        store: String,
        /// Path, e.g. /notes/todo.md.
        path: String,
        #[command(flatten)]
        content: ContentSource,
        /// Only write if the memory's current content has this SHA-256
        /// ("" = only if no memory exists at PATH).
        #[arg(long, value_name = "HEX")]
        if_sha256: Option<String>,
    },
    /// Print a memory's content (with --json, the whole memory).
    Get {
        /// Store id or unique name.
        store: String,
        /// Path or mem_… id.
        memory: String,
    },
    /// List memories in path order.
    Ls {
        /// Store id or unique name.
        store: String,
        /// Directory to list, ending in '/'.
        #[arg(default_value = "/")]
        prefix: String,
        /// Levels to show (0 = all, recursively).
        #[arg(long, default_value_t = 0)]
        depth: usize,
        /// Page size (1–100).
        #[arg(long, default_value_t = 100)]
        limit: usize,
        /// Cursor printed by the previous page.
        #[arg(long)]
        page: Option<String>,
    },
    /// Delete a memory (its history stays).
    Rm {
        /// Store id or unique name.
        store: String,
        /// Path or mem_… id.
        memory: String,
        /// Only delete if the content still has this SHA-256.
        #[arg(long, value_name = "HEX")]
        if_sha256: Option<String>,
    },
    /// Rename a memory; it keeps its id.
    Mv {
        /// Store id or unique name.
        store: String,
        /// Path or mem_… id.
        memory: String,
        /// New path.
        to: String,
        /// Only rename if the content still has this SHA-256.
        #[arg(long, value_name = "HEX")]
        if_sha256: Option<String>,
    },
}

/// Where new content comes from: `--content`, `--file`, or stdin.
#[derive(Debug, Args)]
#[group(multiple = false)]
pub struct ContentSource {
    /// The content itself.
    #[arg(long)]
    content: Option<String>,
    /// Read the content from this file ("-" or neither flag: stdin).
    #[arg(long)]
    file: Option<PathBuf>,
}

impl ContentSource {
    fn read(self) -> anyhow::Result<String> {
        if let Some(text) = self.content {
            return Ok(text);
        }
        let mut bytes = Vec::new();
        match self.file {
            Some(path) if path.as_os_str() != "-" => {
                bytes = std::fs::read(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
            }
            _ => {
                std::io::stdin()
                    .read_to_end(&mut bytes)
                    .context("cannot read content from stdin")?;
            }
        }
        String::from_utf8(bytes).context("memories hold UTF-8 text; the content is not valid UTF-8")
    }
}

pub fn run(ctx: &Ctx, cmd: MemoryCommand) -> anyhow::Result<std::process::ExitCode> {
    match cmd {
        MemoryCommand::Put {
            store,
            path,
            content,
            if_sha256,
        } => {
            let store = resolve::store(ctx, &store)?;
            let precondition = match if_sha256 {
                None => Precondition::None,
                Some(h) if h.is_empty() => Precondition::Absent,
                Some(h) => Precondition::ContentSha256(h),
            };
            let out =
                ctx.engine
                    .put_memory(&store, &path, &content.read()?, precondition, &ctx.actor)?;
            print_write(ctx, &out);
        }
        MemoryCommand::Get { store, memory } => {
            let store = resolve::store(ctx, &store)?;
            let m = resolve::memory(ctx, &store, &memory)?;
            ctx.out.print(&m, |m| m.content.clone().unwrap_or_default());
        }
        MemoryCommand::Ls {
            store,
            prefix,
            depth,
            limit,
            page,
        } => {
            let store = resolve::store(ctx, &store)?;
            let listing = ctx.engine.list_memories(
                &store,
                &MemoryQuery {
                    path_prefix: Some(prefix),
                    depth,
                    view: View::Basic,
                    limit,
                    page,
                },
            )?;
            ctx.out.print(&listing, list_text);
        }
        MemoryCommand::Rm {
            store,
            memory,
            if_sha256,
        } => {
            let store = resolve::store(ctx, &store)?;
            let m = resolve::memory(ctx, &store, &memory)?;
            let deleted =
                ctx.engine
                    .delete_memory(&store, &m.id, if_sha256.as_deref(), &ctx.actor)?;
            ctx.out
                .print(&deleted, |_| format!("deleted {} ({})", m.path, m.id));
        }
        MemoryCommand::Mv {
            store,
            memory,
            to,
            if_sha256,
        } => {
            let store = resolve::store(ctx, &store)?;
            let m = resolve::memory(ctx, &store, &memory)?;
            let out = ctx.engine.update_memory(
                &store,
                &m.id,
                MemoryUpdate {
                    path: Some(to),
                    precondition: if_sha256,
                    ..MemoryUpdate::default()
                },
                &ctx.actor,
            )?;
            print_write(ctx, &out);
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}

fn print_write(ctx: &Ctx, out: &WriteOutcome) {
    let basic = Memory {
        content: None,
        ..out.memory.clone()
    };
    ctx.out.print(&basic, |m| match &out.change {
        Some(c) => format!(
            "{} {} ({} bytes, sha256 {}) as {}",
            c.operation.as_str(),
            m.path,
            m.content_size_bytes,
            m.content_sha256,
            c.version_id
        ),
        None => format!("unchanged {} (no new version)", m.path),
    });
}

fn list_text(page: &Page<MemoryListItem>) -> String {
    let mut text = String::new();
    for item in &page.data {
        match item {
            MemoryListItem::Memory(m) => {
                text.push_str(&format!(
                    "{:>8}  {}  {}\n",
                    m.content_size_bytes, m.id, m.path
                ));
            }
            MemoryListItem::Prefix(p) => {
                text.push_str(&format!("{:>8}  {:<28}  {}\n", "dir", "", p.path))
            }
        }
    }
    if page.data.is_empty() {
        text.push_str("no memories\n");
    }
    if let Some(next) = &page.next_page {
        text.push_str(&format!("more: --page {next}\n"));
    }
    text
}
