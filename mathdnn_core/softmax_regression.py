r"""Softmax regression — the network of Definition 5.1 with ``p = 1`` — as a function of its parameters: the convex
example of §6 on real data.

The parameters ``(W, b)`` of ``N_{c+}(x) = S(x W^T + b)`` are gathered into ``Theta = [W b]``, a ``c x (d + 1)``
matrix, and flattened row by row into one row ``x`` of ``R^m``, ``m = c (d + 1)``. With ``x~_i = [x_i 1]``:

.. math:: f(x) = \mathcal{O}_{c^+}(X, Y^*, W, b) = \sum_{i=1}^n \xi\big(\mathcal{S}(\tilde x_i \Theta^T), y^{*(i)}\big),
          \qquad \nabla_\Theta f = (\mathcal{S}(\tilde X \Theta^T) - Y^*)^T \tilde X,\qquad
          \nabla^2 f = \sum_{i=1}^n \mathcal{J}_{\mathcal{S}}(z_i) \otimes \tilde x_i^T \tilde x_i

(``reduction="mean"`` divides all three by ``n``). The Hessian's factor ``J_S(z) = diag(s) - s^T s``
(Proposition 2.2) is the Hessian of ``z -> xi(S(z), y*)`` for a one-hot ``y*`` (Proposition 5.3), and
``v J_S(z) v^T = sum_k s_k v_k^2 - (sum_k s_k v_k)^2`` is the variance of ``v`` under the probabilities ``s``:

* **convex** (Definition 6.1): a variance is ``>= 0``, so the Hessian is positive semidefinite;
* **L-smooth** (Definition 6.2) with :math:`L = \tfrac12 \lambda_{\max}(\tilde X^T \tilde X)`: a variance is at most
  ``(max_k v_k - min_k v_k)^2 / 4 <= ||v||^2 / 2``, and ``sum_i ||x~_i Delta^T||^2 <= lambda_max ||Delta||^2``;
* **a global minimum** (Definition 6.3) need not exist. ``f > 0`` everywhere (each ``S_c < 1``); when some ``Theta``
  classifies every row with a positive margin (separable data, :meth:`SoftmaxRegression.margins`),
  ``f(t Theta) -> 0`` as ``t -> inf``, so the infimum 0 is never attained. When a minimiser exists it is never
  unique: adding the same row ``u`` to every row of ``Theta`` adds ``x~_i u^T`` to every logit of row ``i``, which
  Softmax ignores (:meth:`SoftmaxRegression.class_centred`).
"""

from __future__ import annotations

import math

import numpy as np

from . import network
from ._validation import as_float_array, check_targets, positive_int
from .optim import _TestFunction

__all__ = ["SoftmaxRegression"]


