"""Section 6: gradient descent, momentum, minibatches, and the pure-theory statements (convexity, smoothness,
co-coercivity, minimisers, the O(1/n) rate) checked numerically on functions where everything is known exactly."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import copy_params, random_params
from hypothesis import given, settings
from hypothesis import strategies as st

from mathdnn_core import network
from mathdnn_core import testing as T
from mathdnn_core.optim import (
    CosineSum,
    GradientDescent,
    Momentum,
    MomentumState,
    Quadratic,
    RegularisedSoftplus,
    SoftplusSum,
    apply_updates,
    gradient_descent_sequence,
    minibatches,
    momentum_sequence,
)
from mathdnn_core.softmax_regression import SoftmaxRegression

SETTINGS = settings(max_examples=30, deadline=None)


def half_norm_squared_grad(x):
    """f(x) = ||x||^2 / 2, gradient x."""
    return np.asarray(x, dtype=np.float64).copy()


# ----------------------------------------------------------------------------------------------------------------
# Hand-computed steps (Definitions 6.4 and 6.5) on f(x) = ||x||^2 / 2, x0 = (1, 2), alpha = 0.1, beta = 0.9
# ----------------------------------------------------------------------------------------------------------------
X0 = np.array([1.0, 2.0])


def test_gradient_descent_two_steps_by_hand():
    # x1 = x0 - 0.1 x0 = (0.9, 1.8); x2 = x1 - 0.1 x1 = (0.81, 1.62)
    path = gradient_descent_sequence(half_norm_squared_grad, X0, lr=0.1, steps=2)
    np.testing.assert_allclose(path, [[1.0, 2.0], [0.9, 1.8], [0.81, 1.62]], rtol=1e-15)
    opt = GradientDescent(0.1)
    updates, state = opt.update(X0.copy(), opt.init(X0))
    assert state == ()
    np.testing.assert_allclose(apply_updates(X0, updates), [0.9, 1.8], rtol=1e-15)


def test_momentum_two_steps_by_hand():
    """Standard indexing (what the package does):
    m1 = 0.9*0 + 0.1*x0 = (0.1, 0.2);          x1 = x0 - 0.1*m1 = (0.99, 1.98)
    m2 = 0.9*m1 + 0.1*x1 = (0.189, 0.378);     x2 = x1 - 0.1*m2 = (0.9711, 1.9422)"""
    path = momentum_sequence(half_norm_squared_grad, X0, lr=0.1, beta=0.9, steps=2)
    np.testing.assert_allclose(path, [[1.0, 2.0], [0.99, 1.98], [0.9711, 1.9422]], rtol=1e-14)
    opt = Momentum(lr=0.1, beta=0.9)
    state = opt.init(X0)
    np.testing.assert_array_equal(state.momentum[0], [0.0, 0.0])
    x = X0.copy()
    expected_m = ([0.1, 0.2], [0.189, 0.378])
    expected_x = ([0.99, 1.98], [0.9711, 1.9422])
    for step in range(2):
        updates, state = opt.update(half_norm_squared_grad(x), state)
        x = apply_updates(x, updates)
        np.testing.assert_allclose(state.momentum[0], expected_m[step], rtol=1e-14)
        np.testing.assert_allclose(x, expected_x[step], rtol=1e-14)
        assert state.step == step + 1


def test_momentum_sequence_paper_indexing():
    """Definition 6.5 as printed, x^(n+1) = x^(n) - alpha m^(n), read from n = 0:
    x1 = x0 - 0.1*m0 = x0 = (1, 2)            (the first step never moves: m0 = 0);  m1 = 0.1*x0 = (0.1, 0.2)
    x2 = x1 - 0.1*m1 = (0.99, 1.98);                                                 m2 = 0.9*m1 + 0.1*x1 = (0.19, 0.38)
    x3 = x2 - 0.1*m2 = (0.971, 1.942)
    Each step lags the standard one: x2(paper) = x1(standard), and then they differ."""
    paper = momentum_sequence(half_norm_squared_grad, X0, lr=0.1, beta=0.9, steps=3, indexing="paper")
    np.testing.assert_allclose(paper, [[1.0, 2.0], [1.0, 2.0], [0.99, 1.98], [0.971, 1.942]], rtol=1e-14)
    standard = momentum_sequence(half_norm_squared_grad, X0, lr=0.1, beta=0.9, steps=3)
    assert np.array_equal(paper[1], paper[0]) and not np.array_equal(standard[1], standard[0])
    np.testing.assert_allclose(paper[2], standard[1], rtol=1e-15)
    assert not np.allclose(paper[3], standard[2], rtol=1e-6)
    T.check_raises(
        lambda: momentum_sequence(half_norm_squared_grad, X0, 0.1, 0.9, 2, indexing="pytorch"),
        ValueError,
        must_mention=("indexing must be 'standard' or 'paper'", "'pytorch'"),
        statement="Definition 6.5",
    )


def test_momentum_with_beta_0_is_gradient_descent():
    a = momentum_sequence(half_norm_squared_grad, X0, lr=0.3, beta=0.0, steps=5)
    b = gradient_descent_sequence(half_norm_squared_grad, X0, lr=0.3, steps=5)
    np.testing.assert_allclose(a, b, rtol=1e-15)


# ----------------------------------------------------------------------------------------------------------------
# update is pure (the in-place kernel of training is held to it in test_training.py)
# ----------------------------------------------------------------------------------------------------------------
SHAPES = [3, 4, 2]  # the parameter shapes of a small network: W (4, 3), b (4,), W (2, 4), b (2,)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_momentum_update_is_pure_and_keeps_the_dtype(dtype):
    rng = np.random.default_rng(0)
    params = random_params(SHAPES, rng, dtype)
    opt = Momentum(lr=0.05, beta=0.8)
    state = opt.init(params)
    assert all(np.array_equal(m, np.zeros_like(a)) for m, a in zip(state.momentum, [a for pr in params for a in pr]))
    for step in range(1, 4):
        grads = random_params(SHAPES, rng, dtype)
        grads_before, momentum_before, params_before = (
            copy_params(grads),
            [m.copy() for m in state.momentum],
            copy_params(params),
        )
        updates, new_state = opt.update(grads, state)
        new_params = apply_updates(params, updates)
        # nothing the caller passed was touched
        for (W, b), (W0, b0) in zip(grads + params, grads_before + params_before):
            np.testing.assert_array_equal(W, W0)
            np.testing.assert_array_equal(b, b0)
        for m, m0 in zip(state.momentum, momentum_before):
            np.testing.assert_array_equal(m, m0)
        assert isinstance(new_state, MomentumState) and new_state.step == step
        assert all(W.dtype == np.dtype(dtype) and b.dtype == np.dtype(dtype) for W, b in new_params)
        params, state = new_params, new_state


def test_gradient_descent_update_is_pure():
    rng = np.random.default_rng(1)
    params, grads = random_params(SHAPES, rng), random_params(SHAPES, rng)
    opt = GradientDescent(0.2)
    grads_before, params_before = copy_params(grads), copy_params(params)
    updates, _ = opt.update(grads)
    new = apply_updates(params, updates)
    for (W, b), (W0, b0) in zip(grads + params, grads_before + params_before):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)
    T.check_close(
        new,
        [(W - 0.2 * gW, b - 0.2 * gb) for (W, b), (gW, gb) in zip(params, grads)],
        tol=1e-15,
        statement="Definition 6.4",
        what="x - alpha grad f",
    )


def test_update_rejects_mismatched_structures():
    rng = np.random.default_rng(2)
    params = random_params(SHAPES, rng)
    opt = Momentum(0.1)
    with pytest.raises(ValueError, match="structure of the parameters"):  # plumbing: a list of arrays
        opt.update(params[:1], opt.init(params))
    T.check_raises(
        lambda: opt.update(params, [np.zeros(3)]),
        TypeError,
        must_mention=("Momentum.init",),
        statement="Definition 6.5",
    )
    with pytest.raises(ValueError, match="structure of the parameters"):
        apply_updates(params, params[:1])


# ----------------------------------------------------------------------------------------------------------------
# Bad hyper-parameters
# ----------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lr", [0, 0.0, -0.1, np.nan, np.inf, "0.1", None, True])
def test_bad_learning_rate(lr):
    for make in (lambda: GradientDescent(lr), lambda: Momentum(lr, 0.9)):
        T.check_raises(
            make, ValueError, must_mention=("the learning rate alpha", "]0, +inf[", "R+*"), statement="Definition 6.4"
        )
    T.check_raises(
        lambda: gradient_descent_sequence(half_norm_squared_grad, X0, lr, 1),
        ValueError,
        must_mention=("]0, +inf[",),
        statement="Definition 6.4",
    )


@pytest.mark.parametrize("beta", [-0.1, 1, 1.0, 1.5, np.nan, "0.9", None, False])
def test_bad_beta(beta):
    T.check_raises(
        lambda: Momentum(0.1, beta),
        ValueError,
        must_mention=("beta must be a finite real number in [0, 1[", "beta = 1 keeps m = 0"),
        statement="Definition 6.5",
    )


@pytest.mark.parametrize("beta", [0, 0.0, 0.5, np.float32(0.9), 0.999])
def test_good_beta(beta):
    assert Momentum(0.1, beta).beta == pytest.approx(float(beta))


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, "32", None, True])
def test_bad_batch_size(batch_size):
    T.check_raises(
        lambda: minibatches(10, batch_size),
        ValueError,
        must_mention=("batch_size must be an integer >= 1", "b = 32"),
        statement="Definition 6.6",
    )


@pytest.mark.parametrize("n", [0, -3, 2.0, "10"])
def test_bad_sample_count(n):
    T.check_raises(
        lambda: minibatches(n, 4),
        ValueError,
        must_mention=("n must be an integer >= 1", "number of samples"),
        statement="Definition 6.6",
    )


@pytest.mark.parametrize("steps", [-1, 2.5, "3"])
def test_bad_step_count(steps):
    for call, statement in (
        (lambda: gradient_descent_sequence(half_norm_squared_grad, X0, 0.1, steps), "Definition 6.4"),
        (lambda: momentum_sequence(half_norm_squared_grad, X0, 0.1, 0.9, steps), "Definition 6.5"),
    ):
        T.check_raises(call, ValueError, must_mention=("steps must be an integer >= 0",), statement=statement)


# ----------------------------------------------------------------------------------------------------------------
# Minibatches (note after Definition 6.6)
# ----------------------------------------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(st.integers(1, 300), st.integers(1, 70), st.integers(0, 2**32 - 1))
def test_minibatches_partition_the_samples(n, b, seed):
    batches = minibatches(n, b, rng=np.random.default_rng(seed))
    sizes = [len(batch) for batch in batches]
    assert sum(sizes) == n
    assert len(batches) == -(-n // b)
    assert all(s == b for s in sizes[:-1]) and 1 <= sizes[-1] <= b
    assert sizes[-1] == n - b * ((n - 1) // b)
    everything = np.concatenate(batches)
    assert np.array_equal(np.sort(everything), np.arange(n))  # a permutation: no sample twice in an epoch
    assert all(np.issubdtype(batch.dtype, np.integer) for batch in batches)
    again = minibatches(n, b, rng=np.random.default_rng(seed))
    assert all(np.array_equal(x, y) for x, y in zip(batches, again))


def test_minibatches_order_and_edge_cases():
    np.testing.assert_array_equal(np.concatenate(minibatches(10, 3)), np.arange(10))  # no rng: natural order
    assert [len(x) for x in minibatches(10, 3)] == [3, 3, 3, 1]
    assert [len(x) for x in minibatches(5, 32, rng=np.random.default_rng(0))] == [5]  # b > n: one batch
    assert [len(x) for x in minibatches(64, 32)] == [32, 32]
    assert [len(x) for x in minibatches(1, 1)] == [1]
    a = np.concatenate(minibatches(100, 32, rng=np.random.default_rng(0)))
    b = np.concatenate(minibatches(100, 32, rng=np.random.default_rng(1)))
    assert not np.array_equal(a, b) and not np.array_equal(a, np.arange(100))


def test_definition_6_6_minibatch_gradient_estimate():
    """The mean gradient of a batch averages the per-sample gradients; the batch sums add up to the full gradient
    of the objective (Proposition 1.2), so the mean over all n samples is grad O / n (Definition 6.6 erratum)."""
    rng = np.random.default_rng(3)
    params = network.init_params([5, 4, 3], rng=rng)
    X, Y = rng.standard_normal((10, 5)), np.eye(3)[rng.integers(0, 3, 10)]
    full = network.gradients(X, Y, params)
    batches = minibatches(10, 4, rng=rng)
    sums = [network.gradients(X[i], Y[i], params) for i in batches]
    means = [network.gradients(X[i], Y[i], params, reduction="mean") for i in batches]
    for k in range(2):
        for j in range(2):
            np.testing.assert_allclose(
                sum(s[k][j] for s in sums), full[k][j], rtol=0, atol=1e-13 * np.max(np.abs(full[k][j]))
            )
            for batch, s, m in zip(batches, sums, means):
                np.testing.assert_allclose(
                    m[k][j], s[k][j] / len(batch), rtol=0, atol=1e-14 * np.max(np.abs(s[k][j] / len(batch)))
                )
                per_sample = [network.gradients(X[[i]], Y[[i]], params)[k][j] for i in batch]
                np.testing.assert_allclose(
                    m[k][j], np.mean(per_sample, axis=0), rtol=0, atol=1e-13 * np.max(np.abs(m[k][j]))
                )
    # "mean" scales the output gradient before back-propagating, "/ n" after: equal up to round-off relative to the
    # size of the array (an entry that is a cancelling sum of larger terms differs in its last bits)
    mean_all = network.gradients(X, Y, params, reduction="mean")
    for (mW, mb), (fW, fb) in zip(mean_all, full):
        for a, b in ((mW, fW / 10), (mb, fb / 10)):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-14 * np.max(np.abs(b)))


def test_definition_6_7_momentum_on_network():
    """Back-propagation gradient descent with momentum: Momentum applied to every W^(k), b^(k) with the gradients of
    the objective equals the recursion written out by hand (with the literal Jacobian route), and lowers O."""
    rng = np.random.default_rng(4)
    params = network.init_params([4, 6, 3], rng=rng)
    X, Y = rng.standard_normal((12, 4)), np.eye(3)[rng.integers(0, 3, 12)]
    alpha, beta = 0.05, 0.9
    opt = Momentum(alpha, beta)
    state = opt.init(params)
    by_hand = copy_params(params)
    m_hand = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
    start = network.objective(X, Y, params)
    for _ in range(30):
        updates, state = opt.update(network.gradients(X, Y, params, method="backprop"), state)
        params = apply_updates(params, updates)
        grads = network.gradients(X, Y, by_hand, method="jacobian")
        m_hand = [
            (beta * mW + (1 - beta) * gW, beta * mb + (1 - beta) * gb) for (mW, mb), (gW, gb) in zip(m_hand, grads)
        ]
        by_hand = [(W - alpha * mW, b - alpha * mb) for (W, b), (mW, mb) in zip(by_hand, m_hand)]
    T.check_close(params, by_hand, tol=1e-10, statement="Definition 6.7", what="Momentum on (W, b) = by hand")
    assert network.objective(X, Y, params) < 0.8 * start


# ----------------------------------------------------------------------------------------------------------------
# The test functions of optim: value, gradient, L, minimiser, as documented
# ----------------------------------------------------------------------------------------------------------------
def _pairs(rng, m, count=200, spread=3.0):
    return [(spread * rng.standard_normal(m), spread * rng.standard_normal(m)) for _ in range(count)]


def _functions(rng, m):
    """One of each test function on R^m (the quadratic random, the regularised softplus with a random b)."""
    return [Quadratic.random(rng, m), SoftplusSum(m), RegularisedSoftplus(rng.standard_normal(m)), CosineSum(m)]


def test_gradients_of_the_test_functions_match_central_differences():
    rng = np.random.default_rng(9)
    for fun in _functions(rng, 4):
        T.check_finite_differences(
            fun.value,
            lambda x, fun=fun: fun.gradient(x)[None, :],
            [rng.standard_normal(4) for _ in range(5)],
            statement="Definition 6.2",
            what=f"gradient of {type(fun).__name__}",
        )


def test_minimisers_and_infima_of_the_test_functions():
    rng = np.random.default_rng(19)
    quad, softplus, ridge, cosine = _functions(rng, 5)
    for fun in (quad, ridge, cosine):  # a minimiser exists: the gradient vanishes there (Proposition 6.4)
        assert np.linalg.norm(fun.gradient(fun.minimiser)) <= 1e-13 * (1 + np.linalg.norm(fun.minimiser))
        assert fun(fun.minimiser) == pytest.approx(fun.infimum, rel=1e-15, abs=1e-15)
        for _ in range(100):  # and nothing lies below it
            assert fun(fun.minimiser + rng.standard_normal(5) * rng.uniform(1e-3, 10)) >= fun.infimum - 1e-12
    assert softplus.minimiser is None and softplus.infimum == 0.0  # inf f = 0, never attained
    for t in (1.0, 10.0, 30.0):
        assert 0.0 < softplus(np.full(5, -t)) <= 5 * np.exp(-t)
    assert cosine.infimum == -5.0 and not cosine.convex and quad.convex and softplus.convex and ridge.convex
    # a quadratic with c outside the range of A is unbounded below: no minimiser
    unbounded = Quadratic(np.diag([1.0, 0.0]), np.array([0.0, 1.0]))
    assert unbounded.minimiser is None and unbounded.infimum == -np.inf
    assert unbounded(np.array([0.0, -1e6])) == -1e6
    with pytest.raises(ValueError, match="no minimiser"):
        unbounded.gap(np.zeros(2))


def test_test_functions_reject_bad_input():
    T.check_raises(
        lambda: Quadratic(np.array([[1.0, 2.0], [0.0, 1.0]]), np.zeros(2)),
        ValueError,
        must_mention=("A must be symmetric",),
        statement="Definitions 6.1-6.3",
    )
    T.check_raises(
        lambda: Quadratic(np.diag([1.0, -1.0]), np.zeros(2)),
        ValueError,
        must_mention=("positive semidefinite", "-1.000e+00"),
        statement="Definitions 6.1-6.3",
    )
    T.check_raises(
        lambda: Quadratic(np.eye(2), np.zeros(2), minimiser=np.ones(2)),
        ValueError,
        must_mention=("x* A = -c",),
        statement="Definitions 6.1-6.3",
    )
    T.check_raises(
        lambda: SoftplusSum(3).value(np.zeros(4)),
        ValueError,
        must_mention=("x must have shape (3,)",),
        statement="Definitions 6.1-6.3",
    )
    T.check_raises(
        lambda: CosineSum(0), ValueError, must_mention=("m must be an integer >= 1",), statement="Definitions 6.1-6.3"
    )


# ----------------------------------------------------------------------------------------------------------------
# Pure theory, checked numerically (Definitions 6.1-6.3, Propositions 6.1-6.5)
# ----------------------------------------------------------------------------------------------------------------
def test_definition_6_1_and_proposition_6_1_convexity():
    """Convex functions satisfy both (15) and (16); the non-convex cos-sum violates both somewhere."""
    rng = np.random.default_rng(10)
    cosine = CosineSum(4)
    for fun in (Quadratic.random(rng, 4), SoftplusSum(4), RegularisedSoftplus(rng.standard_normal(4))):
        assert fun.convex
        for x, y in _pairs(rng, 4):
            tau = rng.uniform()
            scale = 1e-12 * (1 + abs(fun(x)) + abs(fun(y)))
            assert fun(tau * x + (1 - tau) * y) <= tau * fun(x) + (1 - tau) * fun(y) + scale  # (15)
            assert fun(x) + fun.gradient(x) @ (y - x) <= fun(y) + scale  # (16)
    definition_fails = first_order_fails = 0
    for x, y in _pairs(rng, 4):
        tau = rng.uniform()
        definition_fails += cosine(tau * x + (1 - tau) * y) > tau * cosine(x) + (1 - tau) * cosine(y)
        first_order_fails += cosine(x) + cosine.gradient(x) @ (y - x) > cosine(y)
    assert definition_fails > 10 and first_order_fails > 10 and not cosine.convex


def test_proposition_6_1_proof_identities():
    """The two identities of the converse part of the proof, with z = tau x + (1 - tau) y. (a) holds as printed;
    (b) holds with f(z) on the left, not f(y) as printed (erratum)."""
    rng = np.random.default_rng(11)
    quad = Quadratic.random(rng, 3)
    for x, y in _pairs(rng, 3, count=20):
        tau = rng.uniform(0.1, 0.9)
        z = tau * x + (1 - tau) * y
        g = quad.gradient(z)
        assert quad(z) - (1 - tau) * g @ (y - x) == pytest.approx(quad(z) + g @ (x - z), rel=1e-10, abs=1e-10)
        corrected = quad(z) + tau * g @ (y - x)
        printed = quad(y) + tau * g @ (y - x)
        assert corrected == pytest.approx(quad(z) + g @ (y - z), rel=1e-10, abs=1e-10)
        assert printed != pytest.approx(quad(z) + g @ (y - z), rel=1e-6, abs=1e-6)


def test_definition_6_2_and_proposition_6_2_smoothness():
    """Every test function is L-smooth with its documented L (17), hence obeys the quadratic upper bound (18); for a
    quadratic, L = lambda_max(A) is tight: equality along the top eigenvector, and any smaller constant fails there.
    (18) does not need convexity: the cos-sum obeys it too."""
    rng = np.random.default_rng(12)
    quad = Quadratic.random(rng, 5, scale=3.0)
    assert quad.L == pytest.approx(3.0, rel=1e-12)
    for fun in (quad, SoftplusSum(5), RegularisedSoftplus(rng.standard_normal(5)), CosineSum(5)):
        for x, y in _pairs(rng, 5):
            gap = np.linalg.norm(fun.gradient(x) - fun.gradient(y))
            assert gap <= fun.L * np.linalg.norm(x - y) * (1 + 1e-12)  # (17)
            bound = fun(x) + fun.gradient(x) @ (y - x) + fun.L / 2 * np.linalg.norm(y - x) ** 2
            assert fun(y) <= bound + 1e-12 * (1 + abs(bound))  # (18)
    x = rng.standard_normal(5)
    y = x + 2.0 * quad.top_direction
    tight = quad(x) + quad.gradient(x) @ (y - x) + quad.L / 2 * np.linalg.norm(y - x) ** 2
    assert quad(y) == pytest.approx(tight, rel=1e-12)
    smaller = quad(x) + quad.gradient(x) @ (y - x) + 0.99 * quad.L / 2 * np.linalg.norm(y - x) ** 2
    assert quad(y) > smaller


def test_proposition_6_3_co_coercivity():
    rng = np.random.default_rng(13)
    for rank in (5, 2):  # strictly convex and singular quadratics
        quad = Quadratic.random(rng, 5, rank=rank, scale=2.0)
        for fun in (quad, SoftplusSum(5)):
            for x, y in _pairs(rng, 5):
                d = fun.gradient(y) - fun.gradient(x)
                assert d @ d / fun.L <= d @ (y - x) * (1 + 1e-12) + 1e-14  # (19)
    # convexity is needed: the 1-smooth cos-sum violates (19) somewhere
    cosine, violations = CosineSum(5), 0
    for x, y in _pairs(rng, 5):
        d = cosine.gradient(y) - cosine.gradient(x)
        violations += d @ d > d @ (y - x)
    assert violations > 10


def test_proposition_6_3_proof_auxiliary_point():
    """The proof's chain f(y) - f(x) <= grad(y)(y - z)^T + grad(x)(z - x)^T + L/2 ||z - x||^2
    = grad(y)(y - x)^T - ||grad(x) - grad(y)||^2 / (2L) holds for z = x - (grad(x) - grad(y))/L; with the printed
    z = x - (grad(y) - grad(x))/L the middle expression equals grad(y)(y - x)^T + 3 ||.||^2 / (2L) instead."""
    rng = np.random.default_rng(14)
    quad = Quadratic.random(rng, 4, scale=2.0)
    L = quad.L
    for x, y in _pairs(rng, 4, count=20):
        gx, gy = quad.gradient(x), quad.gradient(y)
        D2 = np.linalg.norm(gx - gy) ** 2

        def middle(z):
            return gy @ (y - z) + gx @ (z - x) + L / 2 * np.linalg.norm(z - x) ** 2

        corrected, printed = x - (gx - gy) / L, x - (gy - gx) / L
        assert middle(corrected) == pytest.approx(gy @ (y - x) - D2 / (2 * L), rel=1e-9, abs=1e-9)
        assert middle(printed) == pytest.approx(gy @ (y - x) + 3 * D2 / (2 * L), rel=1e-9, abs=1e-9)
        assert quad(y) - quad(x) <= middle(corrected) + 1e-9


def test_definition_6_3_and_proposition_6_4_minimiser():
    """A strictly convex quadratic has the global minimum x* = A^{-1}(-c) (20), and the gradient vanishes there
    (21). The converse fails without convexity: the cos-sum has zero gradient at 0, a global maximum."""
    rng = np.random.default_rng(15)
    quad = Quadratic.random(rng, 6)
    x_star = np.linalg.solve(quad.A, -quad.c)
    np.testing.assert_allclose(x_star, quad.minimiser, rtol=1e-9)
    assert np.linalg.norm(quad.gradient(x_star)) <= 1e-12 * (1 + np.linalg.norm(quad.c))
    for _ in range(200):
        x = x_star + rng.standard_normal(6) * rng.uniform(1e-3, 10)
        assert quad(x_star) <= quad(x)
        assert quad.gap(x) > 0
    cosine = CosineSum(3)
    assert np.array_equal(cosine.gradient(np.zeros(3)), np.zeros(3))
    assert cosine(np.zeros(3)) > cosine(cosine.minimiser) == cosine.infimum


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 6), st.data(), st.floats(0.05, 0.95), st.integers(0, 2**32 - 1))
def test_proposition_6_5_rate(m, data, fraction, seed):
    """Gradient descent with alpha = fraction * 2/L on random convex quadratics (possibly singular):
    f(x_n) - f* <= ||x0 - x*||^2 / (n C) for n = 1..200, C = alpha - L alpha^2 / 2; and, as the proof shows,
    ||x_n - x*|| and f(x_n) - f* never increase."""
    rank = data.draw(st.integers(1, m))
    rng = np.random.default_rng(seed)
    quad = Quadratic.random(rng, m, rank=rank, scale=float(rng.uniform(0.1, 10)))
    alpha = fraction * 2 / quad.L
    C = alpha - quad.L * alpha**2 / 2
    x0 = quad.minimiser + rng.standard_normal(m) * 3
    path = gradient_descent_sequence(quad.gradient, x0, lr=alpha, steps=200)
    R2 = np.linalg.norm(x0 - quad.minimiser) ** 2
    gaps = np.array([quad.gap(x) for x in path])
    n = np.arange(1, len(path))
    assert np.all(gaps[1:] <= R2 / (n * C) * (1 + 1e-12))
    distances = np.linalg.norm(path - quad.minimiser, axis=1)
    assert np.all(np.diff(distances) <= 1e-12 * distances[0])
    # f(x_n) - f* is computed as d A d / 2 with |d| <= |x0 - x*|: its rounding error is about m eps L |x0 - x*|^2,
    # which is all that is left once GD has converged (with A singular, d keeps its null-space part).
    round_off = 8 * m * np.finfo(np.float64).eps * quad.L * R2
    assert np.all(np.diff(gaps) <= 1e-12 * gaps[0] + round_off)


def test_proposition_6_5_rate_on_regularised_softplus():
    """Not only quadratics: f(x) = sum softplus(x_i) + ||x||^2 / 2 - b x^T is convex and (5/4)-smooth, and its
    minimiser (no closed form) is the one gradient descent converges to."""
    rng = np.random.default_rng(16)
    fun = RegularisedSoftplus(rng.standard_normal(3))
    assert fun.L == 1.25
    x_star = fun.minimiser
    far = gradient_descent_sequence(fun.gradient, np.zeros(3), lr=0.8, steps=2000)[-1]  # strongly convex
    np.testing.assert_allclose(far, x_star, rtol=1e-13, atol=1e-14)
    assert np.linalg.norm(fun.gradient(x_star)) < 1e-14
    for alpha in (0.1, 0.8, 1.5):
        C = alpha - fun.L * alpha**2 / 2
        x0 = rng.standard_normal(3) * 5
        path = gradient_descent_sequence(fun.gradient, x0, lr=alpha, steps=100)
        R2 = np.linalg.norm(x0 - x_star) ** 2
        for n in range(1, 101):
            assert fun(path[n]) - fun.infimum <= R2 / (n * C) + 1e-14


def test_gradient_descent_on_softplus_sum_has_no_minimiser_to_reach():
    """SoftplusSum has no minimiser: gradient descent drives f to its infimum 0 while ||x_n|| grows without bound,
    so the x* of Proposition 6.5's bound does not exist."""
    fun = SoftplusSum(2)
    path = gradient_descent_sequence(fun.gradient, np.zeros(2), lr=4.0, steps=5000)
    values = np.array([fun(x) for x in path])
    assert np.all(np.diff(values) < 0) and values[-1] < 1e-2 * values[0]
    norms = np.linalg.norm(path, axis=1)
    assert np.all(np.diff(norms) > 0) and norms[-1] > 5


