"""mathdnn_core.notebook: what every notebook shares — reporting, showing statements, training outcomes."""

from __future__ import annotations

import json

import nbformat
import numpy as np
import pytest

from mathdnn_core import activations, notebook, testing


def _close(statement="Proposition 2.2", document="mathdnn"):
    return testing.check_close(np.ones(2), np.ones(2), statement=statement, what="ones", document=document)


def test_report_prints_keeps_and_records(tmp_path, monkeypatch, capsys):
    record = tmp_path / "report.jsonl"
    monkeypatch.setenv(notebook.REPORT_ENV, str(record))
    notebook._VERDICTS.clear()
    assert notebook.report(_close()) is None  # nothing for IPython to display after the printed line
    assert capsys.readouterr().out.startswith("✓ Proposition 2.2 — ones")
    assert [v.statement for v in notebook.verdicts()] == ["Proposition 2.2"]
    entry = json.loads(record.read_text())
    assert entry["type"] == "verdict" and entry["statement"] == "Proposition 2.2" and entry["document"] == "mathdnn"


def test_report_refuses_what_the_catalogue_does_not_know():
    with pytest.raises(ValueError, match="knows no such statement"):
        notebook.report(_close("Proposition 2.9"))
    with pytest.raises(ValueError, match="knows no such statement"):
        notebook.report(_close("Proposition 2.2", document="no-such-document"))
    with pytest.raises(TypeError, match="Verdict"):
        notebook.report("✓ looks like a verdict")
    notebook.report(_close("Notation 17"))  # a Notation with errata is a known place


def test_measured_errors_lists_numeric_verdicts_only(capsys):
    notebook._VERDICTS.clear()
    notebook.report(_close())
    notebook.report(
        testing.check_raises(lambda: activations.relu(np.array([np.nan])), ValueError, statement="Definition 2.1")
    )
    capsys.readouterr()
    notebook.measured_errors()
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and "max rel. error 0.00e+00" in lines[0] and "Proposition 2.2" in lines[0]


def test_training_outcome_checks_the_default_run_only(capsys):
    run = {"EPOCHS": 10, "DATASET": "mnist-5k"}
    notebook.training_outcome(0.95, 0.93, what="accuracy", settings=run, default_settings=run)
    assert "✓ Training outcome — accuracy" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="below the floor 93.00% set for the default run"):
        notebook.training_outcome(0.5, 0.93, what="accuracy", settings=run, default_settings=run)
    notebook.training_outcome(0.5, 0.93, what="accuracy", settings={**run, "EPOCHS": 1}, default_settings=run)
    out = capsys.readouterr().out
    assert "EPOCHS=1" in out and "not checked" in out and "✓" not in out


def test_statement_markdown_shows_the_graded_errata():
    text = notebook.statement_markdown("Definition 2.2")
    assert text.startswith("**Definition 2.2** — *Softmax*") and "*error*, in the statement" in text
    assert "*notation*" in notebook.statement_markdown("Notation 17")
    with pytest.raises(KeyError, match="did you mean"):
        notebook.statement_markdown("Definition 2.9")


def test_chain_route_is_the_product_of_the_full_jacobians():
    z = np.array([0.3, -1.2, 2.0])
    y_star = np.array([0.0, 1.0, 0.0])
    from mathdnn_core import losses

    route = notebook.chain_route(
        (activations.softmax, activations.softmax_jacobian),
        (lambda y: losses.cross_entropy(y, y_star), lambda y: losses.cross_entropy_gradient(y, y_star)[None, :]),
    )
    testing.check_close(
        route(z),
        losses.softmax_cross_entropy_gradient(z, y_star),
        statement="Proposition 5.3",
        what="the chain route equals S(z) - y*",
        tol=1e-14,
    )


def test_stored_verdicts_parse_the_printed_lines(tmp_path):
    lines = [
        str(_close()),
        str(_close("Proposition 1.2", document="borasi-notes")),
        str(
            testing.check_refuted(
                lambda: testing.check_close(1.0, 2.0, statement="Theorem 1.3", what="x"),
                statement="Theorem 1.3",
                what="printed",
                must_mention=("max rel. error",),
            )
        ),
        "an ordinary line",
    ]
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "print('...')", outputs=[nbformat.v4.new_output("stream", name="stdout", text="\n".join(lines))]
            )
        ]
    )
    path = tmp_path / "01_x.ipynb"
    nbformat.write(nb, path)
    found = notebook.stored_verdicts(path)
    assert [(v["document"], v["statement"], v["refuted"]) for v in found] == [
        ("mathdnn", "Proposition 2.2", False),
        ("borasi-notes", "Proposition 1.2", False),
        ("mathdnn", "Theorem 1.3", True),
    ]
