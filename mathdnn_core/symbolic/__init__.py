r"""SymPy twins of the maps of §2–§5: exact values and Jacobians *derived* by SymPy, never typed in.

One module per section, named like the numeric module it twins (the twin of ``layers.dense_vjp`` is
``symbolic.layers.dense_vjp_expr``):

- ``exact``: symbols (a vector is a ``1 x m`` row), exact evaluation at a point, LaTeX printing;
- ``activations``: §2, ReLU with Assumption 1 and Softmax — value, Jacobian, VJP;
- ``losses``: §3, cross-entropy, its gradient, the fused Softmax + cross-entropy gradient (Proposition 5.3);
- ``layers``: §4, the dense layer, its three Jacobians and its VJPs;
- ``upstream``: §5.1, an upstream function composed with ReLU or a dense layer (Propositions 5.1, 5.2);
- ``network``: §5.2, the network N_{c+} in named symbols, its objective and its gradients;
- ``general``: every statement in general dimension (``IndexedBase``, ``KroneckerDelta``, a symbolic ``m``).

Two forms of every statement:

**Concrete size.** Matrices of named real symbols of a small size (rows are vectors, as in the paper: a vector is a
``1 x m`` matrix). The value of a map is built from its definition; its Jacobian comes from ``Matrix.jacobian`` and
is compared with the paper's formula, which a ``*_paper`` function types in separately. :func:`evaluate` turns an
expression into the exact reference value at a numeric point (exact rational substitution, then 30 significant
digits), against which :mod:`mathdnn_core` is checked; :func:`exact_function` makes it a ``point -> value``
callable for the checkers of :mod:`mathdnn_core.testing`.

**General dimension.** ``IndexedBase``/``Idx``/``KroneckerDelta``/``Sum`` with a symbolic size ``m``: each
``*_entry_general`` function differentiates the entry ``f_i`` with respect to the variable ``x_j`` and returns a
:class:`GeneralEntry` holding the raw derivative, the simplified one and the paper's formula;
:func:`general_identity_holds` checks such an identity in general (``simplify``) and for several concrete ``m``.

Convention for ReLU (Assumption 1): ``max(0, .)'(0) = 0``. SymPy differentiates ``Max(0, x)`` to ``Heaviside(x)``
whose value at 0 is **1/2** unless written ``Heaviside(x, 0)``; :func:`apply_assumption_1` replaces every
``Heaviside`` by the indicator ``Piecewise((1, x > 0), (0, True))`` of :func:`relu_derivative_expr`.

Every name below is importable from ``mathdnn_core.symbolic`` itself.
"""

from __future__ import annotations

from .activations import (
    apply_assumption_1,
    relu_derivative_expr,
    relu_expr,
    relu_jacobian_expr,
    relu_jacobian_paper,
    relu_vjp_expr,
    softmax_expr,
    softmax_jacobian_expr,
    softmax_jacobian_paper,
    softmax_vjp_expr,
)
from .exact import evaluate, exact_function, symbols_matrix, symbols_vector, to_latex
from .general import (
    GeneralEntry,
    cross_entropy_gradient_entry_general,
    dense_jacobian_bias_entry_general,
    dense_jacobian_input_entry_general,
    dense_jacobian_weight_row_entry_general,
    general_identity_holds,
    relu_jacobian_entry_general,
    softmax_cross_entropy_gradient_entry_general,
    softmax_entry_general,
    softmax_jacobian_entry_general,
    softmax_notation,
)
from .layers import (
    dense_expr,
    dense_jacobian_bias_expr,
    dense_jacobian_bias_paper,
    dense_jacobian_input_expr,
    dense_jacobian_input_paper,
    dense_jacobian_weight_row_expr,
    dense_jacobian_weight_row_paper,
    dense_vjp_expr,
)
from .losses import (
    cross_entropy_expr,
    cross_entropy_gradient_expr,
    cross_entropy_gradient_paper,
    softmax_cross_entropy_gradient_expr,
    softmax_cross_entropy_gradient_paper,
)
from .network import SymbolicNetwork, evaluate_gradients, network_expr, objective_gradient_expr
from .upstream import (
    dense_upstream_weight_row_gradient_expr,
    dense_upstream_weight_row_gradient_paper,
    generic_upstream,
    linear_upstream,
    relu_upstream_gradient_expr,
    relu_upstream_gradient_paper,
)

__all__ = [
    "symbols_vector",
    "symbols_matrix",
    "evaluate",
    "exact_function",
    "to_latex",
    "relu_expr",
    "relu_derivative_expr",
    "apply_assumption_1",
    "relu_jacobian_expr",
    "relu_jacobian_paper",
    "softmax_expr",
    "softmax_jacobian_expr",
    "softmax_jacobian_paper",
    "cross_entropy_expr",
    "cross_entropy_gradient_expr",
    "cross_entropy_gradient_paper",
    "softmax_cross_entropy_gradient_expr",
    "softmax_cross_entropy_gradient_paper",
    "dense_expr",
    "dense_jacobian_input_expr",
    "dense_jacobian_input_paper",
    "dense_jacobian_weight_row_expr",
    "dense_jacobian_weight_row_paper",
    "dense_jacobian_bias_expr",
    "dense_jacobian_bias_paper",
    "generic_upstream",
    "linear_upstream",
    "relu_upstream_gradient_expr",
    "relu_upstream_gradient_paper",
    "dense_upstream_weight_row_gradient_expr",
    "dense_upstream_weight_row_gradient_paper",
    "relu_vjp_expr",
    "softmax_vjp_expr",
    "dense_vjp_expr",
    "SymbolicNetwork",
    "network_expr",
    "objective_gradient_expr",
    "evaluate_gradients",
    "GeneralEntry",
    "softmax_entry_general",
    "relu_jacobian_entry_general",
    "softmax_jacobian_entry_general",
    "cross_entropy_gradient_entry_general",
    "dense_jacobian_input_entry_general",
    "dense_jacobian_weight_row_entry_general",
    "dense_jacobian_bias_entry_general",
    "softmax_cross_entropy_gradient_entry_general",
    "general_identity_holds",
    "softmax_notation",
]
