r"""SymPy twin of L. Borasi's notes (seed 003), the twin of :mod:`mathdnn_core.filtration`: the MLP with the
activation on each layer's input, its squared-error cost, its gradient derived by ``sympy.diff``, and the notes'
relations typed in — as corrected, and as printed where the catalogue records an erratum (``*_as_printed``).

Vectors are ``1 x n`` rows, as everywhere in :mod:`mathdnn_core.symbolic`; the notes' columns are their transposes,
and the notes' ``M^t v`` is the row ``v M``. The weights carry §1.3's indices: ``w^l`` (``weights[l]``) feeds layer
``l + 1``. Proposition 1.2 and Corollary 1.2.1 shift them by one (their ``w^l`` is ``weights[l - 1]``); the functions
named after them take ``layer``, the ``l`` of Proposition 1.2, in ``1 .. L``.

Activations by name: ``"identity"``, ``"relu"`` (``Max``; its derivative with the paper's Assumption 1),
``"tanh"``, and two undefined functions: ``"generic"`` (a different ``varphi^l`` on every layer, the notes' general
case) and ``"phi"`` (one ``varphi`` for every layer, as in the notes' example and in Proposition 1.2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp

from .._validation import is_integer, positive_int
from .activations import apply_assumption_1
from .exact import symbols_matrix, symbols_vector

ACTIVATION_NAMES = ("identity", "relu", "tanh", "generic", "phi")
_STATEMENT = "Borasi notes, MLP (2)"


def activation_expr(name: str, x, layer: int) -> sp.Expr:
    r"""``varphi^{layer}(x)`` for one scalar expression ``x``.

    Paper: Seed 003, Proposition 1.2

    ``"generic"`` is the undefined function ``varphi^{layer}``; ``"phi"`` the undefined ``varphi`` (every layer).
    """
    x = sp.sympify(x)
    if name == "identity":
        return x
    if name == "relu":
        return sp.Max(0, x)
    if name == "tanh":
        return sp.tanh(x)
    if name == "generic":
        return sp.Function(f"varphi^{layer}", real=True)(x)
    if name == "phi":
        return sp.Function("varphi", real=True)(x)
    raise ValueError(f"activation must be one of {ACTIVATION_NAMES} ({_STATEMENT}); got {name!r}")


def activation_derivative_expr(name: str, x, layer: int) -> sp.Expr:
    r"""``varphi^{layer}'(x)``, derived by SymPy (ReLU's with the value 0 at 0, the paper's Assumption 1).

    Paper: Seed 003, Proposition 1.2
    """
    s = sp.Dummy("s", real=True)
    return apply_assumption_1(sp.diff(activation_expr(name, s, layer), s)).subs(s, sp.sympify(x))


def _phi_row(x: sp.MatrixBase, name: str, layer: int) -> sp.ImmutableMatrix:
    return sp.ImmutableMatrix(1, x.cols, [activation_expr(name, e, layer) for e in x])


def activation_jacobian_expr(x, name: str, layer: int) -> sp.ImmutableMatrix:
    r"""``DPhi^{layer}(x)``, the diagonal matrix of (15): ``[DPhi(x)]_{kn} = varphi'(x_n) delta_{kn}``.

    Paper: Seed 003, Proposition 1.2
    """
    x = sp.ImmutableMatrix(x)
    return sp.ImmutableMatrix(sp.diag(*[activation_derivative_expr(name, e, layer) for e in x]))


def transition_expr(x, w, b, name: str, layer: int) -> sp.ImmutableMatrix:
    r"""The layer transition function ``X^{layer}(x) = b + w Phi^{layer}(x)`` on a row ``x``: ``b + Phi(x) w^T``.

    Paper: Seed 003, "Transition functions (3)-(4)"; Seed 003, Proposition 1.2 (the layer transition function (3))
    """
    x, w, b = sp.ImmutableMatrix(x), sp.ImmutableMatrix(w), sp.ImmutableMatrix(b)
    if x.rows != 1 or b.rows != 1 or w.cols != x.cols or w.rows != b.cols:
        raise ValueError(
            f"shapes do not fit X(x) = b + w Phi(x) ({_STATEMENT}): x a row of n, w (m, n), b a row of m; got "
            f"x {x.shape}, w {w.shape}, b {b.shape}"
        )
    return sp.ImmutableMatrix(b + _phi_row(x, name, layer) * w.T)


@dataclass(frozen=True, eq=False)
class NotesNetwork:
    r"""The notes' network and cost in named symbols, for tiny sizes.

    Paper: Seed 003, "MLP (2)"; Seed 003, Proposition 1.2

    Symbols: sample ``s`` has inputs ``f^(s)_j`` and reference outputs ``t^(s)_j`` (``F_inf(f)``); ``weights[l]`` is
    ``w^l`` (entries ``w^l_i,j``), ``biases[l]`` is the row ``b^l``; ``partial_inputs[l]`` stacks ``x^l`` of every
    sample, ``(n, n_l)``; ``output`` is ``x^L``; ``cost`` is ``S = sum_s ||x^L - t||^2``.
    """

    widths: tuple[int, ...]
    activations: tuple[str, ...]
    inputs: sp.ImmutableMatrix
    targets: sp.ImmutableMatrix
    weights: tuple[sp.ImmutableMatrix, ...]
    biases: tuple[sp.ImmutableMatrix, ...]
    partial_inputs: tuple[sp.ImmutableMatrix, ...]
    output: sp.ImmutableMatrix
    cost: sp.Expr

    def substitutions(self, X, T, params) -> dict:
        r"""The mapping symbol -> number for :func:`mathdnn_core.symbolic.evaluate`, from ``X``, ``T``, ``params``.

        Paper: Seed 003, Proposition 1.2
        """
        X, T = np.asarray(X, dtype=np.float64), np.asarray(T, dtype=np.float64)
        if X.shape != self.inputs.shape or T.shape != self.targets.shape or len(params) != len(self.weights):
            raise ValueError(
                f"X, T must have shapes {self.inputs.shape}, {self.targets.shape} and params {len(self.weights)} "
                f"layers ({_STATEMENT}); got {X.shape}, {T.shape}, {len(params)}"
            )
        subs = {self.inputs: X, self.targets: T}
        for (w, b), ws, bs in zip(params, self.weights, self.biases):
            if np.shape(w) != ws.shape or np.size(b) != bs.cols:
                raise ValueError(f"w must have shape {ws.shape} and b {bs.cols} entries ({_STATEMENT})")
            subs[ws], subs[bs] = w, b
        return subs

    @property
    def n_layers(self) -> int:
        """``L``, the number of layer transitions.

        Paper: Seed 003, "MLP (2)"
        """
        return len(self.weights)


def _names(activations, n_layers: int) -> tuple[str, ...]:
    names = (activations,) * n_layers if isinstance(activations, str) else tuple(activations)
    if len(names) != n_layers or any(name not in ACTIVATION_NAMES for name in names):
        raise ValueError(
            f"activations must be one of {ACTIVATION_NAMES} or {n_layers} of them ({_STATEMENT}); got {activations!r}"
        )
    return names


def notes_network_expr(widths: Sequence[int], activations, n_samples: int = 1) -> NotesNetwork:
    r"""The notes' network, its partial inputs and its cost in named symbols.

    Paper: Seed 003, "MLP (2)"; Seed 003, Proposition 1.2 (the MLP (2) and the cost S)

    .. math:: x^0 = f,\quad x^{\ell+1} = b^\ell + w^\ell\,\Phi^{\ell+1}(x^\ell),\quad
              S = \sum_{s=1}^{n} \big\|x^{L}(f^{(s)}) - t^{(s)}\big\|^2

    ``widths = [n_0, ..., n_L]``; ``activations`` one name or ``L`` names (``activations[l]`` is ``varphi^{l+1}``).
    Keep it tiny (e.g. ``[2, 2, 2]``, two samples).
    """
    widths = tuple(positive_int(n, "each width", _STATEMENT) for n in widths)
    if len(widths) < 2:
        raise ValueError(f"widths must be [n_0, ..., n_L] with L >= 1 ({_STATEMENT}); got {widths}")
    names = _names(activations, len(widths) - 1)
    n = positive_int(n_samples, "n_samples", _STATEMENT)
    inputs = sp.ImmutableMatrix(n, widths[0], lambda s, j: sp.Symbol(f"f^({s + 1})_{j + 1}", real=True))
    targets = sp.ImmutableMatrix(n, widths[-1], lambda s, j: sp.Symbol(f"t^({s + 1})_{j + 1}", real=True))
    weights = tuple(symbols_matrix(f"w^{ell}", m, k) for ell, (k, m) in enumerate(zip(widths[:-1], widths[1:])))
    biases = tuple(symbols_vector(f"b^{ell}", m) for ell, m in enumerate(widths[1:]))
    rows = [inputs[s, :] for s in range(n)]
    stacked = [inputs]
    for ell, (w, b) in enumerate(zip(weights, biases)):
        rows = [transition_expr(x, w, b, names[ell], ell + 1) for x in rows]
        stacked.append(sp.ImmutableMatrix.vstack(*rows))
    output = stacked[-1]
    cost = sp.Add(*[(output[s, :] - targets[s, :]).dot(output[s, :] - targets[s, :]) for s in range(n)])
    return NotesNetwork(widths, names, inputs, targets, weights, biases, tuple(stacked), output, cost)


def _check_sample(net: NotesNetwork, sample) -> int:
    if not is_integer(sample) or not 0 <= sample < net.inputs.rows:
        raise ValueError(f"sample must be an integer in [0, {net.inputs.rows - 1}] ({_STATEMENT}); got {sample!r}")
    return int(sample)


def _check_layer(net: NotesNetwork, layer, low: int = 1) -> int:
    where = f"Borasi notes, Proposition 1.2: l in [{low}, L = {net.n_layers}]"
    return positive_int(layer, "layer", where, minimum=low, maximum=net.n_layers)


def filtered_transition_expr(net: NotesNetwork, x, start: int, stop: int) -> sp.ImmutableMatrix:
    r"""``F^{stop, start}(V_{[[stop-1, start]]}, x)`` for a row ``x`` of layer ``start``, with the net's weights.

    Paper: Seed 003, "Composition rule (5)"; Seed 003, Proposition 1.2 (the filtered transition functions and (4))

    .. math:: F^{\ell+h+1,\ell} = X^{\ell+h+1}_{v^{\ell+h}} \circ \cdots \circ X^{\ell+1}_{v^{\ell}}
    """
    L = net.n_layers
    start = positive_int(start, "start", f"{_STATEMENT}: 0 <= l < l' <= L", minimum=0, maximum=L - 1)
    stop = positive_int(stop, "stop", f"{_STATEMENT}: 0 <= l < l' <= L", minimum=start + 1, maximum=L)
    x = sp.ImmutableMatrix(x)
    for ell in range(start, stop):
        x = transition_expr(x, net.weights[ell], net.biases[ell], net.activations[ell], ell + 1)
    return x


def cost_gradient_expr(net: NotesNetwork, samples: Sequence[int] | None = None) -> list[tuple]:
    r"""The gradient of ``S`` (or of the terms of ``samples`` only) with respect to every ``w^l``, ``b^l``, by
    ``sympy.diff`` (Assumption 1 applied to ReLU).

    Paper: Seed 003, Proposition 1.2

    Returns
    -------
    list of ``(dw (n_{l+1}, n_l), db (1, n_{l+1}))``, ``l = 0 .. L - 1``: the structure of
    :func:`mathdnn_core.filtration.gradients`.
    """
    cost = net.cost
    if samples is not None:
        chosen = [_check_sample(net, s) for s in samples]
        out, t = net.output, net.targets
        cost = sp.Add(*[(out[s, :] - t[s, :]).dot(out[s, :] - t[s, :]) for s in chosen])
    return [
        (
            sp.ImmutableMatrix(w.rows, w.cols, lambda i, j, w=w: apply_assumption_1(sp.diff(cost, w[i, j]))),
            sp.ImmutableMatrix(1, b.cols, lambda _, i, b=b: apply_assumption_1(sp.diff(cost, b[i]))),
        )
        for w, b in zip(net.weights, net.biases)
    ]


def output_jacobians_expr(net: NotesNetwork, sample: int = 0) -> list[sp.ImmutableMatrix]:
    r"""``J^l = DF^{L,l}(x^l)`` for one sample, derived by ``Matrix.jacobian`` of the filtered transition function.

    Paper: Seed 003, Proposition 1.2 (the Jacobians (17))

    Returns
    -------
    list of ``L + 1`` matrices, ``J^l`` of shape ``(n_L, n_l)``, ``J^L`` the identity
    """
    s = _check_sample(net, sample)
    L = net.n_layers
    jacobians = []
    for ell in range(L):
        u = symbols_vector(f"u^{ell}", net.widths[ell])
        J = filtered_transition_expr(net, u, ell, L).jacobian(u)
        jacobians.append(sp.ImmutableMatrix(apply_assumption_1(J.subs(dict(zip(u, net.partial_inputs[ell][s, :]))))))
    return [*jacobians, sp.ImmutableMatrix(sp.eye(net.widths[-1]))]


def _relation_terms(net: NotesNetwork, s: int):
    """The corrected relations (20) for sample ``s``, in §1.3's indexing: ``J``, residual, ``Phi(x^l)``, ``DPhi``."""
    L, xs, names = net.n_layers, net.partial_inputs, net.activations
    phi = [_phi_row(xs[ell][s, :], names[ell], ell + 1) for ell in range(L)]  # Phi^{l+1}(x^l)
    dphi = [activation_jacobian_expr(xs[ell][s, :], names[ell], ell + 1) for ell in range(L)]  # DPhi^{l+1}(x^l)
    J = [sp.ImmutableMatrix(sp.eye(net.widths[-1]))]
    for ell in range(L - 1, -1, -1):
        J.insert(0, sp.ImmutableMatrix(J[0] * net.weights[ell] * dphi[ell]))  # (18): J^l = J^{l+1} w^l DPhi^{l+1}
    residual = net.output[s, :] - net.targets[s, :]
    return J, residual, phi, dphi


