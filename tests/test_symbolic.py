"""mathdnn_core.symbolic: SymPy derives what the paper states, at a concrete size; the packages' structure.

The symbolic twins are the references of every other test, so they are checked against the paper's formulas here
(difference simplifies to 0). One banner per module of the package (``symbolic.activations``, ``.losses``,
``.layers``, ``.upstream``, ``.network``); ``symbolic.exact`` is tested in ``test_symbolic_exact.py``,
``symbolic.general`` in ``test_symbolic_general.py`` and the checkers of ``mathdnn_core.testing`` in
``test_testing.py``. The last banner holds both packages to their structure: names, modules, ``Paper:`` lines.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import pkgutil

import numpy as np
import pytest
import sympy as sp
from conftest import random_problem
from paper_lines import paper_lines, parse_paper_line

from mathdnn_core import activations, layers, losses, network, optim, paper
from mathdnn_core import symbolic as S
from mathdnn_core import testing as T
from mathdnn_core.symbolic import general, upstream

TOL = 1e-12


def is_zero_matrix(M) -> bool:
    return sp.simplify(sp.Matrix(M)) == sp.zeros(*M.shape)


# ================================================================================================================
# symbolic.activations (§2): ReLU and Assumption 1, Softmax
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


def test_relu_vjp_expr_is_v_times_jacobian_and_proposition_5_1_with_a_linear_upstream():
    z, v = S.symbols_vector("z", 3), S.symbols_vector("v", 3)
    vjp = S.relu_vjp_expr(z, v)
    assert not vjp.has(sp.Heaviside)
    assert is_zero_matrix(vjp - v * S.relu_jacobian_paper(z))
    assert vjp == S.relu_upstream_gradient_expr(z, S.linear_upstream(v))
    assert S.evaluate(vjp, {z: [0.0, 1.0, -1.0], v: [5.0, 7.0, 11.0]}).tolist() == [[0.0, 7.0, 0.0]]


def test_vjp_exprs_refuse_a_cotangent_of_the_wrong_length():
    z, v = S.symbols_vector("z", 3), S.symbols_vector("v", 2)
    with pytest.raises(ValueError, match=r"v must have 3 entries.*\(Proposition 5\.1\); got \(1, 2\)"):
        S.relu_vjp_expr(z, v)
    with pytest.raises(ValueError, match=r"v must have 3 entries.*\(Proposition 2\.2\)"):
        S.softmax_vjp_expr(z, v)
    with pytest.raises(ValueError, match=r"v must have 3 entries.*\(Proposition 5\.2\)"):
        S.dense_vjp_expr(S.symbols_vector("y", 2), S.symbols_matrix("W", 3, 2), z, v)


# ================================================================================================================
# symbolic.losses (§3 and Proposition 5.3)
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
# symbolic.layers (§4): the dense layer
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


@pytest.mark.parametrize("m,n", [(2, 3), (3, 2), (1, 1)])
def test_weight_jacobian_is_the_row_jacobians_side_by_side_a_kronecker_product(m, n):
    y, W, b = S.symbols_vector("y", n), S.symbols_matrix("W", m, n), S.symbols_vector("b", m)
    by_rows = S.layers.dense_jacobian_weights_expr(y, W, b)
    assert by_rows.shape == (m, m * n)
    assert by_rows == S.layers.dense_jacobian_weights_paper(y, W, b) == sp.kronecker_product(sp.eye(m), y)
    assert S.layers.dense_jacobian_weights_expr(y, W, b, order="F") == sp.kronecker_product(y, sp.eye(m))
    v = S.symbols_vector("v", m)  # the VJP never needs the matrix: v (I_m ⊗ y) = v ⊗ y = v^T y, rows flattened
    assert sp.expand(v * by_rows) == sp.kronecker_product(v, y) == (v.T * y).reshape(1, m * n)
    with pytest.raises(ValueError, match=r"'C'.*'F'.*Proposition 4\.2"):
        S.layers.dense_jacobian_weights_expr(y, W, b, order="A")


@pytest.mark.parametrize("order", ["C", "F"])
def test_weight_jacobian_is_a_kronecker_product_in_general_dimension(order):
    from sympy.matrices.expressions.kronecker import KroneckerProduct
    from sympy.matrices.expressions.matexpr import MatrixElement

    entry = S.general.dense_jacobian_weights_entry_general(order)
    T.check_identity(entry.raw, entry.paper, statement="Proposition 4.2", what=f"J_W = Kronecker, order {order}")
    s = entry.symbols
    m, n, i, i_star, j, y = s["m"], s["n"], s["i"], s["i_star"], s["j"], s["y"]
    assert entry.derived == sp.KroneckerDelta(i, i_star) * y[j]
    # the check can fail: the other Kronecker product, read at this flattening's column, is another matrix
    row = sp.MatrixSymbol("y", 1, n)
    swapped = KroneckerProduct(row, sp.Identity(m)) if order == "C" else KroneckerProduct(sp.Identity(m), row)
    column = (i_star - 1) * n + (j - 1) if order == "C" else (j - 1) * m + (i_star - 1)
    wrong = swapped._entry(i - 1, column).replace(
        lambda e: isinstance(e, MatrixElement) and e.parent == row, lambda e: y[e.j + 1]
    )
    assert not S.general_identity_holds(entry.raw, wrong, m_values=(2,))


def test_proposition_4_3_proof_range_is_refuted_on_values():
    y, W, b = S.symbols_vector("y", 3), S.symbols_matrix("W", 3, 3), S.symbols_vector("b", 3)
    assert S.layers.dense_jacobian_bias_proof_printed(y, W, b) == sp.eye(3)  # n = m hides the slip
    y, W = S.symbols_vector("y", 2), S.symbols_matrix("W", 3, 2)  # n = 2 < m = 3
    printed = S.layers.dense_jacobian_bias_proof_printed(y, W, b)
    assert printed == sp.diag(1, 1, 0)
    T.check_refuted(
        lambda: T.check_identity(printed, S.dense_jacobian_bias_expr(y, W, b), statement="Proposition 4.3", what="-"),
        statement="Proposition 4.3",
        what="the proof's j in [1, n] with n < m",
        must_mention=("does not simplify",),
    )
    y, W, b = S.symbols_vector("y", 4), S.symbols_matrix("W", 2, 4), S.symbols_vector("b", 2)  # n = 4 > m = 2
    T.check_raises(
        lambda: S.layers.dense_jacobian_bias_proof_printed(y, W, b),
        ValueError,
        must_mention=("j in [1, n]", "no b_3"),
        statement="Proposition 4.3",
    )


# ================================================================================================================
# symbolic.upstream (§5.1): Propositions 5.1 and 5.2 with a generic and a concrete upstream function
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
    for row in range(2):  # each row of dW is Proposition 5.2's left side with the linear upstream u v^T
        assert dW[row, :] == S.dense_upstream_weight_row_gradient_expr(y, W, b, row, S.linear_upstream(v))


# ================================================================================================================
# symbolic.network (§5.2): the whole network against network.gradients (both routes)
# ================================================================================================================
@functools.cache
def symbolic_network(sizes, n_samples):
    net = S.network_expr(list(sizes), n_samples=n_samples)
    return net, S.objective_gradient_expr(net)


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
        X, Y, params = random_problem(sizes, 2, rng)
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
    X, Y, params = random_problem((2, 2, 2), 3, seed=0)
    with pytest.raises(ValueError, match=r"Definition 5\.2"):
        net.substitutions(X, Y, params)
    with pytest.raises(ValueError, match=r"Definition 5\.1"):
        S.network_expr([2])


# ================================================================================================================
# §5 in general dimension and the printed forms of Proposition 5.2; the joint differentiability of the layer
# ================================================================================================================
@pytest.mark.parametrize(
    ("entry_of", "wrong"),
    [
        # Proposition 5.1 without the mask: the gradient of F would pass through ReLU unchanged
        (general.relu_upstream_gradient_entry_general, lambda e: e.symbols["g"][e.symbols["j"]]),
        # Proposition 5.2 with the indices swapped: y_{i*} instead of y_j
        (
            general.dense_upstream_weight_row_entry_general,
            lambda e: e.symbols["g"][e.symbols["j"]] * e.symbols["y"][e.symbols["i_star"]],
        ),
    ],
    ids=["Proposition 5.1", "Proposition 5.2"],
)
def test_propositions_5_1_and_5_2_hold_in_general_dimension_and_reject_a_wrong_entry(entry_of, wrong):
    entry = entry_of()
    details = {}
    assert S.general_identity_holds(entry.raw, entry.paper, details=details)
    assert details == {"general": True, "sizes": {2: True, 3: True, 4: True, 5: True}}
    assert not S.general_identity_holds(entry.raw, wrong(entry), (2, 3))


def test_proposition_5_3_for_any_target_and_only_on_the_simplex_as_printed():
    soft = general.softmax_cross_entropy_gradient_soft_entry_general()
    fused = general.softmax_cross_entropy_gradient_entry_general()
    assert S.general_identity_holds(soft.raw, soft.paper, (2, 3, 4)) and soft.given == ()
    assert not S.general_identity_holds(soft.raw, fused.paper, (2, 3))  # S_j - y*_j needs sum_k y*_k = 1
    assert S.general_identity_holds(soft.raw, fused.paper, (2, 3), given=fused.given)
    Sb = sp.IndexedBase("S", real=True)
    s = soft.symbols
    total = sp.Sum(s["y_star"][s["k"]], (s["k"], 1, s["m"]))
    assert sp.expand(soft.notation - (Sb[s["j"]] * total - s["y_star"][s["j"]])) == 0


def test_proposition_5_2_printed_v_is_the_gradient_only_where_v_is_y():
    y, W, b, v = (
        S.symbols_vector("y", 2),
        S.symbols_matrix("W", 3, 2),
        S.symbols_vector("b", 3),
        S.symbols_vector("v", 2),
    )
    for row in range(3):
        derived = S.dense_upstream_weight_row_gradient_expr(y, W, b, row)
        assert is_zero_matrix(derived - upstream.dense_upstream_weight_row_gradient_printed(y, W, b, row, y))
        printed = upstream.dense_upstream_weight_row_gradient_printed(y, W, b, row, v)
        assert not is_zero_matrix(derived - printed)
    with pytest.raises(ValueError, match=r"Proposition 5\.2"):
        upstream.dense_upstream_weight_row_gradient_printed(y, W, b, 0, S.symbols_vector("v", 3))


def test_proposition_5_2_proof_differentiates_the_composite_not_its_gradient():
    """n = 1: both sides of the printed line are numbers; the derivative of the gradient is a second derivative."""
    y, W, b = S.symbols_vector("y", 1), S.symbols_matrix("W", 2, 1), S.symbols_vector("b", 2)
    w = W[0, 0]
    printed_rhs = S.dense_upstream_weight_row_gradient_paper(y, W, b, 0)
    composite = S.generic_upstream()(S.dense_expr(y, W, b))
    assert is_zero_matrix(sp.Matrix([[sp.diff(composite, w)]]) - printed_rhs)
    derivative_of_gradient = sp.diff(S.dense_upstream_weight_row_gradient_expr(y, W, b, 0), w)
    assert not is_zero_matrix(derivative_of_gradient - printed_rhs)
    assert derivative_of_gradient.has(sp.Derivative) and "2" in str(derivative_of_gradient.atoms(sp.Derivative))


def test_corollaries_of_definitions_5_1_and_5_2_the_dense_layer_is_jointly_differentiable():
    """The step the proofs skip: L's remainder in (y, W, b) jointly is exactly dy dW^T, of second order."""
    y, W, b = S.symbols_vector("y", 3), S.symbols_matrix("W", 2, 3), S.symbols_vector("b", 2)
    dy, dW, db = S.symbols_vector("dy", 3), S.symbols_matrix("dW", 2, 3), S.symbols_vector("db", 2)
    remainder = S.dense_expr(y + dy, W + dW, b + db) - S.dense_expr(y, W, b) - (dy * W.T + y * dW.T + db)
    assert is_zero_matrix(remainder - dy * dW.T)
    assert not is_zero_matrix(remainder)


