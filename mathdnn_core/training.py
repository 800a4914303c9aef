r"""Training N_{c+} on data: back-propagation gradient descent with momentum over minibatches (Definition 6.7).

:func:`fit` is a thin loop over the core, nothing more:

* the minibatches of the note after Definition 6.6 — :func:`mathdnn_core.optim.minibatches` (a fresh permutation
  every epoch, batches of ``b`` rows drawn without replacement, the last one possibly smaller);
* the gradient estimate of each batch — the mean of the per-sample gradients, computed by the back-propagation
  kernel :class:`mathdnn_core.network.BackpropWorkspace` (Propositions 5.1-5.3, fused Softmax + cross-entropy);
* the update — :meth:`mathdnn_core.optim.Momentum.step_`, the "(1 - beta)" momentum of Definition 6.5 with
  standard indexing, carried out in place in velocity form (see :mod:`mathdnn_core.optim`): the kernel's scale
  ``alpha (1 - beta) / |B|`` turns its output into the scaled gradient the update takes. ``momentum=0`` is the
  same optimizer with ``beta = 0``, which is plain gradient descent (Definition 6.6): ``v = 0*v + alpha g`` and
  the step is ``params - alpha g``.

One workspace and one pair of batch buffers are allocated per call; the epoch loop allocates nothing per batch.
Parameters, gradients and velocity each live in one flat buffer, every weight matrix stored column by column
(``network.unflatten(..., order="F")``): faster products, the same values up to round-off.
The dtype of the parameters is the dtype of the whole computation: float32 parameters make ``X`` and ``Y`` float32
once, up front, and every batch stays float32.

Also here: :func:`evaluate` (accuracy and confusion matrix), :func:`save_params` / :func:`load_params` (``.npz``,
never pickle).
"""

from __future__ import annotations

import contextlib
import math
import os
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from . import losses, network, optim
from ._validation import FLOAT_DTYPES, as_float_array, check_one_hot

Params = list[tuple[np.ndarray, np.ndarray]]

_FIT = "Definition 6.7"
_NET = "Definition 5.1"
#: Rows per forward pass when computing accuracies (bounds the memory of evaluation on large sets).
EVAL_CHUNK = 8192

__all__ = [
    "TrainingDivergedError",
    "TrainingCollapsedError",
    "History",
    "Evaluation",
    "fit",
    "evaluate",
    "predict_labels",
    "save_params",
    "load_params",
]


class TrainingDivergedError(RuntimeError):
    r"""The sequence of Definition 6.7 diverged during :func:`fit`: a batch loss, a parameter or the network's
    output became NaN or infinite.

    Paper: Definition 6.7

    Attributes ``epoch`` and ``step`` (1-based), ``loss`` (the non-finite value) and ``lr`` say where and why.
    """

    def __init__(self, message: str, *, epoch: int, step: int, loss: float, lr: float):
        super().__init__(message)
        self.epoch, self.step, self.loss, self.lr = epoch, step, loss, lr


class TrainingCollapsedError(TrainingDivergedError):
    r"""After an epoch of :func:`fit`, every unit of a hidden layer outputs 0 on every training row ("dead ReLUs").

    Paper: Proposition 5.1

    Then ``z^{(k)} <= 0`` on all the data, so the ReLU mask of Proposition 5.1 (with ``R'(0) = 0``, Assumption 1)
    is 0 everywhere: the network gives every training row the same output, and the gradient of the objective
    with respect to ``W^{(j)}, b^{(j)}`` is exactly 0 for every ``j <= k``. Back-propagation has no signal left
    that could revive the layer; only the momentum of earlier steps still moves it, by a geometrically decaying
    amount. It typically follows a learning rate that is too large. ``layer`` is ``k`` (1-based, the deepest dead
    hidden layer); ``loss`` is the epoch's mean loss.
    """

    def __init__(self, message: str, *, epoch: int, step: int, loss: float, lr: float, layer: int):
        super().__init__(message, epoch=epoch, step=step, loss=loss, lr=lr)
        self.layer = layer


