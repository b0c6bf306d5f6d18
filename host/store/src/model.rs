//! The objects of the data model, shaped exactly like the reference API's
//! JSON (field names and `type` tags), so the CLI's `--json` output and the
//! HTTP API serialise the same structs.

use std::collections::BTreeMap;

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

/// Timestamps are UTC, kept to the microsecond, and serialise as RFC 3339.
pub type Timestamp = DateTime<Utc>;

/// The current time at the precision the store keeps, so that what a write
/// returns equals what a later read returns.
pub fn now() -> Timestamp {
    Utc::now().trunc_subsecs(6)
}

/// Who made a change (VER-02).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Actor {
    /// A caller of the HTTP API, by API key id.
    #[serde(rename = "api_actor")]
    Api {
        /// The key's id (`apikey_…`), never the secret.
        api_key_id: String,
    },
    /// An agent writing through the sandbox's filesystem or tools.
    #[serde(rename = "session_actor")]
    Session {
        /// The session (`sesn_…`).
        session_id: String,
    },
    /// A human, e.g. an operator at the CLI.
    #[serde(rename = "user_actor")]
    User {
        /// Free-form user id.
        user_id: String,
    },
    /// A workload acting as a service account.
    #[serde(rename = "service_account_actor")]
    ServiceAccount {
        /// The service account's id.
        service_account_id: String,
    },
}

impl Actor {
    /// The `type` tag, as stored and serialised.
    pub fn type_tag(&self) -> &'static str {
        match self {
            Self::Api { .. } => "api_actor",
            Self::Session { .. } => "session_actor",
            Self::User { .. } => "user_actor",
            Self::ServiceAccount { .. } => "service_account_actor",
        }
    }

    /// The actor's id, whatever its type.
    pub fn id(&self) -> &str {
        match self {
            Self::Api { api_key_id: id }
            | Self::Session { session_id: id }
            | Self::User { user_id: id }
            | Self::ServiceAccount {
                service_account_id: id,
            } => id,
        }
    }

    /// Rebuilds an actor from its stored `(type tag, id)` pair.
    pub fn from_parts(type_tag: &str, id: String) -> Option<Self> {
        Some(match type_tag {
            "api_actor" => Self::Api { api_key_id: id },
            "session_actor" => Self::Session { session_id: id },
            "user_actor" => Self::User { user_id: id },
            "service_account_actor" => Self::ServiceAccount {
                service_account_id: id,
            },
            _ => return None,
        })
    }
}

/// A memory store (STORE-01).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "memory_store")]
pub struct MemoryStore {
    /// `memstore_…`
    pub id: String,
    /// 1–255 characters, not unique.
    pub name: String,
    /// At most 1,024 characters; `""` when unset.
    pub description: String,
    /// Up to 16 pairs for the operator's own use; never shown to agents.
    pub metadata: BTreeMap<String, String>,
    /// When the store was created.
    pub created_at: Timestamp,
    /// When name, description, metadata or archival last changed.
    pub updated_at: Timestamp,
    /// When the store was archived, if it was.
    pub archived_at: Option<Timestamp>,
    /// The workspace that owns the store (STORE-05); not part of the wire format.
    #[serde(skip)]
    pub workspace_id: String,
}

impl MemoryStore {
    /// Whether the store refuses new and changed memories (STORE-03).
    pub fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }
}

/// What a new store starts with.
#[derive(Debug, Clone, Default)]
pub struct NewStore {
    /// Workspace that will own it.
    pub workspace_id: String,
    /// Name, 1–255 characters.
    pub name: String,
    /// Description, at most 1,024 characters.
    pub description: String,
    /// Metadata pairs.
    pub metadata: BTreeMap<String, String>,
}

/// A partial update of a store (STORE-02).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StorePatch {
    /// New name, if given.
    pub name: Option<String>,
    /// New description; `""` clears it.
    pub description: Option<String>,
    /// Metadata patch: a value sets the key, `null` removes it.
    pub metadata: Option<BTreeMap<String, Option<String>>>,
}

/// A memory (MEM-01): a UTF-8 text file at a path in a store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "memory")]
pub struct Memory {
    /// `mem_…`, stable across renames.
    pub id: String,
    /// The store that holds it.
    pub memory_store_id: String,
    /// Its current path.
    pub path: String,
    /// The content, or `None` in a basic view.
    pub content: Option<String>,
    /// Lowercase hex SHA-256 of the content's bytes.
    pub content_sha256: String,
    /// Size of the content in bytes.
    pub content_size_bytes: u64,
    /// The head version (`memver_…`).
    pub memory_version_id: String,
    /// When the memory was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// A directory marker in a depth-limited listing (MEM-08).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "memory_prefix")]
pub struct MemoryPrefix {
    /// The directory, with its trailing `/`.
    pub path: String,
}

/// One item of a memory listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MemoryListItem {
    /// A memory.
    Memory(Memory),
    /// A directory standing for the memories below it.
    Prefix(MemoryPrefix),
}

