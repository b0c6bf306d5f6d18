//! Store lifecycle (STORE-01..05): create, read, list, update, archive, delete;
//! and the live memory count a store is held to (MEM-09).

use std::collections::BTreeMap;

use super::{Engine, page_limit, page_of, store_row};
use crate::backend::{NewEvent, WriteScope};
use crate::cursor;
use crate::error::{Result, StoreError};
use crate::ids::{self, STORE_PREFIX};
use crate::limits::{
    MAX_DESCRIPTION_CHARS, MAX_METADATA_KEY_CHARS, MAX_METADATA_PAIRS, MAX_METADATA_VALUE_CHARS,
    MAX_PAGE_LIMIT, MAX_STORE_NAME_CHARS,
};
use crate::model::{Actor, EventType, MemoryStore, NewStore, Page, StorePatch, StoreQuery, now};

impl Engine {
    /// Creates a store (STORE-01).
    ///
    /// # Errors
    /// [`StoreError::Invalid`] when a field breaks its limit.
    pub fn create_store(&self, new: NewStore, actor: &Actor) -> Result<MemoryStore> {
        validate_name("name", &new.name)?;
        validate_description(&new.description)?;
        validate_metadata("metadata", &new.metadata)?;
        let at = now();
        let store = MemoryStore {
            id: ids::new_id(STORE_PREFIX),
            name: new.name,
            description: new.description,
            metadata: new.metadata,
            created_at: at,
            updated_at: at,
            archived_at: None,
            workspace_id: new.workspace_id,
        };
        let actor = actor.clone();
        self.write(WriteScope::none(), move |tx| {
            tx.insert_store(&store)?;
            tx.insert_event(&store_event(EventType::StoreCreated, &store.id, &actor))?;
            Ok(store)
        })
    }

    /// A store by id.
    ///
    /// # Errors
    /// [`StoreError::StoreNotFound`].
    pub fn store(&self, id: &str) -> Result<MemoryStore> {
        self.read(|tx| Ok(store_row(tx, id)?.store))
    }

    /// How many live memories the store holds (MEM-09): a sandbox call
    /// checks a creation against it before the engine checks again when
    /// the call commits.
    ///
    /// # Errors
    /// [`StoreError::StoreNotFound`].
    pub fn memory_count(&self, id: &str) -> Result<u64> {
        self.read(|tx| Ok(store_row(tx, id)?.memory_count))
    }

    /// Lists stores newest first (STORE-02).
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a bad limit or cursor.
    pub fn list_stores(&self, q: &StoreQuery) -> Result<Page<MemoryStore>> {
        let limit = page_limit(q.limit, MAX_PAGE_LIMIT)?;
        let before = q.page.as_deref().map(cursor::decode::<i64>).transpose()?;
        let rows = self.read(|tx| tx.list_stores(q, before, limit + 1))?;
        Ok(page_of(rows, limit))
    }

    /// Updates name, description and metadata (STORE-02); archived stores
    /// refuse (STORE-03).
    ///
    /// # Errors
    /// [`StoreError::StoreNotFound`], [`StoreError::Archived`], or
    /// [`StoreError::Invalid`] when the result would break a limit.
    pub fn update_store(&self, id: &str, patch: StorePatch) -> Result<MemoryStore> {
        if let Some(name) = &patch.name {
            validate_name("name", name)?;
        }
        if let Some(description) = &patch.description {
            validate_description(description)?;
        }
        let id = id.to_owned();
        self.write(WriteScope::store(&id), move |tx| {
            let mut store = store_row(tx, &id)?.store;
            if store.is_archived() {
                return Err(StoreError::Archived(id));
            }
            let before = store.clone();
            apply_patch(&mut store, patch)?;
            if store != before {
                store.updated_at = now();
                tx.update_store(&store)?;
            }
            Ok(store)
        })
    }

