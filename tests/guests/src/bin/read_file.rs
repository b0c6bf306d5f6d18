//! FS-03: prints the content of `argv[1]`, or `error:ERRNO`.
fn main() {
    match std::fs::read_to_string(memstore_test_guests::arg(1)) {
        Ok(s) => print!("{s}"),
        Err(e) => print!("error:{}", memstore_test_guests::errno_name(&e)),
    }
}
