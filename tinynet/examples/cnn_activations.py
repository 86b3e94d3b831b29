"""cnn-activations: watch the feature maps of a small tanh CNN take shape while it learns MNIST.

The network: six 3x3 convolutions (padding 1, tanh; 4, 4, 8, 8, 16, 16 channels) with 2x2 max
pooling after the 2nd and the 4th, then dense layers 16*7*7 -> 64 -> 32 -> 10.  Adam, batch 1024.

After every training step the example runs ten fixed test digits (one per class) through the
network under ``no_grad`` and forward hooks catch each conv layer's tanh output.  Each layer then
becomes one animated GIF: the digits on top, one row per channel, +1 blue, 0 white, -1 red.
Early layers turn into edge and stroke detectors within a few dozen steps; the deep 7x7 maps
become blotchy "is there a loop / a vertical bar here" detectors.  The receptive-field table says
how many input pixels each of those maps can see (3, 5, 6, 10, 14, 18 ... with the pooling).
"""

import time

import numpy as np

from tinynet.examples.prepare import mnist_subsets, settings_for, start_run
from tinynet.examples.report import ExampleResult, Figure

NAME = "cnn-activations"
SUMMARY = "a 6-conv tanh CNN on MNIST; animated activation maps of every conv layer as it trains"

CHANNELS = (4, 4, 8, 8, 16, 16)
POOL_AFTER = (2, 4)  # 2x2 max pooling after these conv layers (1-based)
FULL = {"epochs": 5, "batch_size": 1024, "lr": 3e-3, "train_size": 60000, "test_size": 10000, "max_frames": 40}
QUICK = {"epochs": 1, "batch_size": 100, "lr": 1e-2, "train_size": 2000, "test_size": 1000, "max_frames": 8}


def add_arguments(parser):
    """Options beyond the common ones (--epochs, --seed, --out)."""
    parser.add_argument("--batch-size", type=int, default=None, help=f"default {FULL['batch_size']}")
    parser.add_argument("--lr", type=float, default=None, help=f"Adam learning rate (default {FULL['lr']})")
    parser.add_argument("--train-size", type=int, default=None,
                        help="train on the first N training images (default all 60000)")
    parser.add_argument("--max-frames", type=int, default=None,
                        help=f"frames per GIF; longer runs are subsampled evenly (default {FULL['max_frames']})")


def build_model():
    """The CNN: conv-tanh x6 (pooling after the 2nd and 4th), flatten, 784 -> 64 -> 32 -> 10."""
    from tinynet import nn

    layers, in_channels = [], 1
    for i, out_channels in enumerate(CHANNELS, start=1):
        layers += [nn.Conv2d(in_channels, out_channels, 3, padding=1), nn.Tanh()]
        if i in POOL_AFTER:
            layers.append(nn.MaxPool2d(2))
        in_channels = out_channels
    layers += [nn.Flatten(), nn.Linear(16 * 7 * 7, 64), nn.Tanh(), nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 10)]
    return nn.Sequential(*layers)


def conv_activation_layers(model):
    """{'conv1': the Tanh after the 1st conv, ...}: the modules whose outputs are the feature maps."""
    layers, count, previous = {}, 0, None
    for module in model:
        if type(previous).__name__ == "Conv2d" and type(module).__name__ == "Tanh":
            count += 1
            layers[f"conv{count}"] = module
        previous = module
    return layers


def named_receptive_fields(model):
    """The receptive-field rows of the model with readable names: conv1..conv6, pool1, pool2."""
    from tinynet.viz.receptive_field import receptive_fields

    rows, counts = [], {"conv": 0, "pool": 0}
    for row in receptive_fields(model):
        kind = "conv" if row.kind == "conv" else "pool"
        counts[kind] += 1
        rows.append(row._replace(name=f"{kind}{counts[kind]}"))
    return rows


def one_digit_per_class(labels):
    """Index of the first example of each class 0..9."""
    return np.array([int(np.flatnonzero(labels == c)[0]) for c in range(10)])


def accuracy(model, images, labels, batch=1000):
    """Fraction of ``images`` classified as ``labels`` (no graph is built)."""
    import tinynet

    correct = 0
    with tinynet.no_grad():
        for start in range(0, len(images), batch):
            logits = model(tinynet.tensor(images[start:start + batch])).numpy()
            correct += int((logits.argmax(axis=1) == labels[start:start + batch]).sum())
    return correct / len(images)


