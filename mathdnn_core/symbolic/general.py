r"""General dimension: each statement of §2–§5 differentiated entry by entry with a symbolic size ``m``.

``IndexedBase``/``Idx``/``KroneckerDelta``/``Sum``: each ``*_entry_general`` function differentiates the entry
``f_i`` with respect to the variable ``x_j`` and returns a :class:`GeneralEntry` holding the raw derivative, the
simplified one and the paper's formula; :func:`general_identity_holds` checks such an identity in general
(``simplify``) and for several concrete ``m``, at every index. ``Heaviside`` is read with Assumption 1 throughout.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import sympy as sp
from sympy.simplify.simplify import factor_sum

from .activations import apply_assumption_1, relu_derivative_expr
from .exact import to_latex

_m = sp.Symbol("m", integer=True, positive=True)
_n = sp.Symbol("n", integer=True, positive=True)


def _idx(name: str, upper: sp.Symbol) -> sp.Idx:
    return sp.Idx(name, (1, upper))


@dataclass(frozen=True, eq=False)
class GeneralEntry:
    r"""One entry of a Jacobian in general dimension: what SymPy derived and what the paper states.

    Paper: Definition 1.2

    Attributes
    ----------
    statement : the paper statement, e.g. ``"Proposition 2.2"``
    lhs : the unevaluated derivative, e.g. ``Derivative(S_i, z_j)``
    raw : ``lhs.doit()`` — SymPy's derivative before any simplification
    derived : ``raw`` simplified (sums of Kronecker deltas done, range conditions dropped, hypotheses applied)
    paper : the paper's formula for the entry
    given : hypotheses of the statement used by ``derived`` (e.g. ``Eq(Sum(y*_k), 1)``)
    symbols : the symbols involved, by name (``"m"``, ``"i"``, ``"z"``, ...)
    """

    statement: str
    lhs: sp.Expr
    raw: sp.Expr
    derived: sp.Expr
    paper: sp.Expr
    given: tuple = ()
    symbols: dict = field(default_factory=dict)
    notation: sp.Expr | None = None  # ``derived`` in the paper's notation (``S_i`` for Softmax), for display only

    def holds(self, m_values: Iterable[int] = (2, 3, 4, 5)) -> bool:
        r"""Whether SymPy's derivative equals the paper's formula (:func:`general_identity_holds` on ``raw``).

        Paper: Definition 1.2
        """
        return general_identity_holds(self.raw, self.paper, m_values, given=self.given)

    def _repr_latex_(self) -> str:
        derived = self.derived if self.notation is None else sp.Eq(self.derived, self.notation, evaluate=False)
        return (
            f"$\\displaystyle {to_latex(self.lhs)} = {to_latex(derived)}"
            f"\\quad\\text{{({self.statement}: }}{to_latex(self.paper)}\\text{{)}}$"
        )


def _range_of(idx: sp.Idx):
    return idx.lower, idx.upper


def _drop_range_conditions(expr):
    """Replace by ``True`` every relation on one index that holds at both ends of the index's range."""

    def implied(rel) -> bool:
        idxs = [s for s in rel.free_symbols if isinstance(s, sp.Idx)]
        if len(idxs) != 1 or idxs[0].lower is None:
            return False
        lo, hi = _range_of(idxs[0])
        return all(rel.subs(idxs[0], end) is sp.true for end in (lo, hi))  # linear in the index: convex

    return expr.replace(lambda e: isinstance(e, sp.core.relational.Relational) and implied(e), lambda e: sp.true)


def _pull_out_constants(expr):
    """Move factors that do not depend on a sum's index out of that sum (SymPy's ``factor_sum``)."""
    return expr.replace(lambda e: isinstance(e, sp.Sum), lambda e: factor_sum(e))


def _apply_given(expr, given: Sequence[sp.Eq]):
    for eq in given:
        expr = expr.xreplace({eq.lhs: eq.rhs})
    return expr


