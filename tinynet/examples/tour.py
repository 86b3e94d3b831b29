"""``tinynet tour``: run every example with short settings and collect all figures on one HTML page.

Each example runs into its own sub-folder of ``out_dir``; ``out_dir/index.html`` then shows every
figure with what it teaches, the measured numbers and the run time per example.  The settings
below keep the whole tour to a few minutes on two cores (the examples' own defaults train longer);
they are printed on the page.  An example that raises is reported on the page with its error, and
the tour goes on with the next one.
"""

import importlib
import time
import traceback
from pathlib import Path

from tinynet.examples.report import ExampleResult, Figure

NAME = "tour"
SUMMARY = "run every example with short settings and write one HTML page (index.html) with all figures"

# Options passed to each example's run() on the tour (not in quick mode).  Examples not listed run
# with their defaults, which already finish in well under a minute.
TOUR_SETTINGS = {
    "cnn-activations": {"epochs": 1, "train_size": 30000, "batch_size": 256},
    "autoencoder": {"epochs": 5},
}


def add_arguments(parser):
    """The tour has no options beyond the common ones (--out, --epochs, --seed, --threads)."""


def _registry():
    """The registry's {name: module path}, in its order, the tour itself excluded."""
    from tinynet.examples import EXAMPLES

    return {name: path for name, path in EXAMPLES.items() if name != NAME}


def _settings_for(name, quick, epochs):
    """The keyword options one example runs with on the tour."""
    if quick:
        settings = {"quick": True}
    else:
        settings = dict(TOUR_SETTINGS.get(name, {}))
    if epochs is not None:
        settings["epochs"] = epochs
    return settings


def _run_one(name, module_path, out_dir, seed, settings):
    """Run one example; returns a TourSection (with the error text if it raised)."""
    from tinynet.viz.html import TourSection

    section = TourSection(name=name, settings=dict(settings, seed=seed))
    start = time.perf_counter()
    try:
        module = importlib.import_module(module_path)
        section.summary = getattr(module, "SUMMARY", "")
        example_dir = out_dir / name
        example_dir.mkdir(parents=True, exist_ok=True)
        result = module.run(example_dir, seed=seed, **settings)
        if not isinstance(result, ExampleResult):
            raise TypeError(f"{module_path}.run() should return an ExampleResult, got {type(result).__name__}")
        section.result = result
    except Exception:  # a broken example is shown on the page; the tour goes on
        section.error = traceback.format_exc()
    section.seconds = time.perf_counter() - start
    return section


def _intro(quick, sections_total):
    import tinynet

    info = tinynet.build_info()
    mode = "quick test settings (tiny subsets; numbers are not meaningful)" if quick else \
        "short tour settings (subsets and fewer epochs than each example's defaults; see each section)"
    return (f"Every tinynet example, run with {mode}. Backend: {info.get('backend')}, "
            f"threads: {info.get('num_threads')}, SIMD: {info.get('simd')}. "
            f"Total run time {sections_total:.0f} s. Run one example on its own, with its full "
            f"settings, with `tinynet <name>`.")


def run(out_dir, *, seed=0, quick=False, epochs=None, examples=None, **options):
    """Run every registered example into ``out_dir/<name>/`` and write ``out_dir/index.html``.

    examples: {name: module path} to run instead of the whole registry (``tinynet.examples.EXAMPLES``).
    Other options (e.g. from the command line) are ignored.
    """
    from tinynet.viz.html import write_tour_page

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sections = []
    try:
        for name, module_path in (_registry() if examples is None else dict(examples)).items():
            settings = _settings_for(name, quick, epochs)
            print(f"== tour: {name} ({', '.join(f'{k}={v}' for k, v in settings.items()) or 'defaults'})")
            section = _run_one(name, module_path, out_dir, seed, settings)
            status = "FAILED" if section.error else "ok"
            print(f"== tour: {name} {status} in {section.seconds:.1f} s")
            if section.error:
                print(section.error)
            sections.append(section)
    finally:  # on Ctrl-C the page still shows what finished
        total = sum(s.seconds for s in sections)
        page = write_tour_page(out_dir, sections, title="tinynet tour", intro=_intro(quick, total))
        print(f"tour page: {page}")
    failed = [s.name for s in sections if s.error]
    metrics = {f"{s.name} seconds": round(s.seconds, 2) for s in sections}
    metrics["total seconds"] = round(total, 2)
    metrics["failed"] = len(failed)
    summary = f"ran {len(sections)} examples in {total:.0f} s" + (f"; failed: {', '.join(failed)}" if failed else "")
    return ExampleResult(name=NAME, figures=[Figure(page, "Tour page", "All examples' figures on one page.")],
                         metrics=metrics, summary=summary)
