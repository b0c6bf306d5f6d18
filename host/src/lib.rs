//! memstore: durable, versioned memory stores for AI agents.
//!
//! - [`store`]: the store engine (stores, memories, versions, audit chain,
//!   events) on an embedded SQLite file. Knows nothing of wasm or HTTP.
//! - [`vfs`]: the virtual filesystem served from the store (no wasmtime).
//! - [`sandbox`]: wasmtime host, sessions and tool calls.

pub mod sandbox;
pub mod store;
pub mod vfs;
