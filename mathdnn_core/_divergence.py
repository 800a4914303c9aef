r"""When training fails: the two errors :func:`mathdnn_core.training.fit` raises, and the learning rate it suggests.

A diverged run is replayed from its initial parameters, with the same batches in the same order, at learning rates
``10^k`` times smaller (``k = 1, 2, 4, 8, ...`` until one stays finite, then bisecting ``k``); the largest one whose
batch losses and parameters stay finite over the steps the run took (twice that, and ten more) is the one the
message suggests. So the suggestion has been seen not to diverge where the run did, rather than guessed.
"""

from __future__ import annotations

import math
import time

import numpy as np

from . import network, optim

_FIT = "Definition 6.7"

#: The smallest learning rate tried is this power of ten below the one that diverged.
_MAX_POWER = 64
#: The replays stop after this many seconds, or this many times the failed run's own duration if that is longer.
_REPLAY_SECONDS, _REPLAY_FACTOR = 2.0, 2.0


class TrainingDivergedError(RuntimeError):
    r"""The sequence of Definition 6.7 diverged during :func:`~mathdnn_core.training.fit`: a batch loss, a parameter
    or the network's output became NaN or infinite.

    Paper: Definition 6.7

    Attributes ``epoch`` and ``step`` (1-based), ``loss`` (the non-finite value) and ``lr`` say where and why;
    ``suggested_lr`` is a learning rate seen to keep the same steps finite (None if none of those tried did).
    """

    def __init__(self, message: str, *, epoch: int, step: int, loss: float, lr: float, suggested_lr=None):
        super().__init__(message)
        self.epoch, self.step, self.loss, self.lr = epoch, step, loss, lr
        self.suggested_lr = suggested_lr


class TrainingCollapsedError(TrainingDivergedError):
    r"""During an epoch of :func:`~mathdnn_core.training.fit`, every unit of a hidden layer output 0 on every
    training row ("dead ReLUs").

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


def diverged(run, epoch: int, step: int, loss: float, what: str) -> TrainingDivergedError:
    """The error for a run that diverged at ``(epoch, step)``, with a learning rate that does not, if one is found."""
    lr = run.lr
    steps_taken = (epoch - 1) * run.steps + step
    suggestion = _finite_lr(run, steps_taken)
    if suggestion is None:
        hint = "no smaller learning rate tried kept its first steps finite: check the data"
    else:
        horizon = _horizon(run, steps_taken)
        hint = f"lr={suggestion:g} keeps the first {horizon} steps of this run finite: try it"
    return TrainingDivergedError(
        f"training diverged at epoch {epoch}/{run.epochs}, step {step}/{run.steps}: {what} is {loss!r}; the learning "
        f"rate lr={lr:g} is too large ({_FIT}): {hint}",
        epoch=epoch,
        step=step,
        loss=loss,
        lr=lr,
        suggested_lr=suggestion,
    )


def collapsed(run, epoch: int, layer: int) -> TrainingCollapsedError:
    history, lr = run.history, run.lr
    return TrainingCollapsedError(
        f"training collapsed at epoch {epoch}/{run.epochs}: every unit of hidden layer {layer} output 0 on all "
        f"{run.n} training rows during the epoch (dead ReLUs), so the network gave every row the same output and "
        f"the gradient with respect to layers 1 to {layer} was exactly 0 (Proposition 5.1): back-propagation "
        f"cannot revive them. The learning rate lr={lr:g} is likely too large ({_FIT}), try a smaller one such as "
        f"lr={lr / 10:g}",
        epoch=epoch,
        step=run.steps,
        loss=history.loss[-1] if history.loss else math.nan,
        lr=lr,
        layer=layer,
    )


def _horizon(run, steps_taken: int) -> int:
    return min(run.epochs * run.steps, 2 * steps_taken + 10)


def _finite_lr(run, steps_taken: int) -> float | None:
    """The largest ``lr / 10^k`` whose replay of the run's first steps stays finite (None if none does in time)."""
    horizon = _horizon(run, steps_taken)
    deadline = time.perf_counter() + max(_REPLAY_SECONDS, _REPLAY_FACTOR * run.elapsed())
    finite: dict[int, bool] = {}

    def stays_finite(k: int) -> bool:
        if k not in finite:
            finite[k] = _replay_stays_finite(run, run.lr / 10**k, horizon)
        return finite[k]

    diverges, k = 0, 1  # 10^0: the run itself diverged
    while not stays_finite(k):
        diverges, k = k, 2 * k
        if k > _MAX_POWER or time.perf_counter() > deadline:
            return None
    while k - diverges > 1 and time.perf_counter() <= deadline:
        middle = (diverges + k) // 2
        if stays_finite(middle):
            k = middle
        else:
            diverges = middle
    return run.lr / 10**k


def _replay_stays_finite(run, lr: float, horizon: int) -> bool:
    """Train a copy of the initial parameters for ``horizon`` steps at ``lr``, on the batches the run drew."""
    from .backprop import BackpropWorkspace
    from .training import _InPlaceMomentum

    flat = run.initial_flat.copy()
    params = network.unflatten(flat, run.workspace.sizes, order="F")
    workspace = BackpropWorkspace(run.workspace.sizes, run.batch_size, flat.dtype, order="F")
    update = _InPlaceMomentum(flat, lr, run.update.beta)
    rng = np.random.Generator(type(run.rng.bit_generator)())
    rng.bit_generator.state = run.initial_rng_state
    done = 0
    while done < horizon:
        for idx in optim.minibatches(run.n, run.batch_size, rng):
            loss, _ = workspace.run(run.X[idx], run.Y[idx], params, scale=update.gradient_scale / idx.shape[0])
            if not math.isfinite(loss):
                return False
            update.step_(workspace.flat_grads)
            done += 1
            if done == horizon:
                break
    return bool(np.isfinite(flat).all())
