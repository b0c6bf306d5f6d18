//! memstore's `bash` tool (TOOL-06, TOOL-08): one command of an agent's
//! shell session, run by the bashkit interpreter inside the sandbox.
//!
//! A call gets the command, its timeout and the session's saved shell state;
//! it restores the state into a fresh interpreter whose `/mnt/memory` is the
//! sandbox's (through [`fs::StdFs`]) and whose `/tmp` is scratch memory for
//! this call only, runs the command the way the reference tool runs it
//! (`{ CMD\n} </dev/null 2>&1`, so stdout and stderr arrive interleaved and
//! stdin is empty), and answers with the reference's result text and the
//! state to save. `restart` and a missing command are the host's to answer:
//! neither needs an interpreter.
//!
//! Everything a command writes under `/mnt/memory` is the host's business:
//! read-only mounts, the size cap, versions and merges are decided there.

pub mod fs;
pub mod output;
pub mod state;

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use bashkit::{
    Bash, Builtin, BuiltinContext, CommandResolver, ExecResult, ExecutionLimits, InMemoryFs,
    MountableFs, SessionLimits, async_trait,
};
use serde_json::{Value, json};

/// Where the stores are mounted, and the shell's first working directory.
pub const MOUNT_ROOT: &str = "/mnt/memory";

/// The timeout of a call whose agent asked for none: the host's default.
/// [`prepare`] builds the shell for it.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// Exit code of the component when the command ran out of time: the host
/// commits nothing of a call that exits non-zero. (WASI 0.2's `exit` carries
/// only success or failure, so the answer's `timed_out` says why.)
pub const TIMED_OUT_EXIT: i32 = 1;

/// Most bytes of output the interpreter buffers per stream. The result keeps
/// the last 100 KiB, so a command must be able to print more than that for
/// the tail to be right; past this the call's memory limit would be at risk.
const MAX_STREAM_BYTES: usize = 16 * 1024 * 1024;

/// The builtin that ends every call's script, as the reference's `printf`
/// of its sentinel does: it records the command's exit status. A shell
/// that never reaches it has exited (`exit`, `set -e`).
const END_MARKER: &str = "__memstore_end";

/// No status recorded yet.
const NOT_REACHED: i64 = i64::MIN;

/// Records the status it is given in a cell the call reads afterwards.
struct EndMarker(Arc<AtomicI64>);

#[async_trait]
impl Builtin for EndMarker {
    async fn execute(&self, ctx: BuiltinContext<'_>) -> bashkit::Result<ExecResult> {
        let status = ctx.args.first().and_then(|s| s.parse().ok()).unwrap_or(1);
        self.0.store(status, Ordering::Relaxed);
        Ok(ExecResult::ok(String::new()))
    }
}

/// Answers a command that is neither a function, a builtin nor a utility
/// as bash does, `bash: NAME: command not found` with status 127 (TOOL-06),
/// where bashkit would add suggestions and hints about its own sandbox.
struct NotFound;

impl CommandResolver for NotFound {
    fn resolve(&self, name: &str) -> Option<Arc<dyn Builtin>> {
        Some(Arc::new(NotFoundCommand(name.to_owned())))
    }
}

struct NotFoundCommand(String);

#[async_trait]
impl Builtin for NotFoundCommand {
    async fn execute(&self, _ctx: BuiltinContext<'_>) -> bashkit::Result<ExecResult> {
        Ok(ExecResult::err(
            format!("bash: {}: command not found\n", self.0),
            127,
        ))
    }
}

/// Shell-level counts no agent command should reach: the sandbox's fuel,
/// memory and wall-time limits are what bound a call. (`usize` is 32 bits
/// in the component.)
const UNBOUNDED: usize = usize::MAX / 2;

/// One call of the tool.
#[derive(Debug, Clone)]
pub struct Call {
    /// The command line (may span lines: here-documents, scripts).
    pub command: String,
    /// How long the command may run.
    pub timeout: Duration,
}

