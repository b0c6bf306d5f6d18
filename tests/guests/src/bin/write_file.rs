//! FS-05: writes `argv[2]` to `argv[1]` with `std::fs::write`.
fn main() {
    let (path, content) = (memstore_test_guests::arg(1), memstore_test_guests::arg(2));
    memstore_test_guests::probe("write", std::fs::write(path, content));
}
