r"""The catalogue of every numbered statement of the paper, with the errata found while checking it.

Paper: all sections

"MathDNN - A deep mathematical understanding of DNNs" (J. Jiang, A. Jiang, version 0.00, 2022) numbers 36
statements: 15 Definitions, 16 Propositions, Theorem 1.3, Assumption 1 and three unnumbered Corollaries, catalogued
here as ``"Corollary of Definition 1.2"``, ``"Corollary of Definition 5.1"`` and ``"Corollary of Definition 5.2"``.

Each :class:`Statement` says where it lives (``section``), what it says (``statement``: one line, LaTeX-light, in
its *corrected* reading — every place where that reading departs from the printed text is an :class:`Erratum`),
which objects of the package implement it (``implemented_by``, dotted names) and which tests check it
(``checked_by``; mandatory for pure theory such as convexity, which no function implements). Errata in the
unnumbered Notations are kept apart, in :data:`NOTATION_ERRATA`.

``Erratum.notebook`` names the notebook that demonstrates the erratum, recorded in :data:`DEMONSTRATED_IN`; it is
``None`` for the sections whose notebook does not exist yet. ``tests/test_paper.py`` checks that every erratum of a
section with a notebook is demonstrated, and that the file exists.

The ``Paper:`` line convention (checked by ``tests/test_paper.py``)
-------------------------------------------------------------------
Every public function and class of the package has, in its docstring, at least one line starting with
``Paper:``. What follows the colon is a list of items separated by semicolons; each item cites statements as

* ``Definition 2.1``, ``Proposition 5.3``, ``Theorem 1.3``, ``Assumption 1``, ``Corollary of Definition 5.1``;
* several citations in a row: ``Proposition 5.1, Proposition 5.2``, or a plural kind with several numbers:
  ``Propositions 4.1, 5.1`` or ``Propositions 4.1 and 5.1``;
* a range inside one section: ``Propositions 5.1-5.3`` (or with an en dash) means 5.1, 5.2, 5.3.

Free text around the citations is allowed (``Paper: note after Definition 6.6``); words that are not one of the
kinds above (``Notation 17``, ``Section 5.2``) cite nothing. An item that starts with ``Seed NNN,`` cites another
document (``Paper: Seed 003, Proposition 1.2``) and is ignored here. A line with no citation (``Paper: all
sections``) is allowed. Only the first line is read: do not wrap a ``Paper:`` line.

Example::

    >>> from mathdnn_core import paper
    >>> paper.get("Proposition 5.3").implemented_by[0]
    'mathdnn_core.losses.cross_entropy_from_logits'
    >>> paper.parse_paper_line("Propositions 4.1, 5.1; Seed 003, Proposition 1.2")
    ('Proposition 4.1', 'Proposition 5.1')
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import re
from dataclasses import dataclass, replace
from typing import Any

__all__ = [
    "Erratum",
    "Statement",
    "CATALOGUE",
    "NOTATION_ERRATA",
    "ERRATUM_PLACES",
    "get",
    "by_section",
    "errata",
    "implementing",
    "resolve",
    "paper_lines",
    "parse_paper_line",
    "cited_statements",
    "ids",
    "NOTEBOOKS",
    "DEMONSTRATED_IN",
    "markdown_table",
]

#: Allowed values of :attr:`Erratum.where`.
ERRATUM_PLACES = ("statement", "proof", "note", "notation")


@dataclass(frozen=True)
class Erratum:
    r"""One place where the printed paper is wrong, with the correction.

    Paper: all sections

    Attributes
    ----------
    where : one of :data:`ERRATUM_PLACES` — ``"statement"``, ``"proof"``, ``"note"`` (a "Note:" of the paper) or
        ``"notation"``
    printed : what the paper prints (LaTeX)
    corrected : the corrected text, with the reason when it is not obvious (LaTeX)
    notebook : the notebook that demonstrates the erratum executably, e.g. ``"02_activations.ipynb"``; ``None``
        until one does (the notebook's author fills it in)
    """

    where: str
    printed: str
    corrected: str
    notebook: str | None = None


@dataclass(frozen=True)
class Statement:
    r"""One numbered statement of the paper.

    Paper: all sections

    Attributes
    ----------
    id : ``"Definition 1.1"``, ``"Theorem 1.3"``, ``"Assumption 1"``, ``"Corollary of Definition 5.1"``, ...
    kind : ``"Definition"``, ``"Proposition"``, ``"Theorem"``, ``"Assumption"`` or ``"Corollary"``
    number : ``"1.1"``, ``"1"``; for a corollary, the number of the definition it follows
    section : 1 to 6 (Assumption 1 is in Section 1.3)
    title : a few words
    statement : one line, LaTeX-light, the corrected reading (see ``errata`` for the printed one)
    implemented_by : dotted names of the objects whose docstring ``Paper:`` line cites this statement
    errata : what the paper prints wrong here
    checked_by : tests (``"tests/test_optim.py::test_name"``) or notebooks that check the statement; never empty
        when ``implemented_by`` is
    """

    id: str
    kind: str
    number: str
    section: int
    title: str
    statement: str
    implemented_by: tuple[str, ...] = ()
    errata: tuple[Erratum, ...] = ()
    checked_by: tuple[str, ...] = ()


# ----------------------------------------------------------------------------------------------------------------
# Helpers to keep the table below readable
# ----------------------------------------------------------------------------------------------------------------
_PKG = "mathdnn_core"


def _names(module: str, *names: str) -> tuple[str, ...]:
    return tuple(f"{_PKG}.{module}.{n}" for n in names)


def _E(where: str, printed: str, corrected: str) -> Erratum:
    return Erratum(where=where, printed=printed, corrected=corrected, notebook=None)


_TD = "tests/test_differentials.py::"
_TN = "tests/test_network.py::"
_TO = "tests/test_optim.py::"

_N_STAR_RECURSION = _E(
    "statement",
    r"x^{(n+1)} = \ldots \quad n \in \mathbb{N}^*",
    r"n \in \mathbb{N}: the case n = 0 gives x^{(0)} only, so with n \in \mathbb{N}^* the term x^{(1)} is never "
    r"defined and the recursion cannot start",
)

_SHAPES_67 = (
    r"(W^{(k)(0)}, b^{(k)(0)}) \in \mathcal{M}_{m_{k+1},m_k} \times \mathbb{R}^{m_{k+1}}",
    r"(W^{(k)(0)}, b^{(k)(0)}) \in \mathcal{M}_{m_k,m_{k-1}} \times \mathbb{R}^{m_k}, the shapes of Definition 5.1 "
    r"(W^{(k)} maps \mathbb{R}^{m_{k-1}} to \mathbb{R}^{m_k})",
)

_W_TYPO = _E("statement", r"(W^{(W)(n)})_{k \in [\![1,p]\!]}", r"(W^{(k)(n)})_{k \in [\![1,p]\!]}")

_ASSUMPTION_1_CAVEAT = (
    r"differentiable wherever no hidden pre-activation z^{(k)}_i (k < p) is 0; at the other points it can fail to "
    r"be (ReLU has a kink there) and the formulas apply the convention max(0,\cdot)'(0) = 0 of Assumption 1, "
    r"not a derivative"
)

# ----------------------------------------------------------------------------------------------------------------
# The catalogue, in the order of the paper
# ----------------------------------------------------------------------------------------------------------------
CATALOGUE: tuple[Statement, ...] = (
    # ------------------------------------------------------------------------------------------------ Section 1
    Statement(
        "Definition 1.1",
        "Definition",
        "1.1",
        1,
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
    Statement(
        "Proposition 1.1",
        "Proposition",
        "1.1",
        1,
        "Uniqueness of the differential; differentiable implies continuous",
        r"For $f \in \mathcal{D}(E,F)$ and $a \in \mathring{E}$ the differential $\partial f/\partial\cdot(a)$ is "
        r"unique, and $f$ is continuous on $\mathring{E}$.",
        errata=(
            _E(
                "statement",
                r"\mathcal{D}(E, F) \subset \mathcal{C}(E, F)",
                r"every f \in \mathcal{D}(E, F) is continuous on \mathring{E}: Definition 1.1 says nothing at the "
                r"points of E \setminus \mathring{E} (on E = [0,1], f = \mathbb{1}_{\{0\}} is in "
                r"\mathcal{D}(E, \mathbb{R}) but not continuous at 0)",
            ),
        ),
        checked_by=(
            _TD + "test_proposition_1_1_differential_is_unique",
            _TD + "test_proposition_1_1_differentiable_implies_continuous",
        ),
    ),
    Statement(
        "Definition 1.2",
        "Definition",
        "1.2",
        1,
        "Jacobian matrix",
        r"For $f = (f_1 \dots f_m) \in \mathcal{D}(E,F)$ each $f_i$ is differentiable and "
        r"$\mathcal{J}_f: \mathring{E} \to \mathcal{M}_{m,n}$, "
        r"$\mathcal{J}_f(a)_{i,j} = \partial f_i/\partial e_j(a)$; "
        r"it is the gradient $\nabla_f$ when $m = 1$ and the derivative $f'$ when $m = n = 1$.",
        implemented_by=_names("differentials", "numerical_jacobian"),
        errata=(
            _E(
                "statement",
                r"\frac{\partial f_m}{\partial a}(a) \;\cdots\; \frac{\partial f_m}{\partial a}(a) "
                r"\text{ (last row of (2))}",
                r"\frac{\partial f_m}{\partial e_1}(a) \;\cdots\; \frac{\partial f_m}{\partial e_n}(a)",
            ),
        ),
        checked_by=(
            _TD + "test_numerical_jacobian_matches_sympy_jacobian",
            _TD + "test_finite_difference_orders_central_2_forward_1",
        ),
    ),
    Statement(
        "Corollary of Definition 1.2",
        "Corollary",
        "1.2",
        1,
        "The Jacobian is the matrix of the differential",
        r"$\mathcal{J}_f(a)$ is the canonical matrix of the differential: "
        r"$\partial f/\partial h(a) = h\,\mathcal{J}_f(a)^T$ for every $h \in \mathbb{R}^n$.",
        checked_by=(_TD + "test_corollary_of_definition_1_2_jacobian_is_matrix_of_differential",),
    ),
    Statement(
        "Proposition 1.2",
        "Proposition",
        "1.2",
        1,
        "Sum rule",
        r"$f, g \in \mathcal{D}(E,F) \Rightarrow g + f \in \mathcal{D}(E,\mathbb{R}^m)$ and "
        r"$\mathcal{J}_{g+f}(a) = \mathcal{J}_g(a) + \mathcal{J}_f(a) \in \mathcal{M}_{m,n}$.",
        implemented_by=_names("differentials", "sum_jacobian"),
        errata=(
            _E(
                "statement",
                r"\mathcal{J}_{g+f} : \mathring{E} \longrightarrow F",
                r"\mathcal{J}_{g+f} : \mathring{E} \longrightarrow \mathcal{M}_{m,n}",
            ),
            _E(
                "statement",
                r"g + f \in \mathcal{D}(E, F)",
                r"g + f \in \mathcal{D}(E, \mathbb{R}^m): F need not be closed under addition "
                r"(F = ]0,1[, f = g = 0.6 gives g + f = 1.2 \notin F)",
            ),
        ),
        checked_by=(_TD + "test_proposition_1_2_sum_rule",),
    ),
    Statement(
        "Theorem 1.3",
        "Theorem",
        "1.3",
        1,
        "Chain rule",
        r"$f \in \mathcal{D}(E,F)$, $g \in \mathcal{D}(F,G)$ with $f(\mathring{E}) \subseteq \mathring{F}$ "
        r"$\Rightarrow g \circ f \in \mathcal{D}(E,G)$ and "
        r"$\mathcal{J}_{g \circ f}(a) = \mathcal{J}_g(f(a))\,\mathcal{J}_f(a) \in \mathcal{M}_{p,n}$.",
        implemented_by=_names("differentials", "chain_jacobian", "compose_jacobians"),
        errata=(
            _E(
                "statement",
                r"\mathcal{J}_{g \circ f} : \mathring{E} \longrightarrow G",
                r"\mathcal{J}_{g \circ f} : \mathring{E} \longrightarrow \mathcal{M}_{p,n}",
            ),
            _E(
                "statement",
                r"f \in \mathcal{D}(E, F),\ g \in \mathcal{D}(F, G) \Longrightarrow g \circ f \in \mathcal{D}(E, G)",
                r"also needs f(\mathring{E}) \subseteq \mathring{F}, i.e. g differentiable at every f(a): with "
                r"F = [0, +\infty[, f(x) = x^2 \in \mathcal{D}(\mathbb{R}, F) and g = \sqrt{\cdot} \in "
                r"\mathcal{D}(F, \mathbb{R}) (Definition 1.1 only asks for differentiability on ]0, +\infty[), "
                r"g \circ f = |\cdot| is not differentiable at 0",
            ),
            _E(
                "proof",
                r"\underset{h \to 0}{o}\Big(\big\| \tfrac{\partial f}{\partial h}(a) + "
                r"\underset{h \to 0}{o}(\|h\|_n) \big\|_n\Big)",
                r"\underset{h \to 0}{o}\Big(\big\| \tfrac{\partial f}{\partial h}(a) + "
                r"\underset{h \to 0}{o}(\|h\|_n) \big\|_m\Big) (the argument is a vector of \mathbb{R}^m)",
            ),
            _E(
                "proof",
                r"\frac{\partial g}{\partial \cdot}(a) \in \mathcal{L}(\mathbb{R}^m, \mathbb{R}^p), "
                r"\frac{\partial g}{\partial \cdot}(a) \in \mathcal{C}(\mathbb{R}^m, \mathbb{R}^p) "
                r"\text{ (justifications of the 3rd and 4th equalities)}",
                r"\frac{\partial g}{\partial \cdot}(f(a)): the differential of g is taken at f(a), not at a",
            ),
        ),
        checked_by=(
            _TD + "test_theorem_1_3_chain_rule_dense_relu_dense",
            _TD + "test_theorem_1_3_compose_jacobians_smooth_chain",
        ),
    ),
    Statement(
        "Assumption 1",
        "Assumption",
        "1",
        1,
        "Derivative of max(0, .) (a convention)",
        r"$\max(0,\cdot)$ is treated as differentiable on $\mathbb{R}$ with "
        r"$\max(0,\cdot)'(x) = \mathbb{1}_{\mathbb{R}^{+*}}(x)$, i.e. the value 0 at 0 (true derivative on "
        r"$\mathbb{R}^*$ only).",
        implemented_by=_names("activations", "relu_derivative"),
        errata=(
            _E(
                "notation",
                r"Note: \ldots the notation \mathbb{R}^* means \mathbb{R}_{\setminus\{0\}}",
                r"the formula uses \mathbb{R}^{+*} = ]0, +\infty[ (positive reals, 0 excluded), so "
                r"\mathbb{1}_{\mathbb{R}^{+*}}(0) = 0; \mathbb{R}^* = \mathbb{R} \setminus \{0\} is where the "
                r"derivative really exists",
            ),
            _E(
                "statement",
                r"max(0,\cdot) \in \mathcal{D}(\mathbb{R}, \mathbb{R}^+)",
                r"max(0,\cdot) \in \mathcal{D}(\mathbb{R}^*, \mathbb{R}^+) only: at 0 the one-sided derivatives "
                r"are 0 and 1, so max(0,\cdot)'(0) := 0 is a convention (the one PyTorch, JAX and TensorFlow "
                r"use), not a derivative",
            ),
        ),
        checked_by=(_TD + "test_proposition_2_1_relu_is_not_differentiable_at_0",),
    ),
    # ------------------------------------------------------------------------------------------------ Section 2
    Statement(
        "Definition 2.1",
        "Definition",
        "2.1",
        2,
        "ReLU",
        r"$\mathcal{R}: \mathbb{R}^m \to \mathbb{R}^m$, "
        r"$z \mapsto [\max(0, z_1) \cdots \max(0, z_m)]$.",
        implemented_by=_names("activations", "relu"),
        errata=(
            _E(
                "statement",
                r"z \longmapsto \begin{bmatrix} max(0, z_1) \\ \vdots \\ max(0, z_m) \end{bmatrix}",
                r"z \longmapsto \begin{bmatrix} max(0, z_1) & \cdots & max(0, z_m) \end{bmatrix}: "
                r"Convention 2 makes vectors rows, and the printed column has the wrong shape",
            ),
        ),
    ),
    Statement(
        "Proposition 2.1",
        "Proposition",
        "2.1",
        2,
        "Jacobian of ReLU",
        r"Under Assumption 1, $\mathcal{J}_{\mathcal{R}}(z) = \mathrm{diag}(\mathbb{1}_{\mathbb{R}^{+*}}(z_1), "
        r"\dots, \mathbb{1}_{\mathbb{R}^{+*}}(z_m))$ (a true Jacobian where every $z_i \neq 0$).",
        implemented_by=_names("activations", "relu_jacobian"),
        errata=(
            _E(
                "statement",
                r"\mathcal{R} \in \mathcal{D}(\mathbb{R}^m, \mathbb{R}^m)",
                r"\mathcal{R} \in \mathcal{D}(U, \mathbb{R}^m) with U = \{z : z_i \neq 0\ \forall i\}; at a z with "
                r"some z_i = 0 the displayed matrix is the convention of Assumption 1, not a Jacobian (the "
                r"remainder ratio of Definition 1.1 stays bounded away from 0 for every candidate matrix)",
            ),
        ),
        checked_by=(_TD + "test_proposition_2_1_relu_is_not_differentiable_at_0",),
    ),
    Statement(
        "Definition 2.2",
        "Definition",
        "2.2",
        2,
        "Softmax",
        r"$\mathcal{S}: \mathbb{R}^m \to\ ]0,1[^m$ ($m \geq 2$), "
        r"$\mathcal{S}(z)_i = e^{z_i} / \sum_{k=1}^m e^{z_k}$.",
        implemented_by=_names("activations", "softmax", "log_softmax"),
        errata=(
            _E(
                "statement",
                r"\mathscr{S} : \mathbb{R}^m \longrightarrow ]0,1[^m",
                r"\mathscr{S} : \mathbb{R}^m \longrightarrow ]0,1[^m for m \geq 2 only: for m = 1, "
                r"\mathscr{S} \equiv 1 \notin ]0,1[",
            ),
            _E(
                "statement",
                r"z \longmapsto \begin{bmatrix} \frac{e^{z_1}}{\sum_{k=1}^m e^{z_k}} \\ \vdots \\ "
                r"\frac{e^{z_m}}{\sum_{k=1}^m e^{z_k}} \end{bmatrix}",
                r"z \longmapsto \begin{bmatrix} \frac{e^{z_1}}{\sum_k e^{z_k}} & \cdots & "
                r"\frac{e^{z_m}}{\sum_k e^{z_k}} \end{bmatrix}: a row, by Convention 2",
            ),
        ),
        checked_by=(_TN + "test_jacobian_route_needs_two_classes",),
    ),
    Statement(
        "Proposition 2.2",
        "Proposition",
        "2.2",
        2,
        "Jacobian of Softmax",
        r"$\mathcal{S} \in \mathcal{D}(\mathbb{R}^m, ]0,1[^m)$ with "
        r"$\mathcal{J}_{\mathcal{S}}(z)_{i,j} = \mathcal{S}_i(z)\,(\delta_{i,j} - \mathcal{S}_j(z))$.",
        implemented_by=_names("activations", "softmax_jacobian", "softmax_vjp"),
        errata=(
            _E(
                "statement",
                r"\mathcal{S} = (\mathcal{S}_1 \dots \mathcal{S}_m) \in "
                r"\mathcal{D}(\mathbb{R}^m, ]0,1[^m)",
                r"\mathcal{S} \in \mathcal{D}(\mathbb{R}^m, ]0,1[^m) for m \geq 2 (as Definition 2.2); for m = 1, "
                r"\mathscr{S} \equiv 1 and \mathcal{J}_{\mathscr{S}} = [0]",
            ),
        ),
    ),
    # ------------------------------------------------------------------------------------------------ Section 3
    Statement(
        "Definition 3.1",
        "Definition",
        "3.1",
        3,
        "Categorical cross-entropy",
        r"$\xi: ]0,1[^m \times \{0,1\}^m \to \mathbb{R}$, $(y, y^*) \mapsto -\sum_{k=1}^m y^*_k \log(y_k)$.",
        implemented_by=_names("losses", "cross_entropy"),
    ),
    Statement(
        "Proposition 3.1",
        "Proposition",
        "3.1",
        3,
        "Gradient of the cross-entropy",
        r"For $y^* \in \{0,1\}^m$, $\xi(\cdot, y^*) \in \mathcal{D}(]0,1[^m, \mathbb{R})$ with "
        r"$\nabla_{\xi(\cdot,y^*)}(y) = -[y^*_1/y_1 \cdots y^*_m/y_m] \in \mathbb{R}^m$.",
        implemented_by=_names("losses", "cross_entropy_gradient"),
        errata=(
            _E(
                "statement",
                r"\nabla_{\xi(\cdot,y^*)} : ]0,1[^m \longrightarrow \mathbb{R}",
                r"\nabla_{\xi(\cdot,y^*)} : ]0,1[^m \longrightarrow \mathbb{R}^m",
            ),
            _E(
                "proof",
                r"\text{Let } j \in [\![1, m]\!] \ldots \frac{\partial \xi(\cdot, y^*)}{\partial e_i}(y) "
                r"= -\frac{y^*_j}{y_i}",
                r"\frac{\partial \xi(\cdot, y^*)}{\partial e_j}(y) = -\frac{y^*_j}{y_j}",
            ),
        ),
    ),
    # ------------------------------------------------------------------------------------------------ Section 4
    Statement(
        "Definition 4.1",
        "Definition",
        "4.1",
        4,
        "Dense layer",
        r"$\mathbb{L}: \mathbb{R}^n \times \mathcal{M}_{m,n} \times \mathbb{R}^m \to \mathbb{R}^m$, "
        r"$(y, W, b) \mapsto y W^T + b$.",
        implemented_by=_names("layers", "check_dense_parameters", "dense"),
    ),
    Statement(
        "Proposition 4.1",
        "Proposition",
        "4.1",
        4,
        "Jacobian of the dense layer with respect to its input",
        r"$\mathbb{L}(\cdot, W, b) \in \mathcal{D}(\mathbb{R}^n, \mathbb{R}^m)$ with "
        r"$\mathcal{J}_{\mathbb{L}(\cdot,W,b)}(y) = W \in \mathcal{M}_{m,n}$.",
        implemented_by=_names("layers", "dense_jacobian_input"),
        errata=(
            _E(
                "statement",
                r"\ldots \in \mathcal{D}(\mathbb{R}^n, \mathbb{R}^m) \text{ and its gradient is}",
                r"\ldots \text{ and its jacobian is} (Definition 1.2 reserves 'gradient' for m = 1)",
            ),
        ),
    ),
    Statement(
        "Proposition 4.2",
        "Proposition",
        "4.2",
        4,
        "Jacobian of the dense layer with respect to a weight row",
        r"For each $i^* \in [\![1,m]\!]$, $\mathbb{L}$ as a function of the row $W_{i^*,:} \in \mathbb{R}^n$ is "
        r"differentiable with Jacobian in $\mathcal{M}_{m,n}$ equal to $y$ in row $i^*$ and 0 elsewhere.",
        implemented_by=_names("layers", "dense_jacobian_weight_row", "dense_jacobian_weights"),
    ),
    Statement(
        "Proposition 4.3",
        "Proposition",
        "4.3",
        4,
        "Jacobian of the dense layer with respect to the bias",
        r"$\mathbb{L}(y, W, \cdot) \in \mathcal{D}(\mathbb{R}^m, \mathbb{R}^m)$ with "
        r"$\mathcal{J}_{\mathbb{L}(y,W,\cdot)}(b) = I_m$.",
        implemented_by=_names("layers", "dense_jacobian_bias"),
        errata=(
            _E(
                "statement",
                r"\ldots \in \mathcal{D}(\mathbb{R}^m, \mathbb{R}^m) \text{ and its gradient is}",
                r"\ldots \text{ and its jacobian is} (Definition 1.2 reserves 'gradient' for m = 1)",
            ),
            _E(
                "proof",
                r"\text{Let } i \in [\![1, m]\!], j \in [\![1, n]\!] \text{ and } b \in \mathbb{R}^m",
                r"j \in [\![1, m]\!] (b \in \mathbb{R}^m has m coordinates)",
            ),
        ),
    ),
    # ------------------------------------------------------------------------------------------------ Section 5
    Statement(
        "Proposition 5.1",
        "Proposition",
        "5.1",
        5,
        "Gradient through ReLU is a mask",
        r"For $\mathscr{F} \in \mathcal{D}(\mathbb{R}^m, \mathbb{R})$ and $y = \mathcal{R}(z)$: "
        r"$\nabla_{\mathscr{F} \circ \mathcal{R}}(z) = [\nabla_{\mathscr{F}}(y)_1 \mathbb{1}_{\mathbb{R}^{+*}}(z_1) "
        r"\cdots \nabla_{\mathscr{F}}(y)_m \mathbb{1}_{\mathbb{R}^{+*}}(z_m)]$: no matrix product needed.",
        implemented_by=_names("activations", "relu_vjp"),
    ),
    Statement(
        "Proposition 5.2",
        "Proposition",
        "5.2",
        5,
        "Gradient through a dense layer with respect to a weight row",
        r"For $\mathscr{F} \in \mathcal{D}(\mathbb{R}^m, \mathbb{R})$ and $z = \mathbb{L}(y, \dots, w, \dots, b)$: "
        r"$\nabla_{\mathscr{F} \circ \mathbb{L}(y, \dots, \cdot, \dots, b)}(w) = \nabla_{\mathscr{F}}(z)_{i^*}\, y$; "
        r"stacked over $i^*$: $\nabla_{\mathscr{F}}(z)^T y$.",
        implemented_by=_names("layers", "dense_vjp"),
        errata=(
            _E(
                "statement",
                r"w \longmapsto \nabla_{\mathscr{F}^{(upstream)}}(z)_{i^*} * v",
                r"w \longmapsto \nabla_{\mathscr{F}^{(upstream)}}(z)_{i^*} * y (v is never defined; the proof "
                r"and the note give y)",
            ),
            _E(
                "proof",
                r"\frac{\partial \nabla_{\mathscr{F}^{(upstream)} \circ \mathbb{L}(y, w^{(1)}, \dots, \cdot, "
                r"\dots, w^{(m-1)}, b)}}{\partial e_j}(w)",
                r"\frac{\partial (\mathscr{F}^{(upstream)} \circ \mathbb{L}(y, w^{(1)}, \dots, \cdot, \dots, "
                r"w^{(m-1)}, b))}{\partial e_j}(w) (the partial derivative of the composite, not of its "
                r"gradient)",
            ),
        ),
    ),
    Statement(
        "Proposition 5.3",
        "Proposition",
        "5.3",
        5,
        "Fused Softmax and cross-entropy gradient",
        r"For $y^* \in \{0,1\}^m$ with $\|y^*\|_m = 1$: "
        r"$\nabla_{\xi(\cdot,y^*) \circ \mathcal{S}}(z) = \mathcal{S}(z) - y^* \in \mathbb{R}^m$ "
        r"(any $y^*$ with $\sum_k y^*_k = 1$ works).",
        implemented_by=(
            *_names("losses", "cross_entropy_from_logits", "softmax_cross_entropy_gradient"),
            *_names("network", "BackpropWorkspace", "backprop_gradients"),
        ),
        errata=(
            _E(
                "statement",
                r"\nabla_{\xi(\cdot,y^*)\circ\mathscr{S}} : \mathbb{R}^m \longrightarrow \mathbb{R}",
                r"\nabla_{\xi(\cdot,y^*)\circ\mathscr{S}} : \mathbb{R}^m \longrightarrow \mathbb{R}^m",
            ),
            _E(
                "proof",
                r"y^* \in \{0,1\}^m, \|y\|_m = 1",
                r"y^* \in \{0,1\}^m, \|y^*\|_m = 1; the step only uses \sum_{k=1}^m y^*_k = 1, so "
                r"\mathscr{S}(z) - y^* holds for every target on the probability simplex",
            ),
        ),
        checked_by=(_TN + "test_two_routes_agree_on_random_networks",),
    ),
    Statement(
        "Definition 5.1",
        "Definition",
        "5.1",
        5,
        "Multi-class dense neural network",
        r"For widths $(m_k)_{k \in [\![0,p]\!]}$: $\mathcal{N}_{c^+}(x, (W^{(k)}), (b^{(k)})) = "
        r"(\mathcal{S} \circ \mathbb{L}^{(p)}) \circ (\mathcal{R}^{(p-1)} \circ \mathbb{L}^{(p-1)}) \circ \cdots "
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
            "logits",
            "predict",
        ),
        errata=(
            _E(
                "statement",
                r"(m_k)_{k \in [\![0,p]\!]} \in (\mathbb{N}^*)^p",
                r"(m_k)_{k \in [\![0,p]\!]} \in (\mathbb{N}^*)^{p+1} (p + 1 widths m_0, \dots, m_p; and "
                r"m_p \geq 2 for \mathscr{S} to map into ]0,1[^{m_p}, Definition 2.2)",
            ),
        ),
        checked_by=(_TN + "test_forward_rows_are_probabilities",),
    ),
    Statement(
        "Corollary of Definition 5.1",
        "Corollary",
        "5.1",
        5,
        "Differentiability and parameter count of the network",
        r"$\mathcal{N}_{c^+}$ is differentiable (under Assumption 1) and has "
        r"$\sum_{k=1}^p m_k\,(m_{k-1} + 1)$ parameters.",
        implemented_by=_names("network", "parameter_count", "unflatten"),
        errata=(
            _E(
                "statement",
                r"\mathcal{N}_{c^+} \in \mathcal{D}(\ldots, \mathbb{R}^{m_p})",
                r"\mathcal{N}_{c^+} is " + _ASSUMPTION_1_CAVEAT,
            ),
        ),
        checked_by=(_TN + "test_parameter_count_matches_arrays",),
    ),
    Statement(
        "Definition 5.2",
        "Definition",
        "5.2",
        5,
        "Multi-class optimisation problem and its objective",
        r"$(\mathscr{P}_{c^+})$: minimise over $(W^{(k)}, b^{(k)})$ the objective "
        r"$\mathcal{O}_{c^+}(X, Y^*, \cdot, \cdot) = \sum_{i=1}^n \xi(\mathcal{N}_{c^+}(x^{(i)}, \cdot, \cdot), "
        r"y^{*(i)})$ with one-hot targets $y^{*(i)}$.",
        implemented_by=_names("network", "objective"),
        checked_by=(_TN + "test_reduction_mean_is_sum_over_n",),
    ),
    Statement(
        "Corollary of Definition 5.2",
        "Corollary",
        "5.2",
        5,
        "The objective is differentiable; gradients by the chain rule",
        r"$\mathcal{O}_{c^+}(X, Y^*, \cdot, \cdot)$ is differentiable (under Assumption 1); its gradients follow "
        r"recursively from Propositions 1.2, 4.1-4.3, 5.1-5.3 and Theorem 1.3.",
        implemented_by=_names("network", "jacobian_gradients", "gradients"),
        errata=(
            _E(
                "note",
                r"\text{using } (1.2), (4), (8), (12), (10), (11) \text{ and } (13)",
                r"\text{using } (3), (4), (8), (12), (10), (11) \text{ and } (13): the sum rule is equation (3) of "
                r"Proposition 1.2; every other reference in the list is an equation number",
            ),
            _E(
                "statement",
                r"\mathcal{O}_{c^+}(X, Y^*, \cdot, \cdot) \in \mathcal{D}(\ldots, \mathbb{R})",
                r"\mathcal{O}_{c^+}(X, Y^*, \cdot, \cdot) is differentiable wherever no sample x^{(i)} has a "
                r"hidden pre-activation z^{(k)}_j (k < p) equal to 0; at the other parameters it can fail to be, "
                r"and its 'gradient' applies the convention max(0,\cdot)'(0) = 0 of Assumption 1",
            ),
        ),
        checked_by=(
            _TN + "test_two_routes_agree_on_random_networks",
            _TN + "test_gradients_match_central_differences_of_objective",
        ),
    ),
    # ------------------------------------------------------------------------------------------------ Section 6
    Statement(
        "Definition 6.1",
        "Definition",
        "6.1",
        6,
        "Convexity",
        r"$f \in \mathcal{D}(\mathbb{R}^m, \mathbb{R})$ is convex if "
        r"$f(\tau x + (1-\tau) y) \leq \tau f(x) + (1-\tau) f(y)$ for all $x, y$ and $\tau \in [0,1]$.",
        checked_by=(_TO + "test_definition_6_1_and_proposition_6_1_convexity",),
    ),
    Statement(
        "Proposition 6.1",
        "Proposition",
        "6.1",
        6,
        "First-order characterisation of convexity",
        r"$f \in \mathcal{D}(\mathbb{R}^m, \mathbb{R})$ is convex $\iff$ "
        r"$f(x) + \nabla_f(x)(y - x)^T \leq f(y)$ for all $x, y$.",
        errata=(
            _E(
                "proof",
                r"\exists \eta \in \mathbb{R}^{+*}, \forall \tau \in [-\eta, \eta], \ldots \leq \tau * f(y) + "
                r"(1 - \tau) * f(x)",
                r"\forall \tau \in ]0, \min(\eta, 1)]: the convexity inequality (15) holds for \tau \in [0, 1] only, "
                r"and dividing by \tau keeps the inequality only for \tau > 0; the remainder then becomes "
                r"\underset{\tau \to 0}{o}(1) \|y - x\|_m",
            ),
            _E(
                "proof",
                r"(b): f(y) + \tau * \nabla_f(z) * (y - x)^T = f(z) + \nabla_f(z) * (y - z)^T \leq f(y)",
                r"(b): f(z) + \tau * \nabla_f(z) * (y - x)^T = f(z) + \nabla_f(z) * (y - z)^T \leq f(y) "
                r"(since y - z = \tau (y - x))",
            ),
        ),
        checked_by=(
            _TO + "test_definition_6_1_and_proposition_6_1_convexity",
            _TO + "test_proposition_6_1_proof_identities",
        ),
    ),
    Statement(
        "Definition 6.2",
        "Definition",
        "6.2",
        6,
        "L-smoothness",
        r"$f \in \mathcal{D}(\mathbb{R}^m, \mathbb{R})$ is $L$-smooth if "
        r"$\|\nabla_f(x) - \nabla_f(y)\|_m \leq L \|x - y\|_m$ for all $x, y$.",
        checked_by=(_TO + "test_definition_6_2_and_proposition_6_2_smoothness",),
    ),
    Statement(
        "Proposition 6.2",
        "Proposition",
        "6.2",
        6,
        "Quadratic upper bound (descent lemma)",
        r"If $f$ is $L$-smooth: $f(y) \leq f(x) + \nabla_f(x)(y - x)^T + \frac{L}{2}\|y - x\|_m^2$ for all $x, y$.",
        checked_by=(_TO + "test_definition_6_2_and_proposition_6_2_smoothness",),
    ),
    Statement(
        "Proposition 6.3",
        "Proposition",
        "6.3",
        6,
        "Co-coercivity of the gradient",
        r"If $f$ is convex and $L$-smooth: $\frac{1}{L}\|\nabla_f(y) - \nabla_f(x)\|_m^2 \leq "
        r"(\nabla_f(y) - \nabla_f(x))(y - x)^T$ for all $x, y$.",
        errata=(
            _E(
                "proof",
                r"z = x - \frac{1}{L}(\nabla_f(y) - \nabla_f(x))",
                r"z = x - \frac{1}{L}(\nabla_f(x) - \nabla_f(y)): with the printed sign the second line equals "
                r"\nabla_f(y) (y - x)^T + \frac{3}{2L}\|\nabla_f(x) - \nabla_f(y)\|_m^2, not "
                r"\nabla_f(y) (y - x)^T - \frac{1}{2L}\|\nabla_f(x) - \nabla_f(y)\|_m^2",
            ),
        ),
        checked_by=(_TO + "test_proposition_6_3_co_coercivity", _TO + "test_proposition_6_3_proof_auxiliary_point"),
    ),
    Statement(
        "Definition 6.3",
        "Definition",
        "6.3",
        6,
        "Global minimum",
        r"$x^* \in \mathbb{R}^m$ is a global minimum of $f \in \mathcal{F}(\mathbb{R}^m, \mathbb{R})$ if "
        r"$f(x^*) \leq f(x)$ for all $x$.",
        checked_by=(_TO + "test_definition_6_3_and_proposition_6_4_minimiser",),
    ),
    Statement(
        "Proposition 6.4",
        "Proposition",
        "6.4",
        6,
        "The gradient vanishes at a global minimum",
        r"If $f \in \mathcal{D}(\mathbb{R}^m, \mathbb{R})$ has a global minimum at $x^*$ then "
        r"$\nabla_f(x^*) = 0_{\mathbb{R}^m}$.",
        errata=(
            _E(
                "proof",
                r"\text{Let } x^* \text{ global minimum of } f, v \in \mathbb{R}^m \text{ and} "
                r"\text{ (g is used but never defined)}",
                r"\text{and } g : \mathbb{R} \to \mathbb{R}^m, \tau \mapsto x^* + \tau v, so that "
                r"(f \circ g)'(0) = \nabla_f(x^*) v^T (Theorem 1.3)",
            ),
            _E(
                "proof",
                r"\underset{\tau \to 0}{o}(\tau) \leq (f \circ g)'(0) \leq \underset{\tau \to 0}{o}(\tau)",
                r"\underset{\tau \to 0}{o}(1) \leq (f \circ g)'(0) \leq \underset{\tau \to 0}{o}(1) (after "
                r"dividing by \tau > 0)",
            ),
            _E(
                "proof",
                r"(e_i)_{i \in [\![1,n]\!]} \text{ corresponding to } \mathbb{R}^m \text{ standard basis}",
                r"(e_i)_{i \in [\![1,m]\!]}",
            ),
        ),
        checked_by=(_TO + "test_definition_6_3_and_proposition_6_4_minimiser",),
    ),
    Statement(
        "Definition 6.4",
        "Definition",
        "6.4",
        6,
        "Gradient descent",
        r"$x^{(n+1)} = x^{(n)} - \alpha \nabla_f(x^{(n)})$ for $n \in \mathbb{N}$, from $x^{(0)} \in \mathbb{R}^m$, "
        r"learning rate $\alpha > 0$.",
        implemented_by=_names("optim", "apply_updates", "GradientDescent", "gradient_descent_sequence"),
        errata=(_N_STAR_RECURSION,),
        checked_by=(_TO + "test_gradient_descent_two_steps_by_hand",),
    ),
    Statement(
        "Proposition 6.5",
        "Proposition",
        "6.5",
        6,
        "O(1/n) convergence of gradient descent",
        r"If $f$ is convex, $L$-smooth with a global minimum $x^*$ and $0 < \alpha < 2/L$: "
        r"$f(x^{(n)}) - f(x^*) \leq \|x^{(0)} - x^*\|_m^2 / (nC)$ for $n \geq 1$, $C = \alpha - L\alpha^2/2$.",
        errata=(
            _E(
                "note",
                r"\text{converge to the global minimum } x_v^* \text{ with a rate of } "
                r"\underset{n \to 0}{o}(n^{-1})",
                r"f(x_v^{(n)}) converges to f(x_v^*) with f(x_v^{(n)}) - f(x_v^*) = O(1/n) as n \to \infty (what the "
                r"proof gives): the "
                r"bound is on the values, not a proof that x_v^{(n)} \to x_v^* (the minimiser need not be "
                r"unique), and n \to 0 is meaningless for a sequence",
            ),
            _E(
                "proof",
                r"\delta^{(n+1)} \leq \delta^{(n)} - \frac{C}{\|x_v^{(0)} - x_v^*\|_m^2} * \delta^{(n)}",
                r"\delta^{(n+1)} \leq \delta^{(n)} - \frac{C}{\|x_v^{(0)} - x_v^*\|_m^2} * (\delta^{(n)})^2: "
                r"(a) with \|\nabla_f(x_v^{(n)})\|_m \geq \delta^{(n)} / \|x_v^{(0)} - x_v^*\|_m gives the "
                r"square; the printed linear rate is false for convex functions in general, and the next line "
                r"only follows from the squared form",
            ),
        ),
        checked_by=(
            _TO + "test_proposition_6_5_rate",
            _TO + "test_proposition_6_5_divergence_above_2_over_L",
            _TO + "test_proposition_6_5_proof_recursion",
        ),
    ),
    Statement(
        "Definition 6.5",
        "Definition",
        "6.5",
        6,
        "Gradient descent with momentum",
        r"$m^{(0)} = 0$, $m^{(n+1)} = \beta m^{(n)} + (1-\beta)\nabla_f(x^{(n)})$, "
        r"$x^{(n+1)} = x^{(n)} - \alpha m^{(n+1)}$ for $n \in \mathbb{N}$, $\alpha > 0$, $\beta \in [0, 1[$.",
        implemented_by=_names("optim", "MomentumState", "Momentum", "momentum_sequence"),
        errata=(
            _E(
                "statement",
                r"x_m^{(n+1)} = x_m^{(n)} - \alpha m^{(n)}",
                r"x_m^{(n+1)} = x_m^{(n)} - \alpha m^{(n+1)}: with m^{(0)} = 0 the printed step gives "
                r"x_m^{(1)} = x_m^{(0)} (the first step never moves) and every later step lags one gradient "
                r"behind (mathdnn_core.optim uses the corrected form; momentum_sequence(indexing='paper') "
                r"reproduces the printed one)",
            ),
            _N_STAR_RECURSION,
            _E(
                "statement",
                r"\beta \in [0, 1]",
                r"\beta \in [0, 1[: with \beta = 1, m^{(n)} = 0 for every n and the sequence never moves",
            ),
        ),
        checked_by=(_TO + "test_momentum_two_steps_by_hand", _TO + "test_momentum_sequence_paper_indexing"),
    ),
    Statement(
        "Definition 6.6",
        "Definition",
        "6.6",
        6,
        "Back-propagation gradient descent; minibatches",
        r"$W^{(k)} \leftarrow W^{(k)} - \alpha \widetilde{\nabla}_{W^{(k)}} \mathcal{O}_{c^+}$, "
        r"$b^{(k)} \leftarrow b^{(k)} - \alpha \nabla_{b^{(k)}} \mathcal{O}_{c^+}$ for all layers at once; the "
        r"stochastic variant uses the mean gradient of batches of $b = 32$ rows drawn without replacement "
        r"(last batch $\leq b$).",
        implemented_by=_names("optim", "minibatches"),
        errata=(
            _E("statement", *_SHAPES_67),
            _N_STAR_RECURSION,
            _W_TYPO,
            _E(
                "statement",
                r"\alpha \in \mathbb{R}^{+*} \text{ and } \beta \in [0, 1]",
                r"\alpha \in \mathbb{R}^{+*} only: plain back-propagation gradient descent has no momentum, "
                r"\beta is never used",
            ),
            _E(
                "note",
                r"\text{The estimated gradient is equal to the mean of the gradients of each batch.}",
                r"for one batch B the step uses \frac{1}{|B|} \sum_{i \in B} \nabla (\xi(\cdot, y^{*(i)}) \circ "
                r"\mathcal{N}_{c^+}(x^{(i)}, \cdot, \cdot)), an estimate of \frac{1}{n} \nabla \mathcal{O}_{c^+} "
                r"(Definition 5.2 sums over the n samples), not of \nabla \mathcal{O}_{c^+}: the factor n is "
                r"absorbed by \alpha",
            ),
        ),
        checked_by=(
            _TO + "test_minibatches_partition_the_samples",
            _TO + "test_definition_6_6_minibatch_gradient_estimate",
        ),
    ),
    Statement(
        "Definition 6.7",
        "Definition",
        "6.7",
        6,
        "Back-propagation gradient descent with momentum",
        r"Definition 6.5 applied to every $W^{(k)}$ and $b^{(k)}$ with the gradients of Definition 6.6: "
        r"$m \leftarrow \beta m + (1-\beta)\widetilde{\nabla}\mathcal{O}_{c^+}$, then "
        r"$\text{parameter} \leftarrow \text{parameter} - \alpha m$.",
        implemented_by=_names("training", "fit"),
        errata=(
            _E("statement", *_SHAPES_67),
            _E(
                "statement",
                r"(0_{\mathcal{M}_{m_{k+1},m_k}}, 0_{\mathbb{R}^{m_{k+1}}})",
                r"(0_{\mathcal{M}_{m_k,m_{k-1}}}, 0_{\mathbb{R}^{m_k}})",
            ),
            _N_STAR_RECURSION,
            _W_TYPO,
            _E(
                "statement",
                r"W^{(k)(n+1)} = W^{(k)(n)} - \alpha m_{W^{(k)}}^{(n)}, \ "
                r"b^{(k)(n+1)} = b^{(k)(n)} - \alpha m_{b^{(k)}}^{(n)}",
                r"\ldots - \alpha m_{W^{(k)}}^{(n+1)}, \ldots - \alpha m_{b^{(k)}}^{(n+1)} (as in Definition 6.5: "
                r"with the printed index the first step never moves)",
            ),
            _E("statement", r"\beta \in [0, 1]", r"\beta \in [0, 1[ (\beta = 1 freezes the parameters)"),
        ),
        checked_by=(_TO + "test_definition_6_7_momentum_on_network",),
    ),
)

#: Errata in the unnumbered Notations, as ``(notation, erratum)`` pairs.
NOTATION_ERRATA: tuple[tuple[str, Erratum], ...] = (
    (
        "Notation 1",
        _E(
            "notation",
            r"\forall i \in [1, n], j \in [1, m], A_{i,j} = \begin{bmatrix} a_{i,1} & \cdots & a_{i,n} "
            r"\end{bmatrix}",
            r"\forall i \in [1, n], A_{i,:} = \begin{bmatrix} a_{i,1} & \cdots & a_{i,m} \end{bmatrix} "
            r"(the i-th row has m entries; A_{i,j} is the scalar a_{i,j})",
        ),
    ),
    (
        "Notation 2",
        _E(
            "notation",
            r"C_{i,j} = \sum_{k=1}^{n} A_{i,k} * B_{k,j}",
            r"C_{i,j} = \sum_{k=1}^{m} A_{i,k} * B_{k,j} (A \in \mathcal{M}_{n,m}, "
            r"B \in \mathcal{M}_{m,p})",
        ),
    ),
    (
        "Notation 17",
        _E(
            "notation",
            r"i^* \in [\![1, m_{k+1}]\!]",
            r"i^* \in [\![1, m_k]\!]: W^{(k)} \in \mathcal{M}_{m_k, m_{k-1}} has m_k rows "
            r"(Definition 5.1)",
        ),
    ),
)

#: The notebook that demonstrates each erratum, keyed by (statement or notation, start of the printed text).
#: ``tests/test_paper.py`` checks every key matches exactly one erratum and every erratum of a section that has a
#: notebook (:data:`NOTEBOOKS`) is demonstrated in one.
DEMONSTRATED_IN: dict[tuple[str, str], str] = {
    ("Notation 1", r"\forall i \in [1, n], j \in [1, m], A_{i,j}"): "01_differentials.ipynb",
    ("Notation 2", r"C_{i,j} = \sum_{k=1}^{n}"): "01_differentials.ipynb",
    ("Proposition 1.1", r"\mathcal{D}(E, F) \subset"): "01_differentials.ipynb",
    ("Definition 1.2", r"\frac{\partial f_m}{\partial a}"): "01_differentials.ipynb",
    ("Proposition 1.2", r"\mathcal{J}_{g+f}"): "01_differentials.ipynb",
    ("Proposition 1.2", r"g + f \in"): "01_differentials.ipynb",
    ("Theorem 1.3", r"\mathcal{J}_{g \circ f}"): "01_differentials.ipynb",
    ("Theorem 1.3", r"f \in \mathcal{D}(E, F),\ g"): "01_differentials.ipynb",
    ("Theorem 1.3", r"\underset{h \to 0}{o}\Big("): "01_differentials.ipynb",
    ("Theorem 1.3", r"\frac{\partial g}{\partial \cdot}(a)"): "01_differentials.ipynb",
    ("Assumption 1", r"Note: \ldots the notation"): "01_differentials.ipynb",
    ("Assumption 1", r"max(0,\cdot) \in"): "01_differentials.ipynb",
    ("Definition 2.1", r"z \longmapsto \begin{bmatrix} max(0, z_1) \\"): "02_activations.ipynb",
    ("Proposition 2.1", r"\mathcal{R} \in"): "02_activations.ipynb",
    ("Definition 2.2", r"\mathscr{S} : \mathbb{R}^m"): "02_activations.ipynb",
    ("Definition 2.2", r"z \longmapsto \begin{bmatrix} \frac{e^{z_1}}"): "02_activations.ipynb",
    ("Proposition 2.2", r"\mathcal{S} = (\mathcal{S}_1"): "02_activations.ipynb",
    ("Proposition 3.1", r"\nabla_{\xi(\cdot,y^*)} :"): "03_loss.ipynb",
    ("Proposition 3.1", r"\text{Let } j"): "03_loss.ipynb",
    ("Proposition 5.3", r"\nabla_{\xi(\cdot,y^*)\circ\mathscr{S}}"): "03_loss.ipynb",
    ("Proposition 5.3", r"y^* \in \{0,1\}^m, \|y\|_m = 1"): "03_loss.ipynb",
}


def _demonstrated(where: str, erratum: Erratum) -> Erratum:
    hits = [nb for (name, start), nb in DEMONSTRATED_IN.items() if name == where and erratum.printed.startswith(start)]
    return replace(erratum, notebook=hits[0]) if len(hits) == 1 else erratum


CATALOGUE = tuple(replace(s, errata=tuple(_demonstrated(s.id, e) for e in s.errata)) for s in CATALOGUE)
NOTATION_ERRATA = tuple((name, _demonstrated(name, e)) for name, e in NOTATION_ERRATA)
_BY_ID = {s.id: s for s in CATALOGUE}


# ----------------------------------------------------------------------------------------------------------------
# Look-ups
# ----------------------------------------------------------------------------------------------------------------
_ABBREVIATIONS = {
    "def": "Definition",
    "defn": "Definition",
    "prop": "Proposition",
    "thm": "Theorem",
    "assumption": "Assumption",
    "definition": "Definition",
    "proposition": "Proposition",
    "theorem": "Theorem",
    "cor": "Corollary",
    "corollary": "Corollary",
}


def _normalise(statement_id: str) -> str:
    words = re.sub(r"[.\s]+$", "", statement_id.strip()).split()
    out = []
    for w in words:
        key = w.lower().rstrip(".")
        out.append(_ABBREVIATIONS.get(key, w.lower() if key == "of" else w))
    return " ".join(out)


def get(statement_id: str) -> Statement:
    r"""The statement with this id, e.g. ``get("Proposition 5.3")``.

    Paper: all sections

    Case, extra spaces and the abbreviations ``Def``, ``Prop``, ``Thm``, ``Cor`` are forgiven
    (``get("prop 5.3")``). Raises ``KeyError`` naming the closest ids otherwise.
    """
    if not isinstance(statement_id, str):
        raise TypeError(f"a statement id is a string such as 'Proposition 5.3'; got {type(statement_id).__name__}")
    if statement_id in _BY_ID:
        return _BY_ID[statement_id]
    normalised = _normalise(statement_id)
    for key, statement in _BY_ID.items():
        if key.lower() == normalised.lower():
            return statement
    close = difflib.get_close_matches(normalised, list(_BY_ID), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise KeyError(
        f"no statement {statement_id!r} in the paper{hint} (ids look like 'Definition 1.1', "
        f"'Theorem 1.3', 'Assumption 1', 'Corollary of Definition 5.1')"
    )


def ids() -> tuple[str, ...]:
    r"""Every statement id, in the order of the paper.

    Paper: all sections
    """
    return tuple(s.id for s in CATALOGUE)


def by_section(section: int) -> tuple[Statement, ...]:
    r"""The statements of one section (1 to 6), in the order of the paper.

    Paper: all sections
    """
    if isinstance(section, bool) or not isinstance(section, int) or not 1 <= section <= 6:
        raise ValueError(f"the paper has sections 1 to 6; got {section!r}")
    return tuple(s for s in CATALOGUE if s.section == section)


def errata() -> list[tuple[Statement, Erratum]]:
    r"""Every erratum of a numbered statement, as ``(statement, erratum)`` pairs in the order of the paper.

    Paper: all sections

    The errata of the unnumbered Notations are in :data:`NOTATION_ERRATA`.
    """
    return [(s, e) for s in CATALOGUE for e in s.errata]


def _dotted_name(obj: Any) -> str:
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if not module or not qualname:
        raise TypeError(f"expected a dotted name or a function/class; got {obj!r}")
    return f"{module}.{qualname}"


def implementing(dotted_name: str | Any) -> list[Statement]:
    r"""The statements whose ``implemented_by`` lists this object (a dotted name, or the function/class itself).

    Paper: all sections
    """
    name = dotted_name if isinstance(dotted_name, str) else _dotted_name(dotted_name)
    return [s for s in CATALOGUE if name in s.implemented_by]


def resolve(dotted_name: str) -> Any:
    r"""Import and return the object named ``"package.module.attr[.attr...]"``.

    Paper: all sections
    """
    parts = dotted_name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)  # AttributeError names the missing piece
        return obj
    raise ImportError(f"cannot import any prefix of {dotted_name!r}")


# ----------------------------------------------------------------------------------------------------------------
# The "Paper:" line convention
# ----------------------------------------------------------------------------------------------------------------
_NUM = r"\d+(?:\.\d+)?"
_REFERENCE = re.compile(
    r"(?P<kind>Corollar(?:y|ies)\s+of\s+Definitions?|Definitions?|Propositions?|Theorems?|Assumptions?)\s+"
    rf"(?P<numbers>{_NUM}(?:\s*(?:,|&|\band\b|\bto\b|-|–)\s*{_NUM})*)"
)
_OTHER_DOCUMENT = re.compile(r"\s*Seed\s+\d+\s*,")
_KINDS = {
    "corollary": "Corollary of Definition",
    "corollaries": "Corollary of Definition",
    **{k: k.capitalize() for k in ("definition", "proposition", "theorem", "assumption")},
    **{k + "s": k.capitalize() for k in ("definition", "proposition", "theorem", "assumption")},
}


def _expand(numbers: str) -> list[str]:
    tokens = re.findall(rf"{_NUM}|-|–|\bto\b", numbers)
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok in ("-", "–", "to"):
            if not out or i + 1 >= len(tokens):
                raise ValueError(f"malformed range in {numbers!r}")
            start, end = out[-1], tokens[i + 1]
            (s_major, _, s_minor), (e_major, _, e_minor) = start.partition("."), end.partition(".")
            if s_major != e_major or not s_minor or not e_minor or int(e_minor) < int(s_minor):
                raise ValueError(f"a range must stay inside one section, e.g. '5.1-5.3'; got {numbers!r}")
            out.extend(f"{s_major}.{k}" for k in range(int(s_minor) + 1, int(e_minor) + 1))
            i += 2
        else:
            out.append(tok)
            i += 1
    return out


def parse_paper_line(text: str) -> tuple[str, ...]:
    r"""The statement ids of this paper cited by the text of one ``Paper:`` line (without the ``Paper:`` prefix).

    Paper: all sections

    See the module docstring for the format. Items (separated by ``;``) that start with ``Seed NNN,`` cite another
    document and are skipped. Ids are returned once each, in order of appearance.
    """
    found: list[str] = []
    for item in text.split(";"):
        if _OTHER_DOCUMENT.match(item):
            continue
        for match in _REFERENCE.finditer(item):
            kind = _KINDS[match["kind"].split()[0].lower()]
            for number in _expand(match["numbers"]):
                sid = f"{kind} {number}"
                if sid not in found:
                    found.append(sid)
    return tuple(found)


def paper_lines(doc: str | None) -> list[str]:
    r"""The text after ``Paper:`` of every line of a docstring that starts with ``Paper:``.

    Paper: all sections
    """
    if not doc:
        return []
    return [
        line.strip()[len("Paper:") :].strip()
        for line in inspect.cleandoc(doc).splitlines()
        if line.strip().startswith("Paper:")
    ]


def cited_statements(obj: Any) -> tuple[str, ...]:
    r"""The statement ids cited by the ``Paper:`` lines of an object's own docstring (a string works too).

    Paper: all sections
    """
    doc = obj if isinstance(obj, str) else getattr(obj, "__doc__", None)
    found: list[str] = []
    for line in paper_lines(doc):
        for sid in parse_paper_line(line):
            if sid not in found:
                found.append(sid)
    return tuple(found)


# ----------------------------------------------------------------------------------------------------------------
# Where each section is shown, and the README's statement table
# ----------------------------------------------------------------------------------------------------------------
#: The notebook of each section of the paper that has one (paths relative to the repository root).
NOTEBOOKS = {1: "notebooks/01_differentials.ipynb", 2: "notebooks/02_activations.ipynb", 3: "notebooks/03_loss.ipynb"}


def markdown_table() -> str:
    r"""The statement table of the README: every statement, what implements it, where it is checked, its errata.

    Paper: all sections

    ``tests/test_readme.py`` checks that README.md contains exactly this text, so the two cannot drift apart.
    """
    rows = ["| statement | § | title | implemented by | checked in | errata |", "|---|---|---|---|---|---|"]
    for s in CATALOGUE:
        code = ", ".join(f"`{name.removeprefix(_PKG + '.')}`" for name in s.implemented_by) or "—"
        checked = [f"[{NOTEBOOKS[s.section].split('/')[-1]}]({NOTEBOOKS[s.section]})"] if s.section in NOTEBOOKS else []
        test_files = sorted({c.split("::")[0] for c in s.checked_by} | set(_tests_of(s)))
        checked += [f"`{t.removeprefix('tests/')}`" for t in test_files]
        rows.append(
            f"| {s.id} | {s.section} | {s.title} | {code} | {', '.join(checked) or '—'} | {len(s.errata) or ''} |"
        )
    return "\n".join(rows)


def _tests_of(statement: Statement) -> list[str]:
    """The test files of the modules that implement a statement (one test file per module)."""
    modules = {name.split(".")[1] for name in statement.implemented_by if name.count(".") >= 2}
    return [f"tests/test_{module}.py" for module in sorted(modules)]
