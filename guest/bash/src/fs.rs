//! The shell's view of `/mnt/memory`: bashkit's [`FileSystem`] trait over
//! `std::fs`.
//!
//! Inside the component, `std::fs` is memstore's virtual `wasi:filesystem`,
//! so every rule of the store — read-only mounts, the size cap, path rules,
//! capacity, versions and merges — applies to what the shell does, decided by
//! the host and reported here as ordinary I/O errors. This adapter holds no
//! rules of its own beyond what POSIX tools expect of a filesystem (parent
//! directories, file-or-directory checks), and no state: it maps the shell's
//! path to a path under `root` and calls `std::fs`. Natively, `root` is a
//! temporary directory, which is how the library is tested.
//!
//! bashkit's own `realfs` backend does not build for wasm32-wasip2 (it needs
//! tokio's blocking file I/O), hence this small adapter.

use std::io::{self, ErrorKind};
use std::path::{Component, Path, PathBuf};

use bashkit::{
    DirEntry, FileSystem, FileSystemExt, FileType, Metadata, Result as BashResult, async_trait,
};

/// `std::fs` below `root`, mounted in the shell at some directory.
#[derive(Debug, Clone)]
pub struct StdFs {
    root: PathBuf,
}

impl StdFs {
    /// A filesystem whose `/` is `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The host path of a path inside this filesystem. bashkit hands mounts
    /// absolute, normalised paths; any `..` left is refused rather than
    /// trusted (the host confines paths again in any case).
    fn host(&self, path: &Path) -> io::Result<PathBuf> {
        let mut out = self.root.clone();
        for part in path.components() {
            match part {
                Component::RootDir | Component::CurDir => {}
                Component::Normal(name) => out.push(name),
                Component::ParentDir | Component::Prefix(_) => {
                    return Err(io::Error::new(
                        ErrorKind::PermissionDenied,
                        "Operation not permitted",
                    ));
                }
            }
        }
        Ok(out)
    }
}

/// An `std::io::Error` as GNU tools print it: the bare `strerror` text
/// (`Read-only file system`), without Rust's ` (os error 69)` suffix, which
/// bashkit would otherwise pass through for kinds it does not map itself.
fn posix(e: io::Error) -> bashkit::Error {
    let text = e.to_string();
    let text = match text.rfind(" (os error ") {
        Some(i) if text.ends_with(')') => text[..i].to_owned(),
        _ => text,
    };
    bashkit::Error::Io(io::Error::new(e.kind(), text))
}

fn io_result<T>(r: io::Result<T>) -> BashResult<T> {
    r.map_err(posix)
}

fn metadata(m: &std::fs::Metadata) -> Metadata {
    let file_type = if m.is_dir() {
        FileType::Directory
    } else {
        FileType::File
    };
    let modified = m.modified().unwrap_or(std::time::UNIX_EPOCH);
    Metadata {
        file_type,
        size: m.len(),
        // Memories are plain files and prefixes: no permission bits are
        // stored, so report what a fresh file or directory would have.
        mode: if m.is_dir() { 0o755 } else { 0o644 },
        modified,
        created: m.created().unwrap_or(modified),
    }
}

fn not_supported(what: &str) -> bashkit::Error {
    bashkit::Error::Io(io::Error::new(
        ErrorKind::PermissionDenied,
        format!("Operation not permitted ({what}: memory stores have none)"),
    ))
}

#[async_trait]
impl FileSystemExt for StdFs {}

#[async_trait]
impl FileSystem for StdFs {
    async fn read_file(&self, path: &Path) -> BashResult<Vec<u8>> {
        io_result(std::fs::read(self.host(path).map_err(posix)?))
    }

    async fn write_file(&self, path: &Path, content: &[u8]) -> BashResult<()> {
        io_result(std::fs::write(self.host(path).map_err(posix)?, content))
    }