@dataclass
class History:
    r"""What :func:`fit` measured, one entry per epoch.

    Paper: Definition 6.7

    Attributes
    ----------
    loss : list of float
        Mean cross-entropy over the epoch's samples, each sample's loss taken at the parameters of the step that
        used it: :math:`\frac1n \sum_{\text{batches } B} \sum_{i \in B} \xi(\mathcal{N}_{c^+}(x^{(i)}), y^{*(i)})`.
        It comes for free from the back-propagation kernel.
    train_accuracy : list of float
        Fraction of the training set classified correctly at the end of the epoch.
    test_accuracy : list of float
        The same on ``(X_test, y_test)``; empty when no test set was given.
    seconds : list of float
        Wall time of the epoch's training steps (batch gathering, back-propagation, updates), evaluation excluded.
    epochs, batch_size, lr, momentum, steps_per_epoch, dtype
        The run's settings, for the record.
    """

    loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    epochs: int = 0
    batch_size: int = 0
    lr: float = 0.0
    momentum: float = 0.0
    steps_per_epoch: int = 0
    dtype: str = ""

    @property
    def final_loss(self) -> float | None:
        """Mean training loss of the last epoch."""
        return self.loss[-1] if self.loss else None

    @property
    def final_train_accuracy(self) -> float | None:
        """Training accuracy after the last epoch."""
        return self.train_accuracy[-1] if self.train_accuracy else None

    @property
    def final_test_accuracy(self) -> float | None:
        """Test accuracy after the last epoch (``None`` without a test set)."""
        return self.test_accuracy[-1] if self.test_accuracy else None

    @property
    def total_seconds(self) -> float:
        """Training time summed over the epochs (evaluation excluded)."""
        return float(sum(self.seconds))

    def __getitem__(self, key: str):
        """``history["loss"]`` works like ``history.loss`` (dict-style access)."""
        if key in self.__dataclass_fields__ or key in (
            "final_loss",
            "final_train_accuracy",
            "final_test_accuracy",
            "total_seconds",
        ):
            return getattr(self, key)
        raise KeyError(key)

    def to_dict(self) -> dict[str, Any]:
        """Plain lists and numbers (JSON-ready), the final values included."""
        out = asdict(self)
        out.update(
            final_loss=self.final_loss,
            final_train_accuracy=self.final_train_accuracy,
            final_test_accuracy=self.final_test_accuracy,
            total_seconds=self.total_seconds,
        )
        return out


@dataclass(frozen=True, eq=False)
class Evaluation:
    r"""Result of :func:`evaluate`.

    Paper: Definition 5.1

    Attributes
    ----------
    accuracy : float
        Fraction of rows whose predicted class ``argmax_k N_{c+}(x)_k`` equals the label.
    confusion : ndarray of int64, shape (m_p, m_p)
        ``confusion[i, j]`` = number of rows of true class ``i`` predicted as ``j`` (rows true, columns predicted).
    predictions : ndarray of int64, shape (n,)
    labels : ndarray of int64, shape (n,)
    loss : float
        Mean cross-entropy :math:`\frac1n \mathcal{O}_{c^+}(X, Y^*, W, b)` (Definition 5.2).
    """

    accuracy: float
    confusion: np.ndarray
    predictions: np.ndarray
    labels: np.ndarray
    loss: float

    @property
    def n_errors(self) -> int:
        """Number of misclassified rows."""
        return int(np.count_nonzero(self.predictions != self.labels))


# ----------------------------------------------------------------------------------------------------------------
# Validation (once, up front)
# ----------------------------------------------------------------------------------------------------------------
def _is_int(x) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def _is_real(x) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_))


def _check_hyper(epochs, batch_size, lr, momentum, n: int) -> tuple[int, int, float, float]:
    if not _is_int(epochs) or epochs < 1:
        raise ValueError(
            f"epochs must be an integer >= 1 (Definition 6.7: one epoch is one pass over the n = {n} "
            f"samples); got {epochs!r}"
        )
    if not _is_int(batch_size) or not 1 <= batch_size <= n:
        raise ValueError(
            f"batch_size must be an integer b with 1 <= b <= n = {n} (note after Definition 6.6: "
            f"batches of b rows drawn without replacement, b = 32 generally); got {batch_size!r}"
        )
    if not _is_real(lr) or not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a finite real number > 0 ({_FIT}: the learning rate alpha in R+*); got {lr!r}")
    if not _is_real(momentum) or not 0 <= momentum < 1:
        raise ValueError(
            f"momentum must lie in [0, 1[ ({_FIT}: beta; the paper prints [0, 1], but beta = 1 keeps "
            f"m = 0 and the parameters never move); got {momentum!r}"
        )
    return int(epochs), int(batch_size), float(lr), float(momentum)