def test_proposition_6_5_divergence_above_2_over_L():
    """With alpha > 2/L the component along the top eigenvector is multiplied by |1 - alpha L| > 1 at each step."""
    rng = np.random.default_rng(17)
    quad = Quadratic.random(rng, 4, scale=2.0)
    for factor in (1.05, 1.5):
        alpha = factor * 2 / quad.L
        x0 = quad.minimiser + quad.top_direction
        path = gradient_descent_sequence(quad.gradient, x0, lr=alpha, steps=60)
        distances = np.linalg.norm(path - quad.minimiser, axis=1)
        growth = abs(1 - alpha * quad.L)
        np.testing.assert_allclose(distances[1:] / distances[:-1], growth, rtol=1e-6)
        assert distances[-1] > 10 * distances[0]
    # exactly at 2/L the top component oscillates without decaying: the rate of the proposition needs alpha < 2/L
    path = gradient_descent_sequence(quad.gradient, quad.minimiser + quad.top_direction, lr=2 / quad.L, steps=20)
    np.testing.assert_allclose(np.linalg.norm(path - quad.minimiser, axis=1), 1.0, rtol=1e-9)


def test_proposition_6_5_proof_recursion():
    """The proof's key step, corrected: delta_{n+1} <= delta_n - C delta_n^2 / ||x0 - x*||^2 holds along every run;
    the printed delta_{n+1} <= delta_n - C delta_n / ||x0 - x*||^2 (a linear rate) fails on an ill-conditioned
    convex quadratic."""
    rng = np.random.default_rng(18)
    A, x_star = np.diag([1.0, 1e-3, 1e-4]), rng.standard_normal(3)
    quad = Quadratic(A, -(x_star @ A), minimiser=x_star)
    assert quad.L == 1.0
    alpha = 1.0
    C = alpha - quad.L * alpha**2 / 2
    x0 = x_star + np.array([0.1, 1.0, 1.0])
    path = gradient_descent_sequence(quad.gradient, x0, lr=alpha, steps=300)
    R2 = np.linalg.norm(x0 - x_star) ** 2
    delta = np.array([quad.gap(x) for x in path])
    assert np.all(delta[1:] <= delta[:-1] - C * delta[:-1] ** 2 / R2 + 1e-15)  # corrected
    assert np.any(delta[1:] > delta[:-1] - C * delta[:-1] / R2)  # printed: violated


