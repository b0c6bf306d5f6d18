//! SEC-02 / FS-04: every WASI mutation against the read-only mount `argv[1]`
//! (which holds `seed.md` and `sub/x.md`); `argv[2]` is a read-write mount
//! beside it, for renames in and out and the GHSA-4ch3-9j33-3pmj probe.
use std::ffi::CString;
use std::fs::{self, File, FileTimes, OpenOptions};
use std::io::Write;
use std::time::SystemTime;

use memstore_test_guests::{arg, check, probe};

fn c(path: &str) -> CString {
    CString::new(path).expect("no NUL")
}

fn main() {
    let (ro, rw) = (arg(1), arg(2));
    let seed = format!("{ro}/seed.md");
    probe("read", fs::read_to_string(&seed));
    probe("write", fs::write(&seed, "x"));
    probe("create", File::create(format!("{ro}/new.md")));
    probe(
        "create_new",
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(format!("{ro}/new2.md")),
    );
    probe(
        "append",
        OpenOptions::new()
            .append(true)
            .open(&seed)
            .and_then(|mut f| f.write_all(b"more")),
    );
    probe("open_write", OpenOptions::new().write(true).open(&seed));
    // GHSA-2r75-cxrj-cmph: O_TRUNC without write access.
    let fd = unsafe { libc::open(c(&seed).as_ptr(), libc::O_RDONLY | libc::O_TRUNC) };
    probe("truncate_only", check(fd));
    probe("mkdir", fs::create_dir(format!("{ro}/d")));
    probe("unlink", fs::remove_file(&seed));
    probe("rmdir", fs::remove_dir(format!("{ro}/sub")));
    probe("rename_within", fs::rename(&seed, format!("{ro}/moved.md")));
    probe("rename_out", fs::rename(&seed, format!("{rw}/stolen.md")));
    fs::write(format!("{rw}/incoming.md"), "in").expect("rw write");
    probe(
        "rename_in",
        fs::rename(format!("{rw}/incoming.md"), format!("{ro}/incoming.md")),
    );
    probe(
        "rename_dir",
        fs::rename(format!("{ro}/sub"), format!("{ro}/sub2")),
    );
    probe("set_size", File::open(&seed).and_then(|f| f.set_len(0)));
    probe(
        "set_times",
        File::open(&seed)
            .and_then(|f| f.set_times(FileTimes::new().set_modified(SystemTime::UNIX_EPOCH))),
    );
    let times = [libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    }; 2];
    probe(
        "set_times_at",
        check(unsafe { libc::utimensat(libc::AT_FDCWD, c(&seed).as_ptr(), times.as_ptr(), 0) }),
    );
    probe(
        "symlink",
        check(unsafe { libc::symlink(c("seed.md").as_ptr(), c(&format!("{ro}/link")).as_ptr()) }),
    );
    probe("hard_link", fs::hard_link(&seed, format!("{ro}/hard")));
    probe(
        "hard_link_into_rw",
        fs::hard_link(&seed, format!("{rw}/hard")),
    );
    probe("root_mkdir", fs::create_dir("/mnt/memory/evil"));
    probe("root_write", fs::write("/mnt/memory/evil.md", "x"));
}
