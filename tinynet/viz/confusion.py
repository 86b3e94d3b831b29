"""Confusion matrices and galleries of mistakes: which classes a classifier mixes up, and on which images.

Row t, column p of the confusion matrix counts the test images whose true
class is t and which the model called p; the diagonal holds the correct
answers.  Showing one image per cell (the one the model was most sure
about) makes the mix-ups concrete: a 4 that really looks like a 9.
"""

import matplotlib
import matplotlib.colors
import matplotlib.patches
import numpy as np

from tinynet.viz._arrays import to_numpy
from tinynet.viz.style import INK, hide_ticks, new_figure, savefig
from tinynet.viz.weights import grid_shape


def _labels(values, name):
    """A 1-D array of non-negative integer class labels."""
    array = to_numpy(values, name).reshape(-1)
    if array.size and (array.dtype.kind not in "iub" or array.min() < 0):
        raise ValueError(f"{name} must hold non-negative integer class labels, got dtype {array.dtype}")
    return array.astype(np.int64)


def confusion_matrix(y_true, y_pred, num_classes=None):
    """Count (true class, predicted class) pairs: an int64 (K, K) array, rows = true, columns = predicted."""
    y_true, y_pred = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true has {len(y_true)} labels but y_pred has {len(y_pred)}")
    largest = int(max(y_true.max(initial=-1), y_pred.max(initial=-1))) + 1
    if num_classes is None:
        num_classes = largest
    elif largest > num_classes:
        raise ValueError(f"num_classes={num_classes} but labels go up to {largest - 1}")
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (y_true, y_pred), 1)
    return matrix


def most_confident_per_cell(images, y_true, y_pred, confidence, num_classes=None):
    """For every (true, predicted) cell, the image the model was most confident about.

    ``confidence``: one number per image, e.g. the probability of the
    predicted class.  Returns (K, K, H, W) float images, NaN where a cell is
    empty; pass it to ``plot_confusion(..., images=...)``.
    """
    images = to_numpy(images, "images").astype(float)
    images = images.reshape(len(images), *images.shape[-2:])
    y_true, y_pred = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    confidence = to_numpy(confidence, "confidence").astype(float).reshape(-1)
    if not (len(images) == len(y_true) == len(y_pred) == len(confidence)):
        raise ValueError(f"images, y_true, y_pred, confidence must have equal length, got "
                         f"{len(images)}, {len(y_true)}, {len(y_pred)}, {len(confidence)}")
    k = num_classes or int(max(y_true.max(initial=-1), y_pred.max(initial=-1))) + 1
    cells = np.full((k, k) + images.shape[1:], np.nan)
    best = np.full((k, k), -np.inf)
    for index in range(len(images)):
        t, p = y_true[index], y_pred[index]
        if confidence[index] > best[t, p]:
            best[t, p] = confidence[index]
            cells[t, p] = images[index]
    return cells


def plot_confusion(cm, path, images=None, class_names=None, title=None):
    """Draw a confusion matrix and save it to ``path``; returns the Path.

    Without ``images``: a heat map with the count in each cell (colour on a
    log scale, so rare mistakes still show).  With ``images`` ((K, K, H, W),
    NaN for empty cells, e.g. from ``most_confident_per_cell``): one image
    per cell, the count in its corner, correct cells framed green.
    """
    cm = to_numpy(cm, "cm")
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"confusion matrix must be square (K, K), got shape {cm.shape}")
    k = cm.shape[0]
    names = [str(i) for i in range(k)] if class_names is None else [str(n) for n in class_names]
    if len(names) != k:
        raise ValueError(f"got {len(names)} class names for {k} classes")
    if images is None:
        return _plot_counts(cm, path, names, title)
    images = to_numpy(images, "images").astype(float)
    if images.shape[:2] != (k, k) or images.ndim != 4:
        raise ValueError(f"images must have shape ({k}, {k}, H, W), got {images.shape}")
    return _plot_cell_images(cm, images, path, names, title)


