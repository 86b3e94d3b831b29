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

from tinynet.examples.prepare import start_run
from tinynet.examples.report import ExampleResult, Figure

NAME = "xor"
SUMMARY = "logistic regression cannot learn XOR; a 2-2-1 sigmoid network can (boundaries, hidden space, loss)"

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
Y = np.array([0, 1, 1, 0], dtype=np.int64)
POINT_NAMES = ["(0,0)", "(0,1)", "(1,0)", "(1,1)"]
FULL = {"steps": 3000, "lr": 1.0, "momentum": 0.9, "restarts": 5}
QUICK = {"steps": 1500, "lr": 1.0, "momentum": 0.9, "restarts": 5}


def add_arguments(parser):
    """xor's options: --lr and --restarts (``--epochs`` is the number of full-batch steps)."""
    parser.add_argument("--lr", type=float, default=None, help=f"SGD learning rate (default {FULL['lr']})")
    parser.add_argument("--restarts", type=int, default=None,
                        help=f"new random starts allowed if the network gets stuck (default {FULL['restarts']})")


def logistic_regression():
    """No hidden layer: p = sigmoid(w1 x1 + w2 x2 + b)."""
    from tinynet import nn

    return nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())


def two_two_one():
    """The 2-2-1 network: h = sigmoid(W1 x + b1), p = sigmoid(w2 . h + b2)."""
    from tinynet import nn

    return nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())


def train(model, steps, lr, momentum, history):
    """Full-batch SGD with momentum on binary cross-entropy; appends each step's loss to history["loss"]."""
    import tinynet
    from tinynet import nn, optim
    from tinynet.data import DataLoader

    loader = DataLoader((X, Y.astype(np.float32).reshape(-1, 1)), batch_size=4)
    optimizer = optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    return tinynet.fit(model, loader, nn.BCELoss(), optimizer, epochs=steps, progress=False, history=history)


def predict(model):
    """P(class 1) for the four XOR points."""
    import tinynet

    with tinynet.no_grad():
        return model(tinynet.Tensor(X)).numpy().reshape(-1)


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
    try:
        train(logistic, settings["steps"], settings["lr"], settings["momentum"], histories["logistic regression"])
        while True:
            histories["2-2-1 network"] = {}
            train(network, settings["steps"], settings["lr"], settings["momentum"], histories["2-2-1 network"])
            solved = np.array_equal(predict(network) > 0.5, Y == 1)
            if solved or attempts > settings["restarts"]:
                break
            print(f"the 2-2-1 network got stuck (a local minimum); restarting from new random weights "
                  f"(attempt {attempts + 1})")
            attempts += 1
            network = two_two_one()
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

    figures = []
    fig = viz.style.new_figure(9.0, 4.2)
    viz.draw_decision_boundary(fig.add_subplot(1, 2, 1), logistic, X, Y, margin=0.4,
                               title=f"logistic regression ({accuracy_logistic:.0%} right)")
    viz.draw_decision_boundary(fig.add_subplot(1, 2, 2), network, X, Y, margin=0.4,
                               title=f"2-2-1 sigmoid network ({accuracy_network:.0%} right)")
    path = viz.savefig(fig, out_dir / "boundaries.png")
    figures.append(Figure(path, "Decision boundaries in input space",
                          "Background: P(class 1), blue above 0.5, red below, white = unsure; black line: P = 0.5.  "
                          "Logistic regression can only draw one straight line, and every line puts an XOR point "
                          "on the wrong side, so its best answer is p = 0.5 everywhere (white).  The hidden layer "
                          "lets the network carve out a band."))

    hidden = viz.capture_activations(network, X, ["1"])["1"]
    output_layer = network[2]
    path = viz.hidden_space(hidden, Y, out_dir / "hidden_space.png", output_weight=output_layer.weight,
                            output_bias=output_layer.bias, point_labels=POINT_NAMES,
                            title="the four points in the hidden layer's space")
    print("hidden activations (h1, h2):", ", ".join(f"{n} -> ({h[0]:.2f}, {h[1]:.2f})"
                                                   for n, h in zip(POINT_NAMES, hidden)))
    figures.append(Figure(path, "The hidden layer makes XOR linearly separable",
                          "Each point is placed at its two hidden activations (h1, h2).  Here one straight "
                          "line -- the output unit's w . h + b = 0, drawn in black -- separates the classes."))

    trained = {label: h for label, h in histories.items() if h.get("loss")}  # Ctrl-C may leave one empty
    if trained:
        path = viz.training_curves(trained, out_dir / "loss.png", title="binary cross-entropy while training",
                                   smooth=1)
        figures.append(Figure(path, "Loss curves",
                              "Logistic regression stalls near ln 2 = 0.693 (a coin flip on some points); the "
                              "network's loss falls towards 0 once its hidden units find the right features."))

    metrics = {"logistic_accuracy": accuracy_logistic, "network_accuracy": accuracy_network,
               "network_attempts": attempts, "steps": settings["steps"], "interrupted": interrupted,
               "logistic_final_loss": _last(histories["logistic regression"]),
               "network_final_loss": _last(histories["2-2-1 network"])}
    summary = (f"logistic regression gets {accuracy_logistic:.0%} of XOR right, the 2-2-1 network "
               f"{accuracy_network:.0%}.")
    return ExampleResult(name=NAME, figures=figures, metrics=metrics, summary=summary)


def _last(history):
    """The final loss of a history, or NaN if training never ran."""
    losses = history.get("loss") or [float("nan")]
    return losses[-1]
