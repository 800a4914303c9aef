r"""Symbols, exact evaluation and printing: the reference values every check of the package is held to.

A vector is a row, a ``1 x m`` matrix of named real symbols (Notation 1, Convention 2). :func:`evaluate` turns an
expression into its exact value at a numeric point — exact rational substitution, then certified digits, one final
rounding to float64 — and :func:`exact_function` wraps that into the ``point -> value`` callable the checkers of
:mod:`mathdnn_core.testing` take.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import sympy as sp
from sympy.core.evalf import PrecisionExhausted
from sympy.matrices import MatrixBase
from sympy.printing.latex import LatexPrinter

from .._validation import positive_int


def symbols_vector(name: str, m: int, **assumptions) -> sp.ImmutableMatrix:
    r"""A row vector ``[name_1 ... name_m]`` of real symbols: a vector is a ``1 x m`` matrix.

    Paper: Notation 1

    Parameters
    ----------
    name : str
        Base name; entry ``k`` (1-based, as in the paper) is the symbol ``f"{name}_{k}"``.
    m : int
        Length.
    **assumptions
        SymPy assumptions; default ``real=True``. Pass ``positive=True`` for probabilities (Definition 3.1).

    Returns
    -------
    sympy.ImmutableMatrix, shape (1, m)
    """
    m = positive_int(m, "m", "Notation 1")
    assumptions = assumptions or {"real": True}
    return sp.ImmutableMatrix(1, m, [sp.Symbol(f"{name}_{k}", **assumptions) for k in range(1, m + 1)])


def symbols_matrix(name: str, rows: int, cols: int, **assumptions) -> sp.ImmutableMatrix:
    r"""A ``rows x cols`` matrix of real symbols ``name_{i,j}`` (1-based), e.g. the weights ``W`` of Definition 4.1.

    Paper: Notation 1

    Returns
    -------
    sympy.ImmutableMatrix, shape (rows, cols); entry ``(i, j)`` is the symbol ``f"{name}_{i+1},{j+1}"``
    """
    rows = positive_int(rows, "rows", "Notation 1")
    cols = positive_int(cols, "cols", "Notation 1")
    assumptions = assumptions or {"real": True}
    return sp.ImmutableMatrix(
        rows,
        cols,
        [sp.Symbol(f"{name}_{i},{j}", **assumptions) for i in range(1, rows + 1) for j in range(1, cols + 1)],
    )


def _exact_number(value) -> sp.Rational:
    """A finite float as the exact rational it represents (a binary float is a rational number)."""
    if isinstance(value, (sp.Basic,)):
        return value
    x = float(value)
    if not np.isfinite(x):
        raise ValueError(f"cannot substitute {value!r}: NaN or infinite values have no exact value (Definition 1.2)")
    return sp.Rational(x)


def _substitutions(subs: Mapping) -> dict:
    """``{Symbol: number}`` from a mapping whose keys are symbols or matrices of symbols and values numbers/arrays."""
    reps = {}
    for key, value in subs.items():
        if isinstance(key, MatrixBase):
            # Any layout with the right number of entries, read row by row: (m,), (1, m) and (m, n) alike.
            flat = list(value) if isinstance(value, MatrixBase) else list(np.ravel(np.asarray(value, np.float64)))
            if len(flat) != len(key):
                raise ValueError(
                    f"value for a {key.shape} matrix of symbols has shape {np.shape(value)}, "
                    f"{len(flat)} entries instead of {len(key)} (Notation 1)"
                )
            for sym, val in zip(key, flat):
                reps[sym] = _exact_number(val)
        else:
            reps[key] = _exact_number(value)
    return reps


_MAXN = (100, 2_000, 20_000)  # working precisions (digits) tried in turn by _exact_float


def _exact_float(expr: sp.Expr, digits: int) -> float:
    """``expr`` (numbers only) to ``digits`` certified digits, rounded once to float64.

    ``evalf(strict=True)`` raises instead of returning a number whose digits are not all right (catastrophic
    cancellation, e.g. ``S_1 (1 - S_1)`` at logits ``(1e4, -1e4)``, needs thousands of working digits); the working
    precision is then raised. An expression that is exactly 0 but not recognised as such is settled by ``equals``.
    """
    if expr.free_symbols:
        raise ValueError(
            f"expression still contains the symbols {sorted(map(str, expr.free_symbols))} after "
            f"substitution: give a value for each (Definition 1.2)"
        )
    for maxn in _MAXN:
        try:
            number = sp.N(expr, digits, strict=True, maxn=maxn)
        except PrecisionExhausted:
            continue
        if not number.is_zero or expr.is_zero:  # a nonzero number may still round to 0.0 (underflow): exact
            return _to_float(number)
        return _certified_zero(expr, maxn)
    if expr.equals(0):
        return 0.0
    raise ValueError(
        f"could not evaluate {expr} to {digits} certain digits with {_MAXN[-1]} working digits (Definition 1.2)"
    )


def _certified_zero(expr: sp.Expr, maxn: int) -> float:
    """A 0 that ``evalf`` returned but that is not evidently 0, checked before it is trusted.

    ``evalf`` can return 0 for a tiny value even with ``strict=True``: it sizes its working precision on the
    argument, so ``log(1 + e^{-176})`` (about ``3.7e-77``) comes out as 0 at 30 digits. More digits are asked for
    first; a value that stays 0 must be proved 0 by ``equals``, otherwise the reference is refused.
    """
    for digits in (120, 1_200):
        try:
            number = sp.N(expr, digits, strict=True, maxn=max(maxn, 4 * digits))
        except PrecisionExhausted:
            continue
        if not number.is_zero:
            return _to_float(number)
    if expr.equals(0):
        return 0.0
    raise ValueError(f"{expr} evaluates to 0 but is not provably 0: refusing an uncertain reference (Definition 1.2)")


def _to_float(value: sp.Expr) -> float:
    try:
        return float(value)
    except TypeError:
        raise ValueError(f"expression is not a real number at this point: {value}") from None


def evaluate(expr, subs: Mapping, *, digits: int = 30, shape: tuple[int, ...] | None = None) -> np.ndarray:
    r"""The exact value of ``expr`` at a numeric point, rounded once to float64: the reference of every check.

    Paper: Definition 1.2

    Each float of ``subs`` is substituted as the **exact rational** it represents, the expression is evaluated
    with ``digits`` significant digits (``sympy.N`` with ``strict=True``: the working precision is raised — up to
    20,000 digits — until every digit is certified, e.g. through the cancellation in ``S_1 (1 - S_1)`` at logits
    ``(1e4, -1e4)``; uncertifiable values raise ``ValueError``) and only then rounded to float64. Nothing is
    computed in floating point on the way, so the result is the exact value up to one final rounding — unlike
    ``lambdify``, which would redo the float computation.
    ``Max``, ``Piecewise`` and ``Heaviside`` are decided exactly on the rational point (a pre-activation that is
    exactly 0 is seen as 0).

    Parameters
    ----------
    expr : sympy expression or Matrix
    subs : mapping
        Keys are symbols or matrices of symbols; values are numbers or arrays with as many entries.
    digits : int
        Significant digits of the evaluation before rounding to float64.
    shape : tuple, optional
        Reshape the result (e.g. ``(m,)`` for a ``1 x m`` row).

    Returns
    -------
    ndarray, float64, shape of ``expr`` (``()`` for a scalar) or ``shape``
    """
    reps = _substitutions(subs)
    if isinstance(expr, MatrixBase):
        out = np.array([_exact_float(e.xreplace(reps), digits) for e in expr], dtype=np.float64).reshape(expr.shape)
    else:
        out = np.array(_exact_float(sp.sympify(expr).xreplace(reps), digits), dtype=np.float64)
    return out.reshape(shape) if shape is not None else out


def _describe(variable) -> str:
    if isinstance(variable, MatrixBase):
        entries = f"{variable[0]}" if len(variable) == 1 else f"{variable[0]}…{variable[-1]}"
        return f"{entries} ({variable.rows} x {variable.cols})"
    return str(variable)


def _check_variable(variable):
    entries = list(variable) if isinstance(variable, MatrixBase) else [variable]
    if not all(isinstance(e, (sp.Symbol, sp.Indexed)) for e in entries):
        raise TypeError(
            f"each variable must be a symbol or a matrix of symbols (Notation 1); got {type(variable).__name__} "
            f"{variable}"
        )
    return variable


def exact_function(expr, *variables, shape: tuple[int, ...] | None = None) -> Callable[..., np.ndarray]:
    r"""``expr`` as an exact function of ``variables``: the ``symbolic_fn`` that the checkers of ``testing`` take.

    Paper: Definition 1.2

    .. math:: (a_1, \dots, a_k) \longmapsto \operatorname{expr}(a_1, \dots, a_k)
              \text{ exactly, rounded once to float64}

    ``exact_function(expr, z, v)(a, c)`` is ``evaluate(expr, {z: a, v: c}, shape=shape)``. With two variables or
    more, a single tuple ``(a, c)`` is unpacked, so the points given to
    :func:`mathdnn_core.testing.check_against_symbolic` can be pairs. Without ``shape`` it is inferred from
    ``expr``: a ``1 x m`` row gives ``(m,)`` (one example, as the numeric maps return it), any other matrix keeps its
    shape and a scalar gives ``()``; pass ``shape=(1, 1)`` for the Jacobian of a map of one variable.

    Parameters
    ----------
    expr : sympy expression or Matrix whose symbols all belong to ``variables``
    *variables : symbols or matrices of symbols (e.g. rows from :func:`symbols_vector`), at least one
    shape : tuple, optional
        Shape of the result, as in :func:`evaluate`.

    Returns
    -------
    callable ``(*values) -> ndarray`` (float64), one value per variable, each a number or an array with as many
    entries as its variable

    Raises
    ------
    ValueError
        When no variable is given, when ``expr`` has a symbol that is not among ``variables``, and when the
        callable is given a wrong number of values.
    TypeError
        When a variable is not a symbol (``Symbol``, ``Indexed``) or a matrix of symbols.

    Examples
    --------
    >>> import sympy as sp
    >>> z, v = symbols_vector("z", 2), symbols_vector("v", 2)
    >>> row = exact_function(sp.Matrix([[z[0] * z[1], z[0] + z[1]]]), z)
    >>> row([0.5, 3.0])
    array([1.5, 3.5])
    >>> pairing = exact_function((z * v.T)[0, 0], z, v)
    >>> pairing([1.0, 2.0], [3.0, 4.0]), pairing(([1.0, 2.0], [3.0, 4.0]))
    (array(11.), array(11.))
    """
    if not variables:
        raise ValueError("exact_function needs at least one variable: the symbols the point gives values to")
    variables = tuple(_check_variable(variable) for variable in variables)
    expr = expr if isinstance(expr, MatrixBase) else sp.sympify(expr)
    entries = [e for variable in variables for e in (variable if isinstance(variable, MatrixBase) else [variable])]
    given = set().union(*(e.free_symbols for e in entries))
    names = ", ".join(map(_describe, variables))
    unbound = expr.free_symbols - given
    if unbound:
        raise ValueError(
            f"the expression has symbols {sorted(map(str, unbound))} that are not among the variables {names}: "
            f"each needs a value (Definition 1.2)"
        )
    if shape is None and isinstance(expr, MatrixBase) and expr.rows == 1:
        shape = (expr.cols,)

    def exact_value(*values) -> np.ndarray:
        if len(values) == 1 and len(variables) > 1 and isinstance(values[0], tuple):
            values = values[0]
        if len(values) != len(variables):
            raise ValueError(
                f"expected {len(variables)} value(s), one per variable ({names}), or one tuple of them; "
                f"got {len(values)} (Definition 1.2)"
            )
        return evaluate(expr, dict(zip(variables, values)), shape=shape)

    return exact_value


class _IndexLatexPrinter(LatexPrinter):
    """Prints an ``Idx`` by its name only (SymPy would append its range)."""

    def _print_Idx(self, expr):
        return self._print(expr.label)


def to_latex(expr, **settings) -> str:
    r"""LaTeX of an expression, printing the indices ``i, j, k`` without their ranges (notebook display).

    Paper: Notation 1
    """
    return _IndexLatexPrinter(settings).doprint(expr)
