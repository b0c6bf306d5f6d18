//! memstore's built-in agent tools: the agent toolset (`read`, `write`,
//! `edit`, `glob`, `grep`) and the memory tool (`memory_20250818`).
//!
//! This library holds all tool logic and is written against the [`Store`]
//! trait, so it compiles and is tested on the host target; `main.rs` is the
//! wasm32-wasip2 entry point that supplies the real `memstore:memory/store`
//! import. Files are reached with `std::fs`: in the component the host serves
//! them from its store under `/mnt/memory/<slug>/…`.

pub mod agent;
pub mod memory_tool;
#[cfg(not(target_arch = "wasm32"))]
pub mod native_store;
pub mod paths;
pub mod protocol;
pub mod store;
mod update;

pub use protocol::{ToolError, ToolOutcome, ToolResult};
pub use store::{Memory, Mount, Store, StoreError};

/// The directory listing the mounts inside the sandbox; relative paths given
/// to the agent tools are taken from here.
pub const SANDBOX_WORKDIR: &str = "/mnt/memory";

/// Environment variable naming the mount that the memory tool's `/memories`
/// maps to.
pub const MEMORY_ROOT_ENV: &str = "MEMSTORE_MEMORY_ROOT";

/// The tools this component answers to, as named in `argv[1]`.
pub const TOOLS: [&str; 6] = ["read", "write", "edit", "glob", "grep", "memory"];

/// Everything one tool call runs against.
pub struct Session<'a> {
    /// The `store` import (or its native stand-in).
    pub store: &'a dyn Store,
    /// The mounts, read once per call.
    pub mounts: Vec<Mount>,
    /// Directory that relative paths and pattern searches start from.
    pub workdir: String,
    /// Where `/memories` maps to: the configured mount path, or else the
    /// first writable mount.
    pub memory_root: Option<String>,
}

impl<'a> Session<'a> {
    /// A session over `store`; `memory_root` is the value of
    /// [`MEMORY_ROOT_ENV`] when set.
    pub fn new(store: &'a dyn Store, workdir: &str, memory_root: Option<String>) -> Self {
        let mounts = store.mounts();
        let memory_root = memory_root
            .filter(|root| !root.is_empty())
            .map(|root| paths::normalize(&root))
            .or_else(|| mounts.iter().find(|m| m.writable).map(|m| m.path.clone()));
        Session {
            store,
            mounts,
            workdir: paths::normalize(workdir),
            memory_root,
        }
    }

    /// Runs one tool on its JSON input.
    pub fn run(&self, tool: &str, input: &str) -> ToolResult {
        let outcome = match tool {
            "read" => agent::read::run(self, input),
            "write" => agent::write::run(self, input),
            "edit" => agent::edit::run(self, input),
            "glob" => agent::glob::run(self, input),
            "grep" => agent::grep::run(self, input),
            "memory" => memory_tool::run(self, input),
            other => protocol::fail(format!(
                "unknown tool {other:?}; expected one of {}",
                TOOLS.join(", ")
            )),
        };
        outcome.into()
    }

    /// Runs the call described by the component's `argv`.
    pub fn run_args(&self, args: &[String]) -> ToolResult {
        match args {
            [_, tool, input] => self.run(tool, input),
            _ => ToolResult {
                content: "usage: memstore-tools TOOL JSON_INPUT".into(),
                is_error: true,
            },
        }
    }
}

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests {
    use crate::testing::Sandbox;

    #[test]
    fn tool_01_unknown_tool_is_an_error_result() {
        let sb = Sandbox::new();
        let r = sb.session().run("ls", "{}");
        assert!(r.is_error);
        assert_eq!(
            r.content,
            "unknown tool \"ls\"; expected one of read, write, edit, glob, grep, memory"
        );
    }

    #[test]
    fn tool_01_wrong_argument_count_is_a_usage_error() {
        let sb = Sandbox::new();
        let r = sb
            .session()
            .run_args(&["memstore-tools".into(), "read".into()]);
        assert!(r.is_error);
        assert_eq!(r.content, "usage: memstore-tools TOOL JSON_INPUT");
    }

    #[test]
    fn tool_04_memory_root_defaults_to_first_writable_mount() {
        let sb = Sandbox::new();
        let session = sb.session();
        assert_eq!(
            session.memory_root.as_deref(),
            Some(sb.mount("notes").as_str())
        );
    }
}
