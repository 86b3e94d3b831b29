"""``tinynet tour``: run every example in teaching order and write one page that teaches from the results.

Each example runs into its own sub-folder of ``out_dir`` with the options its module lists in
``TOUR`` (shorter than its own defaults, so the whole tour takes a few minutes on two cores);
then ``out_dir`` gets

* ``index.html``   the lessons, each with its figures and this run's numbers (``page.py``);
* ``results.json`` per example ``{"status": "ok" | "interrupted" | "failed", "seconds", "metrics", "settings"}``;
* ``docs/``        HTML copies of the docs pages the lessons link to (``docs.py``).

An example that raises is reported with its error and the tour goes on.  Ctrl-C stops the whole
tour: the example that was running draws what it has, the ones not started are marked
interrupted, and the page and results.json are still written.
"""

import importlib
import json
import math
import time
import traceback
from pathlib import Path

from tinynet.examples.report import ExampleResult, Figure

NAME = "tour"
SUMMARY = "run every example in teaching order and write one HTML page (index.html) that teaches from the results"

INTRO = """This page was written by `tinynet tour` on your computer. It trained {count} small neural networks \
from scratch -- with tinynet's own autograd and C kernels, nothing else -- and drew what each one learned.

Read it from top to bottom: each lesson uses the ones before it. You will see why a network needs a hidden \
layer, follow backpropagation through a tiny network one chain-rule step at a time, and then watch what hidden \
units and the layers of a convolutional network learn on handwritten digits, step by step as they train.

Every section says what it teaches, gives this run's numbers in words, tells you what to look for in its \
figures, and ends with the command that reproduces it and a link to the math. Where a figure changes during \
training, a slider scrubs through the training steps and the play button replays them."""

# After the last lesson: what a learner can do next with what the page showed.  {adding_an_op} and
# {docs_index} become links to the docs pages written beside the page (or their names, when there are none).
OUTRO = """**See backprop in your own network.** Put any `loss.backward()` inside `with tinynet.trace_backward():` \
and tinynet prints what the backpropagation lesson showed: each op as backward reaches it, its local derivative, and the gradients \
flowing in and out. `tinynet.viz.draw_graph(loss, "graph.png")` draws the graph behind a result, and \
`tinynet.gradcheck(fn, inputs)` checks any function's gradients against finite differences.

**Read the code behind the lessons.** Every op in `tinynet/ops/` keeps its forward and backward side by side, \
with its derivative in one line of its docstring; {adding_an_op} builds a new op from its derivative to a \
passing gradient check, and {docs_index} lists the other guides, down to the C kernels.

**Bring your PyTorch code.** tinynet follows PyTorch's names, shapes, dtypes and errors, so CPU training code \
written for PyTorch runs with `import tinynet as torch`: layers, losses, optimizers and schedulers, \
`DataLoader`, recurrent layers and attention. tinynet's README says what it does not do yet.

**Change one thing and look again.** Every section's command takes options of its own (`tinynet xor --help`), \
and the same `--seed` gives the same run, so the change you made is the only difference you see."""


def outro(written_docs):
    """OUTRO with its docs references as links to the pages ``write_docs`` wrote (or as plain names)."""
    from tinynet.examples.tour.docs import docs_url

    def reference(page, words):
        url = docs_url(page, written_docs)
        return f"[{words}]({url})" if url else f"{words} (docs/{page} in tinynet's source)"

    return OUTRO.format(adding_an_op=reference("adding-an-op.md", "the guide to adding an op"),
                        docs_index=reference("README.md", "the docs' index"))


def add_arguments(parser):
    """The tour has no options beyond the common ones (--out, --epochs, --seed, --threads, --quick)."""


def _registry():
    """The examples' {name: module path}, in teaching order."""
    from tinynet.examples import EXAMPLES

    return dict(EXAMPLES)


def settings_for(module, quick, epochs):
    """The keyword options one example runs with on the tour: quick, or the module's ``TOUR`` options."""
    settings = {"quick": True} if quick else dict(getattr(module, "TOUR", {}))
    if epochs is not None:
        settings["epochs"] = epochs
    return settings


def command_for(name, settings, seed):
    """The ``tinynet`` command line that runs an example with these settings."""
    words = ["tinynet", name]
    for key, value in settings.items():
        if key == "quick":
            words += ["--quick"] if value else []
        else:
            words += [f"--{key.replace('_', '-')}", str(value)]
    if seed:
        words += ["--seed", str(seed)]
    return " ".join(words)


def _describe(builder, metrics, what, name):
    """Call a Section's sentence builder; a builder that fails gives a note instead of stopping the tour."""
    if builder is None:
        return []
    try:
        return [str(sentence) for sentence in builder(metrics)]
    except Exception as error:  # e.g. a metric missing because training was interrupted
        print(f"== tour: {name}: could not write '{what}' ({type(error).__name__}: {error})")
        return [f"(not available for this run: {type(error).__name__} {error})"]


def _import_or_none(module_path):
    """The module, or None if it cannot be imported (``_run_one`` imports it again and reports why)."""
    try:
        return importlib.import_module(module_path)
    except Exception:
        return None


def _section(name, module, settings, seed):
    """The page section of one example, with the lesson its module declares: not started yet."""
    from tinynet.examples.tour.page import TourSection

    section = TourSection(name=name, title=name, settings=dict(settings, seed=seed), status="interrupted",
                          started=False, command=command_for(name, settings, seed),
                          default_command=command_for(name, {}, seed))
    lesson = getattr(module, "SECTION", None)
    if lesson is not None:
        section.title, section.takeaway, section.lesson = lesson.title, lesson.takeaway, lesson.lesson
        section.docs_name = lesson.docs
    return section


