//! The sandbox: agents' file tools run as WebAssembly components under
//! wasmtime, with every attached store mounted under `/mnt/memory/<slug>`
//! (SES, FS, TOOL; SEC-02..04).
//!
//! [`Sandbox`] is the library entry point for the CLI and the HTTP API:
//! sessions, tool calls of the built-in tools component, and third-party
//! WASI 0.2 command components (TOOL-07). It knows nothing of HTTP. It never
//! spawns a host process, preopens a host directory, or passes the host's
//! environment or network to a guest.

mod bash;
mod bindings;
mod call_log;
mod engine;
pub mod error;
mod filesystem;
pub mod limits;
mod output;
mod preopens;
pub mod prompt;
mod runner;
mod snapshot;
mod store_iface;
mod streams;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use bash::BASH_WASM;
pub use error::SandboxError;
pub use limits::Limits;
pub use runner::Execution;

use call_log::CallLog;
use engine::WasmEngine;
use memstore_store::sessions::{Access, CallContext, NewAgent, NewSession, Session, SessionEvent};
use memstore_store::{Actor, Change, Engine};
use memstore_vfs::{Mount, MountTable};
use runner::CallSpec;

/// The built-in tools component (`guest/`, bin `memstore-tools`), built by
/// `host/sandbox/build.rs` for `wasm32-wasip2`.
pub const TOOLS_WASM: &[u8] = include_bytes!(env!("MEMSTORE_TOOLS_WASM"));

/// The built-in tools (TOOL-03, TOOL-04, TOOL-06).
pub const TOOLS: &[&str] = &["read", "write", "edit", "glob", "grep", "bash", "memory"];

/// Marker appended to output cut at the limit.
pub const TRUNCATED_MARKER: &str = "\n[output truncated: limit reached]";

/// How a [`Sandbox`] is set up.
#[derive(Debug, Clone, Default)]
pub struct SandboxConfig {
    /// Per-call limits.
    pub limits: Limits,
    /// Where compiled components are cached across processes; `None`
    /// compiles in memory only.
    pub cache_dir: Option<PathBuf>,
}

impl SandboxConfig {
    /// The default cache directory: `$MEMSTORE_CACHE_DIR`, else
    /// `$XDG_CACHE_HOME/memstore/components`, else `~/.cache/memstore/components`.
    pub fn default_cache_dir() -> Option<PathBuf> {
        let env = |k| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        env("MEMSTORE_CACHE_DIR")
            .or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("memstore/components")))
            .or_else(|| env("HOME").map(|d| d.join(".cache/memstore/components")))
    }
}

/// The result of a tool call (TOOL-01).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolResult {
    /// The text for the agent.
    pub content: String,
    /// Whether the call failed.
    pub is_error: bool,
    /// Versions the call created.
    pub changes: Vec<Change>,
    /// Something the harness should know about this call that is not for
    /// the agent: that it waited for a component to compile, say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
}

/// What the built-in tools print on stdout.
#[derive(Deserialize)]
struct GuestAnswer {
    content: String,
    #[serde(default)]
    is_error: bool,
}

/// A component compiled and linked once, to run many times without
/// hashing or looking up its bytes again.
#[derive(Clone)]
pub struct LoadedComponent(wasmtime::component::InstancePre<runner::CallState>);

impl std::fmt::Debug for LoadedComponent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoadedComponent")
    }
}

/// The wasmtime engine plus the store: create sessions, run tool calls.
/// Share one per process (it is `Sync`); each call gets a fresh instance.
pub struct Sandbox {
    store: Engine,
    wasm: WasmEngine,
    limits: Limits,
    tools: std::sync::OnceLock<LoadedComponent>,
    bash: std::sync::OnceLock<LoadedComponent>,
    shells: bash::ShellLocks,
    log: CallLog,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("limits", &self.limits)
            .finish()
    }
}

impl Sandbox {
    /// Builds the engine (pooling allocator, epoch ticker) over `store`.
    ///
    /// # Errors
    /// wasmtime cannot be configured on this host.
    pub fn new(store: Engine, config: SandboxConfig) -> Result<Self, SandboxError> {
        let wasm = WasmEngine::new(&config.limits, config.cache_dir)?;
        let log = CallLog::start(store.clone()).map_err(|source| SandboxError::Thread {
            name: "session log",
            source,
        })?;
        Ok(Self {
            store,
            wasm,
            limits: config.limits,
            tools: std::sync::OnceLock::new(),
            bash: std::sync::OnceLock::new(),
            shells: bash::ShellLocks::default(),
            log,
        })
    }

    /// The store engine.
    pub fn store(&self) -> &Engine {
        &self.store
    }

    /// Compiles (or loads from the cache) and links a component, for
    /// [`Sandbox::run_loaded`].
    ///
    /// # Errors
    /// The bytes are not a component this sandbox can link.
    pub fn load(&self, wasm: &[u8]) -> Result<LoadedComponent, SandboxError> {
        self.wasm.load(wasm).map(LoadedComponent)
    }

