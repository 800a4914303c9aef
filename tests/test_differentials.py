"""Section 1: finite-difference Jacobians, the remainder of Definition 1.1, the sum rule and the chain rule.

The exact Jacobians come from SymPy; the finite differences of ``numerical_jacobian`` are the independent witness.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mathdnn_core import activations, layers
from mathdnn_core import testing as T
from mathdnn_core.differentials import (
    chain_jacobian,
    compose_jacobians,
    linearization_remainder,
    numerical_jacobian,
    sum_jacobian,
)

SETTINGS = settings(max_examples=30, deadline=None)

# ----------------------------------------------------------------------------------------------------------------
# Smooth test maps R^3 -> R^2 and R^2 -> R^3, their exact Jacobians by SymPy
# ----------------------------------------------------------------------------------------------------------------
_x = sp.symbols("x0:3")
_F_EXPR = sp.Matrix([sp.sin(_x[0] * _x[1]) + _x[2] ** 2, sp.exp(_x[0]) * sp.cos(_x[2]) - _x[0] * _x[1] * _x[2]])
_u = sp.symbols("u0:2")
_G_EXPR = sp.Matrix([sp.exp(_u[0] - _u[1]), _u[0] ** 3 * _u[1], sp.sin(_u[0]) + sp.cos(_u[1])])
_H_EXPR = sp.Matrix([sp.cos(_x[0]) * _x[1], sp.log(1 + _x[2] ** 2) + _x[0] ** 2])


def _lambdify(expr: sp.Matrix, symbols):
    """A NumPy function of one 1-D array: a column expression gives a 1-D array, a matrix a 2-D one."""
    fn = sp.lambdify([symbols], expr, "numpy")

    def call(a):
        out = np.array(fn(np.asarray(a, dtype=np.float64)), dtype=np.float64)
        return out.reshape(-1) if expr.shape[1] == 1 else out

    return call


f = _lambdify(_F_EXPR, _x)
jac_f = _lambdify(_F_EXPR.jacobian(_x), _x)
g = _lambdify(_G_EXPR, _u)
jac_g = _lambdify(_G_EXPR.jacobian(_u), _u)
h_map = _lambdify(_H_EXPR, _x)
jac_h = _lambdify(_H_EXPR.jacobian(_x), _x)
# g ∘ f, its Jacobian computed symbolically from the composite expression (not by the chain rule)
_GF_EXPR = _G_EXPR.subs(dict(zip(_u, _F_EXPR)))
jac_gf_exact = _lambdify(_GF_EXPR.jacobian(_x), _x)
# f + h, its Jacobian from the sum expression (not by the sum rule)
jac_f_plus_h_exact = _lambdify((_F_EXPR + _H_EXPR).jacobian(_x), _x)

points3 = hnp.arrays(np.float64, 3, elements=st.floats(-1.5, 1.5))


# ----------------------------------------------------------------------------------------------------------------
# numerical_jacobian (Definition 1.2)
# ----------------------------------------------------------------------------------------------------------------
@SETTINGS
@given(points3)
def test_numerical_jacobian_matches_sympy_jacobian(a):
    exact = jac_f(a)
    assert exact.shape == (2, 3)
    central = numerical_jacobian(f, a)
    forward = numerical_jacobian(f, a, method="forward")
    scale = max(1.0, np.max(np.abs(exact)))
    assert np.max(np.abs(central - exact)) <= 1e-8 * scale
    assert np.max(np.abs(forward - exact)) <= 1e-6 * scale


@SETTINGS
@given(st.integers(1, 5), st.integers(1, 5), st.randoms(use_true_random=False))
def test_numerical_jacobian_of_an_affine_map_is_its_matrix(m, n, rnd):
    rng = np.random.default_rng(rnd.randrange(2**32))
    A, c, a = rng.standard_normal((m, n)), rng.standard_normal(m), rng.standard_normal(n)
    J = numerical_jacobian(lambda x: A @ x + c, a)
    assert J.shape == (m, n) and J.dtype == np.float64
    np.testing.assert_allclose(J, A, rtol=0, atol=1e-9)


def test_numerical_jacobian_of_a_scalar_map_is_one_row():
    a = np.array([0.3, -0.7, 1.1])
    grad = numerical_jacobian(lambda x: float(np.sum(x**2)), a)
    assert grad.shape == (1, 3)
    np.testing.assert_allclose(grad[0], 2 * a, rtol=1e-9)


def _slope(steps, errors) -> float:
    return float(np.polyfit(np.log10(steps), np.log10(errors), 1)[0])


def test_finite_difference_orders_central_2_forward_1():
    """Error against the exact Jacobian: O(t^2) for central, O(t) for forward differences (log-log slopes)."""
    a = np.array([0.4, -0.9, 0.7])
    exact = jac_f(a)
    central_steps = np.logspace(-1.5, -3.5, 6)  # truncation error >> round-off eps/t on this range
    forward_steps = np.logspace(-1.5, -4.5, 6)
    central = [np.max(np.abs(numerical_jacobian(f, a, step=t) - exact)) for t in central_steps]
    forward = [np.max(np.abs(numerical_jacobian(f, a, step=t, method="forward") - exact)) for t in forward_steps]
    assert 1.9 <= _slope(central_steps, central) <= 2.1, central
    assert 0.95 <= _slope(forward_steps, forward) <= 1.05, forward
    # and the default steps beat every fixed step above
    assert np.max(np.abs(numerical_jacobian(f, a) - exact)) < min(central)
    assert np.max(np.abs(numerical_jacobian(f, a, method="forward") - exact)) < min(forward)


def test_numerical_jacobian_accepts_float32_and_lists():
    a32 = np.array([0.4, -0.9, 0.7], dtype=np.float32)
    J = numerical_jacobian(lambda x: x * 2.0, [0.5, 1.0])
    assert J.dtype == np.float64 and np.allclose(J, 2 * np.eye(2))
    assert numerical_jacobian(f, a32).dtype == np.float64


@pytest.mark.parametrize(
    "kwargs, mentions",
    [
        ({"method": "backward"}, ("'central' or 'forward'", "'backward'")),
        ({"step": 0.0}, ("step must be a finite real number in ]0, +inf[", "got 0.0")),
        ({"step": -1e-3}, ("step must be a finite real number in ]0, +inf[", "got -0.001")),
    ],
)
def test_numerical_jacobian_rejects_bad_options(kwargs, mentions):
    T.check_raises(
        lambda: numerical_jacobian(f, np.zeros(3), **kwargs),
        ValueError,
        must_mention=mentions,
        statement="Definition 1.2",
    )


def test_numerical_jacobian_rejects_bad_points_and_maps():
    cases = [
        (lambda: numerical_jacobian(f, np.zeros((2, 3))), ValueError, ("one example, shape (m,)", "(2, 3)")),
        (lambda: numerical_jacobian(f, np.array([0.0, np.nan, 1.0])), ValueError, ("1 NaN or infinite",)),
        (lambda: numerical_jacobian(lambda x: np.outer(x, x), np.ones(2)), ValueError, ("1-D array", "(2, 2)")),
        (lambda: numerical_jacobian(f, ["a", "b"]), TypeError, ("real array",)),
    ]
    for call, exc, mentions in cases:
        T.check_raises(call, exc, must_mention=mentions, statement="Definition 1.2")


# ----------------------------------------------------------------------------------------------------------------
# linearization_remainder (Definition 1.1), Proposition 1.1, the Corollary of Definition 1.2
# ----------------------------------------------------------------------------------------------------------------
def _ratios(fun, jac, a, direction, ts):
    return np.array([linearization_remainder(fun, jac, a, t * direction) / (t * np.linalg.norm(direction)) for t in ts])


TS = np.logspace(-1, -5, 5)


@SETTINGS
@given(points3, hnp.arrays(np.float64, 3, elements=st.floats(-1, 1)).filter(lambda d: np.linalg.norm(d) > 0.1))
def test_definition_1_1_remainder_of_smooth_maps_is_little_o(a, d):
    """r(h) <= (M/2) ||h||^2 with M a bound on the second derivatives of f on the box (M/2 <= 25 here), so
    r(h)/||h|| <= 25 ||h|| -> 0: the Jacobian is the differential."""
    ratios = _ratios(f, jac_f, a, d, TS)
    assert np.all(ratios <= 25 * TS * np.linalg.norm(d) + 1e-10), ratios
    assert ratios[-1] < 1e-3


def test_proposition_1_1_differential_is_unique():
    """Any matrix other than the Jacobian leaves a remainder ratio that does not go to 0 (so the differential is
    unique): along a direction d the ratio tends to ||(J' - J) d|| / ||d||."""
    a = np.array([0.2, 0.5, -0.3])
    rng = np.random.default_rng(11)
    small_t = TS[2:]  # t <= 1e-3: the true remainder ratio is below 1e-2 there
    for _ in range(5):
        E = rng.standard_normal((2, 3))
        d = rng.standard_normal(3)
        wrong = _ratios(f, lambda x: jac_f(x) + E, a, d, small_t)
        right = _ratios(f, jac_f, a, d, small_t)
        limit = np.linalg.norm(E @ d) / np.linalg.norm(d)
        assert limit > 0.05
        assert right[-1] < 1e-3
        np.testing.assert_allclose(wrong, limit, rtol=0.05)
        assert abs(wrong[-1] - limit) <= right[-1] + 1e-12  # triangle inequality: |wrong - limit| <= right


def test_proposition_1_1_differentiable_implies_continuous():
    a = np.array([0.9, -0.1, 0.4])
    d = np.array([0.3, 0.8, -0.5])
    jumps = [np.linalg.norm(f(a + t * d) - f(a)) for t in TS]
    assert np.all(np.diff(jumps) < 0) and jumps[-1] < 1e-4
    # bounded by (||J|| + remainder ratio) ||h||, as the proof of Proposition 1.1 says
    bound = [(np.linalg.norm(jac_f(a), 2) + r) * t * np.linalg.norm(d) for r, t in zip(_ratios(f, jac_f, a, d, TS), TS)]
    assert np.all(np.array(jumps) <= np.array(bound) * (1 + 1e-12))


@SETTINGS
@given(points3, hnp.arrays(np.float64, 3, elements=st.floats(-2, 2)))
def test_corollary_of_definition_1_2_jacobian_is_matrix_of_differential(a, h):
    """The differential d f(a)(h) = lim (f(a + t h) - f(a)) / t is the linear map h -> J_f(a) h."""
    t = 1e-6
    directional = (f(a + t * h) - f(a - t * h)) / (2 * t)
    np.testing.assert_allclose(directional, jac_f(a) @ h, rtol=1e-6, atol=1e-8)


def test_linearization_remainder_value():
    # f(x) = x^2 at a = 1 with J = 2: r(h) = h^2 exactly
    r = linearization_remainder(lambda x: x**2, lambda x: np.diag(2 * x), np.array([1.0]), np.array([0.01]))
    assert r == pytest.approx(1e-4, rel=1e-10)


def test_linearization_remainder_rejects_bad_inputs():
    T.check_raises(
        lambda: linearization_remainder(f, jac_f, np.zeros(3), np.zeros(2)),
        ValueError,
        must_mention=("h must have the shape of a", "(3,)", "(2,)"),
        statement="Definition 1.1",
    )
    T.check_raises(
        lambda: linearization_remainder(f, lambda x: np.zeros((3, 2)), np.zeros(3), np.zeros(3)),
        ValueError,
        must_mention=("jacobian(a) must have shape (2, 3)", "(3, 2)"),
        statement="Definition 1.2",
    )
    T.check_raises(
        lambda: linearization_remainder(f, jac_f, np.zeros(3), np.array([np.inf, 0, 0])),
        ValueError,
        must_mention=("h contains 1 NaN or infinite",),
        statement="Definition 1.1",
    )
    T.check_raises(
        lambda: linearization_remainder(f, jac_f, np.zeros((1, 3)), np.zeros((1, 3))),
        ValueError,
        must_mention=("one example, shape (m,)", "(1, 3)"),
        statement="Definition 1.1",
    )


# ----------------------------------------------------------------------------------------------------------------
# ReLU at 0: Assumption 1 is a convention, not a derivative
# ----------------------------------------------------------------------------------------------------------------
def test_proposition_2_1_relu_is_not_differentiable_at_0():
    """At z = 0 the remainder ratio of Definition 1.1 with the Assumption-1 matrix (zero) is 0 along h < 0, 1 along
    h > 0 and the constant ||h_+|| / ||h|| along a mixed direction: it never tends to 0. No other matrix does
    better: for every candidate J, ratio(d) + ratio(-d) >= 1 for a unit d."""
    zero = np.zeros(3)
    relu = activations.relu
    assumption_1 = activations.relu_jacobian
    assert np.array_equal(assumption_1(zero), np.zeros((3, 3)))
    negative, positive, mixed = np.array([-1.0, -2.0, -0.5]), np.array([1.0, 2.0, 0.5]), np.array([1.0, -2.0, 0.5])
    assert np.all(_ratios(relu, assumption_1, zero, negative, TS) == 0)
    np.testing.assert_allclose(_ratios(relu, assumption_1, zero, positive, TS), 1.0, rtol=1e-15)
    mixed_ratio = np.linalg.norm(np.maximum(mixed, 0)) / np.linalg.norm(mixed)
    np.testing.assert_allclose(_ratios(relu, assumption_1, zero, mixed, TS), mixed_ratio, rtol=1e-14)
    assert mixed_ratio > 0.4  # bounded away from 0 at every scale

    rng = np.random.default_rng(5)
    for _ in range(20):
        J = rng.standard_normal((3, 3))
        d = rng.standard_normal(3)
        d /= np.linalg.norm(d)
        both = _ratios(relu, lambda _: J, zero, d, TS) + _ratios(relu, lambda _: J, zero, -d, TS)
        assert np.all(both >= 1 - 1e-12)
    # away from 0 the Assumption-1 matrix is the true Jacobian: ReLU is linear near z, the remainder is round-off
    z = np.array([0.5, -0.3, 2.0])
    assert np.all(_ratios(relu, assumption_1, z, mixed, TS[1:]) <= 1e-15 / TS[1:])


# ----------------------------------------------------------------------------------------------------------------
# Proposition 1.2 and Theorem 1.3
# ----------------------------------------------------------------------------------------------------------------
@SETTINGS
@given(points3)
def test_proposition_1_2_sum_rule(a):
    jac_sum = sum_jacobian(jac_h, jac_f)
    exact = jac_f_plus_h_exact(a)
    np.testing.assert_allclose(jac_sum(a), exact, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(numerical_jacobian(lambda x: f(x) + h_map(x), a), exact, rtol=1e-7, atol=1e-8)


def test_sum_jacobian_rejects_mismatched_shapes():
    T.check_raises(
        lambda: sum_jacobian(jac_f, lambda a: np.zeros((3, 2)))(np.zeros(3)),
        ValueError,
        must_mention=("same shape", "(2, 3) and (3, 2)"),
        statement="Proposition 1.2",
    )


@SETTINGS
@given(points3)
def test_theorem_1_3_chain_rule_on_smooth_maps(a):
    jac = chain_jacobian(jac_g, f, jac_f)(a)
    exact = jac_gf_exact(a)
    assert jac.shape == (3, 3)
    np.testing.assert_allclose(jac, exact, rtol=1e-12, atol=1e-12 * max(1.0, np.max(np.abs(exact))))
    np.testing.assert_allclose(
        numerical_jacobian(lambda x: g(f(x)), a), exact, rtol=1e-6, atol=1e-7 * max(1.0, np.max(np.abs(exact)))
    )


def test_theorem_1_3_compose_jacobians_smooth_chain():
    a = np.array([0.3, -0.4, 0.8])
    composite, jac = compose_jacobians((f, jac_f), (g, jac_g))
    np.testing.assert_allclose(composite(a), g(f(a)), rtol=0, atol=0)
    np.testing.assert_allclose(jac(a), jac_gf_exact(a), rtol=1e-12, atol=1e-13)
    single, single_jac = compose_jacobians((f, jac_f))
    assert np.array_equal(single_jac(a), jac_f(a))


def _dense_relu_dense(rng, sizes=(4, 6, 3)):
    W1, b1 = rng.standard_normal((sizes[1], sizes[0])), rng.standard_normal(sizes[1])
    W2, b2 = rng.standard_normal((sizes[2], sizes[1])), rng.standard_normal(sizes[2])
    stages = (
        (lambda y: layers.dense(y, W1, b1), lambda y: layers.dense_jacobian_input(y, W1, b1)),
        (activations.relu, activations.relu_jacobian),
        (lambda y: layers.dense(y, W2, b2), lambda y: layers.dense_jacobian_input(y, W2, b2)),
    )
    return (W1, b1, W2, b2), stages


def test_theorem_1_3_chain_rule_dense_relu_dense():
    """dense ∘ ReLU ∘ dense: the composed Jacobian is W2 diag(1[z > 0]) W1, exactly, and matches finite differences
    (at points whose pre-activations are far from the kink compared with the step)."""
    rng = np.random.default_rng(0)
    for _ in range(10):
        (W1, b1, W2, b2), stages = _dense_relu_dense(rng)
        a = rng.standard_normal(4)
        z = W1 @ a + b1
        if np.min(np.abs(z)) < 1e-3:
            continue
        composite, jac = compose_jacobians(*stages)
        exact = W2 @ np.diag((z > 0).astype(float)) @ W1
        np.testing.assert_allclose(composite(a), W2 @ np.maximum(z, 0) + b2, rtol=1e-14, atol=1e-14)
        np.testing.assert_allclose(jac(a), exact, rtol=1e-14, atol=1e-14)
        # chain_jacobian nested twice gives the same matrix
        (f1, j1), (f2, j2), (f3, j3) = stages
        inner = chain_jacobian(j2, f1, j1)
        nested = chain_jacobian(j3, lambda y: f2(f1(y)), inner)
        np.testing.assert_allclose(nested(a), exact, rtol=1e-14, atol=1e-14)
        np.testing.assert_allclose(numerical_jacobian(composite, a), exact, rtol=1e-8, atol=1e-8)


def test_chain_and_compose_reject_jacobians_that_do_not_chain():
    T.check_raises(
        lambda: chain_jacobian(lambda y: np.zeros((3, 3)), f, jac_f)(np.zeros(3)),
        ValueError,
        must_mention=("must chain", "(3, 3) and (2, 3)"),
        statement="Theorem 1.3",
    )
    T.check_raises(compose_jacobians, ValueError, must_mention=("at least one",), statement="Theorem 1.3")
    A = np.ones((2, 3))  # R^3 -> R^2 cannot follow itself
    _, jac = compose_jacobians((lambda x: A @ x, lambda x: A), (lambda x: A @ x, lambda x: A))
    T.check_raises(lambda: jac(np.zeros(3)), ValueError, must_mention=("do not chain",), statement="Theorem 1.3")


@pytest.mark.parametrize("step", [float("nan"), float("inf"), 0.0, -1e-3, True])
def test_numerical_jacobian_rejects_a_bad_step(step):
    T.check_raises(
        lambda: numerical_jacobian(np.sin, np.ones(2), step=step),
        ValueError,
        must_mention=("step must be a finite real number in ]0, +inf[",),
        statement="Definition 1.2",
    )


def test_compose_jacobians_rejects_a_jacobian_that_is_not_a_matrix():
    composite, jac = compose_jacobians((np.sin, lambda a: np.cos(a)))
    T.check_raises(lambda: jac(np.ones(2)), ValueError, must_mention=("must be a matrix",), statement="Definition 1.2")
