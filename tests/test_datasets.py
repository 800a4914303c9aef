"""Tests for mathdnn_core.datasets: bundled splits, the .npz cache, one_hot, and the MNIST
download path through pooch against a local HTTP server (no mocks, no internet)."""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import pathlib
import socket
import threading
import time

import numpy as np
import pytest

from mathdnn_core import _mnist_download, datasets, losses

# --------------------------------------------------------------------------- mnist-5k


@pytest.fixture(scope="module")
def mnist5k_dir(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    return tmp_path_factory.mktemp("mnist5k-cache")


@pytest.fixture(scope="module")
def mnist5k(mnist5k_dir: pathlib.Path) -> datasets.Dataset:
    return datasets.load_dataset("mnist-5k", cache_dir=mnist5k_dir)


def test_public_constants() -> None:
    assert datasets.DATASET_NAMES == ("mnist-5k", "digits", "mnist")
    assert len(datasets.MNIST_MIRRORS) >= 2
    assert set(datasets.MNIST_FILES) == {
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    }
    for sha in datasets.MNIST_FILES.values():
        assert len(sha) == 64 and int(sha, 16) >= 0, sha
    assert issubclass(datasets.DatasetUnavailableError, RuntimeError)


def test_mnist5k_is_the_default_and_has_the_documented_shape(mnist5k: datasets.Dataset) -> None:
    ds = mnist5k
    assert ds.name == "mnist-5k"
    assert ds.X_train.shape == (4000, 784) and ds.X_test.shape == (1000, 784)
    assert ds.y_train.shape == (4000,) and ds.y_test.shape == (1000,)
    assert ds.X_train.dtype == np.float64 and ds.y_train.dtype == np.int64
    assert ds.n_classes == 10 and ds.image_shape == (28, 28)
    for X in (ds.X_train, ds.X_test):
        assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(np.bincount(ds.y_train), np.full(10, 400))
    np.testing.assert_array_equal(np.bincount(ds.y_test), np.full(10, 100))
    # Shuffled, not left sorted by class as in the source file.
    assert not np.all(np.diff(ds.y_train) >= 0)
    assert "mnist-5k" in repr(ds) and "(4000, 784)" in repr(ds)


def test_mnist5k_split_is_disjoint_and_taken_from_the_source_rows(mnist5k: datasets.Dataset) -> None:
    pixels, labels = datasets._read_mnist5k_csv()
    train_idx, test_idx = datasets._mnist5k_split_indices(labels)
    assert len(train_idx) == 4000 and len(test_idx) == 1000
    assert len(set(train_idx.tolist()) | set(test_idx.tolist())) == 5000  # disjoint, covers all
    np.testing.assert_array_equal(mnist5k.X_train, pixels[train_idx] / 255.0)
    np.testing.assert_array_equal(mnist5k.y_train, labels[train_idx])
    np.testing.assert_array_equal(mnist5k.X_test, pixels[test_idx] / 255.0)
    np.testing.assert_array_equal(mnist5k.y_test, labels[test_idx])
    # The Dataset's one-hot targets agree with its labels.
    np.testing.assert_array_equal(mnist5k.Y_train.argmax(axis=1), mnist5k.y_train)
    assert mnist5k.Y_test.shape == (1000, 10)


def test_mnist5k_split_is_deterministic(tmp_path: pathlib.Path, mnist5k: datasets.Dataset) -> None:
    again = datasets.load_dataset("mnist-5k", cache_dir=tmp_path / "fresh")
    for field in ("X_train", "y_train", "X_test", "y_test"):
        np.testing.assert_array_equal(getattr(again, field), getattr(mnist5k, field))
    # Pin a few values so an accidental change of seed or draw order is caught.
    _, labels = datasets._read_mnist5k_csv()
    train_idx, test_idx = datasets._mnist5k_split_indices(labels)
    train2, test2 = datasets._mnist5k_split_indices(labels)
    np.testing.assert_array_equal(train_idx, train2)
    np.testing.assert_array_equal(test_idx, test2)
    assert train_idx[:5].tolist() == [3045, 4976, 3458, 3817, 695]
    assert test_idx[:5].tolist() == [4419, 3988, 1051, 1518, 169]


def test_mnist5k_cache_hit_is_fast_and_equal(mnist5k_dir: pathlib.Path, mnist5k: datasets.Dataset) -> None:
    cache_files = list(mnist5k_dir.glob("*.npz"))
    assert len(cache_files) == 1
    assert not list(mnist5k_dir.glob("*.tmp"))  # the atomic write left no temp file
    best = float("inf")
    for _ in range(3):  # best of three: the bound is about our code, not a busy CI host
        start = time.perf_counter()
        warm = datasets.load_dataset("mnist-5k", cache_dir=mnist5k_dir)
        best = min(best, time.perf_counter() - start)
    assert best < 0.1, f"cached load took {best:.3f} s"
    np.testing.assert_array_equal(warm.X_train, mnist5k.X_train)
    np.testing.assert_array_equal(warm.y_test, mnist5k.y_test)


def test_mnist5k_float32_is_preserved(mnist5k_dir: pathlib.Path, mnist5k: datasets.Dataset) -> None:
    ds = datasets.load_dataset("mnist-5k", cache_dir=mnist5k_dir, dtype=np.float32)
    assert ds.X_train.dtype == np.float32 and ds.X_test.dtype == np.float32
    assert ds.y_train.dtype == np.int64
    assert ds.Y_train.dtype == np.float32
    np.testing.assert_array_equal(ds.X_train, mnist5k.X_train.astype(np.float32))


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda b: b[: len(b) // 2], id="truncated"),
        pytest.param(lambda b: b"not a zip file at all", id="garbage"),
        pytest.param(lambda b: b"", id="empty"),
        pytest.param(lambda b: b[:200] + bytes(len(b) - 200), id="zeroed-body"),
    ],
)
def test_corrupted_cache_is_rebuilt(tmp_path: pathlib.Path, mnist5k: datasets.Dataset, damage) -> None:
    first = datasets.load_dataset("mnist-5k", cache_dir=tmp_path)
    (cache_file,) = tmp_path.glob("*.npz")
    good_bytes = cache_file.read_bytes()
    cache_file.write_bytes(damage(good_bytes))
    rebuilt = datasets.load_dataset("mnist-5k", cache_dir=tmp_path)
    np.testing.assert_array_equal(rebuilt.X_train, first.X_train)
    np.testing.assert_array_equal(rebuilt.y_test, first.y_test)
    # ... and the cache on disk is usable again.
    assert datasets._read_cache(cache_file, 784, 4000, 1000) is not None


