r"""The paper's catalogue, as data: its 36 numbered statements, the errata of each, the Notations with errata,
and the conventions it declares.

"MathDNN - A deep mathematical understanding of DNNs" (J. Jiang, A. Jiang, version 0.00, February 2022) numbers
36 statements: 15 Definitions, 16 Propositions, Theorem 1.3, Assumption 1 and three unnumbered Corollaries,
catalogued as ``"Corollary of Definition 1.2"``, ``"Corollary of Definition 5.1"`` and
``"Corollary of Definition 5.2"``.

Each erratum was checked against the text as printed (our copy is a PDF text extraction, ``seeds/000_*.txt``) and
graded (:data:`mathdnn_core.paper.records.ERRATUM_KINDS`); each is refuted on values in the notebook it names.
What the paper *chooses* — Assumption 1's derivative at 0, the momentum recursion, the mean over a batch — is
not an erratum: it is listed in :data:`CONVENTIONS`, beside what other sources choose. Where one cause makes
several later statements need the same extra hypothesis (Softmax needs m >= 2, ReLU's kink), the erratum is
recorded once, where the cause is, and the later statements carry the hypothesis in their corrected reading.
"""

from __future__ import annotations

from .records import Convention, Erratum, Notation, Statement

DOCUMENT = "mathdnn"

_PKG = "mathdnn_core"
_TD = "tests/test_differentials.py::"
_TN = "tests/test_network.py::"
_TO = "tests/test_optim.py::"
_NB1, _NB2, _NB3 = "01_differentials.ipynb", "02_activations.ipynb", "03_loss.ipynb"
_NB6 = "06_gradient_descent.ipynb"


def _names(module: str, *names: str) -> tuple[str, ...]:
    return tuple(f"{_PKG}.{module}.{name}" for name in names)


def _statement(sid: str, title: str, statement: str, **fields) -> Statement:
    """A statement whose kind, number and section are read off its id (``"Proposition 5.3"``)."""
    words = sid.split()
    kind, number = words[0], words[-1]
    return Statement(sid, kind, number, int(number.split(".")[0]), title, statement, document=DOCUMENT, **fields)


def _recursion_index(printed: str, notebook: str | None = None) -> Erratum:
    """Definitions 6.4-6.7 run their recursions over n in N*, which never defines the first iterate."""
    return Erratum(
        "typo",
        "statement",
        printed + r" \quad n \in \mathbb{N}^*",
        r"n \in \mathbb{N}: the case n = 0 only gives the starting point, so with n \in \mathbb{N}^* the first "
        r"iterate (index 1) is never defined and the recursion cannot start",
        notebook,
    )


def _shifted_shapes(printed: str) -> Erratum:
    return Erratum(
        "notation",
        "statement",
        printed,
        r"(W^{(k)(0)}, b^{(k)(0)}) \in \mathcal{M}_{m_k,m_{k-1}} \times \mathbb{R}^{m_k}: Definition 5.1 gives "
        r"W^{(k)} the shape (m_k, m_{k-1}) (it maps \mathbb{R}^{m_{k-1}} to \mathbb{R}^{m_k}); §6 shifts every "
        r"width index by one, and for k = p names an m_{p+1} that does not exist: with Definition 5.1's widths the "
        r"printed shapes do not conform",
        _NB6,
    )


def _w_of_w(printed_in: str) -> Erratum:
    return Erratum(
        "extraction",
        "statement",
        r"(W^{(W)(n)})_{k \in [\![1,p]\!]}" + printed_in,
        r"(W^{(k)(n)})_{k \in [\![1,p]\!]}: the family is indexed by k. The printed index names nothing and has no "
        r"value to compare; whether the slip is the paper's or our PDF extraction's cannot be told from our copy",
        _NB6,
    )


def _bias_gradient(printed: str, notebook: str | None = None) -> Erratum:
    return Erratum(
        "notation",
        "statement",
        printed,
        r"\nabla_{\mathcal{O}_{c^+}(\dots, \cdot, \dots)}(b^{(k)(n)}) \in \mathbb{R}^{m_k}, the gradient of "
        r"Definition 1.2 (a row): Notation 17's \widetilde{\nabla} stacks the gradients with respect to the rows "
        r"W^{(k)}_{i^*,:} of a weight matrix and is defined for the weights only; stacked over the scalar "
        r"entries b_{i^*} it would be a column",
        notebook,
    )


_JOINT_DIFFERENTIABILITY = (
    r"the proof composes the maps \mathbb{L}^{(k)}(\cdot, W^{(k)}, b^{(k)}) of Definition 5.1, which are maps of "
    r"the input only; differentiability in the parameters needs \mathbb{L} differentiable jointly in "
    r"(y, W, b). Propositions 4.1-4.3 only give its partial Jacobians, and partial derivatives do not make a map "
    r"differentiable (f(u, v) = uv/(u^2+v^2), f(0,0) = 0, has both at 0 and is not even continuous there). The "
    r"missing step holds: \mathbb{L}(y+\delta y, W+\delta W, b+\delta b) - \mathbb{L}(y, W, b) - (\delta y\, W^T + "
    r"y\, \delta W^T + \delta b) = \delta y\, \delta W^T = o(\|(\delta y, \delta W, \delta b)\|)"
)

