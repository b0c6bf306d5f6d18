//! Named limits of the data model (see REFERENCE.md, "Limits") and the
//! engine's tunable configuration.

use std::time::Duration;

/// MEM-02: a memory holds at most 100 KiB of UTF-8 text.
pub const MAX_CONTENT_BYTES: usize = 102_400;
/// MEM-03: a path is at most 1,024 bytes of UTF-8.
pub const MAX_PATH_BYTES: usize = 1_024;
/// MEM-03: a path has 1–20 segments.
pub const MAX_PATH_SEGMENTS: usize = 20;
/// STORE-01: store names are 1–255 characters.
pub const MAX_STORE_NAME_CHARS: usize = 255;
/// STORE-01: descriptions are at most 1,024 characters.
pub const MAX_DESCRIPTION_CHARS: usize = 1_024;
/// STORE-01: at most 16 metadata pairs.
pub const MAX_METADATA_PAIRS: usize = 16;
/// STORE-01: metadata keys are 1–64 characters.
pub const MAX_METADATA_KEY_CHARS: usize = 64;
/// STORE-01: metadata values are at most 512 characters.
pub const MAX_METADATA_VALUE_CHARS: usize = 512;
/// Issue 14: a session's agent id is 1–255 characters.
pub const MAX_AGENT_ID_CHARS: usize = 255;
/// API-03: page sizes are 1–100, default 20.
pub const MAX_PAGE_LIMIT: usize = 100;
/// API-03: the page size when none is given.
pub const DEFAULT_PAGE_LIMIT: usize = 20;
/// MEM-08: pages that carry content hold at most 20 items.
pub const MAX_FULL_VIEW_LIMIT: usize = 20;

/// Engine settings an operator may change.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// MEM-09: most live memories one store may hold.
    pub max_memories_per_store: usize,
    /// VER-06: versions older than this may be pruned …
    pub retention_age: Duration,
    /// … except the most recent this-many versions of each live memory.
    pub retention_keep_recent: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            max_memories_per_store: 10_000,
            retention_age: Duration::from_secs(30 * 24 * 60 * 60),
            retention_keep_recent: 10,
        }
    }
}
