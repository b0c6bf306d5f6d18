"""Memory versions through the SDK (VER-01..04)."""

from __future__ import annotations

import datetime as dt

import anthropic
import pytest


def history(client, store):
    m = client.beta.memory_stores.memories.create(store.id, path="/h.md", content="v1")
    client.beta.memory_stores.memories.update(m.id, memory_store_id=store.id, content="v2")
    client.beta.memory_stores.memories.update(m.id, memory_store_id=store.id, path="/h2.md")
    other = client.beta.memory_stores.memories.create(store.id, path="/o.md", content="o")
    client.beta.memory_stores.memories.delete(other.id, memory_store_id=store.id)
    return m, other


def test_ver_01_every_change_is_a_version_newest_first(client, server, store):
    m, other = history(client, store)
    vs = list(client.beta.memory_stores.memory_versions.list(store.id))
    assert [(v.operation, v.path) for v in vs] == [
        ("deleted", "/o.md"), ("created", "/o.md"),
        ("modified", "/h2.md"), ("modified", "/h.md"), ("created", "/h.md"),
    ]
    for v in vs:
        assert v.type == "memory_version"
        assert v.id.startswith("memver_")
        assert v.memory_store_id == store.id
        assert v.content is None  # basic view
        assert v.created_by.type == "api_actor"
        assert v.created_by.api_key_id == server.admin.id
        assert v.redacted_at is None


def test_ver_03_filters(client, server, store):
    m, other = history(client, store)
    mine = list(client.beta.memory_stores.memory_versions.list(store.id, memory_id=m.id))
    assert len(mine) == 3 and all(v.memory_id == m.id for v in mine)
    gone = list(client.beta.memory_stores.memory_versions.list(store.id, memory_id=other.id))
    assert [v.operation for v in gone] == ["deleted", "created"]
    created = list(client.beta.memory_stores.memory_versions.list(store.id, operation="created"))
    assert {v.memory_id for v in created} == {m.id, other.id}
    by_key = list(client.beta.memory_stores.memory_versions.list(store.id, api_key_id=server.admin.id))
    assert len(by_key) == 5
    assert list(client.beta.memory_stores.memory_versions.list(store.id, api_key_id=server.writer.id)) == []
    assert list(client.beta.memory_stores.memory_versions.list(store.id, session_id="sesn_none")) == []
    assert list(client.beta.memory_stores.memory_versions.list(store.id, service_account_id="svac_x")) == []
    first = mine[-1].created_at
    later = list(client.beta.memory_stores.memory_versions.list(
        store.id, created_at_gte=first + dt.timedelta(days=1)))
    assert later == []
    earlier = list(client.beta.memory_stores.memory_versions.list(
        store.id, created_at_lte=first - dt.timedelta(days=1)))
    assert earlier == []
    window = list(client.beta.memory_stores.memory_versions.list(
        store.id, created_at_gte=first - dt.timedelta(days=1), created_at_lte=first + dt.timedelta(days=1)))
    assert len(window) == 5


def test_ver_03_pagination_and_full_view(client, store):
    history(client, store)
    page = client.beta.memory_stores.memory_versions.list(store.id, limit=2)
    assert len(page.data) == 2 and page.next_page
    assert len(list(client.beta.memory_stores.memory_versions.list(store.id, limit=2))) == 5
    full = client.beta.memory_stores.memory_versions.list(store.id, view="full", limit=100)
    assert len(full.data) == 5
    assert [v.content for v in full.data if v.operation != "deleted"] == ["o", "v2", "v2", "v1"]


def test_ver_03_retrieve_full_by_default(client, store):
    m, _ = history(client, store)
    vs = list(client.beta.memory_stores.memory_versions.list(store.id, memory_id=m.id))
    oldest = vs[-1]
    got = client.beta.memory_stores.memory_versions.retrieve(oldest.id, memory_store_id=store.id)
    assert (got.content, got.path, got.operation) == ("v1", "/h.md", "created")
    basic = client.beta.memory_stores.memory_versions.retrieve(
        oldest.id, memory_store_id=store.id, view="basic")
    assert basic.content is None and basic.content_sha256 == got.content_sha256


def test_ver_04_redact_scrubs_a_historical_version(client, server, store):
    m, _ = history(client, store)
    vs = list(client.beta.memory_stores.memory_versions.list(store.id, memory_id=m.id))
    oldest = vs[-1]
    r = client.beta.memory_stores.memory_versions.redact(oldest.id, memory_store_id=store.id)
    assert r.id == oldest.id
    assert (r.content, r.content_sha256, r.content_size_bytes, r.path) == (None, None, None, None)
    assert r.redacted_at is not None
    assert r.redacted_by.type == "api_actor" and r.redacted_by.api_key_id == server.admin.id
    again = client.beta.memory_stores.memory_versions.retrieve(oldest.id, memory_store_id=store.id)
    assert again.content is None and again.redacted_at is not None
    assert again.operation == "created" and again.memory_id == m.id


def test_ver_04_head_of_a_live_memory_cannot_be_redacted(client, store):
    m = client.beta.memory_stores.memories.create(store.id, path="/a.md", content="x")
    with pytest.raises(anthropic.BadRequestError):
        client.beta.memory_stores.memory_versions.redact(m.memory_version_id, memory_store_id=store.id)


def test_ver_03_unknown_version_is_404(client, store):
    with pytest.raises(anthropic.NotFoundError):
        client.beta.memory_stores.memory_versions.retrieve("memver_nope", memory_store_id=store.id)
    with pytest.raises(anthropic.NotFoundError):
        client.beta.memory_stores.memory_versions.redact("memver_nope", memory_store_id=store.id)
