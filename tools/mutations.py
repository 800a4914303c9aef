"""Plant plausible bugs in mathdnn_core one at a time; report which the unit tests and which notebooks 01-06 catch.

Usage::

    python tools/mutations.py --list                  # the mutations, their category, file and why
    python tools/mutations.py --jobs 2 --json out.json
    python tools/mutations.py --only fused_gradient_sign --only gd_sign
    python tools/mutations.py --unit-only --deselect tests/test_cli.py   # which tests catch it without those

Not part of CI or of the pytest run: a full run takes about an hour on the 2-core machine (issue 10 item 7, issue 12).

How it works, and why it can be trusted:

1. The working tree is copied once into a temporary **snapshot** (everything but .git, .venv and caches: the unit
   tests read README.md, binder/, benchmarks/ and tools/ too), so that edits made meanwhile in the checkout change
   nothing in a run. The checkout itself is never written to.
2. Every mutation is an exact text replacement in one file. Its ``old`` text must occur exactly once in the snapshot,
   or the mutation is reported **STALE** and the script stops before running anything. Its ``witness`` (a few lines
   of Python printing the value the mutation should change) is run on the snapshot and on the mutant: equal outputs
   mean the mutation is a **NO-OP** (dead or equivalent code) and the script stops.
3. A **control** run on an unmutated copy comes first: the unit tests without ``-x`` (tests that already fail there,
   because of work in progress elsewhere, are listed and deselected from every mutation's run, which can only make
   the unit tests look worse), and the notebooks, which must all pass.
4. Each mutation gets its own copy of the snapshot. Unit tests:
   ``python -m pytest -q -x -p no:cacheprovider --hypothesis-seed=0 <copy>/tests`` (one seed for the control and
   every mutant: the property tests draw the same examples, so a rare draw cannot pass for a catch); notebooks:
   ``python -m pytest -q -p no:cacheprovider <copy>/notebooks/0[1-6]_*.ipynb`` (strict nbval, from pyproject.toml),
   all six in one run without ``-x``, so that the report can say which cell fails first **and** whether some cell
   raised (an assertion or an error: re-executing the notebook would fail too) or only printed something else
   than the stored output (re-executing it would store the bug). Both runs get ``PYTHONPATH=<copy>``; a pytest
   plugin and a probe notebook run in the same pytest invocations record ``mathdnn_core.__file__`` in the pytest
   process and in a notebook kernel, and the script stops unless both lie inside the copy (the venv has an
   editable install of the checkout, which PYTHONPATH must override).

The table (Markdown) has one row per mutation: whether the unit tests catch it and the first failing test, whether
notebooks 01-06 alone catch it, the first failing cell and the first cell that raised. Exit status: 0 when the unit
tests catch every mutation and the notebooks at least 90 %, 1 otherwise, 2 when the run itself is not valid (a STALE
or NO-OP mutation, a failing control, a probe outside the copy).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
#: Not copied into the snapshot: version control, the virtualenv and caches.
EXCLUDED = {".git", ".venv", ".hypothesis", ".pytest_cache", ".ruff_cache", "__pycache__", ".ipynb_checkpoints"}
NOTEBOOKS = ("01_differentials", "02_activations", "03_loss", "04_layers", "05_network", "06_gradient_descent")
PROBE_NOTEBOOK = "_mutation_probe.ipynb"
PROBE_PLUGIN = "_mathdnn_mutation_probe"
NOTEBOOK_GOAL = 0.90
HYPOTHESIS_SEED = 0
UNIT_TIMEOUT = NOTEBOOK_TIMEOUT = 1800  # seconds; a hung run counts as caught (CI would fail), marked "timeout"


@dataclass(frozen=True)
class Mutation:
    """One planted bug: ``old`` replaced by ``new`` in ``file`` (relative to the repository root)."""

    name: str
    category: str
    file: str
    old: str
    new: str
    why: str  # one line: why a careful author could write it
    observable: str  # what value changes
    witness: str  # Python printing that value (helpers in WITNESS_PRELUDE); must print differently on the mutant


A, N, L, O, T, D = (
    "mathdnn_core/activations.py",
    "mathdnn_core/network.py",
    "mathdnn_core/losses.py",
    "mathdnn_core/optim.py",
    "mathdnn_core/training.py",
    "mathdnn_core/differentials.py",
)
LAYERS, BACKPROP, RESULTS, DATA = (
    "mathdnn_core/layers.py",
    "mathdnn_core/backprop.py",
    "mathdnn_core/results.py",
    "mathdnn_core/datasets.py",
)

MUTATIONS: tuple[Mutation, ...] = (
    # ---------------------------------------------------------------- §1 differentials
    Mutation(
        name="fd_central_no_2t",
        category="finite differences",
        file=D,
        old="/ (2 * steps[j])",
        new="/ steps[j]",
        why="the central quotient divided by t as in the forward one: the 2 of the symmetric step forgotten",
        observable="numerical_jacobian(3a) = 6 I instead of 3 I",
        witness="show(differentials.numerical_jacobian(lambda a: 3.0 * a, np.array([1.0, 2.0])))",
    ),
    Mutation(
        name="chain_rule_order",
        category="chain rule / transpose",
        file=D,
        old="return jg @ jf",
        new="return jf @ jg",
        why="J_f J_g and J_g J_f both conform for square maps; the order of Theorem 1.3 is easy to flip",
        observable="chain_jacobian of two non-commuting linear maps",
        witness="show(differentials.chain_jacobian(lambda y: MB, lambda x: MA @ x, lambda x: MA)(np.ones(2)))",
    ),
    Mutation(
        name="compose_order",
        category="chain rule / transpose",
        file=D,
        old="total = j if total is None else j @ total",
        new="total = j if total is None else total @ j",
        why="accumulating the product from the wrong side: first-applied-first reads naturally left to right",
        observable="compose_jacobians of two non-commuting linear maps",
        witness="first, second = (lambda x: MA @ x, lambda x: MA), (lambda x: MB @ x, lambda x: MB)\n"
        "show(differentials.compose_jacobians(first, second)[1](np.ones(2)))",
    ),
    Mutation(
        name="sum_rule_sign",
        category="sign",
        file=D,
        old="return jg + jf",
        new="return jg - jf",
        why="a sign slip in Proposition 1.2 (the rule is often shown beside J_(g-f))",
        observable="sum_jacobian(A, B) = A - B",
        witness="show(differentials.sum_jacobian(lambda a: MA, lambda a: MB)(np.ones(2)))",
    ),
    Mutation(
        name="remainder_row_convention",
        category="transpose",
        file=D,
        old='return float(np.linalg.norm(_as_vector(f(a + h), "f") - f_a - jac @ h))',
        new='return float(np.linalg.norm(_as_vector(f(a + h), "f") - f_a - h @ jac))',
        why="the paper's rows write h J^T; transcribing it as h @ J drops the transpose",
        observable="the remainder of a linear map with a non-symmetric Jacobian is no longer 0",
        witness="h = np.array([1e-3, 2e-3])\n"
        "show(differentials.linearization_remainder(lambda a: MA @ a, lambda a: MA, np.ones(2), h))",
    ),
    # ---------------------------------------------------------------- §2 activations
    Mutation(
        name="relu_prime_at_zero",
        category="convention",
        file=A,
        old="return (z > 0).astype(z.dtype)",
        new="return (z >= 0).astype(z.dtype)",
        why="ReLU'(0) = 1 is the other common choice; >= for > is a one-character slip (Assumption 1 says 0)",
        observable="relu_derivative(0) and the diagonal of relu_jacobian at 0 become 1",
        witness="show(activations.relu_jacobian(np.array([0.0, 1.0, -1.0])))",
    ),
    Mutation(
        name="relu_vjp_at_zero",
        category="convention",
        file=A,
        old="return np.where(z > 0, v, 0)",
        new="return np.where(z >= 0, v, 0)",
        why="the same convention slip in the VJP kernel that back-propagation uses",
        observable="relu_vjp(0, v) = v instead of 0",
        witness="show(activations.relu_vjp(np.zeros(3), np.array([1.0, -2.0, 3.0])))",
    ),
    Mutation(
        name="softmax_jacobian_diagonal",
        category="Jacobian diagonal",
        file=A,
        old="np.fill_diagonal(jac, s * others)",
        new="np.fill_diagonal(jac, s)",
        why="diag(s) - s^T s: writing the diagonal as s_i forgets the -s_i^2 that fill_diagonal overwrites",
        observable="J_S(z)_ii = s_i instead of s_i (1 - s_i)",
        witness="show(activations.softmax_jacobian(np.array([0.0, 1.0, 2.0])))",
    ),
    Mutation(
        name="softmax_vjp_sign",
        category="sign",
        file=A,
        old="return s * (u - np.sum(others * u, axis=-1, keepdims=True))",
        new="return s * (u + np.sum(others * u, axis=-1, keepdims=True))",
        why="a sign slip in the rearranged s * (v - <v, s>)",
        observable="softmax_vjp(z, v)",
        witness="show(activations.softmax_vjp(np.array([0.0, 1.0, 2.0]), np.array([1.0, -2.0, 0.5])))",
    ),
    Mutation(
        name="softmax_unshifted",
        category="numerical stability",
        file=A,
        old="e = np.exp(z - np.max(z, axis=-1, keepdims=True))",
        new="e = np.exp(z)",
        why="the textbook formula without the max shift: identical on small logits, inf/inf on large ones",
        observable="softmax([1000, 0]) = [nan, 0] instead of [1, 0]",
        witness='with np.errstate(all="ignore"):\n    show(activations.softmax(np.array([1000.0, 0.0])))',
    ),
    Mutation(
        name="log_softmax_log_not_log1p",
        category="log-Softmax / cross-entropy",
        file=A,
        old="return shifted - np.log1p(np.sum(others, axis=-1, keepdims=True))",
        new="return shifted - np.log(np.sum(others, axis=-1, keepdims=True))",
        why="log1p and log confused when the 1 of the row maximum was split off the sum",
        observable="log_softmax([0, 0, 1]) (and every objective and loss through it)",
        witness="show(activations.log_softmax(np.array([0.0, 0.0, 1.0])))",
    ),
    # ---------------------------------------------------------------- §3 losses
    Mutation(
        name="ce_value_sign",
        category="sign",
        file=L,
        old="return -np.sum(y_star * np.log(y), axis=-1)",
        new="return np.sum(y_star * np.log(y), axis=-1)",
        why="the minus of xi = -sum y* log y dropped (log-likelihood instead of its negative)",
        observable="cross_entropy(y, y*) = log y_c < 0",
        witness="show(losses.cross_entropy(np.array([0.2, 0.3, 0.5]), np.array([0.0, 1.0, 0.0])))",
    ),
    Mutation(
        name="ce_value_wrong_axis",
        category="reduction / index",
        file=L,
        old="return -np.sum(y_star * np.log(y), axis=-1)",
        new="return -np.sum(y_star * np.log(y), axis=0)",
        why="axis=0 sums over the batch: the same value for one example, the wrong one for a batch",
        observable="cross_entropy on a batch of 2 rows of 3 classes has shape (3,) instead of (2,)",
        witness="y, y_star = np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]]), np.array([[0.0, 1, 0], [1, 0, 0]])\n"
        "show(losses.cross_entropy(y, y_star))",
    ),
    Mutation(
        name="ce_gradient_sign",
        category="sign",
        file=L,
        old="return -y_star / y",
        new="return y_star / y",
        why="the derivative of -log y is -1/y; the sign is lost when copying y*/y from Proposition 3.1",
        observable="cross_entropy_gradient(y, y*) at the target entry: +1/y_c instead of -1/y_c",
        witness="show(losses.cross_entropy_gradient(np.array([0.2, 0.3, 0.5]), np.array([0.0, 1.0, 0.0])))",
    ),
    Mutation(
        name="one_hot_one_based",
        category="index",
        file=L,
        old="out[np.arange(y.shape[0]), y] = 1",
        new="out[np.arange(y.shape[0]), y - 1] = 1",
        why="the paper numbers classes 1..m_p; carrying that into 0-based arrays shifts every target by one",
        observable="one_hot([0, 2], 3) puts the 1s in columns 2 and 1",
        witness="show(losses.one_hot([0, 2], 3))",
    ),
    Mutation(
        name="fused_gradient_sign",
        category="sign (fused gradient)",
        file=L,
        old="return others - y_star * np.sum(others, axis=-1, keepdims=True)",
        new="return y_star * np.sum(others, axis=-1, keepdims=True) - others",
        why="y* - S(z) instead of S(z) - y*: the gradient of the log-likelihood, an ascent direction",
        observable="softmax_cross_entropy_gradient (Proposition 5.3) and every back-propagated gradient change sign",
        witness="show(losses.softmax_cross_entropy_gradient(np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, 0.0])))",
    ),
    Mutation(
        name="fused_gradient_target_entry",
        category="fused gradient",
        file=L,
        old="return others - y_star * np.sum(others, axis=-1, keepdims=True)",
        new="return others - y_star",
        why="the rearrangement S_c - 1 = -sum_{k != c} S_k half done: the target entry becomes -1",
        observable="softmax_cross_entropy_gradient at the target entry: -1 instead of S_c - 1",
        witness="show(losses.softmax_cross_entropy_gradient(np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, 0.0])))",
    ),
    # ---------------------------------------------------------------- §4 layers
    Mutation(
        name="dense_jacobian_input_transposed",
        category="transpose",
        file=LAYERS,
        old="return W.copy()",
        new="return W.T.copy()",
        why="with rows for vectors, y W^T suggests the Jacobian W^T (Proposition 4.1 says W)",
        observable="dense_jacobian_input has shape (n, m) and holds W^T",
        witness="show(layers.dense_jacobian_input(np.array([1.0, 2.0]), MW, np.zeros(3)))",
    ),
    Mutation(
        name="dense_weight_row_one_based",
        category="index",
        file=LAYERS,
        old="jac[row] = y",
        new="jac[row - 1] = y",
        why="i* is 1-based in Proposition 4.2; subtracting 1 from an already 0-based row",
        observable="dense_jacobian_weight_row(..., row=0) puts y in the last row",
        witness="show(layers.dense_jacobian_weight_row(np.array([1.0, 2.0]), MW, np.zeros(3), 0))",
    ),
    Mutation(
        name="dense_kron_order",
        category="transpose (Kronecker)",
        file=LAYERS,
        old='return np.kron(identity, row) if order == "C" else np.kron(row, identity)',
        new='return np.kron(row, identity) if order == "C" else np.kron(identity, row)',
        why="I (x) y and y (x) I swapped: the row-major and column-major flattenings confused",
        observable='dense_jacobian_weights(order="C") = y (x) I instead of I (x) y',
        witness="show(layers.dense_jacobian_weights(np.array([1.0, 2.0]), np.ones((2, 2)), np.zeros(2)))",
    ),
    Mutation(
        name="dense_vjp_weight_transposed",
        category="dense VJP / transpose",
        file=LAYERS,
        old="return (v @ W if input_gradient else None), v.T @ y, v.sum(axis=0)",
        new="return (v @ W if input_gradient else None), y.T @ v, v.sum(axis=0)",
        why="y^T v and v^T y are both (m, n) for a square layer; the weight gradient is the latter",
        observable="the weight VJP of a square layer is transposed",
        witness="show(layers.dense_vjp(SQ_Y, np.eye(2), SQ_V)[1])",
    ),
    Mutation(
        name="dense_vjp_input_transposed",
        category="dense VJP / transpose",
        file=LAYERS,
        old="return (v @ W if input_gradient else None), v.T @ y, v.sum(axis=0)",
        new="return (v @ W.T if input_gradient else None), v.T @ y, v.sum(axis=0)",
        why="the forward pass multiplies by W^T, so the VJP 'must' too; Proposition 4.1 gives v W",
        observable="the input VJP of a square layer is v W^T",
        witness="show(layers.dense_vjp(SQ_Y, np.array([[1.0, 2.0], [3.0, 4.0]]), SQ_V)[0])",
    ),
    Mutation(
        name="dense_vjp_bias_mean",
        category="dense VJP / reduction",
        file=LAYERS,
        old="return (v @ W if input_gradient else None), v.T @ y, v.sum(axis=0)",
        new="return (v @ W if input_gradient else None), v.T @ y, v.mean(axis=0)",
        why="the batch mean taken once more in the bias VJP (the weight VJP, a product, already sums)",
        observable="the bias VJP of a batch of 2 is halved",
        witness="show(layers.dense_vjp(SQ_Y, np.eye(2), SQ_V)[2])",
    ),
    # ---------------------------------------------------------------- §5 network
    Mutation(
        name="parameter_count_no_bias",
        category="parameter count",
        file=N,
        old="return sum(m_k * (m_prev + 1) for m_prev, m_k in zip(sizes[:-1], sizes[1:]))",
        new="return sum(m_k * m_prev for m_prev, m_k in zip(sizes[:-1], sizes[1:]))",
        why="the biases forgotten in the Corollary of Definition 5.1",
        observable="parameter_count([784, 128, 64, 10]) = 109184 instead of 109386",
        witness="print(network.parameter_count([784, 128, 64, 10]))",
    ),
    Mutation(
        name="objective_default_mean",
        category="objective reduction",
        file=N,
        old='def objective(X, Y, params, reduction: str = "sum") -> float:',
        new='def objective(X, Y, params, reduction: str = "mean") -> float:',
        why="most libraries average the loss; Definition 5.2 adds it over the samples",
        observable="objective(X, Y, params) is divided by n",
        witness="X, Y, P = problem()\nprint(repr(network.objective(X, Y, P)))",
    ),
    Mutation(
        name="backprop_mean_wrong_axis",
        category="reduction / index",
        file=N,
        old="delta *= dtype.type(1.0 / X.shape[0])",
        new="delta *= dtype.type(1.0 / X.shape[1])",
        why="shape[1] for shape[0]: dividing by the number of features instead of samples",
        observable='gradients(..., reduction="mean") scaled by 1/m_0 instead of 1/n',
        witness='X, Y, P = problem()\nshow(network.gradients(X, Y, P, reduction="mean")[-1][1])',
    ),
    Mutation(
        name="backprop_no_relu_mask",
        category="dense VJP / backprop route",
        file=N,
        old="delta = activations._relu_vjp(cache.preactivations[k - 1], upstream)",
        new="delta = upstream",
        why="Proposition 5.1's mask forgotten: the gradient of the network without its ReLUs",
        observable="backprop gradients of the first layer",
        witness="X, Y, P = problem()\nshow(network.gradients(X, Y, P)[0][0])",
    ),
    Mutation(
        name="backprop_mask_wrong_layer",
        category="index",
        file=N,
        old="delta = activations._relu_vjp(cache.preactivations[k - 1], upstream)",
        new="delta = activations._relu_vjp(cache.preactivations[k - 2], upstream)",
        why="an off-by-one between the paper's 1-based layers and the 0-based cache",
        observable="backprop gradients of a network with equal hidden widths (the mask of another layer)",
        witness="X, Y, P = problem((3, 4, 4, 3))\nshow(network.gradients(X, Y, P)[1][0])",
    ),
    Mutation(
        name="jacobian_route_first_example_mask",
        category="index (literal route)",
        file=N,
        old="@ activations.relu_jacobian(cache.preactivations[k - 1][i])",
        new="@ activations.relu_jacobian(cache.preactivations[k - 1][0])",
        why="the per-example index dropped in the innermost factor of the literal chain",
        observable='gradients(method="jacobian") on a batch of several rows',
        witness='X, Y, P = problem()\nshow(network.gradients(X, Y, P, method="jacobian")[0][0])',
    ),
    Mutation(
        name="jacobian_route_bias_overwritten",
        category="accumulation (literal route)",
        file=N,
        old="db += upstream @ layers.dense_jacobian_bias(a_prev, W, b)",
        new="db = upstream @ layers.dense_jacobian_bias(a_prev, W, b)",
        why="= for +=: the bias gradient is rebound to a fresh array instead of accumulated in the total",
        observable='gradients(method="jacobian") bias gradients are all 0',
        witness='X, Y, P = problem()\nshow(network.gradients(X, Y, P, method="jacobian")[-1][1])',
    ),
    Mutation(
        name="jacobian_route_mean_bias",
        category="reduction (literal route)",
        file=N,
        old="totals = [(dW / X.shape[0], db / X.shape[0]) for dW, db in totals]",
        new="totals = [(dW / X.shape[0], db) for dW, db in totals]",
        why="the mean applied to the weights only",
        observable='gradients(method="jacobian", reduction="mean") bias gradients are n times too large',
        witness='X, Y, P = problem()\nshow(network.gradients(X, Y, P, method="jacobian", reduction="mean")[-1][1])',
    ),
    Mutation(
        name="routes_both_backprop",
        category="gradient routes",
        file=N,
        old='route = backprop_gradients if method == "backprop" else jacobian_gradients',
        new="route = backprop_gradients",
        why="a refactor wires both methods to the fast route: a check that the routes agree then compares one with "
        "itself",
        observable='gradients(method="jacobian") no longer goes through Proposition 3.1: no error on saturated '
        "probabilities",
        witness="X, Y, P = problem()\nbig = [(1e3 * W, b) for W, b in P]\n"
        'try:\n    show(network.gradients(X, Y, big, method="jacobian")[0][0])\n'
        "except ValueError as exc:\n    print('ValueError', str(exc)[:60])",
    ),
    Mutation(
        name="forward_no_relu",
        category="forward pass",
        file=N,
        old="a = activations._relu(z)  # Definition 2.1",
        new="a = z  # Definition 2.1",
        why="the activation forgotten between two dense layers: the network collapses to a linear map",
        observable="forward(X, params) of a two-layer network",
        witness="X, Y, P = problem()\nshow(network.forward(X, P))",
    ),
    Mutation(
        name="he_init_fan_out",
        category="initialisation / index",
        file=N,
        old="W = (rng.standard_normal((m_out, m_in)) * np.sqrt(2.0 / m_in)).astype(dtype)",
        new="W = (rng.standard_normal((m_out, m_in)) * np.sqrt(2.0 / m_out)).astype(dtype)",
        why="fan-out for fan-in: W is (m_out, m_in) and the two indices are easy to swap",
        observable="init_params([4, 2]) weights scaled by sqrt(2/2) instead of sqrt(2/4)",
        witness="show(network.init_params([4, 2], rng=np.random.default_rng(0))[0][0])",
    ),
    # ---------------------------------------------------------------- the in-place training kernel
    Mutation(
        name="workspace_mask_ge",
        category="convention (in-place kernel)",
        file=BACKPROP,
        old="np.greater(a_prev, 0, out=mask)",
        new="np.greater_equal(a_prev, 0, out=mask)",
        why="the mask read off a = relu(z) >= 0: with >= every unit passes, dead ones included",
        observable="BackpropWorkspace gradients of the first layer (training's gradient)",
        witness="show(workspace_grads()[0][0])",
    ),
    Mutation(
        name="workspace_loss_sign",
        category="training loss",
        file=BACKPROP,
        old="loss = -_vdot(z, Y)",
        new="loss = _vdot(z, Y)",
        why="the minus of -log S_c lost in the in-place rearrangement of the loss",
        observable="the batch loss BackpropWorkspace.run returns (History.loss)",
        witness="print(repr(workspace_loss()))",
    ),
    Mutation(
        name="history_loss_per_batch",
        category="training loss",
        file=T,
        old="history.loss.append(loss_sum / run.n)",
        new="history.loss.append(loss_sum / run.steps)",
        why="the epoch's loss averaged over batches, not samples: the sum of batch sums divided by the wrong count",
        observable="History.loss of an epoch",
        witness="print(fit_run().loss)",
    ),
    Mutation(
        name="last_batch_scale",
        category="minibatch rule",
        file=T,
        old="scale=update.gradient_scale / xb.shape[0]",
        new="scale=update.gradient_scale / run.batch_size",
        why="the mean over a batch divided by b even for the smaller last batch",
        observable="the parameters after an epoch with n = 10, b = 4 (last batch of 2)",
        witness="show(flat(fit_run(keep_params=True)))",
    ),
    Mutation(
        name="inplace_momentum_no_one_minus_beta",
        category="momentum (1 - beta) factor (in-place kernel)",
        file=T,
        old="self.gradient_scale = lr * (1.0 - beta)",
        new="self.gradient_scale = lr",
        why="the heavy-ball form of PyTorch in the kernel while the docs and optim.Momentum use the (1 - beta) form",
        observable="training steps 1 / (1 - beta) = 10 times larger",
        witness="show(flat(fit_run(keep_params=True)))",
    ),
    Mutation(
        name="inplace_momentum_order",
        category="momentum recursion (in-place kernel)",
        file=T,
        old="v *= self.beta\n        v += scaled_grads",
        new="v += scaled_grads\n        v *= self.beta",
        why="two in-place statements in the wrong order: the new gradient is decayed as well",
        observable="every training step is beta (v + G) instead of beta v + G",
        witness="show(flat(fit_run(keep_params=True)))",
    ),
    Mutation(
        name="train_accuracy_unpermuted",
        category="evaluation",
        file=T,
        old="run.predictions == run.train_labels[order]",
        new="run.predictions == run.train_labels",
        why="the epoch's predictions are in the shuffled order; comparing them with the labels in data order",
        observable="History.train_accuracy",
        witness="print(fit_run(n=40).train_accuracy)",
    ),
    Mutation(
        name="confusion_transposed",
        category="evaluation / transpose",
        file=RESULTS,
        old="confusion = np.bincount(y * mp + pred, minlength=mp * mp)",
        new="confusion = np.bincount(pred * mp + y, minlength=mp * mp)",
        why="rows = true class, columns = predicted: the other layout is as common",
        observable="evaluate(...).confusion is transposed",
        witness="X, Y, P = problem(n=40)\nprint(training.evaluate(P, X, np.argmax(Y, axis=1)).confusion.tolist())",
    ),
    Mutation(
        name="evaluation_loss_sum",
        category="evaluation / reduction",
        file=RESULTS,
        old="loss=loss / n",
        new="loss=loss",
        why="the loss returned as accumulated over the chunks, where the docstring promises the mean",
        observable="evaluate(...).loss is n times the mean",
        witness="X, Y, P = problem()\nprint(repr(training.evaluate(P, X, np.argmax(Y, axis=1)).loss))",
    ),
    Mutation(
        name="pixel_scale_256",
        category="data",
        file=DATA,
        old="out /= dtype.type(max_value)",
        new="out /= dtype.type(max_value + 1)",
        why="dividing 8-bit pixels by 256 = 2^8 instead of by their maximum 255",
        observable="pixels lie in [0, max / (max + 1)] (255/256 for MNIST, 16/17 for digits): X_train.max() < 1",
        witness='print(repr(float(datasets.load_dataset("digits").X_train.max())))',
    ),
    # ---------------------------------------------------------------- §6 optimisation
    Mutation(
        name="gd_sign",
        category="gradient descent sign",
        file=O,
        old="return _rebuild(grads, [-self.lr * g for g in _leaves(grads)]), state",
        new="return _rebuild(grads, [self.lr * g for g in _leaves(grads)]), state",
        why="the update returned as alpha grad, with the minus expected from apply_updates",
        observable="GradientDescent.update, gradient_descent_sequence ascend",
        witness="show(optim.gradient_descent_sequence(lambda x: 2 * x, np.array([1.0, -2.0]), 0.1, 3))",
    ),
    Mutation(
        name="momentum_heavy_ball",
        category="momentum (1 - beta) factor",
        file=O,
        old="self.beta * m + (1.0 - self.beta) * np.asarray(g, dtype=m.dtype)",
        new="self.beta * m + np.asarray(g, dtype=m.dtype)",
        why="PyTorch's heavy-ball recursion v = beta v + g in place of Definition 6.5's exponential average",
        observable="Momentum.update and momentum_sequence steps 1 / (1 - beta) times larger",
        witness="show(optim.momentum_sequence(lambda x: 2 * x, np.array([1.0, -2.0]), 0.1, 0.9, 3))",
    ),
    Mutation(
        name="momentum_paper_indexing",
        category="momentum indexing",
        file=O,
        old="updates = [-self.lr * m for m in momentum]",
        new="updates = [-self.lr * m for m in state.momentum]",
        why="x^(n+1) = x^(n) - alpha m^(n), the indexing exactly as printed: the step uses the previous average",
        observable="the first Momentum step does not move; every later one lags a gradient behind",
        witness="show(optim.momentum_sequence(lambda x: 2 * x, np.array([1.0, -2.0]), 0.1, 0.9, 3))",
    ),
    Mutation(
        name="minibatches_with_replacement",
        category="minibatch rule",
        file=O,
        old="order = np.arange(n) if rng is None else rng.permutation(n)",
        new="order = np.arange(n) if rng is None else rng.integers(0, n, n)",
        why="sampling indices with replacement (bootstrap) instead of a permutation (note after Definition 6.6)",
        observable="minibatches(10, 4, rng) repeats some rows and omits others",
        witness="print([b.tolist() for b in optim.minibatches(10, 4, rng=np.random.default_rng(0))])",
    ),
    Mutation(
        name="minibatches_drop_last",
        category="minibatch rule",
        file=O,
        old="return [order[i : i + batch_size] for i in range(0, n, batch_size)]",
        new="return [order[i : i + batch_size] for i in range(0, n - batch_size + 1, batch_size)]",
        why="PyTorch's drop_last=True: the smaller last batch of the note after Definition 6.6 disappears",
        observable="minibatches(10, 4) has 2 batches instead of 3; 2 rows are never seen",
        witness="print([b.tolist() for b in optim.minibatches(10, 4)])",
    ),
    Mutation(
        name="quadratic_L_smallest_eigenvalue",
        category="index (§6 test function)",
        file=O,
        old="self.L = float(eigenvalues[-1])",
        new="self.L = float(eigenvalues[0])",
        why="eigh sorts ascending: [0] is the smallest eigenvalue, not lambda_max",
        observable="Quadratic(diag(1, 3), c).L = 1 instead of 3",
        witness="print(optim.Quadratic(np.diag([1.0, 3.0]), np.array([1.0, 1.0])).L)",
    ),
    Mutation(
        name="regularised_softplus_L",
        category="constant (§6 test function)",
        file=O,
        old="self.L, self.convex = 1.25, True",
        new="self.L, self.convex = 1.0, True",
        why="the smoothness constant of ||x||^2 / 2 alone: the softplus's 1/4 forgotten",
        observable="RegularisedSoftplus(b).L = 1 instead of 5/4",
        witness="print(optim.RegularisedSoftplus(np.array([0.5])).L)",
    ),
    Mutation(
        name="cosine_gradient_sign",
        category="sign (§6 test function)",
        file=O,
        old="return -np.sin(self._row(x))",
        new="return np.sin(self._row(x))",
        why="cos' = -sin: the sign slips",
        observable="CosineSum.gradient",
        witness="show(optim.CosineSum(2).gradient(np.array([0.5, 1.0])))",
    ),
    Mutation(
        name="softplus_gradient_sign",
        category="sign (§6 test function)",
        file=O,
        old="return 1.0 / (1.0 + np.exp(-self._row(x)))",
        new="return 1.0 / (1.0 + np.exp(self._row(x)))",
        why="sigma(x) = 1 / (1 + e^(-x)): the minus in the exponent is easy to drop",
        observable="SoftplusSum.gradient = sigma(-x)",
        witness="show(optim.SoftplusSum(2).gradient(np.array([0.5, 1.0])))",
    ),
)

#: Helpers the witnesses use. The import of mathdnn_core is checked to come from ``ROOT_UNDER_TEST``.
WITNESS_PRELUDE = """
import os
import numpy as np
import mathdnn_core
from mathdnn_core import activations, datasets, differentials, layers, losses, network, optim, training
from mathdnn_core.backprop import BackpropWorkspace

