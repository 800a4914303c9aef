r"""Definitions 6.6 and 6.7 for any objective that is a sum over samples: minibatches drawn without replacement,
the mean gradient of each batch, and the momentum step of :class:`mathdnn_core.optim.Momentum`.

This is the loop the trainers of the two documents that extend the paper share: the notes' squared-error network
(:func:`mathdnn_core.filtration_descent.fit`) and the lecture's random-vector-field classifier
(:func:`mathdnn_core.lecture_networks.fit_random_fields`). The paper's own network trains with
:func:`mathdnn_core.training.fit`, the same equations carried out in place on flat buffers.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np

from . import optim
from ._divergence import TrainingDivergedError
from ._validation import Params
from .results import History

__all__ = ["descend"]


def descend(
    batch_loss_and_gradients: Callable[[np.ndarray, Params], tuple[float, Params]],
    params: Params,
    n: int,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    momentum: float,
    rng: np.random.Generator,
    history: History,
    statement: str,
    after_epoch: Callable[[int, Params], object] | None = None,
    divergence: tuple[type[Exception], ...] = (),
) -> Params:
    r"""Minibatch gradient descent with momentum on ``sum_i loss_i(params)``, for checked settings.

    Paper: Definition 6.7

    For each epoch the ``n`` rows are split into batches ``B`` by :func:`mathdnn_core.optim.minibatches` (a fresh
    permutation from ``rng``; the note after Definition 6.6), and for each batch

    .. math:: g = \nabla \frac{1}{|B|} \sum_{i \in B} \mathrm{loss}_i,\qquad
              m \leftarrow \beta m + (1-\beta)\, g,\qquad \theta \leftarrow \theta - \alpha m,\qquad m^{(0)} = 0

    (``momentum = 0`` is plain gradient descent, Definition 6.6).

    Parameters
    ----------
    batch_loss_and_gradients : ``(rows, params) -> (sum over the batch of the losses, gradient of their mean)``;
        ``rows`` are the indices of the batch, the gradient has the structure of ``params``
    params : the starting point (not modified)
    n : the number of samples
    epochs, batch_size, lr, momentum : checked by the caller (``momentum`` in ``[0, 1[``)
    rng : the order of the batches, the only randomness
    history : filled in place, per epoch: ``loss`` (the epoch's mean loss, each term at the parameters of the step
        that used it) and ``seconds``
    statement : the document's statement, named in a divergence message
    after_epoch : ``after_epoch(epoch, params)`` after each epoch (e.g. to record accuracies); ``True`` stops
    divergence : exception types of ``batch_loss_and_gradients`` that mean the run diverged (a flow that stopped
        being finite, say): reported as :class:`~mathdnn_core.training.TrainingDivergedError`, with the step

    Raises
    ------
    mathdnn_core.training.TrainingDivergedError
        When a batch loss or, after an epoch, a parameter is not finite.
    """
    opt = optim.Momentum(lr, momentum)
    state = opt.init(params)
    for epoch in range(1, epochs + 1):
        start, total = time.perf_counter(), 0.0
        for step, rows in enumerate(optim.minibatches(n, batch_size, rng), start=1):
            try:
                loss, grads = batch_loss_and_gradients(rows, params)
            except divergence as exc:
                raise TrainingDivergedError(
                    f"training diverged at epoch {epoch}, step {step}: {exc}; lr={lr:g} is likely too large "
                    f"({statement}), try lr={lr / 10:g}",
                    epoch=epoch,
                    step=step,
                    loss=math.nan,
                    lr=lr,
                ) from exc
            if not math.isfinite(loss):
                raise TrainingDivergedError(
                    f"training diverged at epoch {epoch}, step {step}: the batch loss is {loss}; lr={lr:g} is likely "
                    f"too large ({statement}), try lr={lr / 10:g}",
                    epoch=epoch,
                    step=step,
                    loss=loss,
                    lr=lr,
                )
            total += loss
            updates, state = opt.update(grads, state)
            params = optim.apply_updates(params, updates)
        history.seconds.append(time.perf_counter() - start)
        history.loss.append(total / n)
        if not all(np.all(np.isfinite(a)) for pair in params for a in pair):
            raise TrainingDivergedError(
                f"training diverged at epoch {epoch}: a parameter is not finite; lr={lr:g} is likely too large "
                f"({statement})",
                epoch=epoch,
                step=history.steps_per_epoch,
                loss=math.nan,
                lr=lr,
            )
        if after_epoch is not None and after_epoch(epoch, params) is True:
            break
    return params
