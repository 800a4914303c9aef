"""§3 of the paper: the categorical cross-entropy (Definition 3.1) and its gradient (Proposition 3.1); the fused
Softmax + cross-entropy gradient S(z) - y* (Proposition 5.3) — against SymPy's exact values, mpmath at 50 digits,
central differences and the chain rule of Propositions 2.2 and 3.1."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from conftest import loss_twins
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mathdnn_core import activations as A
from mathdnn_core import losses as L
from mathdnn_core import symbolic as S
from mathdnn_core import testing as T

TOL = 1e-12
TOL32 = 1e-6  # float32 against the exact value (eps 1.2e-7)
SIZES = (1, 2, 3, 5)


def exact(name, point, target):
    """SymPy's exact value; ``point`` is y (probabilities) for "ce" and "ce_grad", the logits z otherwise."""
    s = loss_twins(len(point))
    var = s["y"] if name in ("ce", "ce_grad") else s["z"]
    return S.evaluate(
        s[name], {var: point, s["y_star"]: target}, shape=() if name in ("ce", "ce_logits") else (len(point),)
    )


def mp_cross_entropy_from_logits(z, y_star, dps=500):
    """An independent high-precision witness: mpmath log-sum-exp at 500 digits (enough for e^-300 next to 1)."""
    with mpmath.workdps(dps):
        c = max(float(v) for v in z)
        shifted = [mpmath.mpf(float(v)) - c for v in z]  # exact: c is one of the floats
        lse = mpmath.log(mpmath.fsum(mpmath.exp(v) for v in shifted))
        return float(-mpmath.fsum(float(t) * (v - lse) for t, v in zip(y_star, shifted)))


def one_hot(m, k):
    e = np.zeros(m)
    e[k] = 1.0
    return e


def logit_cases(m, seed, n=10, scale=1.5):
    rng = np.random.default_rng(seed)
    return [(z, one_hot(m, int(rng.integers(m)))) for z in T.random_points(rng, m, n, scale)]


def probability_cases(m, seed, n=10):
    """y strictly inside ]0,1[^m — Softmax of moderate logits (m >= 2) or uniform draws — and binary targets,
    one-hot or not (Definition 3.1 asks y* in {0,1}^m only)."""
    rng = np.random.default_rng(seed)
    cases = []
    for k, z in enumerate(T.random_points(rng, m, n)):
        y = A.softmax(z) if m >= 2 and k % 2 == 0 else rng.uniform(0.01, 0.99, m)
        target = rng.integers(0, 2, m).astype(np.float64) if rng.random() < 0.5 else one_hot(m, rng.integers(m))
        cases.append((y, target))
    return cases


# ================================================================================================================
# Definition 3.1 and Proposition 3.1
# ================================================================================================================
@pytest.mark.parametrize("m", SIZES)
def test_cross_entropy_value_vs_sympy(m):
    T.check_against_symbolic(
        lambda c: L.cross_entropy(*c),
        lambda c: exact("ce", *c),
        probability_cases(m, m),
        statement="Definition 3.1",
        what="cross-entropy vs SymPy",
    )


@pytest.mark.parametrize("m", SIZES)
def test_cross_entropy_gradient_vs_sympy(m):
    T.check_against_symbolic(
        lambda c: L.cross_entropy_gradient(*c),
        lambda c: exact("ce_grad", *c),
        probability_cases(m, 10 + m),
        statement="Proposition 3.1",
        what="cross-entropy gradient vs SymPy",
    )


@pytest.mark.parametrize("m", SIZES)
def test_cross_entropy_gradient_vs_central_differences(m):
    for y, target in probability_cases(m, 20 + m, n=6):
        if not np.any(target):
            continue
        T.check_finite_differences(
            lambda p: L.cross_entropy(p, target),
            lambda p: L.cross_entropy_gradient(p, target),
            [y],
            statement="Proposition 3.1",
            what="cross-entropy gradient vs central differences",
        )


def test_cross_entropy_gradient_is_a_row_of_m_entries():
    y, target = A.softmax(np.array([0.1, 0.2, -0.3])), one_hot(3, 1)
    assert L.cross_entropy_gradient(y, target).shape == (3,)  # the paper's codomain "R" is R^m
    assert L.cross_entropy(y, target).shape == ()


