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
    hidden layer dead on every training row during the epoch); record the history; then the progress bar and the
    callback.

The training accuracy of an epoch is read off the forward passes of its own steps (each row counted once, at the
parameters of the step that used it), as the loss is: no extra pass over the training rows. ``exact_accuracy=True``
adds that pass, at the parameters the epoch ends with. Either way the run stops if the network's output overflows
on a training row: a cheap bound proves it finite after most epochs, and where it cannot, the exact pass runs.

BLAS threads: by default (``blas_threads="auto"``) :class:`mathdnn_core._blas.StepThreads` gives the steps as many
threads as there are idle cores, measured while training, and holds every step to the numbers one thread gives: a
seed gives the same history and parameters whatever the machine's load (see :class:`mathdnn_core._blas.StepThreads`).

Also here: :data:`DEFAULTS`, the settings of ``mathdnn train`` per data set; :func:`robust_blas_threads`; and, from
:mod:`mathdnn_core.results`, :class:`History`, :func:`evaluate`, :func:`save_params` and :func:`load_params`; from
:mod:`mathdnn_core._divergence`, the two errors.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import _blas, network, optim
from ._divergence import TrainingCollapsedError, TrainingDivergedError, collapsed, diverged
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
    "robust_blas_threads",
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


def robust_blas_threads() -> int:
    """The BLAS thread count to use now, for work outside :func:`fit` (which adapts by itself between its steps).

    1 when other programs keep the cores busy or this process may use a single CPU (a Binder pod), else the BLAS
    pool's configured size; measured over 50 ms (:func:`mathdnn_core._blas.robust_threads`).
    """
    return _blas.robust_threads()


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
    blas_threads: int | str | None = "auto",
    exact_accuracy: bool = False,
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
    blas_threads : "auto" (default), int >= 1 or None
        ``"auto"``: between two steps, as many BLAS threads as the cores other programs leave idle (measured every
        half second), at most the pool's configured size, and 1 in a container allowed one CPU. On a busy machine
        two threads on a 32-row batch wait for each other (10-190 times slower measured); on a quiet one they are
        up to 1.4 times faster. Every step is held to the numbers one thread gives (checked bit for bit the first
        time a thread count meets a batch size), so the results do not depend on the load. An int: exactly that
        many threads (results may differ in the last bits from another count). ``None``: the pool as configured.
        The thread pool is restored afterwards.
    exact_accuracy : bool
        ``False`` (default): the training accuracy of an epoch counts each row at the parameters of the step that
        used it, read off that step's own forward pass (free). ``True``: one more forward pass over the training
        rows after each epoch, at its final parameters.

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
        network's output on a training or test row did: the message gives the epoch, the step, the value, the
        learning rate and a smaller one seen to keep the same steps finite.
    TrainingCollapsedError
        (a :class:`TrainingDivergedError`) During an epoch, a hidden layer output 0 on every training row: the
        network was constant on the data and back-propagation could no longer move the layers below.
    """
    run = _prepare(
        params, X, Y, epochs, batch_size, lr, momentum, rng, X_test, y_test, callback, blas_threads, exact_accuracy
    )
    bar = _progress_bar(run.epochs * run.steps, progress)
    try:
        # Overflow in a diverging run is detected and reported as TrainingDivergedError; numpy's own warnings on the
        # way there would only be noise.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            run.threads.begin()
            for epoch in range(1, run.epochs + 1):
                if bar is not None:
                    bar.set_description(f"epoch {epoch}/{run.epochs}", refresh=False)
                loss_sum, seconds = _train_one_epoch(run, epoch, bar)
                _after_epoch(run, epoch, loss_sum, seconds)
                _show_progress(bar, run.history)
                if callback is not None and callback(epoch, run.params, run.history) is True:
                    break
    finally:
        run.threads.end()
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
    threads: _blas.StepThreads
    exact_accuracy: bool
    workspace: BackpropWorkspace
    X_batch: np.ndarray
    Y_batch: np.ndarray
    predictions: np.ndarray  # the class each step predicted for each of its rows, in the epoch's order
    update: _InPlaceMomentum
    history: History
    input_bound: float  # max |x_ij| over the rows gathered so far (all of them after epoch 1): see _output_is_finite
    initial_flat: np.ndarray  # what a replay after a divergence starts from (_divergence)
    initial_rng_state: dict
    started: float
    alive: list[bool] = field(default_factory=list)  # hidden layers positive on some row of the epoch's batches

    @property
    def n(self) -> int:
        return self.X.shape[0]

    def elapsed(self) -> float:
        return time.perf_counter() - self.started


def _prepare(
    params, X, Y, epochs, batch_size, lr, momentum, rng, X_test, y_test, callback, blas_threads, exact_accuracy
) -> _Run:
    """Check every input once, then lay out the buffers of the run (see the module docstring)."""
    started = time.perf_counter()
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
    if blas_threads is not None and blas_threads != "auto":
        blas_threads = positive_int(blas_threads, 'blas_threads ("auto", None or a thread count)', "")
    if not isinstance(exact_accuracy, bool | np.bool_):
        raise TypeError(f"exact_accuracy must be True or False; got {exact_accuracy!r}")

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
        threads=_blas.StepThreads(blas_threads, batch_size),
        exact_accuracy=bool(exact_accuracy),
        workspace=BackpropWorkspace(sizes, batch_size, dtype, order="F"),
        X_batch=np.empty((batch_size, m0), dtype),
        Y_batch=np.empty((batch_size, mp), dtype),
        predictions=np.empty(n, np.intp),
        update=_InPlaceMomentum(flat_params, lr, momentum),
        history=History(
            epochs=epochs, batch_size=batch_size, lr=lr, momentum=momentum, steps_per_epoch=steps, dtype=dtype.name
        ),
        input_bound=0.0,
        initial_flat=flat_params.copy(),
        initial_rng_state=rng.bit_generator.state,
        started=started,
    )


def _train_one_epoch(run: _Run, epoch: int, bar) -> tuple[float, float]:
    """One pass over the minibatches: ``(sum of the batch losses, seconds)``, the training accuracy read off the
    steps' own forward passes, ``run.alive``; allocates nothing per batch."""
    X, Y, X_batch, Y_batch = run.X, run.Y, run.X_batch, run.Y_batch
    workspace, update, params, threads = run.workspace, run.update, run.params, run.threads
    run.alive = [False] * (len(params) - 1)
    start = time.perf_counter()
    total, row = 0.0, 0
    batches = optim.minibatches(run.n, run.batch_size, run.rng)
    threads.steps = {}
    xb = yb = classes = None  # this step's views, read by run_step and outputs
    losses = [0.0]

    def run_step() -> None:
        # gradient of the batch mean, times alpha (1 - beta): what the in-place update takes
        losses[0], _ = workspace.run(xb, yb, params, scale=update.gradient_scale / xb.shape[0], classes=classes)

    def outputs() -> tuple[np.ndarray, ...]:
        return workspace.flat_grads, classes, np.array(losses)

    for step, idx in enumerate(batches, start=1):
        nb = idx.shape[0]
        xb, yb, classes = X_batch[:nb], Y_batch[:nb], run.predictions[row : row + nb]
        # mode="clip": the indices are a permutation, so nothing is ever clipped, and NumPy writes straight into
        # the buffer (with the default mode="raise" it gathers into a temporary first).
        np.take(X, idx, axis=0, out=xb, mode="clip")
        np.take(Y, idx, axis=0, out=yb, mode="clip")
        if epoch == 1:  # max |x| read off the batches, hot in cache, rather than by a pass over the whole of X
            run.input_bound = max(run.input_bound, float(xb.max()), -float(xb.min()))
        threads.step(nb, run_step, outputs)
        loss = losses[0]
        if not math.isfinite(loss):
            raise diverged(run, epoch, step, loss, "the batch loss")
        total += loss
        update.step_(workspace.flat_grads)  # the same update as on (W, b): the buffers share one layout
        if not all(run.alive):  # a layer seen alive once this epoch is not looked at again
            for k, a in enumerate(workspace.activations(nb)):
                run.alive[k] = run.alive[k] or bool(a.any())
        row += nb
        if bar is not None:
            bar.update(1)
    seconds = time.perf_counter() - start
    order = np.concatenate(batches)
    run.history.train_accuracy.append(int(np.count_nonzero(run.predictions == run.train_labels[order])) / run.n)
    return total, seconds


