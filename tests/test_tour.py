"""The tour: its page links only files that exist, each section is a lesson true to its run, results.json
says how every example went, Ctrl-C stops the whole tour -- and the page works in a real browser."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

import tinynet
from tinynet.examples import EXAMPLES, load_example, tour
from tinynet.examples.report import Figure, Table
from tinynet.examples.tour.docs import docs_title, find_docs
from tinynet.examples.tour.markdown import slug
from tinynet.examples.tour.page import TourSection, format_value, write_page

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser import Browser, find_chromium  # noqa: E402


class _Links(HTMLParser):
    """Collects every src= and href= of a page, and the ids it defines."""

    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.links += [value for name, value in attrs.items() if name in ("src", "href")]
        if "id" in attrs:
            self.ids.add(attrs["id"])


def parse(page):
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def assert_links_resolve(page):
    """Every link is relative, points at a file beside the page, and its #anchor exists there."""
    links = [link for link in parse(page).links if not link.startswith("#") and "://" not in link]
    for link in links:
        assert not link.startswith("/"), f"link is not relative: {link}"
        parts = urlsplit(link)
        target = page.parent / unquote(parts.path)
        assert target.is_file(), f"{page} links to a missing file: {link}"
        if parts.fragment and target.suffix == ".html":
            assert parts.fragment in parse(target).ids, f"{page} links to a missing anchor: {link}"
    return links


def _png(path):
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(figsize=(1, 1))
    fig.add_subplot().plot([0, 1])
    fig.savefig(path)
    return path


def test_page_shows_lessons_links_only_existing_files_and_escapes_text(tmp_path):
    sub = tmp_path / "ex one"
    sub.mkdir()
    blocks = [Figure(_png(sub / "plot.png"), "A <plot>", "shows & tells"),
              Figure(sub / "never-written.png", "Ghost", "this file does not exist"),
              Figure(_png(sub / "extra.png"), "Extra", "a file to keep", shown=False),
              Table("A table", "its caption", ["a", "b"], [["1", "<2>"]], {"a": "what a means"})]
    sections = [TourSection("ex one", "Why <things> happen", "one line", "A lesson with `code`.\n\nSecond -- part.",
                            status="ok", seconds=1.25, settings={"epochs": 1}, command="tinynet ex-one --epochs 1",
                            numbers=["It got 91 % right."], look_for=["Look **here**."], blocks=blocks,
                            metrics={"acc": 0.91234}),
                TourSection("broken", "A broken one", status="failed", error="Traceback ...\nValueError: <bad> input"),
                TourSection("later", "Never ran", status="interrupted", started=False)]
    page = write_page(tmp_path, sections, title="t", intro="hello `tour`")
    text = page.read_text(encoding="utf-8")
    assert sorted(assert_links_resolve(page)) == ["ex%20one/extra.png", "ex%20one/plot.png"]
    assert "never-written.png" in text and "missing file" in text          # named, not linked
    assert "Why &lt;things&gt; happen" in text and "<things>" not in text   # titles are escaped
    assert "ValueError: &lt;bad&gt; input" in text and "failed" in text
    assert "<code>code</code>" in text and "<strong>here</strong>" in text and "Second \u2014 part" in text
    assert "0.9123" in text and "epochs=1" in text and "1.2 s" in text
    assert "<td>&lt;2&gt;</td>" in text and "what a means" in text
    assert "Not run: the tour was stopped" in text
    assert text.index('href="#ex one"') < text.index('id="ex one"')        # contents first
    assert "tinynet ex-one --epochs 1" in text


def test_format_value():
    assert format_value(0.987654) == "0.9877"
    assert format_value(12) == "12"
    assert format_value(float("nan")) == "nan"


