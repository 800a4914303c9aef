"""mathdnn_core.symbolic and mathdnn_core.testing: SymPy derives what the paper states, and the checkers can fail.

The symbolic twins are the references of every other test, so they are checked against the paper's formulas here
(difference simplifies to 0), in concrete sizes and in general dimension. A checker that cannot fail is a defect:
each one is fed a deliberately wrong Jacobian / VJP / message and must raise AssertionError.
"""

from __future__ import annotations

import functools

import mpmath
import numpy as np
import pytest
import sympy as sp

from mathdnn_core import activations, layers, network
from mathdnn_core import symbolic as S
from mathdnn_core import testing as T

TOL = 1e-12


def is_zero_matrix(M) -> bool:
    return sp.simplify(sp.Matrix(M)) == sp.zeros(*M.shape)


# ================================================================================================================
# Symbols and exact evaluation
# ================================================================================================================
def test_symbols_vector_is_a_row_of_real_symbols_named_from_1():
    z = S.symbols_vector("z", 3)
    assert z.shape == (1, 3)
    assert [str(s) for s in z] == ["z_1", "z_2", "z_3"]
    assert all(s.is_real for s in z)
    assert all(s.is_positive for s in S.symbols_vector("y", 2, positive=True))
    W = S.symbols_matrix("W", 2, 3)
    assert W.shape == (2, 3) and str(W[1, 2]) == "W_2,3"
    with pytest.raises(ValueError, match="Notation 1"):
        S.symbols_vector("z", 0)


def test_evaluate_substitutes_exactly_and_rounds_once():
    a, b = sp.symbols("a b", real=True)
    # (a + b)^2 - a^2 - 2ab = b^2 exactly; in float64 the left side is pure round-off at a = 1e8, b = 1e-8.
    expr = sp.expand((a + b) ** 2) - a**2 - 2 * a * b + (a + b) ** 2 - sp.expand((a + b) ** 2)
    value = S.evaluate(expr, {a: 1e8, b: 1e-8})
    assert value.shape == ()
    assert value == float(sp.Rational(1e-8) ** 2)
    z = S.symbols_vector("z", 2)
    with mpmath.workdps(50):
        exact = float(mpmath.exp(mpmath.mpf(0.1)))
    assert S.evaluate(sp.exp(z[0]), {z: [0.1, 0.0]}) == exact
    assert S.evaluate(2 * z, {z: np.array([1.5, -2.0])}).shape == (1, 2)
    assert S.evaluate(2 * z, {z: np.array([1.5, -2.0])}, shape=(2,)).tolist() == [3.0, -4.0]


def test_evaluate_refuses_missing_symbols_and_non_finite_values():
    z = S.symbols_vector("z", 2)
    with pytest.raises(ValueError, match="z_2"):
        S.evaluate(z[0] + z[1], {z[0]: 1.0})
    with pytest.raises(ValueError, match="NaN"):
        S.evaluate(z[0], {z: [np.nan, 1.0]})
    with pytest.raises(ValueError, match=r"\(1, 2\) matrix of symbols has shape \(3,\)"):
        S.evaluate(z[0], {z: [1.0, 2.0, 3.0]})


# ================================================================================================================
# §2: ReLU and Assumption 1, Softmax
# ================================================================================================================
def test_assumption_1_is_not_sympys_heaviside_convention():
    x = sp.Symbol("x", real=True)
    sympy_derivative = sp.diff(sp.Max(0, x), x)
    assert sympy_derivative == sp.Heaviside(x)
    assert sp.Heaviside(0) == sp.Rational(1, 2)  # SymPy's default value at 0 ...
    assert sp.Heaviside(0, 0) == 0  # ... unless told otherwise
    paper = S.apply_assumption_1(sympy_derivative)
    assert paper.subs(x, 0) == 0 and paper.subs(x, -1) == 0 and paper.subs(x, 2) == 1
    assert [S.relu_derivative_expr(v) for v in (-1, 0, sp.Rational(1, 10**300))] == [0, 0, 1]


