r"""One training experiment end to end: the data, the network, ``fit``, the evaluation, the pictures and the metrics.

What ``mathdnn train`` runs, in pieces a notebook can reuse:

>>> from mathdnn_core import experiment
>>> settings = experiment.resolve("digits", epochs=2)            # the data set's defaults, every number checked
>>> data = experiment.load_data(settings)
>>> outcome = experiment.train(settings, data, progress=False)   # init_params, fit, evaluate on the test rows
>>> written = experiment.write_outputs(outcome, "run")            # pictures, params.npz, metrics.json

:func:`train` reports its progress as lines of text (a header, one line per epoch, the final accuracy) through the
``report`` callable it is given; the command prints them. :func:`check_outputs` proves, before training, that the
outputs can be written (it creates and removes a temporary directory where they will go); :func:`write_outputs`
writes them all into a hidden staging directory first and moves them into place only when every one is written,
so a failure leaves nothing half-written.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import __version__, datasets, network, training
from ._validation import float_dtype, learning_rate, momentum_beta, positive_int

__all__ = [
    "FILES",
    "Settings",
    "Outcome",
    "resolve",
    "load_data",
    "train",
    "epoch_line",
    "metrics",
    "check_outputs",
    "write_outputs",
]

#: The files :func:`write_outputs` writes besides the metrics JSON, by key.
FILES = {
    "curves": "learning_curves.png",
    "confusion": "confusion_matrix.png",
    "digits": "digits.png",
    "weights": "first_layer_weights.png",
    "params": "params.npz",
}


@dataclass(frozen=True)
class Settings:
    """The settings of one run, complete and checked (build them with :func:`resolve`)."""

    dataset: str
    hidden: tuple[int, ...]
    epochs: int
    lr: float
    batch_size: int
    momentum: float
    seed: int
    dtype: str
    blas_threads: int | str  # "auto" or a thread count


def resolve(
    dataset: str = "mnist-5k",
    *,
    hidden=None,
    epochs=None,
    lr=None,
    batch_size=None,
    momentum=None,
    seed=training.DEFAULT_SEED,
    dtype=training.DEFAULT_DTYPE,
    blas_threads="auto",
    names: Mapping[str, str] | None = None,
) -> Settings:
    """The settings of a run: ``None`` takes the data set's value from :data:`mathdnn_core.training.DEFAULTS`.

    ``blas_threads``: ``"auto"`` (or None) adapts the thread count to the machine's load while training (see
    :func:`mathdnn_core.training.fit`); an int fixes it.

    Every number is checked before any data is loaded; a ``ValueError`` names the setting as ``names`` spells it
    (the command passes its option names, ``{"epochs": "--epochs", ...}``), the statement and the expected range.
    """
    spell = dict(names or {})
    if dataset not in training.DEFAULTS:
        raise ValueError(
            f"{spell.get('dataset', 'dataset')} must be one of {tuple(training.DEFAULTS)}; got {dataset!r}"
        )
    d = training.DEFAULTS[dataset]
    widths = d.hidden if hidden is None else hidden
    return Settings(
        dataset=dataset,
        hidden=tuple(positive_int(m, spell.get("hidden", "hidden"), "Definition 5.1: m_k in N*") for m in widths),
        epochs=positive_int(d.epochs if epochs is None else epochs, spell.get("epochs", "epochs"), "Definition 6.7"),
        lr=learning_rate(d.lr if lr is None else lr, "Definition 6.7: alpha in R+*", name=spell.get("lr", "lr")),
        batch_size=positive_int(
            d.batch_size if batch_size is None else batch_size,
            spell.get("batch_size", "batch_size"),
            "note after Definition 6.6",
        ),
        momentum=momentum_beta(
            d.momentum if momentum is None else momentum, "Definition 6.7: beta", name=spell.get("momentum", "momentum")
        ),
        seed=positive_int(seed, spell.get("seed", "seed"), "", minimum=0),
        dtype=float_dtype(dtype, spell.get("dtype", "dtype")).name,
        blas_threads="auto"
        if blas_threads is None or blas_threads == "auto"
        else positive_int(blas_threads, spell.get("blas_threads", "blas_threads"), ""),
    )


def load_data(settings: Settings, *, cache_dir=None, progress: bool = False) -> datasets.Dataset:
    """The data set of ``settings`` in its dtype (raises :class:`mathdnn_core.datasets.DatasetUnavailableError`)."""
    return datasets.load_dataset(settings.dataset, cache_dir=cache_dir, dtype=settings.dtype, progress=progress)


@dataclass(frozen=True, eq=False)
class Outcome:
    """What :func:`train` produced: the trained parameters, the history, the evaluation on the test rows."""

    settings: Settings
    data: datasets.Dataset
    sizes: list[int]
    params: list
    history: training.History
    test: training.Evaluation
    wall_seconds: float

    @property
    def n_params(self) -> int:
        return network.parameter_count(self.sizes)


def epoch_line(epoch: int, epochs: int, history: training.History) -> str:
    """The line ``mathdnn train`` prints after each epoch."""
    test = f"{100 * history.test_accuracy[-1]:6.2f}%" if history.test_accuracy else "    -  "
    width = len(str(epochs))
    return (
        f"epoch {epoch:>{width}}/{epochs}  loss {history.loss[-1]:.4f}  "
        f"train acc {100 * history.train_accuracy[-1]:6.2f}%  test acc {test}  {history.seconds[-1]:6.2f} s"
    )


def train(
    settings: Settings, data: datasets.Dataset, *, report: Callable[[str], None] | None = None, progress: bool = True
) -> Outcome:
    """Initialise N_{c+} (seeded), train it with :func:`mathdnn_core.training.fit`, evaluate it on the test rows.

    One generator seeded with ``settings.seed`` draws the initial parameters, then every epoch's batch order.
    ``report`` receives a header line, one line per epoch (:func:`epoch_line`) and the final line. Raises
    :class:`mathdnn_core.training.TrainingDivergedError` (or its subclass ``TrainingCollapsedError``) when training
    fails, before anything is written.
    """
    say = report if report is not None else (lambda line: None)
    dtype = np.dtype(settings.dtype)
    n_train, n_test = data.X_train.shape[0], data.X_test.shape[0]
    sizes = [data.X_train.shape[1], *settings.hidden, data.n_classes]
    rng = np.random.default_rng(settings.seed)
    params0 = network.init_params(sizes, rng=rng, dtype=dtype)
    say(
        f"mathdnn train: {settings.dataset} ({n_train} train / {n_test} test, "
        f"{'x'.join(map(str, data.image_shape))} pixels), network {'-'.join(map(str, sizes))} "
        f"({network.parameter_count(sizes):,} parameters), {_count(settings.epochs, 'epoch')}, "
        f"batch {settings.batch_size}, "
        f"lr {settings.lr:g}, momentum {settings.momentum:g}, {settings.dtype}, seed {settings.seed}"
    )
    start = time.perf_counter()
    params, history = training.fit(
        params0,
        data.X_train,
        data.Y_train,
        epochs=settings.epochs,
        batch_size=settings.batch_size,
        lr=settings.lr,
        momentum=settings.momentum,
        rng=rng,
        progress=progress,
        X_test=data.X_test,
        y_test=data.y_test,
        callback=lambda epoch, _params, history: say(epoch_line(epoch, settings.epochs, history)),
        blas_threads=settings.blas_threads,
    )
    wall = time.perf_counter() - start
    test = training.evaluate(params, data.X_test, data.y_test)
    say(
        f"final test accuracy {100 * test.accuracy:.2f}% ({test.n_errors} errors in {n_test}), "
        f"train accuracy {100 * history.final_train_accuracy:.2f}%, training time {history.total_seconds:.2f} s "
        f"(total {wall:.2f} s with evaluation)"
    )
    return Outcome(settings, data, sizes, params, history, test, wall)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def metrics(outcome: Outcome, files: Mapping[str, str]) -> dict:
    """The metrics JSON of a run (``files``: what :func:`write_outputs` wrote, by key)."""
    s, history, data = outcome.settings, outcome.history, outcome.data
    return {
        "dataset": s.dataset,
        "test_accuracy": outcome.test.accuracy,
        "train_accuracy": history.final_train_accuracy,
        "test_loss": outcome.test.loss,
        "train_loss": history.final_loss,
        "epochs": len(history.loss),
        "seconds": history.total_seconds,
        "wall_seconds": outcome.wall_seconds,
        "n_params": outcome.n_params,
        "sizes": outcome.sizes,
        "hidden": list(s.hidden),
        "lr": s.lr,
        "momentum": s.momentum,
        "batch_size": s.batch_size,
        "dtype": s.dtype,
        "seed": s.seed,
        "blas_threads": s.blas_threads,
        "n_train": int(data.X_train.shape[0]),
        "n_test": int(data.X_test.shape[0]),
        "confusion_matrix": outcome.test.confusion.tolist(),
        "history": history.to_dict(),
        "files": dict(files),
        "versions": {"mathdnn": __version__, "numpy": np.__version__, "python": platform.python_version()},
    }


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_outputs(out, json_path=None) -> tuple[Path, Path]:
    """Prove that :func:`write_outputs` will be able to write into ``out`` and ``json_path``, writing nothing.

    For each of the two destinations, the nearest existing directory is found and a temporary directory is
    created in it and removed again: the real test of a path that permissions, a read-only file system or a
    pseudo file system (``/proc``) would refuse. Returns ``(out, json_path)`` as paths.

    Raises
    ------
    OSError
        With a message naming the path and the reason (not a directory, no permission, ...).
    """
    out = Path(out)
    json_path = out / "metrics.json" if json_path is None else Path(json_path)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"{out} exists and is not a directory")
    if json_path.is_dir():
        raise IsADirectoryError(f"{json_path} is a directory; give a file path")
    for destination, folder in ((out, out), (json_path, json_path.parent)):
        base = _nearest_existing(folder)
        if not base.is_dir():
            raise NotADirectoryError(f"cannot write {destination}: {base} is a file, not a directory")
        try:
            os.rmdir(tempfile.mkdtemp(prefix=".mathdnn-check-", dir=base))
        except OSError as exc:
            raise type(exc)(exc.errno, f"cannot write {destination} ({exc.strerror})") from None
    return out, json_path


def write_outputs(outcome: Outcome, out, json_path=None) -> dict[str, str]:
    """Write the pictures and ``params.npz`` into ``out`` (created), then the metrics JSON (default
    ``out/metrics.json``). Returns the paths written, by key (:data:`FILES` and ``"metrics"``).

    All or nothing: every file is first written into a hidden staging directory beside ``out`` (the JSON into a
    temporary file beside its path) and moved into place only when all of them have been written; on an error the
    staging files are removed and the error is raised.
    """
    from . import plots  # matplotlib: loaded only when pictures are drawn

    out, json_path = Path(out), None if json_path is None else Path(json_path)
    json_path = out / "metrics.json" if json_path is None else json_path
    data, test, params = outcome.data, outcome.test, outcome.params
    figures: dict[str, Callable] = {
        "curves": lambda: plots.learning_curves(outcome.history),
        "confusion": lambda: plots.confusion_matrix(test.confusion),
        "digits": lambda: plots.digit_grid(
            data.X_test, test.labels, test.predictions, data.image_shape, n=36, misclassified_first=True
        ),
        "weights": lambda: plots.first_layer_weights(params[0][0], data.image_shape, n=36),
    }
    staging = Path(tempfile.mkdtemp(prefix=".mathdnn-out-", dir=_nearest_existing(out.parent)))
    json_tmp = None
    try:
        for key, make in figures.items():
            make().savefig(staging / FILES[key], dpi=100)
        training.save_params(staging / FILES["params"], params)
        written = {key: str(out / name) for key, name in FILES.items()}
        json_path.parent.mkdir(parents=True, exist_ok=True)
        handle, json_tmp = tempfile.mkstemp(prefix=".mathdnn-metrics-", dir=json_path.parent)
        with os.fdopen(handle, "w") as stream:
            stream.write(json.dumps(metrics(outcome, written), indent=2) + "\n")
        out.mkdir(parents=True, exist_ok=True)
        for name in FILES.values():
            shutil.move(staging / name, out / name)  # a rename, unless out is on another file system
        os.replace(json_tmp, json_path)
    except BaseException:
        if json_tmp is not None and os.path.exists(json_tmp):
            os.remove(json_tmp)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {**written, "metrics": str(json_path)}
