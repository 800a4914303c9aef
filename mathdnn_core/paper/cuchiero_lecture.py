r"""The catalogue of C. Cuchiero's lecture (seed 004), as data: its statements, their errata, its conventions.

"A dynamic view on universal interpolation and gradient descent" (lecture slides, based on joint work with
M. Larsson and J. Teichmann). Part I reads deep networks as Euler discretisations of controlled ODEs and proves
their expressiveness through Lie brackets and the Chow–Rashevskii theorem; Part II is gradient descent and
back-propagation. The slides number nothing, so the statements are catalogued under the names the slides give
them ("Chow–Rashevskii theorem", "Universal N-point interpolator", ...) or, where a slide only says "Theorem" or
"Corollary", under a name that says which ("Five-field interpolation theorem" for the "First result",
"Generic interpolation theorem" for the "Main result"). Section 1 is Part I, section 2 is Part II.

Each erratum was checked against the text as printed (our copy is a PDF text extraction, ``seeds/004_*.txt``, with
repeated slides; where it is garbled the erratum is graded ``extraction``) and is refuted on values in notebook 08.
"""

from __future__ import annotations

from .records import Convention, Erratum, Statement

DOCUMENT = "cuchiero-lecture"

_NB = "08_controlled_odes.ipynb"
_T = "tests/test_controlled_odes.py::"


def _statement(sid: str, kind: str, section: int, title: str, statement: str, **fields) -> Statement:
    return Statement(sid, kind, "", section, title, statement, document=DOCUMENT, **fields)


def _erratum(kind: str, where: str, printed: str, corrected: str) -> Erratum:
    return Erratum(kind, where, printed, corrected, _NB)