impl MemoryListItem {
    /// The item's path (a directory's ends with `/`).
    pub fn path(&self) -> &str {
        match self {
            Self::Memory(m) => &m.path,
            Self::Prefix(p) => &p.path,
        }
    }
}

/// The kind of change a version records (VER-01).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// The memory came into being (or back, after a delete).
    Created,
    /// Content and/or path changed.
    Modified,
    /// The memory was deleted.
    Deleted,
}

impl Operation {
    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Modified => "modified",
            Self::Deleted => "deleted",
        }
    }

    /// Parses a stored or requested name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "created" => Self::Created,
            "modified" => Self::Modified,
            "deleted" => Self::Deleted,
            _ => return None,
        })
    }
}

/// One immutable entry of a memory's history (VER-01).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "memory_version")]
pub struct MemoryVersion {
    /// `memver_…`
    pub id: String,
    /// The memory this version belongs to (valid after the memory is deleted).
    pub memory_id: String,
    /// The store.
    pub memory_store_id: String,
    /// What changed.
    pub operation: Operation,
    /// The memory's path at this version; `None` once redacted.
    pub path: Option<String>,
    /// Content; `None` for deletes, redacted versions and basic views.
    pub content: Option<String>,
    /// SHA-256 of the content; `None` for deletes and redacted versions.
    pub content_sha256: Option<String>,
    /// Content size; `None` for deletes and redacted versions.
    pub content_size_bytes: Option<u64>,
    /// When the version was written.
    pub created_at: Timestamp,
    /// Who wrote it.
    pub created_by: Actor,
    /// When it was redacted, if it was.
    pub redacted_at: Option<Timestamp>,
    /// Who redacted it.
    pub redacted_by: Option<Actor>,
}

/// The short form of a version a write produced: enough for a tool result's
/// `changes` list and for following up with a retrieve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The memory's path after the change.
    pub path: String,
    /// The new version.
    pub version_id: String,
    /// The memory changed.
    pub memory_id: String,
    /// What happened.
    pub operation: Operation,
}

/// The result of a memory write: the memory as it now is, and the version
/// the write created (`None` when it changed nothing, MEM-06).
#[derive(Debug, Clone, PartialEq)]
pub struct WriteOutcome {
    /// The memory after the write, with content.
    pub memory: Memory,
    /// The new version, unless the write was a no-op.
    pub change: Option<Change>,
}

/// A condition on a memory's current content for a write to apply (MEM-05).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Precondition {
    /// Apply unconditionally.
    #[default]
    None,
    /// Apply only if the memory exists with exactly this content hash.
    ContentSha256(String),
    /// Apply only if no memory exists at the path.
    Absent,
}

impl Precondition {
    /// Whether it holds for a memory whose content hash is `current`
    /// (`None` when no memory exists).
    pub fn holds(&self, current: Option<&str>) -> bool {
        match self {
            Self::None => true,
            Self::Absent => current.is_none(),
            Self::ContentSha256(expected) => current == Some(expected.as_str()),
        }
    }
}

/// A partial update of a memory (MEM-05).
#[derive(Debug, Clone, Default)]
pub struct MemoryUpdate {
    /// New content, if given.
    pub content: Option<String>,
    /// New path (a rename that keeps the id), if given.
    pub path: Option<String>,
    /// The content hash the memory must have now.
    pub precondition: Option<String>,
}

/// Confirmation that a memory was deleted, as the API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "memory_deleted")]
pub struct DeletedMemory {
    /// The deleted memory.
    pub id: String,
}

/// Confirmation that a store was deleted, as the API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "memory_store_deleted")]
pub struct DeletedStore {
    /// The deleted store.
    pub id: String,
}

/// Whether listed or returned objects carry their content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum View {
    /// Content is `null`.
    #[default]
    Basic,
    /// Content is included.
    Full,
}

/// One page of a listing (API-03).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The items.
    pub data: Vec<T>,
    /// Opaque cursor of the next page; `None` on the last one.
    pub next_page: Option<String>,
}

/// Filters and paging of a store listing (STORE-02).
#[derive(Debug, Clone, Default)]
pub struct StoreQuery {
    /// Only stores of this workspace.
    pub workspace_id: Option<String>,
    /// Include archived stores.
    pub include_archived: bool,
    /// Created at or after.
    pub created_gte: Option<Timestamp>,
    /// Created at or before.
    pub created_lte: Option<Timestamp>,
    /// Page size, 1–100 (0 = default).
    pub limit: usize,
    /// Cursor from a previous page.
    pub page: Option<String>,
}

