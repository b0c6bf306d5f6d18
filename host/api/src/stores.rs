//! Memory stores (STORE-01..05): `/v1/memory_stores[/{id}[/archive]]`.
//! Every store is looked up through [`Caller::own`], so another workspace's
//! store answers 404.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use super::AppState;
use super::auth::{Caller, Writer};
use super::error::ApiResult;
use super::extract::{JsonBody, PathParams, QueryParams, blocking};
use memstore_store::{
    DeletedStore, Engine, MemoryStore, NewStore, Page, StorePatch, StoreQuery, Timestamp,
};

/// Body of `POST /v1/memory_stores`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStore {
    /// 1–255 characters, no control characters.
    pub name: String,
    /// At most 1,024 characters.
    #[serde(default)]
    pub description: Option<String>,
    /// Up to 16 pairs.
    #[serde(default)]
    pub metadata: Option<BTreeMap<String, String>>,
}

/// Body of `POST /v1/memory_stores/{id}`: a patch.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateStore {
    /// New name.
    #[serde(default)]
    pub name: Option<String>,
    /// New description; `""` clears it.
    #[serde(default)]
    pub description: Option<String>,
    /// Metadata changes: a string sets a key, `null` removes it.
    #[serde(default)]
    pub metadata: Option<BTreeMap<String, Option<String>>>,
}

/// Query of `GET /v1/memory_stores`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListStores {
    /// Page size, 1–100 (default 20).
    pub limit: Option<u32>,
    /// `next_page` of the previous page.
    pub page: Option<String>,
    /// Include archived stores.
    pub include_archived: Option<bool>,
    /// Created at or after (RFC 3339).
    #[serde(rename = "created_at[gte]")]
    #[param(rename = "created_at[gte]", value_type = Option<String>, format = DateTime)]
    pub created_at_gte: Option<Timestamp>,
    /// Created at or before (RFC 3339).
    #[serde(rename = "created_at[lte]")]
    #[param(rename = "created_at[lte]", value_type = Option<String>, format = DateTime)]
    pub created_at_lte: Option<Timestamp>,
}

/// A store of the caller's workspace, or 404.
///
/// # Errors
/// Not found, or a database error.
pub fn owned_store(engine: &Engine, caller: &Caller, id: &str) -> ApiResult<MemoryStore> {
    caller.own(engine.store(id)?)
}

/// `POST /v1/memory_stores`
#[utoipa::path(post, path = "/v1/memory_stores", tag = "memory_stores",
    request_body = CreateStore, responses((status = 200, description = "The new memory store", body = super::schemas::MemoryStoreSchema), (status = 400, description = "Invalid request", body = super::schemas::ErrorSchema), (status = 404, description = "Not found", body = super::schemas::ErrorSchema)))]
pub async fn create(
    State(s): State<AppState>,
    Writer(caller): Writer,
    JsonBody(body): JsonBody<CreateStore>,
) -> ApiResult<Json<MemoryStore>> {
    blocking(move || {
        let new = NewStore {
            workspace_id: caller.workspace.clone(),
            name: body.name,
            description: body.description.unwrap_or_default(),
            metadata: body.metadata.unwrap_or_default(),
        };
        Ok(Json(s.engine.create_store(new, &caller.actor())?))
    })
    .await
}

/// `GET /v1/memory_stores`
#[utoipa::path(get, path = "/v1/memory_stores", tag = "memory_stores", params(ListStores),
    responses((status = 200, description = "A page of memory stores, newest first", body = super::schemas::StorePageSchema), (status = 400, description = "Invalid request", body = super::schemas::ErrorSchema), (status = 404, description = "Not found", body = super::schemas::ErrorSchema)))]
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<ListStores>,
) -> ApiResult<Json<Page<MemoryStore>>> {
    let limit = super::page_limit(q.limit)?;
    blocking(move || {
        let query = StoreQuery {
            workspace_id: Some(caller.workspace),
            include_archived: q.include_archived.unwrap_or(false),
            created_gte: q.created_at_gte,
            created_lte: q.created_at_lte,
            limit,
            page: q.page,
        };
        Ok(Json(s.engine.list_stores(&query)?))
    })
    .await
}

/// `GET /v1/memory_stores/{id}`
#[utoipa::path(get, path = "/v1/memory_stores/{memory_store_id}", tag = "memory_stores",
    responses((status = 200, description = "The memory store", body = super::schemas::MemoryStoreSchema), (status = 400, description = "Invalid request", body = super::schemas::ErrorSchema), (status = 404, description = "Not found", body = super::schemas::ErrorSchema)))]
pub async fn retrieve(
    State(s): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<MemoryStore>> {
    blocking(move || Ok(Json(owned_store(&s.engine, &caller, &id)?))).await
}

/// `POST /v1/memory_stores/{id}`
#[utoipa::path(post, path = "/v1/memory_stores/{memory_store_id}", tag = "memory_stores",
    request_body = UpdateStore, responses((status = 200, description = "The updated memory store", body = super::schemas::MemoryStoreSchema), (status = 400, description = "Invalid request", body = super::schemas::ErrorSchema), (status = 404, description = "Not found", body = super::schemas::ErrorSchema)))]
pub async fn update(
    State(s): State<AppState>,
    Writer(caller): Writer,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<UpdateStore>,
) -> ApiResult<Json<MemoryStore>> {
    blocking(move || {
        owned_store(&s.engine, &caller, &id)?;
        let patch = StorePatch {
            name: body.name,
            description: body.description,
            metadata: body.metadata,
        };
        Ok(Json(s.engine.update_store(&id, patch)?))
    })
    .await
}

/// `POST /v1/memory_stores/{id}/archive`
#[utoipa::path(post, path = "/v1/memory_stores/{memory_store_id}/archive", tag = "memory_stores",
    responses((status = 200, description = "The archived memory store", body = super::schemas::MemoryStoreSchema), (status = 400, description = "Invalid request", body = super::schemas::ErrorSchema), (status = 404, description = "Not found", body = super::schemas::ErrorSchema)))]
pub async fn archive(
    State(s): State<AppState>,
    Writer(caller): Writer,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<MemoryStore>> {
    blocking(move || {
        owned_store(&s.engine, &caller, &id)?;
        Ok(Json(s.engine.archive_store(&id, &caller.actor())?))
    })
    .await
}

/// `DELETE /v1/memory_stores/{id}`
#[utoipa::path(delete, path = "/v1/memory_stores/{memory_store_id}", tag = "memory_stores",
    responses((status = 200, description = "The store is deleted", body = super::schemas::DeletedStoreSchema), (status = 400, description = "Invalid request", body = super::schemas::ErrorSchema), (status = 404, description = "Not found", body = super::schemas::ErrorSchema)))]
pub async fn delete(
    State(s): State<AppState>,
    Writer(caller): Writer,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<DeletedStore>> {
    blocking(move || {
        owned_store(&s.engine, &caller, &id)?;
        s.engine.delete_store(&id, &caller.actor())?;
        Ok(Json(DeletedStore { id }))
    })
    .await
}
