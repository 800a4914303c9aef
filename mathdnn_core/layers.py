r"""Section 4 of the paper: the dense layer ``L(y, W, b) = y W^T + b``.

``W`` has shape ``(m, n)`` (``m`` outputs, ``n`` inputs) exactly as in the paper, ``b`` shape ``(m,)``; ``y`` is one
row ``(n,)`` or a batch ``(batch, n)``. No hidden transposes.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_width, positive_int

_DENSE = "Definition 4.1"


def check_dense_parameters(W, b, statement: str = _DENSE) -> tuple[np.ndarray, np.ndarray]:
    """Validate one layer's ``(W, b)``: ``W`` of shape (m, n), ``b`` of shape (m,), finite.

    Paper: Definition 4.1
    """
    W = as_float_array(W, "W", statement, ndim=2)
    b = as_float_array(b, "b", statement, ndim=1)
    if b.shape[0] != W.shape[0]:
        raise ValueError(
            f"b must have shape ({W.shape[0]},) to match W of shape {W.shape} "
            f"({statement}: W in M_(m,n), b in R^m); got {b.shape}"
        )
    return W, b


def _inputs(y, W, b, statement: str, ndim=(1, 2)):
    W, b = check_dense_parameters(W, b, statement)
    y = as_float_array(y, "y", statement, ndim=ndim)
    check_width(y, W.shape[1], "y", f"{statement}: y in R^n with W of shape {W.shape}")
    return y, W, b


def dense(y, W, b) -> np.ndarray:
    r"""The dense layer on one row or a batch of rows.

    Paper: Definition 4.1

    .. math:: \mathbb{L}(y, W, b) = y W^T + b,\qquad W \in \mathcal{M}_{m,n},\ b \in \mathbb{R}^m

    Returns
    -------
    ndarray, shape (m,) or (batch, m)
    """
    return _dense(*_inputs(y, W, b, _DENSE))


def _dense(y: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """:func:`dense` without input checks, for callers that validated once (the forward pass of N_{c+})."""
    return y @ W.T + b


def dense_jacobian_input(y, W, b) -> np.ndarray:
    r"""Jacobian of ``L(., W, b)`` at ``y``: the weight matrix itself.

    Paper: Proposition 4.1

    .. math:: \mathcal{J}_{\mathbb{L}(\cdot, W, b)}(y) = W \in \mathcal{M}_{m,n}
    """
    _, W, _ = _inputs(y, W, b, "Proposition 4.1", ndim=1)
    return W.copy()


def dense_jacobian_weight_row(y, W, b, row: int) -> np.ndarray:
    r"""Jacobian of ``L`` with respect to the row ``W_{i*,:}`` (the ``i*``-th weight vector), at one example.

    Paper: Proposition 4.2

    .. math:: \mathcal{J}_{\mathbb{L}(y, \dots, \cdot\,, \dots, b)}(w)_{i,j} = \delta_{i,i^*}\, y_j,
              \quad\text{i.e. } y \text{ in row } i^* \text{ and zeros elsewhere}

    ``row`` is 0-based here (``i* - 1`` in the paper's 1-based numbering).

    Returns
    -------
    ndarray, shape (m, n)
    """
    y, W, _ = _inputs(y, W, b, "Proposition 4.2", ndim=1)
    m = W.shape[0]
    row = positive_int(row, "row", f"Proposition 4.2: i* in [1, {m}], 0-based here", minimum=0, maximum=m - 1)
    jac = np.zeros(W.shape, dtype=np.result_type(y, W))
    jac[row] = y
    return jac


def dense_jacobian_weights(y, W, b, order: str = "C") -> np.ndarray:
    r"""Jacobian of ``L`` with respect to all of ``W`` flattened: the row Jacobians side by side, a Kronecker product.

    Paper: Proposition 4.2

    .. math:: \mathcal{J}_{\mathbb{L}(y, \cdot, b)}(W)
              = \big[\mathcal{J}_{W_{1,:}} \;\cdots\; \mathcal{J}_{W_{m,:}}\big]
              = I_m \otimes y \in \mathcal{M}_{m, mn}\quad(\texttt{order="C"}),\qquad
              y \otimes I_m\quad(\texttt{order="F"})

    ``order`` is how ``W`` is flattened, as in :func:`numpy.ravel`: ``"C"`` row by row (entry ``(i*, j)`` at column
    ``i* n + j``, 0-based: the rows of Proposition 4.2 one after the other), ``"F"`` column by column (at column
    ``j m + i*``: the layout of training's buffers, :func:`mathdnn_core.network.unflatten`). Either way the matrix
    has ``m^2 n`` entries of which only ``mn`` can be non-zero: back-propagation uses ``v J = vec(v^T y)``
    (:func:`dense_vjp`) and never forms it.

    Returns
    -------
    ndarray, shape (m, m n)
    """
    y, W, _ = _inputs(y, W, b, "Proposition 4.2", ndim=1)
    if order not in ("C", "F"):
        raise ValueError(
            f"order must be 'C' (W flattened row by row) or 'F' (column by column) (Proposition 4.2); got {order!r}"
        )
    identity, row = np.eye(W.shape[0], dtype=W.dtype), y[None, :]
    return np.kron(identity, row) if order == "C" else np.kron(row, identity)


def dense_jacobian_bias(y, W, b) -> np.ndarray:
    r"""Jacobian of ``L(y, W, .)`` at ``b``: the identity.

    Paper: Proposition 4.3

    .. math:: \mathcal{J}_{\mathbb{L}(y, W, \cdot)}(b) = I_m
    """
    _, W, b = _inputs(y, W, b, "Proposition 4.3", ndim=1)
    return np.eye(W.shape[0], dtype=np.result_type(W, b))


def dense_vjp(y, W, v) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Vector-Jacobian products of the dense layer on a batch: with respect to ``y``, ``W`` and ``b``.

    Paper: Proposition 5.2

    .. math::
        \frac{\partial}{\partial y}: v W, \qquad
        \frac{\partial}{\partial W}: \sum_{\text{rows}} v^T y \ \ (\text{row } i^*: v_{i^*} y), \qquad
        \frac{\partial}{\partial b}: \sum_{\text{rows}} v

    The weight gradient summed over the batch is one matrix product ``v^T y`` (the note after Proposition 5.2).

    Parameters
    ----------
    y : array, shape (batch, n) — the layer input
    W : array, shape (m, n)
    v : array, shape (batch, m) — the upstream gradient at ``L(y, W, b)``

    Returns
    -------
    (dy, dW, db) with shapes (batch, n), (m, n), (m,)
    """
    W = as_float_array(W, "W", "Proposition 5.2", ndim=2)
    y = as_float_array(y, "y", "Proposition 5.2", ndim=2)
    v = as_float_array(v, "v", "Proposition 5.2", ndim=2)
    check_width(y, W.shape[1], "y", f"Proposition 5.2: y in R^n with W of shape {W.shape}")
    check_width(v, W.shape[0], "v", f"Proposition 5.2: upstream gradient in R^m with W of shape {W.shape}")
    if v.shape[0] != y.shape[0]:
        raise ValueError(
            f"y and v must have the same number of rows (Proposition 5.2); got {y.shape[0]} and {v.shape[0]}"
        )
    return _dense_vjp(y, W, v)


def _dense_vjp(y: np.ndarray, W: np.ndarray, v: np.ndarray, input_gradient: bool = True):
    """:func:`dense_vjp` without input checks (the back-propagation of N_{c+}); ``input_gradient=False`` skips
    ``v W``, which the first layer does not need."""
    return (v @ W if input_gradient else None), v.T @ y, v.sum(axis=0)
