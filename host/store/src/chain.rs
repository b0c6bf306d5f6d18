//! The tamper-evident audit chain (VER-07).
//!
//! Every version of a store carries `link = H(prev_link ‖ metadata ‖ commitment)`
//! where `commitment = H(salt ‖ path ‖ content)` with a fresh 256-bit salt per
//! version. The store records the last link as its chain head.
//!
//! Redaction and pruning null the path, the content *and the salt* but keep
//! the commitment, so the chain still verifies while the redacted bytes are
//! gone for good: without the salt, hashing guesses of a short secret finds
//! nothing (a plain SHA-256 of the content would give it away, which is why
//! `content_sha256` is nulled too).
//!
//! Every field is length-prefixed, so no two different inputs hash alike.

use sha2::{Digest, Sha256};

use crate::model::{Actor, BrokenLink, Operation};

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// The `prev_link` of a store's first version.
pub const GENESIS: Hash = [0; 32];

const COMMIT_DOMAIN: &[u8] = b"memstore/commitment/v1";
const LINK_DOMAIN: &[u8] = b"memstore/chain-link/v1";

/// The metadata of a version that stays after redaction and is chained.
#[derive(Debug, Clone, Copy)]
pub struct LinkFields<'a> {
    /// 1-based position in the store's chain.
    pub seq: u64,
    /// The store.
    pub store_id: &'a str,
    /// The version.
    pub version_id: &'a str,
    /// The memory.
    pub memory_id: &'a str,
    /// What the version records.
    pub operation: Operation,
    /// Creation time, microseconds since the Unix epoch.
    pub created_at_micros: i64,
    /// Who wrote it.
    pub actor: &'a Actor,
}

struct Hasher(Sha256);

impl Hasher {
    fn new(domain: &[u8]) -> Self {
        let mut h = Self(Sha256::new());
        h.field(domain);
        h
    }

    fn field(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.update((bytes.len() as u64).to_be_bytes());
        self.0.update(bytes);
        self
    }

    fn finish(self) -> Hash {
        self.0.finalize().into()
    }
}

/// The salted commitment to a version's path and content (`None` for deletes).
pub fn commitment(salt: &Hash, path: &str, content: Option<&str>) -> Hash {
    let mut h = Hasher::new(COMMIT_DOMAIN);
    h.field(salt).field(path.as_bytes());
    match content {
        Some(c) => h.field(b"content").field(c.as_bytes()),
        None => h.field(b"none"),
    };
    h.finish()
}

/// The chain link of a version following `prev`.
pub fn link(prev: &Hash, fields: &LinkFields<'_>, commitment: &Hash) -> Hash {
    let mut h = Hasher::new(LINK_DOMAIN);
    h.field(prev)
        .field(&fields.seq.to_be_bytes())
        .field(fields.store_id.as_bytes())
        .field(fields.version_id.as_bytes())
        .field(fields.memory_id.as_bytes())
        .field(fields.operation.as_str().as_bytes())
        .field(&fields.created_at_micros.to_be_bytes())
        .field(fields.actor.type_tag().as_bytes())
        .field(fields.actor.id().as_bytes())
        .field(commitment);
    h.finish()
}

/// A version as the verifier sees it: the chained metadata, the stored
/// commitment and link, and — unless redacted or pruned — what the
/// commitment must open to.
#[derive(Debug, Clone)]
pub struct ChainRow {
    /// Position, store id, ids, operation, time, actor.
    pub seq: u64,
    /// The store.
    pub store_id: String,
    /// The version.
    pub version_id: String,
    /// The memory.
    pub memory_id: String,
    /// What the version records.
    pub operation: Operation,
    /// Creation time in microseconds.
    pub created_at_micros: i64,
    /// Who wrote it.
    pub actor: Actor,
    /// The stored commitment.
    pub commitment: Hash,
    /// The stored link.
    pub link: Hash,
    /// Salt, path and content, while the version is not redacted or pruned.
    pub opening: Option<Opening>,
}

/// What a commitment opens to.
#[derive(Debug, Clone)]
pub struct Opening {
    /// The per-version salt.
    pub salt: Hash,
    /// The path at that version.
    pub path: String,
    /// The content (`None` for deletes).
    pub content: Option<String>,
}

impl ChainRow {
    fn fields(&self) -> LinkFields<'_> {
        LinkFields {
            seq: self.seq,
            store_id: &self.store_id,
            version_id: &self.version_id,
            memory_id: &self.memory_id,
            operation: self.operation,
            created_at_micros: self.created_at_micros,
            actor: &self.actor,
        }
    }
}

