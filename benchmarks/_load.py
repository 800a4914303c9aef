"""Shared by the benchmarks: a controlled load (busy BLAS programs) and a measure of the load other programs put on
the machine, so that every figure says under what load it was taken."""

from __future__ import annotations

import os
import subprocess
import sys
import time

#: A busy BLAS program: 1000 x 1000 float64 products in a loop, with NumPy's default thread count, until killed.
BUSY_BLAS = (
    "import numpy as np, sys\n"
    "a = np.random.default_rng(0).random((1000, 1000))\n"
    "a @ a\n"
    "print('ready', flush=True)\n"
    "while True:\n"
    "    a @ a\n"
)


class BusyBlas:
    """``with BusyBlas(2): ...`` runs two busy BLAS programs beside the block (none with 0); stops them after."""

    def __init__(self, count: int):
        self.count = count
        self.processes: list[subprocess.Popen] = []

    def __enter__(self):
        for _ in range(self.count):
            process = subprocess.Popen([sys.executable, "-c", BUSY_BLAS], stdout=subprocess.PIPE, text=True)
            self.processes.append(process)
        for process in self.processes:
            process.stdout.readline()  # "ready": it is multiplying
        return self

    def __exit__(self, *exc):
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(timeout=30)
        self.processes.clear()


def _busy_seconds() -> float | None:
    try:
        with open("/proc/stat", "rb") as handle:
            ticks = [int(v) for v in handle.readline().split()[1:9]]
    except OSError:
        return None
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


class LoadMeter:
    """CPU cores used on average by everything but this process (and the children it waits for) while measured."""

    def __enter__(self):
        self._start = (time.perf_counter(), _busy_seconds(), time.process_time(), _children_seconds())
        return self

    def __exit__(self, *exc):
        wall0, busy0, own0, children0 = self._start
        busy = _busy_seconds()
        if busy is None or busy0 is None:
            self.cores = float("nan")
            return
        own = time.process_time() - own0 + _children_seconds() - children0
        self.cores = max(0.0, (busy - busy0) - own) / (time.perf_counter() - wall0)


def _children_seconds() -> float:
    times = os.times()
    return times.children_user + times.children_system


def background_load(seconds: float = 1.0) -> float:
    """Cores used by other programs over the next ``seconds`` (this process sleeps meanwhile)."""
    with LoadMeter() as meter:
        time.sleep(seconds)
    return meter.cores
