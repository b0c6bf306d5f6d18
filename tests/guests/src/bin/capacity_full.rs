//! FS-09 / MEM-09: in a full store holding `a.md` and `b.md` (mount
//! `argv[1]`), overwriting and renaming take no slot, a deletion frees one
//! for a creation, and deleting a file this call created gives its slot back.
use memstore_test_guests::{arg, probe};

fn main() {
    let rw = arg(1);
    let at = |name: &str| format!("{rw}/{name}");
    probe("overwrite", std::fs::write(at("a.md"), "new a"));
    probe("create_when_full", std::fs::write(at("c.md"), "c"));
    probe("rename", std::fs::rename(at("b.md"), at("b2.md")));
    probe("create_after_rename", std::fs::write(at("c.md"), "c"));
    probe("unlink_stored", std::fs::remove_file(at("b2.md")));
    probe("create_after_unlink", std::fs::write(at("c.md"), "c"));
    probe("create_one_more", std::fs::write(at("d.md"), "d"));
    probe("unlink_created", std::fs::remove_file(at("c.md")));
    probe("create_after_undo", std::fs::write(at("d.md"), "d"));
}
