"""Sprite sheets: every frame of a recording in one PNG, for the tour page's step slider.

A web page opened from disk may show images but not read files, so the frames a training run
recorded travel as pictures: frame k of a sheet sits at column ``k % per_row``, row
``k // per_row``, and the page shows one frame at a time by moving the sheet behind a window
(CSS ``background-position``).  One file per recording keeps the page to a handful of requests.

Values are drawn red-white-blue (-1 red, 0 white, +1 blue, as every other tinynet figure) in
``LEVELS`` shades: 33 shades (steps of 1/16) are plenty for the eye and compress about three
times better than 256, which matters for hundreds of frames.  NaN marks a gap between tiles.
"""

import numpy as np

from tinynet.viz.animation import diverging_color

LEVELS = 33
GAP_COLOR = (236, 236, 236)
MAX_SHEET_WIDTH = 4096  # pixels; browsers and image decoders handle this everywhere


def tile(maps, gap):
    """(rows, columns, h, w) maps -> one 2-D picture with ``gap`` pixels of NaN between neighbouring tiles.

    Tile (r, c) starts at row r * (h + gap), column c * (w + gap); the picture is
    rows * (h + gap) - gap pixels high and columns * (w + gap) - gap wide.
    """
    maps = np.asarray(maps, dtype=np.float32)
    if maps.ndim != 4:
        raise ValueError(f"tile expects (rows, columns, h, w) maps, got shape {maps.shape}")
    rows, columns, h, w = maps.shape
    picture = np.full((rows, h + gap, columns, w + gap), np.nan, dtype=np.float32)
    picture[:, :h, :, :w] = maps.transpose(0, 2, 1, 3)
    picture = picture.reshape(rows * (h + gap), columns * (w + gap))
    return picture[:picture.shape[0] - gap, :picture.shape[1] - gap]


def sheet_layout(frames, frame_width, max_width=MAX_SHEET_WIDTH):
    """How many frames side by side, so that a sheet stays at most ``max_width`` pixels wide."""
    if frames < 1 or frame_width < 1:
        raise ValueError(f"need at least one frame of positive width, got {frames} frames {frame_width} wide")
    return max(1, min(frames, max_width // frame_width))


def _palette(levels):
    """The sheet's palette: ``levels`` red-white-blue shades, then the gap colour."""
    colors = np.zeros((256, 3))
    colors[:levels] = diverging_color(np.linspace(-1.0, 1.0, levels))
    colors[levels] = GAP_COLOR
    return [int(round(c)) for c in colors.ravel()]


def write_sprite(frames, path, levels=LEVELS, max_width=MAX_SHEET_WIDTH):
    """Write the (T, H, W) ``frames`` (values in [-1, 1], clipped; NaN = gap) as one sheet.

    Returns ``per_row``, the number of frames side by side (frame k is at column k % per_row,
    row k // per_row).
    """
    from PIL import Image

    frames = np.asarray(frames, dtype=np.float32)
    if frames.ndim != 3:
        raise ValueError(f"write_sprite expects (frames, height, width), got shape {frames.shape}")
    if not 3 <= levels <= 255:
        raise ValueError(f"levels must be from 3 to 255, got {levels}")
    count, height, width = frames.shape
    per_row = sheet_layout(count, width, max_width)
    rows = -(-count // per_row)
    indices = np.full((rows * height, per_row * width), levels, dtype=np.uint8)  # unused cells: gap colour
    gaps = np.isnan(frames)
    shades = np.rint((np.clip(np.nan_to_num(frames), -1.0, 1.0) + 1.0) * ((levels - 1) / 2)).astype(np.uint8)
    shades[gaps] = levels
    for k in range(count):
        top, left = (k // per_row) * height, (k % per_row) * width
        indices[top:top + height, left:left + width] = shades[k]
    picture = Image.frombytes("P", (indices.shape[1], indices.shape[0]), np.ascontiguousarray(indices).tobytes())
    picture.putpalette(_palette(levels))
    picture.save(path, format="PNG", optimize=True)
    return per_row


def write_ink_picture(images, path, gap):
    """Grey-level images (0 white paper .. 1 black ink), (rows, columns, h, w), as one PNG with grey gaps."""
    from PIL import Image

    picture = tile(images, gap)
    ink = np.clip(np.nan_to_num(picture, nan=0.0), 0.0, 1.0)
    rgb = np.repeat((255.0 * (1.0 - ink))[..., None], 3, axis=-1)
    rgb[np.isnan(picture)] = GAP_COLOR
    Image.fromarray(np.rint(rgb).astype(np.uint8)).save(path, format="PNG", optimize=True)
    return picture.shape
