"""mnist-hidden: what ten hidden units learn, and how the output layer combines them.

First a 784-10-10 network: 784 pixels -> 10 sigmoid hidden units -> 10 class scores.  Each hidden
unit has 784 incoming weights, drawn as a 28x28 *filter*; unlike the softmax templates of
``mnist-templates`` these are not digits but strokes and blobs shared between digits.  The output
layer is a 10x10 matrix: for each class, one weight per hidden unit.  The classic figure puts
filter j above column j of those weights, so one can read which filters vote for each digit.

Training: SGD with momentum, and weight decay (L2: ``weight_decay * w`` added to the gradient) on the
first layer's weights.  Weight decay is what makes the filters readable: a pixel that is rarely inked (the border) gets
almost no gradient, so without decay its weight keeps its random start -- or, with Adam, whose
steps do not shrink with the gradient, drifts into rings along the border.  Decay pulls such
weights to 0 and leaves the strokes the data keep pushing on.

Then the 784-16-16-10 network (two hidden layers; 784*16+16 + 16*16+16 + 16*10+10 = 13,002
parameters) for comparison, trained the same way.
MNIST: Y. LeCun, C. Cortes, C. J. C. Burges (CC BY-SA 3.0).
"""

import numpy as np

from tinynet.examples.mnist_templates import probabilities
from tinynet.examples.options import non_negative_float, positive_float, positive_int
from tinynet.examples.prepare import mnist_subsets, settings_for, start_run
from tinynet.examples.report import ColourKey, ExampleResult, Figure, Section, Series, Sprite, StepPlayer

NAME = "mnist-hidden"
SUMMARY = "784-10-10 and 784-16-16-10 sigmoid networks on MNIST: hidden filters and how classes use them"

FULL = {"epochs": 5, "batch_size": 100, "lr": 0.5, "momentum": 0.9, "weight_decay": 1e-3, "train_size": 60000,
        "test_size": 10000}
QUICK = {"epochs": 2, "batch_size": 50, "lr": 0.5, "momentum": 0.9, "weight_decay": 1e-3, "train_size": 3000,
         "test_size": 1000}
FRAMES = 100  # filter snapshots for the step slider, evenly spaced over training
GAP, SCALE = 4, 2  # pixels between filters in the sprite; screen pixels per weight


def key_numbers(m):
    """This run's numbers, in words."""
    return [f"Ten hidden units ({m['parameters_784_10_10']:,} parameters) recognise {m['accuracy_784_10_10']:.1%} "
            f"of the {m['test_images']:,} test digits; two hidden layers of 16 ({m['parameters_784_16_16_10']:,} "
            f"parameters) recognise {m['accuracy_784_16_16_10']:.1%}.",
            f"Training both took {m['train_seconds']:.1f} s."]


def look_for(m):
    """What to look for in this run's figures."""
    lines = []
    if m["border_to_centre"] < 0.5:
        lines.append(f"The filters are quiet along the image border: the average |weight| there is "
                     f"{m['border_to_centre']:.2f} of the average in the middle."
                     + (" Weight decay pulled the weights of pixels that are rarely inked towards 0 (white)."
                        if m["weight_decay"] > 0 else ""))
    lines.append(f"Read down column {m['widest_unit']}: unit {m['widest_unit']} votes most for digit "
                 f"{m['widest_unit_for']} and most against digit {m['widest_unit_against']}. Its filter shows the "
                 "ink (blue) that makes it fire and the ink (red) that silences it.")
    lines.append(f"Read across a row: digit {m['strongest_digit']} gets its strongest vote from unit "
                 f"{m['strongest_unit']} (output weight {m['strongest_weight']:+.2f}).")
    lines.append(f"Scrub the slider from step 0: the filters start as faint noise and half of their total change "
                 f"is done by step {m['half_change_step']:,} of {m['steps_784_10_10']:,}.")
    return lines


SECTION = Section(
    title="What hidden units learn: strokes that several digits share",
    takeaway="Hidden units learn reusable parts (strokes, blobs); the output layer combines them into digits.",
    lesson="""Put ten sigmoid units between the pixels and the classes. Each hidden unit now looks at the whole \
image through its own 784 weights -- its filter -- and the output layer decides, for each digit, how much each \
filter's response counts for or against it.

No unit is told what to look for. Training finds parts that help several digits at once: a stroke that 7s and \
9s share, a loop that separates 0 from 1. The classic figure below puts each filter above the column of output \
weights that use it.""",
    docs="lessons.md#hidden-units-learn-shared-parts",
    key_numbers=key_numbers,
    look_for=look_for,
)


