//! memstore-only store operations (beyond the reference): audit-chain
//! verification (VER-07) and rollback to a version (VER-05).

use axum::Json;
use axum::extract::State;

use super::AppState;
use super::auth::{Caller, Writer};
use super::error::ApiResult;
use super::extract::{PathParams, QueryParams, blocking};
use super::memories::ViewParam;
use super::stores::owned_store;
use memstore_store::{ChainReport, Memory, View};

/// `GET /v1/memory_stores/{id}/audit/verify`
#[utoipa::path(get, path = "/v1/memory_stores/{memory_store_id}/audit/verify", tag = "audit",
    responses((status = 200, description = "The result of walking the store's audit chain", body = super::schemas::ChainReportSchema), (status = 400, description = "Invalid request", body = super::schemas::ErrorSchema), (status = 404, description = "Not found", body = super::schemas::ErrorSchema)))]
pub async fn verify(
    State(s): State<AppState>,
    caller: Caller,
    PathParams(store_id): PathParams<String>,
) -> ApiResult<Json<ChainReport>> {
    blocking(move || {
        owned_store(&s.engine, &caller, &store_id)?;
        Ok(Json(s.engine.verify_chain(&store_id)?))
    })
    .await
}

/// `POST /v1/memory_stores/{id}/memory_versions/{ver}/rollback`
#[utoipa::path(post,
    path = "/v1/memory_stores/{memory_store_id}/memory_versions/{memory_version_id}/rollback",
    tag = "audit", params(ViewParam),
    responses((status = 200, description = "The memory with the version's content restored", body = super::schemas::MemorySchema), (status = 400, description = "Invalid request", body = super::schemas::ErrorSchema), (status = 404, description = "Not found", body = super::schemas::ErrorSchema)))]
pub async fn rollback(
    State(s): State<AppState>,
    Writer(caller): Writer,
    PathParams((store_id, version_id)): PathParams<(String, String)>,
    QueryParams(q): QueryParams<ViewParam>,
) -> ApiResult<Json<Memory>> {
    blocking(move || {
        owned_store(&s.engine, &caller, &store_id)?;
        let mut m = s
            .engine
            .rollback(&store_id, &version_id, &caller.actor())?
            .memory;
        if q.view.unwrap_or(View::Basic) == View::Basic {
            m.content = None;
        }
        Ok(Json(m))
    })
    .await
}
