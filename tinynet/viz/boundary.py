"""Decision boundaries in a 2-D input space: where a classifier changes its answer.

The model is evaluated on a fine grid covering the data; the background is
coloured by its output (red = class 0 side, blue = class 1 side, white near
the threshold) and the boundary itself (output == threshold) is drawn as a
black line.  A model with no hidden layer can only draw a straight line;
a hidden layer lets it bend.
"""

import matplotlib.colors
import numpy as np

from tinynet.viz._arrays import call_model, to_numpy
from tinynet.viz.style import RED_WHITE_BLUE, new_figure, savefig


def _grid(X, resolution, margin):
    """A resolution x resolution grid of points covering X plus a margin."""
    low = X.min(axis=0) - margin
    high = X.max(axis=0) + margin
    xs = np.linspace(low[0], high[0], resolution)
    ys = np.linspace(low[1], high[1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    return gx, gy, np.column_stack([gx.ravel(), gy.ravel()]).astype(np.float32)


def draw_decision_boundary(ax, model_fn, X, y, threshold=0.5, resolution=200, margin=0.5, title=None):
    """Draw a binary classifier's output over the plane of ``X`` into the Axes ``ax``.

    ``model_fn`` maps an (M, 2) float32 batch to M scores, (M,) or (M, 1):
    a tinynet Module (run on a Tensor without a graph) or any function of a
    numpy array.  Scores above ``threshold`` mean class 1 (use 0.5 for
    probabilities, 0 for logits).  ``X``: (N, 2) points, ``y``: their 0/1 labels.
    """
    X = to_numpy(X, "X").astype(np.float32)
    y = to_numpy(y, "y").reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"decision_boundary expects 2-D points X of shape (N, 2), got {X.shape}")
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} points but y has {len(y)} labels")
    gx, gy, points = _grid(X, resolution, margin)
    scores = call_model(model_fn, points).astype(float)
    if scores.size != len(points):
        raise ValueError(f"model output must be one score per point, got shape {scores.shape} for {len(points)} points")
    scores = scores.reshape(gx.shape)
    if scores.min() >= 0.0 and scores.max() <= 1.0 and 0.0 < threshold < 1.0:
        # Probabilities: colour on the fixed 0..1 scale, so "unsure everywhere" (p ~ 0.5) looks white.
        norm = matplotlib.colors.TwoSlopeNorm(vmin=0.0, vcenter=threshold, vmax=1.0)
    else:
        spread = max(abs(scores.max() - threshold), abs(threshold - scores.min()), 1e-9)
        norm = matplotlib.colors.Normalize(vmin=threshold - spread, vmax=threshold + spread)
    ax.contourf(gx, gy, scores, levels=np.linspace(norm.vmin, norm.vmax, 31), cmap=RED_WHITE_BLUE, norm=norm,
                alpha=0.8, extend="both")
    if scores.min() < threshold < scores.max():
        ax.contour(gx, gy, scores, levels=[threshold], colors="black", linewidths=1.5)
    for label, color, marker in ((0, "#b2182b", "o"), (1, "#2166ac", "s")):
        chosen = y == label
        ax.scatter(X[chosen, 0], X[chosen, 1], c=color, marker=marker, s=80, edgecolors="black",
                   label=f"class {label}", zorder=3)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_aspect("equal")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def decision_boundary(model_fn, X, y, path, threshold=0.5, resolution=200, margin=0.5, title=None):
    """Save a picture of a binary classifier's decision boundary over 2-D data ``X`` to ``path``.

    See ``draw_decision_boundary`` for the arguments.  Returns the saved Path.
    """
    fig = new_figure(4.5, 4.2)
    ax = fig.add_subplot()
    draw_decision_boundary(ax, model_fn, X, y, threshold=threshold, resolution=resolution, margin=margin,
                           title=title)
    ax.legend(loc="upper right", fontsize=8)
    return savefig(fig, path)
