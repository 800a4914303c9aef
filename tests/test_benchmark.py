"""The benchmark scripts run end to end on small samples and report every ratio (no timing is asserted)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def test_epoch_benchmark_runs_and_writes_whole_call_and_step_ratios(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(BENCHMARKS / "bench_epoch.py"), "--samples", "1024", "--repeats", "1", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    results = json.loads(out.read_text())
    assert results["samples"] == 1024 and results["weights"] == 784 * 128 + 128 * 64 + 64 * 10
    assert results["flop_limit_seconds"] > 0 and results["gemm_gflops"]["float32"]["square_1024"] > 0
    for key in ("float32_b32", "float32_b128", "float64_b32", "float64_b128", "float32_b32_1thread"):
        epoch = results["epochs"][f"ours_{key}"]
        assert len(epoch["times"]) == 1 and len(epoch["steps_times"]) == 1
        assert epoch["best"] >= epoch["steps_best"] > 0  # the whole call includes the steps
    name = "ours / FLOP limit, float32 batch 128"
    assert results["ratios"][name] >= results["ratios_steps_only"][name] > 0
    assert results["ratios"]["Jacobian route / backprop, per sample"] > 1  # the literal route is the slow one
    assert math.isfinite(results["other_programs_cores"]["before"])
    try:
        import torch  # noqa: F401
    except ImportError:
        assert "PyTorch: skipped" in proc.stdout and math.isnan(results["ratios"]["ours / PyTorch, float32 batch 32"])
    else:
        assert results["ratios"]["ours / PyTorch, float32 batch 32"] > 0
    assert "whole call" in proc.stdout and "steps only" in proc.stdout and name in proc.stdout


def test_threads_benchmark_times_the_three_settings_and_checks_their_numbers(tmp_path):
    out = tmp_path / "threads.json"
    command = [sys.executable, str(BENCHMARKS / "bench_threads.py"), "--dataset", "digits", "--epochs", "1"]
    proc = subprocess.run(
        [*command, "--repeats", "1", "--loads", "0", "--json", str(out)], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr
    level = json.loads(out.read_text())["levels"]["0"]
    assert set(level["medians"]) == {"default", "--threads 1", "--threads 2"}
    assert level["default_equals_one_thread"] is True  # the default run gives one thread's numbers
    assert all(value > 0 for value in level["ratios"].values())


def test_busy_blas_programs_load_the_machine_and_stop():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from _load import BusyBlas, LoadMeter
    finally:
        sys.path.remove(str(BENCHMARKS))
    with BusyBlas(1) as busy, LoadMeter() as meter:
        processes = list(busy.processes)
        assert all(p.poll() is None for p in processes)
        time.sleep(0.5)
    assert meter.cores >= 0.5  # the busy program (and anything else running) kept at least half a core busy
    assert all(p.poll() is not None for p in processes)


def test_accuracy_benchmark_reports_every_model_and_seed(tmp_path):
    out = tmp_path / "accuracy.json"
    command = [sys.executable, str(BENCHMARKS / "bench_accuracy.py"), "--datasets", "digits", "--seeds", "2"]
    proc = subprocess.run(
        [*command, "--epochs", "1", "--adam-max-iter", "2", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    results = json.loads(out.read_text())
    entry = results["datasets"]["digits"]
    assert (entry["n_train"], entry["n_test"]) == (1347, 450)
    assert entry["recipe"]["hidden"] == [256, 128] and entry["recipe"]["epochs"] == 1
    assert set(entry["models"]) == {"ours", "sklearn_adam", "sklearn_sgd"}
    for model in entry["models"].values():
        assert model["seeds"] == [0, 1] and len(model["accuracy"]) == 2
        assert all(0 <= a <= 1 for a in model["accuracy"]) and model["seed0"] == model["accuracy"][0]
        assert model["min"] <= model["mean"] <= model["max"]
        # every accuracy is a whole number of test images
        assert all(abs(450 * a - round(450 * a)) < 1e-9 for a in model["accuracy"])
    sgd = entry["settings"]["sklearn_sgd"]
    assert sgd["learning_rate_init"] == entry["recipe"]["lr"] * (1 - entry["recipe"]["momentum"])
    assert sgd["momentum"] == 0.9 and sgd["nesterovs_momentum"] is False and sgd["batch_size"] == 32
    assert all(run["epochs_run"] == 1 for run in entry["models"]["sklearn_sgd"]["runs"])
    assert {"torch", "torch_adam"} <= set(entry["skipped"]) and "PyTorch: skipped" in proc.stdout
    assert "ours (mathdnn train defaults)" in proc.stdout and "min-max over 2 seeds" in proc.stdout

    # The same seeds give the same numbers: ours through the experiment module, scikit-learn on one thread.
    again = tmp_path / "again.json"
    subprocess.run(
        [*command, "--epochs", "1", "--adam-max-iter", "2", "--json", str(again)], check=True, capture_output=True
    )
    repeated = json.loads(again.read_text())["datasets"]["digits"]["models"]
    assert {k: m["accuracy"] for k, m in repeated.items()} == {k: m["accuracy"] for k, m in entry["models"].items()}


def test_accuracy_benchmark_sklearn_sgd_settings_are_our_update():
    """From the same weights, scikit-learn with the benchmark's sgd settings takes our steps (float64, full batch)."""
    import warnings

    import numpy as np
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    from mathdnn_core import datasets, network, training

    sys.path.insert(0, str(BENCHMARKS))
    try:
        from bench_accuracy import sklearn_settings
    finally:
        sys.path.remove(str(BENCHMARKS))
    data = datasets.load_dataset("digits", dtype="float64")
    X, y, Y = data.X_train[:256], data.y_train[:256], data.Y_train[:256]
    sizes, epochs, lr, beta = [64, 32, 16, 10], 3, 1.0, 0.9
    start = network.init_params(sizes, rng=np.random.default_rng(0), dtype=np.float64)
    # One batch of all rows: the batch order, drawn differently by the two, cannot matter.
    ours, _ = training.fit(
        start, X, Y, epochs=epochs, batch_size=len(X), lr=lr, momentum=beta, rng=0, progress=False, blas_threads=1
    )
    recipe = {"hidden": sizes[1:-1], "epochs": epochs, "lr": lr, "momentum": beta, "batch_size": len(X)}
    given = iter([W.T.copy() for W, _ in start])

    class FromOurStart(MLPClassifier):
        def _init_coef(self, fan_in, fan_out, dtype):
            return next(given), np.zeros(fan_out, dtype=dtype)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = FromOurStart(random_state=0, **sklearn_settings("sgd", recipe, adam_max_iter=1)).fit(X, y)
    assert theirs.n_iter_ == epochs
    for (W0, _), (W, b), coef, intercept in zip(start, ours, theirs.coefs_, theirs.intercepts_):
        assert np.abs(W - W0).max() > 1e-3  # the steps moved the weights
        assert np.abs(coef.T - W).max() <= 1e-12 * np.abs(W).max()
        assert np.abs(intercept - b).max() <= 1e-12 * max(np.abs(b).max(), 1.0)
