r"""The ``Paper:`` line convention of the package's docstrings, and its parser (a development check).

Every public function and class of the *mathematical* modules (§1-§6, ``symbolic``, and the modules of the notes
and the lecture) has, in its docstring, at least one line starting with ``Paper:``. What follows the colon is a
list of items separated by semicolons; each item cites statements as

* ``Definition 2.1``, ``Proposition 5.3``, ``Theorem 1.3``, ``Assumption 1``, ``Corollary of Definition 5.1``;
* several in a row: ``Proposition 5.1, Proposition 5.2``, or a plural kind with several numbers:
  ``Propositions 4.1, 5.1`` or ``Propositions 4.1 and 5.1``;
* a range inside one section: ``Propositions 5.1-5.3`` (or with an en dash) means 5.1, 5.2, 5.3;
* an item that starts with ``Seed 003,`` cites the Borasi notes and ``Seed 004,`` the Cuchiero lecture
  (``Paper: Seed 003, Proposition 1.2``); any other item cites the paper;
* a statement whose id is not "Kind number" (the notes' "MLP (2)", the lecture's "Lie bracket") is cited by its
  id in double quotes: ``Paper: Seed 004, "Lie bracket"``.

Free text around the citations is allowed (``Paper: note after Definition 6.6``); ``Notation 17`` cites a Notation
(the catalogue knows those that have errata); other words cite nothing; a line with no citation (``Paper: all
sections``) is allowed. Only the first line is read: do not wrap a ``Paper:`` line.
"""

from __future__ import annotations

import inspect
import re

_NUM = r"\d+(?:\.\d+)*"
_REFERENCE = re.compile(
    r"(?P<kind>Corollar(?:y|ies)\s+of\s+Definitions?|Definitions?|Propositions?|Theorems?|Assumptions?|Lemmas?|"
    r"Notations?|Corollar(?:y|ies))\s+"
    rf"(?P<numbers>{_NUM}(?:\s*(?:,|&|\band\b|\bto\b|-|–)\s*{_NUM})*)"
)
_SEED = re.compile(r"\s*Seed\s+(?P<seed>\d+)\s*,")
SEED_DOCUMENTS = {"000": "mathdnn", "003": "borasi-notes", "004": "cuchiero-lecture"}
_KINDS = {"corollary of definition": "Corollary of Definition", "corollaries of definitions": "Corollary of Definition"}


def _kind(word: str) -> str:
    key = " ".join(word.lower().split())
    if key in _KINDS:
        return _KINDS[key]
    key = {"corollaries": "corollary"}.get(key, key.rstrip("s") if key.endswith("s") else key)
    return key.capitalize()


def _expand(numbers: str) -> list[str]:
    tokens = re.findall(rf"{_NUM}|-|–|\bto\b", numbers)
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok in ("-", "–", "to"):
            if not out or i + 1 >= len(tokens):
                raise ValueError(f"malformed range in {numbers!r}")
            start, end = out[-1], tokens[i + 1]
            (s_major, _, s_minor), (e_major, _, e_minor) = start.partition("."), end.partition(".")
            if s_major != e_major or not s_minor or not e_minor or int(e_minor) < int(s_minor):
                raise ValueError(f"a range must stay inside one section, e.g. '5.1-5.3'; got {numbers!r}")
            out.extend(f"{s_major}.{k}" for k in range(int(s_minor) + 1, int(e_minor) + 1))
            i += 2
        else:
            out.append(tok)
            i += 1
    return out


def parse_paper_line(text: str) -> tuple[tuple[str, str], ...]:
    """The ``(document, statement id)`` pairs cited by one ``Paper:`` line (without the prefix), once each."""
    found: list[tuple[str, str]] = []
    for item in text.split(";"):
        seed = _SEED.match(item)
        document = SEED_DOCUMENTS.get(seed["seed"], f"seed {seed['seed']}") if seed else "mathdnn"
        for quoted in re.findall(r'"([^"]+)"', item):
            if (document, quoted) not in found:
                found.append((document, quoted))
        item = re.sub(r'"[^"]*"', "", item)
        for match in _REFERENCE.finditer(item):
            kind = _kind(match["kind"])
            for number in _expand(match["numbers"]):
                key = (document, f"{kind} {number}")
                if key not in found:
                    found.append(key)
    return tuple(found)


def paper_lines(doc: str | None) -> list[str]:
    """The text after ``Paper:`` of every line of a docstring that starts with ``Paper:``."""
    if not doc:
        return []
    return [
        line.strip()[len("Paper:") :].strip()
        for line in inspect.cleandoc(doc).splitlines()
        if line.strip().startswith("Paper:")
    ]


def cited_statements(obj) -> tuple[tuple[str, str], ...]:
    """The ``(document, id)`` pairs cited by the ``Paper:`` lines of an object's own docstring (or a string)."""
    doc = obj if isinstance(obj, str) else getattr(obj, "__doc__", None)
    found: list[tuple[str, str]] = []
    for line in paper_lines(doc):
        for key in parse_paper_line(line):
            if key not in found:
                found.append(key)
    return tuple(found)
