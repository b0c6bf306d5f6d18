//! memstore: durable, versioned memory stores for AI agents.
//!
//! - [`store`]: the store engine (stores, memories, versions, audit chain,
//!   events) on an embedded SQLite file. Knows nothing of wasm or HTTP.

pub mod api;
pub mod store;
