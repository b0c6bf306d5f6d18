//! MEM-02 / FS-05: a write past 102,400 bytes fails at once; a file of
//! non-UTF-8 bytes is not committed; a good file beside them is.
use std::io::Write;

use memstore_test_guests::{arg, probe};

fn main() {
    let rw = arg(1);
    probe(
        "exact_cap",
        std::fs::write(format!("{rw}/cap.md"), vec![b'a'; 102_400]),
    );
    probe(
        "over_cap",
        std::fs::write(format!("{rw}/big.md"), vec![b'a'; 102_401]),
    );
    probe(
        "binary",
        std::fs::File::create(format!("{rw}/bin.md"))
            .and_then(|mut f| f.write_all(&[0xff, 0xfe, 0x00])),
    );
    probe("good", std::fs::write(format!("{rw}/good.md"), "fine"));
}