def _plot_counts(cm, path, names, title):
    """Heat map of counts with numbers written in."""
    k = len(names)
    fig = new_figure(0.55 * k + 2.6, 0.55 * k + 1.5)
    ax = fig.add_subplot()
    # Counts on a log scale (so that rare mistakes still show); empty cells stay white.
    norm = matplotlib.colors.LogNorm(vmin=1, vmax=max(2, int(cm.max())))
    image = ax.imshow(np.ma.masked_equal(cm, 0), cmap="Blues", norm=norm, interpolation="nearest")
    fig.colorbar(image, ax=ax, shrink=0.8, label="number of test images (log scale)")
    threshold = np.sqrt(max(2, int(cm.max())))
    for t in range(k):
        for p in range(k):
            ax.text(p, t, str(int(cm[t, p])), ha="center", va="center", fontsize=8,
                    color="white" if cm[t, p] > threshold else "black")
    ax.set_xticks(range(k))
    ax.set_xticklabels(names)
    ax.set_yticks(range(k))
    ax.set_yticklabels(names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    total = cm.sum()
    accuracy = np.trace(cm) / total if total else float("nan")
    ax.set_title(title or f"confusion matrix (accuracy {accuracy:.2%})", fontsize=10)
    return savefig(fig, path)


def _plot_cell_images(cm, images, path, names, title):
    """One mosaic image: cell (t, p) shows images[t, p]; drawn with a single imshow (fast)."""
    k = len(names)
    h, w = images.shape[2:]
    gap = 2
    mosaic = np.full((k * (h + gap) + gap, k * (w + gap) + gap), np.nan)
    for t in range(k):
        for p in range(k):
            top, left = gap + t * (h + gap), gap + p * (w + gap)
            mosaic[top:top + h, left:left + w] = images[t, p]
    fig = new_figure(0.75 * k + 1.5, 0.75 * k + 1.5)
    ax = fig.add_subplot()
    cmap = matplotlib.colormaps[INK].with_extremes(bad="#d9d9d9")  # empty cells / gaps grey
    ax.imshow(np.ma.masked_invalid(mosaic), cmap=cmap, vmin=0.0, vmax=1.0, interpolation="nearest")
    for t in range(k):
        for p in range(k):
            top, left = gap + t * (h + gap), gap + p * (w + gap)
            color = "#1a9850" if t == p else "#d73027"
            if cm[t, p]:
                ax.text(left + 1, top + 1, str(int(cm[t, p])), fontsize=7, color=color, va="top", ha="left")
            if t == p:
                ax.add_patch(matplotlib.patches.Rectangle(
                    (left - 1, top - 1), w + 1, h + 1, fill=False, edgecolor=color, linewidth=1))
    centers_x = gap + np.arange(k) * (w + gap) + w / 2
    centers_y = gap + np.arange(k) * (h + gap) + h / 2
    ax.set_xticks(centers_x)
    ax.set_xticklabels(names)
    ax.set_yticks(centers_y)
    ax.set_yticklabels(names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title or "most confident image in each cell (count in the corner)", fontsize=10)
    return savefig(fig, path, dpi=120)


def mistakes_gallery(images, y_true, y_pred, confidence, path, count=24, columns=8, title=None):
    """The ``count`` wrong predictions the model was most confident about, as a titled image grid.

    Each tile says "true t, said p (confidence)".  Returns the saved Path,
    or raises ValueError if there are no mistakes to show.
    """
    images = to_numpy(images, "images").astype(float)
    images = images.reshape(len(images), *images.shape[-2:])
    y_true, y_pred = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    confidence = to_numpy(confidence, "confidence").astype(float).reshape(-1)
    if not (len(images) == len(y_true) == len(y_pred) == len(confidence)):
        raise ValueError("images, y_true, y_pred and confidence must have equal length")
    wrong = np.flatnonzero(y_true != y_pred)
    if wrong.size == 0:
        raise ValueError("mistakes_gallery: the model made no mistakes on these images")
    worst = wrong[np.argsort(-confidence[wrong], kind="stable")][:count]
    rows, cols = grid_shape(len(worst), columns)
    fig = new_figure(cols * 1.3, rows * 1.55 + 0.5)
    for position, index in enumerate(worst):
        ax = fig.add_subplot(rows, cols, position + 1)
        ax.imshow(images[index], cmap=INK, vmin=0.0, vmax=1.0, interpolation="nearest")
        ax.set_title(f"true {y_true[index]}, said {y_pred[index]}\n({confidence[index]:.0%})", fontsize=9)
        hide_ticks(ax)
    fig.suptitle(title or "most confident mistakes")
    return savefig(fig, path)
