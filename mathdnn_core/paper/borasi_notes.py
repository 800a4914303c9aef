r"""L. Borasi's notes' catalogue, as data: the statements of "Deep learning, notes" (2023, seed 003), the errata of
each, and the conventions the notes make.

The notes number three statements — Theorem 1.1, Proposition 1.2 and Corollary 1.2.1 — and define or claim the rest
in numbered equations: they are catalogued under the names the notes use for them, "Filtration (1)", "MLP (2)",
"Transition functions (3)-(4)", "Composition rule (5)", "Chain rule (9)", and "Cost function (§1.1)" for the setting
of §1.1. Relations (10)-(18) are the notes' proof of Proposition 1.2 ("the relations in (20) were obtained by
back-propagating in this section"): their errata sit with it, ``where="proof"``.

Each erratum was checked against the text as printed (a PDF text extraction, ``seeds/003_*.txt``) and graded
(:data:`mathdnn_core.paper.records.ERRATUM_KINDS`); each is refuted on values in ``07_squared_error_backprop.ipynb``.
The notes' indices shift between §1.3-§1.4 and Proposition 1.2 on purpose (the notes say so): that is a convention,
not an erratum. Slips whose literal reading refers to an object that does not exist (an ``x^{L+1}``, a ``v^L``), or
that the same sentence corrects, have no value to refute: notebook 07 lists them without cataloguing them.
"""

from __future__ import annotations

from .records import Convention, Erratum, Statement

DOCUMENT = "borasi-notes"

_PKG = "mathdnn_core"
_NB = "07_squared_error_backprop.ipynb"
_T = "tests/test_filtration.py::"


def _names(module: str, *names: str) -> tuple[str, ...]:
    return tuple(f"{_PKG}.{module}.{name}" for name in names)


def _statement(sid: str, kind: str, number: str, title: str, statement: str, **fields) -> Statement:
    return Statement(sid, kind, number, 1, title, statement, document=DOCUMENT, **fields)


def _erratum(kind: str, where: str, printed: str, corrected: str) -> Erratum:
    return Erratum(kind, where, printed, corrected, _NB)


