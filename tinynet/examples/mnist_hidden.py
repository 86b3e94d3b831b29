"""mnist-hidden: what ten hidden units learn, and how the output layer combines them.

First a 784-10-10 network: 784 pixels -> 10 sigmoid hidden units -> 10
class scores.  Each hidden unit has 784 incoming weights, drawn as a 28x28
*filter*: unlike the softmax templates of ``mnist-templates`` these are not
digits but strokes and blobs shared between digits.  The output layer is a
10x10 matrix: for each class, one weight per hidden unit -- the bar charts
show which filters vote for and against each digit.

Then the 784-16-16-10 network (two hidden layers; 784*16+16 + 16*16+16 +
16*10+10 = 13,002 parameters) for comparison.  Both use sigmoid hidden
units and Adam on the cross-entropy.  MNIST: Y. LeCun, C. Cortes, C. J. C. Burges (CC BY-SA 3.0).
"""

import numpy as np

from tinynet.examples.mnist_templates import probabilities, train as train_classifier
from tinynet.examples.prepare import mnist_subsets, settings_for, start_run
from tinynet.examples.report import ExampleResult, Figure

NAME = "mnist-hidden"
SUMMARY = "784-10-10 and 784-16-16-10 sigmoid networks on MNIST: hidden filters and how classes use them"

FULL = {"epochs": 5, "batch_size": 100, "lr": 5e-3, "train_size": 60000, "test_size": 10000}
QUICK = {"epochs": 2, "batch_size": 50, "lr": 1e-2, "train_size": 3000, "test_size": 1000}


def add_arguments(parser):
    """mnist-hidden's options beyond the common ones."""
    parser.add_argument("--lr", type=float, default=None, help=f"Adam learning rate (default {FULL['lr']})")
    parser.add_argument("--batch-size", type=int, default=None, help=f"default {FULL['batch_size']}")
    parser.add_argument("--train-size", type=int, default=None, help="train on the first N training images")


def ten_hidden_units():
    """784 -> 10 sigmoid -> 10: small enough to look at every unit."""
    from tinynet import nn

    return nn.Sequential(nn.Linear(784, 10), nn.Sigmoid(), nn.Linear(10, 10))


def two_hidden_layers():
    """784 -> 16 sigmoid -> 16 sigmoid -> 10 (13,002 parameters)."""
    from tinynet import nn

    return nn.Sequential(nn.Linear(784, 16), nn.Sigmoid(), nn.Linear(16, 16), nn.Sigmoid(), nn.Linear(16, 10))


def train(model, x, y, settings, seed, history, label):
    """Adam on the cross-entropy; returns False if Ctrl-C stopped it (then the caller draws what it has)."""
    from tinynet import optim

    print(f"training {label}")
    return train_classifier(model, x, y, settings, seed, history, optimizer_class=optim.Adam)


def run(out_dir, *, epochs=None, seed=0, quick=False, **options):
    """Train both networks; draw the 10 filters, each class's weights on them, and the loss curves."""
    from tinynet import viz

    settings = settings_for(epochs, quick, options, full=FULL, quick_settings=QUICK)
    out_dir = start_run(out_dir, seed)
    x_train, y_train, x_test, y_test = mnist_subsets(settings["train_size"], settings["test_size"], flat=True)

    small, deep = ten_hidden_units(), two_hidden_layers()
    histories = {"784-10-10": {}, "784-16-16-10": {}}
    finished = train(small, x_train, y_train, settings, seed, histories["784-10-10"], "784-10-10")
    if finished:
        finished = train(deep, x_train, y_train, settings, seed, histories["784-16-16-10"], "784-16-16-10")

    accuracy_small = float(np.mean(probabilities(small, x_test).argmax(axis=1) == y_test))
    accuracy_deep = float(np.mean(probabilities(deep, x_test).argmax(axis=1) == y_test))
    parameters_small, parameters_deep = small.num_parameters(), deep.num_parameters()
    print(f"784-10-10:    {parameters_small:,} parameters, test accuracy {accuracy_small:.2%}")
    print(f"784-16-16-10: {parameters_deep:,} parameters, test accuracy {accuracy_deep:.2%}")

    figures = [Figure(
        viz.weight_grid(small[0].weight, out_dir / "filters.png", titles=[f"hidden {j}" for j in range(10)],
                        columns=5, scale="each",
                        title="784-10-10: each hidden unit's 784 input weights as an image"),
        "The 10 hidden filters",
        "Each hidden unit's incoming weights as a 28x28 image (each on its own scale; blue = ink here excites "
        "the unit, red = inhibits).  They are strokes and blobs shared by several digits, not digit templates.")]
    print("filters.png: the 10 hidden units' weights as images -- strokes and blobs, not whole digits")
    figures.append(Figure(
        viz.weight_bars(small[2].weight, out_dir / "class_weights.png",
                        row_titles=[f"digit {k}" for k in range(10)], column_labels=range(10),
                        xlabel="hidden unit", title="how each digit's output unit weighs the 10 hidden units"),
        "Each digit's weights on the hidden units",
        "Bar j of digit k is the output weight from hidden unit j to class k: tall blue bars are the filters "
        "that vote for the digit, red ones vote against.  Compare with filters.png."))
    print("class_weights.png: for each digit, its output unit's weight on each of the 10 hidden units")
    trained = {label: h for label, h in histories.items() if h.get("loss")}  # Ctrl-C may leave one empty
    if trained:
        figures.append(Figure(viz.training_curves(trained, out_dir / "loss.png", title="cross-entropy per step"),
                              "Training loss of both networks",
                              "Mini-batch cross-entropy (faint) and its running mean for the two networks."))
    metrics = {"accuracy_784_10_10": accuracy_small, "accuracy_784_16_16_10": accuracy_deep,
               "parameters_784_10_10": parameters_small, "parameters_784_16_16_10": parameters_deep,
               "train_seconds": round(sum(h.get("seconds", 0.0) for h in histories.values()), 2),
               "finished": finished}
    summary = (f"10 hidden units: {accuracy_small:.2%}; 784-16-16-10 ({parameters_deep:,} parameters): "
               f"{accuracy_deep:.2%} test accuracy.")
    return ExampleResult(name=NAME, figures=figures, metrics=metrics, summary=summary)
