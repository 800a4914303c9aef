r"""Section 6 of the paper: gradient descent, momentum, minibatches.

Optimizers follow the ``init / update`` shape of optax: ``state = opt.init(params)``, then
``updates, state = opt.update(grads, state)`` and ``params = apply_updates(params, updates)``. State is explicit and
never mutated by ``update``. Training uses :meth:`Momentum.step_`, the same equations carried out in place on
preallocated arrays, in "velocity" form (below); the tests hold it to the pure ``update`` to round-off.

**Momentum form.** We use the exponential-average ("(1 - beta)") form of Definition 6.5 with the standard indexing

.. math:: m^{(n+1)} = \beta m^{(n)} + (1-\beta)\nabla f(x^{(n)}),\qquad x^{(n+1)} = x^{(n)} - \alpha\, m^{(n+1)},
          \qquad m^{(0)} = 0.

The paper prints ``x^{(n+1)} = x^{(n)} - alpha m^{(n)}``: the step uses the *previous* average, so with
``m^{(0)} = 0`` the first step does not move at all and every later step lags one gradient behind (see
:func:`momentum_sequence` with ``indexing="paper"``). PyTorch and Keras use the "heavy ball" form
``v <- beta v + g`` (no ``1 - beta``): it equals ours with the learning rate divided by ``1 - beta``.

**In place, velocity form.** Multiplying the recursion by ``alpha`` gives the step actually taken,
``v = alpha m``:

.. math:: v^{(n+1)} = \beta v^{(n)} + G^{(n)},\qquad x^{(n+1)} = x^{(n)} - v^{(n+1)},\qquad
          G^{(n)} = \alpha(1-\beta)\nabla f(x^{(n)}),\qquad v^{(0)} = 0.

:meth:`Momentum.step_` takes the *scaled* gradient ``G`` (the factor :attr:`Momentum.gradient_scale`
``= alpha (1 - beta)``): back-propagation multiplies its output error by a scale anyway (``1/|B|`` for a batch
mean), so the factor costs nothing there, and the in-place update is three passes over the parameters instead of
five. :meth:`GradientDescent.step_` likewise takes ``G = alpha grad f`` (``gradient_scale = alpha``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._validation import as_float_array

Params = list[tuple[np.ndarray, np.ndarray]]


def _check_lr(lr) -> float:
    if (
        isinstance(lr, bool)
        or not isinstance(lr, (int, float, np.floating, np.integer))
        or not np.isfinite(lr)
        or lr <= 0
    ):
        raise ValueError(
            f"the learning rate alpha must be a positive real number (Definition 6.4: alpha in R+*); got {lr!r}"
        )
    return float(lr)


def _check_beta(beta) -> float:
    if isinstance(beta, bool) or not isinstance(beta, (int, float, np.floating, np.integer)) or not 0 <= beta < 1:
        raise ValueError(
            f"beta must lie in [0, 1[ (Definition 6.5 prints [0, 1], but beta = 1 keeps m = 0 forever "
            f"and the iterates never move); got {beta!r}"
        )
    return float(beta)


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
        object.__setattr__(self, "lr", _check_lr(self.lr))

    def init(self, params) -> tuple:
        """No state."""
        return ()

    def update(self, grads, state=()):
        r"""``(-alpha * grads, state)``."""
        return _rebuild(grads, [-self.lr * g for g in _leaves(grads)]), state

    @property
    def gradient_scale(self) -> float:
        """``alpha``: the factor :meth:`step_` expects its gradients to carry already."""
        return self.lr

    def step_(self, params, scaled_grads, state=()) -> None:
        r"""In place: ``params -= G`` with ``G = alpha * grad f`` (:attr:`gradient_scale` times the gradient)."""
        for p, g in zip(_leaves(params), _leaves(scaled_grads), strict=True):
            p -= g


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
        object.__setattr__(self, "lr", _check_lr(self.lr))
        object.__setattr__(self, "beta", _check_beta(self.beta))

    def init(self, params) -> MomentumState:
        r"""``m^{(0)} = 0`` with the shape and dtype of every parameter array."""
        return MomentumState([np.zeros_like(p) for p in _leaves(params)])

    @property
    def gradient_scale(self) -> float:
        r"""``alpha (1 - beta)``: the factor :meth:`step_` expects its gradients to carry already."""
        return self.lr * (1.0 - self.beta)

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

    def init_velocity(self, params) -> list[np.ndarray] | np.ndarray:
        r"""``v^{(0)} = alpha m^{(0)} = 0`` for :meth:`step_`: a list with one zero array per parameter array (in the
        order ``W1, b1, W2, ...``), or a single zero array when ``params`` is one array."""
        if isinstance(params, np.ndarray):
            return np.zeros_like(params)
        return [np.zeros_like(p) for p in _leaves(params)]

    def step_(self, params, scaled_grads, velocity) -> None:
        r"""In place, velocity form: ``v <- beta v + G``, ``params <- params - v`` (training fast path).

        Paper: Definition 6.5

        ``G = alpha (1 - beta) grad f`` is the gradient already multiplied by :attr:`gradient_scale`, and
        ``velocity`` holds ``v = alpha m`` (start from :meth:`init_velocity`): the same iterates as :meth:`update`
        up to round-off, in three passes over the arrays. ``scaled_grads`` is only read.
        """
        velocity = [velocity] if isinstance(velocity, np.ndarray) else velocity
        for p, g, v in zip(_leaves(params), _leaves(scaled_grads), velocity, strict=True):
            v *= self.beta
            v += g
            p -= v


def minibatches(n: int, batch_size: int = 32, rng: np.random.Generator | None = None) -> list[np.ndarray]:
    r"""Split the indices ``0..n-1`` into batches sampled without replacement.

    Paper: Definition 6.6

    The note after Definition 6.6: batches of ``b = 32`` rows drawn without replacement, the last one of size
    ``<= b``. With ``rng``, the order is a fresh random permutation (one epoch); without, the natural order.

    Returns
    -------
    list of int arrays; their sizes are ``b, ..., b, n - b*floor((n-1)/b)``, together a permutation of ``0..n-1``
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive number of samples (Definition 6.6); got {n!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or not 1 <= batch_size:
        raise ValueError(
            f"batch_size must be a positive integer (note after Definition 6.6: b = 32 generally); got {batch_size!r}"
        )
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
    x = as_float_array(x0, "x0", "Definition 6.4", ndim=1).astype(np.float64)
    path = [x]
    for _ in range(int(steps)):
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
    x = as_float_array(x0, "x0", "Definition 6.5", ndim=1).astype(np.float64)
    state = opt.init(x)
    path = [x]
    for _ in range(int(steps)):
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
