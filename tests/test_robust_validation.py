"""A learner's mistakes end in a clear error (PyTorch's type for it) that says what was expected and what was given.

One table of mistakes across layers, functional ops, losses, optimizers and
the DataLoader; each row names the words the message must contain.  Then
empty batches: every layer returns an empty result (and an empty gradient),
and a mean loss over nothing is a clear error rather than a silent NaN.
"""

import numpy as np
import pytest

import tinynet as tn
from tinynet import nn, optim
from tinynet.data.loader import DataLoader
from tinynet.nn import functional as F


def ones(*shape, dtype=np.float32, requires_grad=False):
    return tn.tensor(np.ones(shape, dtype), requires_grad=requires_grad)


def labels(*values):
    return np.array(values, dtype=np.int64)


MISTAKES = [
    # layers: rank, channels, dtype, sizes
    ("conv channels", lambda: nn.Conv2d(3, 16, 3)(ones(8, 1, 28, 28)), RuntimeError,
     "Conv2d(3→16) expects input with 3 channels, got shape (8, 1, 28, 28)"),
    ("conv rank", lambda: nn.Conv2d(3, 16, 3)(ones(28, 28)), RuntimeError, "expects a 4-D input"),
    ("conv kernel larger than padded input", lambda: nn.Conv2d(3, 4, 5, padding=1)(ones(1, 3, 2, 2)), RuntimeError,
     "kernel size can't be greater than actual input size (input shape (1, 3, 2, 2))"),
    ("conv stride 0", lambda: nn.Conv2d(3, 4, 3, stride=0), RuntimeError, "stride must be >= 1, got 0"),
    ("conv padding < 0", lambda: nn.Conv2d(3, 4, 3, padding=-1), RuntimeError, "padding must be >= 0, got -1"),
    ("conv float64 input", lambda: nn.Conv2d(3, 4, 3)(ones(1, 3, 5, 5, dtype=np.float64)), TypeError, "dtype"),
    ("conv integer input", lambda: nn.Conv2d(3, 4, 3)(ones(1, 3, 5, 5, dtype=np.int32)), TypeError,
     "float32 or float64, got int32"),
    ("linear features", lambda: nn.Linear(4, 2)(ones(3, 5)), RuntimeError,
     "Linear(4→2) expects input with last dimension 4, got shape (3, 5)"),
    ("linear dtype", lambda: nn.Linear(4, 2)(ones(3, 4, dtype=np.float64)), RuntimeError, "float64"),
    ("linear list input", lambda: nn.Linear(4, 2)([[1.0, 2.0, 3.0, 4.0]]), TypeError, "expects a Tensor, got list"),
    ("maxpool rank", lambda: nn.MaxPool2d(2)(ones(4, 4)), RuntimeError, "4-D (N, C, H, W) input"),
    ("maxpool kernel larger than input", lambda: nn.MaxPool2d(5)(ones(1, 1, 2, 2)), RuntimeError,
     "input of shape (1, 1, 2, 2)"),
    ("avgpool stride 0", lambda: nn.AvgPool2d(2, stride=0), RuntimeError, "stride must be >= 1, got 0"),
    ("pool padding over half the kernel", lambda: nn.MaxPool2d(2, padding=2), RuntimeError, "at most half"),
    ("batchnorm channels", lambda: nn.BatchNorm2d(3)(ones(2, 4, 5, 5)), RuntimeError,
     "BatchNorm2d(3) expects input with 3 channels"),
    ("batchnorm rank", lambda: nn.BatchNorm2d(3)(ones(2, 3, 5)), ValueError, "4-D input, got shape (2, 3, 5)"),
    ("dropout p", lambda: nn.Dropout(1.5), ValueError, "got 1.5"),
    ("softmax dim", lambda: nn.Softmax(dim=3)(ones(2, 2)), IndexError, "Dimension out of range"),
    ("flatten a 1-D tensor", lambda: nn.Flatten()(ones(3)), IndexError, "[-1, 0], but got 1"),
    ("flatten past the last dim", lambda: tn.flatten(ones(2, 3), start_dim=3), IndexError, "[-2, 1], but got 3"),
    ("softmax dim not an int", lambda: tn.softmax(ones(2, 2), dim="a"), TypeError, "dim must be an integer"),
    ("sequential of a function", lambda: nn.Sequential(nn.Linear(2, 2), lambda x: x), TypeError, "Modules"),
    # functional
    ("F.conv2d stride 0", lambda: F.conv2d(ones(1, 3, 5, 5), ones(2, 3, 3, 3), stride=0), RuntimeError,
     "stride must be >= 1, got 0"),
    ("F.conv2d channels", lambda: F.conv2d(ones(1, 3, 5, 5), ones(2, 2, 3, 3)), RuntimeError,
     "expects 2 input channels, but the input (1, 3, 5, 5) has 3"),
    ("F.max_pool2d negative stride", lambda: F.max_pool2d(ones(1, 1, 4, 4), 2, stride=-1), RuntimeError,
     "got -1"),
    ("F.avg_pool2d negative padding", lambda: F.avg_pool2d(ones(1, 1, 4, 4), 2, padding=-1), RuntimeError,
     "padding must be >= 0"),
    ("matmul shapes", lambda: ones(2, 3) @ ones(2, 3), RuntimeError, "(2, 3) and (2, 3)"),
    # losses: labels out of range, batch mismatch, wrong types
    ("label too big", lambda: F.cross_entropy(ones(4, 3), labels(0, 1, 2, 3)), IndexError,
     "target 3 is out of bounds: class labels must be in [0, 3)"),
    ("label negative", lambda: nn.CrossEntropyLoss()(ones(4, 3), labels(0, 1, 2, -1)), IndexError,
     "target -1 is out of bounds"),
    ("nll label too big", lambda: nn.NLLLoss()(ones(4, 3), labels(0, 1, 2, 7)), IndexError, "[0, 3)"),
    ("batch mismatch", lambda: F.cross_entropy(ones(4, 3), labels(0, 1, 2)), ValueError,
     "expected input batch_size (4) to match target batch_size (3)"),
    ("float labels", lambda: F.cross_entropy(ones(4, 3), np.array([0.0, 1.0, 2.0, 1.0])), RuntimeError,
     "integer dtype (int64), got dtype float64"),
    ("1-D logits with a batch of labels", lambda: F.cross_entropy(ones(3), labels(0, 1)), ValueError,
     "(C,) = (3,) need one class index (a 0-d target, or 1-D of size 1), got target shape tinynet.Size([2])"),
    ("mse shapes", lambda: nn.MSELoss()(ones(4, 3), ones(4, 2)), RuntimeError,
     "Size([4, 3]) and target shape tinynet.Size([4, 2])"),
    ("bad reduction", lambda: nn.MSELoss(reduction="avg"), ValueError, "'avg'"),
    # optimizers
    ("sgd lr < 0", lambda: optim.SGD(nn.Linear(2, 2).parameters(), lr=-1), ValueError, "lr must be >= 0, got -1"),
    ("adam lr < 0", lambda: optim.Adam(nn.Linear(2, 2).parameters(), lr=-0.1), ValueError, "lr must be >= 0"),
    ("lr a string", lambda: optim.SGD(nn.Linear(2, 2).parameters(), lr="0.1"), TypeError, "got '0.1'"),
    ("adam beta", lambda: optim.Adam(nn.Linear(2, 2).parameters(), betas=(1.5, 0.9)), ValueError, "1.5"),
    ("optimize arrays", lambda: optim.SGD([np.ones(3)], lr=0.1), TypeError, "only optimize Tensors, got ndarray"),
    ("optimize a non-leaf", lambda: optim.SGD([ones(3, requires_grad=True) * 2], lr=0.1), ValueError, "non-leaf"),
    ("optimize a module", lambda: optim.SGD(nn.Linear(2, 2), lr=0.1), TypeError, "pass model.parameters()"),
    ("optimize nothing", lambda: optim.Adam([]), ValueError, "empty parameter list"),
    # data
    ("batch size 0", lambda: DataLoader((np.ones((4, 2)), np.ones(4)), batch_size=0), ValueError,
     "batch_size >= 1, got 0"),
    ("dataset lengths", lambda: DataLoader((np.ones((4, 2)), np.ones(3)), batch_size=2), ValueError,
     "lengths [4, 3]"),
]


