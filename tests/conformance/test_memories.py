"""Memories through the SDK (MEM-01..08)."""

from __future__ import annotations

import hashlib

import anthropic
import pytest


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_mem_01_create_returns_basic_view_and_retrieve_full(client, store):
    m = client.beta.memory_stores.memories.create(store.id, path="/notes/a.md", content="héllo\n")
    assert m.type == "memory"
    assert m.id.startswith("mem_")
    assert m.memory_store_id == store.id
    assert m.path == "/notes/a.md"
    assert m.content is None
    assert m.content_sha256 == sha("héllo\n")
    assert m.content_size_bytes == len("héllo\n".encode())
    assert m.memory_version_id.startswith("memver_")

    full = client.beta.memory_stores.memories.retrieve(m.id, memory_store_id=store.id)
    assert full.content == "héllo\n"
    basic = client.beta.memory_stores.memories.retrieve(m.id, memory_store_id=store.id, view="basic")
    assert basic.content is None
    created_full = client.beta.memory_stores.memories.create(
        store.id, path="/notes/b.md", content="b", view="full"
    )
    assert created_full.content == "b"


def test_mem_02_content_over_the_cap_is_rejected(client, store):
    with pytest.raises(anthropic.BadRequestError):
        client.beta.memory_stores.memories.create(store.id, path="/big.md", content="x" * 102_401)
    client.beta.memory_stores.memories.create(store.id, path="/max.md", content="x" * 102_400)
    assert [m.path for m in client.beta.memory_stores.memories.list(store.id)] == ["/max.md"]


@pytest.mark.parametrize(
    "path",
    ["no-slash", "/a//b", "/a/./b", "/a/../b", "/a\x00b", "/e\u0301", "/a\u2028", "/" + "/".join("s" * 21)],
)
def test_mem_03_path_rule_violations_are_bad_request(client, store, path):
    with pytest.raises(anthropic.BadRequestError) as e:
        client.beta.memory_stores.memories.create(store.id, path=path, content="x")
    assert e.value.type == "invalid_request_error"


def test_mem_04_path_conflict_names_the_conflicting_memory(client, store):
    a = client.beta.memory_stores.memories.create(store.id, path="/a/b.md", content="x")
    for path in ["/a/b.md", "/a/b.md/c", "/a"]:
        with pytest.raises(anthropic.ConflictError) as e:
            client.beta.memory_stores.memories.create(store.id, path=path, content="y")
        assert e.value.status_code == 409
        assert e.value.type == "memory_path_conflict_error"
        assert e.value.body["error"]["conflicting_memory_id"] == a.id
        assert e.value.body["error"]["conflicting_path"] == "/a/b.md"


def test_mem_05_update_content_and_rename_keep_the_id(client, store):
    m = client.beta.memory_stores.memories.create(store.id, path="/a.md", content="one")
    u = client.beta.memory_stores.memories.update(m.id, memory_store_id=store.id, content="two")
    assert u.id == m.id
    assert u.content is None
    assert u.content_sha256 == sha("two")
    assert u.memory_version_id != m.memory_version_id
    r = client.beta.memory_stores.memories.update(
        m.id, memory_store_id=store.id, path="/dir/renamed.md", view="full"
    )
    assert (r.id, r.path, r.content) == (m.id, "/dir/renamed.md", "two")


def test_mem_05_precondition_mismatch_is_409_and_match_applies(client, store):
    m = client.beta.memory_stores.memories.create(store.id, path="/a.md", content="one")
    with pytest.raises(anthropic.ConflictError) as e:
        client.beta.memory_stores.memories.update(
            m.id, memory_store_id=store.id, content="two",
            precondition={"type": "content_sha256", "content_sha256": sha("other")},
        )
    assert e.value.type == "memory_precondition_failed_error"
    ok = client.beta.memory_stores.memories.update(
        m.id, memory_store_id=store.id, content="two",
        precondition={"type": "content_sha256", "content_sha256": sha("one")},
    )
    assert ok.content_sha256 == sha("two")
    # Stale precondition but the content already equals the request: 200 unchanged.
    same = client.beta.memory_stores.memories.update(
        m.id, memory_store_id=store.id, content="two",
        precondition={"type": "content_sha256", "content_sha256": sha("one")},
    )
    assert same.memory_version_id == ok.memory_version_id


def test_mem_06_no_op_write_creates_no_version(client, store):
    m = client.beta.memory_stores.memories.create(store.id, path="/a.md", content="same")
    u = client.beta.memory_stores.memories.update(m.id, memory_store_id=store.id, content="same")
    assert u.memory_version_id == m.memory_version_id
    versions = list(client.beta.memory_stores.memory_versions.list(store.id, memory_id=m.id))
    assert len(versions) == 1


def test_mem_07_delete_with_expected_hash(client, store):
    m = client.beta.memory_stores.memories.create(store.id, path="/a.md", content="x")
    with pytest.raises(anthropic.ConflictError) as e:
        client.beta.memory_stores.memories.delete(
            m.id, memory_store_id=store.id, expected_content_sha256=sha("y")
        )
    assert e.value.type == "memory_precondition_failed_error"
    d = client.beta.memory_stores.memories.delete(
        m.id, memory_store_id=store.id, expected_content_sha256=sha("x")
    )
    assert (d.id, d.type) == (m.id, "memory_deleted")
    with pytest.raises(anthropic.NotFoundError):
        client.beta.memory_stores.memories.retrieve(m.id, memory_store_id=store.id)


def fill(client, store_id):
    for p in ["/a/x.md", "/a/y/1.md", "/a/y/2.md", "/a/z/deep/3.md", "/b.md", "/c/only.md"]:
        client.beta.memory_stores.memories.create(store_id, path=p, content=p)


def test_mem_08_list_recursive_in_path_order_with_auto_pagination(client, store):
    fill(client, store.id)
    items = list(client.beta.memory_stores.memories.list(store.id, limit=2))
    assert [i.path for i in items] == [
        "/a/x.md", "/a/y/1.md", "/a/y/2.md", "/a/z/deep/3.md", "/b.md", "/c/only.md"
    ]
    assert all(i.type == "memory" and i.content is None for i in items)


def test_mem_08_depth_one_rolls_up_prefixes(client, store):
    fill(client, store.id)
    top = list(client.beta.memory_stores.memories.list(store.id, depth=1))
    assert [(i.type, i.path) for i in top] == [
        ("memory_prefix", "/a/"), ("memory", "/b.md"), ("memory_prefix", "/c/")
    ]
    under_a = list(client.beta.memory_stores.memories.list(store.id, path_prefix="/a/", depth=1, limit=1))
    assert [(i.type, i.path) for i in under_a] == [
        ("memory", "/a/x.md"), ("memory_prefix", "/a/y/"), ("memory_prefix", "/a/z/")
    ]
    rec = list(client.beta.memory_stores.memories.list(store.id, path_prefix="/a/y/"))
    assert [i.path for i in rec] == ["/a/y/1.md", "/a/y/2.md"]


def test_mem_08_full_view_carries_content(client, store):
    fill(client, store.id)
    page = client.beta.memory_stores.memories.list(store.id, view="full", path_prefix="/a/y/")
    assert [i.content for i in page.data] == ["/a/y/1.md", "/a/y/2.md"]


def test_mem_08_path_prefix_must_end_with_slash(client, store):
    with pytest.raises(anthropic.BadRequestError):
        client.beta.memory_stores.memories.list(store.id, path_prefix="/a").data
