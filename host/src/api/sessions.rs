//! TODO(issue 4, after the sandbox merge): the session endpoints (API-04).
//!
//! This is the module boundary for `/v1/sessions…`; nothing is routed yet.
//! Planned, to match the documented shapes the example harness uses:
//! - `POST /v1/sessions` `{resources:[{type:"memory_store", memory_store_id,
//!   access, instructions}]}` → `{id, resources:[{…, mount_path, name,
//!   description}]}`; every store must belong to the caller's workspace
//!   (else 404), archived stores are refused (400).
//! - `GET /v1/sessions/{id}`, `POST /v1/sessions/{id}/end`.
//! - `POST /v1/sessions/{id}/tool_calls` `{name, input}` →
//!   `{content, is_error, changes:[{path, version_id, operation}]}`
//!   (writer role; writes carry `session_actor`).
//! - `GET /v1/sessions/{id}/system_prompt`.
//! - `GET /v1/sessions/{id}/events`: reuse [`super::events::respond`] with
//!   `EventQuery { session_id, .. }` after checking the session's workspace.

use axum::Router;

use super::AppState;

/// The session routes, nested under `/v1` (none yet).
pub fn routes() -> Router<AppState> {
    Router::new()
}
