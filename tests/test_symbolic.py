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
import re

import numpy as np
import pytest
import sympy as sp
from conftest import random_problem

from mathdnn_core import activations, layers, losses, network
from mathdnn_core import symbolic as S
from mathdnn_core import testing as T

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
    pattern = re.compile(
        r"^Paper: (Corollary of )?(Definition|Proposition|Theorem|Assumption|Notation) \d+(\.\d+)?"
        r"(, (Corollary of )?(Definition|Proposition|Theorem|Assumption|Notation) \d+(\.\d+)?)*$"
    )
    defined = set()
    for module in submodules(package):
        if module.__name__.rpartition(".")[2].startswith("_"):
            continue  # plumbing shared by the modules (rows are 1 x m), like mathdnn_core._validation
        for node in public_definitions(module):
            doc = ast.get_docstring(node) or ""
            lines = [line.strip() for line in doc.splitlines() if line.strip().startswith("Paper:")]
            assert len(lines) == 1 and pattern.match(lines[0]), f"{module.__name__}.{node.name}: {lines}"
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
