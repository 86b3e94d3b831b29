"""xor: why hidden layers exist.

XOR of two bits is 1 when exactly one bit is 1.  Its four points cannot be
split by one straight line, so logistic regression, p = sigmoid(w . x + b),
whose decision boundary w . x + b = 0 is a straight line, gets at most 3 of
the 4 right.  A 2-2-1 sigmoid network first maps each input to two hidden
activations h = sigmoid(W1 x + b1); in that new 2-D space the four points
*are* linearly separable, and the output unit draws its straight line there.

Both models are trained full-batch (all four points every step) with SGD
and momentum on the binary cross-entropy.  A 2-2-1 network sometimes gets
stuck in a local minimum; the example then restarts from new random weights
(it says so) -- a real property of small networks worth seeing.
"""

import numpy as np

from tinynet.examples.options import non_negative_int, positive_float
from tinynet.examples.prepare import start_run
from tinynet.examples.report import ExampleResult, Figure, Plane, Section, Series, StepPlayer

NAME = "xor"
SUMMARY = "logistic regression cannot learn XOR; a 2-2-1 sigmoid network can (boundaries, hidden space, loss)"

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
Y = np.array([0, 1, 1, 0], dtype=np.int64)
POINT_NAMES = ["(0,0)", "(0,1)", "(1,0)", "(1,1)"]
FULL = {"steps": 3000, "lr": 1.0, "momentum": 0.9, "restarts": 5}
QUICK = {"steps": 1500, "lr": 1.0, "momentum": 0.9, "restarts": 5}
FRAMES = 300  # hidden-space snapshots kept for the step slider (evenly spaced over training)


def key_numbers(m):
    """This run's numbers, in words."""
    right_logistic, right_network = round(4 * m["logistic_accuracy"]), round(4 * m["network_accuracy"])
    low, high = min(m["logistic_outputs"]), max(m["logistic_outputs"])
    outputs = f"{low:.2f} for every point" if f"{low:.2f}" == f"{high:.2f}" else f"between {low:.2f} and {high:.2f}"
    lines = [f"Logistic regression gets {right_logistic} of the 4 points right; its output is {outputs}, and its "
             f"loss ends at {m['logistic_final_loss']:.2f} (ln 2 = 0.69 is the loss of answering 0.5 every time).",
             f"The 2-2-1 network gets {right_network} of the 4 points right; its loss ends at "
             f"{m['network_final_loss']:.4f} after {m['steps']:,} steps."]
    if m["network_attempts"] > 1:
        lines.append(f"It took {m['network_attempts']} random starts: the earlier ones got stuck in a local minimum, "
                     "a real property of small networks.")
    return lines


def look_for(m):
    """What to look for in this run's figures."""
    hidden = np.asarray(m["hidden_points"])
    lines = []
    if max(abs(p - 0.5) for p in m["logistic_outputs"]) < 0.1:
        lines.append("Left picture: logistic regression's background is almost white everywhere. Its best straight "
                     "line is no line at all: it answers about 0.5 for every point.")
    else:
        lines.append("Left picture: logistic regression's straight boundary leaves some points on the wrong side.")
    if m["network_accuracy"] == 1.0:
        lines.append("Right picture: the network's blue (class 1) region holds (0,1) and (1,0) and leaves out "
                     "(0,0) and (1,1) -- no single straight line can do that.")
        lines.append("In the hidden space the class-1 points sit at "
                     + " and ".join(f"({h[0]:.2f}, {h[1]:.2f})" for h, y in zip(hidden, Y) if y == 1)
                     + ", the class-0 points at "
                     + " and ".join(f"({h[0]:.2f}, {h[1]:.2f})" for h, y in zip(hidden, Y) if y == 0)
                     + ": there one straight line separates them.")
    if m["hidden_spread_end"] > m["hidden_spread_start"]:
        lines.append(f"Drag the slider to step 0: the four hidden points start bunched together (at most "
                     f"{m['hidden_spread_start']:.2f} apart) and training spreads them to {m['hidden_spread_end']:.2f} "
                     "apart, until the line can fall between the classes.")
    return lines


SECTION = Section(
    title="Why one hidden layer solves XOR",
    takeaway="No straight line separates XOR; a hidden layer moves the points until one does.",
    lesson="""XOR of two bits is 1 when exactly one bit is 1. Logistic regression, p = sigmoid(w . x + b), \
decides with one straight line, w . x + b = 0, and no line puts (0,1) and (1,0) on one side and (0,0) and (1,1) \
on the other.

A 2-2-1 network first maps each point to two hidden activations, h = sigmoid(W1 x + b1). The output unit still \
draws one straight line -- but in the hidden space, and training moves the points there until the line works. \
Both models train full-batch with SGD and momentum on the binary cross-entropy.""",
    docs="lessons.md#xor-why-a-hidden-layer",
    key_numbers=key_numbers,
    look_for=look_for,
)