@pytest.mark.parametrize("call, error, words", [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_mistake_raises_clear_error(call, error, words):
    with pytest.raises(error) as raised:
        call()
    assert words in str(raised.value)


EMPTY_BATCH = [
    (nn.Linear(4, 2), (0, 4), (0, 2)),
    (nn.Conv2d(3, 2, 3, padding=1), (0, 3, 5, 5), (0, 2, 5, 5)),
    (nn.Conv2d(3, 2, 2, padding="same"), (0, 3, 5, 5), (0, 2, 5, 5)),
    (nn.MaxPool2d(2), (0, 3, 4, 4), (0, 3, 2, 2)),
    (nn.AvgPool2d(3, stride=1, padding=1), (0, 3, 4, 4), (0, 3, 4, 4)),
    (nn.Flatten(), (0, 3, 4, 4), (0, 48)),
    (nn.Dropout(0.5), (0, 3), (0, 3)),
    (nn.ReLU(), (0, 3), (0, 3)),
    (nn.Softmax(dim=1), (0, 3), (0, 3)),
    (nn.LogSoftmax(dim=1), (0, 3), (0, 3)),
    (nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16, 3)),
     (0, 1, 6, 6), (0, 3)),
]


@pytest.mark.parametrize("layer, in_shape, out_shape", EMPTY_BATCH, ids=[type(e[0]).__name__ for e in EMPTY_BATCH])
def test_empty_batch_gives_empty_result_and_gradient(layer, in_shape, out_shape):
    x = ones(*in_shape, requires_grad=True)
    y = layer(x)
    assert y.shape == out_shape
    y.sum().backward()
    assert x.grad.shape == in_shape
    for p in layer.parameters():  # nothing was seen, so nothing was learned
        assert p.grad is None or not np.any(p.grad.numpy())


