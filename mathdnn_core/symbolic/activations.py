r"""SymPy twins of §2 (the twins of :mod:`mathdnn_core.activations`): ReLU with Assumption 1 and Softmax.

For each: the value, the Jacobian derived by SymPy, the Jacobian as the paper prints it, and the vector–Jacobian
product.

Convention for ReLU (Assumption 1): ``max(0, .)'(0) = 0``. SymPy differentiates ``Max(0, x)`` to ``Heaviside(x)``
whose value at 0 is **1/2** unless written ``Heaviside(x, 0)``; :func:`apply_assumption_1` replaces every
``Heaviside`` by the indicator ``Piecewise((1, x > 0), (0, True))`` of :func:`relu_derivative_expr`.
"""

from __future__ import annotations

import sympy as sp

from ._rows import as_row, gradient_row, pairing


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
    z = as_row(z, "z", "Proposition 2.1")
    return sp.ImmutableMatrix(apply_assumption_1(relu_expr(z).jacobian(z)))


def relu_jacobian_paper(z) -> sp.ImmutableMatrix:
    r"""The Jacobian of ReLU as the paper writes it: ``diag(1(z_1 > 0), ..., 1(z_m > 0))``.

    Paper: Proposition 2.1
    """
    z = as_row(z, "z", "Proposition 2.1")
    return sp.ImmutableMatrix(sp.diag(*[relu_derivative_expr(e) for e in z]))


def relu_vjp_expr(z, v) -> sp.ImmutableMatrix:
    r"""``v J_R(z)`` derived as the gradient of ``u ↦ u v^T`` composed with ReLU (Assumption 1 applied).

    Paper: Proposition 5.1

    It is Proposition 5.1's left side with the linear upstream function of
    :func:`mathdnn_core.symbolic.upstream.linear_upstream`.

    .. math:: v\,\mathcal{J}_{\mathcal{R}}(z) = \nabla_z \big(\mathcal{R}(z)\, v^T\big)
    """
    z, v = as_row(z, "z", "Proposition 5.1"), as_row(v, "v", "Proposition 5.1")
    return sp.ImmutableMatrix(apply_assumption_1(gradient_row(pairing(relu_expr(z), v, "Proposition 5.1"), z)))


def softmax_expr(z) -> sp.ImmutableMatrix:
    r"""Softmax of a row of expressions, straight from the definition.

    Paper: Definition 2.2

    .. math:: \mathcal{S}(z)_i = \frac{e^{z_i}}{\sum_{k=1}^m e^{z_k}}
    """
    z = as_row(z, "z", "Definition 2.2")
    total = sp.Add(*[sp.exp(e) for e in z])
    return sp.ImmutableMatrix(1, z.cols, [sp.exp(e) / total for e in z])


def softmax_jacobian_expr(z) -> sp.ImmutableMatrix:
    r"""Jacobian of Softmax derived by SymPy from :func:`softmax_expr` (``Matrix.jacobian``), not typed in.

    Paper: Proposition 2.2

    Returns
    -------
    ImmutableMatrix (m, m), entry ``(i, j)`` = ``d S_i / d z_j``
    """
    z = as_row(z, "z", "Proposition 2.2")
    return sp.ImmutableMatrix(softmax_expr(z).jacobian(z))


def softmax_jacobian_paper(z) -> sp.ImmutableMatrix:
    r"""The Jacobian of Softmax as the paper prints it: ``S_i (1 - S_i)`` on the diagonal, ``-S_i S_j`` elsewhere.

    Paper: Proposition 2.2

    .. math:: \mathcal{J}_{\mathcal{S}}(z)_{i,j} = \mathcal{S}_i(z)\,(\delta_{i,j} - \mathcal{S}_j(z))
    """
    s = softmax_expr(as_row(z, "z", "Proposition 2.2"))
    m = s.cols
    return sp.ImmutableMatrix(m, m, lambda i, j: s[i] * (1 - s[i]) if i == j else -s[i] * s[j])


def softmax_vjp_expr(z, v) -> sp.ImmutableMatrix:
    r"""``v J_S(z)`` derived as the gradient of ``u ↦ u v^T`` composed with Softmax.

    Paper: Proposition 2.2

    .. math:: v\,\mathcal{J}_{\mathcal{S}}(z) = \nabla_z \big(\mathcal{S}(z)\, v^T\big)
    """
    z, v = as_row(z, "z", "Proposition 2.2"), as_row(v, "v", "Proposition 2.2")
    return gradient_row(pairing(softmax_expr(z), v, "Proposition 2.2"), z)