def test_cache_with_wrong_shapes_is_rebuilt(tmp_path: pathlib.Path, mnist5k: datasets.Dataset) -> None:
    datasets.load_dataset("mnist-5k", cache_dir=tmp_path)
    (cache_file,) = tmp_path.glob("*.npz")
    np.savez_compressed(
        cache_file,
        X_train=np.zeros((10, 784), np.uint8),
        y_train=np.zeros(10, np.int64),
        X_test=np.zeros((5, 784), np.uint8),
        y_test=np.zeros(5, np.int64),
    )
    rebuilt = datasets.load_dataset("mnist-5k", cache_dir=tmp_path)
    np.testing.assert_array_equal(rebuilt.X_train, mnist5k.X_train)


def test_interrupted_cache_write_leaves_old_cache_and_no_temp_file(tmp_path: pathlib.Path) -> None:
    class Exploding:
        def __array__(self, dtype=None, copy=None):
            raise KeyboardInterrupt  # stands in for a crash in the middle of the write

    target = tmp_path / "x.npz"
    target.write_bytes(b"previous content")
    with pytest.raises(KeyboardInterrupt):
        datasets._write_cache(target, {"X_train": np.zeros(3, np.uint8), "y_train": Exploding()})
    assert target.read_bytes() == b"previous content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.npz"]