# ================================================================================================================
# Proposition 5.3: the fused gradient
# ================================================================================================================
@pytest.mark.parametrize("m", SIZES)
def test_fused_gradient_vs_sympy(m):
    cases = logit_cases(m, 30 + m)
    verdict = T.check_against_symbolic(
        lambda c: L.softmax_cross_entropy_gradient(*c),
        lambda c: exact("fused", *c),
        cases,
        statement="Proposition 5.3",
        what="S(z) - y* vs SymPy",
    )
    # The reference derived without the hypothesis sum y* = 1, evaluated at one-hot targets, is the same number.
    T.check_against_symbolic(
        lambda c: L.softmax_cross_entropy_gradient(*c),
        lambda c: exact("fused_raw", *c),
        cases,
        statement="Proposition 5.3",
        what="S(z) - y* vs SymPy's raw derivative",
    )
    assert verdict.max_rel_error <= TOL


@pytest.mark.parametrize("m", SIZES)
def test_fused_gradient_vs_central_differences_of_the_loss(m):
    for z, target in logit_cases(m, 40 + m, n=6):
        T.check_finite_differences(
            lambda p: L.cross_entropy_from_logits(p, target),
            lambda p: L.softmax_cross_entropy_gradient(p, target),
            [z],
            statement="Proposition 5.3",
            what="S(z) - y* vs central differences",
        )


@pytest.mark.parametrize("m", (2, 3, 5))  # m = 1: S(z) = 1 is outside ]0,1[, Proposition 3.1 does not apply
def test_fused_gradient_is_the_chain_rule_of_propositions_2_2_and_3_1(m):
    """The VJP view: v J_S(z) with v = grad xi(S(z)) (Proposition 3.1) is S(z) - y* (Theorem 1.3)."""
    cases = logit_cases(m, 50 + m, scale=1.0)
    T.check_vjp(
        lambda c: A.softmax_jacobian(c[0]),
        lambda c, v: L.softmax_cross_entropy_gradient(*c),
        cases,
        [L.cross_entropy_gradient(A.softmax(z), t) for z, t in cases],
        statement="Proposition 5.3",
        what="S(z) - y* vs grad xi(S(z)) J_S(z)",
    )


def test_fused_gradient_batch_is_its_rows_and_sums_to_zero():
    rng = np.random.default_rng(60)
    Z, Y = rng.standard_normal((5, 4)), np.eye(4)[rng.integers(0, 4, 5)]
    G = L.softmax_cross_entropy_gradient(Z, Y)
    assert np.array_equal(G, np.stack([L.softmax_cross_entropy_gradient(z, y) for z, y in zip(Z, Y)]))
    assert np.max(np.abs(G.sum(axis=1))) <= 4 * np.finfo(float).eps  # sum S = sum y* = 1
    assert L.softmax_cross_entropy_gradient(Z[:1], Y[:1]).shape == (1, 4)


# ================================================================================================================
# cross_entropy_from_logits and underflow
# ================================================================================================================
@pytest.mark.parametrize("m", SIZES)
def test_cross_entropy_from_logits_vs_sympy_and_mpmath(m):
    cases = logit_cases(m, 70 + m, scale=1.0)
    T.check_against_symbolic(
        lambda c: L.cross_entropy_from_logits(*c),
        lambda c: exact("ce_logits", *c),
        cases,
        statement="Proposition 5.3",
        what="xi(S(z), y*) from logits vs SymPy",
    )
    T.check_against_symbolic(
        lambda c: L.cross_entropy_from_logits(*c),
        lambda c: mp_cross_entropy_from_logits(*c),
        cases,
        statement="Proposition 5.3",
        what="xi(S(z), y*) from logits vs mpmath",
    )


