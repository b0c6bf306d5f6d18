//! Turning what a user types into ids: a store by id or unique name, a
//! memory by id or path.

use anyhow::{Context, bail};
use memstore::store::ids::{MEMORY_PREFIX, STORE_PREFIX};
use memstore::store::{Memory, StoreError, StoreQuery};

use super::Ctx;

/// The id of the store `arg` names: its id, or the name of exactly one
/// store in the workspace.
pub fn store(ctx: &Ctx, arg: &str) -> anyhow::Result<String> {
    if arg.starts_with(STORE_PREFIX) {
        match ctx.engine.store(arg) {
            Ok(s) => return Ok(s.id),
            Err(StoreError::StoreNotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let mut matches = Vec::new();
    let mut q = StoreQuery {
        workspace_id: Some(ctx.workspace.clone()),
        include_archived: true,
        limit: 100,
        ..StoreQuery::default()
    };
    loop {
        let page = ctx.engine.list_stores(&q)?;
        matches.extend(page.data.into_iter().filter(|s| s.name == arg));
        match page.next_page {
            Some(next) => q.page = Some(next),
            None => break,
        }
    }
    match matches.as_slice() {
        [one] => Ok(one.id.clone()),
        [] => Err(StoreError::StoreNotFound(arg.to_owned())).with_context(|| {
            format!(
                "no store with id or name {arg:?} in workspace {}",
                ctx.workspace
            )
        }),
        many => bail!(
            "{} stores are named {arg:?}; use one of their ids: {}",
            many.len(),
            many.iter()
                .map(|s| s.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The live memory `arg` names in `store`: a `mem_…` id or a path.
pub fn memory(ctx: &Ctx, store: &str, arg: &str) -> anyhow::Result<Memory> {
    if arg.starts_with(MEMORY_PREFIX) {
        return Ok(ctx.engine.memory(store, arg)?);
    }
    ctx.engine
        .memory_at(store, arg)?
        .ok_or_else(|| StoreError::PathNotFound(arg.to_owned()).into())
}
