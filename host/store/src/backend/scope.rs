//! What a write job changes, declared before it runs.
//!
//! SQLite serialises every write transaction of a file, so it needs no more
//! than the job. A database that several hosts write at once (PostgreSQL)
//! must serialise the writes of one store — its chain has one order, its
//! capacity one count (DUR-05) — without serialising unrelated stores. It
//! locks what the scope names before the job's first statement, every
//! transaction in the same order, so two hosts' transactions on one store run
//! one after the other and never deadlock, however many stores a batch spans.

use std::collections::BTreeSet;

/// The stores and sessions a write job may change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteScope {
    stores: BTreeSet<String>,
    sessions: BTreeSet<String>,
    every_store: bool,
}

impl WriteScope {
    /// A job that changes no existing store or session: it only inserts new
    /// rows (a new store, session or key) that nobody else can see yet.
    pub fn none() -> Self {
        Self::default()
    }

    /// A job on one store.
    pub fn store(id: &str) -> Self {
        Self::none().with_store(id)
    }

    /// A job on one session's own rows (its log, shell state, directories).
    pub fn session(id: &str) -> Self {
        Self::none().with_session(id)
    }

    /// A job that may change any store (retention pruning).
    pub fn every_store() -> Self {
        Self {
            every_store: true,
            ..Self::default()
        }
    }

    /// Adds a store.
    #[must_use]
    pub fn with_store(mut self, id: &str) -> Self {
        self.stores.insert(id.to_owned());
        self
    }

    /// Adds a session.
    #[must_use]
    pub fn with_session(mut self, id: &str) -> Self {
        self.sessions.insert(id.to_owned());
        self
    }

    /// Everything `other` names too: a group commit's batch holds the union
    /// of its jobs' scopes.
    pub fn merge(&mut self, other: &Self) {
        self.every_store |= other.every_store;
        self.stores.extend(other.stores.iter().cloned());
        self.sessions.extend(other.sessions.iter().cloned());
    }

    /// The stores named, in order.
    pub fn stores(&self) -> impl Iterator<Item = &str> {
        self.stores.iter().map(String::as_str)
    }

    /// The sessions named, in order.
    pub fn sessions(&self) -> impl Iterator<Item = &str> {
        self.sessions.iter().map(String::as_str)
    }

    /// Whether the job may change any store.
    pub fn is_every_store(&self) -> bool {
        self.every_store
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dur_05_a_merged_scope_names_every_store_and_session_once_in_order() {
        let mut batch = WriteScope::store("s2").with_session("ses_b");
        batch.merge(&WriteScope::store("s1").with_store("s2"));
        batch.merge(&WriteScope::session("ses_a"));
        assert_eq!(batch.stores().collect::<Vec<_>>(), ["s1", "s2"]);
        assert_eq!(batch.sessions().collect::<Vec<_>>(), ["ses_a", "ses_b"]);
        assert!(!batch.is_every_store());
        batch.merge(&WriteScope::every_store());
        assert!(batch.is_every_store());
    }
}
