r"""Seed 004, the networks of C. Cuchiero's lecture and how they are trained.

* :func:`relu_interpolant` and :func:`shallow_relu_network` — a shallow ReLU network that interpolates a function
  of one variable at given knots: the constructive case of the universal approximation (meta-)theorem;
* :func:`fit_controls` — controls that steer ``N`` points to ``N`` targets through the Euler steps of (*): the
  universal ``N``-point interpolation of the lecture, solved by Gauss–Newton (Levenberg–Marquardt) steps whose
  Jacobian is the literal chain of step Jacobians (:func:`mathdnn_core.controlled_odes.flow_jacobian`);
* :class:`RandomFieldClassifier`, :func:`build_random_field_classifier`, :func:`classifier_loss_and_gradients` and
  :func:`fit_random_fields` — the lecture's MNIST claim: a network whose vector fields are random and untrained,
  with only the ``M d`` controls and the scalar ``λ`` of ``y = λ(X_1^x − x)`` trained (``M d + 1`` parameters),
  trained by minibatch gradient descent with momentum (:mod:`mathdnn_core.optim`);
* :func:`gradient_descent_bound` — the lecture's ``O(1/k)`` bound for gradient descent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import activations, controlled_odes, layers, losses, minibatch_descent
from ._validation import as_float_array, check_labels, positive_int, real_in_interval
from .results import History

_UA = 'Seed 004, "Universal approximation theorem"'
_INTERP = 'Seed 004, "Universal N-point interpolator"'
_COUNT = 'Seed 004, "Consequences for training": M d + 1 trained parameters'


# ----------------------------------------------------------------------------------------------------------------
# Universal approximation: a shallow ReLU network through given knots
# ----------------------------------------------------------------------------------------------------------------
def relu_interpolant(knots, values) -> list[tuple[np.ndarray, np.ndarray]]:
    r"""The shallow ReLU network ``R → R`` that is the piecewise-linear interpolant of ``values`` at ``knots``.

    Paper: Seed 004, "Universal approximation theorem"

    .. math:: h(x) = f(t_0) + \sum_{j=0}^{K-1} s_j \max(0, x - t_j),\qquad
              s_j = \frac{f(t_{j+1}) - f(t_j)}{t_{j+1} - t_j} - \frac{f(t_j) - f(t_{j-1})}{t_j - t_{j-1}}
              \ (s_0 \text{ without the second term})

    One hidden layer of ``K`` units (``W^{(1)} = 1``, ``b^{(1)}_j = −t_j``) and a linear readout: ``h(t_j) = f(t_j)``
    and ``h`` is linear between knots, so on ``[t_0, t_K]`` the error for a ``C^2`` function is at most
    ``h_max^2 max|f''| / 8``. Returns the parameters ``[(W1, b1), (W2, b2)]`` of :func:`shallow_relu_network`.
    """
    t = as_float_array(knots, "knots", _UA, ndim=1).astype(np.float64)
    f = as_float_array(values, "values", _UA, ndim=1).astype(np.float64)
    if t.size < 2 or f.shape != t.shape or not np.all(np.diff(t) > 0):
        raise ValueError(
            f"knots must be >= 2 increasing points and values one per knot ({_UA}); got {t.shape}, {f.shape}"
        )
    slopes = np.diff(f) / np.diff(t)
    changes = np.diff(slopes, prepend=0.0)
    W1, b1 = np.ones((t.size - 1, 1)), -t[:-1]
    return [(W1, b1), (changes[None, :], f[:1].copy())]


def shallow_relu_network(X, params) -> np.ndarray:
    r"""``x ↦ W^{(2)} ReLU(W^{(1)} x + b^{(1)}) + b^{(2)}`` on a batch of rows: one hidden ReLU layer, linear output.

    Paper: Seed 004, "Universal approximation theorem"
    """
    (W1, b1), (W2, b2) = params
    return layers.dense(activations.relu(layers.dense(X, W1, b1)), W2, b2)


# ----------------------------------------------------------------------------------------------------------------
# Universal interpolation: steering N points to N targets
# ----------------------------------------------------------------------------------------------------------------
def fit_controls(
    X,
    targets,
    fields: controlled_odes.VectorFields,
    n_steps: int,
    *,
    rng: np.random.Generator | None = None,
    init_scale: float = 0.1,
    max_iter: int = 200,
    tol: float = 1e-12,
) -> tuple[np.ndarray, list[float]]:
    r"""Controls ``U`` (``M × d``) with ``flow(X, U, fields) = targets``: the exact matching of a universal
    ``N``-point interpolator, for the Euler-discretised system.

    Paper: Seed 004, "Universal N-point interpolator"

    Levenberg–Marquardt on the residual ``r(U) = X_M(U) − Y`` (``N m`` equations, ``M d`` unknowns), each step the
    least-norm solution of the damped Gauss–Newton system

    .. math:: \delta U = -J^T (J J^T + \mu I)^{-1} r,\qquad J = \frac{\partial X_M}{\partial U}
              \ \text{(the chain of step Jacobians)}

    with ``μ`` divided by 3 after a step that lowers ``‖r‖`` and multiplied by 4 (the step refused) otherwise.
    Starts from ``init_scale`` times standard-normal controls (at ``U = 0`` every step sees the same point and
    ``J`` has rank at most ``d``). Stops when ``max |r| ≤ tol (1 + max |Y|)``.

    Returns
    -------
    ``(U, history)``: the controls and ``max |r|`` after each accepted step (the first entry at the start)
    """
    rng = np.random.default_rng(0) if rng is None else rng
    X = as_float_array(X, "X", _INTERP, ndim=2).astype(np.float64)
    Y = as_float_array(targets, "targets", _INTERP, ndim=2).astype(np.float64)
    if Y.shape != X.shape:
        raise ValueError(
            f"targets must have the shape of X, {X.shape}: one target per input ({_INTERP}); got {Y.shape}"
        )
    n_steps = positive_int(n_steps, "n_steps", _INTERP)
    U = init_scale * rng.standard_normal((n_steps, fields.d))
    residual = (controlled_odes.flow(X, U, fields) - Y).ravel()
    history, mu, goal = [float(np.max(np.abs(residual)))], 1e-3, tol * (1.0 + float(np.max(np.abs(Y))))
    for _ in range(positive_int(max_iter, "max_iter", _INTERP)):
        if history[-1] <= goal:
            break
        J = np.concatenate([controlled_odes.flow_jacobian(x, U, fields) for x in X])
        gram = J @ J.T
        try:
            step = -J.T @ np.linalg.solve(gram + mu * np.eye(gram.shape[0]), residual)
            trial = U + step.reshape(U.shape)
            trial_residual = (controlled_odes.flow(X, trial, fields) - Y).ravel()
        except (np.linalg.LinAlgError, controlled_odes.FlowDivergedError):
            mu *= 4.0
            continue
        if np.linalg.norm(trial_residual) < np.linalg.norm(residual):
            U, residual, mu = trial, trial_residual, max(mu / 3.0, 1e-15)
            history.append(float(np.max(np.abs(residual))))
        else:
            mu *= 4.0
    return U, history


# ----------------------------------------------------------------------------------------------------------------
# The random-vector-field classifier: only the controls and λ are trained
# ----------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class RandomFieldClassifier:
    r"""The lecture's generic network on digits: fixed random parts, and ``M d + 1`` trained parameters.

    Paper: Seed 004, "Consequences for training"

    .. math:: x = \frac{P^T p - c}{s},\qquad y = \lambda\,(X_M^x - x),\qquad \text{logits} = R\, y

    for pixels ``p``: a fixed random projection ``P`` (``784 × m``, untrained) to ``m`` coordinates standardised
    by the training set's mean ``c`` and standard deviation ``s`` (untrained), the Euler flow ``X_M^x`` of ``d``
    random fields (:func:`mathdnn_core.controlled_odes.random_vector_fields`, untrained) with ``M`` steps, the
    lecture's readout ``λ(X_1^x − x)``, and a fixed random matrix ``R`` (``10 × m``, untrained) that reads 10 class
    scores off ``y``. The trained parameters are ``[(U, lam)]``: the controls ``U`` (``M × d``) and
    ``lam = [λ]``.
    """

    projection: np.ndarray
    center: np.ndarray
    scale: np.ndarray
    fields: controlled_odes.RandomVectorFields
    readout: np.ndarray
    n_steps: int

    @property
    def trained_parameter_count(self) -> int:
        r"""``M d + 1``: the controls and ``λ``."""
        return self.n_steps * self.fields.d + 1

    @property
    def fixed_parameter_count(self) -> int:
        r"""Every number that is drawn or computed once and never trained: ``P``, ``c``, ``s``, the ``C_i``,
        ``b_i`` and coefficients of the fields, and ``R``."""
        f = self.fields
        parts = (self.projection, self.center, self.scale, f.weights, f.biases, f.coefficients, self.readout)
        return int(sum(part.size for part in parts))

    def features(self, pixels) -> np.ndarray:
        r"""``x = (P^T p − c)/s`` for every row of pixels: shape ``(n, m)``, in the fields' dtype."""
        pixels = as_float_array(pixels, "pixels", _COUNT, ndim=2)
        if pixels.shape[1] != self.projection.shape[0]:
            raise ValueError(f"pixels must have shape (n, {self.projection.shape[0]}) ({_COUNT}); got {pixels.shape}")
        return ((pixels.astype(self.fields.dtype) @ self.projection - self.center) / self.scale).astype(
            self.fields.dtype
        )

    def logits(self, features, params) -> np.ndarray:
        r"""``R λ(X_M^x − x)`` for every row of ``features``: shape ``(n, 10)``."""
        ((U, lam),) = params
        return (lam[0] * (controlled_odes.flow(features, U, self.fields) - features)) @ self.readout.T

    def predict(self, pixels, params) -> np.ndarray:
        r"""The class with the largest score, for every row of pixels."""
        return np.argmax(self.logits(self.features(pixels), params), axis=1)


