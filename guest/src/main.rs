//! memstore's built-in agent tools, as one WASI 0.2 command component.
//!
//! The host runs this component once per tool call. The tool name and its JSON
//! input arrive as `argv[1]` and `argv[2]`; the result text goes to stdout.
//! Files are reached through `wasi:filesystem` under `/mnt/memory/`, served by
//! memstore from its store; `memstore:memory/store` adds precondition writes.

wit_bindgen::generate!({
    path: "../wit",
    world: "tool",
});

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("mounts") => {
            for m in memstore::memory::store::mounts() {
                let access = if m.writable { "rw" } else { "ro" };
                println!("{}\t{}\t{}", m.path, access, m.name);
            }
        }
        _ => {
            eprintln!("usage: memstore-tools TOOL 'JSON-INPUT'");
            std::process::exit(2);
        }
    }
}
