"""mnist-templates: a softmax classifier with no hidden layer, and its weights seen as images.

The model is one Linear layer, 784 pixels -> 10 scores, then softmax:
P(digit k | x) = exp(w_k . x + b_k) / sum_j exp(w_j . x + b_j).  Each class k
has one weight per pixel, so w_k can be drawn as a 28x28 picture: a
*template*.  The score w_k . x is large when the image's ink falls on the
blue (positive) pixels of the template and avoids the red ones; training
turns the templates into blurred, averaged digits.  With no hidden layer
this is all the model can do, and it reaches about 92 % test accuracy.

The confusion matrix shows which digits it mixes up; one image per
confusion cell (the one it was most sure about) and a gallery of its most
confident mistakes show why.  MNIST: Y. LeCun, C. Cortes, C. J. C. Burges (CC BY-SA 3.0).
"""

import numpy as np

from tinynet.examples.options import positive_float, positive_int
from tinynet.examples.prepare import mnist_subsets, settings_for, start_run
from tinynet.examples.report import ExampleResult, Figure, Section

NAME = "mnist-templates"
SUMMARY = "softmax regression on MNIST (no hidden layer): the 10 weight templates, confusion matrix, mistakes"

FULL = {"epochs": 3, "batch_size": 100, "lr": 0.2, "train_size": 60000, "test_size": 10000}
QUICK = {"epochs": 2, "batch_size": 50, "lr": 0.2, "train_size": 3000, "test_size": 1000}


def key_numbers(m):
    """This run's numbers, in words."""
    return [f"With no hidden layer, {m['test_accuracy']:.1%} of the {m['test_images']:,} test digits are "
            f"recognised, after {m['steps']:,} steps over {m['train_images']:,} training images.",
            f"The most common mistake: {_a(m['top_confusion_true'])} taken for {_a(m['top_confusion_said'])}, "
            f"{m['top_confusion_count']} times."]


def _a(digit):
    """'a 7', 'an 8'."""
    return f"an {digit}" if digit == 8 else f"a {digit}"


def look_for(m):
    """What to look for in this run's figures."""
    low, high = m["template_correlation_min"], m["template_correlation_max"]
    lines = []
    if low > 0:
        lines.append(f"Each template looks like its digit minus the average digit: its correlation with (the mean "
                     f"image of that digit - the mean of all digits) is between {low:.2f} and {high:.2f}. Blue is "
                     "where this digit has ink and others do not; red, where other digits have ink and it does not.")
    lines.append(f"Find row {m['top_confusion_true']}, column {m['top_confusion_said']} of the confusion matrix "
                 f"({m['top_confusion_count']} mistakes): its picture is the {m['top_confusion_true']} the model "
                 f"was surest was {_a(m['top_confusion_said'])}.")
    lines.append("In the most confident mistakes, look for ink in the wrong places rather than wrong shapes: a "
                 "template adds up ink pixel by pixel and cannot see how strokes connect -- which is what hidden "
                 "layers add.")
    return lines


SECTION = Section(
    title="Without a hidden layer, a classifier can only match templates",
    takeaway="One weight per pixel per class: each class's weights form a blurred-digit template.",
    lesson="""The simplest digit classifier has no hidden layer: 784 pixels go straight to 10 scores, \
score_k = w_k . x + b_k, and softmax turns the scores into probabilities. Class k has one weight per pixel, so \
w_k can be drawn as a 28x28 picture: a template. The score is high when the image's ink falls on the template's \
blue pixels and avoids its red ones.

Training (SGD on the cross-entropy) turns the templates into averaged digits. That is all this model can do -- \
and it is wrong when a digit's ink sits where another digit's template expects it.""",
    docs="lessons.md#softmax-regression-learns-templates",
    key_numbers=key_numbers,
    look_for=look_for,
)


def add_arguments(parser):
    """mnist-templates' options beyond the common ones."""
    parser.add_argument("--lr", type=positive_float, default=None, help=f"SGD learning rate (default {FULL['lr']})")
    parser.add_argument("--batch-size", type=positive_int, default=None, help=f"default {FULL['batch_size']}")
    parser.add_argument("--train-size", type=positive_int, default=None, help="train on the first N training images")


def probabilities(model, x, batch_size=2000):
    """softmax(model(x)) as numpy, computed in batches without recording a graph."""
    import tinynet

    outputs = []
    with tinynet.no_grad():
        for start in range(0, len(x), batch_size):
            outputs.append(tinynet.softmax(model(tinynet.tensor(x[start:start + batch_size])), dim=1).numpy())
    return np.concatenate(outputs)


def train(model, x, y, settings, seed, history, optimizer_class=None):
    """SGD (or ``optimizer_class``, e.g. optim.Adam) on the cross-entropy for settings["epochs"] epochs,
    shuffled batches; Ctrl-C stops early.  mnist-hidden trains its networks with this loop too.

    Returns True if training finished, False if it was stopped with Ctrl-C.
    """
    import tinynet
    from tinynet import nn, optim
    from tinynet.data import DataLoader

    loader = DataLoader((x, y), batch_size=settings["batch_size"], shuffle=True, seed=seed)
    optimizer = (optimizer_class or optim.SGD)(model.parameters(), lr=settings["lr"])
    try:
        tinynet.fit(model, loader, nn.CrossEntropyLoss(), optimizer, epochs=settings["epochs"], history=history)
    except KeyboardInterrupt:
        print("stopped by Ctrl-C; writing figures so far")
        return False
    return True


