"""The catalogue (mathdnn_core.paper), the docstrings of the mathematics, and the notebooks agree, every way.

* the paper's 36 statements are all there, in order, with consistent fields; ``uses`` point backwards;
* every erratum is graded, and every erratum of a section whose notebook exists names that notebook, whose stored
  outputs refute it (one ``refuted`` verdict per erratum, extraction doubts apart);
* every verdict in a stored notebook names a statement the catalogue knows;
* every public object of the mathematical modules has a ``Paper:`` line citing known statements, and
  ``implemented_by`` and those lines agree both ways.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections import Counter
from pathlib import Path

import pytest
from paper_lines import cited_statements, paper_lines, parse_paper_line

import mathdnn_core
from mathdnn_core import notebook, paper

ROOT = Path(mathdnn_core.__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"

#: The modules of mathematics: §1-§6 and the SymPy twins. Each public object cites what it implements.
CORE_MODULES = ("differentials", "activations", "losses", "layers", "network", "backprop", "optim")
MATH_MODULES = (
    *CORE_MODULES,
    "filtration",  # seed 003, L. Borasi's notes
    "filtration_descent",
    "controlled_odes",
    "polynomial_fields",
    "lecture_networks",  # seed 004, C. Cuchiero's lecture
    "softmax_regression",
    "minibatch_descent",
    *(
        f"symbolic.{m.name}"
        for m in pkgutil.iter_modules(importlib.import_module("mathdnn_core.symbolic").__path__)
        if not m.name.startswith("_")
    ),
)

EXPECTED_IDS = (
    "Definition 1.1", "Proposition 1.1", "Definition 1.2", "Corollary of Definition 1.2", "Proposition 1.2",
    "Theorem 1.3", "Assumption 1",
    "Definition 2.1", "Proposition 2.1", "Definition 2.2", "Proposition 2.2",
    "Definition 3.1", "Proposition 3.1",
    "Definition 4.1", "Proposition 4.1", "Proposition 4.2", "Proposition 4.3",
    "Proposition 5.1", "Proposition 5.2", "Proposition 5.3", "Definition 5.1", "Corollary of Definition 5.1",
    "Definition 5.2", "Corollary of Definition 5.2",
    "Definition 6.1", "Proposition 6.1", "Definition 6.2", "Proposition 6.2", "Proposition 6.3", "Definition 6.3",
    "Proposition 6.4", "Definition 6.4", "Proposition 6.5", "Definition 6.5", "Definition 6.6", "Definition 6.7",
)  # fmt: skip


def notebook_of(document: str, section: int) -> Path | None:
    """The notebook that shows a section of a document, found by its name: 0<section>_*.ipynb for the paper,
    07_* for the Borasi notes, 08_* for the Cuchiero lecture."""
    pattern = {"mathdnn": f"0{section}_*.ipynb", "borasi-notes": "07_*.ipynb", "cuchiero-lecture": "08_*.ipynb"}
    found = sorted(NOTEBOOKS.glob(pattern[document]))
    return found[0] if found else None


def stored() -> dict[str, list[dict]]:
    return {path.name: notebook.stored_verdicts(path) for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))}


STORED = stored()


# ----------------------------------------------------------------------------------------------------------------
# The catalogue
# ----------------------------------------------------------------------------------------------------------------
def test_the_paper_has_exactly_its_36_statements_in_order():
    assert paper.ids() == EXPECTED_IDS
    assert [len(paper.by_section(n)) for n in range(1, 7)] == [7, 4, 2, 4, 7, 12]
    assert paper.CATALOGUE == paper.statements("mathdnn")
    assert paper.documents()[0] == "mathdnn"


@pytest.mark.parametrize("statement", paper.statements(None), ids=lambda s: f"{s.document}:{s.id}")
def test_statement_fields_are_consistent(statement):
    if statement.document == "mathdnn":
        if statement.kind == "Corollary":
            assert statement.id == f"Corollary of Definition {statement.number}"
        else:
            assert statement.id == f"{statement.kind} {statement.number}"
        assert statement.section == int(statement.number.split(".")[0])
    assert statement.title.strip() and "\n" not in statement.title
    assert len(set(statement.implemented_by)) == len(statement.implemented_by)
    earlier = paper.ids(statement.document)[: paper.ids(statement.document).index(statement.id)]
    for used in statement.uses:
        assert used in earlier, f"{statement.id} uses {used}, which is not an earlier statement of its document"


def test_look_ups():
    assert paper.get("prop 5.3") is paper.get("Proposition 5.3")
    assert paper.get("Def. 6.5") is paper.get("Definition 6.5")
    assert paper.get("corollary of definition 5.1").id == "Corollary of Definition 5.1"
    with pytest.raises(KeyError, match="did you mean.*Proposition 6.1"):
        paper.get("Proposition 7.1")
    with pytest.raises(KeyError, match="no document"):
        paper.get("Proposition 1.2", document="nobody")
    with pytest.raises(TypeError):
        paper.get(5.3)
    for bad in (0, 7, "1", 1.0, True):
        with pytest.raises(ValueError, match="sections 1 to 6"):
            paper.by_section(bad)
    assert paper.known("Notation 17") and paper.known("Theorem 1.3") and not paper.known("Theorem 9.9")
    assert [s.id for s in paper.implementing("mathdnn_core.activations.softmax_jacobian")] == ["Proposition 2.2"]
    assert paper.implementing("mathdnn_core.network.no_such_thing") == []


# ----------------------------------------------------------------------------------------------------------------
# Errata and conventions
# ----------------------------------------------------------------------------------------------------------------
ERRATA = paper.errata(None)


def test_errata_are_graded_and_counted():
    counts = paper.errata_counts(None)
    assert sum(counts.values()) == len(ERRATA) and set(counts) == set(paper.ERRATUM_KINDS)
    with pytest.raises(ValueError, match="kind"):
        paper.Erratum("mistake", "statement", "a", "b")
    with pytest.raises(ValueError, match="different correction"):
        paper.Erratum("typo", "statement", "a", "a")


@pytest.mark.parametrize("owner, erratum", ERRATA, ids=[f"{o.document}:{o.id}:{i}" for i, (o, _) in enumerate(ERRATA)])
def test_every_erratum_of_a_shown_section_is_refuted_in_its_notebook(owner, erratum):
    expected = notebook_of(owner.document, owner.section)
    if erratum.notebook is None:
        assert expected is None, (
            f"{owner.id}: {expected.name} exists, so the erratum must name the notebook that "
            f"refutes it (Erratum(..., notebook=...))"
        )
        return
    assert (NOTEBOOKS / erratum.notebook).exists(), erratum.notebook


@pytest.mark.parametrize("name", sorted(STORED))
def test_each_notebook_refutes_the_errata_that_name_it(name):
    wanted = Counter((o.document, o.id) for o, e in ERRATA if e.notebook == name and e.kind != "extraction")
    refuted = Counter((v["document"], v["statement"]) for v in STORED[name] if v["refuted"])
    missing = {key: n - refuted[key] for key, n in wanted.items() if refuted[key] < n}
    assert not missing, f"{name}: errata name this notebook but it has fewer refutations: {missing}"


@pytest.mark.parametrize("name", sorted(STORED))
def test_every_verdict_in_a_stored_notebook_is_on_a_known_statement(name):
    unknown = {
        (v["document"], v["statement"])
        for v in STORED[name]
        if v["statement"] != notebook.TRAINING_OUTCOME and not paper.known(v["statement"], v["document"])
    }
    assert not unknown, f"{name} checks statements the catalogue does not know: {unknown}"


def test_conventions_name_known_statements():
    assert paper.conventions()
    for c in paper.conventions(None):
        assert all(paper.known(sid, c.document) for sid in c.statements), c.name
        assert c.notebook is None or (NOTEBOOKS / c.notebook).exists(), c.notebook
        assert not any(c.name == e.corrected for _, e in ERRATA)


# ----------------------------------------------------------------------------------------------------------------
# Docstrings <-> catalogue
# ----------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("Definition 2.1", (("mathdnn", "Definition 2.1"),)),
    ("Corollary of Definition 5.1", (("mathdnn", "Corollary of Definition 5.1"),)),
    ("Propositions 4.1 and 5.1", (("mathdnn", "Proposition 4.1"), ("mathdnn", "Proposition 5.1"))),
    ("Propositions 5.1-5.3", tuple(("mathdnn", f"Proposition 5.{k}") for k in (1, 2, 3))),
    ("Definitions 6.1–6.3", tuple(("mathdnn", f"Definition 6.{k}") for k in (1, 2, 3))),
    ("Seed 003, Proposition 1.2; Theorem 1.3", (("borasi-notes", "Proposition 1.2"), ("mathdnn", "Theorem 1.3"))),
    ("Seed 004, Theorem 2", (("cuchiero-lecture", "Theorem 2"),)),
    ("note after Definition 6.6", (("mathdnn", "Definition 6.6"),)),
    ("Notation 17", (("mathdnn", "Notation 17"),)),
    ("all sections", ()),
])  # fmt: skip
def test_parse_paper_line(text, expected):
    assert parse_paper_line(text) == expected


def test_parse_paper_line_rejects_ranges_across_sections():
    with pytest.raises(ValueError, match="inside one section"):
        parse_paper_line("Propositions 5.3-6.1")


def _public_objects(module) -> dict[str, object]:
    return {
        name: obj
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(obj) or inspect.isclass(obj))
        and getattr(obj, "__module__", None) == module.__name__
    }


@pytest.mark.parametrize("module_name", MATH_MODULES)
def test_every_public_object_of_the_mathematics_cites_known_statements(module_name):
    module = importlib.import_module(f"mathdnn_core.{module_name}")
    missing, unknown = [], {}
    for name, obj in _public_objects(module).items():
        if not paper_lines(obj.__doc__):
            missing.append(name)
        bad = [key for key in cited_statements(obj) if not paper.known(key[1], key[0])]
        if bad:
            unknown[name] = bad
    assert not missing, f"mathdnn_core.{module_name}: no 'Paper:' line in the docstring of {missing}"
    assert not unknown, f"mathdnn_core.{module_name}: Paper lines cite statements not in the catalogue: {unknown}"


@pytest.mark.parametrize("statement", paper.statements(None), ids=lambda s: f"{s.document}:{s.id}")
def test_implemented_by_resolves_and_cites_the_statement(statement):
    for dotted in statement.implemented_by:
        obj = paper.resolve(dotted)
        assert callable(obj), dotted
        assert statement.key in cited_statements(obj), (
            f"{dotted} implements {statement.id} in the catalogue, but its Paper lines cite {cited_statements(obj)}"
        )


@pytest.mark.parametrize("module_name", CORE_MODULES)
def test_core_citations_are_listed_in_implemented_by(module_name):
    module = importlib.import_module(f"mathdnn_core.{module_name}")
    unlisted = [
        (sid, f"{module.__name__}.{name}")
        for name, obj in _public_objects(module).items()
        for doc, sid in cited_statements(obj)
        if f"{module.__name__}.{name}" not in paper.get(sid, doc).implemented_by
    ]
    assert not unlisted, f"add these to implemented_by: {unlisted}"


@pytest.mark.parametrize("statement", paper.statements(None), ids=lambda s: f"{s.document}:{s.id}")
def test_checked_by_names_existing_tests(statement):
    for reference in statement.checked_by:
        path, _, test_name = reference.partition("::")
        assert (ROOT / path).exists(), f"{reference}: no file {path}"
        if test_name:
            assert re.search(rf"^def {re.escape(test_name)}\(", (ROOT / path).read_text(), re.MULTILINE), reference


@pytest.mark.parametrize("statement", paper.statements(None), ids=lambda s: f"{s.document}:{s.id}")
def test_every_statement_has_a_test_and_a_notebook_verdict(statement):
    """Coverage: a pytest test in ``checked_by``, and a verdict in the stored outputs of the notebook of its section."""
    assert statement.checked_by, f"{statement.id}: name the pytest tests that check it (checked_by)"
    expected = notebook_of(statement.document, statement.section)
    if expected is not None:
        checked = {(v["document"], v["statement"]) for v in STORED.get(expected.name, [])}
        assert statement.key in checked, f"{statement.id}: {expected.name} holds no verdict on it"
