"""Training (Definition 6.7): fit over minibatches with momentum, its in-place update, the per-data-set settings,
evaluation, saving and loading parameters."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import copy_params, random_params

from mathdnn_core import _blas, network, optim, testing, training
from mathdnn_core.losses import one_hot
from mathdnn_core.training import TrainingCollapsedError, TrainingDivergedError, evaluate, fit, load_params, save_params

SIZES = [6, 8, 5, 3]


def blobs(n=120, seed=0, dtype=np.float64):
    """Three well-separated Gaussian blobs in R^6: a problem a small network learns in a few epochs."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, size=n)
    centres = 3.0 * rng.standard_normal((3, SIZES[0]))
    X = centres[labels] + 0.5 * rng.standard_normal((n, SIZES[0]))
    return X.astype(dtype), one_hot(labels, 3, dtype=dtype), labels


def init(dtype=np.float64, seed=1):
    return network.init_params(SIZES, rng=np.random.default_rng(seed), dtype=dtype)


# ----------------------------------------------------------------------------------------------------------------
# fit
# ----------------------------------------------------------------------------------------------------------------
def test_fit_learns_and_history_has_one_entry_per_epoch():
    X, Y, labels = blobs()
    Xt, _, yt = blobs(60, seed=5)
    params, history = fit(
        init(),
        X,
        Y,
        epochs=6,
        batch_size=16,
        lr=0.1,
        momentum=0.9,
        rng=np.random.default_rng(0),
        progress=False,
        X_test=Xt,
        y_test=yt,
        exact_accuracy=True,
    )
    for key in ("loss", "train_accuracy", "test_accuracy", "seconds"):
        assert len(history[key]) == 6 and len(getattr(history, key)) == 6
        assert all(math.isfinite(v) for v in history[key])
    assert history.loss[-1] < 0.5 * history.loss[0]
    assert history.final_loss == history.loss[-1]
    assert history.final_train_accuracy == history.train_accuracy[-1] >= 0.95
    assert history.final_test_accuracy == history.test_accuracy[-1]
    assert all(s > 0 for s in history.seconds) and history.total_seconds == pytest.approx(sum(history.seconds))
    d = history.to_dict()
    assert d["final_loss"] == history.loss[-1] and d["epochs"] == 6 and d["batch_size"] == 16
    assert d["steps_per_epoch"] == math.ceil(120 / 16)
    assert training.evaluate(params, X, labels).accuracy == pytest.approx(history.final_train_accuracy)


def test_history_without_test_set_has_no_test_accuracy():
    X, Y, _ = blobs(40)
    _, history = fit(init(), X, Y, epochs=2, rng=0, progress=False)
    assert history.test_accuracy == [] and history.final_test_accuracy is None


def test_epoch_loss_is_the_mean_cross_entropy_of_the_batches_before_their_step():
    """With one batch holding every sample, the epoch loss is O_c+(X, Y*, W^(0), b^(0)) / n (Definition 5.2)."""
    X, Y, _ = blobs(50)
    p0 = init()
    _, history = fit(p0, X, Y, epochs=1, batch_size=50, lr=0.1, momentum=0.5, rng=0, progress=False)
    testing.check_close(
        history.loss[0],
        network.objective(X, Y, p0, reduction="mean"),
        statement="Definition 6.7",
        what="epoch loss = mean objective at the start",
    )


def test_fit_is_deterministic_given_the_seed():
    X, Y, _ = blobs()
    a = fit(init(), X, Y, epochs=3, batch_size=7, rng=np.random.default_rng(42), progress=False)
    b = fit(init(), X, Y, epochs=3, batch_size=7, rng=np.random.default_rng(42), progress=False)
    c = fit(init(), X, Y, epochs=3, batch_size=7, rng=np.random.default_rng(43), progress=False)
    assert a[1].loss == b[1].loss and a[1].train_accuracy == b[1].train_accuracy
    for (Wa, ba), (Wb, bb) in zip(a[0], b[0]):
        np.testing.assert_array_equal(Wa, Wb)
        np.testing.assert_array_equal(ba, bb)
    assert a[1].loss != c[1].loss  # the seed does drive the batch order


def test_fit_does_not_mutate_its_inputs():
    X, Y, _ = blobs()
    p0 = init()
    before, X0, Y0 = copy_params(p0), X.copy(), Y.copy()
    trained, _ = fit(p0, X, Y, epochs=2, rng=0, progress=False)
    for (W, b), (W0, b0), (Wt, _) in zip(p0, before, trained):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)
        assert not np.shares_memory(W, Wt)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)
    assert not np.array_equal(trained[0][0], before[0][0])


def test_float32_is_preserved_all_the_way():
    X, Y, _ = blobs(dtype=np.float64)  # float64 data is cast once to the parameters' dtype
    params, history = fit(init(np.float32), X, Y, epochs=2, rng=0, progress=False)
    assert all(W.dtype == np.float32 and b.dtype == np.float32 for W, b in params)
    assert history.dtype == "float32"
    params64, _ = fit(init(np.float64), X.astype(np.float32), Y, epochs=1, rng=0, progress=False)
    assert all(W.dtype == np.float64 and b.dtype == np.float64 for W, b in params64)