STATEMENTS: tuple[Statement, ...] = (
    # ------------------------------------------------------------------------------------------------- §1.1
    _statement(
        "Cost function (§1.1)",
        "Definition",
        "1.1",
        "Weights, the transition function and the squared-error cost",
        r"Weights $V = (b, w) \in \mathbb{V} = \mathbb{B} \oplus \mathbb{W}$, a transition function "
        r"$F: \mathcal{H}_{in} \times \mathbb{V} \to \mathcal{H}_{out}$ and the cost "
        r"$S(V) = \sum_{f \in D} \|F(f, V) - F_\infty(f)\|^2$ over a finite data set $D \subset \mathcal{H}_{in}$, "
        r"$\|g\|^2 = \sum_{i} [g]_i^2$ the Hilbert norm.",
        implemented_by=(
            "mathdnn_core.filtration.squared_errors",
            "mathdnn_core.filtration.cost",
        ),
        errata=(
            _erratum(
                "typo",
                "statement",
                r"\mathbb{V} = \mathbb{B} \oplus \mathbb{V}",
                r"\mathbb{V} = \mathbb{B} \oplus \mathbb{W} (printed twice, in §1.1 and §1.3): as printed, "
                r"\dim \mathbb{V} = \dim \mathbb{B} + \dim \mathbb{V} forces \mathbb{B} = \{0\}, while the network "
                r"has N L biases",
            ),
            _erratum(
                "error",
                "statement",
                r"S(V) = \sum_{f_{in} \in \mathcal{H}_{in}} \|F(f_{in}, V) - F_{\infty}(f_{in})\|^2",
                r"S(V) = \sum_{f \in D} \|F(f, V) - F_\infty(f)\|^2 over a finite data set D \subset "
                r"\mathcal{H}_{in} (the inputs with a known reference output): a sum over every point of the vector "
                r"space \mathcal{H}_{in} = \mathbb{R}^N is +\infty unless F(\cdot, V) = F_\infty off a countable set "
                r"(its partial sums over n points grow like n); §1.3 and Proposition 1.2 repeat it",
            ),
        ),
        checked_by=(
            _T + "test_cost_is_the_sum_of_squared_errors",
            _T + "test_cost_refutes_the_sum_over_the_whole_input_space",
        ),
    ),
    # ------------------------------------------------------------------------------------------------- §1.2
    _statement(
        "Theorem 1.1",
        "Theorem",
        "1.1",
        "A small enough step along the negative gradient decreases S",
        r"If $S$ is differentiable at $V$, some $\epsilon > 0$ gives $S(V - \epsilon\nabla S(V)) \le S(V)$, and $<$ "
        r"when $\nabla S(V) \ne 0$; the proof's step $\epsilon < \min(1, \|\nabla S(V)\|^2 / 2|C(U)|)$ works when "
        r"$R(V, \epsilon) \le C(U)\epsilon^2$ on $U \times ]0,1[$, which holds if $S$ is $C^2$ near the compact $U$.",
        implemented_by=_names(
            "filtration_descent",
            "gradient_step",
            "squared_norm",
            "decrease_along_gradient",
            "descent_remainder",
            "remainder_constant",
            "proof_step_bound",
            "largest_decreasing_step",
        ),
        errata=(
            _erratum(
                "typo",
                "proof",
                r"S(V - \epsilon \nabla S(V)) = S(V) - \epsilon \|\nabla S(V)\|^2 + \epsilon^2 C(\mathcal{U})",
                r"S(V - \epsilon \nabla S(V)) \le S(V) - \epsilon \|\nabla S(V)\|^2 + \epsilon^2 C(\mathcal{U}) "
                r"(in both lines): the assumption is the inequality R(V, \epsilon) \le C(U)\epsilon^2, and "
                r"R(V, \epsilon) / \epsilon^2 is not constant in \epsilon",
            ),
            _erratum(
                "error",
                "proof",
                r"\text{Let } \mathcal{U} \subset \mathbb{V}, \text{ and } 0 < \epsilon < 1, \text{ such that } "
                r"R(w, \epsilon) \leq C(U)\epsilon^2, \quad w \in U",
                r"such a C(U) exists when S is twice continuously differentiable on a neighbourhood of the compact U "
                r"(every \varphi^\ell of class C^2); it is an assumption on \varphi, not a consequence: with ReLU, "
                r"at a point where a pre-activation is 0, R(w, \epsilon) is of order \epsilon and "
                r"R / \epsilon^2 is unbounded as \epsilon \to 0",
            ),
            _erratum(
                "error",
                "proof",
                r"\epsilon |C(\mathcal{U})| < \frac{1}{2} \|\nabla S(w)\|_{\mathcal{W}} \quad\Rightarrow\quad "
                r"S(V - \epsilon \nabla S(V)) - S(V) < -\frac{\epsilon}{2} \|\nabla S(V)\|_{\mathbb{V}}",
                r"\epsilon |C(\mathcal{U})| < \tfrac12 \|\nabla S(V)\|^2 \Rightarrow S(V - \epsilon\nabla S(V)) - S(V) "
                r"< -\tfrac{\epsilon}{2}\|\nabla S(V)\|^2: the norms must be squared; with the printed choice the "
                r"bound -\epsilon\|\nabla S\|^2 + \epsilon^2|C| is only below -\epsilon\|\nabla S\|(\|\nabla S\| - "
                r"\tfrac12), positive when \|\nabla S(V)\| < \tfrac12, and the step can increase S",
            ),
            _erratum(
                "extraction",
                "proof",
                r"\text{Assume } \|\nabla S(V)\|_{\mathbb{V}}\| \neq 0",
                r"\|\nabla S(V)\|_{\mathbb{V}} \neq 0: one bar too many, likely the extraction's",
            ),
        ),
        checked_by=(
            _T + "test_theorem_1_1_small_steps_decrease_a_smooth_cost",
            _T + "test_theorem_1_1_proof_step_is_below_the_largest_decreasing_step",
            _T + "test_theorem_1_1_needs_differentiability_at_a_relu_kink",
            _T + "test_theorem_1_1_printed_step_bound_can_increase_s",
        ),
        uses=("Cost function (§1.1)",),
    ),
    # ------------------------------------------------------------------------------------------------- §1.3
    _statement(
        "Filtration (1)",
        "Definition",
        "(1)",
        "The weight spaces layer by layer and their filtration",
        r"$\mathbb{V} = \bigoplus_{\ell=0}^{L-1} \mathcal{V}$, $\mathcal{V} = \mathcal{B} \oplus \mathcal{W}$, "
        r"$\mathcal{B} \cong \mathbb{R}^N$, $\mathcal{W} \cong \mathbb{R}^N \times \mathbb{R}^N$; "
        r"$\mathbb{V}_{[\![\ell+h,\ell]\!]} = \bigoplus_{\ell'=\ell}^{\ell+h} \mathcal{V}$ ($h + 1$ copies) holds "
        r"$V_{[\![\ell+h,\ell]\!]} = (v^{\ell+h}, v^{\ell+h-1}, \dots, v^{\ell})$, the weights from layer $\ell$ to "
        r"layer $\ell+h+1$, and $\mathbb{V} = \mathbb{V}_{[\![L-1,0]\!]} \supset \cdots \supset "
        r"\mathbb{V}_{[\![0,0]\!]} \cong \mathcal{V}$.",
        implemented_by=("mathdnn_core.filtration.restriction",),
        errata=(
            _erratum(
                "typo",
                "statement",
                r"\mathbb{W} \stackrel{\text{def}}{=} \mathbb{R}^N \times \mathbb{R}^L",
                r"\mathbb{W} \cong \mathbb{R}^N \times \mathbb{R}^N \times \mathbb{R}^L: L matrices w^\ell \in "
                r"\mathcal{W} \cong \mathbb{R}^N \times \mathbb{R}^N, N^2 L numbers (as (1) and Proposition 1.2 say); "
                r"the printed space, the same as \mathbb{B}, holds N L",
            ),
            _erratum(
                "typo",
                "statement",
                r"\bigoplus_{\ell=\ell}^{\ell+h} \mathcal{V} = \underbrace{\mathcal{V} \oplus \cdots \oplus "
                r"\mathcal{V}}_{h \text{ times}}",
                r"h + 1 \text{ times}: \ell' runs over \ell, \dots, \ell + h; for h = 0 the notes' own "
                r"\mathbb{V}_\ell = \mathbb{V}_{[\![\ell,\ell]\!]} = \mathcal{V} is one copy, not none",
            ),
            _erratum(
                "typo",
                "statement",
                r"V_{[\![\ell+h,\ell]\!]} = (v_{\ell+h}, v_{\ell+h-2}, \dots, v_{\ell})",
                r"V_{[\![\ell+h,\ell]\!]} = (v^{\ell+h}, v^{\ell+h-1}, \dots, v^{\ell}): every block from \ell to "
                r"\ell + h; read as printed, in steps of 2, it skips every other layer",
            ),
        ),
        checked_by=(_T + "test_filtration_restrictions_are_nested_and_count_h_plus_1_blocks",),
        uses=("Cost function (§1.1)",),
    ),
    _statement(
        "MLP (2)",
        "Definition",
        "(2)",
        "The MLP characteristic function: the activation on each layer's input",
        r"$F(V, f) = x^L$, $x^0 = f$, $x^{\ell+1} = b^\ell + w^\ell \Phi^{\ell+1}(x^\ell)$ ($0 \le \ell \le L-1$), "
        r"$[\Phi^\ell(x)]_n = \varphi^\ell(x_n)$: the raw input is activated too and the output is affine; for "
        r"$N = 1$, $L = 3$, $F = w^{2}\varphi(w^{1}\varphi(w^{0}\varphi(f) + b^{0}) + b^{1}) + b^{2}$; indexing the "
        r"weights from 1 ($x^\ell = b^\ell + w^\ell\Phi^\ell(x^{\ell-1})$) only renames them.",
        implemented_by=(
            "mathdnn_core.filtration.forward",
            "mathdnn_core.filtration.partial_inputs",
            "mathdnn_core.symbolic.filtration.notes_network_expr",
            "mathdnn_core.symbolic.filtration.NotesNetwork",
            "mathdnn_core.symbolic.filtration.example_as_printed",
        ),
        errata=(
            _erratum(
                "error",
                "statement",
                r"F(f_{\rm in},v) \stackrel{\text{def}}{=} w^{(2)} \varphi(w^{(1)} \varphi(w^{(0)} f_{\rm in} + "
                r"b^{(0)}) + b^{(1)}) + b^{(2)}",
                r"w^{(2)} \varphi(w^{(1)} \varphi(w^{(0)} \varphi(f_{\rm in}) + b^{(0)}) + b^{(1)}) + b^{(2)}: by (2) "
                r"(and (3), (7), (19), and (20)'s D\Phi^1(x^0)) \Phi^1 acts on x^0 = f_{\rm in}; the printed example "
                r"has no activation on the input, which is (2) with \varphi^1 = \mathrm{id} (the convention of "
                r"[GBC16] and of the paper's \mathcal{N}_{c^+}), and differs from (2) wherever "
                r"\varphi(f_{\rm in}) \neq f_{\rm in}",
            ),
        ),
        checked_by=(
            _T + "test_mlp_forward_matches_sympy",
            _T + "test_mlp_is_the_papers_network_when_phi_1_is_the_identity",
        ),
        uses=("Filtration (1)",),
    ),
    _statement(
        "Transition functions (3)-(4)",
        "Definition",
        "(3)",
        "Layer transition functions and filtered transition functions",
        r"$X^{\ell+1}_{v}(x) = b^\ell + w^\ell \Phi^{\ell+1}(x)$; $F^{\ell+h+1,\ell}(V_{[\![\ell+h,\ell]\!]}, x) = "
        r"(X^{\ell+h+1}_{v^{\ell+h}} \circ \cdots \circ X^{\ell+1}_{v^{\ell}})(x)$, so that $F^{L,0}(V, f) = F(V, f)$ "
        r"and $F^{\ell+1,\ell} = X^{\ell+1}$ (4).",
        implemented_by=(
            "mathdnn_core.filtration.layer_transition",
            "mathdnn_core.symbolic.filtration.transition_expr",
        ),
        errata=(
            _erratum(
                "typo",
                "statement",
                r"F^{\ell+h+1,\ell}(V_{[\![\ell+h,\ell]\!]},x) \stackrel{\text{def}}{=} "
                r"X_{v^{\ell+h-1}}^{\ell+h}(\dots X_{v^{\ell+1}}^{\ell+2}(X_{v^{\ell}}^{\ell+1}(x))\dots)",
                r"X^{\ell+h+1}_{v^{\ell+h}}(\dots X^{\ell+2}_{v^{\ell+1}}(X^{\ell+1}_{v^\ell}(x))\dots): h + 1 maps, "
                r"from layer \ell to layer \ell + h + 1; the printed composition stops at layer \ell + h, leaves "
                r"v^{\ell+h} unused and contradicts (4): for \ell = 0, h = L - 1 it is not F",
            ),
        ),
        checked_by=(
            _T + "test_transition_functions_match_sympy_and_finite_differences",
            _T + "test_filtered_transition_function_one_layer_short_is_refuted",
        ),
        uses=("Filtration (1)", "MLP (2)"),
    ),
    _statement(
        "Composition rule (5)",
        "Proposition",
        "(5)",
        "The filtered transition functions compose",
        r"$F^{L,0}(V, f) = F^{L,\ell}(V_{[\![L-1,\ell]\!]}, F^{\ell,0}(V_{[\![\ell-1,0]\!]}, f))$ for "
        r"$0 < \ell < L$; hence $x^{\ell+1} = F^{\ell+1,0}(V_{[\![\ell,0]\!]}, f)$ (6), and (7)-(8) are (2) "
        r"written with functions.",
        implemented_by=(
            "mathdnn_core.filtration.filtered_transition",
            "mathdnn_core.symbolic.filtration.filtered_transition_expr",
        ),
        errata=(
            _erratum(
                "extraction",
                "statement",
                r"\text{Each } x^{\ell} + 1,\ \ell \in \{0,\dots,L-1\}, \text{ is the output after the first } \ell "
                r"\text{ layers}",
                r"x^{\ell+1}: the superscript lost its braces, in the notes or in our copy",
            ),
        ),
        checked_by=(_T + "test_composition_rule_5_at_every_layer",),
        uses=("Transition functions (3)-(4)",),
    ),
    # ------------------------------------------------------------------------------------------------- §1.4
    _statement(
        "Chain rule (9)",
        "Theorem",
        "(9)",
        "The chain rule with Jacobian matrices (from Boothby)",
        r"For differentiable $F: \mathbb{R}^\mu \to \mathbb{R}^\nu$, $G: \mathbb{R}^\nu \to \mathbb{R}^\rho$: "
        r"$D(G \circ F)(a) = DG(F(a))\,DF(a)$ at $a \in \mathbb{R}^\mu$, $[DF(a)]_{n_1 n_2} = \partial F_{n_1} / "
        r"\partial x_{n_2}(a)$; $DG(F(a))$, a $(\rho, \nu)$ matrix, maps $\mathbb{R}^\nu \to \mathbb{R}^\rho$ and "
        r"$DF(a)$, $(\nu, \mu)$, maps $\mathbb{R}^\mu \to \mathbb{R}^\nu$.",
        implemented_by=(
            "mathdnn_core.filtration.layer_transition_jacobian",
            "mathdnn_core.filtration.jacobian_gradients",
        ),
        errata=(
            _erratum(
                "error",
                "statement",
                r"a \in \mathbb{R}^{\nu};\ DG(F(a)) \text{ is a linear map } \mathbb{R}^{\rho} \to \mathbb{R}^{\nu} "
                r"\dots DF(a) \text{ is a linear map } \mathbb{R}^{\nu} \to \mathbb{R}^{\mu}",
                r"a \in \mathbb{R}^\mu; DG(F(a)): \mathbb{R}^\nu \to \mathbb{R}^\rho and DF(a): \mathbb{R}^\mu \to "
                r"\mathbb{R}^\nu (the printed shapes (\rho, \nu) and (\nu, \mu) are right): the printed directions are "
                r"those of the transposes DG^t, DF^t, the maps back-propagation applies in (10); a (\nu, \mu) matrix "
                r"maps \mathbb{R}^\nu to \mathbb{R}^\mu only through its transpose, which is not the differential",
            ),
        ),
        checked_by=(_T + "test_chain_rule_9_layer_by_layer",),
    ),
    _statement(
        "Proposition 1.2",
        "Proposition",
        "1.2",
        "Back-propagation for the squared-error cost: the relations (20)",
        r"With $\mathbb{V} = \bigoplus_{\ell=1}^{L} \mathcal{V}$, $x^0 = f$, $x^\ell = b^\ell + w^\ell "
        r"\Phi^\ell(x^{\ell-1})$, $F = x^L$, $S = \sum_{f \in D} \|F(V,f) - F_\infty(f)\|^2$: "
        r"$\mathbf{J}^{\ell-1} = \prod_{\ell'=L}^{\ell} w^{\ell'} D\Phi^{\ell'}(x^{\ell'-1}) = \mathbf{J}^\ell "
        r"w^\ell D\Phi^\ell(x^{\ell-1})$, $\mathbf{J}^L = 1$, $\nabla^\ell_b F = \mathbf{J}^\ell$, $\nabla^\ell_w F = "
        r"\mathbf{J}^\ell \Phi^\ell(x^{\ell-1})^{\mathcal{H}\leftarrow\mathcal{W}}$, $\nabla S = \sum_{f \in D} "
        r"2 (\nabla F)(V,f)^t (F(V,f) - F_\infty(f))$.",
        implemented_by=(
            *_names(
                "filtration",
                "Activation",
                "check_activations",
                "layer_transition",
                "layer_transition_jacobian",
                "layer_transition_weight_jacobians",
                "restriction",
                "filtered_transition",
                "partial_inputs",
                "forward",
                "squared_errors",
                "cost",
                "output_jacobians",
                "relations_gradients",
                "jacobian_gradients",
                "gradients",
            ),
            *_names("losses", "squared_error", "squared_error_gradient"),
        ),
        errata=(
            _erratum(
                "typo",
                "statement",
                r"\mathbb{V} \stackrel{\text{def}}{=} \mathbb{B} \oplus \mathbb{W} = \oplus_{\ell=0}^{L} \mathcal{V},"
                r"\quad V = (v^0, \dots, v^L)",
                r"\oplus_{\ell=1}^{L} \mathcal{V}, V = (v^1, \dots, v^L): (19) uses v^1, \dots, v^L only (as "
                r"\mathbb{B} \cong \mathbb{R}^N \times \mathbb{R}^L counts), so S does not depend on v^0; read with a "
                r"v^0, Corollary 1.2.1 at \ell = 1 gives \nabla^0_b S = D\Phi^1(x^0)^t (w^1)^t \nabla^1_b S \neq 0, "
                r"the gradient with respect to the input x^0, not to a weight",
            ),
            _erratum(
                "typo",
                "statement",
                r"\mathbf{J}^{\ell-1} = \prod_{\ell'=L}^{\ell} \left( w^{\ell} \left( D\Phi^{\ell'} \right) "
                r"(x^{\ell'-1}) \right)",
                r"\prod_{\ell'=L}^{\ell} w^{\ell'} D\Phi^{\ell'}(x^{\ell'-1}): each factor is the Jacobian "
                r"DX^{\ell'} = w^{\ell'} D\Phi^{\ell'} of its own layer (the recursion on the same line is right)",
            ),
            _erratum(
                "notation",
                "statement",
                r"\nabla_w^{\ell} F(V, f) = \mathbf{J}^{\ell} \Phi^{\ell}(x^{\ell-1})",
                r"\mathbf{J}^\ell \Phi^\ell(x^{\ell-1})^{\mathcal{H}\leftarrow\mathcal{W}}, the map u \mapsto "
                r"\mathbf{J}^\ell u\, \Phi^\ell(x^{\ell-1}) of (13), components \mathbf{J}_{k n_1} \Phi_{n_2}: read as "
                r"the matrix-vector product it is written as, it is a vector of \mathcal{H}, the last line makes "
                r"\nabla^\ell_w S a number, and a step w^\ell - \epsilon\nabla^\ell_w S adds it to every entry",
            ),
            _erratum(
                "typo",
                "statement",
                r"\nabla S(V) = 2(\nabla F)(V, f)^{t} (F(V, f) - F_{\infty}(f))",
                r"\nabla S(V) = \sum_{f \in D} 2(\nabla F)(V, f)^t (F(V, f) - F_\infty(f)), as in (10): without the "
                r"sum it is the gradient of the one term S_f of the fixed input f",
            ),
            _erratum(
                "extraction",
                "statement",
                r"\text{Fix } M, L \in \mathbb{N}",
                r"\text{Fix } N, L \in \mathbb{N}: N (the width) is used and M is not; an M read for an N, in the "
                r"notes or in our copy",
            ),
            _erratum(
                "typo",
                "proof",
                r"\frac{\partial x^{L+1}}{\partial x^{\ell+1}} = \frac{\partial x^{L+1}}{\partial x^{\ell+2}} "
                r"\frac{\partial x^{\ell+1}}{\partial x^{\ell+1}} \quad (11)",
                r"\frac{\partial x^{L}}{\partial x^{\ell+1}} = \frac{\partial x^{L}}{\partial x^{\ell+2}} "
                r"\frac{\partial x^{\ell+2}}{\partial x^{\ell+1}}: the output is x^L, and as printed the last factor "
                r"is the identity",
            ),
            _erratum(
                "typo",
                "proof",
                r"(\nabla_w^{\ell-1} F^{\ell,0})([V]_{\ell-1,0}, f^{\text{in}}) = \Phi^{\ell-1}(F^{\ell-1,0}"
                r"([V]_{\ell-2,0}, f^{\text{in}}))^{\mathcal{H} \leftarrow \mathcal{W}} \quad (13)",
                r"\Phi^{\ell}(F^{\ell-1,0}([V]_{\ell-2,0}, f))^{\mathcal{H}\leftarrow\mathcal{W}} = "
                r"\Phi^\ell(x^{\ell-1})^{\mathcal{H}\leftarrow\mathcal{W}}: F^{\ell,0} = b^{\ell-1} + w^{\ell-1} "
                r"\Phi^\ell(x^{\ell-1}) applies \Phi^\ell (as the fourth line of (20) says); the two differ when the "
                r"layers' activations differ",
            ),
            _erratum(
                "extraction",
                "proof",
                r"(DF^{L,\ell})(V_{[\![L-1-1,\ell]\!]},x^{\ell}) \quad (14)",
                r"(DF^{L,\ell})(V_{[\![L-1,\ell]\!]}, x^\ell), as (16) prints it: F^{L,\ell} takes the weights of "
                r"layers \ell, \dots, L-1; a stray -1, in the notes or in our copy",
            ),
        ),
        checked_by=(
            _T + "test_three_gradient_routes_agree_on_random_networks",
            _T + "test_gradient_matches_sympy_and_finite_differences",
            _T + "test_proposition_1_2_relations_match_sympy_diff",
            _T + "test_output_jacobians_recursion_18",
            _T + "test_proposition_1_2_printed_forms_are_refuted",
        ),
        uses=(
            "Cost function (§1.1)",
            "MLP (2)",
            "Transition functions (3)-(4)",
            "Composition rule (5)",
            "Chain rule (9)",
        ),
    ),
    _statement(
        "Corollary 1.2.1",
        "Corollary",
        "1.2.1",
        "The backward recursion on the gradients of S",
        r"For each input $f$ and $S_f = \|F(V,f) - F_\infty(f)\|^2$: $\nabla^L_b S_f = 2(F(V,f) - F_\infty(f))$, "
        r"$\nabla^{\ell-1}_b S_f = D\Phi^\ell(x^{\ell-1})^t (w^\ell)^t \nabla^\ell_b S_f$ ($2 \le \ell \le L$), "
        r"$\nabla^\ell_w S_f = (\Phi^\ell(x^{\ell-1})^{\mathcal{H}\leftarrow\mathcal{W}})^t \nabla^\ell_b S_f$ "
        r"($1 \le \ell \le L$), and $\nabla S = \sum_{f \in D} \nabla S_f$.",
        implemented_by=(
            *_names("filtration", "layer_transition_vjp", "backprop_gradients", "gradients"),
            *_names("filtration_descent", "fit"),
        ),
        errata=(
            _erratum(
                "error",
                "statement",
                r"\nabla_b^{\ell-1} S(V) = (D \Phi^{\ell}) (x^{\ell-1})^{t} (w^{\ell})^{t} \nabla_b^{\ell} S(V)",
                r"\nabla^{\ell-1}_b S_f = D\Phi^\ell(x^{\ell-1})^t (w^\ell)^t \nabla^\ell_b S_f for each input's term "
                r"S_f, then \nabla S = \sum_f \nabla S_f: with S the sum over the inputs both lines are false, since "
                r"D\Phi^\ell(x^{\ell-1}) and \Phi^\ell(x^{\ell-1}) depend on the input f",
            ),
            _erratum(
                "typo",
                "statement",
                r"\nabla_w^{\ell-1} S(V) = 2 (\Phi^{\ell} (x^{\ell-1})^{\mathcal{H} \leftarrow \mathcal{W}})^{t} "
                r"(\nabla_b^{\ell} S)(V)",
                r"\nabla^{\ell}_w S: \Phi^\ell(x^{\ell-1}) paired with \nabla^\ell_b S gives the gradient of w^\ell, "
                r"the weights of the same layer (the fourth line of (20)); w^{\ell-1} multiplies "
                r"\Phi^{\ell-1}(x^{\ell-2})",
            ),
            _erratum(
                "error",
                "statement",
                r"\nabla_w^{\ell-1} S(V) = 2 (\Phi^{\ell} (x^{\ell-1})^{\mathcal{H} \leftarrow \mathcal{W}})^{t} "
                r"(\nabla_b^{\ell} S)(V)",
                r"(\Phi^\ell(x^{\ell-1})^{\mathcal{H}\leftarrow\mathcal{W}})^t \nabla^\ell_b S, no factor 2: "
                r"\nabla^\ell_b S = 2 (\mathbf{J}^\ell)^t (F - F_\infty) holds it already, and as printed the "
                r"weight gradient is doubled",
            ),
            _erratum(
                "typo",
                "proof",
                r"= (D\Phi^{\ell}) (x^{\ell-1})^{t} (w^{\ell})^{t} \mathbf{J}^{\ell} (F(V, f) - F_{\infty}(f))",
                r"= 2 (D\Phi^\ell)(x^{\ell-1})^t (w^\ell)^t (\mathbf{J}^\ell)^t (F(V, f) - F_\infty(f)): the middle "
                r"step drops the factor 2 and the transpose of \mathbf{J}^\ell (the next step restores both)",
            ),
            _erratum(
                "error",
                "proof",
                r"\nabla_w^{\ell-1} S(V) = 2(\Phi^{\ell} (x^{\ell-1})^{\mathcal{H} \leftarrow \mathcal{W}})^{t} "
                r"\Phi^{\ell} (x^{\ell-1})^{t} (\mathbf{J}^{\ell-1})^{t} (F - F_{\infty}) = 2(\Phi^{\ell} "
                r"(x^{\ell-1})^{\mathcal{H} \leftarrow \mathcal{W}})^{t} (D\Phi^{\ell}) (x^{\ell-1})^{t} "
                r"(w^{\ell})^{t} \nabla_b^{\ell} S(V)",
                r"\nabla^{\ell-1}_w S_f = 2 (\Phi^{\ell-1}(x^{\ell-2})^{\mathcal{H}\leftarrow\mathcal{W}})^t "
                r"(\mathbf{J}^{\ell-1})^t (F - F_\infty) = (\Phi^{\ell-1}(x^{\ell-2})^{\mathcal{H}\leftarrow"
                r"\mathcal{W}})^t \nabla^{\ell-1}_b S_f: the printed chain has a stray factor \Phi^\ell(x^{\ell-1})^t "
                r"and ends with the bias gradient of layer \ell - 1 paired with the input of layer \ell, which is "
                r"neither \nabla^{\ell-1}_w S nor \nabla^\ell_w S",
            ),
        ),
        checked_by=(
            _T + "test_corollary_1_2_1_recursion_per_input",
            _T + "test_layer_transition_vjp_is_one_step_of_the_recursion",
            _T + "test_corollary_1_2_1_printed_forms_are_refuted",
            _T + "test_fit_uses_momentum_and_minibatches",
        ),
        uses=("Proposition 1.2",),
    ),
)

