"""The package's layout: every module reachable from `import mathdnn_core`, no file over 500 lines (but the
catalogue's data), and imports that only point backwards through the paper's sections."""

from __future__ import annotations

import ast
import pkgutil
from pathlib import Path

import mathdnn_core

PACKAGE = Path(mathdnn_core.__file__).parent
CATALOGUE_DATA = {"paper/mathdnn.py", "paper/borasi_notes.py", "paper/cuchiero_lecture.py"}
#: §1-§6 in order: a module of the numeric core may import only the ones before it.
SECTIONS = ("differentials", "activations", "losses", "layers", "network", "backprop", "optim")


def test_every_module_is_listed_and_reachable():
    names = {m.name for m in pkgutil.iter_modules([str(PACKAGE)]) if not m.name.startswith("_")}
    assert names == set(mathdnn_core.__all__), (
        f"add to mathdnn_core.__all__ / _LAZY: {names ^ set(mathdnn_core.__all__)}"
    )
    for name in names:
        assert getattr(mathdnn_core, name).__name__ == f"mathdnn_core.{name}"


def test_no_file_over_500_lines_but_the_catalogue_data():
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500
    }
    assert set(long) <= CATALOGUE_DATA, f"split these: {long}"


def test_the_numeric_core_imports_only_earlier_sections():
    for k, name in enumerate(SECTIONS):
        tree = ast.parse((PACKAGE / f"{name}.py").read_text(encoding="utf-8"))
        imported = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module is None
            for alias in node.names
        }
        imported |= {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module
        }
        later = imported & set(SECTIONS[k:])
        assert not later, f"{name} imports {later}, which come after it in the paper"
