r"""SymPy twins of Seed 004, Part II: the lecture's loss examples and its back-propagation slides, as printed and
as corrected.

The lecture's network, in its own column convention: a hidden layer ``z_n = A_n x(n-1) + b_n``,
``x(n) = σ(z_n)``, and the linear readout ``g = z_{n+1} = A_{n+1} x(n) + b_{n+1}``, with a loss ``L(g, y)``. By
default ``σ`` is an undefined SymPy function and ``L(g) = ⟨δ, g⟩`` with symbols ``δ``: by the chain rule (the
lecture's first back-propagation line), ``∂_θ L = ⟨∂_g L, ∂_θ g⟩`` is linear in ``∂_g L``, so formulas written
with ``∂_g L`` that hold for ``L = ⟨δ, g⟩`` with ``δ`` arbitrary hold for every smooth loss; an identity proved
here holds for every smooth activation. ``sigma="relu"`` (with Assumption 1's derivative) and
``loss="cross-entropy"`` (``L(g, y^*) = -Σ_k y^*_k \log S(g)_k``) give the paper's network ``N_{c+}`` with two
layers, against which the package's gradients are checked.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .._validation import positive_int
from .activations import relu_derivative_expr, softmax_expr

_BACKPROP = 'Seed 004, "Back-propagation"'


@dataclass(frozen=True)
class LectureNetwork:
    r"""The symbols and expressions of the lecture's network with one hidden layer and a linear readout.

    Paper: Seed 004, "Back-propagation"

    Columns throughout: ``x`` (``m_in × 1``), ``A_n`` (``m × m_in``), ``b_n`` (``m × 1``), ``A_out`` = ``A_{n+1}``
    (``d̃ × m``), ``b_out`` = ``b_{n+1}`` (``d̃ × 1``), ``z = z_n``, ``hidden = x(n) = σ(z_n)``, ``slopes = σ'(z_n)``,
    ``g = z_{n+1}``, ``loss = L(g, y)`` and ``grad_g = ∂_g L`` (a column, derived by SymPy). ``y_star`` holds the
    one-hot target symbols (a row) for the cross-entropy, the symbols ``δ`` (a column) for ``L = ⟨δ, g⟩``.
    """

    x: sp.ImmutableMatrix
    A_n: sp.ImmutableMatrix
    b_n: sp.ImmutableMatrix
    A_out: sp.ImmutableMatrix
    b_out: sp.ImmutableMatrix
    z: sp.ImmutableMatrix
    hidden: sp.ImmutableMatrix
    slopes: sp.ImmutableMatrix
    g: sp.ImmutableMatrix
    loss: sp.Expr
    grad_g: sp.ImmutableMatrix
    loss_of: object
    y_star: sp.ImmutableMatrix


def _matrix(name: str, rows: int, cols: int) -> sp.ImmutableMatrix:
    return sp.ImmutableMatrix(
        rows, cols, [sp.Symbol(f"{name}_{i},{j}", real=True) for i in range(1, rows + 1) for j in range(1, cols + 1)]
    )


def _column(name: str, rows: int) -> sp.ImmutableMatrix:
    return sp.ImmutableMatrix(rows, 1, [sp.Symbol(f"{name}_{i}", real=True) for i in range(1, rows + 1)])


def lecture_network_expr(m_in: int, m: int, d_out: int, *, sigma: str | None = None, loss: str | None = None):
    r"""The lecture's network ``x ↦ g = A_{n+1} σ(A_n x + b_n) + b_{n+1}`` and its loss ``L(g, y)``, in symbols.

    Paper: Seed 004, "Back-propagation"

    ``sigma``: ``None`` (an undefined smooth ``σ``) or ``"relu"``; ``loss``: ``None`` (``⟨δ, g⟩``, which stands
    for every smooth loss: see the module docstring) or ``"cross-entropy"`` (``-Σ_k y^*_k \log S(g)_k``, the
    corrected MNIST loss).
    """
    m_in, m, d_out = (positive_int(v, name, _BACKPROP) for v, name in ((m_in, "m_in"), (m, "m"), (d_out, "d_out")))
    if sigma not in (None, "relu") or loss not in (None, "cross-entropy"):
        raise ValueError(f"sigma must be None or 'relu' and loss None or 'cross-entropy' ({_BACKPROP})")
    x, A_n, b_n = _column("x", m_in), _matrix("a", m, m_in), _column("b", m)
    A_out, b_out = _matrix("c", d_out, m), _column("e", d_out)
    z = sp.ImmutableMatrix(A_n * x + b_n)
    if sigma is None:
        hidden = z.applyfunc(sp.Function("sigma"))
        # sigma'(z_k) written as SymPy writes it when it differentiates: d x(n)_k / d b_k (z_k = ... + b_k)
        slopes = sp.ImmutableMatrix(m, 1, [hidden[k].diff(b_n[k]) for k in range(m)])
    else:
        hidden = z.applyfunc(lambda zk: sp.Max(0, zk))
        slopes = z.applyfunc(relu_derivative_expr)
    g = sp.ImmutableMatrix(A_out * hidden + b_out)
    gamma = sp.symbols(f"gamma_1:{d_out + 1}", real=True)
    y_star = None
    if loss is None:
        y_star = sp.ImmutableMatrix(d_out, 1, [sp.Symbol(f"delta_{k}", real=True) for k in range(1, d_out + 1)])
        value_at = sum(y_star[k] * gamma[k] for k in range(d_out))
    else:
        y_star = sp.ImmutableMatrix(1, d_out, [sp.Symbol(f"y*_{k}", real=True) for k in range(1, d_out + 1)])
        S = softmax_expr(sp.ImmutableMatrix(1, d_out, list(gamma)))
        value_at = -sum(y_star[k] * sp.log(S[k]) for k in range(d_out))

    def loss_of(output) -> sp.Expr:
        return value_at.xreplace(dict(zip(gamma, list(output))))

    grad_g = sp.ImmutableMatrix(d_out, 1, [value_at.diff(gk) for gk in gamma]).xreplace(dict(zip(gamma, list(g))))
    return LectureNetwork(x, A_n, b_n, A_out, b_out, z, hidden, slopes, g, loss_of(g), grad_g, loss_of, y_star)


def gradient_by_differentiation(net: LectureNetwork, parameter: sp.ImmutableMatrix) -> sp.ImmutableMatrix:
    r"""``∂L/∂θ_{kl}`` entry by entry, derived by SymPy from the composed expression (the reference).

    Paper: Seed 004, "Back-propagation"
    """
    return sp.ImmutableMatrix(parameter.rows, parameter.cols, lambda k, l: net.loss.diff(parameter[k, l]))


def output_layer_gradients_lecture(net: LectureNetwork) -> tuple[sp.ImmutableMatrix, sp.ImmutableMatrix]:
    r"""The lecture's output-layer formulas (as the lecture means them).

    Paper: Seed 004, "Back-propagation"

    .. math:: \partial_{A_{n+1},kl}\mathcal{L} = (\partial_g\mathcal{L})_k\, x(n)_l,\qquad
              \partial_{b_{n+1},k}\mathcal{L} = (\partial_g\mathcal{L})_k
    """
    dA = sp.ImmutableMatrix(net.A_out.rows, net.A_out.cols, lambda k, l: net.grad_g[k] * net.hidden[l])
    return dA, net.grad_g


def output_layer_gradient_literal(net: LectureNetwork, y) -> sp.ImmutableMatrix:
    r"""The output-layer formula as our copy literally prints it, ``(∂_g\mathcal{L}(g(x|θ))y)_k x(n)_l``: the
    gradient multiplied by the label ``y``.

    Paper: Seed 004, "Back-propagation"
    """
    return sp.ImmutableMatrix(net.A_out.rows, net.A_out.cols, lambda k, l: net.grad_g[k] * y * net.hidden[l])


def hidden_layer_gradient_lecture(net: LectureNetwork, *, printed: bool = False) -> sp.ImmutableMatrix:
    r"""The lecture's second-to-last-layer formula: corrected (``A_{n+1}^T``) or as printed (``A_{n+1}``).

    Paper: Seed 004, "Back-propagation"

    .. math:: \partial_{A_n,kl}\mathcal{L} = \big\langle A_{n+1}^T\partial_g\mathcal{L},\
              \operatorname{diag}(\sigma'(z_n))\, \partial_{A_n,kl} z_n\big\rangle
              = (A_{n+1}^T\partial_g\mathcal{L})_k\, \sigma'(z_{n,k})\, x(n-1)_l

    The printed ``⟨A_{n+1} ∂_g L, …⟩`` only conforms when ``d̃ = m``; SymPy raises ``ShapeError`` otherwise.
    """
    upstream = (net.A_out if printed else net.A_out.T) * net.grad_g
    return sp.ImmutableMatrix(net.A_n.rows, net.A_n.cols, lambda k, l: upstream[k] * net.slopes[k] * net.x[l])


def loss_with_hidden_bias_printed(net: LectureNetwork) -> sp.Expr:
    r"""``\mathcal{L}(A_{n+1} x(n) + b_n, y)`` as printed (the readout's bias is ``b_{n+1}``); needs ``d̃ = m``.

    Paper: Seed 004, "Back-propagation"
    """
    return net.loss_of(net.A_out * net.hidden + net.b_n)


def mnist_loss_printed(probabilities, label: int) -> sp.Expr:
    r"""The lecture's MNIST loss exactly as printed: ``Σ_{k=1}^{10} 1_{\{y = k-1\}} \log(g(x)_k)``, no minus sign.

    Paper: Seed 004, "Loss examples"

    ``probabilities`` is a row ``g(x)`` of length 10 and ``label`` the digit ``y ∈ {0, ..., 9}``. The corrected
    loss is its negative, the categorical cross-entropy (:func:`mathdnn_core.symbolic.cross_entropy_expr`).
    """
    p = list(probabilities)
    if len(p) != 10 or label not in range(10):
        raise ValueError('Seed 004, "Loss examples": g(x) has 10 entries and y is a digit 0..9')
    return sum(sp.log(p[k - 1]) * (1 if label == k - 1 else 0) for k in range(1, 11))
