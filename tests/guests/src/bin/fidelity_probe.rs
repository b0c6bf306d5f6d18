//! FS-10: what standard WASI filesystem suites check, in the read-write
//! mount `argv[1]` (which holds `seed.md`):
//! - a file created with `O_CREAT` exists for `stat`, a second `open`,
//!   `set-times` and a listing before its descriptor is closed, and its
//!   content lands when it is;
//! - `get-flags` (`fcntl(F_GETFL)`) reports how a descriptor was opened
//!   (the sync flags, which wasi-libc does not pass through, are proven by
//!   the host's unit test of `opened_flags`);
//! - a trailing `/` after a file name is `not-directory`.
//!
//! Prints `name:ok`/`name:ERRNO` lines, and `name:value` for flags.
use std::ffi::CString;
use std::fs;
use std::io::Write as _;
use std::os::fd::AsRawFd;

use memstore_test_guests::{arg, check, probe};

fn access_mode(fd: i32) -> String {
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 {
        return "error".into();
    }
    match flags & libc::O_ACCMODE {
        libc::O_RDONLY => "r".to_owned(),
        libc::O_WRONLY => "w".to_owned(),
        libc::O_RDWR => "rw".to_owned(),
        other => format!("mode{other}"),
    }
}

fn main() {
    let rw = arg(1);
    let new = format!("{rw}/new.md");

    // Created and still open.
    let mut created = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&new)
        .expect("create");
    created.write_all(b"hello").expect("write");
    probe("created_stat", fs::metadata(&new));
    probe("created_open_again", fs::File::open(&new));
    probe(
        "created_open_exclusive",
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&new),
    );
    probe(
        "created_set_times",
        fs::File::open(&new).and_then(|f| f.set_modified(std::time::SystemTime::now())),
    );
    let listed = fs::read_dir(&rw)
        .map(|d| d.filter_map(Result::ok).any(|e| e.file_name() == "new.md"))
        .unwrap_or(false);
    println!("created_listed:{listed}");
    drop(created);
    println!(
        "created_content:{}",
        fs::read_to_string(&new).unwrap_or_else(|e| e.to_string())
    );

    // get-flags as opened.
    let seed = format!("{rw}/seed.md");
    let r = fs::File::open(&seed).expect("open r");
    println!("flags_read:{}", access_mode(r.as_raw_fd()));
    let w = fs::OpenOptions::new()
        .write(true)
        .open(&seed)
        .expect("open w");
    println!("flags_write:{}", access_mode(w.as_raw_fd()));
    let rw_file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&seed)
        .expect("open rw");
    println!("flags_read_write:{}", access_mode(rw_file.as_raw_fd()));

    // A trailing slash after a file name.
    probe("slash_open", fs::File::open(format!("{seed}/")));
    probe("slash_stat", fs::metadata(format!("{seed}/")));
    let slashed = CString::new(format!("{seed}/")).unwrap();
    probe(
        "slash_unlink",
        check(unsafe { libc::unlink(slashed.as_ptr()) }),
    );
    probe(
        "slash_rename",
        fs::rename(format!("{seed}/"), format!("{rw}/moved.md")),
    );
    probe(
        "slash_create",
        fs::OpenOptions::new()
            .write(true)
            .create(true)
            .open(format!("{rw}/fresh.md/")),
    );
    probe("dir_slash_stat", fs::metadata(format!("{rw}/")));
    println!("seed_still_there:{}", fs::metadata(&seed).is_ok());
}
