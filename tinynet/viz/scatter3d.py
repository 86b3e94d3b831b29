"""Points in 3-D, coloured by class: e.g. an autoencoder's 3-number codes for test digits.

``scatter3d`` draws one still picture (matplotlib's mplot3d); ``rotating_scatter3d_gif`` turns the
camera once around the vertical axis so the clusters' shape can be seen from every side.
"""

from pathlib import Path

import numpy as np

from tinynet.viz import style

_VIEW_ELEVATION = 20.0


def _check(points, labels):
    """points (N, 3) floats and labels (N,) ints, validated."""
    points = np.asarray(points, dtype=float)
    labels = np.asarray(labels)
    if points.ndim != 2 or points.shape[1] != 3:
        raise ValueError(f"points must have shape (N, 3), got {points.shape}")
    if labels.shape != (points.shape[0],):
        raise ValueError(f"labels must have shape ({points.shape[0]},) (one per point), got {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"labels must be integers, got dtype {labels.dtype}")
    return points, labels


def _draw(points, labels, title, class_names, size):
    """A Figure with the scatter on a 3-D axes; returns (figure, axes)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    import matplotlib

    fig = Figure(figsize=size)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(projection="3d")
    fig.subplots_adjust(left=0.0, right=0.76)  # room on the right for the legend
    colors = matplotlib.colormaps[style.CLASS_COLORS]
    for cls in np.unique(labels):
        mask = labels == cls
        name = class_names[cls] if class_names is not None else str(cls)
        ax.scatter(points[mask, 0], points[mask, 1], points[mask, 2], s=6, alpha=0.7,
                   color=colors(int(cls) % 10), label=name, depthshade=False)
    ax.set_xlabel("code 1")
    ax.set_ylabel("code 2")
    ax.set_zlabel("code 3")
    ax.set_title(title)
    # Outside the axes, on the right: a legend inside a 3-D plot hides points in some views.
    ax.legend(loc="center left", bbox_to_anchor=(1.16, 0.5), fontsize=9, markerscale=2.5, title="class",
              title_fontsize=9)
    return fig, ax


def scatter3d(points, labels, path, title="", class_names=None, elev=_VIEW_ELEVATION, azim=-60.0):
    """Save a 3-D scatter of ``points`` (N, 3), one colour per integer label, with a legend."""
    points, labels = _check(points, labels)
    fig, ax = _draw(points, labels, title, class_names, (7.5, 6))
    ax.view_init(elev=elev, azim=azim)
    path = Path(path)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    return path


def rotating_scatter3d_gif(points, labels, path, title="", class_names=None, n_frames=36,
                           duration_ms=120, size=(6, 4.5), dpi=80):
    """Save a GIF that turns the camera 360 degrees around the scatter in ``n_frames`` steps."""
    from tinynet.viz.animation import write_gif

    points, labels = _check(points, labels)
    if n_frames < 1:
        raise ValueError(f"n_frames must be >= 1, got {n_frames}")
    fig, ax = _draw(points, labels, title, class_names, size)
    fig.set_dpi(dpi)
    frames = []
    for azim in np.linspace(0.0, 360.0, n_frames, endpoint=False):
        ax.view_init(elev=_VIEW_ELEVATION, azim=azim)
        fig.canvas.draw()
        frames.append(np.asarray(fig.canvas.buffer_rgba())[..., :3].copy())
    return write_gif(frames, path, duration_ms=duration_ms)
