"""activations: the activation-function zoo, and why a deep sigmoid network hardly learns.

Part 1, the zoo: linear (purelin), hard limit (hardlim), sigmoid (logsig), bipolar sigmoid, tanh
(tansig), ReLU, leaky ReLU, ELU, swish (SiLU), softplus and maxout, each drawn with its
derivative.  The derivatives are not written out here: each curve is ``x.grad`` after
``f(x).sum().backward()`` on a grid of x (every output depends on its own x only, so the gradient
of the sum is f'(x) at each point).  Shaded: the saturated tails, where |f'(x)| < 0.02 all the way
to the edge of the plot -- a unit sitting there passes almost no gradient back.

Part 2, vanishing gradients: two copies of one MLP, 784 -> 10 hidden layers of 64 -> 10, with the
same initial weights (He-normal, zero biases; the same seed draws them), one with sigmoid and one
with ReLU after each hidden layer.  Both train with the same SGD (momentum 0.9) on the same
MNIST batches.  After every step the norm of each layer's weight gradient is recorded.  Going
down the sigmoid net every layer multiplies the gradient by W^T diag(s'(z)), and s' <= 1/4, so
layer 1's gradient is about 10^-5 of the last layer's: the first layers barely move and the loss
stays near ln 10 = 2.30.  The ReLU net passes gradients of about the same size to every layer
(ReLU' = 1 where a unit is on, and He init keeps the sizes) and learns.  The math:
docs/activations-and-residuals.md.

Files: activation_zoo.png, gradient_norms_at_init.png, gradient_norms_over_training.png,
loss.png, and training_record.json (per step: each net's loss and per-layer gradient norms).  On
the tour page a step slider shows every layer's gradient norm of both nets at each step.
"""

import numpy as np

from tinynet.examples.gradient_flow import (final_loss, first_over_last, gradient_player, norms_by_layer_figure,
                                            norms_over_training_figure, train_recording_norms,
                                            write_training_record)
from tinynet.examples.options import positive_float, positive_int
from tinynet.examples.prepare import mnist_subsets, settings_for, start_run
from tinynet.examples.report import ExampleResult, Figure, Section

NAME = "activations"
SUMMARY = "activation functions and their autograd derivatives; a 10-layer sigmoid MLP's gradients vanish, ReLU's don't"

HIDDEN_LAYERS, WIDTH = 10, 64
SATURATION = 0.02  # |f'(x)| below this, out to the plot's edge, counts as a saturated tail
X_RANGE = 6.0
FULL = {"epochs": 1, "batch_size": 64, "lr": 0.05, "train_size": 60000, "test_size": 10000}
QUICK = {"epochs": 1, "batch_size": 64, "lr": 0.05, "train_size": 6400, "test_size": 1000}
TOUR = {"train_size": 19200}  # 300 steps per net: the ReLU net is well on its way, the sigmoid net still at 2.30
COLOURS = {"sigmoid": "C0", "ReLU": "C1"}
# The maxout unit drawn in the zoo: max of three lines w_k x + b_k.
MAXOUT_SLOPES, MAXOUT_INTERCEPTS = (-0.5, 0.3, 1.2), (-0.5, 0.2, -1.5)


def scientific(value):
    """A positive number in words for the page: 2.3e-05 as "2.3 × 10⁻⁵", 0.35 as "0.35"."""
    if not 0 < value < 0.01:
        return f"{value:.2g}"
    mantissa, exponent = f"{value:.1e}".split("e")
    superscript = str(int(exponent)).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
    return f"{mantissa} × 10{superscript}"


