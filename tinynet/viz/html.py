"""The tour page: one self-contained HTML file showing what every example made.

The page has inline CSS and links its figures by relative path, so the whole output folder can be
moved, zipped or opened straight from disk.  Each example gets a section with its summary, the
settings it ran with, the measured numbers, its run time and every figure with a caption saying
what it teaches; an example that failed shows its error instead.  Only files that exist are linked.
"""

import html
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

_IMAGE_SUFFIXES = {".png", ".gif", ".jpg", ".jpeg", ".svg", ".webp"}
_INLINE_TEXT_SUFFIXES = {".md", ".txt"}
_INLINE_TEXT_LIMIT = 20_000  # characters; longer text files are only linked

_CSS = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.45; }
h1 { margin-bottom: 0.2em; }
h2 { border-bottom: 2px solid #ddd; padding-bottom: 0.2em; margin-top: 2.2em; }
table { border-collapse: collapse; margin: 0.6em 0; }
td, th { border: 1px solid #ccc; padding: 0.25em 0.7em; text-align: left; }
th { background: #f3f3f3; }
figure { display: inline-block; vertical-align: top; margin: 0.8em 1.2em 0.8em 0; max-width: 100%; }
figure img { max-width: 100%; border: 1px solid #eee; }
img.enlarged { image-rendering: pixelated; }
figcaption { max-width: 520px; font-size: 0.92em; color: #444; }
pre { background: #f7f7f7; padding: 0.6em; overflow-x: auto; font-size: 0.88em; }
.ok { color: #1a7f37; font-weight: bold; }
.failed { color: #b42318; font-weight: bold; }
.error { background: #fff1f0; border-left: 4px solid #b42318; }
.note { color: #555; font-size: 0.92em; }
"""


@dataclass
class TourSection:
    """One example on the tour page: what it is, how it ran, and its result (or its error)."""

    name: str
    summary: str = ""
    settings: dict = field(default_factory=dict)
    seconds: float = 0.0
    result: object = None  # an ExampleResult, or None if the example failed
    error: str = ""        # the error text (traceback) if it failed


def format_value(value):
    """A metric as short text: floats to 4 significant digits, everything else as str()."""
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        return f"{value:.4g}"
    return str(value)


def _esc(text):
    return html.escape(str(text), quote=True)


def _link(path, out_dir):
    """The URL of ``path`` relative to ``out_dir`` (forward slashes, percent-encoded)."""
    relative = os.path.relpath(Path(path).resolve(), Path(out_dir).resolve())
    return quote(Path(relative).as_posix())


def _settings_text(settings):
    return ", ".join(f"{key}={value}" for key, value in settings.items()) or "defaults"


def _small_image_size(path, limit=400):
    """(width, height) of a raster image smaller than ``limit`` pixels both ways, else None.
    Small pictures (activation GIFs draw one pixel per activation) are shown at twice their
    size with crisp square pixels."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            width, height = image.size
    except (OSError, ValueError):
        return None
    return (width, height) if max(width, height) < limit else None


def _figure_html(figure, out_dir):
    """HTML for one Figure: an <img> for pictures, an inline block + link for text, else a link."""
    path = Path(figure.path)
    if not path.is_file():
        return f'<p class="note">missing file: {_esc(path.name)} ({_esc(figure.title)})</p>'
    url = _link(path, out_dir)
    caption = f"<figcaption><b>{_esc(figure.title)}</b>. {_esc(figure.caption)}</figcaption>"
    suffix = path.suffix.lower()
    if suffix in _IMAGE_SUFFIXES:
        size = _small_image_size(path)
        enlarge = f' class="enlarged" width="{2 * size[0]}" height="{2 * size[1]}"' if size else ""
        return (f'<figure><img src="{url}" alt="{_esc(figure.title)}"{enlarge} loading="lazy">'
                f"{caption}</figure>")
    body = ""
    if suffix in _INLINE_TEXT_SUFFIXES and path.stat().st_size <= _INLINE_TEXT_LIMIT:
        body = f"<pre>{_esc(path.read_text(encoding='utf-8', errors='replace'))}</pre>"
    return f'<figure>{body}<a href="{url}">{_esc(path.name)}</a>{caption}</figure>'


def _section_html(section, out_dir):
    """HTML for one example's section."""
    parts = [f'<h2 id="{_esc(section.name)}">{_esc(section.name)}</h2>']
    summary = section.summary or (section.result.summary if section.result is not None else "")
    if summary:
        parts.append(f"<p>{_esc(summary)}</p>")
    parts.append(f'<p class="note">settings: {_esc(_settings_text(section.settings))} &middot; '
                 f"run time {section.seconds:.1f} s</p>")
    if section.error:
        parts.append('<p class="failed">This example failed; the tour went on without it.</p>')
        parts.append(f'<pre class="error">{_esc(section.error)}</pre>')
    if section.result is not None:
        metrics = section.result.metrics
        if metrics:
            rows = "".join(f"<tr><td>{_esc(k)}</td><td>{_esc(format_value(v))}</td></tr>"
                           for k, v in metrics.items())
            parts.append(f"<table><tr><th>measured</th><th>value</th></tr>{rows}</table>")
        parts += [_figure_html(figure, out_dir) for figure in section.result.figures]
    return "\n".join(parts)


def _overview_html(sections):
    """The table at the top: every example, whether it ran, its time and its metrics."""
    rows = []
    for s in sections:
        status = '<span class="failed">failed</span>' if s.error else '<span class="ok">ok</span>'
        metrics = s.result.metrics if s.result is not None else {}
        shown = ", ".join(f"{k} {format_value(v)}" for k, v in metrics.items())
        rows.append(f'<tr><td><a href="#{_esc(s.name)}">{_esc(s.name)}</a></td><td>{status}</td>'
                    f"<td>{s.seconds:.1f} s</td><td>{_esc(shown)}</td></tr>")
    total = sum(s.seconds for s in sections)
    rows.append(f"<tr><th>total</th><th></th><th>{total:.1f} s</th><th></th></tr>")
    return ("<table><tr><th>example</th><th>status</th><th>run time</th><th>measured</th></tr>"
            + "".join(rows) + "</table>")


def write_tour_page(out_dir, sections, title="tinynet tour", intro=""):
    """Write ``out_dir/index.html`` for a list of ``TourSection``; returns its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    body = [f"<h1>{_esc(title)}</h1>"]
    if intro:
        body.append(f"<p>{_esc(intro)}</p>")
    body.append(_overview_html(sections))
    body += [_section_html(s, out_dir) for s in sections]
    page = ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{_esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")
    path = out_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