# ----------------------------------------------------------------------------------------------------------------
# Softmax regression (N_c+ with p = 1) as a function of its parameters: the convex example of §6 on data
# ----------------------------------------------------------------------------------------------------------------
def overlapping_classes(n=60, seed=20):
    """Three overlapping Gaussian clouds in the plane: not separable, so softmax regression has a minimiser."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    X = rng.standard_normal((n, 2)) + 0.8 * np.array([[1.0, 0.0], [-0.5, 0.8], [-0.5, -0.8]])[labels]
    return X, np.eye(3)[labels]


def separated_classes(n=40, seed=21):
    """Two clouds far apart: linearly separable, so softmax regression has no minimiser."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    X = 0.3 * rng.standard_normal((n, 2)) + np.array([[-2.0, 0.0], [2.0, 0.0]])[labels]
    return X, np.eye(2)[labels]


def test_softmax_regression_value_and_gradient_equal_sympy_exactly():
    """Value and gradient (network.objective and network.gradients at params(x)) against the exact objective of
    symbolic.softmax_regression_expr, whose parameter row is in the order of flatten: random and saturated x."""
    from mathdnn_core import symbolic as S

    X, Y = overlapping_classes(n=4, seed=22)
    fun = SoftmaxRegression(X, Y)
    net, theta = S.softmax_regression_expr(2, 3, 4)
    value = S.exact_function(net.objective, theta, net.X, net.Y)
    grad = S.exact_function(sp_jacobian(net.objective, theta), theta, net.X, net.Y)
    rng = np.random.default_rng(23)
    points = [2 * rng.standard_normal(9) for _ in range(4)]
    points += [np.zeros(9), np.array([30.0, 0, 0, 0, -30, 1, 0, 0, 0])]
    T.check_against_symbolic(fun.value, lambda p: value(p, X, Y), points, statement="Definition 6.1", what="f(x)")
    T.check_against_symbolic(fun.gradient, lambda p: grad(p, X, Y), points, statement="Proposition 6.1", what="grad")
    x = points[0]
    W, b = fun.params(x)[0]
    np.testing.assert_array_equal(fun.flatten([(W, b)]), x)
    np.testing.assert_array_equal(W[1], x[3:5])
    assert b[2] == x[8]