_root = os.path.realpath(os.environ["ROOT_UNDER_TEST"])
assert os.path.realpath(mathdnn_core.__file__).startswith(_root + os.sep), (mathdnn_core.__file__, _root)

MA = np.array([[1.0, 2.0], [0.0, 1.0]])
MB = np.array([[1.0, 0.0], [3.0, 1.0]])
MW = np.arange(6.0).reshape(3, 2) + 1.0
SQ_Y = np.array([[1.0, 2.0], [3.0, 5.0]])
SQ_V = np.array([[0.5, -1.0], [2.0, 1.5]])


def show(x):
    a = np.asarray(x, dtype=float)
    print(a.shape, [f"{v:.9g}" for v in a.ravel()])


def problem(sizes=(3, 4, 3), n=10, seed=0):
    rng = np.random.default_rng(seed)
    params = network.init_params(list(sizes), rng=rng)
    params = [(W, 0.1 * rng.standard_normal(b.shape)) for W, b in params]
    X = rng.standard_normal((n, sizes[0]))
    Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], n)]
    return X, Y, params


def flat(params):
    return np.concatenate([np.ravel(a) for pair in params for a in pair])


def workspace_grads():
    X, Y, P = problem()
    # a dead unit (z <= 0 on every row) so that the ReLU mask matters
    P[0][1][0] = -100.0
    ws = BackpropWorkspace([3, 4, 3], X.shape[0])
    return [(W.copy(), b.copy()) for W, b in ws.run(X, Y, P)[1]]


