"""The training benchmark's models, described once and built the same way in tinynet, PyTorch and JAX.

A model is a list of layer specs, e.g. ``("Conv2d", 1, 6, 5)`` or
``("Conv2d", 1, 64, 3, {"padding": 1, "bias": False})``.  From that list:

* ``layer_shapes`` walks the shapes through the model, which gives
  ``flops_per_image`` (the arithmetic of one training step) and
  ``initial_parameters`` (one set of starting weights that every framework
  loads, so all three train the very same network);
* ``build_model`` builds it from ``tinynet.nn`` or ``torch.nn`` (same names,
  same constructor arguments); jax_training.py builds it from ``jax.lax``.

Layer kinds: Flatten, Linear(in, out), ReLU, Tanh, Conv2d(in, out, k, {padding,
stride, bias}), MaxPool2d(k), BatchNorm2d(c), BasicBlock(in, out, stride) and
GlobalAvgPool.  BasicBlock is ResNet's:
``relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))`` with 3x3 convolutions
(conv1 carries the stride) and a 1x1 convolution + BatchNorm as the shortcut
where the shape changes (the identity elsewhere).
"""

import functools

import numpy as np

INPUT_SHAPE = (1, 28, 28)  # one MNIST image

WORKLOADS = {
    "mlp": {
        "batch": 64,
        "layers": [("Flatten",), ("Linear", 784, 128), ("ReLU",), ("Linear", 128, 10)],
    },
    "lenet5": {
        "batch": 64,
        "layers": [
            ("Conv2d", 1, 6, 5), ("ReLU",), ("MaxPool2d", 2),
            ("Conv2d", 6, 16, 5), ("ReLU",), ("MaxPool2d", 2),
            ("Flatten",), ("Linear", 256, 120), ("ReLU",), ("Linear", 120, 84), ("ReLU",), ("Linear", 84, 10),
        ],
    },
    "cnn6": {
        "batch": 1024,
        "layers": [
            ("Conv2d", 1, 4, 3, {"padding": 1}), ("Tanh",), ("Conv2d", 4, 4, 3, {"padding": 1}), ("Tanh",),
            ("MaxPool2d", 2),
            ("Conv2d", 4, 8, 3, {"padding": 1}), ("Tanh",), ("Conv2d", 8, 8, 3, {"padding": 1}), ("Tanh",),
            ("MaxPool2d", 2),
            ("Conv2d", 8, 16, 3, {"padding": 1}), ("Tanh",), ("Conv2d", 16, 16, 3, {"padding": 1}), ("Tanh",),
            ("Flatten",), ("Linear", 784, 64), ("Tanh",), ("Linear", 64, 32), ("Tanh",), ("Linear", 32, 10),
        ],
    },
    "resnet10": {  # a stem convolution, one BasicBlock per stage (64-128-256-512), a linear classifier: 10 layers
        "batch": 64,
        "layers": [
            ("Conv2d", 1, 64, 3, {"padding": 1, "bias": False}), ("BatchNorm2d", 64), ("ReLU",),
            ("BasicBlock", 64, 64, 1), ("BasicBlock", 64, 128, 2),
            ("BasicBlock", 128, 256, 2), ("BasicBlock", 256, 512, 2),
            ("GlobalAvgPool",), ("Linear", 512, 10),
        ],
    },
}


def split_spec(spec):
    """("Conv2d", 1, 6, 5, {"padding": 1}) -> ("Conv2d", (1, 6, 5), {"padding": 1})."""
    kind, *args = spec
    options = args.pop() if args and isinstance(args[-1], dict) else {}
    return kind, tuple(args), options


def block_layers(in_channels, out_channels, stride):
    """A BasicBlock's layers in the order their parameters are created: main path, then the shortcut (or none)."""
    main = [("Conv2d", in_channels, out_channels, 3, {"stride": stride, "padding": 1, "bias": False}),
            ("BatchNorm2d", out_channels),
            ("Conv2d", out_channels, out_channels, 3, {"padding": 1, "bias": False}),
            ("BatchNorm2d", out_channels)]
    projects = stride != 1 or in_channels != out_channels
    shortcut = [("Conv2d", in_channels, out_channels, 1, {"stride": stride, "bias": False}),
                ("BatchNorm2d", out_channels)] if projects else []
    return main, shortcut


def conv_output_size(size, kernel, stride, padding):
    return (size + 2 * padding - kernel) // stride + 1