def sp_jacobian(expr, row):
    import sympy as sp

    return sp.Matrix([expr]).jacobian(row)


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_softmax_regression_is_convex_and_L_smooth(reduction):
    """Definitions 6.1-6.2 and Propositions 6.1-6.3 on random pairs, with L = lambda_max(X~^T X~) / 2 (divided by n
    for the mean); the Hessian matches central differences of the gradient and has its eigenvalues in [0, L]."""
    X, Y = overlapping_classes()
    fun = SoftmaxRegression(X, Y, reduction=reduction)
    X_tilde = np.hstack([X, np.ones((len(X), 1))])
    scale = 1.0 if reduction == "sum" else 1.0 / len(X)
    assert fun.L == pytest.approx(0.5 * scale * np.linalg.eigvalsh(X_tilde.T @ X_tilde)[-1], rel=1e-12)
    rng = np.random.default_rng(24)
    for x, y in _pairs(rng, fun.m, count=50, spread=1.0):
        tau = rng.uniform()
        tol = 1e-12 * (1 + abs(fun(x)) + abs(fun(y)))
        gx, gy = fun.gradient(x), fun.gradient(y)
        assert fun(tau * x + (1 - tau) * y) <= tau * fun(x) + (1 - tau) * fun(y) + tol  # (15)
        assert fun(x) + gx @ (y - x) <= fun(y) + tol  # (16)
        assert np.linalg.norm(gx - gy) <= fun.L * np.linalg.norm(x - y) * (1 + 1e-12)  # (17)
        assert fun(y) <= fun(x) + gx @ (y - x) + fun.L / 2 * np.linalg.norm(y - x) ** 2 + tol  # (18)
        d = gy - gx
        assert d @ d / fun.L <= d @ (y - x) + 1e-12 * (1 + abs(d @ (y - x)))  # (19)
    points = [rng.standard_normal(fun.m) for _ in range(3)]
    T.check_finite_differences(fun.gradient, fun.hessian, points, statement="Definition 6.2", what="Hessian")
    for p in points:
        eigenvalues = np.linalg.eigvalsh(fun.hessian(p))
        assert eigenvalues[0] >= -1e-12 * fun.L and eigenvalues[-1] <= fun.L


