"""Pooling layers (the math and backward are in ``tinynet/ops/pool.py`` and ``ops/adaptive_pool.py``).

MaxPool2d and AvgPool2d slide a kernel_size window over each channel of an
(N, C, H, W) -- or unbatched (C, H, W) -- input with the given stride
(default: stride = kernel_size, i.e. non-overlapping windows) and keep the
window's maximum or mean.  Padding counts as -inf for max pooling and as
zeros for average pooling (with ``count_include_pad=True`` the zeros are
included in the mean's divisor); ``ceil_mode=True`` keeps a last, partial
window; all as in PyTorch.

AdaptiveAvgPool2d and AdaptiveMaxPool2d take the output size instead and
choose the windows to fit; ``AdaptiveAvgPool2d((1, 1))`` is global average
pooling, the head of a ResNet.
"""

from tinynet import checks
from tinynet.nn.module import Module
from tinynet.ops import adaptive_pool, pool, unpool
from tinynet.ops.operands import as_tensor


class _Pool2d(Module):
    """Argument checking shared by both pools (the settings are kept as given, as PyTorch shows them)."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.ceil_mode = bool(ceil_mode)
        self._window, self._strides, self._pads = pool.pool_window(kernel_size, stride, padding, type(self).__name__)

    def _checked_input(self, x):
        shape = checks.tensor_shape(x, type(self).__name__)
        pool.check_pool_input(shape, self._window, self._strides, self._pads, self.ceil_mode, type(self).__name__)
        return pool.as_batch(as_tensor(x))

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    """Max pooling: each output is the largest value in its window.

    The gradient flows only to the position that held the maximum.
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__(kernel_size, stride, padding, ceil_mode)
        if dilation != 1 and dilation != (1, 1):
            raise NotImplementedError("MaxPool2d: dilation != 1 is not supported by tinynet")
        self.dilation = dilation
        self.return_indices = bool(return_indices)

    def forward(self, x):
        """(N, C, H, W) -> (N, C, H_out, W_out)."""
        batch, unbatched = self._checked_input(x)
        extra = pool.extra_padding(batch.shape, self._window, self._strides, self._pads, self.ceil_mode)
        out = pool.unbatch(pool.MaxPool2d.apply(batch, self._window, stride=self._strides, padding=self._pads,
                                                extra=extra), unbatched)
        if not self.return_indices:
            return out
        return out, pool.unbatch(pool.max_indices(batch, self._window, self._strides, self._pads, extra), unbatched)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return super().extra_repr() + f", dilation={self.dilation}, ceil_mode={self.ceil_mode}"


class AvgPool2d(_Pool2d):
    """Average pooling: each output is the mean of its window.

    The gradient of each output is shared equally by the window's inputs.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.count_include_pad = bool(count_include_pad)
        self.divisor_override = divisor_override

    def forward(self, x):
        """(N, C, H, W) -> (N, C, H_out, W_out)."""
        self._checked_input(x)
        return pool.avg_pool2d(x, self._window, self._strides, self._pads, self.ceil_mode, self.count_include_pad,
                               self.divisor_override)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return super().extra_repr() + (", count_include_pad=False" if not self.count_include_pad else "")


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size (h, w) (an int for a square; None keeps that input size)."""

    def __init__(self, output_size):
        super().__init__()
        adaptive_pool.adaptive_output_size(output_size, (1, 1), "AdaptiveAvgPool2d")  # (checks the types only)
        self.output_size = output_size

    def forward(self, x):
        """(N, C, H, W) -> (N, C, h, w)."""
        return adaptive_pool.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(Module):
    """Max pooling to a fixed output size (h, w) (an int for a square; None keeps that input size)."""

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        if return_indices:
            raise NotImplementedError("AdaptiveMaxPool2d: return_indices=True is not supported by tinynet")
        adaptive_pool.adaptive_output_size(output_size, (1, 1), "AdaptiveMaxPool2d")
        self.output_size = output_size
        self.return_indices = False

    def forward(self, x):
        """(N, C, H, W) -> (N, C, h, w)."""
        return adaptive_pool.adaptive_max_pool2d(x, self.output_size)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"output_size={self.output_size}"


class MaxUnpool2d(Module):
    """Max pooling undone: values put back where ``MaxPool2d(return_indices=True)`` found them, zeros elsewhere
    (``tinynet/ops/unpool.py``)."""

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size, self.stride, self.padding = unpool.pool_window(kernel_size, stride, padding, "MaxUnpool2d")

    def forward(self, input, indices, output_size=None):
        """(N, C, H, W) values and their indices -> (N, C, H_out, W_out)."""
        return unpool.max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
