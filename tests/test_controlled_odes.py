"""Seed 004, C. Cuchiero's lecture: controlled ODEs, their Euler flows and VJPs, Lie brackets, the N-point Hörmander
condition, universal interpolation, the random-field network, and Part II (loss examples, gradient descent,
back-propagation) — against SymPy, central differences, the chain of step Jacobians and the paper's network."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import scipy.linalg
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from mathdnn_core import controlled_odes as co
from mathdnn_core import datasets, differentials, layers, losses, network, optim, paper
from mathdnn_core import lecture_networks as ln
from mathdnn_core import polynomial_fields as pf
from mathdnn_core import symbolic as S
from mathdnn_core import testing as T
from mathdnn_core.symbolic import controlled_odes as SC
from mathdnn_core.symbolic import lecture_backprop as LB

DOC = "cuchiero-lecture"
TOL = 1e-12


def check(checker, *args, **kwargs):
    return checker(*args, document=DOC, **kwargs)


@functools.cache
def five_twins(m: int = 2):
    x = SC.point_symbols(m)
    fields = pf.five_fields(m)
    A = fields.coefficients[0, :, 1 : m + 1]  # the linear part of V_1: column l of x^l
    B = fields.coefficients[1, :, 1 : m + 1]
    return x, fields, SC.five_fields_expr(A, B, x)


@functools.cache
def five_field_basis(max_degree: int = 4):
    x, _, exprs = five_twins(2)
    return SC.lie_algebra_basis(exprs, x, max_length=2 * max_degree, max_degree=max_degree)


def distinct_points(rng, N, m, scale=1.0):
    return scale * rng.standard_normal((N, m))


def grid_points(rng, N, m):
    """N distinct random points of (1/64)Z^m in [-1, 1]^m: rationals with small denominators (fast exact ranks)."""
    points = rng.integers(-64, 65, (N, m)) / 64
    assert len(set(map(tuple, points))) == N
    return points


# ================================================================================================================
# Part I: networks as Euler schemes
# ================================================================================================================
def test_feedforward_network_is_its_residual_form():
    rng = np.random.default_rng(0)
    m, n = 4, 5
    layers_ = [(rng.standard_normal((m, m)), rng.standard_normal(m)) for _ in range(3)]
    x = rng.standard_normal((n, m))
    feedforward, residual = x, x
    for A, b in layers_:
        feedforward = np.tanh(layers.dense(feedforward, A, b))
        residual = residual + (np.tanh(layers.dense(residual, A, b)) - residual)  # V(x, θ_t) = ℓ_t(x) − x
    check(T.check_close, residual, feedforward, statement="Residual network", what="x + (ℓ_t(x) − x) = ℓ_t(x)")
    literal = x
    for A, b in layers_:
        literal = literal + np.tanh(layers.dense(literal, A, b)) * literal  # the extraction's ℓ_t(x) x
    check(
        T.check_refuted,
        lambda: check(T.check_close, literal, feedforward, statement="Residual network", what="literal ℓ_t(x) x"),
        statement="Residual network",
        what="V = ℓ_t(x) x read as a product",
        must_mention=("max rel. error",),
    )


def affine_reference(x, u, fields):
    """exp of the augmented matrix: the exact flow of the affine field sum_i u_i V_i (V_1, V_2, V_3 of five_fields)."""
    m = fields.m
    K = u[0] * fields.coefficients[0, :, 1 : m + 1] + u[1] * fields.coefficients[1, :, 1 : m + 1]
    c = u[2] * fields.coefficients[2, :, 0]
    aug = np.zeros((m + 1, m + 1))
    aug[:m, :m], aug[:m, m] = K, c
    return (scipy.linalg.expm(aug) @ np.append(x, 1.0))[:m]


def test_euler_scheme_has_order_one():
    fields = pf.five_fields(2)
    u = np.array([0.8, -0.6, 1.1, 0.0, 0.0])
    x = np.array([0.3, -0.7])
    exact = affine_reference(x, u, fields)
    steps = np.array([8, 16, 32, 64, 128, 256])
    errors = [np.max(np.abs(co.flow(x[None], np.tile(u, (M, 1)), fields)[0] - exact)) for M in steps]
    slope = T.loglog_slope(1.0 / steps, errors)
    check(T.check_close, slope, 1.0, tol=0.05, statement="Residual network", what="Euler error ~ (1/M)^1")


def test_flow_matches_sympy_euler_steps():
    rng = np.random.default_rng(1)
    fields = co.random_vector_fields(2, 3, rng)
    x = SC.point_symbols(2)
    U = sp.ImmutableMatrix(3, 3, lambda t, i: sp.Symbol(f"u_{t}{i}"))
    flow_expr = SC.euler_flow_expr(SC.random_fields_expr(fields, x), x, U)
    exact = S.exact_function(flow_expr, x, U, shape=(2,))
    cases = [(rng.standard_normal(2), 0.5 * rng.standard_normal((3, 3))) for _ in range(5)]
    check(
        T.check_against_symbolic,
        lambda c: co.flow(c[0][None], c[1], fields)[0],
        lambda c: exact(c[0], c[1]),
        cases,
        statement="Residual network",
        what="flow vs SymPy's Euler steps",
    )


# ---------------------------------------------------------------------------------------------------------------
# The VJP of the flow
# ---------------------------------------------------------------------------------------------------------------
def vjp_problem(seed, n=3, m=3, d=4, M=5):
    rng = np.random.default_rng(seed)
    fields = co.random_vector_fields(m, d, rng)
    return fields, rng.standard_normal((n, m)), 0.5 * rng.standard_normal((M, d)), rng.standard_normal((n, m))


@pytest.mark.parametrize("seed", range(3))
def test_flow_vjp_matches_central_differences(seed):
    fields, X, U, V = vjp_problem(seed)
    check(
        T.check_finite_differences,
        lambda u: np.array([np.vdot(V, co.flow(X, u.reshape(U.shape), fields))]),
        lambda u: co.flow_vjp(X, u.reshape(U.shape), fields, V)[1].ravel(),
        [U.ravel()],
        statement="Controlled ODE",
        what="dU of flow_vjp vs central differences",
    )


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), st.integers(1, 6))
def test_flow_vjp_matches_the_chain_of_step_jacobians(seed, n, m, d, M):
    fields, X, U, V = vjp_problem(seed, n, m, d, M)
    XT, dU = co.flow_vjp(X, U, fields, V)
    chain = sum(V[k] @ co.flow_jacobian(X[k], U, fields) for k in range(n))
    check(T.check_close, XT, co.flow(X, U, fields), tol=0.0, statement="Controlled ODE", what="X_M of flow_vjp")
    check(T.check_close, dU.ravel(), chain, statement="Controlled ODE", what="adjoint vs chain")


def test_flow_vjp_matches_sympy():
    rng = np.random.default_rng(2)
    fields = co.random_vector_fields(2, 2, rng)
    x, v = SC.point_symbols(2), S.symbols_vector("v", 2)
    U = sp.ImmutableMatrix(2, 2, lambda t, i: sp.Symbol(f"u_{t}{i}"))
    end = SC.euler_flow_expr(SC.random_fields_expr(fields, x), x, U)
    gradient = sp.Matrix(2, 2, lambda t, i: (v * end)[0, 0].diff(U[t, i]))
    exact = S.exact_function(gradient, x, U, v)
    cases = [(rng.standard_normal(2), 0.7 * rng.standard_normal((2, 2)), rng.standard_normal(2)) for _ in range(4)]
    check(
        T.check_against_symbolic,
        lambda c: co.flow_vjp(c[0][None], c[1], fields, c[2][None])[1],
        lambda c: exact(*c),
        cases,
        statement="Controlled ODE",
        what="dU vs SymPy's derivative of <v, X_M>",
    )


@pytest.mark.parametrize(
    ("call", "exc", "words", "statement"),
    [
        (
            lambda f: co.flow(np.zeros((2, 3)), np.zeros((4, 5)), f),
            ValueError,
            ("(2, 3)", "(n, 2)"),
            "Residual network",
        ),
        (lambda f: co.flow(np.zeros((2, 2)), np.zeros((4, 4)), f), ValueError, ("(M, 5)",), "Residual network"),
        (lambda f: co.flow(np.zeros((2, 2)), np.full((4, 5), np.nan), f), ValueError, ("NaN",), "Residual network"),
        (
            lambda f: co.flow(np.zeros((2, 2)), np.zeros((4, 5)), object()),
            TypeError,
            ("VectorFields",),
            "Controlled ODE",
        ),
        (
            lambda f: co.flow_vjp(np.zeros((2, 2)), np.zeros((4, 5)), f, np.zeros((3, 2))),
            ValueError,
            ("(2, 2)",),
            "Residual network",
        ),
        (
            lambda f: co.flow(np.full((1, 2), 3.0), np.full((3, 5), 1e100), f),
            co.FlowDivergedError,
            ("finite",),
            "Residual network",
        ),
    ],
)
def test_bad_flow_inputs_are_refused(call, exc, words, statement):
    fields = pf.five_fields(2)
    check(T.check_raises, lambda: call(fields), exc, must_mention=words, statement=statement)


# ================================================================================================================
# Universal approximation and interpolation
# ================================================================================================================
def test_shallow_relu_interpolant_approximates_uniformly():
    f, f2 = (lambda t: np.sin(3 * t) + t**2), (lambda t: -9 * np.sin(3 * t) + 2)
    grid = np.linspace(0.0, 1.0, 2001)
    widths, errors = [4, 8, 16, 32, 64], []
    for K in widths:
        knots = np.linspace(0.0, 1.0, K + 1)
        params = ln.relu_interpolant(knots, f(knots))
        values = ln.shallow_relu_network(grid[:, None], params)[:, 0]
        errors.append(np.max(np.abs(values - f(grid))))
        bound = (1.0 / K) ** 2 / 8 * np.max(np.abs(f2(grid)))
        check(T.check_at_least, bound - errors[-1], 0.0, statement="Universal approximation theorem", what="bound")
    slope = T.loglog_slope(1.0 / np.array(widths), errors)
    check(T.check_close, slope, 2.0, tol=0.05, statement="Universal approximation theorem", what="order 2")


def test_fit_controls_interpolates_distinct_points():
    fields = pf.five_fields(2)
    X = np.array([[0.5, 0.0], [0.0, 0.5], [-0.5, 0.0], [0.0, -0.5]])
    Y = X[[1, 2, 3, 0]] * 0.8  # rotate the four points, and shrink
    U, history = ln.fit_controls(X, Y, fields, n_steps=12, rng=np.random.default_rng(0))
    check(
        T.check_close, co.flow(X, U, fields), Y, tol=1e-10, statement="Universal N-point interpolator", what="X_1 = Y"
    )
    assert history[-1] < history[0]


def test_fit_controls_steers_one_point():
    fields = pf.five_fields(2)
    X, Y = np.array([[0.2, -0.4]]), np.array([[-1.0, 0.7]])
    U, _ = ln.fit_controls(X, Y, fields, n_steps=4, rng=np.random.default_rng(1))
    check(T.check_close, co.flow(X, U, fields), Y, tol=1e-10, statement="Chow–Rashevskii theorem", what="x -> y")


# ================================================================================================================
# Lie brackets
# ================================================================================================================
def test_lie_bracket_of_linear_fields():
    x = SC.point_symbols(3)
    A, B = sp.Matrix(3, 3, sp.symbols("a:9")), sp.Matrix(3, 3, sp.symbols("b:9"))
    col = sp.Matrix(list(x))
    bracket = SC.lie_bracket_expr(A * col, B * col, x)
    check(T.check_identity, bracket, (B * A - A * B) * col, statement="Lie bracket", what="[Ax, Bx] = (BA − AB)x")
    check(
        T.check_refuted,
        lambda: check(T.check_identity, bracket, (A * B - B * A) * col, statement="Lie bracket", what="printed"),
        statement="Lie bracket",
        what="the printed example (AB − BA)x",
        must_mention=("does not simplify",),
    )


def test_lie_bracket_matches_sympy():
    rng = np.random.default_rng(3)
    fields = co.random_vector_fields(2, 3, rng)
    x = SC.point_symbols(2)
    exprs = SC.random_fields_expr(fields, x)
    points = list(rng.standard_normal((6, 2))) + [np.zeros(2), np.array([1e3, -1e3])]
    for i, j in ((0, 1), (1, 2), (0, 2)):
        exact = S.exact_function(SC.lie_bracket_expr(exprs[i], exprs[j], x), x, shape=(2,))
        check(
            T.check_against_symbolic,
            lambda p, i=i, j=j: co.lie_bracket(fields, i, j, p[None])[0],
            exact,
            points,
            statement="Lie bracket",
            what=f"[V_{i}, V_{j}] vs SymPy",
        )


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 4))
def test_lie_bracket_antisymmetry_property(seed, m):
    rng = np.random.default_rng(seed)
    fields = co.random_vector_fields(m, 3, rng)
    X = rng.standard_normal((4, m))
    bracket, reverse = co.lie_bracket(fields, 0, 1, X), co.lie_bracket(fields, 1, 0, X)
    check(T.check_close, bracket, -reverse, tol=0.0, statement="Lie bracket", what="antisymmetry")


def test_lie_bracket_is_antisymmetric_and_satisfies_jacobi():
    m, rng = 2, np.random.default_rng(32)
    fields = co.random_vector_fields(m, 3, rng)
    x = SC.point_symbols(m)
    V = SC.random_fields_expr(fields, x)
    check(
        T.check_identity,
        SC.lie_bracket_expr(V[0], V[1], x),
        -SC.lie_bracket_expr(V[1], V[0], x),
        statement="Lie bracket",
        what="antisymmetry",
    )
    cyclic = ((V[0], V[1], V[2]), (V[1], V[2], V[0]), (V[2], V[0], V[1]))
    jacobi = sum((SC.lie_bracket_expr(a, SC.lie_bracket_expr(b, c, x), x) for a, b, c in cyclic), sp.zeros(m, 1))
    check(T.check_identity, jacobi, sp.zeros(m, 1), statement="Lie bracket", what="Jacobi's identity")


def test_flow_commutator_series():
    series = SC.flow_commutator_series(3)
    A, B = sp.symbols("A B", commutative=False)
    assert series[0] == 1 and series[1] == 0 and sp.expand(series[2] - (A * B - B * A)) == 0
    assert series[3] != 0  # the remainder is O(t^3), not smaller


def test_alternating_flows_move_along_the_bracket():
    rng = np.random.default_rng(4)
    A, B, x = rng.standard_normal((3, 3)), rng.standard_normal((3, 3)), rng.standard_normal(3)
    ts = np.array([1e-1, 3e-2, 1e-2, 3e-3, 1e-3])
    moves = [
        (
            scipy.linalg.expm(-t * A)
            @ scipy.linalg.expm(-t * B)
            @ scipy.linalg.expm(t * A)
            @ scipy.linalg.expm(t * B)
            @ x
            - x
        )
        / t**2
        for t in ts
    ]
    errors = [np.max(np.abs(move - (A @ B - B @ A) @ x)) for move in moves]
    check(T.check_close, T.loglog_slope(ts, errors), 1.0, tol=0.1, statement="Flow commutator", what="O(t) error")
    # Nonlinear fields, exact flows (Lie series that stop): V = e_2, W = ((x^2)^2, 0)
    x_, _, exprs = five_twins(2)
    t = sp.Symbol("t")
    V, W = exprs[2], exprs[3]
    point = sp.Matrix(list(x_))
    for field, time in ((W, t), (V, t), (W, -t), (V, -t)):
        flow, exact = SC.lie_series_flow_expr(field, x_, time, 4)
        assert exact
        point = sp.expand(flow.xreplace(dict(zip(list(x_), list(point)))))
    second_order = (point - sp.Matrix(list(x_))).applyfunc(lambda e: sp.expand(e).coeff(t, 2))
    check(T.check_identity, second_order, SC.lie_bracket_expr(W, V, x_), statement="Flow commutator", what="[W, V]")
    check(
        T.check_refuted,
        lambda: check(
            T.check_identity, second_order, SC.lie_bracket_expr(V, W, x_), statement="Flow commutator", what="[V, W]"
        ),
        statement="Flow commutator",
        what="the printed direction [V, W]",
        must_mention=("does not simplify",),
    )


# ================================================================================================================
# Hörmander, the five fields, the generic theorem
# ================================================================================================================
def test_five_fields_match_sympy():
    x, fields, exprs = five_twins(3)
    rng = np.random.default_rng(5)
    points = list(rng.standard_normal((5, 3))) + [np.zeros(3), np.array([1e4, -2.5, 3e-5])]
    for i, V in enumerate(exprs):
        exact = S.exact_function(V, x, shape=(3,))
        check(
            T.check_against_symbolic,
            lambda p, i=i: fields.values(p[None])[0, i],
            exact,
            points,
            statement="Five-field interpolation theorem",
            what=f"V_{i + 1}",
        )
        jac = S.exact_function(sp.Matrix(V).jacobian(list(x)), x)
        check(
            T.check_against_symbolic,
            lambda p, i=i: fields.jacobians(p[None])[0, i],
            jac,
            points,
            statement="Five-field interpolation theorem",
            what=f"DV_{i + 1}",
        )


def test_five_fields_generate_all_polynomial_fields_up_to_degree_4():
    ranks = five_field_basis(4).rank_by_degree(4)
    expected = {k: co_dim for k, co_dim in ((k, pf.polynomial_dimension(2, k)) for k in range(5))}
    check(
        T.check_close,
        np.array(list(ranks.values()), float),
        np.array(list(expected.values()), float),
        tol=0.0,
        statement="Five-field interpolation theorem",
        what="rank of the brackets of degree <= k = D_k",
    )


def test_five_fields_satisfy_hoermander_everywhere():
    x, _, exprs = five_twins(2)
    inner = SC.lie_bracket_expr(exprs[2], exprs[3], x)
    constant = SC.lie_bracket_expr(exprs[2], inner, x)
    frame = sp.Matrix.hstack(sp.Matrix(exprs[2]), constant)
    check(
        T.check_identity,
        sp.Matrix([[frame.det()]]),
        sp.Matrix([[-2]]),
        statement="Chow–Rashevskii theorem",
        what="det[V_3, [V_3, [V_3, V_4]]] = −2 at every x",
    )


def test_n_point_hoermander_rank_at_distinct_points():
    basis = five_field_basis(4)
    points = grid_points(np.random.default_rng(6), 6, 2)
    rank = SC.evaluation_rank(basis, points)
    check(T.check_close, float(rank), 12.0, tol=0.0, statement="N-point Hörmander condition", what="rank mN")
    points[1] = points[0]
    check(
        T.check_close,
        float(SC.evaluation_rank(basis, points)),
        10.0,
        tol=0.0,
        statement="N-point Hörmander condition",
        what="on Δ",
    )


def test_flows_on_the_line_keep_the_order_of_points():
    rng = np.random.default_rng(7)
    fields = co.random_vector_fields(1, 4, rng)
    X = np.array([[-0.3], [0.4]])
    gaps = [np.diff(co.flow(X, rng.standard_normal((400, 4)), fields)[:, 0])[0] for _ in range(30)]
    check(
        T.check_refuted,
        lambda: check(T.check_at_least, -min(gaps), 1e-12, statement="N-point Hörmander condition", what="swap"),
        statement="N-point Hörmander condition",
        what="m = 1: some controls swap two points",
        must_mention=("< required",),
    )


def test_polynomial_dimension_counts_coefficients():
    counted = np.array([SC.polynomial_dimension_count(m, k) for m in (1, 2, 3, 4) for k in range(5)], float)
    formula = np.array([pf.polynomial_dimension(m, k) for m in (1, 2, 3, 4) for k in range(5)], float)
    check(T.check_close, counted, formula, tol=0.0, statement="Generic interpolation theorem", what="D_k")
    five = [pf.PolynomialVectorFields(np.zeros((1, 2, 6)), 2) for _ in range(5)]
    l_dimension = float(sum(f.coefficients.size for f in five))
    check(
        T.check_close,
        l_dimension,
        5.0 * pf.polynomial_dimension(2, 2),
        tol=0.0,
        statement="Generic interpolation theorem",
        what="l",
    )
    check(
        T.check_refuted,
        lambda: check(
            T.check_close,
            l_dimension,
            float(pf.polynomial_dimension(2, 2) ** 5),
            statement="Generic interpolation theorem",
            what="printed l",
        ),
        statement="Generic interpolation theorem",
        what="l = (D_k)^5",
        must_mention=("max rel. error",),
    )


def test_random_polynomial_fields_satisfy_n_point_hoermander():
    rng = np.random.default_rng(8)
    fields = pf.PolynomialVectorFields(rng.standard_normal((5, 2, 6)), 2)
    x = SC.point_symbols(2)
    basis = SC.lie_algebra_basis(SC.polynomial_fields_expr(fields, x), x, max_length=2)
    rank = SC.evaluation_rank(basis, grid_points(rng, 6, 2))
    check(T.check_close, float(rank), 12.0, tol=0.0, statement="Generic interpolation theorem", what="rank mN")


def test_constant_fields_cannot_interpolate():
    rng = np.random.default_rng(9)
    fields = pf.PolynomialVectorFields(rng.standard_normal((5, 2, 1)), 0)
    x = SC.point_symbols(2)
    basis = SC.lie_algebra_basis(SC.polynomial_fields_expr(fields, x), x, max_length=3)
    rank = float(SC.evaluation_rank(basis, distinct_points(rng, 3, 2)))
    check(
        T.check_refuted,
        lambda: check(T.check_close, rank, 6.0, statement="Generic interpolation theorem", what="rank 6"),
        statement="Generic interpolation theorem",
        what="without the hypothesis on Q",
        must_mention=("max rel. error",),
    )


# ================================================================================================================
# The random fields of the Corollary
# ================================================================================================================
def test_random_fields_match_sympy():
    rng = np.random.default_rng(10)
    fields = co.random_vector_fields(3, 7, rng)
    x = SC.point_symbols(3)
    exprs = SC.random_fields_expr(fields, x)
    points = list(rng.standard_normal((5, 3))) + [np.zeros(3), np.array([1e3, -1e-3, 7.0])]
    for i, V in enumerate(exprs):
        check(
            T.check_against_symbolic,
            lambda p, i=i: fields.values(p[None])[0, i],
            S.exact_function(V, x, shape=(3,)),
            points,
            statement="Random-vector-field corollary",
            what=f"V_{i + 1}",
        )
        check(
            T.check_finite_differences,
            lambda p, i=i: fields.values(p[None])[0, i],
            lambda p, i=i: fields.jacobians(p[None])[0, i],
            points[:5],
            statement="Random-vector-field corollary",
            what=f"DV_{i + 1}",
        )


def test_random_fields_reduce_to_r_and_r_squared_at_the_reference_value():
    rng = np.random.default_rng(11)
    fields = co.random_vector_fields(4, 7, rng).with_coefficients(co.reference_coefficients(7))
    X = rng.standard_normal((6, 4))
    Z = fields.pre_activations(X)
    expected = np.concatenate([Z[:, :3], Z[:, 3:] ** 2], axis=1)
    check(T.check_close, fields.values(X), expected, statement="Random-vector-field corollary", what="r and r^2")


def test_random_fields_satisfy_n_point_hoermander():
    rng = np.random.default_rng(12)
    fields = co.random_vector_fields(2, 7, rng)
    x = SC.point_symbols(2)
    basis = SC.lie_algebra_basis(SC.random_fields_expr(fields, x), x, max_length=2)
    rank = SC.evaluation_rank(basis, grid_points(rng, 6, 2))
    check(T.check_close, float(rank), 12.0, tol=0.0, statement="Random-vector-field corollary", what="rank mN")


def test_random_fields_interpolate_with_lambda_readout():
    rng = np.random.default_rng(13)
    fields = co.random_vector_fields(2, 7, rng)
    X, Y, lam = distinct_points(rng, 5, 2, 0.5), distinct_points(rng, 5, 2), 8.0
    U, _ = ln.fit_controls(X, X + Y / lam, fields, n_steps=4, rng=rng)
    out = lam * (co.flow(X, U, fields) - X)
    check(T.check_close, out, Y, tol=1e-9, statement="Random-vector-field corollary", what="y = λ(X_1 − x)")


def test_random_vector_fields_refuse_bad_input():
    check(
        T.check_raises,
        lambda: co.random_vector_fields(0),
        ValueError,
        must_mention=("m",),
        statement="Random-vector-field corollary",
    )
    check(
        T.check_raises,
        lambda: co.random_vector_fields(3, 7, weight_scale=-1.0),
        ValueError,
        must_mention=("weight_scale",),
        statement="Random-vector-field corollary",
    )
    check(
        T.check_raises,
        lambda: co.RandomVectorFields(np.zeros((2, 3, 2)), np.zeros((2, 3)), np.zeros((2, 3))),
        ValueError,
        must_mention=("(d, m, m)",),
        statement="Random-vector-field corollary",
    )


# ================================================================================================================
# The random-field classifier
# ================================================================================================================
@functools.cache
def small_classifier():
    rng = np.random.default_rng(14)
    pixels = rng.random((40, 20))
    labels = rng.integers(0, 10, 40)
    model = ln.build_random_field_classifier(pixels, m=6, d=3, n_steps=4, rng=rng, dtype=np.float64)
    return model, pixels, labels


def test_classifier_trains_exactly_md_plus_one_parameters():
    model, pixels, labels = small_classifier()
    frozen = [a.copy() for a in (model.projection, model.center, model.scale, model.readout, model.fields.weights)]
    params, history = ln.fit_random_fields(
        model, pixels, labels, epochs=2, batch_size=8, lr=0.05, rng=np.random.default_rng(0)
    )
    trained = sum(a.size for pair in params for a in pair)
    check(T.check_close, float(trained), 4.0 * 3 + 1, tol=0.0, statement="Consequences for training", what="M d + 1")
    check(
        T.check_close,
        float(model.trained_parameter_count),
        13.0,
        tol=0.0,
        statement="Consequences for training",
        what="count",
    )
    after = (model.projection, model.center, model.scale, model.readout, model.fields.weights)
    check(T.check_close, list(after), frozen, tol=0.0, statement="Consequences for training", what="fixed parts")
    assert len(history.loss) == 2 and np.all(np.isfinite(history.loss))


def test_classifier_gradients_match_central_differences():
    model, pixels, labels = small_classifier()
    features, Y = model.features(pixels[:10]), losses.one_hot(labels[:10], 10)
    rng = np.random.default_rng(15)
    U, lam = 0.3 * rng.standard_normal((4, 3)), np.array([1.7])

    def loss(theta):
        return np.array(
            [ln.classifier_loss_and_gradients(model, features, Y, [(theta[:-1].reshape(4, 3), theta[-1:])])[0]]
        )

    def gradient(theta):
        ((dU, dlam),) = ln.classifier_loss_and_gradients(model, features, Y, [(theta[:-1].reshape(4, 3), theta[-1:])])[
            1
        ]
        return np.append(dU.ravel(), dlam)

    check(
        T.check_finite_differences,
        loss,
        gradient,
        [np.append(U.ravel(), lam)],
        statement="Consequences for training",
        what="(dU, dλ)",
    )


def test_diverging_training_raises():
    model, pixels, labels = small_classifier()
    from mathdnn_core.training import TrainingDivergedError

    check(
        T.check_raises,
        lambda: ln.fit_random_fields(
            model, pixels, labels, epochs=3, batch_size=8, lr=1e6, rng=np.random.default_rng(0)
        ),
        TrainingDivergedError,
        must_mention=("epoch",),
        statement="Consequences for training",
    )


# ================================================================================================================
# Part II
# ================================================================================================================
def separable_problem():
    rng = np.random.default_rng(16)
    centres = np.array([[4.0, 0.0], [-2.0, 3.5], [-2.0, -3.5]])
    labels = np.repeat(np.arange(3), 10)
    X = centres[labels] + 0.5 * rng.standard_normal((30, 2))
    W, b = centres, -0.5 * np.sum(centres**2, axis=1)  # the nearest-centre classifier: linear
    return X, losses.one_hot(labels, 3), [(W, b)]


def test_objective_pairs_each_input_with_its_label():
    X, Y, params = separable_problem()
    shuffled = X[np.random.default_rng(17).permutation(len(X))]
    check(
        T.check_refuted,
        lambda: check(
            T.check_close,
            network.objective(shuffled, Y, params),
            network.objective(X, Y, params),
            statement="Supervised learning problem",
            what="L(g, y_i)",
        ),
        statement="Supervised learning problem",
        what="a loss of (g, y_i) ignores which x_i goes with y_i",
        must_mention=("max rel. error",),
    )


def test_separable_data_has_no_minimiser():
    X, Y, [(W, b)] = separable_problem()
    assert np.all(network.predict(X, [(W, b)]) == np.argmax(Y, axis=1))
    scales = 2.0 ** np.arange(6)
    values = np.array([network.objective(X, Y, [(s * W, s * b)]) for s in scales])
    assert np.all(np.diff(values) < 0) and np.all(values > 0)
    check(
        T.check_refuted,
        lambda: check(
            T.check_close, values, np.zeros_like(values), statement="Supervised learning problem", what="min 0"
        ),
        statement="Supervised learning problem",
        what="the infimum 0 is attained",
        must_mention=("max rel. error",),
    )


def test_mnist_loss_is_the_cross_entropy():
    p = S.symbols_vector("p", 10, positive=True)
    rng = np.random.default_rng(18)
    cases = [(losses.one_hot(np.array([k]), 10)[0], rng.dirichlet(np.ones(10))) for k in range(10)]
    corrected = {k: S.exact_function(-LB.mnist_loss_printed(p, k), p) for k in range(10)}
    printed = {k: S.exact_function(LB.mnist_loss_printed(p, k), p) for k in range(10)}
    check(
        T.check_against_symbolic,
        lambda c: losses.cross_entropy(c[1], c[0]),
        lambda c: corrected[int(np.argmax(c[0]))](c[1]),
        cases,
        statement="Loss examples",
        what="−Σ 1{y=k−1} log g_k",
    )
    check(
        T.check_refuted,
        lambda: check(
            T.check_against_symbolic,
            lambda c: losses.cross_entropy(c[1], c[0]),
            lambda c: printed[int(np.argmax(c[0]))](c[1]),
            cases,
            statement="Loss examples",
            what="printed",
        ),
        statement="Loss examples",
        what="no minus sign",
        must_mention=("max rel. error",),
    )


def test_l2_loss_is_twice_the_half_squared_error():
    g, y = S.symbols_vector("g", 3), S.symbols_vector("y", 3)
    exact = S.exact_function(((g - y) * (g - y).T)[0, 0], g, y)
    rng = np.random.default_rng(19)
    cases = [(rng.standard_normal(3), rng.standard_normal(3)) for _ in range(5)]
    check(
        T.check_against_symbolic,
        lambda c: 2 * losses.squared_error(*c),
        lambda c: exact(*c),
        cases,
        statement="Loss examples",
        what="‖g − y‖²",
    )


def test_gradient_descent_steps_by_hand():
    f = optim.Quadratic.random(np.random.default_rng(20), 3)
    theta, etas = np.array([1.0, -2.0, 0.5]), (0.1, 0.05, 0.2)
    for eta in etas:
        numerical = differentials.numerical_jacobian(lambda v: np.array([f.value(v)]), theta)[0]
        check(
            T.check_close, numerical, f.gradient(theta), tol=1e-6, statement="Gradient descent", what="∇F = (∂F/∂θ_j)"
        )
        updates, _ = optim.GradientDescent(eta).update(f.gradient(theta))
        expected = theta - eta * f.gradient(theta)
        theta = optim.apply_updates(theta, updates)
        check(T.check_close, theta, expected, tol=0.0, statement="Gradient descent", what="θ − η_k ∇F(θ)")


def test_gradient_descent_bound_holds():
    f = optim.Quadratic.random(np.random.default_rng(21), 4, rank=2)
    x0 = np.array([3.0, -1.0, 2.0, 0.5])
    path = optim.gradient_descent_sequence(f.gradient, x0, 1.0 / f.L, 200)
    comparators = [f.minimiser, np.zeros(4), x0 + 1.0]
    for z in comparators:
        margin = min(
            ln.gradient_descent_bound(np.linalg.norm(x0 - z), 1.0 / f.L, k) - (f.value(path[k]) - f.value(z))
            for k in range(1, 201)
        )
        check(T.check_at_least, margin, 0.0, statement="Gradient descent convergence theorem", what="bound")


def test_gradient_descent_bound_without_minimiser():
    f = optim.SoftplusSum(3)
    x0 = np.array([1.0, -0.5, 2.0])
    path = optim.gradient_descent_sequence(f.gradient, x0, 1.0 / f.L, 100)
    for z in (np.full(3, -5.0), np.full(3, -20.0)):
        margin = min(
            ln.gradient_descent_bound(np.linalg.norm(x0 - z), 1.0 / f.L, k) - (f.value(path[k]) - f.value(z))
            for k in range(1, 101)
        )
        check(T.check_at_least, margin, 0.0, statement="Gradient descent convergence theorem", what="any θ*")


def test_lecture_backprop_formulas_hold_for_every_activation():
    net = LB.lecture_network_expr(2, 3, 2)
    dA, db = LB.output_layer_gradients_lecture(net)
    for mine, parameter, what in (
        (dA, net.A_out, "A_{n+1}"),
        (db, net.b_out, "b_{n+1}"),
        (LB.hidden_layer_gradient_lecture(net), net.A_n, "A_n"),
    ):
        check(
            T.check_identity,
            mine,
            LB.gradient_by_differentiation(net, parameter),
            statement="Back-propagation",
            what=what,
        )
    square = LB.lecture_network_expr(2, 2, 2)
    truth = LB.gradient_by_differentiation(square, square.A_n)
    printed = (
        (LB.hidden_layer_gradient_lecture(square, printed=True), truth),
        (sp.Matrix([LB.loss_with_hidden_bias_printed(square)]), sp.Matrix([square.loss])),
    )
    for lhs, rhs in printed:
        check(
            T.check_refuted,
            lambda lhs=lhs, rhs=rhs: check(T.check_identity, lhs, rhs, statement="Back-propagation", what="printed"),
            statement="Back-propagation",
            what="printed",
            must_mention=("does not simplify",),
        )
    with pytest.raises(sp.ShapeError):
        LB.hidden_layer_gradient_lecture(net, printed=True)


def test_lecture_backprop_matches_network_gradients():
    net = LB.lecture_network_expr(3, 4, 3, sigma="relu", loss="cross-entropy")
    rng = np.random.default_rng(22)
    formula = LB.hidden_layer_gradient_lecture(net)
    out_w, out_b = LB.output_layer_gradients_lecture(net)
    for _ in range(2):
        x, y = rng.standard_normal(3), losses.one_hot(rng.integers(0, 3, 1), 3)[0]
        params = [
            (rng.standard_normal((4, 3)), rng.standard_normal(4)),
            (rng.standard_normal((3, 4)), rng.standard_normal(3)),
        ]
        subs = {
            net.x: x,
            net.A_n: params[0][0],
            net.b_n: params[0][1],
            net.A_out: params[1][0],
            net.b_out: params[1][1],
            net.y_star: y,
        }
        (dW1, _), (dW2, db2) = network.gradients(x[None], y[None], params)
        for value, expr in ((dW1, formula), (dW2, out_w), (db2, out_b)):
            check(
                T.check_close,
                value,
                S.evaluate(expr, subs, shape=value.shape),
                statement="Back-propagation",
                what="vs network.gradients",
            )


def test_catalogue_of_the_lecture():
    ids = paper.ids(DOC)
    assert len(ids) == 18 and ids[0] == "Feedforward neural network" and ids[-1] == "Back-propagation"
    assert all(e.notebook == "08_controlled_odes.ipynb" for _, e in paper.errata(DOC))
    assert paper.errata_counts(DOC) == {"error": 7, "typo": 2, "notation": 0, "extraction": 4}


def test_mnist_5k_is_what_the_classifier_reads():
    data = datasets.load_dataset("mnist-5k", dtype=np.float32)
    model = ln.build_random_field_classifier(data.X_train[:200], m=8, d=7, n_steps=2, rng=np.random.default_rng(0))
    assert model.features(data.X_test[:5]).shape == (5, 8) and model.features(data.X_test[:5]).dtype == np.float32
