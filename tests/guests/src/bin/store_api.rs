//! TOOL-07: the `memstore:memory/store` interface: mounts, read with hash,
//! precondition writes that succeed and fail, list, and read-only refusal.
use memstore_test_guests::store;

fn main() {
    let mounts = store::mounts();
    for m in &mounts {
        println!("mount:{}:{}:{}", m.path, m.name, m.writable);
    }
    let rw = mounts
        .iter()
        .find(|m| m.writable)
        .expect("a rw mount")
        .path
        .clone();
    let ro = mounts.iter().find(|m| !m.writable).map(|m| m.path.clone());
    let path = format!("{rw}/api.md");
    println!("create:{:?}", store::write(&path, "one", Some("")).is_ok());
    println!(
        "create_again:{:?}",
        store::write(&path, "dup", Some("")).map(|_| ())
    );
    let read = store::read(&path).expect("read");
    println!("read:{}", read.content);
    println!(
        "update:{:?}",
        store::write(&path, "two", Some(&read.content_sha256)).is_ok()
    );
    println!(
        "stale:{}",
        matches!(
            store::write(&path, "three", Some(&read.content_sha256)),
            Err(store::Error::PreconditionFailed(_))
        )
    );
    println!(
        "list:{}",
        store::list(&format!("{rw}/"), 0)
            .expect("list")
            .iter()
            .map(|e| e.path.clone())
            .collect::<Vec<_>>()
            .join(",")
    );
    if let Some(ro) = ro {
        println!(
            "ro_write:{}",
            matches!(
                store::write(&format!("{ro}/x.md"), "x", None),
                Err(store::Error::ReadOnly(_))
            )
        );
    }
    println!(
        "outside:{}",
        matches!(
            store::read("/etc/passwd"),
            Err(store::Error::InvalidPath(_))
        )
    );
}
