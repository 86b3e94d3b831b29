"""Gradient flow through depth: each layer's weight-gradient norm, step by step, and how to draw it.

Shared by the ``activations`` and ``residual`` examples.  Backprop multiplies the gradient by
one local derivative per layer on its way from the loss down to layer 1, so the size of
dL/dW_l, plotted against l, shows whether those factors shrink it (vanishing gradients), keep
it, or blow it up.  ``GradientNorms`` reads ||dL/dW_l|| (the Frobenius norm) of every listed
layer after each training step (``train_recording_norms`` is the training loop both examples
use); the gradients of step 1 are computed at the initial weights, so its row is "the gradient
at initialisation".

``write_training_record`` saves what changed over training as JSON: one list entry per step
(losses, per-layer gradient norms) or per snapshot, so a page can scrub through training;
``gradient_player`` puts the same on the tour page, under one step slider.
"""

import json

import numpy as np

SIDE_ROADS = ("shortcut", "gate")  # submodules beside a unit's main path (see main_path_weights)


def main_path_weights(model):
    """[(name, weight)] of every Linear/Conv2d weight along the network's depth, in order.

    Weights are the parameters called ``weight`` with 2 or more dimensions (BatchNorm's scale is
    1-D); the 1x1 convolutions of residual shortcuts and of highway gates are left out, since they
    are side roads, not layers the signal must pass through in sequence.
    """
    return [(name, parameter) for name, parameter in model.named_parameters()
            if name.rsplit(".", 1)[-1] == "weight" and parameter.ndim >= 2
            and not any(road in name.split(".") for road in SIDE_ROADS)]


class GradientNorms:
    """Records ||dL/dW|| for each of ``layers`` ([(name, weight)]) every time ``record()`` is called."""

    def __init__(self, layers):
        self.names = [name for name, _ in layers]
        self.weights = [weight for _, weight in layers]
        self.by_step = []  # one list per recorded step, one norm per layer

    def record(self):
        """Append the current gradients' norms (call after backward, before the next zero_grad)."""
        # sqrt(sum g^2) rather than np.linalg.norm, whose BLAS dot can cost a millisecond in thread start-up
        self.by_step.append([0.0 if w.grad is None else float(np.sqrt(np.square(w.grad.numpy(), dtype=np.float64).sum()))
                             for w in self.weights])

    def at_init(self):
        """The norms of the first recorded step: the gradient at the initial weights."""
        return np.asarray(self.by_step[0])

    def as_array(self):
        """(steps, layers) array of the recorded norms."""
        return np.asarray(self.by_step, dtype=float)


def train_recording_norms(model, data, settings, seed, label, on_step=None):
    """Train ``model`` with SGD (momentum 0.9, ``settings["lr"]``) on shuffled batches of ``data`` = (x, y),
    recording every main-path layer's gradient norm after each step, then calling ``on_step(step)``.

    The loader's own seed makes every model trained with the same ``seed`` see the same batches.
    Returns (fit history, GradientNorms, finished); Ctrl-C ends training early with finished False.
    """
    from tinynet import optim
    from tinynet.data import DataLoader
    from tinynet.nn import functional as F
    from tinynet.training import fit

    print(f"training {label}")
    loader = DataLoader(data, batch_size=settings["batch_size"], shuffle=True, seed=seed, drop_last=True)
    optimizer = optim.SGD(model.parameters(), lr=settings["lr"], momentum=0.9)
    norms, history = GradientNorms(main_path_weights(model)), {}

    def after_step(step, loss):
        norms.record()
        if on_step is not None:
            on_step(step)

    try:
        fit(model, loader, F.cross_entropy, optimizer, epochs=settings["epochs"], on_step=after_step, history=history)
    except KeyboardInterrupt:
        print("\nstopped by Ctrl-C; drawing what was recorded", flush=True)
        return history, norms, False
    return history, norms, True


def first_over_last(norms):
    """||dL/dW_first|| / ||dL/dW_last||: below 1 the gradient shrinks on its way down to the input."""
    norms = np.asarray(norms, dtype=float)
    return float(norms[0] / norms[-1]) if norms[-1] > 0 else float("inf")