def _params_dtype(params: Params) -> np.dtype:
    return np.result_type(*[a.dtype for pair in params for a in pair])


def _check_X(X, m0: int, name: str, statement: str) -> np.ndarray:
    X = as_float_array(X, name, statement, ndim=2)
    if X.shape[1] != m0:
        raise ValueError(
            f"{name} must have shape (n, {m0}) to match W^(1) ({statement}: x in R^(m_0), m_0 = {m0}); got {X.shape}"
        )
    if X.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one sample ({statement}); got shape {X.shape}")
    return X


def _check_Y(Y, n: int, mp: int) -> np.ndarray:
    if np.ndim(Y) != 2:
        hint = (
            f"; integer labels? convert them with mathdnn_core.datasets.one_hot(labels, {mp})"
            if np.ndim(Y) == 1
            else ""
        )
        raise ValueError(
            f"Y must be one-hot targets of shape (n, m_p) = ({n}, {mp}) ({_FIT} with Definition 5.2: "
            f"y* in {{0,1}}^(m_p), ||y*|| = 1); got shape {np.shape(Y)}{hint}"
        )
    Y = as_float_array(Y, "Y", _FIT, ndim=2, allow_nonfinite=True)
    if Y.shape != (n, mp):
        raise ValueError(
            f"Y must have shape ({n}, {mp}): one one-hot row per row of X, m_p = {mp} classes "
            f"({_FIT} with Definition 5.2); got {Y.shape}"
        )
    check_one_hot(Y, "Y", f"{_FIT} with Definition 5.2")
    return Y


def _as_labels(labels, n: int, mp: int, name: str, statement: str) -> np.ndarray:
    """Integer labels (n,) in [0, m_p), or one-hot rows (n, m_p) turned into labels."""
    arr = np.asarray(labels)
    if arr.ndim == 2:
        if arr.shape != (n, mp):
            raise ValueError(
                f"{name} must be labels of shape ({n},) or one-hot rows of shape ({n}, {mp}) "
                f"({statement}); got {arr.shape}"
            )
        arr = as_float_array(arr, name, statement, ndim=2, allow_nonfinite=True)
        check_one_hot(arr, name, statement)
        return np.argmax(arr, axis=1).astype(np.int64)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(
            f"{name} must be integer labels of shape ({n},), one per row ({statement}); got shape {arr.shape}"
        )
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name} must be integer class labels in [0, {mp}) ({statement}); got dtype {arr.dtype}")
    if arr.size and (arr.min() < 0 or arr.max() >= mp):
        raise ValueError(
            f"{name} must lie in [0, {mp}): the network has m_p = {mp} outputs ({statement}); "
            f"got values in [{arr.min()}, {arr.max()}]"
        )
    return arr.astype(np.int64, copy=False)


# ----------------------------------------------------------------------------------------------------------------
# Prediction and evaluation
# ----------------------------------------------------------------------------------------------------------------
def predict_labels(X, params, chunk: int = EVAL_CHUNK) -> np.ndarray:
    r"""Predicted class of each row, computed ``chunk`` rows at a time with :func:`mathdnn_core.network.predict`.

    Paper: Definition 5.1

    .. math:: \hat y^{(i)} = \operatorname{argmax}_k \mathcal{N}_{c^+}(x^{(i)}, W, b)_k

    Returns
    -------
    ndarray of int64, shape (n,)
    """
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] <= chunk:
        return network.predict(X, params).astype(np.int64, copy=False)
    return np.concatenate([network.predict(X[i : i + chunk], params) for i in range(0, X.shape[0], chunk)]).astype(
        np.int64, copy=False
    )


@dataclass
class _EpochPass:
    """One forward pass over a data set after an epoch: correct predictions, which hidden layers were ever
    positive, and the first non-finite logit (None if there is none)."""

    correct: int
    alive: list[bool]
    nonfinite: float | None


