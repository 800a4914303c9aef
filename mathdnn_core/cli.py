r"""The ``mathdnn`` command: ``mathdnn train`` (a real training run, with pictures) and ``mathdnn verify``.

``mathdnn train`` trains N_{c+} (dense layers, ReLU, Softmax, categorical cross-entropy; Definition 5.1) by
back-propagation gradient descent with momentum over minibatches of 32 (Definition 6.7) on a digits data set,
prints one line per epoch, and writes the learning curves, the confusion matrix, a grid of test digits, the
first-layer weights, the trained parameters and a metrics JSON. Every argument is validated before anything is
written: a bad one gives a one-line error on stderr and exit code 2; a run that diverges (NaN, overflow) or
collapses (a hidden layer dead on all the data) gives exit code 1. In both cases no file or directory is created.

``mathdnn verify`` checks the paper's statements through the package and prints one verdict per check (exit code
0 when all pass, 1 otherwise).
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import __version__

# ----------------------------------------------------------------------------------------------------------------
# Defaults, per data set, identical for every seed. Chosen on a validation split carved out of the TRAINING set
# (mnist-5k: 3,000 / 1,000; digits: 1,000 / 347; 3-5 seeds), never on the test set. Only the paper's components:
# dense layers, ReLU, Softmax, cross-entropy, minibatch SGD with (1 - beta) momentum, batch 32. Large learning rates
# (effective step ~ lr in the (1 - beta) form) generalised best; width beyond 512 and depth beyond 2 did not help.
# ----------------------------------------------------------------------------------------------------------------
DATASETS = ("mnist-5k", "digits", "mnist")  # == datasets.DATASET_NAMES (not imported here: keeps --help fast)


@dataclass(frozen=True)
class Defaults:
    r"""Per-data-set defaults of ``mathdnn train``: hidden widths ``m_1 .. m_(p-1)``, epochs, learning rate alpha.

    Paper: Definition 6.7
    """

    hidden: tuple[int, ...]
    epochs: int
    lr: float


#: Per-data-set defaults of ``--hidden``, ``--epochs`` and ``--lr``; the rest are shared (below).
DEFAULTS: dict[str, Defaults] = {
    "mnist-5k": Defaults(hidden=(512, 256), epochs=30, lr=0.5),
    "digits": Defaults(hidden=(256, 128), epochs=30, lr=1.0),
    "mnist": Defaults(hidden=(512, 256), epochs=10, lr=0.5),
}
DEFAULT_BATCH_SIZE = 32
DEFAULT_MOMENTUM = 0.9
DEFAULT_SEED = 0
DEFAULT_DTYPE = "float32"
DEFAULT_OUT = "mathdnn-out"

FILES = {
    "curves": "learning_curves.png",
    "confusion": "confusion_matrix.png",
    "digits": "digits.png",
    "weights": "first_layer_weights.png",
    "params": "params.npz",
}


class UsageError(Exception):
    """A bad command-line argument (exit code 2).

    Paper: Definition 6.7
    """


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
        for name, d in DEFAULTS.items()
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
        choices=DATASETS,
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
        default=DEFAULT_BATCH_SIZE,
        help=f"minibatch size b, 1 <= b <= n_train (default {DEFAULT_BATCH_SIZE})",
    )
    train.add_argument("--lr", type=float, default=None, help="learning rate alpha > 0 (default: per data set)")
    train.add_argument(
        "--momentum",
        type=float,
        default=DEFAULT_MOMENTUM,
        help=f"momentum beta in [0, 1[ of the (1 - beta) form (default {DEFAULT_MOMENTUM})",
    )
    train.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help=f"seed of the initialisation and of the batch order (default {DEFAULT_SEED})",
    )
    train.add_argument(
        "--dtype",
        choices=("float32", "float64"),
        default=DEFAULT_DTYPE,
        help=f"floating-point type of the whole computation (default {DEFAULT_DTYPE})",
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
def _resolve_train_args(args: argparse.Namespace) -> argparse.Namespace:
    """Fill per-data-set defaults and check every number (before any data is loaded or file written)."""
    d = DEFAULTS[args.dataset]
    args.hidden = list(d.hidden) if args.hidden is None else list(args.hidden)
    args.epochs = d.epochs if args.epochs is None else args.epochs
    args.lr = d.lr if args.lr is None else args.lr
    if any(m < 1 for m in args.hidden):
        raise UsageError(
            f"--hidden: every width must be a positive integer (Definition 5.1: m_k in N*); "
            f"got {' '.join(map(str, args.hidden))}"
        )
    if args.epochs < 1:
        raise UsageError(f"--epochs must be an integer >= 1; got {args.epochs}")
    if args.batch_size < 1:
        raise UsageError(f"--batch-size must be an integer >= 1 (note after Definition 6.6); got {args.batch_size}")
    if not math.isfinite(args.lr) or args.lr <= 0:
        raise UsageError(f"--lr must be a finite number > 0 (Definition 6.7: alpha in R+*); got {args.lr:g}")
    if not 0 <= args.momentum < 1:
        raise UsageError(
            f"--momentum must lie in [0, 1[ (Definition 6.7: beta; beta = 1 never moves); got {args.momentum:g}"
        )
    if args.threads is not None and args.threads < 1:
        raise UsageError(f"--threads must be an integer >= 1; got {args.threads}")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {args.out!r} exists and is not a directory")
    args.json = str(out / "metrics.json") if args.json is None else args.json
    if Path(args.json).is_dir():
        raise UsageError(f"--json {args.json!r} is a directory; give a file path")
    for parent in [out, *out.parents, Path(args.json).parent, *Path(args.json).parent.parents]:
        if parent.exists():
            if not parent.is_dir():
                raise UsageError(f"cannot create {parent}: a file of that name exists")
    return args


def _fmt_line(epoch: int, epochs: int, history) -> str:
    test = f"{100 * history.test_accuracy[-1]:6.2f}%" if history.test_accuracy else "    -  "
    width = len(str(epochs))
    return (
        f"epoch {epoch:>{width}}/{epochs}  loss {history.loss[-1]:.4f}  "
        f"train acc {100 * history.train_accuracy[-1]:6.2f}%  test acc {test}  {history.seconds[-1]:6.2f} s"
    )


def _train(args: argparse.Namespace) -> int:
    args = _resolve_train_args(args)
    from . import datasets, network, training

    dtype = np.dtype(args.dtype)
    try:
        data = datasets.load_dataset(args.dataset, cache_dir=args.cache_dir, dtype=dtype, progress=not args.no_progress)
    except datasets.DatasetUnavailableError as exc:
        print(f"mathdnn train: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    n_train = data.X_train.shape[0]
    if args.batch_size > n_train:
        raise UsageError(
            f"--batch-size must be at most the training-set size n = {n_train} of {args.dataset} "
            f"(note after Definition 6.6); got {args.batch_size}"
        )

    sizes = [data.X_train.shape[1], *args.hidden, data.n_classes]
    rng = np.random.default_rng(args.seed)
    params0 = network.init_params(sizes, rng=rng, dtype=dtype)
    n_params = network.parameter_count(sizes)
    print(
        f"mathdnn train: {args.dataset} ({n_train} train / {data.X_test.shape[0]} test, "
        f"{'x'.join(map(str, data.image_shape))} pixels), network {'-'.join(map(str, sizes))} "
        f"({n_params:,} parameters), {args.epochs} epochs, batch {args.batch_size}, lr {args.lr:g}, "
        f"momentum {args.momentum:g}, {args.dtype}, seed {args.seed}",
        flush=True,
    )

    progress = not args.no_progress
    if progress:
        from tqdm.auto import tqdm

        def emit(line: str) -> None:
            tqdm.write(line, file=sys.stdout)
    else:

        def emit(line: str) -> None:
            print(line, flush=True)

    def callback(epoch, _params, history):
        emit(_fmt_line(epoch, args.epochs, history))

    start = time.perf_counter()
    try:
        params, history = training.fit(
            params0,
            data.X_train,
            data.Y_train,
            epochs=args.epochs,
            batch_size=args.batch_size,
            lr=args.lr,
            momentum=args.momentum,
            rng=rng,
            progress=progress,
            X_test=data.X_test,
            y_test=data.y_test,
            callback=callback,
            blas_threads=args.threads,
        )
    except training.TrainingDivergedError as exc:
        print(f"mathdnn train: error: {exc}", file=sys.stderr)
        return 1
    wall = time.perf_counter() - start
    test = training.evaluate(params, data.X_test, data.y_test)
    train_acc = history.final_train_accuracy
    print(
        f"final test accuracy {100 * test.accuracy:.2f}% ({test.n_errors} errors in {data.X_test.shape[0]}), "
        f"train accuracy {100 * train_acc:.2f}%, training time {history.total_seconds:.2f} s "
        f"(total {wall:.2f} s with evaluation)",
        flush=True,
    )

    # Only now is anything written.
    from . import plots

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    figures: dict[str, Callable] = {
        "curves": lambda: plots.learning_curves(history),
        "confusion": lambda: plots.confusion_matrix(test.confusion),
        "digits": lambda: plots.digit_grid(
            data.X_test, test.labels, test.predictions, data.image_shape, n=36, misclassified_first=True
        ),
        "weights": lambda: plots.first_layer_weights(params[0][0], data.image_shape, n=36),
    }
    for key, make in figures.items():
        path = out / FILES[key]
        make().savefig(path, dpi=100)
        written[key] = str(path)
    written["params"] = training.save_params(out / FILES["params"], params)
    metrics = {
        "dataset": args.dataset,
        "test_accuracy": test.accuracy,
        "train_accuracy": train_acc,
        "test_loss": test.loss,
        "train_loss": history.final_loss,
        "epochs": len(history.loss),
        "seconds": history.total_seconds,
        "wall_seconds": wall,
        "n_params": n_params,
        "sizes": sizes,
        "hidden": args.hidden,
        "lr": args.lr,
        "momentum": args.momentum,
        "batch_size": args.batch_size,
        "dtype": args.dtype,
        "seed": args.seed,
        "blas_threads": args.threads,
        "n_train": n_train,
        "n_test": int(data.X_test.shape[0]),
        "confusion_matrix": test.confusion.tolist(),
        "history": history.to_dict(),
        "files": written,
        "versions": {"mathdnn": __version__, "numpy": np.__version__, "python": platform.python_version()},
    }
    json_path = Path(args.json)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(metrics, indent=2) + "\n")
    print(f"wrote {', '.join(written.values())} and {json_path}")
    return 0


# ----------------------------------------------------------------------------------------------------------------
# mathdnn verify
# ----------------------------------------------------------------------------------------------------------------
def _verify_checks() -> list[tuple[str, Callable]]:
    """The checks of ``mathdnn verify``: ``(statement, thunk)`` pairs; each thunk returns a
    :class:`mathdnn_core.testing.Verdict` or raises ``AssertionError``."""
    from . import activations, losses, network, optim, testing, training

    rng = np.random.default_rng(20240601)
    sizes = [6, 5, 4, 3]
    params = network.init_params(sizes, rng=rng, dtype=np.float64)
    params = [(W, 0.1 * rng.standard_normal(b.shape)) for W, b in params]
    X = rng.standard_normal((7, sizes[0]))
    Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], size=7)]
    points = testing.random_points(rng, 5, 4)
    away_from_kink = [p + np.sign(p) * 0.1 for p in points]
    y_star = np.eye(5)[2]
    probabilities = [activations.softmax(p) for p in points]

    def relu_at_kink():
        z = np.array([-1.0, 0.0, 2.0])
        return testing.check_close(
            activations.relu_jacobian(z),
            np.diag([0.0, 0.0, 1.0]),
            statement="Assumption 1",
            what="ReLU Jacobian at z = (-1, 0, 2): derivative 0 at 0",
        )

    def fused():
        chain = [
            losses.cross_entropy_gradient(activations.softmax(z), y_star) @ activations.softmax_jacobian(z)
            for z in points
        ]
        return testing.check_close(
            [losses.softmax_cross_entropy_gradient(z, y_star) for z in points],
            chain,
            statement="Proposition 5.3",
            what="S(z) - y* = grad xi(S(z)) J_S(z)",
        )

    def objective_fd():
        W1, b1 = params[0]

        def objective_of_W1(w):
            return network.objective(X, Y, [(w.reshape(W1.shape), b1), *params[1:]])

        def gradient_of_W1(w):
            return network.gradients(X, Y, [(w.reshape(W1.shape), b1), *params[1:]])[0][0].ravel()

        return testing.check_finite_differences(
            objective_of_W1,
            gradient_of_W1,
            [W1.ravel()],
            statement="Definition 5.2",
            what="gradient of O_c+ w.r.t. W^(1) vs central differences",
        )

    def one_step():
        lr = 0.1
        trained, _ = training.fit(
            params, X, Y, epochs=1, batch_size=X.shape[0], lr=lr, momentum=0.0, rng=0, progress=False
        )
        expected = optim.apply_updates(
            params, [(-lr * dW, -lr * db) for dW, db in network.gradients(X, Y, params, reduction="mean")]
        )
        return testing.check_close(
            trained,
            expected,
            statement="Definition 6.7",
            what="one fit step (beta = 0, one batch) = params - alpha * mean gradient",
        )

    return [
        (
            "Proposition 2.1",
            lambda: testing.check_finite_differences(
                activations.relu,
                activations.relu_jacobian,
                away_from_kink,
                statement="Proposition 2.1",
                what="ReLU Jacobian vs central differences",
            ),
        ),
        ("Assumption 1", relu_at_kink),
        (
            "Proposition 2.2",
            lambda: testing.check_finite_differences(
                activations.softmax,
                activations.softmax_jacobian,
                points,
                statement="Proposition 2.2",
                what="Softmax Jacobian diag(s) - s^T s vs central differences",
            ),
        ),
        (
            "Proposition 3.1",
            lambda: testing.check_finite_differences(
                lambda y: losses.cross_entropy(y, y_star),
                lambda y: losses.cross_entropy_gradient(y, y_star),
                probabilities,
                statement="Proposition 3.1",
                what="cross-entropy gradient vs central differences",
            ),
        ),
        ("Proposition 5.3", fused),
        ("Corollary of Definition 5.2", lambda: testing.check_gradient_routes(X, Y, params, tol=1e-12)),
        ("Definition 5.2", objective_fd),
        ("Definition 6.7", one_step),
    ]


def _verify(_args: argparse.Namespace) -> int:
    start = time.perf_counter()
    failed = 0
    checks = _verify_checks()
    for statement, check in checks:
        try:
            print(str(check()), flush=True)
        except AssertionError as exc:
            failed += 1
            print(f"✗ {' '.join(str(exc).split())}", flush=True)
        except Exception as exc:  # a check that cannot even run is a failed check
            failed += 1
            print(f"✗ {statement} NOT verified — the check raised {type(exc).__name__}: {exc}", flush=True)
    print(f"{len(checks) - failed} of {len(checks)} checks passed in {time.perf_counter() - start:.2f} s")
    return 0 if failed == 0 else 1


# ----------------------------------------------------------------------------------------------------------------
# Entry point
# ----------------------------------------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    r"""Run the ``mathdnn`` command; return its exit code.

    Paper: Definition 6.7

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
