//! memstore's `bash` tool as a WASI 0.2 command component.
//!
//! The host runs it once per call with `argv = ["memstore-bash", INPUT]`
//! (`INPUT` = `{"command": …, "timeout_ms": …}`) and the session's saved
//! shell state, a JSON object, on stdin (empty for a fresh shell). It prints
//! exactly one JSON object `{"content", "is_error", "state", "timed_out",
//! "exited"}` and exits 0, or 1 when the command timed out, in which case
//! the host commits nothing. All logic is in the `memstore_bash` library.
//!
//! The component also exports `wizer-initialize` (world `bash-tool` in
//! `wit/memory.wit`), which builds the interpreter ahead of any call; the
//! host runs it once and snapshots the instance (PERF-06).

use std::io::Read as _;
use std::path::Path;

use memstore_bash::{Answer, Call, MOUNT_ROOT};

#[cfg(target_arch = "wasm32")]
mod component {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "bash-tool",
    });

    struct Snapshot;

    impl Guest for Snapshot {
        fn wizer_initialize() {
            // The heap a call needs is then part of the snapshot's memory:
            // no call grows it for a short command.
            super::reserve_heap();
            // A shell that cannot be built now is built by the call, which
            // then reports why.
            let _ = memstore_bash::prepare(
                std::path::Path::new(super::MOUNT_ROOT),
                memstore_bash::DEFAULT_TIMEOUT,
            );
        }
    }

    export!(Snapshot);
}

/// Heap the shell needs for a typical call, taken from the host at once.
const HEAP_UP_FRONT: usize = 8 << 20;

/// One `memory.grow` for what building the interpreter and a short command
/// allocate, instead of one per 64 KiB page as the allocator asks for more:
/// each grow is a host call that remaps the memory (PERF-06). In a
/// pre-initialised instance the heap is there already and this only takes
/// and returns a free block.
fn reserve_heap() {
    drop(Vec::<u8>::with_capacity(HEAP_UP_FRONT));
}

fn main() {
    reserve_heap();
    let answer = answer();
    println!("{}", answer.to_json());
    // Returning is success; `exit(0)` would reach the host as an error
    // value (`I32Exit`), which costs a backtrace where those are enabled.
    let code = answer.exit_code();
    if code != 0 {
        std::process::exit(code);
    }
}

fn answer() -> Answer {
    let args: Vec<String> = std::env::args().collect();
    let [_, input] = args.as_slice() else {
        return Answer::failed("usage: memstore-bash JSON_INPUT (and the saved state on stdin)");
    };
    let call = match Call::parse(input) {
        Ok(call) => call,
        Err(message) => return Answer::failed(message),
    };
    let mut saved = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut saved) {
        return Answer::failed(format!("bash: cannot read the saved shell state: {e}"));
    }
    // Unreadable text restores as nothing, which the library reports.
    let saved = match saved.trim() {
        "" => None,
        text => Some(serde_json::from_str(text).unwrap_or(serde_json::Value::Null)),
    };
    memstore_bash::run(&call, saved.as_ref(), Path::new(MOUNT_ROOT))
}
