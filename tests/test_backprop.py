"""The fast path of training (Propositions 5.1-5.3 in place): BackpropWorkspace is held to the readable route,
network.backprop_gradients, to round-off — for every batch size up to its maximum, both memory layouts, both dtypes."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import random_problem

from mathdnn_core import backprop, network
from mathdnn_core import testing as T


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_workspace_equals_the_readable_route_with_a_smaller_last_batch(dtype):
    sizes = [6, 5, 4, 3]
    X, Y, params = random_problem(sizes, 11, seed=9, dtype=dtype)
    Y = Y.astype(dtype)
    workspace = backprop.BackpropWorkspace(sizes, max_batch=8, dtype=dtype)
    tol = 1e-12 if dtype == np.float64 else 1e-5
    for rows, scale in ((slice(0, 8), 1.0), (slice(8, 11), 1.0), (slice(0, 8), 1 / 8), (slice(8, 11), 1 / 3)):
        loss, grads = workspace.run(X[rows], Y[rows], params, scale)
        reduction = "sum" if scale == 1.0 else "mean"
        expected = network.backprop_gradients(X[rows], Y[rows], params, reduction=reduction)
        assert all(dW.dtype == np.dtype(dtype) and db.dtype == np.dtype(dtype) for dW, db in grads)
        disagreement = T.routes_disagreement(grads, expected)
        assert disagreement <= tol, (rows, disagreement)
        T.check_close(
            loss,
            network.objective(X[rows], Y[rows], params),
            tol=10 * tol,
            statement="Proposition 5.3",
            what="the workspace's batch loss = O_c+ of the batch",
        )


def test_workspace_buffers_are_reused():
    sizes = [4, 3, 2]
    X, Y, params = random_problem(sizes, 6, seed=1)
    workspace = backprop.BackpropWorkspace(sizes, max_batch=6)
    _, first = workspace.run(X, Y, params)
    kept = [(dW.copy(), db.copy()) for dW, db in first]
    _, second = workspace.run(X[:2], Y[:2], params)
    assert second[0][0] is first[0][0]  # documented: the next call overwrites
    assert T.routes_disagreement(second, network.backprop_gradients(X[:2], Y[:2], params)) <= 1e-13
    assert not np.allclose(kept[0][0], second[0][0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_workspace_column_major_layout_gives_the_same_gradients(dtype):
    sizes = [7, 6, 5, 3]
    X, Y, params = random_problem(sizes, 9, seed=4, dtype=dtype)
    Y = Y.astype(dtype)
    flat = np.concatenate([np.ravel(a, order="F") for pair in params for a in pair])
    params_F = network.unflatten(flat, sizes, order="F")
    row_major = backprop.BackpropWorkspace(sizes, max_batch=9, dtype=dtype)
    col_major = backprop.BackpropWorkspace(sizes, max_batch=9, dtype=dtype, order="F")
    loss_C, grads_C = row_major.run(X, Y, params, 0.25)
    loss_F, grads_F = col_major.run(X, Y, params_F, 0.25)
    rtol = 1e-13 if dtype == np.float64 else 1e-5
    assert loss_F == pytest.approx(loss_C, rel=rtol)
    for dW_F, _ in grads_F:
        assert dW_F.flags.f_contiguous and np.shares_memory(dW_F, col_major.flat_grads)
    assert T.routes_disagreement(grads_F, grads_C) <= rtol
    expected = np.concatenate([np.ravel(a, order="F") for pair in grads_C for a in pair])
    np.testing.assert_allclose(col_major.flat_grads, expected, rtol=rtol, atol=rtol * np.abs(expected).max())


def test_workspace_rejects_bad_settings():
    for kwargs, exc, mentions in (
        (dict(sizes=[3, 2], max_batch=0), ValueError, ("max_batch must be an integer >= 1",)),
        (dict(sizes=[3, 2], max_batch=4, dtype=np.int32), TypeError, ("np.float32 or np.float64",)),
        (dict(sizes=[3], max_batch=4), ValueError, ("at least two positive integers",)),
    ):
        T.check_raises(
            lambda: backprop.BackpropWorkspace(**kwargs), exc, must_mention=mentions, statement="Proposition 5.3"
        )