def relations_gradient_expr(net: NotesNetwork, samples: Sequence[int] | None = None) -> list[tuple]:
    r"""Proposition 1.2's relations (20), corrected and typed in: ``J`` by the recursion, then
    ``nabla S = sum_f 2 (nabla F)^t (F - F_inf)``.

    Paper: Seed 003, Proposition 1.2

    .. math:: \mathbf{J}^{\ell-1} = \mathbf{J}^\ell w^\ell D\Phi^\ell(x^{\ell-1}),\quad
              [\nabla^\ell_b S]_{n} = \sum_f 2 \sum_k \mathbf{J}^\ell_{kn} r_k,\quad
              [\nabla^\ell_w S]_{n_1 n_2} = \sum_f 2 \sum_k \mathbf{J}^\ell_{k n_1} [\Phi^\ell(x^{\ell-1})]_{n_2} r_k

    with ``r = F(V, f) - F_inf(f)`` (Proposition 1.2's indexing; the result is in §1.3's, like
    :func:`cost_gradient_expr`). ``samples`` restricts the sum over ``f`` (the printed last line of (20) has none:
    ``samples=(0,)`` is that reading).
    """
    chosen = range(net.inputs.rows) if samples is None else [_check_sample(net, s) for s in samples]
    grads = [[sp.zeros(w.rows, w.cols), sp.zeros(1, b.cols)] for w, b in zip(net.weights, net.biases)]
    for s in chosen:
        J, r, phi, _ = _relation_terms(net, s)
        for ell, pair in enumerate(grads):
            delta = 2 * r * J[ell + 1]  # the row 2 r^t J^{l+1} = (2 (J^{l+1})^t r)^t
            pair[0] += delta.T * phi[ell]  # 2 (J Phi^{H<-W})^t r: [n1, n2] = delta_{n1} Phi_{n2}
            pair[1] += delta
    return [(sp.ImmutableMatrix(dw), sp.ImmutableMatrix(db)) for dw, db in grads]