def test_command_for_reproduces_settings_through_the_cli():
    from tinynet import cli

    for name, module_path in EXAMPLES.items():
        module = load_example(name)
        settings = tour.settings_for(module, quick=False, epochs=None)
        command = tour.command_for(name, settings, seed=3).split()
        assert command[:2] == ["tinynet", name] and command[-2:] == ["--seed", "3"]
        args = cli.build_parser().parse_args(command[1:])  # every tour setting is a real option
        for key, value in settings.items():
            assert getattr(args, key) == value, (name, key)
    assert tour.command_for("xor", {"quick": True}, 0) == "tinynet xor --quick"


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_every_example_declares_a_lesson_with_a_real_docs_anchor(name):
    lesson = load_example(name).SECTION
    assert lesson.title and lesson.takeaway and lesson.lesson and callable(lesson.key_numbers)
    assert callable(lesson.look_for)
    docs = find_docs()
    if docs is None:
        pytest.skip("the docs pages are not installed with this copy of tinynet")
    page, _, anchor = lesson.docs.partition("#")
    headings = [line.lstrip("#").strip() for line in (docs / page).read_text().splitlines() if line.startswith("#")]
    assert anchor in {slug(h) for h in headings}, f"{lesson.docs}: no such heading"
    assert "\u2014" in docs_title(lesson.docs) or not anchor


def test_registry_is_in_teaching_order_and_finds_examples_by_file():
    from tinynet.examples import TEACHING_ORDER

    names = list(EXAMPLES)
    assert names[:2] == ["xor", "bp"] and "tour" not in names and "report" not in names
    known = [n for n in names if n in TEACHING_ORDER]
    assert known == sorted(known, key=TEACHING_ORDER.index)
    assert names[-1] == "autoencoder" or names[-1] not in TEACHING_ORDER


FAKE_EXAMPLES = '''
    from pathlib import Path
    from matplotlib.figure import Figure as MplFigure
    from tinynet.examples.report import ExampleResult, Figure, Section

    SECTION = Section("A fake lesson", "fake takeaway", "lesson text", "lessons.md",
                      key_numbers=lambda m: [f"quick is {m['quick']}"], look_for=lambda m: [m["missing"]])

    def run(out_dir, *, epochs=None, seed=0, quick=False, **options):
        fig = MplFigure(figsize=(1, 1))
        fig.add_subplot().plot([0, seed])
        fig.savefig(Path(out_dir) / "plot.png")
        return ExampleResult("good", [Figure(Path(out_dir) / "plot.png", "plot", "a line")],
                             {"quick": quick, "epochs": epochs, "nan": float("nan")})
'''


@pytest.fixture
def fake_examples(tmp_path, monkeypatch):
    package = tmp_path / "fake_examples_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "good.py").write_text(textwrap.dedent(FAKE_EXAMPLES))
    (package / "bad.py").write_text("def run(out_dir, **kw):\n    raise ValueError('boom 42')\n")
    (package / "wrong.py").write_text("def run(out_dir, **kw):\n    return 'not a result'\n")
    (package / "stop.py").write_text("from tinynet.examples.report import ExampleResult\n"
                                     "def run(out_dir, **kw):\n    return ExampleResult('stop', interrupted=True)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    return {"good": "fake_examples_pkg.good", "bad": "fake_examples_pkg.bad", "wrong": "fake_examples_pkg.wrong",
            "missing": "fake_examples_pkg.does_not_exist", "stop": "fake_examples_pkg.stop",
            "after": "fake_examples_pkg.good"}


def test_tour_reports_failures_goes_on_and_stops_at_an_interrupted_example(tmp_path, fake_examples):
    out = tmp_path / "tour"
    result = tour.run(out, quick=True, seed=3, examples=fake_examples)
    page = out / "index.html"
    assert result.figures[0].path == page and result.interrupted
    text = page.read_text(encoding="utf-8")
    assert "good/plot.png" in assert_links_resolve(page)
    assert "boom 42" in text and "should return an ExampleResult" in text and "No module named" in text
    assert "quick is True" in text and "not available for this run" in text  # a builder that fails says so
    results = json.loads((out / "results.json").read_text())
    assert list(results) == list(fake_examples)
    assert [results[n]["status"] for n in results] == ["ok", "failed", "failed", "failed", "interrupted",
                                                      "interrupted"]
    assert results["good"]["metrics"]["nan"] is None and results["good"]["settings"] == {"quick": True, "seed": 3}
    assert set(results["good"]) == {"status", "seconds", "metrics", "settings"}
    assert "boom 42" in results["bad"]["error"]
    assert not (out / "after").exists()  # the example after the interrupted one never ran
    assert result.metrics["failed"] == 3


@pytest.fixture(scope="module")
def quick_tour(tmp_path_factory):
    """The real tour, quick settings, one thread: run once for the tests below."""
    out = tmp_path_factory.mktemp("quick-tour")
    before = tinynet.get_num_threads()
    tinynet.set_num_threads(1)  # tiny matrices: threads only add overhead on a busy machine
    try:
        result = tour.run(out, quick=True)
    finally:
        tinynet.set_num_threads(before)
    return out, result


