"""The README says what the project does: its quick start, its statement table and its notebook list stay true."""

from __future__ import annotations

import re
from pathlib import Path

from mathdnn_core import paper

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _between(start: str, end: str) -> str:
    match = re.search(re.escape(start) + r"\n(.*?)\n" + re.escape(end), README, flags=re.S)
    assert match, f"README.md lacks the block {start} ... {end}"
    return match[1]


def test_statement_table_is_the_catalogue():
    assert _between("<!-- statements:start -->", "<!-- statements:end -->") == paper.markdown_table(), (
        "README's statement table differs from mathdnn_core.paper: paste paper.markdown_table() between the markers"
    )


def test_quick_start_is_two_lines_main_job_then_tests():
    block = re.search(r"<!-- quickstart -->\s*```(?:bash|sh)\n(.*?)```", README, flags=re.S)
    assert block, "README.md lacks the quick-start code block after <!-- quickstart -->"
    lines = [line for line in block[1].splitlines() if line.strip()]
    assert len(lines) == 2, f"the quick start must be two copy-paste lines; got {lines}"
    assert "mathdnn train" in lines[0] and "pytest" in lines[1]
    assert all("pip install" in line for line in lines), "each line must work on a fresh machine on its own"


def test_every_notebook_is_listed_with_a_launch_link():
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        assert f"notebooks/{path.name}" in README, f"{path.name} is not in the README's notebook table"
        assert f"lab/tree/notebooks/{path.name}" in README, f"{path.name} has no Binder launch link"
    for path in paper.NOTEBOOKS.values():
        assert (ROOT / path).exists(), f"mathdnn_core.paper.NOTEBOOKS names {path}, which does not exist"