    /// Archives a store: one-way and idempotent (STORE-03).
    ///
    /// # Errors
    /// [`StoreError::StoreNotFound`].
    pub fn archive_store(&self, id: &str, actor: &Actor) -> Result<MemoryStore> {
        let (id, actor) = (id.to_owned(), actor.clone());
        self.write(WriteScope::store(&id), move |tx| {
            let mut store = store_row(tx, &id)?.store;
            if store.is_archived() {
                return Ok(store);
            }
            let at = now();
            store.archived_at = Some(at);
            store.updated_at = at;
            tx.update_store(&store)?;
            tx.insert_event(&store_event(EventType::StoreArchived, &id, &actor))?;
            Ok(store)
        })
    }

    /// Deletes a store with all its memories, versions and events,
    /// irreversibly (STORE-04). Only the deletion event remains.
    ///
    /// # Errors
    /// [`StoreError::StoreNotFound`].
    pub fn delete_store(&self, id: &str, actor: &Actor) -> Result<()> {
        let (id, actor) = (id.to_owned(), actor.clone());
        self.write(WriteScope::store(&id), move |tx| {
            store_row(tx, &id)?;
            tx.delete_store(&id)?;
            tx.insert_event(&store_event(EventType::StoreDeleted, &id, &actor))?;
            Ok(())
        })?;
        // The deleted rows' bytes are zeroed in the pages; a checkpoint moves
        // those pages out of the write-ahead log too.
        self.checkpoint()
    }
}

fn store_event<'a>(event_type: EventType, store_id: &'a str, actor: &'a Actor) -> NewEvent<'a> {
    NewEvent {
        event_type,
        store_id,
        memory_id: None,
        version_id: None,
        path: None,
        actor,
        agent_id: None,
        created_at: now(),
    }
}

fn apply_patch(store: &mut MemoryStore, patch: StorePatch) -> Result<()> {
    if let Some(name) = patch.name {
        store.name = name;
    }
    if let Some(description) = patch.description {
        store.description = description;
    }
    for (key, value) in patch.metadata.into_iter().flatten() {
        match value {
            Some(value) => store.metadata.insert(key, value),
            None => store.metadata.remove(&key),
        };
    }
    validate_metadata("metadata", &store.metadata)
}

/// A name given as `field` (a store's, an agent's): 1–255 characters, no
/// control characters (STORE-01).
pub(super) fn validate_name(field: &'static str, name: &str) -> Result<()> {
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_STORE_NAME_CHARS {
        return Err(StoreError::invalid(
            field,
            format!("must be 1 to {MAX_STORE_NAME_CHARS} characters, got {chars}"),
        ));
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Err(StoreError::invalid(
            field,
            format!("control character U+{:04X} is not allowed", u32::from(c)),
        ));
    }
    Ok(())
}

fn validate_description(description: &str) -> Result<()> {
    let chars = description.chars().count();
    if chars > MAX_DESCRIPTION_CHARS {
        return Err(StoreError::invalid(
            "description",
            format!("must be at most {MAX_DESCRIPTION_CHARS} characters, got {chars}"),
        ));
    }
    Ok(())
}

/// Metadata given as `field` (a store's, an agent's): at most 16 pairs, keys
/// 1–64 characters, values at most 512 (STORE-01).
pub(super) fn validate_metadata(
    field: &'static str,
    metadata: &BTreeMap<String, String>,
) -> Result<()> {
    if metadata.len() > MAX_METADATA_PAIRS {
        return Err(StoreError::invalid(
            field,
            format!(
                "at most {MAX_METADATA_PAIRS} pairs are allowed, got {}",
                metadata.len()
            ),
        ));
    }
    for (key, value) in metadata {
        let key_chars = key.chars().count();
        if key_chars == 0 || key_chars > MAX_METADATA_KEY_CHARS {
            return Err(StoreError::invalid(
                field,
                format!("key {key:?} must be 1 to {MAX_METADATA_KEY_CHARS} characters"),
            ));
        }
        if value.chars().count() > MAX_METADATA_VALUE_CHARS {
            return Err(StoreError::invalid(
                field,
                format!("value of {key:?} must be at most {MAX_METADATA_VALUE_CHARS} characters"),
            ));
        }
    }
    Ok(())
}
