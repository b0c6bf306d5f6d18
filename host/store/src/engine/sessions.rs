//! Sessions (SES-01..04): creation with up to eight attachments, their
//! deterministic mount paths (SES-02), the agent that runs them (issue 14),
//! listing, ending, the tool-call event log, and the session's empty
//! directories (FS-02).
//!
//! Holds the session model and rules; knows nothing of wasm. The sandbox
//! runs tool calls against what is stored here, so one process can create a
//! session and another run its calls.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::stores::{validate_metadata, validate_name};
use super::{Engine, page_limit, page_of, store_row};
use crate::backend::{ReadTx, WriteScope};
use crate::cursor;
use crate::error::{Result, StoreError};
use crate::ids::{self, SESSION_PREFIX};
use crate::limits::{MAX_AGENT_ID_CHARS, MAX_PAGE_LIMIT};
use crate::model::{Change, Page, Timestamp, now};

/// SES-01: most stores one session may attach.
pub const MAX_ATTACHMENTS: usize = 8;
/// SES-01: most characters of an attachment's instructions.
pub const MAX_INSTRUCTIONS_CHARS: usize = 4_096;
/// Where a session's attachments appear, decided by the layer that mounts
/// them (`memstore_vfs::mount_paths`), not by the engine: given the
/// attached stores' names in order, one distinct absolute mount path each.
/// The engine records the paths with the session (SES-02), so a store
/// renamed later does not move a mount.
pub type MountLayout = fn(&[&str]) -> Vec<String>;

/// How a session may use an attached store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Reads and writes (the default).
    #[default]
    ReadWrite,
    /// Reads only (FS-04).
    ReadOnly,
}

/// A store to attach when creating a session.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewAttachment {
    /// The store.
    pub memory_store_id: String,
    /// Access mode.
    #[serde(default)]
    pub access: Access,
    /// Instructions for the agent about this store (≤4,096 characters).
    #[serde(default)]
    pub instructions: String,
}

/// The agent a session runs, as the harness names it (issue 14). Stored
/// with the session; the versions and events the session causes carry its
/// `id`, so history can be read by agent. Versions keep their reference
/// `created_by` (`session_actor`) unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    /// The harness's own agent identifier: 1–255 characters, no control
    /// characters. Not unique: every session of one agent carries it.
    pub id: String,
    /// A name for display (1–255 characters, no control characters).
    #[serde(default)]
    pub name: Option<String>,
    /// Up to 16 pairs for the operator, as for stores; shown to the agent
    /// only when the session renders its agent into the prompt.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
}

/// What a new session starts with.
#[derive(Debug, Clone, Default)]
pub struct NewSession {
    /// Workspace that owns it; attached stores must belong to it.
    pub workspace_id: String,
    /// The API key that created it, if any.
    pub owner_api_key_id: Option<String>,
    /// The stores to attach, in order.
    pub resources: Vec<NewAttachment>,
}

/// The agent a new session runs ([`Engine::create_agent_session`]).
#[derive(Debug, Clone)]
pub struct NewAgent {
    /// The agent.
    pub agent: Agent,
    /// Write the agent into the system prompt's header (SES-03). Off by
    /// default: agents should not see operator metadata unasked.
    pub render_in_prompt: bool,
}

/// Filters and paging of a session listing, newest first.
#[derive(Debug, Clone, Default)]
pub struct SessionQuery {
    /// Only sessions of this workspace.
    pub workspace_id: String,
    /// Only sessions of this agent.
    pub agent_id: Option<String>,
    /// Page size, 1–100 (0 = default).
    pub limit: usize,
    /// Cursor from a previous page.
    pub page: Option<String>,
}

/// A session as a tool call starts from it ([`Engine::call_context`]).
#[derive(Debug, Clone)]
pub struct CallContext {
    /// The session.
    pub session: Session,
    /// Per attachment, in order: whether its store is archived or gone, so
    /// the mount is read-only (STORE-03).
    pub archived: Vec<bool>,
    /// The session's empty directories, as (mount index, store path).
    pub dirs: Vec<(usize, String)>,
}