impl Call {
    /// Parses `{"command": …, "timeout_ms": …}` as the host sends it: the
    /// host has answered `restart` and a missing command, and resolved the
    /// default timeout, so both fields are always there.
    ///
    /// # Errors
    /// A message for the result when the input is not such an object.
    pub fn parse(input: &str) -> Result<Call, String> {
        let value: Value =
            serde_json::from_str(input).map_err(|e| format!("bash: invalid JSON input: {e}"))?;
        let field = |name| format!("bash: the host sent no {name}; input: {input}");
        let command = value
            .get("command")
            .and_then(Value::as_str)
            .ok_or_else(|| field("command"))?
            .to_owned();
        let timeout = value
            .get("timeout_ms")
            .and_then(Value::as_u64)
            .map(Duration::from_millis)
            .ok_or_else(|| field("timeout_ms"))?;
        Ok(Call { command, timeout })
    }
}

/// What the call answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The result text (TOOL-06).
    pub content: String,
    /// Whether the command exited non-zero (or could not run).
    pub is_error: bool,
    /// The shell state to save for the next call; `None` keeps nothing.
    pub state: Option<Value>,
    /// The command ran past its timeout.
    pub timed_out: bool,
    /// The command ended the shell itself (`exit`, `set -e`): like the
    /// reference's `/bin/bash`, the session's shell is gone until `restart`.
    pub exited: bool,
}

impl Answer {
    /// The JSON object the host reads from stdout.
    pub fn to_json(&self) -> String {
        json!({
            "content": self.content,
            "is_error": self.is_error,
            "state": self.state,
            "timed_out": self.timed_out,
            "exited": self.exited,
        })
        .to_string()
    }

    /// The component's exit code: non-zero tells the host to commit nothing.
    pub fn exit_code(&self) -> i32 {
        if self.timed_out { TIMED_OUT_EXIT } else { 0 }
    }

    /// A call that could not run its command.
    pub fn failed(content: impl Into<String>) -> Self {
        let content = content.into();
        Answer {
            content,
            is_error: true,
            state: None,
            timed_out: false,
            exited: false,
        }
    }
}

/// An interpreter built before its call, and what it was built for.
struct Prepared {
    root: PathBuf,
    timeout: Duration,
    bash: Bash,
    status: Arc<AtomicI64>,
}

thread_local! {
    /// The shell [`prepare`] built, taken by the next [`run`] that fits it.
    static PREPARED: RefCell<Option<Prepared>> = const { RefCell::new(None) };
}

/// Builds the interpreter of a call not made yet, for `/mnt/memory` served
/// from `root` and a timeout of `timeout`; the next [`run`] with the same
/// two takes it instead of building its own.
///
/// Building the interpreter (its ~160 builtins, Python, jq, the filesystem
/// layers) is most of what a short command costs inside the component. The
/// host therefore runs this once, through the component's
/// `wizer-initialize` export, and snapshots the instance: every call then
/// starts from a memory image that already holds the shell (PERF-06). What
/// must differ between calls (the seed of `$RANDOM`, the start of
/// `$SECONDS`) is set afresh by each call that takes the prepared shell;
/// nothing here touches a file, a stream or a clock handle, which a snapshot
/// could not carry.
///
/// # Errors
/// Why the shell could not be built.
pub fn prepare(root: &Path, timeout: Duration) -> Result<(), String> {
    let status = Arc::new(AtomicI64::new(NOT_REACHED));
    let bash = shell(root, timeout, EndMarker(status.clone())).map_err(|e| e.to_string())?;
    PREPARED.with_borrow_mut(|slot| {
        *slot = Some(Prepared {
            root: root.to_owned(),
            timeout,
            bash,
            status,
        });
    });
    Ok(())
}

/// The prepared shell, if there is one for this root and timeout.
fn take_prepared(root: &Path, timeout: Duration) -> Option<(Bash, Arc<AtomicI64>)> {
    PREPARED.with_borrow_mut(|slot| {
        let fits = slot
            .as_ref()
            .is_some_and(|p| p.root == root && p.timeout == timeout);
        let prepared = if fits { slot.take() } else { None };
        prepared.map(|p| (p.bash, p.status))
    })
}

