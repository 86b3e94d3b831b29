"""The examples: each one trains a small network and draws what it learned; the tour runs them all.

An example is one module of this package, found by its file name: ``tinynet/examples/mnist_hidden.py``
is the command ``tinynet mnist-hidden`` and the ``mnist-hidden`` section of the tour.  Adding an
example (and its tour section) takes that one file, with:

    NAME = "mnist-hidden"                  # the command; its file name with "-" for "_"
    SUMMARY = "one line for --help"
    SECTION = Section(                     # from tinynet.examples.report: the lesson on the tour page
        title="What hidden units learn",   # says what it teaches
        takeaway="one line for the page's contents",
        lesson="a short explanation; blank lines separate paragraphs; `code` in backquotes",
        docs="lessons.md#hidden-units",    # the docs/ page (and anchor) with the math
        key_numbers=lambda metrics: [...], # sentences: the measured numbers, rounded, in words
        look_for=lambda metrics: [...],    # what to look for in the figures -- true of this run
    )
    TOUR = {"epochs": 1}                   # optional: the options the tour runs it with (default: its own)

    def add_arguments(parser): ...         # optional: options beyond --out --epochs --threads --seed --quick
                                           # (argparse types from tinynet.examples.options)
    def run(out_dir, *, epochs=None, seed=0, quick=False, **options) -> ExampleResult: ...

``run`` returns an ``ExampleResult`` (``report.py``): its ``figures`` list holds, in page order,
Figures, Tables, StepPlayers (pictures recorded during training, scrubbed with a step slider) and
BackwardWalks; its ``metrics`` are what ``key_numbers`` and ``look_for`` read, and what the tour
writes to results.json.  When Ctrl-C stops training, ``run`` draws what it has and returns with
``interrupted=True``: the tour then stops and marks the sections not finished as interrupted.
``quick=True`` must finish in seconds (tests use it).

The tour shows the sections in ``TEACHING_ORDER``; an example not listed there comes after those
that are.  A module of this package that is not an example is listed in ``SUPPORT_MODULES`` or
has a name starting with "_" (e.g. a helper shared by two examples).  Modules are imported only
when asked for, so one broken example cannot stop the others (or ``tinynet --help``) from working.
"""

import importlib
import pkgutil

# The tour's order: each lesson builds on the ones before it.
TEACHING_ORDER = ("xor", "bp", "mnist-templates", "mnist-hidden", "activations", "cnn-activations", "residual",
                  "autoencoder")
# Modules of this package that are not examples.
SUPPORT_MODULES = ("gradient_flow", "options", "prepare", "report", "shortcut_units", "sparsity", "tour")


def _discover():
    """{command name: module path} for every example module of this package, in teaching order."""
    found = [info.name.replace("_", "-") for info in pkgutil.iter_modules(__path__)
             if info.name not in SUPPORT_MODULES and not info.name.startswith("_")]
    ordered = [name for name in TEACHING_ORDER if name in found] + sorted(set(found) - set(TEACHING_ORDER))
    return {name: f"{__name__}.{name.replace('-', '_')}" for name in ordered}


EXAMPLES = _discover()


def load_example(name):
    """Import and return the module of the example called ``name`` (e.g. "mnist-templates")."""
    if name not in EXAMPLES:
        raise ValueError(f"unknown example {name!r}; expected one of {', '.join(EXAMPLES)}")
    return importlib.import_module(EXAMPLES[name])