/// An attached store as the session resource reports it (SES-01, SES-02).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionResource {
    /// Always `memory_store`.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// The store.
    pub memory_store_id: String,
    /// Access mode.
    pub access: Access,
    /// Instructions given at attach time.
    pub instructions: String,
    /// `/mnt/memory/<slug>`.
    pub mount_path: String,
    /// Store name as of attach time.
    pub name: String,
    /// Store description as of attach time.
    pub description: String,
}

impl SessionResource {
    /// The mount's directory name under `/mnt/memory`.
    pub fn slug(&self) -> &str {
        self.mount_path.rsplit('/').next().unwrap_or_default()
    }
}

/// An agent session (SES-04).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "session")]
pub struct Session {
    /// `sesn_…`
    pub id: String,
    /// The API key that created it.
    pub owner_api_key_id: Option<String>,
    /// The attached stores, in order.
    pub resources: Vec<SessionResource>,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it ended, if it did.
    pub ended_at: Option<Timestamp>,
    /// The agent that runs it; left off the wire when there is none, so an
    /// agentless session reads exactly as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<Agent>,
    /// Whether the system prompt names the agent; on the wire only when true.
    #[serde(default, skip_serializing_if = "is_false")]
    pub render_agent_in_prompt: bool,
    /// Owning workspace; not part of the wire format.
    #[serde(skip)]
    pub workspace_id: String,
}

/// `skip_serializing_if` for a flag that is off by default.
fn is_false(b: &bool) -> bool {
    !*b
}

/// One entry of a session's event log: a tool call and the versions it made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionEvent {
    /// Sequence number.
    pub id: u64,
    /// The session.
    pub session_id: String,
    /// `tool_call`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The tool (`read`, `write`, …, or `run:<component hash>`).
    pub tool: String,
    /// Whether the result was an error.
    pub is_error: bool,
    /// Versions the call created.
    pub changes: Vec<Change>,
    /// When the call finished.
    pub created_at: Timestamp,
}

impl SessionEvent {
    /// A tool call of `session_id`, now, not yet stored (`id` 0).
    pub fn tool_call(session_id: &str, tool: &str, is_error: bool, changes: Vec<Change>) -> Self {
        Self {
            id: 0,
            session_id: session_id.to_owned(),
            event_type: "tool_call".into(),
            tool: tool.to_owned(),
            is_error,
            changes,
            created_at: now(),
        }
    }
}

impl Engine {
    /// Creates a session with its attachments (SES-01), mounted where
    /// `mounts` puts them (SES-02), and no agent.
    ///
    /// # Errors
    /// As [`Engine::create_agent_session`].
    pub fn create_session(&self, new: NewSession, mounts: MountLayout) -> Result<Session> {
        self.create_agent_session(new, None, mounts)
    }

    /// Creates a session with its attachments (SES-01), mounted where
    /// `mounts` puts them (SES-02), run by `agent` if given (issue 14).
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for too many attachments, instructions too
    /// long, or an agent that breaks its rules ([`validate_agent`]);
    /// [`StoreError::StoreNotFound`] for an unknown store or one of another
    /// workspace, [`StoreError::Archived`] for an archived store.
    pub fn create_agent_session(
        &self,
        new: NewSession,
        agent: Option<NewAgent>,
        mounts: MountLayout,
    ) -> Result<Session> {
        if let Some(a) = &agent {
            validate_agent(&a.agent)?;
        }
        if new.resources.len() > MAX_ATTACHMENTS {
            return Err(StoreError::invalid(
                "resources",
                format!(
                    "{} stores attached; a session holds at most {MAX_ATTACHMENTS}",
                    new.resources.len()
                ),
            ));
        }
        for r in &new.resources {
            let n = r.instructions.chars().count();
            if n > MAX_INSTRUCTIONS_CHARS {
                return Err(StoreError::invalid(
                    "instructions",
                    format!("{n} characters; at most {MAX_INSTRUCTIONS_CHARS} are allowed"),
                ));
            }
        }
        self.write(WriteScope::none(), move |tx| {
            let mut stores = Vec::new();
            for r in &new.resources {
                let row = store_row(tx, &r.memory_store_id)?;
                if row.store.workspace_id != new.workspace_id {
                    return Err(StoreError::StoreNotFound(r.memory_store_id.clone()));
                }
                if row.store.is_archived() {
                    return Err(StoreError::Archived(r.memory_store_id.clone()));
                }
                stores.push(row.store);
            }
            let names: Vec<&str> = stores.iter().map(|s| s.name.as_str()).collect();
            let paths = mounts(&names);
            check_layout(&paths, names.len())?;
            let resources = new
                .resources
                .iter()
                .zip(stores)
                .zip(paths)
                .map(|((r, s), mount_path)| SessionResource {
                    resource_type: "memory_store".into(),
                    memory_store_id: r.memory_store_id.clone(),
                    access: r.access,
                    instructions: r.instructions.clone(),
                    mount_path,
                    name: s.name,
                    description: s.description,
                })
                .collect();
            let session = Session {
                id: ids::new_id(SESSION_PREFIX),
                owner_api_key_id: new.owner_api_key_id.clone(),
                resources,
                created_at: now(),
                ended_at: None,
                render_agent_in_prompt: agent.as_ref().is_some_and(|a| a.render_in_prompt),
                agent: agent.as_ref().map(|a| a.agent.clone()),
                workspace_id: new.workspace_id.clone(),
            };
            tx.insert_session(&session)?;
            Ok(session)
        })
    }

