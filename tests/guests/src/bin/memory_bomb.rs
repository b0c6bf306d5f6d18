//! TOOL-02: writes a file, then allocates until the memory limit stops it.
fn main() {
    std::fs::write(
        format!("{}/bomb.md", memstore_test_guests::arg(1)),
        "partial",
    )
    .unwrap();
    let mut hoard: Vec<Vec<u8>> = Vec::new();
    loop {
        hoard.push(vec![1u8; 16 * 1024 * 1024]);
        std::hint::black_box(&hoard);
    }
}
