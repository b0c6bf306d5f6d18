//! memstore: durable, versioned memory stores for AI agents.
//!
//! - [`api`]: the HTTP server (axum), wire-compatible with the reference
//!   memory-store API; [`api::serve`] runs it on a listener.
//! - [`store`]: the store engine (stores, memories, versions, audit chain,
//!   events) on an embedded SQLite file. Knows nothing of wasm or HTTP.

pub mod api;
pub mod store;