def test_quick_tour_of_the_registry(quick_tour):
    out, result = quick_tour
    page = out / "index.html"
    text = page.read_text(encoding="utf-8")
    links = assert_links_resolve(page)
    results = json.loads((out / "results.json").read_text())
    assert list(results) == list(EXAMPLES)
    for name in EXAMPLES:
        assert f'id="{name}"' in text and results[name]["status"] == "ok", results[name]
        assert load_example(name).SECTION.title in text
    assert result.metrics["failed"] == 0 and not result.interrupted
    assert 0 < results["cnn-activations"]["metrics"]["test_accuracy"] <= 1
    assert any(link.endswith(".gif") for link in links)
    assert sum(link.startswith("docs/") for link in links) >= len(EXAMPLES)  # every lesson links its math
    assert text.count('class="player"') >= 3 and 'class="walk"' in text
    for link in links:
        data = (out / unquote(urlsplit(link).path)).read_bytes()
        if link.endswith(".png"):
            assert data[:8] == b"\x89PNG\r\n\x1a\n"
        if link.endswith(".gif"):
            assert data[:6] in (b"GIF87a", b"GIF89a")


def test_docs_copies_link_among_themselves(quick_tour):
    out, _ = quick_tour
    if find_docs() is None:
        pytest.skip("the docs pages are not installed with this copy of tinynet")
    pages = sorted((out / "docs").glob("*.html"))
    assert {p.name for p in pages} >= {"lessons.html", "backprop-by-hand.html", "README.html"}
    for page in pages:
        assert_links_resolve(page)
    lessons = (out / "docs" / "lessons.html").read_text()
    assert "<pre><code>" in lessons and "<h2 id=" in lessons
    # The page ends with where to go next, its guides linked (and resolving: assert_links_resolve above).
    text = (out / "index.html").read_text(encoding="utf-8")
    assert text.index("Where to go from here") > text.index(f'id="{list(EXAMPLES)[-1]}"')
    assert 'href="docs/adding-an-op.html"' in text and 'href="docs/README.html"' in text


def test_page_size_stays_reasonable(quick_tour):
    out, _ = quick_tour
    total = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    assert total < 20e6, f"the quick tour wrote {total / 1e6:.1f} MB"
    assert (out / "index.html").stat().st_size < 2e6


