"""Every ```python block of the README runs as written on a fresh install: each in a fresh interpreter, in an empty
working directory, with nothing defined beforehand."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = Path(os.environ.get("MATHDNN_README", ROOT / "README.md"))  # another copy can be checked before it lands


def python_blocks(text: str) -> list[tuple[int, str]]:
    """``(line number, code)`` of every fenced block opened by a line that is exactly three backticks and python."""
    blocks = []
    for match in re.finditer(r"^```python[ \t]*\n(.*?)^```[ \t]*$", text, flags=re.S | re.M):
        blocks.append((text.count("\n", 0, match.start()) + 1, match[1]))
    return blocks


BLOCKS = python_blocks(README.read_text())


def test_the_readme_has_python_examples():
    assert BLOCKS, f"{README} has no ```python block"


def test_python_blocks_are_found_exactly():
    text = "a\n```python\nx = 1\n```\nb\n```bash\nls\n```\n```python\ny = 2\nprint(y)\n```\n"
    assert python_blocks(text) == [(2, "x = 1\n"), (9, "y = 2\nprint(y)\n")]


@pytest.mark.parametrize("line, code", BLOCKS, ids=[f"README.md:{line}" for line, _ in BLOCKS])
def test_readme_python_block_runs_as_written(tmp_path, line, code):
    env = {**os.environ, "MPLBACKEND": "Agg", "MATHDNN_CACHE": str(tmp_path / "cache")}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"README.md line {line}: the block fails as written:\n{result.stderr[-3000:]}"