def _simplify_with_sums(expr) -> sp.Expr:
    """``simplify`` with every remaining ``Sum`` frozen into a positive/real dummy (SymPy's sum_simplify can crash)."""
    sums = sorted(expr.atoms(sp.Sum), key=sp.default_sort_key)
    frozen = {s: sp.Dummy("S", positive=bool(s.is_positive), real=True) for s in sums}
    return sp.simplify(expr.xreplace(frozen)).xreplace({v: k for k, v in frozen.items()})


def _general_simplify(expr, given: Sequence[sp.Eq] = ()) -> sp.Expr:
    expr = apply_assumption_1(sp.sympify(expr).doit())
    expr = _drop_range_conditions(expr)
    expr = _pull_out_constants(expr)
    expr = _apply_given(expr, given)
    return _simplify_with_sums(expr)


def softmax_entry_general() -> sp.Expr:
    r"""The entry ``S_i(z)`` of Softmax in general dimension ``m``.

    Paper: Definition 2.2

    .. math:: \mathcal{S}_i(z) = \frac{e^{z_i}}{\sum_{l=1}^m e^{z_l}}
    """
    z = sp.IndexedBase("z", real=True)
    i, l = _idx("i", _m), _idx("l", _m)
    return sp.exp(z[i]) / sp.Sum(sp.exp(z[l]), (l, 1, _m))


def _entry(statement, lhs, paper, given=(), notation=None, **symbols) -> GeneralEntry:
    raw = lhs.doit()
    derived = _general_simplify(raw, given)
    shown = notation(derived) if notation is not None else None
    return GeneralEntry(statement, lhs, raw, derived, paper, tuple(given), symbols, shown)


def softmax_notation(expr, z: sp.IndexedBase, total: sp.Sum) -> sp.Expr:
    r"""Rewrite ``expr`` with ``S_a = exp(z_a) / total`` (display only): e.g. ``S_i (delta_ij - S_j)``.

    Paper: Definition 2.2

    Every ``exp(z_a)`` becomes ``S_a * total``; the totals then cancel. Raises ``ValueError`` if they do not.
    """
    S = sp.IndexedBase("S", real=True)
    T = sp.Dummy("T", positive=True)
    e = sp.sympify(expr).xreplace({total: T})
    e = e.replace(
        lambda x: isinstance(x, sp.exp) and isinstance(x.args[0], sp.Indexed) and x.args[0].base == z,
        lambda x: S[x.args[0].indices[0]] * T,
    )
    e = sp.factor(sp.cancel(e))
    if e.has(T) or e.has(z):
        raise ValueError(f"{expr} is not a function of the Softmax entries alone (Definition 2.2)")
    return e


def relu_jacobian_entry_general() -> GeneralEntry:
    r"""``d R_i / d z_j`` in general dimension, with Assumption 1: ``delta_ij * 1(z_i > 0)``.

    Paper: Proposition 2.1
    """
    z = sp.IndexedBase("z", real=True)
    i, j = _idx("i", _m), _idx("j", _m)
    paper = sp.KroneckerDelta(i, j) * relu_derivative_expr(z[i])
    return _entry("Proposition 2.1", sp.Derivative(sp.Max(0, z[i]), z[j]), paper, m=_m, i=i, j=j, z=z)


def softmax_jacobian_entry_general() -> GeneralEntry:
    r"""``d S_i / d z_j`` in general dimension: SymPy's derivative and the paper's ``S_i (delta_ij - S_j)``.

    Paper: Proposition 2.2
    """
    z = sp.IndexedBase("z", real=True)
    i, j, l = _idx("i", _m), _idx("j", _m), _idx("l", _m)
    total = sp.Sum(sp.exp(z[l]), (l, 1, _m))
    S = lambda a: sp.exp(z[a]) / total  # noqa: E731
    paper = S(i) * (sp.KroneckerDelta(i, j) - S(j))
    return _entry(
        "Proposition 2.2",
        sp.Derivative(S(i), z[j]),
        paper,
        notation=lambda e: softmax_notation(e, z, total),
        m=_m,
        i=i,
        j=j,
        l=l,
        z=z,
    )


