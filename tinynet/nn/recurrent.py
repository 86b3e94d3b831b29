"""Recurrent layers over whole sequences: nn.RNN, nn.LSTM, nn.GRU (PyTorch's arguments, shapes and weights).

A layer runs its cell's step (recurrent_cells.py) along the sequence, carrying the hidden state forward:

    for t in 0 .. L-1:   h_t = step(W_ih x_t + b_ih, h_(t-1))        (LSTM: and the cell state c_t)

The input projections W_ih x_t + b_ih do not depend on h, so they are computed for every t in one product
before the loop; only W_hh h is computed step by step.  With ``bidirectional=True`` a second set of weights
(named ``..._reverse``) runs the same loop from t = L-1 down to 0, and each step's output is the two hidden states
side by side.  With ``num_layers > 1`` the outputs of one layer are the inputs of the next (``dropout`` between
them while training).

Shapes (D = 2 if bidirectional else 1, N the batch, L the sequence length):

    input   (L, N, input_size), or (N, L, input_size) with batch_first=True, or (L, input_size) unbatched
    h_0     (D * num_layers, N, hidden_size), zeros when not given (LSTM: the tuple (h_0, c_0))
    output  (L, N, D * hidden_size) (batch_first: (N, L, ...)): the last layer's h_t for every t
    h_n     (D * num_layers, N, hidden_size): every layer's and direction's last state (LSTM: (h_n, c_n))

The backward pass is autograd's, through the graph the loop builds: backpropagation through time.
Packed sequences (``nn.utils.rnn.pack_padded_sequence``) and LSTM's ``proj_size`` are not supported.
"""

import warnings

import numpy as np

from tinynet import checks, devices
from tinynet.creation import zeros
from tinynet.nn.module import Module
from tinynet.nn.parameter import Parameter
from tinynet.nn.recurrent_cells import GATES, gru_step, lstm_step, reset_uniformly, rnn_step
from tinynet.ops.dropout import dropout as dropout_op
from tinynet.ops.matmul import linear
from tinynet.ops.shape import cat, stack

__all__ = ["RNNBase", "RNN", "LSTM", "GRU"]


