r"""Seed 004, Part I: deep networks as Euler discretisations of controlled ODEs, their flows, VJPs and Lie brackets.

C. Cuchiero's lecture "A dynamic view on universal interpolation and gradient descent" reads a residual network
``x(t) = x(t-1) + V(x(t-1), θ_t)`` as the Euler scheme of the controlled ODE (*)

.. math:: dX_t = \sum_{i=1}^d u^i_t\, V_i(X_t)\, dt,\qquad t \in [0, 1],

whose vector fields ``V_1, ..., V_d`` on ``R^m`` are fixed (random, or the five fields of the lecture's first result)
and whose scalar controls ``u^i_t`` are the only trained parameters. Here the ODE is discretised by ``M`` Euler
steps of size ``1/M``, the controls constant on each step (row ``t`` of ``U``, shape ``(M, d)``):

.. math:: X_{t+1} = X_t + \frac{1}{M}\sum_{i=1}^d U_{t,i}\, V_i(X_t),\qquad t = 0, \dots, M-1.

Vectors are rows: a batch of ``n`` points of ``R^m`` is an array ``(n, m)``, and a field evaluated on it gives
``(n, d, m)`` (field ``i`` at point ``k`` is ``values[k, i]``). Jacobians are the lecture's ``DV(x)``: entry
``[j, l]`` is ``∂V^j/∂x^l``. The lecture writes its formulas with column vectors; only the storage differs.

* :class:`VectorFields` — what a family of fields provides; :class:`RandomVectorFields` (the Corollary:
  ``V_i(x) = σ_i(C_i x + b_i)`` with random ``C_i, b_i`` and polynomial ``σ_i``); polynomial fields and the five
  fields of the lecture's first result are in :mod:`mathdnn_core.polynomial_fields`;
* :func:`flow`, :func:`flow_trajectory`, :func:`flow_vjp` and :func:`flow_adjoint` (back-propagation through the
  Euler steps: the adjoint recursion) and :func:`flow_jacobian` (the literal chain of step Jacobians);
* :func:`lie_bracket`, with the lecture's definition ``[V, W](x) = DW(x)V(x) − DV(x)W(x)``.
"""

from __future__ import annotations

import abc
import math
from dataclasses import dataclass

import numpy as np

from ._validation import as_float_array, positive_int, real_in_interval

_CODE = 'Seed 004, "Controlled ODE": dX = sum_i u^i V_i(X) dt'
_EULER = 'Seed 004, "Residual network": M Euler steps of size 1/M'
_FIELDS = 'Seed 004, "Random-vector-field corollary": V_i(x) = sigma_i(C_i x + b_i)'


class FlowDivergedError(ValueError):
    r"""The Euler flow left the finite numbers: the controls are too large for the fields and the step 1/M.

    Paper: Seed 004, "Residual network"

    Polynomial fields of degree 2 (the ``r^2`` fields of the Corollary) make the ODE blow up in finite time when
    the controls are large; the Euler scheme then overflows.
    """


# ----------------------------------------------------------------------------------------------------------------
# Families of vector fields
# ----------------------------------------------------------------------------------------------------------------
class VectorFields(abc.ABC):
    r"""``d`` smooth vector fields ``V_1, ..., V_d`` on ``R^m``, evaluated on a batch of rows.

    Paper: Seed 004, "Controlled ODE"

    An abstract base: subclasses implement :meth:`values` and :meth:`jacobians`; :meth:`_evaluate` and
    :meth:`_linearise` may be overridden with faster routes (they are what the flow and its VJP call at every step).
    """

    m: int
    d: int
    dtype: np.dtype

    @abc.abstractmethod
    def values(self, X) -> np.ndarray:
        r"""``V_i(x)`` for every field ``i`` and row ``x`` of ``X`` (``(n, m)``): shape ``(n, d, m)``."""

    @abc.abstractmethod
    def jacobians(self, X) -> np.ndarray:
        r"""``DV_i(x)`` for every field and row: shape ``(n, d, m, m)``, entry ``[k, i, j, l] = ∂V_i^j/∂x^l(x_k)``."""

    def _points(self, X, statement: str) -> np.ndarray:
        X = as_float_array(X, "X", statement, ndim=2)
        if X.shape[1] != self.m:
            raise ValueError(f"X must have shape (n, {self.m}): rows of R^{self.m} ({statement}); got {X.shape}")
        return X

    def _evaluate(self, X: np.ndarray) -> np.ndarray:
        """:meth:`values` without input checks (the flow checks once)."""
        return self.values(X)

    def _linearise(self, X: np.ndarray):
        r"""``(values (n, d, m), vjp)`` with ``vjp(u, W) = Σ_i u^i W DV_i(X)`` row by row, shape ``(n, m)``."""
        values, jac = self.values(X), self.jacobians(X)
        return values, lambda u, W: np.einsum("i,kj,kijl->kl", u, W, jac)


