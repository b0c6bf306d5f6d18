//! Sessions (API-04): `/v1/sessions[/{id}[/end|/tool_calls|/system_prompt|/events]]`.
//!
//! - `POST /v1/sessions` `{resources:[{type:"memory_store", memory_store_id,
//!   access?, instructions?}], agent?: {id, name?, metadata?},
//!   render_agent_in_prompt?}` → the session with each `mount_path`.
//! - `GET /v1/sessions?agent_id=&limit=&page=`: the workspace's sessions (or
//!   one agent's), newest first, paged; unknown parameters are a 400.
//! - `GET /v1/sessions/{id}`; `POST /v1/sessions/{id}/end` (idempotent).
//!   There is no `DELETE`: a session is never removed, because the versions
//!   it wrote stay attributed to it; ending it is final.
//! - `POST /v1/sessions/{id}/tool_calls` `{name, input}` →
//!   `{content, is_error, changes}`; a failing tool is still 200.
//! - `GET /v1/sessions/{id}/tool_calls`: the session's tool-call log
//!   (SES-04), oldest first, `{data, next_page}`. Calls that changed nothing
//!   are logged off the request path, so they may appear a moment later.
//! - `GET /v1/sessions/{id}/system_prompt` → `{type:"system_prompt", text}`.
//! - `GET /v1/sessions/{id}/events`: the memory changes the session made, as
//!   a JSON page or SSE ([`super::events::respond`]).
//!
//! Every handler first loads the session through [`owned_session`], so a
//! session of another workspace answers the same 404 as an unknown id
//! (SEC-01). Creating, ending and driving a session need a writer key; a
//! reader may only look. Rules live in the sandbox and the store, not here.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::auth::{Caller, Writer};
use super::error::{ApiError, ApiResult};
use super::events::{EventParams, respond};
use super::extract::{JsonBody, PathParams, QueryParams, blocking};
use memstore_sandbox::{Sandbox, SandboxError, ToolResult};
use memstore_store::sessions::{
    Access, Agent, NewAgent, NewAttachment, NewSession, Session, SessionEvent, SessionQuery,
};
use memstore_store::{EventQuery, Page};

/// The only kind of session resource.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResourceType {
    /// A memory store, mounted under `/mnt/memory`.
    MemoryStore,
}

/// One store to attach, in `POST /v1/sessions`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceParam {
    /// Always `memory_store`.
    #[serde(rename = "type")]
    pub resource_type: ResourceType,
    /// A store of the caller's workspace, not archived.
    pub memory_store_id: String,
    /// `read_write` (default) or `read_only`.
    #[serde(default)]
    #[schema(value_type = Option<super::schemas::AccessSchema>)]
    pub access: Access,
    /// Instructions for the agent about this store (≤ 4,096 characters).
    #[serde(default)]
    pub instructions: Option<String>,
}

/// The agent that runs a session, in `POST /v1/sessions` (issue 14).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentParam {
    /// The harness's own agent identifier: 1–255 characters, no control
    /// characters. Versions and events the session causes carry it.
    pub id: String,
    /// A name for display (1–255 characters).
    #[serde(default)]
    pub name: Option<String>,
    /// Up to 16 pairs (key 1–64 characters, value ≤ 512), as for stores;
    /// shown to the agent only with `render_agent_in_prompt`.
    #[serde(default)]
    pub metadata: Option<std::collections::BTreeMap<String, String>>,
}

/// Body of `POST /v1/sessions`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSession {
    /// Up to 8 stores, mounted in this order.
    pub resources: Vec<ResourceParam>,
    /// The agent that runs the session, if the harness names one.
    #[serde(default)]
    pub agent: Option<AgentParam>,
    /// Write the agent (name, id, metadata) into the system prompt's header.
    /// Default false: agents do not see operator metadata unasked. Needs
    /// `agent`.
    #[serde(default)]
    pub render_agent_in_prompt: bool,
}

/// Query of `GET /v1/sessions`; unknown parameters are refused.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListSessions {
    /// Only sessions of this agent (the `agent.id` they were created with).
    pub agent_id: Option<String>,
    /// Page size, 1–100 (default 20).
    pub limit: Option<u32>,
    /// `next_page` of the previous page.
    pub page: Option<String>,
    /// The SDKs' `?beta=true`: accepted, ignored.
    #[param(ignore)]
    #[serde(default)]
    pub beta: super::extract::Ignored,
}

