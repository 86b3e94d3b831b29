"""HTML for the blocks of a tour section: figures, tables, step players and backward walks.

Pictures are linked by relative path (the output folder can be moved, zipped or opened from
disk); what the script needs -- steps, numbers per step, where each frame sits in its sprite
sheet -- travels in a JSON block inside the player, read by ``assets.SCRIPT``.  The players'
charts are drawn by ``charts.py``.
"""

import html
import json
import math
import os
from pathlib import Path
from urllib.parse import quote

from tinynet.examples.report import BackwardWalk, Figure, StepPlayer, Table
from tinynet.examples.tour.charts import grouped_series, profile_data, profile_svg, series_chart_svg

PLANE_SIZE, PLANE_PAD = 300, 40  # the square's side and the margin left of and above it
LABEL_WIDTH = 74  # pixels beside a sprite for its row labels


def esc(text):
    return html.escape(str(text), quote=True)


def words(text):
    """Running text for the page: escaped, with " -- " set as a dash."""
    return esc(text).replace(" -- ", " \u2014 ")


def link(path, out_dir):
    """The URL of ``path`` relative to ``out_dir`` (forward slashes, percent-encoded)."""
    relative = os.path.relpath(Path(path).resolve(), Path(out_dir).resolve())
    return quote(Path(relative).as_posix())


def image_size(path):
    """(width, height) of a picture, or None if it cannot be read."""
    from PIL import Image

    try:
        with Image.open(path) as picture:
            return picture.size
    except (OSError, ValueError):
        return None


def _round(value):
    """A number for the page's JSON: 5 significant digits; None for a missing or non-finite value."""
    if value is None or not math.isfinite(float(value)):
        return None
    return float(f"{float(value):.5g}")


def figure_html(figure, out_dir):
    path = Path(figure.path)
    if not path.is_file():
        return f'<p class="note">missing file: {esc(path.name)} ({esc(figure.title)})</p>'
    size = image_size(path)
    dimensions = f' width="{size[0]}" height="{size[1]}"' if size else ""
    return (f'<figure><img src="{link(path, out_dir)}" alt="{esc(figure.title)}"{dimensions}>'
            f"<figcaption><b>{esc(figure.title)}.</b> {words(figure.caption)}</figcaption></figure>")


def table_html(table):
    head = "".join(f"<th>{esc(column)}</th>" for column in table.columns)
    body = "".join("<tr>" + "".join(f"<td>{esc(cell)}</td>" for cell in row) + "</tr>" for row in table.rows)
    notes = "".join(f"<dt>{esc(column)}</dt><dd>{esc(text)}</dd>" for column, text in table.notes.items())
    return (f"<h3>{esc(table.title)}</h3><p class=\"note\">{words(table.caption)}</p>"
            f'<table class="data"><tr>{head}</tr>{body}</table>'
            + (f'<dl class="columns">{notes}</dl>' if notes else ""))


def _plane_svg(plane, index):
    """The fixed part of a 2-D plane (frame, ticks, axis names); the script draws points and line."""
    low, high = plane.limits
    parts = [f'<svg class="plane" data-plane="{index}" data-size="{PLANE_SIZE}" data-pad="{PLANE_PAD}" '
             f'width="{PLANE_SIZE + PLANE_PAD + 30}" height="{PLANE_SIZE + PLANE_PAD + 44}">',
             f'<rect x="{PLANE_PAD}" y="{PLANE_PAD}" width="{PLANE_SIZE}" height="{PLANE_SIZE}" fill="#fbe3e6"/>',
             '<g class="moving"></g>',
             f'<rect x="{PLANE_PAD}" y="{PLANE_PAD}" width="{PLANE_SIZE}" height="{PLANE_SIZE}" fill="none" '
             'stroke="#57606a"/>']
    for tick in (0.0, 0.5, 1.0):
        offset = PLANE_PAD + (tick - low) / (high - low) * PLANE_SIZE
        flipped = PLANE_PAD + PLANE_SIZE - (tick - low) / (high - low) * PLANE_SIZE
        parts.append(f'<text x="{offset:.1f}" y="{PLANE_PAD + PLANE_SIZE + 15}" text-anchor="middle">{tick:g}</text>'
                     f'<text x="{PLANE_PAD - 5}" y="{flipped + 4:.1f}" text-anchor="end">{tick:g}</text>')
    parts.append(f'<text x="{PLANE_PAD + PLANE_SIZE / 2}" y="{PLANE_PAD + PLANE_SIZE + 34}" '
                 f'text-anchor="middle">{esc(plane.x_label)}</text>'
                 f'<text transform="translate({PLANE_PAD - 28},{PLANE_PAD + PLANE_SIZE / 2}) rotate(-90)" '
                 f'text-anchor="middle">{esc(plane.y_label)}</text></svg>')
    return "".join(parts)


def _key_html(key):
    return (f'<span class="key"><span>{esc(key.label)}:</span> <span>{key.low:g} red</span>'
            f'<span class="bar"></span><span>{key.high:+g} blue</span> <span>(0 white)</span></span>')


