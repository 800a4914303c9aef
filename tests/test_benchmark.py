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
