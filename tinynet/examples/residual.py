"""residual: the degradation problem, and how a shortcut around every two layers solves it.

Four convolutional networks learn MNIST the same way (SGD with momentum, the same batches, the
same seed).  Each starts with a stride-2 3x3 convolution (28x28 -> 14x14) and ends with global
average pooling and a Linear layer; between them, three stages of ``blocks`` units of two 3x3
convolutions with BatchNorm and ReLU, 8, 16 and 32 channels, the first unit of stages 2 and 3
halving the image (14 -> 7 -> 4).  That is 6 * blocks + 2 weight layers:

* plain, shallow: 1 unit per stage (8 layers);
* plain, deep: ``blocks`` units per stage, nothing but the layers in sequence;
* residual v1: the same layers, each unit with a shortcut, out = relu(F(x) + x)
  (``nn.ResidualBlock``; a 1x1 convolution projects x where the shape changes);
* residual v2: the pre-activation unit, out = F(x) + x with BatchNorm and ReLU moved in front
  of the convolutions (``nn.PreActivationBlock``).

The deep plain net trains worse than the shallow one, although it could copy it by making its
extra layers identities: finding those identities through a stack of ReLUs is hard.  With the
shortcut, a unit that should do nothing only has to drive F(x) to 0, and the gradient reaches the
early layers along x: dL/dx = dL/dy (1 + dF/dx).  docs/activations-and-residuals.md has the math.

Then, for the trained v1 net: how many activations after BatchNorm and ReLU are exactly zero,
layer by layer, on test images, and the histogram of the rest; measured at snapshots during
training too.

Files: loss.png, gradient_norms_at_init.png, gradient_norms_over_training.png, sparsity.png and
training_record.json (per step: each net's loss and per-layer gradient norms; per snapshot: the
v1 net's fraction of zeros and histograms).
"""

import numpy as np

from tinynet.examples.gradient_flow import (final_loss, first_over_last, norms_by_layer_figure,
                                            norms_over_training_figure, train_recording_norms,
                                            write_training_record)
from tinynet.examples.prepare import mnist_subsets, settings_for, start_run
from tinynet.examples.report import ExampleResult, Figure

NAME = "residual"
SUMMARY = "plain vs residual (v1, v2) deep CNNs on MNIST: training loss, gradient per layer, sparsity after ReLU"

CHANNELS = (8, 16, 32)
FULL = {"epochs": 1, "batch_size": 32, "lr": 0.05, "train_size": 4800, "test_size": 200, "blocks": 3,
        "snapshots": 10}
QUICK = {"epochs": 1, "batch_size": 32, "lr": 0.05, "train_size": 3200, "test_size": 200, "blocks": 3,
         "snapshots": 4}
BIN_EDGES = np.linspace(0.0, 6.0, 25)  # histogram bins of the activations that are not zero (larger: last bin)


def add_arguments(parser):
    """Options beyond the common ones (--epochs, --seed, --out)."""
    parser.add_argument("--lr", type=float, default=None, help=f"SGD learning rate (default {FULL['lr']})")
    parser.add_argument("--batch-size", type=int, default=None, help=f"default {FULL['batch_size']}")
    parser.add_argument("--train-size", type=int, default=None,
                        help=f"train on the first N training images (default {FULL['train_size']})")
    parser.add_argument("--blocks", type=int, default=None,
                        help=f"units per stage of the deep nets: 6*blocks+2 layers (default {FULL['blocks']})")


# ---- the networks ------------------------------------------------------------------------------

def plain_unit(in_channels, out_channels, stride):
    """conv-BN-ReLU twice: a residual v1 unit without its shortcut."""
    from tinynet import nn

    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(out_channels),
        nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False), nn.BatchNorm2d(out_channels), nn.ReLU())


def build_net(kind, blocks):
    """A 6 * blocks + 2 layer CNN for 28x28 digits; ``kind`` is "plain", "v1" or "v2" (see the module doc)."""
    from tinynet import nn

    unit = {"plain": plain_unit, "v1": nn.ResidualBlock, "v2": nn.PreActivationBlock}[kind]
    layers = [nn.Conv2d(1, CHANNELS[0], 3, stride=2, padding=1, bias=False)]  # 28x28 -> 14x14
    if kind != "v2":  # a v2 unit normalises its own input, and the stack gets a BN-ReLU at its end instead
        layers += [nn.BatchNorm2d(CHANNELS[0]), nn.ReLU()]
    in_channels = CHANNELS[0]
    for stage, channels in enumerate(CHANNELS):
        for index in range(blocks):
            layers.append(unit(in_channels, channels, 2 if stage > 0 and index == 0 else 1))  # 14 -> 7 -> 4
            in_channels = channels
    if kind == "v2":
        layers += [nn.BatchNorm2d(in_channels), nn.ReLU()]
    layers += [nn.AvgPool2d(4), nn.Flatten(), nn.Linear(in_channels, 10)]
    return nn.Sequential(*layers)


