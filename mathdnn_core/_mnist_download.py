"""The full MNIST for :func:`mathdnn_core.datasets.load_dataset`: download with pooch from the mirrors, check every
file's SHA-256, parse the IDX files, cache the arrays as ``.npz``.

Loaded only when ``load_dataset("mnist")`` is called; the mirrors, hashes and timeout are
:data:`mathdnn_core.datasets.MNIST_MIRRORS`, :data:`~mathdnn_core.datasets.MNIST_FILES` and
:data:`~mathdnn_core.datasets.DOWNLOAD_TIMEOUT`.
"""

from __future__ import annotations

import gzip
import hashlib
import pathlib
import zlib
from collections.abc import Mapping, Sequence

import numpy as np

from . import datasets
from .datasets import _CACHE_VERSION, _N_CLASSES, MNIST_FILES, DatasetIntegrityError, DatasetUnavailableError, _cached

_IDX_IMAGES_MAGIC = 2051  # 0x00000803: unsigned byte data, 3 dimensions
_IDX_LABELS_MAGIC = 2049  # 0x00000801: unsigned byte data, 1 dimension


def _parse_idx(path: pathlib.Path, magic: int, name: str) -> np.ndarray:
    """Read one gzipped IDX file: images -> uint8 (n, 28, 28), labels -> uint8 (n,)."""
    try:
        with gzip.open(path, "rb") as handle:
            data = handle.read()
    except (OSError, EOFError, zlib.error) as err:
        raise ValueError(f"{name}: expected a gzip-compressed IDX file ({err})") from err
    ndim = 3 if magic == _IDX_IMAGES_MAGIC else 1
    header_len = 4 * (1 + ndim)
    if len(data) < header_len:
        raise ValueError(f"{name}: expected an IDX header of {header_len} bytes, got {len(data)} bytes")
    header = np.frombuffer(data, dtype=">u4", count=1 + ndim)
    if int(header[0]) != magic:
        raise ValueError(f"{name}: expected IDX magic number {magic}, got {int(header[0])}")
    dims = tuple(int(v) for v in header[1:])
    if ndim == 3 and dims[1:] != (28, 28):
        raise ValueError(f"{name}: expected 28x28 images, got {dims[1]}x{dims[2]}")
    expected = header_len + int(np.prod(dims))
    if len(data) != expected:
        raise ValueError(f"{name}: expected {expected} bytes for dimensions {dims}, got {len(data)} bytes")
    array = np.frombuffer(data, dtype=np.uint8, offset=header_len).reshape(dims)
    if ndim == 1 and array.size and array.max() >= _N_CLASSES:
        raise ValueError(f"{name}: expected labels 0..9, got a label {int(array.max())}")
    return array


def _fetch(
    fname: str,
    known_hash: str,
    mirrors: Sequence[str],
    folder: pathlib.Path,
    progress: bool,
) -> pathlib.Path:
    """Fetch one file with pooch, trying each mirror in order; return its local path."""
    import pooch
    import requests

    failures: list[str] = []
    hash_failed = False
    for base in mirrors:
        url = base + fname
        try:
            # pooch streams to a temp file in ``folder`` and deletes it on a hash
            # mismatch, so a bad download never lands in the cache under ``fname``.
            local = pooch.retrieve(
                url,
                known_hash=f"sha256:{known_hash}",
                fname=fname,
                path=folder,
                downloader=pooch.HTTPDownloader(progressbar=progress, timeout=datasets.DOWNLOAD_TIMEOUT),
            )
            return pathlib.Path(local)
        except requests.exceptions.RequestException as err:
            failures.append(f"  {url}: {type(err).__name__}: {err}")
        except ValueError as err:
            # pooch raises ValueError for a hash mismatch (the only ValueError possible
            # here: the URL and hash format are ours).
            hash_failed = True
            failures.append(f"  {url}: SHA-256 check failed: {err}")
    alternatives = (
        "The bundled data sets work offline: load_dataset('mnist-5k') "
        "(5,000 real MNIST digits) or load_dataset('digits') (scikit-learn's 8x8 digits)."
    )
    tried = "\n".join(failures)
    if hash_failed:
        raise DatasetIntegrityError(
            f"SHA-256 check failed for {fname}: no mirror delivered the expected file "
            f"(sha256 {known_hash}); bad downloads were deleted. Mirrors tried:\n{tried}\n"
            f"{alternatives}"
        )
    raise DatasetUnavailableError(
        f"could not download {fname} for dataset 'mnist' from any mirror (offline?). "
        f"Mirrors tried:\n{tried}\n{alternatives}"
    )


def _normalize_mirrors(mirrors: Sequence[str] | None) -> tuple[str, ...]:
    if mirrors is None:
        mirrors = datasets.MNIST_MIRRORS
    if isinstance(mirrors, str):
        mirrors = (mirrors,)  # a lone URL, not a sequence of characters
    out = []
    for base in mirrors:
        if not isinstance(base, str) or not base.startswith(("http://", "https://")):
            raise ValueError(f"mirrors must be http(s) base URLs, got {base!r}")
        out.append(base if base.endswith("/") else base + "/")
    if not out:
        raise ValueError("mirrors must contain at least one base URL")
    return tuple(out)


def load_mnist_raw(
    cache_dir: pathlib.Path,
    mirrors: Sequence[str] | None,
    hashes: Mapping[str, str],
    progress: bool,
) -> dict[str, np.ndarray]:
    missing = sorted(set(MNIST_FILES) - set(hashes))
    if missing:
        raise ValueError(f"hashes must give a SHA-256 for each of {sorted(MNIST_FILES)}; missing {missing}")
    hashes = {f: str(hashes[f]).lower() for f in MNIST_FILES}
    base_urls = _normalize_mirrors(mirrors)
    # Key the parsed cache on the pinned hashes too: other hashes mean other files.
    digest = hashlib.sha256("".join(hashes[f] for f in sorted(hashes)).encode()).hexdigest()[:12]
    npz_path = cache_dir / f"mnist-{digest}.v{_CACHE_VERSION}.npz"

    def build() -> dict[str, np.ndarray]:
        folder = cache_dir / "mnist"
        paths = {f: _fetch(f, hashes[f], base_urls, folder, progress) for f in MNIST_FILES}
        out = {}
        for split, prefix in (("train", "train"), ("test", "t10k")):
            images_name = f"{prefix}-images-idx3-ubyte.gz"
            labels_name = f"{prefix}-labels-idx1-ubyte.gz"
            images = _parse_idx(paths[images_name], _IDX_IMAGES_MAGIC, images_name)
            labels = _parse_idx(paths[labels_name], _IDX_LABELS_MAGIC, labels_name)
            if images.shape[0] != labels.shape[0]:
                raise ValueError(
                    f"{labels_name}: expected {images.shape[0]} labels to match {images_name}, got {labels.shape[0]}"
                )
            out[f"X_{split}"] = images.reshape(images.shape[0], -1)
            out[f"y_{split}"] = labels.astype(np.int64)
        return out

    return _cached(npz_path, 784, None, None, build)