def test_ctrl_c_stops_the_whole_tour_and_keeps_what_was_made(tmp_path):
    out = tmp_path / "tour"
    env = dict(os.environ, TINYNET_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    process = subprocess.Popen([sys.executable, "-m", "tinynet", "tour", "--quick", "--out", str(out)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    seen = []
    try:
        for line in process.stdout:  # wait until the second example has started
            seen.append(line)
            if line.startswith("== tour: bp ("):
                time.sleep(0.5)
                process.send_signal(signal.SIGINT)
                break
        seen += process.stdout.readlines()
        code = process.wait(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    output = "".join(seen)
    assert code == 130, output
    assert "Traceback" not in output
    results = json.loads((out / "results.json").read_text())
    assert results["xor"]["status"] == "ok"
    assert [results[n]["status"] for n in list(EXAMPLES)[1:]] == ["interrupted"] * (len(EXAMPLES) - 1)
    assert not (out / "mnist-templates").exists()  # nothing after bp was started
    text = (out / "index.html").read_text(encoding="utf-8")
    assert "Not run: the tour was stopped" in text and (out / "xor" / "boundaries.png").is_file()


# ---------------------------------------------------------------------------- in a real browser

CHROMIUM = find_chromium()
needs_browser = pytest.mark.skipif(
    CHROMIUM is None and os.environ.get("TINYNET_REQUIRE_BROWSER") != "1",
    reason="no Chromium found (Debian: apt-get install chromium; or set TINYNET_CHROMIUM): the tour page is not "
           "checked in a browser")


@pytest.fixture(scope="module")
def browser(quick_tour, tmp_path_factory):
    assert CHROMIUM, "TINYNET_REQUIRE_BROWSER=1 but no Chromium was found"
    with Browser(CHROMIUM, tmp_path_factory.mktemp("chromium-profile"), width=1280, height=900) as opened:
        opened.open((quick_tour[0] / "index.html").as_uri(), "window.tourReady === true")
        yield opened


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory):
    folder = Path(os.environ.get("TINYNET_SCREENSHOTS") or tmp_path_factory.mktemp("tour-screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\ntour page screenshots: {folder}")
    return folder


LOAD_ALL_PICTURES = """Promise.all([...new Set([...document.images].map(i => i.src).concat(
    [...document.querySelectorAll('.sprite')].map(s => getComputedStyle(s).backgroundImage.slice(5, -2))))]
  .map(url => new Promise(done => { const p = new Image(); p.onload = () => done([url, p.naturalWidth > 0]);
                                    p.onerror = () => done([url, false]); p.src = url; })))"""

SMALLEST_TEXT = """Math.min(...[...document.querySelectorAll('body *')].filter(el =>
  [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()) && el.getClientRects().length)
  .map(el => parseFloat(getComputedStyle(el).fontSize)))"""


def _player_state(browser, player):
    return browser.evaluate(f"""(() => {{ const p = document.querySelectorAll('.player')[{player}];
        return {{step: p.querySelector('.step').textContent, values: p.querySelector('.values').textContent,
                 frame: p.getAttribute('data-frame'), slider: p.querySelector('input.slider').value,
                 sprites: [...p.querySelectorAll('.sprite')].map(s => s.style.backgroundPosition),
                 labels: [...p.querySelectorAll('.labels')].map(l => l.textContent),
                 planes: [...p.querySelectorAll('svg.plane .moving')].map(g => g.innerHTML)}}; }})()""")


def _move_slider(browser, player, frame):
    browser.evaluate(f"""(() => {{ const s = document.querySelectorAll('.player')[{player}]
        .querySelector('input.slider'); s.value = {frame}; s.dispatchEvent(new Event('input')); }})()""")


def _player_index(browser, section):
    return browser.evaluate(f"[...document.querySelectorAll('.player')].findIndex(p => p.closest('section').id "
                            f"=== '{section}')")


@needs_browser
def test_page_loads_without_errors_and_every_picture_shows(browser, screenshots):
    browser.drain(0.5)
    assert browser.errors() == []
    assert browser.evaluate("window.tourProblems") == []
    loaded = browser.evaluate(LOAD_ALL_PICTURES)
    assert loaded and all(ok for _, ok in loaded), [url for url, ok in loaded if not ok]
    assert browser.evaluate(SMALLEST_TEXT) >= 10  # no text under 10 px on screen
    browser.screenshot(screenshots / "tour-page.png", full_page=True)


@needs_browser
def test_step_slider_moves_all_layers_of_the_cnn_together(browser, screenshots):
    player = _player_index(browser, "cnn-activations")
    assert player >= 0
    last = _player_state(browser, player)
    before = browser.screenshot_element("#cnn-activations .player", screenshots / "cnn-last-step.png")
    _move_slider(browser, player, 0)
    first = _player_state(browser, player)
    after = browser.screenshot_element("#cnn-activations .player", screenshots / "cnn-step-0.png")
    assert first["step"].startswith("step 0 of ") and last["step"] != first["step"]
    assert len(first["sprites"]) == 1 + 6 + 1  # the digits (twice) and six conv layers
    moved = [a != b for a, b in zip(first["sprites"], last["sprites"])]
    assert sum(moved) == 6, moved  # every conv layer's strip moved; the digits stay
    assert first["labels"] != last["labels"]  # the network's answers changed
    from PIL import Image, ImageChops

    with Image.open(before) as one, Image.open(after) as two:
        assert ImageChops.difference(one.convert("RGB"), two.convert("RGB")).getbbox() is not None
    browser.evaluate(f"document.querySelectorAll('.player')[{player}].querySelector('button.play').click()")
    time.sleep(0.6)
    playing = _player_state(browser, player)
    browser.evaluate(f"document.querySelectorAll('.player')[{player}].querySelector('button.play').click()")
    assert int(playing["slider"]) > 0  # play moved the slider on


@needs_browser
@pytest.mark.parametrize("section", ["xor", "mnist-hidden"])
def test_step_slider_of_the_other_players(browser, section):
    player = _player_index(browser, section)
    assert player >= 0
    _move_slider(browser, player, 10**6)  # clamped to the last frame
    last = _player_state(browser, player)
    _move_slider(browser, player, 0)
    first = _player_state(browser, player)
    assert first["step"].startswith("step 0 of ") and first["step"] != last["step"]
    assert first["sprites"] != last["sprites"] or first["planes"] != last["planes"]


@needs_browser
def test_backward_walk_steps_through_the_table_and_the_graph(browser, screenshots):
    state = """(() => { const w = document.querySelector('.walk');
        const row = w.querySelector('tr.current'); const box = w.querySelector('g.box.current');
        return [w.getAttribute('data-index'), row && row.getAttribute('data-op'), box && box.id,
                w.querySelectorAll('g.box.target').length, w.querySelector('.walk-position').textContent]; })()"""
    rows = browser.evaluate("document.querySelectorAll('.walk tr[data-box]').length")
    assert rows == 5  # MSELoss, Sigmoid, Linear, Sigmoid, Linear
    seen = [browser.evaluate(state)]
    for _ in range(rows):  # one press more than there are rows: it stays on the last
        browser.evaluate("document.querySelector('.walk button.next').click()")
        seen.append(browser.evaluate(state))
    assert [s[0] for s in seen] == ["0", "1", "2", "3", "4", "4"]
    assert [s[1] for s in seen[:5]] == ["MSELoss", "Sigmoid", "Linear", "Sigmoid", "Linear"]
    assert len({s[2] for s in seen[:5]}) == 5 and all(s[2] for s in seen)  # a different box lit each time
    assert seen[2][3] == 3 and seen[4][3] == 3  # a Linear's gradients go to its input, weight and bias
    browser.screenshot_element(".walk", screenshots / "backward-walk.png")
    browser.evaluate("document.querySelector('.walk button.prev').click()")
    assert browser.evaluate(state)[0] == "3"


def _profile_state(browser, player):
    return browser.evaluate(f"""(() => {{ const p = document.querySelectorAll('.player')[{player}];
        return {{id: p.id, step: p.querySelector('.step').textContent, values: p.querySelector('.values').textContent,
                 profiles: [...p.querySelectorAll('svg.profile .moving')].map(g => g.innerHTML),
                 dots: p.querySelectorAll('svg.profile .moving circle').length,
                 dashed: p.querySelectorAll('svg.profile .moving [stroke-dasharray]').length,
                 cursors: [...p.querySelectorAll('line.cursor')].map(c => c.getAttribute('x1'))}}; }})()""")


@needs_browser
@pytest.mark.parametrize("section, first_steps, dots", [
    ("activations", ["step 1 of "], [2 * 11]),  # two nets, eleven layers each
    ("residual", ["step 1 of ", "step 0 of "], [5 * 20, 2 * 9]),  # five deep nets of 20 layers; nine units
])
def test_step_sliders_of_the_experiments_redraw_their_profiles(browser, screenshots, section, first_steps, dots):
    players = browser.evaluate(f"[...document.querySelectorAll('.player')].map((p, i) => "
                               f"p.closest('section').id === '{section}' ? i : -1).filter(i => i >= 0)")
    assert len(players) == len(first_steps)
    from PIL import Image, ImageChops

    for player, first_step, count in zip(players, first_steps, dots):
        _move_slider(browser, player, 10**6)
        last = _profile_state(browser, player)
        at_last = browser.screenshot_element(f"#{last['id']}", screenshots / f"{last['id']}-last-step.png")
        _move_slider(browser, player, 0)
        first = _profile_state(browser, player)
        at_first = browser.screenshot_element(f"#{last['id']}", screenshots / f"{last['id']}-first-step.png")
        assert first["step"].startswith(first_step) and first["step"] != last["step"]
        assert last["dots"] == first["dots"] == count  # every layer of every curve, at every step
        assert first["dashed"] == 0 < last["dashed"]  # the first step's curves stay behind the later ones
        assert first["profiles"] != last["profiles"] and first["values"] != last["values"]
        assert all(a != b for a, b in zip(first["cursors"], last["cursors"])) and first["cursors"]
        with Image.open(at_last) as one, Image.open(at_first) as two:
            assert ImageChops.difference(one.convert("RGB"), two.convert("RGB")).getbbox() is not None
        _move_slider(browser, player, 10**6)
    browser.screenshot_element(f"#{section}", screenshots / f"{section}-section.png", max_height=6000)
