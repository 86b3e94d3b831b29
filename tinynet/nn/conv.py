"""Conv2d: a 2-D convolution layer (the math and its backward are in ``tinynet/ops/conv.py``).

Shapes follow PyTorch: input (N, C_in, H, W) or (C_in, H, W), weight
(C_out, C_in / groups, kh, kw), bias (C_out,), output (N, C_out, H_out, W_out) with
H_out = (H + pad_top + pad_bottom - dilation_h (kh - 1) - 1) // stride_h + 1 (likewise W_out).

Padding can be a number, an (h, w) pair, or a name:
- 'valid': no padding (output shrinks by kernel - 1);
- 'same':  output size = input size (stride 1 only).  The total padding is
  dilation * (kernel - 1); when that is odd (even kernels) the extra row/column
  goes at the bottom/right, as in PyTorch;
- 'full':  (a tinynet extra) kernel - 1 on every side: every position where
  the kernel overlaps the input at all (output grows by kernel - 1).

``groups`` splits the channels into independent convolutions (ResNeXt uses 32;
groups = in_channels is a depthwise convolution); ``dilation`` spaces the
kernel's taps apart, widening its view without more weights.
"""

from tinynet import checks, devices
from tinynet.nn import init
from tinynet.nn.module import Module
from tinynet.nn.parameter import add_weight_and_bias
from tinynet.ops import conv
from tinynet.ops import shape as shape_ops

PADDING_MODES = ("valid", "same", "full")
# What the border holds: zeros, or the image mirrored at its edge, its edge repeated, or the opposite side (as if
# the image wrapped around) -- F.pad's modes, applied before a convolution that then pads nothing.
BORDER_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "replicate", "circular": "circular"}


class Conv2d(Module):
    """2-D convolution (cross-correlation, as in every deep-learning library).

    ``Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
    padding_mode='zeros', device=None, dtype=None)``, as in PyTorch; padding is an int, an (h, w) pair, or
    'valid' / 'same' / 'full'.  Default initialisation is PyTorch's: weight kaiming_uniform(a=sqrt(5)),
    bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = in_channels / groups * kh * kw.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        owner = "Conv2d"
        self.in_channels = checks.positive_int(in_channels, "in_channels", owner)
        self.out_channels = checks.positive_int(out_channels, "out_channels", owner)
        self.kernel_size = checks.int_pair(kernel_size, "kernel_size", owner)
        self.stride = checks.int_pair(stride, "stride", owner)
        self.dilation = checks.int_pair(dilation, "dilation", owner)
        if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
            raise ValueError(f"{owner}: groups must be a positive integer, got {groups!r}")
        if self.in_channels % groups:
            raise ValueError(f"{owner}: in_channels must be divisible by groups, got {in_channels} and {groups}")
        if self.out_channels % groups:
            raise ValueError(f"{owner}: out_channels must be divisible by groups, got {out_channels} and {groups}")
        self.groups = groups
        if padding_mode not in BORDER_MODES:
            raise ValueError(f"padding_mode must be one of {set(BORDER_MODES)}, but got padding_mode={padding_mode!r}")
        self.padding_mode = padding_mode
        devices.check(device, owner)
        self.padding = padding if isinstance(padding, str) else checks.int_pair(padding, "padding", owner, 0)
        # (top, bottom, left, right) zero padding actually applied.
        self._pads = self._padding_amounts(self.padding)
        dtype = checks.float_dtype(dtype, owner)
        kh, kw = self.kernel_size
        add_weight_and_bias(self, (self.out_channels, self.in_channels // groups, kh, kw), self.out_channels, bias,
                            dtype)
        self.reset_parameters()

    def _padding_amounts(self, padding):
        if padding == "full":
            (kh, kw), (dh, dw) = self.kernel_size, self.dilation
            return dh * (kh - 1), dh * (kh - 1), dw * (kw - 1), dw * (kw - 1)
        if isinstance(padding, str) and padding not in PADDING_MODES:
            raise ValueError(f"Conv2d: padding must be an int, a pair or one of {PADDING_MODES}, got {padding!r}")
        return conv.padding_amounts(padding, self.kernel_size, self.stride, self.dilation, "Conv2d", ValueError)

    def reset_parameters(self):
        """Draw fresh weights with PyTorch's default scheme (weight first, then bias)."""
        init.layer_default_(self.weight, self.bias)

    def forward(self, x):
        """(N, C_in, H, W) -> (N, C_out, H_out, W_out); also (C_in, H, W) -> (C_out, H_out, W_out)."""
        shape = checks.tensor_shape(x, "Conv2d")
        if len(shape) not in (3, 4) or shape[-3] != self.in_channels:
            name = f"Conv2d({self.in_channels}→{self.out_channels})"
            if len(shape) not in (3, 4):
                raise RuntimeError(f"{name} expects a 4-D input (N, C, H, W) or a 3-D unbatched one (C, H, W), "
                                   f"got shape {shape}")
            raise RuntimeError(f"{name} expects input with {self.in_channels} channels, got shape {shape}")
        pads = self._pads
        if self.padding_mode != "zeros" and any(pads):
            top, bottom, left, right = pads
            x = shape_ops.pad(x, (left, right, top, bottom), mode=BORDER_MODES[self.padding_mode])
            shape, pads = tuple(x.shape), (0, 0, 0, 0)
        conv.check_conv_shapes(shape, self.weight.shape, None, pads, self.dilation, self.groups)
        return conv.convolve(x, self.weight, self.bias, self.stride, pads, self.dilation, self.groups)

    def extra_repr(self):
        """The settings shown in this layer's repr (PyTorch's format)."""
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            text += f", padding={self.padding}"  # (a name unquoted, as PyTorch prints it)
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text