def classification_figures(out_dir, x_test, y_test, probs, prefix=""):
    """Confusion matrix, most confident image per cell, and worst-mistakes gallery; returns Figures."""
    from tinynet import viz

    predicted = probs.argmax(axis=1)
    confidence = probs.max(axis=1)
    images = x_test.reshape(-1, 28, 28)
    cm = viz.confusion_matrix(y_test, predicted, num_classes=10)
    figures = [Figure(viz.plot_confusion(cm, out_dir / f"{prefix}confusion.png"), "Confusion matrix",
                      "Row = true digit, column = the model's answer; the diagonal holds the correct answers. "
                      "The largest off-diagonal counts are the digits it mixes up.")]
    cells = viz.most_confident_per_cell(images, y_test, predicted, confidence, num_classes=10)
    figures.append(Figure(viz.plot_confusion(cm, out_dir / f"{prefix}confusion_images.png", images=cells),
                          "The most confident test image in each confusion cell",
                          "Cell (t, p) shows the digit t that the model most confidently called p (grey: none). "
                          "Off the diagonal these are the mistakes it was surest of."))
    if np.any(predicted != y_test):
        figures.append(Figure(viz.mistakes_gallery(images, y_test, predicted, confidence,
                                                   out_dir / f"{prefix}mistakes.png", count=24),
                              "Most confident mistakes",
                              "The wrong answers the model gave with the highest probability; above each, the true "
                              "digit, the model's answer and the probability it gave that answer."))
    return figures


def run(out_dir, *, epochs=None, seed=0, quick=False, **options):
    """Train softmax regression on MNIST; write templates, confusion figures, mistakes and the loss curve."""
    from tinynet import nn, viz

    settings = settings_for(epochs, quick, options, full=FULL, quick_settings=QUICK)
    out_dir = start_run(out_dir, seed)
    x_train, y_train, x_test, y_test = mnist_subsets(settings["train_size"], settings["test_size"], flat=True)
    model = nn.Linear(784, 10)
    history = {}
    finished = train(model, x_train, y_train, settings, seed, history)

    probs = probabilities(model, x_test)
    accuracy = float(np.mean(probs.argmax(axis=1) == y_test))
    print(f"test accuracy {accuracy:.2%} on {len(y_test)} test images "
          f"(trained {len(history.get('loss', []))} steps on {len(y_train)} images, {history.get('seconds', 0):.1f} s)")

    figures = [Figure(
        viz.weight_grid(model.weight, out_dir / "templates.png", titles=[f"digit {k}" for k in range(10)],
                        columns=5, title="the weights of each output unit, as 28x28 images", tile_inches=1.7),
        "The 10 templates",
        "Output unit k's 784 weights drawn as an image, all on one colour scale: blue pixels add to the score for "
        "digit k when inked, red pixels subtract.")]
    print("templates.png: each output unit's weights as an image -- blurred digits, blue where ink votes for the "
          "digit, red where it votes against")
    figures += classification_figures(out_dir, x_test, y_test, probs)
    print("confusion.png / confusion_images.png: which digits are mixed up, with the most confident example of "
          "each mix-up; mistakes.png: the most confident wrong answers")
    if history.get("loss"):
        figures.append(Figure(viz.training_curves(history, out_dir / "loss.png", title="cross-entropy per step"),
                              "Training loss", "Cross-entropy of each mini-batch (faint) and its running mean."))
    metrics = {"test_accuracy": accuracy, "test_images": len(y_test), "steps": len(history.get("loss", [])),
               "train_seconds": round(history.get("seconds", 0.0), 2), "train_images": len(y_train),
               "finished": finished, **describe(model.weight.numpy(), x_train, y_train, y_test, probs)}
    summary = f"no hidden layer: {accuracy:.2%} test accuracy; the weights are digit templates."
    return ExampleResult(name=NAME, figures=figures, metrics=metrics, summary=summary, interrupted=not finished)


def describe(weights, x_train, y_train, y_test, probs):
    """Numbers the page's sentences are built from: how template-like the weights are, the top confusion."""
    mean_all = x_train.mean(axis=0)
    correlations = [float(np.corrcoef(weights[k], x_train[y_train == k].mean(axis=0) - mean_all)[0, 1])
                    for k in range(10) if np.any(y_train == k)]
    cm = np.zeros((10, 10), dtype=np.int64)
    np.add.at(cm, (y_test, probs.argmax(axis=1)), 1)
    np.fill_diagonal(cm, 0)
    true, said = np.unravel_index(int(np.argmax(cm)), cm.shape)
    return {"template_correlation_min": min(correlations), "template_correlation_max": max(correlations),
            "top_confusion_true": int(true), "top_confusion_said": int(said),
            "top_confusion_count": int(cm[true, said])}
