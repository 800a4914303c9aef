r"""Section 5 of the paper: the multi-class dense network N_{c+}, its objective, and its gradients by two routes.

``params`` is a list of ``(W, b)`` pairs, layer 1 first, with ``W^{(k)}`` of shape ``(m_k, m_{k-1})`` and ``b^{(k)}``
of shape ``(m_k,)`` (Definition 5.1). A batch ``X`` is ``(n, m_0)``; targets ``Y`` are one-hot ``(n, m_p)``.

The forward pass is the composition of the §4 layer and the §2 activations (their unchecked kernels
``layers._dense``, ``activations._relu``; Softmax on demand). Whole data sets go through :func:`forward_chunks`, a
bounded number of rows at a time, and :attr:`ForwardCache.classes` is the one place where a predicted class is read
off the output (:func:`predict`, :func:`mathdnn_core.training.evaluate` and training's checks after each epoch).

The two gradient routes:

``"backprop"``
    Propositions 5.1-5.3 on the whole batch at once: the fused output gradient ``S(z) - y*``, masks for ReLU,
    one matrix product per weight matrix. No Jacobian matrix is ever formed. Training runs the same equations in
    place on preallocated buffers (:class:`mathdnn_core.backprop.BackpropWorkspace`).
``"jacobian"``
    The literal route: for each example, the full Jacobian matrices of Propositions 2.1, 2.2, 3.1, 4.1, 4.2 and
    4.3 are assembled and multiplied by the chain rule (Theorem 1.3); the per-example gradients are added
    (Proposition 1.2), as the note after the Corollary of Definition 5.2 describes. Slow by design.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from . import activations, layers, losses
from ._validation import Params, check_rows, check_targets, float_dtype, positive_int

_NET = "Definition 5.1"
_OBJ = "Definition 5.2"
METHODS = ("backprop", "jacobian")
REDUCTIONS = ("sum", "mean")
#: Rows per forward pass where a whole data set goes through the network (prediction, evaluation, the checks
#: after each training epoch): bounds the memory of the intermediate values.
PREDICT_CHUNK = 8192


# ----------------------------------------------------------------------------------------------------------------
# Parameters
# ----------------------------------------------------------------------------------------------------------------
def init_params(sizes: Sequence[int], rng: np.random.Generator, dtype=np.float64) -> Params:
    r"""Random parameters for N_{c+} with layer widths ``sizes = [m_0, m_1, ..., m_p]``.

    Paper: Definition 5.1

    .. math:: W^{(k)}_{i,j} \sim \mathcal{N}\Big(0, \frac{2}{m_{k-1}}\Big),\qquad b^{(k)} = 0

    He initialisation keeps the variance of ReLU activations constant from layer to layer. The paper leaves the
    initial point ``(W^{(k)(0)}, b^{(k)(0)})`` of Definition 6.6 free.

    Parameters
    ----------
    sizes : sequence of p + 1 positive integers
    rng : numpy.random.Generator — the only source of randomness (same seed, same parameters)
    dtype : numpy.float32 or numpy.float64
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy.random.Generator, e.g. np.random.default_rng(0); got {type(rng).__name__}"
        )
    dtype = float_dtype(dtype, "dtype", _NET)
    sizes = _check_sizes(sizes, _NET)
    params = []
    for m_in, m_out in zip(sizes[:-1], sizes[1:]):
        W = (rng.standard_normal((m_out, m_in)) * np.sqrt(2.0 / m_in)).astype(dtype)
        params.append((W, np.zeros(m_out, dtype=dtype)))
    return params


def _check_sizes(sizes, statement: str) -> list[int]:
    """The widths ``[m_0, ..., m_p]``: at least two, each a positive integer."""
    widths = None if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__") else list(sizes)
    if widths is None or len(widths) < 2:
        raise ValueError(
            f"sizes must be at least two positive integers [m_0, ..., m_p] ({statement}: (m_k) in (N*)^(p+1)); "
            f"got {sizes!r}"
        )
    return [positive_int(m, f"m_{k}", f"{statement}: (m_k) in (N*)^(p+1)") for k, m in enumerate(widths)]


