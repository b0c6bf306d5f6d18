"""Authentication, workspaces, roles and error shapes through the SDK
(SEC-01, STORE-05, API-01, API-02)."""

from __future__ import annotations

import anthropic
import pytest

from conftest import Key


def test_api_02_errors_carry_type_message_and_request_id(client):
    with pytest.raises(anthropic.NotFoundError) as e:
        client.beta.memory_stores.retrieve("memstore_doesnotexist")
    err = e.value
    assert err.body["type"] == "error"
    assert err.body["error"]["type"] == "not_found_error"
    assert err.body["error"]["message"]
    assert err.request_id


def test_api_02_successful_responses_carry_a_request_id(client, store):
    raw = client.beta.memory_stores.with_raw_response.retrieve(store.id)
    assert raw.request_id
    assert raw.parse().id == store.id


def test_sec_01_unknown_key_is_authentication_error(server):
    bad = server.client(Key(id="apikey_x", secret="msk-not-a-key"), max_retries=0)
    with pytest.raises(anthropic.AuthenticationError) as e:
        bad.beta.memory_stores.list().data
    assert e.value.type == "authentication_error"


def test_sec_01_reader_can_read_but_not_mutate(server, client, store):
    reader = server.client(server.reader)
    assert reader.beta.memory_stores.retrieve(store.id).id == store.id
    m = client.beta.memory_stores.memories.create(store.id, path="/r.md", content="x")
    assert reader.beta.memory_stores.memories.retrieve(m.id, memory_store_id=store.id).content == "x"
    calls = [
        lambda: reader.beta.memory_stores.create(name="x"),
        lambda: reader.beta.memory_stores.update(store.id, name="y"),
        lambda: reader.beta.memory_stores.archive(store.id),
        lambda: reader.beta.memory_stores.delete(store.id),
        lambda: reader.beta.memory_stores.memories.create(store.id, path="/n.md", content="x"),
        lambda: reader.beta.memory_stores.memories.update(m.id, memory_store_id=store.id, content="y"),
        lambda: reader.beta.memory_stores.memories.delete(m.id, memory_store_id=store.id),
        lambda: reader.beta.memory_stores.memory_versions.redact(m.memory_version_id, memory_store_id=store.id),
    ]
    for call in calls:
        with pytest.raises(anthropic.PermissionDeniedError) as e:
            call()
        assert e.value.type == "permission_error"
    assert client.beta.memory_stores.retrieve(store.id).name == store.name


def test_store_05_other_workspace_gets_404(server, store):
    other = server.client(server.other)
    with pytest.raises(anthropic.NotFoundError):
        other.beta.memory_stores.retrieve(store.id)
    with pytest.raises(anthropic.NotFoundError):
        other.beta.memory_stores.memories.create(store.id, path="/x.md", content="x")
    with pytest.raises(anthropic.NotFoundError):
        other.beta.memory_stores.delete(store.id)
    assert store.id not in [s.id for s in other.beta.memory_stores.list()]


def test_sec_01_workspace_header_selects_among_the_keys_workspaces(server, store):
    multi = server.client(server.multi)
    # Default workspace (the key's first) sees the store ...
    assert multi.beta.memory_stores.retrieve(store.id).id == store.id
    # ... the second workspace does not, and stores made there stay there.
    with pytest.raises(anthropic.NotFoundError):
        multi.beta.memory_stores.retrieve(store.id, workspace_id="team-b")
    b = multi.beta.memory_stores.create(name="team b store", workspace_id="team-b")
    assert b.id in [s.id for s in multi.beta.memory_stores.list(workspace_id="team-b")]
    assert b.id not in [s.id for s in multi.beta.memory_stores.list()]
    with pytest.raises(anthropic.PermissionDeniedError):
        multi.beta.memory_stores.list(workspace_id="not-mine").data
    multi.beta.memory_stores.delete(b.id, workspace_id="team-b")


def test_api_01_both_beta_headers_are_accepted(client, store):
    for beta in ["agent-memory-2026-07-22", "managed-agents-2026-04-01"]:
        assert client.beta.memory_stores.retrieve(store.id, betas=[beta]).id == store.id


def test_ver_02_writes_are_attributed_to_the_writer_key(server, store):
    writer = server.client(server.writer)
    m = writer.beta.memory_stores.memories.create(store.id, path="/w.md", content="x")
    v = writer.beta.memory_stores.memory_versions.retrieve(m.memory_version_id, memory_store_id=store.id)
    assert v.created_by.type == "api_actor"
    assert v.created_by.api_key_id == server.writer.id


def test_api_01_unknown_memory_and_store_are_404(client, store):
    with pytest.raises(anthropic.NotFoundError):
        client.beta.memory_stores.memories.retrieve("mem_nope", memory_store_id=store.id)
    with pytest.raises(anthropic.NotFoundError):
        client.beta.memory_stores.memories.list("memstore_nope").data
    with pytest.raises(anthropic.NotFoundError):
        client.beta.memory_stores.memories.update("mem_nope", memory_store_id=store.id, content="x")
    with pytest.raises(anthropic.NotFoundError):
        client.beta.memory_stores.memories.delete("mem_nope", memory_store_id=store.id)


def test_sec_05_unknown_fields_are_rejected(client, store):
    with pytest.raises(anthropic.BadRequestError):
        client.beta.memory_stores.create(name="x", extra_body={"bogus": 1})
    with pytest.raises(anthropic.BadRequestError):
        client.beta.memory_stores.memories.create(
            store.id, path="/a.md", content="x", extra_body={"bogus": 1})
