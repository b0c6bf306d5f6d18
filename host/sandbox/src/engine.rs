//! The wasmtime engine of the sandbox: pooling allocator, fuel, epoch
//! interruption driven by a ticker thread, the linker (WASI 0.2 from
//! wasmtime-wasi minus filesystem and sockets, plus memstore's filesystem and
//! `store` interface), and compiled components cached in memory and on disk
//! under a name keyed by engine and component hash.
//!
//! Must not run guests: `runner` does. No host directory, network or
//! environment is ever linked or configured here.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};
use wasmtime::component::{Component, HasData, InstancePre, Linker, ResourceTable};
use wasmtime::{Config, InstanceAllocationStrategy, PoolingAllocationConfig};
use wasmtime_wasi::WasiView;

use super::error::SandboxError;
use super::filesystem::{FsView, HasFs};
use super::limits::{EPOCH_TICK, Limits};
use super::runner::CallState;
use super::snapshot;

/// Bytes of each pooled linear memory kept mapped (and reset in place) when
/// an instance is freed. By default wasmtime resets a slot with `madvise`,
/// so every call page-faulted again on each page of data image, stack and
/// heap it touched: for the 1.1 MB tools component the guest part of a
/// no-op call went from ~90 µs to ~20-30 µs with this (PERF-01). Without
/// `PAGEMAP_SCAN` wasmtime memsets this prefix on every reset, so it stays
/// small there.
const KEEP_RESIDENT_MEMORY: usize = 2 << 20;
/// The same with `PAGEMAP_SCAN` (Linux 6.7+), which resets only the pages a
/// call dirtied, so this is merely a ceiling on resident memory per idle
/// slot. Large enough for the bash tool, whose snapshot holds its
/// interpreter: its short calls touch several megabytes, and with the 2 MB
/// prefix they cost ~10% more in page faults (PERF-06).
const KEEP_RESIDENT_MEMORY_PAGEMAP: usize = 16 << 20;

/// The same for tables (a Rust guest's funcref table is a few KB).
const KEEP_RESIDENT_TABLE: usize = 64 << 10;

/// The compiled engine, linker and component cache.
pub(crate) struct WasmEngine {
    pub engine: wasmtime::Engine,
    linker: Linker<CallState>,
    cache_dir: Option<PathBuf>,
    /// Fuel and memory for a component's pre-initialiser, as for a call.
    limits: Limits,
    loaded: Mutex<HashMap<String, InstancePre<CallState>>>,
    ticker_stop: Arc<AtomicBool>,
}

impl Drop for WasmEngine {
    fn drop(&mut self) {
        self.ticker_stop.store(true, Ordering::Relaxed);
    }
}

struct HasTable;

impl HasData for HasTable {
    type Data<'a> = &'a mut ResourceTable;
}

fn fs_view(s: &mut CallState) -> FsView<'_> {
    FsView {
        vfs: &mut s.vfs,
        table: &mut s.table,
    }
}

