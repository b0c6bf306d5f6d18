"""Runs memory-tool command sequences through the reference implementation.

The reference is `BetaLocalFilesystemMemoryTool` from the `anthropic` Python
SDK (`anthropic/lib/tools/`). Used by `memory_tool_differential.rs`.

stdin:  {"sequences": [[<memory tool input>, ...], ...]}
stdout: {"version": "<anthropic version>",
         "results": [[{"root": ..., "content": ..., "is_error": ...}, ...], ...]}
Each sequence runs on a fresh temporary directory. Exit status 3 means the
SDK could not be imported.
"""

import json
import sys
import tempfile

try:
    import anthropic
    from anthropic.lib.tools import ToolError
    from anthropic.lib.tools._beta_builtin_memory_tool import BetaLocalFilesystemMemoryTool
except Exception as err:  # noqa: BLE001 - any import failure means "no reference"
    print(f"cannot import the anthropic SDK's memory tool: {err!r}", file=sys.stderr)
    sys.exit(3)


def run_sequence(commands):
    results = []
    with tempfile.TemporaryDirectory() as base:
        tool = BetaLocalFilesystemMemoryTool(base_path=base)
        root = str(tool.memory_root.resolve())
        for command in commands:
            try:
                content, is_error = tool.call(command), False
            except ToolError as err:
                content, is_error = err.content, True
            except Exception as err:  # noqa: BLE001 - reported, so a diff shows it
                content, is_error = f"EXCEPTION {type(err).__name__}: {err}", True
            results.append({"root": root, "content": content, "is_error": is_error})
    return results


def main():
    request = json.load(sys.stdin)
    out = {
        "version": anthropic.__version__,
        "results": [run_sequence(seq) for seq in request["sequences"]],
    }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