    /// Compiles (or loads from the cache) the built-in components, so that
    /// no tool call waits for it; `serve` runs this in the background as it
    /// starts. With a cold cache the bash component takes tens of seconds.
    ///
    /// # Errors
    /// A component cannot be loaded.
    pub fn warm_up(&self) -> Result<(), SandboxError> {
        self.tools()?;
        self.bash_component().map(drop)
    }

    /// Creates a session (SES-01) with its stores mounted as the VFS lays
    /// them out (SES-02: [`memstore_vfs::mount_paths`]).
    ///
    /// # Errors
    /// Store errors: unknown or archived stores, too many attachments.
    pub fn create_session(&self, new: NewSession) -> Result<Session, SandboxError> {
        self.create_agent_session(new, None)
    }

    /// [`Sandbox::create_session`] run by `agent` if given (issue 14).
    ///
    /// # Errors
    /// As [`Sandbox::create_session`], and an agent that breaks its rules.
    pub fn create_agent_session(
        &self,
        new: NewSession,
        agent: Option<NewAgent>,
    ) -> Result<Session, SandboxError> {
        let mounts = memstore_vfs::mount_paths;
        Ok(self.store.create_agent_session(new, agent, mounts)?)
    }

    /// A session by id.
    ///
    /// # Errors
    /// [`SandboxError::SessionNotFound`].
    pub fn session(&self, id: &str) -> Result<Session, SandboxError> {
        self.store
            .session(id)?
            .ok_or_else(|| SandboxError::SessionNotFound(id.to_owned()))
    }

    /// Ends a session; later tool calls are refused.
    ///
    /// # Errors
    /// [`SandboxError::SessionNotFound`].
    pub fn end_session(&self, id: &str) -> Result<Session, SandboxError> {
        self.store
            .end_session(id)?
            .ok_or_else(|| SandboxError::SessionNotFound(id.to_owned()))
    }

    /// The session's tool-call log (SES-04).
    ///
    /// # Errors
    /// A database error.
    pub fn events(&self, id: &str) -> Result<Vec<SessionEvent>, SandboxError> {
        self.log.flush()?;
        Ok(self.store.session_events(id)?)
    }

    /// The system-prompt section of a session (SES-03).
    ///
    /// # Errors
    /// [`SandboxError::SessionNotFound`].
    pub fn system_prompt(&self, id: &str) -> Result<String, SandboxError> {
        Ok(prompt::render(&self.session(id)?))
    }

    /// Runs a built-in tool with its JSON input (TOOL-01, TOOL-03, TOOL-04).
    /// A failing tool is a result with `is_error`, not an `Err`.
    ///
    /// # Errors
    /// Unknown session or tool, an ended session, host failures.
    pub fn tool_call(
        &self,
        session_id: &str,
        tool: &str,
        input: &str,
    ) -> Result<ToolResult, SandboxError> {
        if !TOOLS.contains(&tool) {
            return Err(SandboxError::invalid(
                "tool",
                format!("unknown tool {tool:?}; the tools are {}", TOOLS.join(", ")),
            ));
        }
        if tool == "bash" {
            let result = self.bash(session_id, input)?;
            self.log(session_id, tool, result.is_error, result.changes.clone())?;
            return Ok(result);
        }
        let context = self.live_context(session_id)?;
        let tools = self.tools()?;
        let argv = ["memstore-tools", tool, input].map(str::to_owned);
        let mut exec = self.execute(context, &tools, &argv, &[], &self.limits)?;
        // TOOL-05: an edit whose conditional write lost a race at commit to
        // an overlapping change committed nothing; run it once more, from
        // the session as it is now, so it re-applies to the new content (or
        // reports why it cannot).
        if exec.outcome.raced && exec.outcome.changes.is_empty() {
            exec = self.execute(
                self.live_context(session_id)?,
                &tools,
                &argv,
                &[],
                &self.limits,
            )?;
        }
        let result = tool_result(&exec);
        self.log(session_id, tool, result.is_error, result.changes.clone())?;
        Ok(result)
    }

    /// The built-in tools component, compiled and linked once.
    fn tools(&self) -> Result<LoadedComponent, SandboxError> {
        if let Some(t) = self.tools.get() {
            return Ok(t.clone());
        }
        let loaded = self.load(TOOLS_WASM)?;
        Ok(self.tools.get_or_init(|| loaded).clone())
    }

    /// Runs any WASI 0.2 command component under the session's mounts and
    /// limits (TOOL-07); `args` become its `argv[1..]`. Its writes are
    /// committed only when it exits 0 without trapping.
    ///
    /// # Errors
    /// Unknown or ended session, a component that cannot be linked.
    pub fn run_component(
        &self,
        session_id: &str,
        wasm: &[u8],
        args: &[String],
    ) -> Result<Execution, SandboxError> {
        self.run_loaded(session_id, &self.load(wasm)?, args)
    }

