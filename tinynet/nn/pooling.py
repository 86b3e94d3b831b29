"""Pooling layers: MaxPool2d and AvgPool2d (the math and backward are in ``tinynet/ops/pool.py``).

Pooling slides a kernel_size window over each channel of an (N, C, H, W)
input with the given stride (default: stride = kernel_size, i.e.
non-overlapping windows) and keeps the window's maximum or mean.  Padding
counts as -inf for max pooling and as zeros for average pooling (with
``count_include_pad=True`` the zeros are included in the mean's divisor),
matching PyTorch.
"""

from tinynet import checks
from tinynet.nn.module import Module
from tinynet.ops import pool


class _Pool2d(Module):
    """Argument checking and input checking shared by both pools."""

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        owner = type(self).__name__
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        kh, kw = checks.int_pair(kernel_size, "kernel_size", owner)
        self._strides = checks.int_pair(self.stride, "stride", owner)
        ph, pw = checks.int_pair(padding, "padding", owner, minimum=0)
        if ph > kh // 2 or pw > kw // 2:
            raise ValueError(f"{owner}: padding should be at most half the kernel size, got padding={padding} "
                             f"and kernel_size={kernel_size}")
        self._window = (kh, kw)
        self._pads = (ph, pw)

    def _check_input(self, x):
        shape = checks.tensor_shape(x, type(self).__name__)
        if len(shape) != 4:
            raise ValueError(f"{type(self).__name__} expects a 4-D input (N, C, H, W), got shape {shape}")
        (kh, kw), (ph, pw) = self._window, self._pads
        if shape[2] + 2 * ph < kh or shape[3] + 2 * pw < kw:
            raise ValueError(
                f"{type(self).__name__} with kernel_size={self.kernel_size} needs H, W of at least "
                f"{kh - 2 * ph}x{kw - 2 * pw}, got shape {shape}"
            )

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    """Max pooling: each output is the largest value in its window.

    The gradient flows only to the position that held the maximum.
    """

    def forward(self, x):
        """(N, C, H, W) -> (N, C, H_out, W_out)."""
        self._check_input(x)
        return pool.MaxPool2d.apply(x, self._window, stride=self._strides, padding=self._pads)


class AvgPool2d(_Pool2d):
    """Average pooling: each output is the mean of its window.

    The gradient of each output is shared equally by the window's inputs.
    """

    def __init__(self, kernel_size, stride=None, padding=0, count_include_pad=True):
        super().__init__(kernel_size, stride, padding)
        self.count_include_pad = bool(count_include_pad)

    def forward(self, x):
        """(N, C, H, W) -> (N, C, H_out, W_out)."""
        self._check_input(x)
        return pool.AvgPool2d.apply(x, self._window, stride=self._strides, padding=self._pads,
                                    count_include_pad=self.count_include_pad)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return super().extra_repr() + (", count_include_pad=False" if not self.count_include_pad else "")
