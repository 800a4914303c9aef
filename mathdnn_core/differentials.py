r"""Section 1 of the paper: differentials, Jacobians, the sum rule and the chain rule.

Maps here take one example, a 1-D array ``a`` of shape ``(n,)``, and return a 1-D array of shape ``(m,)`` (a scalar
map may return a float: it is treated as ``m = 1``). A Jacobian is the ``(m, n)`` matrix of Definition 1.2.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._validation import as_float_array, real_in_interval

ArrayMap = Callable[[np.ndarray], np.ndarray]


def _as_vector(value, what: str) -> np.ndarray:
    out = np.asarray(value, dtype=np.float64)
    if out.ndim == 0:
        return out.reshape(1)
    if out.ndim != 1:
        raise ValueError(f"{what} must return one example, a 1-D array (Definition 1.2); got shape {out.shape}")
    return out


def numerical_jacobian(f: ArrayMap, a, *, step: float | None = None, method: str = "central") -> np.ndarray:
    r"""Finite-difference Jacobian of ``f`` at ``a``: the independent witness, never the reference.

    Paper: Definition 1.2

    .. math::
        \mathcal{J}_f(a)_{:,j} \approx \frac{f(a + t e_j) - f(a - t e_j)}{2t}
        \quad\text{(central, error } O(t^2)\text{)},\qquad
        \frac{f(a + t e_j) - f(a)}{t}\quad\text{(forward, error } O(t)\text{)}

    Parameters
    ----------
    f : callable, ``(n,) -> (m,)``
    a : array, shape (n,)
    step : float, optional
        ``t``. Default ``eps**(1/3) * max(1, |a_j|)`` for central differences (balances the O(t^2) truncation
        error against the O(eps/t) round-off), ``eps**(1/2) * max(1, |a_j|)`` for forward differences.
    method : {"central", "forward"}

    Returns
    -------
    ndarray, shape (m, n), float64
    """
    if method not in ("central", "forward"):
        raise ValueError(f"method must be 'central' or 'forward' (Definition 1.2); got {method!r}")
    a = as_float_array(a, "a", "Definition 1.2", ndim=1).astype(np.float64)
    eps = np.finfo(np.float64).eps
    power = 1 / 3 if method == "central" else 1 / 2
    if step is not None:
        step = real_in_interval(step, "step", "Definition 1.2: the difference step t", low=0.0, low_open=True)
    steps = (eps**power) * np.maximum(1.0, np.abs(a)) if step is None else np.full(a.shape, step)
    f_a = _as_vector(f(a), "f")
    jac = np.empty((f_a.size, a.size))
    for j in range(a.size):
        e = np.zeros_like(a)
        e[j] = steps[j]
        if method == "central":
            jac[:, j] = (_as_vector(f(a + e), "f") - _as_vector(f(a - e), "f")) / (2 * steps[j])
        else:
            jac[:, j] = (_as_vector(f(a + e), "f") - f_a) / steps[j]
    return jac


def linearization_remainder(f: ArrayMap, jacobian: Callable[[np.ndarray], np.ndarray], a, h) -> float:
    r"""The remainder of Definition 1.1: how far ``f`` is from its first-order expansion at ``a``.

    Paper: Definition 1.1

    .. math:: r(h) = \| f(a+h) - f(a) - \mathcal{J}_f(a)\, h \|

    ``f`` is differentiable at ``a`` with differential ``J_f(a)`` exactly when ``r(h) / ||h|| -> 0`` as ``h -> 0``.
    (The paper writes vectors as rows, so its ``\frac{\partial f}{\partial h}(a)`` is ``h J^T``; on 1-D arrays that
    is ``J @ h``.)
    """
    a = as_float_array(a, "a", "Definition 1.1", ndim=1)
    h = as_float_array(h, "h", "Definition 1.1", ndim=1)
    if h.shape != a.shape:
        raise ValueError(f"h must have the shape of a, {a.shape} (Definition 1.1); got {h.shape}")
    jac = np.asarray(jacobian(a), dtype=np.float64)
    f_a = _as_vector(f(a), "f")
    if jac.shape != (f_a.size, a.size):
        raise ValueError(f"jacobian(a) must have shape {(f_a.size, a.size)} (Definition 1.2); got {jac.shape}")
    return float(np.linalg.norm(_as_vector(f(a + h), "f") - f_a - jac @ h))


def sum_jacobian(
    jacobian_g: Callable[[np.ndarray], np.ndarray], jacobian_f: Callable[[np.ndarray], np.ndarray]
) -> Callable[[np.ndarray], np.ndarray]:
    r"""The Jacobian of ``g + f`` from the Jacobians of ``g`` and ``f`` (the sum rule).

    Paper: Proposition 1.2

    .. math:: \mathcal{J}_{g+f}(a) = \mathcal{J}_g(a) + \mathcal{J}_f(a) \in \mathcal{M}_{m,n}
    """

    def jacobian_sum(a):
        jg, jf = np.asarray(jacobian_g(a)), np.asarray(jacobian_f(a))
        if jg.shape != jf.shape:
            raise ValueError(
                f"the two Jacobians must have the same shape (Proposition 1.2: f, g in D(E, F)); "
                f"got {jg.shape} and {jf.shape}"
            )
        return jg + jf

    return jacobian_sum


def chain_jacobian(
    jacobian_g: Callable[[np.ndarray], np.ndarray], f: ArrayMap, jacobian_f: Callable[[np.ndarray], np.ndarray]
) -> Callable[[np.ndarray], np.ndarray]:
    r"""The Jacobian of ``g ∘ f`` from those of ``g`` and ``f`` (the chain rule).

    Paper: Theorem 1.3

    .. math:: \mathcal{J}_{g \circ f}(a) = \mathcal{J}_g(f(a))\, \mathcal{J}_f(a) \in \mathcal{M}_{p,n}
    """

    def jacobian_composite(a):
        jg, jf = np.asarray(jacobian_g(f(a))), np.asarray(jacobian_f(a))
        if jg.ndim != 2 or jf.ndim != 2 or jg.shape[1] != jf.shape[0]:
            raise ValueError(
                f"J_g(f(a)) (p, m) and J_f(a) (m, n) must chain (Theorem 1.3); got {jg.shape} and {jf.shape}"
            )
        return jg @ jf

    return jacobian_composite


def compose_jacobians(
    *stages: tuple[ArrayMap, Callable[[np.ndarray], np.ndarray]],
) -> tuple[ArrayMap, Callable[[np.ndarray], np.ndarray]]:
    r"""Compose maps ``f_1, ..., f_k`` (first applied first) with their Jacobians, by repeated Theorem 1.3.

    Paper: Theorem 1.3

    .. math:: \mathcal{J}_{f_k \circ \cdots \circ f_1}(a)
              = \mathcal{J}_{f_k}(a_{k-1}) \cdots \mathcal{J}_{f_2}(a_1)\, \mathcal{J}_{f_1}(a_0),
              \quad a_0 = a,\ a_i = f_i(a_{i-1})

    Parameters
    ----------
    *stages : pairs ``(f_i, jacobian_i)``

    Returns
    -------
    (composite, jacobian_of_composite)
    """
    if not stages:
        raise ValueError("compose_jacobians needs at least one (map, jacobian) pair (Theorem 1.3)")

    def composite(a):
        for f, _ in stages:
            a = f(a)
        return a

    def jacobian(a):
        total = None
        for f, jac in stages:
            j = np.asarray(jac(a))
            if j.ndim != 2:
                raise ValueError(f"a Jacobian must be a matrix (Definition 1.2); got shape {j.shape}")
            if total is not None and j.shape[1] != total.shape[0]:
                raise ValueError(f"Jacobians do not chain (Theorem 1.3): {j.shape} after {total.shape}")
            total = j if total is None else j @ total
            a = f(a)
        return total

    return composite, jacobian
