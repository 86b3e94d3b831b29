"""Watch a network learn: animated GIFs of a layer's activation maps, one frame per training step.

Each frame is a grid: one column per input image, the input digits in the top row, then one row
per channel of the layer, coloured red-white-blue (-1 red, 0 white, +1 blue -- the range of tanh).
A line at the top says which layer and which training step the frame shows.

Frames are drawn with numpy straight into palette indices (no matplotlib per frame), so an
animation of a few hundred steps takes a fraction of a second to draw.  ``ActivationRecorder``
collects the maps during training with forward hooks; ``activation_gif`` turns them into a GIF.
"""

from pathlib import Path

import numpy as np
from matplotlib.colors import to_rgb

from tinynet.viz import style

# The GIF palette (256 colours), shared by every frame so colours never flicker:
DIVERGING_LEVELS = 201            # indices 0..200: -1 (red) .. 0 (white, index 100) .. +1 (blue)
GRAY_FIRST, GRAY_LEVELS = 201, 52  # indices 201..252: input intensity 0 (white) .. 1 (black)
TEXT, BACKGROUND, GAP = 253, 254, 255

# The same three colours as every other red-white-blue figure of tinynet.viz.
_RED, _WHITE, _BLUE = (255.0 * np.array(to_rgb(c)) for c in (style.RED, style.WHITE, style.BLUE))


def diverging_color(values):
    """RGB in [0, 255] for values in [-1, 1]: -1 red, 0 white, +1 blue, linear in between."""
    v = np.clip(np.asarray(values, dtype=float), -1.0, 1.0)[..., None]
    toward = np.where(v < 0, _RED, _BLUE)
    return _WHITE + np.abs(v) * (toward - _WHITE)


def gif_palette():
    """The 256-colour palette used by every activation frame, as a flat [r, g, b, ...] list."""
    colors = np.zeros((256, 3))
    colors[:DIVERGING_LEVELS] = diverging_color(np.linspace(-1.0, 1.0, DIVERGING_LEVELS))
    ink = np.linspace(0.0, 1.0, GRAY_LEVELS)
    colors[GRAY_FIRST:GRAY_FIRST + GRAY_LEVELS] = 255.0 * (1.0 - ink)[:, None]
    colors[TEXT] = (0, 0, 0)
    colors[BACKGROUND] = (255, 255, 255)
    colors[GAP] = (200, 200, 200)
    return [int(round(c)) for c in colors.ravel()]


def diverging_indices(values):
    """Palette indices of values in [-1, 1] (values outside are clipped)."""
    v = np.clip(np.nan_to_num(np.asarray(values, dtype=np.float32)), -1.0, 1.0)
    return np.rint((v + 1.0) * ((DIVERGING_LEVELS - 1) / 2)).astype(np.uint8)


def gray_indices(values):
    """Palette indices of intensities in [0, 1]: 0 white paper, 1 black ink."""
    v = np.clip(np.nan_to_num(np.asarray(values, dtype=np.float32)), 0.0, 1.0)
    return (GRAY_FIRST + np.rint(v * (GRAY_LEVELS - 1))).astype(np.uint8)


def _resize(maps, size):
    """Resize the last two axes of ``maps`` to size x size: by averaging k x k blocks when
    shrinking by a whole factor k (a 28x28 digit becomes a clean 14x14 one), otherwise by
    taking the nearest pixel (enlarged maps keep square pixels)."""
    h, w = maps.shape[-2:]
    if h == w and h > size and h % size == 0:
        k = h // size
        return maps.reshape(*maps.shape[:-2], size, k, size, k).mean(axis=(-3, -1))
    rows = np.arange(size) * h // size
    cols = np.arange(size) * w // size
    return maps[..., rows, :][..., cols]


def _palette_image(indices):
    """A PIL "P" (palette) image holding the 2-D uint8 array ``indices``."""
    from PIL import Image

    indices = np.ascontiguousarray(indices, dtype=np.uint8)
    return Image.frombytes("P", (indices.shape[1], indices.shape[0]), indices.tobytes())


def _font(size):
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1 has only the small bitmap font
        return ImageFont.load_default()


def default_cell(map_size):
    """Tile size in pixels for maps of ``map_size``: native size, but at least 14 (7x7 maps are
    doubled).  Small tiles keep the GIFs small: most of a frame changes every step."""
    return max(14, int(map_size))