impl WasmEngine {
    /// Builds the engine and starts its epoch ticker.
    pub fn new(limits: &Limits, cache_dir: Option<PathBuf>) -> Result<Self, SandboxError> {
        let engine = wasmtime::Engine::new(&config(limits)).map_err(SandboxError::Wasmtime)?;
        let linker = linker(&engine).map_err(SandboxError::Wasmtime)?;
        let ticker_stop = Arc::new(AtomicBool::new(false));
        let (stop, ticking) = (ticker_stop.clone(), engine.weak());
        std::thread::Builder::new()
            .name("memstore-epoch".into())
            .spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    match ticking.upgrade() {
                        Some(e) => e.increment_epoch(),
                        None => return,
                    }
                }
            })
            .map_err(|source| SandboxError::Thread {
                name: "epoch",
                source,
            })?;
        Ok(Self {
            engine,
            linker,
            cache_dir,
            limits: limits.clone(),
            loaded: Mutex::default(),
            ticker_stop,
        })
    }

    /// The pre-linked component for these bytes: from memory, from the disk
    /// cache, or compiled (and then cached).
    pub fn load(&self, wasm: &[u8]) -> Result<InstancePre<CallState>, SandboxError> {
        let key = hex::encode(Sha256::digest(wasm));
        if let Some(pre) = self.loaded.lock().expect("cache lock").get(&key) {
            return Ok(pre.clone());
        }
        let component = self.compile(&key, wasm)?;
        let pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(SandboxError::Component)?;
        self.loaded
            .lock()
            .expect("cache lock")
            .insert(key, pre.clone());
        Ok(pre)
    }

    fn compile(&self, key: &str, wasm: &[u8]) -> Result<Component, SandboxError> {
        let Some(dir) = &self.cache_dir else {
            return self.compile_uncached(wasm);
        };
        let mut h = DefaultHasher::new();
        self.engine.precompile_compatibility_hash().hash(&mut h);
        snapshot::SNAPSHOT_FORMAT.hash(&mut h);
        let file = dir.join(format!("{key}-{:016x}.cwasm", h.finish()));
        if file.exists() {
            // SAFETY: the file was written by `Component::serialize` of an
            // engine with the same compatibility hash (it is in the name), in
            // a directory only this program writes.
            if let Ok(c) = unsafe { Component::deserialize_file(&self.engine, &file) } {
                return Ok(c);
            }
        }
        let component = self.compile_uncached(wasm)?;
        // A cache that cannot be written only costs the next process a compile.
        if let Err(e) = component
            .serialize()
            .map_err(SandboxError::Component)
            .and_then(|b| store_atomically(dir, &file, &b))
        {
            tracing::warn!("not caching the compiled component: {e}");
        }
        Ok(component)
    }

    /// Compiles `wasm`, pre-initialised first if it asks to be
    /// ([`snapshot`]). A failed pre-initialisation is logged and the
    /// component compiled as it is: it still works, only more slowly.
    fn compile_uncached(&self, wasm: &[u8]) -> Result<Component, SandboxError> {
        let wasm = snapshot::pre_initialize(wasm, &self.limits).unwrap_or_else(|e| {
            tracing::warn!("{e}; the component runs without a snapshot");
            std::borrow::Cow::Borrowed(wasm)
        });
        Component::new(&self.engine, &wasm).map_err(SandboxError::Component)
    }
}