/// Walks a store's chain incrementally, so huge stores verify in chunks.
#[derive(Debug)]
pub struct Verifier {
    prev: Hash,
    next_seq: u64,
    broken: Option<BrokenLink>,
}

impl Default for Verifier {
    fn default() -> Self {
        Self {
            prev: GENESIS,
            next_seq: 1,
            broken: None,
        }
    }
}

impl Verifier {
    /// Checks the next row; after the first broken link, later rows are ignored.
    pub fn push(&mut self, row: &ChainRow) {
        if self.broken.is_some() {
            return;
        }
        if let Some(reason) = self.check(row) {
            self.broken = Some(BrokenLink {
                seq: row.seq.min(self.next_seq),
                version_id: Some(row.version_id.clone()),
                reason,
            });
            return;
        }
        self.prev = row.link;
        self.next_seq += 1;
    }

    fn check(&self, row: &ChainRow) -> Option<String> {
        if row.seq != self.next_seq {
            return Some(format!(
                "expected version #{} but found #{}: versions are missing",
                self.next_seq, row.seq
            ));
        }
        if let Some(o) = &row.opening
            && commitment(&o.salt, &o.path, o.content.as_deref()) != row.commitment
        {
            return Some("path or content does not match its commitment".into());
        }
        if link(&self.prev, &row.fields(), &row.commitment) != row.link {
            return Some("chain link does not match the version's metadata".into());
        }
        None
    }

    /// Finishes the walk against the store's recorded head and length.
    pub fn finish(mut self, head: &Hash, count: u64) -> (u64, Option<BrokenLink>) {
        let checked = self.next_seq - 1;
        if self.broken.is_none() && (checked != count || &self.prev != head) {
            self.broken = Some(BrokenLink {
                seq: checked + 1,
                version_id: None,
                reason: format!(
                    "the store records {count} versions ending in {}, the chain has {checked} \
                     ending in {}: versions were removed or added",
                    hex::encode(head),
                    hex::encode(self.prev)
                ),
            });
        }
        (checked, self.broken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(prev: &Hash, seq: u64, content: &str) -> ChainRow {
        let salt = [seq as u8; 32];
        let actor = Actor::User {
            user_id: "u".into(),
        };
        let c = commitment(&salt, "/p", Some(content));
        let mut r = ChainRow {
            seq,
            store_id: "memstore_x".into(),
            version_id: format!("memver_{seq}"),
            memory_id: "mem_1".into(),
            operation: Operation::Modified,
            created_at_micros: seq as i64,
            actor,
            commitment: c,
            link: GENESIS,
            opening: Some(Opening {
                salt,
                path: "/p".into(),
                content: Some(content.into()),
            }),
        };
        r.link = link(prev, &r.fields(), &c);
        r
    }

    fn chain(n: u64) -> Vec<ChainRow> {
        let mut prev = GENESIS;
        (1..=n)
            .map(|i| {
                let r = row(&prev, i, &format!("v{i}"));
                prev = r.link;
                r
            })
            .collect()
    }

    fn verify(rows: &[ChainRow], head: &Hash, count: u64) -> Option<BrokenLink> {
        let mut v = Verifier::default();
        rows.iter().for_each(|r| v.push(r));
        v.finish(head, count).1
    }

    #[test]
    fn ver_07_intact_chain_verifies() {
        let rows = chain(5);
        assert_eq!(verify(&rows, &rows[4].link, 5), None);
    }

    #[test]
    fn ver_07_tampered_content_names_its_version() {
        let mut rows = chain(5);
        rows[2].opening.as_mut().unwrap().content = Some("forged".into());
        let broken = verify(&rows, &rows[4].link, 5).unwrap();
        assert_eq!(broken.seq, 3);
        assert!(broken.reason.contains("commitment"));
    }

    #[test]
    fn ver_07_redacted_rows_still_verify() {
        let mut rows = chain(3);
        rows[1].opening = None;
        assert_eq!(verify(&rows, &rows[2].link, 3), None);
    }

    #[test]
    fn ver_07_missing_or_truncated_versions_are_detected() {
        let rows = chain(4);
        let gap = [rows[0].clone(), rows[2].clone(), rows[3].clone()];
        assert_eq!(verify(&gap, &rows[3].link, 4).unwrap().seq, 2);
        let truncated = &rows[..3];
        assert_eq!(verify(truncated, &rows[3].link, 4).unwrap().seq, 4);
    }

    #[test]
    fn ver_07_commitment_is_salted() {
        let a = commitment(&[1; 32], "/p", Some("pin 1234"));
        let b = commitment(&[2; 32], "/p", Some("pin 1234"));
        assert_ne!(a, b);
    }
}