/// Run in a prepared shell before its call's script: what a shell built
/// ahead of its call (in a snapshot, see [`prepare`]) would otherwise share
/// with every other call, the seed of `$RANDOM` and the start of
/// `$SECONDS`, is set afresh, as a new interpreter has them. An `exec` of
/// its own, so that the command's diagnostics (line and column), its
/// `set -x` trace and `$?` are untouched by it.
const FRESHEN: &str = "RANDOM=$SRANDOM SECONDS=0";

/// Runs one call with `/mnt/memory` served from `root` (`/mnt/memory`
/// itself inside the component; a temporary directory in tests), starting
/// from `saved` (the previous call's [`Answer::state`], if any).
pub fn run(call: &Call, saved: Option<&Value>, root: &Path) -> Answer {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return Answer::failed(format!("bash: cannot start the shell: {e}")),
    };
    let answer = runtime.block_on(run_async(call, saved, root));
    discard(runtime);
    answer
}

/// Lets go of what a call built. Inside the component the whole instance,
/// memory and all, is thrown away when the call ends, so freeing the
/// interpreter's many allocations one by one first would be wasted work
/// (a tenth of a short call). Natively (tests) it is dropped as usual.
fn discard<T>(value: T) {
    if cfg!(target_family = "wasm") {
        std::mem::forget(value);
    } else {
        drop(value);
    }
}

async fn run_async(call: &Call, saved: Option<&Value>, root: &Path) -> Answer {
    let (mut bash, status) = match take_prepared(root, call.timeout) {
        Some((mut bash, status)) => {
            // Two assignments to special variables: nothing to report.
            let _ = bash.exec(FRESHEN).await;
            (bash, status)
        }
        None => {
            let status = Arc::new(AtomicI64::new(NOT_REACHED));
            match shell(root, call.timeout, EndMarker(status.clone())) {
                Ok(bash) => (bash, status),
                Err(e) => return Answer::failed(format!("bash: cannot start the shell: {e}")),
            }
        }
    };
    let answer = run_in(&mut bash, &status, call, saved).await;
    discard(bash);
    answer
}

/// Runs the call in `bash`, whose end marker records into `status`.
async fn run_in(bash: &mut Bash, status: &AtomicI64, call: &Call, saved: Option<&Value>) -> Answer {
    let mut notes = String::new();
    let mut prelude = String::new();
    if let Some(saved) = saved {
        match state::restore(bash, saved) {
            Ok(()) => prelude = state::prelude(saved),
            // A state written by another version of the shell: start afresh
            // rather than refuse every call of the session.
            Err(e) => notes = format!("{e}; this call started a fresh shell\n"),
        }
    }
    // The marker stands on a line of its own: an error that abandons the
    // rest of the command's line (`$((1/0))`) must not skip it.
    let script = format!(
        "{prelude}{{ {}\n}} </dev/null 2>&1\n{END_MARKER} $?\n",
        call.command
    );
    let result = bash.exec(&script).await;
    match result {
        Ok(r) => {
            let end = status.load(Ordering::Relaxed);
            let exited = end == NOT_REACHED;
            let code = i32::try_from(end).unwrap_or(r.exit_code);
            let mut raw = r.stdout.into_bytes();
            // What bash prints before it runs anything (a syntax error) is
            // outside the group's redirection.
            raw.extend_from_slice(r.stderr.as_bytes());
            let mut content = if exited {
                output::render_exited(&raw)
            } else {
                output::render(&raw, code)
            };
            if !notes.is_empty() {
                content.insert_str(0, &notes);
            }
            Answer {
                content,
                is_error: exited || code != 0,
                state: (!exited).then(|| state::save(bash)),
                timed_out: false,
                exited,
            }
        }
        Err(bashkit::Error::ResourceLimit(
            bashkit::LimitExceeded::Timeout(_)
            | bashkit::LimitExceeded::ExecutionBudget(bashkit::ExecutionBudgetExceeded::Deadline {
                ..
            }),
        )) => Answer {
            content: String::new(),
            is_error: true,
            state: None,
            timed_out: true,
            exited: false,
        },
        Err(e) => Answer {
            content: format!("{notes}bash: {e}"),
            is_error: true,
            state: Some(state::save(bash)),
            timed_out: false,
            exited: false,
        },
    }
}

