"""autoencoder: squeeze every MNIST digit through three numbers and back.

Encoder 784 -> 128 -> 32 -> 3 (ReLU, linear code), decoder 3 -> 32 -> 128 -> 784 (ReLU, sigmoid
output), trained with Adam to reproduce its input (binary cross-entropy per pixel).  No labels are
used in training -- yet when the test digits' 3-number codes are plotted in 3-D and coloured by
class, the classes form separate clouds: to redraw a digit well from 3 numbers the network has
to encode which digit it is (and its slant and thickness).  A 5-nearest-neighbour classifier on the
codes measures how much class information the bottleneck kept.
"""

import time
from pathlib import Path

import numpy as np

from tinynet.examples.options import non_negative_int, positive_float, positive_int
from tinynet.examples.prepare import mnist_subsets, settings_for, start_run
from tinynet.examples.report import ExampleResult, Figure, Section

NAME = "autoencoder"
SUMMARY = "a 784-128-32-3-32-128-784 autoencoder on MNIST; 3-D scatter of the codes and reconstructions"

SIZES = (784, 128, 32, 3)
FULL = {"epochs": 10, "batch_size": 256, "lr": 3e-3, "train_size": 60000, "test_size": 10000,
        "scatter_points": 3000, "gif_frames": 36}
QUICK = {"epochs": 3, "batch_size": 50, "lr": 3e-3, "train_size": 2000, "test_size": 500,
         "scatter_points": 500, "gif_frames": 6}
TOUR = {"epochs": 5, "gif_frames": 24}


def key_numbers(m):
    """This run's numbers, in words."""
    return [f"Each test digit is squeezed into 3 numbers and redrawn with an average squared error of "
            f"{m['test_mse']:.3f} per pixel (pixels run from 0 to 1).",
            f"Without ever seeing a label, the codes keep much of the digit's identity: a vote among the 5 nearest "
            f"training codes names {m['knn5_accuracy_on_codes']:.0%} of the test digits correctly (guessing: 10%).",
            f"Of the {m['shown']} digits in the reconstruction figure, that vote reads {m['shown_read_right']} as "
            "the right digit."]


def look_for(m):
    """What to look for in this run's figures."""
    lines = []
    if m["knn5_accuracy_on_codes"] > 0.5:
        lines.append("In the 3-D scatter, most colours (classes) gather in clouds of their own, though no label was "
                     "used in training; where two colours overlap, the code mixes those digits up.")
    wrong = m["shown_confusions"]
    if wrong:
        lines.append("Not every digit survives: in the reconstruction figure the red labels mark digits whose code "
                     "lies among another digit's codes -- here " + _first(wrong, 6) + ".")
    else:
        lines.append("Every digit in the reconstruction figure keeps its identity (green labels), but fine strokes "
                     "are gone: three numbers hold the digit's class, slant and thickness, not its details.")
    return lines


SECTION = Section(
    title="Squeezing digits through three numbers: an autoencoder",
    takeaway="Trained only to copy its input through a 3-number bottleneck, a network sorts digits by class "
             "on its own.",
    lesson="""An autoencoder learns to reproduce its input. The trick is the middle: here every 784-pixel digit \
must pass through a layer of only 3 numbers (its code) before a decoder redraws it.

To redraw well from so little, the encoder has to keep what matters most -- which digit it is, how it slants, \
how thick it is -- and drop the rest. No label is used in training, yet the codes of one digit end up close \
together. Where they do not, the reconstruction comes back as another digit.""",
    docs="lessons.md#an-autoencoder-learns-without-labels",
    key_numbers=key_numbers,
    look_for=look_for,
)


def add_arguments(parser):
    """Options beyond the common ones (--epochs, --seed, --out)."""
    parser.add_argument("--batch-size", type=positive_int, default=None, help=f"default {FULL['batch_size']}")
    parser.add_argument("--lr", type=positive_float, default=None, help=f"Adam learning rate (default {FULL['lr']})")
    parser.add_argument("--train-size", type=positive_int, default=None,
                        help="train on the first N training images (default all 60000)")
    parser.add_argument("--gif-frames", type=non_negative_int, default=None,
                        help=f"frames of the rotating 3-D GIF, 0 for none (default {FULL['gif_frames']})")


