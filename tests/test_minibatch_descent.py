"""The minibatch loop shared by the notes' and the lecture's trainers: Definitions 6.6/6.7 on any sum objective."""

from __future__ import annotations

import numpy as np
import pytest

from mathdnn_core import minibatch_descent, optim, testing, training
from mathdnn_core.results import History


def _least_squares(n=40, seed=0):
    rng = np.random.default_rng(seed)
    A, y = rng.standard_normal((n, 3)), rng.standard_normal(n)

    def batch(rows, params):
        ((w, b),) = params
        r = A[rows] @ w + b[0] - y[rows]
        return float(r @ r), [(2 * A[rows].T @ r / rows.size, np.array([2 * r.sum() / rows.size]))]

    return batch, [(np.zeros(3), np.zeros(1))]


def test_descend_is_minibatches_plus_the_pure_momentum_update():
    batch, params0 = _least_squares()
    history = History()
    got = minibatch_descent.descend(
        batch,
        params0,
        40,
        epochs=3,
        batch_size=16,
        lr=0.05,
        momentum=0.9,
        rng=np.random.default_rng(7),
        history=history,
        statement="Definition 6.7",
    )
    # the same sequence written out: one permutation per epoch, batches 16, 16, 8, the (1 - beta) momentum step
    rng, opt, params, losses = np.random.default_rng(7), optim.Momentum(0.05, 0.9), params0, []
    state = opt.init(params)
    for _ in range(3):
        total = 0.0
        for rows in optim.minibatches(40, 16, rng):
            loss, grads = batch(rows, params)
            total += loss
            updates, state = opt.update(grads, state)
            params = optim.apply_updates(params, updates)
        losses.append(total / 40)
    testing.check_close(got, params, statement="Definition 6.7", what="descend == the loop written out", tol=0)
    testing.check_close(history.loss, losses, statement="Definition 6.7", what="epoch losses", tol=0)
    assert len(history.seconds) == 3


def test_descend_reports_divergence_with_the_step_and_stops_on_request():
    batch, params0 = _least_squares()
    # lr 1e3 is meant to blow up: the overflow on the way is the point, not a warning worth printing
    with (
        np.errstate(over="ignore", invalid="ignore"),
        pytest.raises(training.TrainingDivergedError, match=r"epoch \d+, step \d+.*Definition 6.7"),
    ):
        minibatch_descent.descend(
            batch,
            params0,
            40,
            epochs=50,
            batch_size=8,
            lr=1e3,
            momentum=0.0,
            rng=np.random.default_rng(0),
            history=History(),
            statement="Definition 6.7",
        )

    def failing(rows, params):
        raise FloatingPointError("the flow left the reals")

    with pytest.raises(training.TrainingDivergedError, match="epoch 1, step 1: the flow left the reals"):
        minibatch_descent.descend(
            failing,
            params0,
            40,
            epochs=1,
            batch_size=8,
            lr=0.1,
            momentum=0.0,
            rng=np.random.default_rng(0),
            history=History(),
            statement="Definition 6.7",
            divergence=(FloatingPointError,),
        )
    history = History()
    minibatch_descent.descend(
        batch,
        params0,
        40,
        epochs=5,
        batch_size=8,
        lr=0.01,
        momentum=0.5,
        rng=np.random.default_rng(0),
        history=history,
        statement="Definition 6.7",
        after_epoch=lambda epoch, params: epoch == 2,
    )
    assert len(history.loss) == 2
