//! OpenAPI schemas of the response objects (API-05).
//!
//! The response types live in the store's model, which must not depend on
//! API concerns, so their schemas are declared here as mirrors named like the
//! wire objects. A unit test serialises real model values and checks that
//! every field they put on the wire is declared here, so the two cannot
//! drift apart unnoticed.

#![allow(dead_code)] // The mirrors exist only for their schemas.

use std::collections::BTreeMap;

use utoipa::ToSchema;

/// `type` tag of an object; always the value given in its example.
type Tag = String;

/// A memory store.
#[derive(ToSchema)]
#[schema(as = MemoryStore)]
pub struct MemoryStoreSchema {
    #[schema(example = "memory_store")]
    r#type: Tag,
    /// `memstore_…`
    id: String,
    name: String,
    description: String,
    metadata: BTreeMap<String, String>,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
    #[schema(format = DateTime)]
    archived_at: Option<String>,
}

/// `{id, type: "memory_store_deleted"}`
#[derive(ToSchema)]
#[schema(as = DeletedStore)]
pub struct DeletedStoreSchema {
    #[schema(example = "memory_store_deleted")]
    r#type: Tag,
    id: String,
}

/// A memory; `content` is null in the basic view.
#[derive(ToSchema)]
#[schema(as = Memory)]
pub struct MemorySchema {
    #[schema(example = "memory")]
    r#type: Tag,
    /// `mem_…`, stable across renames.
    id: String,
    memory_store_id: String,
    path: String,
    content: Option<String>,
    content_sha256: String,
    content_size_bytes: u64,
    /// The head version (`memver_…`).
    memory_version_id: String,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
}

/// A directory rolled up in a depth-limited listing.
#[derive(ToSchema)]
#[schema(as = MemoryPrefix)]
pub struct MemoryPrefixSchema {
    #[schema(example = "memory_prefix")]
    r#type: Tag,
    /// Ends with `/`.
    path: String,
}

/// One item of a memory listing.
#[derive(ToSchema)]
#[schema(as = MemoryListItem)]
pub enum MemoryListItemSchema {
    /// A memory.
    Memory(MemorySchema),
    /// A directory.
    Prefix(MemoryPrefixSchema),
}

/// `{id, type: "memory_deleted"}`
#[derive(ToSchema)]
#[schema(as = DeletedMemory)]
pub struct DeletedMemorySchema {
    #[schema(example = "memory_deleted")]
    r#type: Tag,
    id: String,
}

/// Who made a change: `api_actor {api_key_id}`, `session_actor
/// {session_id}`, `user_actor {user_id}`, `service_account_actor
/// {service_account_id}`.
#[derive(ToSchema)]
#[schema(as = Actor)]
pub struct ActorSchema {
    #[schema(example = "api_actor")]
    r#type: Tag,
    api_key_id: Option<String>,
    session_id: Option<String>,
    user_id: Option<String>,
    service_account_id: Option<String>,
}

/// One immutable version of a memory; redaction nulls content, hash, size
/// and path.
#[derive(ToSchema)]
#[schema(as = MemoryVersion)]
pub struct MemoryVersionSchema {
    #[schema(example = "memory_version")]
    r#type: Tag,
    /// `memver_…`
    id: String,
    memory_id: String,
    memory_store_id: String,
    /// `created`, `modified` or `deleted`.
    operation: String,
    path: Option<String>,
    content: Option<String>,
    content_sha256: Option<String>,
    content_size_bytes: Option<u64>,
    #[schema(format = DateTime)]
    created_at: String,
    created_by: ActorSchema,
    #[schema(format = DateTime)]
    redacted_at: Option<String>,
    redacted_by: Option<ActorSchema>,
}