class SoftmaxRegression(_TestFunction):
    r"""The objective of Definition 5.2 for ``p = 1`` as a function ``f: R^m -> R`` of ``x = vec([W b])``.

    Paper: Definitions 6.1-6.3

    .. math:: f(x) = \sum_{i=1}^n \xi\big(\mathcal{S}(x_i W^T + b), y^{*(i)}\big),\qquad
              L = \tfrac12\, \lambda_{\max}(\tilde X^T \tilde X)\ \big(\text{divided by } n
              \text{ for the mean}\big)

    Convex and L-smooth (see the module docstring for why). The value and the gradient are those of
    :func:`mathdnn_core.network.objective` and :func:`mathdnn_core.network.gradients` at ``params(x)``: nothing is
    computed twice. A minimiser, when one exists, is found by :meth:`minimise`; until then :attr:`minimiser` is
    ``None`` and :attr:`infimum` is NaN (unknown).

    Parameters
    ----------
    X : array (n, d), the rows ``x_i``
    Y : one-hot array (n, c), ``c >= 2`` classes
    reduction : ``"sum"`` (Definition 5.2, the default) or ``"mean"`` (the note after Definition 6.6)
    """

    _statement = "Definitions 6.1-6.3: softmax regression, N_c+ with p = 1"

    def __init__(self, X, Y, reduction: str = "sum"):
        X = as_float_array(X, "X", self._statement, ndim=2).astype(np.float64)
        if X.shape[0] == 0 or X.shape[1] == 0:
            raise ValueError(f"X must hold at least one row of at least one feature ({self._statement}); got {X.shape}")
        if np.ndim(Y) != 2 or np.shape(Y)[1] < 2:
            raise ValueError(
                f"Y must be one-hot targets of shape (n, c) with c >= 2 classes ({self._statement}; Definition 2.2: "
                f"Softmax needs m >= 2); got shape {np.shape(Y)}"
            )
        if reduction not in network.REDUCTIONS:
            raise ValueError(f"reduction must be one of {network.REDUCTIONS} ({self._statement}); got {reduction!r}")
        self.n, self.d = X.shape
        self.c = int(np.shape(Y)[1])
        self.Y = check_targets(Y, self.n, self.c, self._statement).astype(np.float64)
        self.X, self.reduction = X, reduction
        self.m = self.c * (self.d + 1)
        self._scale = 1.0 if reduction == "sum" else 1.0 / self.n
        X_tilde = np.hstack([X, np.ones((self.n, 1))])
        gram = X_tilde.T @ X_tilde if self.n >= self.d + 1 else X_tilde @ X_tilde.T  # same non-zero eigenvalues
        #: The smoothness constant of Definition 6.2 proved in the module docstring (an upper bound, not the least).
        self.L = 0.5 * self._scale * float(np.linalg.eigvalsh(gram)[-1])
        self.convex = True
        self.minimiser, self.infimum = None, math.nan
        self._X_tilde = X_tilde

    # ---------------------------------------------------------------------------------------- x <-> (W, b)
    def theta(self, x) -> np.ndarray:
        """``Theta = [W b]``, shape ``(c, d + 1)``, from the row ``x``."""
        return self._row(x).reshape(self.c, self.d + 1)

    def params(self, x) -> list[tuple[np.ndarray, np.ndarray]]:
        """The parameters ``[(W, b)]`` of N_{c+} (Definition 5.1, ``p = 1``) that ``x`` flattens."""
        theta = self.theta(x)
        return [(theta[:, : self.d].copy(), theta[:, self.d].copy())]

    def flatten(self, params) -> np.ndarray:
        """The row ``x = vec([W b])`` of parameters ``[(W, b)]`` (or of gradients with that structure)."""
        if len(params) != 1:
            raise ValueError(f"softmax regression has one layer (p = 1, {self._statement}); got {len(params)} layers")
        W, b = params[0]
        if np.shape(W) != (self.c, self.d) or np.shape(b) != (self.c,):
            raise ValueError(
                f"W and b must have shapes ({self.c}, {self.d}) and ({self.c},) ({self._statement}); got "
                f"{np.shape(W)} and {np.shape(b)}"
            )
        return np.hstack([np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)[:, None]]).ravel()

    # ---------------------------------------------------------------------------------------- the function
    def value(self, x) -> float:
        return network.objective(self.X, self.Y, self.params(x), reduction=self.reduction)

    def gradient(self, x) -> np.ndarray:
        return self.flatten(network.gradients(self.X, self.Y, self.params(x), reduction=self.reduction))

    def hessian(self, x) -> np.ndarray:
        r"""``sum_i J_S(z_i) (x) x~_i^T x~_i`` (times ``1/n`` for the mean), an ``m x m`` matrix: keep ``d`` small."""
        s = network.forward(self.X, self.params(x))
        jacobians = np.einsum("ik,kl->ikl", s, np.eye(self.c)) - np.einsum("ik,il->ikl", s, s)  # Proposition 2.2
        hessian = np.einsum("ikl,ij,ih->kjlh", jacobians, self._X_tilde, self._X_tilde, optimize=True)
        return self._scale * hessian.reshape(self.m, self.m)

    def margins(self, x) -> np.ndarray:
        r"""``z_{i,c_i} - max_{k != c_i} z_{i,k}`` for each row ``i`` of class ``c_i``: all ``> 0`` exactly when ``x``
        classifies every row correctly, and then ``f(t x) -> 0`` as ``t -> inf`` (no minimiser)."""
        z = network.logits(self.X, self.params(x))
        rows, target = np.arange(self.n), np.argmax(self.Y, axis=1)
        others = z.copy()
        others[rows, target] = -np.inf
        return z[rows, target] - others.max(axis=1)

    def class_centred(self, x) -> np.ndarray:
        r"""``Theta - 1 u`` with ``u`` the mean of the rows of ``Theta``: the same function value and gradient (Softmax
        ignores a shift of all logits), and the orthogonal projection of ``x`` away from the directions ``1 u`` in
        which ``f`` is constant."""
        theta = self.theta(x)
        return (theta - theta.mean(axis=0)).ravel()

    # ---------------------------------------------------------------------------------------- the minimiser
    def minimise(self, max_steps: int = 100) -> np.ndarray:
        r"""A global minimiser (Definition 6.3) by Newton's method, when one exists; sets :attr:`minimiser` and
        :attr:`infimum`.

        Newton's method runs on ``Theta`` with its last row fixed at 0 (the shift ``1 u`` is a symmetry of ``f``),
        with a backtracking line search, until a full step is below ``1e-9 (1 + |x|)``, then one more step (the
        convergence is quadratic: that step is at round-off). Convexity makes the point where the
        gradient vanishes a global minimum (Proposition 6.1 with ``grad f(x*) = 0``). The result is returned
        :meth:`class_centred`: the minimiser of least norm.

        Raises
        ------
        ValueError
            When the steps do not shrink to round-off: on separable data ``f`` has no minimiser and Newton's
            iterates run off to infinity (each step about as long as the last).
        """
        max_steps = positive_int(max_steps, "max_steps", self._statement)
        k = (self.c - 1) * (self.d + 1)  # the free coordinates: every row of Theta but the last
        x = np.zeros(self.m)
        for _ in range(max_steps):
            step = self._newton_step(x, k)
            if np.linalg.norm(step) <= 1e-9 * (1.0 + np.linalg.norm(x)):
                x[:k] += step
                x[:k] += self._newton_step(x, k)  # quadratic convergence: one more step takes 1e-9 to round-off
                self.minimiser = self.class_centred(x)
                self.infimum = self.value(self.minimiser)
                return self.minimiser
            g = self.gradient(x)[:k]
            t, fx, slope = 1.0, self.value(x), float(g @ step)
            while t > 1e-10:
                trial = x.copy()
                trial[:k] += t * step
                if self.value(trial) <= fx + 1e-4 * t * slope:
                    break
                t /= 2
            x = trial
        raise ValueError(
            f"Newton's method did not converge in {max_steps} steps (last step length {np.linalg.norm(step):.3g}, "
            f"|x| = {np.linalg.norm(x):.3g}): f may have no minimiser, as on separable data ({self._statement}; "
            f"Definition 6.3)"
        )

    def _newton_step(self, x: np.ndarray, k: int) -> np.ndarray:
        """The Newton step on the first ``k`` coordinates (the last row of ``Theta`` held fixed)."""
        return -np.linalg.lstsq(self.hessian(x)[:k, :k], self.gradient(x)[:k], rcond=None)[0]

    def gap(self, x) -> float:
        """``f(x) - f(x*)`` for the minimiser found by :meth:`minimise` (a difference of values: mind cancellation)."""
        if self.minimiser is None:
            raise ValueError(f"no minimiser is known: call minimise() first ({self._statement}; Definition 6.3)")
        return self.value(x) - self.infimum