def check_params(params, statement: str = _NET) -> Params:
    """Validate parameters: a non-empty sequence of finite ``(W, b)`` pairs whose shapes chain (Definition 5.1).

    Paper: Definition 5.1
    """
    if isinstance(params, np.ndarray) or not isinstance(params, (list, tuple)) or len(params) == 0:
        raise TypeError(f"params must be a non-empty list of (W, b) pairs, layer 1 first ({statement})")
    checked = []
    for k, pair in enumerate(params, start=1):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise TypeError(f"params[{k - 1}] must be a pair (W^({k}), b^({k})) ({statement})")
        W, b = layers.check_dense_parameters(pair[0], pair[1], f"{statement}, layer {k}")
        if checked and W.shape[1] != checked[-1][0].shape[0]:
            raise ValueError(
                f"parameter shapes do not chain ({statement}: W^({k}) in M_(m_{k}, m_{k - 1})): "
                f"W^({k}) has shape {W.shape} but layer {k - 1} has {checked[-1][0].shape[0]} outputs"
            )
        checked.append((W, b))
    return checked


def layer_sizes(params) -> list[int]:
    """``[m_0, m_1, ..., m_p]`` read off the parameters.

    Paper: Definition 5.1
    """
    params = check_params(params)
    return [params[0][0].shape[1]] + [W.shape[0] for W, _ in params]


def parameter_count(sizes_or_params) -> int:
    r"""Total number of trainable scalars.

    Paper: Corollary of Definition 5.1

    .. math:: \sum_{k=1}^p m_k\,(m_{k-1} + 1)

    Parameters
    ----------
    sizes_or_params : the widths ``[m_0, ..., m_p]`` or a parameter list
    """
    if isinstance(sizes_or_params, (list, tuple)) and sizes_or_params and isinstance(sizes_or_params[0], (list, tuple)):
        sizes = layer_sizes(sizes_or_params)
    else:
        sizes = _check_sizes(sizes_or_params, "Corollary of Definition 5.1")
    return sum(m_k * (m_prev + 1) for m_prev, m_k in zip(sizes[:-1], sizes[1:]))


def unflatten(flat: np.ndarray, sizes: Sequence[int], order: str = "C") -> Params:
    r"""Views ``(W^{(k)}, b^{(k)})`` into one flat buffer of ``sum_k m_k (m_{k-1} + 1)`` numbers, layer 1 first.

    Paper: Corollary of Definition 5.1

    Writing to a view writes to ``flat`` and back: training keeps parameters, gradients and momentum each in one
    buffer, so that the update of Definition 6.7 is a few operations on whole buffers.

    ``order="C"`` stores each ``W^{(k)}`` row by row; ``order="F"`` column by column (the buffer then holds
    ``W^{(k)T}`` row by row and ``W^{(k)}`` is a Fortran-ordered view of shape ``(m_k, m_{k-1})``). Training uses
    ``"F"``: its two products with the big first-layer matrix, ``a W^T`` and ``delta^T a``, then read and write
    contiguous rows, which OpenBLAS does measurably faster at batch sizes of 32-128.
    """
    sizes = _check_sizes(sizes, "Corollary of Definition 5.1")
    if order not in ("C", "F"):
        raise ValueError(f"order must be 'C' (each W row by row) or 'F' (column by column); got {order!r}")
    if flat.ndim != 1 or flat.size != parameter_count(sizes):
        raise ValueError(
            f"flat must be 1-D with {parameter_count(sizes)} entries (Corollary of Definition 5.1) for "
            f"sizes {sizes}; got shape {flat.shape}"
        )
    views, start = [], 0
    for m_in, m_out in zip(sizes[:-1], sizes[1:]):
        W = flat[start : start + m_out * m_in].reshape(m_out, m_in, order=order)
        start += m_out * m_in
        views.append((W, flat[start : start + m_out]))
        start += m_out
    return views