def _epoch_pass(X: np.ndarray, labels: np.ndarray, params: Params, chunk: int = EVAL_CHUNK) -> _EpochPass:
    result = _EpochPass(0, [False] * (len(params) - 1), None)
    for i in range(0, X.shape[0], chunk):
        cache = network.forward_with_cache(X[i : i + chunk], params)
        z = cache.preactivations[-1]
        finite = np.isfinite(z)
        if not finite.all():
            result.nonfinite = float(z[~finite][0])
            return result
        result.correct += int(np.count_nonzero(np.argmax(z, axis=1) == labels[i : i + chunk]))
        for k, a in enumerate(cache.inputs[1:]):  # a = ReLU(z^(k)) >= 0: a unit is alive where a != 0
            result.alive[k] = result.alive[k] or bool(a.any())
    return result


def evaluate(params, X, labels) -> Evaluation:
    r"""Accuracy, confusion matrix and mean loss of the network on ``(X, labels)``.

    Paper: Definition 5.1

    .. math:: \text{accuracy} = \frac1n \sum_{i=1}^n
              \big[\operatorname{argmax}_k \mathcal{N}_{c^+}(x^{(i)})_k = y^{(i)}\big],\qquad
              C_{j,k} = \#\{i : y^{(i)} = j,\ \operatorname{argmax} \mathcal{N}_{c^+}(x^{(i)}) = k\}

    Parameters
    ----------
    params : list of (W, b)
    X : array (n, m_0)
    labels : integer labels (n,) in [0, m_p), or one-hot rows (n, m_p)

    Returns
    -------
    Evaluation
        ``accuracy``, ``confusion`` (m_p x m_p, rows = true class, columns = predicted class), ``predictions``,
        ``labels``, ``loss`` (mean cross-entropy, Definition 5.2).
    """
    params = network.check_params(params, _NET)
    mp = params[-1][0].shape[0]
    X = _check_X(X, params[0][0].shape[1], "X", _NET)
    y = _as_labels(labels, X.shape[0], mp, "labels", _NET)
    n = X.shape[0]
    preds, loss = [], 0.0
    for i in range(0, n, EVAL_CHUNK):
        z = network.logits(X[i : i + EVAL_CHUNK], params)
        preds.append(np.argmax(z, axis=1))
        Y = np.zeros(z.shape, dtype=z.dtype)
        Y[np.arange(z.shape[0]), y[i : i + EVAL_CHUNK]] = 1
        loss += float(np.sum(losses.cross_entropy_from_logits(z, Y)))  # log-Softmax form: always finite
    pred = np.concatenate(preds).astype(np.int64)
    confusion = np.bincount(y * mp + pred, minlength=mp * mp).reshape(mp, mp).astype(np.int64)
    return Evaluation(
        accuracy=float(np.count_nonzero(pred == y)) / n, confusion=confusion, predictions=pred, labels=y, loss=loss / n
    )


# ----------------------------------------------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------------------------------------------
def _progress_bar(total: int, enabled: bool):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="batch", desc="training", leave=True, dynamic_ncols=True)


