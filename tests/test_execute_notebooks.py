"""notebooks/execute.py stores a notebook without volatile metadata: executing it twice gives the same file."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat

EXECUTE = Path(__file__).resolve().parents[1] / "notebooks" / "execute.py"


def _load_execute():
    spec = importlib.util.spec_from_file_location("execute_notebooks", EXECUTE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_executing_twice_changes_nothing_and_stores_no_timestamps_or_widget_state(tmp_path):
    execute = _load_execute()
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("x = sum(range(10))\nprint(x)"),
        nbformat.v4.new_code_cell("from tqdm.auto import tqdm\nfor _ in tqdm(range(3)): pass"),  # a widget
    ]
    nb.cells[0].metadata["execution"] = {"iopub.execute_input": "2020-01-01T00:00:00Z"}  # left by another tool
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    path = tmp_path / "t.ipynb"
    nbformat.write(nb, path)
    execute.execute(path)
    first = path.read_text()
    stored = nbformat.read(path, as_version=4)
    assert stored.cells[0].outputs[0]["text"] == "45\n"
    assert all(not set(cell.metadata) & {"execution", "ExecuteTime"} for cell in stored.cells)
    assert "widgets" not in stored.metadata and stored.metadata["kernelspec"]["name"] == "python3"
    execute.execute(path)
    assert path.read_text() == first