def build_random_field_classifier(
    pixels_train,
    m: int,
    d: int,
    n_steps: int,
    rng: np.random.Generator,
    *,
    n_classes: int = 10,
    dtype=np.float32,
    **field_options,
) -> RandomFieldClassifier:
    r"""Draw the fixed parts of a :class:`RandomFieldClassifier` (nothing here is trained).

    Paper: Seed 004, "Consequences for training"

    ``P`` has ``N(0, 1/784)`` entries, ``R`` has ``N(0, 1/m)`` entries, the fields come from
    :func:`mathdnn_core.controlled_odes.random_vector_fields` (``field_options`` passed on), and ``c, s`` are the
    mean and standard deviation of the projected training pixels. Every draw comes from ``rng``.
    """
    pixels_train = as_float_array(pixels_train, "pixels_train", _COUNT, ndim=2)
    m, d = positive_int(m, "m", _COUNT), positive_int(d, "d", _COUNT)
    n_steps = positive_int(n_steps, "n_steps (M)", _COUNT)
    P = rng.standard_normal((pixels_train.shape[1], m)) / math.sqrt(pixels_train.shape[1])
    projected = pixels_train.astype(np.float64) @ P
    center, scale = projected.mean(axis=0), projected.std(axis=0)
    if np.any(scale == 0):
        raise ValueError(f"a projected coordinate is constant on the training set ({_COUNT}); draw another P")
    fields = controlled_odes.random_vector_fields(m, d, rng, dtype=dtype, **field_options)
    R = rng.standard_normal((positive_int(n_classes, "n_classes", _COUNT), m)) / math.sqrt(m)
    cast = [a.astype(dtype) for a in (P, center, scale, R)]
    return RandomFieldClassifier(cast[0], cast[1], cast[2], fields, cast[3], n_steps)


