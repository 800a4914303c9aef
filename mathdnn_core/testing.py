r"""The one definition of "verified", used by the tests **and** the notebooks.

Every ``check_*`` function either raises ``AssertionError`` — with a message naming the paper statement, the worst
case and its errors — or returns a :class:`Verdict`. A :class:`Verdict` cannot even be constructed with an error
above its tolerance, so its ``str()``, the ``✓`` line printed in the notebooks, only ever follows a passed check.

Relative error (norm-wise, the one used everywhere here):

.. math:: \operatorname{rel}(a, e) = \frac{\|a - e\|_\infty}{\max(\|e\|_\infty,\ \text{realmin})}

with ``||.||_inf`` the largest absolute entry and ``realmin`` the smallest normal float64 (so an exact zero
reference demands an exact zero). ``a`` and ``e`` must have exactly the same shape.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from . import differentials, network

REALMIN = float(np.finfo(np.float64).tiny)

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
    "random_points",
    "edge_points",
    "loglog_slope",
    "REALMIN",
]


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


def _fail(label: str, what: str, error: float, tol: float, case: str) -> AssertionError:
    return AssertionError(f"{label} NOT verified — {what}: max rel. error {error:.3e} > tolerance {tol:g}\n{case}")


def _show(x) -> str:
    with np.printoptions(precision=17, threshold=60, linewidth=120):
        return repr(x) if not isinstance(x, np.ndarray) else np.array2string(x, separator=", ")


def _worst_of(
    cases: Iterable, compare: Callable, statement: str, what: str, tol: float, describe: Callable, document: str
) -> Verdict:
    """Run ``compare(case) -> (error, actual, expected)`` on every case; raise on the worst if it exceeds ``tol``."""
    worst, worst_case, n = -1.0, None, 0
    for index, case in enumerate(cases):
        try:
            error, actual, expected = compare(case)
        except AssertionError as exc:  # a shape mismatch or a non-finite reference: say which statement and case
            raise AssertionError(
                f"{_label(statement, document)} NOT verified — {what}: case {index}: {exc}\n{describe(case)}"
            ) from exc
        n += 1
        if not (error <= worst):  # NaN is the worst
            worst, worst_case = error, (index, case, actual, expected)
            if not (error <= tol):
                break  # a failure: report this case
    if n == 0:
        raise AssertionError(f"{_label(statement, document)} NOT verified — {what}: no case was given")
    if not (worst <= tol):
        index, case, actual, expected = worst_case
        raise _fail(
            _label(statement, document),
            what,
            worst,
            tol,
            f"case {index}: {describe(case)}\nactual:   {_show(actual)}\nexpected: {_show(expected)}",
        )
    return Verdict(statement, what, worst, tol, n, document=document)


# ----------------------------------------------------------------------------------------------------------------
def check_close(
    actual, expected, *, statement: str, what: str, tol: float = 1e-12, document: str = "mathdnn"
) -> Verdict:
    r"""Assert ``relative_error(actual, expected) <= tol`` for one comparison.

    Paper: Definition 1.2

    ``actual`` and ``expected`` may be arrays or nested lists/tuples of arrays (e.g. two gradient lists); the
    number of cases is the number of arrays compared.
    """
    error = relative_error(actual, expected)
    if not (error <= tol):
        label = _label(statement, document)
        raise _fail(label, what, error, tol, f"actual:   {_show(actual)}\nexpected: {_show(expected)}")
    return Verdict(statement, what, error, tol, len(_leaves(actual)), document=document)


def check_at_least(value, floor, *, statement: str, what: str, document: str = "mathdnn") -> Verdict:
    r"""Assert ``value >= floor`` (e.g. a measured order of convergence) and return the verdict.

    Paper: Definition 1.1

    The line printed names the floor, not the value, so it reads the same on every machine. A training accuracy
    is not a statement of the paper: notebooks report it with :func:`mathdnn_core.notebook.training_outcome`.
    """
    value, floor = float(value), float(floor)
    if not value >= floor:  # also False for NaN
        raise AssertionError(f"{_label(statement, document)} NOT verified — {what}: {value:.6g} < required {floor:g}")
    return Verdict(statement, what, 0.0, 0.0, 1, detail=f"≥ {floor:g}", document=document)


def check_identity(
    lhs,
    rhs,
    *,
    statement: str,
    what: str,
    given: Sequence = (),
    m_values: Sequence[int] = (2, 3, 4, 5),
    document: str = "mathdnn",
) -> Verdict:
    r"""Assert that SymPy proves ``lhs == rhs`` exactly, and return the verdict.

    Paper: Definition 1.2

    * Matrices (a concrete size): ``simplify(lhs - rhs)`` must be the zero matrix.
    * General-dimension expressions (``IndexedBase``/``KroneckerDelta``, a symbolic size ``m``):
      :func:`mathdnn_core.symbolic.general_identity_holds` must verify the identity for every size in
      ``m_values`` and every index value, under the hypotheses ``given`` (e.g. ``Eq(Sum(y*_k, (k, 1, m)), 1)``).
    """
    import sympy as sp

    from . import symbolic

    label = _label(statement, document)
    if isinstance(lhs, sp.MatrixBase) or isinstance(rhs, sp.MatrixBase):
        lhs, rhs = sp.Matrix(lhs), sp.Matrix(rhs)
        if lhs.shape != rhs.shape:
            raise AssertionError(f"{label} NOT verified — {what}: shapes {lhs.shape} and {rhs.shape} differ")
        if given:
            raise ValueError("check_identity: hypotheses (given) apply to general-dimension identities only")
        difference = sp.simplify(lhs - rhs)
        if not difference.is_zero_matrix:
            nonzero = [(i, j) for i in range(difference.rows) for j in range(difference.cols) if difference[i, j] != 0]
            raise AssertionError(
                f"{label} NOT verified — {what}: SymPy does not simplify lhs - rhs to 0; "
                f"{len(nonzero)} entries differ, e.g. at {nonzero[0]}: {difference[nonzero[0]]}"
            )
        detail = "exact (SymPy simplifies the difference to 0)"
        return Verdict(statement, what, 0.0, 0.0, lhs.rows * lhs.cols, detail=detail, document=document)
    details: dict = {}
    if not symbolic.general_identity_holds(lhs, rhs, m_values, given=given, details=details):
        failed = [m for m, ok in details.get("sizes", {}).items() if not ok]
        raise AssertionError(f"{label} NOT verified — {what}: the identity fails for m in {failed}")
    sizes = ", ".join(str(m) for m in m_values)
    proof = "proved in general dimension and " if details.get("general") else ""
    detail = f"exact: {proof}verified for m = {sizes} at every index"
    return Verdict(statement, what, 0.0, 0.0, len(m_values), detail=detail, document=document)


def check_refuted(
    check: Callable[[], object],
    *,
    statement: str,
    what: str,
    must_mention: tuple[str, ...],
    document: str = "mathdnn",
) -> Verdict:
    r"""Assert that a check **fails**, and fails for the stated reason: how an erratum is demonstrated.

    Paper: Definition 1.2

    ``check`` runs one of this module's checkers on the text's printed (wrong) form. If the checker raises
    ``AssertionError`` whose message contains every string of ``must_mention``, the printed form is refuted and a
    verdict is returned. If the checker passes, the erratum would be false; if it fails for another reason (a
    shape the cell built, say, where the erratum is about a value), nothing is refuted: both raise
    ``AssertionError``. ``must_mention`` is required and must name at least one reason, typically
    ``("max rel. error",)`` for a value or ``("does not simplify",)`` for a symbolic identity.
    """
    label = _label(statement, document)
    if isinstance(must_mention, str) or not must_mention or not all(isinstance(w, str) and w for w in must_mention):
        raise ValueError(
            f"{label}: {what} — must_mention must be a non-empty tuple of strings naming why the printed form "
            f"fails (e.g. ('max rel. error',)); got {must_mention!r}"
        )
    try:
        check()
    except AssertionError as failure:
        missing = [word for word in must_mention if word not in str(failure)]
        if missing:
            raise AssertionError(
                f"{label}: {what} — the check failed, but not for the expected reason "
                f"(its message lacks {missing}): {failure}"
            ) from failure
        reasons = ", ".join(repr(word) for word in must_mention)
        detail = f"refuted: the printed form fails the check ({reasons})"
        return Verdict(statement, what, 0.0, 0.0, 1, detail=detail, document=document)
    raise AssertionError(f"{label}: {what} — the printed form passed the check, so it is not an erratum")


def check_against_symbolic(
    numeric_fn: Callable,
    symbolic_fn: Callable,
    points: Sequence,
    *,
    statement: str,
    what: str,
    tol: float = 1e-12,
    document: str = "mathdnn",
) -> Verdict:
    r"""Compare the package with SymPy's exact value at every point.

    Paper: Definition 1.2

    Parameters
    ----------
    numeric_fn : callable ``point -> array`` — the :mod:`mathdnn_core` map under test
    symbolic_fn : callable ``point -> float64 array`` — the exact value rounded once, e.g. via
        :func:`mathdnn_core.symbolic.evaluate` or :func:`mathdnn_core.symbolic.exact_function`; same shape as
        ``numeric_fn``'s result
    points : sequence of inputs (anything both callables accept, e.g. arrays or tuples of arrays)
    tol : float
        Largest accepted :func:`relative_error`; ``1e-12`` for float64.
    """

    def compare(point):
        actual, expected = numeric_fn(point), symbolic_fn(point)
        return relative_error(actual, expected), actual, expected

    return _worst_of(points, compare, statement, what, tol, lambda p: f"input: {_show(p)}", document)


def check_finite_differences(
    f: Callable,
    jacobian: Callable,
    points: Sequence,
    *,
    statement: str,
    what: str,
    tol: float = 1e-6,
    document: str = "mathdnn",
) -> Verdict:
    r"""Compare an analytic Jacobian with central differences, the independent witness of Definition 1.2.

    Paper: Definition 1.2

    .. math:: \operatorname{rel}\big(\mathrm{FD}_f(a),\ \mathcal{J}_f(a)\big) \le \text{tol},\qquad
              \mathrm{FD}_f(a)_{:,j} = \frac{f(a + t e_j) - f(a - t e_j)}{2t}

    The finite differences come from :func:`mathdnn_core.differentials.numerical_jacobian` (central, error
    ``O(t^2)``), compared relative to the analytic Jacobian. Points must stay farther than the step ``t``
    (about ``6e-6 * max(1, |a_j|)``) from a kink such as ReLU's 0.

    Parameters
    ----------
    f : callable ``(n,) -> (m,)`` (a scalar result counts as ``m = 1``)
    jacobian : callable ``(n,) -> (m, n)``
    points : sequence of 1-D arrays
    """

    def compare(point):
        point = np.asarray(point, dtype=np.float64)
        analytic = np.asarray(jacobian(point), dtype=np.float64)
        fd = differentials.numerical_jacobian(f, point, method="central")
        if analytic.shape != fd.shape and analytic.size == fd.size and analytic.ndim == 1:
            analytic = analytic.reshape(fd.shape)  # a gradient row (n,) of a scalar map is the (1, n) Jacobian
        return relative_error(fd, analytic), fd, analytic

    return _worst_of(points, compare, statement, what, tol, lambda p: f"input: {_show(p)} (actual = FD)", document)


def check_vjp(
    jacobian_fn: Callable,
    vjp_fn: Callable,
    points: Sequence,
    cotangents: Sequence,
    *,
    statement: str,
    what: str,
    tol: float = 1e-12,
    document: str = "mathdnn",
) -> Verdict:
    r"""Compare a vector-Jacobian product with ``v`` times the full Jacobian, point by point.

    Paper: Proposition 5.1, Proposition 5.2

    .. math:: \operatorname{vjp}(a, v) = v\, \mathcal{J}_f(a)

    Parameters
    ----------
    jacobian_fn : callable ``point -> (m, n)``
    vjp_fn : callable ``(point, v) -> (n,)``
    points, cotangents : sequences of the same length; ``cotangents[k]`` has shape ``(m,)``
    """
    points, cotangents = list(points), list(cotangents)
    if len(points) != len(cotangents):
        raise AssertionError(f"{_label(statement, document)}: {len(points)} points but {len(cotangents)} cotangents")

    def compare(case):
        point, v = case
        expected = np.asarray(v, dtype=np.float64) @ np.asarray(jacobian_fn(point), dtype=np.float64)
        actual = vjp_fn(point, v)
        return relative_error(actual, expected), actual, expected

    def describe(case):
        return f"input: {_show(case[0])}\ncotangent v: {_show(case[1])}"

    return _worst_of(list(zip(points, cotangents)), compare, statement, what, tol, describe, document)


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


def check_gradient_routes(X, Y, params, *, tol: float = 1e-12, document: str = "mathdnn") -> Verdict:
    r"""The two gradient routes of :func:`mathdnn_core.network.gradients` agree: back-propagation vs Jacobians.

    Paper: Corollary of Definition 5.2

    Back-propagation (Propositions 5.1–5.3, batched) against the literal chain of full Jacobian matrices
    (Propositions 2.1, 2.2, 3.1, 4.1–4.3 and Theorem 1.3): :func:`routes_disagreement` over every ``dW^(k)`` and
    ``db^(k)`` together must be ``<= tol``. This is the one definition of "the two routes agree" used by the
    tests, the notebooks and ``mathdnn verify``.
    """
    statement = "Corollary of Definition 5.2"
    backprop = network.gradients(X, Y, params, method="backprop")
    literal = network.gradients(X, Y, params, method="jacobian")
    sizes = network.layer_sizes(params)
    what = f"backprop vs Jacobian-chain gradients, sizes {sizes}, {np.shape(X)[0]} samples"
    error = routes_disagreement(backprop, literal)
    if not (error <= tol):
        worst = max(
            (
                (f"{name}^({k})", a, e)
                for k, (pb, pj) in enumerate(zip(backprop, literal), start=1)
                for name, a, e in (("dW", pb[0], pj[0]), ("db", pb[1], pj[1]))
            ),
            key=lambda item: float(np.max(np.abs(np.asarray(item[1], float) - item[2]))),
        )
        name, a, e = worst
        label = _label(statement, document)
        raise _fail(
            label, what, error, tol, f"largest difference in {name}\nbackprop: {_show(a)}\njacobian: {_show(e)}"
        )
    return Verdict(statement, what, error, tol, 2 * len(backprop), document=document)


def check_raises(
    fn: Callable[[], object],
    exc_type: type[BaseException] | tuple,
    *,
    must_mention: tuple[str, ...] = (),
    statement: str,
    document: str = "mathdnn",
) -> Verdict:
    r"""Assert that ``fn()`` raises ``exc_type`` with a message naming ``statement`` and every ``must_mention``.

    Paper: Definition 1.2

    Bad input must fail loudly and say why: the message has to contain the statement (e.g. ``"Definition 3.1"``)
    and each string of ``must_mention`` (e.g. the expected shape ``"(3,)"`` or the domain ``"]0,1["``).
    Case-sensitive substring matching.
    """
    expected_name = getattr(exc_type, "__name__", None) or " or ".join(t.__name__ for t in exc_type)
    what = f"bad input raises {expected_name}"
    label = _label(statement, document)
    try:
        fn()
    except exc_type as exc:
        message = str(exc)
        missing = [s for s in (statement, *must_mention) if s not in message]
        if missing:
            raise AssertionError(
                f"{label} NOT verified — {what}: the message does not mention {missing}\nmessage: {message!r}"
            ) from exc
        mentions = ", ".join(repr(s) for s in (statement, *must_mention))
        return Verdict(statement, what, 0.0, 0.0, 1, detail=f"message names {mentions}", document=document)
    except BaseException as exc:
        raise AssertionError(f"{label} NOT verified — {what}: got {type(exc).__name__} instead: {exc}") from exc
    raise AssertionError(f"{label} NOT verified — {what}: nothing was raised")


# ----------------------------------------------------------------------------------------------------------------
def random_points(
    rng: np.random.Generator, shape: tuple[int, ...] | int, n: int, scale: float = 1.0
) -> list[np.ndarray]:
    r"""``n`` independent float64 arrays of ``shape`` with entries ``scale * N(0, 1)``.

    Paper: Definition 1.2

    Seeded by ``rng`` only. Continuous draws never hit ReLU's kink at 0 exactly, yet some may fall within a
    finite-difference step of it; filter with ``np.min(np.abs(p)) > 1e-3`` where that matters.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator; got {type(rng).__name__}")
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    return [scale * rng.standard_normal(shape) for _ in range(int(n))]


def edge_points(m: int) -> list[np.ndarray]:
    r"""Edge-case vectors of length ``m`` (float64) for the maps of §2–§5.

    Paper: Assumption 1, Definition 2.2

    In order: all zeros; exactly one zero among non-zeros (ReLU's kink, Assumption 1); all equal (Softmax's
    uniform point); logits ``±1e4`` (Softmax overflow); tiny ``1e-300`` entries (subnormal range); one dominant
    logit (a probability underflows to 0 in float64); integers with ties.
    """
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 1:
        raise ValueError(f"m must be a positive integer; got {m!r}")
    k = np.arange(m, dtype=np.float64)
    one_zero = np.where(k % 2 == 0, -(k + 1.5), k + 0.5)
    one_zero[m // 2] = 0.0
    points = [
        np.zeros(m),
        one_zero,
        np.full(m, 3.25),
        np.where(k % 2 == 0, 1e4, -1e4) + k,
        np.full(m, 1e-300) * (k + 1) * np.where(k % 2 == 0, 1, -1),
        np.concatenate([[800.0], -k[1:]]),
        np.floor(k / 2) - 1,
    ]
    return [p.astype(np.float64) for p in points]
