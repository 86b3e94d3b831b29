"""cnn-activations: watch the feature maps of a small tanh CNN take shape while it learns MNIST.

The network: six 3x3 convolutions (padding 1, tanh; 4, 4, 8, 8, 16, 16 channels) with 2x2 max
pooling after the 2nd and the 4th, then dense layers 16*7*7 -> 64 -> 32 -> 10.  Adam.

After every training step the example runs ten fixed test digits (one per class) through the
network under ``no_grad``; forward hooks catch each conv layer's tanh output, and the output says
what the network answers for each digit at that step.  The tour page shows every recorded step
with one slider (sprite sheets, ``tinynet.viz.sprites``); each layer is also written as an
animated GIF: the digits on top, one row per channel, +1 blue, 0 white, -1 red.  The
receptive-field table says how many input pixels one unit of each layer can see.
"""

import time
from dataclasses import replace

import numpy as np

from tinynet.examples.options import positive_float, positive_int
from tinynet.examples.prepare import mnist_subsets, settings_for, start_run
from tinynet.examples.report import ColourKey, ExampleResult, Figure, Section, Series, Sprite, StepPlayer, Table

NAME = "cnn-activations"
SUMMARY = "a 6-conv tanh CNN on MNIST; every conv layer's activation maps over training (slider page and GIFs)"

CHANNELS = (4, 4, 8, 8, 16, 16)
POOL_AFTER = (2, 4)  # 2x2 max pooling after these conv layers (1-based)
FULL = {"epochs": 5, "batch_size": 1024, "lr": 3e-3, "train_size": 60000, "test_size": 10000, "max_frames": 40}
QUICK = {"epochs": 1, "batch_size": 100, "lr": 1e-2, "train_size": 2000, "test_size": 1000, "max_frames": 8}
TOUR = {"epochs": 1, "batch_size": 256}  # 235 steps over all 60,000 images: about 97 % in a few seconds
MAX_RECORDED = 600  # longer runs are recorded every k-th step, so that memory and the page stay small
PITCH = 32          # screen pixels from one map to the next on the page (28x28 maps drawn 1:1, 7x7 ones 4x)


def key_numbers(m):
    """This run's numbers, in words."""
    passes = "one pass" if m["epochs"] == 1 else f"{m['epochs']} passes"
    return [f"After {m['steps']:,} steps ({passes} over {m['train_images']:,} training images, "
            f"{m['batch_size']} at a time) the CNN recognises {m['test_accuracy']:.1%} of the "
            f"{m['test_images']:,} test digits.",
            f"Its loss falls from {m['first_loss']:.2f} at the first step to {m['last_loss']:.3f} "
            f"(mean of the last 20 steps); training took {m['train_seconds']:.0f} s."]


def look_for(m):
    """What to look for in this run's pictures."""
    faint = m["mean_abs_conv6_start"] < 0.5 * m["mean_abs_conv6_end"]
    lines = [f"Move the slider to step 0: the untrained network answers {m['ten_right_start']} of the ten sample "
             "digits right" + (", and its deep maps are faint." if faint else ".")]
    if m["all_ten_right_step"] is not None:
        lines.append(f"It first gets all ten sample digits right at step {m['all_ten_right_step']} (the answers "
                     "beside the digits turn green)"
                     + (f"; at the last step it gets {m['ten_right_end']} of the ten right." if m["ten_right_end"] < 10
                        else " and keeps them right to the end." if m["ten_right_from"] == m["all_ten_right_step"]
                        else f", and from step {m['ten_right_from']} on it keeps all ten right."))
    for layer in ("conv1", "conv6"):
        start, end = m[f"mean_abs_{layer}_start"], m[f"mean_abs_{layer}_end"]
        if end > 1.2 * start:
            lines.append(f"The colours of {layer} grow stronger as it trains: its average |tanh output| goes from "
                         f"{start:.2f} at step 0 to {end:.2f}.")
    lines.append(f"conv1's maps still look like the digit (each of its units sees only {m['conv1_sees']}x"
                 f"{m['conv1_sees']} pixels: edges and strokes); conv6's 7x7 maps do not -- each of its units sees "
                 f"{m['conv6_sees']}x{m['conv6_sees']} pixels, the whole digit, and answers a question about it.")
    return lines