@pytest.mark.parametrize("m", [1, 2, 4])
def test_relu_jacobian_derived_equals_paper(m):
    z = S.symbols_vector("z", m)
    J = S.relu_jacobian_expr(z)
    assert not J.has(sp.Heaviside)
    assert J == S.relu_jacobian_paper(z)
    assert S.evaluate(J, {z: np.zeros(m)}).tolist() == np.zeros((m, m)).tolist()  # Assumption 1 at 0


@pytest.mark.parametrize("m", [1, 2, 3])
def test_softmax_jacobian_derived_equals_paper_after_simplify(m):
    z = S.symbols_vector("z", m)
    derived, paper = S.softmax_jacobian_expr(z), S.softmax_jacobian_paper(z)
    assert m == 1 or derived != paper  # SymPy's raw derivative is not written the paper's way ...
    assert is_zero_matrix(derived - paper)  # ... but it is the same matrix


def test_softmax_vjp_expr_is_v_times_jacobian():
    z, v = S.symbols_vector("z", 3), S.symbols_vector("v", 3)
    assert is_zero_matrix(S.softmax_vjp_expr(z, v) - v * S.softmax_jacobian_paper(z))


# ================================================================================================================
# §3 and Proposition 5.3
# ================================================================================================================
@pytest.mark.parametrize("m", [1, 3])
def test_cross_entropy_gradient_derived_equals_paper(m):
    y, y_star = S.symbols_vector("y", m, positive=True), S.symbols_vector("y^*", m)
    derived = S.cross_entropy_gradient_expr(y, y_star)
    assert derived.shape == (1, m)  # a row of m entries: the paper's codomain R should read R^m
    assert is_zero_matrix(derived - S.cross_entropy_gradient_paper(y, y_star))


@pytest.mark.parametrize("m", [2, 3, 4])
def test_fused_gradient_derived_is_exactly_s_minus_y_star(m):
    z, y_star = S.symbols_vector("z", m), S.symbols_vector("y^*", m)
    derived = S.softmax_cross_entropy_gradient_expr(z, y_star)
    assert derived == S.softmax_cross_entropy_gradient_paper(z, y_star)  # structurally identical


def test_fused_gradient_needs_the_sum_to_one_hypothesis():
    z, y_star = S.symbols_vector("z", 3), S.symbols_vector("y^*", 3)
    raw = S.softmax_cross_entropy_gradient_expr(z, y_star, use_sum_to_one=False)
    s = S.softmax_expr(z)
    assert is_zero_matrix(raw - (s * sum(y_star) - y_star))  # what holds without the hypothesis
    assert not is_zero_matrix(raw - (s - y_star))
    at = {z: [0.3, -1.0, 2.0], y_star: [1.0, 1.0, 0.0]}  # binary but not one-hot: sum = 2
    assert not np.allclose(S.evaluate(raw, at), S.evaluate(s - y_star, at))


# ================================================================================================================
# §4 Dense layer
# ================================================================================================================
@pytest.mark.parametrize("m,n", [(2, 3), (3, 2), (1, 1)])
def test_dense_jacobians_derived_equal_paper(m, n):
    y, W, b = S.symbols_vector("y", n), S.symbols_matrix("W", m, n), S.symbols_vector("b", m)
    assert S.dense_expr(y, W, b).shape == (1, m)
    assert S.dense_jacobian_input_expr(y, W, b) == S.dense_jacobian_input_paper(y, W, b) == W
    assert S.dense_jacobian_bias_expr(y, W, b) == S.dense_jacobian_bias_paper(y, W, b) == sp.eye(m)
    for row in range(m):
        J = S.dense_jacobian_weight_row_expr(y, W, b, row)
        assert J.shape == (m, n)
        assert J == S.dense_jacobian_weight_row_paper(y, W, b, row)
        assert list(J[row, :]) == list(y)


def test_dense_expr_rejects_shapes_that_do_not_fit():
    y, W, b = S.symbols_vector("y", 3), S.symbols_matrix("W", 2, 3), S.symbols_vector("b", 3)
    with pytest.raises(ValueError, match=r"Definition 4\.1"):
        S.dense_expr(y, W, b)
    with pytest.raises(ValueError, match=r"\[0, 1\] \(Proposition 4\.2"):
        S.dense_jacobian_weight_row_expr(y, W, S.symbols_vector("b", 2), 2)


