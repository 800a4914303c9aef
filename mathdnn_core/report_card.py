r"""``mathdnn verify``: execute every notebook in a fresh kernel and report, statement by statement, what holds.

Each notebook runs headless (nbclient) with :data:`mathdnn_core.notebook.REPORT_ENV` naming a file into which its
:func:`mathdnn_core.notebook.report` calls write their verdicts; nothing is executed twice. The report has one row
per statement of the catalogue — its document, its status, the notebooks that checked it, its errata by kind —
and one row per notebook (status, seconds, training outcome).

Statuses: ``verified`` (checked, and the text holds as printed), ``corrected`` (checked in its corrected form:
it has errata of kind error or typo), ``failed`` (a check on it failed, or a notebook that checks it stopped before
reaching it) and ``unchecked`` (no notebook checks it — itself a failure).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import notebook, paper

STATUSES = ("verified", "corrected", "failed", "unchecked")


@dataclass
class NotebookRun:
    """What running one notebook produced."""

    name: str
    status: str  # "passed" or "failed"
    seconds: float
    verdicts: list[dict] = field(default_factory=list)
    outcomes: list[dict] = field(default_factory=list)
    error: str | None = None
    expected: list[tuple[str, str]] = field(default_factory=list)  # statements its stored outputs check
    executed: object = None  # the executed nbformat notebook (kept for --html)


@dataclass
class StatementRow:
    id: str
    document: str
    status: str
    notebooks: list[str]
    errata: dict[str, int]


@dataclass
class Report:
    statements: list[StatementRow]
    notebooks: list[NotebookRun]
    seconds: float

    @property
    def ok(self) -> bool:
        """True when every notebook passed and no statement failed or went unchecked."""
        return all(n.status == "passed" for n in self.notebooks) and all(
            s.status in ("verified", "corrected") for s in self.statements
        )

    def to_json(self) -> dict:
        return {
            "statements": [asdict(s) for s in self.statements],
            "notebooks": [
                {
                    "name": n.name,
                    "status": n.status,
                    "seconds": round(n.seconds, 2),
                    "training": n.outcomes,
                    **({"error": n.error} if n.error else {}),
                }
                for n in self.notebooks
            ],
            "seconds": round(self.seconds, 2),
            "ok": self.ok,
        }


def notebooks_dir(explicit: str | os.PathLike | None = None) -> Path:
    """Where the notebooks are: ``explicit``, else ``./notebooks``, else the checkout this package was installed
    from (an editable install). Raises ``FileNotFoundError`` naming the places looked at."""
    candidates = (
        [Path(explicit)] if explicit else [Path.cwd() / "notebooks", Path(__file__).resolve().parents[1] / "notebooks"]
    )
    for folder in candidates:
        if sorted(folder.glob("[0-9][0-9]_*.ipynb")):
            return folder
    looked = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(
        f"no notebooks (NN_*.ipynb) found in {looked}; run from the repository's root or pass --notebooks DIR"
    )


def run_notebook(path: str | os.PathLike, timeout: int = 600) -> NotebookRun:
    """Execute one notebook top to bottom in a fresh ``python3`` kernel and collect what it reported."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    expected = sorted(
        {
            (v["document"], v["statement"])
            for v in notebook.stored_verdicts(path)
            if v["statement"] != notebook.TRAINING_OUTCOME
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        record = Path(tmp) / "report.jsonl"
        record.touch()
        previous = os.environ.get(notebook.REPORT_ENV)
        os.environ[notebook.REPORT_ENV] = str(record)  # the kernel inherits the environment
        start = time.perf_counter()
        error = None
        try:
            client = NotebookClient(
                nb, timeout=int(timeout), kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
            )
            # The kernel's own stderr (transport warnings) is not the notebook's output: cell errors are in the
            # notebook itself.
            client.execute(stderr=subprocess.DEVNULL)
        except CellExecutionError as exc:
            error = _first_line_of_error(str(exc))
        except Exception as exc:  # the kernel died, a timeout, ...
            error = f"{type(exc).__name__}: {exc}"
        finally:
            seconds = time.perf_counter() - start
            if previous is None:
                os.environ.pop(notebook.REPORT_ENV, None)
            else:
                os.environ[notebook.REPORT_ENV] = previous
        entries = [json.loads(line) for line in record.read_text(encoding="utf-8").splitlines() if line.strip()]
    return NotebookRun(
        name=path.name,
        status="failed" if error else "passed",
        seconds=seconds,
        verdicts=[e for e in entries if e["type"] == "verdict"],
        outcomes=[
            {k: e[k] for k in ("what", "value", "floor", "checked", "shown")}
            for e in entries
            if e["type"] == "training outcome"
        ],
        error=error,
        expected=expected,
        executed=nb,
    )


def _first_line_of_error(text: str) -> str:
    """The exception line of a cell error (the last line naming an Error), without ANSI colours."""
    import re

    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    lines = [line.strip() for line in plain.splitlines() if line.strip()]
    errors = [line for line in lines if re.match(r"^\w*(Error|Exception)\b", line)]
    return (errors[-1] if errors else lines[-1] if lines else "the notebook failed")[:500]


def _run_for_pool(path: str) -> NotebookRun:
    run = run_notebook(path)
    run.executed = None  # not pickled back; --html runs in process
    return run


def run_all(
    paths: Sequence[Path],
    *,
    jobs: int = 1,
    keep_executed: bool = False,
    progress: Callable[[NotebookRun], None] | None = None,
) -> list[NotebookRun]:
    """Run the notebooks, ``jobs`` at a time, calling ``progress`` on each result in order."""
    results: list[NotebookRun] = []
    if jobs <= 1 or keep_executed or len(paths) <= 1:
        for path in paths:
            results.append(run_notebook(path))
            if progress:
                progress(results[-1])
        return results
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for run in pool.map(_run_for_pool, [str(p) for p in paths]):
            results.append(run)
            if progress:
                progress(run)
    return results


def build_report(runs: Sequence[NotebookRun], *, only_checked: bool = False, seconds: float = 0.0) -> Report:
    """One row per statement of the catalogue (or, with ``only_checked``, per statement the runs touched)."""
    checked: dict[tuple[str, str], list[str]] = {}
    for run in runs:
        for v in run.verdicts:
            names = checked.setdefault((v["document"], v["statement"]), [])
            if run.name not in names:
                names.append(run.name)
    failed = {
        key for run in runs if run.status == "failed" for key in run.expected if run.name not in checked.get(key, [])
    }
    rows = []
    for s in paper.statements(None):
        if only_checked and s.key not in checked and s.key not in failed:
            continue
        if s.key in failed:
            status = "failed"
        elif s.key not in checked:
            status = "unchecked"
        elif any(e.kind in ("error", "typo") for e in s.errata):
            status = "corrected"
        else:
            status = "verified"
        rows.append(StatementRow(s.id, s.document, status, checked.get(s.key, []), s.errata_by_kind()))
    return Report(rows, list(runs), seconds)


def format_report(report: Report) -> str:
    """The report as text: statements, then notebooks, then one summary line."""
    width = max((len(r.id) for r in report.statements), default=10)
    shown = [", ".join(n.removesuffix(".ipynb") for n in r.notebooks) or "-" for r in report.statements]
    columns = max((len(text) for text in shown), default=9)  # the errata column stays aligned
    lines = [f"{'statement':<{width}}  {'document':<16}  {'status':<9}  {'notebooks':<{columns}}  errata"]
    for r, notebooks in zip(report.statements, shown):
        errata = ", ".join(f"{n} {k}" for k, n in r.errata.items()) or "-"
        lines.append(f"{r.id:<{width}}  {r.document:<16}  {r.status:<9}  {notebooks:<{columns}}  {errata}")
    lines.append("")
    for n in report.notebooks:
        training = (
            "; ".join(
                f"{o['what']}: {o['shown']}" + ("" if o["checked"] else " (floor not checked)") for o in n.outcomes
            )
            or "-"
        )
        lines.append(f"{n.name:<34} {n.status:<7} {n.seconds:6.1f} s  {training}")
        if n.error:
            lines.append(f"    {n.error}")
    counts = {status: sum(r.status == status for r in report.statements) for status in STATUSES}
    summary = ", ".join(f"{n} {status}" for status, n in counts.items())
    passed = sum(n.status == "passed" for n in report.notebooks)
    lines.append(
        f"{len(report.statements)} statements: {summary}. {passed} of {len(report.notebooks)} notebooks "
        f"passed in {report.seconds:.1f} s. Errata: "
        f"{paper.tables.kinds_text(paper.errata_counts(None))}."
    )
    return "\n".join(lines)


def _check_writable(target: Path, what: str) -> None:
    """Refuse, before anything runs, an output that could not be written at the end of the run."""
    if what == "--json":
        if target.is_dir():
            raise ValueError(f"{what} {target} is a directory; give a file path")
        folder = target.parent
    else:
        folder = target
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ValueError(f"{what} {target}: cannot create this directory ({exc.strerror})") from None
    try:  # a real write: permissions alone do not tell (root may write nowhere in /proc)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        reason = "no such directory" if not folder.exists() else exc.strerror
        raise ValueError(f"{what} {target}: cannot write in {folder} ({reason})") from None


def main(
    notebook_names: Sequence[str] = (),
    *,
    folder: str | None = None,
    json_path: str | None = None,
    html_dir: str | None = None,
    jobs: int = 2,
    out=sys.stdout,
) -> int:
    """Run the report card; return the exit code (0 when everything holds)."""
    start = time.perf_counter()
    for target, what in ((json_path, "--json"), (html_dir, "--html")):
        if target is not None:
            _check_writable(Path(target), what)
    root = notebooks_dir(folder)
    paths = sorted(root.glob("[0-9][0-9]_*.ipynb"))
    if notebook_names:
        by_name = {p.name: p for p in paths} | {p.stem: p for p in paths}
        unknown = [n for n in notebook_names if n not in by_name]
        if unknown:
            raise FileNotFoundError(
                f"no notebook {', '.join(unknown)} in {root}; notebooks: {', '.join(p.name for p in paths)}"
            )
        paths = [by_name[n] for n in notebook_names]

    def progress(run: NotebookRun) -> None:
        print(f"{run.name}: {run.status} in {run.seconds:.1f} s, {len(run.verdicts)} verdicts", file=out, flush=True)

    print(f"mathdnn verify: {len(paths)} notebook(s) from {root}, {jobs} at a time", file=out, flush=True)
    runs = run_all(paths, jobs=jobs, keep_executed=html_dir is not None, progress=progress)
    report = build_report(runs, only_checked=bool(notebook_names), seconds=time.perf_counter() - start)
    print(format_report(report), file=out, flush=True)
    if json_path:
        Path(json_path).write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")
    if html_dir:
        from .report_page import write_html

        write_html(report, Path(html_dir))
    return 0 if report.ok else 1
