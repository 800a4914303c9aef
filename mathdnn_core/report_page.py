r"""``mathdnn verify --html DIR``: the executed notebooks as HTML, and a report page with the statement table and
a picture of how the statements depend on each other (from the catalogue's ``uses``), coloured by status.
"""

from __future__ import annotations

import html
import io
from pathlib import Path

from . import paper

STATUS_COLOURS = {"verified": "#1a7f37", "corrected": "#bf8700", "failed": "#cf222e", "unchecked": "#8c959f"}


def dependency_figure(report):
    """The statements as a graph: one column per document section, an arrow from each statement to those whose
    proof uses it, each node coloured by its status in ``report``."""
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrowPatch

    status = {(r.document, r.id): r.status for r in report.statements}
    statements = [s for s in paper.statements(None) if s.key in status]
    columns: dict[tuple[str, int], list] = {}
    for s in statements:
        columns.setdefault((s.document, s.section), []).append(s)
    position = {}
    for x, (_, members) in enumerate(columns.items()):
        for y, s in enumerate(members):
            position[s.key] = (x, -y)
    height = max((len(m) for m in columns.values()), default=1)
    fig = Figure(figsize=(max(8.0, 2.2 * len(columns)), max(4.0, 0.55 * height + 1.5)), layout="constrained")
    ax = fig.subplots()
    for s in statements:
        for used in s.uses:
            if (s.document, used) in position:
                ax.add_patch(
                    FancyArrowPatch(
                        position[(s.document, used)],
                        position[s.key],
                        arrowstyle="-|>",
                        mutation_scale=8,
                        color="#57606a",
                        alpha=0.35,
                        lw=0.8,
                        connectionstyle="arc3,rad=0.15",
                        shrinkA=14,
                        shrinkB=14,
                    )
                )
    for s in statements:
        x, y = position[s.key]
        ax.text(
            x,
            y,
            s.id.replace("Corollary of ", "Cor. of ")
            .replace("Definition", "Def.")
            .replace("Proposition", "Prop.")
            .replace("Theorem", "Thm"),
            ha="center",
            va="center",
            fontsize=7,
            color="white",
            bbox={"boxstyle": "round,pad=0.3", "fc": STATUS_COLOURS[status[s.key]], "ec": "none"},
        )
    for x, (document, section) in enumerate(columns):
        ax.text(x, 0.9, f"{document}\n§{section}", ha="center", va="bottom", fontsize=8)
    ax.set_xlim(-0.7, len(columns) - 0.3)
    ax.set_ylim(-height + 0.3, 1.8)
    ax.axis("off")
    handles = [ax.scatter([], [], color=c, label=name) for name, c in STATUS_COLOURS.items()]
    ax.legend(handles=handles, loc="lower right", fontsize=8, frameon=False)
    return fig


def _training(run) -> str:
    return "; ".join("{}: {}".format(o["what"], o["shown"]) for o in run.outcomes)


def _table(report) -> str:
    rows = []
    for r in report.statements:
        shown = (
            ", ".join(
                f'<a href="{html.escape(n.removesuffix(".ipynb"))}.html">{html.escape(n)}</a>' for n in r.notebooks
            )
            or "—"
        )
        errata = ", ".join(f"{n} {k}" for k, n in r.errata.items()) or ""
        rows.append(
            f"<tr><td>{html.escape(r.id)}</td><td>{html.escape(r.document)}</td>"
            f'<td style="color:{STATUS_COLOURS[r.status]}">{r.status}</td><td>{shown}</td>'
            f"<td>{html.escape(errata)}</td></tr>"
        )
    notebooks = "".join(
        f"<tr><td>{html.escape(n.name)}</td><td>{n.status}</td><td>{n.seconds:.1f} s</td>"
        f"<td>{html.escape(_training(n))}</td></tr>"
        for n in report.notebooks
    )
    return (
        "<table><tr><th>statement</th><th>document</th><th>status</th><th>notebooks</th><th>errata</th></tr>"
        + "".join(rows)
        + "</table><h2>Notebooks</h2><table><tr><th>notebook</th><th>status</th><th>time</th>"
        "<th>training</th></tr>" + notebooks + "</table>"
    )


def write_html(report, folder: Path) -> Path:
    """Write ``index.html`` (table and dependency picture) and one HTML page per executed notebook."""
    from nbconvert import HTMLExporter

    folder.mkdir(parents=True, exist_ok=True)
    exporter = HTMLExporter()
    for run in report.notebooks:
        if run.executed is not None:
            body, _ = exporter.from_notebook_node(run.executed)
            (folder / f"{Path(run.name).stem}.html").write_text(body, encoding="utf-8")
    svg = io.StringIO()
    dependency_figure(report).savefig(svg, format="svg")
    page = (
        "<!doctype html><meta charset='utf-8'><title>mathdnn verify</title>"
        "<style>body{font-family:sans-serif;max-width:1200px;margin:auto}table{border-collapse:collapse}"
        "td,th{border-bottom:1px solid #ddd;padding:2px 8px;text-align:left}</style>"
        "<h1>mathdnn verify — the report card</h1>"
        f"<p>{len(report.statements)} statements; errata: {paper.tables.kinds_text(paper.errata_counts(None))}. "
        "An arrow goes from a statement to each later one whose proof uses it.</p>" + svg.getvalue() + _table(report)
    )
    index = folder / "index.html"
    index.write_text(page, encoding="utf-8")
    return index
