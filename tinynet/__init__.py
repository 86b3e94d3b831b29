"""tinynet: a small, fast, from-scratch deep-learning framework.

Reading map: tensor.py (the Tensor) -> autograd.py (the graph and backward)
-> ops/ (each op's forward and backward) -> kernels.py (checked calls into C)
-> backends/ (numpy reference and the C binding) -> csrc/ (the C kernels).
nn/ and optim/ are built on top; data/, viz/, examples/ and cli.py on top of those.
"""

__version__ = "0.1.0"

from tinynet.random import manual_seed
from tinynet.runtime import build_info, get_num_threads, set_num_threads

# The Tensor, autograd and the ops (tensor.py must be imported before the rest of the engine).
from tinynet.tensor import Tensor
from tinynet.autograd import Function, enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from tinynet.creation import arange, eye, full, ones, ones_like, rand, randn, tensor, zeros, zeros_like
from tinynet.functions import (
    abs, argmax, as_tensor, cat, clamp, clip, concatenate, elu, exp, flatten, hardlim, leaky_relu, log,
    log_softmax, matmul, max, maximum, mean, min, minimum, pad, permute, relu, reshape, sigmoid, silu,
    softmax, softplus, sqrt, stack, sum, tanh, transpose, var, where,
)
from tinynet.gradcheck import GradcheckError, central_difference, gradcheck
from tinynet.anomaly import AnomalyError, detect_anomaly
from tinynet.trace import trace_backward

# The training loop with a progress bar (progress.py), used by the examples.
from tinynet.progress import fit

# Layers, optimizers and checkpoint files, built on the engine above.
from tinynet import nn, optim
from tinynet.serialization import load, save
