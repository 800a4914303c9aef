r"""SymPy twins of the maps of §2–§5: exact values and Jacobians *derived* by SymPy, never typed in.

Two forms of every statement:

**Concrete size.** Matrices of named real symbols of a small size (rows are vectors, as in the paper: a vector is a
``1 x m`` matrix). The value of a map is built from its definition; its Jacobian comes from ``Matrix.jacobian`` and
is compared with the paper's formula, which a ``*_paper`` function types in separately. :func:`evaluate` turns an
expression into the exact reference value at a numeric point (exact rational substitution, then 30 significant
digits), against which :mod:`mathdnn_core` is checked.

**General dimension.** ``IndexedBase``/``Idx``/``KroneckerDelta``/``Sum`` with a symbolic size ``m``: each
``*_entry_general`` function differentiates the entry ``f_i`` with respect to the variable ``x_j`` and returns a
:class:`GeneralEntry` holding the raw derivative, the simplified one and the paper's formula;
:func:`general_identity_holds` checks such an identity in general (``simplify``) and for several concrete ``m``.

Convention for ReLU (Assumption 1): ``max(0, .)'(0) = 0``. SymPy differentiates ``Max(0, x)`` to ``Heaviside(x)``
whose value at 0 is **1/2** unless written ``Heaviside(x, 0)``; :func:`apply_assumption_1` replaces every
``Heaviside`` by the indicator ``Piecewise((1, x > 0), (0, True))`` of :func:`relu_derivative_expr`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import sympy as sp
from sympy.core.evalf import PrecisionExhausted
from sympy.matrices import MatrixBase
from sympy.printing.latex import LatexPrinter
from sympy.simplify.simplify import factor_sum

Upstream = Callable[[sp.MatrixBase], sp.Expr]

__all__ = [
    "symbols_vector",
    "symbols_matrix",
    "evaluate",
    "to_latex",
    "relu_expr",
    "relu_derivative_expr",
    "apply_assumption_1",
    "relu_jacobian_expr",
    "relu_jacobian_paper",
    "softmax_expr",
    "softmax_jacobian_expr",
    "softmax_jacobian_paper",
    "cross_entropy_expr",
    "cross_entropy_gradient_expr",
    "cross_entropy_gradient_paper",
    "softmax_cross_entropy_gradient_expr",
    "softmax_cross_entropy_gradient_paper",
    "dense_expr",
    "dense_jacobian_input_expr",
    "dense_jacobian_input_paper",
    "dense_jacobian_weight_row_expr",
    "dense_jacobian_weight_row_paper",
    "dense_jacobian_bias_expr",
    "dense_jacobian_bias_paper",
    "generic_upstream",
    "linear_upstream",
    "relu_upstream_gradient_expr",
    "relu_upstream_gradient_paper",
    "dense_upstream_weight_row_gradient_expr",
    "dense_upstream_weight_row_gradient_paper",
    "relu_vjp_expr",
    "softmax_vjp_expr",
    "dense_vjp_expr",
    "SymbolicNetwork",
    "network_expr",
    "objective_gradient_expr",
    "evaluate_gradients",
    "GeneralEntry",
    "softmax_entry_general",
    "relu_jacobian_entry_general",
    "softmax_jacobian_entry_general",
    "cross_entropy_gradient_entry_general",
    "dense_jacobian_input_entry_general",
    "dense_jacobian_weight_row_entry_general",
    "dense_jacobian_bias_entry_general",
    "softmax_cross_entropy_gradient_entry_general",
    "general_identity_holds",
    "softmax_notation",
]


# ================================================================================================================
# Symbols, exact evaluation, printing
# ================================================================================================================
def _positive_int(value, name: str, statement: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer ({statement}); got {value!r}")
    return int(value)


def symbols_vector(name: str, m: int, **assumptions) -> sp.ImmutableMatrix:
    r"""A row vector ``[name_1 ... name_m]`` of real symbols: a vector is a ``1 x m`` matrix.

    Paper: Notation 1

    Parameters
    ----------
    name : str
        Base name; entry ``k`` (1-based, as in the paper) is the symbol ``f"{name}_{k}"``.
    m : int
        Length.
    **assumptions
        SymPy assumptions; default ``real=True``. Pass ``positive=True`` for probabilities (Definition 3.1).

    Returns
    -------
    sympy.ImmutableMatrix, shape (1, m)
    """
    m = _positive_int(m, "m", "Notation 1")
    assumptions = assumptions or {"real": True}
    return sp.ImmutableMatrix(1, m, [sp.Symbol(f"{name}_{k}", **assumptions) for k in range(1, m + 1)])


def symbols_matrix(name: str, rows: int, cols: int, **assumptions) -> sp.ImmutableMatrix:
    r"""A ``rows x cols`` matrix of real symbols ``name_{i,j}`` (1-based), e.g. the weights ``W`` of Definition 4.1.

    Paper: Notation 1

    Returns
    -------
    sympy.ImmutableMatrix, shape (rows, cols); entry ``(i, j)`` is the symbol ``f"{name}_{i+1},{j+1}"``
    """
    rows = _positive_int(rows, "rows", "Notation 1")
    cols = _positive_int(cols, "cols", "Notation 1")
    assumptions = assumptions or {"real": True}
    return sp.ImmutableMatrix(
        rows,
        cols,
        [sp.Symbol(f"{name}_{i},{j}", **assumptions) for i in range(1, rows + 1) for j in range(1, cols + 1)],
    )


def _exact_number(value) -> sp.Rational:
    """A finite float as the exact rational it represents (a binary float is a rational number)."""
    if isinstance(value, (sp.Basic,)):
        return value
    x = float(value)
    if not np.isfinite(x):
        raise ValueError(f"cannot substitute {value!r}: NaN or infinite values have no exact value (Definition 1.2)")
    return sp.Rational(x)


def _substitutions(subs: Mapping) -> dict:
    """``{Symbol: number}`` from a mapping whose keys are symbols or matrices of symbols and values numbers/arrays."""
    reps = {}
    for key, value in subs.items():
        if isinstance(key, MatrixBase):
            # Any layout with the right number of entries, read row by row: (m,), (1, m) and (m, n) alike.
            flat = list(value) if isinstance(value, MatrixBase) else list(np.ravel(np.asarray(value, np.float64)))
            if len(flat) != len(key):
                raise ValueError(
                    f"value for a {key.shape} matrix of symbols has shape {np.shape(value)}, "
                    f"{len(flat)} entries instead of {len(key)} (Notation 1)"
                )
            for sym, val in zip(key, flat):
                reps[sym] = _exact_number(val)
        else:
            reps[key] = _exact_number(value)
    return reps


_MAXN = (100, 2_000, 20_000)  # working precisions (digits) tried in turn by _exact_float


def _exact_float(expr: sp.Expr, digits: int) -> float:
    """``expr`` (numbers only) to ``digits`` certified digits, rounded once to float64.

    ``evalf(strict=True)`` raises instead of returning a number whose digits are not all right (catastrophic
    cancellation, e.g. ``S_1 (1 - S_1)`` at logits ``(1e4, -1e4)``, needs thousands of working digits); the working
    precision is then raised. An expression that is exactly 0 but not recognised as such is settled by ``equals``.
    """
    if expr.free_symbols:
        raise ValueError(
            f"expression still contains the symbols {sorted(map(str, expr.free_symbols))} after "
            f"substitution: give a value for each (Definition 1.2)"
        )
    for maxn in _MAXN:
        try:
            return _to_float(sp.N(expr, digits, strict=True, maxn=maxn))
        except PrecisionExhausted:
            continue
    if expr.equals(0):
        return 0.0
    raise ValueError(
        f"could not evaluate {expr} to {digits} certain digits with {_MAXN[-1]} working digits (Definition 1.2)"
    )


def _to_float(value: sp.Expr) -> float:
    try:
        return float(value)
    except TypeError:
        raise ValueError(f"expression is not a real number at this point: {value}") from None


def evaluate(expr, subs: Mapping, *, digits: int = 30, shape: tuple[int, ...] | None = None) -> np.ndarray:
    r"""The exact value of ``expr`` at a numeric point, rounded once to float64: the reference of every check.

    Paper: Definition 1.2

    Each float of ``subs`` is substituted as the **exact rational** it represents, the expression is evaluated
    with ``digits`` significant digits (``sympy.N`` with ``strict=True``: the working precision is raised — up to
    20,000 digits — until every digit is certified, e.g. through the cancellation in ``S_1 (1 - S_1)`` at logits
    ``(1e4, -1e4)``; uncertifiable values raise ``ValueError``) and only then rounded to float64. Nothing is
    computed in floating point on the way, so the result is the exact value up to one final rounding — unlike
    ``lambdify``, which would redo the float computation.
    ``Max``, ``Piecewise`` and ``Heaviside`` are decided exactly on the rational point (a pre-activation that is
    exactly 0 is seen as 0).

    Parameters
    ----------
    expr : sympy expression or Matrix
    subs : mapping
        Keys are symbols or matrices of symbols; values are numbers or arrays with as many entries.
    digits : int
        Significant digits of the evaluation before rounding to float64.
    shape : tuple, optional
        Reshape the result (e.g. ``(m,)`` for a ``1 x m`` row).

    Returns
    -------
    ndarray, float64, shape of ``expr`` (``()`` for a scalar) or ``shape``
    """
    reps = _substitutions(subs)
    if isinstance(expr, MatrixBase):
        out = np.array([_exact_float(e.xreplace(reps), digits) for e in expr], dtype=np.float64).reshape(expr.shape)
    else:
        out = np.array(_exact_float(sp.sympify(expr).xreplace(reps), digits), dtype=np.float64)
    return out.reshape(shape) if shape is not None else out


class _IndexLatexPrinter(LatexPrinter):
    """Prints an ``Idx`` by its name only (SymPy would append its range)."""

    def _print_Idx(self, expr):
        return self._print(expr.label)


def to_latex(expr, **settings) -> str:
    r"""LaTeX of an expression, printing the indices ``i, j, k`` without their ranges (notebook display).

    Paper: Notation 1
    """
    return _IndexLatexPrinter(settings).doprint(expr)


# ================================================================================================================
# §2 Activation functions
# ================================================================================================================
def _row(v, name: str, statement: str) -> sp.ImmutableMatrix:
    v = sp.ImmutableMatrix(v)
    if v.rows != 1:
        raise ValueError(f"{name} must be a row vector, a 1 x m matrix ({statement}, Convention 2); got {v.shape}")
    return v


def relu_expr(z) -> sp.ImmutableMatrix:
    r"""ReLU of a row of expressions, entry by entry, with ``sympy.Max``.

    Paper: Definition 2.1

    .. math:: \mathcal{R}(z) = [\max(0, z_1) \;\cdots\; \max(0, z_m)]
    """
    return sp.ImmutableMatrix(sp.Matrix(z).applyfunc(lambda e: sp.Max(0, e)))


def relu_derivative_expr(x) -> sp.Expr:
    r"""The derivative of ``max(0, .)`` under Assumption 1: the indicator of ``]0, +inf[``, 0 at 0.

    Paper: Assumption 1

    .. math:: \max(0,\cdot)'(x) = \mathbb{1}_{\mathbb{R}^{+*}}(x)

    Returns ``Piecewise((1, x > 0), (0, True))``, which is ``Heaviside(x, 0)`` — not SymPy's ``Heaviside(x)``,
    whose value at 0 is 1/2.
    """
    return sp.Piecewise((1, sp.sympify(x) > 0), (0, True))


def apply_assumption_1(expr):
    r"""Replace every ``Heaviside(x)`` or ``Heaviside(x, h)`` by the indicator of Assumption 1 (value 0 at 0).

    Paper: Assumption 1

    SymPy's derivative of ``Max(0, x)`` is ``Heaviside(x)`` and ``Heaviside(0) == 1/2``; the paper takes
    ``max(0, .)'(0) = 0``, i.e. ``Heaviside(x, 0)``. Works on expressions and matrices.
    """
    return expr.replace(sp.Heaviside, lambda *args: relu_derivative_expr(args[0]))


def relu_jacobian_expr(z) -> sp.ImmutableMatrix:
    r"""Jacobian of ReLU derived by SymPy (``Matrix.jacobian``), with Assumption 1 applied to ``Heaviside``.

    Paper: Proposition 2.1

    Parameters
    ----------
    z : 1 x m Matrix of symbols

    Returns
    -------
    ImmutableMatrix (m, m)
    """
    z = _row(z, "z", "Proposition 2.1")
    return sp.ImmutableMatrix(apply_assumption_1(relu_expr(z).jacobian(z)))


def relu_jacobian_paper(z) -> sp.ImmutableMatrix:
    r"""The Jacobian of ReLU as the paper writes it: ``diag(1(z_1 > 0), ..., 1(z_m > 0))``.

    Paper: Proposition 2.1
    """
    z = _row(z, "z", "Proposition 2.1")
    return sp.ImmutableMatrix(sp.diag(*[relu_derivative_expr(e) for e in z]))


def softmax_expr(z) -> sp.ImmutableMatrix:
    r"""Softmax of a row of expressions, straight from the definition.

    Paper: Definition 2.2

    .. math:: \mathcal{S}(z)_i = \frac{e^{z_i}}{\sum_{k=1}^m e^{z_k}}
    """
    z = _row(z, "z", "Definition 2.2")
    total = sp.Add(*[sp.exp(e) for e in z])
    return sp.ImmutableMatrix(1, z.cols, [sp.exp(e) / total for e in z])


def softmax_jacobian_expr(z) -> sp.ImmutableMatrix:
    r"""Jacobian of Softmax derived by SymPy from :func:`softmax_expr` (``Matrix.jacobian``), not typed in.

    Paper: Proposition 2.2

    Returns
    -------
    ImmutableMatrix (m, m), entry ``(i, j)`` = ``d S_i / d z_j``
    """
    z = _row(z, "z", "Proposition 2.2")
    return sp.ImmutableMatrix(softmax_expr(z).jacobian(z))


def softmax_jacobian_paper(z) -> sp.ImmutableMatrix:
    r"""The Jacobian of Softmax as the paper prints it: ``S_i (1 - S_i)`` on the diagonal, ``-S_i S_j`` elsewhere.

    Paper: Proposition 2.2

    .. math:: \mathcal{J}_{\mathcal{S}}(z)_{i,j} = \mathcal{S}_i(z)\,(\delta_{i,j} - \mathcal{S}_j(z))
    """
    s = softmax_expr(_row(z, "z", "Proposition 2.2"))
    m = s.cols
    return sp.ImmutableMatrix(m, m, lambda i, j: s[i] * (1 - s[i]) if i == j else -s[i] * s[j])


# ================================================================================================================
# §3 Loss
# ================================================================================================================
def _pair(y, y_star, statement: str):
    y, y_star = _row(y, "y", statement), _row(y_star, "y_star", statement)
    if y.shape != y_star.shape:
        raise ValueError(f"y and y_star must have the same shape ({statement}); got {y.shape} and {y_star.shape}")
    return y, y_star


def cross_entropy_expr(y, y_star) -> sp.Expr:
    r"""Categorical cross-entropy, straight from the definition.

    Paper: Definition 3.1

    .. math:: \xi(y, y^*) = -\sum_{k=1}^m y^*_k \log(y_k)
    """
    y, y_star = _pair(y, y_star, "Definition 3.1")
    return -sp.Add(*[t * sp.log(p) for p, t in zip(y, y_star)])


def cross_entropy_gradient_expr(y, y_star) -> sp.ImmutableMatrix:
    r"""Gradient of ``xi(., y*)`` derived by SymPy (``Matrix.jacobian`` of the ``1 x 1`` matrix ``[xi]``).

    Paper: Proposition 3.1

    Returns
    -------
    ImmutableMatrix (1, m) — a row of ``m`` entries (the paper prints the codomain as R)
    """
    y, y_star = _pair(y, y_star, "Proposition 3.1")
    return sp.ImmutableMatrix(sp.Matrix([cross_entropy_expr(y, y_star)]).jacobian(y))


def cross_entropy_gradient_paper(y, y_star) -> sp.ImmutableMatrix:
    r"""The paper's gradient of the cross-entropy: ``-[y*_1 / y_1 ... y*_m / y_m]``.

    Paper: Proposition 3.1
    """
    y, y_star = _pair(y, y_star, "Proposition 3.1")
    return sp.ImmutableMatrix(1, y.cols, [-t / p for p, t in zip(y, y_star)])


def _affine_normal_form(expr, variables: Sequence[sp.Symbol], simplify: Callable) -> sp.Expr:
    """``c_0 + sum_l c_l v_l`` with every coefficient simplified; ``expr`` must be affine in ``variables``."""
    const = simplify(expr.xreplace({v: 0 for v in variables}))
    coeffs = [simplify(sp.diff(expr, v)) for v in variables]
    if any(c.has(*variables) for c in coeffs):
        raise ValueError("expression is not affine in the given variables")
    return const + sp.Add(*[c * v for c, v in zip(coeffs, variables)])


def softmax_cross_entropy_gradient_expr(z, y_star, *, use_sum_to_one: bool = True) -> sp.ImmutableMatrix:
    r"""Gradient of ``xi(S(z), y*)`` with respect to the logits, derived by SymPy, simplified with ``sum y* = 1``.

    Paper: Proposition 5.3

    SymPy differentiates ``xi(., y*) ∘ S`` (``Matrix.jacobian``); the raw result is
    ``S_j(z) * sum_k y*_k - y*_j``. With ``use_sum_to_one=True`` (the hypothesis ``||y*|| = 1``, i.e.
    ``sum_k y*_k = 1``) entry ``j`` is rewritten by eliminating one target coordinate ``y*_l = 1 - sum_{k != l} y*_k``
    with ``l != j`` and collecting the result as an affine function of the remaining targets: SymPy then gives
    exactly ``S_j(z) - y*_j``. The raw result is returned with ``use_sum_to_one=False``.

    Parameters
    ----------
    z : 1 x m Matrix of symbols (logits)
    y_star : 1 x m Matrix of symbols (targets)

    Returns
    -------
    ImmutableMatrix (1, m)
    """
    z, y_star = _pair(z, y_star, "Proposition 5.3")
    m = z.cols
    raw = sp.Matrix([cross_entropy_expr(softmax_expr(z), y_star)]).jacobian(z)
    # z_k = log(u_k) with u_k > 0 turns the exponentials into a rational function: fast, exact simplification.
    u = [sp.Dummy(f"u{k}", positive=True) for k in range(m)]
    to_u = {zk: sp.log(uk) for zk, uk in zip(z, u)}
    back = {uk: sp.exp(zk) for zk, uk in zip(z, u)}
    if not use_sum_to_one:
        return sp.ImmutableMatrix(1, m, [sp.factor(sp.cancel(e.xreplace(to_u))).xreplace(back) for e in raw])
    entries = []
    for j in range(m):
        l = (j + 1) % m  # a coordinate other than j (for m = 1 there is none and the entry is 0 = S_1 - y*_1)
        eliminate = {y_star[l]: 1 - sp.Add(*[y_star[k] for k in range(m) if k != l])}
        e = sp.expand(raw[j].xreplace(to_u)).xreplace(eliminate)
        rest = [y_star[k] for k in range(m) if k != l]
        entries.append(_affine_normal_form(e, rest, sp.cancel).xreplace(back))
    return sp.ImmutableMatrix(1, m, entries)


def softmax_cross_entropy_gradient_paper(z, y_star) -> sp.ImmutableMatrix:
    r"""The paper's fused gradient ``S(z) - y*``.

    Paper: Proposition 5.3
    """
    z, y_star = _pair(z, y_star, "Proposition 5.3")
    return sp.ImmutableMatrix(softmax_expr(z) - y_star)


# ================================================================================================================
# §4 Layers
# ================================================================================================================
def _dense_args(y, W, b, statement: str):
    y, W, b = _row(y, "y", statement), sp.ImmutableMatrix(W), _row(b, "b", statement)
    if W.cols != y.cols or b.cols != W.rows:
        raise ValueError(
            f"shapes do not fit L(y, W, b) = y W^T + b ({statement}: y in R^n, W in M_(m,n), b in R^m);"
            f" got y {y.shape}, W {W.shape}, b {b.shape}"
        )
    return y, W, b


def dense_expr(y, W, b) -> sp.ImmutableMatrix:
    r"""The dense layer on a row of symbols.

    Paper: Definition 4.1

    .. math:: \mathbb{L}(y, W, b) = y W^T + b

    Parameters
    ----------
    y : 1 x n Matrix; W : m x n Matrix; b : 1 x m Matrix

    Returns
    -------
    ImmutableMatrix (1, m)
    """
    y, W, b = _dense_args(y, W, b, "Definition 4.1")
    return sp.ImmutableMatrix(y * W.T + b)


def dense_jacobian_input_expr(y, W, b) -> sp.ImmutableMatrix:
    r"""Jacobian of ``L(., W, b)`` at ``y``, derived by ``Matrix.jacobian``; the paper says it is ``W``.

    Paper: Proposition 4.1
    """
    y, W, b = _dense_args(y, W, b, "Proposition 4.1")
    return sp.ImmutableMatrix(dense_expr(y, W, b).jacobian(y))


def dense_jacobian_input_paper(y, W, b) -> sp.ImmutableMatrix:
    r"""The paper's Jacobian of ``L(., W, b)``: ``W`` itself.

    Paper: Proposition 4.1
    """
    return _dense_args(y, W, b, "Proposition 4.1")[1]


def _check_row(row, W, statement: str) -> int:
    if isinstance(row, bool) or not isinstance(row, (int, np.integer)) or not 0 <= row < W.rows:
        raise ValueError(
            f"row must be an integer in [0, {W.rows - 1}] ({statement}: i* in [1, m], 0-based here); got {row!r}"
        )
    return int(row)


def dense_jacobian_weight_row_expr(y, W, b, row: int) -> sp.ImmutableMatrix:
    r"""Jacobian of ``L`` with respect to the row ``W_{i*,:}``, derived by ``Matrix.jacobian``.

    Paper: Proposition 4.2

    ``row`` is 0-based (``i* - 1``), as in :func:`mathdnn_core.layers.dense_jacobian_weight_row`.

    Returns
    -------
    ImmutableMatrix (m, n)
    """
    y, W, b = _dense_args(y, W, b, "Proposition 4.2")
    row = _check_row(row, W, "Proposition 4.2")
    return sp.ImmutableMatrix(dense_expr(y, W, b).jacobian(W[row, :]))


def dense_jacobian_weight_row_paper(y, W, b, row: int) -> sp.ImmutableMatrix:
    r"""The paper's Jacobian with respect to ``W_{i*,:}``: ``y`` in row ``i*``, zeros elsewhere.

    Paper: Proposition 4.2
    """
    y, W, b = _dense_args(y, W, b, "Proposition 4.2")
    row = _check_row(row, W, "Proposition 4.2")
    return sp.ImmutableMatrix(W.rows, W.cols, lambda i, j: y[j] if i == row else 0)


def dense_jacobian_bias_expr(y, W, b) -> sp.ImmutableMatrix:
    r"""Jacobian of ``L(y, W, .)`` at ``b``, derived by ``Matrix.jacobian``; the paper says ``I_m``.

    Paper: Proposition 4.3
    """
    y, W, b = _dense_args(y, W, b, "Proposition 4.3")
    return sp.ImmutableMatrix(dense_expr(y, W, b).jacobian(b))


def dense_jacobian_bias_paper(y, W, b) -> sp.ImmutableMatrix:
    r"""The paper's Jacobian of ``L(y, W, .)``: the identity ``I_m``.

    Paper: Proposition 4.3
    """
    y, W, b = _dense_args(y, W, b, "Proposition 4.3")
    return sp.ImmutableMatrix(sp.eye(W.rows))


# ================================================================================================================
# §5.1 Upstream functions: Propositions 5.1, 5.2 and the VJPs
# ================================================================================================================
def generic_upstream(name: str = "F") -> Upstream:
    r"""An arbitrary differentiable upstream function ``F : R^m -> R`` as an undefined ``sympy.Function``.

    Paper: Proposition 5.1, Proposition 5.2

    Returns a callable mapping a ``1 x m`` row ``u`` to ``F(u_1, ..., u_m)``.
    """
    F = sp.Function(name, real=True)
    return lambda u: F(*list(u))


def linear_upstream(v) -> Upstream:
    r"""The upstream ``F(u) = u v^T`` whose gradient is ``v`` everywhere: composing with it gives the VJP ``v J``.

    Paper: Proposition 5.1, Proposition 5.2
    """
    v = _row(v, "v", "Proposition 5.1")
    return lambda u: (sp.Matrix(u) * v.T)[0, 0]


def _gradient(expr: sp.Expr, wrt) -> sp.ImmutableMatrix:
    return sp.ImmutableMatrix(sp.Matrix([expr]).jacobian(sp.Matrix(wrt)))


def _upstream_gradient_at(upstream: Upstream, point) -> sp.ImmutableMatrix:
    """``grad F`` evaluated at ``point``: differentiate in fresh symbols, then substitute."""
    u = sp.ImmutableMatrix(1, len(point), [sp.Dummy(f"u{k}", real=True) for k in range(1, len(point) + 1)])
    grad = _gradient(upstream(u), u)
    return sp.ImmutableMatrix(grad.subs(dict(zip(u, point)), simultaneous=True))


def relu_upstream_gradient_expr(z, upstream: Upstream | None = None) -> sp.ImmutableMatrix:
    r"""Gradient of ``F ∘ R`` derived by SymPy (Assumption 1 applied): the left side of Proposition 5.1.

    Paper: Proposition 5.1

    Parameters
    ----------
    z : 1 x m Matrix of symbols
    upstream : callable, optional
        ``F``, mapping a ``1 x m`` row to a scalar expression; default :func:`generic_upstream`.

    Returns
    -------
    ImmutableMatrix (1, m)
    """
    z = _row(z, "z", "Proposition 5.1")
    upstream = upstream or generic_upstream()
    return sp.ImmutableMatrix(apply_assumption_1(_gradient(upstream(relu_expr(z)), z)))


def relu_upstream_gradient_paper(z, upstream: Upstream | None = None) -> sp.ImmutableMatrix:
    r"""The paper's formula ``[grad F(y)_j * 1(z_j > 0)]_j`` with ``y = R(z)``.

    Paper: Proposition 5.1
    """
    z = _row(z, "z", "Proposition 5.1")
    upstream = upstream or generic_upstream()
    g = _upstream_gradient_at(upstream, list(relu_expr(z)))
    return sp.ImmutableMatrix(1, z.cols, [g[j] * relu_derivative_expr(z[j]) for j in range(z.cols)])


def dense_upstream_weight_row_gradient_expr(y, W, b, row: int, upstream: Upstream | None = None) -> sp.ImmutableMatrix:
    r"""Gradient of ``F ∘ L`` with respect to the row ``W_{i*,:}``, derived by SymPy: the left side of Prop. 5.2.

    Paper: Proposition 5.2

    Returns
    -------
    ImmutableMatrix (1, n)
    """
    y, W, b = _dense_args(y, W, b, "Proposition 5.2")
    row = _check_row(row, W, "Proposition 5.2")
    upstream = upstream or generic_upstream()
    return _gradient(upstream(dense_expr(y, W, b)), W[row, :])


def dense_upstream_weight_row_gradient_paper(y, W, b, row: int, upstream: Upstream | None = None) -> sp.ImmutableMatrix:
    r"""The paper's formula ``grad F(z)_{i*} * y`` with ``z = L(y, W, b)`` (the printed ``v`` is a typo for ``y``).

    Paper: Proposition 5.2
    """
    y, W, b = _dense_args(y, W, b, "Proposition 5.2")
    row = _check_row(row, W, "Proposition 5.2")
    upstream = upstream or generic_upstream()
    g = _upstream_gradient_at(upstream, list(dense_expr(y, W, b)))
    return sp.ImmutableMatrix(g[row] * y)


def relu_vjp_expr(z, v) -> sp.ImmutableMatrix:
    r"""``v J_R(z)`` derived as the gradient of ``u ↦ u v^T`` composed with ReLU (Assumption 1 applied).

    Paper: Proposition 5.1
    """
    return relu_upstream_gradient_expr(z, linear_upstream(v))


def softmax_vjp_expr(z, v) -> sp.ImmutableMatrix:
    r"""``v J_S(z)`` derived as the gradient of ``u ↦ u v^T`` composed with Softmax.

    Paper: Proposition 2.2
    """
    z = _row(z, "z", "Proposition 2.2")
    return _gradient(linear_upstream(v)(softmax_expr(z)), z)


def dense_vjp_expr(y, W, b, v) -> tuple[sp.ImmutableMatrix, sp.ImmutableMatrix, sp.ImmutableMatrix]:
    r"""The three VJPs of the dense layer at one example, derived as gradients of ``(u ↦ u v^T) ∘ L``.

    Paper: Proposition 5.2

    Returns
    -------
    (dy (1, n), dW (m, n), db (1, m)) — ``dW`` row ``i*`` is the gradient with respect to ``W_{i*,:}``
    (Notation 17: the row gradients stacked).
    """
    y, W, b = _dense_args(y, W, b, "Proposition 5.2")
    f = linear_upstream(v)(dense_expr(y, W, b))
    dW = sp.ImmutableMatrix(W.rows, W.cols, lambda i, j: sp.diff(f, W[i, j]))
    return _gradient(f, y), dW, _gradient(f, b)


# ================================================================================================================
# §5.2 The network N_{c+} and its objective
# ================================================================================================================
@dataclass(frozen=True, eq=False)
class SymbolicNetwork:
    r"""N_{c+} written out in named symbols for tiny sizes: inputs, targets, weights, every intermediate value.

    Paper: Definition 5.1, Definition 5.2

    Symbols: sample ``s`` has inputs ``x^(s)_j`` and targets ``y^*(s)_j``; layer ``k`` has weights
    ``W^(k)_i,j`` and biases ``b^(k)_i`` (all 1-based, LaTeX ``W^{(k)}_{i,j}``).
    """

    sizes: tuple[int, ...]
    X: sp.ImmutableMatrix  # (n, m_0)
    Y: sp.ImmutableMatrix  # (n, m_p)
    weights: tuple[sp.ImmutableMatrix, ...]  # W^(k), (m_k, m_{k-1})
    biases: tuple[sp.ImmutableMatrix, ...]  # b^(k), (1, m_k)
    preactivations: tuple[sp.ImmutableMatrix, ...]  # z^(k), (n, m_k)
    output: sp.ImmutableMatrix  # S(z^(p)), (n, m_p)
    objective: sp.Expr  # sum over samples of xi(output, y*)

    def substitutions(self, X, Y, params) -> dict:
        r"""The mapping symbol -> number for :func:`evaluate`, from numeric ``X``, ``Y`` and ``params``.

        Paper: Definition 5.2
        """
        X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
        if X.shape != self.X.shape or Y.shape != self.Y.shape or len(params) != len(self.weights):
            raise ValueError(
                f"X, Y must have shapes {self.X.shape}, {self.Y.shape} and params {len(self.weights)} "
                f"layers (Definition 5.2); got {X.shape}, {Y.shape}, {len(params)}"
            )
        subs = {self.X: X, self.Y: Y}
        for (W, b), Ws, bs in zip(params, self.weights, self.biases):
            if np.shape(W) != Ws.shape or np.size(b) != bs.cols:
                raise ValueError(
                    f"W must have shape {Ws.shape} and b {bs.cols} entries (Definition 5.1); "
                    f"got {np.shape(W)} and {np.shape(b)}"
                )
            subs[Ws], subs[bs] = W, b
        return subs


def network_expr(sizes: Sequence[int], n_samples: int = 1) -> SymbolicNetwork:
    r"""N_{c+} and its objective in named symbols: ReLU (``Max``) hidden layers, Softmax output, cross-entropy.

    Paper: Definition 5.1, Definition 5.2

    .. math:: \mathcal{O}_{c^+} = \sum_{s=1}^{n} \xi\big(\mathcal{N}_{c^+}(x^{(s)}, W, b), y^{*(s)}\big)

    Keep the sizes tiny (e.g. ``[2, 2, 2]``, two samples): the expressions grow with every layer.
    """
    sizes = [_positive_int(mk, "each width", "Definition 5.1") for mk in sizes]
    if len(sizes) < 2:
        raise ValueError(f"sizes must be [m_0, ..., m_p] with p >= 1 (Definition 5.1); got {sizes}")
    n = _positive_int(n_samples, "n_samples", "Definition 5.2")
    X = sp.ImmutableMatrix(
        n, sizes[0], [sp.Symbol(f"x^({s})_{j}", real=True) for s in range(1, n + 1) for j in range(1, sizes[0] + 1)]
    )
    Y = sp.ImmutableMatrix(
        n, sizes[-1], [sp.Symbol(f"y^*({s})_{j}", real=True) for s in range(1, n + 1) for j in range(1, sizes[-1] + 1)]
    )
    weights = tuple(
        symbols_matrix(f"W^({k})", m_out, m_in) for k, (m_in, m_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1)
    )
    biases = tuple(symbols_vector(f"b^({k})", m_out) for k, m_out in enumerate(sizes[1:], start=1))
    rows = [X[s, :] for s in range(n)]
    pre = []
    for k, (W, b) in enumerate(zip(weights, biases)):
        zs = [dense_expr(a, W, b) for a in rows]
        pre.append(sp.ImmutableMatrix.vstack(*zs))
        rows = [relu_expr(z) for z in zs] if k < len(weights) - 1 else zs
    outputs = [softmax_expr(z) for z in rows]
    objective = sp.Add(*[cross_entropy_expr(out, Y[s, :]) for s, out in enumerate(outputs)])
    return SymbolicNetwork(
        tuple(sizes), X, Y, weights, biases, tuple(pre), sp.ImmutableMatrix.vstack(*outputs), objective
    )


def objective_gradient_expr(net: SymbolicNetwork) -> list[tuple[sp.ImmutableMatrix, sp.ImmutableMatrix]]:
    r"""Gradient of the objective with respect to every weight and bias, by ``sympy.diff`` (Assumption 1 applied).

    Paper: Corollary of Definition 5.2

    Returns
    -------
    list of ``(dW (m_k, m_{k-1}), db (1, m_k))``, layer 1 first — the structure of
    :func:`mathdnn_core.network.gradients`.
    """
    grads = []
    for W, b in zip(net.weights, net.biases):
        dW = sp.ImmutableMatrix(W.rows, W.cols, lambda i, j: apply_assumption_1(sp.diff(net.objective, W[i, j])))
        db = sp.ImmutableMatrix(1, b.cols, lambda _, i: apply_assumption_1(sp.diff(net.objective, b[i])))
        grads.append((dW, db))
    return grads


def evaluate_gradients(net: SymbolicNetwork, grads, X, Y, params) -> list[tuple[np.ndarray, np.ndarray]]:
    r"""Exact values of :func:`objective_gradient_expr` at numeric ``X, Y, params``, shaped like ``params``.

    Paper: Corollary of Definition 5.2
    """
    subs = net.substitutions(X, Y, params)
    return [(evaluate(dW, subs), evaluate(db, subs, shape=(db.cols,))) for dW, db in grads]


# ================================================================================================================
# General dimension
# ================================================================================================================
_m = sp.Symbol("m", integer=True, positive=True)
_n = sp.Symbol("n", integer=True, positive=True)


def _idx(name: str, upper: sp.Symbol) -> sp.Idx:
    return sp.Idx(name, (1, upper))


@dataclass(frozen=True, eq=False)
class GeneralEntry:
    r"""One entry of a Jacobian in general dimension: what SymPy derived and what the paper states.

    Paper: Definition 1.2

    Attributes
    ----------
    statement : the paper statement, e.g. ``"Proposition 2.2"``
    lhs : the unevaluated derivative, e.g. ``Derivative(S_i, z_j)``
    raw : ``lhs.doit()`` — SymPy's derivative before any simplification
    derived : ``raw`` simplified (sums of Kronecker deltas done, range conditions dropped, hypotheses applied)
    paper : the paper's formula for the entry
    given : hypotheses of the statement used by ``derived`` (e.g. ``Eq(Sum(y*_k), 1)``)
    symbols : the symbols involved, by name (``"m"``, ``"i"``, ``"z"``, ...)
    """

    statement: str
    lhs: sp.Expr
    raw: sp.Expr
    derived: sp.Expr
    paper: sp.Expr
    given: tuple = ()
    symbols: dict = field(default_factory=dict)
    notation: sp.Expr | None = None  # ``derived`` in the paper's notation (``S_i`` for Softmax), for display only

    def holds(self, m_values: Iterable[int] = (2, 3, 4, 5)) -> bool:
        r"""Whether SymPy's derivative equals the paper's formula (:func:`general_identity_holds` on ``raw``).

        Paper: Definition 1.2
        """
        return general_identity_holds(self.raw, self.paper, m_values, given=self.given)

    def _repr_latex_(self) -> str:
        derived = self.derived if self.notation is None else sp.Eq(self.derived, self.notation, evaluate=False)
        return (
            f"$\\displaystyle {to_latex(self.lhs)} = {to_latex(derived)}"
            f"\\quad\\text{{({self.statement}: }}{to_latex(self.paper)}\\text{{)}}$"
        )


def _range_of(idx: sp.Idx):
    return idx.lower, idx.upper


def _drop_range_conditions(expr):
    """Replace by ``True`` every relation on one index that holds at both ends of the index's range."""

    def implied(rel) -> bool:
        idxs = [s for s in rel.free_symbols if isinstance(s, sp.Idx)]
        if len(idxs) != 1 or idxs[0].lower is None:
            return False
        lo, hi = _range_of(idxs[0])
        return all(rel.subs(idxs[0], end) is sp.true for end in (lo, hi))  # linear in the index: convex

    return expr.replace(lambda e: isinstance(e, sp.core.relational.Relational) and implied(e), lambda e: sp.true)


def _pull_out_constants(expr):
    """Move factors that do not depend on a sum's index out of that sum (SymPy's ``factor_sum``)."""
    return expr.replace(lambda e: isinstance(e, sp.Sum), lambda e: factor_sum(e))


def _apply_given(expr, given: Sequence[sp.Eq]):
    for eq in given:
        expr = expr.xreplace({eq.lhs: eq.rhs})
    return expr


def _simplify_with_sums(expr) -> sp.Expr:
    """``simplify`` with every remaining ``Sum`` frozen into a positive/real dummy (SymPy's sum_simplify can crash)."""
    sums = sorted(expr.atoms(sp.Sum), key=sp.default_sort_key)
    frozen = {s: sp.Dummy("S", positive=bool(s.is_positive), real=True) for s in sums}
    return sp.simplify(expr.xreplace(frozen)).xreplace({v: k for k, v in frozen.items()})


def _general_simplify(expr, given: Sequence[sp.Eq] = ()) -> sp.Expr:
    expr = apply_assumption_1(sp.sympify(expr).doit())
    expr = _drop_range_conditions(expr)
    expr = _pull_out_constants(expr)
    expr = _apply_given(expr, given)
    return _simplify_with_sums(expr)


def softmax_entry_general() -> sp.Expr:
    r"""The entry ``S_i(z)`` of Softmax in general dimension ``m``.

    Paper: Definition 2.2

    .. math:: \mathcal{S}_i(z) = \frac{e^{z_i}}{\sum_{l=1}^m e^{z_l}}
    """
    z = sp.IndexedBase("z", real=True)
    i, l = _idx("i", _m), _idx("l", _m)
    return sp.exp(z[i]) / sp.Sum(sp.exp(z[l]), (l, 1, _m))


def _entry(statement, lhs, paper, given=(), notation=None, **symbols) -> GeneralEntry:
    raw = lhs.doit()
    derived = _general_simplify(raw, given)
    shown = notation(derived) if notation is not None else None
    return GeneralEntry(statement, lhs, raw, derived, paper, tuple(given), symbols, shown)


def softmax_notation(expr, z: sp.IndexedBase, total: sp.Sum) -> sp.Expr:
    r"""Rewrite ``expr`` with ``S_a = exp(z_a) / total`` (display only): e.g. ``S_i (delta_ij - S_j)``.

    Paper: Definition 2.2

    Every ``exp(z_a)`` becomes ``S_a * total``; the totals then cancel. Raises ``ValueError`` if they do not.
    """
    S = sp.IndexedBase("S", real=True)
    T = sp.Dummy("T", positive=True)
    e = sp.sympify(expr).xreplace({total: T})
    e = e.replace(
        lambda x: isinstance(x, sp.exp) and isinstance(x.args[0], sp.Indexed) and x.args[0].base == z,
        lambda x: S[x.args[0].indices[0]] * T,
    )
    e = sp.factor(sp.cancel(e))
    if e.has(T) or e.has(z):
        raise ValueError(f"{expr} is not a function of the Softmax entries alone (Definition 2.2)")
    return e


def relu_jacobian_entry_general() -> GeneralEntry:
    r"""``d R_i / d z_j`` in general dimension, with Assumption 1: ``delta_ij * 1(z_i > 0)``.

    Paper: Proposition 2.1
    """
    z = sp.IndexedBase("z", real=True)
    i, j = _idx("i", _m), _idx("j", _m)
    paper = sp.KroneckerDelta(i, j) * relu_derivative_expr(z[i])
    return _entry("Proposition 2.1", sp.Derivative(sp.Max(0, z[i]), z[j]), paper, m=_m, i=i, j=j, z=z)


def softmax_jacobian_entry_general() -> GeneralEntry:
    r"""``d S_i / d z_j`` in general dimension: SymPy's derivative and the paper's ``S_i (delta_ij - S_j)``.

    Paper: Proposition 2.2
    """
    z = sp.IndexedBase("z", real=True)
    i, j, l = _idx("i", _m), _idx("j", _m), _idx("l", _m)
    total = sp.Sum(sp.exp(z[l]), (l, 1, _m))
    S = lambda a: sp.exp(z[a]) / total  # noqa: E731
    paper = S(i) * (sp.KroneckerDelta(i, j) - S(j))
    return _entry(
        "Proposition 2.2",
        sp.Derivative(S(i), z[j]),
        paper,
        notation=lambda e: softmax_notation(e, z, total),
        m=_m,
        i=i,
        j=j,
        l=l,
        z=z,
    )


def cross_entropy_gradient_entry_general() -> GeneralEntry:
    r"""``d xi / d y_j`` in general dimension: ``-y*_j / y_j``.

    Paper: Proposition 3.1
    """
    y = sp.IndexedBase("y", positive=True)
    y_star = sp.IndexedBase("y^*", real=True)
    j, k = _idx("j", _m), _idx("k", _m)
    xi = -sp.Sum(y_star[k] * sp.log(y[k]), (k, 1, _m))
    return _entry("Proposition 3.1", sp.Derivative(xi, y[j]), -y_star[j] / y[j], m=_m, j=j, k=k, y=y, y_star=y_star)


def _dense_general():
    y = sp.IndexedBase("y", real=True)
    W = sp.IndexedBase("W", real=True)
    b = sp.IndexedBase("b", real=True)
    i, k = _idx("i", _m), _idx("k", _n)
    L_i = sp.Sum(y[k] * W[i, k], (k, 1, _n)) + b[i]
    return L_i, dict(m=_m, n=_n, i=i, k=k, y=y, W=W, b=b)


def dense_jacobian_input_entry_general() -> GeneralEntry:
    r"""``d L_i / d y_j`` in general dimension: ``W_ij``.

    Paper: Proposition 4.1
    """
    L_i, s = _dense_general()
    j = _idx("j", _n)
    return _entry("Proposition 4.1", sp.Derivative(L_i, s["y"][j]), s["W"][s["i"], j], j=j, **s)


def dense_jacobian_weight_row_entry_general() -> GeneralEntry:
    r"""``d L_i / d W_{i*,j}`` in general dimension: ``delta_{i,i*} y_j``.

    Paper: Proposition 4.2
    """
    L_i, s = _dense_general()
    j, i_star = _idx("j", _n), _idx("i^*", _m)
    paper = sp.KroneckerDelta(s["i"], i_star) * s["y"][j]
    return _entry("Proposition 4.2", sp.Derivative(L_i, s["W"][i_star, j]), paper, j=j, i_star=i_star, **s)


def dense_jacobian_bias_entry_general() -> GeneralEntry:
    r"""``d L_i / d b_j`` in general dimension: ``delta_ij``.

    Paper: Proposition 4.3
    """
    L_i, s = _dense_general()
    j = _idx("j", _m)  # b in R^m: j runs over [1, m] (the paper's proof says [1, n])
    return _entry("Proposition 4.3", sp.Derivative(L_i, s["b"][j]), sp.KroneckerDelta(s["i"], j), j=j, **s)


def softmax_cross_entropy_gradient_entry_general() -> GeneralEntry:
    r"""``d xi(S(z), y*) / d z_j`` in general dimension, given ``sum_k y*_k = 1``: ``S_j(z) - y*_j``.

    Paper: Proposition 5.3

    ``raw`` is SymPy's derivative *without* the hypothesis; ``derived`` uses it (``given``).
    """
    z = sp.IndexedBase("z", real=True)
    y_star = sp.IndexedBase("y^*", real=True)
    j, k, l = _idx("j", _m), _idx("k", _m), _idx("l", _m)
    total = sp.Sum(sp.exp(z[l]), (l, 1, _m))
    xi = -sp.Sum(y_star[k] * sp.log(sp.exp(z[k]) / total), (k, 1, _m))
    given = (sp.Eq(sp.Sum(y_star[k], (k, 1, _m)), 1),)
    paper = sp.exp(z[j]) / total - y_star[j]
    return _entry(
        "Proposition 5.3",
        sp.Derivative(xi, z[j]),
        paper,
        given,
        notation=lambda e: softmax_notation(e, z, total),
        m=_m,
        j=j,
        k=k,
        l=l,
        z=z,
        y_star=y_star,
    )


# ---------------------------------------------------------------------------------------------------------------
def _is_zero(expr) -> bool:
    """Sound zero test: exact rational arithmetic after freezing exp/log atoms, then ``simplify`` as a fallback."""
    expr = sp.piecewise_fold(sp.sympify(expr))
    if expr == 0:
        return True
    if not expr.has(sp.Piecewise, sp.Heaviside, sp.Max, sp.Min):
        # Freezing each exp/log as an independent positive symbol: zero after that implies zero before.
        atoms = sorted(expr.atoms(sp.exp, sp.log), key=sp.default_sort_key)
        frozen = {a: sp.Dummy("a", positive=True) for a in atoms}
        if sp.cancel(sp.together(expr.xreplace(frozen))) == 0:
            return True
    try:
        return sp.simplify(expr) == 0
    except Exception:  # a SymPy simplification bug is "not verified", never "verified"
        return False


def _dimension_symbols(expr, given: Sequence[sp.Eq]) -> list[sp.Symbol]:
    found = set()
    for e in (expr, *given):
        for idx in e.atoms(sp.Idx):
            found |= {s for s in (idx.lower, idx.upper) if isinstance(s, sp.Symbol)}
        found |= {s for s in e.free_symbols if isinstance(s, sp.Symbol) and not isinstance(s, sp.Idx) and s.is_integer}
    return sorted(found, key=lambda s: s.name)


def _with_sizes(expr, sizes: dict):
    """Substitute concrete sizes everywhere, including inside the ranges of the indices (``subs`` would miss some:
    a sum's bound variable and the same index in its summand must stay one and the same object)."""
    reps = dict(sizes)
    for idx in expr.atoms(sp.Idx):
        if idx.lower is not None:
            reps[idx] = sp.Idx(
                idx.label, (sp.sympify(idx.lower).xreplace(sizes), sp.sympify(idx.upper).xreplace(sizes))
            )
    return expr.xreplace(reps)


def _concrete_constraint(eq: sp.Eq) -> dict:
    """``Eq(a_1 + ... + a_m, c)`` with a concrete ``m``: solve it for its last unknown."""
    eq = eq.doit()
    unknowns = sorted(eq.atoms(sp.Indexed), key=sp.default_sort_key)
    if not unknowns:
        return {}
    last = unknowns[-1]
    (solution,) = sp.solve(eq, last)
    return {last: solution}


def general_identity_holds(
    lhs, rhs, m_values: Iterable[int] = (2, 3, 4, 5), *, given: Sequence[sp.Eq] = (), details: dict | None = None
) -> bool:
    r"""Check an identity between general-dimension expressions: symbolically, then for several concrete sizes.

    Paper: Definition 1.2

    1. **General form.** ``simplify(lhs - rhs)`` after the sums of Kronecker deltas are done, the conditions that
       an index lies in its own range are dropped and the hypotheses ``given`` are applied. A zero here is a proof;
       a non-zero is only inconclusive (SymPy may fail to simplify).
    2. **Concrete sizes.** For each ``m`` in ``m_values``, the size symbols are replaced (``m``, and ``n = m + 1``
       for a second size, so that swapped indices show), the sums are expanded (``doit``), each hypothesis is
       solved for its last unknown and substituted, and ``lhs - rhs`` must simplify to exactly 0 for **every**
       value of every free index in its range.

    Returns ``True`` only if step 2 verified the identity for every size and index; ``False`` otherwise. Step 1
    cannot make a failed step 2 pass. ``Heaviside`` is read with Assumption 1 (value 0 at 0) throughout.

    Parameters
    ----------
    lhs, rhs : sympy expressions built on ``IndexedBase``/``Idx`` with symbolic sizes
    m_values : sizes to try
    given : hypotheses, equations such as ``Eq(Sum(y*_k, (k, 1, m)), 1)``
    details : dict, optional
        Filled with ``"general"`` (True if step 1 simplified to 0, else False) and ``"sizes"`` (``{m: bool}``).
    """
    details = {} if details is None else details
    difference = sp.sympify(lhs) - sp.sympify(rhs)
    m_values = list(m_values)
    if not m_values:
        raise ValueError("m_values must name at least one size (Definition 1.2)")
    try:  # step 1: a proof when it succeeds, inconclusive otherwise
        details["general"] = bool(_general_simplify(difference, given) == 0)
    except Exception:  # SymPy's sum simplification can crash: inconclusive
        details["general"] = False
    details["sizes"] = {}
    dims = _dimension_symbols(difference, given)
    for m_value in m_values:
        sizes = {d: sp.Integer(int(m_value) + offset) for offset, d in enumerate(dims)}
        concrete = apply_assumption_1(_with_sizes(difference, sizes).doit())
        constraint = {}
        for eq in given:
            constraint.update(_concrete_constraint(_with_sizes(eq, sizes)))
        indices = sorted({s for s in concrete.free_symbols if isinstance(s, sp.Idx)}, key=lambda s: s.name)
        ranges = []
        for idx in indices:
            lo, hi = idx.lower, idx.upper
            if lo is None or not (lo.is_Integer and hi.is_Integer):
                raise ValueError(f"index {idx} has no concrete range after substituting sizes {sizes}")
            ranges.append(range(int(lo), int(hi) + 1))
        for values in itertools.product(*ranges):
            case = concrete.xreplace({idx: sp.Integer(v) for idx, v in zip(indices, values)}).doit()
            case = case.xreplace(constraint) if constraint else case
            if not _is_zero(case):
                details["sizes"][m_value] = False
                return False
        details["sizes"][m_value] = True
    return True
