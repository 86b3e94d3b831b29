"""tinynet.nn.functional (import it as F): the functions that layers are made of.

Stateless: every parameter and buffer is an argument.  Each name here is an
op's public function from ``tinynet/ops``, re-exported as it is -- the math,
the derivative and the argument checks live there, beside the op's Function.
"""

from tinynet.ops.activations import (  # noqa: F401
    elu, hardlim, leaky_relu, log_softmax, relu, sigmoid, silu, softmax, softplus, tanh,
)
from tinynet.ops.conv import conv2d  # noqa: F401
from tinynet.ops.dropout import dropout  # noqa: F401
from tinynet.ops.loss import (  # noqa: F401
    binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, mse_loss, nll_loss,
)
from tinynet.ops.matmul import linear  # noqa: F401
from tinynet.ops.normalization import batch_norm  # noqa: F401
from tinynet.ops.operands import as_tensor  # noqa: F401
from tinynet.ops.pool import avg_pool2d, max_pool2d  # noqa: F401
from tinynet.ops.shape import pad  # noqa: F401
from tinynet.ops.shape import flatten as _flatten


def flatten(input, start_dim=1, end_dim=-1):
    """Merge dimensions start_dim..end_dim (by default all but the batch dimension)."""
    return _flatten(input, start_dim, end_dim)
