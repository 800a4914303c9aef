r"""L. Borasi's notes (seed 003), §1.1, §1.3 and §1.4: the MLP as a filtration of weight spaces, the squared-error
cost ``S``, and its gradient by three routes.

**The network** (the notes' (2)-(3)). The activation is applied to a layer's *input*, before the affine map, and the
output is the last affine map (no activation after it):

.. math:: x^0 = f,\qquad x^{\ell+1} = X^{\ell+1}_{v^\ell}(x^\ell) = b^\ell + w^\ell\, \Phi^{\ell+1}(x^\ell)
          \quad (\ell = 0, \dots, L-1),\qquad F(V, f) = x^L

with ``Phi^{l}(x)_n = phi^{l}(x_n)``. The notes use columns; here a point is a row and a batch is ``(n, features)``,
so a row is mapped to ``b + Phi(x) w^T`` with the same ``w`` (DESIGN.md: no hidden transposes).

**Layout.** ``params[l] = (w^l, b^l)`` is the notes' weight ``v^l`` *as indexed in §1.3-§1.4* (``v^l`` feeds layer
``l + 1``), ``w^l`` of shape ``(n_{l+1}, n_l)``; Proposition 1.2 re-indexes the weights by one (its ``v^l`` is
``params[l - 1]``). ``activations[l]`` names ``phi^{l+1}``, the activation applied to ``x^l``. The notes fix the same
width ``N`` for every layer; any widths ``(n_0, ..., n_L)`` work here, so that the input and output spaces can be
those of a data set. Parameters come from :func:`mathdnn_core.network.init_params` (same structure).

**The three gradient routes** (:func:`gradients`): ``"backprop"``, the recursion of Corollary 1.2.1 (corrected: each
sample's own recursion, the results added), vectorised over the batch — what training uses; ``"relations"``,
Proposition 1.2's relations (20), one sample at a time with the full Jacobians ``J^l``; ``"jacobian"``, the literal
chain of Jacobian matrices, the chain rule (9) on the composition rule (5), then (10). Slow by design, the last two.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from . import activations as _act
from . import differentials, losses, network
from ._validation import Params, as_float_array, check_rows, positive_int, result_dtype

_COST = "Borasi notes, Cost function (§1.1)"
_FILTRATION = "Borasi notes, Filtration (1)"
_MLP = "Borasi notes, MLP (2): x^(l+1) = b^l + w^l Phi^(l+1)(x^l)"
_TRANSITION = "Borasi notes, Transition functions (3)-(4)"
_PROP = "Borasi notes, Proposition 1.2"
METHODS = ("backprop", "relations", "jacobian")
REDUCTIONS = ("sum", "mean")


# ----------------------------------------------------------------------------------------------------------------
# Activations: phi and phi', entry by entry
# ----------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Activation:
    r"""The activation ``phi`` of the neurons of one layer and its derivative, applied entry by entry.

    Paper: Seed 003, Proposition 1.2

    .. math:: [\Phi(x)]_n = \varphi(x_n),\qquad [D\Phi(x)]_{kn} = \varphi'(x_k)\,\delta_{kn}

    ``derivative`` of ``"relu"`` takes the value 0 at 0 (the paper's Assumption 1; the notes do not say, and at such
    a point ``S`` is not differentiable: see Theorem 1.1 in notebook 07).
    """

    name: str
    value: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray], np.ndarray]


#: The activations a layer can have, by name.
ACTIVATIONS: dict[str, Activation] = {
    "identity": Activation("identity", np.positive, np.ones_like),
    "relu": Activation("relu", _act._relu, _act.relu_derivative),
    "tanh": Activation("tanh", np.tanh, lambda x: 1 - np.tanh(x) ** 2),
}


def check_activations(activations, n_layers: int) -> tuple[Activation, ...]:
    r"""The activations ``phi^1, ..., phi^L`` of a network with ``L`` layers, from names.

    Paper: Seed 003, Proposition 1.2

    ``activations`` is one name (every layer the same, as the notes' examples) or a sequence of ``L`` names,
    ``activations[l]`` being ``phi^{l+1}``, applied to ``x^l``. Names: the keys of :data:`ACTIVATIONS`.
    """
    names = (activations,) * n_layers if isinstance(activations, str) else activations
    if isinstance(names, (bytes, dict)) or not hasattr(names, "__iter__"):
        raise TypeError(f"activations must be a name or a sequence of {n_layers} names ({_MLP}); got {activations!r}")
    names = tuple(names)
    if len(names) != n_layers:
        raise ValueError(
            f"activations must name phi^1, ..., phi^L: {n_layers} names for {n_layers} layers ({_MLP}); "
            f"got {len(names)}"
        )
    unknown = [name for name in names if name not in ACTIVATIONS]
    if unknown:
        raise ValueError(f"unknown activation(s) {unknown}; known: {sorted(ACTIVATIONS)} ({_MLP})")
    return tuple(ACTIVATIONS[name] for name in names)


def _check(X, params, activations, statement: str):
    params = network.check_params(params, statement)
    X = check_rows(X, params[0][0].shape[1], statement, name="X (the inputs f)")
    return X, params, check_activations(activations, len(params))


def _check_targets(T, X: np.ndarray, params: Params, statement: str) -> np.ndarray:
    T = as_float_array(T, "T (the reference outputs F_inf(f))", statement, ndim=2)
    expected = (X.shape[0], params[-1][0].shape[0])
    if T.shape != expected:
        raise ValueError(
            f"T (the reference outputs F_inf(f)) must have shape {expected}: one row of n_L = {expected[1]} values "
            f"per input ({statement}); got {T.shape}"
        )
    return T


# ----------------------------------------------------------------------------------------------------------------
# §1.3: the transition functions, the filtration, the network
# ----------------------------------------------------------------------------------------------------------------
def _layer_inputs(x, v, activation: str, ndim) -> tuple[np.ndarray, np.ndarray, np.ndarray, Activation]:
    """``(x, w, b, phi)`` checked: ``v = (w, b)`` one layer, ``x`` of ``ndim`` with ``n_in`` entries per row."""
    ((w, b),) = network.check_params([v], _TRANSITION)
    (phi,) = check_activations(activation, 1)
    x = as_float_array(x, "x", _TRANSITION, ndim=ndim)
    if x.shape[-1] != w.shape[1]:
        raise ValueError(
            f"x must have {w.shape[1]} entries per row, for w of shape {w.shape} ({_TRANSITION}); got {x.shape}"
        )
    return x, w, b, phi


def layer_transition(x, v, activation: str) -> np.ndarray:
    r"""The layer transition function ``X^{l+1}_v`` on one input or a batch: activation first, then the affine map.

    Paper: Seed 003, "Transition functions (3)-(4)"; Seed 003, Proposition 1.2 (the layer transition function (3))

    .. math:: X^{\ell+1}_{v}(x) = b^\ell + w^\ell\, \Phi^{\ell+1}(x),\qquad v = (b^\ell, w^\ell)

    ``v`` is the pair ``(w, b)`` with ``w`` of shape ``(n_out, n_in)``; ``x`` is ``(n_in,)`` or ``(batch, n_in)``.
    """
    x, w, b, phi = _layer_inputs(x, v, activation, (1, 2))
    return b + phi.value(x) @ w.T


def layer_transition_jacobian(x, v, activation: str) -> np.ndarray:
    r"""The Jacobian of ``X^{l+1}_v`` with respect to its input, at one input ``x``: shape ``(n_out, n_in)``.

    Paper: Seed 003, "Chain rule (9)"; Seed 003, Proposition 1.2 (the Jacobian after (14), with (15))

    .. math:: [DX^{\ell+1}_{v}(x)]_{mn} = \sum_k w_{mk}\,[D\Phi^{\ell+1}(x)]_{kn} = w_{mn}\,\varphi'(x_n)
    """
    x, w, _, phi = _layer_inputs(x, v, activation, 1)
    return w * phi.derivative(x)


def layer_transition_vjp(x, v, activation: str, cotangent) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The vector-Jacobian products of ``X^{l+1}_v`` on a batch: what one step of back-propagation computes.

    Paper: Seed 003, Corollary 1.2.1

    For rows ``x`` (inputs) and ``c`` (cotangents, e.g. ``nabla_{b^l} S_f``), row by row,

    .. math:: c\, DX_v(x) = (c\, w) \odot \varphi'(x),\qquad
              \sum_{\text{rows}} c^{T}\, \Phi(x) = \sum_{\text{rows}} \big(\Phi(x)^{\mathcal{H}\leftarrow
              \mathcal{W}}\big)^t c,\qquad \sum_{\text{rows}} c

    the first line of Corollary 1.2.1, and the weight and bias gradients of its second line.

    Returns
    -------
    (dx (n, n_in), dw (n_out, n_in), db (n_out,))
    """
    x, w, _, phi = _layer_inputs(x, v, activation, 2)
    c = as_float_array(cotangent, "cotangent", _TRANSITION, ndim=2)
    if c.shape != (x.shape[0], w.shape[0]):
        raise ValueError(f"the cotangent must have shape {(x.shape[0], w.shape[0])} ({_TRANSITION}); got {c.shape}")
    return _transition_vjp(x, w, phi, c)


def _transition_vjp(x: np.ndarray, w: np.ndarray, phi: Activation, c: np.ndarray, with_input: bool = True):
    """:func:`layer_transition_vjp` without input checks; ``dx`` is ``None`` unless ``with_input``."""
    return ((c @ w) * phi.derivative(x) if with_input else None), c.T @ phi.value(x), c.sum(axis=0)


def layer_transition_weight_jacobians(x, v, activation: str) -> tuple[np.ndarray, np.ndarray]:
    r"""The Jacobians of ``X^{l+1}_v(x)`` with respect to the bias ``b`` and to the weights ``w``, at one input:
    shapes ``(n_out, n_out)`` and ``(n_out, n_out, n_in)``.

    Paper: Seed 003, Proposition 1.2 (relations (13))

    .. math:: \nabla_b X = \mathbb{1}_{\mathcal{H}\to\mathcal{H}},\qquad
              [\nabla_w X]_{m, n_1, n_2} = \big[\Phi^{\ell+1}(x)^{\mathcal{H}\leftarrow\mathcal{W}}\big]_{m,n_1,n_2}
              = \delta_{m n_1}\,[\Phi^{\ell+1}(x)]_{n_2}
    """
    x, w, _, phi = _layer_inputs(x, v, activation, 1)
    identity = np.eye(w.shape[0], dtype=result_dtype(x, w))
    return identity, identity[:, :, None] * phi.value(x)[None, None, :]


def restriction(params, top: int, bottom: int) -> Params:
    r"""The restriction ``V_{[[top, bottom]]}`` of the weights to the layers ``bottom, ..., top``, bottom first.

    Paper: Seed 003, "Filtration (1)"; Seed 003, Proposition 1.2 (the filtration (1))

    .. math:: V_{[\![\ell+h,\ell]\!]} = (v^{\ell+h}, v^{\ell+h-1}, \dots, v^{\ell})
              \in \mathbb{V}_{[\![\ell+h,\ell]\!]} = \bigoplus_{\ell'=\ell}^{\ell+h} \mathcal{V}
              \quad (h + 1 \text{ blocks})

    ``0 <= bottom <= top <= L - 1``. The notes list the blocks top layer first; the list here is bottom first, like
    ``params``. The spaces ``V_{[[l, 0]]}``, ``l = 0, ..., L - 1``, are nested: the filtration.
    """
    params = network.check_params(params, _FILTRATION)
    last = len(params) - 1
    bottom = positive_int(bottom, "bottom", f"{_FILTRATION}: 0 <= l <= L - 1 = {last}", minimum=0, maximum=last)
    top = positive_int(top, "top", f"{_FILTRATION}: l <= l + h <= L - 1 = {last}", minimum=bottom, maximum=last)
    return params[bottom : top + 1]


def filtered_transition(x, params, activations, *, start: int, stop: int) -> np.ndarray:
    r"""The filtered transition function ``F^{stop, start}``: from the values of layer ``start`` to layer ``stop``.

    Paper: Seed 003, "Composition rule (5)"; Seed 003, Proposition 1.2 (the filtered transition functions, (4) and (5))

    .. math:: F^{\ell+h+1,\ell}\big(V_{[\![\ell+h,\ell]\!]}, x\big)
              = \big(X^{\ell+h+1}_{v^{\ell+h}} \circ \cdots \circ X^{\ell+2}_{v^{\ell+1}}
              \circ X^{\ell+1}_{v^{\ell}}\big)(x)

    ``params`` is the whole ``V`` (the indices are absolute) and ``activations`` all ``L`` of them; the function uses
    the restriction ``V_{[[stop - 1, start]]}`` only. ``0 <= start < stop <= L``; ``F^{L,0}(V, f) = F(V, f)`` and
    ``F^{l+1,l} = X^{l+1}`` (4). ``x`` is one input of layer ``start`` or a batch of them.
    """
    params = network.check_params(params, _TRANSITION)
    phis = check_activations(activations, len(params))
    L = len(params)
    start = positive_int(
        start, "start", f"{_TRANSITION}: F^(l', l) with 0 <= l < l' <= L = {L}", maximum=L - 1, minimum=0
    )
    stop = positive_int(
        stop, "stop", f"{_TRANSITION}: F^(l', l) with 0 <= l < l' <= L = {L}", minimum=start + 1, maximum=L
    )
    block = restriction(params, stop - 1, start)
    x = as_float_array(x, "x", _TRANSITION, ndim=(1, 2))
    if x.shape[-1] != block[0][0].shape[1]:
        raise ValueError(
            f"x must have {block[0][0].shape[1]} entries, the width of layer {start} ({_TRANSITION}); got {x.shape}"
        )
    for (w, b), phi in zip(block, phis[start:stop]):
        x = b + phi.value(x) @ w.T
    return x


def _partial_inputs(X: np.ndarray, params: Params, phis: Sequence[Activation]) -> list[np.ndarray]:
    xs = [X]
    for (w, b), phi in zip(params, phis):
        xs.append(b + phi.value(xs[-1]) @ w.T)
    return xs


def partial_inputs(X, params, activations) -> list[np.ndarray]:
    r"""The partial inputs ``x^0 = f, x^1, ..., x^L = F(V, f)`` of every row of ``X``.

    Paper: Seed 003, "MLP (2)"; Seed 003, Proposition 1.2 (the recursions (2), (6) and (19))

    .. math:: x^0 = f,\qquad x^{\ell+1} = b^\ell + w^\ell\,\Phi^{\ell+1}(x^\ell) = F^{\ell+1,0}(V_{[\![\ell,0]\!]}, f)

    Returns
    -------
    list of L + 1 arrays, ``x^l`` of shape ``(n, n_l)``
    """
    X, params, phis = _check(X, params, activations, _MLP)
    dtype = result_dtype(X, *[a for pair in params for a in pair])
    params = [(w.astype(dtype, copy=False), b.astype(dtype, copy=False)) for w, b in params]
    return _partial_inputs(X.astype(dtype, copy=False), params, phis)


def forward(X, params, activations) -> np.ndarray:
    r"""The MLP characteristic function ``F(V, f) = x^L`` for each row ``f`` of ``X``: identity output.

    Paper: Seed 003, "MLP (2)"; Seed 003, Proposition 1.2 (the MLP (2))

    .. math:: F(V, f) = b^{L-1} + w^{L-1}\,\Phi^{L}\Big(\cdots\, b^{0} + w^{0}\,\Phi^{1}(f) \cdots\Big)

    Returns
    -------
    ndarray, shape (n, n_L)
    """
    return partial_inputs(X, params, activations)[-1]


def _check_reduction(reduction: str, statement: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"reduction must be one of {REDUCTIONS} ({statement}: S is the sum; 'mean' is S / n, the minibatch "
            f"estimate); got {reduction!r}"
        )


def _reduce(per_sample: np.ndarray, reduction: str, statement: str):
    _check_reduction(reduction, statement)
    return per_sample.sum() if reduction == "sum" else per_sample.mean()


def squared_errors(X, T, params, activations) -> np.ndarray:
    r"""Each input's term of the cost, ``S_f(V) = ||F(V, f) - F_inf(f)||^2``.

    Paper: Seed 003, "Cost function (§1.1)"; Seed 003, Proposition 1.2

    Twice :func:`mathdnn_core.losses.squared_error`, which is the half squared error.

    Returns
    -------
    ndarray, shape (n,)
    """
    X, params, phis = _check(X, params, activations, _COST)
    T = _check_targets(T, X, params, _COST)
    return 2 * losses.squared_error(_partial_inputs(X, params, phis)[-1], T)


def cost(X, T, params, activations, reduction: str = "sum") -> float:
    r"""The squared-error cost ``S(V)`` over the data set ``{(f, F_inf(f))}`` given as the rows of ``X`` and ``T``.

    Paper: Seed 003, "Cost function (§1.1)"; Seed 003, Proposition 1.2

    .. math:: S(V) = \sum_{f \in D} \big\|F(V, f) - F_\infty(f)\big\|^2

    The notes print the sum over every ``f`` of the input space; it is a sum over a finite data set ``D`` (see the
    catalogue). ``reduction="mean"`` divides by ``n``. No factor 1/2, unlike :func:`losses.squared_error`.
    """
    return float(_reduce(squared_errors(X, T, params, activations), reduction, _COST))


# ----------------------------------------------------------------------------------------------------------------
# §1.4: the gradient of S by three routes
# ----------------------------------------------------------------------------------------------------------------
def output_jacobians(f, params, activations) -> list[np.ndarray]:
    r"""The Jacobians ``J^l = DF^{L,l}(x^l)`` of the output with respect to each partial input, for one input ``f``.

    Paper: Seed 003, Proposition 1.2 (the recursion (17)-(18))

    .. math:: \mathbf{J}^{L} = \mathbb{1},\qquad
              \mathbf{J}^{\ell} = \mathbf{J}^{\ell+1}\, w^{\ell}\, (D\Phi^{\ell+1})(x^{\ell})

    (in Proposition 1.2's indexing of the weights: ``J^{l-1} = J^l w^l DPhi^l(x^{l-1})``).

    Returns
    -------
    list of L + 1 arrays, ``J^l`` of shape ``(n_L, n_l)``
    """
    f = as_float_array(f, "f", _PROP, ndim=1)
    X, params, phis = _check(f[None, :], params, activations, _PROP)
    dtype = result_dtype(X, *[a for pair in params for a in pair])
    params = [(w.astype(dtype, copy=False), b.astype(dtype, copy=False)) for w, b in params]
    xs = _partial_inputs(X.astype(dtype, copy=False), params, phis)
    J = [np.eye(xs[-1].shape[1], dtype=xs[-1].dtype)]
    for ell in range(len(params) - 1, -1, -1):
        J.insert(0, (J[0] @ params[ell][0]) * phis[ell].derivative(xs[ell][0]))
    return J


def _gradient_inputs(X, T, params, activations, reduction: str):
    X, params, phis = _check(X, params, activations, _PROP)
    T = _check_targets(T, X, params, _PROP)
    _check_reduction(reduction, _PROP)
    dtype = result_dtype(X, T, *[a for pair in params for a in pair])
    params = [(w.astype(dtype, copy=False), b.astype(dtype, copy=False)) for w, b in params]
    scale = 1.0 if reduction == "sum" else 1.0 / X.shape[0]
    return X.astype(dtype, copy=False), T.astype(dtype, copy=False), params, phis, dtype.type(scale)


def backprop_gradients(X, T, params, activations, reduction: str = "sum") -> Params:
    r"""The gradient of ``S`` by the backward recursion of Corollary 1.2.1 (corrected), vectorised over the batch.

    Paper: Seed 003, Corollary 1.2.1

    For each input ``f`` (a row), with ``delta^l = nabla_{b^l} S_f`` (a row) and ``params[l] = v^l`` feeding layer
    ``l + 1`` (§1.3's indexing):

    .. math:: \delta^{L-1} = 2\big(F(V,f) - F_\infty(f)\big),\qquad
              \delta^{\ell-1} = \big(\delta^{\ell} w^{\ell}\big) \odot \varphi^{\ell+1}{}'(x^{\ell}),

    .. math:: \nabla_{w^\ell} S_f = \delta^{\ell\,T}\, \Phi^{\ell+1}(x^\ell),\qquad
              \nabla_{b^\ell} S_f = \delta^\ell,\qquad \nabla S = \sum_f \nabla S_f

    In Corollary 1.2.1's indexing (``v^l`` of layer ``l``): ``nabla^{l-1}_b S_f = DPhi^l(x^{l-1})^t (w^l)^t
    nabla^l_b S_f`` and ``nabla^l_w S_f = (Phi^l(x^{l-1})^{H<-W})^t nabla^l_b S_f``. The recursion runs on each
    sample's own ``delta``; the per-sample gradients are added only at the end, which is the correction the
    Corollary needs (its ``DPhi^l(x^{l-1})`` depends on the input).

    Returns
    -------
    list of ``(dw, db)`` with the shapes of ``params``
    """
    X, T, params, phis, scale = _gradient_inputs(X, T, params, activations, reduction)
    return _backprop(X, T, params, phis, scale)[0]


def _backprop(X, T, params, phis, scale) -> tuple[Params, np.ndarray]:
    """``(gradients of scale * S, each sample's S_f)`` without input checks (training validated once)."""
    xs = _partial_inputs(X, params, phis)
    residual = xs[-1] - T
    delta = (2 * scale) * residual
    grads: list = [None] * len(params)
    for ell in range(len(params) - 1, -1, -1):  # delta = nabla_{b^l} S_f row by row; the VJP carries it down
        delta, *grads[ell] = _transition_vjp(xs[ell], params[ell][0], phis[ell], delta, with_input=ell > 0)
    return [tuple(pair) for pair in grads], np.einsum("ij,ij->i", residual, residual)


def relations_gradients(X, T, params, activations, reduction: str = "sum") -> Params:
    r"""The gradient of ``S`` by Proposition 1.2's relations (20), one input at a time, with full Jacobians.

    Paper: Seed 003, Proposition 1.2

    In Proposition 1.2's indexing (``v^l`` of layer ``l``, ``params[l - 1]`` here):

    .. math:: \mathbf{J}^{\ell-1} = \mathbf{J}^{\ell} w^{\ell} (D\Phi^{\ell})(x^{\ell-1}),\quad \mathbf{J}^L = 1,\quad
              \nabla^\ell_b F = \mathbf{J}^\ell,\quad
              \nabla^\ell_w F = \mathbf{J}^\ell\, \Phi^\ell(x^{\ell-1})^{\mathcal{H}\leftarrow\mathcal{W}}

    .. math:: \nabla S(V) = \sum_{f} 2\,(\nabla F)(V, f)^{t}\,\big(F(V, f) - F_\infty(f)\big)

    ``nabla_w F`` is the 3-tensor ``[k, n_1, n_2] = J_{k n_1} Phi_{n_2}``; its transpose contracts ``k``.
    """
    X, T, params, phis, scale = _gradient_inputs(X, T, params, activations, reduction)
    totals = [(np.zeros_like(w), np.zeros_like(b)) for w, b in params]
    xs = _partial_inputs(X, params, phis)
    for i in range(X.shape[0]):
        residual = xs[-1][i] - T[i]
        J = output_jacobians(X[i], params, [phi.name for phi in phis])
        for ell, (dw, db) in enumerate(totals):
            grad_b = J[ell + 1]  # nabla_b F, (n_L, n_{l+1})
            grad_w = J[ell + 1][:, :, None] * phis[ell].value(xs[ell][i])[None, None, :]  # (n_L, n_{l+1}, n_l)
            db += 2 * scale * (grad_b.T @ residual)
            dw += 2 * scale * np.einsum("kij,k->ij", grad_w, residual)
    return totals


def jacobian_gradients(X, T, params, activations, reduction: str = "sum") -> Params:
    r"""The gradient of ``S`` by the literal chain of Jacobian matrices, one input at a time.

    Paper: Seed 003, "Chain rule (9)"; Seed 003, Proposition 1.2 (rule (9) on rule (5), then (10) and (12))

    .. math:: \nabla_{v^\ell} F(V, f) = (DF^{L,\ell+1})(V_{[\![L-1,\ell+1]\!]}, x^{\ell+1})\;
              \nabla_{v^\ell} X^{\ell+1}_{v^\ell}(x^\ell),\qquad
              DF^{L,\ell+1} = DX^{L}(x^{L-1}) \cdots DX^{\ell+2}(x^{\ell+1})

    Every factor is a full matrix: the layers' Jacobians (:func:`layer_transition_jacobian`) multiplied by
    :func:`mathdnn_core.differentials.compose_jacobians`, and the Jacobian with respect to ``(b^l, w^l)`` flattened
    (:func:`layer_transition_weight_jacobians`, ``w`` row by row). Then (10): ``sum_f 2 (nabla F)^t (F - F_inf)``.
    """
    X, T, params, phis, scale = _gradient_inputs(X, T, params, activations, reduction)
    names = [phi.name for phi in phis]
    stages = [
        (
            lambda x, v=v, a=a: layer_transition(x, v, a),
            lambda x, v=v, a=a: layer_transition_jacobian(x, v, a),
        )
        for v, a in zip(params, names)
    ]
    totals = [(np.zeros_like(w), np.zeros_like(b)) for w, b in params]
    xs = _partial_inputs(X, params, phis)
    for i in range(X.shape[0]):
        residual = xs[-1][i] - T[i]
        for ell, (dw, db) in enumerate(totals):
            m, n = params[ell][0].shape
            x_next = xs[ell + 1][i]
            if ell + 1 < len(params):
                D = differentials.compose_jacobians(*stages[ell + 1 :])[1](x_next)  # DF^{L, l+1}(x^{l+1})
            else:
                D = np.eye(m, dtype=x_next.dtype)  # F^{L,L} is the identity
            jac_b, jac_w = layer_transition_weight_jacobians(xs[ell][i], params[ell], names[ell])
            full = D @ np.concatenate([jac_b, jac_w.reshape(m, m * n)], axis=1)  # (n_L, m + m n)
            gradient = 2 * scale * (full.T @ residual)
            db += gradient[:m]
            dw += gradient[m:].reshape(m, n)
    return totals


def gradients(X, T, params, activations, method: str = "backprop", reduction: str = "sum") -> Params:
    r"""The gradient of the squared-error cost ``S`` with respect to every ``(w^l, b^l)``, by the chosen route.

    Paper: Seed 003, Proposition 1.2; Seed 003, Corollary 1.2.1

    Parameters
    ----------
    X : array (n, n_0) — the inputs ``f``
    T : array (n, n_L) — the reference outputs ``F_inf(f)``
    params : list of (w, b), ``params[l] = v^l`` (§1.3's indexing)
    activations : a name or ``L`` names (``phi^1, ..., phi^L``), keys of :data:`ACTIVATIONS`
    method : {"backprop", "relations", "jacobian"} — see the module docstring
    reduction : {"sum", "mean"} — ``S`` or ``S / n``

    Returns
    -------
    list of (dw, db) with the shapes of ``params``
    """
    routes = {"backprop": backprop_gradients, "relations": relations_gradients, "jacobian": jacobian_gradients}
    if method not in routes:
        raise ValueError(f"method must be one of {METHODS} (the routes of {_PROP} and Corollary 1.2.1); got {method!r}")
    return routes[method](X, T, params, activations, reduction=reduction)