def test_underflowed_probability_cross_entropy_raises_but_from_logits_is_finite_and_exact():
    z, target = np.array([0.0, -800.0, 5.0]), one_hot(3, 1)
    probabilities = A.softmax(z)
    assert probabilities[1] == 0.0  # e^-805 underflows in float64
    T.check_raises(
        lambda: L.cross_entropy(probabilities, target), ValueError, must_mention=("]0,1[",), statement="Definition 3.1"
    )
    T.check_raises(
        lambda: L.cross_entropy_gradient(probabilities, target),
        ValueError,
        must_mention=("]0,1[",),
        statement="Proposition 3.1",
    )
    value = L.cross_entropy_from_logits(z, target)
    assert np.isfinite(value)
    T.check_close(
        value, exact("ce_logits", z, target), statement="Proposition 5.3", what="xi(S(z), y*) after underflow vs SymPy"
    )
    T.check_close(
        value,
        mp_cross_entropy_from_logits(z, target),
        statement="Proposition 5.3",
        what="xi(S(z), y*) after underflow vs mpmath",
    )
    T.check_close(
        L.softmax_cross_entropy_gradient(z, target),
        exact("fused", z, target),
        statement="Proposition 5.3",
        what="S(z) - y* after underflow vs SymPy",
    )


@pytest.mark.parametrize("z", [[1e4, -1e4, 0.0], [-1e4, -1e4 + 3.0, -1e4 - 1.0], [1e4, 1e4 - 1.0, -5e3]])
@pytest.mark.parametrize("k", [0, 1, 2])
def test_logits_of_size_1e4(z, k):
    z, target = np.array(z), one_hot(3, k)
    T.check_close(
        L.cross_entropy_from_logits(z, target),
        mp_cross_entropy_from_logits(z, target),
        statement="Proposition 5.3",
        what="xi(S(z), y*) at logits ±1e4 vs mpmath",
    )
    T.check_close(
        L.softmax_cross_entropy_gradient(z, target),
        exact("fused", z, target),
        statement="Proposition 5.3",
        what="S(z) - y* at logits ±1e4 vs SymPy",
    )


def test_a_probability_of_exactly_1_is_outside_the_domain():
    probabilities = A.softmax(np.array([40.0, 0.0]))
    assert probabilities[0] == 1.0
    T.check_raises(
        lambda: L.cross_entropy(probabilities, one_hot(2, 0)),
        ValueError,
        must_mention=("]0,1[",),
        statement="Definition 3.1",
    )


@pytest.mark.parametrize("gap", [40.0, 300.0])
def test_confident_correct_prediction_loss_vs_mpmath(gap):
    z, target = np.array([gap, 0.0]), one_hot(2, 0)
    T.check_close(
        L.cross_entropy_from_logits(z, target),
        mp_cross_entropy_from_logits(z, target),
        statement="Proposition 5.3",
        what="xi(S(z), y*) near saturation",
    )


@pytest.mark.parametrize("gap", [20.0, 40.0, 300.0])
def test_confident_correct_prediction_gradient_vs_sympy(gap):
    z, target = np.array([gap, 0.0, -0.5]), one_hot(3, 0)
    T.check_close(
        L.softmax_cross_entropy_gradient(z, target),
        exact("fused", z, target),
        statement="Proposition 5.3",
        what="S(z) - y* near saturation",
    )


# ================================================================================================================
# Targets, shapes, dtypes, bad input
# ================================================================================================================
@pytest.mark.parametrize(
    "fn,statement",
    [
        (L.cross_entropy, "Definition 3.1"),
        (L.cross_entropy_gradient, "Proposition 3.1"),
        (L.cross_entropy_from_logits, "Proposition 5.3"),
        (L.softmax_cross_entropy_gradient, "Proposition 5.3"),
    ],
)
@pytest.mark.parametrize("target", [[0.5, 0.5, 0.0], [1.0, -1.0, 1.0], [2.0, 0.0, 0.0]])
def test_targets_outside_0_1_are_rejected(fn, statement, target):
    y = A.softmax(np.array([0.1, 0.2, 0.3]))
    T.check_raises(lambda: fn(y, np.array(target)), ValueError, must_mention=("{0, 1}",), statement=statement)


