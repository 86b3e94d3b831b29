"""Activation animations, the GIF writer and the 3-D scatter: files are valid and show what they should."""

import numpy as np
import pytest
from PIL import Image

from tinynet.viz import animation
from tinynet.viz.animation import (
    activation_frame, activation_gif, diverging_color, diverging_indices, gif_palette, gray_indices,
    select_frames, write_gif,
)
from tinynet.viz.scatter3d import rotating_scatter3d_gif, scatter3d


def _palette_rgb(index):
    palette = gif_palette()
    return tuple(palette[3 * index: 3 * index + 3])


def test_colormap_ends_and_middle():
    red, white, blue = diverging_color([-1.0, 0.0, 1.0])
    assert red[0] > 150 and red[2] < 80          # -1 is red
    assert tuple(white) == (255, 255, 255)       # 0 is white
    assert blue[2] > 150 and blue[0] < 80        # +1 is blue
    # Palette indices agree with the colour function, and out-of-range values are clipped.
    idx = diverging_indices(np.array([-5.0, -1.0, 0.0, 1.0, 7.0]))
    assert list(idx) == [0, 0, 100, 200, 200]
    assert _palette_rgb(int(idx[2])) == (255, 255, 255)
    assert _palette_rgb(0) == tuple(int(round(c)) for c in red)
    assert len(gif_palette()) == 768


def test_gray_indices_paper_white_ink_black():
    lo, hi = gray_indices(np.array([0.0, 1.0]))
    assert _palette_rgb(int(lo)) == (255, 255, 255)
    assert _palette_rgb(int(hi)) == (0, 0, 0)


@pytest.mark.parametrize("n_steps, max_frames", [(0, 5), (3, 5), (5, 5), (6, 5), (295, 60), (1000, 2), (7, 1)])
def test_select_frames(n_steps, max_frames):
    chosen = select_frames(n_steps, max_frames)
    assert len(chosen) == min(n_steps, max_frames)
    assert len(set(chosen)) == len(chosen) and chosen == sorted(chosen)
    assert all(0 <= k < n_steps for k in chosen)
    if n_steps:
        assert chosen[-1] == n_steps - 1           # the final state is always shown
    if n_steps and max_frames > 1:
        assert chosen[0] == 0


def test_select_frames_rejects_bad_counts():
    with pytest.raises(ValueError):
        select_frames(10, 0)


def test_activation_frame_layout_and_colours():
    n, channels, cell, gap = 3, 2, 28, 2
    images = np.zeros((n, 1, 28, 28), np.float32)
    images[1] = 1.0                                   # second digit all ink
    acts = np.zeros((n, channels, 7, 7), np.float32)
    acts[0, 0] = 1.0                                  # image 0, channel 0: blue
    acts[2, 1] = -1.0                                 # image 2, channel 1: red
    frame = activation_frame(images, acts, "caption", cell=cell, gap=gap, label_width=24)
    header, step = 18, cell + gap
    assert frame.shape == (header + gap + (1 + channels) * step, 24 + gap + n * step)

    def tile(row, col):
        top, left = header + gap + row * step, 24 + gap + col * step
        return frame[top:top + cell, left:left + cell]

    assert np.all(tile(0, 1) == gray_indices(1.0))   # input row on top
    assert np.all(tile(0, 0) == gray_indices(0.0))
    assert np.all(tile(1, 0) == 200)                 # +1 blue
    assert np.all(tile(2, 2) == 0)                   # -1 red
    assert np.all(tile(1, 1) == 100)                 # 0 white
    assert np.any(frame[:header] == animation.TEXT)   # the caption was drawn


def test_tiles_default_to_native_size_and_long_captions_widen_the_frame():
    images = np.zeros((2, 1, 28, 28))
    images[:, :, :14, :14] = 1.0                     # ink in the top-left quarter only
    small = activation_frame(images, np.zeros((2, 3, 7, 7)))   # 7x7 maps -> 14 px tiles
    assert small.shape == (18 + 2 + 4 * 16, 24 + 2 + 2 * 16)
    digit = small[20:34, 26:40]                      # the first input tile, 2x2-averaged to 14x14
    assert np.all(digit[:7, :7] == gray_indices(1.0)) and np.all(digit[7:, 7:] == gray_indices(0.0))
    wide = activation_frame(images, np.zeros((2, 3, 7, 7)), "a caption far longer than two tiles")
    assert wide.shape[0] == small.shape[0] and wide.shape[1] > small.shape[1]