# ----------------------------------------------------------------------------------------------------------------
# The statements, in the order of the paper
# ----------------------------------------------------------------------------------------------------------------
STATEMENTS: tuple[Statement, ...] = (
    # ------------------------------------------------------------------------------------------------ Section 1
    _statement(
        "Definition 1.1",
        "Differentiability",
        r"$f: E \subseteq \mathbb{R}^n \to \mathbb{R}^m$ is differentiable on $E$ if at every $a \in \mathring{E}$ a "
        r"linear map $\partial f/\partial\cdot(a) \in \mathcal{L}(\mathbb{R}^n, \mathbb{R}^m)$ gives "
        r"$f(a+h) = f(a) + \partial f/\partial h(a) + o(\|h\|_n)$ as $h \to 0$.",
        implemented_by=_names("differentials", "linearization_remainder"),
        checked_by=(
            _TD + "test_definition_1_1_remainder_of_smooth_maps_is_little_o",
            _TD + "test_proposition_2_1_relu_is_not_differentiable_at_0",
        ),
    ),
    _statement(
        "Proposition 1.1",
        "Uniqueness of the differential; differentiable implies continuous",
        r"For $f \in \mathcal{D}(E,F)$ and $a \in \mathring{E}$ the differential $\partial f/\partial\cdot(a)$ is "
        r"unique, and $f$ is continuous on $\mathring{E}$.",
        errata=(
            Erratum(
                "error",
                "statement",
                r"\mathcal{D}(E, F) \subset \mathcal{C}(E, F)",
                r"every f \in \mathcal{D}(E, F) is continuous on \mathring{E}: Definition 1.1 says nothing at the "
                r"points of E \setminus \mathring{E} (on E = [0,1], f = \mathbb{1}_{\{0\}} is in "
                r"\mathcal{D}(E, \mathbb{R}) but not continuous at 0); the proof itself only treats a \in "
                r"\mathring{E}",
                _NB1,
            ),
        ),
        checked_by=(
            _TD + "test_proposition_1_1_differential_is_unique",
            _TD + "test_proposition_1_1_differentiable_implies_continuous",
        ),
        uses=("Definition 1.1",),
    ),
    _statement(
        "Definition 1.2",
        "Jacobian matrix",
        r"For $f = (f_1 \dots f_m) \in \mathcal{D}(E,F)$ each $f_i$ is differentiable and "
        r"$\mathcal{J}_f: \mathring{E} \to \mathcal{M}_{m,n}$, "
        r"$\mathcal{J}_f(a)_{i,j} = \partial f_i/\partial e_j(a)$; it is the gradient $\nabla_f$ when $m = 1$ and "
        r"the derivative $f'$ when $m = n = 1$.",
        implemented_by=_names("differentials", "numerical_jacobian"),
        errata=(
            Erratum(
                "notation",
                "statement",
                r"a \longmapsto \left[\frac{\partial f}{\partial e_{1}}(a) \quad \cdots \quad "
                r"\frac{\partial f}{\partial e_{n}}(a)\right]",
                r"a \longmapsto \left[\frac{\partial f}{\partial e_{1}}(a)^T \quad \cdots \quad "
                r"\frac{\partial f}{\partial e_{n}}(a)^T\right]: each \frac{\partial f}{\partial e_j}(a) is a "
                r"vector of \mathbb{R}^m, a row by Convention 2, and n rows side by side make a 1 \times mn row, "
                r"not the m \times n matrix on the right of (2); its columns are the transposed rows",
                _NB1,
            ),
            Erratum(
                "extraction",
                "statement",
                r"\frac{\partial f_{m}}{\partial a}(a) \quad \cdots \quad \frac{\partial f_{m}}{\partial a}(a) "
                r"\text{ (last row of (2))}",
                r"\frac{\partial f_m}{\partial e_1}(a) \quad \cdots \quad \frac{\partial f_m}{\partial e_n}(a), as in "
                r"the first row; the subscripts e_1, e_n read as a are likely a misreading of the PDF",
                _NB1,
            ),
        ),
        checked_by=(
            _TD + "test_numerical_jacobian_matches_sympy_jacobian",
            _TD + "test_finite_difference_orders_central_2_forward_1",
        ),
        uses=("Definition 1.1", "Proposition 1.1"),
    ),
    _statement(
        "Corollary of Definition 1.2",
        "The Jacobian is the matrix of the differential",
        r"$\mathcal{J}_f(a)$ is the canonical matrix of the differential: "
        r"$\partial f/\partial h(a) = h\,\mathcal{J}_f(a)^T$ for every $h \in \mathbb{R}^n$.",
        checked_by=(_TD + "test_corollary_of_definition_1_2_jacobian_is_matrix_of_differential",),
        uses=("Definition 1.2",),
    ),
    _statement(
        "Proposition 1.2",
        "Sum rule",
        r"$f, g \in \mathcal{D}(E,F) \Rightarrow g + f \in \mathcal{D}(E,\mathbb{R}^m)$ and "
        r"$\mathcal{J}_{g+f}(a) = \mathcal{J}_g(a) + \mathcal{J}_f(a) \in \mathcal{M}_{m,n}$.",
        implemented_by=_names("differentials", "sum_jacobian"),
        errata=(
            Erratum(
                "error",
                "statement",
                r"\mathcal{J}_{g+f} : \mathring{E} \longrightarrow F",
                r"\mathcal{J}_{g+f} : \mathring{E} \longrightarrow \mathcal{M}_{m,n}: the value is an m \times n "
                r"matrix, not a point of F \subseteq \mathbb{R}^m",
                _NB1,
            ),
            Erratum(
                "error",
                "statement",
                r"g + f \in \mathcal{D}(E, F)",
                r"g + f \in \mathcal{D}(E, \mathbb{R}^m): F need not be closed under addition "
                r"(F = ]0,1[, f = g = 0.6 gives g + f = 1.2 \notin F)",
                _NB1,
            ),
        ),
        checked_by=(_TD + "test_proposition_1_2_sum_rule",),
        uses=("Definition 1.1", "Proposition 1.1", "Corollary of Definition 1.2"),
    ),
    _statement(
        "Theorem 1.3",
        "Chain rule",
        r"$f \in \mathcal{D}(E,F)$, $g \in \mathcal{D}(F,G)$ with $f(\mathring{E}) \subseteq \mathring{F}$ "
        r"$\Rightarrow g \circ f \in \mathcal{D}(E,G)$ and "
        r"$\mathcal{J}_{g \circ f}(a) = \mathcal{J}_g(f(a))\,\mathcal{J}_f(a) \in \mathcal{M}_{p,n}$.",
        implemented_by=_names("differentials", "chain_jacobian", "compose_jacobians"),
        errata=(
            Erratum(
                "error",
                "statement",
                r"\mathcal{J}_{g \circ f} : \mathring{E} \longrightarrow G",
                r"\mathcal{J}_{g \circ f} : \mathring{E} \longrightarrow \mathcal{M}_{p,n}",
                _NB1,
            ),
            Erratum(
                "error",
                "statement",
                r"f \in \mathcal{D}(E, F),\ g \in \mathcal{D}(F, G) \Longrightarrow g \circ f \in \mathcal{D}(E, G)",
                r"also needs f(\mathring{E}) \subseteq \mathring{F}, i.e. g differentiable at every f(a): with "
                r"F = [0, +\infty[, f(x) = x^2 \in \mathcal{D}(\mathbb{R}, F) and g = \sqrt{\cdot} \in "
                r"\mathcal{D}(F, \mathbb{R}) (Definition 1.1 only asks for differentiability on ]0, +\infty[), "
                r"g \circ f = |\cdot| is not differentiable at 0",
                _NB1,
            ),
            Erratum(
                "typo",
                "proof",
                r"\frac{\partial g}{\partial \cdot}(a) \in \mathcal{L}(\mathbb{R}^m, \mathbb{R}^p), "
                r"\frac{\partial g}{\partial \cdot}(a) \in \mathcal{C}(\mathbb{R}^m, \mathbb{R}^p) "
                r"\text{ (justifications of the 3rd and 4th equalities)}",
                r"\frac{\partial g}{\partial \cdot}(f(a)): the differential of g is taken at f(a), not at a",
                _NB1,
            ),
            Erratum(
                "error",
                "proof",
                r"= \underset{\frac{\partial f}{\partial \cdot}(a) \in \mathcal{C}(\mathbb{R}^n, \mathbb{R}^m), "
                r"\frac{\partial f}{\partial 0_{\mathbb{R}^n}}(a) = 0_{\mathbb{R}^m}}{\ldots} + "
                r"\underset{h \to 0}{o}(\|h\|_n)",
                r"absorbing o(\|\partial f/\partial h(a) + o(\|h\|_n)\|_m) into o(\|h\|_n) needs the bound "
                r"\|\partial f/\partial h(a)\|_m \leq \|\mathcal{J}_f(a)\| \|h\|_n (a linear map of \mathbb{R}^n is "
                r"bounded), not only continuity and \partial f/\partial 0(a) = 0: for the continuous \phi(h) = "
                r"|h|^{1/2} with \phi(0) = 0 and the remainder r(u) = |u|^{3/2} = o(|u|), r(\phi(h)) = |h|^{3/4} is "
                r"not o(|h|); the same holds for the step justified by the continuity of "
                r"\partial g/\partial \cdot(f(a))",
                _NB1,
            ),
        ),
        checked_by=(
            _TD + "test_theorem_1_3_chain_rule_dense_relu_dense",
            _TD + "test_theorem_1_3_compose_jacobians_smooth_chain",
        ),
        uses=("Definition 1.1", "Proposition 1.1", "Corollary of Definition 1.2"),
    ),
    _statement(
        "Assumption 1",
        "Derivative of max(0, .) (a convention)",
        r"$\max(0,\cdot)$ is treated as differentiable on $\mathbb{R}$ with "
        r"$\max(0,\cdot)'(x) = \mathbb{1}_{\mathbb{R}^{+*}}(x)$, i.e. the value 0 at 0; the paper's note says it is "
        r"not differentiable at 0.",
        implemented_by=_names("activations", "relu_derivative"),
        checked_by=(_TD + "test_proposition_2_1_relu_is_not_differentiable_at_0",),
    ),
    # ------------------------------------------------------------------------------------------------ Section 2
    _statement(
        "Definition 2.1",
        "ReLU",
        r"$\mathcal{R}: \mathbb{R}^m \to \mathbb{R}^m$, $z \mapsto [\max(0, z_1) \cdots \max(0, z_m)]$ (a row).",
        implemented_by=_names("activations", "relu"),
        checked_by=(
            "tests/test_activations.py::test_relu_value_vs_sympy",
            "tests/test_activations.py::test_relu_derivative_is_zero_at_zero_and_at_negatives",
        ),
        errata=(
            Erratum(
                "notation",
                "statement",
                r"z \longmapsto \begin{bmatrix} max(0, z_1) \\ \vdots \\ max(0, z_m) \end{bmatrix}",
                r"z \longmapsto \begin{bmatrix} max(0, z_1) & \cdots & max(0, z_m) \end{bmatrix}: "
                r"Convention 2 makes vectors rows, and the next layer multiplies \mathcal{R}(z) W^T, which needs a row",
                _NB2,
            ),
        ),
    ),
    _statement(
        "Proposition 2.1",
        "Jacobian of ReLU",
        r"Under Assumption 1, $\mathcal{J}_{\mathcal{R}}(z) = \mathrm{diag}(\mathbb{1}_{\mathbb{R}^{+*}}(z_1), "
        r"\dots, \mathbb{1}_{\mathbb{R}^{+*}}(z_m))$ (a true Jacobian where every $z_i \neq 0$).",
        implemented_by=_names("activations", "relu_jacobian"),
        checked_by=(_TD + "test_proposition_2_1_relu_is_not_differentiable_at_0",),
        uses=("Definition 2.1", "Assumption 1", "Definition 1.2"),
    ),
    _statement(
        "Definition 2.2",
        "Softmax",
        r"$\mathcal{S}: \mathbb{R}^m \to\ ]0,1[^m$ ($m \geq 2$), "
        r"$\mathcal{S}(z)_i = e^{z_i} / \sum_{k=1}^m e^{z_k}$ (a row).",
        implemented_by=_names("activations", "softmax", "log_softmax"),
        errata=(
            Erratum(
                "error",
                "statement",
                r"\mathscr{S} : \mathbb{R}^m \longrightarrow ]0,1[^m",
                r"\mathscr{S} : \mathbb{R}^m \longrightarrow ]0,1[^m for m \geq 2 only: for m = 1, "
                r"\mathscr{S} \equiv 1 \notin ]0,1[. Every later statement that composes the cross-entropy with "
                r"\mathscr{S} (Propositions 2.2 and 5.3, Definitions 5.1 and 5.2) inherits the hypothesis m \geq 2 "
                r"(m_p \geq 2)",
                _NB2,
            ),
            Erratum(
                "notation",
                "statement",
                r"z \longmapsto \begin{bmatrix} \frac{e^{z_1}}{\sum_{k=1}^m e^{z_k}} \\ \vdots \\ "
                r"\frac{e^{z_m}}{\sum_{k=1}^m e^{z_k}} \end{bmatrix}",
                r"z \longmapsto \begin{bmatrix} \frac{e^{z_1}}{\sum_k e^{z_k}} & \cdots & "
                r"\frac{e^{z_m}}{\sum_k e^{z_k}} \end{bmatrix}: a row, by Convention 2",
                _NB2,
            ),
        ),
        checked_by=(_TN + "test_jacobian_route_needs_two_classes",),
    ),
    _statement(
        "Proposition 2.2",
        "Jacobian of Softmax",
        r"$\mathcal{S} \in \mathcal{D}(\mathbb{R}^m, ]0,1[^m)$ ($m \geq 2$) with "
        r"$\mathcal{J}_{\mathcal{S}}(z)_{i,j} = \mathcal{S}_i(z)\,(\delta_{i,j} - \mathcal{S}_j(z))$.",
        implemented_by=_names("activations", "softmax_jacobian", "softmax_vjp"),
        checked_by=(
            "tests/test_activations.py::test_softmax_jacobian_vs_sympy",
            "tests/test_activations.py::test_softmax_jacobian_vs_central_differences",
        ),
        uses=("Definition 2.2", "Definition 1.2"),
    ),
    # ------------------------------------------------------------------------------------------------ Section 3
    _statement(
        "Definition 3.1",
        "Categorical cross-entropy",
        r"$\xi: ]0,1[^m \times \{0,1\}^m \to \mathbb{R}$, $(y, y^*) \mapsto -\sum_{k=1}^m y^*_k \log(y_k)$.",
        implemented_by=_names("losses", "cross_entropy"),
        checked_by=(
            "tests/test_losses.py::test_cross_entropy_value_vs_sympy",
            "tests/test_losses.py::test_cross_entropy_from_logits_vs_sympy_and_mpmath",
        ),
    ),
    _statement(
        "Proposition 3.1",
        "Gradient of the cross-entropy",
        r"For $y^* \in \{0,1\}^m$, $\xi(\cdot, y^*) \in \mathcal{D}(]0,1[^m, \mathbb{R})$ with "
        r"$\nabla_{\xi(\cdot,y^*)}(y) = -[y^*_1/y_1 \cdots y^*_m/y_m] \in \mathbb{R}^m$.",
        implemented_by=_names("losses", "cross_entropy_gradient"),
        checked_by=(
            "tests/test_losses.py::test_cross_entropy_gradient_vs_sympy",
            "tests/test_losses.py::test_cross_entropy_gradient_vs_central_differences",
        ),
        errata=(
            Erratum(
                "error",
                "statement",
                r"\nabla_{\xi(\cdot,y^*)} : ]0,1[^m \longrightarrow \mathbb{R}",
                r"\nabla_{\xi(\cdot,y^*)} : ]0,1[^m \longrightarrow \mathbb{R}^m: the gradient of a map of m "
                r"variables is a row of m entries",
                _NB3,
            ),
            Erratum(
                "typo",
                "proof",
                r"\text{Let } j \in [\![1, m]\!] \ldots \frac{\partial \xi(\cdot, y^*)}{\partial e_i}(y) "
                r"= -\frac{y^*_j}{y_i}",
                r"\frac{\partial \xi(\cdot, y^*)}{\partial e_j}(y) = -\frac{y^*_j}{y_j}",
                _NB3,
            ),
        ),
        uses=("Definition 3.1", "Definition 1.2"),
    ),
    # ------------------------------------------------------------------------------------------------ Section 4
    _statement(
        "Definition 4.1",
        "Dense layer",
        r"$\mathbb{L}: \mathbb{R}^n \times \mathcal{M}_{m,n} \times \mathbb{R}^m \to \mathbb{R}^m$, "
        r"$(y, W, b) \mapsto y W^T + b$.",
        implemented_by=_names("layers", "check_dense_parameters", "dense"),
        checked_by=(
            "tests/test_layers.py::test_dense_value_vs_sympy",
            "tests/test_layers.py::test_property_dense_and_vjp_vs_exact_arithmetic",
        ),
    ),
    _statement(
        "Proposition 4.1",
        "Jacobian of the dense layer with respect to its input",
        r"$\mathbb{L}(\cdot, W, b) \in \mathcal{D}(\mathbb{R}^n, \mathbb{R}^m)$ with "
        r"$\mathcal{J}_{\mathbb{L}(\cdot,W,b)}(y) = W \in \mathcal{M}_{m,n}$.",
        implemented_by=_names("layers", "dense_jacobian_input"),
        checked_by=(
            "tests/test_layers.py::test_dense_jacobians_vs_sympy",
            "tests/test_layers.py::test_dense_jacobians_vs_central_differences",
        ),
        uses=("Definition 4.1", "Definition 1.2"),
    ),
    _statement(
        "Proposition 4.2",
        "Jacobian of the dense layer with respect to a weight row",
        r"For each $i^* \in [\![1,m]\!]$, $\mathbb{L}$ as a function of the row $W_{i^*,:} \in \mathbb{R}^n$ is "
        r"differentiable with Jacobian in $\mathcal{M}_{m,n}$ equal to $y$ in row $i^*$ and 0 elsewhere.",
        implemented_by=_names("layers", "dense_jacobian_weight_row", "dense_jacobian_weights"),
        errata=(
            Erratum(
                "extraction",
                "statement",
                r"\mathbb{L}(y,w^{(1)},\ldots,w^{(i^*-1)},\underbrace{}_{\text{at index }i^*},w^{(i^*)},\ldots,"
                r"w^{(m-1)},b) \in \mathcal{D}(\mathbb{R}^n,\mathbb{R}^m) \text{ and jacobians are } i^*",
                r"\mathbb{L}(y, w^{(1)}, \ldots, w^{(i^*-1)}, \underbrace{\cdot}_{\text{at index } i^*}, w^{(i^*)}, "
                r"\ldots, w^{(m-1)}, b) \in \mathcal{D}(\mathbb{R}^n, \mathbb{R}^m) \text{ and jacobians are}: the "
                r"slot at index i^* holds the free argument (the row W_{i^*,:}), as the subscript of (9) prints it "
                r"and as Proposition 5.2 prints the same construction; the empty brace and the stray i^* are likely "
                r"lost in our PDF extraction, not in the paper",
                "04_layers.ipynb",
            ),
        ),
        checked_by=(
            "tests/test_layers.py::test_dense_jacobians_vs_sympy",
            "tests/test_layers.py::test_weight_jacobian_in_both_flattenings_vs_sympy_and_central_differences",
            "tests/test_symbolic.py::test_weight_jacobian_is_a_kronecker_product_in_general_dimension",
        ),
        uses=("Definition 4.1", "Definition 1.2"),
    ),
    _statement(
        "Proposition 4.3",
        "Jacobian of the dense layer with respect to the bias",
        r"$\mathbb{L}(y, W, \cdot) \in \mathcal{D}(\mathbb{R}^m, \mathbb{R}^m)$ with "
        r"$\mathcal{J}_{\mathbb{L}(y,W,\cdot)}(b) = I_m$.",
        implemented_by=_names("layers", "dense_jacobian_bias"),
        errata=(
            Erratum(
                "typo",
                "proof",
                r"\text{Let } i \in [\![1, m]\!], j \in [\![1, n]\!] \text{ and } b \in \mathbb{R}^m",
                r"j \in [\![1, m]\!]: b \in \mathbb{R}^m has m coordinates, and the Jacobian is m \times m",
                "04_layers.ipynb",
            ),
        ),
        checked_by=(
            "tests/test_layers.py::test_dense_jacobians_vs_sympy",
            "tests/test_symbolic.py::test_proposition_4_3_proof_range_is_refuted_on_values",
        ),
        uses=("Definition 4.1", "Definition 1.2"),
    ),
    # ------------------------------------------------------------------------------------------------ Section 5
    _statement(
        "Proposition 5.1",
        "Gradient through ReLU is a mask",
        r"For $\mathscr{F} \in \mathcal{D}(\mathbb{R}^m, \mathbb{R})$ and $y = \mathcal{R}(z)$, under Assumption 1: "
        r"$\nabla_{\mathscr{F} \circ \mathcal{R}}(z) = [\nabla_{\mathscr{F}}(y)_1 \mathbb{1}_{\mathbb{R}^{+*}}(z_1) "
        r"\cdots \nabla_{\mathscr{F}}(y)_m \mathbb{1}_{\mathbb{R}^{+*}}(z_m)]$: no matrix product needed.",
        implemented_by=_names("activations", "relu_vjp"),
        checked_by=(
            "tests/test_activations.py::test_relu_vjp_vs_v_times_jacobian_and_vs_sympy",
            "tests/test_activations.py::test_relu_vjp_is_the_gradient_of_v_dot_relu_by_central_differences",
            "tests/test_symbolic.py::test_propositions_5_1_and_5_2_hold_in_general_dimension_and_reject_a_wrong_entry",
        ),
        uses=("Theorem 1.3", "Proposition 2.1"),
    ),
    _statement(
        "Proposition 5.2",
        "Gradient through a dense layer with respect to a weight row",
        r"For $\mathscr{F} \in \mathcal{D}(\mathbb{R}^m, \mathbb{R})$ and $z = \mathbb{L}(y, \dots, w, \dots, b)$: "
        r"$\nabla_{\mathscr{F} \circ \mathbb{L}(y, \dots, \cdot, \dots, b)}(w) = \nabla_{\mathscr{F}}(z)_{i^*}\, y$; "
        r"stacked over $i^*$: $\nabla_{\mathscr{F}}(z)^T y$.",
        implemented_by=_names("layers", "dense_vjp"),
        errata=(
            Erratum(
                "typo",
                "statement",
                r"w \longmapsto \nabla_{\mathscr{F}^{(upstream)}}(z)_{i^*} * v",
                r"w \longmapsto \nabla_{\mathscr{F}^{(upstream)}}(z)_{i^*} * y: v is never defined; the proof and "
                r"the note give y",
                "05_network.ipynb",
            ),
            Erratum(
                "typo",
                "proof",
                r"\frac{\partial \nabla_{\mathscr{F}^{(upstream)} \circ \mathbb{L}(y, w^{(1)}, \dots, \cdot, "
                r"\dots, w^{(m-1)}, b)}}{\partial e_j}(w)",
                r"\frac{\partial (\mathscr{F}^{(upstream)} \circ \mathbb{L}(y, w^{(1)}, \dots, \cdot, \dots, "
                r"w^{(m-1)}, b))}{\partial e_j}(w): the partial derivative of the composite, not of its gradient",
                "05_network.ipynb",
            ),
        ),
        checked_by=(
            "tests/test_layers.py::test_dense_vjp_on_a_batch_vs_sympy",
            "tests/test_symbolic.py::test_propositions_5_1_and_5_2_hold_in_general_dimension_and_reject_a_wrong_entry",
            "tests/test_symbolic.py::test_proposition_5_2_printed_v_is_the_gradient_only_where_v_is_y",
            "tests/test_symbolic.py::test_proposition_5_2_proof_differentiates_the_composite_not_its_gradient",
        ),
        uses=("Theorem 1.3", "Proposition 4.2"),
    ),
    _statement(
        "Proposition 5.3",
        "Fused Softmax and cross-entropy gradient",
        r"For $y^* \in \{0,1\}^m$ with $\|y^*\|_m = 1$ ($m \geq 2$): "
        r"$\nabla_{\xi(\cdot,y^*) \circ \mathcal{S}}(z) = \mathcal{S}(z) - y^* \in \mathbb{R}^m$ "
        r"(the proof only uses $\sum_k y^*_k = 1$).",
        implemented_by=(
            *_names("losses", "cross_entropy_from_logits", "softmax_cross_entropy_gradient"),
            *_names("network", "backprop_gradients"),
            *_names("backprop", "BackpropWorkspace"),
        ),
        errata=(
            Erratum(
                "error",
                "statement",
                r"\nabla_{\xi(\cdot,y^*)\circ\mathscr{S}} : \mathbb{R}^m \longrightarrow \mathbb{R}",
                r"\nabla_{\xi(\cdot,y^*)\circ\mathscr{S}} : \mathbb{R}^m \longrightarrow \mathbb{R}^m",
                _NB3,
            ),
            Erratum(
                "typo",
                "proof",
                r"y^* \in \{0,1\}^m, \|y\|_m = 1",
                r"y^* \in \{0,1\}^m, \|y^*\|_m = 1: the hypothesis is on the target y^*, not on y; the step only "
                r"uses \sum_{k=1}^m y^*_k = 1, so \mathscr{S}(z) - y^* holds for every target on the simplex",
                _NB3,
            ),
        ),
        checked_by=(
            _TN + "test_two_routes_agree_on_random_networks",
            "tests/test_symbolic.py::test_proposition_5_3_for_any_target_and_only_on_the_simplex_as_printed",
        ),
        uses=("Theorem 1.3", "Proposition 2.2", "Proposition 3.1"),
    ),
    _statement(
        "Definition 5.1",
        "Multi-class dense neural network",
        r"For widths $(m_k)_{k \in [\![0,p]\!]} \in (\mathbb{N}^*)^{p+1}$: $\mathcal{N}_{c^+}(x, (W^{(k)}), (b^{(k)})) "
        r"= (\mathcal{S} \circ \mathbb{L}^{(p)}) \circ (\mathcal{R}^{(p-1)} \circ \mathbb{L}^{(p-1)}) \circ \cdots "
        r"\circ (\mathcal{R}^{(1)} \circ \mathbb{L}^{(1)})(x)$, $W^{(k)} \in \mathcal{M}_{m_k, m_{k-1}}$, "
        r"$b^{(k)} \in \mathbb{R}^{m_k}$.",
        implemented_by=_names(
            "network",
            "init_params",
            "check_params",
            "layer_sizes",
            "ForwardCache",
            "forward_with_cache",
            "forward",
            "forward_chunks",
            "logits",
            "predict",
            "OutputOverflowError",
        ),
        errata=(
            Erratum(
                "typo",
                "statement",
                r"(m_k)_{k \in [\![0,p]\!]} \in (\mathbb{N}^*)^p",
                r"(m_k)_{k \in [\![0,p]\!]} \in (\mathbb{N}^*)^{p+1}: p + 1 widths m_0, \dots, m_p",
                "05_network.ipynb",
            ),
        ),
        checked_by=(
            _TN + "test_forward_rows_are_probabilities",
            _TN + "test_forward_pass_is_the_composition_of_the_section_2_and_4_maps",
        ),
        uses=("Definition 2.1", "Definition 2.2", "Definition 4.1"),
    ),
    _statement(
        "Corollary of Definition 5.1",
        "Differentiability and parameter count of the network",
        r"$\mathcal{N}_{c^+}$ is differentiable in $(x, W, b)$ (under Assumption 1) and has "
        r"$\sum_{k=1}^p m_k\,(m_{k-1} + 1)$ parameters.",
        implemented_by=_names("network", "parameter_count", "unflatten"),
        errata=(
            Erratum(
                "error",
                "proof",
                r"\mathcal{N}_{c^+} \text{ is a composition of differentiable applications so it is differentiable "
                r"by the chain rule theorem}",
                _JOINT_DIFFERENTIABILITY,
                "05_network.ipynb",
            ),
            Erratum(
                "extraction",
                "proof",
                r"a \in (\sum_{k=1}^{p} (\mathbb{R}^{m_{k-1}})^{m_k}) \times (\sum_{k=1}^{p} \mathbb{R}^{m_k})",
                r"a \in (\times_{k=1}^{p} (\mathbb{R}^{m_{k-1}})^{m_k}) \times (\times_{k=1}^{p} \mathbb{R}^{m_k}): "
                r"the Cartesian product, as in the statement. Read as a sum of spaces, "
                r"\sum_k (\mathbb{R}^{m_{k-1}})^{m_k} is defined only when every m_k, m_{k-1} agree, and is then one "
                r"space of m_1 m_0 coordinates, not "
                r"\sum_k m_k m_{k-1}; our copy may have turned a large \times into \sum",
                "05_network.ipynb",
            ),
        ),
        checked_by=(
            _TN + "test_parameter_count_matches_arrays",
            _TN + "test_partial_derivatives_do_not_make_a_map_differentiable",
            "tests/test_symbolic.py::test_corollaries_of_definitions_5_1_and_5_2_the_dense_layer_is_jointly_differentiable",
        ),
        uses=("Definition 5.1", "Theorem 1.3", "Proposition 2.1", "Proposition 2.2", "Proposition 4.1"),
    ),
    _statement(
        "Definition 5.2",
        "Multi-class optimisation problem and its objective",
        r"$(\mathscr{P}_{c^+})$: minimise over $(W^{(k)}, b^{(k)})$ the objective "
        r"$\mathcal{O}_{c^+}(X, Y^*, \cdot, \cdot) = \sum_{i=1}^n \xi(\mathcal{N}_{c^+}(x^{(i)}, \cdot, \cdot), "
        r"y^{*(i)})$ with one-hot targets $y^{*(i)}$; its infimum need not be attained.",
        implemented_by=(*_names("network", "objective"), *_names("losses", "one_hot")),
        errata=(
            Erratum(
                "error",
                "statement",
                r"(\mathscr{P}_{c^+}) : \min_{(W^{(k)})_{k \in [\![1,p]\!]}, (b^{(k)})_{k \in [\![1,p]\!]}} "
                r"\sum_{i=1}^n \xi(y^{(i)}, y^{*(i)})",
                r"\inf: the minimum is never attained when some parameters classify every sample correctly. "
                r"\mathcal{O}_{c^+} > 0 everywhere (each \mathscr{S}(z)_k < 1), and scaling W^{(p)}, b^{(p)} of "
                r"such parameters by t \to \infty drives it to 0. Softmax regression (p = 1) on linearly separable "
                r"data, such as mnist-5k, has no minimiser at all; Proposition 6.5 assumes one",
                "05_network.ipynb",
            ),
            Erratum(
                "extraction",
                "statement",
                r"\mathcal{N}_{c^+} \in \mathscr{F}_{net}(\mathbb{R}^{m_0} \times (\sum_{k=1}^p "
                r"\mathscr{M}_{m_k,m_{k-1}}) \times (\sum_{k=1}^p \mathbb{R}^{m_k}), \mathbb{R}^{m_p})",
                r"\mathcal{N}_{c^+} \in \mathscr{F}_{net}(\mathbb{R}^{m_0} \times (\times_{k=1}^p "
                r"\mathscr{M}_{m_k,m_{k-1}}) \times (\times_{k=1}^p \mathbb{R}^{m_k}), \mathbb{R}^{m_p}): the "
                r"domain of Definition 5.1, a Cartesian product; a sum of the spaces \mathscr{M}_{m_k,m_{k-1}} is "
                r"defined only when their shapes agree, and then has the m_1 m_0 coordinates of one matrix. Our copy "
                r"may have turned a large \times into \sum (the Corollary below prints \times)",
                "05_network.ipynb",
            ),
        ),
        checked_by=(
            _TN + "test_reduction_mean_is_sum_over_n",
            _TN + "test_definition_5_2_has_no_minimiser_on_separable_data",
        ),
        uses=("Definition 5.1", "Definition 3.1"),
    ),
    _statement(
        "Corollary of Definition 5.2",
        "The objective is differentiable; gradients by the chain rule",
        r"$\mathcal{O}_{c^+}(X, Y^*, \cdot, \cdot)$ is differentiable (under Assumption 1); its gradients follow "
        r"recursively from Propositions 1.2, 4.1-4.3, 5.1-5.3 and Theorem 1.3.",
        implemented_by=_names("network", "jacobian_gradients", "gradients", "gradient_cost"),
        errata=(
            Erratum(
                "error",
                "proof",
                r"\mathcal{O}_{c^+}(X, Y^*, \cdot, \cdot) \text{ is a sum and composition of differentiable "
                r"applications so it is differentiable by the proposition 1.2 and the chain rule theorem}",
                _JOINT_DIFFERENTIABILITY.replace(
                    r"the proof composes",
                    r"as for the Corollary of Definition 5.1, "
                    r"the proof composes",
                ),
                "05_network.ipynb",
            ),
        ),
        checked_by=(
            _TN + "test_two_routes_agree_on_random_networks",
            _TN + "test_gradients_match_central_differences_of_objective",
            _TN + "test_corollary_of_definition_5_2_joint_remainder_is_second_order",
            _TN + "test_gradient_cost_counts_the_products_of_each_route",
            _TN + "test_notation_17_stacks_the_m_k_rows_of_w_k",
        ),
        uses=(
            "Definition 5.2",
            "Proposition 1.2",
            "Theorem 1.3",
            "Corollary of Definition 5.1",
            "Proposition 4.1",
            "Proposition 4.3",
            "Proposition 5.1",
            "Proposition 5.2",
            "Proposition 5.3",
        ),
    ),
    # ------------------------------------------------------------------------------------------------ Section 6
    _statement(
        "Definition 6.1",
        "Convexity",
        r"$f \in \mathcal{D}(\mathbb{R}^m, \mathbb{R})$ is convex if "
        r"$f(\tau x + (1-\tau) y) \leq \tau f(x) + (1-\tau) f(y)$ for all $x, y$ and $\tau \in [0,1]$.",
        implemented_by=(
            *_names("optim", "Quadratic", "SoftplusSum", "RegularisedSoftplus", "CosineSum"),
            "mathdnn_core.softmax_regression.SoftmaxRegression",
        ),
        checked_by=(
            _TO + "test_definition_6_1_and_proposition_6_1_convexity",
            _TO + "test_softmax_regression_is_convex_and_L_smooth",
            _TO + "test_softmax_regression_value_and_gradient_equal_sympy_exactly",
            "tests/test_symbolic.py::test_separable_quadratic_identities_of_section_6_hold_in_general_dimension",
            "tests/test_symbolic.py::test_softmax_jacobian_quadratic_form_is_a_variance",
        ),
    ),
    _statement(
        "Proposition 6.1",
        "First-order characterisation of convexity",
        r"$f \in \mathcal{D}(\mathbb{R}^m, \mathbb{R})$ is convex $\iff$ "
        r"$f(x) + \nabla_f(x)(y - x)^T \leq f(y)$ for all $x, y$.",
        errata=(
            Erratum(
                "error",
                "proof",
                r"\exists \eta \in \mathbb{R}^{+*}, \forall \tau \in [-\eta, \eta], \ldots \leq \tau * f(y) + "
                r"(1 - \tau) * f(x)",
                r"\forall \tau \in ]0, \min(\eta, 1)]: the convexity inequality (15) holds for \tau \in [0, 1] only "
                r"(for \tau < 0 it is false, e.g. f(x) = x^2, x = 0, y = 1, \tau = -1/2), and dividing by \tau keeps "
                r"the inequality only for \tau > 0; the remainder then becomes \underset{\tau \to 0}{o}(1) "
                r"\|y - x\|_m",
                _NB6,
            ),
            Erratum(
                "typo",
                "proof",
                r"(b): f(y) + \tau * \nabla_f(z) * (y - x)^T = f(z) + \nabla_f(z) * (y - z)^T \leq f(y)",
                r"(b): f(z) + \tau * \nabla_f(z) * (y - x)^T = f(z) + \nabla_f(z) * (y - z)^T \leq f(y) "
                r"(since y - z = \tau (y - x))",
                _NB6,
            ),
        ),
        checked_by=(
            _TO + "test_definition_6_1_and_proposition_6_1_convexity",
            _TO + "test_proposition_6_1_proof_identities",
            _TO + "test_proposition_6_1_proof_with_negative_tau_is_refuted",
            "tests/test_symbolic.py::test_proof_lines_of_propositions_6_1_and_6_3",
        ),
        uses=("Definition 6.1", "Definition 1.1"),
    ),
    _statement(
        "Definition 6.2",
        "L-smoothness",
        r"$f \in \mathcal{D}(\mathbb{R}^m, \mathbb{R})$ is $L$-smooth if "
        r"$\|\nabla_f(x) - \nabla_f(y)\|_m \leq L \|x - y\|_m$ for all $x, y$.",
        implemented_by=(
            *_names("optim", "Quadratic", "SoftplusSum", "RegularisedSoftplus", "CosineSum"),
            "mathdnn_core.softmax_regression.SoftmaxRegression",
        ),
        checked_by=(
            _TO + "test_definition_6_2_and_proposition_6_2_smoothness",
            _TO + "test_softmax_regression_is_convex_and_L_smooth",
        ),
    ),
    _statement(
        "Proposition 6.2",
        "Quadratic upper bound (descent lemma)",
        r"If $f$ is $L$-smooth: $f(y) \leq f(x) + \nabla_f(x)(y - x)^T + \frac{L}{2}\|y - x\|_m^2$ for all $x, y$.",
        checked_by=(_TO + "test_definition_6_2_and_proposition_6_2_smoothness",),
        uses=("Definition 6.2", "Theorem 1.3"),
    ),
    _statement(
        "Proposition 6.3",
        "Co-coercivity of the gradient",
        r"If $f$ is convex and $L$-smooth: $\frac{1}{L}\|\nabla_f(y) - \nabla_f(x)\|_m^2 \leq "
        r"(\nabla_f(y) - \nabla_f(x))(y - x)^T$ for all $x, y$.",
        errata=(
            Erratum(
                "error",
                "proof",
                r"z = x - \frac{1}{L}(\nabla_f(y) - \nabla_f(x))",
                r"z = x - \frac{1}{L}(\nabla_f(x) - \nabla_f(y)): with the printed sign the second line equals "
                r"\nabla_f(y) (y - x)^T + \frac{3}{2L}\|\nabla_f(x) - \nabla_f(y)\|_m^2, not "
                r"\nabla_f(y) (y - x)^T - \frac{1}{2L}\|\nabla_f(x) - \nabla_f(y)\|_m^2",
                _NB6,
            ),
        ),
        checked_by=(
            _TO + "test_proposition_6_3_co_coercivity",
            _TO + "test_proposition_6_3_proof_auxiliary_point",
            "tests/test_symbolic.py::test_proof_lines_of_propositions_6_1_and_6_3",
        ),
        uses=("Proposition 6.1", "Proposition 6.2"),
    ),
    _statement(
        "Definition 6.3",
        "Global minimum",
        r"$x^* \in \mathbb{R}^m$ is a global minimum of $f \in \mathcal{F}(\mathbb{R}^m, \mathbb{R})$ if "
        r"$f(x^*) \leq f(x)$ for all $x$.",
        implemented_by=(
            *_names("optim", "Quadratic", "SoftplusSum", "RegularisedSoftplus", "CosineSum"),
            "mathdnn_core.softmax_regression.SoftmaxRegression",
        ),
        checked_by=(
            _TO + "test_definition_6_3_and_proposition_6_4_minimiser",
            _TO + "test_softmax_regression_minimiser_by_newton",
            _TO + "test_softmax_regression_has_no_minimiser_on_separable_data",
        ),
    ),
    _statement(
        "Proposition 6.4",
        "The gradient vanishes at a global minimum",
        r"If $f \in \mathcal{D}(\mathbb{R}^m, \mathbb{R})$ has a global minimum at $x^*$ then "
        r"$\nabla_f(x^*) = 0_{\mathbb{R}^m}$.",
        errata=(
            Erratum(
                "extraction",
                "proof",
                r"\text{Let } x^* \text{ global minimum of } f, v \in \mathbb{R}^m \text{ and} "
                r"\text{ (g is used but never defined)}",
                r"\text{and } g : \mathbb{R} \to \mathbb{R}^m, \tau \mapsto x^* + \tau v, so that "
                r"(f \circ g)'(0) = \nabla_f(x^*) v^T (Theorem 1.3); in the proof of Proposition 6.2 the extraction "
                r"also moves the definition of g, so it is likely lost in our copy, not in the paper",
                _NB6,
            ),
            Erratum(
                "typo",
                "proof",
                r"\underset{\tau \to 0}{o}(\tau) \leq (f \circ g)'(0) \leq \underset{\tau \to 0}{o}(\tau)",
                r"\underset{\tau \to 0}{o}(1) \leq (f \circ g)'(0) \leq \underset{\tau \to 0}{o}(1): dividing "
                r"0 \leq (f \circ g)'(0) \tau + o(\tau) by \tau > 0 leaves o(\tau)/\tau, which tends to 0 but need "
                r"not be o(\tau)",
                _NB6,
            ),
            Erratum(
                "typo",
                "proof",
                r"(e_i)_{i \in [\![1,n]\!]} \text{ corresponding to } \mathbb{R}^m \text{ standard basis}",
                r"(e_i)_{i \in [\![1,m]\!]}: \mathbb{R}^m has m basis vectors",
                _NB6,
            ),
        ),
        checked_by=(
            _TO + "test_definition_6_3_and_proposition_6_4_minimiser",
            _TO + "test_softmax_regression_minimiser_by_newton",
            "tests/test_symbolic.py::test_separable_quadratic_identities_of_section_6_hold_in_general_dimension",
        ),
        uses=("Definition 6.3", "Theorem 1.3"),
    ),
    _statement(
        "Definition 6.4",
        "Gradient descent",
        r"$x^{(n+1)} = x^{(n)} - \alpha \nabla_f(x^{(n)})$ for $n \in \mathbb{N}$, from $x^{(0)} \in \mathbb{R}^m$, "
        r"learning rate $\alpha > 0$.",
        implemented_by=_names("optim", "apply_updates", "GradientDescent", "gradient_descent_sequence"),
        errata=(_recursion_index(r"x_v^{(n+1)} = x_v^{(n)} - \alpha \nabla_f(x_v^{(n)})", _NB6),),
        checked_by=(_TO + "test_gradient_descent_two_steps_by_hand",),
    ),
    _statement(
        "Proposition 6.5",
        "O(1/n) convergence of gradient descent",
        r"If $f$ is convex, $L$-smooth with a global minimum $x^*$ and $0 < \alpha < 2/L$: "
        r"$f(x^{(n)}) - f(x^*) \leq \|x^{(0)} - x^*\|_m^2 / (nC)$ for $n \geq 1$, $C = \alpha - L\alpha^2/2$.",
        errata=(
            Erratum(
                "error",
                "note",
                r"\text{It means } (x_v^{(n)})_{n\in\mathbb{N}} \text{ converge to the global minimum } x_v^* "
                r"\text{ with a rate of } \underset{n \to 0}{o}(n^{-1})",
                r"the bound is on the values: f(x_v^{(n)}) - f(x_v^*) = O(1/n) as n \to \infty (n \to 0 is meaningless "
                r"for a sequence). The iterates need not approach the chosen x_v^* when minimisers are not unique "
                r"(f(x) = x_1^2, x^{(0)} = (1, 5), x_v^* = 0: x^{(n)} \to (0, 5))",
                _NB6,
            ),
            Erratum(
                "typo",
                "proof",
                r"f(x_v^{(n)}) - f(x_v^*) \leq \nabla_f(x_v^{(n)}) * (x_v^{(n)} - x_v^*)^T \leq "
                r"\|\nabla_f(x_v^{(n)})\|_m \|x_v^{(0)} - x_v^*\|_m \text{ (first of the two identical lines)}",
                r"\leq \|\nabla_f(x_v^{(n)})\|_m \|x_v^{(n)} - x_v^*\|_m (Cauchy-Schwarz), and only then "
                r"\leq \|\nabla_f(x_v^{(n)})\|_m \|x_v^{(0)} - x_v^*\|_m because \|x_v^{(n)} - x_v^*\|_m decreases",
                _NB6,
            ),
            Erratum(
                "typo",
                "proof",
                r"\delta^{(n+1)} \leq \delta^{(n)} - \frac{C}{\|x_v^{(0)} - x_v^*\|_m^2} * \delta^{(n)}",
                r"\delta^{(n+1)} \leq \delta^{(n)} - \frac{C}{\|x_v^{(0)} - x_v^*\|_m^2} * (\delta^{(n)})^2: "
                r"(a) with \|\nabla_f(x_v^{(n)})\|_m \geq \delta^{(n)} / \|x_v^{(0)} - x_v^*\|_m gives the square, "
                r"and the next line only follows from the squared form; as printed it would be a linear rate, false "
                r"for convex functions in general",
                _NB6,
            ),
        ),
        checked_by=(
            _TO + "test_proposition_6_5_rate",
            _TO + "test_proposition_6_5_divergence_above_2_over_L",
            _TO + "test_proposition_6_5_proof_recursion",
            _TO + "test_proposition_6_5_on_softmax_regression",
            _TO + "test_gradient_descent_keeps_the_invariant_component_of_softmax_regression",
            _TO + "test_proposition_6_5_proof_cauchy_schwarz_line_needs_the_decrease",
        ),
        uses=("Definition 6.4", "Proposition 6.1", "Proposition 6.2", "Proposition 6.3", "Proposition 6.4"),
    ),
    _statement(
        "Definition 6.5",
        "Gradient descent with momentum",
        r"$m^{(0)} = 0$, $m^{(n+1)} = \beta m^{(n)} + (1-\beta)\nabla_f(x^{(n)})$, "
        r"$x^{(n+1)} = x^{(n)} - \alpha m^{(n)}$ for $n \in \mathbb{N}$, $\alpha > 0$, $\beta \in [0, 1]$ (the "
        r"step uses the average before the current gradient: see the conventions).",
        implemented_by=_names("optim", "MomentumState", "Momentum", "momentum_sequence"),
        errata=(_recursion_index(r"x_m^{(n+1)} = x_m^{(n)} - \alpha m^{(n)},\ m^{(n+1)} = \ldots", _NB6),),
        checked_by=(
            _TO + "test_momentum_two_steps_by_hand",
            _TO + "test_momentum_sequence_paper_indexing",
            _TO + "test_momentum_is_the_heavy_ball_with_a_rescaled_learning_rate",
            "tests/test_symbolic.py::test_momentum_iterates_three_forms",
        ),
        uses=("Definition 6.4",),
    ),
    _statement(
        "Definition 6.6",
        "Back-propagation gradient descent; minibatches",
        r"$W^{(k)} \leftarrow W^{(k)} - \alpha \widetilde{\nabla}_{W^{(k)}} \mathcal{O}_{c^+}$, "
        r"$b^{(k)} \leftarrow b^{(k)} - \alpha \nabla_{b^{(k)}} \mathcal{O}_{c^+}$ for all layers at once; the "
        r"stochastic variant uses the mean gradient of batches of $b = 32$ rows drawn without replacement "
        r"(last batch $\leq b$).",
        implemented_by=_names("optim", "minibatches"),
        errata=(
            _shifted_shapes(r"(W^{(k)(0)},b^{(k)(0)}) \in \mathcal{M}_{m_{k+1},m_k} \times \mathbb{R}^{m_{k+1}}"),
            _recursion_index(r"W^{(k)(n+1)} = \ldots,\ b^{(k)(n+1)} = \ldots", _NB6),
            _w_of_w(r" \text{ (in the update of } b^{(k)})"),
            _bias_gradient(
                r"b^{(k)(n+1)} = b^{(k)(n)} - \alpha \overset{\sim}{\nabla}_{\mathcal{O}_{c^+}(X,Y^*,(W^{(W)(n)}),"
                r"b^{(1)(n)},\dots,\cdot,\dots,b^{(p)(n)})}",
                _NB6,
            ),
        ),
        checked_by=(
            _TO + "test_minibatches_partition_the_samples",
            _TO + "test_definition_6_6_minibatch_gradient_estimate",
            _TO + "test_fit_is_the_literal_recursion_of_definitions_6_6_and_6_7",
        ),
        uses=("Definition 5.2", "Corollary of Definition 5.2", "Definition 6.4"),
    ),
    _statement(
        "Definition 6.7",
        "Back-propagation gradient descent with momentum",
        r"Definition 6.5 applied to every $W^{(k)}$ and $b^{(k)}$ with the gradients of Definition 6.6: "
        r"$m \leftarrow \beta m + (1-\beta)\widetilde{\nabla}\mathcal{O}_{c^+}$, and each parameter steps by "
        r"$-\alpha m$.",
        implemented_by=(*_names("training", "fit"), *_names("minibatch_descent", "descend")),
        errata=(
            _shifted_shapes(
                r"(W^{(k)(0)}, b^{(k)(0)}) \in \mathcal{M}_{m_{k+1}, m_k} \times \mathbb{R}^{m_{k+1}} \text{ and } "
                r"(0_{\mathcal{M}_{m_{k+1},m_k}}, 0_{\mathbb{R}^{m_{k+1}}})"
            ),
            _recursion_index(r"W^{(k)(n+1)} = \ldots,\ m_{W^{(k)}}^{(n+1)} = \ldots", _NB6),
            _w_of_w(r" \text{ (in the update of } m_{b^{(k)}})"),
            _bias_gradient(
                r"m_{b^{(k)}}^{(n+1)} = \beta m_{b^{(k)}}^{(n)} + (1-\beta) \overset{\sim}{\nabla}_{\mathcal{O}_{c^+}"
                r"(X,Y^*,(W^{(W)(n)}),b^{(1)(n)},\dots,\cdot,\dots,b^{(p)(n)})}",
                _NB6,
            ),
        ),
        checked_by=(
            _TO + "test_definition_6_7_momentum_on_network",
            _TO + "test_fit_is_the_literal_recursion_of_definitions_6_6_and_6_7",
        ),
        uses=("Definition 6.5", "Definition 6.6"),
    ),
)