@pytest.mark.parametrize("layer", [nn.BatchNorm1d(3), nn.BatchNorm2d(3)])
def test_empty_batch_in_batchnorm_training_is_a_clear_error(layer):
    shape = (0, 3) if isinstance(layer, nn.BatchNorm1d) else (0, 3, 4, 4)
    with pytest.raises(ValueError, match="more than one value per channel"):
        layer(ones(*shape))


@pytest.mark.parametrize("loss, target", [
    (nn.CrossEntropyLoss(), np.zeros(0, np.int64)),
    (nn.NLLLoss(), np.zeros(0, np.int64)),
    (nn.MSELoss(), np.zeros((0, 3), np.float32)),
])
def test_mean_loss_of_empty_batch_is_a_clear_error(loss, target):
    with pytest.raises(ValueError, match="empty batch"):
        loss(ones(0, 3), tn.tensor(target))
    loss.reduction = "sum"
    assert loss(ones(0, 3), tn.tensor(target)).item() == 0
    loss.reduction = "none"
    assert loss(ones(0, 3), tn.tensor(target)).shape[0] == 0


# ---- random settings and inputs: a result of the right shape, or a clear error -----

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

small = st.integers(1, 4)
# Mostly plausible settings (so that layers get built and called), now and then a wrong one.
setting = st.one_of(small, small, small, st.tuples(small, small),
                    st.sampled_from([0, -1, (2, 0), "same", "valid", "full", 1.5, None]))


@given(data=st.data())
@settings(max_examples=80)
def test_random_layer_settings_and_inputs_never_escape_as_other_errors(data):
    kind = data.draw(st.sampled_from(["conv", "max", "avg"]))
    rank = data.draw(st.sampled_from([4, 4, 4, 3, 2, 5]))
    shape = tuple(data.draw(st.lists(st.integers(0, 6), min_size=rank, max_size=rank)))
    try:
        if kind == "conv":
            layer = nn.Conv2d(data.draw(small), data.draw(small), data.draw(setting), stride=data.draw(setting),
                              padding=data.draw(st.one_of(st.integers(0, 2), setting)))
        else:
            pool = nn.MaxPool2d if kind == "max" else nn.AvgPool2d
            layer = pool(data.draw(setting), stride=data.draw(setting), padding=data.draw(st.one_of(st.integers(0, 1), setting)))
    except (ValueError, TypeError, RuntimeError):
        return
    if kind == "conv" and len(shape) > 1 and data.draw(st.integers(0, 4)):  # usually the right channel count
        shape = shape[:1] + (layer.in_channels,) + shape[2:]
    x = ones(*shape, requires_grad=True)
    try:
        y = layer(x)
    except (ValueError, TypeError, RuntimeError) as error:  # (RuntimeError: PyTorch's type for shape mistakes)
        assert str(shape) in str(error) or "shape" in str(error) or "channel" in str(error), str(error)
        return
    if len(shape) == 3:  # one unbatched image (C, H, W), accepted as in PyTorch
        assert y.ndim == 3 and all(size >= 1 for size in y.shape[1:])
    else:
        assert y.ndim == 4 and y.shape[0] == shape[0] and all(size >= 1 for size in y.shape[2:])
    y.sum().backward()
    assert x.grad.shape == shape