# ================================================================================================================
# symbolic.optim (§6): convexity, smoothness, co-coercivity in general dimension; the proof lines; exact iterates
# ================================================================================================================
def test_separable_quadratic_identities_of_section_6_hold_in_general_dimension():
    """Each identity of Definitions 6.1-6.2 and Propositions 6.1-6.4 for f = sum_i (a_i x_i^2 / 2 + c_i x_i), term
    by term (hence for every m); the gradient entry is SymPy's derivative of the sum, a_i x_i + c_i."""
    quadratic = S.separable_quadratic()
    s = quadratic.symbols
    assert sp.simplify(quadratic.gradient_entry - (s["a"][s["i"]] * s["x"][s["i"]] + s["c"][s["i"]])) == 0
    identities = quadratic.identities()
    assert set(identities) == {"Definition 6.1", "Proposition 6.1", "Proposition 6.2", "Proposition 6.3",
                               "Proposition 6.4"}  # fmt: skip
    for statement, (lhs, rhs) in identities.items():
        T.check_identity(lhs, rhs, statement=statement, what="term by term", m_values=(2, 3))
        T.check_refuted(
            lambda lhs=lhs, rhs=rhs, statement=statement: T.check_identity(
                lhs, rhs + s["x"][s["i"]] ** 2, statement=statement, what="a wrong term", m_values=(2,)
            ),
            statement=statement,
            what="a wrong right side is refused",
            must_mention=("the identity fails",),
        )


