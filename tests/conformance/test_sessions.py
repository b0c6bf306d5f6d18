"""Sessions through the SDK's generic client (API-04, SEC-01).

The SDK has no resource for memstore's sessions, so these use its low-level
`client.post` / `client.get` with `cast_to=object` (plain JSON), which still
go through the SDK's auth headers, retries and error classes.
"""

from __future__ import annotations

import anthropic
import pytest


def open_session(client, *resources):
    return client.post("/v1/sessions", body={"resources": list(resources)}, cast_to=object)


def attach(store, access="read_write", **extra):
    return {"type": "memory_store", "memory_store_id": store.id, "access": access, **extra}


def tool(client, session, name, **tool_input):
    return client.post(
        f"/v1/sessions/{session['id']}/tool_calls",
        body={"name": name, "input": tool_input},
        cast_to=object,
    )


def mount(session, i=0):
    return session["resources"][i]["mount_path"]


def test_api_04_session_lifecycle_and_tool_calls(client, server, store):
    s = open_session(client, attach(store, instructions="notes"))
    assert s["type"] == "session" and s["id"].startswith("sesn_")
    assert s["owner_api_key_id"] == server.admin.id
    assert mount(s).startswith("/mnt/memory/")
    assert client.get(f"/v1/sessions/{s['id']}", cast_to=object) == s

    out = tool(client, s, "write", file_path=f"{mount(s)}/a.md", content="hello\n")
    assert out["is_error"] is False, out
    [change] = out["changes"]
    assert (change["path"], change["operation"]) == ("/a.md", "created")
    v = client.beta.memory_stores.memory_versions.retrieve(
        change["version_id"], memory_store_id=store.id
    )
    assert v.created_by.type == "session_actor"
    assert v.created_by.session_id == s["id"]

    read = tool(client, s, "read", file_path=f"{mount(s)}/a.md")
    assert "hello" in read["content"] and read["changes"] == []

    prompt = client.get(f"/v1/sessions/{s['id']}/system_prompt", cast_to=object)
    assert prompt["type"] == "system_prompt" and mount(s) in prompt["text"]

    events = client.get(f"/v1/sessions/{s['id']}/events", cast_to=object)
    assert [(e["type"], e["path"]) for e in events["data"]] == [("memory.created", "/a.md")]

    log = client.get(f"/v1/sessions/{s['id']}/tool_calls", cast_to=object)
    assert [e["changes"] for e in log["data"] if e["tool"] == "write"] == [out["changes"]]

    ended = client.post(f"/v1/sessions/{s['id']}/end", cast_to=object)
    assert ended["ended_at"] is not None
    with pytest.raises(anthropic.BadRequestError):
        tool(client, s, "read", file_path=f"{mount(s)}/a.md")


def test_api_04_failed_tool_is_a_result_not_an_error(client, store):
    s = open_session(client, attach(store, "read_only"))
    out = tool(client, s, "write", file_path=f"{mount(s)}/x.md", content="x")
    assert out["is_error"] is True and out["changes"] == []
    with pytest.raises(anthropic.BadRequestError) as e:
        tool(client, s, "no_such_tool")
    assert e.value.body["error"]["type"] == "invalid_request_error"


def test_api_04_archived_store_cannot_be_attached(client, store):
    client.beta.memory_stores.archive(store.id)
    with pytest.raises(anthropic.BadRequestError):
        open_session(client, attach(store))


def test_sec_01_sessions_are_confined_to_their_workspace_and_role(server, client, store):
    s = open_session(client, attach(store))
    other = server.client(server.other)
    with pytest.raises(anthropic.NotFoundError):
        other.get(f"/v1/sessions/{s['id']}", cast_to=object)
    with pytest.raises(anthropic.NotFoundError):
        tool(other, s, "write", file_path=f"{mount(s)}/x.md", content="x")
    with pytest.raises(anthropic.NotFoundError):
        open_session(other, attach(store))
    reader = server.client(server.reader)
    with pytest.raises(anthropic.PermissionDeniedError):
        tool(reader, s, "write", file_path=f"{mount(s)}/x.md", content="x")
    assert reader.get(f"/v1/sessions/{s['id']}", cast_to=object)["id"] == s["id"]
    assert list(client.beta.memory_stores.memories.list(store.id)) == []


def open_agent_session(client, store, agent, **extra):
    body = {"resources": [attach(store)], "agent": agent, **extra}
    return client.post("/v1/sessions", body=body, cast_to=object)


def test_ses_04_sdk_parses_every_version_of_agent_sessions(client, store):
    # Two agents, three sessions, plus an agentless one; writes through the
    # file tools, the memory tool and bash. The reference's actor object is
    # unchanged, so the SDK parses every version as a session_actor.
    b1 = open_agent_session(client, store, {"id": "billing", "name": "Billing"})
    sup = open_agent_session(client, store, {"id": "support"})
    b2 = open_agent_session(client, store, {"id": "billing"})
    plain = open_session(client, attach(store))
    assert b1["agent"] == {"id": "billing", "name": "Billing", "metadata": {}}
    assert "agent" not in plain
    tool(client, b1, "write", file_path=f"{mount(b1)}/a.md", content="a\n")
    tool(client, sup, "memory", command="create", path="/memories/s.md", file_text="s\n")
    out = tool(client, b2, "bash", command=f"echo b > {mount(b2)}/b.md; mv {mount(b2)}/b.md {mount(b2)}/c.md")
    assert out["is_error"] is False, out
    tool(client, b1, "edit", file_path=f"{mount(b1)}/a.md", old_string="a", new_string="A")
    tool(client, plain, "write", file_path=f"{mount(plain)}/p.md", content="p\n")

    from anthropic.types.beta.memory_stores import BetaManagedAgentsMemoryVersion

    versions = client.beta.memory_stores.memory_versions
    every = list(versions.list(store.id, limit=2))
    assert len(every) == 6
    owner = {b1["id"]: "billing", sup["id"]: "support", b2["id"]: "billing", plain["id"]: None}
    for v in every:
        assert isinstance(v, BetaManagedAgentsMemoryVersion)
        assert v.created_by.type == "session_actor"
        assert v.created_by.session_id in owner
        assert v.created_by.model_dump() == {"type": "session_actor", "session_id": v.created_by.session_id}
        again = versions.retrieve(v.id, memory_store_id=store.id)
        assert again.created_by == v.created_by

    for agent in ("billing", "support"):
        got = list(versions.list(store.id, limit=1, extra_query={"agent_id": agent}))
        assert [v.id for v in got] == [v.id for v in every if owner[v.created_by.session_id] == agent]

    with pytest.raises(anthropic.BadRequestError) as e:
        list(versions.list(store.id, extra_query={"agent_id": ""}))
    assert "agent_id" in e.value.body["error"]["message"]
    with pytest.raises(anthropic.BadRequestError):
        list(versions.list(store.id, extra_query={"agent": "billing"}))

    listed = client.get("/v1/sessions", options={"params": {"agent_id": "billing"}}, cast_to=object)
    assert [s["id"] for s in listed["data"]] == [b2["id"], b1["id"]]