def cross_entropy_gradient_entry_general() -> GeneralEntry:
    r"""``d xi / d y_j`` in general dimension: ``-y*_j / y_j``.

    Paper: Proposition 3.1
    """
    y = sp.IndexedBase("y", positive=True)
    y_star = sp.IndexedBase("y^*", real=True)
    j, k = _idx("j", _m), _idx("k", _m)
    xi = -sp.Sum(y_star[k] * sp.log(y[k]), (k, 1, _m))
    return _entry("Proposition 3.1", sp.Derivative(xi, y[j]), -y_star[j] / y[j], m=_m, j=j, k=k, y=y, y_star=y_star)


def _dense_general():
    y = sp.IndexedBase("y", real=True)
    W = sp.IndexedBase("W", real=True)
    b = sp.IndexedBase("b", real=True)
    i, k = _idx("i", _m), _idx("k", _n)
    L_i = sp.Sum(y[k] * W[i, k], (k, 1, _n)) + b[i]
    return L_i, dict(m=_m, n=_n, i=i, k=k, y=y, W=W, b=b)


def dense_jacobian_input_entry_general() -> GeneralEntry:
    r"""``d L_i / d y_j`` in general dimension: ``W_ij``.

    Paper: Proposition 4.1
    """
    L_i, s = _dense_general()
    j = _idx("j", _n)
    return _entry("Proposition 4.1", sp.Derivative(L_i, s["y"][j]), s["W"][s["i"], j], j=j, **s)


def dense_jacobian_weight_row_entry_general() -> GeneralEntry:
    r"""``d L_i / d W_{i*,j}`` in general dimension: ``delta_{i,i*} y_j``.

    Paper: Proposition 4.2
    """
    L_i, s = _dense_general()
    j, i_star = _idx("j", _n), _idx("i^*", _m)
    paper = sp.KroneckerDelta(s["i"], i_star) * s["y"][j]
    return _entry("Proposition 4.2", sp.Derivative(L_i, s["W"][i_star, j]), paper, j=j, i_star=i_star, **s)


def dense_jacobian_weights_entry_general(order: str = "C") -> GeneralEntry:
    r"""``d L_i / d W_{i*,j}`` in general dimension, against the entry of SymPy's own Kronecker product at the column
    where ``W`` flattened puts ``W_{i*,j}``: the row Jacobians of Proposition 4.2 side by side are ``I_m ⊗ y``.

    Paper: Proposition 4.2

    .. math:: \frac{\partial \mathbb{L}_i}{\partial W_{i^*,j}} = (I_m \otimes y)_{i,\,(i^*-1)n + j}
              \ (\texttt{order="C"}),\qquad = (y \otimes I_m)_{i,\,(j-1)m + i^*}\ (\texttt{order="F"})

    ``paper`` is ``KroneckerProduct(Identity(m), y)`` (or ``(y, Identity(m))``) of a symbolic ``1 x n`` row ``y``,
    read at that entry by SymPy (0-based, with ``Mod``/``floor``), not typed in.
    """
    from sympy.matrices.expressions.kronecker import KroneckerProduct
    from sympy.matrices.expressions.matexpr import MatrixElement

    if order not in ("C", "F"):
        raise ValueError(f"order must be 'C' or 'F' (Proposition 4.2); got {order!r}")
    L_i, s = _dense_general()
    j, i_star = _idx("j", _n), _idx("i^*", _m)
    row = sp.MatrixSymbol("y", 1, _n)
    if order == "C":
        kron, column = KroneckerProduct(sp.Identity(_m), row), (i_star - 1) * _n + (j - 1)
    else:
        kron, column = KroneckerProduct(row, sp.Identity(_m)), (j - 1) * _m + (i_star - 1)
    entry = kron._entry(s["i"] - 1, column)  # 0-based, as SymPy indexes matrices
    # the 1 x n MatrixSymbol's entry y[0, e] (0-based) is the IndexedBase's y[e + 1] (1-based)
    paper = entry.replace(lambda e: isinstance(e, MatrixElement) and e.parent == row, lambda e: s["y"][e.j + 1])
    lhs = sp.Derivative(L_i, s["W"][i_star, j])
    return _entry("Proposition 4.2", lhs, paper, j=j, i_star=i_star, **s)


