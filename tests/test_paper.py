"""The catalogue of statements (mathdnn_core.paper) and the docstrings of the package agree, both ways.

* every public function and class of every module has a ``Paper:`` line;
* every statement id cited in a ``Paper:`` line exists in the catalogue;
* every ``implemented_by`` name resolves to an object whose ``Paper:`` line cites that statement;
* every statement cited by a core (sections 1-6) docstring lists that object in ``implemented_by``;
* statements nobody implements name the tests that check them, and those tests exist.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

import mathdnn_core
from mathdnn_core import paper

ROOT = Path(mathdnn_core.__file__).resolve().parents[1]
PACKAGE_DIR = ROOT / "mathdnn_core"

#: Every module the design plans, in dependency order. A module whose file does not exist yet is skipped, with the
#: reason shown by ``pytest -ra``; a module whose file exists must import.
EXPECTED_MODULES = (
    "differentials",
    "activations",
    "losses",
    "layers",
    "network",
    "optim",
    "symbolic",
    "testing",
    "paper",
    "datasets",
    "training",
    "plots",
    "cli",
)
#: The numeric core, one module per section: the catalogue must list everything these cite.
CORE_MODULES = ("differentials", "activations", "losses", "layers", "network", "optim")

EXPECTED_IDS = (
    "Definition 1.1",
    "Proposition 1.1",
    "Definition 1.2",
    "Corollary of Definition 1.2",
    "Proposition 1.2",
    "Theorem 1.3",
    "Assumption 1",
    "Definition 2.1",
    "Proposition 2.1",
    "Definition 2.2",
    "Proposition 2.2",
    "Definition 3.1",
    "Proposition 3.1",
    "Definition 4.1",
    "Proposition 4.1",
    "Proposition 4.2",
    "Proposition 4.3",
    "Proposition 5.1",
    "Proposition 5.2",
    "Proposition 5.3",
    "Definition 5.1",
    "Corollary of Definition 5.1",
    "Definition 5.2",
    "Corollary of Definition 5.2",
    "Definition 6.1",
    "Proposition 6.1",
    "Definition 6.2",
    "Proposition 6.2",
    "Proposition 6.3",
    "Definition 6.3",
    "Proposition 6.4",
    "Definition 6.4",
    "Proposition 6.5",
    "Definition 6.5",
    "Definition 6.6",
    "Definition 6.7",
)


def _module(name: str):
    if not (PACKAGE_DIR / f"{name}.py").exists() and not (PACKAGE_DIR / name / "__init__.py").exists():
        pytest.skip(f"mathdnn_core/{name}.py is not written yet")
    return importlib.import_module(f"mathdnn_core.{name}")


def _public_objects(module) -> dict[str, object]:
    """Functions and classes defined in ``module`` itself whose names do not start with an underscore."""
    return {
        name: obj
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(obj) or inspect.isclass(obj))
        and getattr(obj, "__module__", None) == module.__name__
    }


# ----------------------------------------------------------------------------------------------------------------
# The catalogue itself
# ----------------------------------------------------------------------------------------------------------------
def test_catalogue_has_exactly_the_36_statements_in_paper_order():
    assert len(paper.CATALOGUE) == 36
    assert paper.ids() == EXPECTED_IDS
    assert len(set(paper.ids())) == 36


@pytest.mark.parametrize("statement", paper.CATALOGUE, ids=lambda s: s.id)
def test_statement_fields_are_consistent(statement):
    kind, number = statement.kind, statement.number
    if kind == "Corollary":
        assert statement.id == f"Corollary of Definition {number}"
    else:
        assert statement.id == f"{kind} {number}"
        assert kind in ("Definition", "Proposition", "Theorem", "Assumption")
    assert statement.section == int(number.split(".")[0])
    assert 1 <= statement.section <= 6
    assert statement.title.strip() and "\n" not in statement.title
    assert statement.statement.strip() and "\n" not in statement.statement, "statement must be one line"
    assert isinstance(statement.implemented_by, tuple) and isinstance(statement.checked_by, tuple)
    assert isinstance(statement.errata, tuple)
    assert len(set(statement.implemented_by)) == len(statement.implemented_by)


def test_get_by_section_errata_implementing():
    assert paper.get("Proposition 5.3").section == 5
    assert paper.get("prop 5.3") is paper.get("Proposition 5.3")
    assert paper.get("Def. 6.5") is paper.get("Definition 6.5")
    assert paper.get("corollary of definition 5.1").id == "Corollary of Definition 5.1"
    with pytest.raises(KeyError, match="did you mean.*Proposition 6.1"):
        paper.get("Proposition 7.1")
    with pytest.raises(KeyError, match="Definition 1.1"):
        paper.get("Lemma 2")
    with pytest.raises(TypeError):
        paper.get(5.3)

    sections = [paper.by_section(n) for n in range(1, 7)]
    assert sum(len(s) for s in sections) == 36
    assert [len(s) for s in sections] == [7, 4, 2, 4, 7, 12]
    assert tuple(s for sec in sections for s in sec) == paper.CATALOGUE
    for bad in (0, 7, "1", 1.0, True):
        with pytest.raises(ValueError, match="sections 1 to 6"):
            paper.by_section(bad)

    pairs = paper.errata()
    assert pairs and all(e in s.errata for s, e in pairs)
    assert len(pairs) == sum(len(s.errata) for s in paper.CATALOGUE)

    from mathdnn_core import activations, network

    assert [s.id for s in paper.implementing("mathdnn_core.activations.softmax_jacobian")] == ["Proposition 2.2"]
    assert [s.id for s in paper.implementing(activations.relu_derivative)] == ["Assumption 1"]
    assert [s.id for s in paper.implementing(network.BackpropWorkspace)] == ["Proposition 5.3"]
    assert paper.implementing("mathdnn_core.network.no_such_thing") == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Definition 2.1", ("Definition 2.1",)),
        ("Assumption 1", ("Assumption 1",)),
        ("Corollary of Definition 5.1", ("Corollary of Definition 5.1",)),
        ("Propositions 4.1, 5.1", ("Proposition 4.1", "Proposition 5.1")),
        ("Propositions 4.1 and 5.1", ("Proposition 4.1", "Proposition 5.1")),
        ("Proposition 5.1, Proposition 5.2", ("Proposition 5.1", "Proposition 5.2")),
        ("Assumption 1, Definition 2.2", ("Assumption 1", "Definition 2.2")),
        ("Definition 6.6, b = 32 rows", ("Definition 6.6",)),
        ("Proposition 4.1; Definition 5.1", ("Proposition 4.1", "Definition 5.1")),
        ("Propositions 5.1-5.3", ("Proposition 5.1", "Proposition 5.2", "Proposition 5.3")),
        ("Definitions 6.1–6.3", ("Definition 6.1", "Definition 6.2", "Definition 6.3")),
        ("Seed 003, Proposition 1.2", ()),
        ("Seed 003, Proposition 1.2; Theorem 1.3", ("Theorem 1.3",)),
        ("note after Definition 6.6", ("Definition 6.6",)),
        ("Section 5.2 (the data X, Y* of Definition 5.2)", ("Definition 5.2",)),
        ("Notation 17", ()),
        ("all sections", ()),
    ],
)
def test_parse_paper_line(text, expected):
    assert paper.parse_paper_line(text) == expected


def test_parse_paper_line_rejects_ranges_across_sections():
    with pytest.raises(ValueError, match="inside one section"):
        paper.parse_paper_line("Propositions 5.3-6.1")


def test_paper_lines_and_cited_statements():
    doc = """Title.

        Paper: Proposition 2.2
        Paper: Seed 004, Definition 1.1; Assumption 1
        Not a Paper: line
        """
    assert paper.paper_lines(doc) == ["Proposition 2.2", "Seed 004, Definition 1.1; Assumption 1"]
    assert paper.cited_statements(doc) == ("Proposition 2.2", "Assumption 1")
    assert paper.paper_lines(None) == []


# ----------------------------------------------------------------------------------------------------------------
# Errata
# ----------------------------------------------------------------------------------------------------------------
def _all_errata():
    return [(s.id, e) for s, e in paper.errata()] + list(paper.NOTATION_ERRATA)


@pytest.mark.parametrize("owner, erratum", _all_errata(), ids=lambda x: x if isinstance(x, str) else "")
def test_errata_are_well_formed(owner, erratum):
    assert erratum.where in paper.ERRATUM_PLACES
    assert erratum.printed.strip() and erratum.corrected.strip()
    assert erratum.printed != erratum.corrected
    if erratum.notebook is not None:  # filled in by the notebook that demonstrates the erratum
        assert (ROOT / "notebooks" / erratum.notebook).exists(), erratum.notebook


def test_notation_errata_name_notations():
    for notation, erratum in paper.NOTATION_ERRATA:
        assert re.fullmatch(r"Notation \d+", notation)
        assert erratum.where == "notation"


def test_errata_the_design_note_asks_for_are_recorded():
    """A few errata that the notebooks demonstrate: if one is removed by mistake, this fails."""
    printed = {(s.id, e.printed) for s, e in paper.errata()}
    assert ("Definition 6.5", r"x_m^{(n+1)} = x_m^{(n)} - \alpha m^{(n)}") in printed
    assert ("Proposition 5.2", r"w \longmapsto \nabla_{\mathscr{F}^{(upstream)}}(z)_{i^*} * v") in printed
    assert any(s.id == "Theorem 1.3" and "M}_{p,n}" in e.corrected for s, e in paper.errata())
    assert {n for n, _ in paper.NOTATION_ERRATA} == {"Notation 1", "Notation 2", "Notation 17"}


# ----------------------------------------------------------------------------------------------------------------
# Docstrings <-> catalogue
# ----------------------------------------------------------------------------------------------------------------
def test_expected_modules_are_the_package_modules():
    """A new module must be added to EXPECTED_MODULES (and so to the Paper-line checks)."""
    on_disk = {p.stem for p in PACKAGE_DIR.glob("*.py") if not p.stem.startswith("_")}
    assert on_disk <= set(EXPECTED_MODULES), f"modules missing from EXPECTED_MODULES: {on_disk - set(EXPECTED_MODULES)}"
    assert set(mathdnn_core.__all__) == set(EXPECTED_MODULES)


@pytest.mark.parametrize("module_name", EXPECTED_MODULES)
def test_every_public_object_has_a_paper_line(module_name):
    module = _module(module_name)
    missing = [name for name, obj in _public_objects(module).items() if not paper.paper_lines(obj.__doc__)]
    assert not missing, f"mathdnn_core.{module_name}: no 'Paper:' line in the docstring of {missing}"


@pytest.mark.parametrize("module_name", EXPECTED_MODULES)
def test_every_cited_statement_exists(module_name):
    module = _module(module_name)
    unknown = {}
    for name, obj in _public_objects(module).items():
        for line in paper.paper_lines(obj.__doc__):
            bad = [sid for sid in paper.parse_paper_line(line) if sid not in paper.ids()]
            if bad:
                unknown[name] = bad
    assert not unknown, f"mathdnn_core.{module_name}: Paper lines cite statements not in the catalogue: {unknown}"


@pytest.mark.parametrize("statement", paper.CATALOGUE, ids=lambda s: s.id)
def test_implemented_by_resolves_and_cites_the_statement(statement):
    for dotted in statement.implemented_by:
        assert dotted.startswith("mathdnn_core."), dotted
        obj = paper.resolve(dotted)
        assert callable(obj), dotted
        assert statement.id in paper.cited_statements(obj), (
            f"{dotted} implements {statement.id} in the catalogue, but its Paper lines cite "
            f"{paper.cited_statements(obj)}"
        )


@pytest.mark.parametrize("module_name", CORE_MODULES)
def test_core_citations_are_listed_in_implemented_by(module_name):
    module = _module(module_name)
    unlisted = []
    for name, obj in _public_objects(module).items():
        dotted = f"{module.__name__}.{name}"
        for sid in paper.cited_statements(obj):
            if dotted not in paper.get(sid).implemented_by:
                unlisted.append((sid, dotted))
    assert not unlisted, f"add these to implemented_by: {unlisted}"


def _check_reference(reference: str) -> None:
    path, _, test_name = reference.partition("::")
    file = ROOT / path
    assert file.exists(), f"{reference}: no file {path}"
    if test_name:
        assert re.search(rf"^def {re.escape(test_name)}\(", file.read_text(), re.MULTILINE), (
            f"{reference}: no test {test_name} in {path}"
        )


@pytest.mark.parametrize("statement", paper.CATALOGUE, ids=lambda s: s.id)
def test_checked_by_exists_and_covers_pure_theory(statement):
    if not statement.implemented_by:
        assert statement.checked_by, f"{statement.id} has no implementation: checked_by must name its tests"
    for reference in statement.checked_by:
        _check_reference(reference)


def test_every_demonstration_record_names_exactly_one_erratum():
    everything = [(s.id, e) for s in paper.CATALOGUE for e in s.errata] + list(paper.NOTATION_ERRATA)
    for (where, start), notebook in paper.DEMONSTRATED_IN.items():
        hits = [e for name, e in everything if name == where and e.printed.startswith(start)]
        assert len(hits) == 1, f"DEMONSTRATED_IN[{where!r}, {start!r}] matches {len(hits)} errata"
        assert (ROOT / "notebooks" / notebook).exists(), notebook


def test_every_erratum_of_a_section_with_a_notebook_is_demonstrated():
    missing = [
        (s.id, e.printed)
        for s in paper.CATALOGUE
        for e in s.errata
        if s.section in paper.NOTEBOOKS and e.notebook is None
    ]
    assert not missing, f"errata of sections with a notebook that no notebook demonstrates: {missing}"
