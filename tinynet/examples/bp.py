"""bp: the classic back-propagation (BP) network, three ways.

1. A 3-10-10-10-1 sigmoid network (three hidden layers of 10 units) learns
   four 3-bit samples with SGD and momentum: the loss, printed every 500 of
   the 5000 iterations, falls; then it predicts an input it has not seen.

2. The 400-25-10 network, out = sigmoid(sigmoid(X W1) W2) (no biases), on
   20x20 digits: MNIST images shrunk from 28x28 by area averaging.  Its 25
   hidden units' weights are drawn as 20x20 images.

3. One backward pass through a 2-2-2 sigmoid network with the MSE loss,
   printed factor by factor -- dL/dout, dout/dnet, dnet/dw -- and checked
   against tinynet's autograd; then autograd's own pass, traced op by op
   with ``tinynet.trace_backward``.

MNIST: Y. LeCun, C. Cortes, C. J. C. Burges (CC BY-SA 3.0).
"""

import numpy as np

from tinynet.examples.options import positive_int
from tinynet.examples.prepare import start_run
from tinynet.examples.report import BackwardWalk, ExampleResult, Figure, Section, Table

NAME = "bp"
SUMMARY = "the classic BP network: deep sigmoid net on 4 samples, 400-25-10 on 20x20 digits, backprop by hand"

# Part 1: three input bits -> 1 when exactly one of the first two bits is set (XOR, with a third noise bit).
SAMPLES = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float32)
TARGETS = np.array([[0], [1], [1], [0]], dtype=np.float32)
NEW_INPUT = np.array([[1, 0, 0]], dtype=np.float32)

FULL = {"iterations": 5000, "lr": 0.5, "momentum": 0.9, "epochs": 3, "digits_lr": 0.01, "train_size": 60000,
        "test_size": 10000, "batch_size": 100}
QUICK = {"iterations": 5000, "lr": 0.5, "momentum": 0.9, "epochs": 2, "digits_lr": 0.01, "train_size": 3000,
         "test_size": 1000, "batch_size": 50}



def key_numbers(m):
    """This run's numbers, in words."""
    lines = [f"By hand and by autograd, the 2-2-2 network's gradients agree to within "
             f"{m['hand_vs_autograd_max_difference']:.0e} (float64 rounding); the loss is {m['hand_loss']:.4f}."]
    if "final_loss" in m:
        lines.append(f"The 3-10-10-10-1 network's loss falls from {m['first_loss']:.3f} to {m['final_loss']:.5f} in "
                     f"{m['iterations']:,} iterations; for the unseen input [1, 0, 0] it answers "
                     f"{m['new_input_output']:.2f}.")
    if "digits_accuracy" in m:
        lines.append(f"The 400-25-10 network recognises {m['digits_accuracy']:.0%} of the test digits (shrunk to "
                     "20x20 pixels).")
    return lines


def look_for(m):
    """What to look for in this run's figures."""
    shrink = m["gradient_norm_at_output"] / max(m["gradient_norm_at_hidden_input"], 1e-300)
    lines = ["Press next op and follow one number: the gradient into each op (its dL/d(output)) times the op's "
             "local derivative is the gradient it passes on. That product, repeated, is the chain rule.",
             f"The gradient shrinks on its way back: its size is {m['gradient_norm_at_output']:.3f} where it leaves "
             f"the loss and {m['gradient_norm_at_hidden_input']:.4f} when it reaches the first layer, {shrink:.0f} "
             "times smaller -- each sigmoid multiplies it by s (1 - s), never more than 0.25.",
             "The Linear rows end at the leaves: dL/d(0.weight) and dL/d(2.weight) are what lands in .grad, and "
             "they are the last column of the by-hand table."]
    if "plateau_iterations" in m and m["plateau_iterations"] > 0.05 * m["iterations"]:
        lines.append(f"In the deep network's loss curve, the loss stays above half its starting value for the first "
                     f"{m['plateau_iterations']:,} iterations: the gradients that pass back through three sigmoid "
                     "layers are small (they vanish), so the weights move slowly at first.")
    return lines


