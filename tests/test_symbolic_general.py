"""mathdnn_core.symbolic.general: every Jacobian entry of §2–§5 in general dimension (a symbolic size m).

SymPy's derivative of each entry must equal the paper's formula in general (simplify) and at every index of several
concrete sizes, and the identity check must reject wrong formulas (a transpose, a sign, a missing hypothesis).
"""

from __future__ import annotations

import functools

import pytest
import sympy as sp

from mathdnn_core import symbolic as S

# ================================================================================================================
# symbolic.general: general dimension
# ================================================================================================================
GENERAL = {
    "Proposition 2.1": S.relu_jacobian_entry_general,
    "Proposition 2.2": S.softmax_jacobian_entry_general,
    "Proposition 3.1": S.cross_entropy_gradient_entry_general,
    "Proposition 4.1": S.dense_jacobian_input_entry_general,
    "Proposition 4.2": S.dense_jacobian_weight_row_entry_general,
    "Proposition 4.3": S.dense_jacobian_bias_entry_general,
    "Proposition 5.3": S.softmax_cross_entropy_gradient_entry_general,
}


@functools.cache
def general(statement):
    return GENERAL[statement]()


@pytest.mark.parametrize("statement", sorted(GENERAL))
def test_general_dimension_identity_holds(statement):
    entry = general(statement)
    assert entry.statement == statement
    details = {}
    assert S.general_identity_holds(entry.raw, entry.paper, given=entry.given, details=details)
    assert details["sizes"] == {2: True, 3: True, 4: True, 5: True}
    assert details["general"], f"{statement}: SymPy no longer proves the identity in general dimension"
    assert S.general_identity_holds(entry.derived, entry.paper, (2, 3), given=entry.given)
    assert "$" in entry._repr_latex_()


def test_general_softmax_entries_in_the_papers_notation():
    Si = S.softmax_entry_general()
    assert Si.has(sp.Sum)
    jac = general("Proposition 2.2")
    Sb = sp.IndexedBase("S", real=True)
    i, j = jac.symbols["i"], jac.symbols["j"]
    assert sp.expand(jac.notation - Sb[i] * (sp.KroneckerDelta(i, j) - Sb[j])) == 0
    fused = general("Proposition 5.3")
    assert sp.expand(fused.notation - (Sb[fused.symbols["j"]] - fused.symbols["y_star"][fused.symbols["j"]])) == 0
    assert r"\delta_{i j}" in S.to_latex(jac.notation) and "1..m" not in S.to_latex(jac.notation)


def test_general_identity_check_rejects_wrong_identities():
    jac = general("Proposition 2.2")
    i, j, z, l, m = (jac.symbols[k] for k in ("i", "j", "z", "l", "m"))
    total = sp.Sum(sp.exp(z[l]), (l, 1, m))
    no_delta = sp.exp(z[i]) / total * (1 - sp.exp(z[j]) / total)
    assert not S.general_identity_holds(jac.raw, no_delta)
    symmetric = sp.exp(z[j]) / total * (sp.KroneckerDelta(i, j) - sp.exp(z[i]) / total)  # true: J is symmetric
    assert S.general_identity_holds(jac.raw, symmetric, (2, 3))

    dense = general("Proposition 4.1")
    W, i, j = dense.symbols["W"], dense.symbols["i"], dense.symbols["j"]
    assert not S.general_identity_holds(dense.raw, W[j, i], (2, 3))  # the transpose

    ce = general("Proposition 3.1")
    assert not S.general_identity_holds(ce.raw, -ce.paper, (2,))  # sign

    bias = general("Proposition 4.3")
    assert not S.general_identity_holds(bias.raw, sp.Integer(1), (2,))

    fused = general("Proposition 5.3")
    assert not S.general_identity_holds(fused.raw, fused.paper, (2, 3))  # without sum y* = 1 it is false
