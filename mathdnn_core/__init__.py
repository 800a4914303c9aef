r"""mathdnn_core — the mathematics of "MathDNN – A deep mathematical understanding of DNNs" as an exact NumPy package.

One module per section of the paper (arrows only point backwards):

``differentials`` §1, ``activations`` §2, ``losses`` §3, ``layers`` §4, ``network`` and ``backprop`` (its fast
kernel) §5, ``optim`` §6; ``symbolic`` (SymPy twins), ``testing`` (the checkers of tests and notebooks),
``paper`` (the catalogue of statements, errata and conventions of the three documents), ``notebook`` (what every
notebook needs); ``datasets``, ``training``, ``results``, ``experiment``, ``plots``; ``report_card`` (``mathdnn
verify``), ``verify`` (its quick self-check), ``cli``. The notes of seed 003: ``filtration`` and
``filtration_descent``; the lecture of seed 004: ``controlled_odes``, ``polynomial_fields``, ``lecture_networks``;
§6's softmax regression: ``softmax_regression``; the minibatch loop the last two share: ``minibatch_descent``.

Heavy modules (SymPy, matplotlib, data) are imported on first use: ``import mathdnn_core`` stays fast.
"""

from __future__ import annotations

import importlib

from . import activations, backprop, differentials, layers, losses, network, optim

__version__ = "0.1.0"

_LAZY = (
    "symbolic", "testing", "paper", "notebook", "datasets", "training", "results", "experiment", "plots",
    "report_card", "report_page", "verify", "cli", "filtration", "filtration_descent", "controlled_odes",
    "polynomial_fields", "lecture_networks", "softmax_regression", "minibatch_descent",
)  # fmt: skip
__all__ = ["activations", "backprop", "differentials", "layers", "losses", "network", "optim", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'mathdnn_core' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
