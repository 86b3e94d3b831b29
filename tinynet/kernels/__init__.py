"""tinynet's kernels: GEMM, 2-D convolution, 2-D pooling, batch normalization -- the seam between Python and C.

Reading order:
  gemm.py, conv.py, pool.py,
  norm.py                   -- the checked API the ops call: each function checks what C needs to stay
                               in bounds (arrays.py, geometry.py), then calls the active backend;
  linear.py                 -- a linear layer (and the ReLU after it), forward and backward in one call each;
  relu.py                   -- the ReLU over a whole big array, one threaded pass each way (ops/activations.py);
  tanh.py                   -- the tanh's backward over a whole big array, one threaded pass;
  add.py                    -- a + b over two whole big arrays, one threaded pass (a ResNet's residual sums);
  loss.py                   -- softmax cross-entropy and its gradient in one pass;
  optim.py                  -- an optimizer's step over all its parameters in one call (SGD, Adam);
  reference.py              -- every algorithm written plainly in numpy (im2col + GEMM, window loops):
                               read it before the C;
  c_backend.py              -- the cffi binding of the C kernels in csrc/;
  config.py                 -- every run-time setting: backend, threads (and how many while other programs
                               keep cores busy), SIMD path, malloc.

Conventions follow PyTorch: images are NCHW, convolution weights are
(C_out, C_in, kernel_h, kernel_w), max pooling pads with -inf, average
pooling with zeros.
"""

from tinynet.kernels.config import (
    build_info, fused_kernels_enabled, get_num_threads, set_fused_kernels, set_num_threads, set_share_cores,
)
from tinynet.kernels.conv import conv2d_backward, conv2d_forward
from tinynet.kernels.gemm import gemm
from tinynet.kernels.linear import linear_backward, linear_forward
from tinynet.kernels.loss import cross_entropy
from tinynet.kernels.optim import adam_step, sgd_step
from tinynet.kernels.norm import batch_norm_backward, batch_norm_forward
from tinynet.kernels.pool import avg_pool2d_backward, avg_pool2d_forward, max_pool2d_backward, max_pool2d_forward

__all__ = [
    "gemm", "conv2d_forward", "conv2d_backward", "max_pool2d_forward", "max_pool2d_backward",
    "avg_pool2d_forward", "avg_pool2d_backward", "batch_norm_forward", "batch_norm_backward",
    "linear_forward", "linear_backward", "cross_entropy", "sgd_step", "adam_step",
    "build_info", "get_num_threads", "set_num_threads", "set_fused_kernels", "fused_kernels_enabled",
    "set_share_cores",
]
