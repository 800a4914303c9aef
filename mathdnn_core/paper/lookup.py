r"""Look-ups in the catalogue: statements by id, section or implementing object; errata; conventions.

Every document of the catalogue is a module of this package that defines ``DOCUMENT`` (its key in
:data:`~mathdnn_core.paper.records.DOCUMENTS`), ``STATEMENTS``, ``NOTATIONS`` and ``CONVENTIONS``; it is found by
looking, so adding a document is adding its module.

Example::

    >>> from mathdnn_core import paper
    >>> paper.get("Proposition 5.3").implemented_by[0]
    'mathdnn_core.losses.cross_entropy_from_logits'
    >>> sorted(paper.get("Definition 2.2").errata_by_kind())
    ['error', 'notation']
"""

from __future__ import annotations

import difflib
import functools
import importlib
import pkgutil
import re
from collections import Counter
from typing import Any

from .records import DOCUMENTS, ERRATUM_KINDS, Convention, Erratum, Notation, Statement

_NOT_DOCUMENTS = {"records", "lookup", "tables"}


@functools.cache
def _modules() -> dict[str, Any]:
    """The document modules of this package, keyed by document, in the order of :data:`DOCUMENTS`."""
    package = importlib.import_module(__package__)
    found = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_") or info.name in _NOT_DOCUMENTS:
            continue
        module = importlib.import_module(f"{__package__}.{info.name}")
        key = getattr(module, "DOCUMENT", None)
        if key not in DOCUMENTS:
            raise ImportError(
                f"{module.__name__} is in the catalogue but its DOCUMENT {key!r} is not one of {tuple(DOCUMENTS)}"
            )
        found[key] = module
    return {key: found[key] for key in DOCUMENTS if key in found}


def documents() -> tuple[str, ...]:
    """The keys of the documents catalogued so far, the paper first."""
    return tuple(_modules())


def _document(document: str):
    modules = _modules()
    if document not in modules:
        raise KeyError(f"no document {document!r} in the catalogue; documents: {', '.join(modules)}")
    return modules[document]


def statements(document: str | None = "mathdnn") -> tuple[Statement, ...]:
    """The statements of one document in its order, or of every document (``document=None``)."""
    if document is None:
        return tuple(s for key in documents() for s in _document(key).STATEMENTS)
    return tuple(_document(document).STATEMENTS)


def notations(document: str | None = "mathdnn") -> tuple[Notation, ...]:
    """The Notations that have errata, of one document or of all."""
    keys = documents() if document is None else (document,)
    return tuple(n for key in keys for n in _document(key).NOTATIONS)


def conventions(document: str | None = "mathdnn") -> tuple[Convention, ...]:
    """What a document chooses on purpose where other sources differ (not errata), of one document or of all."""
    keys = documents() if document is None else (document,)
    return tuple(c for key in keys for c in _document(key).CONVENTIONS)


def ids(document: str = "mathdnn") -> tuple[str, ...]:
    """Every statement id of a document, in its order."""
    return tuple(s.id for s in statements(document))


_ABBREVIATIONS = {
    "def": "Definition",
    "defn": "Definition",
    "definition": "Definition",
    "prop": "Proposition",
    "proposition": "Proposition",
    "thm": "Theorem",
    "theorem": "Theorem",
    "cor": "Corollary",
    "corollary": "Corollary",
    "assumption": "Assumption",
    "lemma": "Lemma",
    "notation": "Notation",
}


def _normalise(statement_id: str) -> str:
    words = re.sub(r"[.\s]+$", "", statement_id.strip()).split()
    return " ".join(_ABBREVIATIONS.get(w.lower().rstrip("."), w.lower() if w.lower() == "of" else w) for w in words)


def get(statement_id: str, document: str = "mathdnn") -> Statement:
    r"""The statement with this id in a document, e.g. ``get("Proposition 5.3")``.

    Case, extra spaces and the abbreviations ``Def``, ``Prop``, ``Thm``, ``Cor`` are forgiven (``get("prop 5.3")``).
    Raises ``KeyError`` naming the closest ids otherwise.
    """
    if not isinstance(statement_id, str):
        raise TypeError(f"a statement id is a string such as 'Proposition 5.3'; got {type(statement_id).__name__}")
    by_id = {s.id: s for s in statements(document)}
    if statement_id in by_id:
        return by_id[statement_id]
    normalised = _normalise(statement_id).lower()
    for key, statement in by_id.items():
        if key.lower() == normalised:
            return statement
    close = difflib.get_close_matches(_normalise(statement_id), list(by_id), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise KeyError(f"no statement {statement_id!r} in {document}{hint} (ids look like {', '.join(list(by_id)[:3])})")


def known(statement_id: str, document: str = "mathdnn") -> bool:
    """True when the id names a statement or a Notation with errata of the document (what a notebook may check)."""
    if document not in documents():
        return False
    return statement_id in ids(document) or statement_id in {n.id for n in notations(document)}


def by_section(section: int, document: str = "mathdnn") -> tuple[Statement, ...]:
    """The statements of one section of a document, in its order."""
    sections = sorted({s.section for s in statements(document)})
    if isinstance(section, bool) or not isinstance(section, int) or section not in sections:
        raise ValueError(f"{document} has sections {sections[0]} to {sections[-1]}; got {section!r}")
    return tuple(s for s in statements(document) if s.section == section)


def errata(document: str | None = "mathdnn") -> list[tuple[Statement | Notation, Erratum]]:
    """Every erratum as ``(owner, erratum)`` pairs — the owner a statement or a Notation — in the order of the text.

    Notations come before the statements of their section.
    """
    keys = documents() if document is None else (document,)
    pairs: list[tuple[Statement | Notation, Erratum]] = []
    for key in keys:
        owners: list[Statement | Notation] = list(statements(key))
        for notation in notations(key):  # before the first statement of its section
            at = next(
                (i for i, s in enumerate(owners) if isinstance(s, Statement) and s.section >= notation.section),
                len(owners),
            )
            owners.insert(at, notation)
        pairs += [(owner, erratum) for owner in owners for erratum in owner.errata]
    return pairs


def errata_counts(document: str | None = "mathdnn") -> dict[str, int]:
    """How many errata of each kind (every kind listed, zeros included)."""
    counts = Counter(e.kind for _, e in errata(document))
    return {kind: counts.get(kind, 0) for kind in ERRATUM_KINDS}


def _dotted_name(obj: Any) -> str:
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if not module or not qualname:
        raise TypeError(f"expected a dotted name or a function/class; got {obj!r}")
    return f"{module}.{qualname}"


def implementing(dotted_name: str | Any) -> list[Statement]:
    """The statements (of every document) whose ``implemented_by`` lists this object (a dotted name or the object)."""
    name = dotted_name if isinstance(dotted_name, str) else _dotted_name(dotted_name)
    return [s for s in statements(None) if name in s.implemented_by]


def resolve(dotted_name: str) -> Any:
    """Import and return the object named ``"package.module.attr[.attr...]"``."""
    parts = dotted_name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)  # AttributeError names the missing piece
        return obj
    raise ImportError(f"cannot import any prefix of {dotted_name!r}")