# ----------------------------------------------------------------------------------------------------------------
# Forward pass
# ----------------------------------------------------------------------------------------------------------------
def _check_inputs(X, params, statement: str):
    params = check_params(params, statement)
    return check_rows(X, params[0][0].shape[1], statement), params


class OutputOverflowError(ValueError):
    r"""The output ``z^{(p)}`` of N_{c+} has a NaN or infinite entry although its inputs and parameters are finite.

    Paper: Definition 5.1

    Finite but huge parameters overflow the products (float32 already at about ``3e38``): no class can be predicted.
    ``value`` is the first non-finite entry, ``count`` their number.
    """

    def __init__(self, message: str, *, value: float, count: int):
        super().__init__(message)
        self.value, self.count = value, count


@dataclass(frozen=True)
class ForwardCache:
    """What the forward pass keeps for back-propagation: layer inputs ``a^{(k-1)}``, pre-activations ``z^{(k)}``.

    Paper: Definition 5.1

    ``probabilities`` (``S(z^{(p)})``) and ``classes`` (the predicted class of each row) are computed on first
    access: the logits alone (the objective through log-Softmax) never need them.
    """

    inputs: list[np.ndarray]  # a^(0) = X, a^(1), ..., a^(p-1)
    preactivations: list[np.ndarray]  # z^(1), ..., z^(p); z^(p) are the logits

    @functools.cached_property
    def probabilities(self) -> np.ndarray:
        """``S(z^{(p)})``, the network's output: Softmax applied to the logits.

        Paper: Definition 2.2
        """
        return activations.softmax(self.preactivations[-1])

    @functools.cached_property
    def classes(self) -> np.ndarray:
        r"""The predicted class of each row, ``argmax_k z^{(p)}_k`` (0-based, int64): Softmax is increasing, so it is
        also ``argmax_k N_{c+}(x)_k``. The one place where a class is read off the network's output.

        Paper: Definition 5.1

        Raises :class:`OutputOverflowError` when a logit is NaN or infinite, rather than returning an arbitrary
        class.
        """
        z = self.preactivations[-1]
        finite = np.isfinite(z)
        if not finite.all():
            count = int(z.size - np.count_nonzero(finite))
            raise OutputOverflowError(
                f"the network's output z^(p) holds {count} NaN or infinite value(s): the parameters are finite "
                f"but too large for {z.dtype} (overflow), so no class can be predicted ({_NET})",
                value=float(z[~finite][0]),
                count=count,
            )
        return np.argmax(z, axis=1).astype(np.int64, copy=False)


def forward_with_cache(X, params) -> ForwardCache:
    r"""The forward pass of N_{c+} on a batch, keeping every intermediate value.

    Paper: Definition 5.1

    .. math:: a^{(0)} = x,\quad z^{(k)} = \mathbb{L}(a^{(k-1)}, W^{(k)}, b^{(k)}),\quad
              a^{(k)} = \mathcal{R}(z^{(k)})\ (k < p),\quad y = \mathcal{S}(z^{(p)})
    """
    return _forward(*_check_inputs(X, params, _NET))


def _forward(X: np.ndarray, params: Params) -> ForwardCache:
    """:func:`forward_with_cache` without input checks: the §4 layer and the §2 activation, composed."""
    inputs, pre = [X], []
    a = X
    hidden = len(params) - 1
    for k, (W, b) in enumerate(params):
        z = layers._dense(a, W, b)  # Definition 4.1
        pre.append(z)
        if k < hidden:
            a = activations._relu(z)  # Definition 2.1
            inputs.append(a)
    return ForwardCache(inputs, pre)


def forward_chunks(X, params, chunk: int = PREDICT_CHUNK) -> Iterator[tuple[slice, ForwardCache]]:
    r"""The forward pass of N_{c+} over a whole data set, ``chunk`` rows at a time: ``(rows, cache)`` pairs.

    Paper: Definition 5.1

    The inputs are checked once, up front; each ``cache`` is :func:`forward_with_cache` of ``X[rows]``. The memory
    of the intermediate values is bounded by ``chunk`` rows whatever the size of ``X``. Prediction, evaluation and
    the checks after each training epoch all go through here.
    """
    X, params = _check_inputs(X, params, _NET)
    chunk = positive_int(chunk, "chunk", f"{_NET}: rows per forward pass")
    return _forward_chunks(X, params, chunk)


