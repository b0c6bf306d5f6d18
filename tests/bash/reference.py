#!/usr/bin/env python3
"""Reference runner for the `bash` tool differential test.

    python reference.py CASES_TOML [--only NAME ...]

Runs every case of CASES_TOML (see the header of tests/bash/cases.toml)
through the reference `bash` tool of the Anthropic Python SDK
(`anthropic==2.15.0`, `anthropic.lib.tools.agent_toolset.beta_bash_tool`)
and prints one JSON document on stdout:

    {"cases": [{"name": ..., "results": [{"content": ..., "is_error": bool}, ...],
                "files": {relpath: content, ...}},
               {"name": ..., "skipped": "jq not found"}, ...]}

Each case gets a fresh temporary working directory seeded with [fixture] plus
the case's `files`, a fresh `AgentToolContext(workdir=tmp, env=[env])` and a
fresh tool from `beta_bash_tool(ctx)`. Calls go through the tool's public
entry point, `await tool.call(input)`, exactly as the SDK's tool runners do: a
returned string is an ok result, a raised `ToolError` an error result whose
content is `ToolError.content`. The tool's cleanup (`aclose_runnable_tool`,
which closes the shell) runs at the end of the case.

The absolute path of the working directory (as created and its realpath) is
replaced by `/mnt/memory` in every result and in every file content. Masks
are NOT applied here; the comparison applies them to both sides.

Needs the SDK importable (e.g. /tmp/venv215/bin/python). Exit status 0 unless
the input is invalid or a call raised something other than ToolError (such a
call is reported as an error result with an "exception" field and a message
on stderr).
"""

from __future__ import annotations

import os
import sys
import json
import shutil
import asyncio
import logging
import argparse
import tempfile
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python < 3.11
    import tomli as tomllib  # type: ignore[no-redef]

from anthropic.lib.tools.agent_toolset import AgentToolContext, beta_bash_tool
from anthropic.lib.tools._beta_functions import ToolError, aclose_runnable_tool

ROOT = "/mnt/memory"


class _DropReapRace(logging.Filter):
    """Drop asyncio's "Unknown child process pid N, will report returncode 255".

    When the reference closes a shell that has already exited (restart, end
    of case), asyncio's transport close() polls the Popen and reaps the child
    before the child-watcher thread does; the watcher then logs this warning.
    It concerns a process whose results are already recorded and varies from
    run to run, so it is noise here.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Unknown child process pid")


logging.getLogger("asyncio").addFilter(_DropReapRace())
CALL_KEYS = {"command", "restart", "timeout_ms"}


class CaseError(Exception):
    pass


def check_relpath(path: str, where: str) -> None:
    parts = path.split("/")
    if path.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise CaseError(f"{where}: bad path {path!r}")


def normalize_call(call: Any, where: str) -> dict[str, Any]:
    if isinstance(call, str):
        return {"command": call}
    if not isinstance(call, dict):
        raise CaseError(f"{where}: a call must be a string or a table, got {call!r}")
    unknown = set(call) - CALL_KEYS
    if unknown:
        raise CaseError(f"{where}: unknown call keys {sorted(unknown)}")
    return dict(call)


def seed(workdir: str, files: dict[str, str]) -> None:
    for rel, content in files.items():
        full = os.path.join(workdir, *rel.split("/"))
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8", newline="") as f:
            f.write(content)


def collect_files(workdir: str, scrub) -> dict[str, str]:
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(workdir):
        dirnames.sort()
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            if os.path.islink(full) or not os.path.isfile(full):
                continue
            rel = os.path.relpath(full, workdir).replace(os.sep, "/")
            with open(full, "rb") as f:
                data = f.read()
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                print(f"warning: {rel} is not UTF-8; decoded with replacement", file=sys.stderr)
                text = data.decode("utf-8", errors="replace")
            out[rel] = scrub(text)
    return dict(sorted(out.items()))


def which(prog: str, env: dict[str, str] | None) -> str | None:
    path = (env or os.environ).get("PATH", os.defpath)
    return shutil.which(prog, path=path)


async def run_case(case: dict[str, Any], fixture: dict[str, str], env: dict[str, str] | None) -> dict[str, Any]:
    name = case["name"]
    for prog in case.get("needs", []):
        if which(prog, env) is None:
            return {"name": name, "skipped": f"{prog} not found"}

    calls = [normalize_call(c, f"case {name}") for c in case["calls"]]
    files = {**fixture, **case.get("files", {})}
    for rel in files:
        check_relpath(rel, f"case {name}")

    tmp = tempfile.mkdtemp(prefix="bash-ref-")
    real = os.path.realpath(tmp)
    # Longest first, so a path that contains the other is replaced whole.
    paths = sorted({tmp, real}, key=len, reverse=True)

    def scrub(s: str) -> str:
        for p in paths:
            s = s.replace(p, ROOT)
        return s

    try:
        seed(real, files)
        ctx = AgentToolContext(workdir=real, env=env)
        tool = beta_bash_tool(ctx)
        results: list[dict[str, Any]] = []
        try:
            for call in calls:
                try:
                    content = await tool.call(call)
                    results.append({"content": scrub(str(content)), "is_error": False})
                except ToolError as e:
                    c = e.content
                    results.append({"content": scrub(c if isinstance(c, str) else str(e)), "is_error": True})
                except Exception as e:  # not expected; make it visible
                    print(f"case {name}: call {call!r} raised {e!r}", file=sys.stderr)
                    results.append({"content": "", "is_error": True, "exception": repr(e)})
        finally:
            await aclose_runnable_tool(tool)
        return {"name": name, "results": results, "files": collect_files(real, scrub)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def load(path: str) -> dict[str, Any]:
    with open(path, "rb") as f:
        doc = tomllib.load(f)
    cases = doc.get("case", [])
    names = [c.get("name") for c in cases]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise CaseError(f"duplicate case names: {dup}")
    masks = doc.get("masks", {})
    for c in cases:
        if not isinstance(c.get("name"), str) or not isinstance(c.get("calls"), list):
            raise CaseError(f"case needs a name and a list of calls: {c!r}")
        for m in c.get("mask", []):
            if m not in masks:
                raise CaseError(f"case {c['name']}: unknown mask {m!r}")
    for rel in doc.get("fixture", {}):
        check_relpath(rel, "fixture")
    return doc


async def main_async(doc: dict[str, Any], only: list[str] | None) -> dict[str, Any]:
    fixture = doc.get("fixture", {})
    env = doc.get("env")
    cases = doc.get("case", [])
    if only:
        known = {c["name"] for c in cases}
        missing = [n for n in only if n not in known]
        if missing:
            raise CaseError(f"--only: no such case {missing}")
        cases = [c for c in cases if c["name"] in only]
    out = []
    for case in cases:
        out.append(await run_case(case, fixture, env))
    return {"cases": out}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cases_toml")
    ap.add_argument("--only", nargs="+", action="extend", metavar="NAME")
    args = ap.parse_args()
    try:
        doc = load(args.cases_toml)
        result = asyncio.run(main_async(doc, args.only))
    except CaseError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[attr-defined]
    json.dump(result, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    failed = any("exception" in r for c in result["cases"] for r in c.get("results", []))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
