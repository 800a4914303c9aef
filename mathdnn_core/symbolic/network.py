r"""SymPy twin of §5.2 (the twin of :mod:`mathdnn_core.network`): the network N_{c+} written out in named symbols,
its objective (Definition 5.2) and the gradient of the objective with respect to every weight and bias.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp

from .._validation import positive_int
from .activations import apply_assumption_1, relu_expr, softmax_expr
from .exact import evaluate, symbols_matrix, symbols_vector
from .layers import dense_expr
from .losses import cross_entropy_expr


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
    sizes = [positive_int(mk, "each width", "Definition 5.1") for mk in sizes]
    if len(sizes) < 2:
        raise ValueError(f"sizes must be [m_0, ..., m_p] with p >= 1 (Definition 5.1); got {sizes}")
    n = positive_int(n_samples, "n_samples", "Definition 5.2")
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
