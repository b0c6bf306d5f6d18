//! The `bash` tool on the host side (TOOL-06, TOOL-08): input, the session's
//! shell state, the call's time limit, and the reference tool's answers.
//!
//! A call runs the bash component (`guest/bash`) like any tool call — one
//! fresh instance under the call's limits, its writes staged in the VFS and
//! committed in one transaction — with two differences: the session's saved
//! shell state goes in on stdin and the new state comes back with the
//! answer, to be saved with the session; and the wall-time limit is the
//! command's `timeout_ms` (default 120 s, as the reference), not the file
//! tools' limit. Calls of one session take turns, so each starts from the
//! state the previous one left. A shell that ends — the command timed out,
//! ran `exit`, or hit a limit — stays ended, as the reference's `/bin/bash`
//! does: calls answer [`TERMINATED`] until one asks for `restart`.
//!
//! Must not interpret shell commands: the guest does. Never spawns a process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::json;
use serde_json::value::RawValue;

use super::limits::Limits;
use super::runner::Execution;
use super::{LoadedComponent, Sandbox, SandboxError, ToolResult};

/// The bash component (`guest/bash`, bin `memstore-bash`), built by
/// `host/sandbox/build.rs` for `wasm32-wasip2`.
pub const BASH_WASM: &[u8] = include_bytes!(env!("MEMSTORE_BASH_WASM"));

/// The answer to `restart: true`.
pub const RESTARTED: &str = "bash session restarted";
/// The answer to a call without a command.
pub const COMMAND_REQUIRED: &str = "bash: command is required";
/// The answer to every call after the shell ended (a timeout, `exit`, a
/// limit) until `restart`, as the reference answers once its `/bin/bash`
/// is gone.
pub const TERMINATED: &str = "bash: bash session terminated; restart required";
/// The saved state of a shell that ended: a JSON string, which no state of
/// a live shell (a JSON object) can be.
const TERMINATED_STATE: &str = "\"terminated\"";
/// A command's time when the call gives none (the reference's 120 s).
/// The guest prepares its snapshot's shell for this timeout
/// (`memstore_bash::DEFAULT_TIMEOUT`, which must match): a call with another
/// timeout builds a shell of its own, slower but alike.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
/// The longest `timeout_ms` accepted: a call holds a pool slot and its
/// session's shell for that long.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(600);
/// Wall time past the command's timeout before the host stops the instance.
/// The shell's own timer ends a sleeping or waiting command at the timeout;
/// the host's deadline is the backstop for one that computes without pause.
const DEADLINE_GRACE: Duration = Duration::from_secs(1);
/// Compiling the component takes this long or more only on a cold cache;
/// the result then says why the call was slow.
const SLOW_LOAD: Duration = Duration::from_millis(500);

/// The tool's input (`agent_toolset_20260401` `bash`); other fields are
/// ignored, as by the other tools.
#[derive(Debug, Deserialize)]
struct BashInput {
    command: Option<String>,
    restart: Option<bool>,
    timeout_ms: Option<u64>,
}

/// What the component prints.
#[derive(Debug, Deserialize)]
struct GuestAnswer {
    content: String,
    is_error: bool,
    /// Kept as the text the component printed (canonical JSON, keys
    /// sorted), which is what is saved and compared with the saved state:
    /// no parse into a tree and back on every call.
    state: Option<Box<RawValue>>,
    /// The shell's own timer ended the command (the component then exits
    /// non-zero, so nothing was committed).
    #[serde(default)]
    timed_out: bool,
    /// The command ended the shell (`exit`, `set -e`).
    #[serde(default)]
    exited: bool,
}

/// One lock per session with a shell, so its calls take turns (a call
/// restores, runs and saves the state as one step). Entries go when no call
/// holds them.
#[derive(Debug, Default)]
pub(super) struct ShellLocks(Mutex<HashMap<String, Weak<Mutex<()>>>>);

impl ShellLocks {
    fn get(&self, session_id: &str) -> Arc<Mutex<()>> {
        let mut map = self.0.lock().expect("shell locks");
        if let Some(lock) = map.get(session_id).and_then(Weak::upgrade) {
            return lock;
        }
        map.retain(|_, w| w.strong_count() > 0);
        let lock = Arc::new(Mutex::new(()));
        map.insert(session_id.to_owned(), Arc::downgrade(&lock));
        lock
    }
}

/// The reference's timeout text: seconds as Python prints a float
/// (`0.5`, `120.0`), which Rust's `Debug` for `f64` matches.
fn timed_out_text(timeout: Duration) -> String {
    format!(
        "bash: bash command timed out after {:?}s",
        timeout.as_secs_f64()
    )
}

fn answer(content: impl Into<String>, is_error: bool) -> ToolResult {
    ToolResult {
        content: content.into(),
        is_error,
        changes: Vec::new(),
        notice: None,
    }
}

