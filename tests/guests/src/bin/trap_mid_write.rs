//! TOOL-02: closes one written file, leaves another open mid-write, then
//! traps; nothing of the call may be committed.
use std::io::Write;

fn main() {
    let rw = memstore_test_guests::arg(1);
    std::fs::write(format!("{rw}/closed.md"), "closed").unwrap();
    let mut open = std::fs::File::create(format!("{rw}/open.md")).unwrap();
    open.write_all(b"half").unwrap();
    std::process::abort();
}