def test_activation_frame_rejects_mismatched_batch():
    with pytest.raises(ValueError, match="one per image"):
        activation_frame(np.zeros((3, 1, 28, 28)), np.zeros((4, 2, 7, 7)))
    with pytest.raises(ValueError, match="images must have shape"):
        activation_frame(np.zeros((3, 28)), np.zeros((3, 2, 7, 7)))


def test_activation_gif_frame_count_size_and_counter(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.random((10, 1, 28, 28)).astype(np.float32)
    steps = list(range(1, 26))
    snapshots = [np.tanh(rng.normal(size=(10, 4, 14, 14)) * s / 10) for s in steps]
    path = tmp_path / "conv.gif"
    written = activation_gif(images, snapshots, steps, path, "conv2", max_frames=10)
    assert written == 10
    caption = "conv2  4 ch 14x14   step 25 / 25"
    expected = activation_frame(images, snapshots[-1], caption)
    # 14x14 maps are drawn at native size: 10 columns and 1 + 4 rows of 14 + 2 pixels
    assert expected.shape == (18 + 2 + 5 * 16, max(24 + 2 + 10 * 16, expected.shape[1]))
    with Image.open(path) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == 10
        assert gif.size == (expected.shape[1], expected.shape[0])
        # The last frame shows the last step's maps, exactly as activation_frame draws them.
        gif.seek(9)
        last = np.asarray(gif.convert("RGB"))
    palette = np.array(gif_palette(), np.uint8).reshape(256, 3)
    assert np.array_equal(last, palette[expected])


def test_short_run_gives_one_frame_per_step(tmp_path):
    images = np.zeros((2, 1, 8, 8))
    snapshots = [np.full((2, 1, 4, 4), v) for v in (-1.0, 0.0, 1.0)]
    path = tmp_path / "a.gif"
    assert activation_gif(images, snapshots, [1, 2, 3], path, max_frames=50) == 3
    with Image.open(path) as gif:
        assert gif.n_frames == 3
        colours = []
        for k in range(3):
            gif.seek(k)
            rgb = np.asarray(gif.convert("RGB"))
            colours.append(tuple(rgb[18 + 2 + 16 + 7, 24 + 2 + 7]))  # inside image 0, channel 0
    assert colours[0][0] > colours[0][2]        # step 1: -1, red
    assert colours[1] == (255, 255, 255)        # step 2: 0, white
    assert colours[2][2] > colours[2][0]        # step 3: +1, blue


def test_activation_gif_errors(tmp_path):
    with pytest.raises(ValueError, match="one step number per snapshot"):
        activation_gif(np.zeros((1, 1, 4, 4)), [np.zeros((1, 1, 2, 2))], [1, 2], tmp_path / "x.gif")
    with pytest.raises(ValueError, match="no activations"):
        activation_gif(np.zeros((1, 1, 4, 4)), [], [], tmp_path / "x.gif", "conv1")


def test_write_gif_rgb_and_errors(tmp_path):
    frames = [np.full((12, 16, 3), v, np.uint8) for v in (0, 128, 255)]
    path = write_gif(frames, tmp_path / "rgb.gif", duration_ms=50)
    with Image.open(path) as gif:
        assert gif.n_frames == 3 and gif.size == (16, 12)
    with pytest.raises(ValueError, match="at least one frame"):
        write_gif([], tmp_path / "none.gif")
    with pytest.raises(ValueError, match="same shape"):
        write_gif([frames[0], np.zeros((5, 5, 3), np.uint8)], tmp_path / "bad.gif")
    with pytest.raises(ValueError, match="palette"):
        write_gif([np.zeros((4, 4), np.uint8)], tmp_path / "bad.gif")
    with pytest.raises(TypeError, match="uint8"):
        write_gif([np.zeros((4, 4, 3))], tmp_path / "bad.gif")


def test_scatter3d_png_and_rotating_gif(tmp_path):
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 10, 300)
    points = rng.normal(size=(300, 3)) + labels[:, None]
    png = scatter3d(points, labels, tmp_path / "codes.png", title="codes")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    gif_path = rotating_scatter3d_gif(points, labels, tmp_path / "codes.gif", n_frames=4, size=(3, 3), dpi=50)
    with Image.open(gif_path) as gif:
        assert gif.n_frames == 4 and gif.size == (150, 150)


def test_scatter3d_validates():
    with pytest.raises(ValueError, match=r"\(N, 3\)"):
        scatter3d(np.zeros((5, 2)), np.zeros(5, int), "unused.png")
    with pytest.raises(ValueError, match="one per point"):
        scatter3d(np.zeros((5, 3)), np.zeros(4, int), "unused.png")
    with pytest.raises(TypeError, match="integers"):
        scatter3d(np.zeros((5, 3)), np.zeros(5), "unused.png")