    /// [`Sandbox::run_component`] for a component loaded once with
    /// [`Sandbox::load`].
    ///
    /// # Errors
    /// Unknown or ended session, host failures.
    pub fn run_loaded(
        &self,
        session_id: &str,
        component: &LoadedComponent,
        args: &[String],
    ) -> Result<Execution, SandboxError> {
        let context = self.live_context(session_id)?;
        let mut argv = vec!["tool".to_owned()];
        argv.extend(args.iter().cloned());
        let exec = self.execute(context, component, &argv, &[], &self.limits)?;
        let failed = exec.failure.is_some() || exec.exit_code != 0 || exec.outcome.failed;
        self.log(session_id, "run", failed, exec.outcome.changes.clone())?;
        Ok(exec)
    }

    /// Appends a tool call to the session log (SES-04): durably before
    /// answering when it created versions, in the background otherwise
    /// (see `call_log`).
    fn log(
        &self,
        session_id: &str,
        tool: &str,
        is_error: bool,
        changes: Vec<Change>,
    ) -> Result<(), SandboxError> {
        let wrote = !changes.is_empty();
        let event = SessionEvent::tool_call(session_id, tool, is_error, changes);
        if wrote {
            self.log.record(event)?;
        } else {
            self.log.queue(event);
        }
        Ok(())
    }

    /// The session with its mounts' state, refused once it has ended.
    fn live_context(&self, id: &str) -> Result<CallContext, SandboxError> {
        live(self.store.call_context(id)?, id)
    }

    fn execute(
        &self,
        context: CallContext,
        component: &LoadedComponent,
        argv: &[String],
        stdin: &[u8],
        limits: &Limits,
    ) -> Result<Execution, SandboxError> {
        let pre = &component.0;
        let mounts = mount_table(&context);
        let env: Vec<(String, String)> = mounts
            .mounts()
            .iter()
            .find(|m| m.writable)
            .map(|m| vec![("MEMSTORE_MEMORY_ROOT".to_owned(), m.path())])
            .unwrap_or_default();
        let session_id = context.session.id;
        let exec = runner::run(
            &self.wasm.engine,
            CallSpec {
                pre,
                store: &self.store,
                mounts,
                actor: Actor::Session {
                    session_id: session_id.clone(),
                },
                dirs: context.dirs.into_iter().collect(),
                argv,
                env: &env,
                stdin,
                limits,
            },
        )?;
        if let Some(dirs) = &exec.outcome.dirs {
            self.store
                .set_session_dirs(&session_id, dirs.iter().cloned().collect())?;
        }
        Ok(exec)
    }
}

/// The session's context, refused when there is no such session or it has
/// ended.
fn live(context: Option<CallContext>, id: &str) -> Result<CallContext, SandboxError> {
    let context = context.ok_or_else(|| SandboxError::SessionNotFound(id.to_owned()))?;
    if context.session.ended_at.is_some() {
        return Err(SandboxError::SessionEnded(id.to_owned()));
    }
    Ok(context)
}

/// The mount table of a call: archived stores are read-only (STORE-03).
fn mount_table(context: &CallContext) -> MountTable {
    let resources = context.session.resources.iter().zip(&context.archived);
    MountTable::new(
        resources
            .map(|(r, archived)| Mount {
                slug: r.slug().to_owned(),
                store_id: r.memory_store_id.clone(),
                name: r.name.clone(),
                writable: r.access == Access::ReadWrite && !archived,
            })
            .collect(),
    )
}

/// The tool result of a built-in tool's execution: its JSON answer, plus
/// what the filesystem noted, or the failure.
fn tool_result(exec: &Execution) -> ToolResult {
    let changes = exec.outcome.changes.clone();
    if let Some(failure) = &exec.failure {
        return ToolResult {
            content: failure.clone(),
            is_error: true,
            changes,
            notice: None,
        };
    }
    let stdout = String::from_utf8_lossy(&exec.stdout);
    let (mut content, mut is_error) = match serde_json::from_str::<GuestAnswer>(stdout.trim()) {
        Ok(a) if exec.exit_code == 0 => (a.content, a.is_error),
        _ => {
            let stderr = String::from_utf8_lossy(&exec.stderr);
            (
                format!(
                    "the tool failed (exit code {}): {}{}",
                    exec.exit_code,
                    stdout.trim(),
                    stderr.trim()
                ),
                true,
            )
        }
    };
    if exec.stdout_truncated {
        content.push_str(TRUNCATED_MARKER);
    }
    for note in &exec.outcome.notes {
        content.push('\n');
        content.push_str(note);
    }
    is_error |= exec.outcome.failed;
    ToolResult {
        content,
        is_error,
        changes,
        notice: None,
    }
}
