"""residual: the degradation problem, and how a shortcut around every two layers solves it.

Six convolutional networks learn MNIST the same way (SGD with momentum, the same batches, the
same seed).  Each starts with a stride-2 3x3 convolution (28x28 -> 14x14) and ends with global
average pooling and a Linear layer; between them, three stages of ``blocks`` units of two 3x3
convolutions with BatchNorm and ReLU, 8, 16 and 32 channels, the first unit of stages 2 and 3
halving the image (14 -> 7 -> 4).  That is 6 * blocks + 2 weight layers:

* plain, shallow: 1 unit per stage (8 layers);
* plain, deep: ``blocks`` units per stage, nothing but the layers in sequence;
* residual v1: the same layers, each unit with a shortcut, out = relu(F(x) + x)
  (``nn.ResidualBlock``; a 1x1 convolution projects x where the shape changes);
* residual v2: the pre-activation unit, out = F(x) + x with BatchNorm and ReLU moved in front
  of the convolutions (``nn.PreActivationBlock``);
* highway: the plain unit's layers H with a learnt gate T on the shortcut,
  out = H(x) T(x) + x (1 - T(x)) (``shortcut_units.py``);
* ResNeXt: units of three layers, 1x1 conv, 3x3 conv in 4 groups, 1x1 conv, with a shortcut
  (``shortcut_units.py``); 2 * blocks / 3 units per stage (rounded), so that with the default 3
  blocks it has the same 20 layers as the others.

The deep plain net trains worse than the shallow one, although it could copy it by making its
extra layers identities: finding those identities through a stack of ReLUs is hard.  With the
shortcut, a unit that should do nothing only has to drive F(x) to 0, and the gradient reaches the
early layers along x: dL/dx = dL/dy (1 + dF/dx).  docs/activations-and-residuals.md has the math.

Then, for the trained v1 net: how many activations after BatchNorm and ReLU are exactly zero,
layer by layer, on test images, and the histogram of the rest; measured at snapshots during
training too (``sparsity.py``).

Files: loss.png, gradient_norms_at_init.png, gradient_norms_over_training.png, sparsity.png and
training_record.json (per step: each net's loss and per-layer gradient norms; per snapshot: the
v1 net's fraction of zeros and histograms).  On the tour page two step sliders show the nets'
per-layer gradient norms and losses at every step, and the v1 net's sparsity at every snapshot.
"""

import numpy as np

from tinynet.examples.gradient_flow import (final_loss, first_over_last, gradient_player, norms_by_layer_figure,
                                            norms_over_training_figure, train_recording_norms,
                                            write_training_record)
from tinynet.examples.options import positive_float, positive_int
from tinynet.examples.prepare import mnist_subsets, settings_for, start_run
from tinynet.examples.report import ExampleResult, Figure, Section
from tinynet.examples.sparsity import BIN_EDGES, SparsityProbe, sparsity_figure, sparsity_player

NAME = "residual"
SUMMARY = ("plain vs residual (v1, v2), highway and ResNeXt deep CNNs on MNIST: training loss, gradient per layer, "
           "sparsity after ReLU")

CHANNELS = (8, 16, 32)
FULL = {"epochs": 1, "batch_size": 32, "lr": 0.05, "train_size": 4800, "test_size": 200, "blocks": 3,
        "snapshots": 10}
QUICK = {"epochs": 1, "batch_size": 32, "lr": 0.05, "train_size": 3200, "test_size": 200, "blocks": 3,
         "snapshots": 4}
TOUR = {"train_size": 3200, "snapshots": 25}  # 100 steps per net: the tests check the effect shows at this length
SMOOTH = 10  # steps in the running mean of the loss on the page's chart and in plain_above_residual_share


COLOUR_NAMES = ("blue", "orange", "green", "red", "purple", "brown")  # C0..C5, the nets in nets_to_compare's order
NAMES = {"plain_shallow": "8-layer plain", "plain": "deep plain", "residual": "residual v1",
         "residual_v2": "residual v2", "highway": "highway", "resnext": "ResNeXt"}


def _colour(key):
    """The colour word of the net whose metrics key is ``key`` (NAMES and nets_to_compare share an order)."""
    return COLOUR_NAMES[list(NAMES).index(key)]


