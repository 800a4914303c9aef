r"""The README's statement table, errata summary and conventions, generated from the catalogue.

``tests/test_readme.py`` checks that README.md holds exactly these texts (``python tools/update_readme.py``
rewrites them), so the README cannot drift from the catalogue. Where a statement is shown is read from the
notebooks by the caller and passed in as ``shown_in``: the catalogue itself keeps no registry of notebooks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .lookup import conventions, documents, errata, errata_counts, statements
from .records import DOCUMENTS, ERRATUM_KINDS, Statement

_PKG = "mathdnn_core."
_PLURAL = {"error": "errors", "typo": "typos", "notation": "notation", "extraction": "extraction"}


def _notebook_link(name: str) -> str:
    return f"[{name.removesuffix('.ipynb')}](notebooks/{name})"


def _code(text: str) -> str:
    """A Markdown code span that survives a table cell (pipes escaped, backticks avoided)."""
    return "`" + " ".join(text.replace("|", r"\|").replace("`", "'").split()) + "`"


def _tests_of(statement: Statement) -> list[str]:
    files = {reference.split("::")[0] for reference in statement.checked_by}
    return sorted(f"`{f.removeprefix('tests/')}`" for f in files)


def kinds_text(counts: Mapping[str, int]) -> str:
    """``"1 error, 2 typos"`` (kinds with none left out)."""
    return ", ".join(f"{n} {kind if n == 1 else _PLURAL[kind]}" for kind, n in counts.items() if n)


def markdown_table(shown_in: Mapping[tuple[str, str], Sequence[str]], document: str | None = None) -> str:
    r"""The statement table: every statement, what implements it, where it is shown and tested, its errata.

    ``shown_in`` maps ``(document, statement id)`` to the notebooks whose stored outputs hold a verdict on it.
    """
    rows = [
        "| document | statement | § | title | implemented by | shown in | tested in | errata |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in statements(document):
        code = ", ".join(f"`{name.removeprefix(_PKG)}`" for name in s.implemented_by) or "—"
        shown = ", ".join(_notebook_link(nb) for nb in shown_in.get(s.key, ())) or "—"
        rows.append(
            f"| {s.document} | {s.id} | {s.section} | {s.title} | {code} | {shown} | "
            f"{', '.join(_tests_of(s)) or '—'} | {kinds_text(s.errata_by_kind())} |"
        )
    return "\n".join(rows)


def errata_markdown(document: str | None = None) -> str:
    r"""The errata summary: counts per kind, then one row per erratum with the printed text, the correction and
    the notebook that refutes the printed form."""
    lines = []
    for key in documents() if document is None else (document,):
        counts = errata_counts(key)
        total = sum(counts.values())
        if not total:
            continue
        lines += [
            f"**{key}** ({DOCUMENTS[key]}): {total} errata — {kinds_text(counts)}.",
            "",
            "| statement | kind | where | printed | corrected | refuted in |",
            "|---|---|---|---|---|---|",
        ]
        for owner, e in errata(key):
            shown = _notebook_link(e.notebook) if e.notebook else "—"
            lines.append(f"| {owner.id} | {e.kind} | {e.where} | {_code(e.printed)} | {_code(e.corrected)} | {shown} |")
        lines.append("")
    return "\n".join(lines).rstrip("\n")


def conventions_markdown(document: str | None = None) -> str:
    r"""The conventions: what a document chooses, what other sources choose, and what differs as a result."""
    lines = [
        "| convention | statements | the document | elsewhere | what differs | shown in |",
        "|---|---|---|---|---|---|",
    ]
    for c in conventions(document):
        shown = _notebook_link(c.notebook) if c.notebook else "—"
        cells = [c.name, ", ".join(c.statements), c.document_choice, c.others, c.consequence, shown]
        lines.append("| " + " | ".join(" ".join(cell.replace("|", r"\|").split()) for cell in cells) + " |")
    return "\n".join(lines)


__all__ = ["markdown_table", "errata_markdown", "conventions_markdown", "kinds_text", "ERRATUM_KINDS"]