SECTION = Section(
    title="Backpropagation is the chain rule, one op at a time",
    takeaway="Each op multiplies the gradient flowing back by its own local derivative; that is all backward does.",
    lesson="""A network is a chain of simple ops. To learn, it needs dL/dw for every weight w: how the loss L \
changes when w moves. The chain rule says that gradient is the product of the local derivatives along the way \
back from L to w, so backward visits the ops from the loss back to the inputs, and each op turns the gradient of \
its output into the gradients of its inputs.

Below, a 2-2-2 sigmoid network with the squared-error loss: first the backward pass exactly as tinynet's autograd \
ran it, op by op, then the same gradients multiplied out by hand. Then the classic BP network: a 3-10-10-10-1 \
sigmoid network learning four samples, and a 400-25-10 network on small digits.""",
    docs="backprop-by-hand.md#3-a-2-2-2-network-every-number",
    key_numbers=key_numbers,
    look_for=look_for,
)


def add_arguments(parser):
    """bp's options (``--epochs`` sets the epochs of the 400-25-10 digit network)."""
    parser.add_argument("--iterations", type=positive_int, default=None,
                        help=f"training iterations of the 3-10-10-10-1 network (default {FULL['iterations']})")
    parser.add_argument("--train-size", type=positive_int, default=None, help="train the digit network on N images")


# ---------------------------------------------------------------------------- part 1

def deep_sigmoid_network():
    """3 inputs -> 10 -> 10 -> 10 sigmoid hidden units -> 1 sigmoid output."""
    from tinynet import nn

    return nn.Sequential(nn.Linear(3, 10), nn.Sigmoid(), nn.Linear(10, 10), nn.Sigmoid(),
                         nn.Linear(10, 10), nn.Sigmoid(), nn.Linear(10, 1), nn.Sigmoid())


def train_four_samples(settings):
    """Full-batch SGD with momentum on the MSE; prints the loss every 500 iterations; returns (model, history)."""
    import tinynet
    from tinynet import nn, optim
    from tinynet.data import DataLoader

    model = deep_sigmoid_network()
    optimizer = optim.SGD(model.parameters(), lr=settings["lr"], momentum=settings["momentum"])

    def report(step, loss):
        """Print the loss at iteration 1 and every 500th."""
        if step % 500 == 0 or step == 1:
            print(f"  iteration {step:5d}  loss {loss:.6f}")

    history = {}
    print(f"1. 3-10-10-10-1 sigmoid network, SGD lr {settings['lr']} momentum {settings['momentum']}, "
          f"{settings['iterations']} iterations on 4 samples (MSE)")
    loader = DataLoader((SAMPLES, TARGETS), batch_size=4)
    tinynet.fit(model, loader, nn.MSELoss(), optimizer, epochs=settings["iterations"], on_step=report,
                progress=False, history=history)
    return model, history


def predict(model, x):
    """The model's output for numpy inputs x, as numpy."""
    import tinynet

    with tinynet.no_grad():
        return model(tinynet.tensor(x)).numpy()


# ---------------------------------------------------------------------------- part 2

def area_resize_matrix(old, new):
    """R (new x old) with R[i, j] = overlap of output cell i with input pixel j, divided by the cell width.

    Output pixel i covers input coordinates [i*s, (i+1)*s) with s = old/new;
    averaging over that area weights each input pixel by its overlap.  For
    an image A, R @ A @ R.T is the resized image; each row of R sums to 1.
    """
    scale = old / new
    starts = np.arange(new)[:, None] * scale
    ends = starts + scale
    pixel_start = np.arange(old)[None, :]
    overlap = np.clip(np.minimum(ends, pixel_start + 1) - np.maximum(starts, pixel_start), 0.0, None)
    return (overlap / scale).astype(np.float32)


def resize_images(images, size=20):
    """(N, H, W) square images -> (N, size, size) by area averaging."""
    matrix = area_resize_matrix(images.shape[-1], size)
    return np.einsum("ij,njk,lk->nil", matrix, images, matrix, optimize=True)