def _forward_chunks(X: np.ndarray, params: Params, chunk: int = PREDICT_CHUNK) -> Iterator[tuple[slice, ForwardCache]]:
    """:func:`forward_chunks` without input checks (training validated once, before its first epoch)."""
    for start in range(0, X.shape[0], chunk):
        rows = slice(start, min(start + chunk, X.shape[0]))
        yield rows, _forward(X[rows], params)


def forward(X, params) -> np.ndarray:
    r"""Class probabilities ``N_{c+}(x, W, b)`` for each row of ``X``.

    Paper: Definition 5.1

    .. math:: \mathcal{N}_{c^+}(x) = (\mathcal{S} \circ \mathbb{L}^{(p)}) \circ
              (\mathcal{R}^{(p-1)} \circ \mathbb{L}^{(p-1)}) \circ \cdots
              \circ (\mathcal{R}^{(1)} \circ \mathbb{L}^{(1)})(x)

    Returns
    -------
    ndarray, shape (n, m_p), rows summing to 1
    """
    return forward_with_cache(X, params).probabilities


def logits(X, params) -> np.ndarray:
    r"""The pre-Softmax output ``z^{(p)}`` of N_{c+} for each row of ``X``.

    Paper: Definition 5.1
    """
    return forward_with_cache(X, params).preactivations[-1]


def predict(X, params, chunk: int = PREDICT_CHUNK) -> np.ndarray:
    r"""Predicted class of each row: ``argmax_k N_{c+}(x)_k`` (0-based), ``chunk`` rows at a time.

    Paper: Definition 5.1

    .. math:: \hat y^{(i)} = \operatorname{argmax}_k \mathcal{N}_{c^+}(x^{(i)}, W, b)_k

    Returns
    -------
    ndarray of int64, shape (n,)

    Raises
    ------
    OutputOverflowError
        (a ``ValueError``) when the logits overflow (finite but huge parameters), rather than returning an arbitrary
        class.
    """
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported by ForwardCache.classes
        return np.concatenate([cache.classes for _, cache in forward_chunks(X, params, chunk)])


def _check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"reduction must be one of {REDUCTIONS} ({_OBJ} uses 'sum'; 'mean' is the minibatch "
            f"estimate of the note after Definition 6.6); got {reduction!r}"
        )


def _reduce(values: np.ndarray, reduction: str):
    _check_reduction(reduction)
    return values.sum() if reduction == "sum" else values.mean()


def objective(X, Y, params, reduction: str = "sum") -> float:
    r"""The objective of the multi-class optimisation problem: cross-entropy added over the samples.

    Paper: Definition 5.2

    .. math:: \mathcal{O}_{c^+}(X, Y^*, W, b) = \sum_{i=1}^n \xi\big(\mathcal{N}_{c^+}(x^{(i)}, W, b), y^{*(i)}\big)

    Computed through log-Softmax (see :func:`mathdnn_core.losses.cross_entropy_from_logits`), so it stays finite
    when a probability rounds to 0. ``reduction="mean"`` divides by ``n``.
    """
    X, params = _check_inputs(X, params, _OBJ)
    Y = check_targets(Y, X.shape[0], params[-1][0].shape[0], _OBJ)
    z = _forward(X, params).preactivations[-1]
    return float(_reduce(losses.cross_entropy_from_logits(z, Y), reduction))