def _listed(names):
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def key_numbers(m):
    """This run's numbers, in words."""
    return [f"At the initial weights, layer 1 of the sigmoid net gets {scientific(m['sigmoid_grad_ratio'])} times "
            f"the gradient of its last layer (layer {HIDDEN_LAYERS + 1}): about ×"
            f"{m['sigmoid_shrink_per_layer']:.2f} per layer, {HIDDEN_LAYERS} layers down. In the ReLU net, layer 1 "
            f"gets {m['relu_grad_ratio']:.1f} times its last layer's gradient.",
            f"After {m['steps']} SGD steps on the same batches of {m['train_images']:,} training images, the mean "
            f"training loss over the last fifth of the steps is {m['sigmoid_final_loss']:.2f} for sigmoid "
            f"(guessing among ten digits costs ln 10 ≈ 2.30) and {m['relu_final_loss']:.2f} for ReLU; of "
            f"{m['test_images']:,} test digits the sigmoid net gets {m['sigmoid_test_accuracy']:.0%} right, the "
            f"ReLU net {m['relu_test_accuracy']:.0%}."]


def look_for(m):
    """What to look for in this run's figures: each sentence is checked against the run's numbers."""
    tails = m["saturated_tails"]
    both = [name for name, side in tails.items() if side == "both"]
    left = [name for name, side in tails.items() if side == "left"]
    lines = []
    if both and left:
        lines.append(f"In the zoo, the grey saturated tails: {_listed(both)} go flat on both sides, {_listed(left)} "
                     "only for negative inputs. A unit whose input sits in a grey tail passes back almost nothing.")
    shrink, relu_spread = m["sigmoid_shrink_per_layer"], m["relu_spread_at_init"]
    if m["sigmoid_grad_ratio"] < 1e-3:
        how = "at every layer" if m["sigmoid_falls_every_layer"] else "overall"
        lines.append(f"In the gradient chart (log scale), the faint dashed sigmoid curve of step 1 falls {how} "
                     f"from layer {HIDDEN_LAYERS + 1} down to layer 1, by about ×{shrink:.2f} per layer on average: "
                     "on a log axis an equal factor per layer is a straight line.")
    if relu_spread < 10:
        lines.append(f"The ReLU curve stays level: at step 1 its layers' gradients are within a factor of "
                     f"{relu_spread:.1f} of each other.")
    if m["sigmoid_ratio_max"] < 1e-2:
        lines.append(f"Scrub through training: at none of the {m['steps']} steps does the sigmoid net's layer 1 get "
                     f"more than {scientific(m['sigmoid_ratio_max'])} of its last layer's gradient, so its first "
                     "layers hardly move.")
    if m["sigmoid_final_loss"] > 2.0 and m["relu_final_loss"] < m["sigmoid_final_loss"] - 0.5:
        lines.append(f"In the loss chart the sigmoid net stays near 2.30 while the ReLU net's loss falls to "
                     f"{m['relu_final_loss']:.2f}: same layers, same initial weights, same batches -- only the "
                     "activation differs.")
    else:
        lines.append(f"In the loss chart: sigmoid ends at {m['sigmoid_final_loss']:.2f}, ReLU at "
                     f"{m['relu_final_loss']:.2f} (this run is too short or too odd for the usual gap).")
    return lines


SECTION = Section(
    title="Why a deep sigmoid network hardly learns: activations and vanishing gradients",
    takeaway="Backprop multiplies by one activation derivative per layer: sigmoid's (≤ 1/4) makes the gradient "
             "vanish with depth, ReLU's (1 or 0) does not.",
    lesson="""Every layer passes the gradient down through its activation's derivative. The zoo below draws \
eleven activations with their derivatives, computed by tinynet's autograd; the grey regions are where a unit \
stops passing gradient back.

Then the experiment: two copies of one 10-hidden-layer MLP on MNIST, with the same initial weights and the same \
batches; one uses sigmoid, the other ReLU. Sigmoid's derivative is at most 1/4, so on the way down from the loss \
the gradient shrinks at every layer and the first layers hardly learn. ReLU's derivative is 1 wherever a unit is \
on, so every layer gets a gradient of about the same size. The slider shows every layer's gradient at each \
training step.""",
    docs="activations-and-residuals.md#2-why-a-deep-sigmoid-network-hardly-learns",
    key_numbers=key_numbers,
    look_for=look_for,
)