def test_softmax_regression_minimiser_by_newton():
    """On overlapping classes a global minimum exists (Definition 6.3): Newton's method finds x* with grad f(x*) = 0
    (Proposition 6.4), no random point lies below it, it is class-centred (least norm), and shifting every row of
    Theta by the same u gives another global minimum with the same value."""
    X, Y = overlapping_classes()
    fun = SoftmaxRegression(X, Y)
    assert fun.minimiser is None and np.isnan(fun.infimum)
    with pytest.raises(ValueError, match="call minimise"):
        fun.gap(np.zeros(fun.m))
    x_star = fun.minimise()
    assert fun.minimiser is x_star and fun.infimum == fun(x_star)
    assert np.linalg.norm(fun.gradient(x_star)) <= 1e-12 * np.linalg.norm(fun.gradient(np.zeros(fun.m)))
    np.testing.assert_allclose(fun.theta(x_star).sum(axis=0), 0.0, atol=1e-12 * np.abs(x_star).max())
    rng = np.random.default_rng(25)
    for _ in range(100):
        assert fun(x_star + rng.standard_normal(fun.m) * rng.uniform(1e-3, 3)) >= fun.infimum
    shift = np.tile(np.append(rng.standard_normal(2), 1.0), 3)  # the same row u added to every row of Theta
    assert fun(x_star + shift) == pytest.approx(fun.infimum, rel=1e-13)
    np.testing.assert_allclose(fun.class_centred(x_star + shift), x_star, atol=1e-12)
    assert fun.gap(x_star + shift) == pytest.approx(0.0, abs=1e-12 * fun.infimum)


