r"""SymPy twins of §4 (the twins of :mod:`mathdnn_core.layers`): the dense layer ``L(y, W, b) = y W^T + b``, its
Jacobians with respect to ``y``, a row of ``W`` and ``b`` (derived by SymPy and as the paper prints them), and its
vector–Jacobian products.
"""

from __future__ import annotations

import sympy as sp

from .._validation import is_integer
from ._rows import as_row, gradient_row, pairing


def _dense_args(y, W, b, statement: str):
    y, W, b = as_row(y, "y", statement), sp.ImmutableMatrix(W), as_row(b, "b", statement)
    if W.cols != y.cols or b.cols != W.rows:
        raise ValueError(
            f"shapes do not fit L(y, W, b) = y W^T + b ({statement}: y in R^n, W in M_(m,n), b in R^m);"
            f" got y {y.shape}, W {W.shape}, b {b.shape}"
        )
    return y, W, b


def _check_row(row, W, statement: str) -> int:
    if not is_integer(row) or not 0 <= row < W.rows:
        raise ValueError(
            f"row must be an integer in [0, {W.rows - 1}] ({statement}: i* in [1, m], 0-based here); got {row!r}"
        )
    return int(row)


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


def dense_vjp_expr(y, W, b, v) -> tuple[sp.ImmutableMatrix, sp.ImmutableMatrix, sp.ImmutableMatrix]:
    r"""The three VJPs of the dense layer at one example, derived as gradients of ``(u ↦ u v^T) ∘ L``.

    Paper: Proposition 5.2

    The twin of :func:`mathdnn_core.layers.dense_vjp`; row ``i*`` of ``dW`` is Proposition 5.2's left side with the
    linear upstream function of :func:`mathdnn_core.symbolic.upstream.linear_upstream`.

    .. math:: (v\,\mathcal{J}_y,\ v\,\mathcal{J}_W,\ v\,\mathcal{J}_b) = \nabla_{y, W, b}\big(\mathbb{L}(y, W, b)\,
              v^T\big) = (v W,\ v^T y,\ v)

    Returns
    -------
    (dy (1, n), dW (m, n), db (1, m)) — ``dW`` row ``i*`` is the gradient with respect to ``W_{i*,:}``
    (Notation 17: the row gradients stacked).
    """
    y, W, b = _dense_args(y, W, b, "Proposition 5.2")
    f = pairing(dense_expr(y, W, b), as_row(v, "v", "Proposition 5.2"), "Proposition 5.2")
    dW = sp.ImmutableMatrix(W.rows, W.cols, lambda i, j: sp.diff(f, W[i, j]))
    return gradient_row(f, y), dW, gradient_row(f, b)


def dense_jacobian_weights_expr(y, W, b, order: str = "C") -> sp.ImmutableMatrix:
    r"""Jacobian of ``L(y, ., b)`` with respect to all of ``W`` flattened, derived by ``Matrix.jacobian``.

    Paper: Proposition 4.2

    The twin of :func:`mathdnn_core.layers.dense_jacobian_weights`: ``order="C"`` flattens ``W`` row by row (the
    rows of Proposition 4.2 one after the other: ``I_m ⊗ y``), ``"F"`` column by column (``y ⊗ I_m``).

    Returns
    -------
    ImmutableMatrix (m, m n)
    """
    y, W, b = _dense_args(y, W, b, "Proposition 4.2")
    if order not in ("C", "F"):
        raise ValueError(
            f"order must be 'C' (W flattened row by row) or 'F' (column by column) (Proposition 4.2); got {order!r}"
        )
    flat = W.reshape(1, W.rows * W.cols) if order == "C" else W.T.reshape(1, W.rows * W.cols)
    return sp.ImmutableMatrix(dense_expr(y, W, b).jacobian(flat))


def dense_jacobian_weights_paper(y, W, b) -> sp.ImmutableMatrix:
    r"""Proposition 4.2's matrices (9) for ``i* = 1, ..., m``, side by side: the Jacobian with respect to ``W``
    flattened row by row, assembled from the paper's row Jacobians.

    Paper: Proposition 4.2

    .. math:: \big[\mathcal{J}_{W_{1,:}} \;\cdots\; \mathcal{J}_{W_{m,:}}\big] \in \mathcal{M}_{m, mn}
    """
    y, W, b = _dense_args(y, W, b, "Proposition 4.2")
    return sp.ImmutableMatrix(sp.Matrix.hstack(*(dense_jacobian_weight_row_paper(y, W, b, r) for r in range(W.rows))))


def dense_jacobian_bias_proof_printed(y, W, b) -> sp.ImmutableMatrix:
    r"""The matrix (10) as the proof of Proposition 4.3 fills it in, with its printed range ``j ∈ [1, n]``.

    Paper: Proposition 4.3

    The proof reads "Let i ∈ [1, m], j ∈ [1, n] and b ∈ R^m" and derives ``∂L_i/∂e_j(b) = δ_ij``: ``j`` keeps the
    range of Proposition 4.1's proof, where it runs over the ``n`` coordinates of ``y``, but ``b`` has ``m``. Here
    each entry the printed range reaches is derived (``diff`` of ``L_i`` by ``b_j``, nothing typed in) into the
    ``m x m`` matrix of (10), which starts at 0: with ``n < m`` the last ``m - n`` columns are never derived and
    stay 0; with ``n > m`` the range asks for coordinates ``b_j``, ``j > m``, that ``b`` does not have
    (``ValueError``). Only ``n = m`` gives ``I_m``.
    """
    y, W, b = _dense_args(y, W, b, "Proposition 4.3")
    m, n = W.rows, W.cols
    if n > m:
        raise ValueError(
            f"the proof of Proposition 4.3 takes j in [1, n] = [1, {n}], but b in R^m has only m = {m} coordinates: "
            f"there is no b_{m + 1}"
        )
    L, J = dense_expr(y, W, b), sp.zeros(m, m)
    for i in range(m):
        for j in range(n):  # the printed j ∈ [1, n]
            J[i, j] = sp.diff(L[i], b[j])
    return sp.ImmutableMatrix(J)
