r"""Input checks shared by every module.

Every public map of the package validates what it is given and raises an error whose message names what was
expected (shape, domain) and the paper statement that fixes it. Nothing broadcasts silently.
"""

from __future__ import annotations

import math

import numpy as np

#: The dtypes the package computes in: float64 for verification, float32 for training speed.
FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))

#: Parameters of N_{c+} (Definition 5.1): a list of ``(W, b)`` pairs, layer 1 first; gradients share the structure.
Params = list[tuple[np.ndarray, np.ndarray]]


def is_integer(value) -> bool:
    """A Python or NumPy integer, not a bool."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def is_real(value) -> bool:
    """A Python or NumPy integer or float, not a bool."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def positive_int(value, name: str, statement: str, *, minimum: int = 1, maximum: int | None = None) -> int:
    """``value`` as an ``int`` in ``[minimum, maximum]``; otherwise a ``ValueError`` naming the range and statement.

    Bools and floats (even ``3.0``) are refused: a width, a count or a size is an integer. An empty ``statement``
    (plumbing: a plot's size, a thread count) leaves the parenthesis out.
    """
    if not is_integer(value) or value < minimum or (maximum is not None and value > maximum):
        upper = f" and <= {maximum}" if maximum is not None else ""
        raise ValueError(f"{name} must be an integer >= {minimum}{upper}{_cite(statement)}; got {value!r}")
    return int(value)


def real_in_interval(
    value,
    name: str,
    statement: str,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = False,
    why: str = "",
) -> float:
    """``value`` as a finite ``float`` in the interval from ``low`` to ``high`` (each end open or closed).

    The error names the interval in the paper's notation (``]0, +inf[``, ``[0, 1[``), the statement, and ``why``
    when the interval differs from what the paper prints.
    """
    inside = is_real(value) and math.isfinite(value)
    if inside:
        inside = (value > low if low_open else value >= low) and (value < high if high_open else value <= high)
    if not inside:
        left = f"{']' if low_open or low == -math.inf else '['}{_bound(low)}"
        right = f"{_bound(high)}{'[' if high_open or high == math.inf else ']'}"
        cited = "; ".join(part for part in (statement, why) if part)
        raise ValueError(f"{name} must be a finite real number in {left}, {right}{_cite(cited)}; got {value!r}")
    return float(value)


def learning_rate(value, statement: str, name: str = "the learning rate alpha") -> float:
    r"""The learning rate ``alpha in R+*`` of Definitions 6.4-6.7, as a ``float``: finite and > 0."""
    return real_in_interval(value, name, statement, low=0.0, low_open=True)


def momentum_beta(value, statement: str, name: str = "beta") -> float:
    r"""The momentum coefficient ``beta`` of Definitions 6.5 and 6.7, as a ``float`` in ``[0, 1[``.

    The paper prints ``beta in [0, 1]``; with ``beta = 1`` the average ``m`` stays 0 and nothing ever moves.
    """
    return real_in_interval(
        value,
        name,
        statement,
        low=0.0,
        high=1.0,
        high_open=True,
        why="the paper prints [0, 1], but beta = 1 keeps m = 0 forever and the iterates never move",
    )


def float_dtype(dtype, name: str = "dtype", statement: str = "") -> np.dtype:
    """``dtype`` as a :class:`numpy.dtype` in :data:`FLOAT_DTYPES`; otherwise a ``TypeError`` naming both.

    ``None`` is refused explicitly: ``np.dtype(None)`` would silently be float64.
    """
    try:
        resolved = None if dtype is None else np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved is None or resolved not in FLOAT_DTYPES:
        raise TypeError(f"{name} must be np.float32 or np.float64{_cite(statement)}; got {dtype!r}")
    return resolved


def _cite(statement: str) -> str:
    return f" ({statement})" if statement else ""


def _bound(x: float) -> str:
    return "+inf" if x == math.inf else "-inf" if x == -math.inf else f"{x:g}"


def as_float_array(
    x, name: str, statement: str, *, ndim: int | tuple[int, ...] | None = None, allow_nonfinite: bool = False
) -> np.ndarray:
    """Return ``x`` as a float32/float64 array, checking its rank and that it is finite.

    float32 and float64 are kept as they are; integers, bools and Python lists become float64.
    """
    if isinstance(x, np.ndarray) and x.dtype in FLOAT_DTYPES:
        arr = x
    else:
        try:
            arr = np.asarray(x)
        except Exception as exc:  # ragged lists and the like
            raise TypeError(f"{name} must be a real array ({statement}); got {type(x).__name__}") from exc
        if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
            raise TypeError(f"{name} must be a real array ({statement}); got dtype {arr.dtype}")
        if np.issubdtype(arr.dtype, np.complexfloating):
            raise TypeError(f"{name} must be real, not complex ({statement})")
        arr = arr.astype(np.float64) if arr.dtype not in FLOAT_DTYPES else arr
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if arr.ndim not in allowed:
            shape_word = {1: "one example, shape (m,)", 2: "a batch of rows, shape (n, m)"}
            expected = " or ".join(shape_word.get(d, f"{d}-D") for d in allowed)
            raise ValueError(f"{name} must be {expected} ({statement}); got shape {arr.shape}")
    if not allow_nonfinite and not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(
            f"{name} contains {bad} NaN or infinite value(s); {statement} is defined on real (finite) numbers only"
        )
    return arr


