r"""Section 2 of the paper: the activation functions ReLU and Softmax.

Each map comes as a triple: the value on a batch of rows ``(n, m)`` (one row ``(m,)`` works too), the full Jacobian
of one example ``(m,) -> (m, m)`` exactly as the paper writes it, and the vector-Jacobian product ``v J`` on a batch,
which is what back-propagation uses.

Convention (Assumption 1): the derivative of ``max(0, .)`` at 0 is taken to be **0**, ``1_{R+*}(0) = 0``. PyTorch,
JAX and TensorFlow make the same choice; it is a convention, since ``max(0, .)`` has no derivative at 0.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_same_shape, result_dtype

_RELU = "Definition 2.1"
_SOFTMAX = "Definition 2.2"


def relu(z) -> np.ndarray:
    r"""ReLU, applied entry by entry.

    Paper: Definition 2.1

    .. math:: \mathcal{R}(z) = \big[\max(0, z_1) \;\cdots\; \max(0, z_m)\big]

    Parameters
    ----------
    z : array, shape (m,) or (n, m)

    Returns
    -------
    ndarray, same shape and float dtype as ``z``
    """
    return _relu(as_float_array(z, "z", _RELU, ndim=(1, 2)))


def _relu(z: np.ndarray) -> np.ndarray:
    """:func:`relu` without input checks, for callers that validated once (the forward pass of N_{c+})."""
    return np.maximum(z, 0)


def relu_derivative(z) -> np.ndarray:
    r"""The derivative of ``max(0, .)`` entry by entry, with the value 0 at 0.

    Paper: Assumption 1

    .. math:: \max(0,\cdot)'(x) = \mathbb{1}_{\mathbb{R}^{+*}}(x) = \begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}

    Applied to the **pre-activation** ``z``; applying it to ``relu(z)`` instead would give the same mask here, but
    only because the test is strict (``> 0``).
    """
    z = as_float_array(z, "z", "Assumption 1", ndim=(1, 2))
    return (z > 0).astype(z.dtype)


def relu_jacobian(z) -> np.ndarray:
    r"""Jacobian of ReLU at one example: the diagonal matrix of the indicators.

    Paper: Proposition 2.1

    .. math:: \mathcal{J}_{\mathcal{R}}(z) = \operatorname{diag}\big(\mathbb{1}_{\mathbb{R}^{+*}}(z_1), \dots,
              \mathbb{1}_{\mathbb{R}^{+*}}(z_m)\big)

    Parameters
    ----------
    z : array, shape (m,)

    Returns
    -------
    ndarray, shape (m, m)
    """
    z = as_float_array(z, "z", "Proposition 2.1", ndim=1)
    return np.diag(relu_derivative(z))


def relu_vjp(z, v) -> np.ndarray:
    r"""Vector-Jacobian product of ReLU: the upstream gradient masked, no matrix product.

    Paper: Proposition 5.1

    .. math:: v\, \mathcal{J}_{\mathcal{R}}(z) = \big[v_1 \mathbb{1}_{\mathbb{R}^{+*}}(z_1) \;\cdots\;
              v_m \mathbb{1}_{\mathbb{R}^{+*}}(z_m)\big]

    Parameters
    ----------
    z : array, shape (m,) or (n, m) — the pre-activation
    v : array, same shape — the upstream gradient at ``relu(z)``
    """
    z = as_float_array(z, "z", "Proposition 5.1", ndim=(1, 2))
    v = as_float_array(v, "v", "Proposition 5.1", ndim=(1, 2))
    check_same_shape(z, v, "z", "v", "Proposition 5.1")
    return _relu_vjp(z, v).astype(result_dtype(z, v), copy=False)


def _relu_vjp(z: np.ndarray, v: np.ndarray) -> np.ndarray:
    """:func:`relu_vjp` without input checks, for callers that validated once (back-propagation)."""
    return np.where(z > 0, v, 0)


def softmax(z) -> np.ndarray:
    r"""Softmax of each row, computed stably.

    Paper: Definition 2.2

    .. math:: \mathcal{S}(z)_i = \frac{e^{z_i}}{\sum_{k=1}^m e^{z_k}} = \frac{e^{z_i - c}}{\sum_k e^{z_k - c}},
              \quad c = \max_k z_k

    Subtracting the row maximum changes nothing mathematically and keeps every exponent ``<= 0``, so logits of
    size ``1e4`` neither overflow nor produce ``inf/inf``. In floating point an entry may still round to 0 or 1:
    the open interval ``]0, 1[`` of Definition 2.2 holds for the exact map only.

    Parameters
    ----------
    z : array, shape (m,) or (n, m)

    Returns
    -------
    ndarray, same shape and dtype; each row sums to 1
    """
    return _softmax(as_float_array(z, "z", _SOFTMAX, ndim=(1, 2)))


def _softmax(z: np.ndarray) -> np.ndarray:
    """:func:`softmax` without input checks, for callers that validated once."""
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def log_softmax(z) -> np.ndarray:
    r"""Logarithm of Softmax, finite even where Softmax underflows to 0.

    Paper: Definition 2.2

    .. math:: \log \mathcal{S}(z)_i = z_i - c - \log \sum_k e^{z_k - c},\quad c = \max_k z_k
    """
    z = as_float_array(z, "z", _SOFTMAX, ndim=(1, 2))
    shifted = z - np.max(z, axis=-1, keepdims=True)
    # sum_k e^{z_k - c} = 1 + (the others): log1p keeps the others' contribution when they are tiny, where
    # log(1 + tiny) would round to 0 and a confident correct prediction would get a loss of exactly 0.
    others = np.exp(shifted)
    np.put_along_axis(others, np.argmax(shifted, axis=-1)[..., None], 0, axis=-1)
    return shifted - np.log1p(np.sum(others, axis=-1, keepdims=True))


def softmax_jacobian(z) -> np.ndarray:
    r"""Jacobian of Softmax at one example.

    Paper: Proposition 2.2

    .. math:: \mathcal{J}_{\mathcal{S}}(z)_{i,j} = \mathcal{S}_i(z)\,(\delta_{i,j} - \mathcal{S}_j(z)),
              \qquad \mathcal{J}_{\mathcal{S}}(z) = \operatorname{diag}(s) - s^T s,\ s = \mathcal{S}(z)

    Symmetric, rows summing to 0, positive semidefinite, rank ``m - 1``.

    Parameters
    ----------
    z : array, shape (m,)

    Returns
    -------
    ndarray, shape (m, m)
    """
    z = as_float_array(z, "z", "Proposition 2.2", ndim=1)
    s = softmax(z)
    jac = -np.outer(s, s)
    # Diagonal s_i (1 - s_i) written as s_i * sum_{k != i} s_k: no cancellation when s_i is close to 1.
    others = np.sum(np.where(np.eye(s.size, dtype=bool), 0, s[None, :]), axis=1)
    np.fill_diagonal(jac, s * others)
    return jac


def softmax_vjp(z, v) -> np.ndarray:
    r"""Vector-Jacobian product of Softmax on a batch, without forming the ``(m, m)`` matrix.

    Paper: Proposition 2.2

    .. math:: v\, \mathcal{J}_{\mathcal{S}}(z) = s \odot \big(v - \langle v, s\rangle\big),\quad s = \mathcal{S}(z)

    Parameters
    ----------
    z : array, shape (m,) or (n, m)
    v : array, same shape
    """
    z = as_float_array(z, "z", "Proposition 2.2", ndim=(1, 2))
    v = as_float_array(v, "v", "Proposition 2.2", ndim=(1, 2))
    check_same_shape(z, v, "z", "v", "Proposition 2.2")
    s = softmax(z)
    # <v, s> = v_j* + sum_{k != j*} s_k (v_k - v_j*) with j* = argmax s. Measuring v against v_j* avoids the
    # cancellation of v_j* - <v, s> when s_j* is close to 1 (the same one as in 1 - s_j*).
    top = np.argmax(s, axis=-1)[..., None]
    u = v - np.take_along_axis(v, top, axis=-1)
    others = s.copy()
    np.put_along_axis(others, top, 0, axis=-1)
    return s * (u - np.sum(others * u, axis=-1, keepdims=True))
