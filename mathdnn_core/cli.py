r"""The ``mathdnn`` command: arguments, printing and exit codes. The work is done by :mod:`mathdnn_core.experiment`
(``mathdnn train``) and :mod:`mathdnn_core.verify` (``mathdnn verify``).

``mathdnn train`` trains N_{c+} on a digits data set, prints one line per epoch, and writes the learning curves, the
confusion matrix, a grid of test digits, the first-layer weights, the trained parameters and a metrics JSON. Every
argument is checked before anything is written: a bad one gives a one-line error on stderr and exit code 2; a run
that diverges (NaN, overflow) or collapses (a hidden layer dead on all the data) gives exit code 1; in both cases no
file or directory is created. ``mathdnn verify`` prints one verdict per check (exit code 0 when all pass, else 1).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from . import __version__, training

DEFAULT_OUT = "mathdnn-out"
#: The option of each setting of :func:`mathdnn_core.experiment.resolve`, as error messages name it.
_OPTIONS = {name: "--" + name.replace("_", "-") for name in ("dataset", "hidden", "epochs", "lr", "batch_size")}
_OPTIONS |= {"momentum": "--momentum", "seed": "--seed", "dtype": "--dtype", "blas_threads": "--threads"}


class UsageError(Exception):
    """A bad command-line argument (exit code 2)."""


class _Parser(argparse.ArgumentParser):
    """argparse, but every error is one line on stderr (``prog: error: ...``) and exit code 2."""

    def error(self, message: str):  # noqa: D401 - argparse API
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mathdnn",
        description="Executable companion to 'MathDNN - A deep mathematical "
        "understanding of DNNs': train N_{c+} on real digits, or verify "
        "the paper's statements.",
    )
    parser.add_argument("--version", action="version", version=f"mathdnn {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="{train,verify}", parser_class=_Parser)
    sub.required = True

    shown = "; ".join(
        f"{name}: --hidden {' '.join(map(str, d.hidden))} --epochs {d.epochs} --lr {d.lr:g}"
        for name, d in training.DEFAULTS.items()
    )
    train = sub.add_parser(
        "train",
        help="train N_{c+} by back-propagation SGD with momentum (Definition 6.7)",
        description="Train the multi-class dense network N_{c+} (Definition 5.1) by back-propagation gradient "
        "descent with momentum over minibatches (Definition 6.7), print one line per epoch, and "
        "write pictures, the parameters and a metrics JSON into --out. "
        f"Per-data-set defaults: {shown}.",
    )
    train.add_argument(
        "--dataset",
        choices=tuple(training.DEFAULTS),
        default="mnist-5k",
        help="mnist-5k: 4,000/1,000 real MNIST digits (offline); digits: scikit-learn's 8x8 "
        "digits (offline); mnist: the full 60,000/10,000 (downloaded once). Default mnist-5k",
    )
    train.add_argument(
        "--hidden",
        type=int,
        nargs="+",
        metavar="M",
        default=None,
        help="hidden layer widths m_1 ... m_(p-1) (default: per data set)",
    )
    train.add_argument(
        "--epochs", type=int, default=None, help="passes over the training set, >= 1 (default: per data set)"
    )
    train.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help=f"minibatch size b, 1 <= b <= n_train (default {training.DEFAULT_BATCH_SIZE})",
    )
    train.add_argument("--lr", type=float, default=None, help="learning rate alpha > 0 (default: per data set)")
    train.add_argument(
        "--momentum",
        type=float,
        default=None,
        help=f"momentum beta in [0, 1[ of the (1 - beta) form (default {training.DEFAULT_MOMENTUM})",
    )
    train.add_argument(
        "--seed",
        type=int,
        default=training.DEFAULT_SEED,
        help=f"seed of the initialisation and of the batch order (default {training.DEFAULT_SEED})",
    )
    train.add_argument(
        "--dtype",
        choices=("float32", "float64"),
        default=training.DEFAULT_DTYPE,
        help=f"floating-point type of the whole computation (default {training.DEFAULT_DTYPE})",
    )
    train.add_argument("--out", default=DEFAULT_OUT, help=f"output directory (default {DEFAULT_OUT})")
    train.add_argument("--json", default=None, metavar="PATH", help="metrics JSON (default OUT/metrics.json)")
    train.add_argument(
        "--cache-dir", default=None, help="data cache directory (default $MATHDNN_CACHE or the user cache)"
    )
    train.add_argument(
        "--threads",
        type=int,
        default=None,
        metavar="N",
        help="limit BLAS to N threads while training (default: as configured, e.g. by "
        "OPENBLAS_NUM_THREADS); 1 is much faster when other programs keep the cores busy",
    )
    train.add_argument("--no-progress", action="store_true", help="no progress bar")

    sub.add_parser(
        "verify",
        help="check the paper's statements through the package",
        description="Check the paper's statements numerically through mathdnn_core (gradient routes, "
        "finite differences, Jacobians) and print one verdict per check.",
    )
    return parser


# ----------------------------------------------------------------------------------------------------------------
# mathdnn train
# ----------------------------------------------------------------------------------------------------------------
def _settings(args: argparse.Namespace):
    """The run's settings, every number checked (before any data is loaded or file written)."""
    from . import experiment

    try:
        return experiment.resolve(
            args.dataset,
            hidden=args.hidden,
            epochs=args.epochs,
            lr=args.lr,
            batch_size=args.batch_size,
            momentum=args.momentum,
            seed=args.seed,
            dtype=args.dtype,
            blas_threads=args.threads,
            names=_OPTIONS,
        )
    except (ValueError, TypeError) as exc:
        raise UsageError(str(exc)) from None