# ================================================================================================================
# Propositions 5.1 and 5.2 with a generic and a concrete upstream function
# ================================================================================================================
def polynomial_upstream(u):
    u = list(u)
    return u[0] ** 2 * u[-1] + 3 * u[0] * u[-1] ** 3 + sp.sin(u[-1]) + sum(k * e for k, e in enumerate(u))


@pytest.mark.parametrize("upstream", [None, polynomial_upstream], ids=["generic F", "polynomial F"])
def test_relu_upstream_gradient_matches_proposition_5_1(upstream):
    z = S.symbols_vector("z", 3)
    derived = S.relu_upstream_gradient_expr(z, upstream)
    assert not derived.has(sp.Heaviside)
    assert is_zero_matrix(derived - S.relu_upstream_gradient_paper(z, upstream))


def test_proposition_5_1_evaluates_the_upstream_gradient_at_relu_of_z_not_at_z():
    z = S.symbols_vector("z", 2)
    derived = S.relu_upstream_gradient_expr(z, polynomial_upstream)
    u = S.symbols_vector("u", 2)
    grad_F = sp.Matrix([polynomial_upstream(u)]).jacobian(u)
    wrong = sp.Matrix(1, 2, [grad_F[j].subs(dict(zip(u, z))) * S.relu_derivative_expr(z[j]) for j in range(2)])
    at = {z: [0.7, -0.4]}
    assert not np.allclose(S.evaluate(derived, at), S.evaluate(wrong, at))


@pytest.mark.parametrize("upstream", [None, polynomial_upstream], ids=["generic F", "polynomial F"])
@pytest.mark.parametrize("row", [0, 1])
def test_dense_upstream_weight_row_gradient_matches_proposition_5_2(upstream, row):
    y, W, b = S.symbols_vector("y", 3), S.symbols_matrix("W", 2, 3), S.symbols_vector("b", 2)
    derived = S.dense_upstream_weight_row_gradient_expr(y, W, b, row, upstream)
    assert derived.shape == (1, 3)
    assert is_zero_matrix(derived - S.dense_upstream_weight_row_gradient_paper(y, W, b, row, upstream))


def test_dense_vjp_expr_stacks_the_row_gradients():
    y, W, b, v = (
        S.symbols_vector("y", 3),
        S.symbols_matrix("W", 2, 3),
        S.symbols_vector("b", 2),
        S.symbols_vector("v", 2),
    )
    dy, dW, db = S.dense_vjp_expr(y, W, b, v)
    assert dy == v * W and db == v
    assert dW == v.T * y  # Notation 17: row i* is v_{i*} y


# ================================================================================================================
# General dimension
# ================================================================================================================
GENERAL = {
    "Proposition 2.1": S.relu_jacobian_entry_general,
    "Proposition 2.2": S.softmax_jacobian_entry_general,
    "Proposition 3.1": S.cross_entropy_gradient_entry_general,
    "Proposition 4.1": S.dense_jacobian_input_entry_general,
    "Proposition 4.2": S.dense_jacobian_weight_row_entry_general,
    "Proposition 4.3": S.dense_jacobian_bias_entry_general,
    "Proposition 5.3": S.softmax_cross_entropy_gradient_entry_general,
}


@functools.cache
def general(statement):
    return GENERAL[statement]()


@pytest.mark.parametrize("statement", sorted(GENERAL))
def test_general_dimension_identity_holds(statement):
    entry = general(statement)
    assert entry.statement == statement
    details = {}
    assert S.general_identity_holds(entry.raw, entry.paper, given=entry.given, details=details)
    assert details["sizes"] == {2: True, 3: True, 4: True, 5: True}
    assert details["general"], f"{statement}: SymPy no longer proves the identity in general dimension"
    assert S.general_identity_holds(entry.derived, entry.paper, (2, 3), given=entry.given)
    assert "$" in entry._repr_latex_()