@pytest.mark.parametrize("batch_size", [32, 50])
def test_one_step_without_momentum_is_params_minus_lr_times_mean_gradient(batch_size):
    """One batch holding every sample, beta = 0: W <- W - alpha * (1/n) grad O_c+ (Definitions 6.6, 5.2)."""
    X, Y, _ = blobs(batch_size)
    p0, lr = init(), 0.05
    trained, _ = fit(p0, X, Y, epochs=1, batch_size=batch_size, lr=lr, momentum=0.0, rng=None, progress=False)
    grads = network.gradients(X, Y, p0, method="backprop", reduction="mean")
    expected = optim.apply_updates(p0, [(-lr * dW, -lr * db) for dW, db in grads])
    testing.check_close(trained, expected, statement="Definition 6.6", what="one minibatch step", tol=1e-14)


def test_two_steps_with_momentum_follow_definition_6_7():
    """Two batches (natural order is not used: rng decides); recompute the momentum recursion by hand."""
    X, Y, _ = blobs(20)
    p0, lr, beta = init(), 0.1, 0.8
    trained, _ = fit(
        p0, X, Y, epochs=1, batch_size=10, lr=lr, momentum=beta, rng=np.random.default_rng(3), progress=False
    )
    batches = optim.minibatches(20, 10, np.random.default_rng(3))
    params, m = copy_params(p0), [(np.zeros_like(W), np.zeros_like(b)) for W, b in p0]
    for idx in batches:
        g = network.gradients(X[idx], Y[idx], params, reduction="mean")
        m = [(beta * mW + (1 - beta) * gW, beta * mb + (1 - beta) * gb) for (mW, mb), (gW, gb) in zip(m, g)]
        params = [(W - lr * mW, b - lr * mb) for (W, b), (mW, mb) in zip(params, m)]
    testing.check_close(trained, params, statement="Definition 6.7", what="two momentum steps", tol=1e-13)


def test_blas_threads_limit_is_applied_and_restored():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    X, Y, _ = blobs(40)
    before = [info["num_threads"] for info in threadpoolctl.threadpool_info() if info["user_api"] == "blas"]
    seen = []

    def callback(epoch, params, history):
        seen.extend(info["num_threads"] for info in threadpoolctl.threadpool_info() if info["user_api"] == "blas")

    _, history = fit(init(), X, Y, epochs=1, rng=0, progress=False, blas_threads=1, callback=callback)
    assert set(seen) <= {1} and len(history.loss) == 1
    assert [info["num_threads"] for info in threadpoolctl.threadpool_info() if info["user_api"] == "blas"] == before
    with pytest.raises(ValueError, match="blas_threads .* must be an integer >= 1"):  # plumbing: a thread count
        fit(init(), X, Y, progress=False, blas_threads=0)


def test_last_batch_may_be_smaller():
    X, Y, _ = blobs(37)
    _, history = fit(init(), X, Y, epochs=2, batch_size=16, rng=0, progress=False)
    assert history.steps_per_epoch == 3 and len(history.loss) == 2


def test_divergence_raises_with_epoch_step_and_lr_and_no_nan_curve():
    """A step of 1e20 in float32 overflows the logits of the next batch: its loss is NaN."""
    X, Y, _ = blobs()
    with pytest.raises(TrainingDivergedError) as info:
        fit(init(np.float32), X, Y, epochs=5, batch_size=8, lr=1e20, momentum=0.0, rng=0, progress=False)
    err = info.value
    message = str(err)
    assert isinstance(err, RuntimeError)
    assert "epoch 1/5" in message and f"step {err.step}/" in message and "lr=1e+20" in message
    assert "learning rate" in message and "too large" in message and "Definition 6.7" in message
    assert err.epoch == 1 and err.step >= 1 and not math.isfinite(err.loss) and err.lr == 1e20


def test_finite_parameters_whose_output_overflows_stop_training_after_the_epoch():
    """One full-batch step of lr 1e32 keeps every parameter finite in float32 (~1e29) but sends the logits
    (~1e59) to infinity: the batch loss (computed before the step) was finite, so only the epoch's evaluation
    pass can see it, and it must stop training rather than record an accuracy of an infinite output."""
    X = np.ones((4, 3), np.float32)
    Y = one_hot([0, 0, 0, 0], 2, dtype=np.float32)
    # one hidden unit, alive (z = 3); the target pushes W^(1) and W^(2)[0] up, so nothing dies
    params = [
        (np.ones((1, 3), np.float32), np.zeros(1, np.float32)),
        (np.array([[1.0], [-1.0]], np.float32), np.zeros(2, np.float32)),
    ]
    with pytest.raises(TrainingDivergedError) as info:
        fit(params, X, Y, epochs=2, batch_size=4, lr=1e32, momentum=0.0, rng=0, progress=False)
    err = info.value
    assert not isinstance(err, TrainingCollapsedError)
    assert "the network's output on a training row is inf" in str(err) and "epoch 1/2, step 1/1" in str(err)
    assert err.epoch == 1 and err.step == 1 and err.loss == math.inf