def add_arguments(parser):
    """xor's options: --lr and --restarts (``--epochs`` is the number of full-batch steps)."""
    parser.add_argument("--lr", type=positive_float, default=None, help=f"SGD learning rate (default {FULL['lr']})")
    parser.add_argument("--restarts", type=non_negative_int, default=None,
                        help=f"new random starts allowed if the network gets stuck (default {FULL['restarts']})")


def logistic_regression():
    """No hidden layer: p = sigmoid(w1 x1 + w2 x2 + b)."""
    from tinynet import nn

    return nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())


def two_two_one():
    """The 2-2-1 network: h = sigmoid(W1 x + b1), p = sigmoid(w2 . h + b2)."""
    from tinynet import nn

    return nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())


def train(model, steps, lr, momentum, history, on_step=None):
    """Full-batch SGD with momentum on binary cross-entropy; appends each step's loss to history["loss"]."""
    import tinynet
    from tinynet import nn, optim
    from tinynet.data import DataLoader

    loader = DataLoader((X, Y.astype(np.float32).reshape(-1, 1)), batch_size=4)
    optimizer = optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    return tinynet.fit(model, loader, nn.BCELoss(), optimizer, epochs=steps, progress=False, history=history,
                       on_step=on_step)


def hidden_and_line(network):
    """(the four points' hidden activations (h1, h2), the output unit's line (w1, w2, b)) of a 2-2-1 network."""
    import tinynet

    with tinynet.no_grad():
        hidden = network[1](network[0](tinynet.tensor(X))).numpy()
    w = network[2].weight.numpy().reshape(-1)
    return hidden, (float(w[0]), float(w[1]), float(network[2].bias.numpy().reshape(-1)[0]))


class HiddenSpaceRecorder:
    """After every ``every``-th step (and at step 0), keep the hidden points and the output line."""

    def __init__(self, network, every):
        self.network, self.every = network, every
        self.steps, self.points, self.lines, self.losses = [], [], [], []
        self.record(0, None)

    def record(self, step, loss):
        if step % self.every:
            return
        hidden, line = hidden_and_line(self.network)
        self.steps.append(step)
        self.points.append(hidden.tolist())
        self.lines.append(line)
        self.losses.append(loss)


def spread(points):
    """The largest distance between two of the points."""
    points = np.asarray(points, dtype=float)
    return float(np.max(np.linalg.norm(points[:, None] - points[None], axis=-1)))


def predict(model):
    """P(class 1) for the four XOR points."""
    import tinynet

    with tinynet.no_grad():
        return model(tinynet.tensor(X)).numpy().reshape(-1)


def _settings(epochs, quick, options):
    settings = dict(QUICK if quick else FULL)
    if epochs is not None:
        settings["steps"] = int(epochs)
    for key in ("lr", "restarts"):
        if options.get(key) is not None:
            settings[key] = options[key]
    return settings


