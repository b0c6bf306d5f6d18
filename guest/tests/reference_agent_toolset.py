"""Runs agent-toolset calls through the reference implementation.

The reference is `beta_agent_toolset_20260401` from the `anthropic` Python
SDK (`anthropic/lib/tools/agent_toolset.py`). Used by
`agent_toolset_differential.rs`.

stdin:  {"cases": [{"files": {rel: content}, "calls": [[tool, input], ...]}, ...]}
stdout: {"version": "<anthropic version>",
         "results": [[{"root": ..., "content": ..., "is_error": ...}, ...], ...]}
Each case runs in a fresh working directory holding `notes/` and `docs/`;
`docs/` is a read-only root. Exit status 3 means the SDK could not be imported.
"""

import asyncio
import json
import sys
import tempfile
from pathlib import Path

try:
    import anthropic
    from anthropic.lib.tools import ToolError
    from anthropic.lib.tools.agent_toolset import AgentToolContext, beta_agent_toolset_20260401
except Exception as err:  # noqa: BLE001 - any import failure means "no reference"
    print(f"cannot import the anthropic SDK's agent toolset: {err!r}", file=sys.stderr)
    sys.exit(3)


async def run_case(case):
    results = []
    with tempfile.TemporaryDirectory() as base:
        root = Path(base).resolve()
        for name in ("notes", "docs"):
            (root / name).mkdir()
        for rel, content in case["files"].items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(content.encode("utf-8"))
        ctx = AgentToolContext(workdir=str(root), read_only_roots=[root / "docs"])
        tools = {tool.name: tool for tool in beta_agent_toolset_20260401(ctx)}
        try:
            for name, tool_input in case["calls"]:
                try:
                    content, is_error = await tools[name].call(tool_input), False
                except ToolError as err:
                    content, is_error = err.content, True
                except Exception as err:  # noqa: BLE001 - reported, so a diff shows it
                    content, is_error = f"EXCEPTION {type(err).__name__}: {err}", True
                results.append({"root": str(root), "content": content, "is_error": is_error})
        finally:
            await ctx.close()
    return results


async def main():
    request = json.load(sys.stdin)
    results = [await run_case(case) for case in request["cases"]]
    json.dump({"version": anthropic.__version__, "results": results}, sys.stdout)


if __name__ == "__main__":
    asyncio.run(main())
