"""Pictures of a training run: every figure renders to a non-empty PNG, headless, without pyplot state."""

from __future__ import annotations

from io import BytesIO

import numpy as np
import pytest
from matplotlib.figure import Figure

from mathdnn_core import network, plots, training
from mathdnn_core.losses import one_hot

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def render(fig) -> bytes:
    assert isinstance(fig, Figure)
    buffer = BytesIO()
    fig.savefig(buffer, format="png", dpi=50)
    data = buffer.getvalue()
    assert data.startswith(PNG_MAGIC) and len(data) > 1000
    return data


@pytest.fixture(scope="module")
def run():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, size=60)
    X = np.clip(0.5 + 0.3 * rng.standard_normal((60, 16)) + 0.2 * labels[:, None] / 3, 0, 1)
    params = network.init_params([16, 12, 3], rng=rng)
    params, history = training.fit(
        params,
        X,
        one_hot(labels, 3),
        epochs=3,
        batch_size=8,
        rng=rng,
        progress=False,
        X_test=X[:20],
        y_test=labels[:20],
    )
    return X, labels, params, history


def test_learning_curves_from_history_and_from_dict(run):
    _, _, _, history = run
    render(plots.learning_curves(history))
    render(plots.learning_curves(history.to_dict()))
    render(plots.learning_curves({"loss": [1.0, 0.5], "train_accuracy": [0.5, 0.8]}))  # no test curve
    with pytest.raises(ValueError, match="loss"):
        plots.learning_curves({"loss": []})


def test_confusion_matrix(run):
    X, labels, params, _ = run
    cm = training.evaluate(params, X, labels).confusion
    fig = plots.confusion_matrix(cm, class_names=["a", "b", "c"])
    render(fig)
    assert "accuracy" in fig.axes[0].get_title()
    render(plots.confusion_matrix(np.diag([3, 4, 5, 6, 7, 8, 9, 10, 11, 12])))
    with pytest.raises(ValueError, match="square"):
        plots.confusion_matrix(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="class_names"):
        plots.confusion_matrix(cm, class_names=["a"])


def test_digit_grid_marks_misclassified_in_red(run):
    X, labels, params, _ = run
    pred = labels.copy()
    pred[[0, 5]] = (labels[[0, 5]] + 1) % 3
    fig = plots.digit_grid(X, labels, pred, (4, 4), n=9)
    render(fig)
    (ax,) = fig.axes
    texts = ax.texts
    assert len(texts) == 9 and texts[0].get_text() == f"{labels[0]} → {pred[0]}"
    red = [t for t in texts if t.get_color() == plots._ERROR_COLOUR]
    assert [texts.index(t) for t in red] == [0, 5]  # rows 0 and 5 are the only errors among the first 9
    assert len(ax.patches) == 2  # a red frame around each of them
    assert "2 of 9" in ax.get_title()
    first = plots.digit_grid(X, labels, pred, (4, 4), n=4, misclassified_first=True)
    assert [t.get_color() for t in first.axes[0].texts[:2]] == [plots._ERROR_COLOUR] * 2
    render(plots.digit_grid(X[:3], labels[:3], labels[:3], (4, 4), n=50))  # fewer rows than n
    with pytest.raises(ValueError, match="image_shape"):
        plots.digit_grid(X, labels, pred, (5, 5))


def test_first_layer_weights(run):
    _, _, params, _ = run
    fig = plots.first_layer_weights(params[0][0], (4, 4), n=6)
    render(fig)
    assert "rows of W^(1)" in fig.axes[0].get_title() and "6 of 12 units" in fig.axes[0].get_title()
    render(plots.first_layer_weights(np.zeros((2, 16)), (4, 4)))  # all zero: still a valid colour scale
    with pytest.raises(ValueError, match="image_shape"):
        plots.first_layer_weights(params[0][0], (3, 3))


def test_learning_curves_compared(run):
    _, _, _, history = run
    fig = plots.learning_curves_compared({"run a": history, "run b": history.to_dict()}, title="blobs")
    render(fig)
    ax_loss, ax_acc = fig.axes
    assert [line.get_label() for line in ax_loss.get_lines()] == ["run a", "run b"]
    assert len(ax_acc.get_lines()) == 2 and ax_acc.get_title() == "test accuracy on blobs"
    render(plots.learning_curves_compared({"no test set": {"loss": [1.0, 0.5]}}))
    with pytest.raises(ValueError, match="at least one run"):
        plots.learning_curves_compared({})
