r"""Training N_{c+} on data: back-propagation gradient descent with momentum over minibatches (Definition 6.7).

:func:`fit` is a loop over the core in three named phases:

prepare (:func:`_prepare`)
    Check every input once. Copy the parameters into one flat buffer with ``(W, b)`` views into it, every weight
    matrix stored column by column (``network.unflatten(..., order="F")``: faster products, the same values up to
    round-off); allocate the back-propagation workspace, the batch buffers and the momentum. The dtype of the
    parameters is the dtype of the whole computation: float32 parameters make ``X`` and ``Y`` float32 once, here.
train one epoch (:func:`_train_one_epoch`)
    The minibatches of the note after Definition 6.6 (:func:`mathdnn_core.optim.minibatches`: a fresh permutation,
    batches of ``b`` rows drawn without replacement, the last one possibly smaller); for each, the gradient of the
    batch mean by :class:`mathdnn_core.backprop.BackpropWorkspace` (Propositions 5.1-5.3), then the update of
    :class:`_InPlaceMomentum`. Nothing is allocated per batch.
after the epoch (:func:`_after_epoch`)
    Stop on divergence (a parameter, or the network's output on a training or test row, not finite) or collapse (a
    hidden layer dead on every training row); record the history; then the progress bar and the callback.

Also here: :data:`DEFAULTS`, the settings of ``mathdnn train`` per data set; and, from :mod:`mathdnn_core.results`,
:class:`History`, :func:`evaluate`, :func:`save_params` and :func:`load_params`.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import network, optim
from ._validation import (
    Params,
    check_rows,
    check_targets,
    is_integer,
    learning_rate,
    momentum_beta,
    positive_int,
)
from .backprop import BackpropWorkspace
from .results import Evaluation, History, _as_labels, evaluate, load_params, save_params

_FIT = "Definition 6.7"
_NET = "Definition 5.1"

#: The predicted class of each row, ``chunk`` rows at a time: the same function as :func:`mathdnn_core.network.predict`.
predict_labels = network.predict

__all__ = [
    "DEFAULTS",
    "Defaults",
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


# ----------------------------------------------------------------------------------------------------------------
# Settings per data set. Chosen on a validation split carved out of the TRAINING set (mnist-5k: 3,000 / 1,000;
# digits: 1,000 / 347; 3-5 seeds), never on the test set, identical for every seed. Only the paper's components:
# dense layers, ReLU, Softmax, cross-entropy, minibatch SGD with (1 - beta) momentum, batch 32. Large learning rates
# (effective step ~ lr in the (1 - beta) form) generalised best; width beyond 512 and depth beyond 2 did not help.
# ----------------------------------------------------------------------------------------------------------------
DEFAULT_BATCH_SIZE = 32
DEFAULT_MOMENTUM = 0.9
DEFAULT_SEED = 0
DEFAULT_DTYPE = "float32"


@dataclass(frozen=True)
class Defaults:
    r"""Training settings of one data set: hidden widths ``m_1 .. m_(p-1)``, epochs, alpha, ``b`` and beta.

    Paper: Definition 6.7
    """

    hidden: tuple[int, ...]
    epochs: int
    lr: float
    batch_size: int = DEFAULT_BATCH_SIZE
    momentum: float = DEFAULT_MOMENTUM


#: The settings of ``mathdnn train`` (and of the notebooks' training runs) per data set.
DEFAULTS: dict[str, Defaults] = {
    "mnist-5k": Defaults(hidden=(512, 256), epochs=30, lr=0.5),
    "digits": Defaults(hidden=(256, 128), epochs=30, lr=1.0),
    "mnist": Defaults(hidden=(512, 256), epochs=10, lr=0.5),
}


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


# ----------------------------------------------------------------------------------------------------------------
# The update, in place
# ----------------------------------------------------------------------------------------------------------------
class _InPlaceMomentum:
    r"""The momentum update of Definition 6.5 carried out in place on one flat buffer, in velocity form.

    Multiplying the recursion of :class:`mathdnn_core.optim.Momentum` by ``alpha`` gives the step actually taken,
    ``v = alpha m``:

    .. math:: v^{(n+1)} = \beta v^{(n)} + G^{(n)},\qquad x^{(n+1)} = x^{(n)} - v^{(n+1)},\qquad
              G^{(n)} = \alpha(1-\beta)\nabla f(x^{(n)}),\qquad v^{(0)} = 0.

    :meth:`step_` takes the *scaled* gradient ``G``, the gradient times :attr:`gradient_scale` ``= alpha (1 - beta)``:
    back-propagation multiplies its output error by a scale anyway (``1/|B|`` for a batch mean), so the factor costs
    nothing there, and the update is three passes over the buffer instead of five. ``beta = 0`` is plain gradient
    descent (Definition 6.6): ``v = alpha g`` and the step is ``x - alpha g``. The tests hold it to
    :meth:`mathdnn_core.optim.Momentum.update` to round-off.
    """

    def __init__(self, flat_params: np.ndarray, lr: float, beta: float):
        self.params, self.beta = flat_params, beta
        self.gradient_scale = lr * (1.0 - beta)
        self.velocity = np.zeros_like(flat_params)

    def step_(self, scaled_grads: np.ndarray) -> None:
        """``v <- beta v + G``, ``x <- x - v``; ``scaled_grads`` (``G``) is only read."""
        v = self.velocity
        v *= self.beta
        v += scaled_grads
        self.params -= v


# ----------------------------------------------------------------------------------------------------------------
# fit: prepare, train one epoch, after the epoch
# ----------------------------------------------------------------------------------------------------------------
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
        :func:`mathdnn_core.losses.one_hot`).
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
    run = _prepare(params, X, Y, epochs, batch_size, lr, momentum, rng, X_test, y_test, callback, blas_threads)
    bar = _progress_bar(run.epochs * run.steps, progress)
    try:
        # Overflow in a diverging run is detected and reported as TrainingDivergedError; numpy's own warnings on the
        # way there would only be noise.
        with (
            _blas_limit(run.blas_threads),
            np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"),
        ):
            for epoch in range(1, run.epochs + 1):
                if bar is not None:
                    bar.set_description(f"epoch {epoch}/{run.epochs}", refresh=False)
                loss_sum, seconds = _train_one_epoch(run, epoch, bar)
                _after_epoch(run, epoch, loss_sum, seconds)
                _show_progress(bar, run.history)
                if callback is not None and callback(epoch, run.params, run.history) is True:
                    break
    finally:
        if bar is not None:
            bar.close()
    return run.params, run.history


@dataclass
class _Run:
    """Everything one call of :func:`fit` works on, built once by :func:`_prepare`."""

    params: Params  # (W, b) views into flat_params
    X: np.ndarray
    Y: np.ndarray
    train_labels: np.ndarray
    X_test: np.ndarray | None
    y_test: np.ndarray | None
    rng: np.random.Generator
    epochs: int
    batch_size: int
    lr: float
    steps: int
    blas_threads: int | None
    workspace: BackpropWorkspace
    X_batch: np.ndarray
    Y_batch: np.ndarray
    update: _InPlaceMomentum
    history: History

    @property
    def n(self) -> int:
        return self.X.shape[0]


def _prepare(params, X, Y, epochs, batch_size, lr, momentum, rng, X_test, y_test, callback, blas_threads) -> _Run:
    """Check every input once, then lay out the buffers of the run (see the module docstring)."""
    params = network.check_params(params, _FIT)
    sizes = [params[0][0].shape[1]] + [W.shape[0] for W, _ in params]
    m0, mp = sizes[0], sizes[-1]
    X = check_rows(X, m0, _FIT)
    n = X.shape[0]
    Y = check_targets(Y, n, mp, f"{_FIT} with Definition 5.2")
    epochs = positive_int(epochs, "epochs", f"{_FIT}: one epoch is one pass over the n = {n} samples")
    batch_size = positive_int(
        batch_size, "batch_size", "note after Definition 6.6: batches of b rows drawn without replacement", maximum=n
    )
    lr = learning_rate(lr, f"{_FIT}: the learning rate alpha in R+*", name="lr")
    momentum = momentum_beta(momentum, f"{_FIT}: beta", name="momentum")
    if (X_test is None) != (y_test is None):
        raise ValueError(f"X_test and y_test go together: give both or neither ({_FIT})")
    if X_test is not None:
        X_test = check_rows(X_test, m0, _NET, name="X_test")
        y_test = _as_labels(y_test, X_test.shape[0], mp, "y_test", _NET)
    if rng is None or is_integer(rng):
        rng = np.random.default_rng(rng)
    elif not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, an int seed or None; got {type(rng).__name__}")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable; got {type(callback).__name__}")
    if blas_threads is not None:
        blas_threads = positive_int(blas_threads, "blas_threads (None or a thread count)", "")

    dtype = np.result_type(*[a.dtype for pair in params for a in pair])
    # The one copy of the parameters: a single flat buffer with (W, b) views into it, updated in place. With the
    # gradients (workspace.flat_grads) laid out the same way, one momentum step is three whole-buffer operations.
    leaves = [a for pair in params for a in pair]
    flat_params = np.concatenate([np.ravel(a, order="F").astype(dtype, copy=False) for a in leaves])
    X = np.ascontiguousarray(X, dtype=dtype)
    Y = np.ascontiguousarray(Y, dtype=dtype)
    steps = -(-n // batch_size)
    return _Run(
        params=network.unflatten(flat_params, sizes, order="F"),
        X=X,
        Y=Y,
        train_labels=np.argmax(Y, axis=1),
        X_test=None if X_test is None else np.ascontiguousarray(X_test, dtype=dtype),
        y_test=y_test,
        rng=rng,
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        steps=steps,
        blas_threads=blas_threads,
        workspace=BackpropWorkspace(sizes, batch_size, dtype, order="F"),
        X_batch=np.empty((batch_size, m0), dtype),
        Y_batch=np.empty((batch_size, mp), dtype),
        update=_InPlaceMomentum(flat_params, lr, momentum),
        history=History(
            epochs=epochs, batch_size=batch_size, lr=lr, momentum=momentum, steps_per_epoch=steps, dtype=dtype.name
        ),
    )


def _train_one_epoch(run: _Run, epoch: int, bar) -> tuple[float, float]:
    """One pass over the minibatches: ``(sum of the batch losses, seconds)``. Allocates nothing per batch."""
    X, Y, X_batch, Y_batch = run.X, run.Y, run.X_batch, run.Y_batch
    workspace, update, params = run.workspace, run.update, run.params
    start = time.perf_counter()
    total = 0.0
    for step, idx in enumerate(optim.minibatches(run.n, run.batch_size, run.rng), start=1):
        nb = idx.shape[0]
        xb, yb = X_batch[:nb], Y_batch[:nb]
        # mode="clip": the indices are a permutation, so nothing is ever clipped, and NumPy writes straight into
        # the buffer (with the default mode="raise" it gathers into a temporary first).
        np.take(X, idx, axis=0, out=xb, mode="clip")
        np.take(Y, idx, axis=0, out=yb, mode="clip")
        # gradient of the batch mean, times alpha (1 - beta): what the in-place update takes
        loss, _ = workspace.run(xb, yb, params, scale=update.gradient_scale / nb)
        if not math.isfinite(loss):
            raise _diverged(run, epoch, step, loss, "the batch loss")
        total += loss
        update.step_(workspace.flat_grads)  # the same update as on (W, b): the buffers share one layout
        if bar is not None:
            bar.update(1)
    return total, time.perf_counter() - start


def _after_epoch(run: _Run, epoch: int, loss_sum: float, seconds: float) -> None:
    """Stop on divergence or collapse; otherwise record the epoch in the history."""
    history = run.history
    if not all(np.isfinite(a).all() for pair in run.params for a in pair):
        raise _diverged(run, epoch, run.steps, float("nan"), "a parameter after the last update")
    history.loss.append(loss_sum / run.n)
    history.seconds.append(seconds)
    train = _epoch_pass(run.X, run.train_labels, run.params)
    if train.nonfinite is not None:  # finite parameters can still overflow the output
        raise _diverged(run, epoch, run.steps, train.nonfinite, "the network's output on a training row")
    history.train_accuracy.append(train.correct / run.n)
    if not all(train.alive):
        raise _collapsed(run, epoch, [k for k, alive in enumerate(train.alive, start=1) if not alive][-1])
    if run.X_test is not None:
        test = _epoch_pass(run.X_test, run.y_test, run.params)
        if test.nonfinite is not None:
            raise _diverged(run, epoch, run.steps, test.nonfinite, "the network's output on a test row")
        history.test_accuracy.append(test.correct / run.X_test.shape[0])


@dataclass
class _EpochPass:
    """One forward pass over a data set after an epoch: correct predictions, which hidden layers were ever
    positive, and the first non-finite logit (None if there is none)."""

    correct: int
    alive: list[bool]
    nonfinite: float | None


def _epoch_pass(X: np.ndarray, labels: np.ndarray, params: Params) -> _EpochPass:
    result = _EpochPass(0, [False] * (len(params) - 1), None)
    for rows, cache in network._forward_chunks(X, params):
        try:
            classes = cache.classes
        except network.OutputOverflowError as exc:
            result.nonfinite = exc.value
            return result
        result.correct += int(np.count_nonzero(classes == labels[rows]))
        for k, a in enumerate(cache.inputs[1:]):  # a = ReLU(z^(k)) >= 0: a unit is alive where a != 0
            result.alive[k] = result.alive[k] or bool(a.any())
    return result


def _diverged(run: _Run, epoch: int, step: int, loss: float, what: str) -> TrainingDivergedError:
    lr = run.lr
    return TrainingDivergedError(
        f"training diverged at epoch {epoch}/{run.epochs}, step {step}/{run.steps}: {what} is {loss!r}; the learning "
        f"rate lr={lr:g} is likely too large ({_FIT}), try a smaller one such as lr={lr / 10:g}",
        epoch=epoch,
        step=step,
        loss=loss,
        lr=lr,
    )


def _collapsed(run: _Run, epoch: int, layer: int) -> TrainingCollapsedError:
    history, lr = run.history, run.lr
    return TrainingCollapsedError(
        f"training collapsed at epoch {epoch}/{run.epochs}: every unit of hidden layer {layer} outputs 0 on all "
        f"{run.n} training rows (dead ReLUs), so the network gives every row the same output (training accuracy "
        f"{history.train_accuracy[-1]:.1%}) and the gradient with respect to layers 1 to {layer} is exactly 0 "
        f"(Proposition 5.1): back-propagation cannot revive them. The learning rate lr={lr:g} is likely too "
        f"large ({_FIT}), try a smaller one such as lr={lr / 10:g}",
        epoch=epoch,
        step=run.steps,
        loss=history.loss[-1],
        lr=lr,
        layer=layer,
    )


def _progress_bar(total: int, enabled: bool):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="batch", desc="training", leave=True, dynamic_ncols=True)


def _show_progress(bar, history: History) -> None:
    if bar is not None:
        postfix = {"loss": f"{history.loss[-1]:.4f}", "train": f"{history.train_accuracy[-1]:.2%}"}
        if history.test_accuracy:
            postfix["test"] = f"{history.test_accuracy[-1]:.2%}"
        bar.set_postfix(postfix, refresh=True)


def _blas_limit(threads: int | None):
    """Limit the BLAS thread pool while training (restored afterwards); nothing when ``threads`` is None."""
    if threads is None:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(threads, user_api="blas")