@pytest.mark.parametrize("target", [[1.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
def test_fused_gradient_needs_one_hot_targets(target):
    T.check_raises(
        lambda: L.softmax_cross_entropy_gradient(np.zeros(3), np.array(target)),
        ValueError,
        must_mention=("one-hot",),
        statement="Proposition 5.3",
    )


def test_binary_non_one_hot_targets_are_allowed_by_definition_3_1():
    y, target = A.softmax(np.array([0.1, 0.2, 0.3])), np.array([1.0, 0.0, 1.0])
    T.check_close(
        L.cross_entropy(y, target), exact("ce", y, target), statement="Definition 3.1", what="multi-hot target vs SymPy"
    )
    assert L.cross_entropy(y, np.zeros(3)) == 0.0


@pytest.mark.parametrize(
    "fn,statement",
    [
        (L.cross_entropy, "Definition 3.1"),
        (L.cross_entropy_gradient, "Proposition 3.1"),
        (L.cross_entropy_from_logits, "Proposition 5.3"),
        (L.softmax_cross_entropy_gradient, "Proposition 5.3"),
    ],
)
def test_shapes_must_match_exactly(fn, statement):
    y = np.full((2, 3), 1 / 3)
    target = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    T.check_raises(
        lambda: fn(y, target[0]), ValueError, must_mention=("(2, 3)", "(3,)", "same shape"), statement=statement
    )
    T.check_raises(
        lambda: fn(y[0], np.array([1.0, 0.0, 0.0, 0.0])), ValueError, must_mention=("(3,)", "(4,)"), statement=statement
    )
    T.check_raises(lambda: fn(y[None], target[None]), ValueError, must_mention=("(1, 2, 3)",), statement=statement)


@pytest.mark.parametrize(
    "fn,statement",
    [
        (L.cross_entropy, "Definition 3.1"),
        (L.cross_entropy_gradient, "Proposition 3.1"),
        (L.cross_entropy_from_logits, "Proposition 5.3"),
        (L.softmax_cross_entropy_gradient, "Proposition 5.3"),
    ],
)
def test_nan_and_inf_are_rejected(fn, statement):
    y, target = np.array([0.2, 0.3, 0.5]), one_hot(3, 2)
    for bad in (np.nan, np.inf):
        T.check_raises(
            lambda: fn(np.array([0.2, bad, 0.5]), target), ValueError, must_mention=("NaN",), statement=statement
        )
        T.check_raises(lambda: fn(y, np.array([0.0, bad, 1.0])), ValueError, must_mention=("NaN",), statement=statement)


def test_one_sample_batch():
    y, target = A.softmax(np.array([[0.1, 0.2, 0.3]])), np.array([[0.0, 1.0, 0.0]])
    assert L.cross_entropy(y, target).shape == (1,)
    assert L.cross_entropy(y, target)[0] == L.cross_entropy(y[0], target[0])
    assert L.cross_entropy_from_logits(np.log(y), target).shape == (1,)
    assert L.cross_entropy_gradient(y, target).shape == (1, 3)


def test_float32_in_float32_out():
    z32 = np.array([[0.5, -1.25, 2.0]], dtype=np.float32)
    y32 = A.softmax(z32)
    t32 = np.array([[0.0, 0.0, 1.0]], dtype=np.float32)
    outputs = [
        L.cross_entropy(y32, t32),
        L.cross_entropy_gradient(y32, t32),
        L.cross_entropy_from_logits(z32, t32),
        L.softmax_cross_entropy_gradient(z32, t32),
        L.squared_error(y32, t32),
        L.squared_error_gradient(y32, t32),
    ]
    assert [o.dtype for o in outputs] == [np.float32] * len(outputs)
    z64, t64 = z32[0].astype(np.float64), t32[0].astype(np.float64)
    T.check_close(
        L.cross_entropy_from_logits(z32, t32)[0],
        exact("ce_logits", z64, t64),
        statement="Proposition 5.3",
        what="float32 xi(S(z), y*)",
        tol=TOL32,
    )
    T.check_close(
        L.softmax_cross_entropy_gradient(z32, t32)[0],
        exact("fused", z64, t64),
        statement="Proposition 5.3",
        what="float32 S(z) - y*",
        tol=TOL32,
    )


# ================================================================================================================
# One-hot targets Y* (Definition 5.2)
# ================================================================================================================
def test_one_hot_values_and_dtype():
    Y = L.one_hot(np.array([2, 0, 1, 2]), 3)
    np.testing.assert_array_equal(Y, [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    assert Y.dtype == np.float64
    assert L.one_hot([1], 2, dtype=np.float32).dtype == np.float32
    assert L.one_hot(np.array([], dtype=np.int64), 4).shape == (0, 4)
    labels = np.random.default_rng(0).integers(0, 7, 50)
    T.check_close(  # row i is e_{labels[i]}: y* in {0,1}^m with ||y*|| = 1, its 1 at the label
        L.one_hot(labels, 7),
        np.eye(7)[labels],
        tol=0.0,
        statement="Definition 5.2",
        what="one_hot(labels) = the unit rows e_label",
    )


@pytest.mark.parametrize(
    ("labels", "mentions"),
    [
        ([0, -1, 2], ("integers in [0, 3)", "[-1, 2]")),
        ([0, 3], ("integers in [0, 3)", "[0, 3]")),
        ([0.0, 1.5], ("integers in [0, 3)", "float64")),
        ([0.0, 1.0], ("integers in [0, 3)", "float64")),
        ([True, False], ("integers in [0, 3)", "bool")),
        ([[0, 1]], ("1-D array", "(1, 2)")),
    ],
)
def test_one_hot_rejects_bad_labels(labels, mentions):
    T.check_raises(
        lambda: L.one_hot(np.array(labels), 3), ValueError, must_mention=mentions, statement="Definition 5.2"
    )


def test_one_hot_rejects_bad_class_counts_and_dtypes():
    for n_classes in (0, -2, 2.0, True):
        T.check_raises(
            lambda: L.one_hot([0], n_classes),
            ValueError,
            must_mention=("n_classes", ">= 1"),
            statement="Definition 5.2",
        )
    for dtype in (np.int64, np.float16, None):
        T.check_raises(
            lambda: L.one_hot([0], 2, dtype=dtype),
            TypeError,
            must_mention=("np.float32 or np.float64",),
            statement="Definition 5.2",
        )


# ================================================================================================================
# Property tests
# ================================================================================================================
@st.composite
def logits_and_class(draw):
    m = draw(st.integers(2, 5))
    # |z| <= 3 keeps 1 - S_c >= e^-6: beyond that S(z) - y* loses relative accuracy (the saturation tests above pin
    # the edge).
    z = draw(hnp.arrays(np.float64, m, elements=st.floats(-3, 3, allow_nan=False)))
    return z, one_hot(m, draw(st.integers(0, m - 1)))


@settings(max_examples=30, deadline=None)
@given(logits_and_class())
def test_property_fused_gradient_vs_sympy_and_chain_rule(case):
    z, target = case
    T.check_against_symbolic(
        lambda c: L.softmax_cross_entropy_gradient(*c),
        lambda c: exact("fused", *c),
        [case],
        statement="Proposition 5.3",
        what="S(z) - y* vs SymPy",
    )
    chain = L.cross_entropy_gradient(A.softmax(z), target) @ A.softmax_jacobian(z)
    T.check_close(
        chain,
        L.softmax_cross_entropy_gradient(z, target),
        statement="Proposition 5.3",
        what="chain rule of Props 2.2, 3.1",
        tol=1e-12,
    )


@settings(max_examples=30, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda n: st.integers(1, 5).flatmap(
            lambda m: st.tuples(
                hnp.arrays(np.float64, (n, m), elements=st.floats(-50, 50, allow_nan=False)),
                st.lists(st.integers(0, m - 1), min_size=n, max_size=n),
            )
        )
    )
)
def test_property_batches_are_rows_and_values_are_nonnegative(case):
    Z, labels = case
    Y = np.eye(Z.shape[1])[labels]
    values = L.cross_entropy_from_logits(Z, Y)
    assert values.shape == (Z.shape[0],) and np.all(values >= 0) and np.all(np.isfinite(values))
    assert np.array_equal(values, np.array([L.cross_entropy_from_logits(z, y) for z, y in zip(Z, Y)]))
    G, S = L.softmax_cross_entropy_gradient(Z, Y), A.softmax(Z)
    assert np.array_equal(G[Y == 0], S[Y == 0])  # away from the target the fused gradient is S itself
    # At the target it is -sum_{k != c} S_k: S_c - 1 up to the round-off of that subtraction, which it avoids.
    assert np.all(np.abs(G - (S - Y)) <= 4 * np.finfo(np.float64).eps)