def player_html(player, out_dir, uid):
    """The player: sticky controls, charts, then the pictures; ``uid`` makes its element ids unique."""
    data = {"steps": [int(s) for s in player.steps],
            "series": [{"name": s.name, "values": [_round(v) for v in s.values], "digits": s.digits,
                        "percent": s.percent, "group": s.group} for s in player.series],
            "sprites": [], "planes": [], "profiles": [profile_data(p, _round) for p in player.profiles]}
    views = []
    for k, sprite in enumerate(player.sprites):
        sprite_id = f"{uid}-sprite-{k}"
        rows = -(-sprite.frames // sprite.per_row)
        scale = sprite.scale
        url = link(sprite.path, out_dir)
        data["sprites"].append({"id": sprite_id, "url": url, "per_row": sprite.per_row, "width": sprite.frame_width,
                                "height": sprite.frame_height, "scale": scale, "frames": sprite.frames,
                                "labels": sprite.row_labels})
        width, height = sprite.frame_width * scale, sprite.frame_height * scale
        labels = ""
        if sprite.row_labels:
            spans = "".join(f'<span style="top:{(r + 0.5) * sprite.row_pitch * scale - 7:.0f}px"></span>'
                            for r in range(len(sprite.row_labels[0])))
            labels = (f'<div class="labels" id="{sprite_id}-labels" style="width:{LABEL_WIDTH}px;'
                      f'height:{height:.0f}px">{spans}</div>')
        note = f'<p class="vnote">{esc(sprite.note)}</p>' if sprite.note else ""
        if sprite.new_row:
            views.append('<div class="row-break"></div>')
        view_width = width + (LABEL_WIDTH if sprite.row_labels else 0)
        views.append(f'<div class="view" style="width:{view_width:.0f}px"><h4>{esc(sprite.label)}</h4>{note}'
                     '<div class="sprite-row">'
                     f'<div class="sprite" id="{sprite_id}" role="img" aria-label="{esc(sprite.label)}" '
                     f'style="width:{width:.0f}px;height:{height:.0f}px;background-image:url(\'{url}\');'
                     f'background-size:{sprite.per_row * width:.0f}px {rows * height:.0f}px"></div>{labels}'
                     '</div></div>')
    for k, plane in enumerate(player.planes):
        data["planes"].append({"points": [[[_round(x), _round(y)] for x, y in frame] for frame in plane.points],
                               "classes": [int(c) for c in plane.classes], "names": [str(n) for n in plane.names],
                               "lines": [[_round(v) for v in line] for line in plane.lines],
                               "limits": list(plane.limits)})
        views.append(f'<div class="view"><h4>{esc(plane.title)}</h4>{_plane_svg(plane, k)}</div>')
    for k, profile in enumerate(player.profiles):
        views.append(f'<div class="view"><h4>{esc(profile.title)}</h4>{profile_svg(profile, k)}</div>')
    charts = "".join(series_chart_svg(members, player.steps, title)
                     for title, members in grouped_series(player.series))
    if charts and (player.planes or player.profiles):  # beside the planes or profiles
        views.append(f'<div class="view charts column">{charts}</div>')
    elif charts:  # a row of their own above the pictures
        views.insert(0, f'<div class="view charts">{charts}</div><div class="row-break"></div>')
    payload = json.dumps(data, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
    return (f'<div class="player" id="{uid}"><h3>{esc(player.title)}</h3>'
            f'<p class="note">{words(player.caption)}</p>'
            f'<div class="controls"><button class="play" type="button">\u25b6 play</button>'
            f'<input class="slider" type="range" min="0" max="{len(player.steps) - 1}" '
            f'value="{len(player.steps) - 1}" aria-label="training step">'
            f'<span class="step"></span><span class="values"></span>'
            + (_key_html(player.key) if player.key else "") + "</div>"
            + f'<div class="views">{"".join(views)}</div>'
            f'<script type="application/json" class="player-data">{payload}</script></div>')


def walk_html(walk):
    head = ("<tr><th>#</th><th>op (its inputs)</th><th>what it computes</th><th>local derivative</th>"
            "<th>gradient in: dL/d(output)</th><th>gradients out: dL/d(each input)</th></tr>")
    rows = []
    for k, step in enumerate(walk.rows, start=1):
        leaf_note = " <i>(a leaf: added to its .grad)</i>"
        outs = "<br>".join(f"dL/d({esc(label)}) = {esc(text)}" + (leaf_note if leaf else "")
                           for label, text, leaf in step.grads_out)
        rows.append(f'<tr data-box="{step.box}" data-inputs="{" ".join(map(str, step.input_boxes))}" '
                    f'data-op="{esc(step.op)}"><td>{k}</td><td class="op">{esc(step.op)}<br>'
                    f'<span class="note">({esc(", ".join(step.inputs))})</span></td><td>{esc(step.computes)}</td>'
                    f"<td>{esc(step.derivative)}</td><td>{esc(step.grad_in)}</td><td>{outs}</td></tr>")
    return (f'<div class="walk" data-prefix="{esc(walk.prefix)}"><h3>{esc(walk.title)}</h3>'
            f'<p class="note">{words(walk.caption)}</p>'
            '<div class="walk-controls"><button class="prev" type="button">\u25c0 previous op</button> '
            '<button class="next" type="button">next op \u25b6</button> <span class="walk-position"></span></div>'
            f'<div class="graph-wrap">{walk.graph_svg}</div>'
            f'<table class="data walk-table">{head}{"".join(rows)}</table></div>')


def blocks_html(blocks, out_dir, uid):
    """The HTML of a section's blocks in order, and the list of its download-only figures."""
    parts, downloads = [], []
    for k, block in enumerate(blocks):
        if isinstance(block, Figure):
            if block.shown:
                parts.append(figure_html(block, out_dir))
            else:
                downloads.append(block)
        elif isinstance(block, Table):
            parts.append(table_html(block))
        elif isinstance(block, StepPlayer):
            parts.append(player_html(block, out_dir, f"{uid}-player-{k}"))
        elif isinstance(block, BackwardWalk):
            parts.append(walk_html(block))
        else:
            parts.append(f'<p class="note">(cannot show a {esc(type(block).__name__)} on the page)</p>')
    return "\n".join(parts), downloads
