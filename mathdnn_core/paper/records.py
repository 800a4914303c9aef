r"""The record types of the catalogue: a statement of a document, an erratum in it, a convention it declares.

Three documents are catalogued (:data:`DOCUMENTS`): the paper itself (``"mathdnn"``), L. Borasi's notes on
squared-error back-propagation (``"borasi-notes"``) and C. Cuchiero's lecture on networks as controlled ODEs
(``"cuchiero-lecture"``). Statement ids are each document's own names ("Proposition 1.2"); the ``document`` field
keeps the notes' Proposition 1.2 apart from the paper's.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Document keys and what they are.
DOCUMENTS: dict[str, str] = {
    "mathdnn": 'J. Jiang, A. Jiang, "MathDNN - A deep mathematical understanding of DNNs", v0.00, February 2022',
    "borasi-notes": 'L. Borasi, "Deep learning, notes", 2023 (an MLP as a filtration; squared-error back-propagation)',
    "cuchiero-lecture": 'C. Cuchiero, "A dynamic view on universal interpolation and gradient descent" (lecture '
    "slides: networks as controlled ODEs)",
}

#: How wrong an erratum is. ``error``: false as printed (a claim, formula, hypothesis, domain/codomain or proof
#: step). ``typo``: an evident slip whose intended meaning is clear from context (an index, a letter).
#: ``notation``: inconsistent with the document's own conventions (a value printed as a column where Convention 2
#: makes vectors rows). ``extraction``: our copy is a text extraction of a PDF, and the garbling may not be in the
#: document at all: shown, flagged as doubtful, counted apart.
ERRATUM_KINDS = ("error", "typo", "notation", "extraction")

#: Where in the text an erratum sits: the statement itself, its proof, a "Note:" of the text, or a Notation.
ERRATUM_PLACES = ("statement", "proof", "note", "notation")

#: The kinds of numbered statement the documents use.
STATEMENT_KINDS = ("Definition", "Proposition", "Theorem", "Assumption", "Corollary", "Lemma", "Example", "Claim")


@dataclass(frozen=True)
class Erratum:
    r"""One place where a document, as printed, is wrong — with the correction and how wrong it is.

    Attributes
    ----------
    kind : one of :data:`ERRATUM_KINDS`
    where : one of :data:`ERRATUM_PLACES`
    printed : what the text prints (LaTeX), quoted from the text as extracted
    corrected : the corrected text, with the reason when it is not obvious (LaTeX)
    notebook : the notebook whose cells demonstrate the erratum on values (``"02_activations.ipynb"``), filled in
        by the author of that notebook; ``None`` until one does
    """

    kind: str
    where: str
    printed: str
    corrected: str
    notebook: str | None = None

    def __post_init__(self):
        if self.kind not in ERRATUM_KINDS:
            raise ValueError(f"Erratum.kind must be one of {ERRATUM_KINDS}; got {self.kind!r}")
        if self.where not in ERRATUM_PLACES:
            raise ValueError(f"Erratum.where must be one of {ERRATUM_PLACES}; got {self.where!r}")
        if not self.printed.strip() or not self.corrected.strip() or self.printed == self.corrected:
            raise ValueError(f"an erratum needs a printed text and a different correction; got {self.printed!r}")


@dataclass(frozen=True)
class Statement:
    r"""One numbered statement of a document.

    Attributes
    ----------
    id : the document's own name: ``"Definition 1.1"``, ``"Theorem 1.3"``, ``"Assumption 1"``,
        ``"Corollary of Definition 5.1"`` (the paper's unnumbered corollaries), ...
    kind : one of :data:`STATEMENT_KINDS`
    number : ``"1.1"``, ``"1"``; for an unnumbered corollary, the number of what it follows
    section : the section of the document it is in
    title : a few words
    statement : one line, LaTeX-light, in its *corrected* reading (each departure from the printed text is an
        :class:`Erratum`)
    implemented_by : dotted names of the package objects whose docstring ``Paper:`` line cites the statement
    errata : where the printed statement, its proof or its notes are wrong
    checked_by : pytest tests (``"tests/test_optim.py::test_name"``) that check it
    uses : ids of the earlier statements of the same document its proof (or definition) relies on
    document : the key in :data:`DOCUMENTS`
    """

    id: str
    kind: str
    number: str
    section: int
    title: str
    statement: str
    implemented_by: tuple[str, ...] = ()
    errata: tuple[Erratum, ...] = ()
    checked_by: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()
    document: str = "mathdnn"

    def __post_init__(self):
        if self.kind not in STATEMENT_KINDS:
            raise ValueError(f"{self.id}: Statement.kind must be one of {STATEMENT_KINDS}; got {self.kind!r}")
        if self.document not in DOCUMENTS:
            raise ValueError(f"{self.id}: Statement.document must be one of {tuple(DOCUMENTS)}; got {self.document!r}")
        if not self.statement.strip() or "\n" in self.statement:
            raise ValueError(f"{self.id}: the statement must be one non-empty line")

    @property
    def key(self) -> tuple[str, str]:
        """``(document, id)``: unique across the three documents."""
        return (self.document, self.id)

    def errata_by_kind(self) -> dict[str, int]:
        """How many errata of each kind, kinds with none left out (``{"error": 1, "typo": 2}``)."""
        counts = {kind: sum(e.kind == kind for e in self.errata) for kind in ERRATUM_KINDS}
        return {kind: n for kind, n in counts.items() if n}


@dataclass(frozen=True)
class Notation:
    r"""An unnumbered Notation of a document that has errata (``"Notation 17"``): not a statement, but a place
    the notebooks check and refute like one.
    """

    id: str
    section: int
    errata: tuple[Erratum, ...]
    document: str = "mathdnn"

    @property
    def key(self) -> tuple[str, str]:
        """``(document, id)``."""
        return (self.document, self.id)


@dataclass(frozen=True)
class Convention:
    r"""A choice the document makes on purpose, where other sources choose differently: not an erratum.

    Attributes
    ----------
    name : a few words (``"ReLU'(0) = 0"``)
    statements : the ids of the statements that rely on it
    document_choice : what the document chooses, and where it says so
    others : what PyTorch / JAX / common texts choose
    consequence : what differs as a result, and what this package does
    notebook : the notebook that shows it (filled in by its author)
    document : the key in :data:`DOCUMENTS`
    """

    name: str
    statements: tuple[str, ...]
    document_choice: str
    others: str
    consequence: str
    notebook: str | None = None
    document: str = "mathdnn"
