r"""L. Borasi's notes (seed 003), §1.2 "Gradient descent": Theorem 1.1 measured, and the squared-error network of
:mod:`mathdnn_core.filtration` trained by minibatch gradient descent with momentum.

**Theorem 1.1** says that a small enough step along ``-nabla S`` does not increase ``S`` (and decreases it when
``nabla S != 0``). Its proof writes the expansion

.. math:: S(V - \epsilon \nabla S(V)) = S(V) - \epsilon \|\nabla S(V)\|^2 + R(V, \epsilon)

and assumes ``R(V, eps) <= C(U) eps^2`` for ``0 < eps < 1``; then any ``eps < ||nabla S||^2 / (2 |C|)`` decreases
``S`` by at least ``eps ||nabla S||^2 / 2``. :func:`descent_remainder` measures ``R``, :func:`remainder_constant` the
smallest ``C`` on a grid of steps, :func:`proof_step_bound` the step the (corrected) proof allows and
:func:`largest_decreasing_step` the largest step that actually decreases ``S``.

**Training** (:func:`fit`): the minibatches of :func:`mathdnn_core.optim.minibatches` and the pure update of
:class:`mathdnn_core.optim.Momentum` (the (1 - beta) form, standard indexing), on the gradient of the batch mean of
the squared errors by back-propagation (:func:`mathdnn_core.filtration.backprop_gradients`). The same optimiser as
:func:`mathdnn_core.training.fit`, which trains the paper's Softmax + cross-entropy network: with the same seed the two
see the same batches in the same order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import filtration, minibatch_descent, optim
from ._validation import Params, as_float_array, learning_rate, momentum_beta, positive_int, real_in_interval
from .results import History

_THEOREM = "Borasi notes, Theorem 1.1"
_FIT = "Borasi notes, gradient descent on S (§1.2) with the relations of Corollary 1.2.1"


# ----------------------------------------------------------------------------------------------------------------
# Theorem 1.1: steps along -grad S
# ----------------------------------------------------------------------------------------------------------------
def _steps(steps, what: str) -> np.ndarray:
    steps = as_float_array(steps, what, _THEOREM, ndim=1).astype(np.float64)
    if steps.size == 0 or np.any(steps <= 0):
        raise ValueError(f"{what} must be a non-empty 1-D array of steps eps > 0 ({_THEOREM}); got {steps}")
    return steps


def gradient_step(params, grads, step: float) -> Params:
    r"""The point ``V - eps nabla S(V)`` (a new parameter list; nothing is modified).

    Paper: Seed 003, Theorem 1.1
    """
    step = real_in_interval(step, "step", f"{_THEOREM}: eps", low=0.0)
    return optim.apply_updates(params, [(-step * dw, -step * db) for dw, db in grads])


def squared_norm(grads) -> float:
    r"""``||nabla S(V)||^2``: the squared Euclidean norm of a gradient list, over every entry of every array.

    Paper: Seed 003, Theorem 1.1
    """
    return float(sum(np.sum(np.square(a, dtype=np.float64)) for pair in grads for a in pair))


def decrease_along_gradient(X, T, params, activations, steps) -> np.ndarray:
    r"""``S(V - eps nabla S(V)) - S(V)`` for each step ``eps``: negative where the step decreases ``S``.

    Paper: Seed 003, Theorem 1.1

    Returns
    -------
    ndarray, shape of ``steps`` (float64)
    """
    steps = _steps(steps, "steps")
    grads = filtration.backprop_gradients(X, T, params, activations)
    start = filtration.cost(X, T, params, activations)
    return np.array([filtration.cost(X, T, gradient_step(params, grads, e), activations) - start for e in steps])


def descent_remainder(X, T, params, activations, steps) -> np.ndarray:
    r"""The remainder ``R(V, eps)`` of the proof's expansion, for each step ``eps``.

    Paper: Seed 003, Theorem 1.1

    .. math:: R(V, \epsilon) = S(V - \epsilon \nabla S(V)) - S(V) + \epsilon \|\nabla S(V)\|^2

    ``R = O(eps^2)`` where ``S`` is twice continuously differentiable; only ``o(eps)`` where it is merely
    differentiable, and of order ``eps`` at a point where it is not (a ReLU kink).
    """
    steps = _steps(steps, "steps")
    norm = squared_norm(filtration.backprop_gradients(X, T, params, activations))
    return decrease_along_gradient(X, T, params, activations, steps) + steps * norm


def remainder_constant(X, T, params, activations, steps) -> float:
    r"""The smallest ``C`` with ``R(V, eps) <= C eps^2`` at every step of ``steps``: the proof's ``C(U)`` for
    ``U = {V}``, measured on a grid.

    Paper: Seed 003, Theorem 1.1

    .. math:: C = \max_{\epsilon} \frac{R(V, \epsilon)}{\epsilon^2}

    A grid gives a lower estimate of the supremum over ``0 < eps < 1``: take it fine.
    """
    steps = _steps(steps, "steps")
    return float(np.max(descent_remainder(X, T, params, activations, steps) / steps**2))


def proof_step_bound(gradient_norm: float, constant: float, *, as_printed: bool = False) -> float:
    r"""The largest step the proof of Theorem 1.1 allows: every ``eps`` below it decreases ``S``.

    Paper: Seed 003, Theorem 1.1

    .. math:: \epsilon < \min\Big(1, \frac{\|\nabla S(V)\|^2}{2\,|C(U)|}\Big)
              \;\Longrightarrow\; S(V - \epsilon\nabla S) - S(V) \le -\epsilon\|\nabla S\|^2 + \epsilon^2 |C|
              < -\frac{\epsilon}{2}\|\nabla S(V)\|^2

    ``as_printed=True`` gives the notes' bound ``||nabla S|| / (2 |C|)`` (no square; an erratum): it is larger than
    the corrected one whenever ``||nabla S|| < 1``, and then need not decrease ``S``.
    """
    g = real_in_interval(gradient_norm, "gradient_norm", f"{_THEOREM}: ||grad S(V)|| > 0", low=0.0, low_open=True)
    C = real_in_interval(constant, "constant", f"{_THEOREM}: C(U)")
    if C == 0:
        return 1.0  # R <= 0: every step of ]0, 1[ decreases S by at least eps ||grad S||^2
    return min(1.0, (g if as_printed else g * g) / (2 * abs(C)))


def largest_decreasing_step(X, T, params, activations, *, upper: float = 1.0, grid: int = 400) -> float:
    r"""The largest ``eps*`` such that every step ``0 < eps < eps*`` along ``-nabla S(V)`` decreases ``S``.

    Paper: Seed 003, Theorem 1.1

    .. math:: \epsilon^* = \sup\{\epsilon > 0 : S(V - t\nabla S(V)) < S(V) \text{ for all } 0 < t < \epsilon\}

    Found on a geometric grid of ``grid`` steps in ``[upper 1e-8, upper]`` (the first step at which ``S`` does not
    decrease), then refined by bisection to round-off.

    Raises
    ------
    ValueError
        When ``nabla S(V) = 0`` (every step keeps ``S``), when the smallest step of the grid already fails to
        decrease ``S`` (at a kink, say), or when ``S`` decreases along the whole grid (raise ``upper``).
    """
    upper = real_in_interval(upper, "upper", f"{_THEOREM}: the largest step tried", low=0.0, low_open=True)
    grid = positive_int(grid, "grid", f"{_THEOREM}: the number of steps tried", minimum=2)
    grads = filtration.backprop_gradients(X, T, params, activations)
    if squared_norm(grads) == 0:
        raise ValueError(f"grad S(V) = 0: every step keeps S(V) ({_THEOREM}, the case of equality)")
    start = filtration.cost(X, T, params, activations)

    def decreases(step: float) -> bool:
        return filtration.cost(X, T, gradient_step(params, grads, step), activations) < start

    steps = upper * np.geomspace(1e-8, 1.0, grid)
    failing = next((k for k, e in enumerate(steps) if not decreases(e)), None)
    if failing is None:
        raise ValueError(f"S decreases at every step up to {upper:g}: raise `upper` ({_THEOREM})")
    if failing == 0:
        raise ValueError(f"S does not decrease even at the step {steps[0]:.3g} ({_THEOREM}: is S differentiable?)")
    low, high = float(steps[failing - 1]), float(steps[failing])
    while high - low > 4 * np.finfo(np.float64).eps * high:
        middle = 0.5 * (low + high)
        low, high = (middle, high) if decreases(middle) else (low, middle)
    return low


def kink_example() -> tuple[np.ndarray, np.ndarray, Params, tuple[str, str]]:
    r"""A ReLU network at a point where ``S`` is not differentiable and the back-propagated vector is no descent
    direction: ``S(V - eps g) > S(V)`` for **every** ``eps > 0``.

    Paper: Seed 003, Theorem 1.1

    Widths ``(1, 1, 1)``, ``phi^1 = phi^2 = ReLU``, inputs ``f = 2, 1``, reference outputs ``-1, 3``,
    ``w^0 = -1, b^0 = 2, w^1 = 2, b^1 = 0``: the first input's pre-activation ``x^1 = b^0 + w^0 f = 0`` sits on the
    kink. With ``ReLU'(0) = 0`` back-propagation gives ``g = (dw^0, db^0, dw^1, db^1) = (-4, -4, -2, 0)``,
    ``||g||^2 = 36``, and

    .. math:: S(V - \epsilon g) = (1 + 24\epsilon + 24\epsilon^2)^2 + (-1 + 18\epsilon + 16\epsilon^2)^2
              = 2 + 12\epsilon + 916\epsilon^2 + 1728\epsilon^3 + 832\epsilon^4 > S(V) = 2

    since the step moves the first pre-activation to ``12 eps > 0``, where ReLU has slope 1, a slope ``g`` did not
    see. ``R(V, eps) = 48 eps + O(eps^2)``: of order ``eps``, not ``eps^2``.

    Returns
    -------
    (X (2, 1), T (2, 1), params, activations)
    """
    X = np.array([[2.0], [1.0]])
    T = np.array([[-1.0], [3.0]])
    params = [(np.array([[-1.0]]), np.array([2.0])), (np.array([[2.0]]), np.array([0.0]))]
    return X, T, params, ("relu", "relu")


# ----------------------------------------------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------------------------------------------
def _accuracy(X: np.ndarray, T: np.ndarray, params: Params, phis) -> float:
    outputs = filtration._partial_inputs(X, params, phis)[-1]
    return float(np.mean(np.argmax(outputs, axis=1) == np.argmax(T, axis=1)))


def fit(
    params,
    X,
    T,
    activations: str | Sequence[str],
    *,
    epochs: int = 1,
    batch_size: int = 32,
    lr: float = 0.01,
    momentum: float = 0.9,
    rng: np.random.Generator | None = None,
    X_test=None,
    T_test=None,
    accuracy: bool = False,
    callback: Callable[[int, Params, History], Any] | None = None,
) -> tuple[Params, History]:
    r"""Train the notes' network on the squared-error cost by minibatch gradient descent with momentum.

    Paper: Seed 003, Corollary 1.2.1

    For each epoch the ``n`` rows are split into batches ``B`` by :func:`mathdnn_core.optim.minibatches` (a fresh
    permutation from ``rng``); for each batch

    .. math:: g = \frac{1}{|B|} \sum_{f \in B} \nabla \big\|F(V, f) - F_\infty(f)\big\|^2,\qquad
              m \leftarrow \beta m + (1-\beta) g,\qquad V \leftarrow V - \alpha m,\qquad m^{(0)} = 0

    (:class:`mathdnn_core.optim.Momentum`, a pure update), ``g`` by the back-propagation of Corollary 1.2.1
    (corrected). The computation runs in the dtype of ``params``.

    Parameters
    ----------
    params : list of (w, b) — the starting point (not modified), e.g. from :func:`mathdnn_core.network.init_params`
    X, T : arrays (n, n_0) and (n, n_L) — inputs and reference outputs ``F_inf(f)``
    activations : a name or ``L`` names, ``phi^1, ..., phi^L`` (:data:`mathdnn_core.filtration.ACTIVATIONS`)
    epochs, batch_size, lr, momentum : as :func:`mathdnn_core.training.fit`
    rng : numpy.random.Generator — the order of the batches (the only randomness)
    X_test, T_test : optional held-out rows and reference outputs
    accuracy : record train (and test) accuracy, ``argmax F(V, f) == argmax F_inf(f)``: for one-hot targets
    callback : ``callback(epoch, params, history)`` after each epoch; returning ``True`` stops training

    Returns
    -------
    (params, history) — ``history.loss`` is the epoch's mean of ``||F(V, f) - F_inf(f)||^2``, each sample's term at
    the parameters of the step that used it.

    Raises
    ------
    mathdnn_core.training.TrainingDivergedError
        When a batch cost or a parameter stops being finite.
    """
    X, params, phis = filtration._check(X, params, activations, _FIT)
    T = filtration._check_targets(T, X, params, _FIT)
    n = X.shape[0]
    epochs = positive_int(epochs, "epochs", _FIT)
    batch_size = positive_int(batch_size, "batch_size", f"{_FIT}: batches of b rows", maximum=n)
    lr = learning_rate(lr, _FIT, name="lr")
    momentum = momentum_beta(momentum, _FIT, name="momentum")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (the order of the batches); got {type(rng).__name__}")
    if (X_test is None) != (T_test is None):
        raise ValueError(f"X_test and T_test go together: give both or neither ({_FIT})")
    if X_test is not None:
        X_test = filtration._check(X_test, params, activations, _FIT)[0]
        T_test = filtration._check_targets(T_test, X_test, params, _FIT)
    dtype = np.result_type(*[a.dtype for pair in params for a in pair])
    X, T = X.astype(dtype, copy=False), T.astype(dtype, copy=False)
    steps = -(-n // batch_size)
    history = History(
        epochs=epochs, batch_size=batch_size, lr=lr, momentum=momentum, steps_per_epoch=steps, dtype=dtype.name
    )

    def batch_loss_and_gradients(rows, current):
        grads, errors = filtration._backprop(X[rows], T[rows], current, phis, dtype.type(1.0 / rows.size))
        return float(errors.sum()), grads

    def after_epoch(epoch, current):
        if accuracy:
            history.train_accuracy.append(_accuracy(X, T, current, phis))
            if X_test is not None:
                history.test_accuracy.append(_accuracy(X_test, T_test, current, phis))
        return callback is not None and callback(epoch, current, history) is True

    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is reported as TrainingDivergedError
        params = minibatch_descent.descend(
            batch_loss_and_gradients,
            params,
            n,
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            momentum=momentum,
            rng=rng,
            history=history,
            statement=_FIT,
            after_epoch=after_epoch,
        )
    return params, history
