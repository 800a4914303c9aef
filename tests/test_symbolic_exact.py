"""mathdnn_core.symbolic.exact: symbols, the exact value of an expression at a point, and exact_function.

Every other test compares the package with these values, so they are held here to exact rational arithmetic: one
rounding to float64 at the end, nothing computed in floating point on the way.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp
from conftest import activation_twins, loss_twins

from mathdnn_core import activations
from mathdnn_core import symbolic as S
from mathdnn_core import testing as T


# ================================================================================================================
# symbolic.exact: symbols, exact evaluation, exact_function
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


def softmax_twins(m):
    """``z``, ``y*`` and three kinds of expression: Softmax (a row), its Jacobian (a matrix), xi(S(z), y*) (scalar)."""
    activation, loss = activation_twins(m), loss_twins(m)
    assert activation["z"] == loss["z"]  # one set of symbols z_1..z_m
    return activation["z"], loss["y_star"], activation["softmax"], activation["softmax_jac"], loss["ce_logits"]


def test_exact_function_is_evaluate_at_the_point_for_a_scalar_a_row_and_a_matrix():
    z, y_star, row, matrix, scalar = softmax_twins(3)
    rng = np.random.default_rng(7)
    for point in [*T.random_points(rng, 3, 3, scale=3.0), *T.edge_points(3)]:
        target = np.eye(3)[1]
        value = S.exact_function(row, z)(point)  # a 1 x m row is one example: shape (m,)
        assert value.dtype == np.float64 and np.array_equal(value, S.evaluate(row, {z: point}, shape=(3,)))
        assert np.array_equal(S.exact_function(matrix, z)(point), S.evaluate(matrix, {z: point}))
        xi = S.exact_function(scalar, z, y_star)
        exact = S.evaluate(scalar, {z: point, y_star: target})
        assert exact.shape == () and np.array_equal(xi(point, target), exact)
        assert np.array_equal(xi((point, target)), exact)  # a pair, as check_against_symbolic passes it
    # Exact, not a float computation: S_1 (1 - S_1) at logits (700, 0, -700) cancels completely in float64.
    far = np.array([700.0, 0.0, -700.0])
    diagonal = S.exact_function(matrix, z)(far)[0, 0]
    assert diagonal > 0.0 and activations.softmax(far)[0] * (1 - activations.softmax(far)[0]) == 0.0
    assert np.isclose(diagonal, np.exp(-700.0), rtol=1e-12, atol=0.0)


def test_exact_function_shapes():
    z, _, row, matrix, _ = softmax_twins(1)
    assert S.exact_function(row, z)([0.3]).shape == (1,)  # a row of length 1 ...
    assert S.exact_function(matrix, z)([0.3]).shape == (1,)  # ... which a 1 x 1 Jacobian also is:
    assert S.exact_function(matrix, z, shape=(1, 1))([0.3]).shape == (1, 1)  # its shape is given
    assert S.exact_function(S.softmax_jacobian_expr(S.symbols_vector("z", 2)), S.symbols_vector("z", 2))(
        [0.3, 0.1]
    ).shape == (2, 2)  # any other matrix keeps its shape
    w = S.symbols_matrix("W", 2, 3)
    assert np.array_equal(S.exact_function(2 * w, w)(np.arange(6.0)), 2 * np.arange(6.0).reshape(2, 3))
    x = sp.Symbol("x", real=True)
    assert S.exact_function(x**2, x)(3.0) == 9.0
    indexed = sp.IndexedBase("z", real=True)  # notebooks write rows of indexed symbols z[1], z[2]
    zi = sp.ImmutableMatrix([[indexed[1], indexed[2]]])
    assert np.array_equal(S.exact_function(S.softmax_expr(zi), zi)([0.0, 0.0]), [0.5, 0.5])


def test_exact_function_refuses_a_wrong_number_of_values():
    z, y_star, _, _, scalar = softmax_twins(2)
    xi = S.exact_function(scalar, z, y_star)
    one_per_variable = r"expected 2 value\(s\), one per variable \(z_1…z_2 \(1 x 2\), y\^\*_1…y\^\*_2 \(1 x 2\)\)"
    for values in [([0.1, 0.2],), ([0.1, 0.2], [1.0, 0.0], [0.0]), ([[0.1, 0.2], [1.0, 0.0]],), ()]:
        with pytest.raises(ValueError, match=one_per_variable + r", or one tuple of them; got \d"):
            xi(*values)
    with pytest.raises(ValueError, match=r"expected 1 value\(s\), one per variable \(z_1…z_2 \(1 x 2\)\).*got 2"):
        S.exact_function(S.softmax_expr(z), z)([0.1, 0.2], [0.3, 0.4])
    with pytest.raises(ValueError, match="entries instead of 2"):
        xi([0.1, 0.2, 0.3], [1.0, 0.0])


def test_exact_function_refuses_symbols_without_a_value():
    z, y_star, _, _, scalar = softmax_twins(2)
    with pytest.raises(ValueError, match=r"symbols \['y\^\*_1', 'y\^\*_2'\] that are not among the variables z_1…z_2"):
        S.exact_function(scalar, z)
    with pytest.raises(ValueError, match="at least one variable"):
        S.exact_function(scalar)
    with pytest.raises(TypeError, match="each variable must be a symbol or a matrix of symbols"):
        S.exact_function(scalar, z, y_star, 2 * z)


def test_exact_function_docstring_example_runs():
    import doctest

    from mathdnn_core.symbolic import exact

    (test,) = doctest.DocTestFinder().find(exact.exact_function, "exact_function", globs=dict(vars(exact)))
    result = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE).run(test)
    assert result.attempted >= 4 and result.failed == 0


def test_evaluate_does_not_trust_a_zero_that_evalf_made_up():
    """SymPy's evalf returns 0 for log(1 + e^-176) at 30 digits even with strict=True; the value is 3.67e-77."""
    z = S.symbols_vector("z", 2)
    tiny = S.evaluate(sp.log(1 + sp.exp(z[0] - z[1])), {z: np.array([0.0, 176.0])})
    assert tiny == pytest.approx(float(sp.N(sp.log(1 + sp.exp(-176)), 40, maxn=2000)), rel=1e-15) and tiny > 0
    assert S.evaluate(z[0] - z[1], {z: np.array([1.0, 1.0])}) == 0.0  # a true zero stays 0
    # a nonzero value below the smallest subnormal rounds to 0.0: that is its exact float64 rounding, not a doubt
    assert S.evaluate(sp.exp(z[0]) / (sp.exp(z[0]) + sp.exp(z[1])), {z: np.array([-9999.0, 10000.0])}) == 0.0
