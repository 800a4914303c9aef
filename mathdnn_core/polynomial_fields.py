r"""Seed 004: polynomial vector fields on ``R^m``, and the five fields of the lecture's first result.

The lecture's main result draws polynomial vector fields of degree ``≤ k`` at random through their coefficient
vectors ``c ∈ R^{D_k}``, ``D_k = m binom(m + k, m)``; its first result builds the five fields ``Ax``, ``Bx``,
``e_m``, ``((x^m)^2, 0, ..., 0)`` and ``x^m x`` whose Lie algebra holds every polynomial vector field.
:class:`PolynomialVectorFields` is a :class:`mathdnn_core.controlled_odes.VectorFields`: the flows, VJPs and Lie
brackets of :mod:`mathdnn_core.controlled_odes` take it as they take the random fields.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from ._validation import as_float_array, positive_int
from .controlled_odes import VectorFields


def monomial_exponents(m: int, k: int) -> np.ndarray:
    r"""Every exponent ``α ∈ N^m`` with ``|α| ≤ k``, by degree then lexicographically (largest first).

    Paper: Seed 004, "Generic interpolation theorem"

    There are ``binom(m + k, m)`` of them; ``m`` times that is the lecture's ``D_k``.
    """
    m = positive_int(m, "m", "Seed 004: polynomial vector fields on R^m")
    k = positive_int(k, "k", "Seed 004: polynomial vector fields of degree at most k", minimum=0)
    exps = [a for degree in range(k + 1) for a in _exponents_of_degree(m, degree)]
    return np.array(exps, dtype=np.int64).reshape(len(exps), m)


def _exponents_of_degree(m: int, degree: int) -> list[tuple[int, ...]]:
    found = []
    for cut in itertools.combinations(range(degree + m - 1), m - 1):  # stars and bars
        bounds = (-1, *cut, degree + m - 1)
        found.append(tuple(bounds[j + 1] - bounds[j] - 1 for j in range(m)))
    return sorted(found, reverse=True)


def polynomial_dimension(m: int, k: int) -> int:
    r"""``D_k = m binom(m + k, m)``: the number of coefficients of a polynomial vector field of degree ``≤ k``.

    Paper: Seed 004, "Generic interpolation theorem"
    """
    m = positive_int(m, "m", "Seed 004: polynomial vector fields on R^m")
    k = positive_int(k, "k", "Seed 004: polynomial vector fields of degree at most k", minimum=0)
    return m * math.comb(m + k, m)


@dataclass(frozen=True, eq=False)
class PolynomialVectorFields(VectorFields):
    r"""``d`` polynomial vector fields of degree ``≤ k`` on ``R^m``, by their coefficients over monomials.

    Paper: Seed 004, "Generic interpolation theorem"

    .. math:: V_i^j(x) = \sum_{|\alpha| \le k} c^{\,j}_{i,\alpha}\, x^\alpha,\qquad
              \frac{\partial V_i^j}{\partial x^l}(x) = \sum_{|\alpha| \le k} c^{\,j}_{i,\alpha}\,
              \alpha_l\, x^{\alpha - e_l}

    ``coefficients`` has shape ``(d, m, K)`` over the ``K = binom(m + k, m)`` exponents of
    :func:`monomial_exponents` ``(m, k)``: the coefficient vector of field ``i`` is ``coefficients[i]``, of length
    ``D_k = mK``.
    """

    coefficients: np.ndarray
    degree: int

    def __post_init__(self):
        statement = 'Seed 004, "Generic interpolation theorem": V^j(x) = sum_alpha c^j_alpha x^alpha'
        c = as_float_array(self.coefficients, "coefficients", statement, ndim=3)
        degree = positive_int(self.degree, "degree", statement, minimum=0)
        d, m, K = c.shape
        exps = monomial_exponents(m, degree)
        if K != len(exps):
            raise ValueError(
                f"coefficients must have shape (d, m, binom(m + k, m)) = ({d}, {m}, {len(exps)}) for degree {degree} "
                f"({statement}); got {c.shape}"
            )
        object.__setattr__(self, "coefficients", c.astype(np.float64))
        object.__setattr__(self, "degree", degree)
        object.__setattr__(self, "exponents", exps)
        object.__setattr__(self, "d", d)
        object.__setattr__(self, "m", m)
        object.__setattr__(self, "dtype", np.dtype(np.float64))

    def monomials(self, X) -> np.ndarray:
        r"""``x^α`` for every row and exponent: shape ``(n, K)``."""
        X = self._points(X, "Seed 004: polynomial vector fields")
        return np.prod(X[:, None, :] ** self.exponents[None, :, :], axis=2)

    def values(self, X) -> np.ndarray:
        return np.einsum("ka,ija->kij", self.monomials(X), self.coefficients)

    def jacobians(self, X) -> np.ndarray:
        X = self._points(X, "Seed 004: polynomial vector fields")
        n, m = X.shape
        derivatives = np.zeros((n, len(self.exponents), m))
        for l in range(m):
            lowered = self.exponents.copy()
            lowered[:, l] = np.maximum(lowered[:, l] - 1, 0)
            derivatives[:, :, l] = self.exponents[:, l] * np.prod(X[:, None, :] ** lowered[None, :, :], axis=2)
        return np.einsum("kal,ija->kijl", derivatives, self.coefficients)


def five_fields(m: int = 2, A=None, B=None) -> PolynomialVectorFields:
    r"""The five fields of the lecture's first result (its sketch of proof), as polynomial fields of degree 2.

    Paper: Seed 004, "Five-field interpolation theorem"

    .. math:: V_1(x) = Ax,\quad V_2(x) = Bx,\quad V_3(x) = e_m,\quad V_4(x) = \big((x^m)^2, 0, \dots, 0\big),
              \quad V_5(x) = x^m\, x = \big(x^1 x^m, \dots, x^{m-1} x^m, (x^m)^2\big)

    ``A`` and ``B`` must be traceless ``m × m`` matrices. The defaults, ``A = diag(2^0, ..., 2^{m-1})`` minus its
    mean and ``B`` with ones off the diagonal, generate every traceless matrix by brackets (distinct differences
    ``A_ii − A_jj``, every off-diagonal entry of ``B`` non-zero). The sketch's fields are unbounded; the theorem's
    bounded fields are these times a smooth cutoff equal to 1 near the closure of ``Ω``.
    """
    statement = 'Seed 004, "Five-field interpolation theorem"'
    m = positive_int(m, "m", f"{statement}: m >= 2", minimum=2)
    if A is None:
        diag = 2.0 ** np.arange(m)
        A = np.diag(diag - diag.mean())
    if B is None:
        B = np.ones((m, m)) - np.eye(m)
    A, B = (as_float_array(M_, name, statement, ndim=2) for M_, name in ((A, "A"), (B, "B")))
    for name, M_ in (("A", A), ("B", B)):
        if M_.shape != (m, m):
            raise ValueError(f"{name} must have shape ({m}, {m}) ({statement}); got {M_.shape}")
        if abs(np.trace(M_)) > 1e-12 * max(1.0, float(np.max(np.abs(M_)))):
            raise ValueError(f"{name} must be traceless ({statement}: suitable traceless m x m matrices)")
    exps = monomial_exponents(m, 2)
    index = {tuple(int(v) for v in e): a for a, e in enumerate(exps)}
    unit = [tuple(int(j == l) for j in range(m)) for l in range(m)]
    c = np.zeros((5, m, len(exps)))
    for j in range(m):
        for l in range(m):
            c[0, j, index[unit[l]]] = A[j, l]
            c[1, j, index[unit[l]]] = B[j, l]
        c[4, j, index[tuple(a + b for a, b in zip(unit[j], unit[m - 1]))]] = 1.0
    c[2, m - 1, index[(0,) * m]] = 1.0
    c[3, 0, index[tuple(2 * v for v in unit[m - 1])]] = 1.0
    return PolynomialVectorFields(c, 2)
