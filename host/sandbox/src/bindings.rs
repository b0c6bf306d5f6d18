//! The one `bindgen!` of the sandbox: `wasi:filesystem` (`types`,
//! `preopens`) from the WASI 0.2 WIT that wasmtime-wasi ships (copied into
//! `host/sandbox/wit/wasi/`), served by memstore's own VFS, plus memstore's
//! `memstore:memory/store` from `wit/memory.wit`.
//!
//! wasi-io and wasi-clocks types are wasmtime's own, so streams and
//! timestamps interoperate with the rest of WASI that wasmtime-wasi links.
//! Must not hold logic: the adapters live in one file per interface.

wasmtime::component::bindgen!({
    path: [
        "wit/wasi/io.wit",
        "wit/wasi/clocks.wit",
        "wit/wasi/filesystem.wit",
        "../../wit/memory.wit",
    ],
    inline: "
        package memstore:sandbox;
        world sandbox {
            import wasi:filesystem/types@0.2.12;
            import wasi:filesystem/preopens@0.2.12;
            import memstore:memory/store@0.1.0;
        }
    ",
    world: "memstore:sandbox/sandbox",
    imports: { default: trappable },
    trappable_error_type: {
        "wasi:filesystem/types.error-code" => crate::filesystem::WasiFsError,
    },
    with: {
        "wasi:io": wasmtime_wasi_io::bindings::wasi::io,
        "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
        "wasi:filesystem/types.descriptor": crate::filesystem::Descriptor,
        "wasi:filesystem/types.directory-entry-stream": crate::filesystem::DirEntries,
    },
    require_store_data_send: true,
});

pub use self::memstore::memory::store as store_iface;
pub use wasi::filesystem::{preopens, types};
