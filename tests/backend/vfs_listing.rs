// The backend suite's cases of vfs_listing.rs, included once per backend.

use std::collections::BTreeSet;

use crate::common::session;
use memstore::vfs::{Errno, Kind, Mount, MountTable, Node, Vfs};

fn root() -> Node {
    Node::Dir {
        mount: 0,
        path: "/".into(),
    }
}

#[test]
fn fs_03_a_listing_answers_for_its_entries_until_the_call_changes_them() {
    let db = test_db!();
    let store = db.store("Notes");
    for path in ["/a.md", "/d/x.md", "/keep.md"] {
        db.engine
            .create_memory(&store.id, path, "x", &session("sesn_seed"))
            .unwrap();
    }
    let mounts = MountTable::new(vec![Mount {
        slug: "notes".into(),
        store_id: store.id.clone(),
        name: "Notes".into(),
        writable: true,
    }]);
    let empty_dir = BTreeSet::from([(0, "/e".to_owned())]);
    let mut vfs = Vfs::new(db.engine.clone(), mounts, session("sesn_a"), empty_dir);
    let before = vfs.metadata_hash_at(&root(), "a.md").unwrap();

    let listed = vfs.read_dir(&root()).unwrap();
    let kinds: Vec<(&str, Kind)> = listed.iter().map(|(n, k)| (n.as_str(), *k)).collect();
    assert_eq!(
        kinds,
        [
            ("a.md", Kind::File),
            ("d", Kind::Dir),
            ("e", Kind::Dir),
            ("keep.md", Kind::File)
        ]
    );
    assert_eq!(vfs.metadata_hash_at(&root(), "a.md").unwrap(), before);

    let gone = |vfs: &Vfs, name: &str| {
        let err = vfs.metadata_hash_at(&root(), name).unwrap_err();
        assert_eq!(err.code, Errno::NoEntry, "{name}");
    };
    vfs.unlink_at(&root(), "a.md").unwrap();
    gone(&vfs, "a.md");
    vfs.unlink_at(&root(), "d/x.md").unwrap();
    gone(&vfs, "d");
    assert!(vfs.metadata_hash_at(&root(), "keep.md").is_ok());
    vfs.rmdir_at(&root(), "e").unwrap();
    gone(&vfs, "e");
}