def test_an_overflowing_output_on_the_test_rows_stops_training_too():
    X, Y, labels = blobs(dtype=np.float32)
    X_test = np.full((10, SIZES[0]), 3e38, np.float32)  # finite rows whose products overflow float32
    with pytest.raises(TrainingDivergedError, match=r"epoch 1/2, step 15/15: the network's output on a test row is"):
        fit(
            init(np.float32),
            X,
            Y,
            epochs=2,
            batch_size=8,
            lr=0.1,
            rng=0,
            progress=False,
            X_test=X_test,
            y_test=labels[:10],
        )


def test_a_layer_dead_on_all_data_stops_training_naming_the_layer():
    """b^(1) = -10 with inputs in [0, 1] and small weights: z^(1) < 0 on every row from the start, so every
    gradient of layer 1 is exactly 0 (Proposition 5.1) and the layer can never come back. b^(2) = 0.5 keeps
    layer 2 alive (on a constant input), so the deepest dead layer, the one named, is layer 1."""
    rng = np.random.default_rng(0)
    X = rng.random((40, SIZES[0]))
    Y = one_hot(rng.integers(0, 3, 40), 3)
    params = init()
    params[0] = (0.01 * params[0][0], np.full(SIZES[1], -10.0))
    params[1] = (params[1][0], np.full(SIZES[2], 0.5))
    before = copy_params(params)
    with pytest.raises(TrainingCollapsedError) as info:
        fit(params, X, Y, epochs=3, batch_size=8, lr=0.1, momentum=0.9, rng=0, progress=False)
    err = info.value
    assert isinstance(err, TrainingDivergedError) and err.layer == 1 and err.epoch == 1 and err.step == 5
    message = str(err)
    assert "epoch 1/3" in message and "hidden layer 1 output 0 on all 40 training rows during the epoch" in message
    assert "Proposition 5.1" in message and "lr=0.1" in message and "too large" in message
    assert math.isfinite(err.loss) and err.lr == 0.1
    for (W, b), (W0, b0) in zip(params, before):  # fit trains a copy
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)


def test_a_live_network_is_not_reported_as_collapsed():
    """The check looks at a whole layer: a network with some dead units (here all but one of layer 2) trains on."""
    X, Y, _ = blobs()
    params = init()
    W2, b2 = params[1]
    b2 = np.full_like(b2, -100.0)
    b2[0] = 100.0
    params[1] = (W2, b2)
    _, history = fit(params, X, Y, epochs=2, batch_size=8, lr=0.01, momentum=0.9, rng=0, progress=False)
    assert len(history.loss) == 2


def test_too_large_a_learning_rate_on_real_digits_collapses_with_a_message():
    """What happens in practice: scikit-learn's digits at lr 5 kill the second hidden layer within a few epochs
    while the loss stays finite; without the check the run would go on at 10 % accuracy."""
    from mathdnn_core import datasets

    data = datasets.load_dataset("digits", dtype="float32", progress=False)
    rng = np.random.default_rng(0)
    params = network.init_params([64, 256, 128, 10], rng=rng, dtype=np.float32)
    with pytest.raises(TrainingCollapsedError) as info:
        fit(
            params,
            data.X_train,
            data.Y_train,
            epochs=15,
            batch_size=32,
            lr=5.0,
            momentum=0.9,
            rng=rng,
            progress=False,
            blas_threads=1,
        )
    assert info.value.layer in (1, 2) and math.isfinite(info.value.loss)


def test_callback_sees_each_epoch_and_can_stop():
    X, Y, _ = blobs()
    seen = []

    def callback(epoch, params, history):
        seen.append((epoch, len(history.loss)))
        return epoch == 2

    _, history = fit(init(), X, Y, epochs=5, rng=0, progress=False, callback=callback)
    assert seen == [(1, 1), (2, 2)] and len(history.loss) == 2


def test_progress_bar_runs(capsys):
    X, Y, _ = blobs(40)
    Xt, _, yt = blobs(20, seed=3)
    fit(init(), X, Y, epochs=2, rng=0, progress=True, X_test=Xt, y_test=yt)
    assert "epoch 2/2" in capsys.readouterr().err