    /// A session by id.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] naming the session when there is none.
    pub fn session(&self, id: &str) -> Result<Option<Session>> {
        self.read(|tx| tx.session(id))
    }

    /// What a tool call needs to know about its session, read in one
    /// snapshot: the session, whether each attached store is archived (in
    /// attachment order; a deleted store counts as archived), and the
    /// session's empty directories. One transaction instead of one per
    /// store keeps the fixed cost of a call low (PERF-01).
    ///
    /// # Errors
    /// A database error; `Ok(None)` when there is no such session.
    pub fn call_context(&self, id: &str) -> Result<Option<CallContext>> {
        self.read(|tx| read_call_context(tx, id))
    }

    /// [`Engine::call_context`] and, in the same snapshot, the `bash` tool's
    /// saved shell state of the session (TOOL-06): the JSON text its last
    /// call left, or `None` for a fresh shell. What a `bash` call starts from.
    ///
    /// # Errors
    /// A database error; `Ok(None)` when there is no such session.
    pub fn shell_call_context(&self, id: &str) -> Result<Option<(CallContext, Option<String>)>> {
        self.read(|tx| {
            let Some(context) = read_call_context(tx, id)? else {
                return Ok(None);
            };
            Ok(Some((context, tx.session_shell(id)?)))
        })
    }

    /// Lists a workspace's sessions newest first, all of them or one
    /// agent's (issue 14), with cursor pagination (API-03).
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a bad agent id, limit or cursor.
    pub fn list_sessions(&self, q: &SessionQuery) -> Result<Page<Session>> {
        if let Some(agent_id) = &q.agent_id {
            validate_agent_id("agent_id", agent_id)?;
        }
        let limit = page_limit(q.limit, MAX_PAGE_LIMIT)?;
        let before = q.page.as_deref().map(cursor::decode::<i64>).transpose()?;
        let rows = self.read(|tx| tx.list_sessions(q, before, limit + 1))?;
        Ok(page_of(rows, limit))
    }

    /// Ends a session; idempotent. Its empty directories and shell state are
    /// dropped.
    ///
    /// # Errors
    /// A database error; `Ok(None)` when there is no such session.
    pub fn end_session(&self, id: &str) -> Result<Option<Session>> {
        let id = id.to_owned();
        self.write(WriteScope::session(&id), move |tx| {
            let Some(mut session) = tx.session(&id)? else {
                return Ok(None);
            };
            if session.ended_at.is_none() {
                let at = now();
                tx.end_session(&id, at)?;
                tx.set_session_dirs(&id, &[])?;
                tx.set_session_shell(&id, None, at)?;
                session.ended_at = Some(at);
            }
            Ok(Some(session))
        })
    }