# ----------------------------------------------------------------------------------------------------------------
# Gradients
# ----------------------------------------------------------------------------------------------------------------
def backprop_gradients(X, Y, params, reduction: str = "sum") -> Params:
    r"""Gradients of the objective by back-propagation, vectorised over the batch (Propositions 5.1-5.3).

    Paper: Proposition 5.3

    .. math:: \nabla_{W^{(k)}} \mathcal{O}_{c^+} = \delta^{(k)T} a^{(k-1)},\qquad
              \nabla_{b^{(k)}} \mathcal{O}_{c^+} = \sum_{i} \delta^{(k)}_{i,:}

    with ``delta^{(p)} = S(z^{(p)}) - Y*`` (Proposition 5.3) and
    ``delta^{(k-1)} = (delta^{(k)} W^{(k)}) * 1(z^{(k-1)} > 0)`` (Propositions 4.1 and 5.1): the forward pass, then the
    §3-§5 vector-Jacobian products, composed; no Jacobian matrix is formed. ``reduction="mean"`` scales
    ``delta^{(p)}`` by ``1/n`` before propagating it. Training runs the same equations in place
    (:class:`mathdnn_core.backprop.BackpropWorkspace`).
    """
    X, params = _check_inputs(X, params, _OBJ)
    Y = check_targets(Y, X.shape[0], params[-1][0].shape[0], _OBJ)
    _check_reduction(reduction)
    dtype = np.result_type(X, *[a for pair in params for a in pair])
    params = [(W.astype(dtype, copy=False), b.astype(dtype, copy=False)) for W, b in params]
    cache = _forward(X.astype(dtype, copy=False), params)
    delta = losses._softmax_cross_entropy_gradient(cache.preactivations[-1], Y.astype(dtype, copy=False))
    if reduction == "mean":
        delta *= dtype.type(1.0 / X.shape[0])
    grads = [None] * len(params)
    for k in range(len(params) - 1, -1, -1):
        # Propositions 4.1, 5.2 and 4.3 (the dense layer's VJP, summed over the batch), then 5.1 (the ReLU mask)
        upstream, dW, db = layers._dense_vjp(cache.inputs[k], params[k][0], delta, input_gradient=k > 0)
        grads[k] = (dW, db)
        if k > 0:
            delta = activations._relu_vjp(cache.preactivations[k - 1], upstream)
    return grads


def jacobian_gradients(X, Y, params, reduction: str = "sum") -> Params:
    r"""Gradients of the objective by the literal chain of Jacobian matrices, one example at a time.

    Paper: Corollary of Definition 5.2

    .. math::
        g^{(p)} = \nabla_{\xi(\cdot,y^*)}(\mathcal{S}(z^{(p)}))\,\mathcal{J}_{\mathcal{S}}(z^{(p)}),\qquad
        \nabla_{W^{(k)}_{i^*,:}} = g^{(k)}\,\mathcal{J}_{\mathbb{L}(a^{(k-1)}, \dots, \cdot, \dots)}(W^{(k)}_{i^*,:}),\\
        \nabla_{b^{(k)}} = g^{(k)} I_{m_k},\qquad
        g^{(k-1)} = g^{(k)}\, W^{(k)}\, \mathcal{J}_{\mathcal{R}}(z^{(k-1)})

    Every factor is the full matrix from :mod:`mathdnn_core.activations`, :mod:`mathdnn_core.losses` and
    :mod:`mathdnn_core.layers` (Propositions 2.1, 2.2, 3.1, 4.1, 4.2, 4.3), multiplied by Theorem 1.3; the weight
    gradient is the vertical stack of the row gradients (Notation 17); the examples are added by Proposition 1.2.
    Because it goes through Proposition 3.1, it needs every predicted probability inside ]0, 1[ (Definition 3.1)
    and raises otherwise.
    """
    X, params = _check_inputs(X, params, _OBJ)
    Y = check_targets(Y, X.shape[0], params[-1][0].shape[0], _OBJ)
    _check_reduction(reduction)
    dtype = np.result_type(X, *[a for pair in params for a in pair])
    totals = [(np.zeros(W.shape, dtype), np.zeros(b.shape, dtype)) for W, b in params]
    cache = _forward(X, params)
    for i in range(X.shape[0]):
        z_out = cache.preactivations[-1][i]
        upstream = losses.cross_entropy_gradient(activations.softmax(z_out), Y[i])  # Proposition 3.1
        upstream = upstream @ activations.softmax_jacobian(z_out)  # Proposition 2.2, Theorem 1.3
        for k in range(len(params) - 1, -1, -1):
            W, b = params[k]
            a_prev = cache.inputs[k][i]
            dW, db = totals[k]
            for row in range(W.shape[0]):  # Notation 17: stack the gradients of each row W_{i*,:}
                dW[row] += upstream @ layers.dense_jacobian_weight_row(a_prev, W, b, row)  # Proposition 4.2
            db += upstream @ layers.dense_jacobian_bias(a_prev, W, b)  # Proposition 4.3
            if k > 0:
                upstream = (
                    upstream
                    @ layers.dense_jacobian_input(a_prev, W, b)  # Proposition 4.1
                    @ activations.relu_jacobian(cache.preactivations[k - 1][i])
                )  # Proposition 2.1
    if reduction == "mean":
        totals = [(dW / X.shape[0], db / X.shape[0]) for dW, db in totals]
    return totals


