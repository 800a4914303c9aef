r"""Section 5 of the paper: the multi-class dense network N_{c+}, its objective, and its gradients by two routes.

``params`` is a list of ``(W, b)`` pairs, layer 1 first, with ``W^{(k)}`` of shape ``(m_k, m_{k-1})`` and ``b^{(k)}``
of shape ``(m_k,)`` (Definition 5.1). A batch ``X`` is ``(n, m_0)``; targets ``Y`` are one-hot ``(n, m_p)``.

The two gradient routes:

``"backprop"``
    Propositions 5.1-5.3 on the whole batch at once: the fused output gradient ``S(z) - y*``, masks for ReLU,
    one matrix product per weight matrix. No Jacobian matrix is ever formed.
``"jacobian"``
    The literal route: for each example, the full Jacobian matrices of Propositions 2.1, 2.2, 3.1, 4.1, 4.2 and
    4.3 are assembled and multiplied by the chain rule (Theorem 1.3); the per-example gradients are added
    (Proposition 1.2), as the note after the Corollary of Definition 5.2 describes. Slow by design.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import activations, layers, losses
from ._validation import FLOAT_DTYPES, as_float_array, check_one_hot

Params = list[tuple[np.ndarray, np.ndarray]]

_NET = "Definition 5.1"
_OBJ = "Definition 5.2"
METHODS = ("backprop", "jacobian")
REDUCTIONS = ("sum", "mean")


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
    dtype = np.dtype(dtype)
    if dtype not in FLOAT_DTYPES:
        raise TypeError(f"dtype must be float32 or float64; got {dtype}")
    sizes = list(sizes)
    if len(sizes) < 2 or not all(
        isinstance(m, (int, np.integer)) and not isinstance(m, bool) and m >= 1 for m in sizes
    ):
        raise ValueError(
            f"sizes must be at least two positive integers [m_0, ..., m_p] ({_NET}: (m_k) in (N*)^(p+1)); got {sizes}"
        )
    params = []
    for m_in, m_out in zip(sizes[:-1], sizes[1:]):
        W = (rng.standard_normal((m_out, m_in)) * np.sqrt(2.0 / m_in)).astype(dtype)
        params.append((W, np.zeros(m_out, dtype=dtype)))
    return params


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
        sizes = list(sizes_or_params)
        if len(sizes) < 2 or not all(
            isinstance(m, (int, np.integer)) and not isinstance(m, bool) and m >= 1 for m in sizes
        ):
            raise ValueError(f"sizes must be at least two positive integers (Corollary of Definition 5.1); got {sizes}")
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
    sizes = list(sizes)
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
    X = as_float_array(X, "X", statement, ndim=2)
    m0 = params[0][0].shape[1]
    if X.shape[1] != m0:
        raise ValueError(
            f"X must have shape (n, {m0}) to match W^(1) of shape {params[0][0].shape} "
            f"({statement}: x in R^(m_0)); got {X.shape}"
        )
    if X.shape[0] == 0:
        raise ValueError(f"X must hold at least one example ({statement}); got shape {X.shape}")
    return X, params


def _check_targets(Y, X, params, statement: str) -> np.ndarray:
    mp = params[-1][0].shape[0]
    if np.ndim(Y) != 2:
        raise ValueError(
            f"Y must be one-hot targets of shape (n, {mp}) ({statement}: y* in {{0,1}}^(m_p)); "
            f"got shape {np.shape(Y)} (integer labels? use mathdnn_core.datasets.one_hot)"
        )
    Y = as_float_array(Y, "Y", statement, ndim=2, allow_nonfinite=True)  # the one-hot check rejects NaN and inf
    if Y.shape != (X.shape[0], mp):
        raise ValueError(
            f"Y must have shape ({X.shape[0]}, {mp}): one one-hot row per row of X, {mp} classes "
            f"({statement}); got {Y.shape}"
        )
    check_one_hot(Y, "Y", statement)
    return Y


@dataclass(frozen=True)
class ForwardCache:
    """What the forward pass keeps for back-propagation: layer inputs ``a^{(k-1)}``, pre-activations ``z^{(k)}``.

    Paper: Definition 5.1

    ``probabilities`` (``S(z^{(p)})``) is computed on first access: the logits alone (prediction, the objective
    through log-Softmax) never need it.
    """

    inputs: list[np.ndarray]  # a^(0) = X, a^(1), ..., a^(p-1)
    preactivations: list[np.ndarray]  # z^(1), ..., z^(p); z^(p) are the logits

    @functools.cached_property
    def probabilities(self) -> np.ndarray:
        """``S(z^{(p)})``, the network's output: Softmax applied to the logits.

        Paper: Definition 2.2
        """
        return activations.softmax(self.preactivations[-1])


def forward_with_cache(X, params) -> ForwardCache:
    r"""The forward pass of N_{c+} on a batch, keeping every intermediate value.

    Paper: Definition 5.1

    .. math:: a^{(0)} = x,\quad z^{(k)} = \mathbb{L}(a^{(k-1)}, W^{(k)}, b^{(k)}),\quad
              a^{(k)} = \mathcal{R}(z^{(k)})\ (k < p),\quad y = \mathcal{S}(z^{(p)})
    """
    X, params = _check_inputs(X, params, _NET)
    inputs, pre = [X], []
    a = X
    for k, (W, b) in enumerate(params):
        z = a @ W.T + b
        pre.append(z)
        if k < len(params) - 1:
            a = np.maximum(z, 0)
            inputs.append(a)
    return ForwardCache(inputs, pre)


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


def predict(X, params) -> np.ndarray:
    r"""Predicted class of each row: ``argmax_k N_{c+}(x)_k`` (0-based).

    Paper: Definition 5.1

    Raises ``ValueError`` when the logits overflow (finite but huge parameters), rather than returning an
    arbitrary class.
    """
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below, as an error
        z = logits(X, params)
    bad = z.size - np.count_nonzero(np.isfinite(z))
    if bad:
        raise ValueError(
            f"the network's output z^(p) holds {bad} NaN or infinite value(s): the parameters are finite "
            f"but too large for {z.dtype} (overflow), so no class can be predicted ({_NET})"
        )
    return np.argmax(z, axis=1)


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
    Y = _check_targets(Y, X, params, _OBJ)
    z = forward_with_cache(X, params).preactivations[-1]
    return float(_reduce(losses.cross_entropy_from_logits(z, Y), reduction))


# ----------------------------------------------------------------------------------------------------------------
# Gradients
# ----------------------------------------------------------------------------------------------------------------
class BackpropWorkspace:
    r"""Preallocated buffers for the back-propagation kernel: the fast path used by training.

    Paper: Proposition 5.3

    One workspace serves every batch of up to ``max_batch`` rows (a smaller last batch uses the leading rows of
    each buffer), so a training epoch allocates nothing per batch. The arrays it returns are its own buffers:
    they are overwritten by the next call. ``order`` is the memory layout of the weight gradients in
    ``flat_grads`` (``"C"`` row by row, ``"F"`` column by column, as in :func:`unflatten`); the results are the
    same either way, to round-off.
    """

    def __init__(self, sizes: Sequence[int], max_batch: int, dtype=np.float64, order: str = "C"):
        dtype = np.dtype(dtype)
        if dtype not in FLOAT_DTYPES:
            raise TypeError(f"dtype must be float32 or float64; got {dtype}")
        if not isinstance(max_batch, (int, np.integer)) or max_batch < 1:
            raise ValueError(f"max_batch must be a positive integer; got {max_batch!r}")
        self.sizes, self.max_batch, self.dtype = list(sizes), int(max_batch), dtype
        widths = self.sizes[1:]
        self._z = [np.empty((max_batch, m), dtype) for m in widths]
        self._a = [np.empty((max_batch, m), dtype) for m in widths[:-1]]
        self._delta = [np.empty((max_batch, m), dtype) for m in widths[:-1]]
        self._mask = [np.empty((max_batch, m), bool) for m in widths[:-1]]
        self._row = np.empty((max_batch, 1), dtype)
        self._scratch = np.empty((max_batch, widths[-1]), dtype)
        # Sums over a batch or over the classes as products with a vector of ones: one BLAS call instead of a
        # NumPy reduction along a short axis (several times slower at these sizes).
        self._ones_batch = np.ones(max_batch, dtype)
        self._ones_classes = np.ones((widths[-1], 1), dtype)
        # All gradients live in one contiguous buffer (``flat_grads``), the (dW, db) pairs being views into it, so
        # an optimizer can update every parameter with a handful of whole-buffer operations. ``order`` is the
        # layout of each dW in it (see :func:`unflatten`); it should match the parameters' layout.
        self.flat_grads = np.empty(parameter_count(self.sizes), dtype)
        self.grads: Params = unflatten(self.flat_grads, self.sizes, order)
        self.order = order

    def run(self, X: np.ndarray, Y: np.ndarray, params: Params, scale: float = 1.0) -> tuple[float, Params]:
        r"""Loss and gradients of one batch, without input checks (the caller validated once).

        Paper: Proposition 5.3

        .. math::
            \delta^{(p)} = c\,(\mathcal{S}(z^{(p)}) - Y^*) \ \text{(Prop. 5.3)},\quad
            \nabla_{W^{(k)}} = \delta^{(k)T} a^{(k-1)},\ \nabla_{b^{(k)}} = \mathbb{1}^T\delta^{(k)}
            \ \text{(Props. 5.2, 4.3)},\quad
            \delta^{(k-1)} = (\delta^{(k)} W^{(k)}) \odot \mathbb{1}_{\mathbb{R}^{+*}}(z^{(k-1)})
            \ \text{(Props. 4.1, 5.1)}

        Returns ``(sum of the batch's cross-entropies, grads)`` where ``grads`` is ``scale`` times the gradient of
        that sum (``scale = 1/n`` gives the mean). ``grads`` are the workspace's buffers.
        """
        n = X.shape[0]
        p = len(params)
        a = X
        for k, (W, b) in enumerate(params):
            z = self._z[k][:n]
            np.matmul(a, W.T, out=z)
            z += b
            if k < p - 1:
                a = self._a[k][:n]
                np.maximum(z, 0, out=a)
        # Fused Softmax + cross-entropy on the logits, in place (Proposition 5.3): z <- S(z) - Y.
        row, ones_batch = self._row[:n], self._ones_batch[:n]
        np.max(z, axis=1, keepdims=True, out=row)
        z -= row
        loss = -float(np.vdot(z, Y))  # sum_i -(z_i - max_i)[label]
        np.exp(z, out=z)
        np.matmul(z, self._ones_classes, out=row)
        z /= row
        np.log(row, out=row)
        loss += float(np.vdot(row, ones_batch))
        # z <- S(z) - Y, writing the target entry S_c - 1 as -sum_{k != c} S_k (no cancellation when S_c ~ 1).
        scratch = self._scratch[:n]
        np.subtract(1, Y, out=scratch)
        z *= scratch
        np.matmul(z, self._ones_classes, out=row)
        np.multiply(Y, row, out=scratch)
        z -= scratch
        if scale != 1.0:
            z *= scale
        delta = z
        for k in range(p - 1, -1, -1):
            W = params[k][0]
            dW, db = self.grads[k]
            a_prev = X if k == 0 else self._a[k - 1][:n]
            if dW.flags.c_contiguous:
                np.matmul(delta.T, a_prev, out=dW)
            else:  # dW is a column-major view: write its transpose, a_prev^T delta, row by row
                np.matmul(a_prev.T, delta, out=dW.T)
            np.matmul(ones_batch, delta, out=db)
            if k > 0:
                upstream = self._delta[k - 1][:n]
                np.matmul(delta, W, out=upstream)
                mask = self._mask[k - 1][:n]
                np.greater(a_prev, 0, out=mask)  # relu(z) > 0 exactly when z > 0: Assumption 1
                upstream *= mask
                delta = upstream
        return loss, self.grads


def backprop_gradients(X, Y, params, reduction: str = "sum") -> Params:
    r"""Gradients of the objective by back-propagation, vectorised over the batch (Propositions 5.1-5.3).

    Paper: Proposition 5.3

    .. math:: \nabla_{W^{(k)}} \mathcal{O}_{c^+} = \delta^{(k)T} a^{(k-1)},\qquad
              \nabla_{b^{(k)}} \mathcal{O}_{c^+} = \sum_{i} \delta^{(k)}_{i,:}

    with ``delta^{(p)} = S(z^{(p)}) - Y*`` (Proposition 5.3) and
    ``delta^{(k-1)} = (delta^{(k)} W^{(k)}) * 1(z^{(k-1)} > 0)`` (Propositions 4.1 and 5.1).
    """
    X, params = _check_inputs(X, params, _OBJ)
    Y = _check_targets(Y, X, params, _OBJ)
    dtype = np.result_type(X, *[a for pair in params for a in pair])
    _check_reduction(reduction)
    workspace = BackpropWorkspace(layer_sizes(params), X.shape[0], dtype)
    cast = [(W.astype(dtype, copy=False), b.astype(dtype, copy=False)) for W, b in params]
    scale = 1.0 if reduction == "sum" else 1.0 / X.shape[0]
    _, grads = workspace.run(X.astype(dtype, copy=False), Y.astype(dtype, copy=False), cast, scale)
    return grads  # a fresh workspace: the buffers belong to the caller


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
    Y = _check_targets(Y, X, params, _OBJ)
    _check_reduction(reduction)
    dtype = np.result_type(X, *[a for pair in params for a in pair])
    totals = [(np.zeros(W.shape, dtype), np.zeros(b.shape, dtype)) for W, b in params]
    cache = forward_with_cache(X, params)
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
