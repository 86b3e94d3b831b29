"""tinynet: a small, fast, from-scratch deep-learning framework.

Reading map, bottom up (each layer imports only from the ones before it):
  dtypes.py, devices.py  float32, int64, ... and the default dtype; the one device, the CPU;
  tensor.py     the Tensor: an array, requires_grad, grad, and the node that made it;
  autograd/     the graph (function.py), the chain rule run backwards (engine.py), grad mode;
  ops/          every op: its Function (forward, backward, derivative) and its public function;
                tensor_methods.py makes them the Tensor's methods and operators;
  kernels/      the checked seam to C: GEMM, convolution, pooling; a numpy reference of each;
                the cffi binding of csrc/ (the C kernels) and every run-time setting;
  nn/, optim/   layers, losses and optimizers built on the ops;
  data/, viz/, examples/, cli.py  on top of those (viz and examples load on first use).
"""

__version__ = "0.1.0"

import importlib

from tinynet.random import initial_seed, manual_seed, seed
from tinynet.printing import set_printoptions  # noqa: F401
from tinynet.generator import Generator
from tinynet.kernels import build_info, fused_kernels_enabled, get_num_threads, set_fused_kernels, set_num_threads
from tinynet.tensor import Tensor
from tinynet.dtypes import (  # noqa: F401  (PyTorch's dtype names; float/int/bool shadow Python's only in here)
    bool, double, finfo, float, float32, float64, get_default_dtype, iinfo, int, int8, int16, int32, int64, long,
    set_default_dtype, short, uint8,
)
from tinynet.devices import device
from tinynet.size import Size
from tinynet import accelerator, amp, backends, cuda, return_types, special, testing
from tinynet.amp import autocast
from tinynet import autograd
from tinynet.autograd import (
    AnomalyError, GradcheckError, central_difference, detect_anomaly, enable_grad, gradcheck, inference_mode,
    is_grad_enabled, no_grad, set_grad_enabled, trace_backward,
)
from tinynet.autograd.function import Function  # tinynet's op base (numpy arrays); autograd.Function is PyTorch's
# Every op's public function, as tinynet.exp, tinynet.cat, ... (each family's __all__).
from tinynet.ops.activations import *  # noqa: F401,F403
from tinynet.ops.adaptive_pool import *  # noqa: F401,F403
from tinynet.ops.compare import *  # noqa: F401,F403
from tinynet.ops.conv import *  # noqa: F401,F403
from tinynet.ops.division import *  # noqa: F401,F403
from tinynet.ops.dropout import *  # noqa: F401,F403
from tinynet.ops.elementwise import *  # noqa: F401,F403
from tinynet.ops.hard_activations import *  # noqa: F401,F403
from tinynet.ops.elementwise_math import *  # noqa: F401,F403
from tinynet.ops.embedding import *  # noqa: F401,F403
from tinynet.ops.indexing import *  # noqa: F401,F403
from tinynet.ops.linalg import *  # noqa: F401,F403
from tinynet.ops.logical import *  # noqa: F401,F403
from tinynet.ops.masks import *  # noqa: F401,F403
from tinynet.ops.loss import *  # noqa: F401,F403
from tinynet.ops.loss_binary import *  # noqa: F401,F403
from tinynet.ops.loss_classification import *  # noqa: F401,F403
from tinynet.ops.matmul import *  # noqa: F401,F403
from tinynet.ops.conv_transpose import *  # noqa: F401,F403
from tinynet.ops.distances import *  # noqa: F401,F403
from tinynet.ops.einsum import *  # noqa: F401,F403
from tinynet.ops.group_norm import *  # noqa: F401,F403
from tinynet.ops.matrix_parts import *  # noqa: F401,F403
from tinynet.ops.matrix_algebra import *  # noqa: F401,F403
from tinynet.ops.one_d import *  # noqa: F401,F403
from tinynet.ops.normalization import *  # noqa: F401,F403
from tinynet.ops.norms import *  # noqa: F401,F403
from tinynet.ops.piecewise import *  # noqa: F401,F403
from tinynet.ops.pool import *  # noqa: F401,F403
from tinynet.ops.promotion import *  # noqa: F401,F403
from tinynet.ops.rearrange import *  # noqa: F401,F403
from tinynet.ops.reduce import *  # noqa: F401,F403
from tinynet.ops.shape import *  # noqa: F401,F403
from tinynet.ops.smooth_activations import *  # noqa: F401,F403
from tinynet.ops.sort import *  # noqa: F401,F403
from tinynet.ops.trig_hyperbolic import *  # noqa: F401,F403
from tinynet.ops.cast import *  # noqa: F401,F403
from tinynet.ops.grids import *  # noqa: F401,F403
from tinynet.ops.index_add import *  # noqa: F401,F403
from tinynet.ops.counting import *  # noqa: F401,F403
from tinynet.ops.pairwise_math import *  # noqa: F401,F403
from tinynet.ops.sampling import *  # noqa: F401,F403
from tinynet.ops.neighbours import *  # noqa: F401,F403
from tinynet.ops.tensor_products import *  # noqa: F401,F403
from tinynet.ops.special_functions import *  # noqa: F401,F403
from tinynet.ops.aliases import *  # noqa: F401,F403
from tinynet.ops.scatter_reduce import *  # noqa: F401,F403
from tinynet.ops.index_put import *  # noqa: F401,F403
from tinynet.ops.running_extremes import *  # noqa: F401,F403
from tinynet.ops.shrink_glu import hardshrink  # noqa: F401  (torch.hardshrink; glu, softshrink live in F only)
from tinynet.ops.patches import pixel_shuffle, pixel_unshuffle  # noqa: F401
from tinynet.ops.local_norms import instance_norm  # noqa: F401
from tinynet.ops.dropout import alpha_dropout  # noqa: F401
from tinynet.ops import tensor_methods  # noqa: F401  (makes those functions the Tensor's methods and operators)
from tinynet.creation import *  # noqa: F401,F403
from tinynet.legacy_types import *  # noqa: F401,F403  (FloatTensor, LongTensor, ...)
from tinynet.switches import *  # noqa: F401,F403  (compile, use_deterministic_algorithms)  (tensor, zeros, arange, randint, from_numpy, *_like, ...)
from tinynet import distributions, linalg, nn, optim
from tinynet.serialization import load, save
from tinynet.training import NonFiniteLossError, fit

# Loaded on first use (``tinynet.viz.draw_graph``, ``tinynet.utils.data.DataLoader``), so that
# ``import tinynet`` stays fast: they bring in matplotlib, the examples, the data loaders.
_LAZY_SUBPACKAGES = ("data", "utils", "viz", "examples")


def __getattr__(name):
    if name in _LAZY_SUBPACKAGES:
        return importlib.import_module(f"tinynet.{name}")
    raise AttributeError(f"module 'tinynet' has no attribute {name!r}")
