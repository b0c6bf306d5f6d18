//! One tool call: a fresh wasmtime `Store` with the call's VFS, limits and
//! capped output; run the component's `wasi:cli/run`; then commit the VFS's
//! staged changes only if the guest finished cleanly (TOOL-01, TOOL-02).
//!
//! Must not know tool semantics (argv and result parsing are `mod.rs`'s).
//! Never spawns a host process; the guest sees no host env, dirs or network.

use std::collections::BTreeSet;

use wasmtime::component::{InstancePre, ResourceTable};
use wasmtime::{ResourceLimiter, Store, Trap};
use wasmtime_wasi::p2::bindings::sync::CommandPre;
use wasmtime_wasi::p2::pipe::{ClosedInputStream, MemoryInputPipe};
use wasmtime_wasi::{I32Exit, WasiCtx, WasiCtxView, WasiView};

use super::error::SandboxError;
use super::limits::{EPOCH_TICK, Limits};
use super::output::CappedOutput;
use memstore_store::{Actor, Engine};
use memstore_vfs::{CallOutcome, MountTable, Vfs};

/// Most table elements a guest may grow to.
const MAX_TABLE_ELEMENTS: usize = 100_000;

/// The data of one call's `Store`.
pub struct CallState {
    pub(crate) wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    pub(crate) vfs: Vfs,
    limiter: MemoryLimiter,
}

impl WasiView for CallState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// Caps linear memory and remembers whether the cap was hit, so the result
/// can name the limit instead of a bare trap.
pub(crate) struct MemoryLimiter {
    max: usize,
    hit: bool,
}

impl MemoryLimiter {
    /// A limiter allowing `max` bytes of linear memory.
    pub(crate) fn new(max: usize) -> Self {
        Self { max, hit: false }
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let ok = desired <= self.max;
        self.hit |= !ok;
        Ok(ok)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }
}

/// Everything a call produced.
#[derive(Debug, Clone, Default)]
pub struct Execution {
    /// What the call committed through files and the `store` interface:
    /// nothing unless the guest exited 0 without a `failure`.
    pub outcome: CallOutcome,
    /// Captured stdout (capped).
    pub stdout: Vec<u8>,
    /// Whether stdout was cut.
    pub stdout_truncated: bool,
    /// Captured stderr (capped).
    pub stderr: Vec<u8>,
    /// Whether stderr was cut.
    pub stderr_truncated: bool,
    /// The guest's exit code (0 on success).
    pub exit_code: i32,
    /// Why the call did not finish cleanly: trap, timeout, limit.
    pub failure: Option<String>,
    /// Whether that was the wall-time limit.
    pub timed_out: bool,
}

/// What to run and where.
pub(crate) struct CallSpec<'a> {
    pub pre: &'a InstancePre<CallState>,
    pub store: &'a Engine,
    pub mounts: MountTable,
    pub actor: Actor,
    pub dirs: BTreeSet<(usize, String)>,
    pub argv: &'a [String],
    pub env: &'a [(String, String)],
    /// What the guest reads on stdin; empty input is a closed stream.
    pub stdin: &'a [u8],
    pub limits: &'a Limits,
}

/// Runs one call to completion or to a limit; the host keeps serving either way.
///
/// # Errors
/// Only host-side failures (linking the command); guest failures are in
/// [`Execution::failure`].
pub(crate) fn run(
    engine: &wasmtime::Engine,
    spec: CallSpec<'_>,
) -> Result<Execution, SandboxError> {
    let (stdout, stderr) = (
        CappedOutput::new(spec.limits.output_bytes),
        CappedOutput::new(spec.limits.output_bytes),
    );
    let mut wasi = WasiCtx::builder();
    wasi.args(spec.argv)
        .envs(spec.env)
        .stdout(stdout.clone())
        .stderr(stderr.clone());
    if spec.stdin.is_empty() {
        wasi.stdin(ClosedInputStream);
    } else {
        wasi.stdin(MemoryInputPipe::new(spec.stdin.to_vec()));
    }
    let wasi = wasi.build();
    let vfs = Vfs::new(spec.store.clone(), spec.mounts, spec.actor, spec.dirs);
    let limiter = MemoryLimiter::new(spec.limits.memory_bytes);
    let mut store = Store::new(
        engine,
        CallState {
            wasi,
            table: ResourceTable::new(),
            vfs,
            limiter,
        },
    );
    store.limiter(|s| &mut s.limiter);
    store
        .set_fuel(spec.limits.fuel)
        .map_err(SandboxError::Wasmtime)?;
    let ticks = spec.limits.wall_time.as_millis() / EPOCH_TICK.as_millis().max(1);
    store.set_epoch_deadline(u64::try_from(ticks).unwrap_or(u64::MAX).max(1));
    store.epoch_deadline_trap();

    let command = CommandPre::new(spec.pre.clone()).map_err(SandboxError::Component)?;
    let result = command
        .instantiate(&mut store)
        .and_then(|c| c.wasi_cli_run().call_run(&mut store));
    let timed_out = matches!(&result, Err(e) if e.downcast_ref::<Trap>() == Some(&Trap::Interrupt));
    let (exit_code, failure) = match result {
        Ok(Ok(())) => (0, None),
        Ok(Err(())) => (1, None),
        Err(e) => classify(&e, spec.limits, store.data().limiter.hit),
    };
    let state = store.into_data();
    let outcome = state.vfs.finish(exit_code == 0 && failure.is_none());
    let (stdout, stdout_truncated) = stdout.contents();
    let (stderr, stderr_truncated) = stderr.contents();
    Ok(Execution {
        outcome,
        stdout,
        stdout_truncated,
        stderr,
        stderr_truncated,
        exit_code,
        failure,
        timed_out,
    })
}

/// Exit code and failure reason of a call that ended with an error.
fn classify(e: &wasmtime::Error, limits: &Limits, memory_hit: bool) -> (i32, Option<String>) {
    if let Some(exit) = e.downcast_ref::<I32Exit>() {
        return (exit.0, None);
    }
    let reason = match e.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => format!(
            "the tool call timed out after {:?} (wall-time limit)",
            limits.wall_time
        ),
        Some(Trap::OutOfFuel) => format!(
            "the tool call exceeded its instruction budget of {} fuel",
            limits.fuel
        ),
        _ if memory_hit => format!(
            "the tool call exceeded its memory limit of {} bytes",
            limits.memory_bytes
        ),
        Some(trap) => format!("the tool trapped: {trap}"),
        None => format!("the tool failed: {e:#}"),
    };
    (
        -1,
        Some(format!("{reason}; nothing of this call was committed")),
    )
}
