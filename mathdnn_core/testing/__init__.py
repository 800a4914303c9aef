r"""The one definition of "verified", used by the tests **and** the notebooks.

Every ``check_*`` function either raises ``AssertionError`` — with a message naming the paper statement, the worst
case and its errors — or returns a :class:`Verdict`. A :class:`Verdict` cannot even be constructed with an error
above its tolerance, so its ``str()``, the ``✓`` line printed in the notebooks, only ever follows a passed check.

Relative error (norm-wise, the one used everywhere here):

.. math:: \operatorname{rel}(a, e) = \frac{\|a - e\|_\infty}{\max(\|e\|_\infty,\ \text{realmin})}

with ``||.||_inf`` the largest absolute entry and ``realmin`` the smallest normal float64 (so an exact zero
reference demands an exact zero). ``a`` and ``e`` must have exactly the same shape.

Modules: ``errors`` (:class:`Verdict`, :func:`relative_error`, :func:`routes_disagreement`, :func:`loglog_slope`),
``checks`` (every ``check_*``), ``points`` (:func:`random_points`, :func:`edge_points`). Every name below is
importable from ``mathdnn_core.testing`` itself.
"""

from __future__ import annotations

from .checks import (
    check_against_symbolic,
    check_at_least,
    check_close,
    check_conforms,
    check_finite_differences,
    check_gradient_routes,
    check_identity,
    check_raises,
    check_refuted,
    check_vjp,
)
from .errors import REALMIN, Verdict, loglog_slope, relative_error, routes_disagreement
from .points import edge_points, random_points

__all__ = [
    "Verdict",
    "relative_error",
    "check_close",
    "check_at_least",
    "check_identity",
    "check_refuted",
    "check_against_symbolic",
    "check_finite_differences",
    "check_vjp",
    "check_gradient_routes",
    "routes_disagreement",
    "check_raises",
    "check_conforms",
    "random_points",
    "edge_points",
    "loglog_slope",
    "REALMIN",
]
