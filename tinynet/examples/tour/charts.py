"""SVG charts for the step players: numbers over the steps (with a cursor) and profiles redrawn per step.

Everything fixed -- frame, axes, ticks, labels, legend -- is drawn here, once; the page's script
(``assets.SCRIPT``) only moves a chart's cursor line and redraws a profile's curves inside its
``<g class="moving">``, from the numbers in the player's JSON.  Legends sit beside the plotting
area, never on it, so they hide no data.
"""

import html
import math

CHART_WIDTH, CHART_HEIGHT = 430, 84  # one series
GROUP_WIDTH, GROUP_HEIGHT = 400, 132  # several series on one axis (and a legend beside it)
CHART_LEFT, CHART_RIGHT, CHART_TOP, CHART_BOTTOM = 52, 10, 16, 20
PROFILE_WIDTH, PROFILE_HEIGHT = 320, 220  # the plotting area of a profile
PROFILE_LEFT, PROFILE_TOP, PROFILE_BOTTOM = 64, 8, 46
CHAR_WIDTH = 6.6  # a generous width of one character of the 11-12 px text, to size legends
SUPERSCRIPT = str.maketrans("-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079")


def esc(text):
    return html.escape(str(text), quote=True)


def _finite(values):
    return [v for v in values if v is not None and math.isfinite(v)]


# matplotlib's first ten colours ("C0".."C9"), so that a chart and a PNG figure can colour a network alike
MATPLOTLIB_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                      "#bcbd22", "#17becf")


def _css_colour(colour):
    """A CSS colour; matplotlib's "C0".."C9" are turned into theirs."""
    if len(colour) == 2 and colour[0] == "C" and colour[1].isdigit():
        return MATPLOTLIB_COLOURS[int(colour[1])]
    return colour


def _legend(entries, x, y, pitch=15):
    """SVG text lines, each after a short line in its colour: [(label, colour)] or [(label, colour, dashed)],
    from (x, y) down."""
    parts = []
    for k, (label, colour, *dashed) in enumerate(entries):
        top = y + k * pitch
        dash = ' stroke-dasharray="4 3"' if dashed and dashed[0] else ""
        parts.append(f'<line x1="{x}" x2="{x + 16}" y1="{top - 4}" y2="{top - 4}" stroke="{colour}" '
                     f'stroke-width="2.5"{dash}/><text x="{x + 21}" y="{top}">{esc(label)}</text>')
    return "".join(parts)