def _after_epoch(run: _Run, epoch: int, loss_sum: float, seconds: float) -> None:
    """Stop on divergence or collapse; otherwise record the epoch in the history."""
    history = run.history
    if not np.isfinite(run.update.params).all():
        raise diverged(run, epoch, run.steps, float("nan"), "a parameter after the last update")
    history.loss.append(loss_sum / run.n)
    history.seconds.append(seconds)
    history.blas_threads.append(dict(sorted(run.threads.steps.items())))
    alive = run.alive
    with run.threads.single():  # passes outside the steps: one thread, the same numbers on every machine state
        if run.exact_accuracy or not _output_is_finite(run):
            train = _epoch_pass(run.X, run.train_labels, run.params)
            if train.nonfinite is not None:  # finite parameters can still overflow the output
                raise diverged(run, epoch, run.steps, train.nonfinite, "the network's output on a training row")
            if run.exact_accuracy:
                history.train_accuracy[-1] = train.correct / run.n
                alive = train.alive
        if not all(alive):
            raise collapsed(run, epoch, [k for k, seen in enumerate(alive, start=1) if not seen][-1])
        if run.X_test is not None:
            test = _epoch_pass(run.X_test, run.y_test, run.params)
            if test.nonfinite is not None:
                raise diverged(run, epoch, run.steps, test.nonfinite, "the network's output on a test row")
            history.test_accuracy.append(test.correct / run.X_test.shape[0])


def _output_is_finite(run: _Run) -> bool:
    r"""Whether a bound proves the network's output finite on every training row, at the current parameters.

    .. math:: |z^{(k)}_i| \le \|W^{(k)}\|_\infty\, B_{k-1} + \|b^{(k)}\|_\infty =: B_k,\qquad
              B_0 = \max_{i,j} |x_{ij}|,\qquad |\mathcal{R}(z)| \le |z|

    (``||W||_inf``: the largest absolute row sum). Every partial sum of a product is bounded by ``B_k`` too, so
    ``B_p`` well below the dtype's largest number rules out an overflow anywhere; otherwise the exact pass decides.
    """
    bound = run.input_bound
    for W, b in run.params:
        bound = float(np.abs(W).sum(axis=1).max()) * bound + float(np.abs(b).max())
    return bound < np.finfo(run.X.dtype).max / 16


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