def add_arguments(parser):
    """Options beyond the common ones (--epochs, --seed, --out)."""
    parser.add_argument("--lr", type=positive_float, default=None, help=f"SGD learning rate (default {FULL['lr']})")
    parser.add_argument("--batch-size", type=positive_int, default=None, help=f"default {FULL['batch_size']}")
    parser.add_argument("--train-size", type=positive_int, default=None,
                        help="train on the first N training images (default all 60000)")


# ---- part 1: the zoo ---------------------------------------------------------------------------

def maxout_unit():
    """A float64 ``nn.Maxout(1, 1, 3)`` whose pieces are the lines MAXOUT_SLOPES x + MAXOUT_INTERCEPTS."""
    from tinynet import nn

    unit = nn.Maxout(1, 1, 3, dtype=np.float64)
    unit.linear.weight.data[:, 0] = np.array(MAXOUT_SLOPES)  # a float64 array: a tuple would pass through float32
    unit.linear.bias.data[:] = np.array(MAXOUT_INTERCEPTS)
    return unit


def activation_zoo():
    """[(title, formula, f)]: every activation of the zoo as a function of a 1-D Tensor."""
    from tinynet.nn import functional as F

    maxout = maxout_unit()
    return [
        ("linear (purelin)", r"$f(x) = x$", lambda x: x * 1.0),
        ("hard limit (hardlim)", r"$1$ if $x \geq 0$ else $0$", F.hardlim),
        ("sigmoid (logsig)", r"$\sigma(x) = 1 / (1 + e^{-x})$", F.sigmoid),
        ("bipolar sigmoid", r"$2\sigma(x) - 1$", lambda x: 2.0 * F.sigmoid(x) - 1.0),
        ("tanh (tansig)", r"$\tanh(x)$", F.tanh),
        ("ReLU", r"$\max(0, x)$", F.relu),
        ("leaky ReLU", r"$x$ if $x > 0$ else $0.1x$", lambda x: F.leaky_relu(x, 0.1)),
        ("ELU", r"$x$ if $x > 0$ else $e^x - 1$", F.elu),
        ("swish (SiLU)", r"$x\,\sigma(x)$", F.silu),
        ("softplus", r"$\ln(1 + e^x)$", F.softplus),
        ("maxout (3 pieces)", r"$\mathrm{max}_k\,(w_k x + b_k)$", lambda x: maxout(x.reshape(-1, 1)).reshape(-1)),
    ]


def value_and_derivative(f, grid):
    """(f(grid), f'(grid)) with the derivative from autograd: backward of sum(f(x)) gives df(x_i)/dx_i."""
    import tinynet

    x = tinynet.tensor(np.asarray(grid, dtype=np.float64), requires_grad=True)
    y = f(x)
    y.sum().backward()
    return y.detach().numpy().copy(), x.grad.numpy().copy()


def saturated_tails(x, slope, threshold=SATURATION):
    """[(start, end)]: the stretches at either end of ``x`` where |slope| < threshold all the way to the edge."""
    flat = np.abs(np.asarray(slope)) < threshold
    if flat.all():
        return [(float(x[0]), float(x[-1]))]
    tails = []
    first_active = int(np.argmax(~flat))
    if first_active > 0:
        tails.append((float(x[0]), float(x[first_active - 1])))
    last_active = len(flat) - 1 - int(np.argmax(~flat[::-1]))
    if last_active < len(flat) - 1:
        tails.append((float(x[last_active + 1]), float(x[-1])))
    return tails


def saturated_sides(x, tails):
    """Where ``saturated_tails`` found flat tails: "everywhere", "both", "left", "right" or "none"."""
    starts, ends = {start for start, _ in tails}, {end for _, end in tails}
    if (x[0], x[-1]) in tails:
        return "everywhere"
    left, right = x[0] in starts, x[-1] in ends
    return "both" if left and right else "left" if left else "right" if right else "none"


