"""nn.RNN, nn.LSTM, nn.GRU and their cells against PyTorch: with PyTorch's weights copied in, the same outputs, last
states and gradients (input, initial states, every weight) in float32 and float64, for every layout (batch_first,
unbatched), several layers, both directions, no bias; a float64 gradcheck through time; the same parameter names
(a PyTorch state dict loads); and the mistakes, with PyTorch's exception types."""

import numpy as np
import pytest

import tinynet
from tinynet import nn

KINDS = ["RNN", "LSTM", "GRU"]
SETTINGS = [{}, {"num_layers": 2}, {"bidirectional": True}, {"bias": False},
            {"batch_first": True, "num_layers": 2, "bidirectional": True}]


def _pair(torch, kind, dtype, **settings):
    """(tinynet's layer, PyTorch's) of ``kind`` with PyTorch's starting weights in both."""
    theirs = getattr(torch.nn, kind)(3, 5, dtype=getattr(torch, np.dtype(dtype).name), **settings)
    ours = getattr(nn, kind)(3, 5, dtype=dtype, **settings)
    ours.load_state_dict({name: value.detach().numpy() for name, value in theirs.state_dict().items()})
    return ours, theirs


def _as_list(states):
    return list(states) if isinstance(states, tuple) else [states]


LAYERS = [(kind, settings) for kind in KINDS for settings in SETTINGS] + [("RNN", {"nonlinearity": "relu"})]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind, settings", LAYERS, ids=str)
@pytest.mark.parametrize("layout", ["batched", "unbatched", "with initial states"])
def test_recurrent_layers_match_torch(kind, settings, layout, dtype, torch):
    ours, theirs = _pair(torch, kind, dtype, **settings)
    rng = np.random.default_rng(0)
    length, batch = 4, 2
    directions_layers = (2 if settings.get("bidirectional") else 1) * settings.get("num_layers", 1)
    if layout == "unbatched":
        shape, state_shape = (length, 3), (directions_layers, 5)
    else:
        shape = (batch, length, 3) if settings.get("batch_first") else (length, batch, 3)
        state_shape = (directions_layers, batch, 5)
    x = rng.standard_normal(shape).astype(dtype)
    initial = [rng.standard_normal(state_shape).astype(dtype) for _ in range(2 if kind == "LSTM" else 1)] \
        if layout == "with initial states" else None
    x_ours, x_theirs = tinynet.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    h_ours = None if initial is None else [tinynet.tensor(h, requires_grad=True) for h in initial]
    h_theirs = None if initial is None else [torch.tensor(h, requires_grad=True) for h in initial]

    def call(layer, x, states):
        if states is None:
            return layer(x)
        return layer(x, tuple(states) if kind == "LSTM" else states[0])

    out_ours, last_ours = call(ours, x_ours, h_ours)
    out_theirs, last_theirs = call(theirs, x_theirs, h_theirs)
    tolerance = {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-12}
    results = [(out_ours, out_theirs)] + list(zip(_as_list(last_ours), _as_list(last_theirs)))
    loss_ours = loss_theirs = 0
    for mine, reference in results:
        assert mine.shape == tuple(reference.shape) and mine.dtype == dtype
        np.testing.assert_allclose(mine.numpy(), reference.detach().numpy(), **tolerance)
        weights = rng.standard_normal(mine.shape).astype(dtype)
        loss_ours = loss_ours + (mine * tinynet.tensor(weights)).sum()
        loss_theirs = loss_theirs + (reference * torch.tensor(weights)).sum()
    loss_ours.backward()
    loss_theirs.backward()
    gradients = [(x_ours, x_theirs)] + list(zip(h_ours or [], h_theirs or []))
    gradients += [(mine, reference) for (_, mine), (_, reference) in zip(ours.named_parameters(),
                                                                       theirs.named_parameters())]
    for mine, reference in gradients:
        np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), **tolerance)


@pytest.mark.parametrize("kind", KINDS)
def test_backpropagation_through_time_gradcheck(kind):
    tinynet.manual_seed(0)
    layer = getattr(nn, kind)(2, 3, num_layers=2, bidirectional=True, dtype=tinynet.float64)
    x = tinynet.randn(3, 2, 2, dtype=tinynet.float64, requires_grad=True)
    h = tinynet.randn(4, 2, 3, dtype=tinynet.float64, requires_grad=True)

    def run(x, h):
        output, last = layer(x, (h, h * 0.5) if kind == "LSTM" else h)
        return output.sum() + sum(state.sum() for state in _as_list(last))

    assert tinynet.gradcheck(run, [x, h])


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("unbatched", [False, True])
def test_cells_match_torch(kind, unbatched, torch):
    theirs = getattr(torch.nn, kind)(3, 4, dtype=torch.float64)
    ours = getattr(nn, kind)(3, 4, dtype=tinynet.float64)
    ours.load_state_dict({name: value.detach().numpy() for name, value in theirs.state_dict().items()})
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3,) if unbatched else (2, 3))
    state = rng.standard_normal((4,) if unbatched else (2, 4))
    x_ours, x_theirs = tinynet.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    given_ours = (tinynet.tensor(state), tinynet.tensor(state * 2)) if kind == "LSTMCell" else tinynet.tensor(state)
    given_theirs = (torch.tensor(state), torch.tensor(state * 2)) if kind == "LSTMCell" else torch.tensor(state)
    mine, reference = ours(x_ours, given_ours), theirs(x_theirs, given_theirs)
    for a, b in zip(_as_list(mine), _as_list(reference)):
        assert a.shape == tuple(b.shape)
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-10)
    sum(a.sum() for a in _as_list(mine)).backward()
    sum(b.sum() for b in _as_list(reference)).backward()
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours.weight_hh.grad.numpy(), theirs.weight_hh.grad.numpy(), rtol=1e-10)


