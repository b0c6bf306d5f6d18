//! TOOL-02: writes a file, then prints without end; output is capped and a
//! limit ends the call with nothing committed.
fn main() {
    std::fs::write(
        format!("{}/flood.md", memstore_test_guests::arg(1)),
        "partial",
    )
    .unwrap();
    let line = "flood ".repeat(100);
    loop {
        println!("{line}");
    }
}