def dense_jacobian_bias_entry_general() -> GeneralEntry:
    r"""``d L_i / d b_j`` in general dimension: ``delta_ij``.

    Paper: Proposition 4.3
    """
    L_i, s = _dense_general()
    j = _idx("j", _m)  # b in R^m: j runs over [1, m] (the paper's proof says [1, n])
    return _entry("Proposition 4.3", sp.Derivative(L_i, s["b"][j]), sp.KroneckerDelta(s["i"], j), j=j, **s)


def softmax_cross_entropy_gradient_entry_general() -> GeneralEntry:
    r"""``d xi(S(z), y*) / d z_j`` in general dimension, given ``sum_k y*_k = 1``: ``S_j(z) - y*_j``.

    Paper: Proposition 5.3

    ``raw`` is SymPy's derivative *without* the hypothesis; ``derived`` uses it (``given``).
    """
    z = sp.IndexedBase("z", real=True)
    y_star = sp.IndexedBase("y^*", real=True)
    j, k, l = _idx("j", _m), _idx("k", _m), _idx("l", _m)
    total = sp.Sum(sp.exp(z[l]), (l, 1, _m))
    xi = -sp.Sum(y_star[k] * sp.log(sp.exp(z[k]) / total), (k, 1, _m))
    given = (sp.Eq(sp.Sum(y_star[k], (k, 1, _m)), 1),)
    paper = sp.exp(z[j]) / total - y_star[j]
    return _entry(
        "Proposition 5.3",
        sp.Derivative(xi, z[j]),
        paper,
        given,
        notation=lambda e: softmax_notation(e, z, total),
        m=_m,
        j=j,
        k=k,
        l=l,
        z=z,
        y_star=y_star,
    )


def softmax_cross_entropy_gradient_soft_entry_general() -> GeneralEntry:
    r"""``d xi(S(z), y*) / d z_j`` in general dimension for *any* target ``y*``: ``(sum_k y*_k) S_j(z) - y*_j``.

    Paper: Proposition 5.3

    .. math:: \frac{\partial\, \xi(\mathcal{S}(z), y^*)}{\partial z_j}
              = \Big(\sum_{k=1}^m y^*_k\Big)\mathcal{S}_j(z) - y^*_j

    No hypothesis on ``y*``: a soft target, or a binary one with several ones. Proposition 5.3's ``S(z) - y*`` is
    the case ``sum_k y*_k = 1``.
    """
    fused = softmax_cross_entropy_gradient_entry_general()
    s = fused.symbols
    total = sp.Sum(sp.exp(s["z"][s["l"]]), (s["l"], 1, _m))
    paper = sp.Sum(s["y_star"][s["k"]], (s["k"], 1, _m)) * sp.exp(s["z"][s["j"]]) / total - s["y_star"][s["j"]]
    return _entry("Proposition 5.3", fused.lhs, paper, notation=lambda e: softmax_notation(e, s["z"], total), **s)


