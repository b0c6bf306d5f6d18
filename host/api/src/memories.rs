//! Memories (MEM-01..08): `/v1/memory_stores/{id}/memories[/{mem}]`.
//! Create and update answer the basic view unless `view=full`; retrieve
//! answers the full view unless `view=basic`, like the reference.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use super::AppState;
use super::auth::{Caller, Writer};
use super::error::{ApiError, ApiResult};
use super::extract::{JsonBody, PathParams, QueryParams, blocking};
use super::stores::owned_store;
use memstore_store::{
    DeletedMemory, Memory, MemoryListItem, MemoryQuery, MemoryUpdate, Page, View,
};

/// Body of `POST /v1/memory_stores/{id}/memories`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMemory {
    /// Where the memory goes (MEM-03).
    pub path: String,
    /// UTF-8 text, at most 102,400 bytes.
    pub content: Option<String>,
}

/// The only precondition the reference defines.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", deny_unknown_fields)]
pub enum PreconditionBody {
    /// The memory's current content must hash to this.
    #[serde(rename = "content_sha256")]
    ContentSha256 {
        /// 64 lowercase hex characters.
        content_sha256: String,
    },
}

/// Body of `POST /v1/memory_stores/{id}/memories/{mem}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMemory {
    /// New content.
    #[serde(default)]
    pub content: Option<String>,
    /// New path (a rename that keeps the id).
    #[serde(default)]
    pub path: Option<String>,
    /// Condition for the update to apply (MEM-05).
    #[serde(default)]
    pub precondition: Option<PreconditionBody>,
}

/// The `view` query parameter alone.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ViewParam {
    /// `basic` (content null) or `full`.
    #[param(value_type = Option<String>)]
    pub view: Option<View>,
}

/// Query of `GET /v1/memory_stores/{id}/memories`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListMemories {
    /// Directory to list, ending in `/`.
    pub path_prefix: Option<String>,
    /// 0 or omitted = recursive; n = roll up below n levels.
    pub depth: Option<u32>,
    /// Page size, 1–100 (at most 20 with `view=full`).
    pub limit: Option<u32>,
    /// `next_page` of the previous page.
    pub page: Option<String>,
    /// `basic` (default) or `full`.
    #[param(value_type = Option<String>)]
    pub view: Option<View>,
}

/// Query of `DELETE /v1/memory_stores/{id}/memories/{mem}`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DeleteMemoryParams {
    /// Delete only if the content still hashes to this (MEM-07).
    pub expected_content_sha256: Option<String>,
}

/// Drops the content for the basic view.
fn viewed(mut m: Memory, view: View) -> Memory {
    if view == View::Basic {
        m.content = None;
    }
    m
}

/// `POST /v1/memory_stores/{id}/memories`
#[utoipa::path(post, path = "/v1/memory_stores/{memory_store_id}/memories", tag = "memories",
    params(ViewParam), request_body = CreateMemory,
    responses((status = 200, description = "The new memory", body = super::schemas::MemorySchema), (status = 400, description = "Invalid request", body = super::schemas::ErrorSchema), (status = 404, description = "Not found", body = super::schemas::ErrorSchema), (status = 409, description = "Path conflict", body = super::schemas::ErrorSchema)))]
pub async fn create(
    State(s): State<AppState>,
    Writer(caller): Writer,
    PathParams(store_id): PathParams<String>,
    QueryParams(q): QueryParams<ViewParam>,
    JsonBody(body): JsonBody<CreateMemory>,
) -> ApiResult<Json<Memory>> {
    let content = body
        .content
        .ok_or_else(|| ApiError::invalid("content: a string is required"))?;
    blocking(move || {
        owned_store(&s.engine, &caller, &store_id)?;
        let out = s
            .engine
            .create_memory(&store_id, &body.path, &content, &caller.actor())?;
        Ok(Json(viewed(out.memory, q.view.unwrap_or(View::Basic))))
    })
    .await
}