def build_model():
    """(encoder, decoder, autoencoder): the autoencoder is Sequential(encoder, decoder)."""
    from tinynet import nn

    def stack(sizes, last):
        layers = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(nn.Linear(n_in, n_out))
            layers.append(nn.ReLU() if i < len(sizes) - 2 else last)
        return nn.Sequential(*[layer for layer in layers if layer is not None])

    encoder = stack(SIZES, None)            # the code stays linear: any 3 real numbers
    decoder = stack(SIZES[::-1], nn.Sigmoid())  # pixel intensities in (0, 1)
    return encoder, decoder, nn.Sequential(encoder, decoder)


def evaluate(function, x, batch=2000):
    """``function`` applied to ``x`` in batches without building a graph, as one numpy array."""
    import tinynet

    with tinynet.no_grad():
        return np.concatenate([function(tinynet.tensor(x[i:i + batch])).numpy() for i in range(0, len(x), batch)])


def knn_predict(train_codes, train_labels, test_codes, k=5):
    """The class a k-nearest-neighbour vote (Euclidean, in code space) gives each test code."""
    predicted = []
    for start in range(0, len(test_codes), 1000):
        chunk = test_codes[start:start + 1000]
        dist = ((chunk[:, None, :] - train_codes[None, :, :]) ** 2).sum(axis=-1)
        nearest = np.argpartition(dist, k - 1, axis=1)[:, :k]
        predicted += [int(np.bincount(votes, minlength=10).argmax()) for votes in train_labels[nearest]]
    return np.array(predicted, dtype=np.int64)


def knn_accuracy(train_codes, train_labels, test_codes, test_labels, k=5):
    """Accuracy of a k-nearest-neighbour vote (Euclidean, in code space) for the test codes."""
    return float(np.mean(knn_predict(train_codes, train_labels, test_codes, k) == test_labels))


def _settings(epochs, quick, options):
    settings = settings_for(epochs, quick, options, full=FULL, quick_settings=QUICK,
                            overridable=("batch_size", "lr", "train_size", "gif_frames"))
    if settings["gif_frames"] < 0:  # 0 is allowed: it means no GIF
        raise ValueError(f"gif_frames must be >= 0, got {settings['gif_frames']}")
    return settings


def _train(model, x_train, settings, history):
    """Adam on shuffled mini-batches with ``tinynet.fit``; the target is the input itself.
    Returns False if Ctrl-C stopped training early."""
    import tinynet
    from tinynet import nn, optim
    from tinynet.data import DataLoader

    loader = DataLoader((x_train, x_train), batch_size=settings["batch_size"], shuffle=True)
    optimizer = optim.Adam(model.parameters(), lr=settings["lr"])
    try:
        tinynet.fit(model, loader, nn.functional.binary_cross_entropy, optimizer, epochs=settings["epochs"],
                    history=history)
    except KeyboardInterrupt:
        print("\nstopped by Ctrl-C; writing figures so far", flush=True)
        return False
    return True


