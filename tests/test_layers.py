"""§4 of the paper: the dense layer L(y, W, b) = y W^T + b (Definition 4.1), its Jacobians with respect to y, a row
of W and b (Propositions 4.1-4.3), and its VJPs (Proposition 5.2) — against SymPy's exact values, central
differences and v J."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from conftest import dense_twins
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mathdnn_core import layers as Lr
from mathdnn_core import symbolic as S
from mathdnn_core import testing as T

TOL = 1e-12
TOL32 = 1e-6  # float32 against the exact value (eps 1.2e-7)
SHAPES = [(1, 1), (2, 3), (3, 2), (4, 5)]  # (m, n): W in M_(m,n)


def subs_for(y, W, b, v=None):
    s = dense_twins(*W.shape)
    out = {s["y"]: y, s["W"]: W, s["b"]: b}
    if v is not None:
        out[s["v"]] = v
    return out


def cases(m, n, seed, count=6):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal(n), rng.standard_normal((m, n)), rng.standard_normal(m)) for _ in range(count)]


# ================================================================================================================
# Definition 4.1 and Propositions 4.1-4.3 against SymPy
# ================================================================================================================
@pytest.mark.parametrize("m,n", SHAPES)
def test_dense_value_vs_sympy(m, n):
    T.check_against_symbolic(
        lambda c: Lr.dense(*c),
        lambda c: S.evaluate(dense_twins(m, n)["dense"], subs_for(*c), shape=(m,)),
        cases(m, n, m * 10 + n),
        statement="Definition 4.1",
        what="y W^T + b vs SymPy",
    )


@pytest.mark.parametrize("m,n", SHAPES)
def test_dense_jacobians_vs_sympy(m, n):
    s, points = dense_twins(m, n), cases(m, n, 100 + m * 10 + n)
    T.check_against_symbolic(
        lambda c: Lr.dense_jacobian_input(*c),
        lambda c: S.evaluate(s["jac_y"], subs_for(*c)),
        points,
        statement="Proposition 4.1",
        what="J wrt y vs SymPy",
    )
    for row in range(m):
        T.check_against_symbolic(
            lambda c: Lr.dense_jacobian_weight_row(*c, row),
            lambda c: S.evaluate(s["jac_rows"][row], subs_for(*c)),
            points,
            statement="Proposition 4.2",
            what=f"J wrt W_{row + 1},: vs SymPy",
        )
    T.check_against_symbolic(
        lambda c: Lr.dense_jacobian_weights(*c),
        lambda c: S.evaluate(sp.Matrix.hstack(*s["jac_rows"]), subs_for(*c)),
        points,
        statement="Proposition 4.2",
        what="J wrt all of W (rows side by side) vs SymPy",
    )
    T.check_against_symbolic(
        lambda c: Lr.dense_jacobian_bias(*c),
        lambda c: S.evaluate(s["jac_b"], subs_for(*c)),
        points,
        statement="Proposition 4.3",
        what="J wrt b vs SymPy",
    )


@pytest.mark.parametrize("m,n", SHAPES)
def test_dense_jacobians_vs_central_differences(m, n):
    for y, W, b in cases(m, n, 200 + m * 10 + n, count=3):
        T.check_finite_differences(
            lambda p: Lr.dense(p, W, b),
            lambda p: Lr.dense_jacobian_input(p, W, b),
            [y],
            statement="Proposition 4.1",
            what="J wrt y vs central differences",
        )
        T.check_finite_differences(
            lambda p: Lr.dense(y, W, p),
            lambda p: Lr.dense_jacobian_bias(y, W, p),
            [b],
            statement="Proposition 4.3",
            what="J wrt b vs central differences",
        )
        T.check_finite_differences(
            lambda p: Lr.dense(y, p.reshape(m, n), b),
            lambda p: Lr.dense_jacobian_weights(y, p.reshape(m, n), b),
            [W.ravel()],
            statement="Proposition 4.2",
            what="J wrt W (row-major) vs central differences",
        )
        for row in range(m):

            def with_row(w, row=row):
                W2 = W.copy()
                W2[row] = w
                return W2

            T.check_finite_differences(
                lambda w: Lr.dense(y, with_row(w), b),
                lambda w: Lr.dense_jacobian_weight_row(y, with_row(w), b, row),
                [W[row]],
                statement="Proposition 4.2",
                what="J wrt a row of W vs central differences",
            )


@pytest.mark.parametrize("m,n", SHAPES)
@pytest.mark.parametrize("order", ["C", "F"])
def test_weight_jacobian_in_both_flattenings_vs_sympy_and_central_differences(m, n, order):
    s = dense_twins(m, n)
    J_expr = S.layers.dense_jacobian_weights_expr(s["y"], s["W"], s["b"], order=order)
    points = cases(m, n, 700 + m * 10 + n)
    T.check_against_symbolic(
        lambda c: Lr.dense_jacobian_weights(*c, order=order),
        lambda c: S.evaluate(J_expr, subs_for(*c)),
        points,
        statement="Proposition 4.2",
        what=f"J wrt W flattened ({order}) vs SymPy",
    )
    for y, W, b in points[:2]:
        T.check_finite_differences(
            lambda p: Lr.dense(y, p.reshape((m, n), order=order), b),
            lambda p: Lr.dense_jacobian_weights(y, p.reshape((m, n), order=order), b, order=order),
            [W.ravel(order)],
            statement="Proposition 4.2",
            what=f"J wrt W flattened ({order}) vs central differences",
        )
    # what back-propagation uses instead of the matrix: v J = the outer product v^T y, flattened the same way
    rng = np.random.default_rng(710 + m * 10 + n)
    cotangents = T.random_points(rng, m, len(points))
    T.check_vjp(
        lambda c: Lr.dense_jacobian_weights(*c, order=order),
        lambda c, v: Lr.dense_vjp(c[0][None, :], c[1], v[None, :])[1].ravel(order),
        points,
        cotangents,
        statement="Proposition 5.2",
        what=f"dW flattened ({order}) vs v J_W",
    )


def test_weight_jacobian_order_is_checked():
    T.check_raises(
        lambda: Lr.dense_jacobian_weights(np.ones(3), np.ones((2, 3)), np.ones(2), order="K"),
        ValueError,
        must_mention=("'C'", "'F'", "'K'"),
        statement="Proposition 4.2",
    )


def test_weight_row_jacobian_has_y_in_row_i_star_only():
    y, W, b = np.array([1.5, -2.0, 0.25]), np.zeros((4, 3)), np.zeros(4)
    for row in range(4):
        J = Lr.dense_jacobian_weight_row(y, W, b, row)
        assert np.array_equal(J[row], y) and np.count_nonzero(np.delete(J, row, axis=0)) == 0
    assert np.array_equal(Lr.dense_jacobian_weights(y, W, b), np.kron(np.eye(4), y[None, :]))


# ================================================================================================================
# Proposition 5.2: the VJPs
# ================================================================================================================
@pytest.mark.parametrize("m,n", SHAPES)
def test_dense_vjp_vs_v_times_jacobians(m, n):
    rng = np.random.default_rng(300 + m * 10 + n)
    points = cases(m, n, 310 + m * 10 + n)
    cotangents = T.random_points(rng, m, len(points))
    one = lambda c, v: Lr.dense_vjp(c[0][None, :], c[1], v[None, :])  # noqa: E731  a one-sample batch
    T.check_vjp(
        lambda c: Lr.dense_jacobian_input(*c),
        lambda c, v: one(c, v)[0][0],
        points,
        cotangents,
        statement="Proposition 5.2",
        what="dL/dy VJP vs v W",
    )
    T.check_vjp(
        lambda c: Lr.dense_jacobian_weights(*c),
        lambda c, v: one(c, v)[1].ravel(),
        points,
        cotangents,
        statement="Proposition 5.2",
        what="dL/dW VJP vs v [J_W1 ... J_Wm] (Notation 17)",
    )
    T.check_vjp(
        lambda c: Lr.dense_jacobian_bias(*c),
        lambda c, v: one(c, v)[2],
        points,
        cotangents,
        statement="Proposition 5.2",
        what="dL/db VJP vs v I",
    )


@pytest.mark.parametrize("m,n", SHAPES)
def test_dense_vjp_is_the_gradient_of_v_dot_dense_by_central_differences(m, n):
    """Proposition 5.2 with the upstream F(u) = u v^T: the gradients with respect to y, W (row by row) and b."""
    rng = np.random.default_rng(350 + m * 10 + n)
    for y, W, b in cases(m, n, 360 + m * 10 + n, count=3):
        v = rng.standard_normal(m)
        grads = lambda y_, W_: Lr.dense_vjp(y_[None, :], W_, v[None, :])  # noqa: E731
        T.check_finite_differences(
            lambda p: float(Lr.dense(p, W, b) @ v),
            lambda p: grads(p, W)[0][0],
            [y],
            statement="Proposition 5.2",
            what="dy vs central differences",
        )
        T.check_finite_differences(
            lambda p: float(Lr.dense(y, p.reshape(m, n), b) @ v),
            lambda p: grads(y, p.reshape(m, n))[1].ravel(),
            [W.ravel()],
            statement="Proposition 5.2",
            what="dW (rows stacked) vs central differences",
        )
        T.check_finite_differences(
            lambda p: float(Lr.dense(y, W, p) @ v),
            lambda p: grads(y, W)[2],
            [b],
            statement="Proposition 5.2",
            what="db vs central differences",
        )


@pytest.mark.parametrize("m,n,batch", [(2, 3, 1), (3, 2, 4), (4, 5, 3)])
def test_dense_vjp_on_a_batch_vs_sympy(m, n, batch):
    """The batched VJP sums the per-example gradients: compared with the exact sum of SymPy's derivatives."""
    s = dense_twins(m, n)
    rows = [(S.symbols_vector(f"y{k}", n), S.symbols_vector(f"v{k}", m)) for k in range(batch)]
    per_example = [S.dense_vjp_expr(y, s["W"], s["b"], v) for y, v in rows]
    dW_expr = sum((e[1] for e in per_example), sp.zeros(m, n))
    db_expr = sum((e[2] for e in per_example), sp.zeros(1, m))
    rng = np.random.default_rng(400 + batch)
    for _ in range(3):
        Y, W, b, V = (
            rng.standard_normal((batch, n)),
            rng.standard_normal((m, n)),
            rng.standard_normal(m),
            rng.standard_normal((batch, m)),
        )
        subs = {
            s["W"]: W,
            s["b"]: b,
            **{y: Y[k] for k, (y, _) in enumerate(rows)},
            **{v: V[k] for k, (_, v) in enumerate(rows)},
        }
        dy, dW, db = Lr.dense_vjp(Y, W, V)
        T.check_close(
            dy,
            np.stack([S.evaluate(e[0], subs, shape=(n,)) for e in per_example]),
            statement="Proposition 5.2",
            what="dy vs SymPy",
        )
        T.check_close(dW, S.evaluate(dW_expr, subs), statement="Proposition 5.2", what="dW = v^T y vs SymPy")
        T.check_close(db, S.evaluate(db_expr, subs, shape=(m,)), statement="Proposition 5.2", what="db vs SymPy")


