r"""Section 3 of the paper: the categorical cross-entropy, and its fusion with Softmax (Proposition 5.3).

Also the one-hot targets ``Y*`` of Definition 5.2 (:func:`one_hot`), and the squared error used by the regression
variant of the back-propagation notes (seed 003). Every loss takes one example ``(m,)`` or a batch of rows ``(n, m)``
and returns one value per row.
"""

from __future__ import annotations

import numpy as np

from ._validation import (
    as_float_array,
    check_binary,
    check_labels,
    check_one_hot,
    check_same_shape,
    float_dtype,
    positive_int,
    result_dtype,
)
from .activations import _softmax, log_softmax

_CE = "Definition 3.1"
_TARGETS = "Definition 5.2"


def _check_probabilities(y: np.ndarray, statement: str) -> None:
    inside = (y > 0) & (y < 1)
    if not np.all(inside):
        bad = y[~inside]
        raise ValueError(
            f"y must lie in the open cube ]0,1[^m ({statement}: xi is defined on ]0,1[^m x {{0,1}}^m); "
            f"{bad.size} entr{'y is' if bad.size == 1 else 'ies are'} outside, e.g. {bad.flat[0]!r}. "
            f"For probabilities that may round to 0 or 1 use cross_entropy_from_logits"
        )


def one_hot(labels, n_classes: int, dtype=np.float64) -> np.ndarray:
    r"""The targets ``Y*`` of integer class labels: one row per label, a single 1 in the label's column.

    Paper: Definition 5.2

    .. math:: Y^*_{i,j} = [\,y_i = j\,],\qquad j = 0, \dots, m_p - 1,\qquad y^{*(i)} \in \{0,1\}^{m_p},
              \|y^{*(i)}\| = 1

    Parameters
    ----------
    labels : array_like of int, shape (n,) — each in ``0 .. n_classes - 1`` (0-based classes)
    n_classes : int >= 1 — ``m_p``, the number of classes
    dtype : np.float32 or np.float64, default np.float64

    Returns
    -------
    ndarray, shape (n, n_classes)

    Raises
    ------
    ValueError
        Labels that are not a 1-D integer array with values in ``[0, n_classes)`` (integer-valued floats too: a
        float label usually means predictions or one-hot rows were passed by mistake), or ``n_classes < 1``.
    TypeError
        ``dtype`` other than float32 / float64.
    """
    out_dtype = float_dtype(dtype, "dtype", _TARGETS)
    n_classes = positive_int(n_classes, "n_classes", f"{_TARGETS}: m_p in N*")
    y = check_labels(labels, n_classes, "labels", _TARGETS)
    out = np.zeros((y.shape[0], n_classes), dtype=out_dtype)
    out[np.arange(y.shape[0]), y] = 1
    return out


def _pair(y, y_star, statement: str) -> tuple[np.ndarray, np.ndarray]:
    y = as_float_array(y, "y", statement, ndim=(1, 2))
    y_star = as_float_array(y_star, "y_star", statement, ndim=(1, 2))
    check_same_shape(y, y_star, "y", "y_star", statement)
    return y, y_star


def cross_entropy(y, y_star) -> np.ndarray:
    r"""Categorical cross-entropy of each row.

    Paper: Definition 3.1

    .. math:: \xi(y, y^*) = -\sum_{k=1}^m y^*_k \log(y_k),\qquad y \in\, ]0,1[^m,\ y^* \in \{0,1\}^m

    Parameters
    ----------
    y : array, shape (m,) or (n, m), entries in ]0, 1[ (checked)
    y_star : array, same shape, entries in {0, 1} (checked)

    Returns
    -------
    float array of shape () for one example, (n,) for a batch
    """
    y, y_star = _pair(y, y_star, _CE)
    check_binary(y_star, "y_star", _CE)
    _check_probabilities(y, _CE)
    return -np.sum(y_star * np.log(y), axis=-1)


def cross_entropy_gradient(y, y_star) -> np.ndarray:
    r"""Gradient of ``xi(., y*)`` with respect to the probabilities ``y``.

    Paper: Proposition 3.1

    .. math:: \nabla_{\xi(\cdot, y^*)}(y) = -\Big[\frac{y^*_1}{y_1} \;\cdots\; \frac{y^*_m}{y_m}\Big] \in \mathbb{R}^m

    (The paper prints the codomain as R; the gradient is a row of ``m`` entries.)
    """
    y, y_star = _pair(y, y_star, "Proposition 3.1")
    check_binary(y_star, "y_star", "Proposition 3.1")
    _check_probabilities(y, "Proposition 3.1")
    return -y_star / y


def cross_entropy_from_logits(z, y_star) -> np.ndarray:
    r"""``xi(S(z), y*)`` computed through log-Softmax: finite even when a probability underflows to 0.

    Paper: Proposition 5.3

    .. math:: \xi(\mathcal{S}(z), y^*) = -\sum_k y^*_k \log \mathcal{S}(z)_k
              = -\sum_k y^*_k \Big(z_k - c - \log\sum_j e^{z_j - c}\Big)

    Parameters
    ----------
    z : array, shape (m,) or (n, m) — logits
    y_star : array, same shape, entries in {0, 1}
    """
    z, y_star = _pair(z, y_star, "Proposition 5.3")
    check_binary(y_star, "y_star", "Proposition 5.3")
    return -np.sum(y_star * log_softmax(z), axis=-1)


def softmax_cross_entropy_gradient(z, y_star) -> np.ndarray:
    r"""Gradient of ``xi(., y*) ∘ S`` with respect to the logits: the fused form.

    Paper: Proposition 5.3

    .. math:: \nabla_{\xi(\cdot, y^*) \circ \mathcal{S}}(z) = \mathcal{S}(z) - y^*
              \qquad (y^* \in \{0,1\}^m,\ \|y^*\| = 1)

    The proof only uses ``sum_k y*_k = 1``, so the formula holds for any target distribution; the paper's
    one-hot condition is checked here because that is the problem it states.
    """
    z, y_star = _pair(z, y_star, "Proposition 5.3")
    check_one_hot(y_star, "y_star", "Proposition 5.3")
    return _softmax_cross_entropy_gradient(z, y_star)


def _softmax_cross_entropy_gradient(z: np.ndarray, y_star: np.ndarray) -> np.ndarray:
    """:func:`softmax_cross_entropy_gradient` without input checks (back-propagation validated once)."""
    s = _softmax(z).astype(result_dtype(z, y_star), copy=False)
    # At the target class S_c - 1 = -sum_{k != c} S_k: the same number without the cancellation S_c - 1 suffers
    # when the prediction is confident (S_c close to 1).
    others = np.where(y_star == 1, 0, s)
    return others - y_star * np.sum(others, axis=-1, keepdims=True)


def squared_error(y, y_star) -> np.ndarray:
    r"""Half squared error of each row (the regression cost of the back-propagation notes, seed 003).

    Paper: Seed 003, Proposition 1.2

    .. math:: E(y, y^*) = \tfrac12 \|y - y^*\|^2
    """
    y, y_star = _pair(y, y_star, "squared error (seed 003)")
    return 0.5 * np.sum((y - y_star) ** 2, axis=-1)


def squared_error_gradient(y, y_star) -> np.ndarray:
    r"""Gradient of the half squared error with respect to ``y``.

    Paper: Seed 003, Proposition 1.2

    .. math:: \nabla_{E(\cdot, y^*)}(y) = y - y^*
    """
    y, y_star = _pair(y, y_star, "squared error (seed 003)")
    return y - y_star
