"""Weights drawn as pictures: one tile per unit, red-white-blue (+ blue, 0 white, - red).

A unit of the first layer of an MNIST network has one weight per pixel,
so its 784 weights can be laid out as a 28x28 image: blue where ink makes
the unit fire more, red where ink makes it fire less.  ``weight_grid`` does
that for any layer whose inputs form an image; ``weight_bars`` draws small
weight vectors (e.g. how each output class combines a few hidden units).
"""

import math

import numpy as np

from tinynet.viz._arrays import to_numpy
from tinynet.viz.style import INK, RED_WHITE_BLUE, hide_ticks, new_figure, savefig, symmetric_limit


def _tiles(weights, shape):
    """Weights as (K, H, W) tiles; ``shape`` (H, W) is needed only for flat (K, H*W) weights that are not square."""
    array = to_numpy(weights, "weights").astype(float)
    if array.ndim == 4 and array.shape[1] == 1:  # conv filters (K, 1, H, W)
        array = array[:, 0]
    if array.ndim == 2:
        if shape is None:
            side = math.isqrt(array.shape[1])
            if side * side != array.shape[1]:
                raise ValueError(f"weights have {array.shape[1]} inputs per unit, not a square image; pass shape=(H, W)")
            shape = (side, side)
        shape = tuple(int(s) for s in shape)
        if len(shape) != 2 or shape[0] * shape[1] != array.shape[1]:
            raise ValueError(f"shape {shape} does not hold {array.shape[1]} weights per unit")
        return array.reshape(len(array), *shape)
    if array.ndim == 3:
        return array
    raise ValueError(f"expected weights of shape (units, H*W), (units, H, W) or (units, 1, H, W), got {array.shape}")


def grid_shape(count, columns):
    """(rows, columns) of a grid for ``count`` tiles: ``columns`` if given, else about square (at most 10 wide)."""
    if columns is None:
        columns = min(count, 10 if count > 16 else max(1, math.ceil(math.sqrt(count))))
    if int(columns) < 1:
        raise ValueError(f"columns must be >= 1, got {columns}")
    columns = int(columns)
    return math.ceil(count / columns), columns


def weight_grid(weights, path, shape=None, titles=None, columns=None, scale="shared", title=None, tile_inches=1.1):
    """Draw each unit's incoming weights as an image tile and save the grid to ``path``.

    Parameters
    ----------
    weights : array, Tensor, Parameter or layer (its ``.weight``)
        (units, H*W) as in ``Linear.weight``, (units, H, W), or conv filters (units, 1, H, W).
    path : where to save (PNG, SVG, PDF ... by extension)
    shape : (H, W) for flat weights that are not square (square ones are detected).
    titles : one label per tile (default "unit 0", "unit 1", ...).
    columns : tiles per row.
    scale : "shared" -- one -m..+m scale for all tiles, so tiles can be compared
        (a colour bar shows it); "each" -- every tile on its own scale, to see
        the pattern of weak units too.
    title : figure title.

    Returns the saved Path.
    """
    tiles = _tiles(weights, shape)
    if scale not in ("shared", "each"):
        raise ValueError(f"scale must be 'shared' or 'each', got {scale!r}")
    count = len(tiles)
    if titles is None:
        titles = [f"unit {i}" for i in range(count)]
    if len(titles) != count:
        raise ValueError(f"got {len(titles)} titles for {count} tiles")
    rows, cols = grid_shape(count, columns)
    fig = new_figure(cols * tile_inches + (0.8 if scale == "shared" else 0), rows * tile_inches + 0.5)
    shared_limit = symmetric_limit(tiles)
    image = None
    for i, tile in enumerate(tiles):
        ax = fig.add_subplot(rows, cols, i + 1)
        limit = shared_limit if scale == "shared" else symmetric_limit(tile)
        image = ax.imshow(tile, cmap=RED_WHITE_BLUE, vmin=-limit, vmax=limit, interpolation="nearest")
        ax.set_title(str(titles[i]), fontsize=8)
        hide_ticks(ax)
    if scale == "shared" and image is not None:
        fig.colorbar(image, ax=fig.axes, shrink=0.8, label="weight")
    if title:
        fig.suptitle(title)
    return savefig(fig, path)


def image_grid(images, path, titles=None, columns=None, title=None, tile_inches=1.0):
    """Draw grey-level images (ink 1 = black, paper 0 = white) in a grid, e.g. digits; returns the Path.

    ``images``: (N, H, W), (N, 1, H, W) or flat square (N, H*W).
    """
    tiles = _tiles(images, None)
    count = len(tiles)
    if titles is not None and len(titles) != count:
        raise ValueError(f"got {len(titles)} titles for {count} images")
    rows, cols = grid_shape(count, columns)
    fig = new_figure(cols * tile_inches, rows * tile_inches + 0.5)
    for i, tile in enumerate(tiles):
        ax = fig.add_subplot(rows, cols, i + 1)
        ax.imshow(tile, cmap=INK, vmin=0.0, vmax=max(1.0, float(tile.max())), interpolation="nearest")
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=8)
        hide_ticks(ax)
    if title:
        fig.suptitle(title)
    return savefig(fig, path)


def weight_bars(weights, path, row_titles=None, column_labels=None, title=None, xlabel="input unit"):
    """One bar chart per row of ``weights`` (e.g. per output class: its weight on each hidden unit).

    Bars are blue for positive and red for negative weights, on a shared
    y-scale so rows can be compared.  ``weights``: (rows, inputs), e.g.
    ``Linear.weight`` of the output layer.  Returns the saved Path.
    """
    array = to_numpy(weights, "weights").astype(float)
    if array.ndim != 2:
        raise ValueError(f"weight_bars expects a 2-D (rows, inputs) array, got shape {array.shape}")
    rows, inputs = array.shape
    row_titles = [f"row {i}" for i in range(rows)] if row_titles is None else list(row_titles)
    column_labels = [str(i) for i in range(inputs)] if column_labels is None else [str(c) for c in column_labels]
    if len(row_titles) != rows or len(column_labels) != inputs:
        raise ValueError(f"weights are {rows}x{inputs} but got {len(row_titles)} row titles "
                         f"and {len(column_labels)} column labels")
    limit = symmetric_limit(array) * 1.05
    cols = min(rows, 5)
    grid_rows = math.ceil(rows / cols)
    fig = new_figure(2.4 * cols, 1.8 * grid_rows + 0.5)
    positions = np.arange(inputs)
    for r in range(rows):
        ax = fig.add_subplot(grid_rows, cols, r + 1)
        colors = np.where(array[r] >= 0, "#2166ac", "#b2182b")
        ax.bar(positions, array[r], color=colors)
        ax.axhline(0, color="black", lw=0.5)
        ax.set_ylim(-limit, limit)
        ax.set_xticks(positions)
        ax.set_xticklabels(column_labels, fontsize=8)
        ax.set_title(str(row_titles[r]), fontsize=9)
        ax.tick_params(axis="y", labelsize=8)
        if r % cols:
            ax.set_yticklabels([])
        if r >= rows - cols:
            ax.set_xlabel(xlabel, fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return savefig(fig, path)
