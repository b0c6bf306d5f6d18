//! Read-modify-write of one memory through the `store` import, safe under
//! concurrency (TOOL-05).
//!
//! The edit is computed from a hashed read and written with that hash as the
//! precondition. When another writer got there first, the edit is computed
//! again on the fresh content and written once more; if it no longer applies
//! (the closure refuses) or loses the race a second time, the caller gets
//! [`UpdateError::Raced`] and tells the agent to look at the file again,
//! instead of silently overwriting the other writer's change.

use crate::store::{Store, StoreError};

/// Why [`update`] made no change.
#[derive(Debug)]
pub enum UpdateError<E> {
    /// Reading the memory failed.
    Read(StoreError),
    /// The edit does not apply to the content first read.
    Apply(E),
    /// The write failed for a reason other than the precondition.
    Write(StoreError),
    /// The memory changed underneath, and the edit could not be re-applied.
    Raced,
}

/// Applies `edit` to the memory at `path`: `edit` maps the current content
/// to the new content plus whatever the caller reports back. It may run
/// twice, the second time on content another writer changed. Returns the
/// content written and the report of the attempt that was written.
///
/// # Errors
/// See [`UpdateError`]; nothing was written in every case.
pub fn update<T, E>(
    store: &dyn Store,
    path: &str,
    mut edit: impl FnMut(&str) -> Result<(String, T), E>,
) -> Result<(String, T), UpdateError<E>> {
    let first = store.read(path).map_err(UpdateError::Read)?;
    let (content, report) = edit(&first.content).map_err(UpdateError::Apply)?;
    match store.write(path, &content, Some(&first.sha256)) {
        Ok(()) => return Ok((content, report)),
        Err(StoreError::PreconditionFailed(_)) => {}
        Err(e) => return Err(UpdateError::Write(e)),
    }
    let fresh = match store.read(path) {
        Ok(fresh) => fresh,
        Err(StoreError::NotFound(_)) => return Err(UpdateError::Raced),
        Err(e) => return Err(UpdateError::Read(e)),
    };
    let (content, report) = edit(&fresh.content).map_err(|_| UpdateError::Raced)?;
    match store.write(path, &content, Some(&fresh.sha256)) {
        Ok(()) => Ok((content, report)),
        Err(StoreError::PreconditionFailed(_)) => Err(UpdateError::Raced),
        Err(e) => Err(UpdateError::Write(e)),
    }
}