/// Filters and paging of a memory listing (MEM-08).
#[derive(Debug, Clone, Default)]
pub struct MemoryQuery {
    /// Directory to list, ending in `/`; `None` lists the whole store.
    pub path_prefix: Option<String>,
    /// 0 = recursive; n = stop n levels below the prefix.
    pub depth: usize,
    /// Include content.
    pub view: View,
    /// Page size (0 = default).
    pub limit: usize,
    /// Cursor from a previous page.
    pub page: Option<String>,
}

/// Filters and paging of a version listing (VER-03). Actor filters combine
/// with AND.
#[derive(Debug, Clone, Default)]
pub struct VersionQuery {
    /// Only versions of this memory.
    pub memory_id: Option<String>,
    /// Only this kind of change.
    pub operation: Option<Operation>,
    /// Only versions written by these actors (all must match).
    pub created_by: Vec<Actor>,
    /// Only versions written by sessions of this agent (memstore's own
    /// filter, issue 14): the agent id a session was created with.
    pub agent_id: Option<String>,
    /// Created at or after.
    pub created_gte: Option<Timestamp>,
    /// Created at or before.
    pub created_lte: Option<Timestamp>,
    /// Include content.
    pub view: View,
    /// Page size (0 = default).
    pub limit: usize,
    /// Cursor from a previous page.
    pub page: Option<String>,
}

/// What kind of thing happened (VER-08).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventType {
    /// A memory was created.
    #[serde(rename = "memory.created")]
    MemoryCreated,
    /// A memory's content or path changed.
    #[serde(rename = "memory.modified")]
    MemoryModified,
    /// A memory was deleted.
    #[serde(rename = "memory.deleted")]
    MemoryDeleted,
    /// A version was redacted.
    #[serde(rename = "memory_version.redacted")]
    VersionRedacted,
    /// A store was created.
    #[serde(rename = "memory_store.created")]
    StoreCreated,
    /// A store was archived.
    #[serde(rename = "memory_store.archived")]
    StoreArchived,
    /// A store was deleted.
    #[serde(rename = "memory_store.deleted")]
    StoreDeleted,
}

impl EventType {
    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MemoryCreated => "memory.created",
            Self::MemoryModified => "memory.modified",
            Self::MemoryDeleted => "memory.deleted",
            Self::VersionRedacted => "memory_version.redacted",
            Self::StoreCreated => "memory_store.created",
            Self::StoreArchived => "memory_store.archived",
            Self::StoreDeleted => "memory_store.deleted",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::MemoryCreated,
            Self::MemoryModified,
            Self::MemoryDeleted,
            Self::VersionRedacted,
            Self::StoreCreated,
            Self::StoreArchived,
            Self::StoreDeleted,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }

    /// The event a version's operation produces.
    pub fn for_operation(op: Operation) -> Self {
        match op {
            Operation::Created => Self::MemoryCreated,
            Operation::Modified => Self::MemoryModified,
            Operation::Deleted => Self::MemoryDeleted,
        }
    }
}

/// Something that happened to a store (VER-08). Events carry ids and paths,
/// never content; a redaction also scrubs the path from its version's event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Monotonic sequence number; SSE uses it as the event id.
    pub id: u64,
    /// What happened.
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// The store it happened in.
    pub memory_store_id: String,
    /// The session that caused it, if any.
    pub session_id: Option<String>,
    /// The agent of that session, if it named one (issue 14); left off the
    /// wire when there is none, so agentless events read as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// The memory concerned, if any.
    pub memory_id: Option<String>,
    /// The version concerned, if any.
    pub memory_version_id: Option<String>,
    /// The memory's path, if any and not redacted.
    pub path: Option<String>,
    /// Who caused it.
    pub actor: Actor,
    /// When.
    pub created_at: Timestamp,
}

/// Which events to read.
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    /// Only events of this store.
    pub memory_store_id: Option<String>,
    /// Only events caused by this session.
    pub session_id: Option<String>,
    /// Only events caused by sessions of this agent.
    pub agent_id: Option<String>,
    /// Only events after this id (SSE `Last-Event-ID`).
    pub after: Option<u64>,
    /// Page size (0 = default).
    pub limit: usize,
}

/// The outcome of walking a store's audit chain (VER-07).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainReport {
    /// The store verified.
    pub memory_store_id: String,
    /// True when every link and the recorded head check out.
    pub ok: bool,
    /// How many versions were walked.
    pub versions_checked: u64,
    /// Hex chain hash of the last version (the store's recorded head).
    pub head: String,
    /// The first link that does not verify, if any.
    pub first_broken: Option<BrokenLink>,
}

/// A link of the chain that failed verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokenLink {
    /// Position in the store's chain (1-based).
    pub seq: u64,
    /// The version at that position, if it exists.
    pub version_id: Option<String>,
    /// What does not match.
    pub reason: String,
}

/// What a retention run removed (VER-06).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PruneReport {
    /// Versions whose content was pruned.
    pub versions_pruned: u64,
}
