"""Layers added for learners' code, against torch.nn: RMSNorm / F.rms_norm, BatchNorm3d, the 1-d and circular
padding layers, Softmax2d, ChannelShuffle, Dropout1d and Dropout3d.  Outputs and the gradients of the input and of
every parameter (weights copied through state_dict), in float32 and float64; a float64 gradcheck of the
differentiable ones; reprs; channel dropout zeroing whole channels; PyTorch's exception types.
"""

import numpy as np
import pytest

import tinynet
from tinynet.nn import functional as F

# (name, builder taking a namespace nn, input shape)
LAYERS = [
    ("RMSNorm_last_dim", lambda nn: nn.RMSNorm(5), (2, 3, 5)),
    ("RMSNorm_two_dims_eps", lambda nn: nn.RMSNorm([3, 5], eps=1e-3), (2, 3, 5)),
    ("RMSNorm_no_weight", lambda nn: nn.RMSNorm(5, elementwise_affine=False), (4, 5)),
    ("BatchNorm3d", lambda nn: nn.BatchNorm3d(3), (2, 3, 2, 3, 4)),
    ("BatchNorm3d_eval", lambda nn: nn.BatchNorm3d(3).eval(), (2, 3, 2, 3, 4)),
    ("ZeroPad1d", lambda nn: nn.ZeroPad1d((1, 2)), (2, 3, 4)),
    ("ConstantPad1d", lambda nn: nn.ConstantPad1d(2, 3.5), (2, 3, 4)),
    ("ReflectionPad1d", lambda nn: nn.ReflectionPad1d((2, 1)), (2, 3, 4)),
    ("ReplicationPad1d", lambda nn: nn.ReplicationPad1d(2), (2, 3, 4)),
    ("CircularPad1d", lambda nn: nn.CircularPad1d((1, 2)), (2, 3, 4)),
    ("CircularPad2d", lambda nn: nn.CircularPad2d((1, 0, 2, 1)), (1, 2, 3, 4)),
    ("Softmax2d", lambda nn: nn.Softmax2d(), (2, 3, 2, 2)),
    ("ChannelShuffle", lambda nn: nn.ChannelShuffle(3), (2, 6, 2, 2)),
    ("Dropout1d_eval", lambda nn: nn.Dropout1d(0.5).eval(), (2, 3, 4)),
    ("Dropout3d_eval", lambda nn: nn.Dropout3d(0.5).eval(), (2, 3, 2, 2, 2)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name, build, shape", LAYERS, ids=[layer[0] for layer in LAYERS])
def test_layer_matches_torch(torch, name, build, shape, dtype):
    theirs = build(torch.nn).to(getattr(torch, np.dtype(dtype).name))
    ours = build(tinynet.nn).to(dtype)
    rng = np.random.default_rng(0)
    state = {key: rng.uniform(0.5, 1.5, size=tuple(value.shape)).astype(dtype)
             for key, value in theirs.state_dict().items() if value.is_floating_point()}
    theirs.load_state_dict({key: torch.tensor(value) for key, value in state.items()}, strict=False)
    ours.load_state_dict(state, strict=False)
    assert repr(ours) == repr(theirs)
    assert [key for key, _ in ours.named_parameters()] == [key for key, _ in theirs.named_parameters()]
    values = rng.normal(size=shape).astype(dtype)
    x_ours, x_theirs = tinynet.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
    tolerance = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    assert tuple(y_ours.shape) == tuple(y_theirs.shape) and y_ours.dtype == dtype
    np.testing.assert_allclose(y_ours.detach().numpy(), y_theirs.detach().numpy(), **tolerance)
    upstream = rng.normal(size=tuple(y_theirs.shape)).astype(dtype)
    (y_ours * tinynet.tensor(upstream)).sum().backward()
    (y_theirs * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), **tolerance)
    for (key, mine), (_, reference) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), err_msg=key, **tolerance)
    if name.startswith("BatchNorm3d"):
        np.testing.assert_allclose(ours.running_var.numpy(), theirs.running_var.numpy(), **tolerance)


@pytest.mark.parametrize("function", [
    lambda x, w: F.rms_norm(x, (4,), w),
    lambda x, w: F.rms_norm(x, (3, 4), eps=0.1) * w,
    lambda x, w: F.channel_shuffle(x.reshape(1, 6, 4), 2) * w,
    lambda x, w: F.pad(x, (2, 1), mode="circular") * 1.0,
])
def test_gradcheck(function):
    x = tinynet.tensor(np.random.default_rng(1).normal(size=(2, 3, 4)), requires_grad=True)
    w = tinynet.tensor(np.random.default_rng(2).normal(size=(4,)), requires_grad=True)
    assert tinynet.gradcheck(function, [x, w])


def test_rms_norm_default_eps_is_the_dtypes_epsilon(torch):
    values = np.array([[1e-5, -2e-5, 3e-5]], dtype=np.float32)
    ours = F.rms_norm(tinynet.tensor(values), (3,))
    theirs = torch.nn.functional.rms_norm(torch.tensor(values), (3,))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5)


@pytest.mark.parametrize("layer, shape, leading", [
    (tinynet.nn.Dropout1d(0.5), (4, 8, 16), 2),
    (tinynet.nn.Dropout1d(0.5), (8, 16), 1),  # unbatched: (C, L)
    (tinynet.nn.Dropout3d(0.5), (4, 8, 2, 3, 4), 2),
])
def test_channel_dropout_zeroes_whole_channels(layer, shape, leading):
    tinynet.manual_seed(0)
    out = layer(tinynet.ones(*shape)).numpy()
    channels = out.reshape(int(np.prod(shape[:leading])), -1)  # one row per (sample, channel)
    # every channel is dropped whole (all 0) or kept whole (all 1 / (1 - p) = 2), and both happen
    assert {tuple(np.unique(row)) for row in channels} == {(0.0,), (2.0,)}


@pytest.mark.parametrize("call, error", [
    (lambda lib: lib.nn.functional.rms_norm(lib.zeros(2, 3), (4,)), RuntimeError),
    (lambda lib: lib.nn.functional.channel_shuffle(lib.zeros(1, 5, 2, 2), 2), RuntimeError),
    (lambda lib: lib.nn.Dropout1d(0.5)(lib.zeros(1, 2, 3, 4)), RuntimeError),
    (lambda lib: lib.nn.Softmax2d()(lib.zeros(2, 3)), ValueError),
    (lambda lib: lib.nn.BatchNorm3d(3)(lib.zeros(2, 3, 4, 4)), ValueError),
])
def test_mistakes_raise_torchs_exception_types(torch, call, error):
    for lib in (tinynet, torch):
        with pytest.raises(error):
            call(lib)
