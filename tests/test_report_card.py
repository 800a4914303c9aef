"""`mathdnn verify`'s report card: statuses from what notebooks reported, the JSON report, a failing notebook.

The real notebooks are executed by nbval (the notebooks' own tests) and by `mathdnn verify` itself (CI runs the
README's main job); here, small synthetic notebooks exercise the machinery in a fresh kernel.
"""

from __future__ import annotations

import json

import nbformat
import pytest

from mathdnn_core import paper, report_card
from mathdnn_core.report_card import NotebookRun, build_report


def _notebook(path, *sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


SETUP = "from mathdnn_core import notebook as nb, testing\nimport numpy as np\nnb.setup()"
PASS_22 = "nb.report(testing.check_close(np.ones(2), np.ones(2), statement='Proposition 2.2', what='ones are ones'))"
FAIL_31 = "nb.report(testing.check_close(np.ones(2), -np.ones(2), statement='Proposition 3.1', what='a sign'))"


def _run(name, verdicts, status="passed", expected=()):
    entries = [{"document": d, "statement": s} for d, s in verdicts]
    return NotebookRun(name, status, 1.0, verdicts=entries, expected=list(expected))


def test_statuses_follow_the_verdicts_and_the_errata():
    report = build_report(
        [_run("02_activations.ipynb", [("mathdnn", "Proposition 2.2"), ("mathdnn", "Definition 2.2")])]
    )
    rows = {r.id: r for r in report.statements if r.document == "mathdnn"}
    assert rows["Proposition 2.2"].status == "verified"  # no error or typo erratum
    assert rows["Definition 2.2"].status == "corrected"  # an error erratum (m >= 2)
    assert rows["Definition 2.2"].errata == paper.get("Definition 2.2").errata_by_kind()
    assert rows["Theorem 1.3"].status == "unchecked"
    assert not report.ok  # unchecked statements fail the report


def test_a_failed_notebook_fails_the_statements_it_did_not_reach():
    run = _run(
        "03_loss.ipynb",
        [("mathdnn", "Definition 3.1")],
        status="failed",
        expected=[("mathdnn", "Definition 3.1"), ("mathdnn", "Proposition 3.1")],
    )
    report = build_report([run], only_checked=True)
    assert {r.id: r.status for r in report.statements} == {"Definition 3.1": "verified", "Proposition 3.1": "failed"}
    assert not report.ok


def test_json_report_has_the_documented_shape():
    report = build_report([_run("02_activations.ipynb", [("mathdnn", "Proposition 2.2")])], only_checked=True)
    data = json.loads(json.dumps(report.to_json()))
    assert data["statements"] == [
        {
            "id": "Proposition 2.2",
            "document": "mathdnn",
            "status": "verified",
            "notebooks": ["02_activations.ipynb"],
            "errata": {},
        }
    ]
    assert data["notebooks"][0] == {"name": "02_activations.ipynb", "status": "passed", "seconds": 1.0, "training": []}
    assert set(report_card.STATUSES) == {"verified", "corrected", "failed", "unchecked"}


def test_running_a_notebook_collects_its_verdicts_and_its_failure(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    _notebook(folder / "01_good.ipynb", SETUP, PASS_22)
    _notebook(folder / "02_bad.ipynb", SETUP, PASS_22, FAIL_31, PASS_22)
    good = report_card.run_notebook(folder / "01_good.ipynb")
    assert good.status == "passed" and [v["statement"] for v in good.verdicts] == ["Proposition 2.2"]
    bad = report_card.run_notebook(folder / "02_bad.ipynb")
    assert bad.status == "failed" and len(bad.verdicts) == 1  # it stopped at the failing check
    assert "Proposition 3.1 NOT verified" in bad.error


def test_unknown_statement_fails_the_notebook(tmp_path):
    path = _notebook(tmp_path / "01_typo.ipynb", SETUP, PASS_22.replace("Proposition 2.2", "Proposition 2.9"))
    run = report_card.run_notebook(path)
    assert run.status == "failed" and "knows no such statement" in run.error


def test_main_writes_json_and_exits_nonzero_on_failure(tmp_path, capsys):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    _notebook(folder / "01_good.ipynb", SETUP, PASS_22)
    out = tmp_path / "report.json"
    code = report_card.main(["01_good"], folder=str(folder), json_path=str(out), jobs=1)
    assert code == 0, capsys.readouterr().out
    assert json.loads(out.read_text())["ok"] is True
    with pytest.raises(FileNotFoundError, match="no notebook 09_nothing"):
        report_card.main(["09_nothing"], folder=str(folder), jobs=1)


def test_the_errata_column_stays_aligned_whatever_the_notebooks_column_holds():
    rows = [
        report_card.StatementRow("Definition 1.1", "mathdnn", "verified", ["01_differentials.ipynb"], {}),
        report_card.StatementRow(
            "Proposition 2.2",
            "mathdnn",
            "corrected",
            ["02_activations.ipynb", "07_squared_error_backprop.ipynb"],
            {"error": 1, "typo": 2},
        ),
    ]
    text = report_card.format_report(report_card.Report(rows, [], 0.0))
    header, first, second = text.splitlines()[:3]
    column = header.index("errata")
    assert first[column:] == "-" and second[column:] == "1 error, 2 typo"
    assert "02_activations, 07_squared_error_backprop" in second