def add_arguments(parser):
    """mnist-hidden's options beyond the common ones."""
    parser.add_argument("--lr", type=positive_float, default=None, help=f"SGD learning rate (default {FULL['lr']})")
    parser.add_argument("--weight-decay", type=non_negative_float, default=None,
                        help=f"L2 weight decay of the first layer's weights (default {FULL['weight_decay']})")
    parser.add_argument("--batch-size", type=positive_int, default=None, help=f"default {FULL['batch_size']}")
    parser.add_argument("--train-size", type=positive_int, default=None, help="train on the first N training images")


def ten_hidden_units():
    """784 -> 10 sigmoid -> 10: small enough to look at every unit."""
    from tinynet import nn

    return nn.Sequential(nn.Linear(784, 10), nn.Sigmoid(), nn.Linear(10, 10))


def two_hidden_layers():
    """784 -> 16 sigmoid -> 16 sigmoid -> 10 (13,002 parameters)."""
    from tinynet import nn

    return nn.Sequential(nn.Linear(784, 16), nn.Sigmoid(), nn.Linear(16, 16), nn.Sigmoid(), nn.Linear(16, 10))


def train(model, x, y, settings, seed, history, label, on_step=None):
    """SGD with momentum on the cross-entropy, weight decay on the first layer's weights (the filters);
    returns False if Ctrl-C stopped it."""
    import tinynet
    from tinynet import nn, optim
    from tinynet.data import DataLoader

    print(f"training {label}")
    loader = DataLoader((x, y), batch_size=settings["batch_size"], shuffle=True, seed=seed)
    filters = model[0].weight
    groups = [{"params": [filters], "weight_decay": settings["weight_decay"]},
              {"params": [p for p in model.parameters() if p is not filters]}]
    optimizer = optim.SGD(groups, lr=settings["lr"], momentum=settings["momentum"])
    try:
        tinynet.fit(model, loader, nn.CrossEntropyLoss(), optimizer, epochs=settings["epochs"], history=history,
                    on_step=on_step)
    except KeyboardInterrupt:
        print("stopped by Ctrl-C; writing figures so far")
        return False
    return True


class FilterRecorder:
    """Keeps a copy of the first layer's weights at step 0 and after every ``every``-th step."""

    def __init__(self, layer, every):
        self.layer, self.every = layer, every
        self.steps, self.weights, self.losses = [0], [layer.weight.numpy().copy()], [None]

    def record(self, step, loss):
        if step % self.every == 0:
            self.steps.append(step)
            self.weights.append(self.layer.weight.numpy().copy())
            self.losses.append(loss)


def filters_player(recorder, out_dir, limit):
    """The filters over training as a sprite, on the final filters' colour scale (-limit .. +limit)."""
    from tinynet.viz.sprites import tile, write_sprite

    frames = np.stack([tile(w.reshape(1, -1, 28, 28) / limit, GAP) for w in recorder.weights])
    path = out_dir / "filters_over_training.png"
    per_row = write_sprite(frames, path)
    sprite = Sprite("the 10 hidden units' filters", path, frames.shape[2], frames.shape[1], len(frames), per_row,
                    SCALE, note="unit 0 to unit 9, left to right; the colour scale is the one of the trained "
                                "filters, so early frames are pale")
    return StepPlayer("The filters while the network trains",
                      f"The first layer's weights after each of {len(recorder.steps) - 1} evenly spaced steps "
                      f"(every {recorder.every}), from the random start (step 0).  The loss is that step's "
                      "mini-batch cross-entropy.", recorder.steps, sprites=[sprite],
                      series=[Series("loss", recorder.losses, digits=3)],
                      key=ColourKey(-round(limit, 2), round(limit, 2), "input weight"))


def describe_weights(filters, bars, recorder):
    """Numbers the page's sentences are built from: border quietness, the strongest votes, when filters formed."""
    magnitude = np.abs(filters).reshape(-1, 28, 28).mean(axis=0)
    border = np.ones((28, 28), dtype=bool)
    border[3:-3, 3:-3] = False
    centre = np.zeros((28, 28), dtype=bool)
    centre[7:-7, 7:-7] = True
    widest = int(np.argmax(bars.max(axis=0) - bars.min(axis=0)))
    digit, unit = np.unravel_index(int(np.argmax(bars)), bars.shape)
    start = recorder.weights[0]
    change = [np.linalg.norm(w - start) for w in recorder.weights]
    half = next(step for step, c in zip(recorder.steps, change) if c >= 0.5 * change[-1])
    return {"border_to_centre": float(magnitude[border].mean() / magnitude[centre].mean()),
            "widest_unit": widest, "widest_unit_for": int(np.argmax(bars[:, widest])),
            "widest_unit_against": int(np.argmin(bars[:, widest])), "strongest_digit": int(digit),
            "strongest_unit": int(unit), "strongest_weight": float(bars[digit, unit]), "half_change_step": int(half)}