def test_softmax_regression_has_no_minimiser_on_separable_data():
    """Separable classes: some x has every margin > 0, f(t x) <= n (c - 1) e^(-t mu) -> 0 while f > 0, so there is no
    global minimum; Newton's method runs off to infinity and says so."""
    X, Y = separated_classes()
    fun = SoftmaxRegression(X, Y)
    x = fun.flatten([(np.array([[-1.0, 0.0], [1.0, 0.0]]), np.zeros(2))])
    mu = fun.margins(x).min()
    assert mu > 1.0
    values = [fun(t * x) for t in (1.0, 2.0, 4.0, 8.0)]
    assert all(0 < v <= fun.n * (fun.c - 1) * np.exp(-t * mu) for t, v in zip((1.0, 2.0, 4.0, 8.0), values))
    assert all(a > b for a, b in zip(values, values[1:]))
    T.check_raises(
        lambda: fun.minimise(max_steps=30),
        ValueError,
        must_mention=("did not converge", "may have no minimiser", "separable"),
        statement="Definition 6.3",
    )


def test_proposition_6_5_on_softmax_regression():
    """The bound of Proposition 6.5 for several alpha < 2/L, and the lecture's (seed 004) ||x0 - x*||^2 / (2 alpha n)
    for alpha <= 1/L, hold along gradient descent; the lecture's is 4 / (2 - alpha L) times smaller."""
    X, Y = overlapping_classes()
    fun = SoftmaxRegression(X, Y)
    x_star = fun.minimise()
    x0 = np.zeros(fun.m)
    R2 = np.linalg.norm(x0 - x_star) ** 2
    n = np.arange(1, 151)
    for fraction in (0.25, 1.0, 1.5, 1.95):
        alpha = fraction / fun.L
        C = alpha - fun.L * alpha**2 / 2
        gaps = np.array([fun.gap(x) for x in gradient_descent_sequence(fun.gradient, x0, alpha, 150)])
        assert np.all(gaps[1:] <= R2 / (n * C))
        if fraction <= 1.0:
            lecture = R2 / (2 * alpha * n)
            assert np.all(gaps[1:] <= lecture)
            np.testing.assert_allclose((R2 / (n * C)) / lecture, 4 / (2 - fraction), rtol=1e-12)


