//! Build-script helper: compiles memstore's `wasm32-wasip2` guests — the
//! built-in tools (`guest/`), the bash tool (`guest/bash`) and the scenario
//! guests of the tests (`tests/guests/`) — for the crates that embed or run
//! them (`memstore-sandbox` embeds the first two; the `memstore` crate's
//! tests and benchmarks run the third).
//!
//! The inner cargo gets a target dir of its own and a clean environment (no
//! outer RUSTFLAGS or CARGO_TARGET_DIR), or a release build of the host would
//! hang on the shared target dir. That dir is `<target>/wasm-guests`, one
//! for every profile and every crate of the host: the guests are always
//! release builds, and the bash guest alone takes minutes, so a test build
//! and a release build must not each build it again in their own OUT_DIR.
//! Two build scripts that need guests at once wait on cargo's lock of that
//! dir rather than build twice.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The workspace's guests, built into one shared target dir.
#[derive(Debug)]
pub struct Guests {
    root: PathBuf,
    target: PathBuf,
}

impl Guests {
    /// For the build script running now: finds the workspace root (the
    /// nearest ancestor of `CARGO_MANIFEST_DIR` holding `wit/`) and the
    /// outer build's target dir, and asks cargo to run the script again when
    /// a guest's sources, the WIT or the root manifest change (the root
    /// manifest holds the guests' release profiles).
    ///
    /// # Panics
    /// Outside a build script (no `CARGO_MANIFEST_DIR` or `OUT_DIR`), or
    /// when no ancestor holds `wit/`.
    #[must_use]
    pub fn for_build_script() -> Self {
        let manifest = PathBuf::from(env("CARGO_MANIFEST_DIR"));
        let root = manifest
            .ancestors()
            .find(|dir| dir.join("wit").is_dir() && dir.join("guest").is_dir())
            .expect("a workspace root holding wit/ and guest/ above CARGO_MANIFEST_DIR")
            .to_owned();
        let target = guest_target_dir(&root, Path::new(&env("OUT_DIR")));
        for dir in ["guest", "wit", "tests/guests", "Cargo.toml"] {
            println!("cargo:rerun-if-changed={}", root.join(dir).display());
        }
        Self { root, target }
    }

    /// The workspace root.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Builds `package` for `wasm32-wasip2` (release) and returns the
    /// directory its `.wasm` files land in.
    ///
    /// # Panics
    /// When cargo cannot be run or the build fails: a build script has no
    /// better way to report it, and the inner cargo's own errors precede
    /// the panic on stderr.
    pub fn build(&self, package: &str) -> PathBuf {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .current_dir(&self.root)
            .args([
                "build",
                "-p",
                package,
                "--target",
                "wasm32-wasip2",
                "--release",
                "--target-dir",
            ])
            .arg(&self.target)
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("CARGO_BUILD_TARGET")
            .stdout(Stdio::from(std::io::stderr()))
            .status()
            .expect("running cargo for the wasm guests");
        assert!(
            status.success(),
            "building {package} for wasm32-wasip2 failed (is the target installed? \
             `rustup target add wasm32-wasip2`)"
        );
        self.target.join("wasm32-wasip2/release")
    }
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is set for build scripts"))
}

/// `<target>/wasm-guests`, where `<target>` is the outer build's target
/// directory: OUT_DIR is `<target>/[<triple>/]<profile>/build/<pkg>-<hash>/out`.
fn guest_target_dir(root: &Path, out: &Path) -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir).join("wasm-guests");
    }
    out.ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == "build"))
        .and_then(Path::parent)
        .and_then(Path::parent)
        .map_or_else(|| root.join("target"), Path::to_owned)
        .join("wasm-guests")
}
