//! FS-01 / PERF-03: lists each directory given (`argv[2..]`); with `argv[1]` =
//! `-r`, walks them recursively (what `glob **` does). Prints
//! `path:entries` per directory listed and `total:N`.
use std::fs;

fn walk(dir: &str, recursive: bool, total: &mut usize) {
    let Ok(entries) = fs::read_dir(dir) else {
        println!("{dir}:error");
        return;
    };
    let mut n = 0;
    for e in entries.flatten() {
        n += 1;
        if recursive && e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
            walk(
                &format!("{dir}/{}", e.file_name().to_string_lossy()),
                true,
                total,
            );
        }
    }
    *total += n;
    if !recursive {
        println!("{dir}:{n}");
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let recursive = args.get(1).is_some_and(|a| a == "-r");
    let mut total = 0;
    for dir in &args[2..] {
        walk(dir, recursive, &mut total);
    }
    println!("total:{total}");
}