def layer_shapes(layers, input_shape=INPUT_SHAPE):
    """Every parametrised or shape-changing layer, BasicBlocks opened up, as dicts in parameter order.

    Each dict: ``kind``, ``input`` and ``output`` shapes of one image,
    ``macs`` (multiply-adds of one image's forward pass: conv and linear only),
    ``parameters`` (a list of (shape, fan_in or None)).
    """
    walked, shape = [], tuple(input_shape)
    for spec in layers:
        kind, args, options = split_spec(spec)
        if kind == "BasicBlock":
            main, shortcut = block_layers(*args)
            inner = layer_shapes(main, shape)
            walked += inner + layer_shapes(shortcut, shape)
            shape = inner[-1]["output"]
            continue
        entry = {"kind": kind, "input": shape, "macs": 0, "parameters": []}
        if kind == "Linear":
            n_in, n_out = args
            if shape != (n_in,):
                raise ValueError(f"Linear({n_in}, {n_out}) gets inputs of shape {shape}")
            entry["macs"] = n_in * n_out
            entry["parameters"] = [((n_out, n_in), n_in), ((n_out,), n_in)]
            shape = (n_out,)
        elif kind == "Conv2d":
            c_in, c_out, k = args
            stride, padding = options.get("stride", 1), options.get("padding", 0)
            if shape[0] != c_in:
                raise ValueError(f"Conv2d({c_in}, {c_out}, {k}) gets {shape[0]} channels")
            shape = (c_out, conv_output_size(shape[1], k, stride, padding),
                     conv_output_size(shape[2], k, stride, padding))
            entry["macs"] = shape[0] * shape[1] * shape[2] * c_in * k * k
            entry["parameters"] = [((c_out, c_in, k, k), c_in * k * k)]
            if options.get("bias", True):
                entry["parameters"].append(((c_out,), c_in * k * k))
        elif kind == "BatchNorm2d":
            entry["parameters"] = [((args[0],), None), ((args[0],), None)]  # weight (ones), bias (zeros)
        elif kind == "MaxPool2d":
            shape = (shape[0], shape[1] // args[0], shape[2] // args[0])
        elif kind == "Flatten":
            shape = (int(np.prod(shape)),)
        elif kind == "GlobalAvgPool":
            shape = (shape[0],)
        elif kind not in ("ReLU", "Tanh"):
            raise ValueError(f"unknown layer kind {kind!r}")
        entry["output"] = shape
        walked.append(entry)
    return walked


def flops_per_image(layers, input_shape=INPUT_SHAPE):
    """FLOPs of one image's share of a training step, counting conv and linear multiply-adds as 2 FLOPs.

    Forward: 2 * MACs per layer.  Backward: the weight gradient costs the
    same again for every layer, the input gradient too for every layer but
    the first (its input is the data, which needs no gradient).  BatchNorm,
    activations, pooling, the loss and the optimizer are left out: together
    they are under 1 % of the convolutions' work here.
    Returns {"forward", "backward", "step"}.
    """
    walked = [entry for entry in layer_shapes(layers, input_shape) if entry["macs"]]
    forward = sum(2 * entry["macs"] for entry in walked)
    input_gradients = sum(2 * entry["macs"] for entry in walked[1:])
    backward = forward + input_gradients
    return {"forward": forward, "backward": backward, "step": forward + backward}


def initial_parameters(layers, seed=0):
    """Float32 starting weights, in parameter-creation order, by PyTorch's default rule for each layer.

    Conv2d and Linear: weight and bias uniform in +-1/sqrt(fan_in) (what
    PyTorch's kaiming_uniform_(a=sqrt(5)) and bias rule come to); BatchNorm2d:
    weight 1, bias 0.
    """
    rng = np.random.default_rng(seed)
    arrays = []
    for entry in layer_shapes(layers):
        for index, (shape, fan_in) in enumerate(entry["parameters"]):
            if fan_in is None:  # BatchNorm: weight then bias
                arrays.append(np.full(shape, 1.0 if index == 0 else 0.0, dtype=np.float32))
            else:
                bound = 1.0 / np.sqrt(fan_in)
                arrays.append(rng.uniform(-bound, bound, size=shape).astype(np.float32))
    return arrays


@functools.lru_cache(maxsize=None)
def _module_classes(nn):
    """BasicBlock and GlobalAvgPool written once against the nn API that tinynet and torch share."""

    def build(spec):
        kind, args, options = split_spec(spec)
        if kind == "Conv2d":
            return nn.Conv2d(*args, stride=options.get("stride", 1), padding=options.get("padding", 0),
                             bias=options.get("bias", True))
        return getattr(nn, kind)(*args)

    class BasicBlock(nn.Module):
        def __init__(self, in_channels, out_channels, stride):
            super().__init__()
            main, shortcut = block_layers(in_channels, out_channels, stride)
            self.conv1, self.bn1, self.conv2, self.bn2 = (build(spec) for spec in main)
            self.shortcut = nn.Sequential(*(build(spec) for spec in shortcut))  # empty: the identity

        def forward(self, x):
            out = nn.functional.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return nn.functional.relu(out + self.shortcut(x))

    class GlobalAvgPool(nn.Module):
        def forward(self, x):
            return x.mean((2, 3))

    return build, BasicBlock, GlobalAvgPool


def build_model(nn, layers):
    """The model as an ``nn.Sequential`` of ``nn`` (``tinynet.nn`` or ``torch.nn``)."""
    build, basic_block, global_avg_pool = _module_classes(nn)
    modules = []
    for spec in layers:
        kind, args, _ = split_spec(spec)
        if kind == "BasicBlock":
            modules.append(basic_block(*args))
        elif kind == "GlobalAvgPool":
            modules.append(global_avg_pool())
        else:
            modules.append(build(spec))
    return nn.Sequential(*modules)


def load_parameters(model, arrays, convert=lambda array: array):
    """Copy ``arrays`` (from initial_parameters) into the model's parameters, in creation order.

    Raises ValueError when the model's parameters do not line up with the
    arrays: the model and the description would then differ.
    """
    named = list(model.named_parameters())
    shapes = [tuple(parameter.shape) for _, parameter in named]
    if shapes != [array.shape for array in arrays]:
        raise ValueError(f"the model's parameter shapes {shapes} differ from the description's "
                         f"{[array.shape for array in arrays]}")
    model.load_state_dict({name: convert(array) for (name, _), array in zip(named, arrays)}, strict=False)
    return model
