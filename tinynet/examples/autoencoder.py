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

from tinynet.examples.prepare import mnist_subsets, settings_for, start_run
from tinynet.examples.report import ExampleResult, Figure

NAME = "autoencoder"
SUMMARY = "a 784-128-32-3-32-128-784 autoencoder on MNIST; 3-D scatter of the codes and reconstructions"

SIZES = (784, 128, 32, 3)
FULL = {"epochs": 10, "batch_size": 256, "lr": 3e-3, "train_size": 60000, "test_size": 10000,
        "scatter_points": 3000, "gif_frames": 36}
QUICK = {"epochs": 3, "batch_size": 50, "lr": 3e-3, "train_size": 2000, "test_size": 500,
         "scatter_points": 500, "gif_frames": 6}


def add_arguments(parser):
    """Options beyond the common ones (--epochs, --seed, --out)."""
    parser.add_argument("--batch-size", type=int, default=None, help=f"default {FULL['batch_size']}")
    parser.add_argument("--lr", type=float, default=None, help=f"Adam learning rate (default {FULL['lr']})")
    parser.add_argument("--train-size", type=int, default=None,
                        help="train on the first N training images (default all 60000)")
    parser.add_argument("--gif-frames", type=int, default=None,
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


def knn_accuracy(train_codes, train_labels, test_codes, test_labels, k=5):
    """Accuracy of a k-nearest-neighbour vote (Euclidean, in code space) for the test codes."""
    correct = 0
    for start in range(0, len(test_codes), 1000):
        chunk = test_codes[start:start + 1000]
        dist = ((chunk[:, None, :] - train_codes[None, :, :]) ** 2).sum(axis=-1)
        nearest = np.argpartition(dist, k - 1, axis=1)[:, :k]
        votes = train_labels[nearest]
        predicted = np.array([np.bincount(v, minlength=10).argmax() for v in votes])
        correct += int((predicted == test_labels[start:start + 1000]).sum())
    return correct / len(test_codes)


def _settings(epochs, quick, options):
    settings = settings_for(epochs, quick, options, full=FULL, quick_settings=QUICK,
                            overridable=("batch_size", "lr", "train_size", "gif_frames"))
    if settings["gif_frames"] < 0:  # 0 is allowed: it means no GIF
        raise ValueError(f"gif_frames must be >= 0, got {settings['gif_frames']}")
    return settings


def _train(model, x_train, settings, history):
    """Adam on shuffled mini-batches with ``tinynet.fit``; the target is the input itself.
    Ctrl-C stops training early."""
    from tinynet import nn, optim
    from tinynet.data import DataLoader
    from tinynet.training import fit

    loader = DataLoader((x_train, x_train), batch_size=settings["batch_size"], shuffle=True)
    optimizer = optim.Adam(model.parameters(), lr=settings["lr"])
    try:
        fit(model, loader, nn.functional.binary_cross_entropy, optimizer, epochs=settings["epochs"],
            history=history)
    except KeyboardInterrupt:
        print("\nstopped by Ctrl-C; writing figures so far", flush=True)


def plot_reconstructions(originals, reconstructions, path, per_row=10):
    """Rows of originals, each followed by a row of their reconstructions."""
    from matplotlib.figure import Figure as MplFigure

    from tinynet.viz.style import INK

    pairs = len(originals) // per_row
    fig = MplFigure(figsize=(per_row * 0.9, pairs * 2 * 0.95 + 0.4))
    axes = fig.subplots(2 * pairs, per_row, squeeze=False)
    for p in range(pairs):
        for j in range(per_row):
            i = p * per_row + j
            for r, (image, label) in enumerate(((originals[i], "original"), (reconstructions[i], "3 numbers"))):
                ax = axes[2 * p + r, j]
                ax.imshow(image.reshape(28, 28), cmap=INK, vmin=0, vmax=1)
                ax.set_xticks([])
                ax.set_yticks([])
                if j == 0:
                    ax.set_ylabel(label, fontsize=8)
    fig.suptitle("test digits (odd rows) and their reconstructions from the 3-number code (even rows)")
    fig.savefig(path, dpi=90)
    return Path(path)


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
    _train(model, x_train, settings, history)
    losses = history.get("loss", [])
    train_seconds = time.perf_counter() - started

    test_codes = evaluate(encoder, x_test)
    reconstructions = evaluate(decoder, test_codes)
    test_mse = float(((reconstructions - x_test) ** 2).mean())
    reference = slice(0, min(len(x_train), 10000))
    knn = knn_accuracy(evaluate(encoder, x_train[reference]), y_train[reference], test_codes, y_test)
    print(f"test reconstruction MSE {test_mse:.4f}; 5-NN accuracy on the 3-D codes {knn:.2%} "
          f"({len(losses)} steps, {train_seconds:.1f} s)")

    shown = slice(0, min(settings["scatter_points"], len(test_codes)))
    title = f"{shown.stop} test digits in the 3-number code space"
    figures = [Figure(scatter3d(test_codes[shown], y_test[shown], out_dir / "codes3d.png", title=title),
                      "The bottleneck in 3-D",
                      "Each dot is one test digit's 3-number code, coloured by its class. The network never "
                      "saw a label, yet digits of a class land together: the code has to say which digit it "
                      "is to redraw it.")]
    if settings["gif_frames"]:
        path = rotating_scatter3d_gif(test_codes[shown], y_test[shown], out_dir / "codes3d.gif",
                                      title=title, n_frames=settings["gif_frames"])
        figures.append(Figure(path, "The bottleneck, rotating",
                              "The same scatter seen from all sides; clouds that overlap in one view "
                              "separate in another."))
    per_class = [int(np.flatnonzero(y_test == c)[k]) for k in range(2) for c in range(10)
                 if np.count_nonzero(y_test == c) > k]
    figures.append(Figure(plot_reconstructions(x_test[per_class], reconstructions[per_class],
                                               out_dir / "reconstructions.png",
                                               per_row=10 if len(per_class) >= 10 else len(per_class)),
                          "Originals and reconstructions",
                          "What survives a trip through 3 numbers: the digit's identity and rough shape; "
                          "fine strokes are lost."))
    if losses:
        figures.append(Figure(training_curves(history, out_dir / "loss.png", title="autoencoder training",
                                              ylabel="binary cross-entropy per pixel"),
                              "Training loss",
                              "Binary cross-entropy between each pixel and its reconstruction, per mini-batch."))
    metrics = {"test_mse": test_mse, "knn5_accuracy_on_codes": knn, "steps": len(losses),
               "final_loss": losses[-1] if losses else float("nan"), "train_seconds": round(train_seconds, 2),
               "epochs": settings["epochs"], "train_images": len(x_train)}
    summary = (f"3-number codes for MNIST learned without labels; a 5-NN vote on the codes classifies "
               f"{knn:.1%} of test digits correctly.")
    return ExampleResult(name=NAME, figures=figures, metrics=metrics, summary=summary)
