r"""What training leaves: the :class:`History` of a run, the evaluation of the trained network, its parameters on disk.

:class:`History` is what :func:`mathdnn_core.training.fit` measured, epoch by epoch. :func:`evaluate` gives the
accuracy, the confusion matrix and the mean loss of N_{c+} on ``(X, labels)``, reading the predicted classes off the
one chunked forward pass (:func:`mathdnn_core.network.forward_chunks`). :func:`save_params` / :func:`load_params`
write and read the parameters (``W1, b1, W2, ...``), never with pickle. All are also available from
:mod:`mathdnn_core.training`.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from . import losses, network
from ._blas import single_thread
from ._validation import (
    FLOAT_DTYPES,
    Params,
    as_float_array,
    check_labels,
    check_one_hot,
    check_rows,
    positive_int,
)

_NET = "Definition 5.1"

__all__ = ["History", "Evaluation", "evaluate", "save_params", "load_params"]


@dataclass
class History:
    r"""What :func:`fit` measured, one entry per epoch.

    Paper: Definition 6.7

    Attributes
    ----------
    loss : list of float
        Mean cross-entropy over the epoch's samples, each sample's loss taken at the parameters of the step that
        used it: :math:`\frac1n \sum_{\text{batches } B} \sum_{i \in B} \xi(\mathcal{N}_{c^+}(x^{(i)}), y^{*(i)})`.
        It comes for free from the back-propagation kernel.
    train_accuracy : list of float
        Fraction of the training set classified correctly during the epoch: each row counted at the parameters of
        the step that used it, read off that step's forward pass (as the loss is). With ``fit(...,
        exact_accuracy=True)``: at the parameters the epoch ends with, by one more pass over the training rows.
    test_accuracy : list of float
        The same on ``(X_test, y_test)``; empty when no test set was given.
    seconds : list of float
        Wall time of the epoch's training steps (batch gathering, back-propagation, updates), evaluation excluded.
    blas_threads : list of dict
        For each epoch, how many of its steps ran with each BLAS thread count, ``{threads: steps}`` (``{0: steps}``
        when the pool was left as configured).
    epochs, batch_size, lr, momentum, steps_per_epoch, dtype
        The run's settings, for the record.
    """

    loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    blas_threads: list[dict[int, int]] = field(default_factory=list)
    epochs: int = 0
    batch_size: int = 0
    lr: float = 0.0
    momentum: float = 0.0
    steps_per_epoch: int = 0
    dtype: str = ""

    @property
    def final_loss(self) -> float | None:
        """Mean training loss of the last epoch."""
        return self.loss[-1] if self.loss else None

    @property
    def final_train_accuracy(self) -> float | None:
        """Training accuracy after the last epoch."""
        return self.train_accuracy[-1] if self.train_accuracy else None

    @property
    def final_test_accuracy(self) -> float | None:
        """Test accuracy after the last epoch (``None`` without a test set)."""
        return self.test_accuracy[-1] if self.test_accuracy else None

    @property
    def total_seconds(self) -> float:
        """Training time summed over the epochs (evaluation excluded)."""
        return float(sum(self.seconds))

    def __getitem__(self, key: str):
        """``history["loss"]`` works like ``history.loss`` (dict-style access)."""
        if key in self.__dataclass_fields__ or key in (
            "final_loss",
            "final_train_accuracy",
            "final_test_accuracy",
            "total_seconds",
        ):
            return getattr(self, key)
        raise KeyError(key)

    def to_dict(self) -> dict[str, Any]:
        """Plain lists and numbers (JSON-ready), the final values included."""
        out = asdict(self)
        out.update(
            final_loss=self.final_loss,
            final_train_accuracy=self.final_train_accuracy,
            final_test_accuracy=self.final_test_accuracy,
            total_seconds=self.total_seconds,
        )
        return out


@dataclass(frozen=True, eq=False)
class Evaluation:
    r"""Result of :func:`evaluate`.

    Paper: Definition 5.1

    Attributes
    ----------
    accuracy : float
        Fraction of rows whose predicted class ``argmax_k N_{c+}(x)_k`` equals the label.
    confusion : ndarray of int64, shape (m_p, m_p)
        ``confusion[i, j]`` = number of rows of true class ``i`` predicted as ``j`` (rows true, columns predicted).
    predictions : ndarray of int64, shape (n,)
    labels : ndarray of int64, shape (n,)
    loss : float
        Mean cross-entropy :math:`\frac1n \mathcal{O}_{c^+}(X, Y^*, W, b)` (Definition 5.2).
    """

    accuracy: float
    confusion: np.ndarray
    predictions: np.ndarray
    labels: np.ndarray
    loss: float

    @property
    def n_errors(self) -> int:
        """Number of misclassified rows."""
        return int(np.count_nonzero(self.predictions != self.labels))


def _as_labels(labels, n: int, mp: int, name: str, statement: str) -> np.ndarray:
    """Integer labels (n,) in [0, m_p), or one-hot rows (n, m_p) turned into labels."""
    arr = np.asarray(labels)
    if arr.ndim == 2:
        if arr.shape != (n, mp):
            raise ValueError(
                f"{name} must be labels of shape ({n},) or one-hot rows of shape ({n}, {mp}) "
                f"({statement}); got {arr.shape}"
            )
        arr = as_float_array(arr, name, statement, ndim=2, allow_nonfinite=True)
        check_one_hot(arr, name, statement)
        return np.argmax(arr, axis=1).astype(np.int64)
    return check_labels(arr, mp, name, statement, n=n)


def evaluate(params, X, labels, chunk: int = network.PREDICT_CHUNK) -> Evaluation:
    r"""Accuracy, confusion matrix and mean loss of the network on ``(X, labels)``.

    Paper: Definition 5.1

    .. math:: \text{accuracy} = \frac1n \sum_{i=1}^n
              \big[\operatorname{argmax}_k \mathcal{N}_{c^+}(x^{(i)})_k = y^{(i)}\big],\qquad
              C_{j,k} = \#\{i : y^{(i)} = j,\ \operatorname{argmax} \mathcal{N}_{c^+}(x^{(i)}) = k\}

    Parameters
    ----------
    params : list of (W, b)
    X : array (n, m_0)
    labels : integer labels (n,) in [0, m_p), or one-hot rows (n, m_p)
    chunk : int
        Rows per forward pass (bounds the memory, not the result). The passes run on one BLAS thread, so that the
        numbers do not depend on the thread count (:func:`mathdnn_core.training.fit` evaluates the same way).

    Returns
    -------
    Evaluation
        ``accuracy``, ``confusion`` (m_p x m_p, rows = true class, columns = predicted class), ``predictions``,
        ``labels``, ``loss`` (mean cross-entropy, Definition 5.2).

    Raises
    ------
    mathdnn_core.network.OutputOverflowError
        The network's output overflows on some row (finite but huge parameters): no class can be predicted.
    """
    params = network.check_params(params, _NET)
    mp = params[-1][0].shape[0]
    X = check_rows(X, params[0][0].shape[1], _NET)
    y = _as_labels(labels, X.shape[0], mp, "labels", _NET)
    chunk = positive_int(chunk, "chunk", f"{_NET}: rows per forward pass")
    predictions, loss = [], 0.0
    with single_thread():  # the same numbers whatever the thread count and the machine's load
        for rows, cache in network._forward_chunks(X, params, chunk):
            z = cache.preactivations[-1]
            predictions.append(cache.classes)
            targets = losses.one_hot(y[rows], mp, dtype=z.dtype)
            loss += float(np.sum(losses.cross_entropy_from_logits(z, targets)))  # log-Softmax form: always finite
    pred = np.concatenate(predictions)
    confusion = np.bincount(y * mp + pred, minlength=mp * mp).reshape(mp, mp).astype(np.int64)
    n = X.shape[0]
    return Evaluation(
        accuracy=float(np.count_nonzero(pred == y)) / n, confusion=confusion, predictions=pred, labels=y, loss=loss / n
    )


def save_params(path, params) -> str:
    r"""Write the parameters to an ``.npz`` file with keys ``W1, b1, W2, b2, ...`` (layer 1 first).

    The file is written at exactly ``path`` (no ``.npz`` is appended); dtypes are kept; no pickle.

    Returns
    -------
    str — the path written
    """
    params = network.check_params(params, _NET)
    arrays = {}
    for k, (W, b) in enumerate(params, start=1):
        arrays[f"W{k}"], arrays[f"b{k}"] = W, b
    path = os.fspath(path)
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)
    return path


def load_params(path) -> Params:
    r"""Read parameters written by :func:`save_params`.

    Loaded with ``allow_pickle=False``. The file must hold exactly ``W1, b1, ..., Wp, bp`` whose shapes chain as
    in Definition 5.1 (``W^{(k)}`` of shape ``(m_k, m_{k-1})``, ``b^{(k)}`` of shape ``(m_k,)``), finite,
    float32 or float64.

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        The file is not an ``.npz`` archive of such arrays (the message says what is wrong).
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no parameter file at {path!r}")
    try:
        loaded = np.load(path, allow_pickle=False)
    except ValueError as exc:  # e.g. "Cannot load file containing pickled data when allow_pickle=False"
        raise ValueError(f"malformed parameter file {path!r}: {exc}") from None
    except (OSError, EOFError) as exc:
        raise ValueError(f"malformed parameter file {path!r}: not a readable .npz archive ({exc})") from None
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise ValueError(
            f"malformed parameter file {path!r}: expected an .npz archive with keys W1, b1, ...; found a single array"
        )
    try:
        with loaded as npz:
            arrays = {key: npz[key] for key in npz.files}
    except ValueError as exc:  # an entry holding pickled (object) data
        raise ValueError(f"malformed parameter file {path!r}: {exc}") from None
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise ValueError(f"malformed parameter file {path!r}: a damaged .npz archive ({exc})") from None
    p = len(arrays) // 2
    expected = [f"{name}{k}" for k in range(1, p + 1) for name in ("W", "b")]
    if p == 0 or sorted(arrays) != sorted(expected):
        raise ValueError(
            f"malformed parameter file {path!r}: expected keys W1, b1, ..., Wp, bp ({_NET}); found {sorted(arrays)}"
        )
    params = []
    for k in range(1, p + 1):
        W, b = arrays[f"W{k}"], arrays[f"b{k}"]
        if W.dtype not in FLOAT_DTYPES or b.dtype not in FLOAT_DTYPES:
            raise ValueError(
                f"malformed parameter file {path!r}: W{k} and b{k} must be float32 or float64; "
                f"got {W.dtype} and {b.dtype}"
            )
        params.append((W, b))
    try:
        return network.check_params(params, _NET)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"malformed parameter file {path!r}: {exc}") from None
