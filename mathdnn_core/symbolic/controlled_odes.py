r"""SymPy twins of Seed 004, Part I: vector fields, Lie brackets, the Lie algebra they generate, N-point ranks,
the Euler flow and the flow commutator — all exact.

A vector field is an ``m × 1`` column of expressions in the symbols ``x^1, ..., x^m`` (the lecture's columns;
:func:`mathdnn_core.symbolic.exact_function` with ``shape=(m,)`` turns it into a row-valued reference for the
package). The Lie algebra computations (:func:`lie_algebra_basis`, :func:`evaluation_rank`) work on the same fields
as SymPy polynomials over the rationals: brackets, independence and ranks are exact, not floating-point.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import sympy as sp
from sympy.polys.matrices import DomainMatrix

from .._validation import positive_int
from .exact import symbols_vector

_BRACKET = 'Seed 004, "Lie bracket"'


def _column(entries) -> sp.ImmutableMatrix:
    entries = list(entries)
    return sp.ImmutableMatrix(len(entries), 1, entries)


def _rational(value) -> sp.Rational:
    return sp.Rational(float(value))


def point_symbols(m: int) -> sp.ImmutableMatrix:
    r"""The coordinates ``x^1, ..., x^m`` of a point of ``R^m``, as a ``1 × m`` row of real symbols.

    Paper: Seed 004, "Controlled ODE"
    """
    return symbols_vector("x", positive_int(m, "m", 'Seed 004, "Controlled ODE": a point of R^m'))


def five_fields_expr(A, B, x) -> list[sp.ImmutableMatrix]:
    r"""The five fields of the lecture's sketch of proof, typed as printed: ``Ax``, ``Bx``, ``e_m``,
    ``((x^m)^2, 0, ..., 0)`` and ``x^m x``.

    Paper: Seed 004, "Five-field interpolation theorem"
    """
    xs = list(x)
    m = len(xs)
    A, B = sp.Matrix(A).applyfunc(sp.nsimplify), sp.Matrix(B).applyfunc(sp.nsimplify)
    col = _column(xs)
    return [
        sp.ImmutableMatrix(A * col),
        sp.ImmutableMatrix(B * col),
        _column([0] * (m - 1) + [1]),
        _column([xs[-1] ** 2] + [0] * (m - 1)),
        _column([xs[j] * xs[-1] for j in range(m)]),
    ]


def random_fields_expr(fields, x) -> list[sp.ImmutableMatrix]:
    r"""The twin of :class:`mathdnn_core.controlled_odes.RandomVectorFields`: ``σ_i(C_i x + b_i)`` with the
    package's draws as exact rationals.

    Paper: Seed 004, "Random-vector-field corollary"

    .. math:: V_i(x) = \sigma_i(C_i x + b_i),\qquad \sigma_i(r) = \sum_p a_{i,p}\, r^p
    """
    col = _column(list(x))
    out = []
    for C, b, a in zip(fields.weights, fields.biases, fields.coefficients):
        z = sp.Matrix(C.tolist()).applyfunc(_rational) * col + _column(map(_rational, b))
        out.append(_column(sum(_rational(ap) * zj**p for p, ap in enumerate(a)) for zj in z))
    return out


def polynomial_fields_expr(fields, x) -> list[sp.ImmutableMatrix]:
    r"""The twin of :class:`mathdnn_core.controlled_odes.PolynomialVectorFields`: ``V_i^j = Σ_α c^j_{i,α} x^α``.

    Paper: Seed 004, "Generic interpolation theorem"
    """
    xs = list(x)
    monomials = [sp.Mul(*(xi ** int(e) for xi, e in zip(xs, alpha))) for alpha in fields.exponents]
    return [
        _column(sum(_rational(c) * mono for c, mono in zip(row, monomials)) for row in coefficients)
        for coefficients in fields.coefficients
    ]


def lie_bracket_expr(V, W, x) -> sp.ImmutableMatrix:
    r"""The Lie bracket as the lecture defines it, derived by SymPy.

    Paper: Seed 004, "Lie bracket"

    .. math:: [V, W](x) = DW(x)\, V(x) - DV(x)\, W(x)
    """
    V, W = sp.Matrix(V), sp.Matrix(W)
    if V.shape != W.shape or V.cols != 1:
        raise ValueError(f"V and W must be m x 1 columns of the same m ({_BRACKET}); got {V.shape} and {W.shape}")
    xs = list(x)
    return sp.ImmutableMatrix(sp.expand(W.jacobian(xs) * V - V.jacobian(xs) * W))


def euler_flow_expr(fields: Sequence, x, U) -> sp.ImmutableMatrix:
    r"""``M`` Euler steps of size ``1/M`` of (*) from the symbolic point ``x``, with the controls ``U`` (``M × d``).

    Paper: Seed 004, "Residual network"

    .. math:: X_{t+1} = X_t + \frac{1}{M}\sum_i U_{t,i}\, V_i(X_t)
    """
    U = sp.Matrix(U)
    if U.cols != len(fields):
        raise ValueError(f"U must have one column per field ({len(fields)}); got {U.shape}")
    xs = list(x)
    state = _column(xs)
    for t in range(U.rows):
        at = dict(zip(xs, list(state)))
        step = sum((U[t, i] * sp.Matrix(V).xreplace(at) for i, V in enumerate(fields)), sp.zeros(len(xs), 1))
        state = sp.ImmutableMatrix(state + step / U.rows)
    return state


def lie_series_flow_expr(V, x, t, order: int) -> tuple[sp.ImmutableMatrix, bool]:
    r"""The flow of ``V`` for a time ``t`` as its Lie series, and whether the series stops (then it is exact).

    Paper: Seed 004, "Flow commutator"; Seed 004, "Residual network"

    .. math:: \varphi^V_t(x) = \sum_{k \ge 0} \frac{t^k}{k!}\, (L_V^k\, \mathrm{id})(x),\qquad
              L_V f = Df\, V

    summed up to ``k = order``. For polynomial fields whose Lie derivatives of the coordinates vanish after some
    order (``e_m``, ``((x^m)^2, 0, ..., 0)`` and their combinations), the sum is the exact flow: the second value
    says so (``L_V^{order+1} id = 0``).
    """
    order = positive_int(order, "order", 'Seed 004, "Flow commutator"', minimum=0)
    xs = list(x)
    V = sp.Matrix(V)
    term, total = _column(xs), _column(xs)
    for k in range(1, order + 1):
        term = sp.expand(term.jacobian(xs) * V)
        total = total + t**k / math.factorial(k) * term
    exact = sp.expand(term.jacobian(xs) * V).is_zero_matrix
    return sp.ImmutableMatrix(sp.expand(total)), bool(exact)


def flow_commutator_series(order: int = 3) -> dict[int, sp.Expr]:
    r"""The coefficients of ``t^p``, ``p ≤ order``, in ``e^{-tA} e^{-tB} e^{tA} e^{tB}`` for non-commuting ``A, B``.

    Paper: Seed 004, "Flow commutator"

    Each exponential is its series up to ``t^order`` (the neglected terms are ``O(t^{order+1})``); ``A`` and ``B``
    are non-commutative symbols, so the result holds for square matrices of every size.
    """
    order = positive_int(order, "order", 'Seed 004, "Flow commutator"')
    t = sp.Symbol("t")
    A, B = sp.symbols("A B", commutative=False)

    def series(X):
        return sum(((t * X) ** k / math.factorial(k) for k in range(order + 1)), sp.Integer(0))

    product = sp.expand(series(-A) * series(-B) * series(A) * series(B))
    return {p: sp.expand(product.coeff(t, p)) for p in range(order + 1)}


def polynomial_dimension_count(m: int, k: int) -> int:
    r"""``D_k`` counted: ``m`` times the number of monomials of degree ``≤ k`` in ``m`` variables (SymPy's
    ``itermonomials``), independently of the closed form ``m binom(m + k, m)``.

    Paper: Seed 004, "Generic interpolation theorem"
    """
    xs = list(point_symbols(m))
    k = positive_int(k, "k", "Seed 004: degree at most k", minimum=0)
    return len(xs) * len(set(sp.itermonomials(xs, k)))


# ----------------------------------------------------------------------------------------------------------------
# The Lie algebra generated by polynomial fields, exactly
# ----------------------------------------------------------------------------------------------------------------
@dataclass
class LieBasis:
    r"""Linearly independent elements of ``Lie(V_1, ..., V_d)``: iterated brackets of the generators.

    Paper: Seed 004, "Lie bracket"

    ``fields[k]`` is the bracket ``words[k]`` (a nested tuple of generator indices: ``(2, (3, 4))`` is
    ``[V_3, [V_4, V_5]]`` with 0-based indices) as a column of SymPy polynomials in ``x``; ``rank`` their number.
    """

    x: tuple
    fields: list = field(default_factory=list)
    words: list = field(default_factory=list)

    @property
    def rank(self) -> int:
        """The number of linearly independent fields in the basis.

        Paper: Seed 004, "Lie bracket"
        """
        return len(self.fields)

    def rank_by_degree(self, max_degree: int) -> dict[int, int]:
        r"""For each ``k ≤ max_degree``: the dimension of the span of the basis elements of degree ``≤ k``.

        Paper: Seed 004, "Five-field interpolation theorem"
        """
        return {
            k: _rank([_coefficients(f, self.x) for f in self.fields if _degree(f) <= k]) for k in range(max_degree + 1)
        }

    def as_matrices(self) -> list[sp.ImmutableMatrix]:
        """The basis fields as column matrices of polynomials.

        Paper: Seed 004, "Lie bracket"
        """
        return [_column(p.as_expr() for p in f) for f in self.fields]


def _poly_field(V, x) -> tuple:
    return tuple(sp.Poly(sp.expand(e), *x, domain=sp.QQ) for e in list(V))


def _bracket(V: tuple, W: tuple) -> tuple:
    """[V, W]^j = sum_l V^l d_l W^j - W^l d_l V^j, on polynomials over Q."""
    return tuple(
        sum((V[l] * W[j].diff(l_sym) - W[l] * V[j].diff(l_sym) for l, l_sym in enumerate(V[0].gens)), V[0] * 0)
        for j in range(len(V))
    )


def _degree(f: tuple) -> int:
    return max((p.total_degree() for p in f if not p.is_zero), default=-1)


def _coefficients(f: tuple, x) -> dict:
    return {(j, monom): coeff for j, p in enumerate(f) for monom, coeff in p.as_dict(native=True).items() if coeff}


def _rank(vectors: list[dict]) -> int:
    keys = sorted({key for v in vectors for key in v})
    if not vectors or not keys:
        return 0
    index = {key: c for c, key in enumerate(keys)}
    rows = [[sp.QQ(0)] * len(keys) for _ in vectors]
    for r, v in enumerate(vectors):
        for key, coeff in v.items():
            rows[r][index[key]] = coeff
    return DomainMatrix(rows, (len(vectors), len(keys)), sp.QQ).rank()


class _Echelon:
    """Incremental exact linear independence of sparse rational vectors."""

    def __init__(self):
        self.pivots: dict = {}

    def add(self, vector: dict) -> bool:
        v = dict(vector)
        while v:
            key = min(v)
            if key not in self.pivots:
                self.pivots[key] = {k: c / v[key] for k, c in v.items()}
                return True
            pivot, factor = self.pivots[key], v[key]
            for k, c in pivot.items():
                v[k] = v.get(k, sp.QQ(0)) - factor * c
                if not v[k]:
                    del v[k]
        return False


def lie_algebra_basis(generators: Sequence, x, max_length: int, max_degree: int | None = None) -> LieBasis:
    r"""Independent iterated brackets ``[V_{i_1}, [V_{i_2}, [\dots, V_{i_L}]]]``, ``L ≤ max_length``, of polynomial
    generators, kept when their degree is ``≤ max_degree``.

    Paper: Seed 004, "Lie bracket"; Seed 004, "Five-field interpolation theorem"

    Right-nested brackets span the Lie algebra a set generates; each round brackets every generator with the
    elements found in the previous round, and keeps what is linearly independent (exact rational arithmetic).
    Discarding the elements of degree above ``max_degree`` can only lose elements, so the span found is a
    subspace of ``Lie(V_1, ..., V_d)``: a full rank is a proof, not an estimate.
    """
    xs = tuple(x)
    max_length = positive_int(max_length, "max_length", _BRACKET)
    basis, echelon = LieBasis(xs), _Echelon()

    def keep(f, word) -> bool:
        if max_degree is not None and _degree(f) > max_degree:
            return False
        if echelon.add(_coefficients(f, xs)):
            basis.fields.append(f)
            basis.words.append(word)
            return True
        return False

    polys = [_poly_field(V, xs) for V in generators]
    frontier = [(f, i) for i, f in enumerate(polys) if keep(f, i)]
    for _ in range(max_length - 1):
        found = []
        for i, g in enumerate(polys):
            for f, word in frontier:
                bracket = _bracket(g, f)
                if keep(bracket, (i, word)):
                    found.append((bracket, (i, word)))
        if not found:
            break
        frontier = found
    return basis


def _evaluate_exactly(polynomial: sp.Poly, point: list):
    """A polynomial over Q at a rational point, in Q (sum of coefficient times monomial, no SymPy expressions)."""
    total = sp.QQ(0)
    for monomial, coefficient in polynomial.as_dict(native=True).items():
        term = coefficient
        for value, power in zip(point, monomial):
            term *= value**power
        total += term
    return total


def evaluation_rank(basis: LieBasis, points) -> int:
    r"""The exact rank of the ``mN × K`` matrix of the basis fields evaluated at ``N`` points: the ``N``-point
    Hörmander condition at ``(x_1, ..., x_N)`` holds for the span when the rank is ``mN``.

    Paper: Seed 004, "N-point Hörmander condition"

    The points (an ``(N, m)`` array of floats) are used as the exact rationals they are.
    """
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != len(basis.x):
        raise ValueError(f"points must have shape (N, {len(basis.x)}); got {points.shape}")
    if not basis.fields:
        return 0
    exact = [[sp.QQ.from_sympy(sp.Rational(float(v))) for v in p] for p in points]
    columns = [[_evaluate_exactly(p_j, p) for p in exact for p_j in f] for f in basis.fields]
    rows = [list(r) for r in zip(*columns)]
    return DomainMatrix(rows, (len(rows), len(columns)), sp.QQ).rank()