def test_proposition_5_2_with_a_nonlinear_upstream():
    """grad of F∘L wrt W_{i*,:} is grad F(z)_{i*} y: SymPy's derivative vs the core's VJP fed grad F(z)."""
    m, n = 3, 2
    s = dense_twins(m, n)

    def F(u):
        u = list(u)
        return sp.sin(u[0]) * u[1] + u[2] ** 3 + u[0] * u[2]

    def grad_F(z):
        return np.array([np.cos(z[0]) * z[1] + z[2], np.sin(z[0]), 3 * z[2] ** 2 + z[0]])

    derived = [S.dense_upstream_weight_row_gradient_expr(s["y"], s["W"], s["b"], r, F) for r in range(m)]
    for y, W, b in cases(m, n, 500, count=4):
        z = Lr.dense(y, W, b)
        _, dW, _ = Lr.dense_vjp(y[None, :], W, grad_F(z)[None, :])
        exact = np.vstack([S.evaluate(d, subs_for(y, W, b)) for d in derived])
        # grad_F(z) is computed in float64 (z, cos, sin each rounded): the result is still within 1e-12 of exact.
        T.check_close(dW, exact, statement="Proposition 5.2", what="grad F(z)_{i*} y vs SymPy, F nonlinear")


# ================================================================================================================
# Batches, dtypes, bad input
# ================================================================================================================
def test_batch_is_its_rows_and_one_sample_batch():
    rng = np.random.default_rng(600)
    Y, W, b = rng.standard_normal((5, 3)), rng.standard_normal((2, 3)), rng.standard_normal(2)
    out = Lr.dense(Y, W, b)
    assert out.shape == (5, 2)
    assert np.array_equal(out[:1], Lr.dense(Y[:1], W, b))
    T.check_close(out, np.stack([Lr.dense(y, W, b) for y in Y]), statement="Definition 4.1", what="batch vs rows")
    dy, dW, db = Lr.dense_vjp(Y[:1], W, np.ones((1, 2)))
    assert (dy.shape, dW.shape, db.shape) == ((1, 3), (2, 3), (2,))


