r"""SymPy twins of the maps of §2–§5: exact values and Jacobians *derived* by SymPy, never typed in.

One module per section, named like the numeric module it twins (the twin of ``layers.dense_vjp`` is
``symbolic.layers.dense_vjp_expr``):

- ``exact``: symbols (a vector is a ``1 x m`` row), exact evaluation at a point, LaTeX printing;
- ``activations``: §2, ReLU with Assumption 1 and Softmax — value, Jacobian, VJP;
- ``losses``: §3, cross-entropy, its gradient, the fused Softmax + cross-entropy gradient (Proposition 5.3);
- ``layers``: §4, the dense layer, its three Jacobians and its VJPs;
- ``upstream``: §5.1, an upstream function composed with ReLU or a dense layer (Propositions 5.1, 5.2);
- ``network``: §5.2, the network N_{c+} in named symbols, its objective and its gradients;
- ``optim``: §6, convexity, smoothness and co-coercivity in general dimension, the proof lines of Propositions
  6.1 and 6.3, exact iterates of gradient descent and of momentum (three forms), the two O(1/n) bounds;
- ``filtration``: L. Borasi's notes (seed 003), the MLP with the activation on each layer's input, its squared-error
  cost and gradients, and the notes' relations as corrected and as printed;
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

Seed 004 (C. Cuchiero's lecture): ``controlled_odes`` (vector fields, Lie brackets and the Lie algebra they generate,
exact N-point ranks, Euler steps, flow commutators) and ``lecture_backprop`` (its loss examples and back-propagation
slides, as printed and as corrected).

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
from .controlled_odes import (
    LieBasis,
    euler_flow_expr,
    evaluation_rank,
    five_fields_expr,
    flow_commutator_series,
    lie_algebra_basis,
    lie_bracket_expr,
    lie_series_flow_expr,
    point_symbols,
    polynomial_dimension_count,
    polynomial_fields_expr,
    random_fields_expr,
)
from .exact import evaluate, exact_function, symbols_matrix, symbols_vector, to_latex
from .filtration import (
    NotesNetwork,
    activation_derivative_expr,
    activation_expr,
    activation_jacobian_expr,
    corollary_bias_rhs,
    corollary_gradient_expr,
    corollary_proof_bias_step_as_printed,
    corollary_proof_weight_as_printed,
    corollary_weight_rhs,
    cost_gradient_expr,
    example_as_printed,
    filtered_transition_expr,
    jacobian_product_as_printed,
    notes_network_expr,
    output_jacobians_expr,
    relations_gradient_expr,
    transition_expr,
    weight_gradient_as_printed,
)
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
from .lecture_backprop import (
    LectureNetwork,
    gradient_by_differentiation,
    hidden_layer_gradient_lecture,
    lecture_network_expr,
    loss_with_hidden_bias_printed,
    mnist_loss_printed,
    output_layer_gradient_literal,
    output_layer_gradients_lecture,
)
from .losses import (
    cross_entropy_expr,
    cross_entropy_gradient_expr,
    cross_entropy_gradient_paper,
    softmax_cross_entropy_gradient_expr,
    softmax_cross_entropy_gradient_paper,
)
from .network import SymbolicNetwork, evaluate_gradients, network_expr, objective_gradient_expr
from .optim import (
    SeparableQuadratic,
    co_coercivity_proof_terms,
    first_order_proof_terms,
    gradient_descent_iterates,
    momentum_iterates,
    quadratic_expr,
    rate_bounds,
    separable_quadratic,
    softmax_regression_expr,
    softmax_variance_general,
    symmetric_matrix,
)
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
    "SeparableQuadratic",
    "separable_quadratic",
    "quadratic_expr",
    "symmetric_matrix",
    "first_order_proof_terms",
    "co_coercivity_proof_terms",
    "softmax_variance_general",
    "softmax_regression_expr",
    "gradient_descent_iterates",
    "momentum_iterates",
    "rate_bounds",
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
    "NotesNetwork",
    "notes_network_expr",
    "activation_expr",
    "activation_derivative_expr",
    "activation_jacobian_expr",
    "transition_expr",
    "filtered_transition_expr",
    "cost_gradient_expr",
    "output_jacobians_expr",
    "relations_gradient_expr",
    "corollary_gradient_expr",
    "example_as_printed",
    "jacobian_product_as_printed",
    "weight_gradient_as_printed",
    "corollary_bias_rhs",
    "corollary_weight_rhs",
    "corollary_proof_bias_step_as_printed",
    "corollary_proof_weight_as_printed",
    "point_symbols",
    "five_fields_expr",
    "random_fields_expr",
    "polynomial_fields_expr",
    "lie_bracket_expr",
    "euler_flow_expr",
    "lie_series_flow_expr",
    "flow_commutator_series",
    "polynomial_dimension_count",
    "LieBasis",
    "lie_algebra_basis",
    "evaluation_rank",
    "LectureNetwork",
    "lecture_network_expr",
    "gradient_by_differentiation",
    "output_layer_gradients_lecture",
    "output_layer_gradient_literal",
    "hidden_layer_gradient_lecture",
    "loss_with_hidden_bias_printed",
    "mnist_loss_printed",
]
