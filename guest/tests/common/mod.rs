//! Running a reference driver script from the `anthropic` Python SDK for the
//! differential tests.
//!
//! The Python comes from `MEMSTORE_REFERENCE_PYTHON` (default `python3`).
//! Without a Python that has the SDK the tests fail with instructions, unless
//! `MEMSTORE_SKIP_DIFFERENTIAL=1` is set.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

/// The SDK version whose strings memstore reproduces.
pub const REFERENCE_VERSION: &str = "2.11.0";

/// Exit status of a driver when the SDK cannot be imported.
const NO_SDK: i32 = 3;

/// Runs `tests/{script}` with `request` on stdin and returns its `results`,
/// or `None` when the reference is unavailable and skipping is allowed.
pub fn run_reference(script: &str, request: &Value) -> Option<Vec<Value>> {
    let script = format!("{}/tests/{script}", env!("CARGO_MANIFEST_DIR"));
    let python = std::env::var("MEMSTORE_REFERENCE_PYTHON").unwrap_or_else(|_| "python3".into());
    let unavailable = |why: String| {
        if std::env::var("MEMSTORE_SKIP_DIFFERENTIAL").is_ok_and(|v| v == "1") {
            eprintln!("skipping the differential test (MEMSTORE_SKIP_DIFFERENTIAL=1): {why}");
            None
        } else {
            panic!(
                "this differential test needs the reference implementation: {why}\n\
                 Install it (`python3 -m venv v && v/bin/pip install anthropic=={REFERENCE_VERSION}`) \
                 and set MEMSTORE_REFERENCE_PYTHON=v/bin/python, or set MEMSTORE_SKIP_DIFFERENTIAL=1."
            )
        }
    };
    let child = Command::new(&python)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => return unavailable(format!("cannot run {python}: {e}")),
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.code() == Some(NO_SDK) {
        return unavailable(format!("{python} cannot import it: {}", stderr.trim()));
    }
    assert!(
        output.status.success(),
        "reference driver failed ({}): {stderr}",
        output.status
    );
    let response: Value = serde_json::from_slice(&output.stdout).unwrap();
    let version = response["version"].as_str().unwrap_or_default();
    assert_eq!(
        version, REFERENCE_VERSION,
        "{python} has anthropic {version}; the reference strings are those of {REFERENCE_VERSION}"
    );
    Some(response["results"].as_array().unwrap().clone())
}

/// One result text and error flag, with the run's root directory replaced
/// by `<ROOT>`.
pub fn normalised(content: &str, is_error: bool, root: &str) -> (String, bool) {
    (content.replace(root, "<ROOT>"), is_error)
}