def test_general_softmax_entries_in_the_papers_notation():
    Si = S.softmax_entry_general()
    assert Si.has(sp.Sum)
    jac = general("Proposition 2.2")
    Sb = sp.IndexedBase("S", real=True)
    i, j = jac.symbols["i"], jac.symbols["j"]
    assert sp.expand(jac.notation - Sb[i] * (sp.KroneckerDelta(i, j) - Sb[j])) == 0
    fused = general("Proposition 5.3")
    assert sp.expand(fused.notation - (Sb[fused.symbols["j"]] - fused.symbols["y_star"][fused.symbols["j"]])) == 0
    assert r"\delta_{i j}" in S.to_latex(jac.notation) and "1..m" not in S.to_latex(jac.notation)


def test_general_identity_check_rejects_wrong_identities():
    jac = general("Proposition 2.2")
    i, j, z, l, m = (jac.symbols[k] for k in ("i", "j", "z", "l", "m"))
    total = sp.Sum(sp.exp(z[l]), (l, 1, m))
    no_delta = sp.exp(z[i]) / total * (1 - sp.exp(z[j]) / total)
    assert not S.general_identity_holds(jac.raw, no_delta)
    symmetric = sp.exp(z[j]) / total * (sp.KroneckerDelta(i, j) - sp.exp(z[i]) / total)  # true: J is symmetric
    assert S.general_identity_holds(jac.raw, symmetric, (2, 3))

    dense = general("Proposition 4.1")
    W, i, j = dense.symbols["W"], dense.symbols["i"], dense.symbols["j"]
    assert not S.general_identity_holds(dense.raw, W[j, i], (2, 3))  # the transpose

    ce = general("Proposition 3.1")
    assert not S.general_identity_holds(ce.raw, -ce.paper, (2,))  # sign

    bias = general("Proposition 4.3")
    assert not S.general_identity_holds(bias.raw, sp.Integer(1), (2,))

    fused = general("Proposition 5.3")
    assert not S.general_identity_holds(fused.raw, fused.paper, (2, 3))  # without sum y* = 1 it is false


# ================================================================================================================
# §5: the whole network against network.gradients (both routes)
# ================================================================================================================
@functools.cache
def symbolic_network(sizes, n_samples):
    net = S.network_expr(list(sizes), n_samples=n_samples)
    return net, S.objective_gradient_expr(net)


def random_problem(rng, sizes, n):
    params = [
        (rng.standard_normal((m_out, m_in)), rng.standard_normal(m_out)) for m_in, m_out in zip(sizes[:-1], sizes[1:])
    ]
    X = rng.standard_normal((n, sizes[0]))
    Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], n)]
    return X, Y, params


def test_network_expr_structure():
    net, grads = symbolic_network((2, 2, 2), 2)
    assert net.X.shape == (2, 2) and net.Y.shape == (2, 2) and net.output.shape == (2, 2)
    assert [W.shape for W in net.weights] == [(2, 2), (2, 2)]
    assert [b.shape for b in net.biases] == [(1, 2), (1, 2)]
    assert [(dW.shape, db.shape) for dW, db in grads] == [((2, 2), (1, 2)), ((2, 2), (1, 2))]
    assert str(net.weights[0][0, 1]) == "W^(1)_1,2"
    assert len(net.objective.free_symbols) == 4 + 4 + network.parameter_count([2, 2, 2])


@pytest.mark.parametrize("sizes", [(2, 2, 2), (3, 2, 2)])
def test_network_objective_and_gradients_equal_sympy_exactly(sizes):
    rng = np.random.default_rng(sum(sizes))
    net, grads = symbolic_network(sizes, 2)
    worst = 0.0
    for _ in range(2):
        X, Y, params = random_problem(rng, sizes, 2)
        subs = net.substitutions(X, Y, params)
        T.check_close(
            network.objective(X, Y, params),
            S.evaluate(net.objective, subs),
            statement="Definition 5.2",
            what="objective vs SymPy",
        )
        T.check_close(
            network.forward(X, params), S.evaluate(net.output, subs), statement="Definition 5.1", what="N_c+ vs SymPy"
        )
        exact = S.evaluate_gradients(net, grads, X, Y, params)
        for method in network.METHODS:
            verdict = T.check_close(
                network.gradients(X, Y, params, method=method),
                exact,
                statement="Corollary of Definition 5.2",
                what=f"{method} gradients vs SymPy",
            )
            worst = max(worst, verdict.max_rel_error)
    assert worst <= TOL


