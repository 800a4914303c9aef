r"""Test accuracy of ``mathdnn train``'s defaults against scikit-learn's ``MLPClassifier`` and PyTorch, over seeds.

Run:  python benchmarks/bench_accuracy.py [--seeds 10] [--datasets mnist-5k digits] [--json results.json]
                                            [--torch-python /path/to/venv/bin/python]
                                            [--epochs N] [--adam-max-iter 200]   (shorter runs, for a smoke test)

On each data set's fixed split (``mnist-5k``: 4,000 / 1,000; ``digits``: 1,347 / 450), the same float32 pixels in
[0, 1] for every model, seeds ``0 .. N-1``, the test accuracy of:

* **ours**: ``mathdnn train`` with its defaults (``mathdnn_core.training.DEFAULTS``: widths, epochs, learning rate
  ``lr``, momentum beta 0.9, batch 32, float32), run through ``mathdnn_core.experiment`` as the command runs it
  (He-initialised weights and every epoch's batch order drawn from ``default_rng(seed)``);
* **scikit-learn, adam (its defaults)**: ``MLPClassifier(hidden_layer_sizes=<the same widths>, random_state=seed)``
  and nothing else: ReLU, adam with learning rate 1e-3, batch min(200, n), L2 penalty ``alpha=1e-4``, up to
  ``max_iter=200`` epochs, stopping when the training loss has not improved by ``tol=1e-4`` for 10 epochs, Glorot
  uniform initialisation;
* **scikit-learn, sgd (our recipe)**: the same network trained as ours is: ``solver="sgd"``, constant learning rate
  ``lr (1 - beta)``, ``momentum=beta`` without Nesterov (sklearn's velocity ``v <- beta v - lr' g`` with
  ``lr' = lr (1 - beta)`` gives exactly the iterates of the (1 - beta) form with learning rate ``lr``), batch 32,
  ``alpha=0`` (ours has no penalty), exactly the same number of epochs (the stopping rule is switched off,
  ``n_iter_no_change=epochs``), He-normal weights ``N(0, 2 / fan_in)`` and zero biases instead of its Glorot
  default (:class:`_HeInitMLPClassifier`), float32 (scikit-learn keeps float32 input in float32);
* **PyTorch (our recipe)**: ``nn.Linear`` layers with ReLU, He-normal weights and zero biases drawn from
  ``torch.Generator().manual_seed(seed)``, ``torch.optim.SGD(lr=lr * (1 - beta), momentum=beta)`` (the same exact
  correspondence), ``F.cross_entropy`` averaged over the batch, batch 32, a fresh ``torch.randperm`` every epoch,
  the same epochs, float32. It runs in a child process, ``--torch-python`` (an interpreter with torch and numpy; it
  reads the arrays from a file this script writes), so that PyTorch never shares a process with the other two.
  Without ``--torch-python`` it is skipped, and said so.
* **PyTorch, adam (its defaults)**: what a PyTorch tutorial writes, the counterpart of scikit-learn's defaults:
  ``nn.Linear``'s own initialisation (drawn after ``torch.manual_seed(seed)``), ``torch.optim.Adam`` with its
  defaults (learning rate 1e-3), ``F.cross_entropy``, batch 32, the same epochs, float32, in the same child process.

Ours and PyTorch draw from different generators, so their seed-by-seed numbers are not paired; the comparison is
of the distributions over seeds. scikit-learn and PyTorch run with one BLAS / intra-op thread (a seed then gives the
same numbers whatever the machine's load; ours holds itself to one thread's numbers by itself). Times are printed
for information only: the machine may be shared, which changes times but not accuracies.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

DATASETS = ("mnist-5k", "digits")
LABELS = {
    "ours": "ours (mathdnn train defaults)",
    "sklearn_adam": "sklearn MLP, adam (its defaults)",
    "sklearn_sgd": "sklearn MLP, sgd (our recipe)",
    "torch": "PyTorch (our recipe)",
    "torch_adam": "PyTorch, adam (its defaults)",
}
BASELINES = ("sklearn_adam", "sklearn_sgd", "torch", "torch_adam")
TORCH_MODELS = ("torch", "torch_adam")


# ----------------------------------------------------------------------------------------------------------------
# The recipe of one data set, shared by every model
# ----------------------------------------------------------------------------------------------------------------
def recipe(dataset: str, epochs: int | None) -> dict:
    """``mathdnn train``'s settings for ``dataset`` (``epochs`` overrides the data set's default when given)."""
    from mathdnn_core import experiment

    s = experiment.resolve(dataset, epochs=epochs)
    return {
        "hidden": list(s.hidden),
        "epochs": s.epochs,
        "lr": s.lr,
        "momentum": s.momentum,
        "batch_size": s.batch_size,
        "dtype": s.dtype,
    }


# ----------------------------------------------------------------------------------------------------------------
# Ours
# ----------------------------------------------------------------------------------------------------------------
def run_ours(dataset: str, epochs: int | None, seed: int, data) -> dict:
    """One run of ``mathdnn train``'s defaults, through :mod:`mathdnn_core.experiment` (as the command runs it)."""
    from mathdnn_core import experiment

    outcome = experiment.train(experiment.resolve(dataset, epochs=epochs, seed=seed), data, progress=False)
    return {
        "accuracy": outcome.test.accuracy,
        "train_loss": outcome.history.final_loss,
        "epochs_run": len(outcome.history.loss),
        "seconds": outcome.wall_seconds,
    }


