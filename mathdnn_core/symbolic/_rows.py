"""Rows are vectors (Convention 2): the shape check, a gradient written as a row, and the pairing ``u v^T``.

Shared by the twins of §2–§5; the VJP twins and the linear upstream function of §5.1 use the one pairing below.
"""

from __future__ import annotations

import sympy as sp


def as_row(v, name: str, statement: str) -> sp.ImmutableMatrix:
    """``v`` as an immutable ``1 x m`` matrix; anything else is refused naming ``statement``."""
    v = sp.ImmutableMatrix(v)
    if v.rows != 1:
        raise ValueError(f"{name} must be a row vector, a 1 x m matrix ({statement}, Convention 2); got {v.shape}")
    return v


def gradient_row(expr: sp.Expr, wrt) -> sp.ImmutableMatrix:
    """The gradient of a scalar expression with respect to the entries of ``wrt``, as a ``1 x k`` row."""
    return sp.ImmutableMatrix(sp.Matrix([expr]).jacobian(sp.Matrix(wrt)))


def pairing(u, v: sp.ImmutableMatrix, statement: str) -> sp.Expr:
    """The scalar ``u v^T`` of two rows of the same length: its gradient through a map ``f`` is ``v J_f``."""
    u = sp.Matrix(u)
    if len(u) != v.cols:
        raise ValueError(f"v must have {len(u)} entries, one per output of the map ({statement}); got {v.shape}")
    return (u.reshape(1, len(u)) * v.T)[0, 0]
