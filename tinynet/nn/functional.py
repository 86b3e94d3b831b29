"""tinynet.nn.functional (import it as F): the functions that layers are made of.

Stateless: every parameter and buffer is an argument.  Each name here is an
op's public function from ``tinynet/ops``, re-exported as it is -- the math,
the derivative and the argument checks live there, beside the op's Function.
"""

from tinynet.ops.activations import (  # noqa: F401
    elu, hardlim, hardtanh, leaky_relu, log_softmax, prelu, relu, relu_, relu6, sigmoid, silu, softmax, softplus,
    tanh,
)
from tinynet.ops.adaptive_pool import adaptive_avg_pool2d, adaptive_max_pool2d  # noqa: F401
from tinynet.ops.attention import scaled_dot_product_attention  # noqa: F401
from tinynet.ops.conv import conv2d  # noqa: F401
from tinynet.ops.dropout import alpha_dropout, dropout, dropout1d, dropout2d, dropout3d  # noqa: F401
from tinynet.ops.sampling import gumbel_softmax  # noqa: F401
from tinynet.ops.einsum import bilinear  # noqa: F401
from tinynet.ops.embedding import embedding  # noqa: F401
from tinynet.ops.embedding_bag import embedding_bag  # noqa: F401
from tinynet.ops.indexing import one_hot  # noqa: F401
from tinynet.ops.linalg import normalize  # noqa: F401
from tinynet.ops.loss import huber_loss, kl_div, l1_loss, mse_loss, smooth_l1_loss  # noqa: F401
from tinynet.ops.loss_binary import binary_cross_entropy, binary_cross_entropy_with_logits  # noqa: F401
from tinynet.ops.loss_classification import cross_entropy, nll_loss  # noqa: F401
from tinynet.ops.matmul import linear  # noqa: F401
from tinynet.ops.conv_transpose import conv_transpose2d  # noqa: F401
from tinynet.ops.distances import cosine_similarity, pairwise_distance, pdist  # noqa: F401
from tinynet.ops.group_norm import group_norm  # noqa: F401
from tinynet.ops.hard_activations import (  # noqa: F401
    celu, hardsigmoid, hardswish, softmin, softsign, tanhshrink, threshold,
)
from tinynet.ops.interpolate import interpolate  # noqa: F401
from tinynet.ops.grid_sample import affine_grid, grid_sample  # noqa: F401
from tinynet.ops.one_d import (  # noqa: F401
    adaptive_avg_pool1d, adaptive_max_pool1d, avg_pool1d, conv1d, conv_transpose1d, max_pool1d,
)
from tinynet.ops.normalization import batch_norm, layer_norm, rms_norm  # noqa: F401
from tinynet.ops.operands import as_tensor  # noqa: F401
from tinynet.ops.pool import avg_pool2d, max_pool2d  # noqa: F401
from tinynet.ops.unpool import max_unpool2d  # noqa: F401
from tinynet.ops.shape import pad  # noqa: F401
from tinynet.ops.shape import flatten as _flatten
from tinynet.ops.local_norms import instance_norm, local_response_norm  # noqa: F401
from tinynet.ops.loss_margin import (  # noqa: F401
    cosine_embedding_loss, gaussian_nll_loss, hinge_embedding_loss, margin_ranking_loss, poisson_nll_loss,
    soft_margin_loss, triplet_margin_loss,
)
from tinynet.ops.loss_multiclass import multi_margin_loss, multilabel_soft_margin_loss  # noqa: F401
from tinynet.ops.patches import channel_shuffle, fold, pixel_shuffle, pixel_unshuffle, unfold  # noqa: F401
from tinynet.ops.shrink_glu import glu, hardshrink, softshrink  # noqa: F401
from tinynet.ops.smooth_activations import gelu, logsigmoid, maxout, mish, selu  # noqa: F401


def flatten(input, start_dim=1, end_dim=-1):
    """Merge dimensions start_dim..end_dim (by default all but the batch dimension)."""
    return _flatten(input, start_dim, end_dim)