# ----------------------------------------------------------------------------------------------------------------
# scikit-learn
# ----------------------------------------------------------------------------------------------------------------
def _he_init_classifier():
    """``MLPClassifier`` with He-normal weights and zero biases (``_init_coef`` is its one initialisation hook)."""
    from sklearn.neural_network import MLPClassifier

    if not callable(getattr(MLPClassifier, "_init_coef", None)):
        raise RuntimeError("this scikit-learn has no MLPClassifier._init_coef: cannot give it He initialisation")

    class _HeInitMLPClassifier(MLPClassifier):
        """He-normal ``N(0, 2 / fan_in)`` weights, zero biases, from the estimator's own random state."""

        def _init_coef(self, fan_in, fan_out, dtype):
            self.he_initialised_layers_ = getattr(self, "he_initialised_layers_", 0) + 1
            coef = self._random_state.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)
            return coef.astype(dtype, copy=False), np.zeros(fan_out, dtype=dtype)

    return _HeInitMLPClassifier


def sklearn_settings(kind: str, rec: dict, adam_max_iter: int) -> dict:
    """The keyword arguments of ``MLPClassifier`` for ``kind`` (``"adam"``: its defaults; ``"sgd"``: our recipe)."""
    if kind == "adam":
        return {"hidden_layer_sizes": tuple(rec["hidden"]), "max_iter": adam_max_iter}
    return {
        "hidden_layer_sizes": tuple(rec["hidden"]),
        "solver": "sgd",
        "learning_rate": "constant",
        "learning_rate_init": rec["lr"] * (1.0 - rec["momentum"]),
        "momentum": rec["momentum"],
        "nesterovs_momentum": False,
        "batch_size": rec["batch_size"],
        "alpha": 0.0,
        "max_iter": rec["epochs"],
        "n_iter_no_change": rec["epochs"],  # never stop early: exactly `epochs` epochs, as ours
        "shuffle": True,
    }