def corollary_gradient_expr(net: NotesNetwork) -> list[tuple]:
    r"""Corollary 1.2.1, corrected and typed in: each sample's recursion, the per-sample gradients added.

    Paper: Seed 003, Corollary 1.2.1

    .. math:: \nabla^{\ell-1}_b S_f = D\Phi^\ell(x^{\ell-1})^t (w^\ell)^t \nabla^\ell_b S_f,\qquad
              \nabla^{\ell}_w S_f = \big(\Phi^\ell(x^{\ell-1})^{\mathcal{H}\leftarrow\mathcal{W}}\big)^t
              \nabla^\ell_b S_f,\qquad \nabla S = \sum_f \nabla S_f

    starting from ``nabla^L_b S_f = 2 (F(V, f) - F_inf(f))``.
    """
    grads = [[sp.zeros(w.rows, w.cols), sp.zeros(1, b.cols)] for w, b in zip(net.weights, net.biases)]
    for s in range(net.inputs.rows):
        _, r, phi, dphi = _relation_terms(net, s)
        delta = 2 * r
        for ell in range(net.n_layers - 1, -1, -1):
            grads[ell][0] += delta.T * phi[ell]
            grads[ell][1] += delta
            delta = delta * net.weights[ell] * dphi[ell]  # the row form of DPhi^t w^t delta
    return [(sp.ImmutableMatrix(dw), sp.ImmutableMatrix(db)) for dw, db in grads]