def _run_one(section, module_path, out_dir, seed, settings):
    """Run one example into ``out_dir/<name>``; fills in the section.  Re-raises KeyboardInterrupt."""
    start = time.perf_counter()
    section.started = True
    try:
        module = importlib.import_module(module_path)
        lesson = getattr(module, "SECTION", None)
        example_dir = out_dir / section.name
        example_dir.mkdir(parents=True, exist_ok=True)
        result = module.run(example_dir, seed=seed, **settings)
        if not isinstance(result, ExampleResult):
            raise TypeError(f"{module_path}.run() should return an ExampleResult, got {type(result).__name__}")
        section.blocks, section.metrics = result.figures, result.metrics
        section.status = "interrupted" if result.interrupted else "ok"
        if lesson is not None:
            section.numbers = _describe(lesson.key_numbers, result.metrics, "key numbers", section.name)
            section.look_for = _describe(lesson.look_for, result.metrics, "what to look for", section.name)
    except KeyboardInterrupt:
        section.status = "interrupted"
        raise
    except Exception:  # a broken example is shown on the page; the tour goes on
        section.status, section.error = "failed", traceback.format_exc()
    finally:
        section.seconds = time.perf_counter() - start


def _plain(value):
    """A metric as JSON: numpy numbers to Python, NaN and infinities to null."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value if isinstance(value, (bool, int, float, str)) or value is None else str(value)


def write_results(out_dir, sections):
    """Write ``out_dir/results.json``: per example its status, seconds, metrics and settings."""
    results = {}
    for s in sections:
        results[s.name] = {"status": s.status, "seconds": round(s.seconds, 2), "metrics": _plain(s.metrics),
                           "settings": _plain(s.settings)}
        if s.error:
            results[s.name]["error"] = s.error.strip().splitlines()[-1]
    path = Path(out_dir) / "results.json"
    path.write_text(json.dumps(results, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    return path


def _run_note(quick, sections, seed):
    import tinynet

    info = tinynet.build_info()
    total = sum(s.seconds for s in sections)
    mode = "quick test settings (tiny subsets: the numbers mean little)" if quick else "the tour's settings"
    return (f"This run: {mode}, seed {seed}, {total:.0f} s in all on the {info.get('backend')} backend "
            f"(SIMD {info.get('simd')}, {info.get('num_threads')} threads). Every number on the page is in "
            "`results.json` beside it.")


def run(out_dir, *, seed=0, quick=False, epochs=None, examples=None, **options):
    """Run every example into ``out_dir/<name>/``; write index.html, results.json and docs/ in ``out_dir``.

    examples: {name: module path} to run instead of the whole registry (``tinynet.examples.EXAMPLES``).
    Other options (e.g. from the command line) are ignored.  Returns an ExampleResult whose
    ``interrupted`` says whether Ctrl-C stopped the tour.
    """
    from tinynet.examples.tour.docs import docs_title, docs_url, write_docs
    from tinynet.examples.tour.page import write_page

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    registry = _registry() if examples is None else dict(examples)
    # Every section exists before anything runs (as "interrupted, not started"), so that the page
    # and results.json list every lesson, however early Ctrl-C comes.
    modules = {name: _import_or_none(path) for name, path in registry.items()}
    sections = [_section(name, module, settings_for(module, quick, epochs), seed) for name, module in modules.items()]
    interrupted = False
    try:
        for section, module_path in zip(sections, registry.values()):
            if interrupted:
                continue
            settings = {k: v for k, v in section.settings.items() if k != "seed"}
            print(f"== tour: {section.name} ({', '.join(f'{k}={v}' for k, v in settings.items()) or 'defaults'})",
                  flush=True)
            try:
                _run_one(section, module_path, out_dir, seed, settings)
            except KeyboardInterrupt:
                interrupted = True
            interrupted = interrupted or section.status == "interrupted"
            print(f"== tour: {section.name} {section.status} in {section.seconds:.1f} s", flush=True)
            if section.error:
                print(section.error)
            if interrupted:
                print("== tour: stopped by Ctrl-C; writing the page with what was made so far", flush=True)
    finally:  # also on a second Ctrl-C: the page shows what finished
        written = write_docs(out_dir)
        for section in sections:
            if section.docs_name:
                section.docs_url = docs_url(section.docs_name, written)
                section.docs_label = docs_title(section.docs_name)
        write_results(out_dir, sections)
        page = write_page(out_dir, sections, title="Inside a neural network: the tinynet tour",
                          intro=INTRO.format(count=len(sections)), run_note=_run_note(quick, sections, seed),
                          outro=outro(written))
        print(f"tour page: {page}", flush=True)
    failed = [s.name for s in sections if s.status == "failed"]
    total = sum(s.seconds for s in sections)
    metrics = {f"{s.name} seconds": round(s.seconds, 2) for s in sections}
    metrics.update({"total seconds": round(total, 2), "failed": len(failed)})
    summary = f"ran {len(sections)} examples in {total:.0f} s" + (f"; failed: {', '.join(failed)}" if failed else "")
    return ExampleResult(name=NAME, figures=[Figure(page, "Tour page", "All lessons on one page."),
                                             Figure(out_dir / "results.json", "Results", "Every number measured.")],
                         metrics=metrics, summary=summary, interrupted=interrupted)
