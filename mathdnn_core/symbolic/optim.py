r"""SymPy twins of §6 (the twins of :mod:`mathdnn_core.optim`): convexity, smoothness and co-coercivity of a convex
quadratic in general dimension, the proof lines of Propositions 6.1 and 6.3, the variance form of Softmax's Jacobian
(why softmax regression is convex), the exact iterates of gradient descent and of momentum in three forms, and the
two ``O(1/n)`` bounds of gradient descent.

**General dimension, term by term.** A convex quadratic in an eigenbasis of its matrix is separable,
``f(x) = sum_{i=1}^m (a_i x_i^2 / 2 + c_i x_i)`` with ``a_i >= 0`` (an orthogonal change of variables changes
neither values, nor gradient norms, nor inner products). Every quantity of Definitions 6.1-6.2 and Propositions
6.1-6.4 is then a sum over ``i`` of one term, and an identity between two such sums follows from the identity of
their ``i``-th terms for a symbolic index ``i``: :meth:`SeparableQuadratic.identities` returns those term pairs,
which :func:`mathdnn_core.testing.check_identity` proves in general and at every index of several sizes. The
proof lines of Propositions 6.1 and 6.3 hold for any gradients ``g``: they are written with ``IndexedBase`` rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

from .._validation import positive_int
from ._rows import as_row
from .general import _general_simplify, _idx, _m
from .network import network_expr

FORMS = ("standard", "paper", "heavy-ball")


@dataclass(frozen=True, eq=False)
class SeparableQuadratic:
    r"""The convex quadratic ``f(x) = sum_i (a_i x_i^2 / 2 + c_i x_i)`` in general dimension ``m``.

    Paper: Definitions 6.1-6.3

    .. math:: f(x) = \sum_{i=1}^m \Big(\frac{a_i}{2} x_i^2 + c_i x_i\Big),\qquad
              \frac{\partial f}{\partial x_i}(x) = a_i x_i + c_i,\qquad L = \max_i a_i

    The gradient entry is derived by SymPy from the sum (``Derivative(f, x_i)``), never typed in. ``symbols``
    holds ``m, i, a, c, x, y, v, tau, L`` (``x, y, v`` rows as ``IndexedBase``, ``tau, L`` real symbols).
    """

    symbols: dict = field(default_factory=dict)
    gradient_entry: sp.Expr = sp.S.Zero  # d f / d x_i at x, derived

    def term(self, coordinate) -> sp.Expr:
        """The ``i``-th term ``a_i p^2 / 2 + c_i p`` of ``f`` at a point whose ``i``-th coordinate is ``coordinate``.

        Paper: Definitions 6.1-6.3
        """
        s = self.symbols
        return s["a"][s["i"]] * coordinate**2 / 2 + s["c"][s["i"]] * coordinate

    def value(self, coordinate) -> sp.Sum:
        """``f`` at a point given by its ``i``-th coordinate (an expression in ``i``).

        Paper: Definitions 6.1-6.3
        """
        return sp.Sum(self.term(coordinate), (self.symbols["i"], 1, self.symbols["m"]))

    def gradient_at(self, coordinate) -> sp.Expr:
        """``d f / d x_i`` at a point given by its ``i``-th coordinate.

        Paper: Definition 6.2
        """
        s = self.symbols
        return self.gradient_entry.xreplace({s["x"][s["i"]]: coordinate})

    def identities(self) -> dict[str, tuple[sp.Expr, sp.Expr]]:
        r"""The ``i``-th terms of both sides of each identity of §6 for this ``f``, by statement.

        Paper: Definition 6.1, Proposition 6.1, Proposition 6.2, Proposition 6.3, Proposition 6.4

        * ``"Definition 6.1"``: :math:`\tau f(x) + (1-\tau) f(y) - f(\tau x + (1-\tau) y)
          = \tfrac{\tau(1-\tau)}{2} \sum_i a_i (x_i - y_i)^2 \ge 0`;
        * ``"Proposition 6.1"``: :math:`f(y) - f(x) - \nabla f(x)(y-x)^T = \tfrac12 \sum_i a_i (y_i - x_i)^2 \ge 0`;
        * ``"Proposition 6.2"``: :math:`f(x) + \nabla f(x)(y-x)^T + \tfrac L2 \|y-x\|^2 - f(y)
          = \tfrac12 \sum_i (L - a_i)(y_i - x_i)^2 \ge 0` when every ``a_i <= L``;
        * ``"Proposition 6.3"``: :math:`(\nabla f(y) - \nabla f(x))(y-x)^T - \tfrac1L\|\nabla f(y) - \nabla f(x)\|^2
          = \sum_i a_i (1 - a_i / L)(y_i - x_i)^2 \ge 0` when ``0 <= a_i <= L``;
        * ``"Proposition 6.4"``: :math:`\tfrac{d}{d\tau} f(x + \tau v)\big|_{\tau=0} = \nabla f(x) v^T`.
        """
        s = self.symbols
        i, a, x, y, v, tau, L = (s[k] for k in ("i", "a", "x", "y", "v", "tau", "L"))
        xi, yi = x[i], y[i]
        zi = tau * xi + (1 - tau) * yi
        gx, gy = self.gradient_at(xi), self.gradient_at(yi)
        first_order = self.term(yi) - self.term(xi) - gx * (yi - xi)
        along = sp.diff(self.term(xi + tau * v[i]), tau).xreplace({tau: 0})
        return {
            "Definition 6.1": (
                tau * self.term(xi) + (1 - tau) * self.term(yi) - self.term(zi),
                tau * (1 - tau) * a[i] * (xi - yi) ** 2 / 2,
            ),
            "Proposition 6.1": (first_order, a[i] * (yi - xi) ** 2 / 2),
            "Proposition 6.2": (L * (yi - xi) ** 2 / 2 - first_order, (L - a[i]) * (yi - xi) ** 2 / 2),
            "Proposition 6.3": ((gy - gx) * (yi - xi) - (gy - gx) ** 2 / L, a[i] * (1 - a[i] / L) * (yi - xi) ** 2),
            "Proposition 6.4": (along, gx * v[i]),
        }


def separable_quadratic() -> SeparableQuadratic:
    r"""The general-dimension quadratic of :class:`SeparableQuadratic`, its gradient entry derived by SymPy.

    Paper: Definitions 6.1-6.3
    """
    i = _idx("i", _m)
    a, c, x, y, v = (sp.IndexedBase(name, real=True) for name in ("a", "c", "x", "y", "v"))
    tau, L = sp.Symbol("tau", real=True), sp.Symbol("L", positive=True)
    symbols = {"m": _m, "i": i, "a": a, "c": c, "x": x, "y": y, "v": v, "tau": tau, "L": L}
    draft = SeparableQuadratic(symbols)
    j = _idx("j", _m)
    derived = _general_simplify(sp.Derivative(draft.value(x[i]), x[j]).doit())  # d f / d x_j: the delta sum done
    return SeparableQuadratic(symbols, derived.xreplace({j: i}))


def quadratic_expr(x, A, c) -> sp.Expr:
    r"""``f(x) = x A x^T / 2 + c x^T`` on a row of symbols: the quadratic of :class:`mathdnn_core.optim.Quadratic`.

    Paper: Definitions 6.1-6.3

    .. math:: f(x) = \tfrac12\, x A x^T + c\, x^T
    """
    x, c = as_row(x, "x", "Definitions 6.1-6.3"), as_row(c, "c", "Definitions 6.1-6.3")
    A = sp.ImmutableMatrix(A)
    if A.shape != (x.cols, x.cols) or c.cols != x.cols:
        raise ValueError(
            f"A must be {x.cols} x {x.cols} and c a row of {x.cols} (Definitions 6.1-6.3); got {A.shape}, {c.shape}"
        )
    return (x * A * x.T / 2 + c * x.T)[0, 0]


def symmetric_matrix(name: str, m: int) -> sp.ImmutableMatrix:
    """An ``m x m`` symmetric matrix of real symbols ``name_{i,j}``, ``i <= j`` (entry ``(j, i)`` is ``name_{i,j}``).

    Paper: Definitions 6.1-6.3
    """
    m = positive_int(m, "m", "Definitions 6.1-6.3")
    entry = {
        (i, j): sp.Symbol(f"{name}_{min(i, j)},{max(i, j)}", real=True)
        for i in range(1, m + 1)
        for j in range(1, m + 1)
    }
    return sp.ImmutableMatrix(m, m, lambda i, j: entry[(i + 1, j + 1)])


# --------------------------------------------------------------------------------------------------------------
# Proof lines, for any gradients
# --------------------------------------------------------------------------------------------------------------
def first_order_proof_terms() -> dict[str, tuple[sp.Expr, sp.Expr]]:
    r"""The ``i``-th terms of the lines of Proposition 6.1's converse proof, ``z = tau x + (1 - tau) y``.

    Paper: Proposition 6.1

    ``"(a)"``: :math:`-(1-\tau)\, g (y - x)^T = g (x - z)^T`; ``"(b)"``: :math:`\tau\, g (y - x)^T = g (y - z)^T`;
    ``"tau (a) + (1 - tau) (b)"``: :math:`\tau\, g (x - z)^T + (1-\tau)\, g (y - z)^T = 0`, so that the
    combination leaves ``f(z)`` on the left. ``g`` stands for ``grad f(z)``, any row.
    """
    i = _idx("i", _m)
    g, x, y = (sp.IndexedBase(name, real=True) for name in ("g", "x", "y"))
    tau = sp.Symbol("tau", real=True)
    zi = tau * x[i] + (1 - tau) * y[i]
    return {
        "(a)": (-(1 - tau) * g[i] * (y[i] - x[i]), g[i] * (x[i] - zi)),
        "(b)": (tau * g[i] * (y[i] - x[i]), g[i] * (y[i] - zi)),
        "tau (a) + (1 - tau) (b)": (tau * g[i] * (x[i] - zi) + (1 - tau) * g[i] * (y[i] - zi), sp.S.Zero),
    }


def co_coercivity_proof_terms(point: str = "corrected") -> tuple[sp.Expr, sp.Expr]:
    r"""The ``i``-th terms of the middle line of Proposition 6.3's proof and of what the proof says it is at most.

    Paper: Proposition 6.3

    .. math:: \nabla_f(y)(y - z)^T + \nabla_f(x)(z - x)^T + \tfrac L2 \|z - x\|^2
              \;\overset{?}{=}\; \nabla_f(y)(y - x)^T - \tfrac{1}{2L}\|\nabla_f(x) - \nabla_f(y)\|^2

    with ``z = x - (grad f(x) - grad f(y)) / L`` (``point="corrected"``: the identity holds) or the printed
    ``z = x - (grad f(y) - grad f(x)) / L`` (``point="printed"``: the left side is larger by
    ``2 ||grad f(x) - grad f(y)||^2 / L``). The gradients are any rows ``g_x, g_y``.
    """
    if point not in ("corrected", "printed"):
        raise ValueError(f"point must be 'corrected' or 'printed' (Proposition 6.3); got {point!r}")
    i = _idx("i", _m)
    gx, gy, x, y = (sp.IndexedBase(name, real=True) for name in (r"\nabla_f(x)", r"\nabla_f(y)", "x", "y"))
    L = sp.Symbol("L", positive=True)
    sign = 1 if point == "corrected" else -1
    zi = x[i] - sign * (gx[i] - gy[i]) / L
    middle = gy[i] * (y[i] - zi) + gx[i] * (zi - x[i]) + L * (zi - x[i]) ** 2 / 2
    return middle, gy[i] * (y[i] - x[i]) - (gx[i] - gy[i]) ** 2 / (2 * L)


def softmax_variance_general() -> tuple[sp.Expr, sp.Expr, tuple[sp.Eq, ...]]:
    r"""``v J_S v^T`` in general dimension, with ``J_S = diag(s) - s^T s`` (Proposition 2.2), and the variance of
    ``v`` under the probabilities ``s``; hypothesis ``sum_k s_k = 1``.

    Paper: Definition 6.1

    .. math:: \sum_{i=1}^m \sum_{j=1}^m v_i (s_i \delta_{ij} - s_i s_j) v_j
              = \sum_{i=1}^m s_i \Big(v_i - \sum_{l=1}^m s_l v_l\Big)^2 \;\ge 0

    Returns ``(lhs, rhs, given)``. ``J_S(z)`` is the Hessian of ``z -> xi(S(z), y*)`` (Proposition 5.3), so this
    is why softmax regression is convex.
    """
    i, j, l = _idx("i", _m), _idx("j", _m), _idx("l", _m)
    s, v = sp.IndexedBase("s", positive=True), sp.IndexedBase("v", real=True)
    lhs = sp.Sum(sp.Sum(v[i] * (s[i] * sp.KroneckerDelta(i, j) - s[i] * s[j]) * v[j], (j, 1, _m)), (i, 1, _m))
    rhs = sp.Sum(s[i] * (v[i] - sp.Sum(s[l] * v[l], (l, 1, _m))) ** 2, (i, 1, _m))
    return lhs, rhs, (sp.Eq(sp.Sum(s[i], (i, 1, _m)), 1),)


def softmax_regression_expr(n_features: int, n_classes: int, n_samples: int):
    r"""Softmax regression (``N_{c+}`` with ``p = 1``) in named symbols, and its parameters as one row ``x``.

    Paper: Definitions 6.1-6.3

    .. math:: f(x) = \sum_{s=1}^{n} \xi\big(\mathcal{S}(x^{(s)} W^T + b), y^{*(s)}\big),\qquad
              x = [W_{1,:}\ b_1\ \cdots\ W_{c,:}\ b_c]

    Returns ``(net, x)``: the :class:`~mathdnn_core.symbolic.network.SymbolicNetwork` of sizes
    ``[n_features, n_classes]`` (its ``objective`` is ``f``) and the ``1 x c (d + 1)`` row of its parameters in the
    order of :meth:`mathdnn_core.softmax_regression.SoftmaxRegression.flatten`: row ``k`` of ``W``, then ``b_k``.
    """
    net = network_expr([n_features, n_classes], n_samples)
    W, b = net.weights[0], net.biases[0]
    return net, sp.ImmutableMatrix(1, W.rows * (W.cols + 1), [e for k in range(W.rows) for e in (*W.row(k), b[k])])


# --------------------------------------------------------------------------------------------------------------
# Exact iterates
# --------------------------------------------------------------------------------------------------------------
def gradient_descent_iterates(grad: Callable, x0, alpha, steps: int) -> list[sp.ImmutableMatrix]:
    r"""``x^(0), ..., x^(steps)`` of gradient descent, exactly (the twin of :func:`~mathdnn_core.optim.
    gradient_descent_sequence`).

    Paper: Definition 6.4

    .. math:: x^{(n+1)} = x^{(n)} - \alpha \nabla f(x^{(n)}),\qquad n \in \mathbb{N}

    ``grad`` maps a ``1 x m`` row to a ``1 x m`` row of SymPy expressions.
    """
    steps = positive_int(steps, "steps", "Definition 6.4", minimum=0)
    path = [as_row(x0, "x0", "Definition 6.4")]
    for _ in range(steps):
        path.append(sp.ImmutableMatrix(sp.expand(path[-1] - alpha * sp.Matrix(grad(path[-1])))))
    return path


def momentum_iterates(grad: Callable, x0, alpha, beta, steps: int, form: str = "standard") -> list[sp.ImmutableMatrix]:
    r"""``x^(0), ..., x^(steps)`` of gradient descent with momentum, exactly, in one of three forms.

    Paper: Definition 6.5

    * ``"standard"`` (what :class:`mathdnn_core.optim.Momentum` does):
      :math:`m^{(n+1)} = \beta m^{(n)} + (1-\beta)\nabla f(x^{(n)}),\ x^{(n+1)} = x^{(n)} - \alpha m^{(n+1)}`;
    * ``"paper"`` (the printed recursion, read from ``n = 0``): the same ``m``, :math:`x^{(n+1)} = x^{(n)} - \alpha
      m^{(n)}`;
    * ``"heavy-ball"`` (PyTorch, Keras, optax): :math:`v^{(n+1)} = \beta v^{(n)} + \nabla f(x^{(n)}),\
      x^{(n+1)} = x^{(n)} - \alpha v^{(n+1)}`.

    ``m^(0) = v^(0) = 0``. ``alpha`` and ``beta`` may be symbols.
    """
    if form not in FORMS:
        raise ValueError(f"form must be one of {FORMS} (Definition 6.5); got {form!r}")
    steps = positive_int(steps, "steps", "Definition 6.5", minimum=0)
    x = as_row(x0, "x0", "Definition 6.5")
    m = sp.zeros(1, x.cols)
    path = [x]
    for _ in range(steps):
        g = sp.Matrix(grad(x))
        previous = m
        m = beta * m + (g if form == "heavy-ball" else (1 - beta) * g)
        x = sp.ImmutableMatrix(sp.expand(x - alpha * (previous if form == "paper" else m)))
        path.append(x)
    return path


def rate_bounds() -> dict[str, sp.Expr]:
    r"""The two ``O(1/n)`` bounds on ``f(x^(n)) - f(x*)`` for gradient descent on a convex L-smooth ``f``.

    Paper: Proposition 6.5

    .. math:: \text{Proposition 6.5 } (0 < \alpha < 2/L):\ \frac{\|x^{(0)} - x^*\|^2}{n\,(\alpha - L\alpha^2/2)},
              \qquad \text{seed 004's lecture } (0 < \eta \le 1/L):\ \frac{\|x^{(0)} - x^*\|^2}{2 \eta n}

    Returns ``{"paper", "lecture", "alpha", "L", "R2", "n"}`` (``R2`` is ``||x^(0) - x*||^2``; the step is
    ``alpha`` in both).
    """
    alpha, L, R2, n = sp.symbols("alpha L R^2 n", positive=True)
    return {
        "paper": R2 / (n * (alpha - L * alpha**2 / 2)),
        "lecture": R2 / (2 * alpha * n),
        "alpha": alpha,
        "L": L,
        "R2": R2,
        "n": n,
    }
