//! Checks a database file before SQLite touches it (issue 9, "faults"):
//! opening a file switches it to WAL mode and migrating writes a schema, so
//! a file that is not a memstore database, is truncated, or was written by
//! a newer memstore must be refused first, from its header alone, and left
//! byte for byte as it was.
//!
//! The header is the file's first 100 bytes (sqlite.org/fileformat.html
//! §1.3). In WAL mode it can lag behind commits not yet checkpointed, so
//! these checks only refuse what no memstore database can look like; the
//! migration step checks the schema version again inside its transaction.

use std::io::Read;
use std::path::Path;

use memstore_store::error::{Result, StoreError};

const MAGIC: &[u8; 16] = b"SQLite format 3\0";
const HEADER: usize = 100;

/// Refuses `path` unless it is missing, empty, or an SQLite database whose
/// header fits a memstore database of at most schema version `known`.
///
/// # Errors
/// [`StoreError::Unusable`] naming the file, what is wrong and what to do.
pub fn check(path: &Path, known: usize) -> Result<()> {
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        // A new database; SQLite reports any other problem in its own words.
        Err(_) => return Ok(()),
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len == 0 {
        return Ok(());
    }
    let mut header = Vec::with_capacity(HEADER);
    let _ = file.by_ref().take(HEADER as u64).read_to_end(&mut header);
    let refuse = |what: String| {
        Err(StoreError::Unusable(format!(
            "{} {what}; the file was not modified",
            path.display()
        )))
    };
    if header.len() < MAGIC.len() || &header[..MAGIC.len()] != MAGIC {
        return refuse(
            "is not a memstore database (it is not an SQLite file); pass --db the path of a \
             memstore database, or a path that does not exist yet to create one"
                .into(),
        );
    }
    if header.len() < HEADER {
        return refuse(format!(
            "is truncated ({len} bytes, shorter than an SQLite header); restore it from a \
             backup"
        ));
    }
    let h = Header(&header);
    let page_size = match h.u16(16) {
        1 => 65_536,
        n => u64::from(n),
    };
    // The in-header size is valid only when written by SQLite 3.7.0 or later
    // in the same transaction as the change counter, and tells the file's
    // length only when no write-ahead log holds pages still to copy: a
    // checkpoint writes the header before it has extended the file, and one
    // cut short (by a full disk, say) leaves the file short and the log
    // whole, which SQLite recovers from.
    let pages = u64::from(h.u32(28));
    let log_pending = wal_path(path).metadata().is_ok_and(|m| m.len() > 0);
    if !log_pending && h.u32(92) == h.u32(24) && pages > 0 && len < pages * page_size {
        return refuse(format!(
            "is truncated: it holds {len} bytes, its header describes {pages} pages of \
             {page_size} bytes; restore it from a backup"
        ));
    }
    let version = usize::try_from(h.u32(60)).unwrap_or(usize::MAX);
    if version > known {
        return refuse(format!(
            "was written by a newer memstore (schema version {version}; this memstore knows up \
             to {known}); upgrade memstore to open it"
        ));
    }
    // memstore creates its tables and sets the version in one transaction:
    // a schema without a version belongs to another application.
    if version == 0 && h.u32(40) != 0 {
        return refuse(
            "is an SQLite database of another application, not a memstore database (it has \
             tables but no memstore schema version); pass --db a memstore database or a new \
             path"
                .into(),
        );
    }
    Ok(())
}

/// SQLite's write-ahead log of the database at `path`.
fn wal_path(path: &Path) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-wal");
    name.into()
}

/// Big-endian fields of the header.
struct Header<'a>(&'a [u8]);

impl Header<'_> {
    fn u16(&self, at: usize) -> u16 {
        u16::from_be_bytes([self.0[at], self.0[at + 1]])
    }

    fn u32(&self, at: usize) -> u32 {
        u32::from_be_bytes([self.0[at], self.0[at + 1], self.0[at + 2], self.0[at + 3]])
    }
}