def test_gradient_descent_keeps_the_invariant_component_of_softmax_regression():
    """Proposition 6.5's note is wrong when minimisers are not unique: the gradient of softmax regression has no
    component along the shifts Theta + 1u, so the iterates keep that component of x0 and stay away from x*."""
    X, Y = overlapping_classes()
    fun = SoftmaxRegression(X, Y)
    x_star = fun.minimise()
    x0 = np.random.default_rng(26).standard_normal(fun.m)
    path = gradient_descent_sequence(fun.gradient, x0, 1 / fun.L, 200)
    invariant = path - np.array([fun.class_centred(x) for x in path])
    np.testing.assert_allclose(invariant, np.tile(invariant[0], (len(path), 1)), atol=1e-12)
    assert np.min(np.linalg.norm(path - x_star, axis=1)) >= np.linalg.norm(invariant[0]) * (1 - 1e-12) > 0.1


def test_softmax_regression_rejects_bad_input():
    X, Y = overlapping_classes(n=5)
    statement = "Definitions 6.1-6.3"
    T.check_raises(lambda: SoftmaxRegression(X[0], Y), ValueError, must_mention=("X must be",), statement=statement)
    T.check_raises(
        lambda: SoftmaxRegression(X, Y[:, :1]), ValueError, must_mention=("c >= 2", "m >= 2"), statement=statement
    )
    T.check_raises(lambda: SoftmaxRegression(X, Y[:4]), ValueError, must_mention=("shape (5, 3)",), statement=statement)
    T.check_raises(
        lambda: SoftmaxRegression(X, Y, reduction="max"), ValueError, must_mention=("reduction",), statement=statement
    )
    fun = SoftmaxRegression(X, Y)
    T.check_raises(lambda: fun.value(np.zeros(8)), ValueError, must_mention=("shape (9,)",), statement=statement)
    T.check_raises(
        lambda: fun.flatten([(np.zeros((3, 3)), np.zeros(3))]),
        ValueError,
        must_mention=("(3, 2)", "(3,)"),
        statement=statement,
    )


