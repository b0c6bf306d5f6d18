//! The system-prompt section of a session (SES-03): each mount's name, path,
//! access, description and instructions, plus one paragraph on how to use
//! memory. Deterministic: it depends only on the stored session.

use std::fmt::Write;

use crate::store::sessions::{Access, Session};

/// Renders the section.
pub fn render(session: &Session) -> String {
    let mut out = String::from("# Memory\n\n");
    if session.resources.is_empty() {
        out.push_str("No memory stores are attached to this session.\n");
        return out;
    }
    out.push_str(
        "You have persistent memory: each memory store below is a directory of small UTF-8 \
         text files under /mnt/memory. Read what is relevant before you start, keep notes \
         short and organised by topic, and update or delete what is outdated. Every change \
         you make is kept as a version and attributed to this session. Read-only stores \
         reject every change.\n",
    );
    for r in &session.resources {
        let access = match r.access {
            Access::ReadWrite => "read-write",
            Access::ReadOnly => "read-only",
        };
        let _ = write!(
            out,
            "\n## {}\n- path: {}\n- access: {access}\n",
            r.name, r.mount_path
        );
        if !r.description.is_empty() {
            let _ = writeln!(out, "- description: {}", r.description);
        }
        if !r.instructions.is_empty() {
            let _ = writeln!(out, "- instructions: {}", r.instructions);
        }
    }
    out
}
