//! `wasi:io` streams over an open file's buffer, served by wasmtime-wasi-io
//! (`read-via-stream`, `write-via-stream`, `append-via-stream`).
//!
//! Owns only the position of a stream. Must not commit: the file's
//! descriptor does that on close. A failed write (size cap, budget) becomes
//! `last-operation-failed`; wasi-libc turns it into `EIO`, so the precise
//! reason is also noted for the tool result (see `vfs::file`).

use wasmtime_wasi_io::bytes::Bytes;
use wasmtime_wasi_io::poll::Pollable;
use wasmtime_wasi_io::streams::{InputStream, OutputStream, StreamError, StreamResult};

use memstore_vfs::FileRef;

/// Largest write a guest is invited to make at once; never 0, since the
/// blocking helpers trap after a few zero answers.
const WRITE_CHUNK: usize = 64 * 1024;

/// Reads a file's bytes from a position.
pub struct FileReader {
    /// The file.
    pub file: FileRef,
    /// Next byte to read.
    pub pos: u64,
}

#[wasmtime_wasi_io::async_trait]
impl Pollable for FileReader {
    async fn ready(&mut self) {}
}

impl InputStream for FileReader {
    fn read(&mut self, size: usize) -> StreamResult<Bytes> {
        let bytes = self.file.lock().expect("file lock").read_at(self.pos, size);
        let bytes = bytes.map_err(|e| StreamError::LastOperationFailed(e.into()))?;
        if bytes.is_empty() && size > 0 {
            return Err(StreamError::Closed);
        }
        self.pos += bytes.len() as u64;
        Ok(Bytes::from(bytes))
    }
}

/// Writes into a file's buffer at a position, or at its end.
pub struct FileWriter {
    /// The file.
    pub file: FileRef,
    /// Next byte to write; `None` appends.
    pub pos: Option<u64>,
}

#[wasmtime_wasi_io::async_trait]
impl Pollable for FileWriter {
    async fn ready(&mut self) {}
}

impl OutputStream for FileWriter {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        let written = self
            .file
            .lock()
            .expect("file lock")
            .write_at(self.pos, &bytes);
        let n = written.map_err(|e| StreamError::LastOperationFailed(e.into()))?;
        if let Some(pos) = &mut self.pos {
            *pos += n;
        }
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(WRITE_CHUNK)
    }
}