def nets_to_compare(blocks):
    """{label: (kind, units per stage, key of its metrics)} in the order they are trained and drawn."""
    depth = 6 * blocks + 2
    return {"plain, 8 layers": ("plain", 1, "plain_shallow"), f"plain, {depth} layers": ("plain", blocks, "plain"),
            f"residual v1, {depth} layers": ("v1", blocks, "residual"),
            f"residual v2, {depth} layers": ("v2", blocks, "residual_v2")}


# ---- sparsity after BatchNorm and ReLU ---------------------------------------------------------

class SparsityProbe:
    """Runs fixed test images through a trained v1 net and measures each BN + ReLU output.

    Forward hooks catch the stem's ReLU (after layer 1), and in every ResidualBlock the output of
    bn1 (its ReLU is a function call, so the hook takes bn1 and applies the ReLU itself) and the
    block's output relu(bn2(...) + shortcut) -- after layers 2, 3 for the first unit, and so on;
    "+x" marks the outputs where the shortcut was added before the ReLU.  ``snapshot(step)``
    stores, per layer, the fraction of exact zeros and the histogram (over BIN_EDGES, larger values
    in the last bin) of the values that are not zero, as a share of all the layer's values.
    """

    def __init__(self, model, images):
        from tinynet import nn

        self.model, self.images = model, images
        self.names, self.steps, self.zero_fraction, self.histograms = [], [], [], []
        self._caught, self._catching, layer = {}, False, 1
        for module in model:
            if isinstance(module, nn.ReLU):
                self._watch(module, "layer 1", relu=False)
            elif isinstance(module, nn.ResidualBlock):
                self._watch(module.bn1, f"layer {layer + 1}", relu=True)
                self._watch(module, f"layer {layer + 2} +x", relu=False)
                layer += 2

    def _watch(self, module, name, relu):
        def catch(module, inputs, output):
            if self._catching:  # not during training steps: only the snapshots' forward passes
                self._caught[name] = np.maximum(output.numpy(), 0) if relu else output.numpy()

        self.names.append(name)
        module.register_forward_hook(catch)

    def snapshot(self, step):
        """Measure the activations of the test images at this step (eval mode, no graph; training mode after)."""
        import tinynet

        was_training, self._catching = self.model.training, True
        self.model.eval()
        try:
            with tinynet.no_grad():
                self.model(tinynet.tensor(self.images))
        finally:
            self.model.train(was_training)
            self._catching = False
        values = [self._caught[name] for name in self.names]
        self.steps.append(step)
        self.zero_fraction.append([float(np.mean(v == 0)) for v in values])
        self.histograms.append([np.histogram(np.minimum(v[v > 0], BIN_EDGES[-1]), BIN_EDGES)[0] / max(v.size, 1)
                                for v in values])


def sparsity_figure(probe, path):
    """Left: each layer's fraction of zero activations; right: how its other values spread; returns the Path."""
    from tinynet.viz.style import new_figure, savefig

    zeros, shares = np.asarray(probe.zero_fraction[-1]), np.asarray(probe.histograms[-1])
    rows = np.arange(len(probe.names))
    fig = new_figure(10.0, 0.8 + 0.26 * len(rows))
    left, right = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": (1, 1.7), "wspace": 0.08})
    left.barh(rows, zeros, color="0.35", height=0.75)
    left.set_xlim(0, 1)
    left.set_xlabel("fraction exactly 0 after ReLU", fontsize=10)
    left.set_yticks(rows, probe.names, fontsize=9)
    left.invert_yaxis()
    left.grid(True, axis="x", alpha=0.3)
    image = right.imshow(shares, aspect="auto", cmap="magma_r", vmin=0, interpolation="nearest",
                         extent=(BIN_EDGES[0], BIN_EDGES[-1], len(rows) - 0.5, -0.5))
    right.set_xlabel(f"value of the activations that are not 0 (the last bin holds all above {BIN_EDGES[-1]:g})",
                     fontsize=10)
    for ax in (left, right):
        ax.tick_params(labelsize=9)
    bar = fig.colorbar(image, ax=right, fraction=0.05, pad=0.02)
    bar.set_label("share of the layer's values in the bin", fontsize=10)
    bar.ax.tick_params(labelsize=9)
    fig.suptitle(f"the residual v1 net after {probe.steps[-1]} steps, on {len(probe.images)} test images",
                 fontsize=11)
    return savefig(fig, path)