def test_cache_dir_default_honours_environment(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATHDNN_CACHE", str(tmp_path / "env-cache"))
    assert datasets.default_cache_dir() == tmp_path / "env-cache"
    datasets.load_dataset("mnist-5k")  # cache_dir=None -> the environment variable
    assert list((tmp_path / "env-cache").glob("*.npz"))
    monkeypatch.delenv("MATHDNN_CACHE")
    assert "mathdnn" in str(datasets.default_cache_dir())


# --------------------------------------------------------------------------- digits


def test_digits_shapes_range_and_stratification() -> None:
    ds = datasets.load_dataset("digits", dtype=np.float32)
    assert ds.name == "digits" and ds.image_shape == (8, 8) and ds.n_classes == 10
    assert ds.X_train.shape == (1347, 64) and ds.X_test.shape == (450, 64)
    assert ds.X_train.dtype == np.float32
    assert ds.X_train.min() == 0.0 and ds.X_train.max() == 1.0 and ds.X_test.max() <= 1.0
    all_counts = np.bincount(np.concatenate([ds.y_train, ds.y_test]), minlength=10)
    test_counts = np.bincount(ds.y_test, minlength=10)
    # Stratified: every class keeps ~25 % of its examples in the test set.
    np.testing.assert_allclose(test_counts / all_counts, 0.25, atol=0.01)
    again = datasets.load_dataset("digits", dtype=np.float32)
    np.testing.assert_array_equal(again.y_test, ds.y_test)


# --------------------------------------------------------------------------- argument checks


def test_unknown_name_lists_the_names(tmp_path: pathlib.Path) -> None:
    with pytest.raises(ValueError, match="mnist-5k.*digits.*mnist"):
        datasets.load_dataset("cifar10", cache_dir=tmp_path)


@pytest.mark.parametrize("dtype", [np.int32, np.float16, "complex128", object, "nonsense", None])
def test_bad_dtype_is_a_type_error(tmp_path: pathlib.Path, dtype) -> None:
    with pytest.raises(TypeError, match="float32 or np.float64"):
        datasets.load_dataset("mnist-5k", cache_dir=tmp_path, dtype=dtype)


# --------------------------------------------------------------------------- one_hot


def test_one_hot_is_the_core_one() -> None:
    """Definition 5.2's targets are built in mathdnn_core.losses (tested there); datasets re-exports the same object."""
    assert datasets.one_hot is losses.one_hot
    np.testing.assert_array_equal(datasets.one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])


# --------------------------------------------------------------------------- full MNIST via pooch


def _idx_gz(array: np.ndarray, magic: int) -> bytes:
    header = np.array([magic, *array.shape], dtype=">u4").tobytes()
    return gzip.compress(header + array.astype(np.uint8).tobytes(), mtime=0)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def small_mnist() -> dict[str, object]:
    """Four small valid IDX .gz files (50 train / 20 test) and their SHA-256 hashes."""
    rng = np.random.default_rng(7)
    arrays = {
        "train_images": rng.integers(0, 256, size=(50, 28, 28), dtype=np.uint8),
        "train_labels": rng.integers(0, 10, size=50, dtype=np.uint8),
        "test_images": rng.integers(0, 256, size=(20, 28, 28), dtype=np.uint8),
        "test_labels": rng.integers(0, 10, size=20, dtype=np.uint8),
    }
    files = {
        "train-images-idx3-ubyte.gz": _idx_gz(arrays["train_images"], 2051),
        "train-labels-idx1-ubyte.gz": _idx_gz(arrays["train_labels"], 2049),
        "t10k-images-idx3-ubyte.gz": _idx_gz(arrays["test_images"], 2051),
        "t10k-labels-idx1-ubyte.gz": _idx_gz(arrays["test_labels"], 2049),
    }
    hashes = {name: _sha256(data) for name, data in files.items()}
    return {"arrays": arrays, "files": files, "hashes": hashes}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass


