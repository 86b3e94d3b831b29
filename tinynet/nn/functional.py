"""tinynet.nn.functional (import it as F): the functions that layers are made of.

Stateless: every parameter and buffer is an argument.  Each name here is an
op's public function from ``tinynet/ops``, re-exported as it is -- the math,
the derivative and the argument checks live there, beside the op's Function.
"""

from tinynet import checks
from tinynet.ops.activations import (  # noqa: F401
    elu, hardlim, leaky_relu, log_softmax, relu, sigmoid, silu, softmax, softplus, tanh,
)
from tinynet.ops.conv import conv2d  # noqa: F401
from tinynet.ops.dropout import dropout  # noqa: F401
from tinynet.ops.indexing import one_hot  # noqa: F401
from tinynet.ops.linalg import normalize  # noqa: F401
from tinynet.ops.loss import (  # noqa: F401
    binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, mse_loss, nll_loss,
)
from tinynet.ops.matmul import linear  # noqa: F401
from tinynet.ops.normalization import batch_norm  # noqa: F401
from tinynet.ops.operands import as_tensor  # noqa: F401
from tinynet.ops.pool import avg_pool2d, max_pool2d  # noqa: F401
from tinynet.ops.reduce import amax
from tinynet.ops.shape import pad  # noqa: F401
from tinynet.ops.shape import flatten as _flatten
from tinynet.ops.shape import reshape


def flatten(input, start_dim=1, end_dim=-1):
    """Merge dimensions start_dim..end_dim (by default all but the batch dimension)."""
    return _flatten(input, start_dim, end_dim)


def maxout(input, pieces, dim=-1):
    """Maxout: split dimension ``dim`` (size out * pieces) into ``out`` groups of ``pieces`` consecutive
    entries and keep each group's largest value, so that dimension shrinks to ``out``.

    Composed of a reshape and amax, so its derivative is amax's: 1 for the winning entry of each
    group, 0 for the others.  After a linear layer with out * pieces outputs this is Goodfellow et
    al.'s maxout unit, y_j = max_k (w_jk . x + b_jk) (see ``nn.Maxout``).  PyTorch has no maxout.
    """
    input = as_tensor(input)
    pieces = checks.positive_int(pieces, "pieces", "maxout")
    dim = checks.dim(dim, input.ndim, "maxout")
    size = input.shape[dim]
    if size % pieces:
        raise ValueError(f"maxout: dimension {dim} has size {size}, which is not a multiple of pieces={pieces}")
    grouped = reshape(input, (*input.shape[:dim], size // pieces, pieces, *input.shape[dim + 1:]))
    return amax(grouped, dim + 1)
