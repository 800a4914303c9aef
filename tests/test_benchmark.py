"""benchmarks/bench_epoch.py runs end to end on a small sample and reports every ratio (no timing is asserted)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_epoch.py"


def test_benchmark_script_runs_and_writes_its_table(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--samples", "1024", "--repeats", "1", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    results = json.loads(out.read_text())
    assert results["samples"] == 1024 and results["weights"] == 784 * 128 + 128 * 64 + 64 * 10
    assert results["flop_limit_seconds"] > 0 and results["gemm_gflops"]["float32"]["square_1024"] > 0
    for key in (
        "float32_b32",
        "float32_b128",
        "float64_b32",
        "float64_b128",
        "float32_b32_1thread",
        "float32_b128_1thread",
    ):
        epoch = results["epochs"][f"ours_{key}"]
        assert len(epoch["times"]) == 1 and epoch["best"] > 0
    ratios = results["ratios"]
    assert ratios["ours / FLOP limit, float32 batch 128"] > 0
    assert results["jacobian_route"]["ratio_to_backprop_float64_b32"] > 1  # the literal route is the slow one
    try:
        import torch  # noqa: F401
    except ImportError:
        assert "PyTorch: skipped" in proc.stdout and math.isnan(ratios["ours / PyTorch"])
    else:
        assert ratios["ours / PyTorch, float32 batch 32"] > 0
    assert "ours / FLOP limit, float32 batch 128" in proc.stdout
