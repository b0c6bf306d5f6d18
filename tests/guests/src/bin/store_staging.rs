//! TOOL-02, TOOL-07: in one call, `store` and `std::fs` see each other's
//! staged changes, preconditions are checked at once against that view, and
//! each `store.write` returns the id its version gets at commit. Expects
//! `seeded.md` and `old.md` in the mount `argv[1]`.
use memstore_test_guests::{arg, errno_name, store};

fn main() {
    let rw = arg(1);
    let at = |name: &str| format!("{rw}/{name}");
    let fs_read = |path: String| std::fs::read_to_string(path).unwrap_or_else(|e| errno_name(&e));

    let id1 = store::write(&at("a.md"), "one", Some("")).expect("create a.md");
    println!("id1:{id1}");
    println!("fs_sees_store:{}", fs_read(at("a.md")));
    let first = store::read(&at("a.md")).expect("read a.md");
    println!("read_version:{}", first.version_id == id1);
    let id2 = store::write(&at("a.md"), "two", Some(&first.content_sha256)).expect("update a.md");
    println!("id2:{id2}");
    let stale = store::write(&at("a.md"), "three", Some(&first.content_sha256));
    let now = store::read(&at("a.md")).expect("read a.md again");
    println!(
        "stale:{}",
        matches!(&stale, Err(store::Error::PreconditionFailed(h)) if *h == now.content_sha256)
    );
    let same = store::write(&at("a.md"), "two", Some(&first.content_sha256));
    println!("same_content:{}", matches!(&same, Ok(id) if *id == id2));

    std::fs::write(at("b.md"), "from fs").expect("fs write b.md");
    let b = store::read(&at("b.md")).expect("read b.md");
    println!("store_sees_fs:{}:{}", b.content, b.version_id.is_empty());

    store::delete(&at("seeded.md"), None).expect("delete seeded.md");
    let gone = std::fs::metadata(at("seeded.md"));
    println!(
        "fs_sees_delete:{}",
        gone.map_or_else(|e| errno_name(&e), |_| "present".into())
    );
    store::rename(&at("old.md"), &at("dir/new.md")).expect("rename old.md");
    println!("fs_sees_rename:{}", fs_read(at("dir/new.md")));

    let listed = store::list(&format!("{rw}/"), 1).expect("list");
    let paths: Vec<String> = listed.iter().map(|e| e.path.clone()).collect();
    println!("list:{}", paths.join(","));
    println!(
        "delete_missing:{}",
        matches!(
            store::delete(&at("none.md"), None),
            Err(store::Error::NotFound(_))
        )
    );
    let conflict = match store::write(&at("a.md/x.md"), "x", None) {
        Err(store::Error::Conflict(path)) => path,
        other => format!("{other:?}"),
    };
    println!("conflict:{conflict}");
}