def key_numbers(m):
    """This run's numbers, in words."""
    keys = [key for key in NAMES if f"{key}_final_loss" in m]
    lines = [f"Mean training loss over the last fifth of the {m['steps']} steps (the same {m['train_images']:,} "
             "images in the same batches for every net): "
             + "; ".join(f"{NAMES[key]} {m[key + '_final_loss']:.2f}" for key in keys) + "."]
    if {"plain", "residual", "plain_shallow"} <= set(keys):
        plain = m["plain_final_loss"]
        lines.append(f"The {m['layers']}-layer plain net's loss is {plain / m['residual_final_loss']:.1f} times the "
                     f"residual v1 net's and {plain / m['plain_shallow_final_loss']:.1f} times the 8-layer plain "
                     "net's.")
    deep = [key for key in keys if key != "plain_shallow"]
    lines.append("At the initial weights, layer 1's gradient norm over the last layer's: "
                 + ", ".join(f"{NAMES[key]} {m[key + '_grad_ratio']:.2f}" for key in deep) + ".")
    if "residual_zero_fraction_mean" in m:
        lines.append(f"In the trained v1 net, {m['residual_zero_fraction_mean']:.0%} of the values after BatchNorm "
                     f"and ReLU are exactly 0, averaged over its layers ({m['residual_zero_fraction_min']:.0%} to "
                     f"{m['residual_zero_fraction_max']:.0%} per layer).")
    return lines


def look_for(m):
    """What to look for in this run's figures: each sentence is checked against the run's numbers."""
    lines, loss = [], {key: m[f"{key}_final_loss"] for key in NAMES if f"{key}_final_loss" in m}
    if {"plain", "plain_shallow"} <= set(loss):
        if loss["plain"] > 1.1 * loss["plain_shallow"]:
            lines.append(f"In the loss figure the {m['layers']}-layer plain net ({_colour('plain')}) ends above the "
                         f"8-layer one ({_colour('plain_shallow')}): more layers, trained the same way, give a worse "
                         "training loss -- the degradation problem.")
        else:
            lines.append(f"In this run the {m['layers']}-layer plain net ends "
                         f"{_compared(loss['plain'], loss['plain_shallow'])} the 8-layer one: too short or too lucky "
                         "a run to show the degradation problem clearly.")
    if m.get("plain_above_residual_share", 0) >= 0.7:
        lines.append(f"In the slider's loss chart (the mean of the last {SMOOTH} steps) the deep plain net lies above "
                     f"the residual v1 net ({_colour('residual')}) at {m['plain_above_residual_share']:.0%} of the "
                     "steps of the second half of training.")
    shortcuts = [key for key in ("residual", "residual_v2", "highway", "resnext") if key in loss]
    better = [NAMES[key] for key in shortcuts if "plain" in loss and loss[key] < loss["plain"] / 1.1]
    if better and len(better) == len(shortcuts):
        lines.append(f"All the nets with shortcuts ({', '.join(better)}) end more than 10 % below the deep plain net: "
                     "the same layers at the same depth, but with shortcuts, train better.")
    elif better:
        lines.append(f"Of the nets with shortcuts, {', '.join(better)} end more than 10 % below the deep plain net.")
    ratios = [m[f"{key}_grad_ratio"] for key in ("plain", "residual", "residual_v2", "highway", "resnext")
              if key in loss]
    if ratios and min(ratios) > 0.1:
        lines.append(f"In the gradient chart no curve drops by orders of magnitude towards layer 1: with BatchNorm, "
                     f"layer 1 gets at least {min(ratios):.2f} of the last layer's gradient at step 1 in every deep "
                     "net. The plain net's trouble is not a vanishing gradient.")
    if "residual_zero_fraction_mean" in m:
        start = f"{m['residual_zero_units_start_min']:.0%} to {m['residual_zero_units_start_max']:.0%}"
        end = f"{m['residual_zero_units_min']:.0%} to {m['residual_zero_units_max']:.0%}"
        lines.append(f"In the sparsity slider, at step 0 each layer of the units has {start} zeros; scrub to the end "
                     f"to see training move each layer to its own level ({end}).")
        inside, output = m["residual_zero_inside_mean"], m["residual_zero_output_mean"]
        if output < inside - 0.03:
            lines.append(f"A unit's outputs have fewer zeros than its inner layer ({output:.0%} against "
                         f"{inside:.0%} on average): the ReLU there sees BatchNorm's output plus the shortcut's x, "
                         "the previous unit's output, which is never negative (except where a 1x1 projection "
                         "reshapes it).")
    return lines


