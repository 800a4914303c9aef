r"""How far a result is from its reference, and the :class:`Verdict` a passed check returns.

Relative error (norm-wise, the one used everywhere here):

.. math:: \operatorname{rel}(a, e) = \frac{\|a - e\|_\infty}{\max(\|e\|_\infty,\ \text{realmin})}

with ``||.||_inf`` the largest absolute entry and ``realmin`` the smallest normal float64 (so an exact zero
reference demands an exact zero). ``a`` and ``e`` must have exactly the same shape. The two gradients of N_{c+} are
compared over the whole gradient vector instead (:func:`routes_disagreement`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

REALMIN = float(np.finfo(np.float64).tiny)


@dataclass(frozen=True)
class Verdict:
    r"""The outcome of a passed check; ``str()`` is the one-line verdict printed in the notebooks.

    Paper: Definition 1.2

    Construction itself asserts ``max_rel_error <= tolerance`` (NaN fails), so a ``✓`` cannot describe a failure.
    ``detail`` replaces the error part of the line for checks that are not about a numeric error
    (e.g. :func:`check_raises`); only verdicts without it carry a measured error (:attr:`is_numeric`).
    ``document`` says whose statement it is: ``"mathdnn"`` (the paper), ``"borasi-notes"`` or
    ``"cuchiero-lecture"`` (see :mod:`mathdnn_core.paper`), so that the notes' Proposition 1.2 is not the paper's.
    """

    statement: str
    what: str
    max_rel_error: float
    tolerance: float
    n_cases: int
    detail: str | None = None
    document: str = "mathdnn"

    def __post_init__(self):
        if not (self.max_rel_error <= self.tolerance):  # also False for NaN
            raise AssertionError(
                f"{self.label} NOT verified — {self.what}: max rel. error "
                f"{self.max_rel_error:.3e} > tolerance {self.tolerance:g}"
            )
        if self.n_cases < 1:
            raise AssertionError(f"{self.label} NOT verified — {self.what}: no case was checked")

    @property
    def label(self) -> str:
        """The statement, with its document when it is not the paper: ``"Proposition 1.2 [borasi-notes]"``.

        Paper: Definition 1.2
        """
        return _label(self.statement, self.document)

    @property
    def is_numeric(self) -> bool:
        """True when the verdict carries a measured error (not a refutation, a raise, an identity or a floor).

        Paper: Definition 1.2
        """
        return self.detail is None

    def __str__(self) -> str:
        # The measured error is left out on purpose: its last digits depend on the CPU's SIMD and BLAS kernels,
        # and notebooks compare this line exactly (nbval). ``measured`` gives the number.
        cases = f"{self.n_cases} case{'s' if self.n_cases != 1 else ''}"
        body = self.detail if self.detail is not None else f"max rel. error ≤ {self.tolerance:g}"
        return f"✓ {self.label} — {self.what} ({cases}): {body}"

    @property
    def measured(self) -> str:
        """The line with the measured error, for output that is not compared between machines.

        Paper: Definition 1.2
        """
        if not self.is_numeric:
            raise ValueError(f"{self.label} — {self.what}: this verdict is not a measured error ({self.detail})")
        return f"{self.label} — {self.what}: max rel. error {self.max_rel_error:.2e} (tolerance {self.tolerance:g})"


def _label(statement: str, document: str) -> str:
    return statement if document == "mathdnn" else f"{statement} [{document}]"


# ----------------------------------------------------------------------------------------------------------------
def _leaves(x) -> list[np.ndarray]:
    """Arrays of a nested list/tuple structure (e.g. a list of ``(dW, db)``), in order."""
    if isinstance(x, (list, tuple)):
        return [leaf for item in x for leaf in _leaves(item)]
    return [np.asarray(x)]


def _structure(x):
    if isinstance(x, (list, tuple)):
        return tuple(_structure(item) for item in x)
    return np.shape(x)


def relative_error(actual, expected) -> float:
    r"""Norm-wise relative error ``||a - e||_inf / max(||e||_inf, realmin)``; shapes must match exactly.

    Paper: Definition 1.2

    Parameters
    ----------
    actual, expected : array-like of the same shape (no broadcasting), or nested lists/tuples of such arrays with
        the same structure, in which case the largest relative error over the leaves is returned.

    Returns
    -------
    float — ``inf`` if ``actual`` has a NaN or infinite entry; 0.0 for empty arrays.

    Raises
    ------
    AssertionError
        If the shapes (or structures) differ, or ``expected`` is not finite (a reference must be finite).
    """
    if isinstance(actual, (list, tuple)) or isinstance(expected, (list, tuple)):
        if _structure(actual) != _structure(expected):
            raise AssertionError(f"structures differ: actual {_structure(actual)} vs expected {_structure(expected)}")
        return max((relative_error(a, e) for a, e in zip(_leaves(actual), _leaves(expected))), default=0.0)
    a = np.asarray(actual)
    e = np.asarray(expected)
    if a.shape != e.shape:
        raise AssertionError(f"shapes differ: actual {a.shape} vs expected {e.shape} (nothing is broadcast)")
    if not (np.issubdtype(a.dtype, np.number) and np.issubdtype(e.dtype, np.number)):
        raise AssertionError(f"arrays must be numeric; got {a.dtype} and {e.dtype}")
    a = a.astype(np.float64)
    e = e.astype(np.float64)
    if not np.all(np.isfinite(e)):
        raise AssertionError("the expected (reference) value has NaN or infinite entries")
    if a.size == 0:
        return 0.0
    if not np.all(np.isfinite(a)):
        return math.inf
    return float(np.max(np.abs(a - e)) / max(float(np.max(np.abs(e))), REALMIN))


def loglog_slope(x, y) -> float:
    r"""Least-squares slope of ``log y`` against ``log x``: the order ``p`` when ``y ~ C x^p``.

    Paper: Definition 1.1

    Used to read off orders of convergence: the remainder of a first-order expansion is ``O(||h||^2)`` where the
    map is twice differentiable and only ``O(||h||)`` at a kink (Definition 1.1); forward and central differences
    have truncation orders 1 and 2 (Definition 1.2).

    Raises
    ------
    AssertionError
        If ``x`` and ``y`` are not 1-D of the same length >= 2, or hold an entry that is not finite and > 0
        (a logarithm is taken of each).
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape or x.size < 2:
        raise AssertionError(f"x and y must be 1-D of the same length >= 2; got shapes {x.shape} and {y.shape}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y)) and np.all(x > 0) and np.all(y > 0)):
        raise AssertionError("every x and y must be finite and > 0 (their logarithms are fitted)")
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def routes_disagreement(actual, expected) -> float:
    r"""How far two gradients of N_{c+} disagree, norm-wise over the whole gradient vector.

    Paper: Corollary of Definition 5.2

    .. math:: \frac{\|g_1 - g_2\|_2}{\|g_2\|_2},\qquad g = (W^{(1)}, b^{(1)}, \dots, W^{(p)}, b^{(p)})
              \text{ flattened}

    Over the whole vector rather than array by array: one array's gradient can be a cancelling sum of much larger
    terms (the first layer of a network with a width-1 layer, say), and its own relative difference then measures
    round-off relative to those terms, not a disagreement of the routes. 0 when both are exactly 0; ``inf`` when
    only the reference is 0 or ``actual`` is not finite. The two lists must have the same structure.
    """
    if _structure(actual) != _structure(expected):
        raise AssertionError(f"structures differ: {_structure(actual)} vs {_structure(expected)}")
    a = np.concatenate([np.ravel(x).astype(np.float64) for x in _leaves(actual)])
    e = np.concatenate([np.ravel(x).astype(np.float64) for x in _leaves(expected)])
    if not np.all(np.isfinite(e)):
        raise AssertionError("the expected (reference) gradient has NaN or infinite entries")
    if not np.all(np.isfinite(a)):
        return math.inf
    difference, reference = float(np.linalg.norm(a - e)), float(np.linalg.norm(e))
    if difference == 0.0:
        return 0.0
    return difference / reference if reference > 0 else math.inf
