//! Memory versions (VER-01..04): list with filters, retrieve, redact, at
//! `/v1/memory_stores/{id}/memory_versions[/{ver}[/redact]]`.
//!
//! The listing also takes memstore's own `agent_id` filter (issue 14), and
//! its query is strict: a parameter it does not know is a 400 naming it,
//! so a misspelt filter never silently lists everything. The SDKs'
//! `beta=true` and the reference's removed `order`/`order_by` (API-06) are
//! still accepted and ignored.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use super::AppState;
use super::auth::{Caller, Writer};
use super::error::ApiResult;
use super::extract::{PathParams, QueryParams, blocking};
use super::memories::ViewParam;
use super::stores::owned_store;
use memstore_store::{Actor, MemoryVersion, Operation, Page, Timestamp, VersionQuery, View};

/// Query of `GET /v1/memory_stores/{id}/memory_versions`; unknown
/// parameters are refused.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListVersions {
    /// Only versions of this memory (also after its deletion).
    pub memory_id: Option<String>,
    /// `created`, `modified` or `deleted`.
    #[param(value_type = Option<String>)]
    pub operation: Option<Operation>,
    /// Only versions written by this session.
    pub session_id: Option<String>,
    /// Only versions written with this API key.
    pub api_key_id: Option<String>,
    /// Only versions written by this service account.
    pub service_account_id: Option<String>,
    /// memstore only: versions written by sessions of this agent (the
    /// `agent.id` a session was created with; 1–255 characters). Combines
    /// with the other filters by AND.
    pub agent_id: Option<String>,
    /// Created at or after (RFC 3339).
    #[serde(rename = "created_at[gte]")]
    #[param(rename = "created_at[gte]", value_type = Option<String>, format = DateTime)]
    pub created_at_gte: Option<Timestamp>,
    /// Created at or before (RFC 3339).
    #[serde(rename = "created_at[lte]")]
    #[param(rename = "created_at[lte]", value_type = Option<String>, format = DateTime)]
    pub created_at_lte: Option<Timestamp>,
    /// Page size, 1–100 (at most 20 with `view=full`).
    pub limit: Option<u32>,
    /// `next_page` of the previous page.
    pub page: Option<String>,
    /// `basic` (default) or `full`.
    #[param(value_type = Option<String>)]
    pub view: Option<View>,
    /// The SDKs' `?beta=true`, and the removed `order` and `order_by`
    /// (API-06): accepted, ignored.
    #[param(ignore)]
    #[serde(default)]
    pub beta: super::extract::Ignored,
    /// See `beta`.
    #[param(ignore)]
    #[serde(default)]
    pub order: super::extract::Ignored,
    /// See `beta`.
    #[param(ignore)]
    #[serde(default)]
    pub order_by: super::extract::Ignored,
}

impl ListVersions {
    /// The actor filters, combined with AND.
    fn actors(&self) -> Vec<Actor> {
        let mut actors = Vec::new();
        if let Some(id) = &self.session_id {
            actors.push(Actor::Session {
                session_id: id.clone(),
            });
        }
        if let Some(id) = &self.api_key_id {
            actors.push(Actor::Api {
                api_key_id: id.clone(),
            });
        }
        if let Some(id) = &self.service_account_id {
            actors.push(Actor::ServiceAccount {
                service_account_id: id.clone(),
            });
        }
        actors
    }
}

/// `GET /v1/memory_stores/{id}/memory_versions`
#[utoipa::path(get, path = "/v1/memory_stores/{memory_store_id}/memory_versions",
    tag = "memory_versions", params(ListVersions),
    responses((status = 200, description = "A page of memory versions, newest first", body = super::schemas::VersionPageSchema), (status = 400, description = "Invalid request, an invalid agent_id, or an unknown query parameter", body = super::schemas::ErrorSchema), (status = 404, description = "Not found", body = super::schemas::ErrorSchema)))]
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    PathParams(store_id): PathParams<String>,
    QueryParams(q): QueryParams<ListVersions>,
) -> ApiResult<Json<Page<MemoryVersion>>> {
    let limit = super::page_limit(q.limit)?;
    blocking(move || {
        owned_store(&s.engine, &caller, &store_id)?;
        let query = VersionQuery {
            created_by: q.actors(),
            agent_id: q.agent_id,
            memory_id: q.memory_id,
            operation: q.operation,
            created_gte: q.created_at_gte,
            created_lte: q.created_at_lte,
            view: q.view.unwrap_or(View::Basic),
            limit,
            page: q.page,
        };
        Ok(Json(s.engine.list_versions(&store_id, &query)?))
    })
    .await
}

/// `GET /v1/memory_stores/{id}/memory_versions/{ver}`
#[utoipa::path(get, path = "/v1/memory_stores/{memory_store_id}/memory_versions/{memory_version_id}",
    tag = "memory_versions", params(ViewParam),
    responses((status = 200, description = "The memory version (also when redacted)", body = super::schemas::MemoryVersionSchema), (status = 400, description = "Invalid request", body = super::schemas::ErrorSchema), (status = 404, description = "Not found", body = super::schemas::ErrorSchema)))]
pub async fn retrieve(
    State(s): State<AppState>,
    caller: Caller,
    PathParams((store_id, version_id)): PathParams<(String, String)>,
    QueryParams(q): QueryParams<ViewParam>,
) -> ApiResult<Json<MemoryVersion>> {
    blocking(move || {
        owned_store(&s.engine, &caller, &store_id)?;
        let mut v = s.engine.version(&store_id, &version_id)?;
        if q.view == Some(View::Basic) {
            v.content = None;
        }
        Ok(Json(v))
    })
    .await
}

/// `POST /v1/memory_stores/{id}/memory_versions/{ver}/redact`
#[utoipa::path(post,
    path = "/v1/memory_stores/{memory_store_id}/memory_versions/{memory_version_id}/redact",
    tag = "memory_versions",
    responses((status = 200, description = "The redacted memory version", body = super::schemas::MemoryVersionSchema), (status = 400, description = "Invalid request", body = super::schemas::ErrorSchema), (status = 404, description = "Not found", body = super::schemas::ErrorSchema)))]
pub async fn redact(
    State(s): State<AppState>,
    Writer(caller): Writer,
    PathParams((store_id, version_id)): PathParams<(String, String)>,
) -> ApiResult<Json<MemoryVersion>> {
    blocking(move || {
        owned_store(&s.engine, &caller, &store_id)?;
        Ok(Json(s.engine.redact_version(
            &store_id,
            &version_id,
            &caller.actor(),
        )?))
    })
    .await
}