def workspace_loss():
    X, Y, P = problem()
    return BackpropWorkspace([3, 4, 3], X.shape[0]).run(X, Y, P)[0]


def fit_run(n=10, keep_params=False):
    X, Y, P = problem(n=n)
    params, history = training.fit(P, X, Y, epochs=2, batch_size=4, lr=0.1, momentum=0.9, rng=0, progress=False,
                                   blas_threads=1)
    return params if keep_params else history
"""


# ------------------------------------------------------------------------------------------------------------------
# Copies, probes, runs
# ------------------------------------------------------------------------------------------------------------------
def _ignore(directory: str, names: list[str]) -> set[str]:
    return {n for n in names if n in EXCLUDED or n.endswith(".egg-info") or n == "mathdnn-out"}


def snapshot(into: Path) -> Path:
    """Copy the working tree (not .git, .venv, caches) into ``into``: the one source every mutation starts from."""
    shutil.copytree(ROOT, into, ignore=_ignore, symlinks=True)
    return into


def stale(mutations, source: Path) -> list[tuple[Mutation, int]]:
    """The mutations whose ``old`` text does not occur exactly once in ``source``, with the count found."""
    out = []
    for m in mutations:
        path = source / m.file
        count = path.read_text(encoding="utf-8").count(m.old) if path.exists() else 0
        if count != 1:
            out.append((m, count))
    return out


def apply(m: Mutation, copy: Path) -> None:
    path = copy / m.file
    text = path.read_text(encoding="utf-8")
    if text.count(m.old) != 1:
        raise RuntimeError(f"STALE {m.name}: its old text occurs {text.count(m.old)} times in {path}")
    path.write_text(text.replace(m.old, m.new), encoding="utf-8")


PLUGIN_SOURCE = '''
"""Records which mathdnn_core this pytest process imports (written by tools/mutations.py)."""
import os


def _record():
    try:
        import mathdnn_core
        found = mathdnn_core.__file__
    except Exception as exc:  # reported by the script, which then stops
        found = f"import failed: {exc!r}"
    with open(os.environ["MATHDNN_MUTATION_PYTEST_PROBE"], "w", encoding="utf-8") as handle:
        handle.write(found)


def pytest_collection_finish(session):
    _record()


def pytest_sessionfinish(session, exitstatus):
    _record()
'''

PROBE_CELL = (
    "import os\nimport mathdnn_core\n"
    'with open(os.environ["MATHDNN_MUTATION_KERNEL_PROBE"], "w", encoding="utf-8") as handle:\n'
    "    handle.write(mathdnn_core.__file__)"
)


def prepare_probes(copy: Path, work: Path) -> Path:
    """The pytest plugin (in ``work/probe``, on PYTHONPATH after the copy) and the probe notebook (in the copy)."""
    probe_dir = work / "probe"
    probe_dir.mkdir(parents=True, exist_ok=True)
    (probe_dir / f"{PROBE_PLUGIN}.py").write_text(PLUGIN_SOURCE, encoding="utf-8")
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": "probe",
                "metadata": {},
                "outputs": [],
                "source": PROBE_CELL,
            }
        ],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (copy / "notebooks" / PROBE_NOTEBOOK).write_text(json.dumps(notebook), encoding="utf-8")
    return probe_dir


def environment(copy: Path, work: Path, probe_dir: Path, blas_threads: int | None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(copy), str(probe_dir)])  # the copy first: before the editable install
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["COLUMNS"] = "240"  # pytest's short summary is cut to the terminal width
    env["IPYTHONDIR"] = str(work / "ipython")  # kernels of parallel jobs do not share IPython's history database
    env["ROOT_UNDER_TEST"] = str(copy)
    if blas_threads is not None:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(blas_threads)
    return env


def check_probe(path: Path, copy: Path, where: str) -> str:
    """The ``mathdnn_core.__file__`` a probe recorded; raises unless it lies inside ``copy``."""
    if not path.exists():
        raise RuntimeError(f"{where}: the probe wrote nothing ({path}): cannot tell which mathdnn_core ran")
    found = path.read_text(encoding="utf-8").strip()
    inside = os.path.realpath(found).startswith(os.path.realpath(copy / "mathdnn_core") + os.sep)
    if not inside:
        raise RuntimeError(f"{where}: mathdnn_core imported from {found!r}, not from the copy {copy}")
    return found


ANSI = re.compile(r"\x1b\[[0-9;]*m|#x1B\[[0-9;]*m")
EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning))(?::\s*(.*))?$")


@dataclass
class RunResult:
    """One pytest run: exit code, seconds, failures in execution order (id, kind, message)."""

    returncode: int
    seconds: float
    failures: list[dict] = field(default_factory=list)
    timed_out: bool = False
    probe: str = ""
    kernel_probe: str = ""
    ran: bool = True  # False: the notebooks were not run (--unit-only)

    @property
    def caught(self) -> bool:
        return self.ran and (self.timed_out or bool(self.failures))


def _exception_line(text: str) -> str:
    lines = [ANSI.sub("", line).strip() for line in text.splitlines()]
    found = [line for line in lines if EXCEPTION_LINE.match(line)]
    return found[-1][:200] if found else ""


def parse_notebook_junit(path: Path) -> list[dict]:
    """Failing cells in execution order: ``{"id": "05_network Cell 23", "kind": "raised"|"output", "message"}``."""
    out = []
    if not path.exists():
        return out
    for case in ET.parse(path).getroot().iter("testcase"):
        for child in case:
            if child.tag not in ("failure", "error"):
                continue
            notebook = case.get("classname", "").removeprefix("notebooks.").removesuffix(".ipynb")
            if notebook == PROBE_NOTEBOOK.removesuffix(".ipynb"):
                continue
            text = ANSI.sub("", (child.get("message") or "") + "\n" + (child.text or ""))
            if "Cell outputs differ" in text:
                kind, message = "output", "outputs differ from the stored ones"
            else:
                kind, message = "raised", _exception_line(text) or text.strip().splitlines()[0][:200]
            out.append({"id": f"{notebook} {case.get('name')}", "kind": kind, "message": message})
    return out


def parse_unit_summary(stdout: str) -> list[dict]:
    """Failing tests from pytest's short summary (``FAILED id - message`` / ``ERROR id - message``)."""
    out = []
    for line in ANSI.sub("", stdout).splitlines():
        for tag in ("FAILED ", "ERROR "):
            if line.startswith(tag):
                test, _, message = line[len(tag) :].partition(" - ")
                out.append({"id": test.strip(), "kind": tag.strip().lower(), "message": message.strip()[:200]})
    return out


