"""Execute notebooks top to bottom in a fresh kernel and store their outputs (what nbval then compares).

Usage::

    python notebooks/execute.py                      # every notebook in this folder
    python notebooks/execute.py notebooks/02_*.ipynb # some of them

Prints each notebook's wall time; the budget is 20 s each, 90 s together (DESIGN.md §4).

Notebooks are stored without volatile metadata — no execution timestamps in the cells, no widget state and no
widget views (tqdm's progress bars: a random model id each run; without the state the view could not be drawn,
and the output's plain-text form stays) — so that re-executing a notebook changes only what its cells computed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
BUDGET_EACH, BUDGET_ALL = 20.0, 90.0
#: Cell metadata that records when or how long a cell ran (nbclient's "execution", the ExecuteTime extension's).
VOLATILE_CELL_METADATA = ("execution", "ExecuteTime")
#: Notebook metadata that records the state of the widgets shown (tqdm's bars): it changes with every run.
VOLATILE_NOTEBOOK_METADATA = ("widgets",)
#: An output's view of a widget: it names the widget by a random id, and the widget's state is not stored.
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def strip_volatile_metadata(nb) -> None:
    """Remove, in place, the metadata that changes from one execution to the next without a change of content."""
    for key in VOLATILE_NOTEBOOK_METADATA:
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        for key in VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(WIDGET_VIEW, None)


def execute(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    start = time.perf_counter()
    NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
        store_widget_state=False,
    ).execute()
    seconds = time.perf_counter() - start
    strip_volatile_metadata(nb)
    nbformat.write(nb, path)
    return seconds


def main(argv: list[str]) -> int:
    paths = [Path(p) for p in argv] or sorted(HERE.glob("[0-9][0-9]_*.ipynb"))
    total = 0.0
    for path in paths:
        seconds = execute(path)
        total += seconds
        flag = "" if seconds <= BUDGET_EACH else f"  OVER the {BUDGET_EACH:.0f} s budget"
        print(f"{path.name}: {seconds:.1f} s{flag}")
    print(f"total: {total:.1f} s" + ("" if total <= BUDGET_ALL else f"  OVER the {BUDGET_ALL:.0f} s budget"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
