"""§2 of the paper: ReLU (Definition 2.1, Proposition 2.1, Assumption 1), Softmax (Definition 2.2, Proposition 2.2),
and the ReLU VJP of Proposition 5.1 — against SymPy's exact values, central differences and v J."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from conftest import activation_twins
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mathdnn_core import activations as A
from mathdnn_core import symbolic as S
from mathdnn_core import testing as T

TOL = 1e-12  # float64, exact references
TOL32 = 1e-6  # float32 results against the exact value (float32 eps = 1.2e-7)
SIZES = (1, 2, 3, 5)


def away_from_kink(points, margin=1e-3):
    return [p for p in points if np.min(np.abs(p)) > margin]


# ---------------------------------------------------------------------------------------------------------------
# SymPy references, derived once per size
# ---------------------------------------------------------------------------------------------------------------
def exact(name, point, v=None):
    s = activation_twins(len(point))
    subs = {s["z"]: point} if v is None else {s["z"]: point, s["v"]: v}
    return S.evaluate(s[name], subs, shape=None if name.endswith("_jac") else (len(point),))


def sample_points(m, seed, n=10, scale=2.0):
    return T.random_points(np.random.default_rng(seed), m, n, scale) + T.edge_points(m)


# ================================================================================================================
# ReLU
# ================================================================================================================
@pytest.mark.parametrize("m", SIZES)
def test_relu_value_vs_sympy(m):
    T.check_against_symbolic(
        A.relu, lambda p: exact("relu", p), sample_points(m, m), statement="Definition 2.1", what="ReLU vs SymPy"
    )


@pytest.mark.parametrize("m", SIZES)
def test_relu_jacobian_vs_sympy_including_exact_zeros(m):
    points = sample_points(m, 10 + m)
    assert any(np.any(p == 0) for p in points)
    T.check_against_symbolic(
        A.relu_jacobian,
        lambda p: exact("relu_jac", p),
        points,
        statement="Proposition 2.1",
        what="ReLU Jacobian vs SymPy (Assumption 1)",
    )


@pytest.mark.parametrize("m", SIZES)
def test_relu_jacobian_vs_central_differences(m):
    points = away_from_kink(T.random_points(np.random.default_rng(20 + m), m, 12))
    T.check_finite_differences(
        A.relu, A.relu_jacobian, points, statement="Proposition 2.1", what="ReLU Jacobian vs central differences"
    )


def test_relu_derivative_is_zero_at_zero_and_at_negatives():
    z = np.array([0.0, -0.0, -1.0, -1e-300, 5e-324, 2.0])
    assert A.relu_derivative(z).tolist() == [0.0, 0.0, 0.0, 0.0, 1.0, 1.0]
    assert np.array_equal(A.relu_jacobian(z), np.diag([0.0, 0.0, 0.0, 0.0, 1.0, 1.0]))
    v = np.arange(1.0, 7.0)
    assert A.relu_vjp(z, v).tolist() == [0.0, 0.0, 0.0, 0.0, 5.0, 6.0]
    assert A.relu_vjp(z[None, :], v[None, :]).tolist() == [[0.0, 0.0, 0.0, 0.0, 5.0, 6.0]]
    # The same convention in SymPy's twin (Piecewise), not SymPy's Heaviside(0) = 1/2.
    assert exact("relu_jac", np.zeros(3)).tolist() == np.zeros((3, 3)).tolist()
    assert exact("relu_vjp", np.zeros(3), np.ones(3)).tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("m", SIZES)
def test_relu_vjp_vs_v_times_jacobian_and_vs_sympy(m):
    rng = np.random.default_rng(30 + m)
    points = sample_points(m, 40 + m)
    cotangents = T.random_points(rng, m, len(points))
    T.check_vjp(A.relu_jacobian, A.relu_vjp, points, cotangents, statement="Proposition 5.1", what="ReLU VJP vs v J")
    T.check_against_symbolic(
        lambda c: A.relu_vjp(*c),
        lambda c: exact("relu_vjp", *c),
        list(zip(points, cotangents)),
        statement="Proposition 5.1",
        what="ReLU VJP vs SymPy",
    )


@pytest.mark.parametrize("m", SIZES)
def test_relu_vjp_is_the_gradient_of_v_dot_relu_by_central_differences(m):
    """Proposition 5.1 with the upstream F(u) = u v^T: grad (F∘R)(z) = relu_vjp(z, v)."""
    rng = np.random.default_rng(45 + m)
    for z in away_from_kink(T.random_points(rng, m, 6)):
        v = rng.standard_normal(m)
        T.check_finite_differences(
            lambda p: float(A.relu(p) @ v),
            lambda p: A.relu_vjp(p, v),
            [z],
            statement="Proposition 5.1",
            what="ReLU VJP vs central differences",
        )


# ================================================================================================================
# Softmax
# ================================================================================================================
@pytest.mark.parametrize("m", SIZES)
def test_softmax_value_vs_sympy(m):
    T.check_against_symbolic(
        A.softmax,
        lambda p: exact("softmax", p),
        sample_points(m, 50 + m),
        statement="Definition 2.2",
        what="Softmax vs SymPy",
    )


@pytest.mark.parametrize("m", SIZES)
def test_log_softmax_vs_sympy_at_moderate_logits(m):
    def exact_log_softmax(p):
        s = activation_twins(len(p))
        return S.evaluate(s["softmax"].applyfunc(sp.log), {s["z"]: p}, shape=(len(p),))

    T.check_against_symbolic(
        A.log_softmax,
        exact_log_softmax,
        T.random_points(np.random.default_rng(55 + m), m, 8),
        statement="Definition 2.2",
        what="log Softmax vs SymPy",
    )


@pytest.mark.parametrize("m", SIZES)
def test_softmax_jacobian_vs_sympy(m):
    points = T.random_points(np.random.default_rng(60 + m), m, 12) + T.edge_points(m)
    T.check_against_symbolic(
        A.softmax_jacobian,
        lambda p: exact("softmax_jac", p),
        points,
        statement="Proposition 2.2",
        what="Softmax Jacobian vs SymPy",
    )


@pytest.mark.parametrize("m", SIZES)
def test_softmax_jacobian_vs_central_differences(m):
    points = T.random_points(np.random.default_rng(70 + m), m, 12, scale=2.0)
    T.check_finite_differences(
        A.softmax,
        A.softmax_jacobian,
        points,
        statement="Proposition 2.2",
        what="Softmax Jacobian vs central differences",
    )


@pytest.mark.parametrize("m", SIZES)
def test_softmax_vjp_vs_v_times_jacobian_and_vs_sympy(m):
    rng = np.random.default_rng(80 + m)
    points = T.random_points(rng, m, 10, scale=2.0)
    cotangents = T.random_points(rng, m, len(points))
    T.check_vjp(
        A.softmax_jacobian, A.softmax_vjp, points, cotangents, statement="Proposition 2.2", what="Softmax VJP vs v J"
    )
    T.check_against_symbolic(
        lambda c: A.softmax_vjp(*c),
        lambda c: exact("softmax_vjp", *c),
        list(zip(points, cotangents)),
        statement="Proposition 2.2",
        what="Softmax VJP vs SymPy",
    )


@pytest.mark.parametrize("m", [2, 3, 6])
def test_softmax_jacobian_is_symmetric_rows_sum_zero_psd_rank_m_minus_1(m):
    for z in T.random_points(np.random.default_rng(90 + m), m, 10, scale=2.0):
        J = A.softmax_jacobian(z)
        assert np.array_equal(J, J.T)
        assert np.max(np.abs(J.sum(axis=1))) <= 1e-15
        eig = np.linalg.eigvalsh(J)
        assert eig.min() >= -1e-15
        singular = np.linalg.svd(J, compute_uv=False)
        assert np.count_nonzero(singular > 1e-10 * singular[0]) == m - 1
        # the kernel is spanned by the all-ones vector: Softmax is invariant under adding a constant
        assert np.max(np.abs(J @ np.ones(m))) <= 1e-15


def test_softmax_with_logits_of_size_1e4_is_finite_and_correct():
    z = np.array([[1e4, -1e4, 1e4 - 2.0], [-1e4, -1e4 + 1.0, -1e4 + 0.5], [1e4, 0.0, -1e4]])
    s = A.softmax(z)
    assert np.all(np.isfinite(s)) and np.all((s >= 0) & (s <= 1))
    assert np.max(np.abs(s.sum(axis=1) - 1)) <= 4.5e-16
    T.check_against_symbolic(
        A.softmax,
        lambda p: exact("softmax", p),
        list(z),
        statement="Definition 2.2",
        what="Softmax at logits ±1e4 vs SymPy",
    )
    assert s[2].tolist() == [1.0, 0.0, 0.0]  # e^-1e4 underflows to 0 in float64: ]0,1[ holds only exactly
    assert np.all(np.isfinite(A.softmax_jacobian(z[0]))) and np.all(np.isfinite(A.log_softmax(z)))


def test_softmax_of_one_class_is_one():
    assert A.softmax(np.array([3.0])).tolist() == [1.0]
    assert A.softmax_jacobian(np.array([-7.0])).tolist() == [[0.0]]


@pytest.mark.parametrize("gap", [20.0, 40.0, 300.0])
def test_softmax_jacobian_near_saturation_vs_sympy(gap):
    z = np.array([gap, 0.0, -0.5])  # s_1 = 1 - O(e^-gap): exact diagonal entries ~ e^-gap, no cancellation allowed
    T.check_against_symbolic(
        A.softmax_jacobian,
        lambda p: exact("softmax_jac", p),
        [z],
        statement="Proposition 2.2",
        what="Softmax Jacobian near saturation",
    )


@pytest.mark.parametrize("z", [[20.0, 0.0, -0.5, 1.0], [300.0, 0.0, 0.0, 0.0], [0.0, 40.0, -3.0, 2.0]])
def test_softmax_vjp_near_saturation_vs_sympy(z):
    # v J_S(z) = s * (v - <v, s>): written naively, v_j* - <v, s> cancels when s_j* is close to 1.
    z, v = np.array(z), np.array([0.3, -1.2, 2.0, 0.7])
    T.check_close(
        A.softmax_vjp(z, v),
        exact("softmax_vjp", z, v),
        statement="Proposition 2.2",
        what="Softmax VJP near saturation vs SymPy",
    )


# ================================================================================================================
# Batches, dtypes, bad input
# ================================================================================================================
@pytest.mark.parametrize("fn", [A.relu, A.softmax, A.log_softmax, A.relu_derivative])
def test_a_batch_is_its_rows_and_a_one_sample_batch_works(fn):
    Z = np.random.default_rng(100).standard_normal((4, 3))
    assert np.array_equal(fn(Z), np.stack([fn(z) for z in Z]))
    assert fn(Z[:1]).shape == (1, 3)
    assert np.array_equal(fn(Z[:1])[0], fn(Z[0]))


@pytest.mark.parametrize("vjp", [A.relu_vjp, A.softmax_vjp])
def test_vjp_batch_is_its_rows(vjp):
    rng = np.random.default_rng(101)
    Z, V = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    assert np.array_equal(vjp(Z, V), np.stack([vjp(z, v) for z, v in zip(Z, V)]))
    assert vjp(Z[:1], V[:1]).shape == (1, 3)


def test_float32_in_float32_out():
    z32 = np.array([[0.5, -1.25, 0.0, 2.0]], dtype=np.float32)
    v32 = np.array([[1.0, 2.0, 3.0, -4.0]], dtype=np.float32)
    outputs = [
        A.relu(z32),
        A.relu_derivative(z32),
        A.relu_jacobian(z32[0]),
        A.relu_vjp(z32, v32),
        A.softmax(z32),
        A.log_softmax(z32),
        A.softmax_jacobian(z32[0]),
        A.softmax_vjp(z32, v32),
    ]
    assert [o.dtype for o in outputs] == [np.float32] * len(outputs)
    z64 = z32[0].astype(np.float64)
    T.check_close(
        A.softmax(z32)[0], exact("softmax", z64), statement="Definition 2.2", what="float32 Softmax", tol=TOL32
    )
    T.check_close(
        A.softmax_jacobian(z32[0]),
        exact("softmax_jac", z64),
        statement="Proposition 2.2",
        what="float32 Softmax Jacobian",
        tol=TOL32,
    )
    assert A.relu_vjp(z32, v32.astype(np.float64)).dtype == np.float64  # mixed inputs: float64


@pytest.mark.parametrize(
    "fn,statement",
    [
        (A.relu, "Definition 2.1"),
        (A.relu_derivative, "Assumption 1"),
        (A.relu_jacobian, "Proposition 2.1"),
        (A.softmax, "Definition 2.2"),
        (A.log_softmax, "Definition 2.2"),
        (A.softmax_jacobian, "Proposition 2.2"),
    ],
)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_inf_are_rejected(fn, statement, bad):
    z = np.array([0.5, bad, 1.0])
    T.check_raises(lambda: fn(z), ValueError, must_mention=("NaN",), statement=statement)


@pytest.mark.parametrize("vjp,statement", [(A.relu_vjp, "Proposition 5.1"), (A.softmax_vjp, "Proposition 2.2")])
def test_vjp_rejects_nan_and_shapes_that_would_broadcast(vjp, statement):
    z = np.ones((3, 4))
    for v in (np.ones(4), np.ones((3, 1)), np.ones((4, 3)), np.ones((1, 4))):
        T.check_raises(lambda: vjp(z, v), ValueError, must_mention=("(3, 4)", str(v.shape)), statement=statement)
    v = np.ones((3, 4))
    v[1, 2] = np.nan
    T.check_raises(lambda: vjp(z, v), ValueError, must_mention=("NaN",), statement=statement)


@pytest.mark.parametrize(
    "fn,statement", [(A.relu_jacobian, "Proposition 2.1"), (A.softmax_jacobian, "Proposition 2.2")]
)
def test_jacobians_take_one_example(fn, statement):
    T.check_raises(lambda: fn(np.ones((2, 3))), ValueError, must_mention=("shape (m,)", "(2, 3)"), statement=statement)


@pytest.mark.parametrize("fn,statement", [(A.relu, "Definition 2.1"), (A.softmax, "Definition 2.2")])
def test_values_reject_three_dimensional_and_non_numeric_input(fn, statement):
    T.check_raises(lambda: fn(np.ones((2, 2, 2))), ValueError, must_mention=("(2, 2, 2)",), statement=statement)
    T.check_raises(lambda: fn(np.array(["a", "b"])), TypeError, must_mention=("real array",), statement=statement)


# ================================================================================================================
# Property tests (hypothesis): random shapes and values
# ================================================================================================================
finite = st.floats(min_value=-30, max_value=30, allow_nan=False, allow_infinity=False)
batches = st.tuples(st.integers(1, 4), st.integers(1, 6)).flatmap(
    lambda shape: st.tuples(
        hnp.arrays(np.float64, shape, elements=finite), hnp.arrays(np.float64, shape, elements=finite)
    )
)


@settings(max_examples=40, deadline=None)
@given(batches)
def test_property_vjps_equal_v_times_jacobian_row_by_row(zv):
    Z, V = zv
    for z, v in zip(Z, V):
        T.check_close(A.relu_vjp(z, v), v @ A.relu_jacobian(z), statement="Proposition 5.1", what="ReLU VJP")
        expected = v @ A.softmax_jacobian(z)
        # v J_S computed two ways in float64 (both round <v, s>, of size |v| max s): an absolute comparison at
        # that scale, since v J may vanish exactly (v constant) and leave only round-off. Exact values: see the
        # SymPy tests above. The standard model of rounding has an absolute term too: with subnormal v (hypothesis
        # draws 2.2e-311) a result is rounded to a multiple of the smallest subnormal, whatever the scale.
        scale = np.max(np.abs(v)) * np.max(A.softmax(z))
        bound = 8 * np.finfo(float).eps * z.size * scale + 4 * np.finfo(float).smallest_subnormal
        assert np.max(np.abs(A.softmax_vjp(z, v) - expected)) <= bound


@settings(max_examples=40, deadline=None)
@given(batches)
def test_property_softmax_rows_are_distributions_and_shift_invariant(zv):
    Z, _ = zv
    S_ = A.softmax(Z)
    assert S_.shape == Z.shape and np.all((S_ >= 0) & (S_ <= 1))
    assert np.max(np.abs(S_.sum(axis=1) - 1)) <= 8 * np.finfo(float).eps
    assert np.allclose(A.softmax(Z + 7.25), S_, rtol=1e-13, atol=1e-300)
    assert np.array_equal(A.relu(Z), np.where(Z > 0, Z, 0.0))


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 4).flatmap(lambda m: hnp.arrays(np.float64, m, elements=st.floats(-4, 4))))
def test_property_softmax_jacobian_vs_sympy_and_central_differences(z):
    T.check_against_symbolic(
        A.softmax_jacobian,
        lambda p: exact("softmax_jac", p),
        [z],
        statement="Proposition 2.2",
        what="Softmax Jacobian vs SymPy",
    )
    T.check_finite_differences(
        A.softmax, A.softmax_jacobian, [z], statement="Proposition 2.2", what="Softmax Jacobian vs central differences"
    )


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 5).flatmap(lambda m: hnp.arrays(np.float64, m, elements=finite)))
def test_property_relu_jacobian_vs_sympy(z):
    T.check_against_symbolic(
        A.relu_jacobian, lambda p: exact("relu_jac", p), [z], statement="Proposition 2.1", what="ReLU Jacobian vs SymPy"
    )
