r"""Time one training epoch of MLP 784-128-64-10 on 60,000 MNIST-shaped samples, against PyTorch and the FLOP limit.

Run:  python benchmarks/bench_epoch.py [--json results.json] [--repeats 5] [--samples 60000] [--load 2]
                                         [--torch-python /path/to/venv/bin/python]

What is measured, all in ONE run (so the ratios compare numbers taken on the same machine state):

* ``mathdnn_core.training.fit(progress=False)`` — one epoch, SGD with momentum (beta 0.9, "(1 - beta)" form),
  float32 and float64, batch 32 and 128, with its default BLAS threads (adapted to the load) and with one thread.
  Two times: the **whole call** (what a user waits for: input checks, buffers, the steps, the checks after the
  epoch) and the **steps** alone (``history.seconds[0]``: batch gather, back-propagation, update).
* the literal Jacobian route ``network.gradients(method="jacobian")`` on 8 samples, per sample, float64;
* PyTorch CPU eager (if ``import torch`` works): the same architecture, He-initialised from the same weights, the
  same update (``torch.optim.SGD(lr=lr * (1 - beta), momentum=beta)`` is exactly the (1 - beta) form with
  learning rate ``lr``), ``F.cross_entropy`` (fused log-softmax + NLL), float32, batch 32 and 128, default
  thread count, a plain loop with no ``loss.item()`` per step (the loop most favourable to PyTorch), timed in a
  child process so that PyTorch's threads and NumPy's never compete (see :class:`TorchWorker`), run by
  ``--torch-python`` (an interpreter with torch, numpy and mathdnn_core) or by this one;
* the machine's float32 GEMM rate (best of several 1024x1024x1024 products, and of products with the shapes of
  the batch-128 workload), measured again in every round and the best round kept, giving the FLOP limit of an
  epoch: ``6 x weights x samples / rate`` (2 FLOPs per multiply-add, forward + two backward products per weight
  matrix).

The data are random: pixels uniform in [0, 1), labels uniform in 0..9 (speed does not depend on the values; the
loss stays finite at lr 0.1). After a warm-up, ``--repeats`` rounds each time every configuration once
(interleaved, so all see the same machine state); the table reports the **best** (minimum) time — the least
disturbed by other processes — and the median is printed beside it in brackets. The load other programs put on
the machine is measured for a second before and after the rounds and printed; ``--load N`` starts N busy BLAS
programs (1000 x 1000 products in a loop, default threads) for the whole run, to measure under a known load.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time

import numpy as np
from _load import BusyBlas, background_load

from mathdnn_core import network, training
from mathdnn_core.losses import one_hot

SIZES = [784, 128, 64, 10]
LR, BETA = 0.1, 0.9


def blas_info() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed"
    parts = []
    for info in threadpool_info():
        if info.get("user_api") == "blas":
            parts.append(
                f"{info.get('internal_api')} {info.get('version')} kernel={info.get('architecture')} "
                f"threads={info.get('num_threads')}"
            )
    return "; ".join(parts) or "no BLAS found by threadpoolctl"


def best_and_median(times: list[float]) -> tuple[float, float]:
    return min(times), statistics.median(times)


def gemm_rate(dtype, repeats: int) -> dict:
    """Best GFLOP/s of square 1024^3 products and of the batch-128 workload's own shapes."""
    rng = np.random.default_rng(0)
    out = {}
    a = rng.random((1024, 1024)).astype(dtype)
    b = rng.random((1024, 1024)).astype(dtype)
    c = np.empty((1024, 1024), dtype)
    np.matmul(a, b, out=c)
    best = min(_timed(lambda: np.matmul(a, b, out=c)) for _ in range(max(5, repeats)))
    out["square_1024"] = 2 * 1024**3 / best / 1e9
    # The six products of one batch-128 step of 784-128-64-10, repeated to get a measurable time.
    n = 128
    X = rng.random((n, 784)).astype(dtype)
    Ws = [rng.random((m_out, m_in)).astype(dtype) for m_in, m_out in zip(SIZES[:-1], SIZES[1:])]
    acts = [X] + [np.zeros((n, W.shape[0]), dtype) for W in Ws]
    deltas = [rng.random((n, W.shape[0])).astype(dtype) for W in Ws]
    grads = [np.empty_like(W) for W in Ws]
    ups = [np.empty((n, W.shape[1]), dtype) for W in Ws]

    def step():
        for k, W in enumerate(Ws):
            np.matmul(acts[k], W.T, out=acts[k + 1])
        for k in range(len(Ws) - 1, -1, -1):
            np.matmul(deltas[k].T, acts[k], out=grads[k])
            if k:
                np.matmul(deltas[k], Ws[k], out=ups[k])

    flops_step = 2 * n * sum(W.size for W in Ws) * 2 + 2 * n * sum(W.size for W in Ws[1:])
    step()
    best = min(_timed(lambda: [step() for _ in range(50)]) for _ in range(max(5, repeats))) / 50
    out["workload_b128"] = flops_step / best / 1e9
    return out


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def ours_runner(X, Y, dtype, batch_size: int, blas_threads="auto"):
    """A callable timing one epoch of ``training.fit`` (returns (steps seconds, whole-call seconds))."""
    params = network.init_params(SIZES, rng=np.random.default_rng(0), dtype=dtype)
    Xd, Yd = X.astype(dtype), Y.astype(dtype)
    kwargs = dict(batch_size=batch_size, lr=LR, momentum=BETA, progress=False, blas_threads=blas_threads)

    def run(seed: int):
        t = time.perf_counter()
        _, history = training.fit(params, Xd, Yd, epochs=1, rng=seed, **kwargs)
        return history.seconds[0], time.perf_counter() - t

    def warm_up():
        training.fit(params, Xd[:4096], Yd[:4096], epochs=1, rng=0, **kwargs)

    return run, warm_up