/// Body of `POST /v1/sessions/{id}/tool_calls`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolCall {
    /// A built-in tool: `read`, `write`, `edit`, `glob`, `grep`, `bash` or
    /// `memory`.
    pub name: String,
    /// The tool's input object, as in a `tool_use` block.
    #[schema(value_type = Object)]
    pub input: serde_json::Map<String, serde_json::Value>,
}

/// Answer of `GET /v1/sessions/{id}/system_prompt`.
#[derive(Debug, Serialize)]
pub struct SystemPrompt {
    /// Always `system_prompt`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The section to put in the agent's system prompt (SES-03).
    pub text: String,
}

/// The routes, nested under `/v1`.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/sessions", post(create).get(list))
        .route("/sessions/{session_id}", get(retrieve))
        .route("/sessions/{session_id}/end", post(end))
        .route(
            "/sessions/{session_id}/tool_calls",
            post(tool_call).get(tool_calls),
        )
        .route("/sessions/{session_id}/system_prompt", get(system_prompt))
        .route("/sessions/{session_id}/events", get(events))
}

/// A session of the caller's workspace, or 404 (SEC-01: never reveal that
/// a session of another workspace exists).
///
/// # Errors
/// [`SandboxError::SessionNotFound`] for unknown or foreign sessions.
pub fn owned_session(sandbox: &Sandbox, caller: &Caller, id: &str) -> ApiResult<Session> {
    let session = sandbox.session(id)?;
    if session.workspace_id == caller.workspace {
        Ok(session)
    } else {
        Err(SandboxError::SessionNotFound(id.to_owned()).into())
    }
}

/// `POST /v1/sessions`
#[utoipa::path(post, path = "/v1/sessions", tag = "sessions", request_body = CreateSession,
    responses((status = 200, description = "The new session, with each mount path", body = super::schemas::SessionSchema), (status = 400, description = "Invalid request or archived store", body = super::schemas::ErrorSchema), (status = 403, description = "Reader key", body = super::schemas::ErrorSchema), (status = 404, description = "Unknown store", body = super::schemas::ErrorSchema)))]
pub async fn create(
    State(s): State<AppState>,
    Writer(caller): Writer,
    JsonBody(body): JsonBody<CreateSession>,
) -> ApiResult<Json<Session>> {
    let resources = body
        .resources
        .into_iter()
        .map(|r| NewAttachment {
            memory_store_id: r.memory_store_id,
            access: r.access,
            instructions: r.instructions.unwrap_or_default(),
        })
        .collect();
    if body.render_agent_in_prompt && body.agent.is_none() {
        return Err(ApiError::invalid(
            "render_agent_in_prompt: true needs an agent; pass agent {id, name?, metadata?} \
             or leave render_agent_in_prompt false",
        ));
    }
    let agent = body.agent.map(|a| NewAgent {
        agent: Agent {
            id: a.id,
            name: a.name,
            metadata: a.metadata.unwrap_or_default(),
        },
        render_in_prompt: body.render_agent_in_prompt,
    });
    let new = NewSession {
        workspace_id: caller.workspace,
        owner_api_key_id: Some(caller.key.id),
        resources,
    };
    blocking(move || Ok(Json(s.sandbox.create_agent_session(new, agent)?))).await
}

/// `GET /v1/sessions`: the caller's workspace's sessions newest first, or
/// with `agent_id` one agent's (issue 14).
#[utoipa::path(get, path = "/v1/sessions", tag = "sessions", params(ListSessions),
    responses((status = 200, description = "A page of sessions, newest first", body = super::schemas::SessionPageSchema), (status = 400, description = "Invalid request, an invalid agent_id, or an unknown query parameter", body = super::schemas::ErrorSchema)))]
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<ListSessions>,
) -> ApiResult<Json<Page<Session>>> {
    let limit = super::page_limit(q.limit)?;
    let query = SessionQuery {
        workspace_id: caller.workspace,
        agent_id: q.agent_id,
        limit,
        page: q.page,
    };
    blocking(move || Ok(Json(s.engine.list_sessions(&query)?))).await
}

/// `GET /v1/sessions/{id}`
#[utoipa::path(get, path = "/v1/sessions/{session_id}", tag = "sessions",
    responses((status = 200, description = "The session", body = super::schemas::SessionSchema), (status = 404, description = "Not found", body = super::schemas::ErrorSchema)))]
pub async fn retrieve(
    State(s): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<Session>> {
    blocking(move || owned_session(&s.sandbox, &caller, &id).map(Json)).await
}

/// `POST /v1/sessions/{id}/end`: idempotent; later tool calls are refused.
#[utoipa::path(post, path = "/v1/sessions/{session_id}/end", tag = "sessions",
    responses((status = 200, description = "The session, with ended_at set", body = super::schemas::SessionSchema), (status = 403, description = "Reader key", body = super::schemas::ErrorSchema), (status = 404, description = "Not found", body = super::schemas::ErrorSchema)))]
