r"""SymPy twins of §3 (the twins of :mod:`mathdnn_core.losses`): the categorical cross-entropy, its gradient, and
the fused gradient of Softmax followed by the cross-entropy (Proposition 5.3).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy as sp

from ._rows import as_row
from .activations import softmax_expr


def _pair(y, y_star, statement: str):
    y, y_star = as_row(y, "y", statement), as_row(y_star, "y_star", statement)
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