def _horner(a: np.ndarray, R: np.ndarray) -> np.ndarray:
    """``Σ_p a[i, p] r^p`` entrywise, field ``i`` along the second-to-last axis of ``R`` (0 when ``a`` is empty)."""
    if a.shape[1] == 0:
        return np.zeros_like(R)
    if a.shape[1] == 1:
        return np.broadcast_to(a[:, :1], R.shape).copy()
    out = R * a[:, -1, None]
    for p in range(a.shape[1] - 2, -1, -1):
        out += a[:, p, None]
        if p:
            out *= R
    return out


def reference_coefficients(d: int, degree: int = 2) -> np.ndarray:
    r"""The value ``ẑ_0`` of the Corollary: ``σ_i(r) = r`` for ``i = 1, 2, 3`` and ``σ_i(r) = r^2`` for ``i ≥ 4``.

    Paper: Seed 004, "Random-vector-field corollary"

    Row ``i`` holds the coefficients ``(a_{i,0}, ..., a_{i,degree})`` of ``σ_i(r) = Σ_p a_{i,p} r^p``.
    """
    d = positive_int(d, "d", _FIELDS)
    degree = positive_int(degree, "degree", f"{_FIELDS}: sigma_i must reach r^2", minimum=2)
    a = np.zeros((d, degree + 1))
    a[:3, 1] = 1.0
    a[3:, 2] = 1.0
    return a


@dataclass(frozen=True, eq=False)
class RandomVectorFields(VectorFields):
    r"""The fields of the lecture's Corollary: ``V_i(x) = σ_i(C_i x + b_i)``, ``σ_i`` a polynomial applied entrywise.

    Paper: Seed 004, "Random-vector-field corollary"

    .. math:: V_i(x) = \sigma_i(C_i x + b_i),\qquad \sigma_i(r) = \sum_{p=0}^{P} a_{i,p}\, r^p,\qquad
              DV_i(x) = \operatorname{diag}\big(\sigma_i'(C_i x + b_i)\big)\, C_i

    Attributes
    ----------
    weights : ``(d, m, m)``, the matrices ``C_i``
    biases : ``(d, m)``, the vectors ``b_i`` (written ``d_i`` on the lecture's "role of randomness" slide)
    coefficients : ``(d, P + 1)``, row ``i`` the coefficients ``a_{i,0..P}`` of ``σ_i``
    """

    weights: np.ndarray
    biases: np.ndarray
    coefficients: np.ndarray

    def __post_init__(self):
        C = as_float_array(self.weights, "weights C_i", _FIELDS, ndim=3)
        if C.shape[1] != C.shape[2]:
            raise ValueError(f"weights must have shape (d, m, m): C_i in R^(m x m) ({_FIELDS}); got {C.shape}")
        d, m = C.shape[0], C.shape[1]
        b = as_float_array(self.biases, "biases b_i", _FIELDS, ndim=2)
        a = as_float_array(self.coefficients, "coefficients of sigma_i", _FIELDS, ndim=2)
        if b.shape != (d, m):
            raise ValueError(f"biases must have shape ({d}, {m}): b_i in R^{m} ({_FIELDS}); got {b.shape}")
        if a.shape[0] != d or a.shape[1] < 1:
            raise ValueError(f"coefficients must have shape ({d}, P + 1), one polynomial per field ({_FIELDS})")
        dtype = np.result_type(C.dtype, b.dtype, a.dtype)
        object.__setattr__(self, "weights", C.astype(dtype, copy=False))
        object.__setattr__(self, "biases", b.astype(dtype, copy=False))
        object.__setattr__(self, "coefficients", a.astype(dtype, copy=False))
        object.__setattr__(self, "d", d)
        object.__setattr__(self, "m", m)
        object.__setattr__(self, "dtype", np.dtype(dtype))
        # The d matrices stacked as one (d m, m) matrix: all pre-activations in one product.
        object.__setattr__(self, "_stacked", self.weights.reshape(d * m, m))

    def activation(self, R) -> np.ndarray:
        r"""``σ_i(r)`` entrywise: ``R`` of shape ``(..., d, m)``, field ``i`` along the second-to-last axis."""
        return _horner(self.coefficients, R)

    def activation_derivative(self, R) -> np.ndarray:
        r"""``σ_i'(r)`` entrywise, same layout as :meth:`activation`."""
        a = self.coefficients
        return _horner(a[:, 1:] * np.arange(1, a.shape[1], dtype=a.dtype), R)

    def pre_activations(self, X) -> np.ndarray:
        r"""``C_i x + b_i`` for every field and row: shape ``(n, d, m)``."""
        X = self._points(X, _FIELDS)
        return (X @ self._stacked.T).reshape(X.shape[0], self.d, self.m) + self.biases

    def values(self, X) -> np.ndarray:
        r"""``σ_i(C_i x + b_i)``: shape ``(n, d, m)``."""
        return self.activation(self.pre_activations(X))

    def jacobians(self, X) -> np.ndarray:
        r"""``diag(σ_i'(C_i x + b_i)) C_i``: shape ``(n, d, m, m)``."""
        return self.activation_derivative(self.pre_activations(X))[..., None] * self.weights

    def _evaluate(self, X: np.ndarray) -> np.ndarray:
        return self.activation((X @ self._stacked.T).reshape(X.shape[0], self.d, self.m) + self.biases)

    def _linearise(self, X: np.ndarray):
        Z = (X @ self._stacked.T).reshape(X.shape[0], self.d, self.m) + self.biases
        values, slopes = self.activation(Z), self.activation_derivative(Z)

        def vjp(u, W):
            # Σ_i u^i W DV_i = Σ_i (u^i W ⊙ σ_i'(Z_i)) C_i: one product with the stacked C.
            scaled = (W[:, None, :] * slopes * u[None, :, None]).reshape(X.shape[0], self.d * self.m)
            return scaled @ self._stacked

        return values, vjp

    def with_coefficients(self, coefficients) -> RandomVectorFields:
        r"""The same ``C_i, b_i`` with other polynomials ``σ_i`` (e.g. :func:`reference_coefficients`)."""
        return RandomVectorFields(self.weights, self.biases, np.asarray(coefficients, dtype=self.dtype))


