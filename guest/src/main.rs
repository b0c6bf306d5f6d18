//! memstore's built-in agent tools, as one WASI 0.2 command component.
//!
//! The host runs this component once per tool call with
//! `argv = ["memstore-tools", TOOL, JSON_INPUT]` and reads exactly one JSON
//! object `{"content": …, "is_error": …}` from stdout; the exit code is 0
//! whenever that object was printed. Files are reached through
//! `wasi:filesystem` under `/mnt/memory/`, served by memstore from its store;
//! the `memstore:memory/store` import adds hashed reads and precondition
//! writes. All tool logic lives in the `memstore_guest` library; this file
//! only connects it to the real import.

#[cfg(target_arch = "wasm32")]
mod component {
    use memstore_guest::{Memory, Mount, Store, StoreError};

    wit_bindgen::generate!({
        path: "../wit",
        world: "tool",
    });

    use memstore::memory::store as wit;

    /// The `memstore:memory/store` import behind the tools' `Store` trait.
    pub struct WitStore;

    fn convert(err: wit::Error) -> StoreError {
        match err {
            wit::Error::NotFound(s) => StoreError::NotFound(s),
            wit::Error::InvalidPath(s) => StoreError::InvalidPath(s),
            wit::Error::ReadOnly(s) => StoreError::ReadOnly(s),
            wit::Error::PreconditionFailed(s) => StoreError::PreconditionFailed(s),
            wit::Error::Conflict(s) => StoreError::Conflict(s),
            wit::Error::TooLarge(n) => StoreError::TooLarge(n),
            wit::Error::NoSpace(s) => StoreError::NoSpace(s),
            wit::Error::Other(s) => StoreError::Other(s),
        }
    }

    impl Store for WitStore {
        fn mounts(&self) -> Vec<Mount> {
            wit::mounts()
                .into_iter()
                .map(|m| Mount {
                    path: m.path,
                    writable: m.writable,
                })
                .collect()
        }

        fn read(&self, path: &str) -> Result<Memory, StoreError> {
            wit::read(path)
                .map(|m| Memory {
                    content: m.content,
                    sha256: m.content_sha256,
                })
                .map_err(convert)
        }

        fn write(
            &self,
            path: &str,
            content: &str,
            if_sha256: Option<&str>,
        ) -> Result<(), StoreError> {
            // The new version id is not part of any tool's result: the host
            // reports every change of the call itself (TOOL-01).
            wit::write(path, content, if_sha256)
                .map(drop)
                .map_err(convert)
        }
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {
    use memstore_guest::{MEMORY_ROOT_ENV, SANDBOX_WORKDIR, Session};

    let args: Vec<String> = std::env::args().collect();
    let memory_root = std::env::var(MEMORY_ROOT_ENV).ok();
    let session = Session::new(&component::WitStore, SANDBOX_WORKDIR, memory_root);
    println!("{}", session.run_args(&args).to_json());
}

/// Natively there is no `store` import to run against; the tools are
/// exercised through the library's tests instead.
#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("memstore-tools is a WASI component: build it with --target wasm32-wasip2");
    std::process::exit(2);
}
