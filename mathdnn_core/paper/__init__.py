r"""The catalogue: every numbered statement of the three documents, the errata of each, the conventions declared.

* :mod:`.records` — the record types (:class:`Statement`, :class:`Erratum`, :class:`Notation`,
  :class:`Convention`) and the lists of documents and erratum kinds;
* :mod:`.mathdnn` — the paper's catalogue, as data; the notes and the lecture have a module each;
* :mod:`.lookup` — look-ups (:func:`get`, :func:`by_section`, :func:`errata`, :func:`conventions`, ...);
* :mod:`.tables` — the README's statement table and errata summary, generated from the catalogue.
"""

from __future__ import annotations

from .lookup import (
    by_section,
    conventions,
    documents,
    errata,
    errata_counts,
    get,
    ids,
    implementing,
    known,
    notations,
    resolve,
    statements,
)
from .records import (
    DOCUMENTS,
    ERRATUM_KINDS,
    ERRATUM_PLACES,
    STATEMENT_KINDS,
    Convention,
    Erratum,
    Notation,
    Statement,
)
from .tables import conventions_markdown, errata_markdown, markdown_table

__all__ = [
    "DOCUMENTS",
    "ERRATUM_KINDS",
    "ERRATUM_PLACES",
    "STATEMENT_KINDS",
    "Convention",
    "Erratum",
    "Notation",
    "Statement",
    "by_section",
    "conventions",
    "conventions_markdown",
    "documents",
    "errata",
    "errata_counts",
    "errata_markdown",
    "get",
    "ids",
    "implementing",
    "known",
    "markdown_table",
    "notations",
    "resolve",
    "statements",
    "CATALOGUE",
]


def __getattr__(name: str):
    # The paper's statements, under the name the earlier single-module catalogue used.
    if name == "CATALOGUE":
        return statements("mathdnn")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