@pytest.mark.parametrize(
    "kwargs, statement, mentions",
    [
        (dict(epochs=0), "Definition 6.7", ("epochs must be an integer >= 1", "n = 30 samples")),
        (dict(epochs=1.5), "Definition 6.7", ("epochs must be an integer >= 1",)),
        (dict(epochs=True), "Definition 6.7", ("epochs must be an integer >= 1",)),
        (dict(batch_size=0), "Definition 6.6", ("batch_size must be an integer >= 1 and <= 30",)),
        (dict(batch_size=31), "Definition 6.6", ("batch_size must be an integer >= 1 and <= 30", "got 31")),
        (dict(lr=0.0), "Definition 6.7", ("lr must be a finite real number in ]0, +inf[", "alpha in R+*")),
        (dict(lr=-1.0), "Definition 6.7", ("lr must be a finite real number in ]0, +inf[",)),
        (dict(lr=float("nan")), "Definition 6.7", ("lr must be a finite real number in ]0, +inf[",)),
        (dict(lr="0.1"), "Definition 6.7", ("lr must be a finite real number in ]0, +inf[",)),
        (dict(momentum=1.0), "Definition 6.7", ("momentum must be a finite real number in [0, 1[", "beta = 1")),
        (dict(momentum=-0.1), "Definition 6.7", ("momentum must be a finite real number in [0, 1[",)),
    ],
)
def test_bad_hyperparameters_are_refused_naming_the_statement(kwargs, statement, mentions):
    X, Y, _ = blobs(30)
    testing.check_raises(
        lambda: fit(init(), X, Y, progress=False, **{"batch_size": 10, **kwargs}),
        ValueError,
        must_mention=mentions,
        statement=statement,
    )


def test_bad_data_is_refused():
    X, Y, labels = blobs(40)
    bad = X.copy()
    bad[3, 2] = np.nan
    cases = [
        (lambda: fit(init(), X, labels, progress=False), ("one-hot targets", "losses.one_hot(labels, 3)")),
        (lambda: fit(init(), X, 0.5 * Y, progress=False), ("entries in {0, 1}",)),
        (lambda: fit(init(), X, np.ones_like(Y), progress=False), ("one-hot: exactly one 1 per row",)),
        (lambda: fit(init(), X, Y[:-1], progress=False), ("Y must have shape (40, 3)", "got (39, 3)")),
        (lambda: fit(init(), X[:, :5], Y, progress=False), ("X must have shape (n, 6)", "got (40, 5)")),
        (lambda: fit(init(), bad, Y, progress=False), ("X contains 1 NaN or infinite",)),
        (lambda: fit(init(), X, Y, progress=False, X_test=X), ("X_test and y_test go together",)),
        (lambda: fit([(np.ones((3, 6)), np.ones(2))], X, Y, progress=False), ("b must have shape (3,)",)),
    ]
    for call, mentions in cases:
        testing.check_raises(call, ValueError, must_mention=mentions, statement="Definition 6.7")
    testing.check_raises(
        lambda: fit(init(), X, Y, progress=False, X_test=X, y_test=labels + 1),
        ValueError,
        must_mention=("y_test must be integers in [0, 3)", "[1, 3]"),
        statement="Definition 5.1",
    )
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):  # plumbing: the source of randomness
        fit(init(), X, Y, progress=False, rng="seed")
    with pytest.raises(TypeError, match="callback must be callable"):
        fit(init(), X, Y, progress=False, callback="print")


# ----------------------------------------------------------------------------------------------------------------
# The in-place update of training is the pure update of optim, in velocity form
# ----------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_in_place_momentum_is_the_velocity_form_of_optim_momentum(dtype):
    """optim.Momentum.update (pure, m) and training's in-place kernel (v = alpha m, gradients pre-scaled by
    alpha (1 - beta)) take the same steps: equal to round-off, step after step, and v stays alpha m."""
    rng = np.random.default_rng(0)
    shapes = [3, 4, 2]
    params = random_params(shapes, rng, dtype)
    pure = optim.Momentum(lr=0.05, beta=0.8)
    state = pure.init(params)
    flat = np.concatenate([a.ravel() for pair in params for a in pair])
    kernel = training._InPlaceMomentum(flat, lr=0.05, beta=0.8)
    assert kernel.gradient_scale == pytest.approx(0.05 * 0.2, rel=1e-15)
    assert kernel.velocity.dtype == np.dtype(dtype) and not kernel.velocity.any()
    tol = 1e-14 if dtype == np.float64 else 2e-6
    for _ in range(6):
        grads = random_params(shapes, rng, dtype)
        updates, state = pure.update(grads, state)
        params = optim.apply_updates(params, updates)
        scaled = kernel.gradient_scale * np.concatenate([a.ravel() for pair in grads for a in pair])
        scaled_before = scaled.copy()
        kernel.step_(scaled)
        np.testing.assert_array_equal(scaled, scaled_before)  # the kernel only reads the gradients
        testing.check_close(
            flat,
            np.concatenate([a.ravel() for pair in params for a in pair]),
            tol=tol,
            statement="Definition 6.5",
            what="in-place velocity form = pure update",
        )
        testing.check_close(
            kernel.velocity,
            0.05 * np.concatenate([m.ravel() for m in state.momentum]),
            tol=tol,
            statement="Definition 6.5",
            what="v = alpha m",
        )
    assert flat.dtype == np.dtype(dtype) and state.step == 6


