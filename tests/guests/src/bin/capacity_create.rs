//! FS-09 / MEM-09: in a store one memory short of its capacity, creates two
//! files in the mount `argv[1]`; the first is created, the second's open
//! fails at once with `ENOSPC` and leaves nothing behind.
use std::io::Write;

use memstore_test_guests::{arg, errno_name, probe};

fn main() {
    let rw = arg(1);
    probe("first", std::fs::write(format!("{rw}/first.md"), "one"));
    match std::fs::File::create(format!("{rw}/second.md")) {
        Ok(mut f) => {
            println!("second_open:ok");
            probe("second_write", f.write_all(b"two"));
        }
        Err(e) => {
            println!("second_open:{}", errno_name(&e));
            println!("second_kind:{:?}", e.kind());
        }
    }
    probe(
        "second_exists",
        std::fs::metadata(format!("{rw}/second.md")),
    );
}