# ----------------------------------------------------------------------------------------------------------------
# The notes as printed, where the catalogue records an erratum
# ----------------------------------------------------------------------------------------------------------------
def example_as_printed(f, w, b, name: str = "phi") -> sp.Expr:
    r"""The notes' example of (2) for ``N = 1``, ``L = 3``, as printed: no activation on the input.

    Paper: Seed 003, "MLP (2)"; Seed 003, Proposition 1.2 (the example after (2))

    .. math:: F(f, v) = w^{(2)} \varphi\big(w^{(1)} \varphi(w^{(0)} f + b^{(0)}) + b^{(1)}\big) + b^{(2)}

    ``w`` and ``b`` are sequences of three scalars (symbols or numbers).
    """
    phi = lambda e: activation_expr(name, e, 0)  # noqa: E731
    return w[2] * phi(w[1] * phi(w[0] * f + b[0]) + b[1]) + b[2]


def jacobian_product_as_printed(net: NotesNetwork, layer: int, sample: int = 0) -> sp.ImmutableMatrix:
    r"""``J^{layer-1}`` by the product printed in (20), with ``w^l`` (not ``w^{l'}``) in every factor.

    Paper: Seed 003, Proposition 1.2 (the second line of (20), as printed)

    .. math:: \mathbf{J}^{\ell-1} \overset{\text{printed}}{=}
              \prod_{\ell'=L}^{\ell} \big(w^{\ell}\, D\Phi^{\ell'}(x^{\ell'-1})\big)

    ``layer`` is Proposition 1.2's ``l`` (``w^l`` is ``weights[l - 1]``); the factors conform when every width is
    the same, as in the notes.
    """
    layer, s = _check_layer(net, layer), _check_sample(net, sample)
    _, _, _, dphi = _relation_terms(net, s)
    product = sp.eye(net.widths[-1])
    for ell_prime in range(net.n_layers, layer - 1, -1):
        product = product * net.weights[layer - 1] * dphi[ell_prime - 1]
    return sp.ImmutableMatrix(product)


