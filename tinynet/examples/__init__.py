"""The examples: each one trains a small network and draws what it learned.

Every example is a module with ``NAME``, ``SUMMARY``, optionally
``add_arguments(parser)``, and ``run(out_dir, *, epochs=None, seed=0,
quick=False, **options) -> ExampleResult``.  ``EXAMPLES`` maps command names
to module names; modules are imported only when asked for, so one broken
example cannot stop the others (or ``tinynet --help``) from working.
"""

import importlib

EXAMPLES = {
    "xor": "tinynet.examples.xor",
    "bp": "tinynet.examples.bp",
    "mnist-templates": "tinynet.examples.mnist_templates",
    "mnist-hidden": "tinynet.examples.mnist_hidden",
    "cnn-activations": "tinynet.examples.cnn_activations",
    "autoencoder": "tinynet.examples.autoencoder",
    "activations": "tinynet.examples.activations",
    "residual": "tinynet.examples.residual",
}


def load_example(name):
    """Import and return the module of the example called ``name`` (e.g. "mnist-templates")."""
    if name not in EXAMPLES:
        raise ValueError(f"unknown example {name!r}; expected one of {', '.join(EXAMPLES)}")
    return importlib.import_module(EXAMPLES[name])