# ----------------------------------------------------------------------------------------------------------------
# Notations with errata
# ----------------------------------------------------------------------------------------------------------------
NOTATIONS: tuple[Notation, ...] = (
    Notation(
        "Notation 1",
        1,
        (
            Erratum(
                "typo",
                "notation",
                r"\forall i \in [1, n], j \in [1, m], A_{i,j} = \begin{bmatrix} a_{i,1} & \cdots & a_{i,n} "
                r"\end{bmatrix}",
                r"\forall i \in [1, n], A_{i,:} = \begin{bmatrix} a_{i,1} & \cdots & a_{i,m} \end{bmatrix}: the "
                r"i-th row of A \in \mathcal{M}_{n,m} has m entries, and A_{i,j} is already the scalar a_{i,j}",
                _NB1,
            ),
        ),
    ),
    Notation(
        "Notation 2",
        1,
        (
            Erratum(
                "typo",
                "notation",
                r"C_{i,j} = \sum_{k=1}^{n} A_{i,k} * B_{k,j}",
                r"C_{i,j} = \sum_{k=1}^{m} A_{i,k} * B_{k,j}: k runs over the m columns of A \in \mathcal{M}_{n,m}, "
                r"which are the rows of B \in \mathcal{M}_{m,p}",
                _NB1,
            ),
        ),
    ),
    Notation(
        "Notation 17",
        5,
        (
            Erratum(
                "notation",
                "notation",
                r"i^* \in [\![1, m_{k+1}]\!]",
                r"i^* \in [\![1, m_k]\!]: W^{(k)} \in \mathcal{M}_{m_k, m_{k-1}} has m_k rows (Definition 5.1); "
                r"Notation 17 and Definitions 6.6-6.7 shift every width index by one",
                "05_network.ipynb",
            ),
        ),
    ),
)