def final_loss(losses):
    """Mean training loss over the last fifth of the steps (at least one): the level a net reached."""
    losses = np.asarray(losses, dtype=float)
    return float(losses[-max(1, len(losses) // 5):].mean()) if len(losses) else float("nan")


def norms_by_layer_figure(norms_by_net, path, title, note=None, colours=None):
    """Line plot of each net's weight-gradient norm against layer number (log scale); returns the Path.

    ``norms_by_net``: {label: one norm per layer}.  ``note``: text for beside the plot, under the legend.
    ``colours``: {label: matplotlib colour} (default C0, C1, ... in order).
    """
    from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

    from tinynet.viz.style import new_figure, savefig

    fig = new_figure(6.4, 3.8)
    ax = fig.add_subplot()
    for index, (label, norms) in enumerate(norms_by_net.items()):
        norms = np.asarray(norms, dtype=float)
        layers = np.arange(1, len(norms) + 1)
        colour = (colours or {}).get(label, f"C{index}")
        ax.plot(layers, np.maximum(norms, 1e-30), "o-", color=colour, lw=1.8, ms=4, label=label)
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    shown = np.concatenate([np.asarray(n, dtype=float) for n in norms_by_net.values()])
    shown = shown[shown > 0]
    if shown.size and shown.max() / shown.min() < 100:  # under two decades: ticks at 1, 2, 5 x 10^k, as numbers
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("layer (1 = next to the input)", fontsize=10)
    ax.set_ylabel("||dL/dW|| of the layer", fontsize=10)
    ax.set_title(title, fontsize=11)
    ax.tick_params(labelsize=9)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    if note:
        ax.text(1.02, 0.0, note, transform=ax.transAxes, fontsize=9, va="bottom", ha="left")
    return savefig(fig, path)


def norms_over_training_figure(norms_by_net, path, title):
    """One heatmap per net: layer (rows) by training step (columns), colour = log10 ||dL/dW||.

    All panels share one colour scale, with a colour bar, so the nets can be compared by colour.
    ``norms_by_net``: {label: (steps, layers) array}.  Returns the Path.
    """
    from tinynet.viz.style import new_figure, savefig

    logs = {label: np.log10(np.maximum(np.asarray(n, dtype=float), 1e-30)) for label, n in norms_by_net.items()}
    finite = np.concatenate([v[np.isfinite(v)].ravel() for v in logs.values()])
    low, high = np.percentile(finite, 1), np.percentile(finite, 99.5)
    fig = new_figure(6.4, 1.0 + 2.0 * len(logs))
    axes = fig.subplots(len(logs), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (label, values) in zip(axes, logs.items()):
        steps, layers = values.shape
        image = ax.imshow(values.T, aspect="auto", origin="lower", cmap="viridis", vmin=low, vmax=high,
                          extent=(0.5, steps + 0.5, 0.5, layers + 0.5), interpolation="nearest")
        ax.set_ylabel(f"{label}\nlayer", fontsize=10)
        ax.tick_params(labelsize=9)
    axes[-1].set_xlabel("training step", fontsize=10)
    axes[0].set_title(title, fontsize=11)
    bar = fig.colorbar(image, ax=list(axes), fraction=0.05, pad=0.02)
    bar.set_label("log10 ||dL/dW||", fontsize=10)
    bar.ax.tick_params(labelsize=9)
    return savefig(fig, path)


def gradient_player(norms_by_net, losses_by_net, colours, title, caption, smooth=10, max_frames=400):
    """A tour StepPlayer: each net's weight-gradient norm of every layer at the step shown (log scale; step
    1's curves stay faint behind, to compare with), and the nets' training losses on one chart.

    ``norms_by_net``: {label: GradientNorms}; ``losses_by_net``: {label: loss per step}, drawn as the
    mean of the last ``smooth`` steps; ``colours``: {label: matplotlib colour}, as in the PNG figures.
    Long runs are shown at most ``max_frames`` steps, evenly spaced, always with the first and last.
    """
    from tinynet.examples.report import Curve, Profile, Series, StepPlayer
    from tinynet.viz.curves import moving_average

    steps = max(len(losses) for losses in losses_by_net.values())
    frames = list(range(0, steps, max(1, -(-steps // max_frames))))
    frames += [steps - 1] if frames[-1] != steps - 1 else []
    layers = max(len(norms.names) for norms in norms_by_net.values())

    def at(values, frame, empty=None):  # a net stopped early (Ctrl-C) has no values for later steps
        return values[frame] if frame < len(values) else empty

    curves = [Curve(label, [at(norms.by_step, f, [None] * len(norms.names)) for f in frames], colours[label])
              for label, norms in norms_by_net.items()]
    group = f"training loss (mean of the last {smooth} steps)"
    means = {label: moving_average(losses, smooth) for label, losses in losses_by_net.items()}
    series = [Series(label, [at(mean, f) for f in frames], digits=3, group=group, colour=colours[label])
              for label, mean in means.items()]
    profile = Profile("weight-gradient norm of every layer at this step", list(range(1, layers + 1)), curves,
                      "layer (1 = next to the input)", "\u2016dL/dW\u2016 of the layer (log scale)", log=True,
                      reference="step 1 (initial weights)")
    return StepPlayer(title, caption, [f + 1 for f in frames], profiles=[profile], series=series)


def _rounded(value, digits=4):
    """``value`` (number, array, list or dict of those) with floats cut to ``digits`` significant digits."""
    if isinstance(value, dict):
        return {str(key): _rounded(item, digits) for key, item in value.items()}
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [_rounded(item, digits) for item in value]
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return float(f"{value:.{digits}g}") if np.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def write_training_record(path, record):
    """Write ``record`` (a dict of numbers, lists and arrays) as JSON, floats to 4 significant digits.

    Non-finite numbers become null, so any JSON reader (a browser's included) can load the file.
    Returns the Path.
    """
    path.write_text(json.dumps(_rounded(record), separators=(",", ":")), encoding="utf-8")
    return path