def relu_upstream_gradient_entry_general() -> GeneralEntry:
    r"""``d (F ∘ R) / d z_j`` in general dimension by the chain rule: ``grad F(y)_j 1(z_j > 0)``, ``y = R(z)``.

    Paper: Proposition 5.1

    .. math:: \sum_{k=1}^m \nabla_F(y)_k\, \frac{\partial \max(0, z_k)}{\partial z_j}
              = \nabla_F(y)_j\, \mathbb{1}_{\mathbb{R}^{+*}}(z_j)

    The first line of the proof (Theorem 1.3, entry ``j``) with ``grad F(y)`` an ``IndexedBase``; SymPy derives
    ``d max(0, z_k) / d z_j`` and does the sum (Assumption 1 applied).
    """
    z = sp.IndexedBase("z", real=True)
    g = sp.IndexedBase(r"\nabla_{F}(y)", real=True)
    j, k = _idx("j", _m), _idx("k", _m)
    lhs = sp.Sum(g[k] * sp.Derivative(sp.Max(0, z[k]), z[j]), (k, 1, _m))
    return _entry("Proposition 5.1", lhs, g[j] * relu_derivative_expr(z[j]), m=_m, j=j, k=k, z=z, g=g)


def dense_upstream_weight_row_entry_general() -> GeneralEntry:
    r"""``d (F ∘ L) / d W_{i*,j}`` in general dimension by the chain rule: ``grad F(z)_{i*} y_j``.

    Paper: Proposition 5.2

    .. math:: \sum_{i=1}^m \nabla_F(z)_i\, \frac{\partial \mathbb{L}_i}{\partial W_{i^*,j}} = \nabla_F(z)_{i^*}\, y_j

    The proof's line (Theorem 1.3, entry ``j``) with ``grad F(z)`` an ``IndexedBase``; SymPy derives the entries of
    Proposition 4.2 and does the sum over the Kronecker delta.
    """
    L_i, s = _dense_general()
    g = sp.IndexedBase(r"\nabla_{F}(z)", real=True)
    j, i_star = _idx("j", _n), _idx("i^*", _m)
    lhs = sp.Sum(g[s["i"]] * sp.Derivative(L_i, s["W"][i_star, j]), (s["i"], 1, _m))
    return _entry("Proposition 5.2", lhs, g[i_star] * s["y"][j], j=j, i_star=i_star, g=g, **s)


# --------------------------------------------------------------------------------------------------------------
# Checking an identity: in general dimension, then at every index of several concrete sizes
# --------------------------------------------------------------------------------------------------------------
def _is_zero(expr) -> bool:
    """Sound zero test: exact rational arithmetic after freezing exp/log atoms, then ``simplify`` as a fallback."""
    expr = sp.piecewise_fold(sp.sympify(expr))
    if expr == 0:
        return True
    if not expr.has(sp.Piecewise, sp.Heaviside, sp.Max, sp.Min):
        # Freezing each exp/log as an independent positive symbol: zero after that implies zero before.
        atoms = sorted(expr.atoms(sp.exp, sp.log), key=sp.default_sort_key)
        frozen = {a: sp.Dummy("a", positive=True) for a in atoms}
        if sp.cancel(sp.together(expr.xreplace(frozen))) == 0:
            return True
    try:
        return sp.simplify(expr) == 0
    except Exception:  # a SymPy simplification bug is "not verified", never "verified"
        return False


def _dimension_symbols(expr, given: Sequence[sp.Eq]) -> list[sp.Symbol]:
    found = set()
    for e in (expr, *given):
        for idx in e.atoms(sp.Idx):
            found |= {s for s in (idx.lower, idx.upper) if isinstance(s, sp.Symbol)}
        found |= {s for s in e.free_symbols if isinstance(s, sp.Symbol) and not isinstance(s, sp.Idx) and s.is_integer}
    return sorted(found, key=lambda s: s.name)


def _with_sizes(expr, sizes: dict):
    """Substitute concrete sizes everywhere, including inside the ranges of the indices (``subs`` would miss some:
    a sum's bound variable and the same index in its summand must stay one and the same object)."""
    reps = dict(sizes)
    for idx in expr.atoms(sp.Idx):
        if idx.lower is not None:
            reps[idx] = sp.Idx(
                idx.label, (sp.sympify(idx.lower).xreplace(sizes), sp.sympify(idx.upper).xreplace(sizes))
            )
    return expr.xreplace(reps)