def test_network_gradient_with_a_hidden_preactivation_exactly_zero():
    """Assumption 1 through the whole network: z^(1)_1 = 2*1 - 1*2 + 0 = 0 exactly for sample 1."""
    net, grads = symbolic_network((2, 2, 2), 2)
    X = np.array([[1.0, 2.0], [-0.5, 0.25]])
    Y = np.array([[0.0, 1.0], [1.0, 0.0]])
    params = [
        (np.array([[2.0, -1.0], [0.5, 0.75]]), np.array([0.0, 0.1])),
        (np.array([[1.0, -0.3], [0.2, 0.9]]), np.array([0.05, -0.05])),
    ]
    assert network.forward_with_cache(X, params).preactivations[0][0, 0] == 0.0
    exact = S.evaluate_gradients(net, grads, X, Y, params)
    for method in network.METHODS:
        T.check_close(
            network.gradients(X, Y, params, method=method),
            exact,
            statement="Corollary of Definition 5.2",
            what=f"{method} at a ReLU kink",
        )
    # SymPy's own Heaviside(0) = 1/2 would give a different gradient: the convention matters here.
    W1 = net.weights[0]
    sympy_convention = sp.Matrix(2, 2, lambda i, j: sp.diff(net.objective, W1[i, j]))  # Heaviside, not Piecewise
    assert sympy_convention.has(sp.Heaviside)
    half = S.evaluate(sympy_convention, net.substitutions(X, Y, params))
    assert not np.allclose(half, exact[0][0])


def test_symbolic_network_rejects_mismatched_numbers():
    net, _ = symbolic_network((2, 2, 2), 2)
    X, Y, params = random_problem(np.random.default_rng(0), (2, 2, 2), 3)
    with pytest.raises(ValueError, match=r"Definition 5\.2"):
        net.substitutions(X, Y, params)
    with pytest.raises(ValueError, match=r"Definition 5\.1"):
        S.network_expr([2])


# ================================================================================================================
# mathdnn_core.testing: the checkers pass when they should and FAIL when they should
# ================================================================================================================
def test_verdict_line_and_that_it_cannot_lie():
    v = T.Verdict("Proposition 2.2", "softmax Jacobian vs SymPy", 3.1e-16, 1e-12, 24)
    # The printed line names the tolerance, not the CPU-dependent measured digits (notebooks compare it exactly).
    assert str(v) == "✓ Proposition 2.2 — softmax Jacobian vs SymPy (24 cases): max rel. error ≤ 1e-12"
    assert v.measured == "Proposition 2.2 — softmax Jacobian vs SymPy: max rel. error 3.10e-16 (tolerance 1e-12)"
    assert str(T.Verdict("Definition 3.1", "x", 0.0, 1e-12, 1)).endswith("(1 case): max rel. error ≤ 1e-12")
    assert str(T.check_at_least(0.97, 0.96, statement="Definition 5.2", what="test accuracy")).endswith(": ≥ 0.96")
    with pytest.raises(AssertionError, match="0.95 < required 0.96"):
        T.check_at_least(0.95, 0.96, statement="Definition 5.2", what="test accuracy")
    with pytest.raises(AssertionError, match="Proposition 2.2 NOT verified"):
        T.Verdict("Proposition 2.2", "w", 2e-12, 1e-12, 3)
    with pytest.raises(AssertionError):
        T.Verdict("Proposition 2.2", "w", float("nan"), 1e-12, 3)
    with pytest.raises(AssertionError):
        T.Verdict("Proposition 2.2", "w", 0.0, 1e-12, 0)


