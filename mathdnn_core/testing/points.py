r"""Points to check at: seeded random draws and the edge cases of the maps of §2–§5."""

from __future__ import annotations

import numpy as np

from .._validation import positive_int


def random_points(
    rng: np.random.Generator, shape: tuple[int, ...] | int, n: int, scale: float = 1.0
) -> list[np.ndarray]:
    r"""``n`` independent float64 arrays of ``shape`` with entries ``scale * N(0, 1)``.

    Paper: Definition 1.2

    Seeded by ``rng`` only. Continuous draws never hit ReLU's kink at 0 exactly, yet some may fall within a
    finite-difference step of it; filter with ``np.min(np.abs(p)) > 1e-3`` where that matters.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator; got {type(rng).__name__}")
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    return [scale * rng.standard_normal(shape) for _ in range(int(n))]


def edge_points(m: int) -> list[np.ndarray]:
    r"""Edge-case vectors of length ``m`` (float64) for the maps of §2–§5.

    Paper: Assumption 1, Definition 2.2

    In order: all zeros; exactly one zero among non-zeros (ReLU's kink, Assumption 1); all equal (Softmax's
    uniform point); logits ``±1e4`` (Softmax overflow); tiny ``1e-300`` entries (subnormal range); one dominant
    logit (a probability underflows to 0 in float64); integers with ties.
    """
    m = positive_int(m, "m", "edge points of Assumption 1, Definition 2.2")
    k = np.arange(m, dtype=np.float64)
    one_zero = np.where(k % 2 == 0, -(k + 1.5), k + 0.5)
    one_zero[m // 2] = 0.0
    points = [
        np.zeros(m),
        one_zero,
        np.full(m, 3.25),
        np.where(k % 2 == 0, 1e4, -1e4) + k,
        np.full(m, 1e-300) * (k + 1) * np.where(k % 2 == 0, 1, -1),
        np.concatenate([[800.0], -k[1:]]),
        np.floor(k / 2) - 1,
    ]
    return [p.astype(np.float64) for p in points]