def _output_paths(args: argparse.Namespace) -> tuple[Path, Path]:
    """``--out`` and ``--json``, checked to be creatable as a directory and a file."""
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {args.out!r} exists and is not a directory")
    json_path = out / "metrics.json" if args.json is None else Path(args.json)
    if json_path.is_dir():
        raise UsageError(f"--json {args.json!r} is a directory; give a file path")
    for parent in [out, *out.parents, json_path.parent, *json_path.parent.parents]:
        if parent.exists() and not parent.is_dir():
            raise UsageError(f"cannot create {parent}: a file of that name exists")
    return out, json_path


def _train(args: argparse.Namespace) -> int:
    settings = _settings(args)
    out, json_path = _output_paths(args)
    from . import datasets, experiment

    progress = not args.no_progress
    try:
        data = experiment.load_data(settings, cache_dir=args.cache_dir, progress=progress)
    except datasets.DatasetUnavailableError as exc:
        print(f"mathdnn train: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    n_train = data.X_train.shape[0]
    if settings.batch_size > n_train:
        raise UsageError(
            f"--batch-size must be at most the training-set size n = {n_train} of {settings.dataset} "
            f"(note after Definition 6.6); got {settings.batch_size}"
        )
    if progress:
        from tqdm.auto import tqdm

        def emit(line: str) -> None:
            tqdm.write(line, file=sys.stdout)
    else:

        def emit(line: str) -> None:
            print(line, flush=True)

    try:
        outcome = experiment.train(settings, data, report=emit, progress=progress)
    except training.TrainingDivergedError as exc:
        print(f"mathdnn train: error: {exc}", file=sys.stderr)
        return 1
    written = experiment.write_outputs(outcome, out, json_path)  # only now is anything written
    metrics = written.pop("metrics")
    print(f"wrote {', '.join(written.values())} and {metrics}")
    return 0


# ----------------------------------------------------------------------------------------------------------------
# mathdnn verify
# ----------------------------------------------------------------------------------------------------------------
def _verify(_args: argparse.Namespace) -> int:
    from . import verify

    start = time.perf_counter()
    checks = verify.checks()
    failed = 0
    for statement, check in checks:
        result = verify.run_check(statement, check)
        failed += not result.passed
        print(result.line, flush=True)
    print(f"{len(checks) - failed} of {len(checks)} checks passed in {time.perf_counter() - start:.2f} s")
    return 0 if failed == 0 else 1


# ----------------------------------------------------------------------------------------------------------------
# Entry point
# ----------------------------------------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    r"""Run the ``mathdnn`` command; return its exit code.

    ``mathdnn train [--dataset D] [--hidden M ...] [--epochs N] [--batch-size B] [--lr A] [--momentum BETA]
    [--seed S] [--dtype T] [--out DIR] [--json PATH]`` and ``mathdnn verify``.
    Exit codes: 0 success, 1 training diverged or collapsed / data unavailable / a verification failed,
    2 bad arguments.
    """
    parser = _build_parser()
    try:
        args = parser.parse_args(None if argv is None else list(argv))
    except SystemExit as exc:  # argparse: --help/--version (0) or a bad argument (2)
        return exc.code if isinstance(exc.code, int) else 2
    try:
        if args.command == "train":
            return _train(args)
        return _verify(args)
    except UsageError as exc:
        print(f"mathdnn {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mathdnn: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