def digit_network():
    """400 -> 25 sigmoid -> 10 sigmoid, no biases: out = sigmoid(sigmoid(X W1) W2)."""
    from tinynet import nn

    return nn.Sequential(nn.Linear(400, 25, bias=False), nn.Sigmoid(), nn.Linear(25, 10, bias=False), nn.Sigmoid())


def train_digits(settings, seed):
    """Train the 400-25-10 network with Adam on per-output binary cross-entropy.

    Returns (model, test accuracy, history, whether Ctrl-C stopped it)."""
    import tinynet
    from tinynet import nn, optim
    from tinynet.data import DataLoader, load_mnist

    x_train, y_train = load_mnist("train")
    x_test, y_test = load_mnist("test")
    n_train, n_test = settings["train_size"], settings["test_size"]
    x_train = resize_images(x_train[:n_train, 0]).reshape(-1, 400)
    x_test = resize_images(x_test[:n_test, 0]).reshape(-1, 400)
    y_train, y_test = y_train[:n_train], y_test[:n_test]
    one_hot = np.eye(10, dtype=np.float32)[y_train]  # each sigmoid output unit says "is it my digit?"
    print(f"2. 400-25-10 network, out = sigmoid(sigmoid(X W1) W2), on {n_train} digits shrunk to 20x20")
    model = digit_network()
    optimizer = optim.Adam(model.parameters(), lr=settings["digits_lr"])
    loader = DataLoader((x_train, one_hot), batch_size=settings["batch_size"], shuffle=True, seed=seed)
    history, interrupted = {}, False
    try:
        tinynet.fit(model, loader, nn.BCELoss(), optimizer, epochs=settings["epochs"], history=history)
    except KeyboardInterrupt:
        interrupted = True
        print("stopped by Ctrl-C; writing figures so far")
    accuracy = float(np.mean(predict(model, x_test).argmax(axis=1) == y_test))
    print(f"  test accuracy {accuracy:.2%} on {n_test} test digits")
    return model, accuracy, history, interrupted


# ---------------------------------------------------------------------------- part 3

def sigmoid(z):
    """1 / (1 + e^-z)."""
    return 1.0 / (1.0 + np.exp(-z))


# A 2-2-2 network small enough to follow by hand (float64 so the comparison is exact to ~1e-12).
HAND_X = np.array([0.6, -0.4])
HAND_TARGET = np.array([1.0, 0.0])
HAND_W1 = np.array([[0.3, -0.2], [0.5, 0.1]])   # hidden j <- input i: W1[j, i]
HAND_B1 = np.array([0.1, -0.3])
HAND_W2 = np.array([[0.7, -0.6], [-0.4, 0.2]])  # output k <- hidden j: W2[k, j]
HAND_B2 = np.array([0.05, 0.15])