def run(out_dir, *, epochs=None, seed=0, quick=False, **options):
    """Train both models on XOR and draw the boundaries, the hidden space and the loss curves.

    ``epochs`` is the number of full-batch training steps per model.
    """
    from tinynet import viz

    settings = _settings(epochs, quick, options)
    out_dir = start_run(out_dir, seed)
    histories = {"logistic regression": {}, "2-2-1 network": {}}
    logistic = logistic_regression()
    network = two_two_one()
    attempts = 1
    interrupted = False
    recorder = HiddenSpaceRecorder(network, max(1, settings["steps"] // FRAMES))
    try:
        train(logistic, settings["steps"], settings["lr"], settings["momentum"], histories["logistic regression"])
        while True:
            histories["2-2-1 network"] = {}
            train(network, settings["steps"], settings["lr"], settings["momentum"], histories["2-2-1 network"],
                  on_step=recorder.record)
            solved = np.array_equal(predict(network) > 0.5, Y == 1)
            if solved or attempts > settings["restarts"]:
                break
            print(f"the 2-2-1 network got stuck (a local minimum); restarting from new random weights "
                  f"(attempt {attempts + 1})")
            attempts += 1
            network = two_two_one()
            recorder = HiddenSpaceRecorder(network, recorder.every)  # the page shows the run that counts
    except KeyboardInterrupt:
        interrupted = True
        print("stopped by Ctrl-C; writing figures so far")

    p_logistic, p_network = predict(logistic), predict(network)
    accuracy_logistic = float(np.mean((p_logistic > 0.5) == (Y == 1)))
    accuracy_network = float(np.mean((p_network > 0.5) == (Y == 1)))
    print("point   target  logistic  2-2-1 network")
    for name, target, a, b in zip(POINT_NAMES, Y, p_logistic, p_network):
        print(f"{name}    {target}      {a:.3f}     {b:.3f}")
    print(f"logistic regression: {accuracy_logistic:.0%} right -- any straight line gets a point wrong, so its "
          f"lowest-loss answer is to sit on the fence (p near 0.5 everywhere)")
    print(f"2-2-1 network:       {accuracy_network:.0%} right")

    on_the_fence = bool(np.all(np.abs(p_logistic - 0.5) < 0.1))
    logistic_text = ("every straight line puts an XOR point on the wrong side, so its lowest-loss answer is "
                     "p close to 0.5 everywhere (white)" if on_the_fence else
                     f"its one straight line leaves {int(round(4 * (1 - accuracy_logistic)))} of the 4 points on "
                     "the wrong side")
    figures = []
    fig = viz.style.new_figure(9.0, 4.2)
    viz.draw_decision_boundary(fig.add_subplot(1, 2, 1), logistic, X, Y, margin=0.4,
                               title=f"logistic regression ({accuracy_logistic:.0%} right)")
    viz.draw_decision_boundary(fig.add_subplot(1, 2, 2), network, X, Y, margin=0.4,
                               title=f"2-2-1 sigmoid network ({accuracy_network:.0%} right)")
    path = viz.savefig(fig, out_dir / "boundaries.png")
    figures.append(Figure(path, "Decision boundaries in input space",
                          "Background: P(class 1), blue above 0.5, red below, white = unsure; black line: P = 0.5.  "
                          f"Logistic regression can only draw one straight line: {logistic_text}.  "
                          + ("The hidden layer lets the network draw a boundary that no single line can: its blue "
                             "(class 1) region holds both class-1 points, its red region both class-0 points."
                             if accuracy_network == 1.0 else
                             f"In this run the network, too, gets only {accuracy_network:.0%} right.")))

    hidden, line = hidden_and_line(network)
    path = viz.hidden_space(hidden, Y, out_dir / "hidden_space.png", output_weight=network[2].weight,
                            output_bias=network[2].bias, point_labels=POINT_NAMES,
                            title="the four points in the hidden layer's space")
    print("hidden activations (h1, h2):", ", ".join(f"{n} -> ({h[0]:.2f}, {h[1]:.2f})"
                                                   for n, h in zip(POINT_NAMES, hidden)))
    separated = accuracy_network == 1.0
    figures.append(StepPlayer(
        "The hidden layer makes XOR linearly separable, step by step",
        "Each point is placed at its two hidden activations (h1, h2); the black line is where the output unit "
        "says 50/50 (w1 h1 + w2 h2 + b = 0), blue shading the side it calls class 1. "
        + ("At the last step one straight line separates the classes." if separated else
           "In this run no line separates them at the last step."),
        steps=recorder.steps,
        planes=[Plane("hidden space of the 2-2-1 network", recorder.points, Y.tolist(), POINT_NAMES, recorder.lines,
                      x_label="hidden unit 1, h1", y_label="hidden unit 2, h2")],
        series=[Series("loss", recorder.losses, digits=4)]))
    figures.append(Figure(path, "The hidden space after training (PNG)",
                          "The last frame of the slider above, as a picture to keep.", shown=False))

    trained = {label: h for label, h in histories.items() if h.get("loss")}  # Ctrl-C may leave one empty
    logistic_loss, network_loss = _last(histories["logistic regression"]), _last(histories["2-2-1 network"])
    if trained:
        path = viz.training_curves(trained, out_dir / "loss.png", title="binary cross-entropy while training",
                                   smooth=1)
        figures.append(Figure(path, "Loss curves",
                              f"Logistic regression ends at {logistic_loss:.3f}"
                              + (" -- ln 2 = 0.693, the loss of answering 0.5 for every point" if
                                 abs(logistic_loss - np.log(2)) < 0.02 else "")
                              + f"; the network's loss ends at {network_loss:.4f}."))

    metrics = {"logistic_accuracy": accuracy_logistic, "network_accuracy": accuracy_network,
               "network_attempts": attempts, "steps": settings["steps"], "interrupted": interrupted,
               "logistic_final_loss": logistic_loss, "network_final_loss": network_loss,
               "logistic_outputs": [float(p) for p in p_logistic], "network_outputs": [float(p) for p in p_network],
               "hidden_points": hidden.tolist(), "hidden_spread_start": spread(recorder.points[0]),
               "hidden_spread_end": spread(recorder.points[-1])}
    summary = (f"logistic regression gets {accuracy_logistic:.0%} of XOR right, the 2-2-1 network "
               f"{accuracy_network:.0%}.")
    return ExampleResult(name=NAME, figures=figures, metrics=metrics, summary=summary, interrupted=interrupted)


def _last(history):
    """The final loss of a history, or NaN if training never ran."""
    losses = history.get("loss") or [float("nan")]
    return losses[-1]