@pytest.fixture(scope="module")
def server_root(tmp_path_factory: pytest.TempPathFactory, small_mnist) -> pathlib.Path:
    """A served tree: good/ (valid files), truncated/ (hash mismatch), badmagic/."""
    root = tmp_path_factory.mktemp("served")
    for sub in ("good", "truncated", "badmagic"):
        (root / sub).mkdir()
    for name, data in small_mnist["files"].items():
        (root / "good" / name).write_bytes(data)
        (root / "truncated" / name).write_bytes(data[: len(data) // 2])
        (root / "badmagic" / name).write_bytes(data)
    bad = bytearray(gzip.decompress(small_mnist["files"]["train-images-idx3-ubyte.gz"]))
    bad[:4] = np.array([1234], dtype=">u4").tobytes()
    (root / "badmagic" / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(bytes(bad), mtime=0))
    return root


@pytest.fixture(scope="module")
def http_base(server_root: pathlib.Path):
    """Serve ``server_root`` on 127.0.0.1 (ephemeral port) from a daemon thread."""
    handler = functools.partial(_QuietHandler, directory=str(server_root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture()
def dead_base():
    """A 127.0.0.1 port that refuses connections: bound (so nobody else takes it) but
    never listening, which makes the kernel answer a connect with RST at once."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/"
    finally:
        sock.close()


@pytest.fixture(autouse=True)
def _no_proxy_for_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    # requests honours *_PROXY variables; the local server must be reached directly.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


def _assert_matches(ds: datasets.Dataset, arrays: dict[str, np.ndarray]) -> None:
    assert ds.name == "mnist" and ds.image_shape == (28, 28)
    assert ds.X_train.shape == (50, 784) and ds.X_test.shape == (20, 784)
    np.testing.assert_array_equal(ds.X_train, arrays["train_images"].reshape(50, -1) / 255.0)
    np.testing.assert_array_equal(ds.y_train, arrays["train_labels"].astype(np.int64))
    np.testing.assert_array_equal(ds.X_test, arrays["test_images"].reshape(20, -1) / 255.0)
    np.testing.assert_array_equal(ds.y_test, arrays["test_labels"].astype(np.int64))
    assert ds.y_train.dtype == np.int64


def test_mnist_dead_first_mirror_falls_back(tmp_path, http_base, dead_base, small_mnist) -> None:
    start = time.perf_counter()
    ds = datasets.load_dataset(
        "mnist", cache_dir=tmp_path, mirrors=(dead_base, http_base + "good"), hashes=small_mnist["hashes"]
    )
    assert time.perf_counter() - start < 5  # refused connections fail at once
    _assert_matches(ds, small_mnist["arrays"])
    # The parsed arrays are cached: with every mirror dead the load still succeeds.
    again = datasets.load_dataset(
        "mnist", cache_dir=tmp_path, mirrors=(dead_base,), hashes=small_mnist["hashes"], dtype=np.float32
    )
    assert again.X_train.dtype == np.float32
    np.testing.assert_array_equal(again.y_train, ds.y_train)


def _all_file_bytes(root: pathlib.Path) -> list[bytes]:
    return [p.read_bytes() for p in root.rglob("*") if p.is_file()]


def test_mnist_hash_mismatch_is_reported_and_not_cached(tmp_path, http_base, server_root, small_mnist) -> None:
    with pytest.raises(datasets.DatasetUnavailableError, match="SHA-256") as info:
        datasets.load_dataset(
            "mnist", cache_dir=tmp_path, mirrors=(http_base + "truncated",), hashes=small_mnist["hashes"]
        )
    assert isinstance(info.value, datasets.DatasetIntegrityError)
    bad = {p.read_bytes() for p in (server_root / "truncated").iterdir()}
    assert not bad.intersection(_all_file_bytes(tmp_path)), "a corrupted download stayed in the cache"
    assert not list(tmp_path.rglob("*.npz"))

    # With a good second mirror the same call succeeds, and only good bytes are cached.
    ds = datasets.load_dataset(
        "mnist",
        cache_dir=tmp_path,
        mirrors=(http_base + "truncated", http_base + "good"),
        hashes=small_mnist["hashes"],
    )
    _assert_matches(ds, small_mnist["arrays"])
    assert not bad.intersection(_all_file_bytes(tmp_path))
    for name, data in small_mnist["files"].items():
        assert (tmp_path / "mnist" / name).read_bytes() == data


def test_mnist_offline_names_the_bundled_alternatives(tmp_path, dead_base, small_mnist) -> None:
    other = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    other.bind(("127.0.0.1", 0))
    second_dead = f"http://127.0.0.1:{other.getsockname()[1]}/"
    try:
        with pytest.raises(datasets.DatasetUnavailableError) as info:
            datasets.load_dataset(
                "mnist", cache_dir=tmp_path, mirrors=(dead_base, second_dead), hashes=small_mnist["hashes"]
            )
    finally:
        other.close()
    message = str(info.value)
    assert not isinstance(info.value, datasets.DatasetIntegrityError)
    assert "'mnist-5k'" in message and "'digits'" in message
    assert dead_base in message and second_dead in message
    assert not list(tmp_path.rglob("*.npz"))
    summary = info.value.summary  # the first line, for a one-line report: what failed, no mirror list
    assert "\n" not in summary and summary == message.splitlines()[0] and "offline" in summary
    assert dead_base not in summary and len(summary) < 120


def test_mnist_malformed_idx_names_the_file(tmp_path, http_base, server_root, small_mnist) -> None:
    hashes = dict(small_mnist["hashes"])
    bad_name = "train-images-idx3-ubyte.gz"
    hashes[bad_name] = _sha256((server_root / "badmagic" / bad_name).read_bytes())
    with pytest.raises(ValueError, match=rf"{bad_name}: expected IDX magic number 2051, got 1234"):
        datasets.load_dataset("mnist", cache_dir=tmp_path, mirrors=(http_base + "badmagic",), hashes=hashes)
    assert not list(tmp_path.rglob("*.npz"))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"\x00\x00\x08\x03" + np.array([2, 28], ">u4").tobytes(), "IDX header of 16 bytes"),
        (np.array([2051, 2, 27, 28], ">u4").tobytes() + bytes(2 * 27 * 28), "28x28"),
        (np.array([2051, 2, 28, 28], ">u4").tobytes() + bytes(100), "expected 1584 bytes"),
        (np.array([2049, 3], ">u4").tobytes() + bytes([1, 2, 12]), "labels 0..9"),
    ],
)
def test_parse_idx_validates(tmp_path: pathlib.Path, raw: bytes, message: str) -> None:
    path = tmp_path / "x.gz"
    path.write_bytes(gzip.compress(raw))
    magic = int(np.frombuffer(raw[:4], ">u4")[0])
    with pytest.raises(ValueError, match=message):
        _mnist_download._parse_idx(path, magic, "x.gz")
    path.write_bytes(b"not gzip")
    with pytest.raises(ValueError, match="x.gz: expected a gzip"):
        _mnist_download._parse_idx(path, 2051, "x.gz")


def test_mnist_argument_checks(tmp_path: pathlib.Path) -> None:
    with pytest.raises(ValueError, match="missing"):
        datasets.load_dataset("mnist", cache_dir=tmp_path, hashes={"train-images-idx3-ubyte.gz": "0" * 64})
    with pytest.raises(ValueError, match="http"):
        datasets.load_dataset("mnist", cache_dir=tmp_path, mirrors=("ftp://example.invalid/",))
    with pytest.raises(ValueError, match="at least one"):
        datasets.load_dataset("mnist", cache_dir=tmp_path, mirrors=())