def random_vector_fields(
    m: int,
    d: int = 7,
    rng: np.random.Generator | None = None,
    *,
    degree: int = 2,
    weight_scale: float = 1.0,
    bias_scale: float = 1.0,
    coefficient_scale: float = 0.5,
    dtype=np.float64,
) -> RandomVectorFields:
    r"""Draw the ``d`` random fields of the lecture's Corollary, ``V_i(x) = σ_i(C_i x + b_i)``.

    Paper: Seed 004, "Random-vector-field corollary"

    .. math:: (C_i)_{jl} \sim \mathcal{N}(0, s_C^2/m),\quad (b_i)_j \sim \mathcal{N}(0, s_b^2),\quad
              a_i \sim \mathcal{N}(\hat z_{0,i},\ s_a^2 I),\qquad \sigma_i(r) = \sum_{p=0}^{\text{degree}} a_{i,p} r^p

    ``ẑ_0`` (:func:`reference_coefficients`) gives ``σ_i(r) = r`` for ``i ≤ 3`` and ``σ_i(r) = r^2`` for ``i ≥ 4``;
    the Gaussian law of the coefficients has a density and a support that contains ``ẑ_0``, as the Corollary's
    hypotheses 1 and 2 ask. The Corollary itself takes ``d = 7``; any ``d ≥ 1`` is accepted (the first three fields
    centred on ``r``, the others on ``r^2``). ``C_i`` has variance ``1/m`` so that ``C_i x`` stays of the order of
    the entries of ``x``. All draws come from ``rng`` (default ``np.random.default_rng(0)``).
    """
    m = positive_int(m, "m", _FIELDS)
    d = positive_int(d, "d", _FIELDS)
    rng = np.random.default_rng(0) if rng is None else rng
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator; got {type(rng).__name__}")
    weight_scale, bias_scale, coefficient_scale = (
        real_in_interval(value, name, _FIELDS, low=0.0)
        for name, value in (
            ("weight_scale", weight_scale),
            ("bias_scale", bias_scale),
            ("coefficient_scale", coefficient_scale),
        )
    )
    C = rng.standard_normal((d, m, m)) * (weight_scale / math.sqrt(m))
    b = rng.standard_normal((d, m)) * bias_scale
    a = reference_coefficients(d, degree) + coefficient_scale * rng.standard_normal((d, degree + 1))
    return RandomVectorFields(C.astype(dtype), b.astype(dtype), a.astype(dtype))


