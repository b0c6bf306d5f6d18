//! An open file: a snapshot of the memory's head at open time plus this
//! descriptor's write buffer (FS-03, FS-05).
//!
//! Owns byte-level reads and writes and the size cap, which fails a write at
//! once (MEM-02). Must not commit: closing hands the buffer to the call
//! ([`super::Vfs::close`]), which stages it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::error::{Errno, FsError, FsResult};
use memstore_store::Timestamp;
use memstore_store::limits::MAX_CONTENT_BYTES;

/// Most bytes one tool call may hold in write buffers and staged files, so a
/// guest cannot make the host buffer unbounded data before commit.
pub const MAX_STAGED_BYTES: usize = 16 * 1024 * 1024;

/// A file's content as the call saw it when it opened or wrote the file: the
/// store's head, or what the call staged there before. It is the ancestor of
/// a three-way merge when the head has moved by commit time (FS-08).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base {
    /// The content.
    pub content: String,
    /// Its SHA-256.
    pub sha: String,
    /// Its version: the head's, or the id reserved by the `store.write` that
    /// staged it; empty for content staged through the filesystem or a
    /// rename, whose version id the engine picks at commit.
    pub version_id: String,
}

impl Base {
    /// Content staged by this call, with the version id reserved for it.
    pub fn staged(content: String, version_id: Option<String>) -> Self {
        Self {
            sha: memstore_store::content_sha256(&content),
            content,
            version_id: version_id.unwrap_or_default(),
        }
    }
}

/// State shared by every file of one tool call.
#[derive(Debug, Default)]
pub struct CallShared {
    staged: AtomicUsize,
    notes: Mutex<Vec<String>>,
    lost: std::sync::atomic::AtomicBool,
}

impl CallShared {
    /// Records a precise reason for the tool result: wasi-libc reports
    /// stream errors as a bare `EIO`, so the agent learns the cause here.
    pub fn note(&self, note: impl Into<String>) {
        self.notes.lock().expect("notes lock").push(note.into());
    }

    /// Records that something the guest wrote will not be committed, and why.
    pub fn lose(&self, note: impl Into<String>) {
        self.lost.store(true, Ordering::Relaxed);
        self.note(note);
    }

    /// Whether anything written in this call will not be committed.
    pub fn lost(&self) -> bool {
        self.lost.load(Ordering::Relaxed)
    }

    /// Every note so far.
    pub fn notes(&self) -> Vec<String> {
        self.notes.lock().expect("notes lock").clone()
    }

    /// Takes `bytes` from the call's staging budget; false when it is spent.
    pub fn reserve(&self, bytes: usize) -> bool {
        let before = self.staged.fetch_add(bytes, Ordering::Relaxed);
        if before + bytes > MAX_STAGED_BYTES {
            self.staged.fetch_sub(bytes, Ordering::Relaxed);
            return false;
        }
        true
    }
}

/// A file opened by the guest.
#[derive(Debug)]
pub struct OpenFile {
    /// Mount index.
    pub mount: usize,
    /// Store path.
    pub path: String,
    /// The path as the guest sees it, for messages.
    pub shown: String,
    /// Opened for reading.
    pub readable: bool,
    /// Opened for writing.
    pub writable: bool,
    /// The head at open, if the memory existed.
    pub base: Option<Base>,
    /// Current bytes: the snapshot, then this descriptor's writes.
    pub data: Vec<u8>,
    /// Changed since open (or since the last sync).
    pub dirty: bool,
    /// A write failed (size cap, budget): nothing of this file is committed.
    pub failed: bool,
    /// Already closed and staged.
    pub closed: bool,
    /// Creation time of the memory (or open time for a new file).
    pub created: Timestamp,
    /// Last change time of the memory.
    pub updated: Timestamp,
    /// Call-wide state.
    pub shared: Arc<CallShared>,
}

/// A handle shared by a descriptor and its streams.
pub type FileRef = Arc<Mutex<OpenFile>>;

impl OpenFile {
    /// Current size in bytes.
    pub fn size(&self) -> u64 {
        self.data.len() as u64
    }

