//! FS-09 / TOOL-07: in a full store holding `a.md` (mount `argv[1]`),
//! `store.write` of a new path fails at call time with `no-space`;
//! overwriting works, and after a `store.delete` the new path can be written.
use memstore_test_guests::{arg, store};

fn outcome(result: Result<String, store::Error>) -> String {
    match result {
        Ok(_) => "ok".into(),
        Err(store::Error::NoSpace(message)) => format!("no-space:{message}"),
        Err(e) => format!("{e:?}"),
    }
}

fn main() {
    let rw = arg(1);
    let at = |name: &str| format!("{rw}/{name}");
    println!(
        "new_when_full:{}",
        outcome(store::write(&at("new.md"), "x", None))
    );
    println!(
        "overwrite:{}",
        outcome(store::write(&at("a.md"), "y", None))
    );
    let deleted = store::delete(&at("a.md"), None).map(|()| String::new());
    println!("delete:{}", outcome(deleted));
    println!(
        "new_after_delete:{}",
        outcome(store::write(&at("new.md"), "x", None))
    );
}