def weight_gradient_as_printed(net: NotesNetwork, layer: int, sample: int = 0) -> sp.Expr:
    r"""``nabla^l_w S`` from (20) as printed: ``nabla^l_w F = J^l Phi^l(x^{l-1})`` read as the product it is written
    as, a vector of ``H``, so the last line gives a scalar.

    Paper: Seed 003, Proposition 1.2 (the fourth and fifth lines of (20), as printed)

    .. math:: 2\,\big(\mathbf{J}^\ell \Phi^\ell(x^{\ell-1})\big)^t \big(F(V,f) - F_\infty(f)\big) \in \mathbb{R}
    """
    layer, s = _check_layer(net, layer), _check_sample(net, sample)
    J, r, phi, _ = _relation_terms(net, s)
    return sp.expand(2 * (J[layer] * phi[layer - 1].T).dot(r))


def corollary_bias_rhs(net: NotesNetwork, grads, layer: int, sample: int = 0) -> sp.ImmutableMatrix:
    r"""The right side of Corollary 1.2.1's first line, ``DPhi^l(x^{l-1})^t (w^l)^t nabla^l_b S``, as a row.

    Paper: Seed 003, Corollary 1.2.1

    ``grads`` is a gradient list (:func:`cost_gradient_expr`): of the whole ``S`` as printed, or of one sample's
    term ``S_f`` (``samples=(sample,)``) as corrected; ``x^{l-1}`` is that of ``sample``. ``layer`` in ``1 .. L``:
    for ``layer = 1`` there is no ``b^0`` (the network (19) starts at ``v^1``), and the right side is the gradient
    of ``S_f`` with respect to the input ``x^0 = f``.
    """
    layer, s = _check_layer(net, layer), _check_sample(net, sample)
    _, _, _, dphi = _relation_terms(net, s)
    return sp.ImmutableMatrix(grads[layer - 1][1] * net.weights[layer - 1] * dphi[layer - 1])


