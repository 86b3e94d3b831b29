"""One time step of a recurrent network: RNNCell, LSTMCell, GRUCell, and the step functions nn.RNN, nn.LSTM and
nn.GRU repeat over a sequence (recurrent.py).

A recurrent layer carries a hidden state h from one step to the next.  At step t, with input x_t:

    RNN:   h' = tanh(W_ih x + b_ih + W_hh h + b_hh)                    (or relu)
    LSTM:  i, f, g, o = the four quarters of  W_ih x + b_ih + W_hh h + b_hh
           c' = sigmoid(f) * c + sigmoid(i) * tanh(g)                  (the cell: forget some, write some)
           h' = sigmoid(o) * tanh(c')
    GRU:   r, z = sigmoid of the first two thirds of  W_ih x + b_ih + W_hh h + b_hh
           n  = tanh(the last third of W_ih x + b_ih  +  r * (the last third of W_hh h + b_hh))
           h' = (1 - z) * n + z * h

(PyTorch's equations and gate order, so weights copy over unchanged.)  Each is written with tinynet's ops --
linear, sigmoid, tanh, chunk -- so autograd differentiates it: backpropagation through time is the ordinary
backward pass through the graph the steps build, one step's ops after another.  The step functions take
``projected`` = W_ih x + b_ih already computed: a layer computes it for every step of the sequence in one
product before the loop, since it does not depend on h.
"""

import math

import numpy as np

from tinynet import checks, devices
from tinynet.creation import zeros
from tinynet.nn import init
from tinynet.nn.module import Module
from tinynet.nn.parameter import Parameter
from tinynet.ops.activations import relu, sigmoid, tanh
from tinynet.ops.matmul import linear

__all__ = ["RNNCell", "LSTMCell", "GRUCell", "rnn_step", "lstm_step", "gru_step", "GATES", "reset_uniformly"]

GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}  # rows of W_ih and W_hh, in hidden sizes


def rnn_step(projected, h, w_hh, b_hh, nonlinearity="tanh"):
    """h' = tanh(projected + W_hh h + b_hh) (or relu)."""
    pre_activation = projected + linear(h, w_hh, b_hh)
    return tanh(pre_activation) if nonlinearity == "tanh" else relu(pre_activation)


def lstm_step(projected, h, c, w_hh, b_hh):
    """(h', c') of an LSTM step (module docstring)."""
    i, f, g, o = (projected + linear(h, w_hh, b_hh)).chunk(4, -1)
    c = sigmoid(f) * c + sigmoid(i) * tanh(g)
    return sigmoid(o) * tanh(c), c


def gru_step(projected, h, w_hh, b_hh):
    """h' of a GRU step (module docstring): the reset gate r scales only W_hh h + b_hh's last third."""
    x_r, x_z, x_n = projected.chunk(3, -1)
    h_r, h_z, h_n = linear(h, w_hh, b_hh).chunk(3, -1)
    r, z = sigmoid(x_r + h_r), sigmoid(x_z + h_z)
    n = tanh(x_n + r * h_n)
    return (1 - z) * n + z * h


def reset_uniformly(module):
    """PyTorch's start for every recurrent weight and bias: U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
    bound = 1.0 / math.sqrt(module.hidden_size)
    for parameter in module.parameters():
        init.uniform_(parameter, -bound, bound)


class _Cell(Module):
    """What the three cells share: weight_ih (gates * hidden, input), weight_hh (gates * hidden, hidden), biases."""

    def __init__(self, mode, input_size, hidden_size, bias, device, dtype):
        super().__init__()
        owner = type(self).__name__
        self.mode = mode
        self.input_size = checks.integer(input_size, "input_size", owner, minimum=0)
        self.hidden_size = checks.positive_int(hidden_size, "hidden_size", owner)
        self.bias = bool(bias)
        devices.check(device, owner)
        dtype = checks.float_dtype(dtype, owner)
        rows = GATES[self.mode] * self.hidden_size
        self.weight_ih = Parameter(np.empty((rows, self.input_size), dtype=dtype))
        self.weight_hh = Parameter(np.empty((rows, self.hidden_size), dtype=dtype))
        if self.bias:
            self.bias_ih = Parameter(np.empty(rows, dtype=dtype))
            self.bias_hh = Parameter(np.empty(rows, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch starts them."""
        reset_uniformly(self)

    def _prepare(self, input, hx, count):
        """(input as (N, input_size), the ``count`` states as (N, hidden_size), whether input was unbatched)."""
        owner = type(self).__name__
        if input.ndim not in (1, 2):
            raise ValueError(f"{owner}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{owner}: input has inconsistent input_size: got {input.shape[-1]} expected "
                               f"{self.input_size}")
        unbatched = input.ndim == 1
        if unbatched:
            input = input.unsqueeze(0)
        if count == 2 and hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(f"{owner}: hx must be a tuple (h_0, c_0) of two tensors, got {type(hx).__name__}")
        states = (hx,) if count == 1 else (hx if hx is not None else (None, None))
        expected = (self.hidden_size,) if unbatched else (input.shape[0], self.hidden_size)
        prepared = []
        for state in states:
            if state is None:
                prepared.append(zeros((input.shape[0], self.hidden_size), dtype=input.dtype))
                continue
            if tuple(state.shape) != expected:
                raise RuntimeError(f"{owner}: Expected hidden size {expected}, got {tuple(state.shape)}")
            prepared.append(state.unsqueeze(0) if unbatched else state)
        return input, prepared, unbatched

    def extra_repr(self):
        """The settings shown in this cell's repr."""
        text = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            text += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            text += f", nonlinearity={self.nonlinearity}"
        return text


class RNNCell(_Cell):
    """One Elman step: h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (``nonlinearity="relu"``: relu)."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, bias,
                         device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        """input (N, input_size) or (input_size,), hx like it with hidden_size (zeros if None) -> h'."""
        input, (h,), unbatched = self._prepare(input, hx, 1)
        h = rnn_step(linear(input, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh, self.nonlinearity)
        return h.squeeze(0) if unbatched else h


class LSTMCell(_Cell):
    """One LSTM step: (h, c) -> (h', c') (module docstring)."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, bias, device, dtype)

    def forward(self, input, hx=None):
        """input (N, input_size) or (input_size,), hx = (h, c) (zeros if None) -> (h', c')."""
        input, (h, c), unbatched = self._prepare(input, hx, 2)
        h, c = lstm_step(linear(input, self.weight_ih, self.bias_ih), h, c, self.weight_hh, self.bias_hh)
        return (h.squeeze(0), c.squeeze(0)) if unbatched else (h, c)


class GRUCell(_Cell):
    """One GRU step: h -> h' (module docstring)."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, bias, device, dtype)

    def forward(self, input, hx=None):
        """input (N, input_size) or (input_size,), hx like it with hidden_size (zeros if None) -> h'."""
        input, (h,), unbatched = self._prepare(input, hx, 1)
        h = gru_step(linear(input, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh)
        return h.squeeze(0) if unbatched else h