def series_chart_svg(series_list, steps, title):
    """A line chart of one or more series over the steps, one y axis, a cursor line for the script to move.

    ``series_list``: Series (``tinynet.examples.report``) with values per step; more than one gets a
    taller chart and a legend on its right.
    """
    grouped = len(series_list) > 1
    legend_width = int(max(len(s.name) for s in series_list) * CHAR_WIDTH) + 30 if grouped else 0
    chart_width, chart_height = (GROUP_WIDTH, GROUP_HEIGHT) if grouped else (CHART_WIDTH, CHART_HEIGHT)
    width = chart_width - CHART_LEFT - CHART_RIGHT
    height = chart_height - CHART_TOP - CHART_BOTTOM
    first, last = steps[0], max(steps[-1], steps[0] + 1)
    percent = series_list[0].percent
    scale, unit, digits = (100.0 if percent else 1.0), (" %" if percent else ""), series_list[0].digits
    values = _finite([v for s in series_list for v in s.values])
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    high = high if high > low else low + 1.0
    lines = []
    for k, series in enumerate(series_list):
        points = [(s, v) for s, v in zip(steps, series.values) if v is not None and math.isfinite(v)]
        stride = max(1, len(points) // 600)
        coordinates = " ".join(f"{CHART_LEFT + (s - first) / (last - first) * width:.1f},"
                               f"{CHART_TOP + (high - v) / (high - low) * height:.1f}" for s, v in points[::stride])
        lines.append(f'<polyline points="{coordinates}" fill="none" stroke="{_css_colour(series.colour or "#0969da")}" '
                     f'stroke-width="1.4"/>')
    entries = [(s.name, _css_colour(s.colour or "#0969da")) for s in series_list]
    legend = _legend(entries, chart_width + 4, CHART_TOP + 8) if grouped else ""
    return (f'<svg width="{chart_width + legend_width}" height="{chart_height}" role="img" aria-label="{esc(title)}">'
            f'<text x="{CHART_LEFT}" y="11">{esc(title)} per step</text>'
            f'<text x="{CHART_LEFT - 4}" y="{CHART_TOP + 4}" text-anchor="end">{high * scale:.{digits}f}{unit}</text>'
            f'<text x="{CHART_LEFT - 4}" y="{CHART_TOP + height}" text-anchor="end">'
            f'{low * scale:.{digits}f}{unit}</text>'
            f'<text x="{CHART_LEFT}" y="{chart_height - 4}">step {steps[0]}</text>'
            f'<text x="{CHART_LEFT + width}" y="{chart_height - 4}" text-anchor="end">{steps[-1]}</text>'
            f'<rect x="{CHART_LEFT}" y="{CHART_TOP}" width="{width}" height="{height}" fill="none" stroke="#d0d7de"/>'
            + "".join(lines) + legend +
            f'<line class="cursor" data-x0="{CHART_LEFT}" data-width="{width}" x1="{CHART_LEFT}" x2="{CHART_LEFT}" '
            f'y1="{CHART_TOP}" y2="{CHART_TOP + height}" stroke="#cf222e" stroke-width="2"/></svg>')


def grouped_series(series):
    """[(title, [Series])]: the charted series in order, those sharing a ``group`` together."""
    charts, by_group = [], {}
    for s in series:
        if not s.chart:
            continue
        if s.group and s.group in by_group:
            by_group[s.group].append(s)
            continue
        members = [s]
        if s.group:
            by_group[s.group] = members
        charts.append((s.group or s.name, members))
    return charts


def profile_limits(profile):
    """(low, high) of a profile's y axis: its ``limits``, or the range of every value of every frame."""
    if profile.limits is not None:
        return tuple(float(v) for v in profile.limits)
    values = _finite([v for curve in profile.curves for frame in curve.values for v in frame])
    if profile.log:
        values = [v for v in values if v > 0]
    if not values:
        return (0.1, 1.0) if profile.log else (0.0, 1.0)
    low, high = min(values), max(values)
    if profile.log:
        return (low / 1.25, high * 1.25)
    pad = 0.05 * (high - low) if high > low else 0.5
    return (low - pad, high + pad)


def _log_ticks(low, high):
    """Tick values for a log axis from low to high: every power of 10, or 1, 2, 5 x 10^k within two decades."""
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    step = max(1, (last - first) // 7)
    subs = (1, 2, 5) if math.log10(high / low) <= 2.5 else (1,)
    ticks = [m * 10.0 ** e for e in range(first, last + 1, step) for m in subs]
    return [t for t in ticks if low <= t <= high]


def _log_label(value):
    exponent = round(math.log10(value))
    if abs(value - 10.0 ** exponent) < 1e-9 * value and not -2 <= exponent <= 2:
        return "10" + str(exponent).translate(SUPERSCRIPT)
    return f"{value:g}"


def _linear_ticks(low, high):
    raw = (high - low) / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.ceil(low / step) * step
    return [start + k * step for k in range(int((high - start) / step + 1e-9) + 1)]


def profile_svg(profile, index):
    """The fixed part of a profile chart: frame, ticks, axis names, legend; the script draws the curves."""
    low, high = profile_limits(profile)
    left, top, width, height = PROFILE_LEFT, PROFILE_TOP, PROFILE_WIDTH, PROFILE_HEIGHT
    entries = [(curve.label, _css_colour(curve.colour or f"C{k}"), False) for k, curve in enumerate(profile.curves)]
    if profile.reference:
        entries.append((profile.reference, "#8c959f", True))
    legend_width = int(max(len(entry[0]) for entry in entries) * CHAR_WIDTH) + 40
    x_low, x_high = min(profile.x), max(profile.x)
    x_span = (x_high - x_low) or 1

    def y_of(value):
        if profile.log:
            return top + (math.log10(high) - math.log10(value)) / (math.log10(high) - math.log10(low)) * height
        return top + (high - value) / (high - low) * height

    parts = [f'<svg class="profile" data-profile="{index}" data-box="{left} {top} {width} {height}" '
             f'width="{left + width + legend_width}" height="{top + height + PROFILE_BOTTOM}" role="img" '
             f'aria-label="{esc(profile.title)}">',
             f'<rect x="{left}" y="{top}" width="{width}" height="{height}" fill="#ffffff" stroke="#8c959f"/>']
    for tick in (_log_ticks(low, high) if profile.log else _linear_ticks(low, high)):
        y = y_of(tick)
        label = _log_label(tick) if profile.log else f"{tick:g}"
        parts.append(f'<line x1="{left}" x2="{left + width}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eaeef2"/>'
                     f'<text x="{left - 5}" y="{y + 4:.1f}" text-anchor="end">{esc(label)}</text>')
    every = max(1, math.ceil(len(profile.x) / 12))
    shown = None  # where the last tick label went: labels closer than 28 px would run into each other
    for k, x in enumerate(profile.x):
        px = left + 8 + (x - x_low) / x_span * (width - 16)
        if (k % every and k != len(profile.x) - 1) or (shown is not None and px - shown < 28):
            continue
        shown = px
        parts.append(f'<text x="{px:.1f}" y="{top + height + 15}" text-anchor="middle">{x:g}</text>')
    parts.append(f'<text x="{left + width / 2}" y="{top + height + 36}" text-anchor="middle">'
                 f'{esc(profile.x_label)}</text>'
                 f'<text transform="translate(14,{top + height / 2}) rotate(-90)" text-anchor="middle">'
                 f'{esc(profile.y_label)}</text>'
                 '<g class="moving"></g>'
                 + _legend(entries, left + width + 14, top + 12))
    parts.append("</svg>")
    return "".join(parts)


def profile_data(profile, rounded):
    """What the script needs to draw a profile's curves at any frame (numbers cut by ``rounded``)."""
    low, high = profile_limits(profile)
    return {"x": [float(x) for x in profile.x], "log": bool(profile.log), "low": low, "high": high,
            "reference": bool(profile.reference),
            "curves": [{"colour": _css_colour(curve.colour or f"C{k}"),
                        "values": [[rounded(v) for v in frame] for frame in curve.values]}
                       for k, curve in enumerate(profile.curves)]}
