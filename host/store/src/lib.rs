//! The store engine: memory stores, memories, versions, the audit chain and
//! the event log, over any database that implements [`backend::Backend`].
//!
//! This crate knows nothing of WebAssembly, HTTP or SQL. [`Engine`] holds
//! the rules; [`backend`] is the seam a database implements (the
//! `memstore-sqlite` crate is the default one). It builds and tests without
//! wasmtime, axum or any database driver, and every crate of memstore above
//! it reaches a database only through it.

pub mod apikey;
pub mod backend;
pub mod chain;
pub mod cursor;
mod engine;
pub mod error;
pub mod ids;
pub mod limits;
pub mod model;
pub mod path;

pub use apikey::{ApiKey, Role};
pub use engine::sessions;
pub use engine::{
    Applied, BatchOp, CopyReport, Decide, Decision, Engine, content_sha256, validate_sha256,
};
pub use error::{ErrorKind, Result, StoreError};
pub use limits::EngineConfig;
pub use model::*;
