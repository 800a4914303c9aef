"""Time the whole ``mathdnn train`` command with its default BLAS threads, ``--threads 1`` and ``--threads 2``, on a
quiet machine and beside busy BLAS programs.

Run:  python benchmarks/bench_threads.py [--dataset mnist-5k] [--repeats 3] [--loads 0 2] [--json out.json]

For each load level (the number of busy BLAS programs started beside, see ``benchmarks/_load.py``), the three
settings run in turn, ``--repeats`` times (interleaved, so that they share the machine's state), each as a whole
process (``python -m mathdnn_core.cli train ... --no-progress``): start-up, data, training, evaluation, pictures.
Printed: min / median / max wall seconds per setting, and the targets of the default run, on medians:

* beside busy programs (load >= 1): default <= 1.25 x ``--threads 1``;
* quiet (load 0): default <= 1.1 x the faster of ``--threads 1`` and ``--threads 2``.

The load the *other* programs put on the machine is measured for half a second before every run and printed (a
"quiet" level is only as quiet as that). Each run's final loss and test accuracy are compared: the default run
must give exactly the numbers of ``--threads 1`` whatever threads it used.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _load import BusyBlas, background_load

SETTINGS = {"default": [], "--threads 1": ["--threads", "1"], "--threads 2": ["--threads", "2"]}


def run_once(dataset: str, extra: list[str], epochs: int | None) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "mathdnn_core.cli", "train", "--dataset", dataset, "--no-progress"]
        command += ["--out", out, *extra] + ([] if epochs is None else ["--epochs", str(epochs)])
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        metrics = json.loads((Path(out) / "metrics.json").read_text())
    return wall, metrics


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", default="mnist-5k")
    parser.add_argument("--epochs", type=int, default=None, help="default: the data set's")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--loads", type=int, nargs="+", default=[0, 2], help="busy BLAS programs beside (0 2)")
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    results = {"dataset": args.dataset, "epochs": args.epochs, "repeats": args.repeats, "levels": {}}
    for load in args.loads:
        walls: dict[str, list[float]] = {name: [] for name in SETTINGS}
        numbers: dict[str, set] = {name: set() for name in SETTINGS}
        background = []
        with BusyBlas(load):
            for _ in range(args.repeats):
                for name, extra in SETTINGS.items():
                    background.append(background_load(0.5))
                    wall, metrics = run_once(args.dataset, extra, args.epochs)
                    walls[name].append(wall)
                    numbers[name].add((metrics["train_loss"], metrics["test_accuracy"]))
        med = {name: statistics.median(times) for name, times in walls.items()}
        print(
            f"\n{args.dataset}, {load} busy BLAS programs beside; other programs used "
            f"{min(background):.2f}-{max(background):.2f} cores (median {statistics.median(background):.2f}) "
            f"just before the runs"
        )
        for name, times in walls.items():
            print(f"  {name:<12} min {min(times):7.2f} s   median {med[name]:7.2f} s   max {max(times):7.2f} s")
        same = numbers["default"] == numbers["--threads 1"] and len(numbers["default"]) == 1
        print(f"  default gives the numbers of --threads 1: {same} {sorted(numbers['default'])}")
        ratios = {
            "default / --threads 1": med["default"] / med["--threads 1"],
            "default / best of --threads 1, 2": med["default"] / min(med["--threads 1"], med["--threads 2"]),
        }
        target = "<= 1.25" if load else "<= 1.1"
        for name, value in ratios.items():
            mark = target if (name.startswith("default / --") == bool(load)) else ""
            print(f"  {name:<36}{value:6.2f}   {mark}")
        results["levels"][str(load)] = {
            "walls": walls,
            "medians": med,
            "ratios": ratios,
            "other_programs_cores": background,
            "default_equals_one_thread": same,
        }
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
