"""Rewrite the generated blocks of README.md from the catalogue and the notebooks' stored verdicts.

Usage::

    python tools/update_readme.py          # rewrite README.md in place
    python tools/update_readme.py --check  # exit 1 if README.md is stale (what tests/test_readme.py checks)

The blocks sit between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->`` markers: ``statements`` (the statement
table, with the notebooks whose stored outputs hold a verdict on each statement), ``errata`` (the errata summary)
and ``conventions``.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

from mathdnn_core import notebook, paper

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def shown_in() -> dict[tuple[str, str], list[str]]:
    """``(document, statement) -> notebooks`` whose stored outputs hold a verdict on the statement."""
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        for verdict in notebook.stored_verdicts(path):
            key = (verdict["document"], verdict["statement"])
            if path.name not in found[key]:
                found[key].append(path.name)
    return dict(found)


def blocks() -> dict[str, str]:
    return {
        "statements": paper.markdown_table(shown_in(), document=None),
        "errata": paper.errata_markdown(),
        "conventions": paper.conventions_markdown(document=None),
    }


def render(text: str) -> str:
    for name, body in blocks().items():
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", flags=re.S)
        if not pattern.search(text):
            raise SystemExit(f"README.md lacks the markers <!-- {name}:start --> ... <!-- {name}:end -->")
        text = pattern.sub(lambda m, body=body: m[1] + body + "\n" + m[2], text)
    return text


def main(argv: list[str]) -> int:
    current = README.read_text(encoding="utf-8")
    wanted = render(current)
    if "--check" in argv:
        if current != wanted:
            print("README.md is stale: run python tools/update_readme.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(wanted, encoding="utf-8")
    print("README.md: generated blocks rewritten" if current != wanted else "README.md: up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
