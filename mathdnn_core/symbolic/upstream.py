r"""SymPy twins of §5.1: an upstream function ``F`` composed with ReLU (Proposition 5.1) and with a dense layer
(Proposition 5.2), for an arbitrary ``F`` (an undefined ``sympy.Function``) or a concrete one.

Each left side is derived by SymPy (the gradient of ``F ∘ R`` or ``F ∘ L``); each right side types in the paper's
formula, with ``grad F`` evaluated where the paper says. With the linear upstream ``F(u) = u v^T`` the left sides
are the vector–Jacobian products :func:`~mathdnn_core.symbolic.activations.relu_vjp_expr` and
:func:`~mathdnn_core.symbolic.layers.dense_vjp_expr`.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from ._rows import as_row, gradient_row, pairing
from .activations import apply_assumption_1, relu_derivative_expr, relu_expr
from .layers import _check_row, _dense_args, dense_expr

Upstream = Callable[[sp.MatrixBase], sp.Expr]


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
    v = as_row(v, "v", "Proposition 5.1")
    return lambda u: pairing(u, v, "Proposition 5.1")


def _upstream_gradient_at(upstream: Upstream, point) -> sp.ImmutableMatrix:
    """``grad F`` evaluated at ``point``: differentiate in fresh symbols, then substitute."""
    u = sp.ImmutableMatrix(1, len(point), [sp.Dummy(f"u{k}", real=True) for k in range(1, len(point) + 1)])
    grad = gradient_row(upstream(u), u)
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
    z = as_row(z, "z", "Proposition 5.1")
    upstream = upstream or generic_upstream()
    return sp.ImmutableMatrix(apply_assumption_1(gradient_row(upstream(relu_expr(z)), z)))


def relu_upstream_gradient_paper(z, upstream: Upstream | None = None) -> sp.ImmutableMatrix:
    r"""The paper's formula ``[grad F(y)_j * 1(z_j > 0)]_j`` with ``y = R(z)``.

    Paper: Proposition 5.1
    """
    z = as_row(z, "z", "Proposition 5.1")
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
    return gradient_row(upstream(dense_expr(y, W, b)), W[row, :])


def dense_upstream_weight_row_gradient_paper(y, W, b, row: int, upstream: Upstream | None = None) -> sp.ImmutableMatrix:
    r"""The paper's formula ``grad F(z)_{i*} * y`` with ``z = L(y, W, b)`` (the printed ``v`` is a typo for ``y``).

    Paper: Proposition 5.2
    """
    y, W, b = _dense_args(y, W, b, "Proposition 5.2")
    row = _check_row(row, W, "Proposition 5.2")
    upstream = upstream or generic_upstream()
    g = _upstream_gradient_at(upstream, list(dense_expr(y, W, b)))
    return sp.ImmutableMatrix(g[row] * y)


def dense_upstream_weight_row_gradient_printed(
    y, W, b, row: int, v, upstream: Upstream | None = None
) -> sp.ImmutableMatrix:
    r"""Proposition 5.2 as printed, ``grad F(z)_{i*} * v``, with the row ``v`` the text never defines.

    Paper: Proposition 5.2

    .. math:: w \longmapsto \nabla_{\mathscr{F}}(z)_{i^*}\, v,\qquad z = \mathbb{L}(y, \dots, w, \dots, b)

    Equal to the gradient (:func:`dense_upstream_weight_row_gradient_expr`) only where ``v = y``, which is what the
    proof and the note after it use.
    """
    y, W, b = _dense_args(y, W, b, "Proposition 5.2")
    row = _check_row(row, W, "Proposition 5.2")
    v = as_row(v, "v", "Proposition 5.2")
    if v.cols != y.cols:
        raise ValueError(f"v must be a row of {y.cols} entries, like y (Proposition 5.2); got {v.cols}")
    upstream = upstream or generic_upstream()
    g = _upstream_gradient_at(upstream, list(dense_expr(y, W, b)))
    return sp.ImmutableMatrix(g[row] * v)