    /// Up to `len` bytes from `offset`; empty at or past the end.
    ///
    /// # Errors
    /// `bad-descriptor` when not opened for reading.
    pub fn read_at(&self, offset: u64, len: usize) -> FsResult<Vec<u8>> {
        if !self.readable {
            return Err(FsError::new(
                Errno::BadDescriptor,
                format!("{} is not open for reading", self.shown),
            ));
        }
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.data.len());
        let end = start.saturating_add(len).min(self.data.len());
        Ok(self.data[start..end].to_vec())
    }

    /// Writes `bytes` at `offset` (`None` = append), growing the file.
    ///
    /// # Errors
    /// `file-too-large` past 102,400 bytes, `no-space` past the call's
    /// staging budget; either marks the file failed so nothing is committed.
    pub fn write_at(&mut self, offset: Option<u64>, bytes: &[u8]) -> FsResult<u64> {
        if !self.writable {
            return Err(FsError::new(
                Errno::BadDescriptor,
                format!("{} is not open for writing", self.shown),
            ));
        }
        let start = offset.map_or(self.data.len(), |o| {
            usize::try_from(o).unwrap_or(usize::MAX)
        });
        let end = start.saturating_add(bytes.len());
        self.grow_to(end)?;
        self.data[start..end].copy_from_slice(bytes);
        self.dirty = true;
        Ok(bytes.len() as u64)
    }

    /// Truncates or extends (with zeros) to `size` (`ftruncate`).
    ///
    /// # Errors
    /// As [`OpenFile::write_at`].
    pub fn set_size(&mut self, size: u64) -> FsResult<()> {
        if !self.writable {
            return Err(FsError::new(
                Errno::BadDescriptor,
                format!("{} is not open for writing", self.shown),
            ));
        }
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        if size < self.data.len() {
            self.data.truncate(size);
        } else {
            self.grow_to(size)?;
        }
        self.dirty = true;
        Ok(())
    }

    fn grow_to(&mut self, end: usize) -> FsResult<()> {
        if end > MAX_CONTENT_BYTES {
            self.failed = true;
            let message = format!(
                "write to {} failed: the file would be {end} bytes; a memory holds at most \
                 {MAX_CONTENT_BYTES} bytes (file-too-large). Nothing of this file was committed.",
                self.shown
            );
            self.shared.lose(message.clone());
            return Err(FsError::new(Errno::FileTooLarge, message));
        }
        if end > self.data.len() {
            if !self.shared.reserve(end - self.data.len()) {
                self.failed = true;
                let message = format!(
                    "write to {} failed: this tool call buffered more than {MAX_STAGED_BYTES} \
                     bytes of writes (no-space). Nothing of this file was committed.",
                    self.shown
                );
                self.shared.lose(message.clone());
                return Err(FsError::new(Errno::NoSpace, message));
            }
            self.data.resize(end, 0);
        }
        Ok(())
    }
}

#[cfg(any(test, feature = "test-support"))]
impl OpenFile {
    /// `/f` of mount 0, open for reading and writing, holding `data`: a file
    /// for unit tests of this crate and, with the `test-support` feature, of
    /// the sandbox's adapters.
    pub fn scratch(data: &[u8]) -> Self {
        OpenFile {
            mount: 0,
            path: "/f".into(),
            shown: "/mnt/memory/a/f".into(),
            readable: true,
            writable: true,
            base: None,
            data: data.to_vec(),
            dirty: false,
            failed: false,
            closed: false,
            created: memstore_store::now(),
            updated: memstore_store::now(),
            shared: Arc::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> OpenFile {
        OpenFile::scratch(b"hello")
    }

    #[test]
    fn fs_05_write_over_the_cap_fails_at_once_and_marks_the_file() {
        let mut f = file();
        let err = f
            .write_at(Some(MAX_CONTENT_BYTES as u64), b"x")
            .unwrap_err();
        assert_eq!(err.code, Errno::FileTooLarge);
        assert!(f.failed);
        assert!(f.shared.notes()[0].contains("file-too-large"));
    }

    #[test]
    fn fs_05_writes_and_truncation_edit_the_buffer() {
        let mut f = file();
        f.write_at(None, b" world").unwrap();
        f.write_at(Some(0), b"J").unwrap();
        assert_eq!(f.data, b"Jello world");
        f.set_size(2).unwrap();
        assert_eq!(f.read_at(0, 100).unwrap(), b"Je");
        assert!(f.dirty && !f.failed);
    }
}