def test_proof_lines_of_propositions_6_1_and_6_3():
    """Proposition 6.1's (a), (b) and their combination hold for any g; Proposition 6.3's middle line equals
    grad f(y)(y - x)^T - |grad f(x) - grad f(y)|^2 / (2L) at the corrected z and exceeds it by 2|.|^2 / L at the
    printed z."""
    for line, (lhs, rhs) in S.first_order_proof_terms().items():
        T.check_identity(lhs, rhs, statement="Proposition 6.1", what=line, m_values=(2, 3))
    middle, claimed = S.co_coercivity_proof_terms("corrected")
    T.check_identity(middle, claimed, statement="Proposition 6.3", what="corrected z", m_values=(2, 3))
    printed, _ = S.co_coercivity_proof_terms("printed")
    gx, gy = (
        next(b for b in printed.atoms(sp.Indexed) if b.base.label.name == name)
        for name in (r"\nabla_f(x)", r"\nabla_f(y)")
    )
    L = next(a for a in printed.free_symbols if a.name == "L")
    T.check_identity(printed, claimed + 2 * (gx - gy) ** 2 / L, statement="Proposition 6.3", what="printed z")
    with pytest.raises(ValueError, match="'corrected' or 'printed'"):
        S.co_coercivity_proof_terms("other")