STATEMENTS: tuple[Statement, ...] = (
    # ------------------------------------------------------------------------------------------ Part I (section 1)
    _statement(
        "Feedforward neural network",
        "Definition",
        1,
        "Deep feedforward network with a readout",
        r"$x(t) = \ell_t(x(t-1))$, $\ell_t(x) = \sigma(A_t x + b_t)$ entrywise with $A_t \in \mathbb{R}^{m \times m}$, "
        r"$b_t \in \mathbb{R}^m$, $t = 1, \dots, n$, and a linear readout $y = R\,x(n)$; supervised learning selects "
        r"$(A_t, b_t)_t$ and $R$ so that $y_i \approx R \circ \ell_n \circ \dots \circ \ell_1(x_i)$ for all $i$.",
        checked_by=(_T + "test_feedforward_network_is_its_residual_form",),
    ),
    _statement(
        "Residual network",
        "Definition",
        1,
        "Residual networks are Euler schemes of an ODE",
        r"With $V(x, \theta_t) := \ell_t(x) - x$ the network is $x(t) = x(t-1) + V(x(t-1), \theta_t)$, a "
        r"discretisation (Euler's scheme) of $dX_t^x = V(X_t^x, \theta_t)\,dt$, $X_0^x = x$; the network "
        r"$x \mapsto R(X_1^x)$ has continuous depth $t \in [0, 1]$.",
        implemented_by=(
            "mathdnn_core.controlled_odes.flow",
            "mathdnn_core.controlled_odes.flow_trajectory",
            "mathdnn_core.controlled_odes.flow_vjp",
            "mathdnn_core.controlled_odes.flow_jacobian",
            "mathdnn_core.controlled_odes.FlowDivergedError",
            "mathdnn_core.symbolic.controlled_odes.euler_flow_expr",
            "mathdnn_core.symbolic.controlled_odes.lie_series_flow_expr",
        ),
        errata=(
            _erratum(
                "extraction",
                "statement",
                r"V(x, \theta_t) := \ell_t(x) x \quad \text{(twice)}",
                r"V(x, \theta_t) := \ell_t(x) - x: only then is x(t-1) + V(x(t-1), \theta_t) = \ell_t(x(t-1)), the "
                r"feedforward network; read literally as a product, x + \ell_t(x) \odot x is another map. The minus "
                r"sign was most likely lost by the extraction",
            ),
        ),
        checked_by=(
            _T + "test_feedforward_network_is_its_residual_form",
            _T + "test_euler_scheme_has_order_one",
            _T + "test_flow_matches_sympy_euler_steps",
        ),
        uses=("Feedforward neural network",),
    ),
    _statement(
        "Controlled ODE",
        "Definition",
        1,
        "Supervised learning as a control problem",
        r"With $V(x, \theta) = \sum_{i=1}^d u^i V_i(x)$ for fixed smooth fields $V_1, \dots, V_d$ on "
        r"$\mathbb{R}^m$ and scalar, time-dependent controls $u^i_t$ (the only trained parameters), "
        r"$dX_t^x = \big(u_t^1 V_1(X_t^x) + \dots + u_t^d V_d(X_t^x)\big)\,dt$ is the controlled ODE (*); the "
        r"$N$ inputs are steered to their outputs by the same fields and controls.",
        implemented_by=(
            "mathdnn_core.controlled_odes.VectorFields",
            "mathdnn_core.symbolic.controlled_odes.point_symbols",
        ),
        checked_by=(
            _T + "test_flow_vjp_matches_central_differences",
            _T + "test_flow_vjp_matches_the_chain_of_step_jacobians",
            _T + "test_flow_vjp_matches_sympy",
        ),
        uses=("Residual network",),
    ),
    _statement(
        "Universal approximation theorem",
        "Theorem",
        1,
        "Universal approximation (meta-theorem)",
        r"Every continuous $f: [0,1]^m \to \mathbb{R}$ is a uniform limit of neural networks of sufficient depth "
        r"and/or width (a meta-theorem: its precise forms put conditions on the activation, e.g. non-polynomial).",
        implemented_by=(
            "mathdnn_core.lecture_networks.relu_interpolant",
            "mathdnn_core.lecture_networks.shallow_relu_network",
        ),
        checked_by=(_T + "test_shallow_relu_interpolant_approximates_uniformly",),
    ),
    _statement(
        "Universal N-point interpolator",
        "Definition",
        1,
        "Universal N-point interpolation",
        r"(*) is a universal $N$-point interpolator on $\Omega \subseteq \mathbb{R}^m$ if for every training set "
        r"$\{(x_i, y_i) \in \Omega \times \Omega\}$ with pairwise distinct inputs and pairwise distinct outputs there "
        r"are controls with $X_1^{x_i} = y_i$ for all $i = 1, \dots, N$ (the readout is the identity).",
        implemented_by=("mathdnn_core.lecture_networks.fit_controls",),
        checked_by=(_T + "test_fit_controls_interpolates_distinct_points",),
        uses=("Controlled ODE",),
    ),
    _statement(
        "Lie bracket",
        "Definition",
        1,
        "Lie bracket and the Lie algebra of vector fields",
        r"$[V, W](x) = DW(x)V(x) - DV(x)W(x)$; for $V(x) = Ax$, $W(x) = Bx$ it is $(BA - AB)x$. "
        r"$\mathrm{Lie}(V_1, \dots, V_d)$ is the span of the $V_i$ and their iterated brackets, and "
        r"$\mathrm{Lie}(V_1, \dots, V_d)|_x = \{W(x) : W \in \mathrm{Lie}(V_1, \dots, V_d)\}$.",
        implemented_by=(
            "mathdnn_core.controlled_odes.lie_bracket",
            "mathdnn_core.symbolic.controlled_odes.lie_bracket_expr",
            "mathdnn_core.symbolic.controlled_odes.LieBasis",
            "mathdnn_core.symbolic.controlled_odes.lie_algebra_basis",
        ),
        errata=(
            _erratum(
                "error",
                "statement",
                r"\text{Example: For linear vector fields } V(x) = Ax, W(x) = Bx, \text{ this is } [V, W](x) = "
                r"(AB - BA)x",
                r"[V, W](x) = (BA - AB)x: by the definition printed just above, DW(x)V(x) - DV(x)W(x) = BAx - ABx. "
                r"(AB - BA)x is [V, W] for the opposite convention DV\,W - DW\,V, which the slide 'Why Lie "
                r"brackets?' uses too",
            ),
        ),
        checked_by=(
            _T + "test_lie_bracket_of_linear_fields",
            _T + "test_lie_bracket_matches_sympy",
            _T + "test_lie_bracket_is_antisymmetric_and_satisfies_jacobi",
        ),
        uses=("Controlled ODE",),
    ),
    _statement(
        "Chow–Rashevskii theorem",
        "Theorem",
        1,
        "Hörmander's condition gives controllability",
        r"If the Hörmander condition $\mathrm{Lie}(V_1, \dots, V_d)|_x = \mathbb{R}^m$ holds at every "
        r"$x \in \mathbb{R}^m$, then for every $(x, y)$ there are smooth scalar controls with $X_1^x = y$.",
        checked_by=(_T + "test_five_fields_satisfy_hoermander_everywhere", _T + "test_fit_controls_steers_one_point"),
        uses=("Lie bracket", "Controlled ODE"),
    ),
    _statement(
        "Flow commutator",
        "Claim",
        1,
        "Why Lie brackets: alternating flows",
        r"$e^{-tA}e^{-tB}e^{tA}e^{tB}x = x + t^2(AB - BA)x + O(t^3)$: alternating the flows of $W$, $V$, $-W$, "
        r"$-V$ for a time $t$ moves $x$ by $t^2 [W, V](x) + O(t^3)$, in the direction $[W, V](x) = -[V, W](x)$ "
        r"(for linear fields $(AB - BA)x$).",
        implemented_by=(
            "mathdnn_core.symbolic.controlled_odes.flow_commutator_series",
            "mathdnn_core.symbolic.controlled_odes.lie_series_flow_expr",
        ),
        errata=(
            _erratum(
                "error",
                "statement",
                r"\text{This produces motion in the direction } [V, W](x) = (AB - BA)x.",
                r"in the direction [W, V](x) = (AB - BA)x = -[V, W](x) with the lecture's definition of the bracket. "
                r"It is not about linear fields only: for V = e_m and W = ((x^m)^2, 0, \dots, 0) the alternating "
                r"flows move x by -t^2 (2x^m, 0, \dots, 0) + O(t^3) = t^2 [W, V](x) + O(t^3)",
            ),
        ),
        checked_by=(_T + "test_flow_commutator_series", _T + "test_alternating_flows_move_along_the_bracket"),
        uses=("Lie bracket",),
    ),
    _statement(
        "N-point Hörmander condition",
        "Corollary",
        1,
        "Controllability of the stacked system",
        r"For $m \ge 2$ and $\Omega$ open and connected, the $N$ stacked copies of (*) on "
        r"$\bar\Omega = \Omega^N \setminus \Delta$ (pairwise distinct $N$-tuples, a connected set) are "
        r"controllable, by the Chow–Rashevskii theorem, if the $N$-point Hörmander condition "
        r"$\mathrm{Lie}(V_1^{\oplus N}, \dots, V_d^{\oplus N})|_{\bar x} = (\mathbb{R}^m)^N$ holds at every "
        r"$\bar x \in \bar\Omega$.",
        implemented_by=("mathdnn_core.symbolic.controlled_odes.evaluation_rank",),
        errata=(
            _erratum(
                "error",
                "statement",
                r"\text{By the Chow-Rashevskii theorem, controllability holds true provided that the N-point "
                r"H\"ormander condition [\dots] holds at every } \bar{x} \in \bar{\Omega}",
                r"only when \bar\Omega is connected, e.g. m \geq 2 and \Omega connected: for m = 1, \Omega^N "
                r"\setminus \Delta falls apart into the N! orderings of the points, which a flow on \mathbb{R} "
                r"never changes, whatever the fields (uniqueness of solutions), so x_1 < x_2 cannot be sent to "
                r"y_1 > y_2 even where the N-point condition holds. The next slide excludes m = 1 for this reason",
            ),
        ),
        checked_by=(
            _T + "test_n_point_hoermander_rank_at_distinct_points",
            _T + "test_flows_on_the_line_keep_the_order_of_points",
        ),
        uses=("Chow–Rashevskii theorem", "Lie bracket", "Universal N-point interpolator"),
    ),
    _statement(
        "Five-field interpolation theorem",
        "Theorem",
        1,
        "First result: five vector fields interpolate",
        r"For $m \ge 2$ and a bounded open connected $\Omega \subseteq \mathbb{R}^m$ there are $d = 5$ smooth bounded "
        r"fields such that (*) is a universal $N$-point interpolator in $\Omega$ for every $N$ ($m = 1$ is not "
        r"covered); the sketch's $Ax, Bx$ (traceless), $e_m$, $((x^m)^2, 0, \dots, 0)$, $x^m x$ generate every "
        r"polynomial vector field (times a cutoff equal to 1 near $\bar\Omega$ they are bounded).",
        implemented_by=(
            "mathdnn_core.polynomial_fields.five_fields",
            "mathdnn_core.symbolic.controlled_odes.five_fields_expr",
            "mathdnn_core.symbolic.controlled_odes.lie_algebra_basis",
        ),
        checked_by=(
            _T + "test_five_fields_generate_all_polynomial_fields_up_to_degree_4",
            _T + "test_five_fields_match_sympy",
            _T + "test_fit_controls_interpolates_distinct_points",
        ),
        uses=("N-point Hörmander condition", "Chow–Rashevskii theorem", "Lie bracket"),
    ),
    _statement(
        "Generic interpolation theorem",
        "Theorem",
        1,
        "Main result: random polynomial fields interpolate generically",
        r"Let $d \ge 5$ polynomial fields of degree $\le k$ ($k \ge 2$; $D_k = m\binom{m+k}{m}$ coefficients each) "
        r"have coefficients $(c_1, \dots, c_d) = Q(Z)$, $Q$ polynomial. If $Z$ has a density on $\mathbb{R}^l$, "
        r"$Q(\hat z)$ gives the five fields of the first result for some $\hat z$, and the inputs are drawn from a "
        r"density on $\Omega^N$ (outputs pairwise distinct), then with probability one there are controls and "
        r"$\lambda > 0$ with $y_i = \lambda(X_1^{x_i} - x_i)$ for all $i$.",
        implemented_by=(
            "mathdnn_core.polynomial_fields.monomial_exponents",
            "mathdnn_core.polynomial_fields.polynomial_dimension",
            "mathdnn_core.polynomial_fields.PolynomialVectorFields",
            "mathdnn_core.symbolic.controlled_odes.polynomial_fields_expr",
            "mathdnn_core.symbolic.controlled_odes.polynomial_dimension_count",
        ),
        errata=(
            _erratum(
                "extraction",
                "statement",
                r"\text{Assume that (1) the law of } Z \text{ admits a probability density on } \mathbb{R}^l; "
                r"\text{ Solution the training data set is generic [\dots]}",
                r"a hypothesis is missing: for some \hat z, Q(\hat z) are the coefficients of the five fields of the "
                r"first result. Without it the theorem is false (Q giving constant fields only: every point moves by "
                r"the same vector, so distinct y_i cannot all equal \lambda(X_1^{x_i} - x_i)). The proof's 'Here "
                r"Condition (2) is needed' and the Corollary's hypothesis 2 show the slide had it: the list was "
                r"likely garbled by the extraction ('Solution')",
            ),
            _erratum(
                "typo",
                "statement",
                r"\text{Example: Let } l = (D_k)^5 \text{ and } Q \text{ be the identity map}",
                r"l = 5 D_k: Q is the identity of (\mathbb{R}^{D_k})^5, which has dimension 5 D_k (60 for m = k = 2), "
                r"not (D_k)^5 (248832)",
            ),
        ),
        checked_by=(
            _T + "test_polynomial_dimension_counts_coefficients",
            _T + "test_random_polynomial_fields_satisfy_n_point_hoermander",
            _T + "test_constant_fields_cannot_interpolate",
        ),
        uses=("Five-field interpolation theorem", "N-point Hörmander condition", "Chow–Rashevskii theorem"),
    ),
    _statement(
        "Random-vector-field corollary",
        "Corollary",
        1,
        "Concrete example of network type: seven random fields",
        r"$d = 7$ fields $V_i(x) = \sigma_i(C_i x + b_i)$ with random $C_i \in \mathbb{R}^{m \times m}$, "
        r"$b_i \in \mathbb{R}^m$ and polynomial $\sigma_i$ with coefficients polynomial in a random $Z_0$: if "
        r"$(Z_0, C, b)$ has a joint density, $\sigma_i(r) = r$ ($i \le 3$) and $r^2$ ($i \ge 4$) at some "
        r"$\hat z_0$ in the support of $Z_0$, and the data are generic, then with probability one (**) is a "
        r"universal interpolator.",
        implemented_by=(
            "mathdnn_core.controlled_odes.RandomVectorFields",
            "mathdnn_core.controlled_odes.random_vector_fields",
            "mathdnn_core.controlled_odes.reference_coefficients",
            "mathdnn_core.symbolic.controlled_odes.random_fields_expr",
        ),
        checked_by=(
            _T + "test_random_fields_match_sympy",
            _T + "test_random_fields_reduce_to_r_and_r_squared_at_the_reference_value",
            _T + "test_random_fields_satisfy_n_point_hoermander",
            _T + "test_random_fields_interpolate_with_lambda_readout",
        ),
        uses=("Generic interpolation theorem",),
    ),
    _statement(
        "Consequences for training",
        "Claim",
        1,
        "M Euler steps, d random fields: M d + 1 trained parameters",
        r"Replacing (*) by $M$ Euler steps gives a network of depth $M$; with $d$ fields chosen at random and "
        r"fixed, the trained parameters are the $M d$ controls and $\lambda$: $M d + 1$, far fewer than the "
        r"parameters that specify the fields (illustrated on MNIST).",
        implemented_by=(
            "mathdnn_core.lecture_networks.RandomFieldClassifier",
            "mathdnn_core.lecture_networks.build_random_field_classifier",
            "mathdnn_core.lecture_networks.init_controls",
            "mathdnn_core.lecture_networks.fit_random_fields",
        ),
        checked_by=(
            _T + "test_classifier_trains_exactly_md_plus_one_parameters",
            _T + "test_classifier_gradients_match_central_differences",
        ),
        uses=("Random-vector-field corollary", "Residual network"),
    ),
    # ----------------------------------------------------------------------------------------- Part II (section 2)
    _statement(
        "Supervised learning problem",
        "Definition",
        2,
        "Supervised learning with neural networks",
        r"Given $(x_i, y_i)$, $x_i \in \mathbb{R}^m$, $y_i \in \mathbb{R}^d$, find $g$ in a class $NN_\Theta$ of "
        r"networks $\mathbb{R}^m \to \mathbb{R}^{\tilde d}$ making $\sum_{i=1}^N \mathcal{L}(g(x_i), y_i)$ as small as "
        r"possible, $\mathcal{L}: \mathbb{R}^{\tilde d} \times \mathbb{R}^d \to \mathbb{R}_+$; the infimum over "
        r"$\theta$ need not be attained.",
        errata=(
            _erratum(
                "error",
                "statement",
                r"\mathcal{L} \text{ is a loss function: } C(\mathbb{R}^m, \mathbb{R}^d) \times \mathbb{R}^d "
                r"\to \mathbb{R}_+",
                r"\mathcal{L}: \mathbb{R}^{\tilde d} \times \mathbb{R}^d \to \mathbb{R}_+: \mathcal{L} is applied to "
                r"the output g(x_i) \in \mathbb{R}^{\tilde d}, not to the function g (whose outputs are in "
                r"\mathbb{R}^{\tilde d}, not \mathbb{R}^d: \tilde d = 10, d = 1 for MNIST). A loss of (g, y_i) "
                r"would not see which input goes with which label",
            ),
            _erratum(
                "error",
                "statement",
                r"g \in \operatorname{argmin}_{NN_\Theta} \sum_{i=1}^N \mathcal{L}(g(x_i), y_i)",
                r"\inf: the argmin can be empty. With the MNIST cross-entropy, parameters that classify every sample "
                r"correctly, scaled by t \to \infty, drive the objective to 0, which no network attains (every "
                r"softmax probability is < 1): a linear readout on separable data has no minimiser",
            ),
        ),
        checked_by=(_T + "test_objective_pairs_each_input_with_its_label", _T + "test_separable_data_has_no_minimiser"),
    ),
    _statement(
        "Loss examples",
        "Example",
        2,
        "MNIST cross-entropy and L2 regression",
        r"MNIST: $x \in \mathbb{R}^{28 \times 28}$, $y \in \{0, \dots, 9\}$ ($d = 1$), $\tilde d = 10$ and "
        r"$\mathcal{L}(g(x), y) = -\sum_{k=1}^{10} 1_{\{y = k-1\}} \log(g(x)_k)$ for probabilities $g(x)$; "
        r"regression: $\mathcal{L}(g(x), y) = \|g(x) - y\|^2$ with $\tilde d = d$.",
        implemented_by=(
            "mathdnn_core.lecture_networks.classifier_loss_and_gradients",
            "mathdnn_core.symbolic.lecture_backprop.mnist_loss_printed",
        ),
        errata=(
            _erratum(
                "error",
                "statement",
                r"\mathcal{L}(g(x), y) = \sum_{k=1}^{10} \mathbb{1}_{\{y=k-1\}} \log((g(x))_k)",
                r"-\sum_{k=1}^{10} \mathbb{1}_{\{y=k-1\}} \log((g(x))_k): for probabilities g(x)_k \in ]0, 1[ the "
                r"printed sum is < 0, outside the \mathbb{R}_+ of the loss, and minimising it drives the probability "
                r"of the true class to 0",
            ),
            _erratum(
                "extraction",
                "statement",
                r"\text{Here the output dimension of the neural network } d \text{ is equal to } d.",
                r"\tilde d \text{ is equal to } d: the tilde, used two lines above, was likely lost by the extraction",
            ),
        ),
        checked_by=(_T + "test_mnist_loss_is_the_cross_entropy", _T + "test_l2_loss_is_twice_the_half_squared_error"),
        uses=("Supervised learning problem",),
    ),
    _statement(
        "Gradient descent",
        "Definition",
        2,
        "Gradient descent, the simplest method",
        r"$\nabla F(\theta) = (\partial_{\theta_1}F(\theta), \dots, \partial_{\theta_M}F(\theta))$ and, from an "
        r"initial guess $\theta^{(0)}$, $\theta^{(k+1)} = \theta^{(k)} - \eta_k \nabla F(\theta^{(k)})$.",
        checked_by=(_T + "test_gradient_descent_steps_by_hand",),
    ),
    _statement(
        "Gradient descent convergence theorem",
        "Theorem",
        2,
        "Classical convergence result: O(1/k)",
        r"If $F: \mathbb{R}^M \to \mathbb{R}$ is convex and differentiable with an $L$-Lipschitz gradient, gradient "
        r"descent with a fixed step $\eta \le 1/L$ gives $F(\theta^{(k)}) - F(\theta^*) \le "
        r"\|\theta^{(0)} - \theta^*\|^2/(2\eta k)$ for a minimiser $\theta^*$ (the proof gives it for every "
        r"$\theta^*$): the rate $O(1/k)$.",
        implemented_by=("mathdnn_core.lecture_networks.gradient_descent_bound",),
        checked_by=(_T + "test_gradient_descent_bound_holds", _T + "test_gradient_descent_bound_without_minimiser"),
        uses=("Gradient descent",),
    ),
    _statement(
        "Back-propagation",
        "Proposition",
        2,
        "Back-propagation: output and second-last layers",
        r"For $z_t = A_t x(t-1) + b_t$, $x(t) = \sigma(z_t)$, $g = z_{n+1}$: "
        r"$\partial_{A_t,kl}\mathcal{L} = \langle \partial_g\mathcal{L}, \partial_{A_t,kl}\, g\rangle$; "
        r"$\partial_{A_{n+1},kl}\mathcal{L} = (\partial_g\mathcal{L})_k\, x(n)_l$, "
        r"$\partial_{b_{n+1},k}\mathcal{L} = (\partial_g\mathcal{L})_k$; with "
        r"$\mathcal{L}(g, y) = \mathcal{L}(A_{n+1}x(n) + b_{n+1}, y)$, "
        r"$\partial_{A_n,kl}\mathcal{L} = \langle A_{n+1}^T\partial_g\mathcal{L}, "
        r"\mathrm{diag}(\sigma'(z_n))\, \partial_{A_n,kl} z_n\rangle$.",
        implemented_by=(
            "mathdnn_core.controlled_odes.flow_vjp",
            "mathdnn_core.controlled_odes.flow_adjoint",
            "mathdnn_core.lecture_networks.classifier_loss_and_gradients",
            "mathdnn_core.symbolic.lecture_backprop.LectureNetwork",
            "mathdnn_core.symbolic.lecture_backprop.gradient_by_differentiation",
            "mathdnn_core.symbolic.lecture_backprop.hidden_layer_gradient_lecture",
            "mathdnn_core.symbolic.lecture_backprop.lecture_network_expr",
            "mathdnn_core.symbolic.lecture_backprop.loss_with_hidden_bias_printed",
            "mathdnn_core.symbolic.lecture_backprop.output_layer_gradient_literal",
            "mathdnn_core.symbolic.lecture_backprop.output_layer_gradients_lecture",
        ),
        errata=(
            _erratum(
                "error",
                "statement",
                r"\partial_{A_n,kl}\mathcal{L} = \langle \partial_{x(n)}\mathcal{L}, \partial_{A_n,kl}x(n) \rangle = "
                r"\langle A_{n+1}\partial_g \mathcal{L}, \partial_{A_n,kl}x(n) \rangle",
                r"\langle A_{n+1}^T \partial_g \mathcal{L}, \partial_{A_n,kl}x(n) \rangle: \partial_{x(n)}\mathcal{L} "
                r"= A_{n+1}^T \partial_g\mathcal{L} \in \mathbb{R}^m; A_{n+1} \partial_g\mathcal{L} does not even "
                r"conform when \tilde d \ne m, and when \tilde d = m it is another vector",
            ),
            _erratum(
                "typo",
                "statement",
                r"\mathcal{L}(g, y) = \mathcal{L}(z_{n+1}, y) = \mathcal{L}(A_{n+1}x(n) + b_n, y)",
                r"\mathcal{L}(A_{n+1}x(n) + b_{n+1}, y): the readout's bias is b_{n+1}, as one line above",
            ),
            _erratum(
                "extraction",
                "statement",
                r"\partial_{A_{n+1},kl}\mathcal{L}(g(x|\theta), y) = (\partial_g \mathcal{L}(g(x|\theta))y)_k "
                r"(\sigma(A_n(\cdots) + b_n))_l",
                r"(\partial_g \mathcal{L}(g(x|\theta), y))_k\, x(n)_l: read literally, the gradient is multiplied by "
                r"the label y; the misplaced parenthesis (also in the bias line) may be the extraction's",
            ),
        ),
        checked_by=(
            _T + "test_lecture_backprop_formulas_hold_for_every_activation",
            _T + "test_lecture_backprop_matches_network_gradients",
        ),
        uses=("Supervised learning problem", "Gradient descent"),
    ),
)

