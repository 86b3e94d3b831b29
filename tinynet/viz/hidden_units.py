"""The classic picture of a one-hidden-layer classifier: each hidden unit's filter above how every class uses it.

Column j shows hidden unit j twice: on top its incoming weights drawn as an image (what it looks
for in the input), below one bar per class, the output weight from unit j to that class (how much
that class's score rises, blue, or falls, red, when unit j fires).  Reading across a row of bars
says which filters vote for and against one class; reading down a column says what one filter is
evidence for.  All filters share one colour scale (the colour bar), all bars one length scale.
"""

import numpy as np

from tinynet.viz._arrays import to_numpy
from tinynet.viz.style import BLUE, RED, RED_WHITE_BLUE, hide_ticks, new_figure, savefig, symmetric_limit


def filters_and_class_weights(first_weight, second_weight, path, shape=(28, 28), class_names=None, title=None,
                              limit=None):
    """Draw hidden filters (``first_weight``: (units, H*W)) above the class-by-unit output weights
    (``second_weight``: (classes, units)) and save to ``path``; returns the Path.

    ``limit``: the colour scale of the filters runs from -limit to +limit (default: their largest |weight|).
    """
    filters = to_numpy(first_weight, "first_weight").astype(float)
    bars = to_numpy(second_weight, "second_weight").astype(float)
    if filters.ndim != 2 or bars.ndim != 2 or bars.shape[1] != filters.shape[0]:
        raise ValueError(f"expected first_weight (units, inputs) and second_weight (classes, units) with the same "
                         f"number of units, got {filters.shape} and {bars.shape}")
    units, classes = filters.shape[0], bars.shape[0]
    if filters.shape[1] != shape[0] * shape[1]:
        raise ValueError(f"shape {shape} does not hold {filters.shape[1]} weights per unit")
    names = [str(k) for k in range(classes)] if class_names is None else [str(n) for n in class_names]
    limit = symmetric_limit(filters) if limit is None else float(limit)
    bar_limit = symmetric_limit(bars) * 1.08
    fig = new_figure(1.0 * units + 1.3, 1.05 + 0.3 * classes + 0.9)
    grid = fig.add_gridspec(2, units + 1, height_ratios=[1.0, 0.3 * classes], width_ratios=[1] * units + [0.25],
                            hspace=0.08, wspace=0.12, left=0.07, right=0.95, top=0.86, bottom=0.12)
    image = None
    positions = np.arange(classes)
    for j in range(units):
        ax = fig.add_subplot(grid[0, j])
        image = ax.imshow(filters[j].reshape(shape), cmap=RED_WHITE_BLUE, vmin=-limit, vmax=limit,
                          interpolation="nearest")
        ax.set_title(f"unit {j}", fontsize=9)
        hide_ticks(ax)
        ax = fig.add_subplot(grid[1, j])
        ax.barh(positions, bars[:, j], color=np.where(bars[:, j] >= 0, BLUE, RED), height=0.75)
        ax.axvline(0, color="black", lw=0.6)
        ax.set_xlim(-bar_limit, bar_limit)
        ax.set_ylim(classes - 0.5, -0.5)
        ax.set_yticks(positions)
        ax.set_yticklabels(names if j == 0 else [], fontsize=9)
        ax.set_xticks([])
        ax.grid(axis="y", color="#eeeeee", lw=0.5)
        ax.set_axisbelow(True)
        if j == 0:
            ax.set_ylabel("class (digit)", fontsize=9)
    colour_bar = fig.colorbar(image, cax=fig.add_subplot(grid[0, units]))
    colour_bar.ax.tick_params(labelsize=8)
    colour_bar.set_label("input weight", fontsize=8)
    fig.text(0.51, 0.06, f"bars: output weight from unit j to each class (bar length {bar_limit / 1.08:.2g} at "
             "the widest; blue raises the class's score, red lowers it)", ha="center", fontsize=9)
    if title:
        fig.suptitle(title, fontsize=11)
    return savefig(fig, path)