def zoo_figure(path):
    """Every activation (solid) with its autograd derivative (dashed), saturated tails shaded.

    Returns (the Path, {title: where it saturates, see ``saturated_sides``})."""
    from matplotlib.patches import Patch

    from tinynet.viz.style import new_figure, savefig

    grid = np.linspace(-X_RANGE, X_RANGE, 601)  # odd: x = 0 is on the grid
    fig = new_figure(11.0, 8.2)
    axes = fig.subplots(3, 4, sharex=True).ravel()
    curves, sides = {}, {}
    for ax, (title, formula, f) in zip(axes, activation_zoo()):
        y, slope = value_and_derivative(f, grid)
        curves[title] = slope
        tails = saturated_tails(grid, slope)
        sides[title] = saturated_sides(grid, tails)
        for start, end in tails:
            ax.axvspan(start, end, color="0.82", lw=0)
        if title.startswith("maxout"):
            for w, b in zip(MAXOUT_SLOPES, MAXOUT_INTERCEPTS):
                ax.plot(grid, w * grid + b, ":", color="0.45", lw=1)
        ax.plot(grid, y, color="C0", lw=2)
        ax.plot(grid, slope, "--", color="C1", lw=1.8)
        ax.set_title(f"{title}\n{formula}", fontsize=10)
    for ax in axes[:-1]:
        ax.set_ylim(-1.6, 3.1)
    ax = axes[-1]  # the last panel: the three derivatives that decide how deep nets train
    for label, key, color in (("σ'", "sigmoid (logsig)", "C2"), ("tanh'", "tanh (tansig)", "C4"),
                              ("ReLU'", "ReLU", "C3")):
        ax.plot(grid, curves[key], color=color, lw=1.8, label=label)
    ax.axhline(0.25, color="C2", ls=":", lw=1.2)
    ax.text(X_RANGE - 0.2, 0.32, "σ' ≤ 1/4", color="C2", fontsize=10, ha="right")
    ax.set_ylim(-0.1, 1.25)
    ax.set_title("the derivatives compared\n(autograd)", fontsize=10)
    ax.legend(fontsize=9, loc="upper left", frameon=False)
    for ax in axes:
        ax.axhline(0, color="0.6", lw=0.6)
        ax.axvline(0, color="0.6", lw=0.6)
        ax.tick_params(labelsize=9)
    for ax in axes[8:]:
        ax.set_xlabel("x", fontsize=10)
    fig.legend(handles=[axes[0].lines[0], axes[0].lines[1], Patch(color="0.82")],
               labels=["f(x)", "f'(x), from tinynet's autograd",
                       f"saturated tail: |f'(x)| < {SATURATION} out to the edge"],
               loc="upper center", ncol=3, fontsize=10, frameon=False, bbox_to_anchor=(0.5, 1.0))
    fig.subplots_adjust(top=0.89, hspace=0.5, wspace=0.25)
    return savefig(fig, path), sides


# ---- part 2: vanishing gradients in a deep MLP -------------------------------------------------

def deep_mlp(activation, seed):
    """784 -> HIDDEN_LAYERS x (Linear(WIDTH), activation) -> 10, He-normal weights and zero biases
    drawn from ``seed``: two calls with the same seed give the same weights, whatever the activation."""
    import tinynet
    from tinynet import nn

    tinynet.manual_seed(seed)
    layers, width_in = [], 784
    for _ in range(HIDDEN_LAYERS):
        layers += [nn.Linear(width_in, WIDTH), activation()]
        width_in = WIDTH
    layers.append(nn.Linear(width_in, 10))
    for layer in layers:
        if isinstance(layer, nn.Linear):
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            nn.init.zeros_(layer.bias)
    return nn.Sequential(*layers)


