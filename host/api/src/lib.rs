//! The HTTP API (section 8): an axum server over the same [`Engine`] as the
//! CLI, wire-compatible with the reference service for memory stores,
//! memories and memory versions (API-01), plus memstore's own events, audit,
//! rollback and session endpoints (API-04).
//!
//! - [`serve`] runs the server on a listener until a shutdown signal, then
//!   finishes in-flight requests (writes are never cut off).
//! - [`error`] is the only place that maps store errors to HTTP.
//! - [`auth`] authenticates every request except `/healthz` and
//!   `/v1/openapi.json`.
//! - [`extract`] keeps axum's plain-text rejections from reaching clients.
//!
//! This crate must not contain store rules; handlers check grants, call
//! the engine on the blocking pool, and shape the answer.

pub mod audit;
pub mod auth;
pub mod error;
pub mod events;
pub mod extract;
pub mod memories;
pub mod openapi;
pub mod schemas;
pub mod sessions;
pub mod stores;
pub mod versions;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request};
use axum::routing::{get, post};
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;

use error::{ApiError, ApiResult};
use memstore_sandbox::{Sandbox, SandboxConfig};
use memstore_store::Engine;
use memstore_store::limits::MAX_PAGE_LIMIT;

/// Largest request body accepted (SEC-05): well above the 102,400-byte
/// content cap plus JSON escaping (a memory of control characters escapes
/// to six bytes each), far below anything that strains the server.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The header carrying each response's request id (API-02).
pub const REQUEST_ID_HEADER: &str = "request-id";

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    /// The store engine.
    pub engine: Engine,
    /// The one sandbox of the process (sessions and tool calls), over
    /// the same engine.
    pub sandbox: Arc<Sandbox>,
    /// Turns `true` when the server begins shutting down; long-lived
    /// responses (event streams) end on it.
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    /// Counts the engine's commits; event streams wait for it to change
    /// instead of polling.
    pub commits: tokio::sync::watch::Receiver<u64>,
}

/// Request ids: `req_` and 24 random base62 characters.
#[derive(Clone, Copy, Default)]
struct MakeId;

impl MakeRequestId for MakeId {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let id = memstore_store::ids::new_id("req_");
        Some(RequestId::new(id.parse().expect("ids are header-safe")))
    }
}

/// The full router with its middleware.
pub fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static(REQUEST_ID_HEADER);
    let v1 = Router::new()
        .route("/memory_stores", post(stores::create).get(stores::list))
        .route(
            "/memory_stores/{memory_store_id}",
            get(stores::retrieve)
                .post(stores::update)
                .delete(stores::delete),
        )
        .route(
            "/memory_stores/{memory_store_id}/archive",
            post(stores::archive),
        )
        .route(
            "/memory_stores/{memory_store_id}/memories",
            post(memories::create).get(memories::list),
        )
        .route(
            "/memory_stores/{memory_store_id}/memories/{memory_id}",
            get(memories::retrieve)
                .post(memories::update)
                .delete(memories::delete),
        )
        .route(
            "/memory_stores/{memory_store_id}/memory_versions",
            get(versions::list),
        )
        .route(
            "/memory_stores/{memory_store_id}/memory_versions/{memory_version_id}",
            get(versions::retrieve),
        )
        .route(
            "/memory_stores/{memory_store_id}/memory_versions/{memory_version_id}/redact",
            post(versions::redact),
        )
        .route(
            "/memory_stores/{memory_store_id}/memory_versions/{memory_version_id}/rollback",
            post(audit::rollback),
        )
        .route(
            "/memory_stores/{memory_store_id}/audit/verify",
            get(audit::verify),
        )
        .route(
            "/memory_stores/{memory_store_id}/events",
            get(events::store_events),
        )
        .route("/openapi.json", get(openapi::document))
        .merge(sessions::routes());
    Router::new()
        .nest("/v1", v1)
        .route("/healthz", get(healthz))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req
                .headers()
                .get(REQUEST_ID_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            tracing::info_span!("request", method = %req.method(), uri = %req.uri(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(request_id, MakeId))
}

/// Serves the API on `listener` until `shutdown` completes, then stops
/// accepting connections, ends event streams and waits for in-flight
/// requests (and so their writes) to finish.
///
/// The sandbox for session tool calls is created here with the default
/// limits and component cache ([`SandboxConfig::default_cache_dir`]), and
/// the built-in components are loaded on the blocking pool while the server
/// already answers ([`Sandbox::warm_up`]): compiling them with a cold cache
/// takes seconds (the bash tool, tens of seconds), which the first tool call
/// would otherwise pay. Use [`serve_with_sandbox`] to
/// choose the sandbox's configuration.
///
/// # Errors
/// An I/O error of the listener, or the sandbox cannot be created on this
/// host (as [`std::io::ErrorKind::Other`]).
pub async fn serve(
    listener: tokio::net::TcpListener,
    engine: Engine,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let config = SandboxConfig {
        cache_dir: SandboxConfig::default_cache_dir(),
        ..SandboxConfig::default()
    };
    let sandbox = Arc::new(Sandbox::new(engine, config).map_err(std::io::Error::other)?);
    let warm = sandbox.clone();
    tokio::task::spawn_blocking(move || {
        if let Err(e) = warm.warm_up() {
            tracing::warn!("cannot load the built-in tool components: {e}");
        }
    });
    serve_with_sandbox(listener, sandbox, shutdown).await
}

/// [`serve`] with a sandbox the caller built; the store engine is the
/// sandbox's.
///
/// # Errors
/// An I/O error of the listener.
pub async fn serve_with_sandbox(
    listener: tokio::net::TcpListener,
    sandbox: Arc<Sandbox>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (tx, rx) = tokio::sync::watch::channel(false);
    let (committed, commits) = tokio::sync::watch::channel(0u64);
    sandbox
        .store()
        .on_commit(move || committed.send_modify(|n| *n = n.wrapping_add(1)));
    let app = router(AppState {
        engine: sandbox.store().clone(),
        sandbox,
        shutdown: rx,
        commits,
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down: finishing in-flight requests");
            let _ = tx.send(true);
        })
        .await
}

/// `GET /healthz`: the process is up. Unauthenticated.
async fn healthz() -> &'static str {
    "ok"
}

async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::NotFound(format!("no such endpoint: {}", uri.path()))
}

async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    ApiError::NotFound(format!("{method} is not supported on {}", uri.path()))
}

/// The `limit` parameter: absent = 0 (the engine's default of 20), else
/// 1–100 (API-03).
///
/// # Errors
/// [`ApiError::InvalidRequest`] outside 1–100.
pub fn page_limit(limit: Option<u32>) -> ApiResult<usize> {
    match limit {
        None => Ok(0),
        Some(n) if (1..=MAX_PAGE_LIMIT as u32).contains(&n) => Ok(n as usize),
        Some(n) => Err(ApiError::invalid(format!(
            "limit: {n} is out of range; use 1 to {MAX_PAGE_LIMIT}"
        ))),
    }
}
