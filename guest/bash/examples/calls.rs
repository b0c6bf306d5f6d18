//! Where a call's time goes, natively: `cargo run --release --example calls -p memstore-bash`.
use std::time::{Duration, Instant};

fn main() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("notes")).unwrap();
    std::fs::write(dir.path().join("notes/note.md"), "x\n".repeat(500)).unwrap();
    let command = std::env::args().nth(1).unwrap_or_else(|| "echo hi".into());
    let n: usize = std::env::args().nth(2).map_or(2000, |s| s.parse().unwrap());
    let input = serde_json::json!({"command": command, "timeout_ms": 120000}).to_string();
    let call = memstore_bash::Call::parse(&input).unwrap();
    let first = memstore_bash::run(&call, None, dir.path());
    let saved = first.state.clone();
    let (mut prep, mut run) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..n {
        let t = Instant::now();
        memstore_bash::prepare(dir.path(), memstore_bash::DEFAULT_TIMEOUT).unwrap();
        let t1 = Instant::now();
        let a = memstore_bash::run(&call, saved.as_ref(), dir.path());
        run += t1.elapsed();
        prep += t1 - t;
        assert!(!a.is_error, "{}", a.content);
    }
    println!(
        "{command}: prepare {:?}  run {:?}  per call",
        prep / n as u32,
        run / n as u32
    );
}