fn store_atomically(dir: &Path, file: &Path, bytes: &[u8]) -> Result<(), SandboxError> {
    let err = |source| SandboxError::Cache {
        path: file.display().to_string(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(err)?;
    let unique: u64 = rand::random();
    let tmp = file.with_extension(format!("tmp{}-{unique:x}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(err)?;
    std::fs::rename(&tmp, file).map_err(err)
}

/// Set to `perfmap` to have `perf` name the guests' compiled functions
/// (wasmtime writes `/tmp/perf-<pid>.map`); for profiling only.
const PROFILER_ENV: &str = "MEMSTORE_WASM_PROFILER";

/// [`KEEP_RESIDENT_MEMORY_PAGEMAP`] where the running kernel has
/// `PAGEMAP_SCAN`, which wasmtime then uses (`pagemap_scan(Auto)` below),
/// else [`KEEP_RESIDENT_MEMORY`].
fn keep_resident_memory() -> usize {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    if has_pagemap_scan(&release) {
        KEEP_RESIDENT_MEMORY_PAGEMAP
    } else {
        KEEP_RESIDENT_MEMORY
    }
}

/// Whether a Linux release (`6.12.57+deb13-amd64`) is 6.7 or later.
fn has_pagemap_scan(release: &str) -> bool {
    let mut numbers = release
        .split(|c: char| !c.is_ascii_digit())
        .map(|n| n.parse::<u32>().unwrap_or(0));
    let major = numbers.next().unwrap_or(0);
    let minor = numbers.next().unwrap_or(0);
    (major, minor) >= (6, 7)
}

fn config(limits: &Limits) -> Config {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.consume_fuel(true);
    config.epoch_interruption(true);
    if std::env::var(PROFILER_ENV).is_ok_and(|v| v == "perfmap") {
        config.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    let n = limits.pool_instances;
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(n)
        .total_core_instances(n * 8)
        .total_memories(n * 2)
        .total_tables(n * 8)
        .max_memories_per_component(4)
        .max_tables_per_component(16)
        .max_core_instances_per_component(16)
        .max_memory_size(limits.memory_bytes)
        .linear_memory_keep_resident(keep_resident_memory())
        .table_keep_resident(KEEP_RESIDENT_TABLE)
        .pagemap_scan(wasmtime::Enabled::Auto);
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    config
}

/// WASI 0.2 without `wasi:filesystem` (ours instead) and without sockets.
fn linker(engine: &wasmtime::Engine) -> wasmtime::Result<Linker<CallState>> {
    use wasmtime_wasi::cli::WasiCli;
    use wasmtime_wasi::clocks::WasiClocks;
    use wasmtime_wasi::p2::bindings::{cli, clocks, random, sync};
    use wasmtime_wasi::random::WasiRandom;

    let mut linker = Linker::new(engine);
    let l = &mut linker;
    wasmtime_wasi_io::bindings::wasi::io::error::add_to_linker::<CallState, HasTable>(l, |t| {
        &mut t.table
    })?;
    sync::io::poll::add_to_linker::<CallState, HasTable>(l, |t| &mut t.table)?;
    sync::io::streams::add_to_linker::<CallState, HasTable>(l, |t| &mut t.table)?;
    clocks::wall_clock::add_to_linker::<CallState, WasiClocks>(l, |t| {
        wasmtime_wasi::clocks::WasiClocksView::clocks(t)
    })?;
    clocks::monotonic_clock::add_to_linker::<CallState, WasiClocks>(l, |t| {
        wasmtime_wasi::clocks::WasiClocksView::clocks(t)
    })?;
    random::random::add_to_linker::<CallState, WasiRandom>(l, |t| t.ctx().ctx.random())?;
    random::insecure::add_to_linker::<CallState, WasiRandom>(l, |t| t.ctx().ctx.random())?;
    random::insecure_seed::add_to_linker::<CallState, WasiRandom>(l, |t| t.ctx().ctx.random())?;
    cli::exit::add_to_linker::<CallState, WasiCli>(l, cli_view)?;
    cli::environment::add_to_linker::<CallState, WasiCli>(l, cli_view)?;
    cli::stdin::add_to_linker::<CallState, WasiCli>(l, cli_view)?;
    cli::stdout::add_to_linker::<CallState, WasiCli>(l, cli_view)?;
    cli::stderr::add_to_linker::<CallState, WasiCli>(l, cli_view)?;
    cli::terminal_input::add_to_linker::<CallState, WasiCli>(l, cli_view)?;
    cli::terminal_output::add_to_linker::<CallState, WasiCli>(l, cli_view)?;
    cli::terminal_stdin::add_to_linker::<CallState, WasiCli>(l, cli_view)?;
    cli::terminal_stdout::add_to_linker::<CallState, WasiCli>(l, cli_view)?;
    cli::terminal_stderr::add_to_linker::<CallState, WasiCli>(l, cli_view)?;
    super::bindings::types::add_to_linker::<CallState, HasFs>(l, fs_view)?;
    super::bindings::preopens::add_to_linker::<CallState, HasFs>(l, fs_view)?;
    super::bindings::store_iface::add_to_linker::<CallState, HasFs>(l, fs_view)?;
    Ok(linker)
}

fn cli_view(t: &mut CallState) -> wasmtime_wasi::cli::WasiCliCtxView<'_> {
    wasmtime_wasi::cli::WasiCliView::cli(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perf_06_pages_are_kept_resident_only_where_the_kernel_resets_them_by_scan() {
        assert!(has_pagemap_scan("6.7.0"));
        assert!(has_pagemap_scan("6.12.57+deb13-amd64"));
        assert!(has_pagemap_scan("7.0.1"));
        assert!(!has_pagemap_scan("6.6.30-generic"));
        assert!(!has_pagemap_scan("5.15.0"));
        assert!(!has_pagemap_scan(""));
    }
}
