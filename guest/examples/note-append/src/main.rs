//! `note-append`: an example memstore tool (TOOL-07) that you can copy.
//!
//! A memstore tool is a WASI 0.2 command component. It sees every attached
//! memory store as a directory under `/mnt/memory/<slug>` and may use plain
//! `std::fs` there; it may also import memstore's `store` interface
//! (`wit/memory.wit`, world `tool`) for what files cannot express: content
//! hashes and writes that only apply if nobody changed the memory meanwhile.
//!
//! Usage (inside `memstore run SESSION note-append.wasm -- FILE LINE`):
//! appends LINE to the memory FILE (an absolute path under /mnt/memory) with
//! a precondition write, retrying once if another writer got there first,
//! then lists FILE's directory with `std::fs::read_dir`.
//!
//! Build: `cargo build --release --target wasm32-wasip2`.

wit_bindgen::generate!({
    // Copy memstore's `wit/memory.wit` into your crate's `wit/` and use
    // `path: "wit"`; this example points at the repository's copy.
    path: "../../../wit",
    world: "tool",
});

use memstore::memory::store::{self, Error};

/// Reads the memory's content and hash, or empty content and the hash `""`
/// (meaning "must not exist yet") when there is none.
fn current(path: &str) -> Result<(String, String), Error> {
    match store::read(path) {
        Ok(m) => Ok((m.content, m.content_sha256)),
        Err(Error::NotFound(_)) => Ok((String::new(), String::new())),
        Err(e) => Err(e),
    }
}

fn append(path: &str, line: &str) -> Result<String, Error> {
    for _ in 0..2 {
        let (mut content, sha) = current(path)?;
        content.push_str(line);
        content.push('\n');
        match store::write(path, &content, Some(&sha)) {
            Err(Error::PreconditionFailed(_)) => continue,
            other => return other,
        }
    }
    Err(Error::Other(format!("{path} kept changing; try again")))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(path), Some(line)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: note-append /mnt/memory/STORE/FILE 'LINE'");
        std::process::exit(2);
    };
    match append(path, line) {
        Ok(version) => println!("appended to {path} (version {version})"),
        Err(e) => {
            eprintln!("note-append: {e:?}");
            std::process::exit(1);
        }
    }
    // Plain std file APIs work on the same mounts.
    let dir = path.rsplit_once('/').map_or("/mnt/memory", |(d, _)| d);
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    println!("{dir}: {}", names.join(", "));
    let text = std::fs::read_to_string(path).unwrap_or_default();
    println!("{} line(s) in {path}", text.lines().count());
}