def accuracy(model, images, labels):
    """Fraction of ``images`` classified as ``labels``."""
    import tinynet

    with tinynet.no_grad():
        return float(np.mean(model(tinynet.tensor(images)).numpy().argmax(axis=1) == labels))


def draw(runs, metrics, out_dir):
    """The MLPs' blocks for the page: the step player (every layer's gradient norm at each step, and the
    losses), the gradient norms over all steps, and as downloads the PNGs of the gradient at
    initialisation and of the losses.  Captions state the measured numbers, so they stay true for
    any seed or setting."""
    from tinynet.viz.curves import training_curves

    ratios = {label: metrics[label.lower() + "_grad_ratio"] for label in runs}
    over_training = {}  # first over last layer, geometric mean over the steps
    for label, r in runs.items():
        norms = np.maximum(r["norms"].as_array(), 1e-30)
        over_training[label] = float(np.exp(np.mean(np.log(norms[:, 0] / norms[:, -1]))))
    losses = {label: metrics[label.lower() + "_final_loss"] for label in runs}
    listed = ", ".join
    player = gradient_player(
        {label: r["norms"] for label, r in runs.items()}, {label: r["history"]["loss"] for label, r in runs.items()},
        COLOURS, "Every layer's gradient, step by step",
        "Left: the norm of each layer's weight gradient, ‖dL/dW‖, on a log scale (layer 1 next to the input, "
        f"layer {HIDDEN_LAYERS + 1} the output layer), for the training batch of the step shown; the faint dashed "
        "curves are step 1, the gradients at the initial weights. Right: both nets' training loss, the mean "
        "of the last 10 mini-batches; the red line marks the step shown.")
    return [
        player,
        Figure(norms_over_training_figure({label: r["norms"].as_array() for label, r in runs.items()},
                                          out_dir / "gradient_norms_over_training.png",
                                          "log10 of each layer's weight-gradient norm at every step"),
               "All steps at once",
               "The same gradient norms as the slider, every step side by side: one row per layer (1 = next to the "
               "input), one column per training step, one colour scale for both nets. First layer over last layer, "
               "geometric mean over all steps: "
               + listed(f"{label} {scientific(ratio)}" for label, ratio in over_training.items()) + "."),
        Figure(norms_by_layer_figure({label: r["norms"].at_init() for label, r in runs.items()},
                                     out_dir / "gradient_norms_at_init.png",
                                     f"weight-gradient norm per layer at initialisation ({HIDDEN_LAYERS} hidden "
                                     "layers)", note="\n".join(f"{label}: first/last = {ratio:.2g}"
                                                                for label, ratio in ratios.items()),
                                     colours=COLOURS),
               "Gradient norm of every layer at initialisation",
               "The same initial weights, only the activation differs. First layer's gradient norm over the "
               "last layer's: " + listed(f"{label} {ratio:.2g}" for label, ratio in ratios.items()) + ".",
               shown=False),
        Figure(training_curves({label: r["history"] for label, r in runs.items()}, out_dir / "loss.png",
                               title="training loss: 10 hidden layers, sigmoid vs ReLU"),
               "Training loss of both networks",
               "Mini-batch cross-entropy (faint) and its running mean. Mean over the last fifth of the steps: "
               + listed(f"{label} {loss:.2f}" for label, loss in losses.items()) + ".", shown=False),
    ]