SECTION = Section(
    title="Why very deep networks need shortcuts: the degradation problem and residual units",
    takeaway="A deeper plain network can train worse than a shallow one; a shortcut around every two layers "
             "(y = x + F(x)) fixes it.",
    lesson="""With BatchNorm, a deep network's gradients no longer vanish -- yet He et al. found that adding layers \
to a plain network makes its *training* loss worse, though the deeper net could copy the shallower one by making \
its extra layers the identity. Gradient descent does not find that.

A residual unit adds its input to what its layers compute, y = x + F(x): a unit that should do nothing only has \
to make F small, and the gradient reaches early layers straight along the shortcut. Below, an 8-layer and a \
deep plain CNN (20 layers unless `--blocks` says otherwise), and the same deep net with residual units (v1, and \
the pre-activation v2), with highway units (a shortcut with a learnt gate) and with ResNeXt units (a residual unit \
whose middle convolution is split into groups), all trained the same way on MNIST.""",
    docs="activations-and-residuals.md#3-the-degradation-problem",
    key_numbers=key_numbers,
    look_for=look_for,
)


def add_arguments(parser):
    """Options beyond the common ones (--epochs, --seed, --out)."""
    parser.add_argument("--lr", type=positive_float, default=None, help=f"SGD learning rate (default {FULL['lr']})")
    parser.add_argument("--batch-size", type=positive_int, default=None, help=f"default {FULL['batch_size']}")
    parser.add_argument("--train-size", type=positive_int, default=None,
                        help=f"train on the first N training images (default {FULL['train_size']})")
    parser.add_argument("--blocks", type=positive_int, default=None,
                        help=f"units per stage of the deep nets: 6*blocks+2 layers (default {FULL['blocks']})")
    parser.add_argument("--snapshots", type=positive_int, default=None,
                        help=f"how often the v1 net's sparsity is measured during training (default "
                             f"{FULL['snapshots']})")


# ---- the networks ------------------------------------------------------------------------------

def plain_unit(in_channels, out_channels, stride):
    """conv-BN-ReLU twice: a residual v1 unit without its shortcut."""
    from tinynet import nn

    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(out_channels),
        nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False), nn.BatchNorm2d(out_channels), nn.ReLU())


