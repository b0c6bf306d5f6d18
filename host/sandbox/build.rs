//! Builds the two guests the sandbox embeds — the built-in tools
//! (`guest/`, bin `memstore-tools`) and the bash tool (`guest/bash`, bin
//! `memstore-bash`) — and names them to the crate by path.

use memstore_guest_build::Guests;

fn main() {
    let guests = Guests::for_build_script();
    let tools = guests.build("memstore-guest").join("memstore-tools.wasm");
    println!("cargo:rustc-env=MEMSTORE_TOOLS_WASM={}", tools.display());
    let bash = guests.build("memstore-bash").join("memstore-bash.wasm");
    println!("cargo:rustc-env=MEMSTORE_BASH_WASM={}", bash.display());
}