/// An event (VER-08); also the `data` of an SSE frame.
#[derive(ToSchema)]
#[schema(as = Event)]
pub struct EventSchema {
    /// Monotonic; the SSE event id.
    id: u64,
    /// e.g. `memory.created`, `memory_store.archived`.
    #[schema(example = "memory.created")]
    r#type: Tag,
    memory_store_id: String,
    session_id: Option<String>,
    /// memstore only: the agent of that session (issue 14); absent when it
    /// named none.
    agent_id: Option<String>,
    memory_id: Option<String>,
    memory_version_id: Option<String>,
    path: Option<String>,
    actor: ActorSchema,
    #[schema(format = DateTime)]
    created_at: String,
}

/// The first link of the audit chain that does not verify.
#[derive(ToSchema)]
#[schema(as = BrokenLink)]
pub struct BrokenLinkSchema {
    seq: u64,
    version_id: Option<String>,
    reason: String,
}

/// The result of walking a store's audit chain (VER-07).
#[derive(ToSchema)]
#[schema(as = ChainReport)]
pub struct ChainReportSchema {
    memory_store_id: String,
    ok: bool,
    versions_checked: u64,
    head: String,
    first_broken: Option<BrokenLinkSchema>,
}

/// A page of stores.
#[derive(ToSchema)]
#[schema(as = MemoryStorePage)]
pub struct StorePageSchema {
    data: Vec<MemoryStoreSchema>,
    /// Pass as `page` for the next page; null on the last.
    next_page: Option<String>,
}

/// A page of memories and prefixes.
#[derive(ToSchema)]
#[schema(as = MemoryPage)]
pub struct MemoryPageSchema {
    data: Vec<MemoryListItemSchema>,
    next_page: Option<String>,
}

/// A page of versions.
#[derive(ToSchema)]
#[schema(as = MemoryVersionPage)]
pub struct VersionPageSchema {
    data: Vec<MemoryVersionSchema>,
    next_page: Option<String>,
}

/// A page of events.
#[derive(ToSchema)]
#[schema(as = EventPage)]
pub struct EventPageSchema {
    data: Vec<EventSchema>,
    next_page: Option<String>,
}

/// How a session may use an attached store.
#[derive(ToSchema)]
#[schema(as = Access)]
#[allow(non_camel_case_types)]
pub enum AccessSchema {
    /// Reads and writes (the default).
    read_write,
    /// Reads only.
    read_only,
}

/// An attached store as the session reports it (SES-01, SES-02).
#[derive(ToSchema)]
#[schema(as = SessionResource)]
pub struct SessionResourceSchema {
    #[schema(example = "memory_store")]
    r#type: Tag,
    memory_store_id: String,
    access: AccessSchema,
    instructions: String,
    /// `/mnt/memory/<slug>`
    #[schema(example = "/mnt/memory/user-notes")]
    mount_path: String,
    /// Store name as of attach time.
    name: String,
    /// Store description as of attach time.
    description: String,
}

/// The agent that runs a session (issue 14).
#[derive(ToSchema)]
#[schema(as = Agent)]
pub struct AgentSchema {
    /// The harness's own agent identifier.
    id: String,
    /// A name for display.
    name: Option<String>,
    /// The operator's metadata pairs.
    metadata: BTreeMap<String, String>,
}

/// A page of sessions, newest first.
#[derive(ToSchema)]
#[schema(as = SessionPage)]
pub struct SessionPageSchema {
    data: Vec<SessionSchema>,
    /// Pass as `page` for the next page; null on the last.
    next_page: Option<String>,
}

/// An agent session (API-04, SES-04).
#[derive(ToSchema)]
#[schema(as = Session)]
pub struct SessionSchema {
    #[schema(example = "session")]
    r#type: Tag,
    /// `sesn_…`
    id: String,
    /// The API key that created it.
    owner_api_key_id: Option<String>,
    resources: Vec<SessionResourceSchema>,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    ended_at: Option<String>,
    /// The agent that runs it; absent when the session named none.
    agent: Option<AgentSchema>,
    /// Whether the system prompt names the agent; absent when false.
    render_agent_in_prompt: Option<bool>,
}

