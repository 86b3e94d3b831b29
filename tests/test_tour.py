"""The tour page: every link points at a file that exists, failures are reported, and the real tour runs."""

import textwrap
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from tinynet.examples import tour
from tinynet.examples.report import ExampleResult, Figure
from tinynet.viz.html import TourSection, format_value, write_tour_page


pytestmark = pytest.mark.usefixtures("one_thread")  # these tests train: one core (conftest.py says why)


class _Links(HTMLParser):
    """Collects every src= and href= of a page."""

    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        self.links += [value for name, value in attrs if name in ("src", "href")]


def _local_links(page):
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return [link for link in parser.links if not link.startswith("#")]


def _assert_links_exist(page):
    from urllib.parse import unquote

    links = _local_links(page)
    for link in links:
        assert "://" not in link and not link.startswith("/"), f"link is not relative: {link}"
        assert (page.parent / unquote(link)).is_file(), f"{page} links to a missing file: {link}"
    return links


def _png(path):
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(figsize=(1, 1))
    fig.add_subplot().plot([0, 1])
    fig.savefig(path)
    return path


def test_page_links_only_existing_files_and_escapes_text(tmp_path):
    sub = tmp_path / "ex one"
    sub.mkdir()
    notes = sub / "notes.md"
    notes.write_text("| a | b |\n", encoding="utf-8")
    figures = [Figure(_png(sub / "plot.png"), "A <plot>", "shows & tells"),
               Figure(notes, "Notes", "a table"),
               Figure(sub / "never-written.png", "Ghost", "this file does not exist")]
    sections = [TourSection("ex one", "first", {"epochs": 1}, 1.25, ExampleResult("ex one", figures, {"acc": 0.91234})),
                TourSection("broken", "second", {}, 0.5, None, "Traceback ...\nValueError: <bad> input")]
    page = write_tour_page(tmp_path, sections, intro="hello")
    text = page.read_text(encoding="utf-8")
    links = _assert_links_exist(page)
    assert sorted(links) == sorted(["ex%20one/plot.png", "ex%20one/notes.md"])
    assert "never-written.png" in text and "missing file" in text   # named, not linked
    assert "A &lt;plot&gt;" in text and "<plot>" not in text          # titles are escaped
    assert "ValueError: &lt;bad&gt; input" in text and "failed" in text
    assert "0.9123" in text and "epochs=1" in text and "1.2 s" in text
    assert "| a | b |" in text                                         # small text files are shown inline


def test_format_value():
    assert format_value(0.987654) == "0.9877"
    assert format_value(12) == "12"
    assert format_value(float("nan")) == "nan"


FAKE_EXAMPLES = '''
    from pathlib import Path
    import numpy as np
    from matplotlib.figure import Figure as MplFigure
    from tinynet.examples.report import ExampleResult, Figure
    from tinynet.viz.animation import write_gif

    SUMMARY = "a fake example"

    def run(out_dir, *, epochs=None, seed=0, quick=False, **options):
        fig = MplFigure(figsize=(1, 1))
        fig.add_subplot().plot([0, seed])
        fig.savefig(Path(out_dir) / "plot.png")
        write_gif([np.full((4, 4, 3), v, np.uint8) for v in (0, 255)], Path(out_dir) / "anim.gif")
        return ExampleResult("good", [Figure(Path(out_dir) / "plot.png", "plot", "a line"),
                                      Figure(Path(out_dir) / "anim.gif", "anim", "two frames")],
                             {"quick": quick, "epochs": epochs})
'''


@pytest.fixture
def fake_examples(tmp_path, monkeypatch):
    package = tmp_path / "fake_examples_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "good.py").write_text(textwrap.dedent(FAKE_EXAMPLES))
    (package / "bad.py").write_text("SUMMARY = 'raises'\ndef run(out_dir, **kw):\n    raise ValueError('boom 42')\n")
    (package / "wrong.py").write_text("def run(out_dir, **kw):\n    return 'not a result'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    return {"good": "fake_examples_pkg.good", "bad": "fake_examples_pkg.bad", "wrong": "fake_examples_pkg.wrong",
            "missing": "fake_examples_pkg.does_not_exist"}


def test_tour_reports_failures_and_keeps_going(tmp_path, fake_examples):
    out = tmp_path / "tour"
    result = tour.run(out, quick=True, seed=3, examples=fake_examples)
    page = out / "index.html"
    assert result.figures[0].path == page
    text = page.read_text(encoding="utf-8")
    links = _assert_links_exist(page)
    assert sorted(links) == ["good/anim.gif", "good/plot.png"]
    assert "boom 42" in text                                      # the error is on the page
    assert 'src="good/anim.gif" alt="anim" class="enlarged" width="8" height="8"' in text  # tiny GIF shown 2x
    assert "should return an ExampleResult" in text
    assert "No module named" in text
    assert result.metrics["failed"] == 3
    assert "bad" in result.summary and "good" not in result.summary.split("failed:")[1]
    assert "quick=True" in text and "seed=3" in text               # settings stated


def test_tour_settings():
    assert tour._settings_for("cnn-activations", True, None) == {"quick": True}
    assert tour._settings_for("cnn-activations", False, 2)["epochs"] == 2
    assert tour._settings_for("unlisted", False, None) == {}


def test_quick_tour_of_the_registry(tmp_path):
    from tinynet.examples import EXAMPLES

    out = tmp_path / "tour"
    result = tour.run(out, quick=True)
    links = _assert_links_exist(out / "index.html")
    text = (out / "index.html").read_text(encoding="utf-8")
    names = [name for name in EXAMPLES if name != "tour"]
    for name in names:
        assert f'id="{name}"' in text
    assert result.metrics["failed"] == 0, text
    assert len(links) >= 2 * len(names)
    assert any(link.endswith(".gif") for link in links)
    for link in links:
        data = (out / link).read_bytes()
        if link.endswith(".png"):
            assert data[:8] == b"\x89PNG\r\n\x1a\n"
        if link.endswith(".gif"):
            assert data[:6] in (b"GIF87a", b"GIF89a")