def backward_by_hand():
    """Forward and backward through the 2-2-2 sigmoid network, printing each chain-rule factor.

    L = mean_k (out_k - t_k)^2 over the 2 outputs, so dL/dout_k = (out_k - t_k).
    out_k = sigmoid(net_k), dout_k/dnet_k = out_k (1 - out_k);
    net_k = sum_j W2[k, j] h_j + b2_k, dnet_k/dW2[k, j] = h_j, dnet_k/dh_j = W2[k, j];
    h_j = sigmoid(z_j), dh_j/dz_j = h_j (1 - h_j); z_j = sum_i W1[j, i] x_i + b1_j, dz_j/dW1[j, i] = x_i.
    Returns the gradients {name: array}, the loss, and the chain rule's "factors" {name: array}.
    """
    print("3. one backward pass of a 2-2-2 sigmoid network, L = mean((out - target)^2)")
    z = HAND_W1 @ HAND_X + HAND_B1
    h = sigmoid(z)
    net = HAND_W2 @ h + HAND_B2
    out = sigmoid(net)
    loss = np.mean((out - HAND_TARGET) ** 2)
    print(f"  forward: x = {HAND_X}, z = W1 x + b1 = {np.round(z, 4)}, h = sigmoid(z) = {np.round(h, 4)}")
    print(f"           net = W2 h + b2 = {np.round(net, 4)}, out = sigmoid(net) = {np.round(out, 4)}, "
          f"target = {HAND_TARGET}, L = {loss:.6f}")
    dL_dout = 2.0 * (out - HAND_TARGET) / out.size
    dout_dnet = out * (1.0 - out)
    delta_out = dL_dout * dout_dnet                      # dL/dnet_k
    grad_W2 = np.outer(delta_out, h)                     # dL/dW2[k, j] = dL/dnet_k * h_j
    print("  output layer, dL/dW2[k,j] = dL/dout_k * dout_k/dnet_k * dnet_k/dW2[k,j]:")
    for k in range(2):
        for j in range(2):
            print(f"    dL/dW2[{k},{j}] = {dL_dout[k]:+.6f} * {dout_dnet[k]:.6f} * {h[j]:.6f} = {grad_W2[k, j]:+.6f}")
    dL_dh = HAND_W2.T @ delta_out                        # sum over the outputs each hidden unit feeds
    dh_dz = h * (1.0 - h)
    delta_hidden = dL_dh * dh_dz                         # dL/dz_j
    grad_W1 = np.outer(delta_hidden, HAND_X)
    print("  hidden layer, dL/dW1[j,i] = (sum_k dL/dnet_k * W2[k,j]) * dh_j/dz_j * dz_j/dW1[j,i]:")
    for j in range(2):
        terms = " + ".join(f"{delta_out[k]:+.6f}*{HAND_W2[k, j]:+.2f}" for k in range(2))
        for i in range(2):
            print(f"    dL/dW1[{j},{i}] = ({terms}) * {dh_dz[j]:.6f} * {HAND_X[i]:+.2f} = {grad_W1[j, i]:+.6f}")
    print(f"  biases: dL/db2 = dL/dnet = {np.round(delta_out, 6)}, dL/db1 = dL/dz = {np.round(delta_hidden, 6)}")
    factors = {"dL_dout": dL_dout, "dout_dnet": dout_dnet, "h": h, "dL_dh": dL_dh, "dh_dz": dh_dz}
    return {"W1": grad_W1, "b1": delta_hidden, "W2": grad_W2, "b2": delta_out, "loss": loss, "factors": factors}


def hand_network():
    """The 2-2-2 network as tinynet Modules (float64), its input, target and loss: (model, x, target, loss)."""
    import tinynet
    from tinynet import nn

    model = nn.Sequential(nn.Linear(2, 2, dtype=np.float64), nn.Sigmoid(),
                          nn.Linear(2, 2, dtype=np.float64), nn.Sigmoid())
    for layer, weight, bias in ((model[0], HAND_W1, HAND_B1), (model[2], HAND_W2, HAND_B2)):
        layer.weight.data[...] = weight
        layer.bias.data[...] = bias
    x, target = tinynet.tensor(HAND_X[None, :]), tinynet.tensor(HAND_TARGET[None, :])
    return model, x, target, nn.MSELoss()(model(x), target)


def hand_network_loss():
    """The 2-2-2 network as tinynet Modules (float64) and its loss on HAND_X: returns (model, loss)."""
    model, _, _, loss = hand_network()
    return model, loss


def backward_by_autograd():
    """The same network built from tinynet Modules (float64); returns autograd's gradients."""
    model, loss = hand_network_loss()
    loss.backward()
    return {"W1": model[0].weight.grad, "b1": model[0].bias.grad, "W2": model[2].weight.grad,
            "b2": model[2].bias.grad, "loss": float(loss.item())}


def trace_autograd_backward(file=None):
    """Run autograd's backward on the 2-2-2 network inside ``tinynet.trace_backward``, printing every op's step.

    Layer 0 is W1/b1 and layer 2 is W2/b2: the gradients printed for
    0.weight, 0.bias, 2.weight, 2.bias are the hand-derived ones above.
    Returns the model (its parameters' .grad filled).
    """
    import tinynet

    model, loss = hand_network_loss()
    print("  the same pass as autograd runs it, op by op (tinynet.trace_backward; 0.* = W1, b1, 2.* = W2, b2):",
          file=file)
    with tinynet.trace_backward(file=file, names=model):
        loss.backward()
    return model