def run_sklearn(kind: str, rec: dict, adam_max_iter: int, seed: int, data) -> dict:
    """One fit of ``MLPClassifier`` on the training rows, scored on the test rows, with one BLAS thread."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    from threadpoolctl import threadpool_limits

    settings = sklearn_settings(kind, rec, adam_max_iter)
    estimator = (MLPClassifier if kind == "adam" else _he_init_classifier())(random_state=seed, **settings)
    start = time.perf_counter()
    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        estimator.fit(data.X_train, data.y_train)
        accuracy = float(np.mean(estimator.predict(data.X_test) == data.y_test))
    seconds = time.perf_counter() - start
    if kind == "sgd":
        layers = len(rec["hidden"]) + 1
        if getattr(estimator, "he_initialised_layers_", 0) != layers or estimator.n_iter_ != rec["epochs"]:
            raise RuntimeError(
                f"sklearn sgd did not run our recipe: {getattr(estimator, 'he_initialised_layers_', 0)} of {layers} "
                f"layers He-initialised, {estimator.n_iter_} of {rec['epochs']} epochs"
            )
        if estimator.coefs_[0].dtype != np.dtype(rec["dtype"]):
            raise RuntimeError(f"sklearn sgd computed in {estimator.coefs_[0].dtype}, not {rec['dtype']}")
    return {
        "accuracy": accuracy,
        "train_loss": float(estimator.loss_),
        "epochs_run": int(estimator.n_iter_),
        "stopped_at_max_iter": any(issubclass(w.category, ConvergenceWarning) for w in caught),
        "seconds": seconds,
    }


# ----------------------------------------------------------------------------------------------------------------
# PyTorch, in a child process
# ----------------------------------------------------------------------------------------------------------------
def torch_worker(data_path: str, out_path: str) -> int:
    """Train the PyTorch networks for every seed in ``data_path`` (npz); write their results to ``out_path``."""
    try:
        import torch
        import torch.nn.functional as F
    except ImportError as exc:
        with open(out_path, "w") as handle:
            json.dump({"unavailable": f"{sys.executable} cannot import torch ({exc})"}, handle)
        return 0
    torch.set_num_threads(1)  # one thread's numbers whatever the load, as the other models
    arrays = np.load(data_path)
    X_train = torch.from_numpy(np.ascontiguousarray(arrays["X_train"], dtype=np.float32))
    y_train = torch.from_numpy(arrays["y_train"].astype(np.int64))
    X_test = torch.from_numpy(np.ascontiguousarray(arrays["X_test"], dtype=np.float32))
    y_test = torch.from_numpy(arrays["y_test"].astype(np.int64))
    hidden, n_classes = [int(m) for m in arrays["hidden"]], int(arrays["n_classes"])
    epochs, batch_size = int(arrays["epochs"]), int(arrays["batch_size"])
    lr, beta = float(arrays["lr"]), float(arrays["momentum"])
    sizes = [X_train.shape[1], *hidden, n_classes]
    n = X_train.shape[0]

    def network(seed: int, recipe: bool):
        torch.manual_seed(seed)  # nn.Linear's own initialisation draws from the global generator
        generator = torch.Generator().manual_seed(seed)
        layers: list[torch.nn.Module] = []
        for k, (m_in, m_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            linear = torch.nn.Linear(m_in, m_out)
            if recipe:
                with torch.no_grad():  # He initialisation, as ours: W ~ N(0, 2 / m_in), b = 0
                    linear.weight.copy_(torch.randn(m_out, m_in, generator=generator) * math.sqrt(2.0 / m_in))
                    linear.bias.zero_()
            layers.append(linear)
            if k < len(sizes) - 2:
                layers.append(torch.nn.ReLU())
        return torch.nn.Sequential(*layers), generator

    runs: dict[str, list[dict]] = {key: [] for key in TORCH_MODELS}
    for key in TORCH_MODELS:
        for seed in (int(s) for s in arrays["seeds"]):
            model, generator = network(seed, recipe=key == "torch")
            if key == "torch":
                # heavy ball v <- beta v + g, p <- p - lr' v with lr' = lr (1 - beta) is exactly
                # m <- beta m + (1 - beta) g, p <- p - lr m  (m = (1 - beta) v, m0 = v0 = 0)
                optimizer = torch.optim.SGD(model.parameters(), lr=lr * (1.0 - beta), momentum=beta)
            else:
                optimizer = torch.optim.Adam(model.parameters())
            start = time.perf_counter()
            for _ in range(epochs):
                order = torch.randperm(n, generator=generator)
                loss_sum = 0.0
                for i in range(0, n, batch_size):
                    rows = order[i : i + batch_size]
                    optimizer.zero_grad(set_to_none=True)
                    loss = F.cross_entropy(model(X_train.index_select(0, rows)), y_train.index_select(0, rows))
                    loss.backward()
                    optimizer.step()
                    loss_sum += loss.item() * rows.numel()
            seconds = time.perf_counter() - start
            with torch.no_grad():
                accuracy = float((model(X_test).argmax(dim=1) == y_test).double().mean())
            runs[key].append(
                {"accuracy": accuracy, "train_loss": loss_sum / n, "epochs_run": epochs, "seconds": seconds}
            )
            print(f"  {LABELS[key]} seed {seed}: {100 * accuracy:.2f} % ({seconds:.1f} s)", file=sys.stderr, flush=True)
    with open(out_path, "w") as handle:
        json.dump({"version": str(torch.__version__), "threads": int(torch.get_num_threads()), "runs": runs}, handle)
    return 0


def run_torch(python: str, rec: dict, seeds: list[int], data) -> dict:
    """Run :func:`torch_worker` under ``python`` on ``data``; its result (or ``{"unavailable": reason}``)."""
    with tempfile.TemporaryDirectory(prefix="mathdnn-bench-accuracy-") as folder:
        data_path, out_path = os.path.join(folder, "data.npz"), os.path.join(folder, "torch.json")
        np.savez(
            data_path,
            X_train=data.X_train,
            y_train=data.y_train,
            X_test=data.X_test,
            y_test=data.y_test,
            n_classes=data.n_classes,
            seeds=np.array(seeds),
            **{k: np.array(v) for k, v in rec.items() if k != "dtype"},
        )
        command = [python, os.path.abspath(__file__), "--torch-worker", data_path, out_path]
        proc = subprocess.run(command)  # its progress lines go to this process's stderr
        if proc.returncode != 0 or not os.path.exists(out_path):
            raise RuntimeError(f"the PyTorch child ({' '.join(command[:2])}) failed with code {proc.returncode}")
        with open(out_path) as handle:
            return json.load(handle)


# ----------------------------------------------------------------------------------------------------------------
# Summary and table
# ----------------------------------------------------------------------------------------------------------------
def summarise(runs: list[dict], seeds: list[int]) -> dict:
    accuracies = [r["accuracy"] for r in runs]
    return {
        "seeds": seeds,
        "accuracy": accuracies,
        "seed0": accuracies[seeds.index(0)],
        "mean": statistics.fmean(accuracies),
        "std": statistics.stdev(accuracies) if len(accuracies) > 1 else float("nan"),
        "min": min(accuracies),
        "max": max(accuracies),
        "seconds_median": statistics.median(r["seconds"] for r in runs),
        "runs": runs,
    }


def difference_of_means(ours: dict, other: dict) -> tuple[float, float]:
    """Mean difference (ours - other) and its standard error, seeds taken as independent draws."""
    n1, n2 = len(ours["accuracy"]), len(other["accuracy"])
    se = math.sqrt(ours["std"] ** 2 / n1 + other["std"] ** 2 / n2) if min(n1, n2) > 1 else float("nan")
    return ours["mean"] - other["mean"], se


def pct(x: float) -> str:
    return f"{100 * x:.2f} %"


def print_table(results: dict) -> None:
    n_seeds = len(results["seeds"])
    header = f"{'data set':<10}{'model':<36}{'seed 0':>10}{'mean':>10}{f'min-max over {n_seeds} seeds':>26}{'s/run':>8}"
    print("\n" + header)
    print("-" * len(header))
    for dataset, entry in results["datasets"].items():
        for key, label in LABELS.items():
            model = entry["models"].get(key)
            if model is None:
                print(f"{dataset:<10}{label:<36}{'skipped':>10}")
                continue
            span = f"{pct(model['min'])} - {pct(model['max'])}"
            print(
                f"{dataset:<10}{label:<36}{pct(model['seed0']):>10}{pct(model['mean']):>10}{span:>26}"
                f"{model['seconds_median']:>8.1f}"
            )
    print()
    for dataset, entry in results["datasets"].items():
        ours = entry["models"]["ours"]
        for key in BASELINES:
            if key in entry["models"]:
                other = entry["models"][key]
                diff, se = difference_of_means(ours, other)
                print(
                    f"{dataset}: ours - {LABELS[key]}: {100 * diff:+.2f} points (standard error {100 * se:.2f}); "
                    f"ours' worst seed {pct(ours['min'])}, the baseline's best seed {pct(other['max'])}"
                )
    for dataset, entry in results["datasets"].items():
        for key, reason in entry["skipped"].items():
            print(f"{dataset}: {LABELS[key].split(' (')[0]}: skipped ({reason})")


# ----------------------------------------------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------------------------------------------
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=10, help="seeds 0 .. N-1 (default 10)")
    parser.add_argument("--datasets", nargs="+", choices=DATASETS, default=list(DATASETS))
    parser.add_argument("--json", help="also write the results to this JSON file")
    parser.add_argument("--torch-python", help="interpreter with torch that runs PyTorch (default: PyTorch skipped)")
    parser.add_argument("--epochs", type=int, help="epochs of ours, sklearn sgd and PyTorch (default: the data set's)")
    parser.add_argument("--adam-max-iter", type=int, default=200, help="sklearn adam's max_iter (default 200)")
    parser.add_argument("--torch-worker", nargs=2, metavar=("DATA", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.torch_worker:
        return torch_worker(*args.torch_worker)
    if args.seeds < 1:
        parser.error(f"--seeds must be a positive integer (seeds 0 .. N-1); got {args.seeds}")
    if args.epochs is not None and args.epochs < 1:
        parser.error(f"--epochs must be a positive integer; got {args.epochs}")
    if args.adam_max_iter < 1:
        parser.error(f"--adam-max-iter must be a positive integer; got {args.adam_max_iter}")
    return _run(args)


def _run(args) -> int:
    import sklearn
    from _load import background_load

    from mathdnn_core import __version__, experiment

    seeds = list(range(args.seeds))
    started = time.perf_counter()
    load_before = background_load()
    results: dict = {
        "seeds": seeds,
        "command": " ".join([os.path.basename(sys.executable), *sys.argv]),
        "versions": {
            "mathdnn": __version__,
            "numpy": np.__version__,
            "scikit-learn": sklearn.__version__,
            "python": platform.python_version(),
        },
        "other_programs_cores_before": load_before,
        "datasets": {},
    }
    print(
        f"mathdnn accuracy benchmark: data sets {', '.join(args.datasets)}; seeds 0-{seeds[-1]}; "
        f"other programs used {load_before:.2f} cores just before"
    )
    for dataset in args.datasets:
        rec = recipe(dataset, args.epochs)
        data = experiment.load_data(experiment.resolve(dataset))
        entry: dict = {
            "n_train": int(data.X_train.shape[0]),
            "n_test": int(data.X_test.shape[0]),
            "recipe": rec,
            "settings": {
                "sklearn_adam": sklearn_settings("adam", rec, args.adam_max_iter),
                "sklearn_sgd": {**sklearn_settings("sgd", rec, args.adam_max_iter), "init": "He normal, zero bias"},
            },
            "models": {},
            "skipped": {},
        }
        print(
            f"\n{dataset}: {entry['n_train']} train / {entry['n_test']} test, widths "
            f"{'-'.join(map(str, [data.X_train.shape[1], *rec['hidden'], data.n_classes]))}, {rec['epochs']} epochs, "
            f"lr {rec['lr']:g}, momentum {rec['momentum']:g}, batch {rec['batch_size']}, {rec['dtype']}"
        )
        runners = {
            "ours": lambda seed: run_ours(dataset, args.epochs, seed, data),
            "sklearn_adam": lambda seed: run_sklearn("adam", rec, args.adam_max_iter, seed, data),
            "sklearn_sgd": lambda seed: run_sklearn("sgd", rec, args.adam_max_iter, seed, data),
        }
        for key, run in runners.items():
            runs = []
            for seed in seeds:
                runs.append(run(seed))
                print(
                    f"  {LABELS[key]} seed {seed}: {pct(runs[-1]['accuracy'])} "
                    f"({runs[-1]['epochs_run']} epochs, {runs[-1]['seconds']:.1f} s)",
                    flush=True,
                )
            entry["models"][key] = summarise(runs, seeds)
        if args.torch_python is None:
            entry["skipped"].update({key: "no --torch-python given" for key in TORCH_MODELS})
        else:
            answer = run_torch(args.torch_python, rec, seeds, data)
            if "unavailable" in answer:
                entry["skipped"].update({key: answer["unavailable"] for key in TORCH_MODELS})
            else:
                for key in TORCH_MODELS:
                    entry["models"][key] = summarise(answer["runs"][key], seeds)
                    entry["settings"][key] = {"version": answer["version"], "threads": answer["threads"]}
                results["versions"]["torch"] = answer["version"]
        results["datasets"][dataset] = entry
    results["wall_seconds"] = time.perf_counter() - started
    print_table(results)
    print(f"total time {results['wall_seconds']:.0f} s")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=2)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
