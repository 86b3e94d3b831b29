"""What an example declares and hands back: its section of the tour page, its figures and its numbers.

An example module declares its lesson once, as ``SECTION = Section(...)``; its ``run()`` returns
an ``ExampleResult``: what the run made, in the order the page shows it, and the numbers it measured.

* ``Figure``       a file (a PNG shown on the page; ``shown=False``: offered as a download, e.g. a GIF);
* ``Table``        a small table, shown as an HTML table with its columns explained;
* ``StepPlayer``   frames recorded during training, with one step slider and a play button:
                   ``Sprite`` strips of pictures (``tinynet.viz.sprites``), ``Plane`` point clouds,
                   ``Profile`` line charts redrawn at every step (e.g. each layer's gradient norm),
                   ``Series`` numbers per step, and a ``ColourKey``;
* ``BackwardWalk`` a backward pass as a table of ops (``tinynet.viz.backward_steps``), stepped
                   through beside the graph drawing.

``tinynet tour`` turns them into one HTML page (``tinynet.examples.tour.page``); the Section's
builders fill in the words around them from the run's own metrics, so what the page says is true
of what it shows.  These are plain records: importing this module imports nothing heavy.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable


@dataclass(frozen=True)
class Section:
    """An example's lesson on the tour page.

    title: what it teaches ("Why one hidden layer solves XOR").  takeaway: one line for the
    contents.  lesson: a short explanation (paragraphs separated by blank lines; `code` in
    backquotes).  docs: the docs page with the math, "page.md" or "page.md#anchor" (a page of the
    project's docs/ folder).  key_numbers(metrics) and look_for(metrics) return sentences built
    from the run's metrics: the measured numbers in words, and what to look for in the figures.
    """

    title: str
    takeaway: str
    lesson: str
    docs: str
    key_numbers: Callable = None
    look_for: Callable = None


@dataclass
class Figure:
    """One file an example wrote, with a title and a caption; ``shown=False`` links it as a download."""

    path: Path
    title: str
    caption: str
    shown: bool = True


@dataclass
class Table:
    """A small table: ``columns`` (headers), ``rows`` (lists of strings), ``notes``: {column: what it means}."""

    title: str
    caption: str
    columns: list
    rows: list
    notes: dict = field(default_factory=dict)


@dataclass
class Sprite:
    """A strip of frames in one PNG: frame k sits at column k % per_row, row k // per_row.

    ``scale``: screen pixels per image pixel.  ``row_labels``: optional, per frame a list of
    (text, kind) for the picture's rows (kind "right", "wrong" or ""), e.g. a network's answer for
    each sample digit at that step; ``row_pitch``: image pixels from one labelled row to the next.
    A sprite with one frame stays put while the others move (e.g. the input digits).  ``new_row``:
    start a new row of pictures on the page with this one.
    """

    label: str
    path: Path
    frame_width: int
    frame_height: int
    frames: int
    per_row: int
    scale: float = 1.0
    note: str = ""
    row_labels: list = None
    row_pitch: int = 0
    new_row: bool = False


@dataclass
class Plane:
    """Labelled points in a 2-D space, one set per frame, with a line w1*x + w2*y + b = 0 per frame.

    points: per frame a list of (x, y); classes: each point's class (0 or 1); names: each point's
    label; lines: per frame (w1, w2, b), the side where w1*x + w2*y + b > 0 shaded as class 1.
    """

    title: str
    points: list
    classes: list
    names: list
    lines: list
    x_label: str = "x"
    y_label: str = "y"
    limits: tuple = (-0.05, 1.05)


@dataclass
class Series:
    """One number per frame, shown beside the step (and charted with a cursor when ``chart``).

    Series with the same ``group`` share one chart and its y axis, each line in its ``colour`` (a CSS
    colour, or matplotlib's "C0".."C9" to match a PNG figure), so that they can be compared; the
    group names the chart.
    """

    name: str
    values: list
    digits: int = 3
    percent: bool = False
    chart: bool = True
    group: str = ""
    colour: str = ""


@dataclass
class Curve:
    """One line of a Profile: per frame, one value per x position (None: not measured); colour as in Series."""

    label: str
    values: list
    colour: str = ""


@dataclass
class Profile:
    """A line chart that the step slider redraws: each Curve's values at the frame shown, against ``x``.

    E.g. each layer's gradient norm (x = layer number) at that step, one curve per network.  The y
    axis is fixed over all frames (``limits``, or the range of all values), so that a curve that
    moves on the screen has changed; ``log``: a logarithmic y axis (values must be > 0).
    ``reference``: if given, the first frame's curves stay in the background as faint dashed lines
    (to compare with), and this names them in the legend, e.g. "step 1 (initial weights)".
    """

    title: str
    x: list
    curves: list
    x_label: str
    y_label: str
    log: bool = False
    limits: tuple = None
    reference: str = ""


@dataclass
class ColourKey:
    """What the colours of a player's pictures mean: red at ``low``, white at 0, blue at ``high``."""

    low: float
    high: float
    label: str


@dataclass
class StepPlayer:
    """Frames recorded during training, driven by one step slider and a play/pause button."""

    title: str
    caption: str
    steps: list
    sprites: list = field(default_factory=list)
    planes: list = field(default_factory=list)
    series: list = field(default_factory=list)
    key: ColourKey = None
    profiles: list = field(default_factory=list)


@dataclass
class BackwardWalk:
    """A backward pass to step through: ``rows`` (one per op, in the order backward ran them,
    from ``tinynet.viz.backward_steps``) and ``graph_svg`` (the graph drawing, one element per box,
    from ``tinynet.viz.graph_svg``, made with ids "{prefix}-box-{i}"); row k highlights box
    ``rows[k].box`` of the drawing."""

    title: str
    caption: str
    rows: list
    graph_svg: str
    prefix: str = "graph"


@dataclass
class ExampleResult:
    """What a run made (figures and other blocks, in page order) and the numbers it measured.

    interrupted: True when Ctrl-C stopped the run early (what it made so far is still returned).
    """

    name: str
    figures: list = field(default_factory=list)
    metrics: dict = field(default_factory=dict)
    summary: str = ""
    interrupted: bool = False

    def files(self):
        """Every file the run wrote that the blocks refer to, in order."""
        paths = []
        for block in self.figures:
            if isinstance(block, Figure):
                paths.append(Path(block.path))
            elif isinstance(block, StepPlayer):
                paths += [Path(sprite.path) for sprite in block.sprites]
        return paths