NOTATIONS: tuple = ()

CONVENTIONS: tuple[Convention, ...] = (
    Convention(
        "Euler steps of size 1/M",
        ("Residual network", "Consequences for training"),
        r"The residual network $x(t) = x(t-1) + V(x(t-1), \theta_t)$ takes steps of size 1 (the layer index is "
        r"the time, up to $n$), while the ODE it discretises runs on $t \in [0, 1]$.",
        r"Neural-ODE texts (E 2017; Chen et al. 2018) write $x(t) = x(t-1) + h\,V(x(t-1), \theta_t)$ with "
        r"$h = T/M$; ResNets (He et al. 2015) have no $h$.",
        r"$V = \sum_i u^i V_i$ is linear in the controls, so the factor is absorbed in them: controls for steps "
        r"of size 1 are those for steps $1/M$ divided by $M$. The package steps by $1/M$, so that $M \to \infty$ "
        r"approximates $X_1$ and Euler's order can be measured.",
        _NB,
        DOCUMENT,
    ),
    Convention(
        "Vectors are columns: A_t x + b_t",
        ("Feedforward neural network", "Random-vector-field corollary", "Back-propagation"),
        r"The lecture writes vectors as columns: $\ell_t(x) = \sigma(A_t x + b_t)$, $V_i(x) = \sigma_i(C_i x + b_i)$,"
        r" $DW(x)V(x)$.",
        r"The paper (Convention 2) and PyTorch's `nn.Linear` use rows, $x W^T + b$; most textbooks use columns.",
        r"The same numbers: the package stores a batch as rows `(n, m)` and computes $\sigma(X C_i^T + b_i)$ with "
        r"$C_i$ of shape (out, in), like the paper's $W$; Jacobians are the lecture's $DV(x)$.",
        _NB,
        DOCUMENT,
    ),
    Convention(
        "The sign of the Lie bracket",
        ("Lie bracket", "Flow commutator"),
        r"$[V, W] = DW\,V - DV\,W$, the convention of differential geometry ($[V, W]f = V(Wf) - W(Vf)$ for "
        r"fields acting on functions).",
        r"Some control texts use $DV\,W - DW\,V$, for which linear fields give the matrix commutator "
        r"$[Ax, Bx] = (AB - BA)x$ — the sign the lecture's own examples use.",
        r"Every bracket changes sign; the Lie algebra, the Hörmander condition and the Chow–Rashevskii theorem do "
        r"not depend on it. The package and its SymPy twin use the printed definition.",
        _NB,
        DOCUMENT,
    ),
    Convention(
        "The objective is a sum; training steps use the mean",
        ("Supervised learning problem", "Consequences for training"),
        r"$F(\theta) = \sum_{i=1}^N \mathcal{L}(g(x_i|\theta), y_i)$.",
        r"PyTorch's and Keras' losses average over the batch by default.",
        r"The random-field network is trained on the mean over a minibatch, which estimates $F/N$: a learning "
        r"rate for the sum is $N$ times smaller.",
        _NB,
        DOCUMENT,
    ),
)
