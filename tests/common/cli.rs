//! Drives the real `memstore` binary on a database file in a temporary
//! directory, with its own component cache.

use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

/// A `memstore` command line bound to one fresh database.
pub struct Cli {
    pub dir: TempDir,
}

impl Cli {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// The command with `--db` set; the environment cannot redirect it.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_memstore"));
        c.arg("--db").arg(self.dir.path().join("m.db")).args(args);
        c.env("MEMSTORE_CACHE_DIR", self.dir.path().join("cache"))
            .env_remove("MEMSTORE_DB")
            .env_remove("MEMSTORE_WORKSPACE");
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    /// Runs a command that must succeed and returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs a command with `--json` that must succeed and parses its output.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).unwrap()
    }

    /// Runs a command that must fail with `code` and a `memstore: ` message.
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.starts_with("memstore: "), "{err}");
        err
    }
}