def test_relative_error_definition():
    assert T.relative_error([1.0, -4.0], [1.0, -4.0]) == 0.0
    assert T.relative_error([1.0, -4.0 + 4e-12], [1.0, -4.0]) == pytest.approx(1e-12, rel=1e-3)  # ||.||_inf
    assert T.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert T.relative_error([1e-300, 0.0], [0.0, 0.0]) > 1e7  # an exact zero demands an exact zero
    assert T.relative_error([np.nan], [1.0]) == np.inf
    assert T.relative_error([(np.ones(2), np.ones(1))], [(np.ones(2), 2 * np.ones(1))]) == 0.5
    with pytest.raises(AssertionError, match="shapes differ"):
        T.relative_error(np.ones(3), np.ones((1, 3)))  # nothing broadcasts
    with pytest.raises(AssertionError, match="structures differ"):
        T.relative_error([np.ones(2)], [np.ones(2), np.ones(2)])
    with pytest.raises(AssertionError, match="reference"):
        T.relative_error([1.0], [np.inf])


def test_loglog_slope_recovers_the_power_and_refuses_non_positive_data():
    x = np.logspace(-5, -1, 9)
    assert T.loglog_slope(x, 3.0 * x**2) == pytest.approx(2.0, rel=1e-12)
    assert T.loglog_slope(x, 0.5 / x) == pytest.approx(-1.0, rel=1e-12)
    assert T.loglog_slope(x, 7.0 * np.ones_like(x)) == pytest.approx(0.0, abs=1e-12)
    for bad_y in (np.zeros_like(x), -x, np.full_like(x, np.nan)):
        with pytest.raises(AssertionError, match="finite and > 0"):
            T.loglog_slope(x, bad_y)
    with pytest.raises(AssertionError, match="same length >= 2"):
        T.loglog_slope(x, x[:-1])
    with pytest.raises(AssertionError, match="same length >= 2"):
        T.loglog_slope([1.0], [1.0])


def test_check_close_fails_on_values_and_on_shapes():
    assert T.check_close(np.ones(3), np.ones(3), statement="Definition 2.1", what="w").n_cases == 1
    with pytest.raises(AssertionError, match=r"Definition 2\.1 NOT verified — w: max rel\. error 1\.0\d*e-11"):
        T.check_close(np.array([1.0 + 1e-11, 1.0]), np.ones(2), statement="Definition 2.1", what="w")
    with pytest.raises(AssertionError, match="shapes differ"):
        T.check_close(np.ones(3), np.ones((1, 3)), statement="Definition 2.1", what="w")


@functools.cache
def softmax_jacobian_symbolic(m):
    z = S.symbols_vector("z", m)
    return z, S.softmax_jacobian_expr(z)


def exact_softmax_jacobian(point):
    z, J = softmax_jacobian_symbolic(len(point))
    return S.evaluate(J, {z: point})


def test_check_against_symbolic_passes_and_fails():
    points = T.random_points(np.random.default_rng(1), 3, 5)
    verdict = T.check_against_symbolic(
        activations.softmax_jacobian,
        exact_softmax_jacobian,
        points,
        statement="Proposition 2.2",
        what="softmax Jacobian vs SymPy",
    )
    assert verdict.n_cases == 5 and verdict.max_rel_error <= TOL
    assert str(verdict).startswith("✓ Proposition 2.2 — softmax Jacobian vs SymPy (5 cases): max rel. error")

    def wrong(z):  # the sign of s s^T flipped
        s = activations.softmax(z)
        return np.diag(s) + np.outer(s, s)

    with pytest.raises(AssertionError) as failure:
        T.check_against_symbolic(
            wrong, exact_softmax_jacobian, points, statement="Proposition 2.2", what="wrong Jacobian"
        )
    message = str(failure.value)
    assert "Proposition 2.2 NOT verified" in message and "case 0" in message and "input:" in message
    with pytest.raises(AssertionError, match="shapes differ"):
        T.check_against_symbolic(
            activations.softmax_jacobian,
            lambda p: exact_softmax_jacobian(p)[:, :2],
            points,
            statement="Proposition 2.2",
            what="w",
        )