# ---- training ----------------------------------------------------------------------------------

def train_all(settings, seed, x_train, y_train, x_test):
    """Train every net of ``nets_to_compare`` from the same seed; the v1 net carries a SparsityProbe.

    Returns ({label: {"key", "history", "norms"}}, the probe or None, finished).
    """
    import tinynet

    total_steps = settings["epochs"] * (len(x_train) // settings["batch_size"])
    snapshot_every = max(1, total_steps // settings["snapshots"])
    runs, probe, finished = {}, None, True
    for label, (kind, blocks, key) in nets_to_compare(settings["blocks"]).items():
        if not finished:
            break
        tinynet.manual_seed(seed)
        model = build_net(kind, blocks)
        on_step = None
        if kind == "v1":
            probe = SparsityProbe(model, x_test)
            probe.snapshot(0)
            on_step = lambda step: probe.snapshot(step) if step % snapshot_every == 0 else None  # noqa: E731
        history, norms, finished = train_recording_norms(model, (x_train, y_train), settings, seed, label, on_step)
        if norms.by_step:
            runs[label] = {"key": key, "history": history, "norms": norms}
    return runs, probe, finished


def measure(runs, probe):
    """The metrics: each net's final training loss and first/last gradient ratio at initialisation,
    and the v1 net's fraction of zero activations (mean, min, max over its layers)."""
    metrics = {}
    for label, r in runs.items():
        metrics[f"{r['key']}_final_loss"] = final_loss(r["history"]["loss"])
        metrics[f"{r['key']}_grad_ratio"] = first_over_last(r["norms"].at_init())
        print(f"{label:28s} final training loss {metrics[r['key'] + '_final_loss']:.3f}")
    if probe is not None and len(probe.steps) > 1:
        zeros = np.asarray(probe.zero_fraction[-1])
        metrics.update(residual_zero_fraction_mean=float(zeros.mean()), residual_zero_fraction_min=float(zeros.min()),
                       residual_zero_fraction_max=float(zeros.max()))
    return metrics


def _compared(a, b):
    """'worse than' / 'better than' / 'about as well as': how a final loss ``a`` compares with ``b`` (10 % margin)."""
    return "worse than" if a > 1.1 * b else "better than" if a < b / 1.1 else "about as well as"


def draw(runs, probe, metrics, out_dir):
    """The figures, with captions that state the measured numbers."""
    from tinynet.viz.curves import training_curves

    figures, labels = [], list(runs)
    steps = max(len(r["history"]["loss"]) for r in runs.values())
    m = {key: metrics.get(key, float("nan")) for key in ("plain_shallow_final_loss", "plain_final_loss",
                                                         "residual_final_loss", "residual_v2_final_loss")}
    finals = "; ".join(f"{label} {metrics[r['key'] + '_final_loss']:.2f}" for label, r in runs.items())
    verdict = ""
    if len(runs) == 4:
        verdict = (f" The deep plain net ends {_compared(m['plain_final_loss'], m['plain_shallow_final_loss'])} "
                   f"the 8-layer plain net; with shortcuts the same depth ends "
                   f"{_compared(m['residual_final_loss'], m['plain_final_loss'])} the deep plain net (v1) and "
                   f"{_compared(m['residual_v2_final_loss'], m['plain_final_loss'])} it (v2).")
    figures.append(Figure(
        training_curves({label: r["history"] for label, r in runs.items()}, out_dir / "loss.png",
                        title="training loss: plain vs residual", smooth=max(1, steps // 15)),
        "Training loss: the degradation problem",
        "Mini-batch cross-entropy of the nets on the same batches (faint) and its running mean. Mean over the "
        f"last fifth of the steps: {finals}.{verdict}"))
    deep = labels[1:]
    if deep:
        ratios = {label: metrics[runs[label]["key"] + "_grad_ratio"] for label in deep}
        note = "first/last layer:\n" + "\n".join(f"{label.split(',')[0]}: {ratio:.2g}"
                                                 for label, ratio in ratios.items())
        vanishing = min(ratios.values()) < 0.1
        figures.append(Figure(
            norms_by_layer_figure({label: runs[label]["norms"].at_init() for label in deep},
                                  out_dir / "gradient_norms_at_init.png",
                                  "weight-gradient norm per layer at initialisation", note=note),
            "Gradient norm of every layer at initialisation",
            "||dL/dW|| of each convolution (1 = the first) and of the classifier (last), on the first batch "
            "before any update. " + ("In some net the first layers get under a tenth of the last layer's gradient."
                                     if vanishing else
                                     "With BatchNorm no net's gradient vanishes on the way down, the plain net's "
                                     "included: as He et al. observed, the deep plain net's slower training is not "
                                     "a vanishing gradient.")))
        figures.append(Figure(
            norms_over_training_figure({label.split(",")[0]: runs[label]["norms"].as_array() for label in deep},
                                       out_dir / "gradient_norms_over_training.png",
                                       "log10 of each layer's weight-gradient norm at every step"),
            "Gradient norms over training",
            "One row per layer (1 = next to the input), one column per step, one colour scale for all nets."))
    if probe is not None and len(probe.steps) > 1:
        figures.append(Figure(
            sparsity_figure(probe, out_dir / "sparsity.png"), "Sparsity after BatchNorm and ReLU",
            f"For the trained residual v1 net, on {len(probe.images)} test images: the fraction of each layer's "
            f"activations that are exactly 0 ({metrics['residual_zero_fraction_min']:.0%} to "
            f"{metrics['residual_zero_fraction_max']:.0%}, {metrics['residual_zero_fraction_mean']:.0%} on average), "
            "and how the values that are not 0 spread. '+x': a unit's output, ReLU of its last BatchNorm plus "
            "the shortcut."))
    return figures


def training_record(runs, probe):
    """What changed over training, for a step slider: see ``write_training_record``."""
    record = {"what": "per training step: each net's mini-batch loss and its layers' weight-gradient norms "
                      "(layer 1 = next to the input; step 1's gradients are at the initial weights); per "
                      "snapshot: the residual v1 net's fraction of zero activations and the histogram of the "
                      "others (share of all values per bin), layer by layer, on fixed test images",
              "nets": {label: {"loss": r["history"]["loss"], "grad_norms": r["norms"].by_step,
                               "layers": r["norms"].names} for label, r in runs.items()}}
    if probe is not None:
        record["sparsity"] = {"steps": probe.steps, "layers": probe.names, "bin_edges": BIN_EDGES,
                              "zero_fraction": probe.zero_fraction, "histogram": probe.histograms}
    return record


def run(out_dir, *, epochs=None, seed=0, quick=False, **options):
    """Train the four nets, then draw their losses, gradient norms and the v1 net's sparsity.

    options: lr, batch_size, train_size, blocks (None = default); others are ignored.
    """
    settings = settings_for(epochs, quick, options, full=FULL, quick_settings=QUICK,
                            overridable=("lr", "batch_size", "train_size", "blocks"),
                            at_least_one=("epochs", "batch_size", "train_size", "blocks"))
    out_dir = start_run(out_dir, seed)
    x_train, y_train, x_test, _ = mnist_subsets(settings["train_size"], settings["test_size"], flat=False)
    runs, probe, finished = train_all(settings, seed, x_train, y_train, x_test)

    metrics = measure(runs, probe)
    metrics.update(layers=6 * settings["blocks"] + 2,
                   steps=max((len(r["history"]["loss"]) for r in runs.values()), default=0),
                   train_seconds=round(sum(r["history"].get("seconds", 0.0) for r in runs.values()), 2),
                   finished=finished)
    figures = draw(runs, probe, metrics, out_dir) if runs else []
    if runs:
        write_training_record(out_dir / "training_record.json", training_record(runs, probe))
    summary = (f"{metrics['layers']} layers, final training loss: plain "
               f"{metrics.get('plain_final_loss', float('nan')):.2f}, residual v1 "
               f"{metrics.get('residual_final_loss', float('nan')):.2f}, v2 "
               f"{metrics.get('residual_v2_final_loss', float('nan')):.2f} (plain with 8 layers "
               f"{metrics.get('plain_shallow_final_loss', float('nan')):.2f}).")
    return ExampleResult(name=NAME, figures=figures, metrics=metrics, summary=summary)
