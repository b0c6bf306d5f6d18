"""The example agent harness (examples/agent_harness) runs end to end,
offline, with its scripted model against the suite's server, and the
memory it wrote is in the store, attributed to its session."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import REPO

HARNESS = REPO / "examples" / "agent_harness" / "harness.py"


def test_example_harness_runs_and_its_memories_exist(server):
    done = subprocess.run(
        [sys.executable, str(HARNESS), "--base-url", server.url,
         "--api-key", server.writer.secret],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    session = result["session"]
    assert session["ended_at"] is not None
    for message in result["transcript"]:
        for block in message["content"] if isinstance(message["content"], list) else []:
            if block["type"] == "tool_result":
                assert block["is_error"] is False, block

    notes, handbook = (r["memory_store_id"] for r in session["resources"])
    client = server.client(server.writer)
    [memory] = [
        m for m in client.beta.memory_stores.memories.list(notes, depth=10)
        if m.type == "memory"
    ]
    assert memory.path == "/user/preferences.md"
    full = client.beta.memory_stores.memories.retrieve(memory.id, memory_store_id=notes)
    assert "short replies with examples" in full.content
    versions = list(client.beta.memory_stores.memory_versions.list(notes))
    assert [v.operation for v in versions] == ["modified", "created"]
    assert all(v.created_by.session_id == session["id"] for v in versions)
    # The read-only handbook was only read.
    assert [v.operation for v in client.beta.memory_stores.memory_versions.list(handbook)] == ["created"]