class RNNBase(Module):
    """What RNN, LSTM and GRU share: the weights of every layer and direction, the checks, the loop."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        owner = type(self).__name__
        self.mode = mode
        self.input_size = checks.positive_int(input_size, "input_size", owner)
        self.hidden_size = checks.positive_int(hidden_size, "hidden_size", owner)
        self.num_layers = checks.positive_int(num_layers, "num_layers", owner)
        self.bias, self.batch_first, self.bidirectional = bool(bias), bool(batch_first), bool(bidirectional)
        self.dropout = checks.probability(dropout, "dropout", owner)
        if self.dropout > 0 and self.num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and num_layers=1",
                          UserWarning, stacklevel=3)
        if proj_size:
            raise NotImplementedError(f"{owner}: proj_size is not supported by tinynet (use proj_size=0)")
        self.proj_size = 0
        devices.check(device, owner)
        dtype = checks.float_dtype(dtype, owner)
        rows = GATES[mode] * self.hidden_size
        self._names = []  # [(w_ih, w_hh, b_ih, b_hh) names] per layer and direction, PyTorch's order
        for layer in range(self.num_layers):
            for suffix in ("", "_reverse")[:self.directions]:
                width = self.input_size if layer == 0 else self.hidden_size * self.directions
                names = [f"weight_ih_l{layer}{suffix}", f"weight_hh_l{layer}{suffix}"]
                setattr(self, names[0], Parameter(np.empty((rows, width), dtype=dtype)))
                setattr(self, names[1], Parameter(np.empty((rows, self.hidden_size), dtype=dtype)))
                if self.bias:
                    names += [f"bias_ih_l{layer}{suffix}", f"bias_hh_l{layer}{suffix}"]
                    setattr(self, names[2], Parameter(np.empty(rows, dtype=dtype)))
                    setattr(self, names[3], Parameter(np.empty(rows, dtype=dtype)))
                self._names.append(names)
        self.reset_parameters()

    @property
    def directions(self):
        """2 when bidirectional, else 1."""
        return 2 if self.bidirectional else 1

    @property
    def all_weights(self):
        """Each layer's and direction's parameters, [[w_ih, w_hh, b_ih, b_hh], ...], as PyTorch lists them."""
        return [[getattr(self, name) for name in names] for names in self._names]

    def reset_parameters(self):
        """Every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch starts them."""
        reset_uniformly(self)

    def flatten_parameters(self):
        """PyTorch packs the weights into one buffer for cuDNN; there is nothing to do here."""

    def forward(self, input, hx=None):
        """The sequence's outputs and the last states (module docstring for the shapes)."""
        sequence, states, unbatched = self._prepare(input, hx)
        layer_input, finals = sequence, [[] for _ in states]
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(self.directions):
                index = layer * self.directions + direction
                last, per_step = self._run(layer_input, [state[index] for state in states], index, direction == 1)
                outputs.append(per_step)
                for final, state in zip(finals, last):
                    final.append(state)
            layer_input = outputs[0] if len(outputs) == 1 else cat(outputs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = dropout_op(layer_input, self.dropout, True)
        output = layer_input.transpose(0, 1) if self.batch_first and not unbatched else layer_input
        last_states = [stack(final) for final in finals]
        if unbatched:
            output, last_states = output.squeeze(1), [state.squeeze(1) for state in last_states]
        return output, (tuple(last_states) if self.mode == "LSTM" else last_states[0])

    def _run(self, sequence, states, index, reverse):
        """One layer in one direction over (L, N, width): (its last states, its h_t for every t as (L, N, H))."""
        w_ih, w_hh, *biases = (getattr(self, name) for name in self._names[index])
        b_ih, b_hh = biases if biases else (None, None)
        projected = linear(sequence, w_ih, b_ih)  # W_ih x_t + b_ih for every t at once: (L, N, gates * H)
        steps = range(sequence.shape[0] - 1, -1, -1) if reverse else range(sequence.shape[0])
        hidden = [None] * sequence.shape[0]
        nonlinearity = "relu" if self.mode == "RNN_RELU" else "tanh"
        for t in steps:
            if self.mode == "LSTM":
                states = list(lstm_step(projected[t], states[0], states[1], w_hh, b_hh))
            elif self.mode == "GRU":
                states = [gru_step(projected[t], states[0], w_hh, b_hh)]
            else:
                states = [rnn_step(projected[t], states[0], w_hh, b_hh, nonlinearity)]
            hidden[t] = states[0]
        return states, stack(hidden)

    def _prepare(self, input, hx):
        """(input as (L, N, input_size), the initial states [(D * layers, N, H)], whether input was unbatched)."""
        owner = type(self).__name__
        if input.ndim not in (2, 3):
            raise ValueError(f"{owner}: Expected input to be 2D or 3D, got {input.ndim}D tensor instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                               f"{input.shape[-1]}")
        weight_dtype = self.weight_ih_l0.dtype
        if input.dtype != weight_dtype:
            raise ValueError(f"{owner}: input dtype ({input.dtype}) does not match weight dtype ({weight_dtype}). "
                             f"Convert the input (input.to({weight_dtype})) or the model")
        unbatched = input.ndim == 2
        sequence = input.unsqueeze(1) if unbatched else input.transpose(0, 1) if self.batch_first else input
        if sequence.shape[0] == 0:
            raise RuntimeError(f"{owner}: Expected sequence length to be larger than 0 in RNN")
        count = 2 if self.mode == "LSTM" else 1
        if count == 2 and hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(f"{owner}: hx must be a tuple (h_0, c_0) of two tensors, got {type(hx).__name__}")
        given = [None] * count if hx is None else (list(hx) if count == 2 else [hx])
        expected = (self.num_layers * self.directions, sequence.shape[1], self.hidden_size)
        states = []
        for k, state in enumerate(given):
            if state is None:
                states.append(zeros(expected, dtype=input.dtype))
                continue
            if state.ndim != input.ndim:
                kind = "unbatched 2-D" if unbatched else "batched 3-D"
                raise RuntimeError(f"For {kind} input, hx{' and cx' if count == 2 else ''} should also be "
                                   f"{input.ndim}-D but got {state.ndim}-D tensor")
            state = state.unsqueeze(1) if unbatched else state
            if tuple(state.shape) != expected:
                which = "hidden" if count == 1 else f"hidden[{k}]"
                raise RuntimeError(f"Expected {which} size {expected}, got {list(state.shape)}")
            states.append(state)
        return sequence, states, unbatched

    def extra_repr(self):
        """The settings shown in this layer's repr (those that differ from the defaults)."""
        text = f"{self.input_size}, {self.hidden_size}"
        defaults = {"num_layers": 1, "bias": True, "batch_first": False, "dropout": 0.0, "bidirectional": False}
        for name, default in defaults.items():
            if getattr(self, name) != default:
                text += f", {name}={getattr(self, name)}"
        if self.mode == "RNN_RELU":
            text += ", nonlinearity=relu"
        return text


class RNN(RNNBase):
    """An Elman network: h_t = tanh(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh) (``nonlinearity="relu"``: relu)."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, 0, device, dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory: input, forget and output gates around a cell state c (recurrent_cells.py)."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)


class GRU(RNNBase):
    """Gated recurrent unit: reset and update gates, no separate cell state (recurrent_cells.py)."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0,
                         device, dtype)
