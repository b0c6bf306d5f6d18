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
