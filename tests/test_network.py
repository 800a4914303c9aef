"""Section 5: the network N_{c+}, its objective, and its gradients by the two routes (back-propagation and the
literal chain of Jacobian matrices), checked against each other and against central differences."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import random_problem
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mathdnn_core import activations, layers, losses, network
from mathdnn_core import testing as T
from mathdnn_core.differentials import linearization_remainder, numerical_jacobian

SETTINGS = settings(max_examples=25, deadline=None)

#: Largest relative disagreement between the two routes seen in this session (reported by the test below).
ROUTE_DISAGREEMENTS: list[float] = []


architectures = (
    st.lists(st.integers(1, 7), min_size=0, max_size=3)
    .flatmap(lambda hidden: st.tuples(st.integers(1, 6), st.just(hidden), st.integers(2, 5)))
    .map(lambda t: [t[0], *t[1], t[2]])
)


# ----------------------------------------------------------------------------------------------------------------
# The two routes
# ----------------------------------------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(architectures, st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_two_routes_agree_on_random_networks(sizes, n, seed):
    """Depth 1 to 4 (0 to 3 hidden layers), one-sample batches included: rel. disagreement <= 1e-12."""
    X, Y, params = random_problem(sizes, n, seed)
    P = network.forward(X, params)
    assume(np.all(P > 0) and np.all(P < 1))  # the literal route lives on ]0,1[ (Definition 3.1); see below
    bp = network.gradients(X, Y, params, method="backprop")
    jac = network.gradients(X, Y, params, method="jacobian")
    assert [(dW.shape, db.shape) for dW, db in bp] == [(W.shape, b.shape) for W, b in params]
    assert [(dW.shape, db.shape) for dW, db in jac] == [(W.shape, b.shape) for W, b in params]
    verdict = T.check_gradient_routes(X, Y, params, tol=1e-12)
    ROUTE_DISAGREEMENTS.append(verdict.max_rel_error)


def test_two_routes_agree_on_a_wider_deeper_network():
    X, Y, params = random_problem([12, 16, 10, 8, 5], 20, seed=3)
    err = T.routes_disagreement(network.jacobian_gradients(X, Y, params), network.backprop_gradients(X, Y, params))
    ROUTE_DISAGREEMENTS.append(err)
    assert err <= 1e-12, err


def test_report_largest_route_disagreement():
    """Not a check of its own: prints the worst disagreement measured by the tests above (pytest -s)."""
    if ROUTE_DISAGREEMENTS:
        print(
            f"\nlargest relative disagreement between the two routes: {max(ROUTE_DISAGREEMENTS):.3e} "
            f"over {len(ROUTE_DISAGREEMENTS)} networks"
        )
        assert max(ROUTE_DISAGREEMENTS) <= 1e-12


@settings(max_examples=20, deadline=None)
@given(architectures, st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_gradients_match_central_differences_of_objective(sizes, n, seed):
    """A few entries of every dW and db against central differences of the objective (rel. 1e-6; entries below
    1e-2 in size are compared at the absolute level 1e-8, the round-off of the differences eps |O| / t)."""
    X, Y, params = random_problem(sizes, n, seed)
    cache = network.forward_with_cache(X, params)
    # finite differences must not cross a ReLU kink: keep hidden pre-activations away from 0
    assume(all(np.min(np.abs(z)) > 1e-3 for z in cache.preactivations[:-1]))
    grads = network.gradients(X, Y, params)
    rng = np.random.default_rng(seed)
    for k, (W, b) in enumerate(params):
        for which, array in ((0, W), (1, b)):
            for _ in range(2):
                index = tuple(int(rng.integers(0, s)) for s in array.shape)

                def objective_of_entry(t, k=k, which=which, index=index):
                    perturbed = [(w.copy(), c.copy()) for w, c in params]
                    perturbed[k][which][index] = t[0]
                    return network.objective(X, Y, perturbed)

                fd = numerical_jacobian(objective_of_entry, np.array([array[index]]))[0, 0]
                exact = grads[k][which][index]
                assert abs(fd - exact) <= 1e-6 * max(abs(exact), 1e-2), (k, which, index, fd, exact)


@pytest.mark.parametrize("method", network.METHODS)
def test_reduction_mean_is_sum_over_n(method):
    X, Y, params = random_problem([5, 4, 3], 7, seed=1)
    total = network.gradients(X, Y, params, method=method, reduction="sum")
    mean = network.gradients(X, Y, params, method=method, reduction="mean")
    # "mean" scales S(z) - y* before back-propagating, "sum" / n divides afterwards: equal up to round-off relative
    # to the size of each array
    for (sW, sb), (mW, mb) in zip(total, mean):
        np.testing.assert_allclose(mW, sW / 7, rtol=0, atol=1e-14 * np.max(np.abs(sW / 7)))
        np.testing.assert_allclose(mb, sb / 7, rtol=0, atol=1e-14 * np.max(np.abs(sb / 7)))
    assert network.objective(X, Y, params, reduction="mean") == pytest.approx(
        network.objective(X, Y, params) / 7, rel=1e-14
    )


def test_objective_is_the_sum_of_cross_entropies():
    X, Y, params = random_problem([5, 4, 3], 6, seed=2)
    P = network.forward(X, params)
    assert network.objective(X, Y, params) == pytest.approx(float(np.sum(losses.cross_entropy(P, Y))), rel=1e-13)


# ----------------------------------------------------------------------------------------------------------------
# Forward pass, dtypes, parameters
# ----------------------------------------------------------------------------------------------------------------
@SETTINGS
@given(architectures, st.integers(1, 8), st.integers(0, 2**32 - 1))
def test_forward_rows_are_probabilities(sizes, n, seed):
    X, _, params = random_problem(sizes, n, seed)
    P = network.forward(X, params)
    assert P.shape == (n, sizes[-1])
    assert np.all(P >= 0) and np.all(P <= 1)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=4 * np.finfo(np.float64).eps * sizes[-1])
    cache = network.forward_with_cache(X, params)
    assert len(cache.preactivations) == len(params) and len(cache.inputs) == len(params)
    np.testing.assert_array_equal(cache.probabilities, P)
    np.testing.assert_array_equal(network.predict(X, params), np.argmax(P, axis=1))


def test_predict_refuses_an_overflowing_output_instead_of_guessing():
    """Finite float32 parameters of size 1e30 make z^(p) = +-inf (and inf - inf = NaN in the product): argmax of
    that is meaningless, so predict raises, while logits returns the values as they are."""
    params = [
        (np.full((3, 4), 1e30, np.float32), np.zeros(3, np.float32)),
        (np.array([[1e30, -1e30, 1e30], [1.0, 2.0, 3.0]], np.float32), np.zeros(2, np.float32)),
    ]
    X = np.ones((2, 4), np.float32)
    with pytest.warns(RuntimeWarning, match="overflow"):
        assert not np.isfinite(network.logits(X, params)).all()
    verdict = T.check_raises(
        lambda: network.predict(X, params),
        network.OutputOverflowError,
        must_mention=("output z^(p) holds 2 NaN or infinite value(s)", "float32", "overflow"),
        statement="Definition 5.1",
    )
    assert isinstance(verdict, T.Verdict)
    try:
        network.predict(X, params)
    except ValueError as exc:  # an OutputOverflowError is a ValueError, with the offending value
        assert isinstance(exc, network.OutputOverflowError) and exc.count == 2 and not np.isfinite(exc.value)


def test_float32_in_float32_out():
    X, Y, params = random_problem([6, 5, 4, 3], 5, seed=4, dtype=np.float32)
    assert all(W.dtype == np.float32 and b.dtype == np.float32 for W, b in params)
    assert X.dtype == np.float32
    assert network.forward(X, params).dtype == np.float32
    assert network.logits(X, params).dtype == np.float32
    for method in network.METHODS:
        for dW, db in network.gradients(X, Y.astype(np.float32), params, method=method):
            assert dW.dtype == np.float32 and db.dtype == np.float32, method
    for dW, db in network.gradients(X, Y, params):  # float64 one-hot targets do not promote the gradients
        assert dW.dtype == np.float32 and db.dtype == np.float32
    # objective returns a Python float; computed in float32 it is exactly representable in float32
    value = network.objective(X, Y.astype(np.float32), params)
    assert isinstance(value, float) and float(np.float32(value)) == value
    X64, Y64, params64 = random_problem([6, 5, 4, 3], 5, seed=4)
    assert value == pytest.approx(network.objective(X64, Y64, params64), rel=1e-5)
    g32, g64 = network.gradients(X, Y, params), network.gradients(X64, Y64, params64)
    for (a, b), (c, d) in zip(g32, g64):
        np.testing.assert_allclose(a, c, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(b, d, rtol=1e-4, atol=1e-5)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 50), min_size=2, max_size=6))
def test_parameter_count_matches_arrays(sizes):
    """Corollary of Definition 5.1: sum_k m_k (m_{k-1} + 1) scalars."""
    params = network.init_params(sizes, rng=np.random.default_rng(0))
    actual = sum(W.size + b.size for W, b in params)
    formula = sum(m_k * (m_prev + 1) for m_prev, m_k in zip(sizes[:-1], sizes[1:]))
    assert network.parameter_count(sizes) == actual == formula
    assert network.parameter_count(params) == actual
    assert network.layer_sizes(params) == sizes
    assert [W.shape for W, _ in params] == [(m_k, m_prev) for m_prev, m_k in zip(sizes[:-1], sizes[1:])]


def test_parameter_count_of_the_reference_network():
    assert network.parameter_count([784, 128, 64, 10]) == 784 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10 == 109386


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_init_params_is_deterministic_and_typed(dtype):
    a = network.init_params([8, 6, 3], rng=np.random.default_rng(42), dtype=dtype)
    b = network.init_params([8, 6, 3], rng=np.random.default_rng(42), dtype=dtype)
    c = network.init_params([8, 6, 3], rng=np.random.default_rng(43), dtype=dtype)
    for (Wa, ba), (Wb, bb) in zip(a, b):
        assert Wa.dtype == ba.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(Wa, Wb)
        np.testing.assert_array_equal(ba, bb)
        assert np.all(ba == 0)
    assert not np.array_equal(a[0][0], c[0][0])


def test_init_params_rejects_bad_arguments():
    rng = np.random.default_rng(0)
    with pytest.raises(TypeError, match="numpy.random.Generator"):  # plumbing: the source of randomness
        network.init_params([3, 2], rng=0)
    T.check_raises(
        lambda: network.init_params([3, 2], rng=rng, dtype=np.int64),
        TypeError,
        must_mention=("np.float32 or np.float64",),
        statement="Definition 5.1",
    )
    T.check_raises(
        lambda: network.init_params([3], rng=rng),
        ValueError,
        must_mention=("at least two positive integers", "(N*)^(p+1)"),
        statement="Definition 5.1",
    )
    T.check_raises(
        lambda: network.init_params([3, 0, 2], rng=rng),
        ValueError,
        must_mention=("m_1 must be an integer >= 1", "got 0"),
        statement="Definition 5.1",
    )


# ----------------------------------------------------------------------------------------------------------------
# Bad input: the message names the expected shape or domain and the statement
# ----------------------------------------------------------------------------------------------------------------
@pytest.fixture
def problem():
    return random_problem([4, 3, 3], 5, seed=7)


def test_wrong_input_width(problem):
    X, Y, params = problem
    for call, statement in (
        (lambda: network.forward(np.ones((5, 6)), params), "Definition 5.1"),
        (lambda: network.gradients(np.ones((5, 6)), Y, params), "Definition 5.2"),
    ):
        T.check_raises(call, ValueError, must_mention=("X must have shape (n, 4)", "got (5, 6)"), statement=statement)


def test_one_example_must_be_a_batch_of_one(problem):
    _, _, params = problem
    T.check_raises(
        lambda: network.forward(np.ones(4), params),
        ValueError,
        must_mention=("X must be a batch of rows, shape (n, m)", "(4,)"),
        statement="Definition 5.1",
    )


def test_parameter_shapes_that_do_not_chain(problem):
    X, Y, params = problem
    broken = [params[0], (np.ones((3, 5)), np.zeros(3))]
    T.check_raises(
        lambda: network.forward(X, broken),
        ValueError,
        must_mention=("do not chain", "W^(2) in M_(m_2, m_1)", "(3, 5)"),
        statement="Definition 5.1",
    )
    T.check_raises(
        lambda: network.forward(X, [(params[0][0], np.zeros(4)), params[1]]),
        ValueError,
        must_mention=("b must have shape (3,)", "W in M_(m,n), b in R^m"),
        statement="Definition 5.1",
    )


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nonfinite_inputs(problem, bad):
    X, Y, params = problem
    X = X.copy()
    X[2, 1] = bad
    for call, statement in (
        (lambda: network.forward(X, params), "Definition 5.1"),
        (lambda: network.gradients(X, Y, params), "Definition 5.2"),
    ):
        T.check_raises(
            call, ValueError, must_mention=("X contains 1 NaN or infinite", "real (finite)"), statement=statement
        )


@pytest.mark.parametrize("which", [0, 1])
def test_nonfinite_parameters(problem, which):
    X, Y, params = problem
    params = [(W.copy(), b.copy()) for W, b in params]
    params[1][which].flat[0] = np.nan
    name = "W" if which == 0 else "b"
    T.check_raises(
        lambda: network.forward(X, params),
        ValueError,
        must_mention=(f"{name} contains 1 NaN or infinite", "layer 2"),
        statement="Definition 5.1",
    )
    for method in network.METHODS:
        T.check_raises(
            lambda: network.gradients(X, Y, params, method=method),
            ValueError,
            must_mention=(f"{name} contains 1 NaN", "layer 2"),
            statement="Definition 5.2",
        )


def test_labels_with_two_ones(problem):
    X, Y, params = problem
    Y = Y.copy()
    Y[0] = [1, 1, 0]
    for call in (network.objective, network.gradients):
        T.check_raises(
            lambda: call(X, Y, params),
            ValueError,
            must_mention=("one-hot: exactly one 1 per row", "||y*|| = 1"),
            statement="Definition 5.2",
        )


def test_labels_with_a_half(problem):
    X, Y, params = problem
    Y = Y.copy()
    Y[0] = [0.5, 0.5, 0]
    T.check_raises(
        lambda: network.gradients(X, Y, params),
        ValueError,
        must_mention=("entries in {0, 1}", "y* in {0,1}^m"),
        statement="Definition 5.2",
    )


def test_labels_as_integers(problem):
    X, _, params = problem
    T.check_raises(
        lambda: network.objective(X, np.array([0, 1, 2, 0, 1]), params),
        ValueError,
        must_mention=("one-hot targets of shape (n, m_p) = (5, 3)", "got shape (5,)", "losses.one_hot(labels, 3)"),
        statement="Definition 5.2",
    )


def test_labels_of_the_wrong_width(problem):
    X, _, params = problem
    T.check_raises(
        lambda: network.gradients(X, np.eye(4)[[0, 1, 2, 3, 0]], params),
        ValueError,
        must_mention=("Y must have shape (5, 3)", "3 classes", "got (5, 4)"),
        statement="Definition 5.2",
    )


def test_labels_of_the_wrong_count(problem):
    X, _, params = problem
    T.check_raises(
        lambda: network.gradients(X, np.eye(3)[[0, 1, 2, 0]], params),
        ValueError,
        must_mention=("Y must have shape (5, 3): one one-hot row per row of X", "got (4, 3)"),
        statement="Definition 5.2",
    )


def test_labels_with_nan(problem):
    X, Y, params = problem
    Y = Y.copy()
    Y[1, 1] = np.nan
    T.check_raises(
        lambda: network.objective(X, Y, params),
        ValueError,
        must_mention=("entries in {0, 1}",),
        statement="Definition 5.2",
    )


def test_unknown_method(problem):
    X, Y, params = problem
    T.check_raises(
        lambda: network.gradients(X, Y, params, method="autodiff"),
        ValueError,
        must_mention=("method must be one of ('backprop', 'jacobian')", "'autodiff'"),
        statement="Corollary of Definition 5.2",
    )


@pytest.mark.parametrize("method", network.METHODS)
def test_unknown_reduction(problem, method):
    X, Y, params = problem
    for call in (
        lambda: network.gradients(X, Y, params, method=method, reduction="avg"),
        lambda: network.objective(X, Y, params, reduction="avg"),
    ):
        T.check_raises(
            call,
            ValueError,
            must_mention=("reduction must be one of ('sum', 'mean')", "'avg'"),
            statement="Definition 5.2",
        )


@pytest.mark.parametrize("params", [[], (), None, np.zeros((2, 2))])
def test_empty_or_missing_params(problem, params):
    X, Y, _ = problem
    for call, statement in (
        (lambda: network.forward(X, params), "Definition 5.1"),
        (lambda: network.gradients(X, Y, params), "Definition 5.2"),
    ):
        T.check_raises(call, TypeError, must_mention=("non-empty list of (W, b) pairs",), statement=statement)


def test_empty_batch(problem):
    _, _, params = problem
    T.check_raises(
        lambda: network.forward(np.zeros((0, 4)), params),
        ValueError,
        must_mention=("at least one example", "(0, 4)"),
        statement="Definition 5.1",
    )


# ----------------------------------------------------------------------------------------------------------------
# Where the routes must differ: a probability that underflows
# ----------------------------------------------------------------------------------------------------------------
def test_jacobian_route_rejects_underflowing_probabilities_backprop_stays_finite():
    """Logits 1e3 apart: S(z) rounds to exactly 0 and 1, outside ]0,1[ (Definition 3.1), so the literal route
    (through Proposition 3.1, -y*/y) refuses; the fused route S(z) - y* (Proposition 5.3) needs no division."""
    params = [(np.array([[1000.0], [0.0], [-1000.0]]), np.zeros(3))]
    X = np.array([[1.0], [-1.0]])
    Y = np.eye(3)[[0, 1]]
    P = network.forward(X, params)
    assert P[0, 0] == 1.0 and P[0, 2] == 0.0
    T.check_raises(
        lambda: network.gradients(X, Y, params, method="jacobian"),
        ValueError,
        must_mention=("]0,1[^m",),
        statement="Proposition 3.1",
    )
    ((dW, db),) = network.gradients(X, Y, params, method="backprop")
    assert np.all(np.isfinite(dW)) and np.all(np.isfinite(db))
    # exactly S(z) - y* summed: sample 1 is right with certainty (zero gradient); sample 2 has logits
    # (-1000, 0, 1000), predicts class 2 with certainty for true class 1: delta = (0, -1, 1), times x = -1 for dW
    np.testing.assert_array_equal(db, [0.0, -1.0, 1.0])
    np.testing.assert_array_equal(dW, [[0.0], [1.0], [-1.0]])
    value = network.objective(X, Y, params)
    assert np.isfinite(value) and value == pytest.approx(1000.0, rel=1e-12)


def test_jacobian_route_needs_two_classes():
    """Definition 2.2 erratum: for m = 1, Softmax is identically 1, which is not in ]0,1[."""
    params = [(np.ones((1, 2)), np.zeros(1))]
    X, Y = np.ones((3, 2)), np.ones((3, 1))
    np.testing.assert_array_equal(network.forward(X, params), 1.0)
    for dW, db in network.gradients(X, Y, params, method="backprop"):
        assert np.all(dW == 0) and np.all(db == 0)
    T.check_raises(
        lambda: network.gradients(X, Y, params, method="jacobian"),
        ValueError,
        must_mention=("]0,1[^m",),
        statement="Proposition 3.1",
    )


# ----------------------------------------------------------------------------------------------------------------
# The composition: the forward pass is the §4 layer and the §2 activations, nothing re-typed
# ----------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_forward_pass_is_the_composition_of_the_section_2_and_4_maps(dtype):
    """Definition 5.1: z^(k) = L(a^(k-1), W^(k), b^(k)), a^(k) = R(z^(k)), y = S(z^(p)), each by the public map of its
    section: exactly the same numbers (the forward pass calls the same kernels)."""
    X, _, params = random_problem([6, 5, 4, 3], 9, seed=11, dtype=dtype)
    cache = network.forward_with_cache(X, params)
    a = X
    for k, (W, b) in enumerate(params):
        z = layers.dense(a, W, b)
        T.check_close(cache.preactivations[k], z, tol=0.0, statement="Definition 5.1", what=f"z^({k + 1}) = L(a, W, b)")
        np.testing.assert_array_equal(cache.inputs[k], a)
        if k < len(params) - 1:
            a = activations.relu(z)
    T.check_close(cache.probabilities, activations.softmax(z), tol=0.0, statement="Definition 5.1", what="y = S(z^(p))")
    assert cache.probabilities.dtype == np.dtype(dtype)


def test_predict_and_forward_chunks_cover_every_row_once():
    X, _, params = random_problem([5, 7, 4], 23, seed=12)
    whole = np.argmax(network.forward(X, params), axis=1)
    for chunk in (1, 4, 23, 100):
        np.testing.assert_array_equal(network.predict(X, params, chunk=chunk), whole)
        pieces = list(network.forward_chunks(X, params, chunk=chunk))
        assert [rows.stop - rows.start for rows, _ in pieces][:-1] == [chunk] * (len(pieces) - 1)
        assert pieces[0][0].start == 0 and pieces[-1][0].stop == 23
        for rows, cache in pieces:
            np.testing.assert_array_equal(cache.preactivations[-1], network.logits(X[rows], params))
    assert network.predict(X, params).dtype == np.int64
    for chunk in (0, 2.5):
        T.check_raises(
            lambda: network.predict(X, params, chunk=chunk),
            ValueError,
            must_mention=("chunk must be an integer >= 1",),
            statement="Definition 5.1",
        )


@pytest.mark.parametrize("sizes", [[2.7, 3.9], [3, True], [4, 0], [5], "34"])
def test_parameter_count_rejects_widths_that_are_not_positive_integers(sizes):
    T.check_raises(
        lambda: network.parameter_count(sizes),
        ValueError,
        must_mention=("(m_k) in (N*)^(p+1)",),
        statement="Corollary of Definition 5.1",
    )


def test_unflatten_gives_views_in_layer_order_and_checks_the_size():
    sizes = [3, 4, 2]
    flat = np.arange(network.parameter_count(sizes), dtype=float)
    (W1, b1), (W2, b2) = network.unflatten(flat, sizes)
    assert W1.shape == (4, 3) and b1.shape == (4,) and W2.shape == (2, 4) and b2.shape == (2,)
    assert W1[0, 0] == 0 and b1[0] == 12 and W2[0, 0] == 16 and b2[-1] == flat[-1]
    W2[1, 1] = -1.0
    assert flat[16 + 5] == -1.0  # a view: writing to W2 writes to the buffer
    T.check_raises(
        lambda: network.unflatten(np.zeros(25), sizes),
        ValueError,
        must_mention=("26 entries",),
        statement="Corollary of Definition 5.1",
    )


def test_unflatten_column_major_stores_each_weight_transposed():
    sizes = [3, 4, 2]
    flat = np.arange(network.parameter_count(sizes), dtype=float)
    (W1, b1), (W2, b2) = network.unflatten(flat, sizes, order="F")
    assert W1.shape == (4, 3) and W2.shape == (2, 4) and W1.flags.f_contiguous and not W1.flags.c_contiguous
    np.testing.assert_array_equal(W1, np.arange(12.0).reshape(3, 4).T)  # the buffer holds W1^T row by row
    np.testing.assert_array_equal(b1, [12, 13, 14, 15])
    W2[1, 0] = -1.0
    assert flat[16 + 1] == -1.0  # column 0 of W2 is flat[16:18]
    with pytest.raises(ValueError, match="order must be 'C'.*or 'F'"):  # plumbing: a memory layout
        network.unflatten(flat, sizes, order="A")


# ----------------------------------------------------------------------------------------------------------------
# §5.2: the cost of the two routes, the infimum of Definition 5.2, joint differentiability, Notation 17
# ----------------------------------------------------------------------------------------------------------------
def test_gradient_cost_counts_the_products_of_each_route():
    # [3, 4, 2]: forward 12 + 8; backprop adds dW 12 + 8 and delta W^(2) 8; the literal route adds, per layer,
    # m_k row Jacobians (4 * 12, 2 * 8), I_{m_k} (16, 4), S's Jacobian (4), W^(2) (8) and R's Jacobian (16).
    assert network.gradient_cost([3, 4, 2], "backprop") == 48
    assert network.gradient_cost([3, 4, 2], "jacobian") == 132
    for p in (1, 2, 4):
        for w in (8, 64, 512):
            widths = [w] * (p + 1)
            assert network.gradient_cost(widths, "backprop") == (3 * p - 1) * w * w
            assert 1 < network.gradient_cost(widths, "jacobian") / (p * w**3) < 1 + 4 / w
    with pytest.raises(ValueError, match=r"method must be one of .*Corollary of Definition 5\.2"):
        network.gradient_cost([3, 4, 2], "autodiff")
    with pytest.raises(ValueError, match=r"Corollary of Definition 5\.2"):
        network.gradient_cost([3], "backprop")


def test_definition_5_2_has_no_minimiser_on_separable_data():
    """Softmax regression on separable points: O(t theta) > 0 falls like e^{-t gamma}; the infimum 0 is not attained."""
    rng = np.random.default_rng(21)
    W = rng.standard_normal((3, 2))
    X = rng.standard_normal((60, 2))
    z = X @ W.T
    keep = np.sort(z, axis=1)[:, -1] - np.sort(z, axis=1)[:, -2] > 0.2  # a margin of at least 0.2 by construction
    X, labels = X[keep], np.argmax(z[keep], axis=1)
    Y = losses.one_hot(labels, 3)
    theta = [(W, np.zeros(3))]
    margins = np.sort(z[keep], axis=1)[:, -1] - np.sort(z[keep], axis=1)[:, -2]
    ts = np.array([1.0, 2.0, 4.0, 8.0, 16.0, 32.0])
    values = np.array([network.objective(X, Y, [(t * W, t * np.zeros(3))]) for t in ts])
    assert np.all(values > 0) and np.all(np.diff(values) < 0)
    assert np.all(values <= X.shape[0] * 2 * np.exp(-ts * margins.min()))
    assert network.objective(X, Y, theta) > 0
    # any parameters that misclassify a point pay at least log 2 for it: above the separating ray for large t
    flipped = [(W[[1, 0, 2]], np.zeros(3))]
    assert network.objective(X, Y, flipped) >= np.log(2) > values[-1]


def test_partial_derivatives_do_not_make_a_map_differentiable():
    """The step the proofs of the Corollaries of Definitions 5.1 and 5.2 rely on, refuted: f(u, w) = uw/(u^2 + w^2)
    has both partial derivatives 0 at 0, yet its remainder with the differential 0 stays 1/2 along u = w."""
    f = lambda a: np.array([a[0] * a[1] / (a @ a) if a.any() else 0.0])  # noqa: E731
    assert f(np.array([1e-9, 0.0]))[0] == 0.0 and f(np.array([0.0, 1e-9]))[0] == 0.0
    ts = np.logspace(-8, -1, 8)
    remainders = [linearization_remainder(f, lambda a: np.zeros((1, 2)), np.zeros(2), t * np.ones(2)) for t in ts]
    assert np.allclose(remainders, 0.5, rtol=0, atol=1e-15)


def test_corollary_of_definition_5_2_joint_remainder_is_second_order():
    sizes = [4, 5, 3, 2]
    X, Y, params = random_problem(sizes, 3, seed=13)
    flat = np.concatenate([a.ravel() for pair in params for a in pair])
    objective = lambda th: network.objective(X, Y, network.unflatten(th, sizes))  # noqa: E731
    gradient = np.concatenate([a.ravel() for pair in network.gradients(X, Y, params) for a in pair])
    direction = np.random.default_rng(14).standard_normal(flat.size)
    direction /= np.linalg.norm(direction)
    ts = np.logspace(-5, -2, 8)
    remainders = [linearization_remainder(objective, lambda th: gradient[None, :], flat, t * direction) for t in ts]
    assert abs(T.loglog_slope(ts, remainders) - 2.0) < 0.05


def test_notation_17_stacks_the_m_k_rows_of_w_k():
    """The stack of the row gradients over i* in [1, m_k] predicts the first-order change of O along any
    perturbation of W^(k); the printed [1, m_{k+1}] (here 3 of 5 rows) does not."""
    sizes = [4, 5, 3, 2]
    X, Y, params = random_problem(sizes, 3, seed=15)
    stack = network.gradients(X, Y, params, method="jacobian")[0][0]
    assert stack.shape == params[0][0].shape == (5, 4)
    delta = np.random.default_rng(16).standard_normal(stack.shape)
    along = lambda e: network.objective(X, Y, [(params[0][0] + e[0] * delta, params[0][1]), *params[1:]])  # noqa: E731
    slope = numerical_jacobian(along, np.zeros(1))[0, 0]
    T.check_close(np.sum(stack * delta), slope, tol=1e-6, statement="Notation 17", what="stack over [1, m_k]")
    printed = np.sum(stack[: sizes[2]] * delta[: sizes[2]])
    assert T.relative_error(printed, slope) > 1e-3