def test_in_place_momentum_with_beta_0_is_the_gradient_descent_step_exactly():
    rng = np.random.default_rng(3)
    params, grads = random_params([3, 4, 2], rng), random_params([3, 4, 2], rng)
    flat = np.concatenate([a.ravel() for pair in params for a in pair])
    kernel = training._InPlaceMomentum(flat, lr=0.2, beta=0.0)
    assert kernel.gradient_scale == 0.2
    kernel.step_(0.2 * np.concatenate([a.ravel() for pair in grads for a in pair]))
    updates, _ = optim.GradientDescent(0.2).update(grads)
    expected = optim.apply_updates(params, updates)
    np.testing.assert_array_equal(flat, np.concatenate([a.ravel() for pair in expected for a in pair]))


# ----------------------------------------------------------------------------------------------------------------
# Regression: the restructuring of fit into phases changed no number
# ----------------------------------------------------------------------------------------------------------------
#: A small run's history and a fingerprint of its final parameters (norm and three fixed random projections of
#: the flattened (W, b)), recorded before fit was split into phases. Bit for bit on the machine that recorded them;
#: other BLAS kernels sum in another order, so the comparison allows round-off (float64 runs differ by ~1e-16
#: across OpenBLAS's Haswell/SkylakeX/Sandybridge kernels, float32 by ~1e-7), far below any change of the method.
PINNED = {
    "float64": (
        [1.8017168015883465, 0.8297550971394456, 0.7689565772561905, 0.7036922346754798],
        [5.0378333197539185, 0.7965438375078734, 1.97714366757146, 0.47518601475834565],
        1e-12,
    ),
    "float32": (
        [1.8017168802105719, 0.8297551022635565, 0.7689565751287673, 0.7036922587288751],
        [5.03783333988665, 0.7965428211516578, 1.9771435646885251, 0.4751852972688446],
        1e-5,
    ),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_pinned_run_gives_the_numbers_recorded_before_the_restructuring(dtype):
    """The exact accuracy pass gives the accuracies recorded then; the default (the steps' own passes) trains the
    same parameters with the same losses: how the accuracy is read changes no number of the training itself."""
    rng = np.random.default_rng(2024)
    labels = rng.integers(0, 3, size=90)
    centres = 3.0 * rng.standard_normal((3, 6))
    X = (centres[labels] + 0.5 * rng.standard_normal((90, 6))).astype(dtype)
    X_test = (centres[labels[:30]] + 0.7 * rng.standard_normal((30, 6))).astype(dtype)
    p0 = network.init_params(SIZES, rng=np.random.default_rng(7), dtype=dtype)
    runs = {}
    for exact in (True, False):
        runs[exact] = fit(
            p0,
            X,
            one_hot(labels, 3, dtype=dtype),
            epochs=4,
            batch_size=16,
            lr=0.2,
            momentum=0.9,
            rng=np.random.default_rng(11),
            progress=False,
            X_test=X_test,
            y_test=labels[:30],
            exact_accuracy=exact,
        )
    params, history = runs[True]
    loss, fingerprint, tol = PINNED[np.dtype(dtype).name]
    flat = np.concatenate([a.ravel() for pair in params for a in pair]).astype(np.float64)
    measured = [float(np.linalg.norm(flat)), *(np.random.default_rng(0).standard_normal((3, flat.size)) @ flat)]
    testing.check_close(history.loss, loss, tol=tol, statement="Definition 6.7", what="pinned epoch losses")
    testing.check_close(measured, fingerprint, tol=tol, statement="Definition 6.7", what="pinned parameters")
    assert history.train_accuracy == [47 / 90, 0.6, 0.6, 0.6] and history.test_accuracy == [16 / 30] * 4
    params_default, history_default = runs[False]
    assert history_default.loss == history.loss and history_default.test_accuracy == history.test_accuracy
    for (W, b), (W2, b2) in zip(params, params_default):
        np.testing.assert_array_equal(W, W2)
        np.testing.assert_array_equal(b, b2)


def test_default_train_accuracy_counts_each_row_at_the_parameters_of_its_step():
    """Replayed by hand: Definition 6.7's steps, and before each one the classes the network predicts for the
    batch; the epoch's training accuracy is the fraction of rows so predicted correctly."""
    X, Y, labels = blobs(30, seed=4)
    p0, lr, beta = init(), 0.3, 0.5
    _, history = fit(
        p0, X, Y, epochs=3, batch_size=8, lr=lr, momentum=beta, rng=np.random.default_rng(5), progress=False
    )
    rng = np.random.default_rng(5)
    params, m = copy_params(p0), [(np.zeros_like(W), np.zeros_like(b)) for W, b in p0]
    expected = []
    for _ in range(3):
        correct = 0
        for idx in optim.minibatches(30, 8, rng):
            correct += int(np.count_nonzero(network.predict(X[idx], params) == labels[idx]))
            g = network.gradients(X[idx], Y[idx], params, reduction="mean")
            m = [(beta * mW + (1 - beta) * gW, beta * mb + (1 - beta) * gb) for (mW, mb), (gW, gb) in zip(m, g)]
            params = [(W - lr * mW, b - lr * mb) for (W, b), (mW, mb) in zip(params, m)]
        expected.append(correct / 30)
    assert history.train_accuracy == expected


# ----------------------------------------------------------------------------------------------------------------
# BLAS threads: adapted to the machine's load, the numbers always those of one thread
# ----------------------------------------------------------------------------------------------------------------
def mnist_shaped(n, dtype, sizes=(784, 512, 256, 10), seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((n, sizes[0])).astype(dtype)
    Y = one_hot(rng.integers(0, sizes[-1], n), sizes[-1], dtype=dtype)
    return X, Y, network.init_params(list(sizes), rng=np.random.default_rng(seed + 1), dtype=dtype)


def same_run(a, b):
    (pa, ha), (pb, hb) = a, b
    assert ha.loss == hb.loss and ha.train_accuracy == hb.train_accuracy and ha.test_accuracy == hb.test_accuracy
    for (Wa, ba), (Wb, bb) in zip(pa, pb):
        np.testing.assert_array_equal(Wa, Wb)
        np.testing.assert_array_equal(ba, bb)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sizes, batch_size", [((784, 512, 256, 10), 32), ((784, 128, 64, 10), 128)])
def test_the_default_threads_give_the_numbers_of_one_thread_on_the_project_shapes(
    dtype, sizes, batch_size, monkeypatch
):
    """mnist-5k's network at batch 32 and the benchmark's at batch 128, the policy made to want two threads at
    every step: whether this BLAS gives two threads the same bits (then they are used) or not (then the check
    refuses them), the run is bit for bit the one-thread run."""
    X, Y, p0 = mnist_shaped(300, dtype, sizes)
    one = fit(p0, X, Y, epochs=2, batch_size=batch_size, lr=0.1, rng=3, progress=False, blas_threads=1)
    assert one[1].blas_threads == [{1: one[1].steps_per_epoch}] * 2
    monkeypatch.setattr(_blas, "usable_cpus", lambda: 2)
    monkeypatch.setattr(_blas.AdaptiveThreads, "choose", lambda self, now: self.maximum)
    auto = fit(p0, X, Y, epochs=2, batch_size=batch_size, lr=0.1, rng=3, progress=False)
    same_run(auto, one)
    assert all(sum(c.values()) == auto[1].steps_per_epoch for c in auto[1].blas_threads)


def test_auto_threads_switching_between_steps_gives_the_one_thread_numbers(monkeypatch):
    """Force the policy to alternate 2, 1, 2, ... threads from step to step: the run is bit for bit the run on
    one thread, and the history says how many steps ran on each count."""
    monkeypatch.setattr(_blas, "usable_cpus", lambda: 2)
    choices = iter([2, 1] * 100)
    monkeypatch.setattr(_blas.AdaptiveThreads, "choose", lambda self, now: next(choices))
    X, Y, p0 = mnist_shaped(200, np.float32)
    Xt, _, p_unused = mnist_shaped(50, np.float32, seed=5)
    labels = np.arange(50) % 10
    auto = fit(p0, X, Y, epochs=2, batch_size=32, lr=0.2, rng=1, progress=False, X_test=Xt, y_test=labels)
    monkeypatch.undo()
    one = fit(
        p0, X, Y, epochs=2, batch_size=32, lr=0.2, rng=1, progress=False, X_test=Xt, y_test=labels, blas_threads=1
    )
    same_run(auto, one)
    counts = auto[1].blas_threads
    assert all(sum(c.values()) == 7 for c in counts), counts


def test_a_thread_count_that_changes_the_bits_is_not_used():
    """StepThreads checks a thread count the first time it meets a batch size; a count whose results differ from
    one thread's (simulated: the output depends on the count) is refused, and the step keeps one thread's result."""
    steps = _blas.StepThreads("auto", batch_size=4)
    steps.adaptive.maximum = 2
    steps.adaptive.choose = lambda now: 2
    seen, out = [], np.zeros(1)

    def run_step():
        threads = steps.current
        seen.append(threads)
        out[0] = 10.0 * threads  # a result that depends on the thread count

    steps.begin()
    try:
        for _ in range(3):
            steps.step(4, run_step, lambda: (out,))
    finally:
        steps.end()
    assert seen == [2, 1, 1, 1] and out[0] == 10.0  # checked once (2 then 1), then one thread only
    assert steps.adaptive.maximum == 1 and steps.steps == {1: 3}


class FakeMachine:
    """The two readings AdaptiveThreads takes: the machine's busy seconds and this process's CPU seconds."""

    def __init__(self, monkeypatch, others_cores):
        self.t, self.others = 0.0, others_cores
        self.busy = self.own = 0.0
        monkeypatch.setattr(_blas, "usable_cpus", lambda: 2)
        monkeypatch.setattr(_blas, "_busy_seconds", lambda: self.busy)
        monkeypatch.setattr(_blas, "_others_running_now", lambda: 0 if self.others < 0.5 else 2)
        monkeypatch.setattr(_blas.time, "process_time", lambda: self.own)
        monkeypatch.setattr(_blas.time, "perf_counter", lambda: self.t)

    def run(self, policy, seconds_per_step, steps):
        """Run steps whose duration depends on the thread count; return the counts chosen."""
        chosen = []
        for _ in range(steps):
            threads = policy.choose(self.t)
            dt = seconds_per_step[threads]
            self.t += dt
            self.own += dt * threads
            self.busy += dt * (threads + self.others)
            policy.record(threads, dt)
            chosen.append(threads)
        return chosen


def test_adaptive_threads_takes_the_faster_count_on_a_quiet_machine(monkeypatch):
    machine = FakeMachine(monkeypatch, others_cores=0.0)
    policy = _blas.AdaptiveThreads(2)
    assert policy.start() == 2
    chosen = machine.run(policy, {1: 1e-3, 2: 0.6e-3}, 20000)
    assert chosen[-1] == 2 and chosen.count(1) < 0.01 * len(chosen)  # probes of one thread lose, ever more rarely
    machine = FakeMachine(monkeypatch, others_cores=0.0)  # a network too small for two threads to pay
    policy = _blas.AdaptiveThreads(2)
    policy.start()
    chosen = machine.run(policy, {1: 1e-4, 2: 1.5e-4}, 50000)
    assert chosen[-1] == 1 and chosen.count(2) < 0.01 * len(chosen)


def test_adaptive_threads_takes_one_thread_beside_busy_programs(monkeypatch):
    machine = FakeMachine(monkeypatch, others_cores=1.5)
    policy = _blas.AdaptiveThreads(2)
    assert policy.start() == 1
    chosen = machine.run(policy, {1: 1e-3, 2: 50e-3}, 5000)
    assert set(chosen) == {1}  # the load alone decides: two threads are never even tried


def test_adaptive_threads_give_up_a_probe_at_its_first_slow_step(monkeypatch):
    """Light load (0.5 core): two threads are tried, but a probe step 3 times slower ends the probe at once, and
    each lost probe doubles the wait before the next one."""
    machine = FakeMachine(monkeypatch, others_cores=0.5)
    policy = _blas.AdaptiveThreads(2)
    policy.start()
    chosen = machine.run(policy, {1: 1e-3, 2: 20e-3}, 20000)
    slow = chosen.count(2)
    assert 1 <= slow <= 6 and chosen[-1] == 1, slow  # 20 s of training: probes at 0.05, 1, 2, 4, 8, 16 s at most


def test_usable_cpus_and_robust_threads_are_sensible():
    assert 1 <= _blas.usable_cpus() <= (len(__import__("os").sched_getaffinity(0)))
    assert 1 <= training.robust_blas_threads() <= _blas.BlasPool().threads


def test_the_suggested_learning_rate_does_not_diverge_where_the_run_did():
    X, Y, _ = blobs()
    with pytest.raises(TrainingDivergedError) as info:
        fit(init(np.float32), X, Y, epochs=5, batch_size=8, lr=1e20, momentum=0.0, rng=0, progress=False)
    err = info.value
    assert err.suggested_lr is not None and err.suggested_lr < err.lr and f"lr={err.suggested_lr:g}" in str(err)
    steps = int(str(err).split("keeps the first ")[1].split()[0])
    epochs = -(-steps // 15)  # 120 rows, batch 8: 15 steps an epoch
    _, history = fit(
        init(np.float32), X, Y, epochs=epochs, batch_size=8, lr=err.suggested_lr, momentum=0.0, rng=0, progress=False
    )
    assert all(math.isfinite(v) for v in history.loss)


def test_the_output_bound_proves_an_ordinary_network_finite():
    X, Y, _ = blobs()
    run = training._prepare(init(), X, Y, 1, 8, 0.1, 0.9, 0, None, None, None, None, False)
    run.input_bound = float(np.abs(X).max())  # what the first epoch reads off its batches
    assert training._output_is_finite(run)
    run.params[0][0][...] = 1e306  # now the bound (~1e307 and more) cannot rule out an overflow: the exact pass decides
    assert not training._output_is_finite(run)


# ----------------------------------------------------------------------------------------------------------------
# Per-data-set settings
# ----------------------------------------------------------------------------------------------------------------
def test_defaults_cover_every_data_set_and_are_valid_settings():
    from mathdnn_core import datasets

    assert tuple(training.DEFAULTS) == datasets.DATASET_NAMES
    for name, d in training.DEFAULTS.items():
        assert all(isinstance(m, int) and m >= 1 for m in d.hidden), name
        assert d.epochs >= 1 and d.lr > 0 and 0 <= d.momentum < 1 and d.batch_size == training.DEFAULT_BATCH_SIZE
    assert training.DEFAULTS["mnist-5k"] == training.Defaults(hidden=(512, 256), epochs=30, lr=0.5)


# ----------------------------------------------------------------------------------------------------------------
# evaluate
# ----------------------------------------------------------------------------------------------------------------
def test_evaluate_accuracy_and_confusion_matrix_by_hand():
    """A one-layer network whose logits are the inputs: predictions are argmax of the rows."""
    params = [(np.eye(3), np.zeros(3))]
    X = np.array([[5.0, 0, 0], [0, 5.0, 0], [0, 5.0, 0], [0, 0, 5.0], [5.0, 0, 0]])
    labels = np.array([0, 1, 2, 2, 1])
    result = evaluate(params, X, labels)
    assert result.accuracy == pytest.approx(3 / 5)
    np.testing.assert_array_equal(result.confusion, [[1, 0, 0], [1, 1, 0], [0, 1, 1]])  # rows true, cols pred
    np.testing.assert_array_equal(result.predictions, [0, 1, 1, 2, 0])
    np.testing.assert_array_equal(training.predict_labels(X, params), result.predictions)
    assert result.n_errors == 2 and result.confusion.dtype == np.int64
    assert result.loss == pytest.approx(network.objective(X, one_hot(labels, 3), params) / 5, rel=1e-12)
    same = evaluate(params, X, one_hot(labels, 3))  # one-hot rows are accepted too
    np.testing.assert_array_equal(same.confusion, result.confusion)
    testing.check_raises(
        lambda: evaluate(params, X, labels[:-1]),
        ValueError,
        must_mention=("labels must be a 1-D array of shape (5,)", "(4,)"),
        statement="Definition 5.1",
    )


def test_evaluate_in_chunks_equals_one_pass():
    """More rows than one forward pass holds: the chunks together give what one pass gives."""
    X, _, labels = blobs(50)
    params = init()
    whole = evaluate(params, X, labels)
    chunked = evaluate(params, X, labels, chunk=7)
    np.testing.assert_array_equal(chunked.predictions, whole.predictions)
    np.testing.assert_array_equal(chunked.confusion, whole.confusion)
    assert chunked.loss == pytest.approx(whole.loss, rel=1e-13)


def test_evaluate_refuses_an_overflowing_output():
    params = [(np.full((3, 4), 1e30, np.float32), np.zeros(3, np.float32))]
    X = np.full((2, 4), 1e10, np.float32)
    with np.errstate(over="ignore"):
        testing.check_raises(
            lambda: evaluate(params, X, np.array([0, 1])),
            network.OutputOverflowError,
            must_mention=("NaN or infinite", "overflow"),
            statement="Definition 5.1",
        )


# ----------------------------------------------------------------------------------------------------------------
# save / load
# ----------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_save_load_round_trip_preserves_values_and_dtype(tmp_path, dtype):
    params = init(dtype)
    path = tmp_path / "params.npz"
    assert save_params(path, params) == str(path)
    loaded = load_params(path)
    assert len(loaded) == len(params)
    for (W, b), (W2, b2) in zip(params, loaded):
        assert W2.dtype == dtype and b2.dtype == dtype
        np.testing.assert_array_equal(W, W2)
        np.testing.assert_array_equal(b, b2)
    with np.load(path, allow_pickle=False) as npz:
        assert sorted(npz.files) == ["W1", "W2", "W3", "b1", "b2", "b3"]
    other = tmp_path / "no_suffix"
    save_params(other, params)  # written at exactly that path: no ".npz" appended
    assert other.is_file() and not (tmp_path / "no_suffix.npz").exists()


def test_load_refuses_malformed_files(tmp_path):
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"this is not a zip archive at all")
    with pytest.raises(ValueError, match="malformed parameter file"):
        load_params(junk)
    single = tmp_path / "single.npy"
    np.save(single, np.zeros(3))
    with pytest.raises(ValueError, match="malformed parameter file.*single array"):
        load_params(single)
    wrong_keys = tmp_path / "keys.npz"
    np.savez(wrong_keys, W1=np.zeros((2, 3)), c1=np.zeros(2))
    with pytest.raises(ValueError, match="expected keys W1, b1"):
        load_params(wrong_keys)
    no_chain = tmp_path / "chain.npz"
    np.savez(no_chain, W1=np.zeros((2, 3)), b1=np.zeros(2), W2=np.zeros((4, 5)), b2=np.zeros(4))
    with pytest.raises(ValueError, match="malformed parameter file.*do not chain"):
        load_params(no_chain)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, W1=np.array([None, 1], dtype=object), b1=np.zeros(2))
    with pytest.raises(ValueError, match="malformed parameter file"):
        load_params(pickled)
    ints = tmp_path / "ints.npz"
    np.savez(ints, W1=np.zeros((2, 3), dtype=np.int64), b1=np.zeros(2))
    with pytest.raises(ValueError, match="float32 or float64"):
        load_params(ints)
    with pytest.raises(FileNotFoundError):
        load_params(tmp_path / "missing.npz")
