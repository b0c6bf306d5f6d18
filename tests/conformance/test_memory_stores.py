"""Memory stores through the SDK (STORE-01..05, API-01, API-03)."""

from __future__ import annotations

import datetime as dt
import uuid

import anthropic
import pytest


def test_store_01_create_and_retrieve_round_trip(client):
    s = client.beta.memory_stores.create(
        name="Project notes", description="What we learned", metadata={"owner": "ana"}
    )
    try:
        assert s.type == "memory_store"
        assert s.id.startswith("memstore_")
        assert (s.name, s.description, s.metadata) == ("Project notes", "What we learned", {"owner": "ana"})
        assert s.archived_at is None
        assert s.created_at.tzinfo is not None
        got = client.beta.memory_stores.retrieve(s.id)
        assert got == s
    finally:
        client.beta.memory_stores.delete(s.id)


def test_store_01_description_defaults_to_empty(client, store):
    assert store.description == ""
    assert store.metadata == {}


def test_store_02_update_patches_name_description_and_metadata(client):
    s = client.beta.memory_stores.create(name="a", description="d", metadata={"k1": "v1", "k2": "v2"})
    try:
        u = client.beta.memory_stores.update(s.id, name="b", metadata={"k1": None, "k3": "v3"})
        assert u.name == "b"
        assert u.description == "d"
        assert u.metadata == {"k2": "v2", "k3": "v3"}
        assert u.updated_at >= s.updated_at
        cleared = client.beta.memory_stores.update(s.id, description="")
        assert cleared.description == ""
        assert cleared.name == "b"
    finally:
        client.beta.memory_stores.delete(s.id)


def test_store_02_list_paginates_newest_first_and_auto_paginates(client):
    tag = uuid.uuid4().hex[:8]
    ids = [client.beta.memory_stores.create(name=f"page {tag} {i}").id for i in range(5)]
    try:
        first = client.beta.memory_stores.list(limit=2)
        assert len(first.data) == 2
        assert first.next_page
        assert first.has_next_page()
        seen = [s.id for s in client.beta.memory_stores.list(limit=2)]
        assert len(seen) == len(set(seen))
        mine = [i for i in seen if i in ids]
        assert mine == list(reversed(ids))
    finally:
        for i in ids:
            client.beta.memory_stores.delete(i)


def test_store_02_list_filters_by_creation_time(client, store):
    after = store.created_at + dt.timedelta(seconds=1)
    before = store.created_at - dt.timedelta(seconds=1)
    assert store.id in [s.id for s in client.beta.memory_stores.list(created_at_gte=before)]
    assert store.id in [s.id for s in client.beta.memory_stores.list(created_at_lte=after)]
    assert store.id not in [s.id for s in client.beta.memory_stores.list(created_at_gte=after)]
    assert store.id not in [s.id for s in client.beta.memory_stores.list(created_at_lte=before)]


def test_store_03_archive_is_idempotent_hidden_and_read_only(client, store):
    mem = client.beta.memory_stores.memories.create(store.id, path="/keep.md", content="x")
    a = client.beta.memory_stores.archive(store.id)
    assert a.archived_at is not None
    again = client.beta.memory_stores.archive(store.id)
    assert again.archived_at == a.archived_at

    assert store.id not in [s.id for s in client.beta.memory_stores.list()]
    assert store.id in [s.id for s in client.beta.memory_stores.list(include_archived=True)]

    with pytest.raises(anthropic.BadRequestError) as e:
        client.beta.memory_stores.update(store.id, name="nope")
    assert e.value.type == "invalid_request_error"
    with pytest.raises(anthropic.BadRequestError):
        client.beta.memory_stores.memories.create(store.id, path="/new.md", content="x")
    with pytest.raises(anthropic.BadRequestError):
        client.beta.memory_stores.memories.update(mem.id, memory_store_id=store.id, content="y")
    # Reads, deletes and redaction still work on an archived store.
    assert client.beta.memory_stores.memories.retrieve(mem.id, memory_store_id=store.id).content == "x"
    deleted = client.beta.memory_stores.memories.delete(mem.id, memory_store_id=store.id)
    assert deleted.type == "memory_deleted"


def test_store_04_delete_removes_the_store(client):
    s = client.beta.memory_stores.create(name="doomed")
    client.beta.memory_stores.memories.create(s.id, path="/a.md", content="a")
    d = client.beta.memory_stores.delete(s.id)
    assert (d.id, d.type) == (s.id, "memory_store_deleted")
    with pytest.raises(anthropic.NotFoundError) as e:
        client.beta.memory_stores.retrieve(s.id)
    assert e.value.status_code == 404
    assert e.value.type == "not_found_error"


def test_store_01_invalid_name_is_bad_request(client):
    with pytest.raises(anthropic.BadRequestError):
        client.beta.memory_stores.create(name="")
    with pytest.raises(anthropic.BadRequestError):
        client.beta.memory_stores.create(name="x" * 256)
    with pytest.raises(anthropic.BadRequestError):
        client.beta.memory_stores.create(name="ok", metadata={f"k{i}": "v" for i in range(17)})


def test_api_03_limit_out_of_range_is_bad_request(client):
    with pytest.raises(anthropic.BadRequestError):
        client.beta.memory_stores.list(limit=0)
    with pytest.raises(anthropic.BadRequestError):
        client.beta.memory_stores.list(limit=101)
    with pytest.raises(anthropic.BadRequestError):
        client.beta.memory_stores.list(page="not-a-cursor")