    /// Appends tool-call events to their sessions' logs (SES-04) in one
    /// write transaction, in order, so a burst of calls costs one commit (one
    /// fsync) instead of one each. Each event keeps the time it was made. An
    /// event that cannot be inserted (say, its session was deleted) is left
    /// out without disturbing the others; the result has each event's
    /// outcome, in order.
    ///
    /// # Errors
    /// The write transaction itself failed; then none was recorded.
    pub fn record_tool_calls(&self, events: Vec<SessionEvent>) -> Result<Vec<Result<()>>> {
        let scope = events.iter().fold(WriteScope::none(), |scope, e| {
            scope.with_session(&e.session_id)
        });
        self.write(scope, move |tx| {
            Ok(events
                .iter()
                .map(|event| tx.insert_session_event(event).map(drop))
                .collect())
        })
    }

    /// The session's event log, oldest first.
    ///
    /// # Errors
    /// A database error.
    pub fn session_events(&self, session_id: &str) -> Result<Vec<SessionEvent>> {
        self.read(|tx| tx.session_events(session_id))
    }

    /// Saves (or, with `None`, forgets) a session's shell state.
    ///
    /// # Errors
    /// A database error.
    pub fn set_shell_state(&self, session_id: &str, state: Option<String>) -> Result<()> {
        let id = session_id.to_owned();
        self.write(WriteScope::session(&id), move |tx| {
            tx.set_session_shell(&id, state.as_deref(), now())
        })
    }

    /// Replaces the session's empty directories.
    ///
    /// # Errors
    /// A database error.
    pub fn set_session_dirs(&self, session_id: &str, dirs: Vec<(usize, String)>) -> Result<()> {
        let id = session_id.to_owned();
        self.write(WriteScope::session(&id), move |tx| {
            tx.set_session_dirs(&id, &dirs)
        })
    }
}

/// Checks an agent (issue 14): `id` as [`validate_agent_id`], `name` as a
/// store name, `metadata` as a store's; errors name the field (`agent.id` …).
///
/// # Errors
/// [`StoreError::Invalid`] naming the field and the rule it broke.
pub fn validate_agent(agent: &Agent) -> Result<()> {
    validate_agent_id("agent.id", &agent.id)?;
    if let Some(name) = &agent.name {
        validate_name("agent.name", name)?;
    }
    validate_metadata("agent.metadata", &agent.metadata)
}

/// Checks an agent id given as `field`: 1–255 characters, no control
/// characters.
///
/// # Errors
/// [`StoreError::Invalid`] naming `field`.
pub fn validate_agent_id(field: &'static str, id: &str) -> Result<()> {
    let chars = id.chars().count();
    if chars == 0 || chars > MAX_AGENT_ID_CHARS {
        return Err(StoreError::invalid(
            field,
            format!("an agent id must be 1 to {MAX_AGENT_ID_CHARS} characters, got {chars}"),
        ));
    }
    if let Some(c) = id.chars().find(|c| c.is_control()) {
        return Err(StoreError::invalid(
            field,
            format!(
                "control character U+{:04X} is not allowed in an agent id",
                u32::from(c)
            ),
        ));
    }
    Ok(())
}

/// The body of [`Engine::call_context`], inside a read transaction.
fn read_call_context(tx: &mut dyn ReadTx, id: &str) -> Result<Option<CallContext>> {
    let Some(session) = tx.session(id)? else {
        return Ok(None);
    };
    let mut archived = Vec::with_capacity(session.resources.len());
    for r in &session.resources {
        let row = tx.store(&r.memory_store_id)?;
        archived.push(row.is_none_or(|row| row.store.is_archived()));
    }
    let dirs = tx.session_dirs(id)?;
    Ok(Some(CallContext {
        session,
        archived,
        dirs,
    }))
}

/// A [`MountLayout`]'s answer is one distinct absolute path per store; a
/// layout that breaks that (a bug of the caller) is refused before any
/// session records it.
fn check_layout(paths: &[String], stores: usize) -> Result<()> {
    let distinct: std::collections::BTreeSet<&String> = paths.iter().collect();
    let absolute = paths.iter().all(|p| p.starts_with('/'));
    if paths.len() != stores || distinct.len() != stores || !absolute {
        return Err(StoreError::invalid(
            "mount layout",
            format!("{paths:?} for {stores} stores; give one distinct absolute path per store"),
        ));
    }
    Ok(())
}