/// A version a tool call created.
#[derive(ToSchema)]
#[schema(as = Change)]
pub struct ChangeSchema {
    /// The memory's path after the change.
    path: String,
    /// The new version (`memver_…`).
    version_id: String,
    memory_id: String,
    /// `created`, `modified` or `deleted`.
    operation: String,
}

/// The result of a tool call (TOOL-01).
#[derive(ToSchema)]
#[schema(as = ToolResult)]
pub struct ToolResultSchema {
    /// The text for the agent (the `tool_result` content).
    content: String,
    /// Whether the tool failed.
    is_error: bool,
    changes: Vec<ChangeSchema>,
    /// For the harness, not the agent: something about how the call ran,
    /// e.g. that it waited for the bash tool to compile on a cold cache.
    /// Absent when there is nothing to say.
    notice: Option<String>,
}

/// One entry of a session's tool-call log (SES-04).
#[derive(ToSchema)]
#[schema(as = SessionToolCall)]
pub struct SessionToolCallSchema {
    /// Sequence number; pass as `after` or `page`.
    id: u64,
    session_id: String,
    #[schema(example = "tool_call")]
    r#type: Tag,
    /// The tool (`read`, `write`, …).
    tool: String,
    is_error: bool,
    /// Versions the call created.
    changes: Vec<ChangeSchema>,
    #[schema(format = DateTime)]
    created_at: String,
}

/// A page of a session's tool calls.
#[derive(ToSchema)]
#[schema(as = SessionToolCallPage)]
pub struct ToolCallPageSchema {
    data: Vec<SessionToolCallSchema>,
    next_page: Option<String>,
}

/// A session's system-prompt section (SES-03).
#[derive(ToSchema)]
#[schema(as = SystemPrompt)]
pub struct SystemPromptSchema {
    #[schema(example = "system_prompt")]
    r#type: Tag,
    text: String,
}

/// The `error` object of an error body.
#[derive(ToSchema)]
#[schema(as = ErrorDetail)]
pub struct ErrorDetailSchema {
    /// e.g. `invalid_request_error`, `memory_path_conflict_error`.
    r#type: String,
    message: String,
    /// Path conflicts only.
    conflicting_memory_id: Option<String>,
    /// Path conflicts only.
    conflicting_path: Option<String>,
}

/// Every error: `{"type":"error","error":{…}}` (API-02).
#[derive(ToSchema)]
#[schema(as = Error)]
pub struct ErrorSchema {
    #[schema(example = "error")]
    r#type: Tag,
    error: ErrorDetailSchema,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::{Value, json};
    use utoipa::OpenApi;

    use memstore_store::sessions::{Access, Session, SessionEvent, SessionResource};
    use memstore_store::{
        Actor, ChainReport, DeletedMemory, DeletedStore, Event, EventType, Memory, MemoryPrefix,
        MemoryStore, MemoryVersion, Operation, now,
    };

