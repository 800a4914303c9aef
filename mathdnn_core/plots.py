r"""Pictures of a training run: learning curves, confusion matrix, digits with their predictions, first-layer weights.

Every function builds a :class:`matplotlib.figure.Figure` directly (no :mod:`matplotlib.pyplot` global state), so it
works headless, in scripts and in notebooks (a notebook displays a returned ``Figure``), and never leaks figures.
Save one with ``fig.savefig("curves.png")``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ._validation import positive_int

__all__ = ["learning_curves", "learning_curves_compared", "confusion_matrix", "digit_grid", "first_layer_weights"]

_OK_COLOUR = "#1a7f37"
_ERROR_COLOUR = "#cf222e"


def _history_lists(history) -> dict[str, list[float]]:
    get = (lambda k: history[k]) if isinstance(history, Mapping) else (lambda k: getattr(history, k, None))
    out = {}
    for key in ("loss", "train_accuracy", "test_accuracy", "seconds"):
        try:
            value = get(key)
        except KeyError:
            value = None
        out[key] = [float(v) for v in value] if value is not None else []
    if not out["loss"]:
        raise ValueError("history must hold a non-empty 'loss' list, one value per epoch (from training.fit)")
    return out


def learning_curves(history) -> Figure:
    r"""Training loss and accuracies per epoch.

    Left: the mean cross-entropy of each epoch, :math:`\frac1n \sum_i \xi(\mathcal{N}_{c^+}(x^{(i)}), y^{*(i)})`
    (log scale). Right: train and (when recorded) test accuracy after each epoch.

    Parameters
    ----------
    history : :class:`mathdnn_core.training.History` or a dict with the lists ``loss``, ``train_accuracy`` and
        optionally ``test_accuracy``

    Returns
    -------
    matplotlib.figure.Figure
    """
    h = _history_lists(history)
    epochs = np.arange(1, len(h["loss"]) + 1)
    fig = Figure(figsize=(10, 4), layout="constrained")
    ax_loss, ax_acc = fig.subplots(1, 2)
    loss = np.asarray(h["loss"])
    ax_loss.plot(epochs, loss, marker="o", markersize=3, color="C0")
    if np.all(loss > 0):
        ax_loss.set_yscale("log")
    ax_loss.set(xlabel="epoch", ylabel="mean cross-entropy (train)", title="Training loss")
    ax_loss.grid(True, which="both", alpha=0.3)
    if h["train_accuracy"]:
        ax_acc.plot(
            epochs[: len(h["train_accuracy"])],
            100 * np.asarray(h["train_accuracy"]),
            marker="o",
            markersize=3,
            label="train",
            color="C0",
        )
    if h["test_accuracy"]:
        test = 100 * np.asarray(h["test_accuracy"])
        ax_acc.plot(
            epochs[: len(test)], test, marker="o", markersize=3, label=f"test (final {test[-1]:.2f}%)", color="C1"
        )
    ax_acc.set(xlabel="epoch", ylabel="accuracy (%)", title="Accuracy")
    ax_acc.grid(True, alpha=0.3)
    if h["train_accuracy"] or h["test_accuracy"]:
        ax_acc.legend(loc="lower right")
    for ax in (ax_loss, ax_acc):
        ax.xaxis.get_major_locator().set_params(integer=True)
    return fig


def confusion_matrix(cm, class_names: Sequence[str] | None = None) -> Figure:
    r"""The confusion matrix as a heat map, with the counts written in the cells.

    ``cm[i, j]`` = number of samples of true class ``i`` predicted as class
    :math:`j = \operatorname{argmax}_k \mathcal{N}_{c^+}(x)_k` (rows true, columns predicted); the diagonal holds
    the correct predictions.

    Parameters
    ----------
    cm : array (c, c) of non-negative counts (e.g. ``training.evaluate(...).confusion``)
    class_names : sequence of c labels, optional (default ``0 .. c-1``)

    Returns
    -------
    matplotlib.figure.Figure
    """
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1] or cm.shape[0] == 0:
        raise ValueError(f"cm must be a square (c, c) matrix of counts; got shape {cm.shape}")
    if not np.all(np.isfinite(cm)) or np.any(cm < 0):
        raise ValueError("cm must hold finite non-negative counts")
    c = cm.shape[0]
    names = [str(k) for k in range(c)] if class_names is None else [str(k) for k in class_names]
    if len(names) != c:
        raise ValueError(f"class_names must have {c} entries, one per row of cm; got {len(names)}")
    total = cm.sum()
    accuracy = np.trace(cm) / total if total else float("nan")
    size = max(4.0, 0.55 * c + 2)
    fig = Figure(figsize=(size + 1, size), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(cm, cmap="Blues", interpolation="nearest")
    fig.colorbar(image, ax=ax, shrink=0.8, label="count")
    threshold = cm.max() / 2 if cm.size else 0
    for i in range(c):
        for j in range(c):
            value = cm[i, j]
            text = f"{value:g}" if np.issubdtype(cm.dtype, np.floating) else f"{value:d}"
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=8,
                color="white" if value > threshold else ("black" if i == j or value == 0 else _ERROR_COLOUR),
            )
    ax.set_xticks(range(c), names)
    ax.set_yticks(range(c), names)
    ax.set(
        xlabel="predicted class",
        ylabel="true class",
        title=f"Confusion matrix (accuracy {100 * accuracy:.2f}%, n = {total:g})",
    )
    return fig


def _grid(n: int) -> tuple[int, int]:
    cols = math.ceil(math.sqrt(n))
    return math.ceil(n / cols), cols


def _mosaic(
    images: np.ndarray, shape: tuple[int, int], cols: int, gap: int, band: int, fill: float
) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Tile ``images`` (k, h*w) on a grid with ``gap`` pixels between cells and a ``band`` above each for a label.

    Returns the canvas and the (top, left) pixel of each image. One Axes with one image draws in milliseconds,
    where one Axes per digit would spend seconds in layout.
    """
    h, w = shape
    k = images.shape[0]
    rows = math.ceil(k / cols)
    cell_h, cell_w = h + gap + band, w + gap
    canvas = np.full((rows * cell_h + gap, cols * cell_w + gap), fill, dtype=np.float64)
    corners = []
    for i in range(k):
        r, c = divmod(i, cols)
        top, left = r * cell_h + gap + band, c * cell_w + gap
        canvas[top : top + h, left : left + w] = images[i].reshape(h, w)
        corners.append((top, left))
    return canvas, corners