def bench_jacobian(X, Y, n: int = 8) -> dict:
    params = network.init_params(SIZES, rng=np.random.default_rng(0), dtype=np.float64)
    Xs, Ys = X[:n].astype(np.float64), Y[:n].astype(np.float64)
    network.gradients(Xs[:1], Ys[:1], params, method="jacobian")
    t = min(_timed(lambda: network.gradients(Xs, Ys, params, method="jacobian")) for _ in range(2))
    return {"samples": n, "seconds": t, "per_sample": t / n}


def make_data(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The benchmark's random data (the same in every process): pixels U[0, 1), labels U{0..9}."""
    rng = np.random.default_rng(1234)
    X = rng.random((n, SIZES[0]), dtype=np.float64)
    labels = rng.integers(0, SIZES[-1], size=n)
    return X, labels


def _torch_worker(conn, n: int) -> None:
    """Serve PyTorch epochs in a process of their own (see :class:`TorchWorker`)."""
    import site

    # A spawned child starts with the parent's sys.path; with --torch-python its own packages (torch) come after.
    sys.path.extend(p for p in site.getsitepackages() if p not in sys.path)
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        conn.send(None)
        return
    X, labels = make_data(n)
    params = network.init_params(SIZES, rng=np.random.default_rng(0), dtype=np.float32)
    Xt = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
    yt = torch.from_numpy(labels.astype(np.int64))
    del X

    def make():
        layers = []
        for k, (W, b) in enumerate(params):
            lin = torch.nn.Linear(W.shape[1], W.shape[0])
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(W))
                lin.bias.copy_(torch.from_numpy(b))
            layers.append(lin)
            if k < len(params) - 1:
                layers.append(torch.nn.ReLU())
        model = torch.nn.Sequential(*layers)
        # heavy ball v <- beta v + g, p <- p - lr' v with lr' = lr (1 - beta) is exactly
        # m <- beta m + (1 - beta) g, p <- p - lr m  (m = (1 - beta) v, m0 = v0 = 0)
        return model, torch.optim.SGD(model.parameters(), lr=LR * (1 - BETA), momentum=BETA)

    def epoch(rows: int, batch_size: int, seed: int) -> float:
        model, opt = make()
        perm = torch.randperm(rows, generator=torch.Generator().manual_seed(seed))
        t = time.perf_counter()
        for i in range(0, rows, batch_size):
            idx = perm[i : i + batch_size]
            xb, yb = Xt.index_select(0, idx), yt.index_select(0, idx)
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
        return time.perf_counter() - t

    conn.send({"version": str(torch.__version__), "threads": int(torch.get_num_threads())})
    while True:
        request = conn.recv()
        if request is None:
            return
        rows, batch_size, seed = request
        conn.send(epoch(min(rows, Xt.shape[0]), batch_size, seed))