def _concrete_constraint(eq: sp.Eq) -> dict:
    """``Eq(a_1 + ... + a_m, c)`` with a concrete ``m``: solve it for its last unknown."""
    eq = eq.doit()
    unknowns = sorted(eq.atoms(sp.Indexed), key=sp.default_sort_key)
    if not unknowns:
        return {}
    last = unknowns[-1]
    (solution,) = sp.solve(eq, last)
    return {last: solution}


def general_identity_holds(
    lhs, rhs, m_values: Iterable[int] = (2, 3, 4, 5), *, given: Sequence[sp.Eq] = (), details: dict | None = None
) -> bool:
    r"""Check an identity between general-dimension expressions: symbolically, then for several concrete sizes.

    Paper: Definition 1.2

    1. **General form.** ``simplify(lhs - rhs)`` after the sums of Kronecker deltas are done, the conditions that
       an index lies in its own range are dropped and the hypotheses ``given`` are applied. A zero here is a proof;
       a non-zero is only inconclusive (SymPy may fail to simplify).
    2. **Concrete sizes.** For each ``m`` in ``m_values``, the size symbols are replaced (``m``, and ``n = m + 1``
       for a second size, so that swapped indices show), the sums are expanded (``doit``), each hypothesis is
       solved for its last unknown and substituted, and ``lhs - rhs`` must simplify to exactly 0 for **every**
       value of every free index in its range.

    Returns ``True`` only if step 2 verified the identity for every size and index; ``False`` otherwise. Step 1
    cannot make a failed step 2 pass. ``Heaviside`` is read with Assumption 1 (value 0 at 0) throughout.

    Parameters
    ----------
    lhs, rhs : sympy expressions built on ``IndexedBase``/``Idx`` with symbolic sizes
    m_values : sizes to try
    given : hypotheses, equations such as ``Eq(Sum(y*_k, (k, 1, m)), 1)``
    details : dict, optional
        Filled with ``"general"`` (True if step 1 simplified to 0, else False) and ``"sizes"`` (``{m: bool}``).
    """
    details = {} if details is None else details
    difference = sp.sympify(lhs) - sp.sympify(rhs)
    m_values = list(m_values)
    if not m_values:
        raise ValueError("m_values must name at least one size (Definition 1.2)")
    try:  # step 1: a proof when it succeeds, inconclusive otherwise
        details["general"] = bool(_general_simplify(difference, given) == 0)
    except Exception:  # SymPy's sum simplification can crash: inconclusive
        details["general"] = False
    details["sizes"] = {}
    dims = _dimension_symbols(difference, given)
    for m_value in m_values:
        sizes = {d: sp.Integer(int(m_value) + offset) for offset, d in enumerate(dims)}
        concrete = apply_assumption_1(_with_sizes(difference, sizes).doit())
        constraint = {}
        for eq in given:
            constraint.update(_concrete_constraint(_with_sizes(eq, sizes)))
        indices = sorted({s for s in concrete.free_symbols if isinstance(s, sp.Idx)}, key=lambda s: s.name)
        ranges = []
        for idx in indices:
            lo, hi = idx.lower, idx.upper
            if lo is None or not (lo.is_Integer and hi.is_Integer):
                raise ValueError(f"index {idx} has no concrete range after substituting sizes {sizes}")
            ranges.append(range(int(lo), int(hi) + 1))
        for values in itertools.product(*ranges):
            case = concrete.xreplace({idx: sp.Integer(v) for idx, v in zip(indices, values)}).doit()
            case = case.xreplace(constraint) if constraint else case
            if not _is_zero(case):
                details["sizes"][m_value] = False
                return False
        details["sizes"][m_value] = True
    return True