# ----------------------------------------------------------------------------------------------------------------
# The Euler flow, its vector-Jacobian product and its Jacobian
# ----------------------------------------------------------------------------------------------------------------
def _check_flow_inputs(X, U, fields) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(fields, VectorFields):
        raise TypeError(f"fields must be a controlled_odes.VectorFields ({_CODE}); got {type(fields).__name__}")
    X = fields._points(X, _EULER)
    U = as_float_array(U, "U (the controls)", _EULER, ndim=2)
    if U.shape[1] != fields.d or U.shape[0] < 1:
        raise ValueError(
            f"U must have shape (M, {fields.d}): one row of {fields.d} controls per Euler step, M >= 1 ({_EULER}); "
            f"got {U.shape}"
        )
    dtype = np.result_type(X.dtype, U.dtype, fields.dtype)
    return X.astype(dtype, copy=False), U.astype(dtype, copy=False)


def _diverged(t: int, M: int) -> FlowDivergedError:
    return FlowDivergedError(
        f"the Euler flow is no longer finite after step {t + 1} of {M} ({_EULER}): the controls are too large for "
        f"these fields; expected a finite X_t at every step"
    )


def flow_trajectory(X, U, fields: VectorFields) -> np.ndarray:
    r"""Every Euler state ``X_0 = X, X_1, ..., X_M``: shape ``(M + 1, n, m)``.

    Paper: Seed 004, "Residual network"

    .. math:: X_{t+1} = X_t + \frac{1}{M}\sum_{i=1}^d U_{t,i}\, V_i(X_t)

    Raises :class:`FlowDivergedError` when a state is not finite.
    """
    X, U = _check_flow_inputs(X, U, fields)
    M = U.shape[0]
    states = np.empty((M + 1, *X.shape), dtype=X.dtype)
    states[0] = X
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(M):
            values = fields._evaluate(states[t])
            states[t + 1] = states[t] + np.einsum("i,kij->kj", U[t] / M, values)
            if not np.all(np.isfinite(states[t + 1])):
                raise _diverged(t, M)
    return states


def flow(X, U, fields: VectorFields) -> np.ndarray:
    r"""The end point of ``M`` Euler steps of size ``1/M`` of the controlled ODE (*): a residual network of depth M.

    Paper: Seed 004, "Residual network"

    .. math:: X_{t+1} = X_t + \frac{1}{M}\sum_{i=1}^d U_{t,i}\, V_i(X_t),\qquad t = 0, \dots, M - 1

    Parameters
    ----------
    X : ``(n, m)``, the starting points (rows)
    U : ``(M, d)``, the controls: row ``t`` is ``(u^1, ..., u^d)`` on step ``t``
    fields : :class:`VectorFields` with ``fields.m = m`` and ``fields.d = d``

    Returns
    -------
    ``(n, m)``: ``X_M``, the Euler approximation of ``X_1^x`` for every row ``x``
    """
    return flow_trajectory(X, U, fields)[-1]


def flow_vjp(X, U, fields: VectorFields, V) -> tuple[np.ndarray, np.ndarray]:
    r"""The flow and the gradient of ``⟨V, flow(X, U)⟩`` with respect to the controls: back-propagation through
    the Euler steps (the adjoint recursion).

    Paper: Seed 004, "Residual network"; Seed 004, "Back-propagation"

    .. math:: \lambda_M = V,\qquad
              \frac{\partial \langle V, X_M\rangle}{\partial U_{t,i}} = \frac{1}{M}\langle \lambda_{t+1},
              V_i(X_t)\rangle,\qquad
              \lambda_t = \lambda_{t+1} + \frac{1}{M}\sum_{i=1}^d U_{t,i}\, \lambda_{t+1} DV_i(X_t)

    with the inner products summed over the ``n`` rows. ``λ_t`` is the gradient of ``⟨V, X_M⟩`` with respect to
    ``X_t`` (a batch of rows), carried backwards through the step Jacobians ``I + (1/M) Σ_i U_{t,i} DV_i(X_t)``.

    Returns
    -------
    ``(X_M, dU)``: ``X_M`` of shape ``(n, m)`` and ``dU`` of shape ``(M, d)``
    """
    states = flow_trajectory(X, U, fields)
    return states[-1], flow_adjoint(states, U, fields, V)