    async fn append_file(&self, path: &Path, content: &[u8]) -> BashResult<()> {
        use std::io::Write as _;
        let host = self.host(path).map_err(posix)?;
        let mut file = io_result(
            std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(host),
        )?;
        io_result(file.write_all(content))
    }

    async fn mkdir(&self, path: &Path, recursive: bool) -> BashResult<()> {
        let host = self.host(path).map_err(posix)?;
        if recursive {
            io_result(std::fs::create_dir_all(host))
        } else {
            io_result(std::fs::create_dir(host))
        }
    }

    async fn remove(&self, path: &Path, recursive: bool) -> BashResult<()> {
        let host = self.host(path).map_err(posix)?;
        let meta = io_result(std::fs::metadata(&host))?;
        if !meta.is_dir() {
            return io_result(std::fs::remove_file(host));
        }
        if recursive {
            io_result(std::fs::remove_dir_all(host))
        } else {
            io_result(std::fs::remove_dir(host))
        }
    }

    async fn stat(&self, path: &Path) -> BashResult<Metadata> {
        let m = io_result(std::fs::metadata(self.host(path).map_err(posix)?))?;
        Ok(metadata(&m))
    }

    async fn read_dir(&self, path: &Path) -> BashResult<Vec<DirEntry>> {
        let mut out = Vec::new();
        for entry in io_result(std::fs::read_dir(self.host(path).map_err(posix)?))? {
            let entry = io_result(entry)?;
            let meta = io_result(entry.metadata())?;
            out.push(DirEntry {
                name: entry.file_name().to_string_lossy().into_owned(),
                metadata: metadata(&meta),
            });
        }
        Ok(out)
    }

    async fn exists(&self, path: &Path) -> BashResult<bool> {
        Ok(self.host(path).is_ok_and(|p| p.exists()))
    }

    async fn rename(&self, from: &Path, to: &Path) -> BashResult<()> {
        io_result(std::fs::rename(
            self.host(from).map_err(posix)?,
            self.host(to).map_err(posix)?,
        ))
    }

    async fn copy(&self, from: &Path, to: &Path) -> BashResult<()> {
        let content = io_result(std::fs::read(self.host(from).map_err(posix)?))?;
        io_result(std::fs::write(self.host(to).map_err(posix)?, content))
    }

    async fn symlink(&self, _target: &Path, _link: &Path) -> BashResult<()> {
        Err(not_supported("symbolic links"))
    }

    async fn read_link(&self, path: &Path) -> BashResult<PathBuf> {
        io_result(std::fs::metadata(self.host(path).map_err(posix)?))?;
        Err(bashkit::Error::Io(io::Error::new(
            ErrorKind::InvalidInput,
            "Invalid argument",
        )))
    }

    async fn chmod(&self, path: &Path, _mode: u32) -> BashResult<()> {
        // Memories have no permission bits; like a filesystem mounted without
        // them, accept the call on anything that exists.
        io_result(std::fs::metadata(self.host(path).map_err(posix)?)).map(drop)
    }

    async fn set_modified_time(&self, path: &Path, _time: std::time::SystemTime) -> BashResult<()> {
        // Times come from the store's versions; `touch` of an existing file
        // changes nothing, and on a read-only mount it is refused.
        let host = self.host(path).map_err(posix)?;
        let file = io_result(std::fs::OpenOptions::new().write(true).open(&host))?;
        io_result(file.set_modified(std::time::SystemTime::now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_06_os_errors_read_as_gnu_tools_print_them() {
        let err = posix(io::Error::from_raw_os_error(30));
        let text = err.to_string();
        assert!(!text.contains("os error"), "{text}");
    }

    #[test]
    fn sec_03_parent_components_never_leave_the_root() {
        let fs = StdFs::new("/r");
        assert_eq!(fs.host(Path::new("/a/./b")).unwrap(), Path::new("/r/a/b"));
        assert!(fs.host(Path::new("/a/../../etc")).is_err());
    }
}
