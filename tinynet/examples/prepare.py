"""How an example's run() begins: its settings, its output folder and seed, its slice of MNIST.

The examples share these steps so that they cannot drift apart: an option
overrides a default the same way everywhere, a bad size fails before any
data is loaded, and every run seeds tinynet before it builds a model, so the
same ``--seed`` draws the same weights (docs/determinism.md).
"""

from pathlib import Path


def settings_for(epochs, quick, options, *, full, quick_settings, overridable=("lr", "batch_size", "train_size"),
                 at_least_one=("epochs", "batch_size", "train_size")):
    """The run's settings: the example's defaults (``full``, or ``quick_settings`` for a quick run), then
    ``epochs`` and each option named in ``overridable`` that was given (not None).

    Raises ValueError if a setting named in ``at_least_one`` is below 1.
    """
    settings = dict(quick_settings if quick else full)
    if epochs is not None:
        settings["epochs"] = int(epochs)
    for key in overridable:
        if options.get(key) is not None:
            settings[key] = options[key]
    for key in at_least_one:
        if settings[key] < 1:
            raise ValueError(f"{key} must be >= 1, got {settings[key]}")
    return settings


def start_run(out_dir, seed):
    """Create the output folder (and its parents) and seed tinynet's random numbers; returns the folder as a Path."""
    import tinynet

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tinynet.manual_seed(seed)
    return out_dir


def mnist_subsets(train_size, test_size, *, flat):
    """(x_train, y_train, x_test, y_test): the first ``train_size`` training and ``test_size`` test images
    and their labels.  ``flat=True`` gives each image as a row of 784 pixels (for Linear layers), else it
    stays (1, 28, 28) (for Conv2d)."""
    from tinynet.data import load_mnist

    x_train, y_train = load_mnist("train")
    x_test, y_test = load_mnist("test")
    x_train, y_train = x_train[:train_size], y_train[:train_size]
    x_test, y_test = x_test[:test_size], y_test[:test_size]
    if flat:
        x_train, x_test = x_train.reshape(-1, 784), x_test.reshape(-1, 784)
    return x_train, y_train, x_test, y_test
