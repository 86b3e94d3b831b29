"""Shared look of tinynet's figures: headless backend, colormaps, and saving.

Figures are built with ``matplotlib.figure.Figure`` directly (never pyplot),
so drawing works without a display and leaves the user's pyplot state alone.
For people who *do* use pyplot on a machine without a display,
``use_agg_if_headless`` selects the file-only Agg backend before pyplot
would pick an interactive one and fail.

The weight colormap is red-white-blue: +1 blue, 0 white, -1 red.  Weights
are shown on a symmetric scale (-m..+m, m = largest magnitude), so white
always means "zero" and the two signs are equally saturated.
"""

import os
import sys
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

RED = "#b2182b"
WHITE = "#ffffff"
BLUE = "#2166ac"

# -1 red, 0 white, +1 blue (the same three colours as the activation GIFs).
# An odd number of levels, so that 0 falls exactly on the middle (white) entry.
RED_WHITE_BLUE = LinearSegmentedColormap.from_list("tinynet_red_white_blue", [RED, WHITE, BLUE], N=255)
# Digits: 0 = white paper, 1 = black ink.
INK = "gray_r"
# One colour per class 0-9 (matplotlib's tab10).
CLASS_COLORS = "tab10"


def is_headless():
    """True when there is no display to open windows on (Linux/BSD without DISPLAY or WAYLAND_DISPLAY)."""
    if sys.platform in ("win32", "darwin"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def use_agg_if_headless():
    """Select the Agg (file-only) backend when headless and pyplot has not picked a backend yet."""
    if is_headless() and "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")


def new_figure(width=6.0, height=4.0):
    """A blank matplotlib Figure of ``width`` x ``height`` inches, independent of pyplot."""
    return Figure(figsize=(width, height))


def symmetric_limit(values):
    """The largest magnitude in ``values`` (at least a tiny positive number), for a -m..+m colour scale."""
    values = np.asarray(values, dtype=float)
    finite = values[np.isfinite(values)]
    largest = float(np.abs(finite).max()) if finite.size else 0.0
    return largest if largest > 0 else 1e-12


def savefig(fig, path, dpi=100):
    """Save ``fig`` to ``path`` (creating its folder), tightly cropped; returns the Path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    return path


def hide_ticks(ax):
    """Remove ticks and tick labels (for image tiles)."""
    ax.set_xticks([])
    ax.set_yticks([])
