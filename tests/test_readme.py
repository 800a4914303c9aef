"""The README says what the project does: its quick start, its generated tables and its notebook list stay true."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _update_readme():
    spec = importlib.util.spec_from_file_location("update_readme", ROOT / "tools" / "update_readme.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_blocks_are_up_to_date():
    """The statement table, the errata and the conventions are the catalogue's and the notebooks' own."""
    assert _update_readme().render(README) == README, "README.md is stale: run python tools/update_readme.py"


def test_quick_start_is_two_lines_main_job_then_tests():
    block = re.search(r"<!-- quickstart -->\s*```(?:bash|sh)\n(.*?)```", README, flags=re.S)
    assert block, "README.md lacks the quick-start code block after <!-- quickstart -->"
    lines = [line for line in block[1].splitlines() if line.strip()]
    assert len(lines) == 2, f"the quick start must be two copy-paste lines; got {lines}"
    assert lines[0].endswith("mathdnn verify") and lines[1].endswith("-m pytest")
    assert all("python3 -m venv .venv" in line and "pip install -r binder/requirements.txt" in line for line in lines)


def test_every_notebook_is_listed_with_a_launch_link():
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert len(notebooks) >= 8  # 01-06 for the paper, 07 for the notes, 08 for the lecture
    for path in notebooks:
        assert f"(notebooks/{path.name})" in README, f"{path.name} is not in the README's notebook table"
        assert f"lab/tree/notebooks/{path.name})" in README, f"{path.name} has no Binder launch link"
