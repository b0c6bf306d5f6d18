//! TOOL-02: changes through the `store` interface (a new memory, an
//! overwrite, a delete and a rename of seeded memories), then a trap;
//! nothing of the call may be committed.
use memstore_test_guests::{arg, store};

fn main() {
    let rw = arg(1);
    let id = store::write(&format!("{rw}/new.md"), "new", Some("")).expect("create");
    println!("write:{id}");
    store::write(&format!("{rw}/edit.md"), "edited", None).expect("overwrite");
    println!("overwrite:ok");
    store::delete(&format!("{rw}/gone.md"), None).expect("delete");
    println!("delete:ok");
    store::rename(&format!("{rw}/old.md"), &format!("{rw}/moved.md")).expect("rename");
    println!("rename:ok");
    std::process::abort();
}