def fit(
    params,
    X,
    Y,
    epochs: int = 1,
    batch_size: int = 32,
    lr: float = 0.1,
    momentum: float = 0.9,
    rng: np.random.Generator | int | None = None,
    progress: bool = True,
    X_test=None,
    y_test=None,
    callback: Callable[[int, Params, History], Any] | None = None,
    blas_threads: int | None = None,
) -> tuple[Params, History]:
    r"""Train N_{c+} by back-propagation gradient descent with momentum over minibatches.

    Paper: Definition 6.7

    For each epoch the ``n`` rows are split into batches ``B`` of ``b = batch_size`` rows, sampled without
    replacement (note after Definition 6.6); for each batch, in order,

    .. math::
        g = \frac{1}{|B|}\sum_{i \in B} \nabla\, \xi\big(\mathcal{N}_{c^+}(x^{(i)}, W, b), y^{*(i)}\big),\qquad
        m \leftarrow \beta m + (1-\beta)\, g,\qquad (W, b) \leftarrow (W, b) - \alpha\, m,\qquad m^{(0)} = 0

    with ``alpha = lr`` and ``beta = momentum``: the "(1 - beta)" form of Definitions 6.5/6.7 with standard
    indexing (:class:`mathdnn_core.optim.Momentum`). ``momentum=0`` gives plain minibatch gradient descent
    (Definition 6.6): ``(W, b) <- (W, b) - alpha g``. In PyTorch's "heavy ball" convention the same run
    has learning rate ``lr * (1 - momentum)``.

    Parameters
    ----------
    params : list of (W, b)
        The initial point ``(W^{(k)(0)}, b^{(k)(0)})``. Not modified: it is copied once, and the copy is trained
        in place. Its dtype (float32 or float64) is the dtype of the whole computation.
    X : array (n, m_0)
    Y : one-hot array (n, m_p)
        Targets ``Y*`` of Definition 5.2. Integer labels are refused (convert with
        :func:`mathdnn_core.datasets.one_hot`).
    epochs : int >= 1
    batch_size : int, 1 <= batch_size <= n
    lr : float > 0
    momentum : float in [0, 1[
    rng : numpy.random.Generator, int seed or None
        Draws the permutation of every epoch (the only randomness): the same seed gives the same history and
        parameters. ``None`` uses a fresh, unseeded generator.
    progress : bool
        Show a :mod:`tqdm` bar over the batches, with the latest loss and accuracies as postfix.
    X_test, y_test : optional held-out rows (n_t, m_0) and labels (n_t,) (or one-hot (n_t, m_p))
        When given, the test accuracy is recorded after every epoch.
    callback : callable ``callback(epoch, params, history)``, optional
        Called after each epoch (1-based ``epoch``) with the live parameters (the arrays training keeps updating:
        copy them to keep a snapshot) and the history so far; if it returns ``True``, training stops after that
        epoch.
    blas_threads : int >= 1, optional
        Limit the BLAS thread pool to this many threads while training (through :mod:`threadpoolctl`; restored
        afterwards). ``None`` (default) leaves it as configured (e.g. by ``OPENBLAS_NUM_THREADS``). On a machine
        whose cores are busy with other work, ``1`` can be many times faster for small batches: a multi-threaded
        product of a 32-row batch waits for every BLAS thread to get a core. The thread count may change the
        last bits of the results, so compare runs with the same setting.

    Returns
    -------
    (params, history)
        The trained copy of the parameters and a :class:`History`.

    Raises
    ------
    ValueError, TypeError
        Invalid inputs, all checked once before training starts.
    TrainingDivergedError
        The batch loss became NaN or infinite (checked at every step), or, after an epoch, a parameter or the
        network's output on a training or test row did: the message gives the epoch, the step, the value and
        the learning rate.
    TrainingCollapsedError
        (a :class:`TrainingDivergedError`) After an epoch, a hidden layer outputs 0 on every training row: the
        network is constant on the data and back-propagation can no longer move the layers below.
    """
    params = network.check_params(params, _FIT)
    sizes = [params[0][0].shape[1]] + [W.shape[0] for W, _ in params]
    m0, mp = sizes[0], sizes[-1]
    X = _check_X(X, m0, "X", _FIT)
    n = X.shape[0]
    Y = _check_Y(Y, n, mp)
    epochs, batch_size, lr, momentum = _check_hyper(epochs, batch_size, lr, momentum, n)
    if (X_test is None) != (y_test is None):
        raise ValueError(f"X_test and y_test go together: give both or neither ({_FIT})")
    if X_test is not None:
        X_test = _check_X(X_test, m0, "X_test", _NET)
        y_test = _as_labels(y_test, X_test.shape[0], mp, "y_test", _NET)
    if rng is None or _is_int(rng):
        rng = np.random.default_rng(rng)
    elif not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, an int seed or None; got {type(rng).__name__}")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable; got {type(callback).__name__}")
    if blas_threads is not None and (not _is_int(blas_threads) or blas_threads < 1):
        raise ValueError(f"blas_threads must be None or an integer >= 1; got {blas_threads!r}")

    dtype = _params_dtype(params)
    if dtype not in FLOAT_DTYPES:
        raise TypeError(f"params must be float32 or float64 arrays ({_NET}); got {dtype}")
    # The one copy of the parameters: a single flat buffer with (W, b) views into it, updated in place. With the
    # gradients (workspace.flat_grads) laid out the same way, one momentum step is three whole-buffer operations.
    leaves = [a for pair in params for a in pair]
    flat_params = np.concatenate([np.ravel(a, order="F").astype(dtype, copy=False) for a in leaves])
    params = network.unflatten(flat_params, sizes, order="F")
    X = np.ascontiguousarray(X, dtype=dtype)
    Y = np.ascontiguousarray(Y, dtype=dtype)
    train_labels = np.argmax(Y, axis=1)
    if X_test is not None:
        X_test = np.ascontiguousarray(X_test, dtype=dtype)

    workspace = network.BackpropWorkspace(sizes, batch_size, dtype, order="F")
    X_batch = np.empty((batch_size, m0), dtype)
    Y_batch = np.empty((batch_size, mp), dtype)
    optimizer = optim.Momentum(lr, momentum)
    velocity = optimizer.init_velocity(flat_params)
    steps = -(-n // batch_size)
    history = History(
        epochs=epochs, batch_size=batch_size, lr=lr, momentum=momentum, steps_per_epoch=steps, dtype=dtype.name
    )
    bar = _progress_bar(epochs * steps, progress)
    limit = contextlib.nullcontext()
    if blas_threads is not None:
        from threadpoolctl import threadpool_limits

        limit = threadpool_limits(int(blas_threads), user_api="blas")

    def diverged(epoch: int, step: int, loss: float, what: str) -> TrainingDivergedError:
        return TrainingDivergedError(
            f"training diverged at epoch {epoch}/{epochs}, step {step}/{steps}: {what} is {loss!r}; the learning "
            f"rate lr={lr:g} is likely too large ({_FIT}), try a smaller one such as lr={lr / 10:g}",
            epoch=epoch,
            step=step,
            loss=loss,
            lr=lr,
        )

    def collapsed(epoch: int, layer: int) -> TrainingCollapsedError:
        return TrainingCollapsedError(
            f"training collapsed at epoch {epoch}/{epochs}: every unit of hidden layer {layer} outputs 0 on all {n} "
            f"training rows (dead ReLUs), so the network gives every row the same output (training accuracy "
            f"{history.train_accuracy[-1]:.1%}) and the gradient with respect to layers 1 to {layer} is exactly 0 "
            f"(Proposition 5.1): back-propagation cannot revive them. The learning rate lr={lr:g} is likely too "
            f"large ({_FIT}), try a smaller one such as lr={lr / 10:g}",
            epoch=epoch,
            step=steps,
            loss=history.loss[-1],
            lr=lr,
            layer=layer,
        )

    try:
        # Overflow in a diverging run is detected below and reported as TrainingDivergedError; numpy's own
        # warnings on the way there would only be noise.
        with limit, np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            for epoch in range(1, epochs + 1):
                if bar is not None:
                    bar.set_description(f"epoch {epoch}/{epochs}", refresh=False)
                start = time.perf_counter()
                total = 0.0
                for step, idx in enumerate(optim.minibatches(n, batch_size, rng), start=1):
                    nb = idx.shape[0]
                    xb, yb = X_batch[:nb], Y_batch[:nb]
                    # mode="clip": the indices are a permutation, so nothing is ever clipped, and NumPy writes
                    # straight into the buffer (with the default mode="raise" it gathers into a temporary first).
                    np.take(X, idx, axis=0, out=xb, mode="clip")
                    np.take(Y, idx, axis=0, out=yb, mode="clip")
                    # gradient of the batch mean, times alpha (1 - beta): what the in-place update takes
                    loss, _ = workspace.run(xb, yb, params, scale=optimizer.gradient_scale / nb)
                    if not math.isfinite(loss):
                        raise diverged(epoch, step, loss, "the batch loss")
                    total += loss
                    optimizer.step_(flat_params, workspace.flat_grads, velocity)  # the same update as on (W, b)
                    if bar is not None:
                        bar.update(1)
                seconds = time.perf_counter() - start
                if not all(np.isfinite(a).all() for pair in params for a in pair):
                    raise diverged(epoch, steps, float("nan"), "a parameter after the last update")
                history.loss.append(total / n)
                history.seconds.append(seconds)
                train = _epoch_pass(X, train_labels, params)
                if train.nonfinite is not None:  # finite parameters can still overflow the output
                    raise diverged(epoch, steps, train.nonfinite, "the network's output on a training row")
                history.train_accuracy.append(train.correct / n)
                if not all(train.alive):
                    raise collapsed(epoch, [k for k, alive in enumerate(train.alive, start=1) if not alive][-1])
                if X_test is not None:
                    test = _epoch_pass(X_test, y_test, params)
                    if test.nonfinite is not None:
                        raise diverged(epoch, steps, test.nonfinite, "the network's output on a test row")
                    history.test_accuracy.append(test.correct / X_test.shape[0])
                if bar is not None:
                    postfix = {"loss": f"{history.loss[-1]:.4f}", "train": f"{history.train_accuracy[-1]:.2%}"}
                    if history.test_accuracy:
                        postfix["test"] = f"{history.test_accuracy[-1]:.2%}"
                    bar.set_postfix(postfix, refresh=True)
                if callback is not None and callback(epoch, params, history) is True:
                    break
    finally:
        if bar is not None:
            bar.close()
    return params, history


# ----------------------------------------------------------------------------------------------------------------
# Saving and loading parameters
# ----------------------------------------------------------------------------------------------------------------
def save_params(path, params) -> str:
    r"""Write the parameters to an ``.npz`` file with keys ``W1, b1, W2, b2, ...`` (layer 1 first).

    Paper: Definition 5.1

    The file is written at exactly ``path`` (no ``.npz`` is appended); dtypes are kept; no pickle.

    Returns
    -------
    str — the path written
    """
    params = network.check_params(params, _NET)
    arrays = {}
    for k, (W, b) in enumerate(params, start=1):
        arrays[f"W{k}"], arrays[f"b{k}"] = W, b
    path = os.fspath(path)
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)
    return path


