//! FS-02 / FS-06: mkdir, files under it, listing, file and directory
//! renames, unlink and rmdir on the read-write mount `argv[1]`.
use std::fs;

use memstore_test_guests::{arg, probe};

fn list(dir: &str) -> String {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| {
                    let slash = if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                        "/"
                    } else {
                        ""
                    };
                    format!("{}{slash}", e.file_name().to_string_lossy())
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names.join(",")
}

fn main() {
    let rw = arg(1);
    probe("mkdir_empty", fs::create_dir(format!("{rw}/empty")));
    probe("mkdir_p", fs::create_dir_all(format!("{rw}/a/b")));
    probe("write_ab", fs::write(format!("{rw}/a/b/f.md"), "f"));
    probe("write_top", fs::write(format!("{rw}/top.md"), "top"));
    println!("list_root:{}", list(&rw));
    probe(
        "rename_file",
        fs::rename(format!("{rw}/top.md"), format!("{rw}/a/top2.md")),
    );
    probe(
        "rename_dir",
        fs::rename(format!("{rw}/a"), format!("{rw}/z")),
    );
    println!("list_z:{}", list(&format!("{rw}/z")));
    probe("read_moved", fs::read_to_string(format!("{rw}/z/b/f.md")));
    probe("rmdir_nonempty", fs::remove_dir(format!("{rw}/z")));
    probe("rmdir_empty", fs::remove_dir(format!("{rw}/empty")));
    probe("unlink", fs::remove_file(format!("{rw}/z/top2.md")));
    probe("unlink_missing", fs::remove_file(format!("{rw}/nope.md")));
    probe("read_missing", fs::read_to_string(format!("{rw}/nope.md")));
    probe("open_dir_as_file", fs::read_to_string(format!("{rw}/z")));
    println!("list_root_after:{}", list(&rw));
    println!("list_mounts:{}", list("/mnt/memory"));
}