# ----------------------------------------------------------------------------------------------------------------
# The three momentum forms, the proof lines of Propositions 6.1 and 6.5 as printed, training = the literal recursion
# ----------------------------------------------------------------------------------------------------------------
def test_momentum_is_the_heavy_ball_with_a_rescaled_learning_rate():
    """Momentum(alpha, beta) == PyTorch's v <- beta v + g, x <- x - alpha (1 - beta) v, written out; with the same
    alpha the heavy ball is another method (steps 1 / (1 - beta) times larger)."""
    quad = Quadratic.random(np.random.default_rng(27), 3, scale=2.0)
    x0 = np.array([1.0, -2.0, 0.5])

    def heavy_ball(alpha_h, beta, steps):
        x, v, path = x0.copy(), np.zeros(3), [x0.copy()]
        for _ in range(steps):
            v = beta * v + quad.gradient(x)
            x = x - alpha_h * v
            path.append(x)
        return np.array(path)

    ours = momentum_sequence(quad.gradient, x0, 0.3, 0.9, 40)
    T.check_close(ours, heavy_ball(0.3 * (1 - 0.9), 0.9, 40), statement="Definition 6.5", what="heavy ball, rescaled")
    assert not np.allclose(ours, heavy_ball(0.3, 0.9, 40), rtol=1e-3)


def test_proposition_6_1_proof_with_negative_tau_is_refuted():
    """The proof of (15) => (16) uses the convexity inequality for tau in [-eta, eta]; for tau < 0 it is reversed."""
    rng = np.random.default_rng(28)
    quad = Quadratic.random(rng, 3)
    for x, y in _pairs(rng, 3, count=20):
        for tau in (0.1, 0.5):
            assert quad(x + tau * (y - x)) <= tau * quad(y) + (1 - tau) * quad(x) + 1e-12 * (1 + abs(quad(y)))
        assert quad(x - 0.1 * (y - x)) > -0.1 * quad(y) + 1.1 * quad(x)


def test_proposition_6_5_proof_cauchy_schwarz_line_needs_the_decrease():
    """With alpha > 2/L the distance to x* grows; Cauchy-Schwarz with ||x_n - x*|| still holds, the printed
    ||grad f(x_n)|| ||x_0 - x*|| does not: the printed line is not Cauchy-Schwarz."""
    quad = Quadratic.random(np.random.default_rng(29), 4, scale=2.0)
    path = gradient_descent_sequence(quad.gradient, quad.minimiser + quad.top_direction, 1.05 * 2 / quad.L, 10)
    grads = np.array([quad.gradient(x) for x in path])
    offsets = path - quad.minimiser
    inner = np.einsum("ij,ij->i", grads, offsets)
    assert np.all(inner <= np.linalg.norm(grads, axis=1) * np.linalg.norm(offsets, axis=1) * (1 + 1e-12))
    assert np.any(inner > np.linalg.norm(grads, axis=1) * np.linalg.norm(offsets[0]))


def test_fit_is_the_literal_recursion_of_definitions_6_6_and_6_7():
    """training.fit against Definitions 6.6-6.7 written out (a fresh permutation per epoch, batches of b rows, the
    last smaller, the mean of the batch gradients by the Jacobian route, the (1 - beta) average): parameters and the
    reported loss per epoch agree to round-off, with and without momentum, full batch and minibatches."""
    from mathdnn_core import training

    rng = np.random.default_rng(30)
    params = network.init_params([6, 5, 3], rng=rng)
    X, Y = rng.standard_normal((50, 6)), np.eye(3)[rng.integers(0, 3, 50)]
    for epochs, batch_size, lr, beta in ((2, 16, 0.2, 0.9), (4, 50, 0.5, 0.0)):
        order_rng, by_hand = np.random.default_rng(31), copy_params(params)
        average = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
        losses = []
        for _ in range(epochs):
            order, total = order_rng.permutation(50), 0.0
            for start in range(0, 50, batch_size):
                rows = order[start : start + batch_size]
                total += network.objective(X[rows], Y[rows], by_hand)
                sums = network.gradients(X[rows], Y[rows], by_hand, method="jacobian")
                average = [
                    (beta * mW + (1 - beta) * gW / len(rows), beta * mb + (1 - beta) * gb / len(rows))
                    for (mW, mb), (gW, gb) in zip(average, sums)
                ]
                by_hand = [(W - lr * mW, b - lr * mb) for (W, b), (mW, mb) in zip(by_hand, average)]
            losses.append(total / 50)
        fitted, history = training.fit(
            params, X, Y, epochs, batch_size, lr, beta, rng=np.random.default_rng(31), progress=False
        )
        T.check_close(fitted, by_hand, statement="Definition 6.7", what="fit == the literal recursion")
        T.check_close(np.array(history.loss), np.array(losses), statement="Definition 6.7", what="loss per epoch")
