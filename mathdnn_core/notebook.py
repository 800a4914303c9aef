r"""What every notebook needs, defined once: report a verdict, show a statement, the table of measured errors,
a training run's outcome, the literal chain route, and reading verdicts back from a stored notebook.

A notebook starts with::

    %matplotlib inline
    from mathdnn_core import notebook as nb
    nb.setup()

and then calls :func:`report` on every verdict of :mod:`mathdnn_core.testing`: the ``✓`` line is printed, kept
for :func:`measured_errors`, and — when ``mathdnn verify`` runs the notebook — written to the report file named by
the environment variable :data:`REPORT_ENV`. A verdict on a statement the catalogue does not know fails at once.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict
from pathlib import Path

import numpy as np

from . import differentials, paper
from .testing import Verdict

#: The environment variable naming the file (JSON lines) that :func:`report` appends every verdict to.
REPORT_ENV = "MATHDNN_REPORT"

#: The "statement" of a training run's accuracy floor: an outcome of the default settings, not a paper statement.
TRAINING_OUTCOME = "Training outcome"

_VERDICTS: list[Verdict] = []


def setup(*, blas_threads: int | None = 1) -> None:
    """Start a notebook: plotting and SymPy printing defaults, an empty list of verdicts, BLAS threads limited.

    One BLAS thread by default: the notebooks' products are small, and several threads on a busy laptop or a
    one-CPU Binder pod wait for each other (``None`` leaves the thread pool as configured).
    """
    import matplotlib.pyplot as plt
    import sympy as sp

    sp.init_printing()
    plt.rcParams.update({"figure.dpi": 80, "figure.figsize": (6.4, 3.6), "axes.grid": True, "grid.alpha": 0.3})
    np.set_printoptions(precision=6, suppress=False, linewidth=110)
    _VERDICTS.clear()
    if blas_threads is not None:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=blas_threads, user_api="blas")


def _record(entry: dict) -> None:
    path = os.environ.get(REPORT_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")


def report(verdict: Verdict) -> None:
    """Print a checker's verdict line and keep it; the statement must be one the catalogue knows.

    Returns nothing, so that a cell ending in ``nb.report(...)`` displays only the ✓ line (a returned verdict
    would be displayed too, with its machine-dependent measured error).

    Raises ``ValueError`` for a verdict on an id that is neither a statement nor a Notation of its document (a
    typo in a notebook, or a statement missing from the catalogue), so that no check goes unaccounted for.
    """
    if not isinstance(verdict, Verdict):
        raise TypeError(f"report takes a mathdnn_core.testing.Verdict; got {type(verdict).__name__}")
    if not paper.known(verdict.statement, verdict.document):
        raise ValueError(
            f"{verdict.label}: the catalogue (mathdnn_core.paper) knows no such statement or Notation of "
            f"{verdict.document}; add it there or fix the id"
        )
    _VERDICTS.append(verdict)
    _record({"type": "verdict", **asdict(verdict), "line": str(verdict)})
    print(verdict)


def verdicts() -> list[Verdict]:
    """The verdicts reported since :func:`setup`, in order."""
    return list(_VERDICTS)


def measured_errors() -> None:
    """Print the measured relative error behind every numeric ✓ line (machine-dependent digits).

    Only verdicts that carry a measured error are listed: a refutation, a raised error, an exact SymPy identity or
    a floor has none, and never appears as "max rel. error 0". Mark the cell ``# NBVAL_IGNORE_OUTPUT``.
    """
    numeric = [v for v in _VERDICTS if v.is_numeric]
    if not numeric:
        print("no numeric comparison was reported")
        return
    for verdict in numeric:
        print(verdict.measured)


def show_math(lhs: str, expr, sep: str = "=") -> None:
    """Display ``lhs = expr`` (or another separator) with SymPy's LaTeX."""
    from IPython.display import Math, display

    from . import symbolic

    display(Math(f"{lhs} {sep} {symbolic.to_latex(expr)}"))


def _errata_lines(errata) -> list[str]:
    lines = []
    for e in errata:
        doubt = " — our copy is a PDF extraction: this may not be in the paper" if e.kind == "extraction" else ""
        lines.append(f"- *{e.kind}*, in the {e.where}{doubt}: printed ${e.printed}$ — corrected: `{e.corrected}`")
    return lines


def statement_markdown(statement_id: str, document: str = "mathdnn") -> str:
    """The catalogue entry of a statement — or of a Notation with errata — as Markdown: its corrected reading,
    then its errata, graded."""
    where = "the paper" if document == "mathdnn" else document
    notation = next((n for n in paper.notations(document) if n.id == statement_id), None)
    if notation is not None:
        counts = paper.tables.kinds_text({k: sum(e.kind == k for e in notation.errata) for k in paper.ERRATUM_KINDS})
        return "\n".join(
            [
                f"**{notation.id}** ({where}, §{notation.section}) — errata ({counts}):",
                "",
                *_errata_lines(notation.errata),
            ]
        )
    s = paper.get(statement_id, document)
    lines = [f"**{s.id}** — *{s.title}* ({where}, §{s.section})", "", f"> {s.statement}"]
    if s.errata:
        lines += ["", f"Errata ({paper.tables.kinds_text(s.errata_by_kind())}):", *_errata_lines(s.errata)]
    if s.uses:
        lines += ["", f"Uses: {', '.join(s.uses)}."]
    return "\n".join(lines)


