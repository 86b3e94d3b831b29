"""Buffers are Tensors, as in PyTorch: the idioms that register one and then compute with it (a positional
encoding added to the input, a causal mask, statistics updated in place during forward, BatchNorm's running
statistics read and reset) give PyTorch's values, types and state_dicts.  Also load_state_dict's RuntimeError
and the line it returns.

Each model is built from a namespace (tinynet or torch), so one definition serves both.
"""

import math

import numpy as np
import pytest

import tinynet


def positional_encoding(lib, d_model=6, max_len=10):
    """The sinusoidal encoding of "Attention Is All You Need", as tutorials write it."""

    class PositionalEncoding(lib.nn.Module):
        def __init__(self):
            super().__init__()
            pe = lib.zeros(max_len, d_model)
            position = lib.arange(0, max_len, dtype=lib.float32).unsqueeze(1)
            div_term = lib.exp(lib.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
            pe[:, 0::2] = lib.sin(position * div_term)
            pe[:, 1::2] = lib.cos(position * div_term)
            self.register_buffer("pe", pe.unsqueeze(0))

        def forward(self, x):
            return x + self.pe[:, : x.size(1)].requires_grad_(False)

    return PositionalEncoding()


def running_statistics(lib):
    """A module that counts its calls and keeps a moving average of its inputs in buffers."""

    class RunningAverage(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("calls", lib.tensor(0))
            self.register_buffer("average", lib.zeros(3))
            self.register_buffer("scratch", lib.ones(3), persistent=False)

        def forward(self, x):
            self.calls += 1
            self.average.mul_(0.9).add_(0.1 * x.detach().mean(0))
            return x - self.average

    return RunningAverage()


def test_positional_encoding_buffer_matches_torch(torch):
    ours, theirs = positional_encoding(tinynet), positional_encoding(torch)
    assert isinstance(ours.pe, tinynet.Tensor) and not ours.pe.requires_grad
    assert tuple(ours.pe.shape) == tuple(theirs.pe.shape) and ours.pe.dtype == np.float32
    np.testing.assert_allclose(ours.pe.numpy(), theirs.pe.numpy(), rtol=1e-6, atol=1e-6)
    values = np.random.default_rng(0).normal(size=(2, 4, 6)).astype(np.float32)
    x_ours = tinynet.tensor(values, requires_grad=True)
    x_theirs = torch.tensor(values, requires_grad=True)
    y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
    np.testing.assert_allclose(y_ours.detach().numpy(), y_theirs.detach().numpy(), rtol=1e-6, atol=1e-6)
    (y_ours * y_ours).sum().backward()
    (y_theirs * y_theirs).sum().backward()
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-5, atol=1e-5)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["pe"]


def test_causal_mask_buffer_masks_like_torch(torch):
    def attention(lib):
        class Masked(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.register_buffer("bias", lib.tril(lib.ones(4, 4)).view(1, 1, 4, 4))

            def forward(self, scores):
                t = scores.size(-1)
                scores = scores.masked_fill(self.bias[:, :, :t, :t] == 0, float("-inf"))
                return lib.nn.functional.softmax(scores, dim=-1)

        return Masked()

    scores = np.random.default_rng(1).normal(size=(2, 1, 3, 3))
    ours = attention(tinynet)(tinynet.tensor(scores)).numpy()
    theirs = attention(torch)(torch.tensor(scores)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_buffers_updated_in_place_during_forward(torch):
    ours, theirs = running_statistics(tinynet), running_statistics(torch)
    for seed in range(3):
        values = np.random.default_rng(seed).normal(size=(5, 3)).astype(np.float32)
        np.testing.assert_allclose(ours(tinynet.tensor(values)).numpy(), theirs(torch.tensor(values)).numpy(),
                                   rtol=1e-6, atol=1e-6)
    assert isinstance(ours.calls, tinynet.Tensor) and ours.calls.item() == theirs.calls.item() == 3
    assert ours.calls.dtype == np.int64
    np.testing.assert_allclose(ours.average.numpy(), theirs.average.numpy(), rtol=1e-6)
    # the non-persistent buffer is a buffer, but not saved
    assert [name for name, _ in ours.named_buffers()] == [name for name, _ in theirs.named_buffers()]
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["calls", "average"]
    # a state_dict shares memory with the buffers, as in PyTorch
    state = ours.state_dict()
    ours.average.zero_()
    assert np.all(state["average"].numpy() == 0)


def test_batchnorm_running_statistics_are_tensors(torch):
    values = np.random.default_rng(2).normal(size=(6, 3)).astype(np.float32)
    ours, theirs = tinynet.nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3)
    ours(tinynet.tensor(values))
    theirs(torch.tensor(values))
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        buffer = getattr(ours, name)
        assert isinstance(buffer, tinynet.Tensor), name
        np.testing.assert_allclose(buffer.numpy(), getattr(theirs, name).numpy(), rtol=1e-6)
    assert repr(ours.num_batches_tracked) == repr(theirs.num_batches_tracked) == "tensor(1)"
    ours.running_mean.zero_()
    ours.reset_running_stats()
    assert np.all(ours.running_var.numpy() == 1) and ours.num_batches_tracked.item() == 0
    # evaluation uses the (changed) running statistics
    ours.running_mean.fill_(1.0)
    ours.eval()
    np.testing.assert_allclose(ours(tinynet.tensor(values)).numpy(), (values - 1) / np.sqrt(1 + 1e-5), rtol=1e-5)


def test_double_converts_floating_buffers_only():
    module = running_statistics(tinynet).double()
    assert module.average.dtype == np.float64 and module.calls.dtype == np.int64
    assert isinstance(module.average, tinynet.Tensor)


def test_assigning_a_tensor_to_a_buffer_keeps_it(torch):
    def module(lib):
        class Keeps(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.register_buffer("last", lib.zeros(2))

            def forward(self, x):
                self.last = x.mean(0).detach()
                return x

        return Keeps()

    ours, theirs = module(tinynet), module(torch)
    ours(tinynet.tensor([[1.0, 3.0]]))
    theirs(torch.tensor([[1.0, 3.0]]))
    assert repr(ours.last) == repr(theirs.last)
    assert repr(ours.state_dict()["last"]) == repr(theirs.state_dict()["last"])
    for lib, model in ((tinynet, ours), (torch, theirs)):
        with pytest.raises(TypeError):
            model.last = 3


def test_load_state_dict_errors_and_result_as_in_torch(torch):
    for lib in (tinynet, torch):
        two = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.Linear(2, 1))
        one = lib.nn.Sequential(lib.nn.Linear(2, 2))
        assert repr(one.load_state_dict(one.state_dict())) == "<All keys matched successfully>"
        assert repr(two.load_state_dict(one.state_dict(), strict=False)) == (
            "_IncompatibleKeys(missing_keys=['1.weight', '1.bias'], unexpected_keys=[])")
        with pytest.raises(RuntimeError, match=r'Unexpected key\(s\) in state_dict: "1.weight", "1.bias"'):
            one.load_state_dict(two.state_dict())
        with pytest.raises(RuntimeError, match="Error"):  # a shape that does not fit
            lib.nn.Linear(2, 3).load_state_dict(lib.nn.Linear(2, 2).state_dict())