def test_check_finite_differences_passes_and_fails():
    rng = np.random.default_rng(2)
    W, b = rng.standard_normal((2, 3)), rng.standard_normal(2)
    points = T.random_points(rng, 3, 4)
    f = lambda y: layers.dense(y, W, b)  # noqa: E731
    T.check_finite_differences(
        f, lambda y: layers.dense_jacobian_input(y, W, b), points, statement="Proposition 4.1", what="J = W"
    )
    with pytest.raises(AssertionError, match=r"Proposition 4\.1 NOT verified — w: max rel\. error 9\.999e-05"):
        T.check_finite_differences(f, lambda y: W * (1 + 1e-4), points, statement="Proposition 4.1", what="w")
    with pytest.raises(AssertionError, match="shapes differ"):
        T.check_finite_differences(f, lambda y: W.T, points, statement="Proposition 4.1", what="transposed")


def test_check_vjp_passes_and_fails():
    rng = np.random.default_rng(3)
    W, b = rng.standard_normal((3, 3)), rng.standard_normal(3)
    points, cotangents = T.random_points(rng, 3, 4), T.random_points(rng, 3, 4)
    jac = lambda y: layers.dense_jacobian_input(y, W, b)  # noqa: E731
    right = lambda y, v: layers.dense_vjp(y[None, :], W, v[None, :])[0][0]  # noqa: E731
    assert T.check_vjp(jac, right, points, cotangents, statement="Proposition 5.2", what="vW").n_cases == 4
    with pytest.raises(AssertionError, match=r"(?s)Proposition 5\.2 NOT verified.*cotangent v"):
        T.check_vjp(jac, lambda y, v: W @ v, points, cotangents, statement="Proposition 5.2", what="J v, not v J")
    with pytest.raises(AssertionError, match="4 points but 3 cotangents"):
        T.check_vjp(jac, right, points, cotangents[:3], statement="Proposition 5.2", what="w")


def test_check_gradient_routes_passes_and_fails(monkeypatch):
    X, Y, params = random_problem(np.random.default_rng(4), (3, 4, 3), 5)
    verdict = T.check_gradient_routes(X, Y, params)
    assert verdict.statement == "Corollary of Definition 5.2" and verdict.n_cases == 4
    original = network.backprop_gradients

    def broken(*args, **kwargs):
        grads = original(*args, **kwargs)
        return [(dW, db * (1 + 1e-9)) for dW, db in grads]

    monkeypatch.setattr(network, "backprop_gradients", broken)
    with pytest.raises(AssertionError, match=r"(?s)Corollary of Definition 5\.2 NOT verified.*db\^\(\d\)"):
        T.check_gradient_routes(X, Y, params)


def test_check_raises_passes_and_fails():
    bad = lambda: activations.relu_vjp(np.ones((3, 4)), np.ones(4))  # noqa: E731
    verdict = T.check_raises(bad, ValueError, must_mention=("(3, 4)", "(4,)"), statement="Proposition 5.1")
    assert str(verdict).startswith("✓ Proposition 5.1 — bad input raises ValueError (1 case): message names")
    with pytest.raises(AssertionError, match="nothing was raised"):
        T.check_raises(lambda: activations.relu(np.ones(3)), ValueError, statement="Definition 2.1")
    with pytest.raises(AssertionError, match="got ValueError instead"):
        T.check_raises(bad, TypeError, statement="Proposition 5.1")
    with pytest.raises(AssertionError, match=r"does not mention \['Definition 9\.9'\]"):
        T.check_raises(bad, ValueError, statement="Definition 9.9")
    with pytest.raises(AssertionError, match="does not mention"):
        T.check_raises(bad, ValueError, must_mention=("(5,)",), statement="Proposition 5.1")


def test_point_helpers():
    a = T.random_points(np.random.default_rng(5), (2, 3), 4, scale=2.0)
    b = T.random_points(np.random.default_rng(5), (2, 3), 4, scale=2.0)
    assert len(a) == 4 and all(p.shape == (2, 3) and p.dtype == np.float64 for p in a)
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    with pytest.raises(TypeError):
        T.random_points(5, 3, 1)
    edges = T.edge_points(5)
    assert all(p.shape == (5,) and np.all(np.isfinite(p)) for p in edges)
    assert any(np.count_nonzero(p == 0) == 1 for p in edges)  # exactly one kink
    assert any(np.max(np.abs(p)) >= 1e4 for p in edges)
    assert len(T.edge_points(1)) == len(edges)