def show_statement(statement_id: str, document: str = "mathdnn") -> None:
    """Display the catalogue entry of a statement or a Notation (:func:`statement_markdown`)."""
    from IPython.display import Markdown, display

    display(Markdown(statement_markdown(statement_id, document)))


def show_conventions(*statement_ids: str, document: str = "mathdnn") -> None:
    """Display the conventions (not errata) that the given statements rely on."""
    from IPython.display import Markdown, display

    chosen = [c for c in paper.conventions(document) if not statement_ids or set(c.statements) & set(statement_ids)]
    if not chosen:
        raise ValueError(f"no convention of {document} concerns {statement_ids}")
    blocks = [
        f"**Convention: {c.name}** ({', '.join(c.statements)}). *The text:* {c.document_choice} "
        f"*Elsewhere:* {c.others} *What differs:* {c.consequence}"
        for c in chosen
    ]
    display(Markdown("\n\n".join(blocks)))


def training_outcome(
    value: float,
    floor: float,
    *,
    what: str,
    settings: Mapping,
    default_settings: Mapping,
    spec: str = ".2%",
) -> None:
    """Check a training run's result against the floor set for the notebook's default run — an outcome of those
    settings, reported as such, never as a check of a statement.

    With ``settings == default_settings`` the floor is asserted (``AssertionError`` below it, saying it is the
    floor of the default run). With other settings (a reader changed the ``parameters`` cell) nothing is asserted:
    the value is printed with the settings that differ. Returns nothing (see :func:`report`). ``spec`` formats
    the value and the floor: ``".2%"`` for an accuracy, ``".3f"`` for an R².
    """
    value, floor = float(value), float(floor)
    shown, floor_shown = f"{value:{spec}}", f"{floor:{spec}}"
    changed = {k: settings[k] for k in settings if k not in default_settings or settings[k] != default_settings[k]}
    _record(
        {
            "type": "training outcome",
            "what": what,
            "value": value,
            "floor": floor,
            "checked": not changed,
            "shown": shown,
        }
    )
    if changed:
        differing = ", ".join(f"{k}={v!r}" for k, v in changed.items())
        print(
            f"Training outcome — {what}: {shown}. The floor {floor_shown} is set for the default run; these "
            f"settings differ ({differing}), so it is not checked."
        )
        return
    if not value >= floor:
        raise AssertionError(
            f"{TRAINING_OUTCOME} — {what}: {shown} is below the floor {floor_shown} set for the default run of "
            f"this notebook"
        )
    verdict = Verdict(TRAINING_OUTCOME, what, 0.0, 0.0, 1, detail=f"≥ {floor:g}, the floor set for the default run")
    _VERDICTS.append(verdict)
    print(verdict)


def chain_route(*stages: tuple[Callable, Callable]) -> Callable[[np.ndarray], np.ndarray]:
    r"""The literal route of Theorem 1.3: the Jacobian of ``f_k ∘ ... ∘ f_1`` as the product of full matrices.

    ``stages`` are ``(map, jacobian)`` pairs, first applied first (:func:`mathdnn_core.differentials.
    compose_jacobians`). Returns ``a -> J_{f_k}(a_{k-1}) ... J_{f_1}(a)``; when the last map is scalar the result
    is its gradient row, returned 1-D to compare with a vector-Jacobian product.
    """
    _, jacobian = differentials.compose_jacobians(*stages)

    def route(point):
        J = np.asarray(jacobian(np.asarray(point, dtype=np.float64)))
        return J[0] if J.shape[0] == 1 else J

    return route


# ----------------------------------------------------------------------------------------------------------------
# Reading verdicts back from a stored notebook
# ----------------------------------------------------------------------------------------------------------------
_VERDICT_LINE = re.compile(r"^✓ (?P<statement>.+?)(?: \[(?P<document>[a-z-]+)\])? — (?P<rest>.*)$")


def parse_verdict_line(line: str) -> dict | None:
    """``{"document", "statement", "refuted", "line"}`` for a printed ✓ line, ``None`` for any other line."""
    match = _VERDICT_LINE.match(line.strip())
    if not match:
        return None
    return {
        "document": match["document"] or "mathdnn",
        "statement": match["statement"],
        "refuted": "refuted: the printed form fails" in match["rest"],
        "line": line.strip(),
    }


def stored_verdicts(path: str | os.PathLike) -> list[dict]:
    """The ✓ lines in a notebook's stored outputs (which strict nbval holds equal to a fresh run), parsed."""
    import nbformat

    nb = nbformat.read(Path(path), as_version=4)
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            text = output.get("text") or output.get("data", {}).get("text/plain", "")
            text = "".join(text) if isinstance(text, list) else text
            for line in text.splitlines():
                parsed = parse_verdict_line(line)
                if parsed is not None:
                    found.append(parsed)
    return found
