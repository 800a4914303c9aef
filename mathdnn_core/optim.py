r"""Section 6 of the paper: gradient descent, momentum, minibatches, and the functions its theory is checked on.

Optimizers follow the ``init / update`` shape of optax: ``state = opt.init(params)``, then
``updates, state = opt.update(grads, state)`` and ``params = apply_updates(params, updates)``. State is explicit and
never mutated by ``update``. (Training carries out the same equations in place, on preallocated buffers: a private
kernel of :mod:`mathdnn_core.training`, held to :meth:`Momentum.update` to round-off by the tests.)

**Momentum form.** We use the exponential-average ("(1 - beta)") form of Definition 6.5 with the standard indexing

.. math:: m^{(n+1)} = \beta m^{(n)} + (1-\beta)\nabla f(x^{(n)}),\qquad x^{(n+1)} = x^{(n)} - \alpha\, m^{(n+1)},
          \qquad m^{(0)} = 0.

The paper prints ``x^{(n+1)} = x^{(n)} - alpha m^{(n)}``: the step uses the *previous* average, so with
``m^{(0)} = 0`` the first step does not move at all and every later step lags one gradient behind (see
:func:`momentum_sequence` with ``indexing="paper"``). PyTorch and Keras use the "heavy ball" form
``v <- beta v + g`` (no ``1 - beta``): it equals ours with the learning rate divided by ``1 - beta``.

**Test functions** (Definitions 6.1-6.3, Propositions 6.1-6.5). :class:`Quadratic`, :class:`SoftplusSum`,
:class:`RegularisedSoftplus` and :class:`CosineSum` are functions ``f: R^m -> R`` on which everything §6 talks about
is known exactly: value, gradient, the smoothness constant ``L`` of Definition 6.2, convexity, and the global minimiser
of Definition 6.3 — or the fact that there is none. ``x`` is one row, a 1-D array ``(m,)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._validation import as_float_array, learning_rate, momentum_beta, positive_int


def _leaves(tree) -> list[np.ndarray]:
    """The arrays of a parameter list ``[(W, b), ...]`` or of a single array, in order."""
    if isinstance(tree, np.ndarray):
        return [tree]
    return [a for pair in tree for a in pair]


def _rebuild(tree, leaves: list[np.ndarray]):
    if isinstance(tree, np.ndarray):
        return leaves[0]
    it = iter(leaves)
    return [(next(it), next(it)) for _ in tree]


def _check_same_structure(grads, reference, what: str) -> None:
    g, r = _leaves(grads), _leaves(reference)
    if len(g) != len(r) or any(a.shape != b.shape for a, b in zip(g, r)):
        raise ValueError(
            f"{what} must have the structure of the parameters: shapes "
            f"{[b.shape for b in r]}; got {[a.shape for a in g]}"
        )


def apply_updates(params, updates):
    r"""``params + updates`` leaf by leaf (a new structure; nothing is modified).

    Paper: Definition 6.4
    """
    _check_same_structure(updates, params, "updates")
    return _rebuild(params, [p + u for p, u in zip(_leaves(params), _leaves(updates))])


@dataclass(frozen=True)
class GradientDescent:
    r"""Plain gradient descent.

    Paper: Definition 6.4

    .. math:: x^{(n+1)} = x^{(n)} - \alpha \nabla f(x^{(n)}),\qquad n \in \mathbb{N}

    (The paper writes ``n in N*`` for the recursion, which would leave ``x^{(1)}`` undefined: the recursion starts
    at ``n = 0``.)
    """

    lr: float

    def __post_init__(self):
        object.__setattr__(self, "lr", learning_rate(self.lr, "Definition 6.4: alpha in R+*"))

    def init(self, params) -> tuple:
        """No state."""
        return ()

    def update(self, grads, state=()):
        r"""``(-alpha * grads, state)``."""
        return _rebuild(grads, [-self.lr * g for g in _leaves(grads)]), state


@dataclass(frozen=True)
class MomentumState:
    """The momentum ``m^{(n)}`` of Definition 6.5, one array per parameter array.

    Paper: Definition 6.5
    """

    momentum: list[np.ndarray]
    step: int = 0


@dataclass(frozen=True)
class Momentum:
    r"""Gradient descent with momentum, exponential-average form, standard indexing (see the module docstring).

    Paper: Definition 6.5

    .. math:: m^{(n+1)} = \beta m^{(n)} + (1-\beta)\nabla f(x^{(n)}),\qquad x^{(n+1)} = x^{(n)} - \alpha m^{(n+1)}
    """

    lr: float
    beta: float = 0.9

    def __post_init__(self):
        object.__setattr__(self, "lr", learning_rate(self.lr, "Definition 6.4: alpha in R+*"))
        object.__setattr__(self, "beta", momentum_beta(self.beta, "Definition 6.5"))

    def init(self, params) -> MomentumState:
        r"""``m^{(0)} = 0`` with the shape and dtype of every parameter array."""
        return MomentumState([np.zeros_like(p) for p in _leaves(params)])

    def update(self, grads, state: MomentumState):
        r"""Pure update: returns ``(updates, new_state)`` with ``updates = -alpha m^{(n+1)}``.

        Paper: Definition 6.5
        """
        if not isinstance(state, MomentumState):
            raise TypeError("state must come from Momentum.init (Definition 6.5: m^(0) = 0)")
        leaves = _leaves(grads)
        if len(leaves) != len(state.momentum) or any(g.shape != m.shape for g, m in zip(leaves, state.momentum)):
            raise ValueError(
                f"grads must have the structure of the parameters: shapes "
                f"{[m.shape for m in state.momentum]}; got {[g.shape for g in leaves]}"
            )
        momentum = [
            self.beta * m + (1.0 - self.beta) * np.asarray(g, dtype=m.dtype) for g, m in zip(leaves, state.momentum)
        ]
        updates = [-self.lr * m for m in momentum]
        return _rebuild(grads, updates), MomentumState(momentum, state.step + 1)


def minibatches(n: int, batch_size: int = 32, rng: np.random.Generator | None = None) -> list[np.ndarray]:
    r"""Split the indices ``0..n-1`` into batches sampled without replacement.

    Paper: Definition 6.6

    The note after Definition 6.6: batches of ``b = 32`` rows drawn without replacement, the last one of size
    ``<= b``. With ``rng``, the order is a fresh random permutation (one epoch); without, the natural order.

    Returns
    -------
    list of int arrays; their sizes are ``b, ..., b, n - b*floor((n-1)/b)``, together a permutation of ``0..n-1``
    """
    n = positive_int(n, "n", "Definition 6.6: the number of samples")
    batch_size = positive_int(batch_size, "batch_size", "note after Definition 6.6: b = 32 generally")
    order = np.arange(n) if rng is None else rng.permutation(n)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


def gradient_descent_sequence(grad: Callable[[np.ndarray], np.ndarray], x0, lr: float, steps: int) -> np.ndarray:
    r"""The gradient-descent sequence ``x^{(0)}, ..., x^{(steps)}`` of a function ``f: R^m -> R``.

    Paper: Definition 6.4

    .. math:: x^{(n+1)} = x^{(n)} - \alpha \nabla f(x^{(n)})

    Returns
    -------
    ndarray, shape (steps + 1, m)
    """
    opt = GradientDescent(lr)
    steps = positive_int(steps, "steps", "Definition 6.4", minimum=0)
    x = as_float_array(x0, "x0", "Definition 6.4", ndim=1).astype(np.float64)
    path = [x]
    for _ in range(steps):
        updates, _ = opt.update(np.asarray(grad(x), dtype=np.float64))
        x = apply_updates(x, updates)
        path.append(x)
    return np.array(path)


def momentum_sequence(
    grad: Callable[[np.ndarray], np.ndarray], x0, lr: float, beta: float, steps: int, indexing: str = "standard"
) -> np.ndarray:
    r"""The momentum sequence ``x^{(0)}, ..., x^{(steps)}`` of a function ``f: R^m -> R``.

    Paper: Definition 6.5

    ``indexing="standard"`` (what :class:`Momentum` does):
    ``m^{(n+1)} = beta m^{(n)} + (1-beta) grad f(x^{(n)})``, ``x^{(n+1)} = x^{(n)} - alpha m^{(n+1)}``.

    ``indexing="paper"`` (the recursion exactly as printed, read from ``n = 0``):
    ``x^{(n+1)} = x^{(n)} - alpha m^{(n)}`` with the same ``m`` recursion; ``x^{(1)} = x^{(0)}``.

    Returns
    -------
    ndarray, shape (steps + 1, m)
    """
    if indexing not in ("standard", "paper"):
        raise ValueError(f"indexing must be 'standard' or 'paper' (Definition 6.5); got {indexing!r}")
    opt = Momentum(lr, beta)
    steps = positive_int(steps, "steps", "Definition 6.5", minimum=0)
    x = as_float_array(x0, "x0", "Definition 6.5", ndim=1).astype(np.float64)
    state = opt.init(x)
    path = [x]
    for _ in range(steps):
        g = np.asarray(grad(x), dtype=np.float64)
        if indexing == "standard":
            updates, state = opt.update(g, state)
            x = apply_updates(x, updates)
        else:
            x_next = x - opt.lr * state.momentum[0]  # uses m^(n), the average before this step's gradient
            _, state = opt.update(g, state)
            x = x_next
        path.append(x)
    return np.array(path)


# ----------------------------------------------------------------------------------------------------------------
# Test functions of §6: everything the theory talks about, known exactly
# ----------------------------------------------------------------------------------------------------------------
class _TestFunction:
    """Shared by the test functions: ``f(x)`` is ``f.value(x)``; ``x`` is checked to be one finite row of width m.

    Each subclass sets ``m``, ``L`` (Definition 6.2), ``convex`` (Definition 6.1), ``minimiser`` (Definition 6.3;
    ``None`` when there is none), ``infimum`` and ``_statement``, and defines ``value`` and ``gradient``.
    """

    m: int
    L: float
    convex: bool
    minimiser: np.ndarray | None
    infimum: float
    _statement: str

    def __call__(self, x) -> float:
        return self.value(x)

    def _row(self, x) -> np.ndarray:
        x = as_float_array(x, "x", self._statement, ndim=1)
        if x.shape[0] != self.m:
            raise ValueError(f"x must have shape ({self.m},) ({self._statement}: x in R^{self.m}); got {x.shape}")
        return x


class Quadratic(_TestFunction):
    r"""The convex quadratic ``f(x) = x A x^T / 2 + c x^T`` with ``A`` symmetric positive semidefinite.

    Paper: Definitions 6.1-6.3

    .. math:: f(x) = \tfrac12\, x A x^T + c\, x^T,\qquad \nabla f(x) = x A + c,\qquad
              L = \lambda_{\max}(A),\qquad x^* A = -c

    Convex (Definition 6.1); L-smooth with the smallest constant ``L = lambda_max(A)`` (Definition 6.2): the
    quadratic upper bound of Proposition 6.2 is an equality along :attr:`top_direction`. A global minimiser
    (Definition 6.3) exists exactly when ``c`` lies in the range of ``A``; it is unique when ``A`` is positive
    definite, otherwise every point of ``x* + ker A`` is one and :attr:`minimiser` is the one of least norm. When
    ``c`` is outside the range, ``f`` is unbounded below: :attr:`minimiser` is ``None`` and :attr:`infimum` is
    ``-inf``.

    Parameters
    ----------
    A : array (m, m), symmetric positive semidefinite (checked to round-off)
    c : array (m,)
    minimiser : array (m,), optional
        A known minimiser ``x*`` (e.g. from :meth:`random`), kept exactly instead of being solved for; checked to
        satisfy ``x* A = -c`` to round-off.
    """

    _statement = "Definitions 6.1-6.3: the quadratic test function"

    def __init__(self, A, c, minimiser=None):
        A = as_float_array(A, "A", self._statement, ndim=2).astype(np.float64)
        m = A.shape[0]
        if A.shape != (m, m) or m == 0:
            raise ValueError(f"A must be a square matrix (m, m) ({self._statement}); got shape {A.shape}")
        scale = max(float(np.max(np.abs(A))), np.finfo(np.float64).tiny)
        if np.max(np.abs(A - A.T)) > 1e-12 * scale:
            raise ValueError(f"A must be symmetric ({self._statement}): f only sees (A + A^T) / 2")
        self.A, self.m = (A + A.T) / 2, m
        eigenvalues, eigenvectors = np.linalg.eigh(self.A)
        if eigenvalues[0] < -1e-12 * scale * m:
            raise ValueError(
                f"A must be positive semidefinite for f to be convex ({self._statement}); its smallest eigenvalue is "
                f"{eigenvalues[0]:.3e}"
            )
        self.c = self._row(c).astype(np.float64)
        #: The smoothness constant of Definition 6.2 (the smallest one): the largest eigenvalue of A.
        self.L = float(eigenvalues[-1])
        #: A unit eigenvector of ``lambda_max(A)``: along it the descent lemma (Proposition 6.2) is an equality.
        self.top_direction = eigenvectors[:, -1]
        self.convex = True
        if minimiser is None:
            x_star = np.linalg.lstsq(self.A, -self.c, rcond=None)[0]
        else:
            x_star = self._row(minimiser).astype(np.float64)
        residual = np.linalg.norm(x_star @ self.A + self.c)
        tolerance = 1e-10 * (np.linalg.norm(self.c) + self.L * np.linalg.norm(x_star)) + np.finfo(float).tiny
        if minimiser is not None and residual > tolerance:
            raise ValueError(f"minimiser must solve x* A = -c ({self._statement}); residual {residual:.3e}")
        self.minimiser = x_star if residual <= tolerance else None
        self.infimum = self.value(x_star) if self.minimiser is not None else -math.inf

    @classmethod
    def random(cls, rng: np.random.Generator, m: int, rank: int | None = None, scale: float = 1.0) -> Quadratic:
        """A random instance with ``L = scale`` exactly, ``rank(A) = rank`` and a minimiser drawn from N(0, I).

        ``A = Q diag(lambda) Q^T`` with ``Q`` random orthogonal, ``lambda_1 = scale``, the other non-zero eigenvalues
        uniform in ``[0.05 scale, scale]``; ``c = -x* A`` so that a minimiser exists even when ``A`` is singular.
        """
        m = positive_int(m, "m", cls._statement)
        rank = positive_int(m if rank is None else rank, "rank", cls._statement, maximum=m)
        Q, _ = np.linalg.qr(rng.standard_normal((m, m)))
        eigenvalues = np.zeros(m)
        eigenvalues[:rank] = scale * rng.uniform(0.05, 1.0, rank)
        eigenvalues[0] = scale
        A = Q @ np.diag(eigenvalues) @ Q.T
        x_star = rng.standard_normal(m)
        return cls((A + A.T) / 2, -(x_star @ A), minimiser=x_star)

    def value(self, x) -> float:
        x = self._row(x)
        return float(0.5 * x @ self.A @ x + self.c @ x)

    def gradient(self, x) -> np.ndarray:
        return self._row(x) @ self.A + self.c

    def gap(self, x) -> float:
        """``f(x) - f(x*) = (x - x*) A (x - x*)^T / 2``, computed without the cancellation of the difference."""
        if self.minimiser is None:
            raise ValueError(
                f"f has no minimiser: c is outside the range of A, f is unbounded below ({self._statement})"
            )
        d = self._row(x) - self.minimiser
        return float(0.5 * d @ self.A @ d)


class SoftplusSum(_TestFunction):
    r"""``f(x) = sum_i log(1 + e^{x_i})``: convex and (1/4)-smooth, with no minimiser.

    Paper: Definitions 6.1-6.3

    .. math:: f(x) = \sum_{i=1}^m \log(1 + e^{x_i}),\qquad \nabla f(x)_i = \sigma(x_i) = \frac{1}{1 + e^{-x_i}},
              \qquad L = \tfrac14

    ``f > 0`` everywhere and ``f(x) -> 0`` as every ``x_i -> -inf``: the infimum 0 is never attained, so the global
    minimum of Definition 6.3 does not exist (:attr:`minimiser` is ``None``), and neither does the ``x*`` that
    Proposition 6.5's bound needs. ``L = 1/4 = max sigma'``.
    """

    _statement = "Definitions 6.1-6.3: the softplus test function"

    def __init__(self, m: int):
        self.m = positive_int(m, "m", self._statement)
        self.L, self.convex, self.minimiser, self.infimum = 0.25, True, None, 0.0

    def value(self, x) -> float:
        return float(np.sum(np.logaddexp(0.0, self._row(x))))

    def gradient(self, x) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self._row(x)))


class RegularisedSoftplus(_TestFunction):
    r"""``f(x) = sum_i log(1 + e^{x_i}) + ||x||^2 / 2 - b x^T``: strongly convex, (5/4)-smooth, one minimiser.

    Paper: Definitions 6.1-6.3

    .. math:: f(x) = \sum_i \log(1 + e^{x_i}) + \tfrac12 \|x\|^2 - b\,x^T,\qquad
              \nabla f(x)_i = \sigma(x_i) + x_i - b_i,\qquad L = \tfrac54

    Not a quadratic: the minimiser solves ``sigma(x_i) + x_i = b_i`` coordinate by coordinate, an equation with no
    closed form; :attr:`minimiser` is its root, found by Newton's method from a bracket, to round-off.
    """

    _statement = "Definitions 6.1-6.3: the regularised softplus test function"

    def __init__(self, b):
        b = as_float_array(b, "b", self._statement, ndim=1).astype(np.float64)
        self.b, self.m = b, b.shape[0]
        self.L, self.convex = 1.25, True
        self.minimiser = self._root(b)
        self.infimum = self.value(self.minimiser)

    @staticmethod
    def _root(b: np.ndarray) -> np.ndarray:
        # g(x) = sigma(x) + x - b is increasing with g' in [1, 5/4]: the root lies in [b - 1, b]; Newton from the
        # bracket's midpoint converges quadratically and never leaves it.
        x = b - 0.5
        for _ in range(60):
            s = 1.0 / (1.0 + np.exp(-x))
            step = (s + x - b) / (1.0 + s * (1.0 - s))
            x = x - step
            if np.all(np.abs(step) <= 4 * np.finfo(np.float64).eps * np.maximum(1.0, np.abs(x))):
                break
        return x

    def value(self, x) -> float:
        x = self._row(x)
        return float(np.sum(np.logaddexp(0.0, x)) + 0.5 * x @ x - self.b @ x)

    def gradient(self, x) -> np.ndarray:
        x = self._row(x)
        return 1.0 / (1.0 + np.exp(-x)) + x - self.b


class CosineSum(_TestFunction):
    r"""``f(x) = sum_i cos(x_i)``: 1-smooth but not convex; the counterexample of §6.

    Paper: Definitions 6.1-6.3

    .. math:: f(x) = \sum_{i=1}^m \cos(x_i),\qquad \nabla f(x) = -\sin(x),\qquad L = 1

    Violates Definition 6.1 and Proposition 6.1 (and the co-coercivity of Proposition 6.3, which needs convexity),
    yet obeys the descent lemma of Proposition 6.2, which does not. Its gradient vanishes at 0, a global
    *maximum*: without convexity ``grad f(x) = 0`` does not make ``x`` a minimiser (the converse of Proposition 6.4
    fails). The global minimum ``-m`` is attained at every ``x`` with all ``x_i`` odd multiples of ``pi``;
    :attr:`minimiser` is ``(pi, ..., pi)``.
    """

    _statement = "Definitions 6.1-6.3: the cosine test function"

    def __init__(self, m: int):
        self.m = positive_int(m, "m", self._statement)
        self.L, self.convex = 1.0, False
        self.minimiser, self.infimum = np.full(self.m, np.pi), -float(self.m)

    def value(self, x) -> float:
        return float(np.sum(np.cos(self._row(x))))

    def gradient(self, x) -> np.ndarray:
        return -np.sin(self._row(x))