# ================================================================================================================
# Style: every public function of symbolic and testing names the statement it twins (DESIGN.md §3)
# ================================================================================================================
@pytest.mark.parametrize("module", [S, T], ids=["symbolic", "testing"])
def test_every_public_function_has_one_paper_line(module):
    import ast
    import inspect
    import re

    pattern = re.compile(
        r"^Paper: (Corollary of )?(Definition|Proposition|Theorem|Assumption|Notation) \d+(\.\d+)?"
        r"(, (Corollary of )?(Definition|Proposition|Theorem|Assumption|Notation) \d+(\.\d+)?)*$"
    )
    tree = ast.parse(inspect.getsource(module))
    public = [
        node
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_")
    ]
    public += [
        item
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        for item in node.body
        if isinstance(item, ast.FunctionDef) and not item.name.startswith("_")
    ]
    assert public
    for node in public:
        doc = ast.get_docstring(node) or ""
        lines = [line.strip() for line in doc.splitlines() if line.strip().startswith("Paper:")]
        assert len(lines) == 1 and pattern.match(lines[0]), f"{module.__name__}.{node.name}: {lines}"
    assert set(module.__all__) <= {node.name for node in public} | {"REALMIN"}


# ================================================================================================================
# check_identity and check_refuted: they fail when they should
# ================================================================================================================
def test_check_identity_proves_true_identities_and_rejects_false_ones():
    import sympy as sp

    z = S.symbols_vector("z", 3)
    v = T.check_identity(
        S.softmax_jacobian_expr(z), S.softmax_jacobian_paper(z), statement="Proposition 2.2", what="m = 3 Jacobian"
    )
    assert str(v).endswith("exact (SymPy simplifies the difference to 0)")
    with pytest.raises(AssertionError, match="Proposition 2.2 NOT verified"):
        T.check_identity(
            S.softmax_jacobian_expr(z), S.softmax_jacobian_paper(z).T * 2, statement="Proposition 2.2", what="wrong"
        )
    entry = S.softmax_jacobian_entry_general()
    assert "verified for m = 2, 3, 4, 5" in str(
        T.check_identity(entry.derived, entry.paper, statement="Proposition 2.2", what="general m")
    )
    with pytest.raises(AssertionError, match="fails for m"):
        T.check_identity(entry.derived, -entry.paper, statement="Proposition 2.2", what="wrong sign")
    with pytest.raises(AssertionError, match="shapes"):
        T.check_identity(sp.zeros(2, 2), sp.zeros(2, 3), statement="Proposition 2.2", what="shapes")


def test_check_refuted_needs_the_check_to_fail():
    good = lambda: T.check_close(np.ones(2), np.ones(2), statement="Proposition 3.1", what="same")  # noqa: E731
    bad = lambda: T.check_close(np.ones(2), -np.ones(2), statement="Proposition 3.1", what="sign")  # noqa: E731
    why = ("max rel. error",)
    assert "refuted" in str(T.check_refuted(bad, statement="Proposition 3.1", what="printed index", must_mention=why))
    with pytest.raises(AssertionError, match="not an erratum"):
        T.check_refuted(good, statement="Proposition 3.1", what="printed index", must_mention=why)
    for nothing in ((), "max rel. error", ("",)):
        with pytest.raises(ValueError, match="must_mention must be a non-empty tuple"):
            T.check_refuted(bad, statement="Proposition 3.1", what="printed index", must_mention=nothing)
    assert T.check_refuted(bad, statement="Proposition 3.1", what="printed index", must_mention=("max rel. error",))
    with pytest.raises(AssertionError, match="not for the expected reason"):
        T.check_refuted(bad, statement="Proposition 3.1", what="printed index", must_mention=("shapes",))
