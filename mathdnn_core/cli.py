r"""The ``mathdnn`` command: arguments, printing and exit codes. The work is done by :mod:`mathdnn_core.experiment`
(``mathdnn train``) and :mod:`mathdnn_core.verify` (``mathdnn verify``).

``mathdnn train`` trains N_{c+} on a digits data set, prints one line per epoch, and writes the learning curves, the
confusion matrix, a grid of test digits, the first-layer weights, the trained parameters and a metrics JSON. Every
argument, and that the outputs can be written, is checked before training: a bad one gives a one-line error on
stderr and exit code 2; a run that diverges (NaN, overflow) or collapses (a hidden layer dead on all the data), or
data that cannot be obtained, gives exit code 1; in every case no file or directory is created. Progress bars are
drawn only on a terminal (``--progress`` / ``--no-progress`` decide otherwise): a log file gets one line per epoch.
``mathdnn verify`` runs every notebook and prints the report card (:mod:`mathdnn_core.report_card`): one row per
statement and per notebook, exit code 0 when everything holds; ``mathdnn verify --quick`` runs eight checks through
the package (:mod:`mathdnn_core.verify`).
"""

from __future__ import annotations

import argparse
import sys
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
    about = "Executable companion to 'MathDNN': train N_{c+} on real digits, or verify every statement."
    parser = _Parser(prog="mathdnn", description=about)
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
        "--hidden", type=int, nargs="+", metavar="M", help="hidden widths m_1 ... m_(p-1) (default: per data set)"
    )
    for flag, kind, text in (
        ("--epochs", int, "passes over the training set, >= 1 (default: per data set)"),
        ("--batch-size", int, f"minibatch size b, 1 <= b <= n_train (default {training.DEFAULT_BATCH_SIZE})"),
        ("--lr", float, "learning rate alpha > 0 (default: per data set)"),
        ("--momentum", float, f"momentum beta in [0, 1[, the (1 - beta) form (default {training.DEFAULT_MOMENTUM})"),
    ):
        train.add_argument(flag, type=kind, default=None, help=text)
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
    train.add_argument("--cache-dir", help="data cache directory (default $MATHDNN_CACHE or the user cache)")
    train.add_argument(
        "--threads",
        type=int,
        default=None,
        metavar="N",
        help="use exactly N BLAS threads while training (default: adapt to the machine's load, between 1 and the "
        "configured count, with the same results whatever the load)",
    )
    train.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bars (default: only when stderr is a terminal; otherwise one line per epoch)",
    )

    verify = sub.add_parser(
        "verify",
        help="the report card: run every notebook and report, statement by statement, what holds",
        description="Execute every notebook in a fresh kernel, collect the verdicts its checks recorded, and print "
        "one row per statement of the paper, the Borasi notes and the Cuchiero lecture (status, notebooks, errata "
        "by kind) and one row per notebook. Exit code 0 when every notebook passed and every statement held.",
    )
    for flag, options, text in (
        ("--notebook", {"action": "append", "default": [], "metavar": "NAME"}, "run only this notebook (repeatable)"),
        ("--notebooks", {"metavar": "DIR"}, "the notebooks' folder (default ./notebooks, else the checkout's)"),
        ("--json", {"metavar": "PATH"}, "write the machine-readable report"),
        ("--html", {"metavar": "DIR"}, "write the executed notebooks and a report page with the statements' graph"),
        ("--jobs", {"type": int, "default": 2, "metavar": "N"}, "notebooks run at a time (default 2)"),
        ("--quick", {"action": "store_true"}, "instead, eight checks of main statements through the package (~1 s)"),
    ):
        verify.add_argument(flag, help=text, **options)
    return parser


# ----------------------------------------------------------------------------------------------------------------
# mathdnn train
# ----------------------------------------------------------------------------------------------------------------
def _settings(args: argparse.Namespace):
    """The run's settings, every number checked (before any data is loaded or file written)."""
    from . import experiment

    given = {
        name: getattr(args, name) for name in ("hidden", "epochs", "lr", "batch_size", "momentum", "seed", "dtype")
    }
    try:
        return experiment.resolve(args.dataset, **given, blas_threads=args.threads, names=_OPTIONS)
    except (ValueError, TypeError) as exc:
        raise UsageError(str(exc)) from None


def _output_paths(args: argparse.Namespace) -> tuple[Path, Path]:
    """``--out`` and ``--json``, proved writable before any training (nothing is left behind by the check)."""
    from . import experiment

    try:
        return experiment.check_outputs(args.out, args.json)
    except OSError as exc:
        raise UsageError(exc.strerror or str(exc)) from None


def _train(args: argparse.Namespace) -> int:
    settings = _settings(args)
    out, json_path = _output_paths(args)
    from . import datasets, experiment

    progress = sys.stderr.isatty() if args.progress is None else args.progress
    if not progress:  # pooch announces each download on the log; the epoch lines say enough
        import logging

        logging.getLogger("pooch").setLevel(logging.WARNING)
    try:
        data = experiment.load_data(settings, cache_dir=args.cache_dir, progress=progress)
    except datasets.DatasetUnavailableError as exc:
        offline = " Offline, use --dataset mnist-5k (5,000 real MNIST digits) or --dataset digits"
        print(f"mathdnn train: error: {exc.summary}{offline * (args.dataset == 'mnist')}", file=sys.stderr)
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
    try:
        written = experiment.write_outputs(outcome, out, json_path)  # only now is anything written: all or nothing
    except OSError as exc:
        print(f"mathdnn train: error: could not write the results ({exc}); nothing was written", file=sys.stderr)
        return 1
    metrics = written.pop("metrics")
    print(f"wrote {', '.join(written.values())} and {metrics}")
    return 0


# ----------------------------------------------------------------------------------------------------------------
# mathdnn verify
# ----------------------------------------------------------------------------------------------------------------
def _verify(args: argparse.Namespace) -> int:
    if args.quick:
        from . import verify

        return verify.print_self_check()
    if args.jobs < 1:
        raise UsageError(f"--jobs must be an integer >= 1; got {args.jobs}")
    from . import report_card

    try:
        return report_card.main(
            args.notebook, folder=args.notebooks, json_path=args.json, html_dir=args.html, jobs=args.jobs
        )
    except (FileNotFoundError, ValueError) as exc:
        raise UsageError(str(exc)) from None


# ----------------------------------------------------------------------------------------------------------------
# Entry point
# ----------------------------------------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    r"""Run the ``mathdnn`` command; return its exit code.

    ``mathdnn train [--dataset D] [--hidden M ...] [--epochs N] [--batch-size B] [--lr A] [--momentum BETA]
    [--seed S] [--dtype T] [--out DIR] [--json PATH] [--threads N] [--[no-]progress]`` and ``mathdnn verify
    [--notebook NAME] [--json PATH] [--html DIR] [--jobs N] [--quick]``.
    Exit codes: 0 success, 1 training diverged or collapsed / data unavailable / results not written / a
    verification failed, 2 bad arguments or outputs that cannot be written.
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