def _as_array(gradient):
    """A gradient as numpy, whether autograd stored it as a Tensor or an array."""
    return np.asarray(gradient.numpy() if hasattr(gradient, "numpy") else gradient)


def check_against_autograd():
    """Compare the hand-derived gradients with autograd's; raises AssertionError if they differ."""
    by_hand, by_autograd = backward_by_hand(), backward_by_autograd()
    for name in ("loss", "W1", "b1", "W2", "b2"):
        np.testing.assert_allclose(_as_array(by_autograd[name]), by_hand[name], rtol=1e-9, atol=1e-12,
                                   err_msg=f"hand-derived dL/d{name} differs from autograd")
    print("  matches autograd (every gradient equal to ~1e-12)")
    return by_hand


# ---------------------------------------------------------------------------- run

def _settings(epochs, quick, options):
    settings = dict(QUICK if quick else FULL)
    if epochs is not None:
        settings["epochs"] = int(epochs)
    for key in ("iterations", "train_size"):
        if options.get(key) is not None:
            settings[key] = int(options[key])
    return settings


def hand_table(gradients):
    """The weight gradients of the 2-2-2 network, factor by factor, as a Table (from ``backward_by_hand``)."""
    f = gradients["factors"]
    rows = []
    for k in range(2):
        for j in range(2):
            rows.append([f"dL/dW2[{k},{j}]", f"{f['dL_dout'][k]:+.5f}", f"{f['dout_dnet'][k]:.5f}",
                         f"h{j} = {f['h'][j]:.5f}", f"{gradients['W2'][k, j]:+.6f}"])
    for j in range(2):
        for i in range(2):
            rows.append([f"dL/dW1[{j},{i}]", f"dL/dh{j} = {f['dL_dh'][j]:+.5f}", f"{f['dh_dz'][j]:.5f}",
                         f"x{i} = {HAND_X[i]:+.2f}", f"{gradients['W1'][j, i]:+.6f}"])
    return Table("The same gradients by hand, factor by factor",
                 "Each weight's gradient is a product of local derivatives along the path from the loss to it "
                 "(backprop-by-hand.md works every number out).  Compare the last column with the .grad rows of "
                 "the table above.",
                 ["gradient", "dL/d(unit output)", "d(output)/d(net input)", "d(net input)/d(weight)", "product"],
                 rows, {"dL/d(unit output)": "how the loss changes with the unit's output: 2 (out - target) / 2 for "
                                             "an output unit; for a hidden unit the sum over the outputs it feeds",
                        "d(output)/d(net input)": "the sigmoid's slope s (1 - s), at most 0.25",
                        "d(net input)/d(weight)": "the input that the weight multiplies"})


def walk_through_backward():
    """The 2-2-2 network's backward pass as autograd ran it, with the graph to step through."""
    from tinynet.viz.backward_steps import backward_walk

    model, x, target, loss = hand_network()
    names = dict(model.named_parameters(), x=x, target=target)
    rows, svg = backward_walk(loss, names=names, prefix="bp-graph")
    return BackwardWalk("Backpropagation through the 2-2-2 network, one op at a time",
                        "The graph of the forward pass runs left to right (x: the input, 0.weight, 0.bias = W1, b1; "
                        "2.weight, 2.bias = W2, b2); backward runs right to left.  Each row is one op as autograd "
                        "ran it (recorded by the same hook as tinynet.trace_backward): its local derivative turns the "
                        "gradient flowing in into the gradients flowing out to its inputs.  Press next: the op is "
                        "outlined in pink, the boxes its gradients go to in dashed blue.", rows, svg, "bp-graph")