def corollary_weight_rhs(net: NotesNetwork, grads, layer: int, sample: int = 0, factor=1) -> sp.ImmutableMatrix:
    r"""``factor (Phi^l(x^{l-1})^{H<-W})^t nabla^l_b S``: ``[n_1, n_2] = factor [nabla^l_b S]_{n_1} Phi^l_{n_2}``.

    Paper: Seed 003, Corollary 1.2.1

    With ``factor=1`` it is ``nabla^l_w S`` (corrected); the notes print ``factor=2`` and call it ``nabla^{l-1}_w
    S``. ``layer`` is Proposition 1.2's ``l``, in ``1 .. L``.
    """
    layer, s = _check_layer(net, layer), _check_sample(net, sample)
    _, _, phi, _ = _relation_terms(net, s)
    return sp.ImmutableMatrix(factor * grads[layer - 1][1].T * phi[layer - 1])


def corollary_proof_bias_step_as_printed(net: NotesNetwork, layer: int, sample: int = 0) -> sp.ImmutableMatrix:
    r"""The middle step of the proof of Corollary 1.2.1's first line, as printed (no factor 2, ``J^l`` not
    transposed), as a row.

    Paper: Seed 003, Corollary 1.2.1 (proof)

    .. math:: (D\Phi^\ell)(x^{\ell-1})^t (w^\ell)^t\, \mathbf{J}^\ell\, \big(F(V,f) - F_\infty(f)\big)

    Conforms when every width is the same. ``layer`` in ``2 .. L``.
    """
    layer, s = _check_layer(net, layer, low=2), _check_sample(net, sample)
    J, r, _, dphi = _relation_terms(net, s)
    return sp.ImmutableMatrix((J[layer] * r.T).T * net.weights[layer - 1] * dphi[layer - 1])


def corollary_proof_weight_as_printed(net: NotesNetwork, grads, layer: int, sample: int = 0) -> sp.ImmutableMatrix:
    r"""The last line of the proof of Corollary 1.2.1's second line, as printed.

    Paper: Seed 003, Corollary 1.2.1 (proof)

    .. math:: 2\big(\Phi^\ell(x^{\ell-1})^{\mathcal{H}\leftarrow\mathcal{W}}\big)^t (D\Phi^\ell)(x^{\ell-1})^t
              (w^\ell)^t \nabla^\ell_b S(V)

    ``[n_1, n_2] = 2 [nabla^{l-1}_b S]_{n_1} Phi^l(x^{l-1})_{n_2}``: the bias gradient of layer ``l - 1`` paired with
    the input of layer ``l``. Conforms when every width is the same. ``layer`` in ``2 .. L``.
    """
    layer, s = _check_layer(net, layer, low=2), _check_sample(net, sample)
    _, _, phi, dphi = _relation_terms(net, s)
    below = grads[layer - 1][1] * net.weights[layer - 1] * dphi[layer - 1]  # (DPhi^l)^t (w^l)^t nabla^l_b S, a row
    return sp.ImmutableMatrix(2 * below.T * phi[layer - 1])
