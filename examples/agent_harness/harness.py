"""A small agent harness over memstore.

It creates memory stores with the official `anthropic` SDK, opens a
memstore session with the stores attached, and runs an agent loop: each
`tool_use` block the model emits is executed inside the session's sandbox
through `POST /v1/sessions/{id}/tool_calls`, and the result goes back to the
model as a `tool_result`.

The model is pluggable:

* `ScriptedModel` (default) replays a fixed list of tool_use blocks, so the
  harness runs offline and deterministically (CI uses this).
* `MessagesModel` calls the real Messages API; run with `--model real` and
  `ANTHROPIC_API_KEY` set. Only this class talks to Anthropic; everything
  memory-related goes to memstore.

Usage:
    python harness.py --base-url http://127.0.0.1:8080 --api-key msk-…

On stdout it prints one JSON object: the session (with its stores' ids and
mount paths) and the transcript in Messages API shape. Progress goes to
stderr. Exit code 0 on success, 1 when memstore answers an error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Protocol

import anthropic

MEMORY_TOOL = "memory"  # memory_20250818 commands, rooted at /memories


@dataclass
class ToolUse:
    """One tool_use block."""

    id: str
    name: str
    input: dict[str, Any]


@dataclass
class Turn:
    """What the model answered: text and tool calls."""

    text: str = ""
    tool_uses: list[ToolUse] = field(default_factory=list)

    def content_blocks(self) -> list[dict[str, Any]]:
        blocks: list[dict[str, Any]] = []
        if self.text:
            blocks.append({"type": "text", "text": self.text})
        blocks += [
            {"type": "tool_use", "id": t.id, "name": t.name, "input": t.input}
            for t in self.tool_uses
        ]
        return blocks


class Model(Protocol):
    def respond(self, system: str, messages: list[dict[str, Any]]) -> Turn: ...


class ScriptedModel:
    """Replays fixed tool calls, one per turn, then stops with a summary."""

    SCRIPT = [
        ToolUse("toolu_01", MEMORY_TOOL, {"command": "view", "path": "/memories"}),
        ToolUse("toolu_02", MEMORY_TOOL, {
            "command": "create", "path": "/memories/user/preferences.md",
            "file_text": "# Preferences\n- answers in metric units\n- prefers short replies\n",
        }),
        ToolUse("toolu_03", MEMORY_TOOL, {
            "command": "str_replace", "path": "/memories/user/preferences.md",
            "old_str": "short replies", "new_str": "short replies with examples",
        }),
        ToolUse("toolu_04", MEMORY_TOOL, {"command": "view", "path": "/memories/user/preferences.md"}),
        ToolUse("toolu_05", "read", {"file_path": "/mnt/memory/team-handbook/style.md"}),
    ]

    def __init__(self) -> None:
        self.step = 0

    def respond(self, system: str, messages: list[dict[str, Any]]) -> Turn:
        if self.step < len(self.SCRIPT):
            call = self.SCRIPT[self.step]
            self.step += 1
            return Turn(text=f"Step {self.step}.", tool_uses=[call])
        return Turn(text="I saved the user's preferences to memory.")


class MessagesModel:
    """The real model via the Messages API, with the memory tool enabled.

    To swap it in, run with `--model real` and ANTHROPIC_API_KEY set (this
    client talks to api.anthropic.com; the memstore client keeps its own
    base_url). The model sees memstore's system-prompt section and emits
    `memory` tool_use blocks; `run` executes them in memstore's sandbox
    exactly as it does the scripted ones. To offer the file tools too
    (read, write, edit, glob, grep), add their definitions to `tools`.
    """

    def __init__(self, model: str) -> None:
        self.client = anthropic.Anthropic()  # ANTHROPIC_API_KEY from the environment
        self.model = model

    def respond(self, system: str, messages: list[dict[str, Any]]) -> Turn:
        msg = self.client.beta.messages.create(
            model=self.model,
            max_tokens=2048,
            system=system,
            messages=messages,
            tools=[{"type": "memory_20250818", "name": MEMORY_TOOL}],
            betas=["context-management-2025-06-27"],
        )
        turn = Turn()
        for block in msg.content:
            if block.type == "text":
                turn.text += block.text
            elif block.type == "tool_use":
                turn.tool_uses.append(ToolUse(block.id, block.name, dict(block.input)))
        return turn


class Memstore:
    """memstore through the SDK: typed calls for stores and memories, the
    SDK's generic `post`/`get` for memstore's session endpoints."""

    def __init__(self, base_url: str, api_key: str) -> None:
        self.client = anthropic.Anthropic(base_url=base_url, api_key=api_key)

    def create_store(self, name: str, description: str, seed: dict[str, str]) -> str:
        store = self.client.beta.memory_stores.create(name=name, description=description)
        for path, content in seed.items():
            self.client.beta.memory_stores.memories.create(store.id, path=path, content=content)
        return store.id

    def open_session(self, resources: list[dict[str, Any]]) -> dict[str, Any]:
        return self.client.post("/v1/sessions", body={"resources": resources}, cast_to=object)

    def system_prompt(self, session_id: str) -> str:
        out = self.client.get(f"/v1/sessions/{session_id}/system_prompt", cast_to=object)
        return out["text"]

    def end_session(self, session_id: str) -> dict[str, Any]:
        return self.client.post(f"/v1/sessions/{session_id}/end", cast_to=object)

    def tool_call(self, session_id: str, name: str, tool_input: dict[str, Any]) -> dict[str, Any]:
        return self.client.post(
            f"/v1/sessions/{session_id}/tool_calls",
            body={"name": name, "input": tool_input},
            cast_to=object,
        )


def run(ms: Memstore, model: Model, max_turns: int = 20) -> dict[str, Any]:
    """Sets up stores and a session, runs the agent loop, ends the session.
    Returns `{"session": …, "transcript": […]}` (Messages API shape)."""
    notes = ms.create_store("User notes", "What this user told us about themselves.", {})
    handbook = ms.create_store(
        "Team handbook", "House style; read-only for agents.",
        {"/style.md": "Write plainly. Prefer lists.\n"},
    )
    session = ms.open_session([
        {"type": "memory_store", "memory_store_id": notes, "access": "read_write",
         "instructions": "Save durable facts about the user here."},
        {"type": "memory_store", "memory_store_id": handbook, "access": "read_only"},
    ])
    for r in session["resources"]:
        print(f"mounted {r['memory_store_id']} at {r['mount_path']}", file=sys.stderr)
    try:
        messages = agent_loop(ms, model, session["id"], max_turns)
    finally:
        session = ms.end_session(session["id"])
    return {"session": session, "transcript": messages}


def agent_loop(ms: Memstore, model: Model, session_id: str, max_turns: int) -> list[dict[str, Any]]:
    """The loop: the model answers, its tool calls run in the session."""
    system = ms.system_prompt(session_id)
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": "Remember that I like metric units and short replies with examples."}
    ]
    for _ in range(max_turns):
        turn = model.respond(system, messages)
        messages.append({"role": "assistant", "content": turn.content_blocks()})
        if not turn.tool_uses:
            break
        results = []
        for call in turn.tool_uses:
            out = ms.tool_call(session_id, call.name, call.input)
            for change in out.get("changes", []):
                print(f"  {change['operation']} {change['path']} -> {change['version_id']}", file=sys.stderr)
            results.append({
                "type": "tool_result", "tool_use_id": call.id,
                "content": out["content"], "is_error": out["is_error"],
            })
        messages.append({"role": "user", "content": results})
    return messages


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base-url", default=os.environ.get("MEMSTORE_URL", "http://127.0.0.1:8080"))
    ap.add_argument("--api-key", default=os.environ.get("MEMSTORE_API_KEY"))
    ap.add_argument("--model", choices=["scripted", "real"], default="scripted")
    ap.add_argument("--model-name", default="claude-sonnet-4-5")
    args = ap.parse_args()
    if not args.api_key:
        ap.error("--api-key (or MEMSTORE_API_KEY) is required: create one with `memstore key create`")
    model: Model = ScriptedModel() if args.model == "scripted" else MessagesModel(args.model_name)
    try:
        result = run(Memstore(args.base_url, args.api_key), model)
    except anthropic.APIStatusError as e:
        print(f"harness: memstore answered {e.status_code}: {e.message}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