def test_float32_in_float32_out():
    y32 = np.array([[0.5, -1.0, 2.0]], dtype=np.float32)
    W32 = np.array([[1.0, 0.5, -0.25], [0.0, 2.0, 1.0]], dtype=np.float32)
    b32 = np.array([0.1, -0.2], dtype=np.float32)
    v32 = np.array([[1.0, -1.0]], dtype=np.float32)
    outputs = [
        Lr.dense(y32, W32, b32),
        Lr.dense_jacobian_input(y32[0], W32, b32),
        Lr.dense_jacobian_weight_row(y32[0], W32, b32, 1),
        Lr.dense_jacobian_weights(y32[0], W32, b32),
        Lr.dense_jacobian_bias(y32[0], W32, b32),
        *Lr.dense_vjp(y32, W32, v32),
    ]
    assert [o.dtype for o in outputs] == [np.float32] * len(outputs)
    exact = S.evaluate(dense_twins(2, 3)["dense"], subs_for(y32[0], W32, b32), shape=(2,))
    T.check_close(Lr.dense(y32, W32, b32)[0], exact, statement="Definition 4.1", what="float32 dense", tol=TOL32)


@pytest.mark.parametrize(
    "fn,statement",
    [
        (Lr.dense, "Definition 4.1"),
        (Lr.dense_jacobian_input, "Proposition 4.1"),
        (lambda y, W, b: Lr.dense_jacobian_weight_row(y, W, b, 0), "Proposition 4.2"),
        (Lr.dense_jacobian_weights, "Proposition 4.2"),
        (Lr.dense_jacobian_bias, "Proposition 4.3"),
    ],
)
def test_shapes_that_do_not_fit_are_rejected(fn, statement):
    y, W, b = np.ones(3), np.ones((2, 3)), np.ones(2)
    T.check_raises(
        lambda: fn(y, W, np.ones(3)), ValueError, must_mention=("(2,)", "(2, 3)", "(3,)"), statement=statement
    )
    T.check_raises(lambda: fn(np.ones(4), W, b), ValueError, must_mention=("3 columns", "(4,)"), statement=statement)
    T.check_raises(lambda: fn(y, np.ones(3), b), ValueError, must_mention=("W",), statement=statement)
    T.check_raises(lambda: fn(y, W, np.ones((2, 1))), ValueError, must_mention=("b",), statement=statement)
    for bad in (np.nan, np.inf):
        T.check_raises(
            lambda: fn(np.array([1.0, bad, 0.0]), W, b), ValueError, must_mention=("NaN",), statement=statement
        )
        T.check_raises(
            lambda: fn(y, np.where(np.eye(2, 3) > 0, bad, 1.0), b),
            ValueError,
            must_mention=("NaN",),
            statement=statement,
        )