def run(out_dir, *, epochs=None, seed=0, quick=False, **options):
    """Run the three parts; figures: the backward walk, the 4-sample loss curve, the digit network's filters."""
    from tinynet import viz

    settings = _settings(epochs, quick, options)
    out_dir = start_run(out_dir, seed)
    metrics, interrupted = {}, False

    gradients = check_against_autograd()
    trace_autograd_backward()
    by_autograd = backward_by_autograd()
    metrics["hand_vs_autograd_max_difference"] = max(
        float(np.max(np.abs(_as_array(by_autograd[name]) - gradients[name]))) for name in ("W1", "b1", "W2", "b2"))
    metrics["hand_backward_matches_autograd"] = metrics["hand_vs_autograd_max_difference"] < 1e-9
    metrics["hand_loss"] = float(gradients["loss"])
    metrics["gradient_norm_at_output"] = float(np.linalg.norm(gradients["factors"]["dL_dout"]))
    metrics["gradient_norm_at_hidden_input"] = float(np.linalg.norm(gradients["b1"]))
    figures = [walk_through_backward(), hand_table(gradients)]

    try:
        model, history = train_four_samples(settings)
    except KeyboardInterrupt:
        print("stopped by Ctrl-C")
        model, history, interrupted = None, {}, True
    if model is not None:
        outputs = predict(model, SAMPLES).reshape(-1)
        print("  trained outputs:", ", ".join(f"{s.astype(int).tolist()} -> {o:.3f} (target {int(t)})"
                                              for s, o, t in zip(SAMPLES, outputs, TARGETS.reshape(-1))))
        prediction = float(predict(model, NEW_INPUT)[0, 0])
        print(f"  new input {NEW_INPUT[0].astype(int).tolist()} -> {prediction:.3f} "
              f"(one of the first two bits set, like the samples labelled 1)")
        losses = np.asarray(history["loss"])
        below = np.flatnonzero(losses < 0.5 * losses[0])
        metrics.update(first_loss=history["loss"][0], final_loss=history["loss"][-1], new_input_output=prediction,
                       four_sample_outputs=[float(o) for o in outputs], iterations=len(losses),
                       plateau_iterations=int(below[0]) if below.size else len(losses))
    if history.get("loss"):
        plateau = metrics["plateau_iterations"]
        flat = (f"The loss stays above half its starting value for {plateau:,} of {metrics['iterations']:,} "
                "iterations, then drops: three sigmoid layers pass back small gradients until the weights grow."
                if plateau > 0.05 * metrics["iterations"] else "")
        figures.append(Figure(
            viz.training_curves({"3-10-10-10-1": history["loss"]}, out_dir / "deep_loss.png", smooth=1,
                                title="MSE of the 3-10-10-10-1 network on 4 samples"),
            "Loss of the deep sigmoid network",
            f"The MSE of the four samples at every iteration, from {metrics['first_loss']:.3f} to "
            f"{metrics['final_loss']:.5f}. " + flat))

    if not interrupted:  # Ctrl-C stops the run: no new training after it
        digits, accuracy, digits_history, interrupted = train_digits(settings, seed)
        metrics["digits_accuracy"] = accuracy
        figures.append(Figure(
            viz.weight_grid(digits[0].weight, out_dir / "hidden_filters.png", shape=(20, 20), columns=5,
                            titles=[f"unit {j}" for j in range(25)],
                            title="400-25-10: the 25 hidden units' weights as 20x20 images"),
            "The 25 hidden filters of the 400-25-10 network",
            "Each hidden unit's 400 input weights drawn as a 20x20 image, all on one colour scale (the colour "
            "bar): blue where ink excites the unit, red where it inhibits it."))
        if digits_history.get("loss"):
            path = viz.training_curves(digits_history, out_dir / "digits_loss.png",
                                       title="binary cross-entropy, 400-25-10 on 20x20 digits")
            figures.append(Figure(path, "Loss of the digit network", "Mini-batch loss (faint) and its running mean."))

    summary = (f"deep sigmoid net: loss {metrics.get('first_loss', float('nan')):.4f} -> "
               f"{metrics.get('final_loss', float('nan')):.4f}; 400-25-10 on 20x20 digits: "
               f"{metrics.get('digits_accuracy', float('nan')):.2%}; hand backprop matches autograd.")
    return ExampleResult(name=NAME, figures=figures, metrics=metrics, summary=summary, interrupted=interrupted)
