"""The tour page: one self-contained HTML file that teaches, section by section, from the run's results.

It opens with what the learner will see and learn and a contents list in teaching order, each
entry with its one-line takeaway.  Every section then has: a title saying what it teaches, a
short explanation, the measured numbers in words, what to look for in the figures (both built
from the run's own metrics), the figures, step players and tables, the command that reproduces
it and a link to the docs page with the math.  An interrupted or failed section says so.

Style and script are inlined (``assets.py``); pictures are linked by relative path, so the page
works opened from disk, and nothing is fetched from the network.
"""

import math
from dataclasses import dataclass, field
from pathlib import Path

from tinynet.examples.tour.assets import CSS, SCRIPT
from tinynet.examples.tour.blocks import blocks_html, esc, link, words
from tinynet.examples.tour.markdown import inline

STATUS_WORDS = {"ok": "ok", "interrupted": "interrupted", "failed": "failed"}


@dataclass
class TourSection:
    """One example on the page: its lesson, how its run went and what it made."""

    name: str
    title: str
    takeaway: str = ""
    lesson: str = ""
    docs_url: str = ""        # the HTML copy of its docs page (relative to the page), "" if none
    docs_name: str = ""       # the docs page's name, e.g. "lessons.md#xor"
    docs_label: str = ""      # what it is called: "page title \u2014 section heading"
    status: str = "ok"        # "ok", "interrupted" or "failed"
    started: bool = True      # False: the tour stopped before this example began
    seconds: float = 0.0
    settings: dict = field(default_factory=dict)
    command: str = ""         # the command that reproduces what the section shows
    default_command: str = ""  # the example's own (longer) run
    numbers: list = field(default_factory=list)
    look_for: list = field(default_factory=list)
    blocks: list = field(default_factory=list)
    metrics: dict = field(default_factory=dict)
    error: str = ""


def format_value(value):
    """A metric as short text: floats to 4 significant digits, everything else as str()."""
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        return f"{value:.4g}"
    return str(value)


def prose(text):
    """Running text as HTML: `code` and **bold** marked up, " -- " set as a dash."""
    return inline(" ".join(text.split()).replace(" -- ", " \u2014 "))


def _paragraphs(text):
    return "".join(f"<p>{prose(p)}</p>" for p in text.split("\n\n") if p.strip())


def _banner(section):
    if section.status == "failed":
        return ('<div class="banner failed">This example failed; the tour went on without it. '
                f"The error:<pre>{esc(section.error)}</pre></div>")
    if section.status == "interrupted" and not section.started:
        return '<div class="banner interrupted">Not run: the tour was stopped (Ctrl-C) before this section.</div>'
    if section.status == "interrupted":
        return ('<div class="banner interrupted">Stopped with Ctrl-C during this example: what is shown is '
                "the network as it was when training stopped.</div>")
    return ""


def _section_html(section, number, out_dir):
    parts = [f'<section id="{esc(section.name)}">',
             f'<h2><span class="number">{number}</span>{esc(section.title)}</h2>', _banner(section),
             _paragraphs(section.lesson)]
    if section.numbers:
        parts.append("<h3>This run's numbers</h3><ul class=\"numbers\">"
                     + "".join(f"<li>{prose(n)}</li>" for n in section.numbers) + "</ul>")
    if section.look_for:
        parts.append('<div class="look-for"><h3>What to look for</h3><ul>'
                     + "".join(f"<li>{prose(n)}</li>" for n in section.look_for) + "</ul></div>")
    body, downloads = blocks_html(section.blocks, out_dir, section.name)
    parts.append(body)
    if downloads:
        items = "".join(f'<li><a href="{link(f.path, out_dir)}" download>{esc(Path(f.path).name)}</a>: '
                        f"{esc(f.title)}. {words(f.caption)}</li>" for f in downloads if Path(f.path).is_file())
        parts.append(f'<h3>Files to download</h3><ul class="downloads">{items}</ul>')
    if section.command:
        again = (f" The example's own, longer run: <code>{esc(section.default_command)}</code>."
                 if section.default_command and section.default_command != section.command else "")
        parts.append(f'<p class="reproduce"><b>Reproduce this section:</b> <code>{esc(section.command)}</code>.'
                     f"{again}</p>")
    if section.docs_url:
        parts.append(f'<p class="reproduce"><b>The math:</b> <a href="{esc(section.docs_url)}">'
                     f"{esc(section.docs_label or section.docs_name)}</a> ({esc(section.docs_name.split('#')[0])})</p>")
    elif section.docs_name:
        parts.append(f'<p class="reproduce"><b>The math:</b> {esc(section.docs_name)} in the docs/ folder of '
                     "tinynet's source (not installed with this copy).</p>")
    rows = "".join(f"<tr><td>{esc(k)}</td><td>{esc(format_value(v))}</td></tr>" for k, v in section.metrics.items())
    settings = ", ".join(f"{k}={v}" for k, v in section.settings.items()) or "defaults"
    parts.append(f"<details><summary>Run details: {section.seconds:.1f} s, settings {esc(settings)}</summary>"
                 + (f'<table class="data"><tr><th>measured</th><th>value</th></tr>{rows}</table>' if rows else "")
                 + "</details></section>")
    return "\n".join(part for part in parts if part)


def _contents_html(sections):
    items = []
    for section in sections:
        badge = "" if section.status == "ok" else f'<span class="badge {section.status}">{section.status}</span>'
        items.append(f'<li><a href="#{esc(section.name)}">{esc(section.title)}</a>{badge}<br>'
                     f'<span class="takeaway">{esc(section.takeaway)}</span></li>')
    return f'<nav class="contents"><h2>Contents</h2><ol>{"".join(items)}</ol></nav>'


def write_page(out_dir, sections, *, title, intro, run_note="", outro=""):
    """Write ``out_dir/index.html`` for a list of ``TourSection``; returns its path.

    intro: paragraphs (blank-line separated; `code` allowed) saying what the page teaches.
    run_note: one line about the run (machine, time), shown under the contents.
    outro: paragraphs (the same markup, and [links](url)) after the last lesson: where to go from here.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    body = [f"<h1>{esc(title)}</h1>", f'<div class="lead">{_paragraphs(intro)}</div>',
            '<div id="problems" class="banner failed"></div>', _contents_html(sections)]
    if run_note:
        body.append(f'<p class="note">{inline(run_note)}</p>')
    body += [_section_html(section, number, out_dir) for number, section in enumerate(sections, start=1)]
    if outro:
        body.append(f'<section id="next"><h2>Where to go from here</h2>{_paragraphs(outro)}</section>')
    page = ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            + "\n".join(body) + f"\n<script>{SCRIPT}</script>\n</body>\n</html>\n")
    path = out_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
