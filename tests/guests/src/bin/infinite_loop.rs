//! TOOL-02: writes a file, then loops forever; the wall-time or fuel limit
//! must end the call and nothing may be committed.
fn main() {
    std::fs::write(
        format!("{}/loop.md", memstore_test_guests::arg(1)),
        "partial",
    )
    .unwrap();
    let mut x: u64 = 0;
    loop {
        x = std::hint::black_box(x.wrapping_add(1));
    }
}
