"""mathdnn_core.testing: the checkers pass when they should and FAIL when they should.

A checker that cannot fail is a defect: each one is fed a deliberately wrong Jacobian / VJP / message / identity
and must raise AssertionError, and a Verdict cannot be built for a failure.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from conftest import activation_twins, random_problem

from mathdnn_core import activations, layers, network
from mathdnn_core import symbolic as S
from mathdnn_core import testing as T

TOL = 1e-12


# ================================================================================================================
# Verdict: the line it prints, its document, and that it cannot describe a failure
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


def test_verdict_names_its_document_unless_it_is_the_paper():
    paper = T.Verdict("Proposition 1.2", "sum rule", 0.0, 1e-12, 1)
    assert paper.document == "mathdnn" and paper.label == "Proposition 1.2"
    notes = T.Verdict("Proposition 1.2", "squared error", 0.0, 1e-12, 2, document="borasi-notes")
    assert notes.label == "Proposition 1.2 [borasi-notes]"
    assert str(notes) == "✓ Proposition 1.2 [borasi-notes] — squared error (2 cases): max rel. error ≤ 1e-12"
    assert notes.measured.startswith("Proposition 1.2 [borasi-notes] — squared error: max rel. error 0.00e+00")
    with pytest.raises(AssertionError, match=r"Theorem 2\.1 \[cuchiero-lecture\] NOT verified"):
        T.Verdict("Theorem 2.1", "w", 1.0, 1e-12, 1, document="cuchiero-lecture")
    # Every checker carries the document into its verdict and into its failure message.
    close = T.check_close(np.ones(2), np.ones(2), statement="Proposition 1.2", what="w", document="borasi-notes")
    assert close.document == "borasi-notes" and "[borasi-notes]" in str(close)
    with pytest.raises(AssertionError, match=r"Proposition 1\.2 \[borasi-notes\] NOT verified — w: max rel"):
        T.check_close(np.ones(2), -np.ones(2), statement="Proposition 1.2", what="w", document="borasi-notes")


def test_only_a_measured_error_is_numeric():
    numeric = T.check_close(np.ones(2), np.ones(2), statement="Proposition 3.1", what="w")
    assert numeric.is_numeric and numeric.measured
    bad = lambda: activations.relu_vjp(np.ones((3, 4)), np.ones(4))  # noqa: E731
    wrong = lambda: T.check_close(np.ones(2), -np.ones(2), statement="Proposition 3.1", what="sign")  # noqa: E731
    z = S.symbols_vector("z", 2)
    not_numeric = {
        "a raise": T.check_raises(bad, ValueError, statement="Proposition 5.1"),
        "a refutation": T.check_refuted(
            wrong, statement="Proposition 3.1", what="printed sign", must_mention=("max rel. error",)
        ),
        "an identity": T.check_identity(S.relu_expr(z), S.relu_expr(z), statement="Definition 2.1", what="R = R"),
        "a floor": T.check_at_least(2.0, 1.9, statement="Definition 1.1", what="order"),
    }
    for kind, verdict in not_numeric.items():
        assert not verdict.is_numeric, kind
        # A refutation or a floor must never be read as "max rel. error 0".
        with pytest.raises(ValueError, match="this verdict is not a measured error"):
            print(verdict.measured)


# ================================================================================================================
# The measures: relative_error, routes_disagreement, loglog_slope
# ================================================================================================================
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


def test_routes_disagreement_is_norm_wise_over_the_whole_gradient():
    W, b = np.array([[3.0, -4.0], [0.0, 12.0]]), np.array([1e-14])
    assert T.routes_disagreement([(W, b)], [(W.copy(), b.copy())]) == 0.0
    assert T.routes_disagreement([(np.zeros(2), np.zeros(1))], [(np.zeros(2), np.zeros(1))]) == 0.0
    # A cancelling array (b is round-off next to W) does not dominate: b's own relative difference is 1 ...
    off = [(W, 2 * b)]
    assert T.relative_error(off, [(W, b)]) == pytest.approx(1.0, rel=1e-12)
    # ... but over the whole vector (3, -4, 0, 12, b) of norm 13 the routes differ by 1e-14 / 13.
    assert T.routes_disagreement(off, [(W, b)]) == pytest.approx(1e-14 / np.sqrt(169 + 1e-28), rel=1e-12)
    assert T.routes_disagreement([(W + 1.0, b)], [(W, b)]) == pytest.approx(2.0 / 13.0, rel=1e-12)
    assert T.routes_disagreement([(W, np.array([np.nan]))], [(W, b)]) == np.inf
    assert T.routes_disagreement([(W, np.array([np.inf]))], [(W, b)]) == np.inf
    assert T.routes_disagreement([(np.ones(2), np.zeros(1))], [(np.zeros(2), np.zeros(1))]) == np.inf
    with pytest.raises(AssertionError, match="structures differ"):
        T.routes_disagreement([(W, b)], [(W, b), (W, b)])
    with pytest.raises(AssertionError, match="structures differ"):
        T.routes_disagreement([(W, b)], [(W.T[:, :1], b)])
    with pytest.raises(AssertionError, match="reference"):
        T.routes_disagreement([(W, b)], [(W, np.array([np.nan]))])


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


# ================================================================================================================
# The checkers pass and fail
# ================================================================================================================
def test_check_close_fails_on_values_and_on_shapes():
    assert T.check_close(np.ones(3), np.ones(3), statement="Definition 2.1", what="w").n_cases == 1
    with pytest.raises(AssertionError, match=r"Definition 2\.1 NOT verified — w: max rel\. error 1\.0\d*e-11"):
        T.check_close(np.array([1.0 + 1e-11, 1.0]), np.ones(2), statement="Definition 2.1", what="w")
    with pytest.raises(AssertionError, match="shapes differ"):
        T.check_close(np.ones(3), np.ones((1, 3)), statement="Definition 2.1", what="w")


def test_check_against_symbolic_passes_and_fails():
    points = T.random_points(np.random.default_rng(1), 3, 5)
    exact = S.exact_function(activation_twins(3)["softmax_jac"], activation_twins(3)["z"])
    verdict = T.check_against_symbolic(
        activations.softmax_jacobian, exact, points, statement="Proposition 2.2", what="softmax Jacobian vs SymPy"
    )
    assert verdict.n_cases == 5 and verdict.max_rel_error <= TOL
    assert str(verdict).startswith("✓ Proposition 2.2 — softmax Jacobian vs SymPy (5 cases): max rel. error")

    def wrong(z):  # the sign of s s^T flipped
        s = activations.softmax(z)
        return np.diag(s) + np.outer(s, s)

    with pytest.raises(AssertionError) as failure:
        T.check_against_symbolic(wrong, exact, points, statement="Proposition 2.2", what="wrong Jacobian")
    message = str(failure.value)
    assert "Proposition 2.2 NOT verified" in message and "case 0" in message and "input:" in message
    with pytest.raises(AssertionError, match="shapes differ"):
        T.check_against_symbolic(
            activations.softmax_jacobian, lambda p: exact(p)[:, :2], points, statement="Proposition 2.2", what="w"
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
    X, Y, params = random_problem((3, 4, 3), 5, seed=4)
    verdict = T.check_gradient_routes(X, Y, params)
    assert verdict.statement == "Corollary of Definition 5.2" and verdict.n_cases == 4 and verdict.is_numeric
    assert T.check_gradient_routes(X, Y, params, document="borasi-notes").label.endswith("[borasi-notes]")
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


def test_check_identity_proves_true_identities_and_rejects_false_ones():
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
    assert T.check_refuted(bad, statement="Proposition 3.1", what="printed index", must_mention=("max rel. error",))
    with pytest.raises(AssertionError, match="not for the expected reason"):
        T.check_refuted(bad, statement="Proposition 3.1", what="printed index", must_mention=("shapes",))


@pytest.mark.parametrize("nothing", [(), None, "max rel. error", ("",), ("max rel. error", "")])
def test_check_refuted_requires_a_reason(nothing):
    """An empty reason, or a bare string (its letters would each be a "reason"), is refused before anything runs."""
    ran = []
    bad = lambda: ran.append(1) or T.check_close(np.ones(2), -np.ones(2), statement="Proposition 3.1", what="s")  # noqa: E731
    with pytest.raises(ValueError, match=r"Proposition 3\.1: printed index — must_mention must be a non-empty tuple"):
        T.check_refuted(bad, statement="Proposition 3.1", what="printed index", must_mention=nothing)
    assert not ran


def test_check_refuted_names_the_document():
    bad = lambda: T.check_close(np.ones(2), -np.ones(2), statement="Theorem 2.1", what="w")  # noqa: E731
    verdict = T.check_refuted(
        bad,
        statement="Theorem 2.1",
        what="printed bound",
        must_mention=("max rel. error",),
        document="cuchiero-lecture",
    )
    assert str(verdict).startswith("✓ Theorem 2.1 [cuchiero-lecture] — printed bound (1 case): refuted")


# ================================================================================================================
# Points
# ================================================================================================================
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
    assert all(p.shape == (3,) for p in T.edge_points(np.int64(3)))


@pytest.mark.parametrize("m", [0, -1, 2.0, True, "3"])
def test_edge_points_refuse_a_length_that_is_not_a_positive_integer(m):
    with pytest.raises(ValueError, match=r"m must be an integer >= 1 \(edge points of Assumption 1, Definition 2\.2\)"):
        T.edge_points(m)


def test_check_conforms_passes_conforming_shapes_and_refutes_the_others():
    W = np.ones((3, 4))
    assert "the shapes conform" in str(
        T.check_conforms(
            lambda: np.ones((2, 4)) @ W.T,
            statement="Definition 4.1",
            what="a batch of rows of R^4 through W in M_(3,4)",
        )
    )
    with pytest.raises(AssertionError, match="the shapes do not conform"):
        T.check_conforms(lambda: np.ones((2, 3)) @ W.T, statement="Definition 4.1", what="rows of R^3")
    refuted = T.check_refuted(
        lambda: T.check_conforms(lambda: np.ones((2, 3)) @ W.T, statement="Definition 4.1", what="rows of R^3"),
        statement="Definition 4.1",
        what="the printed shape, used",
        must_mention=("do not conform",),
    )
    assert "refuted" in str(refuted)
    with pytest.raises(TypeError):  # only a shape error counts: other failures propagate
        T.check_conforms(lambda: None + 1, statement="Definition 4.1", what="not a shape error")
