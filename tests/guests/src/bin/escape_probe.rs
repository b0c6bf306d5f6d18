//! SEC-03 / FS-07: escape attempts from the read-write mount `argv[1]`: `..`,
//! absolute host paths, symlinks, NUL, non-NFC, very long names, deep trees.
use std::ffi::CString;
use std::fs;

use memstore_test_guests::{arg, check, probe};

fn main() {
    let rw = arg(1);
    probe("etc_passwd", fs::read_to_string("/etc/passwd"));
    probe(
        "dotdot_read",
        fs::read_to_string(format!("{rw}/../../../etc/passwd")),
    );
    probe(
        "dotdot_other_mount",
        fs::read_to_string(format!("{rw}/../other/secret.md")),
    );
    probe("dotdot_write", fs::write(format!("{rw}/../escape.md"), "x"));
    probe("root_list", fs::read_dir("/").map(|d| d.count()));
    probe("tmp_write", fs::write("/tmp/escape.md", "x"));
    let link = CString::new(format!("{rw}/link")).unwrap();
    let target = CString::new("../../../../etc/passwd").unwrap();
    probe(
        "symlink",
        check(unsafe { libc::symlink(target.as_ptr(), link.as_ptr()) }),
    );
    probe("nul", fs::write(format!("{rw}/a\0b.md"), "x"));
    probe("control", fs::write(format!("{rw}/a\u{7}b.md"), "x"));
    probe("non_nfc", fs::write(format!("{rw}/cafe\u{301}.md"), "x"));
    probe("nfc", fs::write(format!("{rw}/caf\u{e9}.md"), "x"));
    probe(
        "long_name",
        fs::write(format!("{rw}/{}", "n".repeat(2000)), "x"),
    );
    let mut deep = rw.clone();
    let mut depth = 0;
    let deep_result = loop {
        deep.push_str("/d");
        if let Err(e) = fs::create_dir(&deep) {
            break Err::<(), _>(e);
        }
        depth += 1;
        if depth == 10_000 {
            break Ok(());
        }
    };
    println!("deep_depth:{depth}");
    probe("deep", deep_result);
}
