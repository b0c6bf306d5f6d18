//! The system-prompt section of a session (SES-03): each mount's name, path,
//! access, description and instructions, plus one paragraph on how to use
//! memory; and, only when the harness asked for it
//! (`render_agent_in_prompt`), a header naming the session's agent with its
//! metadata (issue 14). Deterministic: it depends only on the stored session.

use std::fmt::Write;

use memstore_store::sessions::{Access, Agent, Session};

/// Renders the section.
pub fn render(session: &Session) -> String {
    let mut out = String::from("# Memory\n\n");
    if session.render_agent_in_prompt
        && let Some(agent) = &session.agent
    {
        render_agent(&mut out, agent);
    }
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

/// The agent header: who this session runs as, then the agent's metadata in
/// key order, then a blank line.
fn render_agent(out: &mut String, agent: &Agent) {
    match &agent.name {
        Some(name) => {
            let _ = writeln!(out, "You are the agent {name} (agent id: {}).", agent.id);
        }
        None => {
            let _ = writeln!(out, "You are the agent with id {}.", agent.id);
        }
    }
    if !agent.metadata.is_empty() {
        out.push_str("Agent metadata:\n");
        for (key, value) in &agent.metadata {
            let _ = writeln!(out, "- {key}: {value}");
        }
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::render;
    use memstore_store::now;
    use memstore_store::sessions::{Agent, Session};

    fn session(agent: Option<Agent>, render_agent_in_prompt: bool) -> Session {
        Session {
            id: "sesn_x".into(),
            owner_api_key_id: None,
            resources: Vec::new(),
            created_at: now(),
            ended_at: None,
            agent,
            render_agent_in_prompt,
            workspace_id: "default".into(),
        }
    }

    /// Issue 14: the agent and its operator metadata reach the prompt only
    /// when the harness asked; otherwise the text is the agentless one.
    #[test]
    fn ses_03_agent_header_only_when_asked() {
        let agent = Agent {
            id: "billing-7".into(),
            name: Some("Billing".into()),
            metadata: [("team".to_owned(), "finance".to_owned())].into(),
        };
        let plain = render(&session(None, false));
        assert_eq!(render(&session(Some(agent.clone()), false)), plain);
        let named = render(&session(Some(agent.clone()), true));
        assert_eq!(
            named,
            "# Memory\n\nYou are the agent Billing (agent id: billing-7).\n\
             Agent metadata:\n- team: finance\n\n\
             No memory stores are attached to this session.\n"
        );
        let bare = Agent {
            name: None,
            metadata: Default::default(),
            ..agent
        };
        assert!(
            render(&session(Some(bare), true))
                .starts_with("# Memory\n\nYou are the agent with id billing-7.\n\nNo memory")
        );
    }
}