/// A fresh interpreter: `/mnt/memory` from `root`, everything else (`/tmp`,
/// `/dev/null`, a home directory) in memory for this call.
fn shell(root: &Path, timeout: Duration, end: EndMarker) -> bashkit::Result<Bash> {
    let memory = InMemoryFs::new();
    // The mount point's ancestors exist, so walks that resolve every
    // component (`grep -r`, `realpath`) find their way into the mount.
    memory.add_dir(MOUNT_ROOT, 0o755);
    let scratch = MountableFs::new(Arc::new(memory));
    scratch.mount(MOUNT_ROOT, Arc::new(fs::StdFs::new(root)))?;
    let limits = ExecutionLimits::new()
        .timeout(timeout)
        .max_work_units(u64::MAX / 2)
        .max_commands(UNBOUNDED)
        .max_loop_iterations(UNBOUNDED)
        .max_total_loop_iterations(UNBOUNDED)
        .max_stdout_bytes(MAX_STREAM_BYTES)
        .max_stderr_bytes(MAX_STREAM_BYTES);
    let mut bash = Bash::builder()
        .fs(Arc::new(scratch))
        .cwd(MOUNT_ROOT)
        .username("agent")
        .hostname("memstore")
        .env("LANG", "C.UTF-8")
        .env("TERM", "dumb")
        // Monty runs inside this component, which is the sandbox: the
        // in-process opt-in bashkit asks for is what we want.
        .env("BASHKIT_ALLOW_INPROCESS_PYTHON", "1")
        .limits(limits)
        .session_limits(SessionLimits::unlimited())
        .python()
        .builtin(END_MARKER, Box::new(end))
        .command_resolver(Arc::new(NotFound))
        .build();
    // Diagnostics read `bash: NAME: command not found` (TOOL-06).
    bash.set_interactive(true);
    Ok(bash)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A temporary `/mnt/memory` holding one mount, `notes`.
    struct Shell {
        root: tempfile::TempDir,
        state: Option<Value>,
    }

    impl Shell {
        fn new() -> Self {
            let root = tempfile::tempdir().expect("temp dir");
            std::fs::create_dir(root.path().join("notes")).unwrap();
            std::fs::write(root.path().join("notes/a.md"), "one\ntwo\nthree\n").unwrap();
            Shell { root, state: None }
        }

        fn run(&mut self, command: &str) -> Answer {
            let call = Call {
                command: command.into(),
                timeout: Duration::from_secs(10),
            };
            let answer = run(&call, self.state.as_ref(), self.root.path());
            if answer.state.is_some() {
                self.state = answer.state.clone();
            }
            answer
        }
    }

    #[test]
    fn perf_06_a_prepared_shell_serves_the_next_call_of_its_root_and_timeout() {
        let shell = Shell::new();
        let root = shell.root.path();
        let prepared = || PREPARED.with_borrow(Option::is_some);
        prepare(root, DEFAULT_TIMEOUT).expect("prepare");
        let other = Call {
            command: "echo other".into(),
            timeout: Duration::from_secs(5),
        };
        assert_eq!(run(&other, None, root).content, "other");
        assert!(
            prepared(),
            "a call with another timeout built its own shell"
        );
        let call = Call {
            command: "cd notes; cat a.md | wc -l; echo $SECONDS".into(),
            timeout: DEFAULT_TIMEOUT,
        };
        let answer = run(&call, None, root);
        assert!(!prepared(), "the call of the default timeout took it");
        assert_eq!((answer.content.as_str(), answer.is_error), ("3\n0", false));
        // The prepared shell saves the state a built one would.
        assert_eq!(run(&call, None, root).state, answer.state);
    }

    #[test]
    fn tool_06_runs_pipelines_over_the_mount() {
        let mut sh = Shell::new();
        let a = sh.run("cat notes/a.md | grep -c o | wc -l");
        assert_eq!((a.content.as_str(), a.is_error), ("1", false));
        assert_eq!(sh.run("wc -l < notes/a.md").content, "3");
    }

    #[test]
    fn tool_06_recursive_walks_find_their_way_into_the_mount() {
        let mut sh = Shell::new();
        assert_eq!(sh.run("grep -rn two notes").content, "notes/a.md:2:two");
        assert_eq!(
            sh.run("find /mnt/memory -name '*.md'").content,
            "/mnt/memory/notes/a.md"
        );
    }

    #[test]
    fn tool_06_exit_ends_the_shell_and_errors_that_abandon_a_line_do_not() {
        let mut sh = Shell::new();
        let a = sh.run("echo bye; exit 0");
        assert!(a.exited && a.is_error && a.state.is_none());
        assert_eq!(a.content, "bye");
        let a = sh.run("echo $((1/0)); echo same line");
        assert!(!a.exited && a.is_error, "{a:?}");
    }

    #[test]
    fn tool_06_stdout_and_stderr_interleave_in_order() {
        let mut sh = Shell::new();
        let a = sh.run("echo one; echo two >&2; echo three");
        assert_eq!(a.content, "one\ntwo\nthree");
    }

    #[test]
    fn tool_06_non_zero_exit_is_an_error_with_the_output() {
        let mut sh = Shell::new();
        let a = sh.run("cat notes/missing.md");
        assert!(a.is_error);
        assert_eq!(
            a.content,
            "cat: notes/missing.md: No such file or directory"
        );
        let a = sh.run("no_such_tool");
        assert!(a.is_error);
        assert_eq!(a.content, "bash: no_such_tool: command not found");
        assert_eq!(
            sh.run("gcc x.c; echo $?").content,
            "bash: gcc: command not found\n127"
        );
    }

    #[test]
    fn tool_06_redirections_write_through_to_the_mount() {
        let mut sh = Shell::new();
        sh.run("echo four >> notes/a.md; printf 'x\\n' > notes/new.md");
        let a = std::fs::read_to_string(sh.root.path().join("notes/a.md")).unwrap();
        assert_eq!(a, "one\ntwo\nthree\nfour\n");
        let new = std::fs::read_to_string(sh.root.path().join("notes/new.md")).unwrap();
        assert_eq!(new, "x\n");
    }

    #[test]
    fn tool_06_state_carries_over_between_calls() {
        let mut sh = Shell::new();
        sh.run("cd notes; export GREETING=hi; count=3; greet() { echo \"$GREETING $1\"; }");
        assert_eq!(sh.run("pwd").content, "/mnt/memory/notes");
        assert_eq!(sh.run("greet you; echo $count").content, "hi you\n3");
        assert_eq!(sh.run("echo $?").content, "0");
    }

    #[test]
    fn tool_06_shell_options_carry_over_between_calls() {
        let mut sh = Shell::new();
        sh.run("set -o pipefail");
        assert!(sh.run("false | true").is_error, "{:?}", sh.state);
        sh.run("set +o pipefail; set -u");
        assert!(!sh.run("false | true").is_error);
        assert!(sh.run("echo $UNSET_VARIABLE").is_error);
    }

    #[test]
    fn tool_06_a_call_that_changes_nothing_saves_the_same_state() {
        let mut sh = Shell::new();
        sh.run("cd notes; x=1");
        let before = sh.state.clone();
        sh.run("cat a.md; false");
        assert_eq!(sh.state, before);
    }

    #[test]
    fn tool_06_tmp_is_scratch_for_one_call() {
        let mut sh = Shell::new();
        assert_eq!(sh.run("echo x > /tmp/t; cat /tmp/t").content, "x");
        assert!(sh.run("cat /tmp/t").is_error);
    }
}