def run(out_dir, *, epochs=None, seed=0, quick=False, **options):
    """Train both networks; draw the filters above the class weights, the filters over training, the losses."""
    from tinynet import viz
    from tinynet.viz.hidden_units import filters_and_class_weights

    settings = settings_for(epochs, quick, options, full=FULL, quick_settings=QUICK,
                            overridable=("lr", "weight_decay", "batch_size", "train_size"))
    out_dir = start_run(out_dir, seed)
    x_train, y_train, x_test, y_test = mnist_subsets(settings["train_size"], settings["test_size"], flat=True)

    small, deep = ten_hidden_units(), two_hidden_layers()
    histories = {"784-10-10": {}, "784-16-16-10": {}}
    total_steps = settings["epochs"] * -(-len(y_train) // settings["batch_size"])
    recorder = FilterRecorder(small[0], max(1, total_steps // FRAMES))
    finished = train(small, x_train, y_train, settings, seed, histories["784-10-10"], "784-10-10", recorder.record)
    if finished:
        finished = train(deep, x_train, y_train, settings, seed, histories["784-16-16-10"], "784-16-16-10")

    accuracy_small = float(np.mean(probabilities(small, x_test).argmax(axis=1) == y_test))
    accuracy_deep = float(np.mean(probabilities(deep, x_test).argmax(axis=1) == y_test))
    parameters_small, parameters_deep = small.num_parameters(), deep.num_parameters()
    print(f"784-10-10:    {parameters_small:,} parameters, test accuracy {accuracy_small:.2%}")
    print(f"784-16-16-10: {parameters_deep:,} parameters, test accuracy {accuracy_deep:.2%}")

    filters, bars = small[0].weight.numpy(), small[2].weight.numpy()
    limit = float(np.abs(filters).max())
    decay = settings["weight_decay"]
    training = (f"Trained with SGD (momentum {settings['momentum']}) and weight decay {decay:g} on the filters: decay "
                "pulls every filter weight towards 0 unless the data keep pushing it, so pixels that are rarely "
                "inked fade to white and what stays are strokes." if decay else
                "Trained with SGD and momentum, without weight decay: weights of rarely inked pixels keep their "
                "random start.")
    figures = [Figure(
        filters_and_class_weights(filters, bars, out_dir / "hidden_units.png",
                                  title="784-10-10: each hidden unit's filter above the output weights that use it"),
        "Ten hidden units and the digits that use them",
        "Top: each hidden unit's 784 input weights as a 28x28 filter, all on one colour scale (blue: ink here makes "
        "the unit fire, red: ink here silences it).  Below each filter, one bar per digit: the output weight from "
        "that unit to the digit's score.  " + training),
        filters_player(recorder, out_dir, limit)]
    print("hidden_units.png: the 10 filters, each above the output weights that use it")
    trained = {label: h for label, h in histories.items() if h.get("loss")}  # Ctrl-C may leave one empty
    if trained:
        figures.append(Figure(viz.training_curves(trained, out_dir / "loss.png", title="cross-entropy per step"),
                              "Training loss of both networks",
                              "Mini-batch cross-entropy (faint) and its running mean for the two networks."))
    metrics = {"accuracy_784_10_10": accuracy_small, "accuracy_784_16_16_10": accuracy_deep,
               "parameters_784_10_10": parameters_small, "parameters_784_16_16_10": parameters_deep,
               "train_seconds": round(sum(h.get("seconds", 0.0) for h in histories.values()), 2),
               "steps_784_10_10": len(histories["784-10-10"].get("loss", [])), "test_images": len(y_test),
               "finished": finished, "weight_decay": decay, **describe_weights(filters, bars, recorder)}
    summary = (f"10 hidden units: {accuracy_small:.2%}; 784-16-16-10 ({parameters_deep:,} parameters): "
               f"{accuracy_deep:.2%} test accuracy.")
    return ExampleResult(name=NAME, figures=figures, metrics=metrics, summary=summary, interrupted=not finished)