# ----------------------------------------------------------------------------------------------------------------
# Conventions the paper declares: not errata
# ----------------------------------------------------------------------------------------------------------------
CONVENTIONS: tuple[Convention, ...] = (
    Convention(
        "ReLU'(0) = 0",
        (
            "Assumption 1",
            "Proposition 2.1",
            "Proposition 5.1",
            "Corollary of Definition 5.1",
            "Corollary of Definition 5.2",
        ),
        r"Assumption 1 takes $\max(0,\cdot)' = \mathbb{1}_{\mathbb{R}^{+*}}$, the value 0 at 0, and its note says "
        r"that $\max(0,\cdot)$ is not differentiable at 0. Propositions 2.1 and 5.1 and the differentiability "
        r"claimed by the Corollaries of Definitions 5.1 and 5.2 hold under this assumption.",
        r"PyTorch, JAX and TensorFlow also use 0 at 0. SymPy's `Heaviside(0)` is 1/2 by default; any value in "
        r"$[0, 1]$ is a subgradient there.",
        r"At a point where some pre-activation is exactly 0, the 'gradient' of the network is this choice, not a "
        r"derivative. Random real inputs almost never hit 0; ReLU of an exact 0 (a dead unit, a zero pixel times 0 "
        r"weights) does. The package applies the paper's value, and its SymPy twins apply it explicitly.",
        _NB1,
    ),
    Convention(
        "Vectors are rows; W has shape (m_out, m_in)",
        ("Definition 4.1", "Proposition 4.2", "Proposition 5.2", "Definition 5.1"),
        r"Convention 2: a vector is a $1 \times n$ matrix and a batch of $n$ vectors is a matrix with $n$ rows; the "
        r"dense layer is $\mathbb{L}(y, W, b) = y W^T + b$ with $W \in \mathcal{M}_{m,n}$.",
        r"PyTorch's `nn.Linear` stores the weight as (out, in) and computes $x W^T + b$, the same. JAX's `stax.Dense`"
        r" and Flax store (in, out) and compute $x W + b$; most textbooks write columns, $W x + b$.",
        r"Gradients are rows and the chain rule multiplies a row by Jacobians on the right: "
        r"$\nabla_{F \circ g}(a) = \nabla_F(g(a))\,\mathcal{J}_g(a)$. Arrays in the package are (n, features).",
        _NB2,
    ),
    Convention(
        "The objective is a sum; a minibatch step uses the mean",
        ("Definition 5.2", "Definition 6.6", "Definition 6.7"),
        r"Definition 5.2 adds the cross-entropies of the $n$ samples; the note after Definition 6.6 estimates the "
        r"gradient by the mean over a batch $B$ of the per-sample gradients.",
        r"PyTorch's `CrossEntropyLoss` and Keras average over the batch by default (`reduction='mean'`); "
        r"optax leaves it to the loss function.",
        r"The step $-\alpha \frac{1}{|B|}\sum_{i \in B}\nabla\xi_i$ estimates $-\frac{\alpha}{n}\nabla "
        r"\mathcal{O}_{c^+}$, not $-\alpha\nabla\mathcal{O}_{c^+}$: full-batch gradient descent on the sum needs "
        r"a learning rate $n$ times smaller. `network.objective(..., reduction='mean')` gives the mean.",
        "05_network.ipynb",
    ),
    Convention(
        "Momentum as an exponential average, (1 - beta) form",
        ("Definition 6.5", "Definition 6.7"),
        r"$m^{(n+1)} = \beta m^{(n)} + (1-\beta)\nabla_f(x^{(n)})$.",
        r"PyTorch's `SGD(momentum=...)`, Keras and `optax.sgd(momentum=...)` use the heavy-ball form "
        r"$v \leftarrow \beta v + \nabla_f(x)$, $x \leftarrow x - \alpha v$.",
        r"With the same indexing the two forms give the same iterates when the heavy-ball learning rate is "
        r"$\alpha (1-\beta)$; their default learning rates are therefore not comparable.",
        _NB6,
    ),
    Convention(
        "The momentum step uses the previous average",
        ("Definition 6.5", "Definition 6.7"),
        r"$x^{(n+1)} = x^{(n)} - \alpha m^{(n)}$: the step uses the average before the current gradient, so with "
        r"$m^{(0)} = 0$ the first step does not move ($x^{(1)} = x^{(0)}$) and every later step lags one gradient "
        r"behind.",
        r"PyTorch, Keras, optax and most texts step with the updated average $m^{(n+1)}$.",
        r"The package's `Momentum` and `training.fit` step with $m^{(n+1)}$, as libraries do; "
        r"`optim.momentum_sequence(..., indexing='paper')` reproduces the printed recursion, and notebook 06 "
        r"compares the two.",
        _NB6,
    ),
    Convention(
        "beta may be 1; Definition 6.6 lists an unused beta",
        ("Definition 6.5", "Definition 6.6", "Definition 6.7"),
        r"$\beta \in [0, 1]$, so $\beta = 1$ is allowed: then $m^{(n)} = 0$ for every $n$ and nothing moves. "
        r"Definition 6.6 (no momentum) also takes a $\beta \in [0, 1]$ that it never uses.",
        r"PyTorch accepts any momentum $\geq 0$; in practice $\beta \in [0, 1[$.",
        r"The package accepts $\beta \in [0, 1[$ and refuses $\beta = 1$ with a message that says why.",
        _NB6,
    ),
)
