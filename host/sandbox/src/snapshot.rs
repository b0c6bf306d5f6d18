//! Pre-initialised components (PERF-06): a component that exports
//! `wizer-initialize` has it run once, when it is first compiled, and is
//! replaced by a snapshot of the instance afterwards, so that every call
//! starts with what the initialiser built already in its memory image.
//!
//! memstore's bash tool is why: building its shell interpreter (~160
//! builtins, Python, jq, the filesystem layers) was most of what a short
//! command cost, on every call, because every call is a fresh instance. The
//! snapshot is taken with Wizer, the Bytecode Alliance's pre-initialiser
//! (`wasmtime-wizer`, the same release as wasmtime), which instruments the
//! component, runs the initialiser and rewrites each core module with the
//! memories and globals it left.
//!
//! The initialiser runs in an instance of its own, with WASI but no
//! filesystem, no preopens, no network, no environment and empty standard
//! streams, under the call's fuel and memory limits: nothing a snapshot
//! cannot carry (a file or stream handle) can be opened, and a guest that
//! loops or grows without bound is stopped. It runs on a separate engine
//! that compiles without optimisation, since the instrumented component
//! runs once.

use std::borrow::Cow;

use wasmtime::component::{Linker, ResourceTable};
use wasmtime::{Config, Engine, OptLevel, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wizer::Wizer;

use super::error::SandboxError;
use super::limits::Limits;
use super::runner::MemoryLimiter;

/// The export a component offers for pre-initialisation: a `func()` at the
/// component's top level (WIT: `export wizer-initialize: func();`, as in
/// world `bash-tool` of `wit/memory.wit`). Wizer's own convention.
pub(crate) const INIT_EXPORT: &str = "wizer-initialize";

/// Changes whenever what this module produces for the same input changes,
/// so that compiled components cached by an earlier version are not reused.
pub(crate) const SNAPSHOT_FORMAT: u32 = 1;

/// `wasm` as it should be compiled: the snapshot after running its
/// `wizer-initialize`, or `wasm` itself when it exports none.
///
/// # Errors
/// [`SandboxError::Snapshot`] when the initialiser traps, runs out of fuel
/// or memory, or the component is of a shape Wizer cannot snapshot. The
/// caller may then run the component as it is: the export is an
/// optimisation by contract.
pub(crate) fn pre_initialize<'a>(
    wasm: &'a [u8],
    limits: &Limits,
) -> Result<Cow<'a, [u8]>, SandboxError> {
    if !exports_initializer(wasm) {
        return Ok(Cow::Borrowed(wasm));
    }
    let fail = |e: wasmtime::Error| SandboxError::Snapshot(format!("{e:#}"));
    let engine = Engine::new(
        Config::new()
            .cranelift_opt_level(OptLevel::None)
            .consume_fuel(true),
    )
    .map_err(fail)?;
    let mut linker = Linker::<InitState>::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(fail)?;
    let mut store = Store::new(
        &engine,
        InitState {
            // No preopens, arguments, environment or network; stdin is
            // closed and stdout/stderr are discarded by default.
            wasi: WasiCtx::builder().build(),
            table: ResourceTable::new(),
            limiter: MemoryLimiter::new(limits.memory_bytes),
        },
    );
    store.limiter(|s| &mut s.limiter);
    store.set_fuel(limits.fuel).map_err(fail)?;
    let mut wizer = Wizer::new();
    // The component's own lift of the export still refers to the core
    // function; removing it from the module would leave that dangling.
    wizer.keep_init_func(true);
    let run = wizer.run_component(&mut store, wasm, async |store, component| {
        linker.instantiate(store, component)
    });
    // Every host function linked here is synchronous, so the future never
    // waits on anything but the guest's own execution.
    let (snapshot, _results) = pollster::block_on(run).map_err(fail)?;
    Ok(Cow::Owned(snapshot))
}

/// Whether the component exports [`INIT_EXPORT`] at its top level; nested
/// components and core modules are skipped.
fn exports_initializer(wasm: &[u8]) -> bool {
    use wasmparser::{Parser, Payload};
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload {
            Ok(Payload::Version { .. }) => depth += 1,
            Ok(Payload::End(_)) => depth = depth.saturating_sub(1),
            Ok(Payload::ComponentExportSection(exports)) if depth == 1 => {
                let found = exports
                    .into_iter()
                    .any(|e| e.is_ok_and(|e| e.name.name == INIT_EXPORT));
                if found {
                    return true;
                }
            }
            // Invalid bytes are for the compiler to report.
            Err(_) => return false,
            Ok(_) => {}
        }
    }
    false
}

/// The initialiser's instance: WASI with nothing in it, and a memory cap.
struct InitState {
    wasi: WasiCtx,
    table: ResourceTable,
    limiter: MemoryLimiter,
}

impl WasiView for InitState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn component(wat: &str) -> Vec<u8> {
        wat::parse_str(wat).expect("valid component text")
    }

    #[test]
    fn perf_06_the_bash_component_asks_to_be_pre_initialized_and_the_tools_do_not() {
        assert!(exports_initializer(crate::BASH_WASM));
        assert!(!exports_initializer(super::super::TOOLS_WASM));
    }

    #[test]
    fn perf_06_a_component_without_the_export_is_compiled_as_it_is() {
        let wasm = component(
            r#"(component
                (core module $m (func (export "f")))
                (core instance $i (instantiate $m))
                (func (export "f") (canon lift (core func $i "f"))))"#,
        );
        let out = pre_initialize(&wasm, &Limits::default()).expect("no snapshot needed");
        assert!(matches!(out, Cow::Borrowed(_)));
    }

    #[test]
    fn perf_06_the_snapshot_holds_what_the_initializer_wrote() {
        // `init` stores 42 in memory; `get` reads it. In the snapshot the
        // value is there before anything is called.
        let wasm = component(
            r#"(component
                (core module $m
                    (memory (export "memory") 1)
                    (func (export "init") (i32.store (i32.const 16) (i32.const 42)))
                    (func (export "get") (result i32) (i32.load (i32.const 16))))
                (core instance $i (instantiate $m))
                (func (export "wizer-initialize") (canon lift (core func $i "init")))
                (func (export "get") (result u32) (canon lift (core func $i "get"))))"#,
        );
        let out = pre_initialize(&wasm, &Limits::default()).expect("snapshot");
        assert!(matches!(out, Cow::Owned(_)));
        let engine = Engine::default();
        let snapshot = wasmtime::component::Component::new(&engine, &*out).expect("valid");
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine)
            .instantiate(&mut store, &snapshot)
            .expect("instantiate");
        let get = instance
            .get_typed_func::<(), (u32,)>(&mut store, "get")
            .expect("get");
        assert_eq!(get.call(&mut store, ()).expect("call").0, 42);
    }

    #[test]
    fn perf_06_an_initializer_that_never_returns_is_stopped() {
        let wasm = component(
            r#"(component
                (core module $m (func (export "init") (loop (br 0))))
                (core instance $i (instantiate $m))
                (func (export "wizer-initialize") (canon lift (core func $i "init"))))"#,
        );
        let limits = Limits {
            fuel: 1_000_000,
            ..Limits::default()
        };
        let err = pre_initialize(&wasm, &limits).expect_err("out of fuel");
        assert!(matches!(err, SandboxError::Snapshot(_)), "{err}");
    }
}