def _train(model, x_train, y_train, test_set, settings, recorder, history):
    """Adam on shuffled mini-batches with ``tinynet.fit``; after every step ``recorder`` stores the
    feature maps, after every epoch the test accuracy is measured.  Ctrl-C stops training early."""
    from tinynet import nn, optim
    from tinynet.data import DataLoader
    from tinynet.training import fit

    loader = DataLoader((x_train, y_train), batch_size=settings["batch_size"], shuffle=True)
    optimizer = optim.Adam(model.parameters(), lr=settings["lr"])
    steps_per_epoch = len(loader)

    def after_step(step, loss):
        recorder.record(step)
        if step % steps_per_epoch == 0:
            history["test_accuracy"].append(accuracy(model, *test_set))

    try:
        fit(model, loader, nn.functional.cross_entropy, optimizer, epochs=settings["epochs"],
            on_step=after_step, history=history)
    except KeyboardInterrupt:
        print("\nstopped by Ctrl-C; writing figures so far", flush=True)
    for epoch, value in enumerate(history["test_accuracy"], start=1):
        print(f"epoch {epoch}: test accuracy {value:.4f}")
    return settings["epochs"] * steps_per_epoch


def run(out_dir, *, epochs=None, seed=0, quick=False, **options):
    """Train the CNN, write one activation GIF per conv layer, curves and the receptive-field table.

    options: batch_size, lr, train_size, max_frames (None = default); others are ignored.
    """
    import tinynet
    from tinynet.viz.animation import ActivationRecorder, activation_gif
    from tinynet.viz.curves import training_curves
    from tinynet.viz.receptive_field import format_table, markdown_table, plot_table

    settings = settings_for(epochs, quick, options, full=FULL, quick_settings=QUICK,
                            overridable=("batch_size", "lr", "train_size", "max_frames"),
                            at_least_one=("epochs", "batch_size", "train_size", "max_frames"))
    out_dir = start_run(out_dir, seed)
    x_train, y_train, x_test, y_test = mnist_subsets(settings["train_size"], settings["test_size"], flat=False)
    digits = x_test[one_digit_per_class(y_test)]

    model = build_model()
    layers = conv_activation_layers(model)
    recorder = ActivationRecorder(model, layers, tinynet.tensor(digits))
    recorder.record(0)  # the untrained network: frame 0
    history = {"test_accuracy": []}
    started = time.perf_counter()
    total_steps = _train(model, x_train, y_train, (x_test, y_test), settings, recorder, history)
    train_seconds = time.perf_counter() - started

    steps = len(history.get("loss", []))
    finished = steps > 0 and len(history["test_accuracy"]) * (total_steps // settings["epochs"]) == steps
    test_accuracy = history["test_accuracy"][-1] if finished else accuracy(model, x_test, y_test)
    rows = named_receptive_fields(model)
    table = format_table(rows)
    print(f"test accuracy {test_accuracy:.4f} after {steps} steps ({train_seconds:.1f} s)")
    print("receptive fields (input pixels seen by one unit):")
    print(table)

    figures = []
    for name, snapshots in recorder.snapshots.items():
        path = out_dir / f"{name}.gif"
        frames = activation_gif(digits, snapshots, recorder.steps, path, name,
                                max_frames=settings["max_frames"], total_steps=total_steps)
        rf = {row.name: row for row in rows}[name]
        seen = f" Each unit sees a {rf.size[0]}x{rf.size[1]} patch of the input."
        figures.append(Figure(path, f"{name} activations during training",
                              f"{frames} frames from step 0 (untrained) to the last step; top row: the ten "
                              f"test digits; below: one row per channel, tanh output +1 blue, 0 white, -1 red."
                              + seen))
    if steps:
        figures.append(Figure(training_curves(history, out_dir / "curves.png", title="cnn-activations training"),
                              "Loss and accuracy",
                              "Cross-entropy loss of each mini-batch; test accuracy after each epoch (dots)."))
    (out_dir / "receptive_fields.md").write_text(markdown_table(rows), encoding="utf-8")
    figures.append(Figure(plot_table(rows, out_dir / "receptive_fields.png"), "Receptive fields",
                          "How many input pixels one unit of each layer depends on: each 3x3 conv adds 2 "
                          "pixels times the jump (product of the strides so far), so pooling makes later "
                          "layers see much more of the digit."))
    figures.append(Figure(out_dir / "receptive_fields.md", "Receptive-field table (Markdown)",
                          "The same table as text."))
    metrics = {"test_accuracy": test_accuracy, "final_loss": history["loss"][-1] if steps else float("nan"),
               "steps": steps, "train_seconds": round(train_seconds, 2),
               "epochs": settings["epochs"], "train_images": len(x_train)}
    summary = (f"{steps} Adam steps at batch {settings['batch_size']} on {len(x_train)} images; "
               f"test accuracy {test_accuracy:.2%}.")
    return ExampleResult(name=NAME, figures=figures, metrics=metrics, summary=summary)