def test_names_start_and_repr_follow_torch(torch):
    ours, theirs = nn.LSTM(3, 4, num_layers=2, bidirectional=True), torch.nn.LSTM(3, 4, num_layers=2,
                                                                                  bidirectional=True)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [tuple(p.shape) for p in ours.parameters()] == [tuple(p.shape) for p in theirs.parameters()]
    assert repr(ours) == repr(theirs)
    bound = 1 / np.sqrt(4)
    assert all(np.abs(p.numpy()).max() <= bound for p in ours.parameters())
    assert len(ours.all_weights) == 4 and ours.all_weights[1][0] is ours.weight_ih_l0_reverse
    ours.flatten_parameters()  # (what code written for cuDNN calls: nothing to do)


def test_dropout_between_layers_only_while_training():
    tinynet.manual_seed(0)
    layer = nn.GRU(3, 8, num_layers=2, dropout=0.5)
    x = tinynet.randn(5, 2, 3)
    layer.eval()
    first, second = layer(x)[0], layer(x)[0]
    np.testing.assert_array_equal(first.numpy(), second.numpy())
    layer.train()
    assert not np.array_equal(layer(x)[0].numpy(), layer(x)[0].numpy())
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.LSTM(3, 4, dropout=0.2)


def test_mistakes_raise_torch_exception_types(torch):
    cases = [
        (lambda m: m.nn.LSTM(3, 4)(m.randn(2, 5, 3, 1)), ValueError),
        (lambda m: m.nn.GRU(3, 4)(m.randn(5, 2, 6)), RuntimeError),
        (lambda m: m.nn.RNN(3, 4)(m.randn(5, 2, 3), m.zeros(1, 3, 4)), RuntimeError),
        (lambda m: m.nn.RNN(3, 4)(m.randn(5, 2, 3), m.zeros(2, 4)), RuntimeError),
        (lambda m: m.nn.RNN(3, 4, nonlinearity="sigmoid"), ValueError),
        (lambda m: m.nn.LSTM(3, 4)(m.randn(5, 2, 3), (m.zeros(1, 2, 4), m.zeros(1, 2, 5))), RuntimeError),
        (lambda m: m.nn.GRU(3, 4)(m.randn(5, 2, 3, dtype=m.float64)), ValueError),
        (lambda m: m.nn.RNN(3, 4)(m.ones(5, 2, 3, dtype=m.int64)), ValueError),
        (lambda m: m.nn.GRUCell(3, 4)(m.randn(2, 3, dtype=m.float64)), RuntimeError),
    ]
    for make, error in cases:
        with pytest.raises(error):
            make(torch)
        with pytest.raises(error):
            make(tinynet)
    with pytest.raises(ValueError, match="Expected input to be 2D or 3D, got 4D"):
        nn.LSTM(3, 4)(tinynet.randn(2, 5, 3, 1))
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size. Expected 3, got 6"):
        nn.GRU(3, 4)(tinynet.randn(5, 2, 6))
    with pytest.raises(NotImplementedError, match="proj_size"):
        nn.LSTM(3, 4, proj_size=2)
    with pytest.raises(RuntimeError, match="larger than 0"):
        nn.RNN(3, 4)(tinynet.randn(0, 2, 3))


def test_slicing_a_sequence_step_by_step_sums_the_gradients():
    """x[t] for every t, x[idx] with a repeated index, and x used whole: the engine adds the partial gradients
    into one array (autograd/partial_gradient.py) and gets what numpy's sum gives."""
    x = tinynet.randn(6, 3, dtype=tinynet.float64, requires_grad=True)
    weights = np.arange(18.0).reshape(6, 3)
    loss = sum((x[t] * tinynet.tensor(weights[t])).sum() for t in range(6))
    loss = loss + x[[0, 0, 5]].sum() + (x * 2).sum() + x[1:3, 1].sum()
    loss.backward()
    expected = weights + 2
    expected[0] += 2
    expected[5] += 1
    expected[1:3, 1] += 1
    np.testing.assert_array_equal(x.grad.numpy(), expected)
    seen = []
    x.grad = None
    x.register_hook(lambda grad: seen.append(type(grad).__name__))
    (x[0].sum() + x[1].sum()).backward()
    assert seen == ["Tensor"] and x.grad.numpy()[:2].sum() == 6 and x.grad.numpy()[2:].sum() == 0


def test_sizes_must_be_positive(torch):
    for make in (lambda lib: lib.nn.LSTM(0, 3), lambda lib: lib.nn.GRU(2, 0)):
        with pytest.raises(ValueError):
            make(torch)
        with pytest.raises(ValueError):
            make(tinynet)