/// `GET /v1/memory_stores/{id}/memories`
#[utoipa::path(get, path = "/v1/memory_stores/{memory_store_id}/memories", tag = "memories",
    params(ListMemories),
    responses((status = 200, description = "A page of memories and memory prefixes, in path order", body = super::schemas::MemoryPageSchema), (status = 400, description = "Invalid request", body = super::schemas::ErrorSchema), (status = 404, description = "Not found", body = super::schemas::ErrorSchema)))]
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    PathParams(store_id): PathParams<String>,
    QueryParams(q): QueryParams<ListMemories>,
) -> ApiResult<Json<Page<MemoryListItem>>> {
    let limit = super::page_limit(q.limit)?;
    blocking(move || {
        owned_store(&s.engine, &caller, &store_id)?;
        let query = MemoryQuery {
            path_prefix: q.path_prefix,
            depth: q.depth.unwrap_or(0) as usize,
            view: q.view.unwrap_or(View::Basic),
            limit,
            page: q.page,
        };
        Ok(Json(s.engine.list_memories(&store_id, &query)?))
    })
    .await
}

/// `GET /v1/memory_stores/{id}/memories/{mem}`
#[utoipa::path(get, path = "/v1/memory_stores/{memory_store_id}/memories/{memory_id}",
    tag = "memories", params(ViewParam), responses((status = 200, description = "The memory", body = super::schemas::MemorySchema), (status = 400, description = "Invalid request", body = super::schemas::ErrorSchema), (status = 404, description = "Not found", body = super::schemas::ErrorSchema)))]
pub async fn retrieve(
    State(s): State<AppState>,
    caller: Caller,
    PathParams((store_id, memory_id)): PathParams<(String, String)>,
    QueryParams(q): QueryParams<ViewParam>,
) -> ApiResult<Json<Memory>> {
    blocking(move || {
        owned_store(&s.engine, &caller, &store_id)?;
        let m = s.engine.memory(&store_id, &memory_id)?;
        Ok(Json(viewed(m, q.view.unwrap_or(View::Full))))
    })
    .await
}

/// `POST /v1/memory_stores/{id}/memories/{mem}`
#[utoipa::path(post, path = "/v1/memory_stores/{memory_store_id}/memories/{memory_id}",
    tag = "memories", params(ViewParam), request_body = UpdateMemory,
    responses((status = 200, description = "The memory after the update", body = super::schemas::MemorySchema), (status = 400, description = "Invalid request", body = super::schemas::ErrorSchema), (status = 404, description = "Not found", body = super::schemas::ErrorSchema), (status = 409, description = "Path conflict or precondition failed", body = super::schemas::ErrorSchema)))]
pub async fn update(
    State(s): State<AppState>,
    Writer(caller): Writer,
    PathParams((store_id, memory_id)): PathParams<(String, String)>,
    QueryParams(q): QueryParams<ViewParam>,
    JsonBody(body): JsonBody<UpdateMemory>,
) -> ApiResult<Json<Memory>> {
    blocking(move || {
        owned_store(&s.engine, &caller, &store_id)?;
        let update = MemoryUpdate {
            content: body.content,
            path: body.path,
            precondition: body.precondition.map(|p| match p {
                PreconditionBody::ContentSha256 { content_sha256 } => content_sha256,
            }),
        };
        let out = s
            .engine
            .update_memory(&store_id, &memory_id, update, &caller.actor())?;
        Ok(Json(viewed(out.memory, q.view.unwrap_or(View::Basic))))
    })
    .await
}

/// `DELETE /v1/memory_stores/{id}/memories/{mem}`
#[utoipa::path(delete, path = "/v1/memory_stores/{memory_store_id}/memories/{memory_id}",
    tag = "memories", params(DeleteMemoryParams),
    responses((status = 200, description = "The memory is deleted", body = super::schemas::DeletedMemorySchema), (status = 400, description = "Invalid request", body = super::schemas::ErrorSchema), (status = 404, description = "Not found", body = super::schemas::ErrorSchema), (status = 409, description = "Precondition failed", body = super::schemas::ErrorSchema)))]
pub async fn delete(
    State(s): State<AppState>,
    Writer(caller): Writer,
    PathParams((store_id, memory_id)): PathParams<(String, String)>,
    QueryParams(q): QueryParams<DeleteMemoryParams>,
) -> ApiResult<Json<DeletedMemory>> {
    blocking(move || {
        owned_store(&s.engine, &caller, &store_id)?;
        Ok(Json(s.engine.delete_memory(
            &store_id,
            &memory_id,
            q.expected_content_sha256.as_deref(),
            &caller.actor(),
        )?))
    })
    .await
}