def test_softmax_jacobian_quadratic_form_is_a_variance():
    lhs, rhs, given = S.softmax_variance_general()
    T.check_identity(lhs, rhs, given=given, statement="Definition 6.1", what="v J_S v^T", m_values=(2, 3))
    T.check_refuted(
        lambda: T.check_identity(lhs, rhs, statement="Definition 6.1", what="without sum s = 1", m_values=(2,)),
        statement="Definition 6.1",
        what="the hypothesis sum_k s_k = 1 is needed",
        must_mention=("the identity fails",),
    )


def test_quadratic_expr_and_symmetric_matrix():
    x, c = S.symbols_vector("x", 3), S.symbols_vector("c", 3)
    A = S.symmetric_matrix("A", 3)
    assert A == A.T and len(A.free_symbols) == 6
    f = S.quadratic_expr(x, A, c)
    assert is_zero_matrix(sp.Matrix([f]).jacobian(x) - (x * A + c))
    assert is_zero_matrix(sp.hessian(f, list(x)) - A)
    with pytest.raises(ValueError, match="A must be 3 x 3"):
        S.quadratic_expr(x, S.symmetric_matrix("A", 2), c)


def test_softmax_regression_expr_orders_its_parameters_like_the_package():
    net, theta = S.softmax_regression_expr(2, 3, 1)
    W, b = net.weights[0], net.biases[0]
    assert theta.shape == (1, 9) and list(theta[3:6]) == [W[1, 0], W[1, 1], b[1]]
    assert net.sizes == (2, 3)