impl Sandbox {
    /// Runs one `bash` call of a session.
    pub(super) fn bash(&self, session_id: &str, input: &str) -> Result<ToolResult, SandboxError> {
        let lock = self.shells.get(session_id);
        let _turn = lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Under the session's turn, so the state read is the one the
        // previous call left.
        let found = self.store.shell_call_context(session_id)?;
        let (context, saved) = found.map_or((None, None), |(c, s)| (Some(c), s));
        let context = super::live(context, session_id)?;
        let input = match serde_json::from_str::<BashInput>(input) {
            Ok(input) => input,
            Err(e) => return Ok(answer(format!("bash: invalid input: {e}"), true)),
        };
        if input.restart == Some(true) {
            if saved.is_some() {
                self.store.set_shell_state(session_id, None)?;
            }
            return Ok(answer(RESTARTED, false));
        }
        let Some(command) = input.command.filter(|c| !c.is_empty()) else {
            return Ok(answer(COMMAND_REQUIRED, true));
        };
        let timeout = match input.timeout_ms {
            None | Some(0) => DEFAULT_TIMEOUT,
            Some(ms) if Duration::from_millis(ms) > MAX_TIMEOUT => {
                return Ok(answer(
                    format!(
                        "bash: timeout_ms {ms} is too long; at most {} ms (10 minutes) is allowed",
                        MAX_TIMEOUT.as_millis()
                    ),
                    true,
                ));
            }
            Some(ms) => Duration::from_millis(ms),
        };
        if saved.as_deref() == Some(TERMINATED_STATE) {
            return Ok(answer(TERMINATED, true));
        }
        let (component, notice) = self.bash_component()?;
        let guest_input = json!({
            "command": command,
            "timeout_ms": u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
        })
        .to_string();
        let limits = Limits {
            wall_time: timeout + DEADLINE_GRACE,
            ..self.limits.clone()
        };
        let argv = ["memstore-bash".to_owned(), guest_input];
        let stdin = saved.as_deref().unwrap_or_default().as_bytes();
        let exec = self.execute(context, &component, &argv, stdin, &limits)?;
        let (mut result, state) = bash_result(&exec, timeout);
        match state {
            Keep::New(state) if saved.as_deref() != Some(state.as_str()) => {
                self.store.set_shell_state(session_id, Some(state))?;
            }
            Keep::Ended => self
                .store
                .set_shell_state(session_id, Some(TERMINATED_STATE.to_owned()))?,
            _ => {}
        }
        result.notice = notice;
        Ok(result)
    }

    /// The bash component, compiled and linked once; the notice says so
    /// when this call had to wait for a compile.
    pub(super) fn bash_component(&self) -> Result<(LoadedComponent, Option<String>), SandboxError> {
        if let Some(c) = self.bash.get() {
            return Ok((c.clone(), None));
        }
        let started = Instant::now();
        let loaded = self.load(BASH_WASM)?;
        let took = started.elapsed();
        let notice = (took >= SLOW_LOAD).then(|| {
            format!(
                "this call first compiled the bash tool for this host ({:.1} s); \
                 later calls and processes use the compiled copy",
                took.as_secs_f64()
            )
        });
        Ok((self.bash.get_or_init(|| loaded).clone(), notice))
    }
}

/// What to do with the session's shell state after a call.
enum Keep {
    /// Save this state (unless it is what was saved).
    New(String),
    /// The shell ended (timed out, exited, stopped at a limit): calls answer
    /// [`TERMINATED`] until `restart`, as the reference's do.
    Ended,
    /// Leave the saved state as it is.
    Unchanged,
}

/// The tool result of one execution of the bash component, and what
/// becomes of the shell state.
fn bash_result(exec: &Execution, timeout: Duration) -> (ToolResult, Keep) {
    let changes = exec.outcome.changes.clone();
    if exec.timed_out {
        return (answer(timed_out_text(timeout), true), Keep::Ended);
    }
    if let Some(failure) = &exec.failure {
        let content = format!(
            "bash: {failure}. The shell was stopped; restart it (`restart: true`) to go on"
        );
        return (answer(content, true), Keep::Ended);
    }
    let stdout = String::from_utf8_lossy(&exec.stdout);
    let Ok(guest) = serde_json::from_str::<GuestAnswer>(stdout.trim()) else {
        let stderr = String::from_utf8_lossy(&exec.stderr);
        let content = format!(
            "bash: the shell failed (exit code {}): {}{}",
            exec.exit_code,
            stdout.trim(),
            stderr.trim()
        );
        return (answer(content, true), Keep::Unchanged);
    };
    if guest.timed_out {
        return (answer(timed_out_text(timeout), true), Keep::Ended);
    }
    let mut content = guest.content;
    for note in &exec.outcome.notes {
        content.push('\n');
        content.push_str(note);
    }
    let result = ToolResult {
        content,
        is_error: guest.is_error || exec.outcome.failed,
        changes,
        notice: None,
    };
    let keep = match guest.state {
        _ if guest.exited => Keep::Ended,
        Some(state) => Keep::New(state.get().to_owned()),
        None => Keep::Unchanged,
    };
    (result, keep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_06_timeouts_read_as_the_reference_prints_them() {
        assert_eq!(
            timed_out_text(Duration::from_millis(500)),
            "bash: bash command timed out after 0.5s"
        );
        assert_eq!(
            timed_out_text(DEFAULT_TIMEOUT),
            "bash: bash command timed out after 120.0s"
        );
        assert_eq!(
            timed_out_text(Duration::from_millis(1234)),
            "bash: bash command timed out after 1.234s"
        );
    }

    #[test]
    fn tool_06_one_session_s_calls_share_a_lock_and_others_do_not() {
        let locks = ShellLocks::default();
        let a = locks.get("a");
        assert!(Arc::ptr_eq(&a, &locks.get("a")));
        assert!(!Arc::ptr_eq(&a, &locks.get("b")));
        drop(a);
        let _c = locks.get("c");
        assert_eq!(
            locks.0.lock().unwrap().len(),
            1,
            "unused entries are dropped"
        );
    }
}