def plot_reconstructions(originals, reconstructions, labels, read_as, path, per_row=10):
    """Rows of originals, each followed by a row of their reconstructions, every reconstruction
    labelled with the digit its code is read as (green when it is the true digit, red when not)."""
    from matplotlib.figure import Figure as MplFigure

    from tinynet.viz.style import INK

    pairs = len(originals) // per_row
    fig = MplFigure(figsize=(per_row * 0.95, pairs * 2 * 1.25 + 0.6))
    axes = fig.subplots(2 * pairs, per_row, squeeze=False)
    for p in range(pairs):
        for j in range(per_row):
            i = p * per_row + j
            for r, (image, label) in enumerate(((originals[i], "original"), (reconstructions[i], "from 3 numbers"))):
                ax = axes[2 * p + r, j]
                ax.imshow(image.reshape(28, 28), cmap=INK, vmin=0, vmax=1)
                ax.set_xticks([])
                ax.set_yticks([])
                if j == 0:
                    ax.set_ylabel(label, fontsize=9)
                if r == 0:
                    ax.set_title(f"digit {labels[i]}", fontsize=9)
                else:
                    right = read_as[i] == labels[i]
                    ax.set_xlabel(f"read as {read_as[i]}", fontsize=9, color="#1a7f37" if right else "#cf222e",
                                  fontweight="normal" if right else "bold")
    fig.suptitle("test digits and their reconstructions from the 3-number code", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return Path(path)


def _first(items, count):
    """The first ``count`` items joined with commas, and how many more there are."""
    more = f" and {len(items) - count} more" if len(items) > count else ""
    return ", ".join(items[:count]) + more


def run(out_dir, *, epochs=None, seed=0, quick=False, **options):
    """Train the autoencoder; write the 3-D code scatter (PNG and rotating GIF), reconstructions, loss.

    options: batch_size, lr, train_size, gif_frames (None = default); others are ignored.
    """
    from tinynet.viz.curves import training_curves
    from tinynet.viz.scatter3d import rotating_scatter3d_gif, scatter3d

    settings = _settings(epochs, quick, options)
    out_dir = start_run(out_dir, seed)
    x_train, y_train, x_test, y_test = mnist_subsets(settings["train_size"], settings["test_size"], flat=True)

    encoder, decoder, model = build_model()
    history = {}
    started = time.perf_counter()
    finished = _train(model, x_train, settings, history)
    losses = history.get("loss", [])
    train_seconds = time.perf_counter() - started

    test_codes = evaluate(encoder, x_test)
    reconstructions = evaluate(decoder, test_codes)
    test_mse = float(((reconstructions - x_test) ** 2).mean())
    reference = slice(0, min(len(x_train), 10000))
    read_as = knn_predict(evaluate(encoder, x_train[reference]), y_train[reference], test_codes)
    knn = float(np.mean(read_as == y_test))
    print(f"test reconstruction MSE {test_mse:.4f}; 5-NN accuracy on the 3-D codes {knn:.2%} "
          f"({len(losses)} steps, {train_seconds:.1f} s)")

    shown = slice(0, min(settings["scatter_points"], len(test_codes)))
    title = f"{shown.stop} test digits in the 3-number code space"
    together = (f"The network never saw a label, yet digits of a class land together: a vote among the 5 nearest "
                f"training codes names {knn:.0%} of all test digits correctly." if knn > 0.5 else
                f"In this run the classes overlap a lot: a vote among the 5 nearest training codes names only "
                f"{knn:.0%} of the test digits correctly.")
    figures = [Figure(scatter3d(test_codes[shown], y_test[shown], out_dir / "codes3d.png", title=title),
                      "The bottleneck in 3-D", "Each dot is one test digit's 3-number code, coloured by its class. "
                      + together)]
    per_class = [int(np.flatnonzero(y_test == c)[k]) for k in range(2) for c in range(10)
                 if np.count_nonzero(y_test == c) > k]
    confusions = [f"{y_test[i]} read as {read_as[i]}" for i in per_class if read_as[i] != y_test[i]]
    right = len(per_class) - len(confusions)
    path = plot_reconstructions(x_test[per_class], reconstructions[per_class], y_test[per_class], read_as[per_class],
                                out_dir / "reconstructions.png", per_row=min(10, len(per_class)))
    figures.append(Figure(path, "Originals and reconstructions",
                          f"Under each reconstruction, the digit its code is read as (the vote of the 5 nearest "
                          f"training codes): {right} of these {len(per_class)} come back as the right digit"
                          + (f"; the red ones do not ({_first(confusions, 6)})." if confusions else ".")
                          + " Fine strokes are lost either way."))
    if losses:
        figures.append(Figure(training_curves(history, out_dir / "loss.png", title="autoencoder training",
                                              ylabel="binary cross-entropy per pixel"),
                              "Training loss",
                              "Binary cross-entropy between each pixel and its reconstruction, per mini-batch."))
    if settings["gif_frames"]:
        path = rotating_scatter3d_gif(test_codes[shown], y_test[shown], out_dir / "codes3d.gif",
                                      title=title, n_frames=settings["gif_frames"])
        figures.append(Figure(path, "The bottleneck, rotating", "The 3-D scatter seen from all sides; clouds that "
                              "overlap in one view may separate in another.", shown=False))
    metrics = {"test_mse": test_mse, "knn5_accuracy_on_codes": knn, "steps": len(losses),
               "final_loss": losses[-1] if losses else float("nan"), "train_seconds": round(train_seconds, 2),
               "epochs": settings["epochs"], "train_images": len(x_train), "shown": len(per_class),
               "shown_read_right": right, "shown_confusions": confusions}
    summary = (f"3-number codes for MNIST learned without labels; a 5-NN vote on the codes classifies "
               f"{knn:.1%} of test digits correctly.")
    return ExampleResult(name=NAME, figures=figures, metrics=metrics, summary=summary, interrupted=not finished)
