r"""Back-propagation on preallocated buffers: the fast path of training (Propositions 5.1-5.3, in place).

:class:`BackpropWorkspace` computes what :func:`mathdnn_core.network.backprop_gradients` computes — the loss of a batch
and the gradient of its objective — with the same equations, but in buffers allocated once per training run: the
forward pass writes into them, the fused Softmax + cross-entropy gradient (Proposition 5.3) is formed in place, and
the weight gradients land in one flat buffer laid out like the parameters (:func:`mathdnn_core.network.unflatten`),
so that an update is a few whole-buffer operations. The tests hold it to the readable route to round-off.

Whether two BLAS threads give the bits one thread gives depends on the BLAS kernel and the shapes (OpenBLAS splits a
reduction of more than ``GEMM_Q`` indices differently with one thread and with several): training checks it on its
own shapes before it uses more than one thread (:class:`mathdnn_core._blas.StepThreads`). The dot products here are
cut into blocks of at most :data:`DOT_BLOCK` entries, below the length from which OpenBLAS splits a dot among threads.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._validation import Params, float_dtype, positive_int
from .network import _check_sizes, parameter_count, unflatten

#: The longest dot product in one BLAS call: OpenBLAS splits a dot among its threads from about 10,000 entries on.
DOT_BLOCK = 4096


def _vdot(a: np.ndarray, b: np.ndarray) -> float:
    """``sum(a * b)`` over all entries, in fixed blocks of :data:`DOT_BLOCK` (threaded BLAS dots split longer ones)."""
    a, b = a.reshape(-1), b.reshape(-1)
    if a.size <= DOT_BLOCK:
        return float(np.vdot(a, b))
    return sum(float(np.vdot(a[i : i + DOT_BLOCK], b[i : i + DOT_BLOCK])) for i in range(0, a.size, DOT_BLOCK))


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
        dtype = float_dtype(dtype, "dtype", "Proposition 5.3")
        max_batch = positive_int(max_batch, "max_batch", "Proposition 5.3: rows per batch")
        self.sizes, self.max_batch, self.dtype = _check_sizes(sizes, "Proposition 5.3"), max_batch, dtype
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

    def activations(self, n: int) -> list[np.ndarray]:
        """The hidden layers' outputs ``a^(1) .. a^(p-1)`` of the last :meth:`run` on ``n`` rows (its buffers)."""
        return [a[:n] for a in self._a]

    def run(
        self, X: np.ndarray, Y: np.ndarray, params: Params, scale: float = 1.0, classes: np.ndarray | None = None
    ) -> tuple[float, Params]:
        r"""Loss and gradients of one batch, without input checks (the caller validated once).

        Paper: Proposition 5.3

        .. math::
            \delta^{(p)} = c\,(\mathcal{S}(z^{(p)}) - Y^*) \ \text{(Prop. 5.3)},\quad
            \nabla_{W^{(k)}} = \delta^{(k)T} a^{(k-1)},\ \nabla_{b^{(k)}} = \mathbb{1}^T\delta^{(k)}
            \ \text{(Props. 5.2, 4.3)},\quad
            \delta^{(k-1)} = (\delta^{(k)} W^{(k)}) \odot \mathbb{1}_{\mathbb{R}^{+*}}(z^{(k-1)})
            \ \text{(Props. 4.1, 5.1)}

        Returns ``(sum of the batch's cross-entropies, grads)`` where ``grads`` is ``scale`` times the gradient of
        that sum (``scale = 1/n`` gives the mean). ``grads`` are the workspace's buffers. When ``classes`` (an
        integer array of ``n`` entries) is given, the predicted class ``argmax_k z^{(p)}_k`` of each row, read off
        this forward pass, is written into it.
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
        if classes is not None:
            np.argmax(z, axis=1, out=classes)
        # Fused Softmax + cross-entropy on the logits, in place (Proposition 5.3): z <- S(z) - Y.
        row, ones_batch = self._row[:n], self._ones_batch[:n]
        np.max(z, axis=1, keepdims=True, out=row)
        z -= row
        loss = -_vdot(z, Y)  # sum_i -(z_i - max_i)[label]
        np.exp(z, out=z)
        np.matmul(z, self._ones_classes, out=row)
        z /= row
        np.log(row, out=row)
        loss += _vdot(row, ones_batch)
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
