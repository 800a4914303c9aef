r"""The quick self-check of ``mathdnn verify``: eight statements of the paper, checked through the package.

:func:`checks` lists them as ``(statement, thunk)`` pairs, each thunk returning a
:class:`mathdnn_core.testing.Verdict` or raising ``AssertionError``; :func:`run_check` runs one and never raises;
:func:`self_check` runs them all and returns the results in order.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import activations, losses, network, optim, testing, training

__all__ = ["Result", "checks", "run_check", "self_check", "print_self_check"]


@dataclass(frozen=True)
class Result:
    """One check of :func:`self_check`: its statement, its verdict (``None`` when it failed), the line printed."""

    statement: str
    verdict: testing.Verdict | None
    line: str

    @property
    def passed(self) -> bool:
        return self.verdict is not None


def checks() -> list[tuple[str, Callable[[], testing.Verdict]]]:
    """The checks of ``mathdnn verify``, on one seeded random problem: ``(statement, thunk)`` pairs."""
    rng = np.random.default_rng(20240601)
    sizes = [6, 5, 4, 3]
    params = network.init_params(sizes, rng=rng, dtype=np.float64)
    params = [(W, 0.1 * rng.standard_normal(b.shape)) for W, b in params]
    X = rng.standard_normal((7, sizes[0]))
    Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], size=7)]
    points = testing.random_points(rng, 5, 4)
    away_from_kink = [p + np.sign(p) * 0.1 for p in points]
    y_star = np.eye(5)[2]
    probabilities = [activations.softmax(p) for p in points]

    def relu_at_kink():
        z = np.array([-1.0, 0.0, 2.0])
        return testing.check_close(
            activations.relu_jacobian(z),
            np.diag([0.0, 0.0, 1.0]),
            statement="Assumption 1",
            what="ReLU Jacobian at z = (-1, 0, 2): derivative 0 at 0",
        )

    def fused():
        chain = [
            losses.cross_entropy_gradient(activations.softmax(z), y_star) @ activations.softmax_jacobian(z)
            for z in points
        ]
        return testing.check_close(
            [losses.softmax_cross_entropy_gradient(z, y_star) for z in points],
            chain,
            statement="Proposition 5.3",
            what="S(z) - y* = grad xi(S(z)) J_S(z)",
        )

    def objective_fd():
        W1, b1 = params[0]

        def objective_of_W1(w):
            return network.objective(X, Y, [(w.reshape(W1.shape), b1), *params[1:]])

        def gradient_of_W1(w):
            return network.gradients(X, Y, [(w.reshape(W1.shape), b1), *params[1:]])[0][0].ravel()

        return testing.check_finite_differences(
            objective_of_W1,
            gradient_of_W1,
            [W1.ravel()],
            statement="Definition 5.2",
            what="gradient of O_c+ w.r.t. W^(1) vs central differences",
        )

    def one_step():
        lr = 0.1
        trained, _ = training.fit(
            params, X, Y, epochs=1, batch_size=X.shape[0], lr=lr, momentum=0.0, rng=0, progress=False
        )
        expected = optim.apply_updates(
            params, [(-lr * dW, -lr * db) for dW, db in network.gradients(X, Y, params, reduction="mean")]
        )
        return testing.check_close(
            trained,
            expected,
            statement="Definition 6.7",
            what="one fit step (beta = 0, one batch) = params - alpha * mean gradient",
        )

    return [
        (
            "Proposition 2.1",
            lambda: testing.check_finite_differences(
                activations.relu,
                activations.relu_jacobian,
                away_from_kink,
                statement="Proposition 2.1",
                what="ReLU Jacobian vs central differences",
            ),
        ),
        ("Assumption 1", relu_at_kink),
        (
            "Proposition 2.2",
            lambda: testing.check_finite_differences(
                activations.softmax,
                activations.softmax_jacobian,
                points,
                statement="Proposition 2.2",
                what="Softmax Jacobian diag(s) - s^T s vs central differences",
            ),
        ),
        (
            "Proposition 3.1",
            lambda: testing.check_finite_differences(
                lambda y: losses.cross_entropy(y, y_star),
                lambda y: losses.cross_entropy_gradient(y, y_star),
                probabilities,
                statement="Proposition 3.1",
                what="cross-entropy gradient vs central differences",
            ),
        ),
        ("Proposition 5.3", fused),
        ("Corollary of Definition 5.2", lambda: testing.check_gradient_routes(X, Y, params, tol=1e-12)),
        ("Definition 5.2", objective_fd),
        ("Definition 6.7", one_step),
    ]


def run_check(statement: str, check: Callable[[], testing.Verdict]) -> Result:
    """Run one check: a failed assertion, or a check that cannot even run, is a failed check (a ``✗`` line)."""
    try:
        verdict = check()
    except AssertionError as exc:
        return Result(statement, None, f"✗ {' '.join(str(exc).split())}")
    except Exception as exc:
        return Result(statement, None, f"✗ {statement} NOT verified — the check raised {type(exc).__name__}: {exc}")
    return Result(statement, verdict, str(verdict))


def self_check() -> list[Result]:
    """Every check of :func:`checks`, run in order."""
    return [run_check(statement, check) for statement, check in checks()]


def print_self_check() -> int:
    """Run :func:`self_check`, print one line per check and a summary; return 0 when all pass, else 1."""
    start = time.perf_counter()
    results = self_check()
    for result in results:
        print(result.line, flush=True)
    passed = sum(result.passed for result in results)
    print(f"{passed} of {len(results)} checks passed in {time.perf_counter() - start:.2f} s")
    return 0 if passed == len(results) else 1