def test_momentum_iterates_three_forms():
    """The heavy ball with alpha (1 - beta) is the (1 - beta) form with alpha; the printed indexing does not move on
    its first step, equals the standard x^(1) at step 2, then differs by -alpha^2 (1 - beta)^2 a^2 x0 (f = a x^2/2);
    beta = 0 is gradient descent. The twins of optim.momentum_sequence and optim.gradient_descent_sequence."""
    a, x0, alpha, beta = sp.symbols("a x0 alpha beta", positive=True)
    grad = lambda row: a * row  # noqa: E731
    start = sp.Matrix([[x0]])
    standard = S.momentum_iterates(grad, start, alpha, beta, 4)
    printed = S.momentum_iterates(grad, start, alpha, beta, 4, form="paper")
    heavy = S.momentum_iterates(grad, start, alpha * (1 - beta), beta, 4, form="heavy-ball")
    assert all(is_zero_matrix(h - s) for h, s in zip(heavy, standard))
    assert printed[1] == printed[0] and is_zero_matrix(printed[2] - standard[1])
    assert sp.simplify(printed[3][0] - standard[2][0] + alpha**2 * (1 - beta) ** 2 * a**2 * x0) == 0
    plain = S.gradient_descent_iterates(grad, start, alpha, 4)
    assert all(is_zero_matrix(p - s.subs(beta, 0)) for p, s in zip(plain, standard))
    with pytest.raises(ValueError, match="form must be one of"):
        S.momentum_iterates(grad, start, alpha, beta, 2, form="nesterov")
    A = np.array([[2.0, 0.5], [0.5, 1.0]])
    exact = S.momentum_iterates(lambda row: row * sp.Matrix(A), sp.Matrix([[1.5, -2.0]]), 0.25, 0.75, 6, form="paper")
    numeric = optim.momentum_sequence(lambda x: x @ A, np.array([1.5, -2.0]), 0.25, 0.75, 6, indexing="paper")
    T.check_against_symbolic(
        lambda k: numeric[k],
        lambda k: S.evaluate(exact[k], {}, shape=(2,)),
        range(7),
        statement="Definition 6.5",
        what="momentum_sequence(indexing='paper') vs exact",
    )


def test_rate_bounds_ratio():
    bounds = S.rate_bounds()
    ratio = sp.simplify(bounds["paper"] / bounds["lecture"])
    assert sp.simplify(ratio - 4 / (2 - bounds["alpha"] * bounds["L"])) == 0


# ================================================================================================================
# The packages symbolic and testing: names, modules, Paper lines (DESIGN.md §3)
# ================================================================================================================
def submodules(package):
    """The modules of a package, private ones (``_rows``) included: every file holds to the same rules."""
    return [
        importlib.import_module(f"{package.__name__}.{info.name}") for info in pkgutil.iter_modules(package.__path__)
    ]


def public_definitions(module):
    """Public functions and classes defined in ``module``'s source, and the public methods of its classes."""
    tree = ast.parse(inspect.getsource(module))
    public = [
        node
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_")
    ]
    public += [
        item
        for node in tree.body
        if isinstance(node, ast.ClassDef) and not node.name.startswith("_")
        for item in node.body
        if isinstance(item, ast.FunctionDef) and not item.name.startswith("_")
    ]
    return public