def digit_grid(
    X, labels_true, labels_pred, image_shape: tuple[int, int], n: int = 36, misclassified_first: bool = False
) -> Figure:
    r"""Sample images with their true and predicted classes; misclassified ones in red, with a red frame.

    Each label reads ``true → predicted`` where predicted is
    :math:`\operatorname{argmax}_k \mathcal{N}_{c^+}(x)_k`.

    Parameters
    ----------
    X : array (N, d) with ``d = prod(image_shape)``
    labels_true, labels_pred : integer arrays (N,)
    image_shape : (height, width), e.g. ``(28, 28)`` or ``(8, 8)``
    n : number of images shown (the first ``n``, or fewer if ``N < n``)
    misclassified_first : bool
        Show the misclassified rows first (then the others, in order).

    Returns
    -------
    matplotlib.figure.Figure
        One Axes; each label is a text artist (red for a misclassified image, green otherwise) and each
        misclassified image has a red rectangle around it. The title counts the misclassified images shown and
        those among all ``N`` rows.
    """
    X = np.asarray(X)
    true = np.asarray(labels_true).ravel()
    pred = np.asarray(labels_pred).ravel()
    shape = tuple(int(s) for s in image_shape)
    if X.ndim != 2 or len(shape) != 2 or X.shape[1] != shape[0] * shape[1]:
        raise ValueError(f"X must have shape (N, height * width) to match image_shape {image_shape}; got {X.shape}")
    if true.shape[0] != X.shape[0] or pred.shape[0] != X.shape[0]:
        raise ValueError(
            f"labels_true and labels_pred must have one entry per row of X ({X.shape[0]}); "
            f"got {true.shape[0]} and {pred.shape[0]}"
        )
    n = positive_int(n, "n", "")
    order = np.arange(X.shape[0])
    if misclassified_first:
        wrong = true != pred
        order = np.concatenate([order[wrong], order[~wrong]])
    order = order[:n]
    rows, cols = _grid(len(order))
    h, w = shape
    gap, band = max(1, h // 7), max(3, int(round(0.45 * h)))
    canvas, corners = _mosaic(X[order].astype(np.float64), shape, cols, gap, band, fill=0.0)
    fig = Figure(figsize=(1.15 * cols + 0.3, 1.35 * rows + 0.5), layout="constrained")
    ax = fig.subplots()
    vmax = float(np.max(X[order])) if order.size else 1.0
    ax.imshow(canvas, cmap="gray_r", vmin=0.0, vmax=vmax or 1.0, interpolation="nearest")
    n_wrong = 0
    for i, (top, left) in zip(order, corners):
        ok = bool(true[i] == pred[i])
        n_wrong += not ok
        ax.text(
            left + w / 2 - 0.5,
            top - 1.0,
            f"{true[i]} → {pred[i]}",
            ha="center",
            va="bottom",
            fontsize=9,
            color=_OK_COLOUR if ok else _ERROR_COLOUR,
            fontweight="normal" if ok else "bold",
        )
        if not ok:
            ax.add_patch(Rectangle((left - 0.5, top - 0.5), w, h, fill=False, edgecolor=_ERROR_COLOUR, linewidth=2.0))
    ax.set_axis_off()
    total_wrong = int(np.count_nonzero(true != pred))
    ax.set_title(
        f"true → predicted ({n_wrong} of {len(order)} shown misclassified, in red)\n"
        f"{total_wrong} of {X.shape[0]} images misclassified in all",
        fontsize=10,
    )
    return fig


def first_layer_weights(W1, image_shape: tuple[int, int], n: int = 36) -> Figure:
    r"""The first ``n`` rows of ``W^{(1)}`` drawn as images: what each first-layer unit responds to.

    Unit ``i`` of the first layer computes :math:`z_i = \langle x, W^{(1)}_{i,:}\rangle + b^{(1)}_i`, so the row
    :math:`W^{(1)}_{i,:} \in \mathbb{R}^{m_0}`, reshaped to the image grid, shows which pixels push it up (red)
    or down (blue). One symmetric colour scale is shared by all units.

    Parameters
    ----------
    W1 : array (m_1, m_0) with ``m_0 = prod(image_shape)``
    image_shape : (height, width)
    n : number of units shown (at most ``m_1``)

    Returns
    -------
    matplotlib.figure.Figure
    """
    W1 = np.asarray(W1)
    shape = tuple(int(s) for s in image_shape)
    if W1.ndim != 2 or len(shape) != 2 or W1.shape[1] != shape[0] * shape[1]:
        raise ValueError(
            f"W1 must have shape (m_1, height * width) to match image_shape {image_shape} "
            f"(Definition 4.1: W in M_(m_1, m_0)); got {W1.shape}"
        )
    n = positive_int(n, "n", "")
    shown = np.asarray(W1[:n], dtype=np.float64)
    if not np.all(np.isfinite(shown)):
        raise ValueError("W1 must be finite")
    _, cols = _grid(shown.shape[0])
    gap = max(1, shape[0] // 7)
    canvas, _ = _mosaic(shown, shape, cols, gap, 0, fill=np.nan)
    rows = math.ceil(shown.shape[0] / cols)
    vmax = float(np.max(np.abs(shown))) or 1.0
    fig = Figure(figsize=(1.0 * cols + 1.5, 1.0 * rows + 0.6), layout="constrained")
    ax = fig.subplots()
    cmap = matplotlib.colormaps["RdBu_r"].with_extremes(bad="white")
    image = ax.imshow(canvas, cmap=cmap, vmin=-vmax, vmax=vmax, interpolation="nearest")
    ax.set_axis_off()
    fig.colorbar(image, ax=ax, shrink=0.8, label="weight")
    ax.set_title(
        f"First-layer weights: rows of W^(1) as {shape[0]}×{shape[1]} images ({shown.shape[0]} of {W1.shape[0]} units)",
        fontsize=10,
    )
    return fig


def learning_curves_compared(histories: Mapping[str, object], title: str = "") -> Figure:
    r"""Several runs side by side: the training loss and the test accuracy of each, per epoch.

    Parameters
    ----------
    histories : mapping from a label (shown in the legend) to a :class:`mathdnn_core.training.History` or a dict
        with the lists ``loss`` and optionally ``test_accuracy``
    title : appended to the accuracy panel's title (e.g. the data set)

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not histories:
        raise ValueError("histories must hold at least one run: {label: history}")
    fig = Figure(figsize=(10, 3.6), layout="constrained")
    ax_loss, ax_acc = fig.subplots(1, 2)
    for k, (label, history) in enumerate(histories.items()):
        h = _history_lists(history)
        epochs = np.arange(1, len(h["loss"]) + 1)
        ax_loss.plot(epochs, h["loss"], "o-", ms=3, color=f"C{k}", label=label)
        if h["test_accuracy"]:
            test = 100 * np.asarray(h["test_accuracy"])
            ax_acc.plot(epochs[: len(test)], test, "o-", ms=3, color=f"C{k}", label=f"{label} ({test[-1]:.2f}%)")
    if all(np.all(np.asarray(_history_lists(h)["loss"]) > 0) for h in histories.values()):
        ax_loss.set_yscale("log")
    ax_loss.set(xlabel="epoch", ylabel="mean cross-entropy (train)", title="training loss")
    ax_acc.set(xlabel="epoch", ylabel="test accuracy (%)", title=f"test accuracy{' on ' + title if title else ''}")
    for ax in (ax_loss, ax_acc):
        ax.grid(True, which="both", alpha=0.3)
        if ax.get_lines():  # no test accuracy recorded: an empty panel, without an empty legend
            ax.legend(fontsize=8)
        ax.xaxis.get_major_locator().set_params(integer=True)
    return fig