class TorchWorker:
    """PyTorch CPU eager, timed in a child process.

    PyTorch's OpenMP threads and NumPy's OpenBLAS threads both spin-wait for a while after each operation; in one
    process they steal each other's cores and every measurement gets slower and noisier (seen here: our medians
    nearly doubled with torch imported beside them). So only the child imports torch, and it runs only while the
    parent waits for its answer.
    """

    def __init__(self, n: int, python: str | None = None):
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        if python is not None:
            ctx.set_executable(python)
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(target=_torch_worker, args=(child, n), daemon=True)
        self._process.start()
        self.info = self._conn.recv()

    def runner(self, batch_size: int):
        def run(seed: int):
            self._conn.send((10**9, batch_size, seed))
            seconds = self._conn.recv()
            return seconds, seconds  # the epoch loop is all there is to time

        def warm_up():
            self._conn.send((4096, batch_size, 0))
            self._conn.recv()

        run.info = self.info
        return run, warm_up

    def close(self) -> None:
        if self._process.is_alive():
            self._conn.send(None)
        self._process.join(timeout=30)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", help="also write the results to this JSON file")
    parser.add_argument("--repeats", type=int, default=5, help="timed repetitions of each measurement (default 5)")
    parser.add_argument("--samples", type=int, default=60_000, help="samples per epoch (default 60000)")
    parser.add_argument("--load", type=int, default=0, help="busy BLAS programs to run beside (default 0)")
    parser.add_argument("--torch-python", help="interpreter that runs PyTorch (default: this one)")
    args = parser.parse_args(argv)
    with BusyBlas(args.load):
        return _run(args)