def build_net(kind, blocks):
    """A CNN for 28x28 digits with ``blocks`` units per stage: 6 * blocks + 2 weight layers (9 * blocks + 2 for
    "resnext"); ``kind``: "plain", "v1", "v2", "highway" or "resnext" (see the module doc)."""
    from tinynet import nn
    from tinynet.examples.shortcut_units import HighwayUnit, ResNeXtUnit

    unit = {"plain": plain_unit, "v1": nn.ResidualBlock, "v2": nn.PreActivationBlock, "highway": HighwayUnit,
            "resnext": ResNeXtUnit}[kind]
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
    resnext_units = max(1, round(2 * blocks / 3))  # three layers a unit: as deep as the rest when 3 divides 2 * blocks
    return {"plain, 8 layers": ("plain", 1, "plain_shallow"), f"plain, {depth} layers": ("plain", blocks, "plain"),
            f"residual v1, {depth} layers": ("v1", blocks, "residual"),
            f"residual v2, {depth} layers": ("v2", blocks, "residual_v2"),
            f"highway, {depth} layers": ("highway", blocks, "highway"),
            f"ResNeXt, {9 * resnext_units + 2} layers": ("resnext", resnext_units, "resnext")}


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
    how often the deep plain net's loss lies above the v1 net's, and the v1 net's fraction of zero
    activations (mean, min, max over its layers; at the start; inside its units and at their outputs)."""
    from tinynet.viz.curves import moving_average

    metrics = {}
    for label, r in runs.items():
        metrics[f"{r['key']}_final_loss"] = final_loss(r["history"]["loss"])
        metrics[f"{r['key']}_grad_ratio"] = first_over_last(r["norms"].at_init())
        print(f"{label:28s} final training loss {metrics[r['key'] + '_final_loss']:.3f}")
    losses = {r["key"]: moving_average(r["history"]["loss"], SMOOTH) for r in runs.values()}
    if "plain" in losses and "residual" in losses:
        steps = min(len(losses["plain"]), len(losses["residual"]))
        half = slice(steps // 2, steps)
        metrics["plain_above_residual_share"] = float(np.mean(losses["plain"][half] > losses["residual"][half]))
    if probe is not None and len(probe.steps) > 1:
        zeros, start = np.asarray(probe.zero_fraction[-1]), np.asarray(probe.zero_fraction[0])
        metrics.update(residual_zero_fraction_mean=float(zeros.mean()), residual_zero_fraction_min=float(zeros.min()),
                       residual_zero_fraction_max=float(zeros.max()),
                       # the layers inside the units (all but the first conv layer), as the sparsity player shows them
                       residual_zero_units_start_min=float(start[1:].min()),
                       residual_zero_units_start_max=float(start[1:].max()),
                       residual_zero_units_min=float(zeros[1:].min()), residual_zero_units_max=float(zeros[1:].max()),
                       residual_zero_inside_mean=float(zeros[1::2].mean()),  # layers 2, 4, ...: inside a unit
                       residual_zero_output_mean=float(zeros[2::2].mean()))  # layers 3, 5, ...: relu(F(x) + x)
    return metrics


def _compared(a, b):
    """'worse than' / 'better than' / 'about as well as': how a final loss ``a`` compares with ``b`` (10 % margin)."""
    return "worse than" if a > 1.1 * b else "better than" if a < b / 1.1 else "about as well as"


def _names(items):
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def loss_verdict(final):
    """The caption's sentences comparing final losses (``final``: a metrics key -> loss): the deep plain net
    against the 8-layer one, then the nets with shortcuts against the deep plain net, grouped by outcome."""
    if not {"plain_shallow", "plain"} <= set(final):
        return ""
    verdict = f" The deep plain net ends {_compared(final['plain'], final['plain_shallow'])} the 8-layer plain net."
    by_outcome = {}  # "better than" -> the nets with shortcuts that end better than the deep plain net, ...
    for key in NAMES:
        if key in final and key not in ("plain_shallow", "plain"):
            by_outcome.setdefault(_compared(final[key], final["plain"]), []).append(NAMES[key])
    for outcome, nets in by_outcome.items():
        subject = _names(nets)
        verdict += (f" {subject[0].upper() + subject[1:]} {'ends' if len(nets) == 1 else 'end'} {outcome} "
                    "the deep plain net.")
    return verdict


def draw(runs, probe, metrics, out_dir):
    """The page's blocks, with captions that state the measured numbers: the losses, the step player of
    gradient norms and losses, the sparsity player and figure, and the other PNGs as downloads."""
    from tinynet.viz.curves import training_curves

    figures, labels = [], list(runs)
    colours = {label: f"C{k}" for k, label in enumerate(labels)}  # as training_curves colours them
    steps = max(len(r["history"]["loss"]) for r in runs.values())
    final = {r["key"]: metrics[r["key"] + "_final_loss"] for r in runs.values()}
    finals = "; ".join(f"{label} {final[r['key']]:.2f}" for label, r in runs.items())
    verdict = loss_verdict(final)
    figures.append(Figure(
        training_curves({label: r["history"] for label, r in runs.items()}, out_dir / "loss.png",
                        title="training loss: plain nets and nets with shortcuts", smooth=max(1, steps // 15)),
        "Training loss: the degradation problem",
        "Mini-batch cross-entropy of the nets on the same batches (faint) and its running mean. Mean over the "
        f"last fifth of the steps: {finals}.{verdict}"))
    deep = labels[1:]
    if deep:
        figures.append(gradient_player(
            {label: runs[label]["norms"] for label in deep}, {label: r["history"]["loss"] for label, r in runs.items()},
            colours, "Every layer's gradient, step by step",
            "Left: the norm of each layer's weight gradient, ‖dL/dW‖ (log scale), of the deep nets for the batch of "
            "the step shown: layer 1 is the first convolution, the last is the classifier; shortcut projections "
            "and gates are not counted. The faint dashed curves are step 1, at the initial weights. Right: every "
            f"net's training loss, the mean of the last {SMOOTH} mini-batches; the red line marks the step shown.",
            smooth=SMOOTH))
    if probe is not None and len(probe.steps) > 1:
        figures.append(sparsity_player(probe, colours.get(next((l for l in labels if "v1" in l), ""), "C2")))
        figures.append(Figure(
            sparsity_figure(probe, out_dir / "sparsity.png"), "Sparsity after BatchNorm and ReLU, after training",
            f"For the trained residual v1 net, on {len(probe.images)} test images: the fraction of each layer's "
            f"activations that are exactly 0 ({metrics['residual_zero_fraction_min']:.0%} to "
            f"{metrics['residual_zero_fraction_max']:.0%}, {metrics['residual_zero_fraction_mean']:.0%} on average), "
            "and how the values that are not 0 spread. '+x': a unit's output, ReLU of its last BatchNorm plus "
            "the shortcut."))
    if deep:
        ratios = {label: metrics[runs[label]["key"] + "_grad_ratio"] for label in deep}
        note = "first/last layer:\n" + "\n".join(f"{label.split(',')[0]}: {ratio:.2g}"
                                                 for label, ratio in ratios.items())
        figures.append(Figure(
            norms_by_layer_figure({label: runs[label]["norms"].at_init() for label in deep},
                                  out_dir / "gradient_norms_at_init.png",
                                  "weight-gradient norm per layer at initialisation", note=note, colours=colours),
            "Gradient norm of every layer at initialisation",
            "||dL/dW|| of each convolution (1 = the first) and of the classifier (last), on the first batch "
            "before any update.", shown=False))
        figures.append(Figure(
            norms_over_training_figure({label.split(",")[0]: runs[label]["norms"].as_array() for label in deep},
                                       out_dir / "gradient_norms_over_training.png",
                                       "log10 of each layer's weight-gradient norm at every step"),
            "Gradient norms over training",
            "One row per layer (1 = next to the input), one column per step, one colour scale for all nets.",
            shown=False))
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
    """Train the five nets, then draw their losses, gradient norms and the v1 net's sparsity.

    options: lr, batch_size, train_size, blocks, snapshots (None = default); others are ignored.
    """
    settings = settings_for(epochs, quick, options, full=FULL, quick_settings=QUICK,
                            overridable=("lr", "batch_size", "train_size", "blocks", "snapshots"),
                            at_least_one=("epochs", "batch_size", "train_size", "blocks", "snapshots"))
    out_dir = start_run(out_dir, seed)
    x_train, y_train, x_test, _ = mnist_subsets(settings["train_size"], settings["test_size"], flat=False)
    runs, probe, finished = train_all(settings, seed, x_train, y_train, x_test)

    metrics = measure(runs, probe)
    metrics.update(layers=6 * settings["blocks"] + 2, train_images=len(x_train), test_images=len(x_test),
                   steps=max((len(r["history"]["loss"]) for r in runs.values()), default=0),
                   train_seconds=round(sum(r["history"].get("seconds", 0.0) for r in runs.values()), 2),
                   finished=finished)
    figures = draw(runs, probe, metrics, out_dir) if runs else []
    if runs:
        record = write_training_record(out_dir / "training_record.json", training_record(runs, probe))
        figures.append(Figure(record, "Training record", "Every step's loss and per-layer gradient norms of every "
                              "net, and the v1 net's sparsity at every snapshot, as JSON.", shown=False))
    summary = (f"{metrics['layers']} layers, final training loss: plain "
               f"{metrics.get('plain_final_loss', float('nan')):.2f}, residual v1 "
               f"{metrics.get('residual_final_loss', float('nan')):.2f}, v2 "
               f"{metrics.get('residual_v2_final_loss', float('nan')):.2f} (plain with 8 layers "
               f"{metrics.get('plain_shallow_final_loss', float('nan')):.2f}).")
    return ExampleResult(name=NAME, figures=figures, metrics=metrics, summary=summary, interrupted=not finished)
