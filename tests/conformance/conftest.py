"""Fixtures of the SDK conformance suite (API-01).

A real `memstore serve` runs on a free loopback port with a temporary
database for the whole session; the tests talk to it only through the
official `anthropic` SDK. With `MEMSTORE_CONFORMANCE_HOSTS=2` and a
PostgreSQL `MEMSTORE_CONFORMANCE_DB`, two servers share the database and the
SDK's clients send each request to the next host in turn, so every test
writes on one host and reads on the other (DUR-05). The binary is `$MEMSTORE_BIN`, else
`$CARGO_TARGET_DIR/debug/memstore`, else `target/debug/memstore` at the
repository root.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import anthropic
import httpx2 as httpx  # the SDK's HTTP client (a fork of httpx)
import pytest

REPO = Path(__file__).resolve().parents[2]


def memstore_bin() -> str:
    if os.environ.get("MEMSTORE_BIN"):
        return os.environ["MEMSTORE_BIN"]
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    return str(target / "debug" / "memstore")


@dataclass
class Key:
    id: str
    secret: str


class RoundRobin(httpx.BaseTransport):
    """Sends each request to the next of several hosts."""

    def __init__(self, urls: list[str]):
        self.targets = [httpx.URL(u) for u in urls]
        self.sent = 0
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        target = self.targets[self.sent % len(self.targets)]
        self.sent += 1
        request.url = request.url.copy_with(host=target.host, port=target.port)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


@dataclass
class Server:
    url: str
    db: Path | str  # an SQLite file, or a PostgreSQL URL
    admin: Key
    writer: Key
    reader: Key
    other: Key  # a key of another workspace
    multi: Key  # a key of two workspaces: "default" first, then "team-b"
    hosts: list[str]  # every server's URL; `url` is the first

    def client(self, key: Key | None = None, **kwargs) -> anthropic.Anthropic:
        if len(self.hosts) > 1 and "http_client" not in kwargs:
            kwargs["http_client"] = httpx.Client(transport=RoundRobin(self.hosts))
        return anthropic.Anthropic(
            base_url=self.url, api_key=(key or self.admin).secret, **kwargs
        )


def create_key(db: Path | str, role: str, workspace: str = "default", *extra: str) -> Key:
    out = subprocess.run(
        [memstore_bin(), "--db", str(db), "--workspace", workspace, "--json",
         "key", "create", "--role", role, *extra],
        check=True, capture_output=True, text=True,
    )
    created = json.loads(out.stdout)
    return Key(id=created["id"], secret=created["key"])


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory):
    # MEMSTORE_CONFORMANCE_DB names an empty database to serve from instead
    # of a new SQLite file: run.sh --postgres passes a fresh PostgreSQL one.
    db = os.environ.get("MEMSTORE_CONFORMANCE_DB") or (
        tmp_path_factory.mktemp("memstore") / "memstore.db"
    )
    keys = dict(
        admin=create_key(db, "admin"),
        writer=create_key(db, "writer"),
        reader=create_key(db, "reader"),
        other=create_key(db, "admin", "elsewhere"),
        multi=create_key(db, "writer", "default", "--also-workspace", "team-b"),
    )
    procs, hosts = [], []
    try:
        for _ in range(int(os.environ.get("MEMSTORE_CONFORMANCE_HOSTS", "1"))):
            proc = subprocess.Popen(
                [memstore_bin(), "--db", str(db), "serve", "--listen", "127.0.0.1:0"],
                stdout=subprocess.PIPE, text=True,
            )
            procs.append(proc)
            line = proc.stdout.readline()
            assert line.startswith("memstore listening on "), f"unexpected start line {line!r}"
            hosts.append(line.split(" on ", 1)[1].strip())
        yield Server(url=hosts[0], db=db, hosts=hosts, **keys)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                assert proc.wait(timeout=30) == 0, "a server exits 0 on SIGTERM"
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture
def client(server: Server) -> anthropic.Anthropic:
    return server.client()


@pytest.fixture
def store(client: anthropic.Anthropic):
    """A fresh store, deleted after the test."""
    s = client.beta.memory_stores.create(name=f"test {uuid.uuid4().hex[:8]}")
    yield s
    try:
        client.beta.memory_stores.delete(s.id)
    except anthropic.NotFoundError:
        pass
