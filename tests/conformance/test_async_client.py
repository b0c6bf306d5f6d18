"""The async SDK client works the same way (API-01): create, auto-paginate,
typed errors."""

from __future__ import annotations

import asyncio

import anthropic
import pytest


def test_api_01_async_client_round_trip(server):
    async def scenario():
        client = anthropic.AsyncAnthropic(base_url=server.url, api_key=server.admin.secret)
        store = await client.beta.memory_stores.create(name="async")
        try:
            for i in range(5):
                await client.beta.memory_stores.memories.create(
                    store.id, path=f"/n/{i}.md", content=str(i))
            paths = [m.path async for m in client.beta.memory_stores.memories.list(store.id, limit=2)]
            assert paths == [f"/n/{i}.md" for i in range(5)]
            versions = [v async for v in client.beta.memory_stores.memory_versions.list(store.id, limit=2)]
            assert len(versions) == 5
            with pytest.raises(anthropic.NotFoundError):
                await client.beta.memory_stores.memories.retrieve("mem_nope", memory_store_id=store.id)
        finally:
            await client.beta.memory_stores.delete(store.id)
            await client.close()

    asyncio.run(scenario())