def run(out_dir, *, epochs=None, seed=0, quick=False, **options):
    """Draw the zoo, then train the sigmoid and the ReLU MLP and draw their gradient norms and losses.

    options: lr, batch_size, train_size (None = default); others are ignored.
    """
    from tinynet import nn

    settings = settings_for(epochs, quick, options, full=FULL, quick_settings=QUICK)
    out_dir = start_run(out_dir, seed)
    zoo_path, saturated = zoo_figure(out_dir / "activation_zoo.png")
    figures = [Figure(zoo_path, "The activation zoo and its derivatives",
                      "Each activation f (blue) and its derivative f' (dashed orange), computed by tinynet's "
                      "autograd on a grid of x. Grey: saturated tails, where the slope stays below "
                      f"{SATURATION}, so a unit there passes almost no gradient back (hardlim's slope is 0 "
                      "everywhere; its jump at 0 has no derivative). Last panel: σ' never exceeds 1/4.")]
    print("activation_zoo.png: every activation with its autograd derivative, saturated tails shaded")

    x_train, y_train, x_test, y_test = mnist_subsets(settings["train_size"], settings["test_size"], flat=True)
    runs, finished = {}, True
    for label, activation in (("sigmoid", nn.Sigmoid), ("ReLU", nn.ReLU)):
        if not finished:
            break
        model = deep_mlp(activation, seed)
        history, norms, finished = train_recording_norms(model, (x_train, y_train), settings, seed,
                                                         f"the {label} MLP")
        runs[label] = {"model": model, "history": history, "norms": norms}
    runs = {label: r for label, r in runs.items() if r["norms"].by_step}  # Ctrl-C may leave one empty

    metrics = {"saturated_tails": saturated}
    for label, r in runs.items():
        key = label.lower()
        metrics[f"{key}_grad_ratio"] = first_over_last(r["norms"].at_init())
        metrics[f"{key}_final_loss"] = final_loss(r["history"]["loss"])
        metrics[f"{key}_test_accuracy"] = accuracy(r["model"], x_test, y_test)
    if "sigmoid" in runs:  # the geometric mean of what each of the 10 layer-to-layer steps multiplies by
        metrics["sigmoid_shrink_per_layer"] = metrics["sigmoid_grad_ratio"] ** (1 / HIDDEN_LAYERS)
        norms = runs["sigmoid"]["norms"].as_array()
        metrics["sigmoid_ratio_max"] = float(np.max(norms[:, 0] / np.maximum(norms[:, -1], 1e-30)))
        metrics["sigmoid_falls_every_layer"] = bool(np.all(np.diff(norms[0]) > 0))
    if "ReLU" in runs:  # how far apart the layers' gradients are at the initial weights
        at_init = runs["ReLU"]["norms"].at_init()
        metrics["relu_spread_at_init"] = float(at_init.max() / max(at_init.min(), 1e-30))
    metrics.update(steps=max((len(r["history"]["loss"]) for r in runs.values()), default=0),
                   train_images=len(x_train), test_images=len(x_test),
                   train_seconds=round(sum(r["history"].get("seconds", 0.0) for r in runs.values()), 2),
                   finished=finished)
    for label in runs:
        key = label.lower()
        print(f"{label:8s} first/last layer gradient at init {metrics[key + '_grad_ratio']:.3g}, "
              f"final loss {metrics[key + '_final_loss']:.3f}, test accuracy {metrics[key + '_test_accuracy']:.2%}")

    if runs:
        figures += draw(runs, metrics, out_dir)
        record = write_training_record(out_dir / "training_record.json", {
            "what": "per training step: each net's mini-batch loss and its layers' weight-gradient norms "
                    "(layer 1 = next to the input); step 1's gradients are at the initial weights",
            "layers": next(iter(runs.values()))["norms"].names,
            "nets": {label: {"loss": r["history"]["loss"], "grad_norms": r["norms"].by_step}
                     for label, r in runs.items()}})
        figures.append(Figure(record, "Training record", "Every step's loss and per-layer gradient norms of both "
                              "nets, as JSON.", shown=False))
    summary = (f"{HIDDEN_LAYERS} hidden layers: first/last-layer gradient ratio at initialisation "
               + ", ".join(f"{label} {metrics[label.lower() + '_grad_ratio']:.2g}" for label in runs)
               + "; final loss " + ", ".join(f"{label} {metrics[label.lower() + '_final_loss']:.2f}"
                                              for label in runs) + ".")
    return ExampleResult(name=NAME, figures=figures, metrics=metrics, summary=summary, interrupted=not finished)
