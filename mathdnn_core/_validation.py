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

    Bools and floats (even ``3.0``) are refused: a width, a count or a size is an integer.
    """
    if not is_integer(value) or value < minimum or (maximum is not None and value > maximum):
        upper = f" and <= {maximum}" if maximum is not None else ""
        raise ValueError(f"{name} must be an integer >= {minimum}{upper} ({statement}); got {value!r}")
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
        reason = f"; {why}" if why else ""
        raise ValueError(f"{name} must be a finite real number in {left}, {right} ({statement}{reason}); got {value!r}")
    return float(value)


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
