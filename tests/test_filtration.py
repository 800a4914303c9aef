"""L. Borasi's notes (seed 003): the network with the activation on each layer's input, the filtration, the cost S,
its gradient by three routes (Corollary 1.2.1's recursion, Proposition 1.2's relations, the literal chain of
Jacobian matrices), Theorem 1.1 measured, training — and every erratum of the catalogue refuted on values."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import sympy as sp
from conftest import copy_params
from hypothesis import given, settings
from hypothesis import strategies as st

from mathdnn_core import differentials, filtration, network, optim, symbolic, training
from mathdnn_core import filtration_descent as descent
from mathdnn_core import testing as T
from mathdnn_core.symbolic import filtration as SF

DOC = "borasi-notes"
SETTINGS = settings(max_examples=25, deadline=None)
ACTIVATION = st.sampled_from(sorted(filtration.ACTIVATIONS))


# ----------------------------------------------------------------------------------------------------------------
# Helpers: problems, the SymPy twin per size, one-line checks on the notes' document
# ----------------------------------------------------------------------------------------------------------------
def notes_problem(widths, n: int, seed, *, scale: float = 1.0):
    """``(X, T, params)``: standard-normal inputs and reference outputs, He weights, biases ``0.3 N(0, 1)``."""
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    params = [(w, 0.3 * rng.standard_normal(b.shape)) for w, b in network.init_params(list(widths), rng=rng)]
    X = scale * rng.standard_normal((n, widths[0]))
    return X, rng.standard_normal((n, widths[-1])), params


def flat(params) -> np.ndarray:
    return np.concatenate([np.concatenate([w.ravel(), b]) for w, b in params])


def unflat(vector, like):
    out, start = [], 0
    for w, b in like:
        out.append((vector[start : start + w.size].reshape(w.shape), vector[start + w.size : start + w.size + b.size]))
        start += w.size + b.size
    return out


@functools.cache
def twin(widths, activations, n_samples):
    """The SymPy network and its cost gradient (``sympy.diff``), cached per size."""
    net = SF.notes_network_expr(widths, activations, n_samples)
    return net, SF.cost_gradient_expr(net)


def exact_gradients(net, grads, X, Tgt, params):
    subs = net.substitutions(X, Tgt, params)
    return [(symbolic.evaluate(dw, subs), symbolic.evaluate(db, subs, shape=(db.cols,))) for dw, db in grads]


def expanded(matrix):
    return sp.ImmutableMatrix(matrix).applyfunc(sp.expand)


def close(actual, expected, statement, what="", tol=1e-12):
    return T.check_close(actual, expected, statement=statement, what=what, tol=tol, document=DOC)


def at_least(value, floor, statement, what=""):
    return T.check_at_least(value, floor, statement=statement, what=what, document=DOC)


def identity(lhs, rhs, statement, what=""):
    return T.check_identity(lhs, rhs, statement=statement, what=what, document=DOC)


def refuted(check, statement, reason="max rel. error"):
    """The printed form fails ``check`` for ``reason``: the erratum, on values."""
    return T.check_refuted(check, statement=statement, what="the printed form", must_mention=(reason,), document=DOC)


def raises(fn, statement, *mentions):
    return T.check_raises(fn, ValueError, statement=statement, must_mention=mentions, document=DOC)


def stages(params, acts):
    """The layers as (map, Jacobian) pairs for :func:`mathdnn_core.differentials.compose_jacobians`."""
    return [
        (
            lambda x, v=v, a=a: filtration.layer_transition(x, v, a),
            lambda x, v=v, a=a: filtration.layer_transition_jacobian(x, v, a),
        )
        for v, a in zip(params, acts)
    ]


# ----------------------------------------------------------------------------------------------------------------
# Cost function (§1.1)
# ----------------------------------------------------------------------------------------------------------------
def test_cost_is_the_sum_of_squared_errors():
    X, Tgt, params = notes_problem([3, 4, 2], 5, seed=0)
    net, _ = twin((3, 4, 2), ("tanh", "relu"), 5)
    exact = symbolic.evaluate(net.cost, net.substitutions(X, Tgt, params))
    close(filtration.cost(X, Tgt, params, ("tanh", "relu")), exact, "Cost function (§1.1)", "S vs SymPy")
    close(filtration.cost(X, Tgt, params, ("tanh", "relu"), reduction="mean"), exact / 5, "Cost function (§1.1)")
    raises(lambda: filtration.cost(X, Tgt, params, "tanh", reduction="max"), "Cost function (§1.1)", "'sum'")


def test_cost_refutes_the_sum_over_the_whole_input_space():
    """Printed: a sum over every f of H_in = R^N. Its partial sums over n points grow like n: no finite value."""
    rng = np.random.default_rng(1)
    _, _, params = notes_problem([2, 3, 1], 1, rng)
    points = rng.standard_normal((4000, 2))
    partial = np.cumsum(filtration.squared_errors(points, np.sin(points[:, :1]), params, "tanh"))
    refuted(lambda: close(partial[3999], partial[999], "Cost function (§1.1)", "the partial sums settle", tol=0.1),
            "Cost function (§1.1)")  # fmt: skip
    at_least(partial[3999] / partial[999], 3.0, "Cost function (§1.1)", "they grow like n")


# ----------------------------------------------------------------------------------------------------------------
# Theorem 1.1
# ----------------------------------------------------------------------------------------------------------------
@SETTINGS
@given(st.integers(0, 2**32 - 1))
def test_theorem_1_1_small_steps_decrease_a_smooth_cost(seed):
    X, Tgt, params = notes_problem([3, 4, 2], 6, seed)
    steps = np.geomspace(1e-7, 1e-4, 4)
    norm = descent.squared_norm(filtration.gradients(X, Tgt, params, "tanh"))
    decrease = -descent.decrease_along_gradient(X, Tgt, params, "tanh", steps) / (steps * norm)
    at_least(decrease.min(), 0.5, "Theorem 1.1", "S(V) - S(V - eps g) >= eps ||g||^2 / 2")
    R = descent.descent_remainder(X, Tgt, params, "tanh", [1e-3, 1e-2])
    refuted(lambda: close(R[1] / 1e-4, R[0] / 1e-6, "Theorem 1.1", "R / eps^2 is a constant"), "Theorem 1.1")


@pytest.mark.parametrize("seed", range(3))
def test_theorem_1_1_proof_step_is_below_the_largest_decreasing_step(seed):
    X, Tgt, params = notes_problem([2, 3, 1], 8, seed)
    norm = descent.squared_norm(filtration.gradients(X, Tgt, params, "tanh"))
    C = descent.remainder_constant(X, Tgt, params, "tanh", np.geomspace(1e-4, 1.0, 300))
    proof = descent.proof_step_bound(np.sqrt(norm), C)
    at_least(descent.largest_decreasing_step(X, Tgt, params, "tanh", upper=10.0) / proof, 1.0, "Theorem 1.1")
    change = descent.decrease_along_gradient(X, Tgt, params, "tanh", [0.999 * proof])[0]
    at_least(-change / (0.999 * proof * norm), 0.5, "Theorem 1.1", "the proof's decrease")


def test_theorem_1_1_needs_differentiability_at_a_relu_kink():
    X, Tgt, params, acts = descent.kink_example()
    assert descent.squared_norm(filtration.gradients(X, Tgt, params, acts)) == 36.0
    steps = np.geomspace(1e-8, 10.0, 50)
    increase = descent.decrease_along_gradient(X, Tgt, params, acts, steps)
    at_least((increase / (12 * steps)).min(), 0.99, "Theorem 1.1", "S(V - eps g) - S(V) >= 12 eps for every eps")
    small = np.geomspace(1e-6, 1e-3, 6)
    slope = T.loglog_slope(small, descent.descent_remainder(X, Tgt, params, acts, small))
    refuted(lambda: at_least(slope, 1.9, "Theorem 1.1", "R = O(eps^2)"), "Theorem 1.1", "< required")
    raises(lambda: descent.largest_decreasing_step(X, Tgt, params, acts), "Theorem 1.1", "does not decrease")


def quadratic_problem(gradient_norm: float):
    """One layer, identity activation: S is an exact quadratic. A point at which ||grad S|| = gradient_norm."""
    rng = np.random.default_rng(4)
    X, Tgt = rng.standard_normal((20, 2)), rng.standard_normal((20, 1))
    solution = np.linalg.lstsq(np.hstack([X, np.ones((20, 1))]), Tgt, rcond=None)[0]
    best = [(solution[:2].T, solution[2])]  # the minimiser of S
    direction = unflat(rng.standard_normal(3), best)
    along = np.sqrt(
        descent.squared_norm(filtration.gradients(X, Tgt, optim.apply_updates(best, direction), "identity"))
    )
    t = gradient_norm / along  # grad S is linear in V and 0 at the minimiser
    return X, Tgt, optim.apply_updates(best, [(t * dw, t * db) for dw, db in direction])


def test_theorem_1_1_printed_step_bound_can_increase_s():
    X, Tgt, params = quadratic_problem(0.1)
    g = np.sqrt(descent.squared_norm(filtration.gradients(X, Tgt, params, "identity")))
    C = descent.remainder_constant(X, Tgt, params, "identity", [0.1, 0.5, 0.9])
    printed = 0.99 * descent.proof_step_bound(g, C, as_printed=True)
    change = descent.decrease_along_gradient(X, Tgt, params, "identity", [printed])[0]
    refuted(lambda: at_least(-change, printed * g / 2, "Theorem 1.1", "decrease > eps ||g|| / 2"), "Theorem 1.1",
            "< required")  # fmt: skip
    at_least(change, 0.0, "Theorem 1.1", "the printed step increases S")
    corrected = 0.99 * descent.proof_step_bound(g, C)
    change = descent.decrease_along_gradient(X, Tgt, params, "identity", [corrected])[0]
    at_least(-change, corrected * g**2 / 2, "Theorem 1.1", "the corrected step decreases S")


def test_theorem_1_1_bad_input():
    X, Tgt, params = notes_problem([2, 2], 3, seed=0)
    raises(lambda: descent.proof_step_bound(0.0, 1.0), "Theorem 1.1", "> 0")
    raises(lambda: descent.decrease_along_gradient(X, Tgt, params, "tanh", [0.1, -1.0]), "Theorem 1.1", "eps > 0")
    assert descent.proof_step_bound(0.5, 0.0) == 1.0


# ----------------------------------------------------------------------------------------------------------------
# Filtration (1), MLP (2), transition functions (3)-(4), composition rule (5)
# ----------------------------------------------------------------------------------------------------------------
def test_filtration_restrictions_are_nested_and_count_h_plus_1_blocks():
    N, L = 3, 4
    _, _, params = notes_problem([N] * (L + 1), 1, seed=2)

    def scalars(blocks):
        return sum(w.size + b.size for w, b in blocks)

    for ell in range(L):
        for h in range(L - ell):
            V = filtration.restriction(params, ell + h, ell)
            assert len(V) == h + 1 and scalars(V) == (h + 1) * N * (N + 1)
            assert all(
                np.array_equal(a, b) for pair, mine in zip(V, params[ell : ell + h + 1]) for a, b in zip(pair, mine)
            )
            if h:  # nested: V_[[l + h - 1, l]] is the start of V_[[l + h, l]]
                assert all(x is y for x, y in zip(filtration.restriction(params, ell + h - 1, ell)[0], V[0]))
    # printed: "h times", steps of 2, W = R^N x R^L, V = B (+) V
    for printed, actual in [
        (2 * N * (N + 1), scalars(filtration.restriction(params, 2, 0))),
        (len(params[0:3:2]), len(filtration.restriction(params, 2, 0))),
        (N * L, sum(w.size for w, _ in params)),
        (sum(b.size for _, b in params) + scalars(params), scalars(params)),
    ]:
        refuted(lambda: close(float(printed), float(actual), "Filtration (1)", "a count"), "Filtration (1)")
    for bad in ((1, 3), (L, 0), (0, -1)):
        raises(lambda: filtration.restriction(params, *bad), "Filtration (1)", "integer")


@SETTINGS
@given(st.lists(ACTIVATION, min_size=2, max_size=2), st.integers(0, 2**32 - 1))
def test_mlp_forward_matches_sympy(acts, seed):
    X, Tgt, params = notes_problem([2, 3, 2], 2, seed)
    X[1, 0] = 0.0  # phi^1 at an exact zero
    net, _ = twin((2, 3, 2), tuple(acts), 2)
    exact = symbolic.evaluate(net.output, net.substitutions(X, Tgt, params))
    close(filtration.forward(X, params, acts), exact, "MLP (2)", "F vs SymPy")


def test_mlp_is_the_papers_network_when_phi_1_is_the_identity():
    net, paper = SF.notes_network_expr([2, 3, 2], ("identity", "relu")), symbolic.network_expr([2, 3, 2])
    pairs = [(net.inputs, paper.X), *zip(net.weights, paper.weights), *zip(net.biases, paper.biases)]
    rename = {a: b for mine, theirs in pairs for a, b in zip(mine, theirs)}
    identity(net.output.xreplace(rename), paper.preactivations[-1], "MLP (2)", "= the logits z^(p) of N_c+")
    X, _, params = notes_problem([5, 4, 3], 6, seed=3)
    close(filtration.forward(np.abs(X), params, "relu"), network.logits(np.abs(X), params), "MLP (2)", "inputs >= 0")
    refuted(lambda: close(filtration.forward(X, params, "relu"), network.logits(X, params), "MLP (2)"), "MLP (2)")


def test_mlp_example_as_printed_has_no_activation_on_the_input():
    one = SF.notes_network_expr([1, 1, 1, 1], "phi")
    w, b = [m[0, 0] for m in one.weights], [m[0, 0] for m in one.biases]
    printed = sp.Matrix([[SF.example_as_printed(one.inputs[0, 0], w, b)]])
    refuted(lambda: identity(printed, one.output, "MLP (2)", "the example"), "MLP (2)", "does not simplify")
    identity_first = SF.notes_network_expr([1, 1, 1, 1], ("identity", "phi", "phi"))
    identity(printed, identity_first.output, "MLP (2)", "the example is (2) with phi^1 = id")


def test_mlp_bad_input():
    X, Tgt, params = notes_problem([3, 2, 2], 4, seed=0)
    raises(lambda: filtration.forward(X, params, ("tanh",)), "MLP (2)", "2 names for 2 layers")
    raises(lambda: filtration.forward(X, params, "softmax"), "MLP (2)", "unknown activation")
    raises(lambda: filtration.forward(X[:, :2], params, "tanh"), "MLP (2)", "(n, 3)")
    raises(lambda: filtration.cost(X, Tgt[:, :1], params, "tanh"), "Cost function (§1.1)", "(4, 2)")
    with pytest.raises(TypeError, match="MLP"):
        filtration.forward(X, params, 3)


@SETTINGS
@given(ACTIVATION, st.integers(0, 2**32 - 1))
def test_transition_functions_match_sympy_and_finite_differences(act, seed):
    rng = np.random.default_rng(seed)
    w, b, x = rng.standard_normal((3, 2)), rng.standard_normal(3), rng.standard_normal(2)
    xs, ws, bs = symbolic.symbols_vector("x", 2), symbolic.symbols_matrix("w", 3, 2), symbolic.symbols_vector("b", 3)
    X_expr = SF.transition_expr(xs, ws, bs, act, 1)
    statement = "Transition functions (3)-(4)"

    def exact(expr):
        return symbolic.exact_function(expr, xs, ws, bs)(x, w, b)

    close(filtration.layer_transition(x, (w, b), act), exact(X_expr), statement, "X")
    jacobian = symbolic.apply_assumption_1(X_expr.jacobian(xs))
    close(filtration.layer_transition_jacobian(x, (w, b), act), exact(jacobian), statement, "DX = w DPhi")
    jac_b, jac_w = filtration.layer_transition_weight_jacobians(x, (w, b), act)
    fd = differentials.numerical_jacobian(
        lambda m: filtration.layer_transition(x, (m.reshape(3, 2), b), act), w.ravel()
    )
    close(jac_w.reshape(3, 6), fd, statement, "(13) vs central differences", tol=1e-8)
    close(jac_b, np.eye(3), statement, "1_H")


def test_filtered_transition_function_one_layer_short_is_refuted():
    X, _, params = notes_problem([3, 3, 3, 3], 5, seed=5)
    acts, statement = ("tanh", "relu", "tanh"), "Transition functions (3)-(4)"
    whole = filtration.forward(X, params, acts)
    close(filtration.filtered_transition(X, params, acts, start=0, stop=3), whole, statement, "F^{L,0} = F (4)")
    first = filtration.partial_inputs(X, params, acts)[1]
    close(filtration.filtered_transition(X, params, acts, start=0, stop=1), first, statement, "F^{1,0} = X^1 (4)")
    printed = filtration.filtered_transition(X, params, acts, start=0, stop=2)  # X^{l+h} o ... o X^{l+1}, h = 2
    refuted(lambda: close(printed, whole, statement, "printed F^{3,0} = F"), statement)
    raises(lambda: filtration.filtered_transition(X, params, acts, start=2, stop=2), statement, "stop")


@SETTINGS
@given(st.integers(2, 5), st.lists(ACTIVATION, min_size=5, max_size=5), st.integers(0, 2**32 - 1))
def test_composition_rule_5_at_every_layer(L, acts, seed):
    acts = acts[:L]
    X, _, params = notes_problem([3] + [4] * (L - 1) + [2], 3, seed)
    whole, xs = filtration.forward(X, params, acts), filtration.partial_inputs(X, params, acts)
    for ell in range(1, L):
        inner = filtration.filtered_transition(X, params, acts, start=0, stop=ell)
        outer = filtration.filtered_transition(inner, params, acts, start=ell, stop=L)
        close(outer, whole, "Composition rule (5)", f"l = {ell}")
        close(inner, xs[ell], "Composition rule (5)", "(6)")


# ----------------------------------------------------------------------------------------------------------------
# Chain rule (9), Proposition 1.2, Corollary 1.2.1
# ----------------------------------------------------------------------------------------------------------------
def test_chain_rule_9_layer_by_layer():
    X, _, params = notes_problem([3, 4, 2], 1, seed=6)
    acts, f = ("tanh", "tanh"), X[0]
    chain = differentials.compose_jacobians(*stages(params, acts))[1]
    close(chain(f), filtration.output_jacobians(f, params, acts)[0], "Chain rule (9)", "= J^0 of (17)")
    T.check_finite_differences(lambda x: filtration.forward(x[None, :], params, acts)[0], chain, [f], tol=1e-8,
                               statement="Chain rule (9)", what="D(G o F)", document=DOC)  # fmt: skip
    square = notes_problem([3, 3, 3], 1, seed=7)[2]  # the printed directions read as the transpose
    refuted(
        lambda: T.check_finite_differences(
            lambda x: filtration.forward(x[None, :], square, acts)[0],
            lambda x: filtration.output_jacobians(x, square, acts)[0].T,
            [f],
            statement="Chain rule (9)",
            what="DF^t as the differential",
            document=DOC,
        ),
        "Chain rule (9)",
    )


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(1, 5), min_size=2, max_size=5),
    st.lists(ACTIVATION, min_size=4, max_size=4),
    st.integers(1, 5),
    st.integers(0, 2**32 - 1),
)
def test_three_gradient_routes_agree_on_random_networks(widths, acts, n, seed):
    acts = acts[: len(widths) - 1]
    X, Tgt, params = notes_problem(widths, n, seed)
    routes = {m: filtration.gradients(X, Tgt, params, acts, method=m) for m in filtration.METHODS}
    assert [(dw.shape, db.shape) for dw, db in routes["backprop"]] == [(w.shape, b.shape) for w, b in params]
    for method in ("relations", "jacobian"):
        assert T.routes_disagreement(routes[method], routes["backprop"]) <= 1e-12


@pytest.mark.parametrize("acts", [("tanh", "tanh"), ("relu", "tanh"), ("identity", "relu")])
def test_gradient_matches_sympy_and_finite_differences(acts):
    X, Tgt, params = notes_problem([2, 3, 2], 3, seed=8)
    net, grads = twin((2, 3, 2), acts, 3)
    exact = exact_gradients(net, grads, X, Tgt, params)
    for method in filtration.METHODS:
        close(filtration.gradients(X, Tgt, params, acts, method=method), exact, "Proposition 1.2", method)
    fd = differentials.numerical_jacobian(lambda v: filtration.cost(X, Tgt, unflat(v, params), acts), flat(params))
    close(flat(filtration.gradients(X, Tgt, params, acts)), fd[0], "Proposition 1.2", "central differences", tol=1e-6)
    mean = filtration.gradients(X, Tgt, params, acts, reduction="mean")
    close(mean, [(dw / 3, db / 3) for dw, db in exact], "Proposition 1.2", "S / n")


def test_proposition_1_2_relations_match_sympy_diff():
    net = SF.notes_network_expr([2, 2, 2], "generic", 2)
    typed = zip(SF.cost_gradient_expr(net), SF.relations_gradient_expr(net), SF.corollary_gradient_expr(net))
    for (dw, db), (rw, rb), (cw, cb) in typed:
        for derived, relation in ((dw, rw), (db, rb), (dw, cw), (db, cb)):
            identity(expanded(derived), expanded(relation), "Proposition 1.2", "(20) = sympy.diff")


def test_output_jacobians_recursion_18():
    acts = ("tanh", "relu", "tanh")
    X, Tgt, params = notes_problem([2, 3, 3, 2], 1, seed=9)
    net, _ = twin((2, 3, 3, 2), acts, 1)
    J = filtration.output_jacobians(X[0], params, acts)
    subs = net.substitutions(X, Tgt, params)
    close(J, [symbolic.evaluate(j, subs) for j in SF.output_jacobians_expr(net)], "Proposition 1.2", "J^l vs SymPy")
    xs = filtration.partial_inputs(X, params, acts)
    for ell in range(3):
        T.check_finite_differences(
            lambda x, ell=ell: filtration.filtered_transition(x, params, acts, start=ell, stop=3),
            lambda x, ell=ell: J[ell],
            [xs[ell][0]],
            tol=1e-8,
            statement="Proposition 1.2",
            what="J^l = DF^{L,l}(x^l)",
            document=DOC,
        )


def test_proposition_1_2_printed_forms_are_refuted():
    acts, statement = ("tanh", "relu", "tanh"), "Proposition 1.2"
    net = SF.notes_network_expr([2, 2, 2, 2], acts, 2)
    X, Tgt, params = notes_problem([2, 2, 2, 2], 2, seed=10)
    subs = net.substitutions(X, Tgt, params)
    J, grads = SF.output_jacobians_expr(net, 0), SF.cost_gradient_expr(net)

    def value(expr):
        return symbolic.evaluate(expr, subs)

    refuted(lambda: close(value(SF.jacobian_product_as_printed(net, 1)), value(J[0]), statement), statement)
    one_input = SF.relations_gradient_expr(net, samples=(0,))
    refuted(lambda: close(value(one_input[1][1]), value(grads[1][1]), statement, "no sum over f"), statement)
    broadcast = params[1][0] - 0.1 * float(value(SF.weight_gradient_as_printed(net, 2)))
    refuted(lambda: close(broadcast, params[1][0] - 0.1 * value(grads[1][0]), statement), statement)
    x1 = filtration.partial_inputs(X, params, acts)[1][0]  # (13): Phi^{l-1} (tanh) in place of Phi^l (relu)
    printed = filtration.layer_transition_weight_jacobians(x1, params[1], "tanh")[1]
    right = filtration.layer_transition_weight_jacobians(x1, params[1], "relu")[1]
    refuted(lambda: close(printed, right, statement, "(13)"), statement)
    refuted(lambda: close(value(J[2]), value(J[1]), statement, "(11): the last factor is the identity"), statement)
    # V = (v^0, ..., v^L): (19) never uses v^0, so S does not depend on it; Corollary 1.2.1 read at l = 1 gives a
    # non-zero "nabla_b^0 S", which is the gradient with respect to the input x^0 = f
    one = SF.notes_network_expr([2, 2, 2, 2], acts, 1)
    at_input = symbolic.evaluate(
        SF.corollary_bias_rhs(one, SF.cost_gradient_expr(one), 1), one.substitutions(X[:1], Tgt[:1], params), shape=(2,)
    )
    fd_input = differentials.numerical_jacobian(lambda f: filtration.cost(f[None, :], Tgt[:1], params, acts), X[0])
    close(at_input, fd_input[0], statement, "= the gradient with respect to f", tol=1e-6)
    fd_v0 = differentials.numerical_jacobian(lambda b0: filtration.cost(X[:1], Tgt[:1], params, acts), np.zeros(2))
    refuted(lambda: close(at_input, fd_v0[0], statement, "v^0"), statement)


def test_corollary_1_2_1_recursion_per_input():
    net = SF.notes_network_expr([2, 2, 2, 2], "generic", 2)
    for s in range(2):
        mine = SF.cost_gradient_expr(net, samples=(s,))
        for layer in (2, 3):
            rhs = SF.corollary_bias_rhs(net, mine, layer, s)
            identity(expanded(rhs), expanded(mine[layer - 2][1]), "Corollary 1.2.1", "first line, per input")
        for layer in (1, 2, 3):
            rhs = SF.corollary_weight_rhs(net, mine, layer, s)
            identity(expanded(rhs), expanded(mine[layer - 1][0]), "Corollary 1.2.1", "second line, per input")


@SETTINGS
@given(ACTIVATION, st.integers(0, 2**32 - 1))
def test_layer_transition_vjp_is_one_step_of_the_recursion(act, seed):
    rng = np.random.default_rng(seed)
    v, x, c = (
        (rng.standard_normal((3, 4)), rng.standard_normal(3)),
        rng.standard_normal((5, 4)),
        rng.standard_normal((5, 3)),
    )
    dx, dw, db = filtration.layer_transition_vjp(x, v, act, c)
    T.check_vjp(
        lambda p: filtration.layer_transition_jacobian(p, v, act),
        lambda p, cot: filtration.layer_transition_vjp(p[None, :], v, act, cot[None, :])[0][0],
        list(x),
        list(c),
        statement="Corollary 1.2.1",
        what="dx",
        document=DOC,
    )
    jac_w = [filtration.layer_transition_weight_jacobians(p, v, act)[1] for p in x]
    close(dw, sum(np.einsum("k,kij->ij", cot, j) for cot, j in zip(c, jac_w)), "Corollary 1.2.1", "dw")
    close(db, c.sum(axis=0), "Corollary 1.2.1", "db")
    raises(lambda: filtration.layer_transition_vjp(x, v, act, c[:, :2]), "Transition functions (3)-(4)", "(5, 3)")


def test_corollary_1_2_1_printed_forms_are_refuted():
    net = SF.notes_network_expr([2, 2, 2, 2], ("tanh", "relu", "tanh"), 2)
    X, Tgt, params = notes_problem([2, 2, 2, 2], 2, seed=11)
    subs, statement = net.substitutions(X, Tgt, params), "Corollary 1.2.1"
    grads, first = SF.cost_gradient_expr(net), SF.cost_gradient_expr(net, samples=(0,))

    def same(a, b):
        return close(symbolic.evaluate(a, subs), symbolic.evaluate(b, subs), statement)

    refuted(lambda: same(SF.corollary_bias_rhs(net, grads, 3), grads[1][1]), statement)  # S summed over the inputs
    refuted(lambda: same(SF.corollary_weight_rhs(net, first, 3), first[1][0]), statement)  # index l - 1
    refuted(lambda: same(SF.corollary_weight_rhs(net, first, 3, factor=2), first[2][0]), statement)  # factor 2
    refuted(lambda: same(SF.corollary_proof_bias_step_as_printed(net, 3), first[1][1]), statement)  # 2, J^t dropped
    refuted(lambda: same(SF.corollary_proof_weight_as_printed(net, first, 3), first[1][0]), statement)
    refuted(lambda: same(SF.corollary_proof_weight_as_printed(net, first, 3), first[2][0]), statement)
    J, r = SF.output_jacobians_expr(net, 0)[2], net.output[0, :] - net.targets[0, :]
    same(2 * r * J, first[1][1])  # the proof's first equality, nabla_b^{l-1} S_f = 2 (J^{l-1})^t r, is right


# ----------------------------------------------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------------------------------------------
def test_fit_uses_momentum_and_minibatches():
    X, Tgt, params = notes_problem([3, 5, 2], 40, seed=12)
    kept = copy_params(params)
    trained, history = descent.fit(
        params, X, Tgt, "tanh", epochs=2, batch_size=16, lr=0.05, momentum=0.9, rng=np.random.default_rng(0)
    )
    manual, opt, rng = copy_params(params), optim.Momentum(0.05, 0.9), np.random.default_rng(0)
    state = opt.init(manual)
    for _ in range(2):
        for rows in optim.minibatches(40, 16, rng):
            updates, state = opt.update(
                filtration.gradients(X[rows], Tgt[rows], manual, "tanh", reduction="mean"), state
            )
            manual = optim.apply_updates(manual, updates)
    close(trained, manual, "Corollary 1.2.1", "fit = Momentum.update on minibatches")
    assert len(history.loss) == 2 and history.steps_per_epoch == 3 and not history.train_accuracy
    assert filtration.cost(X, Tgt, trained, "tanh") < filtration.cost(X, Tgt, params, "tanh")
    assert all(np.array_equal(a, b) for pair, copy in zip(params, kept) for a, b in zip(pair, copy))


def test_fit_accuracy_divergence_and_bad_input():
    X, _, params = notes_problem([3, 5, 2], 40, seed=13)
    Y = np.eye(2)[(X[:, 0] > 0).astype(int)]
    rng = np.random.default_rng(1)
    _, history = descent.fit(
        params, X, Y, "relu", epochs=3, batch_size=8, lr=0.05, rng=rng, X_test=X[:10], T_test=Y[:10], accuracy=True
    )
    assert len(history.train_accuracy) == 3 and len(history.test_accuracy) == 3
    with pytest.raises(training.TrainingDivergedError, match="diverged"):
        descent.fit(params, 1e3 * X, Y, "identity", epochs=5, lr=0.9, rng=rng)
    with pytest.raises(TypeError, match="Generator"):
        descent.fit(params, X, Y, "relu", rng=0)
    with pytest.raises(ValueError, match="together"):
        descent.fit(params, X, Y, "relu", rng=rng, X_test=X)
    with pytest.raises(ValueError, match="lr"):
        descent.fit(params, X, Y, "relu", rng=rng, lr=0.0)
    with pytest.raises(ValueError, match="method"):
        filtration.gradients(X, Y, params, "relu", method="adjoint")