pub async fn end(
    State(s): State<AppState>,
    Writer(caller): Writer,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<Session>> {
    blocking(move || {
        owned_session(&s.sandbox, &caller, &id)?;
        Ok(Json(s.sandbox.end_session(&id)?))
    })
    .await
}

/// `POST /v1/sessions/{id}/tool_calls`: runs a built-in tool in the sandbox.
/// Versions it writes are attributed to the session (VER-02).
#[utoipa::path(post, path = "/v1/sessions/{session_id}/tool_calls", tag = "sessions",
    request_body = ToolCall,
    responses((status = 200, description = "The tool result; a failed tool has is_error true", body = super::schemas::ToolResultSchema), (status = 400, description = "Unknown tool or ended session", body = super::schemas::ErrorSchema), (status = 403, description = "Reader key", body = super::schemas::ErrorSchema), (status = 404, description = "Not found", body = super::schemas::ErrorSchema)))]
pub async fn tool_call(
    State(s): State<AppState>,
    Writer(caller): Writer,
    PathParams(id): PathParams<String>,
    JsonBody(call): JsonBody<ToolCall>,
) -> ApiResult<Json<ToolResult>> {
    let input = serde_json::Value::Object(call.input).to_string();
    blocking(move || {
        owned_session(&s.sandbox, &caller, &id)?;
        Ok(Json(s.sandbox.tool_call(&id, &call.name, &input)?))
    })
    .await
}

/// `GET /v1/sessions/{id}/tool_calls`: the tool-call log, oldest first,
/// paged by `after`/`page` (an entry id) and `limit`.
#[utoipa::path(get, path = "/v1/sessions/{session_id}/tool_calls", tag = "sessions",
    params(EventParams),
    responses((status = 200, description = "A page of the session's tool calls, oldest first", body = super::schemas::ToolCallPageSchema), (status = 400, description = "Invalid request", body = super::schemas::ErrorSchema), (status = 404, description = "Not found", body = super::schemas::ErrorSchema)))]
pub async fn tool_calls(
    State(s): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    QueryParams(q): QueryParams<EventParams>,
) -> ApiResult<Json<Page<SessionEvent>>> {
    let after = q.cursor()?.unwrap_or(0);
    let limit = q.page_size()?;
    blocking(move || {
        owned_session(&s.sandbox, &caller, &id)?;
        let log = s.sandbox.events(&id)?;
        let data: Vec<_> = log
            .into_iter()
            .filter(|e| e.id > after)
            .take(limit)
            .collect();
        let next_page = (data.len() == limit).then(|| data.last().map(|e| e.id.to_string()));
        Ok(Json(Page {
            data,
            next_page: next_page.flatten(),
        }))
    })
    .await
}

/// `GET /v1/sessions/{id}/system_prompt` (SES-03): deterministic.
#[utoipa::path(get, path = "/v1/sessions/{session_id}/system_prompt", tag = "sessions",
    responses((status = 200, description = "The system-prompt section", body = super::schemas::SystemPromptSchema), (status = 404, description = "Not found", body = super::schemas::ErrorSchema)))]
pub async fn system_prompt(
    State(s): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<SystemPrompt>> {
    blocking(move || {
        let session = owned_session(&s.sandbox, &caller, &id)?;
        let text = memstore_sandbox::prompt::render(&session);
        Ok(Json(SystemPrompt {
            kind: "system_prompt",
            text,
        }))
    })
    .await
}

/// `GET /v1/sessions/{id}/events`: the memory changes the session made
/// (VER-08), as a page or, with `Accept: text/event-stream`, as SSE.
#[utoipa::path(get, path = "/v1/sessions/{session_id}/events", tag = "sessions",
    params(EventParams),
    responses((status = 200, description = "A page of events, oldest first, or an SSE stream \
        when the request accepts text/event-stream", body = super::schemas::EventPageSchema), (status = 400, description = "Invalid request", body = super::schemas::ErrorSchema), (status = 404, description = "Not found", body = super::schemas::ErrorSchema)))]
pub async fn events(
    State(s): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    QueryParams(q): QueryParams<EventParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let sandbox = s.sandbox.clone();
    let session_id = id.clone();
    blocking(move || owned_session(&sandbox, &caller, &session_id).map(drop)).await?;
    let query = EventQuery {
        session_id: Some(id),
        ..EventQuery::default()
    };
    respond(s, query, q, &headers).await
}
