"""Section 6: gradient descent, momentum, minibatches, and the pure-theory statements (convexity, smoothness,
co-coercivity, minimisers, the O(1/n) rate) checked numerically on functions where everything is known exactly."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mathdnn_core import network
from mathdnn_core.optim import (
    GradientDescent,
    Momentum,
    MomentumState,
    apply_updates,
    gradient_descent_sequence,
    minibatches,
    momentum_sequence,
)

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
    x = X0.copy()
    assert opt.gradient_scale == 0.1
    opt.step_(x, opt.gradient_scale * X0)
    np.testing.assert_allclose(x, [0.9, 1.8], rtol=1e-15)


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
    with pytest.raises(ValueError, match="indexing must be 'standard' or 'paper'.*Definition 6.5"):
        momentum_sequence(half_norm_squared_grad, X0, 0.1, 0.9, 2, indexing="pytorch")


def test_momentum_with_beta_0_is_gradient_descent():
    a = momentum_sequence(half_norm_squared_grad, X0, lr=0.3, beta=0.0, steps=5)
    b = gradient_descent_sequence(half_norm_squared_grad, X0, lr=0.3, steps=5)
    np.testing.assert_allclose(a, b, rtol=1e-15)


# ----------------------------------------------------------------------------------------------------------------
# update (pure) == step_ (in place)
# ----------------------------------------------------------------------------------------------------------------
def _network_shaped(rng, dtype=np.float64):
    return [
        (rng.standard_normal((4, 3)).astype(dtype), rng.standard_normal(4).astype(dtype)),
        (rng.standard_normal((2, 4)).astype(dtype), rng.standard_normal(2).astype(dtype)),
    ]


def _copy(tree):
    return [(W.copy(), b.copy()) for W, b in tree]


def _assert_trees_equal(a, b, **tol):
    for (Wa, ba), (Wb, bb) in zip(a, b):
        np.testing.assert_allclose(Wa, Wb, **tol)
        np.testing.assert_allclose(ba, bb, **tol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_momentum_update_is_pure_and_step_in_place_is_its_velocity_form(dtype):
    """update (pure, m) and step_ (in place, v = alpha m, gradients pre-scaled by alpha (1 - beta)) take the same
    steps: equal to round-off, step after step, and v stays alpha m."""
    rng = np.random.default_rng(0)
    params = _network_shaped(rng, dtype)
    opt = Momentum(lr=0.05, beta=0.8)
    assert opt.gradient_scale == pytest.approx(0.05 * 0.2, rel=1e-15)
    pure_params, pure_state = _copy(params), opt.init(params)
    fast_params, velocity = _copy(params), opt.init_velocity(params)
    assert all(
        np.array_equal(v, np.zeros_like(p)) and v.dtype == p.dtype
        for v, p in zip(velocity, [a for pair in params for a in pair])
    )
    tol = dict(rtol=1e-14, atol=1e-15) if dtype == np.float64 else dict(rtol=2e-6, atol=1e-7)
    for _ in range(6):
        grads = _network_shaped(rng, dtype)
        grads_before, state_before = _copy(grads), [m.copy() for m in pure_state.momentum]
        params_before = _copy(pure_params)
        updates, new_state = opt.update(grads, pure_state)
        # nothing the caller passed was touched
        _assert_trees_equal(grads, grads_before, rtol=0, atol=0)
        for m, m0 in zip(pure_state.momentum, state_before):
            np.testing.assert_array_equal(m, m0)
        new_params = apply_updates(pure_params, updates)
        _assert_trees_equal(pure_params, params_before, rtol=0, atol=0)
        pure_params, pure_state = new_params, new_state
        scaled = [(opt.gradient_scale * gW, opt.gradient_scale * gb) for gW, gb in grads]
        scaled_before = _copy(scaled)
        opt.step_(fast_params, scaled, velocity)
        _assert_trees_equal(scaled, scaled_before, rtol=0, atol=0)  # step_ only reads the gradients
        _assert_trees_equal(pure_params, fast_params, **tol)
        for m, v in zip(pure_state.momentum, velocity):
            np.testing.assert_allclose(v, opt.lr * m, **tol)
    assert pure_state.step == 6
    assert all(W.dtype == np.dtype(dtype) for W, _ in fast_params)
    assert isinstance(pure_state, MomentumState)
    # and the steps did move the parameters: the comparison above is not between two unchanged copies
    assert not np.allclose(fast_params[0][0], params[0][0], rtol=1e-3)


def test_momentum_in_place_with_beta_0_is_the_gradient_descent_step():
    rng = np.random.default_rng(3)
    params, grads = _network_shaped(rng), _network_shaped(rng)
    momentum, descent = Momentum(0.2, 0.0), GradientDescent(0.2)
    assert momentum.gradient_scale == descent.gradient_scale == 0.2
    a, b = _copy(params), _copy(params)
    scaled = [(0.2 * gW, 0.2 * gb) for gW, gb in grads]
    momentum.step_(a, scaled, momentum.init_velocity(params))
    descent.step_(b, scaled)
    _assert_trees_equal(a, b, rtol=0, atol=0)


def test_gradient_descent_update_is_pure_and_equals_step_in_place():
    rng = np.random.default_rng(1)
    params, grads = _network_shaped(rng), _network_shaped(rng)
    opt = GradientDescent(0.2)
    grads_before, params_before = _copy(grads), _copy(params)
    updates, _ = opt.update(grads)
    _assert_trees_equal(grads, grads_before, rtol=0, atol=0)
    new = apply_updates(params, updates)
    _assert_trees_equal(params, params_before, rtol=0, atol=0)
    _assert_trees_equal(new, [(W - 0.2 * gW, b - 0.2 * gb) for (W, b), (gW, gb) in zip(params, grads)], rtol=1e-15)
    in_place = _copy(params)
    opt.step_(in_place, [(opt.gradient_scale * gW, opt.gradient_scale * gb) for gW, gb in grads])
    _assert_trees_equal(in_place, new, rtol=0, atol=0)


def test_update_rejects_mismatched_structures():
    rng = np.random.default_rng(2)
    params = _network_shaped(rng)
    opt = Momentum(0.1)
    with pytest.raises(ValueError, match="structure of the parameters"):
        opt.update(params[:1], opt.init(params))
    with pytest.raises(TypeError, match=r"Momentum.init.*Definition 6.5"):
        opt.update(params, [np.zeros(3)])
    with pytest.raises(ValueError, match="structure of the parameters"):
        apply_updates(params, params[:1])
    with pytest.raises(ValueError):  # the in-place paths refuse a gradient list of another length
        opt.step_(_copy(params), params[:1], opt.init_velocity(params))
    with pytest.raises(ValueError):
        GradientDescent(0.1).step_(_copy(params), params[:1])


# ----------------------------------------------------------------------------------------------------------------
# Bad hyper-parameters
# ----------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lr", [0, 0.0, -0.1, np.nan, np.inf, "0.1", None, True])
def test_bad_learning_rate(lr):
    for make in (lambda: GradientDescent(lr), lambda: Momentum(lr, 0.9)):
        with pytest.raises(ValueError, match=r"learning rate alpha must be a positive real.*Definition 6.4"):
            make()
    with pytest.raises(ValueError, match="Definition 6.4"):
        gradient_descent_sequence(half_norm_squared_grad, X0, lr, 1)


@pytest.mark.parametrize("beta", [-0.1, 1, 1.0, 1.5, np.nan, "0.9", None, False])
def test_bad_beta(beta):
    with pytest.raises(ValueError, match=r"beta must lie in \[0, 1\[.*Definition 6.5"):
        Momentum(0.1, beta)


@pytest.mark.parametrize("beta", [0, 0.0, 0.5, np.float32(0.9), 0.999])
def test_good_beta(beta):
    assert Momentum(0.1, beta).beta == pytest.approx(float(beta))


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, "32", None, True])
def test_bad_batch_size(batch_size):
    with pytest.raises(ValueError, match=r"batch_size must be a positive integer.*Definition 6.6"):
        minibatches(10, batch_size)


@pytest.mark.parametrize("n", [0, -3, 2.0, "10"])
def test_bad_sample_count(n):
    with pytest.raises(ValueError, match=r"positive number of samples.*Definition 6.6"):
        minibatches(n, 4)


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
    by_hand = _copy(params)
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
    _assert_trees_equal(params, by_hand, rtol=1e-10, atol=1e-12)
    assert network.objective(X, Y, params) < 0.8 * start


# ----------------------------------------------------------------------------------------------------------------
# Pure theory, checked numerically (Definitions 6.1-6.3, Propositions 6.1-6.5)
# ----------------------------------------------------------------------------------------------------------------
class Quadratic:
    """f(x) = x A x^T / 2 + c x^T with A symmetric positive semidefinite: convex, L-smooth with L = lambda_max(A)."""

    def __init__(self, rng, m, rank=None, scale=1.0):
        rank = m if rank is None else rank
        Q, _ = np.linalg.qr(rng.standard_normal((m, m)))
        eig = np.zeros(m)
        eig[:rank] = scale * rng.uniform(0.05, 1.0, rank)
        eig[0] = scale  # the largest eigenvalue, known exactly
        self.A = Q @ np.diag(eig) @ Q.T
        self.A = (self.A + self.A.T) / 2
        self.L = float(np.max(np.linalg.eigvalsh(self.A)))
        self.top = Q[:, 0]
        # c in the range of A, so that a minimiser exists even when A is singular
        self.x_star = rng.standard_normal(m)
        self.c = -self.A @ self.x_star

    def __call__(self, x):
        return 0.5 * x @ self.A @ x + self.c @ x

    def grad(self, x):
        return self.A @ x + self.c

    def gap(self, x):
        """f(x) - f(x*) = (x - x*) A (x - x*)^T / 2, computed without cancellation."""
        d = x - self.x_star
        return 0.5 * d @ self.A @ d


def softplus_sum(x):
    """Convex and 1/4-smooth: f(x) = sum log(1 + e^{x_i})."""
    return float(np.sum(np.logaddexp(0.0, x)))


def softplus_sum_grad(x):
    return 1.0 / (1.0 + np.exp(-x))


def nonconvex(x):
    """Not convex: f(x) = sum cos(x_i); 1-smooth."""
    return float(np.sum(np.cos(x)))


def nonconvex_grad(x):
    return -np.sin(x)


def _pairs(rng, m, count=200, spread=3.0):
    return [(spread * rng.standard_normal(m), spread * rng.standard_normal(m)) for _ in range(count)]


def test_definition_6_1_and_proposition_6_1_convexity():
    """Convex functions satisfy both (15) and (16); the non-convex cos-sum violates both somewhere."""
    rng = np.random.default_rng(10)
    quad = Quadratic(rng, 4)
    convex_cases = ((quad, quad.grad), (softplus_sum, softplus_sum_grad))
    for fun, grad in convex_cases:
        for x, y in _pairs(rng, 4):
            tau = rng.uniform()
            scale = 1e-12 * (1 + abs(fun(x)) + abs(fun(y)))
            assert fun(tau * x + (1 - tau) * y) <= tau * fun(x) + (1 - tau) * fun(y) + scale  # (15)
            assert fun(x) + grad(x) @ (y - x) <= fun(y) + scale  # (16)
    definition_fails = first_order_fails = 0
    for x, y in _pairs(rng, 4):
        tau = rng.uniform()
        definition_fails += nonconvex(tau * x + (1 - tau) * y) > tau * nonconvex(x) + (1 - tau) * nonconvex(y)
        first_order_fails += nonconvex(x) + nonconvex_grad(x) @ (y - x) > nonconvex(y)
    assert definition_fails > 10 and first_order_fails > 10


def test_proposition_6_1_proof_identities():
    """The two identities of the converse part of the proof, with z = tau x + (1 - tau) y. (a) holds as printed;
    (b) holds with f(z) on the left, not f(y) as printed (erratum)."""
    rng = np.random.default_rng(11)
    quad = Quadratic(rng, 3)
    for x, y in _pairs(rng, 3, count=20):
        tau = rng.uniform(0.1, 0.9)
        z = tau * x + (1 - tau) * y
        g = quad.grad(z)
        assert quad(z) - (1 - tau) * g @ (y - x) == pytest.approx(quad(z) + g @ (x - z), rel=1e-10, abs=1e-10)
        corrected = quad(z) + tau * g @ (y - x)
        printed = quad(y) + tau * g @ (y - x)
        assert corrected == pytest.approx(quad(z) + g @ (y - z), rel=1e-10, abs=1e-10)
        assert printed != pytest.approx(quad(z) + g @ (y - z), rel=1e-6, abs=1e-6)


def test_definition_6_2_and_proposition_6_2_smoothness():
    """Quadratics are L-smooth with L = lambda_max(A) (17), hence obey the quadratic upper bound (18), with
    equality along the top eigenvector; any smaller constant fails there. Also for softplus (L = 1/4)."""
    rng = np.random.default_rng(12)
    quad = Quadratic(rng, 5, scale=3.0)
    assert quad.L == pytest.approx(3.0, rel=1e-12)
    for fun, grad, L in ((quad, quad.grad, quad.L), (softplus_sum, softplus_sum_grad, 0.25)):
        for x, y in _pairs(rng, 5):
            assert np.linalg.norm(grad(x) - grad(y)) <= L * np.linalg.norm(x - y) * (1 + 1e-12)  # (17)
            bound = fun(x) + grad(x) @ (y - x) + L / 2 * np.linalg.norm(y - x) ** 2
            assert fun(y) <= bound + 1e-12 * (1 + abs(bound))  # (18)
    x = rng.standard_normal(5)
    y = x + 2.0 * quad.top
    tight = quad(x) + quad.grad(x) @ (y - x) + quad.L / 2 * np.linalg.norm(y - x) ** 2
    assert quad(y) == pytest.approx(tight, rel=1e-12)
    smaller = quad(x) + quad.grad(x) @ (y - x) + 0.99 * quad.L / 2 * np.linalg.norm(y - x) ** 2
    assert quad(y) > smaller
    # the non-convex cos-sum is 1-smooth as well: (18) does not need convexity
    for x, y in _pairs(rng, 5):
        assert nonconvex(y) <= nonconvex(x) + nonconvex_grad(x) @ (y - x) + 0.5 * np.linalg.norm(y - x) ** 2 + 1e-12


def test_proposition_6_3_co_coercivity():
    rng = np.random.default_rng(13)
    for rank in (5, 2):  # strictly convex and singular quadratics
        quad = Quadratic(rng, 5, rank=rank, scale=2.0)
        for fun_grad, L in ((quad.grad, quad.L), (softplus_sum_grad, 0.25)):
            for x, y in _pairs(rng, 5):
                d = fun_grad(y) - fun_grad(x)
                assert d @ d / L <= d @ (y - x) * (1 + 1e-12) + 1e-14  # (19)
    # convexity is needed: the 1-smooth cos-sum violates (19) somewhere
    violations = 0
    for x, y in _pairs(rng, 5):
        d = nonconvex_grad(y) - nonconvex_grad(x)
        violations += d @ d > d @ (y - x)
    assert violations > 10


def test_proposition_6_3_proof_auxiliary_point():
    """The proof's chain f(y) - f(x) <= grad(y)(y - z)^T + grad(x)(z - x)^T + L/2 ||z - x||^2
    = grad(y)(y - x)^T - ||grad(x) - grad(y)||^2 / (2L) holds for z = x - (grad(x) - grad(y))/L; with the printed
    z = x - (grad(y) - grad(x))/L the middle expression equals grad(y)(y - x)^T + 3 ||.||^2 / (2L) instead."""
    rng = np.random.default_rng(14)
    quad = Quadratic(rng, 4, scale=2.0)
    L = quad.L
    for x, y in _pairs(rng, 4, count=20):
        gx, gy = quad.grad(x), quad.grad(y)
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
    quad = Quadratic(rng, 6)
    x_star = np.linalg.solve(quad.A, -quad.c)
    np.testing.assert_allclose(x_star, quad.x_star, rtol=1e-9)
    assert np.linalg.norm(quad.grad(x_star)) <= 1e-12 * (1 + np.linalg.norm(quad.c))
    for _ in range(200):
        x = x_star + rng.standard_normal(6) * rng.uniform(1e-3, 10)
        assert quad(x_star) <= quad(x)
        assert quad.gap(x) > 0
    assert np.array_equal(nonconvex_grad(np.zeros(3)), np.zeros(3))
    assert nonconvex(np.zeros(3)) > nonconvex(np.full(3, np.pi))


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 6), st.data(), st.floats(0.05, 0.95), st.integers(0, 2**32 - 1))
def test_proposition_6_5_rate(m, data, fraction, seed):
    """Gradient descent with alpha = fraction * 2/L on random convex quadratics (possibly singular):
    f(x_n) - f* <= ||x0 - x*||^2 / (n C) for n = 1..200, C = alpha - L alpha^2 / 2; and, as the proof shows,
    ||x_n - x*|| and f(x_n) - f* never increase."""
    rank = data.draw(st.integers(1, m))
    rng = np.random.default_rng(seed)
    quad = Quadratic(rng, m, rank=rank, scale=float(rng.uniform(0.1, 10)))
    alpha = fraction * 2 / quad.L
    C = alpha - quad.L * alpha**2 / 2
    x0 = quad.x_star + rng.standard_normal(m) * 3
    path = gradient_descent_sequence(quad.grad, x0, lr=alpha, steps=200)
    R2 = np.linalg.norm(x0 - quad.x_star) ** 2
    gaps = np.array([quad.gap(x) for x in path])
    n = np.arange(1, len(path))
    assert np.all(gaps[1:] <= R2 / (n * C) * (1 + 1e-12))
    distances = np.linalg.norm(path - quad.x_star, axis=1)
    assert np.all(np.diff(distances) <= 1e-12 * distances[0])
    # f(x_n) - f* is computed as d A d / 2 with |d| <= |x0 - x*|: its rounding error is about m eps L |x0 - x*|^2,
    # which is all that is left once GD has converged (with A singular, d keeps its null-space part).
    round_off = 8 * m * np.finfo(np.float64).eps * quad.L * R2
    assert np.all(np.diff(gaps) <= 1e-12 * gaps[0] + round_off)


def test_proposition_6_5_rate_on_softplus():
    """Not only quadratics: f(x) = sum softplus(x_i) + ||x||^2 / 2 - b x^T is convex and (5/4)-smooth."""
    rng = np.random.default_rng(16)
    b = rng.standard_normal(3)
    L = 1.25

    def grad(x):
        return softplus_sum_grad(x) + x - b

    def fun(x):
        return softplus_sum(x) + 0.5 * x @ x - b @ x

    x_star = gradient_descent_sequence(grad, np.zeros(3), lr=0.8, steps=2000)[-1]  # strongly convex: converges
    assert np.linalg.norm(grad(x_star)) < 1e-14
    for alpha in (0.1, 0.8, 1.5):
        C = alpha - L * alpha**2 / 2
        x0 = rng.standard_normal(3) * 5
        path = gradient_descent_sequence(grad, x0, lr=alpha, steps=100)
        R2 = np.linalg.norm(x0 - x_star) ** 2
        for n in range(1, 101):
            assert fun(path[n]) - fun(x_star) <= R2 / (n * C) + 1e-14


def test_proposition_6_5_divergence_above_2_over_L():
    """With alpha > 2/L the component along the top eigenvector is multiplied by |1 - alpha L| > 1 at each step."""
    rng = np.random.default_rng(17)
    quad = Quadratic(rng, 4, scale=2.0)
    for factor in (1.05, 1.5):
        alpha = factor * 2 / quad.L
        x0 = quad.x_star + quad.top
        path = gradient_descent_sequence(quad.grad, x0, lr=alpha, steps=60)
        distances = np.linalg.norm(path - quad.x_star, axis=1)
        growth = abs(1 - alpha * quad.L)
        np.testing.assert_allclose(distances[1:] / distances[:-1], growth, rtol=1e-6)
        assert distances[-1] > 10 * distances[0]
    # exactly at 2/L the top component oscillates without decaying: the rate of the proposition needs alpha < 2/L
    path = gradient_descent_sequence(quad.grad, quad.x_star + quad.top, lr=2 / quad.L, steps=20)
    np.testing.assert_allclose(np.linalg.norm(path - quad.x_star, axis=1), 1.0, rtol=1e-9)


def test_proposition_6_5_proof_recursion():
    """The proof's key step, corrected: delta_{n+1} <= delta_n - C delta_n^2 / ||x0 - x*||^2 holds along every run;
    the printed delta_{n+1} <= delta_n - C delta_n / ||x0 - x*||^2 (a linear rate) fails on an ill-conditioned
    convex quadratic."""
    rng = np.random.default_rng(18)
    quad = Quadratic(rng, 3, scale=1.0)
    quad.A = np.diag([1.0, 1e-3, 1e-4])
    quad.L, quad.c = 1.0, -quad.A @ quad.x_star
    alpha = 1.0
    C = alpha - quad.L * alpha**2 / 2
    x0 = quad.x_star + np.array([0.1, 1.0, 1.0])
    path = gradient_descent_sequence(quad.grad, x0, lr=alpha, steps=300)
    R2 = np.linalg.norm(x0 - quad.x_star) ** 2
    delta = np.array([quad.gap(x) for x in path])
    assert np.all(delta[1:] <= delta[:-1] - C * delta[:-1] ** 2 / R2 + 1e-15)  # corrected
    assert np.any(delta[1:] > delta[:-1] - C * delta[:-1] / R2)  # printed: violated