@pytest.mark.parametrize(
    "fn,statement",
    [
        (Lr.dense_jacobian_input, "Proposition 4.1"),
        (Lr.dense_jacobian_weights, "Proposition 4.2"),
        (Lr.dense_jacobian_bias, "Proposition 4.3"),
    ],
)
def test_jacobians_take_one_example(fn, statement):
    T.check_raises(
        lambda: fn(np.ones((2, 3)), np.ones((2, 3)), np.ones(2)),
        ValueError,
        must_mention=("shape (m,)", "(2, 3)"),
        statement=statement,
    )


@pytest.mark.parametrize("row", [-1, 2, 1.0, "0"])
def test_weight_row_index_is_checked(row):
    T.check_raises(
        lambda: Lr.dense_jacobian_weight_row(np.ones(3), np.ones((2, 3)), np.ones(2), row),
        ValueError,
        must_mention=(">= 0 and <= 1", "i* in [1, 2], 0-based"),
        statement="Proposition 4.2",
    )


def test_dense_vjp_rejects_shapes_that_would_broadcast():
    Y, W, V = np.ones((4, 3)), np.ones((2, 3)), np.ones((4, 2))
    T.check_raises(
        lambda: Lr.dense_vjp(Y, W, np.ones((4, 3))),
        ValueError,
        must_mention=("2 columns", "(4, 3)"),
        statement="Proposition 5.2",
    )
    T.check_raises(
        lambda: Lr.dense_vjp(np.ones((4, 2)), W, V),
        ValueError,
        must_mention=("3 columns", "(4, 2)"),
        statement="Proposition 5.2",
    )
    T.check_raises(
        lambda: Lr.dense_vjp(Y, W, np.ones((1, 2))),
        ValueError,
        must_mention=("same number of rows",),
        statement="Proposition 5.2",
    )
    T.check_raises(
        lambda: Lr.dense_vjp(np.ones(3), W, np.ones(2)),
        ValueError,
        must_mention=("shape (n, m)", "(3,)"),
        statement="Proposition 5.2",
    )
    T.check_raises(
        lambda: Lr.dense_vjp(Y, W, np.full((4, 2), np.nan)),
        ValueError,
        must_mention=("NaN",),
        statement="Proposition 5.2",
    )