def init_controls(model: RandomFieldClassifier) -> list[tuple[np.ndarray, np.ndarray]]:
    r"""The starting point ``[(U, lam)]``: ``U = 0`` (the flow is the identity) and ``λ = 1``.

    Paper: Seed 004, "Consequences for training"
    """
    dtype = model.fields.dtype
    return [(np.zeros((model.n_steps, model.fields.d), dtype), np.ones(1, dtype))]


def classifier_loss_and_gradients(model: RandomFieldClassifier, features, Y, params):
    r"""Mean cross-entropy of a batch and its gradient with respect to ``(U, λ)``, by back-propagation through the
    Euler steps.

    Paper: Seed 004, "Back-propagation"; Seed 004, "Loss examples"

    .. math:: \ell = \frac1n\sum_k \xi\big(S(R\,y_k), y^*_k\big),\quad
              \frac{\partial \ell}{\partial y} = \frac1n (S(Ry) - Y^*) R,\quad
              \frac{\partial \ell}{\partial \lambda} = \Big\langle \frac{\partial \ell}{\partial y},
              X_M - x\Big\rangle,\quad \frac{\partial \ell}{\partial U} =
              \texttt{flow\_adjoint}\Big(x, U, V = \lambda \frac{\partial \ell}{\partial y}\Big)

    Returns ``(loss, [(dU, dlam)])``.
    """
    ((U, lam),) = params
    n = features.shape[0]
    states = controlled_odes.flow_trajectory(features, U, model.fields)
    residual = states[-1] - features
    logits = (lam[0] * residual) @ model.readout.T
    loss = float(np.mean(losses.cross_entropy_from_logits(logits, Y)))
    grad_y = (losses.softmax_cross_entropy_gradient(logits, Y) / n).astype(features.dtype) @ model.readout
    dlam = np.array([np.vdot(grad_y, residual)], dtype=lam.dtype)
    dU = controlled_odes.flow_adjoint(states, U, model.fields, lam[0] * grad_y)
    return loss, [(dU.astype(U.dtype), dlam)]