def _run(args) -> int:
    n = args.samples
    X, labels = make_data(n)
    Y = one_hot(labels, SIZES[-1])
    weights = sum(m_in * m_out for m_in, m_out in zip(SIZES[:-1], SIZES[1:]))
    env = {
        k: os.environ.get(k)
        for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
    }
    print(
        f"mathdnn epoch benchmark: MLP {'-'.join(map(str, SIZES))} ({weights:,} weights), {n:,} random samples "
        f"(pixels U[0,1), labels U{{0..9}}), SGD momentum beta={BETA} lr={LR}; best of {args.repeats} "
        f"(median in brackets)"
    )
    print(f"python {platform.python_version()}, numpy {np.__version__}, BLAS: {blas_info()}")
    print("env: " + ", ".join(f"{k}={v if v is not None else '(unset)'}" for k, v in env.items()))
    load_before = background_load()

    results: dict = {
        "samples": n,
        "weights": weights,
        "repeats": args.repeats,
        "env": env,
        "blas": blas_info(),
        "numpy": np.__version__,
        "python": platform.python_version(),
        "statistic": "best",
        "busy_blas_programs": args.load,
    }
    runners = {}
    for dtype in (np.float32, np.float64):
        for b in (32, 128):
            runners[f"ours_{np.dtype(dtype).name}_b{b}"] = ours_runner(X, Y, dtype, b)
    for b in (32, 128):
        runners[f"ours_float32_b{b}_1thread"] = ours_runner(X, Y, np.float32, b, blas_threads=1)
        # two threads pinned (--threads 2): the default keeps one wherever two do not give the same bits
        runners[f"ours_float32_b{b}_2threads"] = ours_runner(X, Y, np.float32, b, blas_threads=2)
    worker = TorchWorker(n, args.torch_python)
    have_torch = worker.info is not None
    if have_torch:
        for b in (32, 128):
            runners[f"torch_float32_b{b}"] = worker.runner(b)
    else:
        worker.close()
    for _, warm_up in runners.values():
        warm_up()
    steps: dict[str, list[float]] = {k: [] for k in runners}
    walls: dict[str, list[float]] = {k: [] for k in runners}
    rates32, rates64 = [], []
    for rep in range(args.repeats):  # interleaved: every configuration sees the same machine state
        rates32.append(gemm_rate(np.float32, 5))  # the GEMM rate too, in every round: the best round counts
        rates64.append(gemm_rate(np.float64, 5))
        for key, (run, _) in runners.items():
            seconds, wall = run(rep)
            steps[key].append(seconds)
            walls[key].append(wall)
    if have_torch:
        worker.close()
    load_after = background_load()
    results["other_programs_cores"] = {"before": load_before, "after": load_after}
    rate32 = {k: max(r[k] for r in rates32) for k in rates32[0]}
    rate64 = {k: max(r[k] for r in rates64) for k in rates64[0]}
    peak = rate32["square_1024"]
    flop_limit = 6 * weights * n / (peak * 1e9)
    results["gemm_gflops"] = {"float32": rate32, "float64": rate64, "float32_rounds": rates32}
    results["flop_limit_seconds"] = flop_limit
    per_round = ", ".join(f"{r['square_1024']:.0f}" for r in rates32)
    print(
        f"load: {args.load} busy BLAS programs started; other programs used {load_before:.2f} cores before the "
        f"rounds and {load_after:.2f} after"
    )
    print(
        f"GEMM float32: {rate32['square_1024']:.0f} GFLOP/s (1024^3), {rate32['workload_b128']:.0f} GFLOP/s "
        f"(batch-128 workload shapes); float64: {rate64['square_1024']:.0f} / {rate64['workload_b128']:.0f}; "
        f"best of {args.repeats} rounds (float32 1024^3 per round: {per_round})"
    )
    print(f"FLOP limit of one epoch = 6 x {weights:,} x {n:,} / {peak:.0f} GFLOP/s = {flop_limit:.3f} s")
    summary = {}
    print(f"  {'':<32}{'whole fit() call':>22}{'steps only':>22}")
    for key in runners:
        best, median = best_and_median(walls[key])
        step_best, step_median = best_and_median(steps[key])
        summary[key] = {
            "best": best,
            "median": median,
            "times": walls[key],
            "steps_best": step_best,
            "steps_median": step_median,
            "steps_times": steps[key],
        }
        print(f"  {key.replace('_', ' '):<32}{best:10.3f} s [{median:.3f}]{step_best:10.3f} s [{step_median:.3f}]")
    if not have_torch:
        print("  PyTorch: skipped (install the crosscheck extra, or give --torch-python)")
    else:
        info = runners["torch_float32_b32"][0].info
        print(
            f"  (PyTorch {info['version']}, {info['threads']} threads, eager, no loss.item() per step, timed in a "
            f"child process of its own: its epoch loop)"
        )
    results["epochs"] = summary
    ours = {k[len("ours_") :]: v for k, v in summary.items() if k.startswith("ours_")}
    torch_res = {k[len("torch_") :]: v for k, v in summary.items() if k.startswith("torch_")} or None

    jac = bench_jacobian(X, Y)
    bp_per_sample = ours["float64_b32"]["steps_best"] / n
    jac["ratio_to_backprop_float64_b32"] = jac["per_sample"] / bp_per_sample
    results["jacobian_route"] = jac
    print(
        f"  literal Jacobian route (float64, {jac['samples']} samples): {1e3 * jac['per_sample']:.1f} ms/sample "
        f"= {jac['ratio_to_backprop_float64_b32']:,.0f} x back-propagation's {1e6 * bp_per_sample:.1f} us/sample "
        f"(float64, batch 32)"
    )

    def ratio(a: dict, b: float | dict) -> tuple[float, float]:
        """(whole call, steps only) of ``a`` against ``b`` (a time, or a result whose own columns are used)."""
        if isinstance(b, dict):
            return a["best"] / b["best"], a["steps_best"] / b["steps_best"]
        return a["best"] / b, a["steps_best"] / b

    rows = []
    for b in (32, 128):
        if torch_res:
            rows.append(
                (
                    f"ours / PyTorch, float32 batch {b}",
                    *ratio(ours[f"float32_b{b}"], torch_res[f"float32_b{b}"]),
                    "<= 0.5" if b == 32 else "",
                )
            )
        else:
            rows.append((f"ours / PyTorch, float32 batch {b}", float("nan"), float("nan"), "skipped (no torch)"))
    rows.append(("ours / FLOP limit, float32 batch 128", *ratio(ours["float32_b128"], flop_limit), "<= 1.5"))
    rows.append(
        ("ours, 2 threads / FLOP limit, float32 batch 128", *ratio(ours["float32_b128_2threads"], flop_limit), "<= 1.5")
    )
    if torch_res:
        rows.append(
            (
                "ours, 2 threads / PyTorch, float32 batch 32",
                *ratio(ours["float32_b32_2threads"], torch_res["float32_b32"]),
                "<= 0.5",
            )
        )
    rows.append(("ours / FLOP limit, float32 batch 32", *ratio(ours["float32_b32"], flop_limit), ""))
    for b in (32, 128):
        rows.append((f"float64 / float32, batch {b}", *ratio(ours[f"float64_b{b}"], ours[f"float32_b{b}"]), ""))
    for b in (32, 128):
        rows.append(
            (f"1 BLAS thread / default, batch {b}", *ratio(ours[f"float32_b{b}_1thread"], ours[f"float32_b{b}"]), "")
        )
    print()
    print(f"{'ratio':<42}{'whole call':>12}{'steps only':>12}   target (whole call)")
    for name, whole, step_only, target in rows:
        print(f"{name:<42}{whole:>12.2f}{step_only:>12.2f}   {target}")
    print(f"{'Jacobian route / backprop, per sample':<42}{jac['ratio_to_backprop_float64_b32']:>12.0f}")
    results["ratios"] = {name: whole for name, whole, _, _ in rows}
    results["ratios_steps_only"] = {name: step_only for name, _, step_only, _ in rows}
    results["ratios"]["Jacobian route / backprop, per sample"] = jac["ratio_to_backprop_float64_b32"]
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=2)
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