def activation_frame(images, activations, caption="", cell=None, gap=2, label_width=24):
    """One frame as a 2-D array of palette indices (see ``gif_palette``).

    images: (n, H0, W0) or (n, 1, H0, W0) inputs in [0, 1], drawn in the top row.
    activations: (n, C, H, W) activation maps in [-1, 1] (tanh), one row per channel.
    Every map and image is scaled to ``cell`` x ``cell`` pixels (default ``default_cell`` of the
    maps' height).
    """
    from PIL import ImageDraw

    images = np.asarray(images)
    activations = np.asarray(activations)
    if images.ndim == 4 and images.shape[1] == 1:
        images = images[:, 0]
    if images.ndim != 3:
        raise ValueError(f"images must have shape (n, H, W) or (n, 1, H, W), got {images.shape}")
    if activations.ndim != 4 or activations.shape[0] != images.shape[0]:
        raise ValueError(f"activations must have shape (n, C, H, W) with n = {images.shape[0]} "
                         f"(one per image), got {activations.shape}")
    n, channels = activations.shape[:2]
    if cell is None:
        cell = default_cell(activations.shape[2])
    header = 18
    step = cell + gap
    font = _font(11)
    grid_width = label_width + gap + n * step
    width = max(grid_width, int(np.ceil(font.getlength(caption))) + 6)  # room for the caption
    frame = np.full((header + gap + (1 + channels) * step, width), BACKGROUND, dtype=np.uint8)
    frame[header:, label_width:grid_width] = GAP
    rows = [gray_indices(_resize(images, cell))]  # (n, cell, cell)
    big = diverging_indices(_resize(activations, cell))  # (n, C, cell, cell)
    rows += [big[:, c] for c in range(channels)]
    for r, tiles in enumerate(rows):
        top = header + gap + r * step
        for i in range(n):
            left = label_width + gap + i * step
            frame[top:top + cell, left:left + cell] = tiles[i]
    picture = _palette_image(frame)
    draw = ImageDraw.Draw(picture)
    draw.text((3, 3), caption, fill=TEXT, font=font)
    for r in range(1 + channels):
        draw.text((2, header + gap + r * step + cell // 2 - 6), "in" if r == 0 else str(r - 1),
                  fill=TEXT, font=font)
    return np.asarray(picture)


def select_frames(n_steps, max_frames):
    """Which of ``n_steps`` recorded steps to show: all of them, or ``max_frames`` evenly spaced
    ones that always include the first and the last step."""
    if n_steps < 0 or max_frames < 1:
        raise ValueError(f"need n_steps >= 0 and max_frames >= 1, got {n_steps} and {max_frames}")
    if n_steps <= max_frames:
        return list(range(n_steps))
    if max_frames == 1:
        return [n_steps - 1]
    # Spacing (n_steps - 1) / (max_frames - 1) >= 1, so the rounded positions are all distinct.
    return [int(i) for i in np.rint(np.linspace(0, n_steps - 1, max_frames))]


def write_gif(frames, path, duration_ms=100, palette=None, loop=0):
    """Write an animated GIF; returns the path.

    frames: 2-D uint8 arrays of palette indices (give ``palette``, a flat list of 768 ints) or
    (H, W, 3) uint8 RGB arrays (each reduced to 256 colours).  Every frame must have the same size.
    """
    from PIL import Image

    frames = list(frames)
    if not frames:
        raise ValueError("write_gif needs at least one frame, got none")
    shape = np.asarray(frames[0]).shape
    pictures = []
    for k, frame in enumerate(frames):
        frame = np.asarray(frame)
        if frame.shape != shape:
            raise ValueError(f"all frames must have the same shape; frame 0 is {shape}, frame {k} is {frame.shape}")
        if frame.dtype != np.uint8:
            raise TypeError(f"frames must be uint8 arrays, got {frame.dtype} in frame {k}")
        if frame.ndim == 2:
            if palette is None:
                raise ValueError("2-D frames are palette indices: pass palette= (768 ints)")
            picture = _palette_image(frame)
            picture.putpalette(palette)
        elif frame.ndim == 3 and frame.shape[2] == 3:
            picture = Image.fromarray(np.ascontiguousarray(frame)).quantize(colors=256)
        else:
            raise ValueError(f"a frame must be (H, W) palette indices or (H, W, 3) RGB, got shape {frame.shape}")
        pictures.append(picture)
    path = Path(path)
    pictures[0].save(path, format="GIF", save_all=True, append_images=pictures[1:],
                     duration=int(duration_ms), loop=loop, optimize=False)
    return path


def activation_gif(images, snapshots, steps, path, layer_name="", max_frames=40, duration_ms=120,
                   total_steps=None, cell=None):
    """Animate one layer's activation maps over training; returns the number of frames written.

    images: the (n, 1, H, W) inputs; snapshots: one (n, C, h, w) array per recorded step;
    steps: the training step of each snapshot.  At most ``max_frames`` evenly spaced snapshots
    are used (``select_frames``), so long runs still give small files.
    """
    if len(snapshots) != len(steps):
        raise ValueError(f"need one step number per snapshot, got {len(snapshots)} snapshots "
                         f"and {len(steps)} steps")
    if not snapshots:
        raise ValueError(f"no activations were recorded for layer {layer_name!r}")
    total = total_steps if total_steps is not None else steps[-1]
    frames = []
    for k in select_frames(len(snapshots), max_frames):
        channels, h, w = snapshots[k].shape[1:]
        caption = f"{layer_name}  {channels} ch {h}x{w}   step {steps[k]} / {total}"
        frames.append(activation_frame(images, snapshots[k], caption, cell=cell))
    write_gif(frames, path, duration_ms=duration_ms, palette=gif_palette())
    return len(frames)


class ActivationRecorder:
    """Record chosen layers' outputs for a few fixed images, e.g. after every training step.

    layers: dict name -> Module of the model.  ``record(step)`` runs the model on ``images`` with
    ``tinynet.viz.hidden.capture_activations`` (forward hooks, under ``no_grad``: no graph is built,
    so it is cheap) and keeps a float16 copy of each output in ``snapshots[name]`` (half the
    memory; plenty for a colour map); ``steps`` lists the recorded step numbers.
    """

    def __init__(self, model, layers, images):
        self.model = model
        self.layers = dict(layers)
        self.images = images
        self.steps = []
        self.snapshots = {name: [] for name in self.layers}

    def record(self, step):
        """Run the images through the model once (eval mode, no graph) and store every watched
        layer's output."""
        from tinynet.viz.hidden import capture_activations

        was_training = getattr(self.model, "training", False)
        if hasattr(self.model, "eval"):
            self.model.eval()
        try:
            caught = capture_activations(self.model, self.images, self.layers)
        finally:
            if was_training and hasattr(self.model, "train"):
                self.model.train()
        for name, output in caught.items():
            self.snapshots[name].append(np.asarray(output, dtype=np.float16))
        self.steps.append(step)
