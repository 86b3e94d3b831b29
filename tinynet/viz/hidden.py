"""What hidden layers compute: capturing activations with forward hooks, and plotting a 2-D hidden space.

A hidden layer re-describes each input as a new vector.  If the layer has
two units, that vector is a point in a plane, and the next layer (one
output unit) can only draw a straight line there: so the hidden layer must
move the points until the classes are linearly separable.  For XOR that is
exactly what a 2-2-1 network learns.
"""

import numpy as np

from tinynet.viz._arrays import to_numpy
from tinynet.viz.style import new_figure, savefig


def _resolve_layers(model, layers):
    """{name: module} from a dict, a list of modules, or a list of names from ``model.named_modules()``."""
    if isinstance(layers, dict):
        return dict(layers)
    named = dict(model.named_modules())
    resolved = {}
    for layer in layers:
        if isinstance(layer, str):
            if layer not in named:
                raise ValueError(f"model has no submodule named {layer!r}; it has {', '.join(n for n in named if n)}")
            resolved[layer] = named[layer]
        else:
            name = next((n for n, m in named.items() if m is layer), None)
            if name is None:
                raise ValueError(f"{type(layer).__name__} module is not part of the model")
            resolved[name] = layer
    return resolved


def capture_activations(model, x, layers):
    """Run ``model(x)`` once and return what the chosen layers output, as numpy arrays.

    Parameters
    ----------
    model : tinynet.nn.Module
    x : Tensor or array (converted to a Tensor)
    layers : dict {name: module}, or a list of modules or of names as in
        ``model.named_modules()`` (e.g. ``["1"]`` for the second layer of a Sequential).

    Uses ``register_forward_hook`` on each layer, runs without recording a
    graph, and always removes the hooks again.  Returns {name: ndarray}.
    """
    import tinynet

    modules = _resolve_layers(model, layers)
    captured = {}
    handles = []

    def make_hook(name):
        def hook(module, inputs, output):
            captured[name] = np.array(to_numpy(output, name))  # a copy: later forwards must not change it
        return hook

    try:
        for name, module in modules.items():
            handles.append(module.register_forward_hook(make_hook(name)))
        with tinynet.no_grad():
            model(x if isinstance(x, tinynet.Tensor) else tinynet.Tensor(np.asarray(x)))
    finally:
        for handle in handles:
            handle.remove()
    missing = [name for name in modules if name not in captured]
    if missing:
        raise ValueError(f"layers {missing} were not called during the forward pass")
    return captured


def draw_hidden_space(ax, hidden, y, output_weight=None, output_bias=None, point_labels=None, title=None):
    """Plot points in a 2-unit hidden space (``hidden``: (N, 2)) coloured by label ``y``.

    If the output unit's weights (w1, w2) and bias b are given, draw its
    decision line w1*h1 + w2*h2 + b = 0 and shade the side where it says class 1.
    """
    hidden = to_numpy(hidden, "hidden").astype(float)
    y = to_numpy(y, "y").reshape(-1)
    if hidden.ndim != 2 or hidden.shape[1] != 2:
        raise ValueError(f"hidden_space needs exactly 2 hidden units, (N, 2) activations; got shape {hidden.shape}")
    if len(y) != len(hidden):
        raise ValueError(f"hidden has {len(hidden)} points but y has {len(y)} labels")
    low = np.minimum(hidden.min(axis=0), 0.0) - 0.1
    high = np.maximum(hidden.max(axis=0), 1.0) + 0.1
    if output_weight is not None:
        w = to_numpy(output_weight, "output_weight").astype(float).reshape(-1)
        b = float(to_numpy(0.0 if output_bias is None else output_bias, "output_bias").reshape(-1)[0])
        if w.size != 2:
            raise ValueError(f"output_weight must hold 2 weights, got {w.size}")
        gx, gy = np.meshgrid(np.linspace(low[0], high[0], 200), np.linspace(low[1], high[1], 200))
        net = w[0] * gx + w[1] * gy + b
        ax.contourf(gx, gy, net > 0, levels=[-0.5, 0.5, 1.5], colors=["#fbe3e6", "#dde8f4"])
        ax.contour(gx, gy, net, levels=[0.0], colors="black", linewidths=1.5)
    for label, color, marker in ((0, "#b2182b", "o"), (1, "#2166ac", "s")):
        chosen = y == label
        ax.scatter(hidden[chosen, 0], hidden[chosen, 1], c=color, marker=marker, s=90, edgecolors="black",
                   label=f"class {label}", zorder=3)
    if point_labels is not None:
        # Alternate the label offsets so points that land on top of each other stay readable.
        offsets = [(6, 6), (6, -12), (-34, 6), (-34, -12)]
        for index, ((h1, h2), text) in enumerate(zip(hidden, point_labels)):
            ax.annotate(str(text), (h1, h2), textcoords="offset points", xytext=offsets[index % 4], fontsize=8)
    ax.set_xlim(low[0], high[0])
    ax.set_ylim(low[1], high[1])
    ax.set_xlabel("hidden unit 1, $h_1$")
    ax.set_ylabel("hidden unit 2, $h_2$")
    ax.set_aspect("equal")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def hidden_space(hidden, y, path, output_weight=None, output_bias=None, point_labels=None, title=None):
    """Save the 2-D hidden-space plot (see ``draw_hidden_space``) to ``path``; returns the Path."""
    fig = new_figure(4.5, 4.2)
    ax = fig.add_subplot()
    draw_hidden_space(ax, hidden, y, output_weight, output_bias, point_labels, title)
    ax.legend(loc="best", fontsize=8)
    return savefig(fig, path)
