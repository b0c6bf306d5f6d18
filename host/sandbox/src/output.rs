//! Capped stdout/stderr of a call: keeps the first N bytes, discards the rest
//! and remembers that it did, so the result can say so (TOOL-02). Writes
//! never fail, so a flooding guest is stopped by time or fuel, not by a
//! broken pipe panic.

use std::sync::{Arc, Mutex};

use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi_io::bytes::Bytes;
use wasmtime_wasi_io::poll::Pollable;
use wasmtime_wasi_io::streams::{OutputStream, StreamResult};

#[derive(Debug, Default)]
struct Captured {
    bytes: Vec<u8>,
    cap: usize,
    truncated: bool,
}

/// A capped in-memory output pipe; clones share the buffer.
#[derive(Debug, Clone, Default)]
pub struct CappedOutput(Arc<Mutex<Captured>>);

impl CappedOutput {
    /// A pipe keeping at most `cap` bytes.
    pub fn new(cap: usize) -> Self {
        Self(Arc::new(Mutex::new(Captured {
            bytes: Vec::new(),
            cap,
            truncated: false,
        })))
    }

    /// The bytes kept, and whether more were discarded.
    pub fn contents(&self) -> (Vec<u8>, bool) {
        let c = self.0.lock().expect("output lock");
        (c.bytes.clone(), c.truncated)
    }
}

impl IsTerminal for CappedOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for CappedOutput {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(tokio::io::sink())
    }
}

#[wasmtime_wasi_io::async_trait]
impl Pollable for CappedOutput {
    async fn ready(&mut self) {}
}

impl OutputStream for CappedOutput {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        let mut c = self.0.lock().expect("output lock");
        let room = c.cap.saturating_sub(c.bytes.len());
        if bytes.len() > room {
            c.truncated = true;
        }
        c.bytes.extend_from_slice(&bytes[..bytes.len().min(room)]);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(64 * 1024)
    }
}