SECTION = Section(
    title="What the layers of a convolutional network see",
    takeaway="Early conv layers detect edges and strokes; after pooling, deep layers answer questions about the "
             "whole digit.",
    lesson="""A convolution slides one small filter (here 3x3) over the whole image, so the same stroke detector \
works everywhere. Stacking them, with 2x2 max pooling between, lets each layer see a larger patch of the input: \
a unit of the first layer sees 3x3 pixels, one of the last sees the whole digit.

Below, every conv layer of a six-layer tanh CNN for ten test digits, recorded after every training step. One \
slider moves all six layers together, so you can watch the features form.""",
    docs="lessons.md#what-the-layers-of-a-cnn-see",
    key_numbers=key_numbers,
    look_for=look_for,
)


def add_arguments(parser):
    """Options beyond the common ones (--epochs, --seed, --out)."""
    parser.add_argument("--batch-size", type=positive_int, default=None, help=f"default {FULL['batch_size']}")
    parser.add_argument("--lr", type=positive_float, default=None, help=f"Adam learning rate (default {FULL['lr']})")
    parser.add_argument("--train-size", type=positive_int, default=None,
                        help="train on the first N training images (default all 60000)")
    parser.add_argument("--max-frames", type=positive_int, default=None,
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


class StepRecorder:
    """After every ``every``-th step: each watched layer's maps (float16) and the softmax answers
    for a few fixed images, run in eval mode without a graph; forward hooks catch the maps."""

    def __init__(self, model, layers, images, every=1):
        import tinynet

        self.model, self.layers, self.every = model, dict(layers), every
        self.images = tinynet.tensor(images)
        self.steps, self.probabilities = [], []
        self.maps = {name: [] for name in self.layers}

    def record(self, step):
        import tinynet

        if step % self.every:
            return
        caught = {}
        handles = [module.register_forward_hook(lambda module, inputs, output, name=name:
                                                caught.__setitem__(name, output.numpy().astype(np.float16)))
                   for name, module in self.layers.items()]
        self.model.eval()
        try:
            with tinynet.no_grad():
                logits = self.model(self.images).numpy().astype(np.float64)
        finally:
            for handle in handles:
                handle.remove()
            self.model.train()
        for name in self.layers:
            self.maps[name].append(caught[name])
        shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        self.probabilities.append(shifted / shifted.sum(axis=1, keepdims=True))
        self.steps.append(step)


def _train(model, x_train, y_train, test_set, settings, recorder, history):
    """Adam with ``tinynet.fit``; records every step, the batch accuracy, and the test accuracy per epoch.

    Returns True if training finished, False if Ctrl-C stopped it."""
    import tinynet
    from tinynet import optim
    from tinynet.data import DataLoader
    from tinynet.nn import functional as F

    loader = DataLoader((x_train, y_train), batch_size=settings["batch_size"], shuffle=True)
    optimizer = optim.Adam(model.parameters(), lr=settings["lr"])
    steps_per_epoch = len(loader)

    def loss_and_accuracy(logits, target):
        """The cross-entropy; on the side, the fraction of the batch the network got right."""
        right = logits.numpy().argmax(axis=1) == target.numpy()
        history["batch_accuracy"].append(float(right.mean()))
        return F.cross_entropy(logits, target)

    def after_step(step, loss):
        recorder.record(step)
        if step % steps_per_epoch == 0:
            history["test_accuracy"].append(accuracy(model, *test_set))

    try:
        tinynet.fit(model, loader, loss_and_accuracy, optimizer, epochs=settings["epochs"], on_step=after_step,
                    history=history)
    except KeyboardInterrupt:
        print("\nstopped by Ctrl-C; writing figures so far", flush=True)
        return False
    for epoch, value in enumerate(history["test_accuracy"], start=1):
        print(f"epoch {epoch}: test accuracy {value:.4f}")
    return True


def activations_player(recorder, digits, receptive, history, out_dir):
    """The step player: the ten digits with the network's answers, and every conv layer's maps."""
    from tinynet.viz.sprites import tile, write_ink_picture, write_sprite

    answers = []
    for probabilities in recorder.probabilities:
        guess = probabilities.argmax(axis=1)
        answers.append([[f"\u2192 {g} ({probabilities[d, g]:.0%})", "right" if g == d else "wrong"]
                        for d, g in enumerate(guess)])
    height, width = write_ink_picture(digits.reshape(10, 1, 28, 28), out_dir / "sample_digits.png", PITCH - 28)
    digits_sprite = Sprite("input", out_dir / "sample_digits.png", width, height, 1, 1, 1.0,
                           note="its answer, how sure", row_labels=answers, row_pitch=PITCH)
    sprites = [digits_sprite]
    for name, maps in recorder.maps.items():
        size = maps[0].shape[-1]
        scale = 28 // size
        frames = np.stack([tile(frame, PITCH // scale - size) for frame in maps])  # (T, 10 digits, C, h, w) tiled
        per_row = write_sprite(frames, out_dir / f"{name}_steps.png")
        rf = receptive[name]
        sprite = Sprite(name, out_dir / f"{name}_steps.png", frames.shape[2], frames.shape[1], len(frames), per_row,
                        scale, note=f"{maps[0].shape[1]} maps of {size}x{size}; a unit sees {rf}x{rf} px")
        if name == "conv5":  # the last two layers start a second row, with the digits again
            sprites.append(replace(digits_sprite, new_row=True))
        sprites.append(sprite)
    losses = [None] + history["loss"]
    batch = [None] + history["batch_accuracy"]
    every = recorder.every
    return StepPlayer(
        "Every conv layer, step by step",
        f"Columns: the channels of each layer; rows: the ten sample test digits, whose inputs and the network's "
        f"answers are on the left. Recorded after {'every step' if every == 1 else f'every {every} steps'}; "
        "loss and accuracy are those of that step's training batch.",
        recorder.steps, sprites=sprites,
        series=[Series("loss", [losses[s] for s in recorder.steps], digits=3),
                Series("batch accuracy", [batch[s] for s in recorder.steps], digits=0, percent=True)],
        key=ColourKey(-1, 1, "tanh output"))


def receptive_table(rows):
    """The receptive-field rows as a page Table with its columns explained."""
    from tinynet.viz.receptive_field import format_pair as _fmt

    return Table("How much of the digit one unit sees",
                 "One row per conv and pooling layer, in order (all sizes in input pixels).",
                 ["layer", "kind", "kernel", "stride", "receptive field", "jump", "first centre"],
                 [[r.name, r.kind, _fmt(r.kernel), _fmt(r.stride), f"{_fmt(r.size)} x {_fmt(r.size)}", _fmt(r.jump),
                   _fmt(r.start)] for r in rows],
                 {"receptive field": "how many input pixels (per side) one unit of this layer depends on: each 3x3 "
                                     "conv adds 2 x jump, each 2x2 pooling adds 1 x jump",
                  "jump": "how many input pixels apart two neighbouring units of this layer are: the product of "
                          "the strides so far (pooling doubles it)",
                  "first centre": "the input pixel at the centre of the first unit's field (0 = the first pixel; "
                                  ".5 = between two pixels)"})


def _mean_abs(maps):
    return float(np.abs(np.asarray(maps, dtype=np.float32)).mean())


def run(out_dir, *, epochs=None, seed=0, quick=False, **options):
    """Train the CNN; write the step player's sprite sheets, one GIF per conv layer, curves and the
    receptive-field table.  options: batch_size, lr, train_size, max_frames (None = default)."""
    from tinynet.viz.animation import activation_gif
    from tinynet.viz.curves import training_curves
    from tinynet.viz.receptive_field import format_table, markdown_table

    settings = settings_for(epochs, quick, options, full=FULL, quick_settings=QUICK,
                            overridable=("batch_size", "lr", "train_size", "max_frames"),
                            at_least_one=("epochs", "batch_size", "train_size", "max_frames"))
    out_dir = start_run(out_dir, seed)
    x_train, y_train, x_test, y_test = mnist_subsets(settings["train_size"], settings["test_size"], flat=False)
    digits = x_test[one_digit_per_class(y_test)]

    model = build_model()
    total_steps = settings["epochs"] * -(-len(x_train) // settings["batch_size"])
    recorder = StepRecorder(model, conv_activation_layers(model), digits, every=-(-total_steps // MAX_RECORDED))
    recorder.record(0)  # the untrained network: frame 0
    history = {"test_accuracy": [], "batch_accuracy": []}
    started = time.perf_counter()
    finished = _train(model, x_train, y_train, (x_test, y_test), settings, recorder, history)
    train_seconds = time.perf_counter() - started

    steps = len(history.get("loss", []))
    test_accuracy = history["test_accuracy"][-1] if finished else accuracy(model, x_test, y_test)
    rows = named_receptive_fields(model)
    receptive = {row.name: row.size[0] for row in rows}
    print(f"test accuracy {test_accuracy:.4f} after {steps} steps ({train_seconds:.1f} s)")
    print("receptive fields (input pixels seen by one unit):")
    print(format_table(rows))

    figures = [activations_player(recorder, digits, receptive, history, out_dir)]
    if steps:
        figures.append(Figure(training_curves(history, out_dir / "curves.png", title="cnn-activations training"),
                              "Loss and test accuracy",
                              "Cross-entropy of each mini-batch (faint) and its running mean; test accuracy on all "
                              f"{len(y_test):,} test digits after each epoch (dots, right axis)."))
    figures.append(receptive_table(rows))
    (out_dir / "receptive_fields.md").write_text(markdown_table(rows), encoding="utf-8")
    for name, maps in recorder.maps.items():
        path = out_dir / f"{name}.gif"
        frames = activation_gif(digits, maps, recorder.steps, path, name, max_frames=settings["max_frames"],
                                total_steps=total_steps)
        figures.append(Figure(path, f"{name} as an animated GIF", f"{frames} frames from step 0 to the last step; "
                              "the digits on top, one row per channel.", shown=False))
    figures.append(Figure(out_dir / "receptive_fields.md", "The receptive-field table", "As Markdown.", shown=False))

    right = [int(np.sum(p.argmax(axis=1) == np.arange(10))) for p in recorder.probabilities]
    all_right = next((step for step, r in zip(recorder.steps, right) if r == 10), None)
    wrong_after = [step for step, r in zip(recorder.steps, right) if r < 10]
    right_from = None if right[-1] < 10 else (recorder.steps[recorder.steps.index(wrong_after[-1]) + 1]
                                               if wrong_after else 0)
    metrics = {"test_accuracy": test_accuracy, "test_images": len(y_test), "steps": steps,
               "first_loss": history["loss"][0] if steps else float("nan"),
               "final_loss": history["loss"][-1] if steps else float("nan"),
               "last_loss": float(np.mean(history["loss"][-20:])) if steps else float("nan"),
               "train_seconds": round(train_seconds, 2), "epochs": settings["epochs"],
               "batch_size": settings["batch_size"], "train_images": len(x_train), "recorded_every": recorder.every,
               "ten_right_start": right[0], "ten_right_end": right[-1], "all_ten_right_step": all_right,
               "ten_right_from": right_from,
               "conv1_sees": receptive["conv1"], "conv6_sees": receptive["conv6"]}
    for name, maps in recorder.maps.items():
        metrics[f"mean_abs_{name}_start"], metrics[f"mean_abs_{name}_end"] = _mean_abs(maps[0]), _mean_abs(maps[-1])
    summary = (f"{steps} Adam steps at batch {settings['batch_size']} on {len(x_train)} images; "
               f"test accuracy {test_accuracy:.2%}.")
    return ExampleResult(name=NAME, figures=figures, metrics=metrics, summary=summary, interrupted=not finished)
