//! FS-02: creates the directory `argv[1]` and nothing else.
fn main() {
    memstore_test_guests::probe("mkdir", std::fs::create_dir(memstore_test_guests::arg(1)));
}
