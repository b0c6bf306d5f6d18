//! Per-call limits of the sandbox (TOOL-02), with named defaults.
//!
//! Owns only the numbers and their reasons; `engine` and `runner` apply them.

use std::time::Duration;

/// Wall time of one tool call: generous for a file tool, short enough that a
/// looping guest does not hold a session.
pub const DEFAULT_WALL_TIME: Duration = Duration::from_secs(10);
/// Fuel (roughly wasm instructions) of one call: a few seconds of work.
pub const DEFAULT_FUEL: u64 = 10_000_000_000;
/// Linear memory of one call: room for a tool scanning a full store.
pub const DEFAULT_MEMORY_BYTES: usize = 256 * 1024 * 1024;
/// Bytes of stdout (and, separately, stderr) kept; the rest is cut with a
/// marker.
pub const DEFAULT_OUTPUT_BYTES: usize = 1024 * 1024;
/// How often the epoch ticks; the resolution of the wall-time limit.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);
/// Component instances the pooling allocator keeps slots for (concurrent calls).
pub const DEFAULT_POOL_INSTANCES: u32 = 64;

/// Limits applied to every tool call of a [`super::Sandbox`].
#[derive(Debug, Clone)]
pub struct Limits {
    /// Wall time (epoch interruption).
    pub wall_time: Duration,
    /// Fuel budget.
    pub fuel: u64,
    /// Linear memory cap, per call.
    pub memory_bytes: usize,
    /// Output bytes kept per stream.
    pub output_bytes: usize,
    /// Concurrent calls the pooling allocator provides for.
    pub pool_instances: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            wall_time: DEFAULT_WALL_TIME,
            fuel: DEFAULT_FUEL,
            memory_bytes: DEFAULT_MEMORY_BYTES,
            output_bytes: DEFAULT_OUTPUT_BYTES,
            pool_instances: DEFAULT_POOL_INSTANCES,
        }
    }
}
