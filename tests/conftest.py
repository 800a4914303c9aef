"""Shared test helpers: small random problems and the SymPy twins, each derived once per size.

Plain functions, imported by the test files (``from conftest import random_problem``): hypothesis tests cannot take
function-scoped fixtures, and a cached function serves every test file with the same twin.

``random_problem(sizes, n, seed)``
    ``(X, Y, params)`` for N_{c+}: He-initialised weights, non-zero biases, standard-normal rows, one-hot targets.
``random_params(sizes, rng)``
    Parameters (or gradients) with every entry standard normal: a list of ``(W, b)`` pairs.
``copy_params(params)``
    A deep copy of a list of ``(W, b)`` pairs.
``activation_twins(m)``, ``dense_twins(m, n)``, ``loss_twins(m)``
    The SymPy expressions of §2, §4 and §3/§5.3 at one size, with their symbols (cached).
"""

from __future__ import annotations

import functools

import numpy as np

from mathdnn_core import network


def random_problem(sizes, n: int, seed, dtype=np.float64):
    """``(X, Y, params)``: ``n`` random rows, one-hot targets, He-initialised ``params`` with biases ``0.1 N(0, 1)``.

    ``seed`` is an int or a ``numpy.random.Generator``; ``Y`` is float64 whatever ``dtype``.
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    params = network.init_params(list(sizes), rng=rng, dtype=dtype)
    # non-zero biases, so that the bias paths are exercised too
    params = [(W, (0.1 * rng.standard_normal(b.shape)).astype(dtype)) for W, b in params]
    X = rng.standard_normal((n, sizes[0])).astype(dtype)
    Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], n)]
    return X, Y, params


def random_params(sizes, rng: np.random.Generator, dtype=np.float64):
    """A list of ``(W, b)`` pairs for the widths ``sizes``, every entry standard normal."""
    return [
        (rng.standard_normal((m_out, m_in)).astype(dtype), rng.standard_normal(m_out).astype(dtype))
        for m_in, m_out in zip(sizes[:-1], sizes[1:])
    ]


def copy_params(params):
    return [(W.copy(), b.copy()) for W, b in params]


@functools.cache
def activation_twins(m: int) -> dict:
    """Symbols ``z``, ``v`` of size ``m`` and the twins of ReLU and Softmax: value, Jacobian, VJP."""
    from mathdnn_core import symbolic as S  # SymPy: only for the tests that need it

    z, v = S.symbols_vector("z", m), S.symbols_vector("v", m)
    return {
        "z": z,
        "v": v,
        "relu": S.relu_expr(z),
        "relu_jac": S.relu_jacobian_expr(z),
        "relu_vjp": S.relu_vjp_expr(z, v),
        "softmax": S.softmax_expr(z),
        "softmax_jac": S.softmax_jacobian_expr(z),
        "softmax_vjp": S.softmax_vjp_expr(z, v),
    }


@functools.cache
def dense_twins(m: int, n: int) -> dict:
    """Symbols ``y, W, b, v`` for ``W`` in M_(m,n) and the twins of the dense layer: value, Jacobians, VJPs."""
    from mathdnn_core import symbolic as S  # SymPy: only for the tests that need it

    y, W, b, v = (
        S.symbols_vector("y", n),
        S.symbols_matrix("W", m, n),
        S.symbols_vector("b", m),
        S.symbols_vector("v", m),
    )
    dy, dW, db = S.dense_vjp_expr(y, W, b, v)
    return {
        "y": y,
        "W": W,
        "b": b,
        "v": v,
        "dense": S.dense_expr(y, W, b),
        "jac_y": S.dense_jacobian_input_expr(y, W, b),
        "jac_rows": [S.dense_jacobian_weight_row_expr(y, W, b, r) for r in range(m)],
        "jac_b": S.dense_jacobian_bias_expr(y, W, b),
        "vjp": (dy, dW, db),
    }


@functools.cache
def loss_twins(m: int) -> dict:
    """Symbols ``y`` (positive), ``y*``, ``z`` of size ``m``; the twins of the cross-entropy and the fused gradient."""
    from mathdnn_core import symbolic as S  # SymPy: only for the tests that need it

    y, y_star, z = S.symbols_vector("y", m, positive=True), S.symbols_vector("y^*", m), S.symbols_vector("z", m)
    return {
        "y": y,
        "y_star": y_star,
        "z": z,
        "ce": S.cross_entropy_expr(y, y_star),
        "ce_grad": S.cross_entropy_gradient_expr(y, y_star),
        "ce_logits": S.cross_entropy_expr(S.softmax_expr(z), y_star),
        "fused": S.softmax_cross_entropy_gradient_expr(z, y_star),
        "fused_raw": S.softmax_cross_entropy_gradient_expr(z, y_star, use_sum_to_one=False),
    }