def fit_random_fields(
    model: RandomFieldClassifier,
    pixels,
    labels,
    *,
    epochs: int,
    batch_size: int = 64,
    lr: float = 0.1,
    momentum: float = 0.9,
    rng: np.random.Generator,
    pixels_test=None,
    labels_test=None,
    record_train_accuracy: bool = True,
) -> tuple[list[tuple[np.ndarray, np.ndarray]], History]:
    r"""Train the controls and ``λ`` of a :class:`RandomFieldClassifier` — and nothing else.

    Paper: Seed 004, "Consequences for training"

    Minibatches without replacement and the momentum update (:func:`mathdnn_core.minibatch_descent.descend`;
    ``momentum = 0`` is plain gradient descent) with the gradient of :func:`classifier_loss_and_gradients`. The
    history records, per epoch, the mean training loss, the test accuracy (when test data are given) and, unless
    ``record_train_accuracy`` is false, the training accuracy (one more pass over the training set). Raises
    :class:`mathdnn_core.training.TrainingDivergedError` when a batch loss or the flow stops being finite.
    """
    n_classes = model.readout.shape[0]
    features = model.features(pixels)
    labels = check_labels(labels, n_classes, "labels", _COUNT, n=features.shape[0])
    Y = losses.one_hot(labels, n_classes, dtype=features.dtype)
    test = None if pixels_test is None else (model.features(pixels_test), np.asarray(labels_test))
    epochs = positive_int(epochs, "epochs", _COUNT)
    beta = real_in_interval(momentum, "momentum", _COUNT, low=0.0, high=1.0, high_open=True)
    n = features.shape[0]
    history = History(
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        momentum=beta,
        steps_per_epoch=-(-n // batch_size),
        dtype=str(features.dtype),
    )

    def batch_loss_and_gradients(rows, params):
        loss, grads = classifier_loss_and_gradients(model, features[rows], Y[rows], params)
        return loss * len(rows), grads

    def after_epoch(epoch, params):
        if record_train_accuracy:
            history.train_accuracy.append(float(np.mean(np.argmax(model.logits(features, params), 1) == labels)))
        if test is not None:
            history.test_accuracy.append(float(np.mean(np.argmax(model.logits(test[0], params), 1) == test[1])))

    params = minibatch_descent.descend(
        batch_loss_and_gradients,
        init_controls(model),
        n,
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        momentum=beta,
        rng=rng,
        history=history,
        statement=_COUNT,
        after_epoch=after_epoch,
        divergence=(controlled_odes.FlowDivergedError,),
    )
    return params, history


# ----------------------------------------------------------------------------------------------------------------
# Gradient descent: the lecture's O(1/k) bound
# ----------------------------------------------------------------------------------------------------------------
def gradient_descent_bound(initial_distance: float, lr: float, k: int) -> float:
    r"""The lecture's bound after ``k`` steps of gradient descent with a fixed step ``η ≤ 1/L``.

    Paper: Seed 004, "Gradient descent convergence theorem"

    .. math:: F(\theta^{(k)}) - F(\theta^*) \le \frac{\|\theta^{(0)} - \theta^*\|^2}{2\eta k}

    ``initial_distance`` is ``‖θ^{(0)} − θ^*‖``.
    """
    statement = 'Seed 004, "Gradient descent convergence theorem"'
    distance = real_in_interval(initial_distance, "initial_distance", statement, low=0.0)
    eta = real_in_interval(lr, "the step size eta", statement, low=0.0, low_open=True)
    return distance**2 / (2.0 * eta * positive_int(k, "k", statement))
