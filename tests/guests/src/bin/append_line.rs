//! FS-08: appends the line `argv[2]` to `argv[1]` (open for append, write, close).
use std::io::Write;

fn main() {
    let (path, line) = (memstore_test_guests::arg(1), memstore_test_guests::arg(2));
    let result = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(format!("{line}\n").as_bytes()));
    memstore_test_guests::probe("append", result);
}