def gradients(X, Y, params, method: str = "backprop", reduction: str = "sum") -> Params:
    r"""Gradients of the objective with respect to every ``W^{(k)}`` and ``b^{(k)}``, by the chosen route.

    Paper: Corollary of Definition 5.2

    Parameters
    ----------
    X : array (n, m_0)
    Y : one-hot array (n, m_p)
    params : list of (W, b)
    method : {"backprop", "jacobian"}
        ``"backprop"`` — :func:`backprop_gradients` (fast); ``"jacobian"`` — :func:`jacobian_gradients` (literal).
    reduction : {"sum", "mean"}
        ``"sum"`` is the objective of Definition 5.2; ``"mean"`` the minibatch estimate (note after Def. 6.6).

    Returns
    -------
    list of (dW, db) with the shapes of ``params``
    """
    if method not in METHODS:
        raise ValueError(
            f"method must be one of {METHODS} (the two routes of the Corollary of Definition 5.2); got {method!r}"
        )
    route = backprop_gradients if method == "backprop" else jacobian_gradients
    return route(X, Y, params, reduction=reduction)


def gradient_cost(sizes: Sequence[int], method: str) -> int:
    r"""Scalar multiplications per sample in the matrix products of a gradient route, counted from its equations.

    Paper: Corollary of Definition 5.2

    .. math::
        \text{backprop: } \sum_{k=1}^p 2\, m_k m_{k-1} + \sum_{k=2}^p m_k m_{k-1},\qquad
        \text{jacobian: } \sum_{k=1}^p \big(m_k m_{k-1} + m_k^2 m_{k-1} + m_k^2\big) + m_p^2
        + \sum_{k=2}^p \big(m_k m_{k-1} + m_{k-1}^2\big)

    Both routes run the forward pass (``m_k m_{k-1}`` per layer). Back-propagation then forms ``delta^T a`` (Prop.
    5.2) and ``delta W`` (Props 4.1, 5.1); the literal route multiplies the row ``g^{(k)}`` by each of the ``m_k``
    row Jacobians of Proposition 4.2 (``m_k x m_{k-1}`` each), by ``I_{m_k}`` (Prop. 4.3), by ``W^{(k)}`` and by the
    ``m_{k-1} x m_{k-1}`` Jacobian of ReLU, after ``grad xi`` times the ``m_p x m_p`` Jacobian of Softmax. For
    widths all equal to ``w``: about ``3 p w^2`` against ``p w^3``.
    """
    sizes = _check_sizes(sizes, "Corollary of Definition 5.2")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS} (Corollary of Definition 5.2); got {method!r}")
    widths = list(zip(sizes[:-1], sizes[1:]))  # (m_{k-1}, m_k), k = 1..p
    if method == "backprop":
        return sum(2 * m * n for n, m in widths) + sum(m * n for n, m in widths[1:])
    return (
        sum(m * n + m * m * n + m * m for n, m in widths) + sizes[-1] ** 2 + sum(m * n + n * n for n, m in widths[1:])
    )
