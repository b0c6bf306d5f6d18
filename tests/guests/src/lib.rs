//! Helpers shared by the scenario guests: each prints one `name:result`
//! line per probe, where result is `ok` or the WASI errno name, so the host
//! test can assert on exact outcomes.

use std::io;

wit_bindgen::generate!({
    path: "../../wit",
    world: "tool",
});

pub use memstore::memory::store;

/// The WASI errno name of an I/O error (wasi-libc numbering).
pub fn errno_name(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(2) => "EACCES".into(),
        Some(8) => "EBADF".into(),
        Some(20) => "EEXIST".into(),
        Some(22) => "EFBIG".into(),
        Some(28) => "EINVAL".into(),
        Some(29) => "EIO".into(),
        Some(31) => "EISDIR".into(),
        Some(37) => "ENAMETOOLONG".into(),
        Some(44) => "ENOENT".into(),
        Some(51) => "ENOSPC".into(),
        Some(54) => "ENOTDIR".into(),
        Some(55) => "ENOTEMPTY".into(),
        Some(58) => "ENOTSUP".into(),
        Some(63) => "EPERM".into(),
        Some(69) => "EROFS".into(),
        Some(75) => "EXDEV".into(),
        Some(n) => format!("errno{n}"),
        None => format!("{:?}", e.kind()),
    }
}

/// Prints `name:ok` or `name:ERRNO`.
pub fn probe<T>(name: &str, result: io::Result<T>) {
    match result {
        Ok(_) => println!("{name}:ok"),
        Err(e) => println!("{name}:{}", errno_name(&e)),
    }
}

/// A libc call's return value as an `io::Result`.
pub fn check(ret: i32) -> io::Result<()> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// `argv[i]`, or a panic naming it.
pub fn arg(i: usize) -> String {
    std::env::args()
        .nth(i)
        .unwrap_or_else(|| panic!("missing argv[{i}]"))
}