def result_dtype(*arrays: np.ndarray) -> np.dtype:
    """float32 only when every floating input is float32 (float32 in -> float32 out), else float64."""
    return np.result_type(*[a.dtype for a in arrays], np.float32)


def check_width(arr: np.ndarray, width: int, name: str, statement: str) -> None:
    """The last axis of ``arr`` must have exactly ``width`` entries."""
    if arr.shape[-1] != width:
        raise ValueError(f"{name} must have {width} columns ({statement}); got shape {arr.shape}")


def check_same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str, statement: str) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{name_a} and {name_b} must have the same shape ({statement}); got {a.shape} and {b.shape}")


def check_one_hot(y_star: np.ndarray, name: str, statement: str) -> None:
    """Rows of ``y_star`` must lie in {0,1}^m with exactly one 1 (||y*|| = 1, Definition 5.2)."""
    if not np.all((y_star == 0) | (y_star == 1)):
        raise ValueError(f"{name} must have entries in {{0, 1}} ({statement}: y* in {{0,1}}^m)")
    ones = np.sum(y_star, axis=-1)
    if not np.all(ones == 1):
        bad = int(np.count_nonzero(ones != 1))
        raise ValueError(
            f"{name} must be one-hot: exactly one 1 per row ({statement}: ||y*|| = 1); {bad} row(s) are not"
        )


def check_binary(y_star: np.ndarray, name: str, statement: str) -> None:
    if not np.all((y_star == 0) | (y_star == 1)):
        raise ValueError(f"{name} must have entries in {{0, 1}} ({statement}: y* in {{0,1}}^m)")


def check_rows(X, m0: int, statement: str, name: str = "X") -> np.ndarray:
    """A non-empty batch of finite rows of width ``m_0``: the input ``X`` of N_{c+} (Definition 5.1)."""
    X = as_float_array(X, name, statement, ndim=2)
    if X.shape[1] != m0:
        raise ValueError(
            f"{name} must have shape (n, {m0}) to match W^(1) ({statement}: x in R^(m_0), m_0 = {m0}); got {X.shape}"
        )
    if X.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one example ({statement}); got shape {X.shape}")
    return X


def check_targets(Y, n: int, mp: int, statement: str) -> np.ndarray:
    """One-hot targets ``Y*`` of shape ``(n, m_p)`` (Definition 5.2), with a hint when integer labels were given."""
    if np.ndim(Y) != 2:
        hint = (
            f"; integer labels? convert them with mathdnn_core.losses.one_hot(labels, {mp})" if np.ndim(Y) == 1 else ""
        )
        raise ValueError(
            f"Y must be one-hot targets of shape (n, m_p) = ({n}, {mp}) ({statement}: y* in {{0,1}}^(m_p), "
            f"||y*|| = 1); got shape {np.shape(Y)}{hint}"
        )
    Y = as_float_array(Y, "Y", statement, ndim=2, allow_nonfinite=True)  # the one-hot check rejects NaN and inf
    if Y.shape != (n, mp):
        raise ValueError(
            f"Y must have shape ({n}, {mp}): one one-hot row per row of X, {mp} classes ({statement}); got {Y.shape}"
        )
    check_one_hot(Y, "Y", statement)
    return Y


def check_labels(labels, n_classes: int, name: str, statement: str, n: int | None = None) -> np.ndarray:
    """Integer class labels, one per row, in ``[0, n_classes)``, as int64 (and ``n`` of them when given).

    Integer-valued floats are refused too: a float label usually means predictions or one-hot rows were passed by
    mistake.
    """
    y = np.asarray(labels)
    if y.dtype == np.bool_ or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(
            f"{name} must be integers in [0, {n_classes}) ({statement}: one class per row); got dtype {y.dtype}"
        )
    if y.ndim != 1 or (n is not None and y.shape[0] != n):
        rows = "n" if n is None else n
        raise ValueError(
            f"{name} must be a 1-D array of shape ({rows},), one per row ({statement}); got shape {y.shape}"
        )
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(
            f"{name} must be integers in [0, {n_classes}) ({statement}: m_p = {n_classes} classes); "
            f"got values in [{y.min()}, {y.max()}]"
        )
    return y.astype(np.int64, copy=False)