def flow_adjoint(states: np.ndarray, U, fields: VectorFields, V) -> np.ndarray:
    r"""The backward half of :func:`flow_vjp`, given the states of :func:`flow_trajectory`: ``dU``, shape ``(M, d)``.

    Paper: Seed 004, "Back-propagation"

    For a cotangent ``V`` that depends on ``X_M`` itself (a loss), the forward pass is done once: states first,
    then ``V``, then this. Raises :class:`FlowDivergedError` when the gradient is not finite.
    """
    U = np.asarray(U, dtype=states.dtype)
    V = as_float_array(V, "V (the cotangent)", _EULER, ndim=2)
    if V.shape != states.shape[1:] or states.shape[0] != U.shape[0] + 1:
        raise ValueError(
            f"V must have the shape of X, {states.shape[1:]}, and states one more row than U ({_EULER}: <V, X_M>); "
            f"got V {V.shape}, states {states.shape}, U {U.shape}"
        )
    M = U.shape[0]
    adjoint = V.astype(states.dtype)
    dU = np.empty_like(U)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(M - 1, -1, -1):
            values, vjp = fields._linearise(states[t])
            dU[t] = np.einsum("kj,kij->i", adjoint, values) / M
            adjoint = adjoint + vjp(U[t] / M, adjoint)
    if not np.all(np.isfinite(dU)):
        raise FlowDivergedError(
            f"the gradient back-propagated through the {M} Euler steps is not finite ({_EULER}): the controls or the "
            f"cotangent are too large for these fields; expected a finite dU"
        )
    return dU


def flow_jacobian(x, U, fields: VectorFields) -> np.ndarray:
    r"""The full Jacobian of ``X_M`` with respect to the controls for one starting point, by the literal chain of
    step Jacobians (Theorem 1.3 of the paper, applied step by step).

    Paper: Seed 004, "Residual network"

    .. math:: \frac{\partial X_M}{\partial U_{t,i}} = J_{M-1} \cdots J_{t+1}\ \frac{1}{M} V_i(X_t),\qquad
              J_s = I + \frac{1}{M}\sum_{i=1}^d U_{s,i}\, DV_i(X_s)

    Returns
    -------
    ``(m, M d)``: column ``t d + i`` is ``∂X_M/∂U_{t,i}`` (``U`` flattened row by row)
    """
    x = as_float_array(x, "x", _EULER, ndim=1)
    states = flow_trajectory(x[None, :], U, fields)[:, 0, :]
    U = np.asarray(U, dtype=states.dtype)
    M, d, m = U.shape[0], fields.d, fields.m
    jacobian = np.empty((m, M * d))
    downstream = np.eye(m)  # J_{M-1} ... J_{t+1}
    for t in range(M - 1, -1, -1):
        point = states[t][None, :]
        jacobian[:, t * d : (t + 1) * d] = downstream @ (fields.values(point)[0].T / M)
        step = np.eye(m) + np.einsum("i,ijl->jl", U[t] / M, fields.jacobians(point)[0])
        downstream = downstream @ step
    return jacobian


# ----------------------------------------------------------------------------------------------------------------
# Lie brackets
# ----------------------------------------------------------------------------------------------------------------
def lie_bracket(fields: VectorFields, i: int, j: int, X) -> np.ndarray:
    r"""The Lie bracket ``[V_i, V_j]`` on every row of ``X``, with the lecture's definition.

    Paper: Seed 004, "Lie bracket"

    .. math:: [V, W](x) = DW(x)\, V(x) - DV(x)\, W(x)

    (fields numbered from 0 here: ``i, j ∈ {0, ..., d − 1}``). Returns ``(n, m)``.
    """
    if not isinstance(fields, VectorFields):
        raise TypeError(f"fields must be a controlled_odes.VectorFields; got {type(fields).__name__}")
    i = positive_int(i, "i", 'Seed 004, "Lie bracket": a field index', minimum=0, maximum=fields.d - 1)
    j = positive_int(j, "j", 'Seed 004, "Lie bracket": a field index', minimum=0, maximum=fields.d - 1)
    X = fields._points(X, 'Seed 004, "Lie bracket"')
    values, jac = fields.values(X), fields.jacobians(X)
    return np.einsum("kjl,kl->kj", jac[:, j], values[:, i]) - np.einsum("kjl,kl->kj", jac[:, i], values[:, j])