def run_pytest(args: list[str], copy: Path, work: Path, env: dict, label: str, timeout: int) -> RunResult:
    probe = work / f"{label}.probe"
    kernel_probe = work / f"{label}.kernel-probe"
    junit = work / f"{label}.xml"
    env = dict(env, MATHDNN_MUTATION_PYTEST_PROBE=str(probe), MATHDNN_MUTATION_KERNEL_PROBE=str(kernel_probe))
    command = [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", PROBE_PLUGIN, f"--junitxml={junit}"]
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            command + args, cwd=copy, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
        returncode, stdout, timed_out = proc.returncode, proc.stdout, False
    except subprocess.TimeoutExpired as exc:
        returncode, stdout, timed_out = -1, exc.stdout or "", True
        stdout = stdout.decode() if isinstance(stdout, bytes) else stdout
    seconds = time.perf_counter() - start
    (work / f"{label}.out").write_text(stdout, encoding="utf-8")
    if not timed_out and returncode not in (0, 1, 2):  # 2: interrupted, e.g. by a collection error under -x
        raise RuntimeError(
            f"{label}: pytest exited with {returncode} (usage or internal error); see {work}/{label}.out"
        )
    result = RunResult(returncode, seconds, timed_out=timed_out)
    result.failures = parse_notebook_junit(junit) if "notebooks" in label else parse_unit_summary(stdout)
    if returncode in (1, 2) and not result.failures:
        result.failures = [{"id": "(pytest)", "kind": "error", "message": f"exit {returncode}, no failure parsed"}]
    if not timed_out:
        result.probe = check_probe(probe, copy, f"{label} (pytest process)")
        if "notebooks" in label:
            result.kernel_probe = check_probe(kernel_probe, copy, f"{label} (notebook kernel)")
    return result


def unit_command(copy: Path, deselect: list[str], stop_at_first: bool = True) -> list[str]:
    # One hypothesis seed for every run: the control and each mutant draw the same examples, so a property test
    # that fails only on rare draws (one does: see the report) cannot pass for a catch.
    args = [f"--hypothesis-seed={HYPOTHESIS_SEED}"] + (["-x"] if stop_at_first else [])
    for test in deselect:
        args += ["--deselect", test]
    return args + [str(copy / "tests")]


def notebook_command(copy: Path) -> list[str]:
    paths = [copy / "notebooks" / PROBE_NOTEBOOK] + [copy / "notebooks" / f"{name}.ipynb" for name in NOTEBOOKS]
    return ["--nbval-cell-timeout=600"] + [str(p) for p in paths]


def run_witness(m: Mutation, root: Path, blas_threads: int | None) -> str:
    """What the witness prints with ``mathdnn_core`` imported from ``root`` (an exception is an output too)."""
    code = WITNESS_PRELUDE + "\ntry:\n" + textwrap.indent(m.witness, "    ")
    code += "\nexcept Exception as exc:\n    print('raised', type(exc).__name__)\n"
    env = dict(os.environ, PYTHONPATH=str(root), PYTHONDONTWRITEBYTECODE="1", ROOT_UNDER_TEST=str(root))
    if blas_threads is not None:
        env["OPENBLAS_NUM_THREADS"] = str(blas_threads)
    proc = subprocess.run([PYTHON, "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"{m.name}: the witness failed to run on {root}:\n{proc.stderr[-2000:]}")
    return proc.stdout.strip()


# ------------------------------------------------------------------------------------------------------------------
# One mutation, the control, the whole run
# ------------------------------------------------------------------------------------------------------------------
@dataclass
class Outcome:
    name: str
    category: str
    file: str
    why: str
    observable: str
    witness_before: str
    witness_after: str
    unit: RunResult
    notebooks: RunResult

    @property
    def unit_first(self) -> str:
        return self.unit.failures[0]["id"] if self.unit.failures else ("timeout" if self.unit.timed_out else "")

    @property
    def notebook_first(self) -> dict | None:
        return self.notebooks.failures[0] if self.notebooks.failures else None

    @property
    def notebook_first_raised(self) -> dict | None:
        return next((f for f in self.notebooks.failures if f["kind"] == "raised"), None)


def witness_pair(m: Mutation, source: Path, scratch: Path, blas: int | None) -> tuple[str, str]:
    """The witness's output on the snapshot and on the mutant (a copy of the package alone is enough)."""
    work = scratch / "_witness" / m.name
    copy = work / "tree"
    shutil.copytree(source / "mathdnn_core", copy / "mathdnn_core", symlinks=True)
    try:
        apply(m, copy)
        return run_witness(m, source, blas), run_witness(m, copy, blas)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_mutation(
    m: Mutation, witness: tuple[str, str], source: Path, scratch: Path, deselect, blas, keep, notebooks_too=True
) -> Outcome:
    work = scratch / m.name
    copy = work / "tree"
    shutil.copytree(source, copy, symlinks=True)
    try:
        apply(m, copy)
        probe_dir = prepare_probes(copy, work)
        env = environment(copy, work, probe_dir, blas)
        unit = run_pytest(unit_command(copy, deselect), copy, work, env, "unit", UNIT_TIMEOUT)
        if notebooks_too:
            notebooks = run_pytest(notebook_command(copy), copy, work, env, "notebooks", NOTEBOOK_TIMEOUT)
        else:
            notebooks = RunResult(0, 0.0, ran=False)
        return Outcome(m.name, m.category, m.file, m.why, m.observable, *witness, unit, notebooks)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def run_control(
    source: Path, scratch: Path, blas: int | None, jobs: int, deselect: list[str], notebooks_too: bool = True
) -> tuple[RunResult, RunResult]:
    """The unmutated copy: unit tests without -x (their failures are deselected later) and the notebooks."""
    work = scratch / "_control"
    copy = work / "tree"
    shutil.copytree(source, copy, symlinks=True)
    probe_dir = prepare_probes(copy, work)
    env = environment(copy, work, probe_dir, blas)
    with ThreadPoolExecutor(max_workers=max(1, min(jobs, 2))) as pool:
        unit = pool.submit(
            run_pytest, unit_command(copy, deselect, stop_at_first=False), copy, work, env, "unit", UNIT_TIMEOUT
        )
        if not notebooks_too:
            return unit.result(), RunResult(0, 0.0, ran=False)
        notebooks = pool.submit(run_pytest, notebook_command(copy), copy, work, env, "notebooks", NOTEBOOK_TIMEOUT)
        return unit.result(), notebooks.result()


def _short(text: str, limit: int = 90) -> str:
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text.replace("|", "\\|")  # a Markdown table cell


def _cell(f: dict | None) -> str:
    if f is None:
        return "—"
    return f"{f['id']} ({_short(f['message'])})" if f["kind"] == "raised" else f"{f['id']} (output differs)"


def _notebooks_failing(o: Outcome) -> str:
    numbers = sorted({f["id"][:2] for f in o.notebooks.failures})
    return " ".join(numbers) if numbers else "—"


def table(outcomes: list[Outcome]) -> str:
    rows = [
        "| # | mutation | category | unit tests | first failing test | notebooks 01-06 | notebooks failing |"
        " first failing cell | first cell that raised | s (unit + nb) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for k, o in enumerate(outcomes, start=1):
        first, raised = o.notebook_first, o.notebook_first_raised
        raised_text = "same" if raised is not None and raised is first else _cell(raised)
        notebooks = (
            f"| {'yes' if o.notebooks.caught else '**no**'} | {_notebooks_failing(o)} | {_cell(first)} | {raised_text} "
            if o.notebooks.ran
            else "| not run | — | — | — "
        )
        rows.append(
            f"| {k} | {o.name} | {o.category} | {'yes' if o.unit.caught else '**no**'} "
            f"| {_short(o.unit_first or '—', 200)} {notebooks}| {o.unit.seconds:.0f} + {o.notebooks.seconds:.0f} |"
        )
    return "\n".join(rows)


def totals(outcomes: list[Outcome]) -> dict:
    n = len(outcomes)
    unit = sum(o.unit.caught for o in outcomes)
    nb = sum(o.notebooks.caught for o in outcomes)
    raised = sum(o.notebook_first_raised is not None or o.notebooks.timed_out for o in outcomes)
    ran = all(o.notebooks.ran for o in outcomes)
    return {
        "n": n,
        "unit": unit,
        "notebooks": nb if ran else None,
        "notebooks_raised": raised if ran else None,
        "goal_met": n > 0 and unit == n and (not ran or nb >= NOTEBOOK_GOAL * n),
    }


def list_mutations(mutations) -> None:
    for k, m in enumerate(mutations, start=1):
        print(f"{k:2d}. {m.name}  [{m.category}]  {m.file}")
        print(f"    why: {m.why}")
        print(f"    observable: {m.observable}")
        print(f"    - {m.old!r}\n    + {m.new!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="list the mutations and exit")
    parser.add_argument("--only", action="append", metavar="NAME", help="run this mutation (repeatable)")
    parser.add_argument("--jobs", type=int, default=1, help="mutations run in parallel (default 1)")
    parser.add_argument("--json", metavar="PATH", help="write the table and totals as JSON")
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=1,
        help="OPENBLAS/OMP threads per run (default 1: parallel jobs on a 2-core machine; 0: unset)",
    )
    parser.add_argument(
        "--witnesses", action="store_true", help="only check STALE and NO-OP: print each witness before and after"
    )
    parser.add_argument(
        "--deselect",
        action="append",
        default=[],
        metavar="PREFIX",
        help="leave these unit tests out (a node id prefix, e.g. tests/test_cli.py; repeatable): which tests are left",
    )
    parser.add_argument("--unit-only", action="store_true", help="run the unit tests only, not the notebooks")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copies (their logs) for inspection")
    args = parser.parse_args(argv)
    blas = args.blas_threads or None

    names = [m.name for m in MUTATIONS]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        print(f"duplicate mutation names: {sorted(duplicates)}", file=sys.stderr)
        return 2
    selected = list(MUTATIONS)
    if args.only:
        unknown = set(args.only) - set(names)
        if unknown:
            print(f"unknown mutation(s): {sorted(unknown)}; see --list", file=sys.stderr)
            return 2
        selected = [m for m in MUTATIONS if m.name in set(args.only)]
    if args.list:
        list_mutations(selected)
        return 0

    started = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(prefix="mathdnn-mutations-"))
    lock = threading.Lock()

    def say(text: str) -> None:
        with lock:
            print(text, file=sys.stderr, flush=True)

    try:
        source = snapshot(scratch / "snapshot")
        say(f"snapshot of {ROOT} in {source}; {len(selected)} mutation(s), --jobs {args.jobs}, BLAS threads {blas}")
        bad = stale(selected, source)
        if bad:
            for m, count in bad:
                say(f"STALE {m.name}: its old text occurs {count} times in {m.file} (must be exactly once)")
            return 2

        witnesses: dict[str, tuple[str, str]] = {}
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = {pool.submit(witness_pair, m, source, scratch, blas): m for m in selected}
            for future in as_completed(futures):
                witnesses[futures[future].name] = future.result()
        noops = [m for m in selected if witnesses[m.name][0] == witnesses[m.name][1]]
        for m in noops:
            say(
                f"NO-OP {m.name}: the witness prints the same on the snapshot and on the mutant: {witnesses[m.name][0]}"
            )
        if args.witnesses:
            for m in selected:
                before, after = witnesses[m.name]
                print(f"{m.name}:\n  before: {before}\n  after:  {after}")
        if noops:
            return 2
        say(f"witnesses: each of the {len(selected)} mutation(s) changes the value it names")
        if args.witnesses:
            return 0

        notebooks_too = not args.unit_only
        unit0, nb0 = run_control(source, scratch, blas, args.jobs, args.deselect, notebooks_too)
        failing = [f["id"] for f in unit0.failures]
        deselect = args.deselect + failing
        say(
            f"control: unit tests {unit0.seconds:.0f} s, {len(failing)} failing without any mutation "
            f"(deselected from every run): {failing}; deselected as asked: {args.deselect}"
        )
        say(
            f"control: notebooks {nb0.seconds:.0f} s; mathdnn_core from {unit0.probe} (pytest) and "
            f"{nb0.kernel_probe or '-'} (kernel)"
        )
        if nb0.caught or unit0.timed_out:
            say(f"control: the unmutated notebooks fail: {nb0.failures[:5]}; nothing can be concluded")
            return 2

        outcomes: dict[str, Outcome] = {}
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = {
                pool.submit(
                    run_mutation, m, witnesses[m.name], source, scratch, deselect, blas, args.keep, notebooks_too
                ): m
                for m in selected
            }
            for done, future in enumerate(as_completed(futures), start=1):
                o = future.result()
                outcomes[o.name] = o
                say(
                    f"[{done}/{len(selected)}] {o.name}: unit {'caught' if o.unit.caught else 'MISSED'} "
                    f"({o.unit_first or '-'}, {o.unit.seconds:.0f} s); notebooks "
                    f"{'caught' if o.notebooks.caught else 'MISSED'} ({_cell(o.notebook_first)}, "
                    f"{o.notebooks.seconds:.0f} s)"
                )
        ordered = [outcomes[m.name] for m in selected]
        summary = totals(ordered)
        elapsed = time.perf_counter() - started
        print(table(ordered))
        print()
        n = summary["n"]
        if notebooks_too:
            print(
                f"unit tests catch {summary['unit']}/{n}; notebooks 01-06 catch {summary['notebooks']}/{n} "
                f"({100 * summary['notebooks'] / n:.0f} %; {summary['notebooks_raised']}/{n} by a cell that raised, "
                f"the rest only by a stored output that differs). Goal: unit tests all, notebooks >= "
                f"{NOTEBOOK_GOAL:.0%}: {'met' if summary['goal_met'] else 'NOT met'}."
            )
        else:
            print(f"unit tests catch {summary['unit']}/{n} (notebooks not run)")
        print(
            f"control (unmutated): unit tests {unit0.seconds:.0f} s, notebooks {nb0.seconds:.0f} s; "
            f"deselected: failing without any mutation: {failing or 'none'}; as asked: {args.deselect or 'none'}"
        )
        per = [o.unit.seconds + o.notebooks.seconds for o in ordered]
        print(
            f"time per mutation: mean {sum(per) / n:.0f} s, max {max(per):.0f} s; total wall time {elapsed:.0f} s "
            f"with --jobs {args.jobs}"
        )
        if args.json:
            Path(args.json).write_text(
                json.dumps(
                    {
                        "totals": summary,
                        "wall_seconds": elapsed,
                        "jobs": args.jobs,
                        "control": {"unit": asdict(unit0), "notebooks": asdict(nb0)},
                        "deselected": {"failing_in_control": failing, "asked": args.deselect},
                        "mutations": [
                            dict(
                                asdict(o),
                                old=m.old,
                                new=m.new,
                                unit_caught=o.unit.caught,
                                unit_first_failure=o.unit_first,
                                notebooks_caught=o.notebooks.caught,
                                notebook_first_failure=o.notebook_first,
                                notebook_first_raised=o.notebook_first_raised,
                            )
                            for o, m in zip(ordered, selected)
                        ],
                    },
                    indent=1,
                ),
                encoding="utf-8",
            )
        return 0 if summary["goal_met"] else 1
    except RuntimeError as exc:
        say(str(exc))
        return 2
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
        else:
            say(f"kept {scratch}")


if __name__ == "__main__":
    sys.exit(main())
