"""How many BLAS threads training should use, measured while it runs, and switching them cheaply.

Why: on a machine whose cores other programs keep busy, a multi-threaded matrix product of a small batch waits for
each of its threads to get a core, and training becomes 10-190 times slower than with one thread; on a quiet machine,
two threads are up to 1.4 times faster at batch 128. :class:`AdaptiveThreads` therefore measures, every
:data:`INTERVAL` seconds of training, how much CPU the *other* processes used (the machine's busy time from
``/proc/stat`` minus this process's own CPU time) and gives training as many threads as there are cores left idle,
between 1 and the pool's configured size. A container's CPU quota (cgroup v1 or v2) and the process's CPU affinity
bound the count too, so a Binder pod that sees many cores but may use one gets one thread.

Where ``/proc/stat`` does not exist (macOS, Windows), the load cannot be measured and the count stays at
:func:`usable_cpus` capped by the pool.
"""

from __future__ import annotations

import math
import os
import time

import numpy as np

#: Seconds of training between two decisions (the first comes after a tenth of it).
INTERVAL = 0.5
#: Above this many cores used by other processes, the steps take one thread without a probe.
BUSY_CORES = 0.75
#: Steps run on the other thread count to time it; a probe step this many times slower than usual ends the probe.
PROBE_STEPS, GIVE_UP = 8, 3.0
#: The other count must be this much faster to be kept; after losing it waits up to this many intervals.
MARGIN, MAX_BACKOFF = 0.05, 32

_PROC_STAT = "/proc/stat"
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


class BlasPool:
    """The BLAS libraries loaded in this process (through :mod:`threadpoolctl`), read and set in a microsecond."""

    def __init__(self):
        from threadpoolctl import ThreadpoolController

        self._libraries = ThreadpoolController().select(user_api="blas").lib_controllers

    @property
    def threads(self) -> int:
        """The thread count now in force (the largest among the BLAS libraries; 1 without any)."""
        return max((lib.num_threads for lib in self._libraries), default=1)

    def set(self, threads: int) -> None:
        for lib in self._libraries:
            lib.set_num_threads(threads)


