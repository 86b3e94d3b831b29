"""Conv2d: a 2-D convolution layer (the math and its backward are in ``tinynet/ops/conv.py``).

Shapes follow PyTorch: input (N, C_in, H, W), weight (C_out, C_in, kh, kw),
bias (C_out,), output (N, C_out, H_out, W_out) with
H_out = (H + pad_top + pad_bottom - kh) // stride_h + 1 (likewise W_out).

Padding can be a number, an (h, w) pair, or a name:
- 'valid': no padding (output shrinks by kernel - 1);
- 'same':  output size = input size (stride 1 only).  The total padding is
  kernel - 1; when that is odd (even kernels) the extra row/column goes at
  the bottom/right, as in PyTorch, so it is applied with ``F.pad``;
- 'full':  kernel - 1 on every side: every position where the kernel
  overlaps the input at all (output grows by kernel - 1).
"""

import math

import numpy as np

from tinynet import checks
from tinynet.nn import init
from tinynet.nn.module import Module
from tinynet.nn.parameter import Parameter
from tinynet.ops import conv, shape

PADDING_MODES = ("valid", "same", "full")


class Conv2d(Module):
    """2-D convolution (cross-correlation, as in every deep-learning library).

    ``Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True)``;
    padding is an int, an (h, w) pair, or 'valid' / 'same' / 'full'.
    Default initialisation is PyTorch's: weight kaiming_uniform(a=sqrt(5)),
    bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = in_channels * kh * kw.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True, dtype=np.float32):
        super().__init__()
        self.in_channels = checks.positive_int(in_channels, "in_channels", "Conv2d")
        self.out_channels = checks.positive_int(out_channels, "out_channels", "Conv2d")
        self.kernel_size = checks.int_pair(kernel_size, "kernel_size", "Conv2d")
        self.stride = checks.int_pair(stride, "stride", "Conv2d")
        self.padding = padding if isinstance(padding, str) else checks.int_pair(padding, "padding", "Conv2d", 0)
        # (top, bottom, left, right) zero padding actually applied.
        self._pads = self._padding_amounts(self.padding)
        dtype = checks.float_dtype(dtype, "Conv2d")
        kh, kw = self.kernel_size
        self.weight = Parameter(np.empty((self.out_channels, self.in_channels, kh, kw), dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty(self.out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def _padding_amounts(self, padding):
        kh, kw = self.kernel_size
        if isinstance(padding, str):
            if padding == "valid":
                return 0, 0, 0, 0
            if padding == "full":
                return kh - 1, kh - 1, kw - 1, kw - 1
            if padding == "same":
                if self.stride != (1, 1):
                    raise ValueError(f"Conv2d: padding='same' needs stride 1, got stride {self.stride}")
                # Total kernel-1; the odd extra goes bottom/right.
                top, left = (kh - 1) // 2, (kw - 1) // 2
                return top, kh - 1 - top, left, kw - 1 - left
            raise ValueError(f"Conv2d: padding must be an int, a pair or one of {PADDING_MODES}, got {padding!r}")
        ph, pw = padding
        return ph, ph, pw, pw

    def reset_parameters(self):
        """Draw fresh weights with PyTorch's default scheme (weight first, then bias)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.in_channels * self.kernel_size[0] * self.kernel_size[1]
            bound = 1.0 / math.sqrt(fan_in)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        """(N, C_in, H, W) -> (N, C_out, H_out, W_out)."""
        in_shape = checks.tensor_shape(x, "Conv2d")
        name = f"Conv2d({self.in_channels}→{self.out_channels})"
        if len(in_shape) != 4:
            raise ValueError(f"{name} expects a 4-D input (N, C, H, W), got shape {in_shape}")
        if in_shape[1] != self.in_channels:
            raise ValueError(f"{name} expects input with {self.in_channels} channels, got shape {in_shape}")
        top, bottom, left, right = self._pads
        padded_h, padded_w = in_shape[2] + top + bottom, in_shape[3] + left + right
        kh, kw = self.kernel_size
        if padded_h < kh or padded_w < kw:
            raise ValueError(
                f"{name} with kernel {self.kernel_size} needs an input of at least {kh - top - bottom}x"
                f"{kw - left - right} pixels after padding, got shape {in_shape}"
            )
        if top == bottom and left == right:
            return conv.Conv2d.apply(x, self.weight, self.bias, stride=self.stride, padding=(top, left))
        # Asymmetric ('same' with an even kernel): pad explicitly, torch F.pad order (left, right, top, bottom).
        x = shape.pad(x, (left, right, top, bottom))
        return conv.Conv2d.apply(x, self.weight, self.bias, stride=self.stride, padding=(0, 0))

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            text += f", padding={self.padding!r}" if isinstance(self.padding, str) else f", padding={self.padding}"
        if self.bias is None:
            text += ", bias=False"
        return text