#: The notes have no Notation with errata.
NOTATIONS: tuple = ()

CONVENTIONS: tuple[Convention, ...] = (
    Convention(
        "The activation acts on a layer's input; the output is affine",
        ("MLP (2)", "Proposition 1.2"),
        r"(2): $x^{\ell+1} = b^\ell + w^\ell \Phi^{\ell+1}(x^\ell)$: each layer activates its input, the raw input "
        r"$f$ included, then applies an affine map; the output $x^L$ has no activation.",
        r"[GBC16] (Algorithm 6.3), PyTorch's `nn.Sequential(Linear, ReLU, ..., Linear)` and the paper's "
        r"$\mathcal{N}_{c^+}$ apply the affine map first, $h = g(W x + b)$, never activate the raw input, and end "
        r"with an output unit (Softmax in $\mathcal{N}_{c^+}$).",
        r"The notes' $x^\ell$ are [GBC16]'s pre-activations. The two families coincide, up to re-indexing the "
        r"weights, when $\varphi^1$ is the identity, or on inputs where it acts as one (ReLU on pixels $\ge 0$); "
        r"the output unit differs: the identity here, Softmax in $\mathcal{N}_{c^+}$. Notebook 07 shows it in "
        r"SymPy and on MNIST.",
        _NB,
        DOCUMENT,
    ),
    Convention(
        "Weights indexed as inputs (§1.3-§1.4), then as states (Proposition 1.2)",
        ("MLP (2)", "Transition functions (3)-(4)", "Proposition 1.2", "Corollary 1.2.1"),
        r"§1.3 treats $v^\ell$ as an extra input of layer $\ell + 1$ ($x^{\ell+1} = b^\ell + w^\ell "
        r"\Phi^{\ell+1}(x^\ell)$); before Proposition 1.2 the notes revert, as they say, to $v^\ell$ as the state of "
        r"layer $\ell$ ($x^\ell = b^\ell + w^\ell \Phi^\ell(x^{\ell-1})$).",
        r"[GBC16] and the paper index the weights by the layer they produce ($W^{(k)}$ makes layer $k$), like "
        r"Proposition 1.2.",
        r"Between (10)-(18) and (19)-(20) every weight index shifts by one; the partial inputs $x^\ell$ and the "
        r"activations $\Phi^\ell$ keep theirs. `filtration` stores `params[l]` $= v^\ell$ of §1.3 $= v^{\ell+1}$ of "
        r"Proposition 1.2; the SymPy functions named after Proposition 1.2 take its $\ell$.",
        _NB,
        DOCUMENT,
    ),
    Convention(
        "Columns, and Jacobians of shape (out, in)",
        ("Chain rule (9)", "Proposition 1.2", "Corollary 1.2.1"),
        r"Vectors are columns, $w$ acts on the left ($w\,\Phi(x)$), $[DF(a)]_{n_1 n_2} = \partial F_{n_1}/\partial "
        r"x_{n_2}$ (Boothby's convention), and the gradients of $S$ are columns, $2(\nabla F)^t (F - F_\infty)$.",
        r"The paper (Convention 2) makes vectors rows and writes $y W^T + b$ with the same $W$ of shape (out, in) "
        r"and the same Jacobian shape; PyTorch's `nn.Linear` computes $x W^T + b$ on rows with $W$ (out, in).",
        r"Same weights, same Jacobians; the notes' $M^t v$ is the row $v M$. The package computes on rows, a batch "
        r"$(n, \text{features})$: $X^{\ell+1}(x) = b + \Phi(x) w^T$ row by row.",
        _NB,
        DOCUMENT,
    ),
    Convention(
        "S is a plain sum of squares",
        ("Cost function (§1.1)", "Theorem 1.1", "Proposition 1.2", "Corollary 1.2.1"),
        r"$S(V) = \sum_f \|F(V, f) - F_\infty(f)\|^2$: no factor $\frac12$ and no mean, so the factor 2 of the "
        r"derivative stays in every gradient ($\nabla^L_b S_f = 2(F - F_\infty)$).",
        r"Many texts, and `mathdnn_core.losses.squared_error`, use $\frac12\|y - y^*\|^2$ (gradient $y - y^*$); "
        r"PyTorch's `MSELoss` averages over every entry; LeCun et al. (1998) minimise a mean squared error.",
        r"Gradients and learning rates differ by constant factors: 2 against the half form, $2/(n\,n_L)$ against "
        r"`MSELoss`. `filtration.cost` is the notes' $S$ (twice the sum of `losses.squared_error`); training steps on "
        r"the batch mean of $\|F - F_\infty\|^2$, as `training.fit` does with the cross-entropy.",
        _NB,
        DOCUMENT,
    ),
    Convention(
        "R^a x R^b is the space of (a, b) arrays",
        ("Filtration (1)", "Proposition 1.2"),
        r"$\mathcal{W} \cong \mathbb{R}^N \times \mathbb{R}^N$ for the $N \times N$ matrices and $\mathbb{B} \cong "
        r"\mathbb{R}^N \times \mathbb{R}^L$ for $L$ vectors of $\mathbb{R}^N$: $\times$ is read as the shape of an "
        r"array ($\mathbb{R}^N \otimes \mathbb{R}^L \cong \mathbb{R}^{NL}$), never declared but used consistently.",
        r"As sets, $\mathbb{R}^N \times \mathbb{R}^N$ is the Cartesian product $\mathbb{R}^{2N}$, of dimension $2N$, "
        r"not $N^2$; NumPy writes the shape `(N, N)`.",
        r"Dimension counts follow the notes' reading: $\mathcal{W}$ has $N^2$ entries and $\mathbb{V}$ has "
        r"$L\,N(N+1)$.",
        _NB,
        DOCUMENT,
    ),
)