    fn properties(doc: &Value, schema: &str) -> BTreeSet<String> {
        doc["components"]["schemas"][schema]["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("no schema {schema}"))
            .keys()
            .cloned()
            .collect()
    }

    fn keys(v: Value) -> BTreeSet<String> {
        v.as_object().unwrap().keys().cloned().collect()
    }

    #[test]
    fn api_05_schemas_declare_every_field_the_model_serialises() {
        let doc = serde_json::to_value(super::super::openapi::ApiDoc::openapi()).unwrap();
        let at = now();
        let actor = Actor::Api {
            api_key_id: "apikey_x".into(),
        };
        let store = MemoryStore {
            id: "memstore_x".into(),
            name: "n".into(),
            description: String::new(),
            metadata: Default::default(),
            created_at: at,
            updated_at: at,
            archived_at: None,
            workspace_id: "w".into(),
        };
        let memory = Memory {
            id: "mem_x".into(),
            memory_store_id: store.id.clone(),
            path: "/a".into(),
            content: None,
            content_sha256: String::new(),
            content_size_bytes: 0,
            memory_version_id: "memver_x".into(),
            created_at: at,
            updated_at: at,
        };
        let version = MemoryVersion {
            id: "memver_x".into(),
            memory_id: memory.id.clone(),
            memory_store_id: store.id.clone(),
            operation: Operation::Created,
            path: None,
            content: None,
            content_sha256: None,
            content_size_bytes: None,
            created_at: at,
            created_by: actor.clone(),
            redacted_at: None,
            redacted_by: None,
        };
        let report = ChainReport {
            memory_store_id: store.id.clone(),
            ok: true,
            versions_checked: 0,
            head: String::new(),
            first_broken: None,
        };
        let event = Event {
            id: 1,
            event_type: EventType::MemoryCreated,
            memory_store_id: store.id.clone(),
            session_id: None,
            agent_id: Some("billing".into()),
            memory_id: None,
            memory_version_id: None,
            path: None,
            actor: actor.clone(),
            created_at: at,
        };
        let session = Session {
            id: "sesn_x".into(),
            owner_api_key_id: Some("apikey_x".into()),
            resources: vec![SessionResource {
                resource_type: "memory_store".into(),
                memory_store_id: store.id.clone(),
                access: Access::ReadOnly,
                instructions: String::new(),
                mount_path: "/mnt/memory/n".into(),
                name: "n".into(),
                description: String::new(),
            }],
            created_at: at,
            ended_at: Some(at),
            agent: Some(memstore_store::sessions::Agent {
                id: "billing".into(),
                name: Some("Billing".into()),
                metadata: [("team".to_owned(), "finance".to_owned())].into(),
            }),
            render_agent_in_prompt: true,
            workspace_id: "w".into(),
        };
        let change = memstore_store::Change {
            path: "/a".into(),
            version_id: "memver_x".into(),
            memory_id: "mem_x".into(),
            operation: Operation::Created,
        };
        let result = memstore_sandbox::ToolResult {
            content: String::new(),
            is_error: false,
            changes: vec![change.clone()],
            notice: Some("compiled".into()),
        };
        let prompt = crate::sessions::SystemPrompt {
            kind: "system_prompt",
            text: String::new(),
        };
        let logged = SessionEvent {
            id: 1,
            session_id: session.id.clone(),
            event_type: "tool_call".into(),
            tool: "write".into(),
            is_error: false,
            changes: vec![change.clone()],
            created_at: at,
        };
        let cases = [
            ("SessionToolCall", serde_json::to_value(&logged).unwrap()),
            ("Session", serde_json::to_value(&session).unwrap()),
            (
                "Agent",
                serde_json::to_value(session.agent.as_ref().unwrap()).unwrap(),
            ),
            (
                "SessionResource",
                serde_json::to_value(&session.resources[0]).unwrap(),
            ),
            ("ToolResult", serde_json::to_value(&result).unwrap()),
            ("Change", serde_json::to_value(&change).unwrap()),
            ("SystemPrompt", serde_json::to_value(&prompt).unwrap()),
            ("Event", serde_json::to_value(&event).unwrap()),
            ("MemoryStore", serde_json::to_value(&store).unwrap()),
            (
                "DeletedStore",
                serde_json::to_value(DeletedStore { id: "x".into() }).unwrap(),
            ),
            ("Memory", serde_json::to_value(&memory).unwrap()),
            (
                "MemoryPrefix",
                serde_json::to_value(MemoryPrefix { path: "/a/".into() }).unwrap(),
            ),
            (
                "DeletedMemory",
                serde_json::to_value(DeletedMemory { id: "x".into() }).unwrap(),
            ),
            ("MemoryVersion", serde_json::to_value(&version).unwrap()),
            ("ChainReport", serde_json::to_value(&report).unwrap()),
            ("Actor", serde_json::to_value(&actor).unwrap()),
            (
                "Actor",
                json!(Actor::Session {
                    session_id: "sesn_x".into()
                }),
            ),
        ];
        for (schema, value) in cases {
            let declared = properties(&doc, schema);
            let missing: Vec<_> = keys(value).difference(&declared).cloned().collect();
            assert!(missing.is_empty(), "{schema} does not declare {missing:?}");
        }
    }
}