@pytest.mark.parametrize("package", [S, T], ids=["symbolic", "testing"])
def test_every_public_function_has_one_paper_line(package):
    """One ``Paper:`` line each, citing at least one statement the catalogue knows (tests/paper_lines.py)."""
    defined = set()
    for module in submodules(package):
        if module.__name__.rpartition(".")[2].startswith("_"):
            continue  # plumbing shared by the modules (rows are 1 x m), like mathdnn_core._validation
        for node in public_definitions(module):
            lines = paper_lines(ast.get_docstring(node) or "")
            cited = [key for line in lines for key in parse_paper_line(line)]
            assert len(lines) == 1 and cited, f"{module.__name__}.{node.name}: {lines}"
            unknown = [key for key in cited if not paper.known(key[1], key[0])]
            assert not unknown, f"{module.__name__}.{node.name} cites statements the catalogue lacks: {unknown}"
            defined.add(node.name)
    assert defined
    assert set(package.__all__) <= defined | {"REALMIN"}


#: ``__all__`` of the single-file modules before the split: every name must still resolve on the package.
BEFORE_THE_SPLIT = {
    S: "symbols_vector symbols_matrix evaluate to_latex relu_expr relu_derivative_expr apply_assumption_1 "
    "relu_jacobian_expr relu_jacobian_paper softmax_expr softmax_jacobian_expr softmax_jacobian_paper "
    "cross_entropy_expr cross_entropy_gradient_expr cross_entropy_gradient_paper softmax_cross_entropy_gradient_expr "
    "softmax_cross_entropy_gradient_paper dense_expr dense_jacobian_input_expr dense_jacobian_input_paper "
    "dense_jacobian_weight_row_expr dense_jacobian_weight_row_paper dense_jacobian_bias_expr "
    "dense_jacobian_bias_paper generic_upstream linear_upstream relu_upstream_gradient_expr "
    "relu_upstream_gradient_paper dense_upstream_weight_row_gradient_expr dense_upstream_weight_row_gradient_paper "
    "relu_vjp_expr softmax_vjp_expr dense_vjp_expr SymbolicNetwork network_expr objective_gradient_expr "
    "evaluate_gradients GeneralEntry softmax_entry_general relu_jacobian_entry_general "
    "softmax_jacobian_entry_general cross_entropy_gradient_entry_general dense_jacobian_input_entry_general "
    "dense_jacobian_weight_row_entry_general dense_jacobian_bias_entry_general "
    "softmax_cross_entropy_gradient_entry_general general_identity_holds softmax_notation".split(),
    T: "Verdict relative_error check_close check_at_least check_identity check_refuted check_against_symbolic "
    "check_finite_differences check_vjp check_gradient_routes routes_disagreement check_raises random_points "
    "edge_points loglog_slope REALMIN".split(),
}


@pytest.mark.parametrize("package", [S, T], ids=["symbolic", "testing"])
def test_every_name_of_the_single_module_still_resolves(package):
    missing = [name for name in BEFORE_THE_SPLIT[package] if not hasattr(package, name)]
    assert not missing and set(BEFORE_THE_SPLIT[package]) <= set(package.__all__), missing
    for name in package.__all__:
        obj = getattr(package, name)
        home = getattr(obj, "__module__", package.__name__)
        assert home.startswith(package.__name__), f"{name} is defined in {home}, outside {package.__name__}"


def test_a_twin_is_found_by_the_file_name_of_its_numeric_map():
    twins = [
        (activations.relu_jacobian, S.relu_jacobian_expr),
        (activations.relu_vjp, S.relu_vjp_expr),
        (activations.softmax_vjp, S.softmax_vjp_expr),
        (losses.cross_entropy_gradient, S.cross_entropy_gradient_expr),
        (losses.softmax_cross_entropy_gradient, S.softmax_cross_entropy_gradient_expr),
        (layers.dense_vjp, S.dense_vjp_expr),
        (network.objective, S.network_expr),
        (network.gradients, S.objective_gradient_expr),
    ]
    for numeric, twin in twins:
        assert twin.__module__ == numeric.__module__.replace("mathdnn_core.", "mathdnn_core.symbolic."), twin


@pytest.mark.parametrize("package", [S, T], ids=["symbolic", "testing"])
def test_no_file_of_the_package_is_over_500_lines(package):
    for module in [package, *submodules(package)]:
        lines = inspect.getsource(module).count("\n")
        assert lines <= 500, f"{module.__name__}: {lines} lines (DESIGN.md: no file over 500 lines)"
