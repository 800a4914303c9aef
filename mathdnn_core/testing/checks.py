r"""Every ``check_*``: each either raises ``AssertionError`` — naming the paper statement, the worst case and its
errors — or returns a :class:`~mathdnn_core.testing.errors.Verdict`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np

from .. import differentials, network
from .errors import Verdict, _label, _leaves, relative_error, routes_disagreement


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

    from .. import symbolic

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


def check_conforms(fn: Callable[[], object], *, statement: str, what: str, document: str = "mathdnn") -> Verdict:
    r"""Assert that a computation with given shapes goes through: its products conform and nothing is refused.

    Paper: Notation 2

    The check of a *shape*: ``fn()`` uses the arrays as a statement shapes them (say, the weights of a network in
    the shapes a definition prints) and must return without a shape error. ``ValueError`` — what NumPy raises for a
    product that does not conform, and what the package raises for an array of the wrong shape — becomes an
    ``AssertionError`` saying that the shapes do not conform, with NumPy's or the package's reason. Refuting it
    (``check_refuted(..., must_mention=("do not conform",))``) shows what goes wrong when a printed shape is used.
    """
    label = _label(statement, document)
    try:
        fn()
    except ValueError as exc:
        raise AssertionError(f"{label} NOT verified — {what}: the shapes do not conform ({exc})") from exc
    return Verdict(statement, what, 0.0, 0.0, 1, detail="the shapes conform", document=document)