def usable_cpus() -> int:
    """The CPUs this process may run on: its affinity, bounded by a container's CPU quota (at least 1)."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    quota = _cgroup_cpu_quota()
    if quota is not None:
        cpus = min(cpus, max(1, math.floor(quota + 0.5)))
    return max(1, cpus)


def _cgroup_cpu_quota() -> float | None:
    """CPUs allowed by the cgroup (v2 ``cpu.max`` or v1 ``cfs_quota_us / cfs_period_us``); None when unlimited."""
    for path, parse in (
        ("/sys/fs/cgroup/cpu.max", lambda text: text.split()),
        ("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", None),
    ):
        try:
            with open(path) as handle:
                text = handle.read()
            if parse is not None:
                quota, period = parse(text)
            else:
                with open("/sys/fs/cgroup/cpu/cpu.cfs_period_us") as handle:
                    quota, period = text.strip(), handle.read().strip()
            if quota in ("max", "-1"):
                return None
            return int(quota) / int(period)
        except (OSError, ValueError):
            continue
    return None


def _busy_seconds() -> float | None:
    """CPU seconds the whole machine has spent busy since boot (``/proc/stat``), or None where unknown."""
    try:
        with open(_PROC_STAT, "rb") as handle:
            fields = handle.readline().split()
    except OSError:
        return None
    # cpu user nice system idle iowait irq softirq steal ...: busy = all but idle and iowait. Steal (time the
    # hypervisor gave to other machines) counts as busy: those cores were not ours either.
    ticks = [int(v) for v in fields[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / _CLOCK_TICKS


def _others_running_now() -> int | None:
    """Runnable tasks on the machine other than the one reading (``/proc/stat`` ``procs_running``)."""
    try:
        with open(_PROC_STAT, "rb") as handle:
            for line in handle:
                if line.startswith(b"procs_running"):
                    return max(0, int(line.split()[1]) - 1)
    except (OSError, ValueError):
        pass
    return None


class AdaptiveThreads:
    """Chooses the BLAS thread count of a training run's steps: 1 or ``maximum``, whichever is faster now.

    Two measurements, both taken while training runs:

    * the load of the other processes, every :data:`INTERVAL` seconds: when they used more than :data:`BUSY_CORES`
      cores, the steps take one thread without further ado (several threads would wait for cores held by others);
    * otherwise, the time per step itself: every so often a few steps (:data:`PROBE_STEPS`) run on the other count,
      and the faster count is kept. A probe step slower than :data:`GIVE_UP` times the current steps ends the probe
      at once, and a count that lost waits twice as long before it is tried again (up to :data:`MAX_BACKOFF`
      intervals), so a busy machine costs at most one slow step every few seconds.

    :meth:`choose` says which count the next step should use; :meth:`record` takes the step's duration.
    """

    def __init__(self, maximum: int):
        self.maximum = max(1, min(maximum, usable_cpus()))
        self.threads = 1
        self._load: tuple[float, float, float] | None = None
        self._due = 0.0
        self._since_decision = [0.0, 0]  # seconds and steps at self.threads since the last decision
        self._probe: list | None = None  # [count, steps left, seconds, steps]
        self._backoff = {1: 1, self.maximum: 1}
        self._next_try = {1: 0.0, self.maximum: 0.0}

    def start(self) -> int:
        """The first choice: ``maximum`` unless another task is runnable at this instant."""
        others = _others_running_now()
        self.threads = 1 if (others or 0) >= 1 else self.maximum
        now = time.perf_counter()
        self._sample_load()
        self._due = now + INTERVAL / 10
        return self.threads

    def choose(self, now: float) -> int:
        """The thread count of the next step (``now``: ``time.perf_counter()``)."""
        if self._probe is not None:
            return self._probe[0]
        if now < self._due or self.maximum == 1:
            return self.threads
        self._due = now + INTERVAL
        others = self._others_load()
        if others is not None and others > BUSY_CORES:
            self._decide(1, now)
            return 1
        other = self.maximum if self.threads == 1 else 1
        if now >= self._next_try[other] and self._since_decision[1] > 0:
            self._probe = [other, PROBE_STEPS, 0.0, 0]
            return other
        return self.threads

    def record(self, threads: int, seconds: float) -> None:
        """The duration of a full-size step just run on ``threads`` threads."""
        probe = self._probe
        if probe is None or threads != probe[0]:
            if threads == self.threads:
                self._since_decision[0] += seconds
                self._since_decision[1] += 1
            return
        current = self._since_decision[0] / max(1, self._since_decision[1])
        probe[1] -= 1
        probe[2] += seconds
        probe[3] += 1
        if seconds > GIVE_UP * current or probe[1] == 0:
            self._probe = None
            now = time.perf_counter()
            if probe[2] / probe[3] < current * (1 - MARGIN) and seconds <= GIVE_UP * current:
                self._backoff[self.threads] = 1
                self._decide(threads, now)
                self._since_decision = [probe[2], probe[3]]
            else:
                self._backoff[threads] = min(MAX_BACKOFF, 2 * self._backoff[threads])
                self._next_try[threads] = now + self._backoff[threads] * INTERVAL

    def _decide(self, threads: int, now: float) -> None:
        if threads != self.threads:
            self.threads = threads
            self._since_decision = [0.0, 0]
        other = self.maximum if threads == 1 else 1
        self._next_try[other] = max(self._next_try[other], now + self._backoff[other] * INTERVAL)

    def give_up_threads(self) -> None:
        """Use one thread from now on (more threads cannot give this run's numbers)."""
        self.maximum = self.threads = 1
        self._probe = None

    def _sample_load(self) -> None:
        busy = _busy_seconds()
        self._load = None if busy is None else (time.perf_counter(), busy, time.process_time())

    def _others_load(self) -> float | None:
        """Cores the other processes used since the last sample (machine busy time minus our own CPU time)."""
        previous = self._load
        self._sample_load()
        if previous is None or self._load is None or self._load[0] <= previous[0]:
            return None
        others = (self._load[1] - previous[1]) - (self._load[2] - previous[2])
        return max(0.0, others) / (self._load[0] - previous[0])


def robust_threads(window: float = 0.05) -> int:
    """The BLAS thread count to use now: what :class:`AdaptiveThreads` would choose after ``window`` seconds.

    For code that sets one thread count for a while (a notebook, a benchmark) rather than adapting as
    :func:`mathdnn_core.training.fit` does: 1 when other programs keep the cores busy or the process may use one
    CPU, else the pool's configured size.
    """
    maximum = min(BlasPool().threads, usable_cpus())
    adaptive = AdaptiveThreads(maximum)
    adaptive.start()
    time.sleep(window)
    others = adaptive._others_load()
    return 1 if others is not None and others > BUSY_CORES else maximum


class StepThreads:
    """The thread policy of one training run, applied between its steps, keeping its numbers those of one thread.

    ``blas_threads``: ``"auto"`` (adapt with :class:`AdaptiveThreads` up to the pool's configured size), an int
    (exactly that many threads), or None (leave the pool alone). Whatever threads a step uses, its results must be
    the ones a single thread gives: the first time a batch size runs on ``c > 1`` threads, the step is computed
    with ``c`` threads and again with one, and ``c`` is kept for that batch size only if every bit agrees
    (otherwise that batch size runs on one thread). Forward passes outside the steps (accuracies after an epoch)
    run on one thread (:meth:`single`). ``steps`` counts the steps run with each thread count in the current epoch.
    """

    def __init__(self, blas_threads, batch_size: int):
        self.mode, self.batch_size = blas_threads, batch_size
        self.pool = BlasPool()
        self.original = self.pool.threads
        self.adaptive = AdaptiveThreads(self.original) if blas_threads == "auto" else None
        self.current = self.original
        self._same_as_one: dict[tuple[int, int], bool] = {}
        self.steps: dict[int, int] = {}

    def begin(self) -> None:
        if self.adaptive is not None:
            self._set(self.adaptive.start())
            self.current = self.pool.threads
        elif self.mode is not None:
            self._set(self.mode)

    def end(self) -> None:
        self.pool.set(self.original)

    def _set(self, threads: int) -> None:
        if threads != self.current:
            self.pool.set(threads)
            self.current = threads

    def step(self, rows: int, run_step, outputs) -> None:
        """Run one training step (``run_step()``) on ``rows`` rows with the chosen thread count.

        ``outputs()`` returns the step's results as arrays (compared bit for bit when a thread count is checked).
        """
        adaptive = self.adaptive
        if adaptive is None:
            run_step()
            count = 0 if self.mode is None else self.current
            self.steps[count] = self.steps.get(count, 0) + 1
            return
        wanted = adaptive.choose(time.perf_counter())
        same = self._same_as_one.get((wanted, rows)) if wanted > 1 else True
        if same is None:  # first step of this size on `wanted` threads: compare with one thread
            self._set(wanted)
            run_step()
            kept = [a.copy() for a in outputs()]
            self._set(1)
            run_step()  # the reference, and the result kept
            same = self._same_as_one[(wanted, rows)] = all(np.array_equal(a, b) for a, b in zip(kept, outputs()))
            if not same and rows == self.batch_size:  # that count cannot serve this run's full batches
                adaptive.give_up_threads()
            self.steps[1] = self.steps.get(1, 0) + 1
            return
        self._set(wanted if same else 1)
        start = time.perf_counter()
        run_step()
        if rows == self.batch_size:
            adaptive.record(self.current, time.perf_counter() - start)
        self.steps[self.current] = self.steps.get(self.current, 0) + 1

    def single(self):
        """A context in which BLAS runs one thread (restoring the count of the steps afterwards)."""
        return single_thread(self.pool, restore=self.current)


class single_thread:  # noqa: N801 - used like a function: ``with single_thread():``
    """A context in which the BLAS pool runs one thread; on exit, ``restore`` threads (default: the count before)."""

    def __init__(self, pool: BlasPool | None = None, restore: int | None = None):
        self.pool = pool if pool is not None else BlasPool()
        self.restore = restore

    def __enter__(self):
        self.before = self.pool.threads if self.restore is None else self.restore
        self.pool.set(1)

    def __exit__(self, *exc):
        self.pool.set(self.before)