def load_params(path) -> Params:
    r"""Read parameters written by :func:`save_params`.

    Paper: Definition 5.1

    Loaded with ``allow_pickle=False``. The file must hold exactly ``W1, b1, ..., Wp, bp`` whose shapes chain as
    in Definition 5.1 (``W^{(k)}`` of shape ``(m_k, m_{k-1})``, ``b^{(k)}`` of shape ``(m_k,)``), finite,
    float32 or float64.

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        The file is not an ``.npz`` archive of such arrays (the message says what is wrong).
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no parameter file at {path!r}")
    try:
        loaded = np.load(path, allow_pickle=False)
    except ValueError as exc:  # e.g. "Cannot load file containing pickled data when allow_pickle=False"
        raise ValueError(f"malformed parameter file {path!r}: {exc}") from None
    except (OSError, EOFError) as exc:
        raise ValueError(f"malformed parameter file {path!r}: not a readable .npz archive ({exc})") from None
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise ValueError(
            f"malformed parameter file {path!r}: expected an .npz archive with keys W1, b1, ...; found a single array"
        )
    try:
        with loaded as npz:
            arrays = {key: npz[key] for key in npz.files}
    except ValueError as exc:  # an entry holding pickled (object) data
        raise ValueError(f"malformed parameter file {path!r}: {exc}") from None
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise ValueError(f"malformed parameter file {path!r}: a damaged .npz archive ({exc})") from None
    p = len(arrays) // 2
    expected = [f"{name}{k}" for k in range(1, p + 1) for name in ("W", "b")]
    if p == 0 or sorted(arrays) != sorted(expected):
        raise ValueError(
            f"malformed parameter file {path!r}: expected keys W1, b1, ..., Wp, bp ({_NET}); found {sorted(arrays)}"
        )
    params = []
    for k in range(1, p + 1):
        W, b = arrays[f"W{k}"], arrays[f"b{k}"]
        if W.dtype not in FLOAT_DTYPES or b.dtype not in FLOAT_DTYPES:
            raise ValueError(
                f"malformed parameter file {path!r}: W{k} and b{k} must be float32 or float64; "
                f"got {W.dtype} and {b.dtype}"
            )
        params.append((W, b))
    try:
        return network.check_params(params, _NET)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"malformed parameter file {path!r}: {exc}") from None