# ================================================================================================================
# Property tests: random shapes and values, against exact rational arithmetic
# ================================================================================================================
@st.composite
def layer_problems(draw):
    batch, m, n = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    values = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
    arrays = lambda shape: draw(hnp.arrays(np.float64, shape, elements=values))  # noqa: E731
    return arrays((batch, n)), arrays((m, n)), arrays(m), arrays((batch, m))


def exact_matmul(A, B):
    """A @ B in exact rational arithmetic, rounded once: the reference for float dot products."""
    A_, B_ = [[Fraction(float(x)) for x in row] for row in A], [[Fraction(float(x)) for x in row] for row in B]
    return np.array([[float(sum(a * b for a, b in zip(row, col))) for col in zip(*B_)] for row in A_]).reshape(
        A.shape[0], B.shape[1]
    )


def within_dot_product_error(actual, expected, magnitude, terms):
    """|computed - exact| <= gamma_k * sum |terms|, k = terms + 1, the classical bound for a float dot product:
    norm-wise relative error is meaningless when the exact result cancels to ~0."""
    eps = np.finfo(np.float64).eps
    return np.all(np.abs(actual - expected) <= 2 * (terms + 1) * eps * magnitude + T.REALMIN)


@settings(max_examples=40, deadline=None)
@given(layer_problems())
def test_property_dense_and_vjp_vs_exact_arithmetic(problem):
    Y, W, b, V = problem
    out = Lr.dense(Y, W, b)
    exact = exact_matmul(np.hstack([Y, np.ones((Y.shape[0], 1))]), np.hstack([W, b[:, None]]).T)
    assert within_dot_product_error(out, exact, np.abs(Y) @ np.abs(W).T + np.abs(b), W.shape[1] + 1)
    dy, dW, db = Lr.dense_vjp(Y, W, V)
    assert within_dot_product_error(dy, exact_matmul(V, W), np.abs(V) @ np.abs(W), W.shape[0])
    assert within_dot_product_error(dW, exact_matmul(V.T, Y), np.abs(V).T @ np.abs(Y), Y.shape[0])
    assert within_dot_product_error(
        db, exact_matmul(V.T, np.ones((Y.shape[0], 1)))[:, 0], np.abs(V).sum(axis=0), Y.shape[0]
    )
    # and the Jacobians are the paper's matrices, exactly
    for y in Y:
        assert np.array_equal(Lr.dense_jacobian_input(y, W, b), W)
        assert np.array_equal(Lr.dense_jacobian_bias(y, W, b), np.eye(W.shape[0]))
        assert np.array_equal(Lr.dense_jacobian_weights(y, W, b), np.kron(np.eye(W.shape[0]), y[None, :]))
