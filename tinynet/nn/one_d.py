"""1-D layers over (N, C, L) signals: Conv1d, ConvTranspose1d, MaxPool1d, AvgPool1d, AdaptiveAvgPool1d, AdaptiveMaxPool1d
(the ops are in ``tinynet/ops/one_d.py``: the 2-D ones on a height of one)."""

from tinynet import checks, devices
from tinynet.nn import init
from tinynet.nn.module import Module
from tinynet.nn.parameter import add_weight_and_bias
from tinynet.ops import one_d


class Conv1d(Module):
    """1-D convolution, as PyTorch's: weight (C_out, C_in / groups, k) drawn kaiming_uniform(a=sqrt(5)),
    bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = C_in / groups * k; padding an int, 'valid' or 'same'."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        owner = "Conv1d"
        self.in_channels, self.out_channels, self.groups = checks.channels_and_groups(in_channels, out_channels,
                                                                                     groups, owner)
        self.kernel_size = (one_d.single(kernel_size, "kernel_size", owner),)
        self.stride = (one_d.single(stride, "stride", owner),)
        self.dilation = (one_d.single(dilation, "dilation", owner),)
        if padding_mode != "zeros":
            raise NotImplementedError(f"{owner}: only padding_mode='zeros' is supported by tinynet, got {padding_mode!r}")
        if isinstance(padding, str) and padding not in ("valid", "same"):
            raise ValueError(f"{owner}: padding must be an int, 'valid' or 'same', got {padding!r}")
        self.padding = padding if isinstance(padding, str) else (one_d.single(padding, "padding", owner, 0),)
        self.padding_mode = padding_mode
        devices.check(device, owner)
        dtype = checks.float_dtype(dtype, owner)
        add_weight_and_bias(self, (self.out_channels, self.in_channels // self.groups, self.kernel_size[0]),
                            self.out_channels, bias, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        """Draw fresh weights with PyTorch's default scheme (weight first, then bias)."""
        init.layer_default_(self.weight, self.bias)

    def forward(self, x):
        """(N, C_in, L) -> (N, C_out, L_out); also (C_in, L) -> (C_out, L_out)."""
        padding = self.padding if isinstance(self.padding, str) else self.padding[0]
        return one_d.conv1d(x, self.weight, self.bias, self.stride[0], padding, self.dilation[0], self.groups)

    def extra_repr(self):
        """The settings shown in this layer's repr (PyTorch's format)."""
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,):
            text += f", padding={self.padding}"  # (a name prints without quotes, as in PyTorch)
        if self.dilation != (1,):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        return text + (", bias=False" if self.bias is None else "")


class ConvTranspose1d(Module):
    """Transposed 1-D convolution (the upsampling layer of 1-D decoders and audio generators), as PyTorch's:
    weight (C_in, C_out / groups, k) drawn kaiming_uniform(a=sqrt(5)), bias U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    with fan_in = C_out / groups * k.  Output length: (L - 1) stride - 2 padding + dilation (k - 1) +
    output_padding + 1."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        owner = "ConvTranspose1d"
        self.in_channels, self.out_channels, self.groups = checks.channels_and_groups(in_channels, out_channels,
                                                                                     groups, owner)
        self.kernel_size = (one_d.single(kernel_size, "kernel_size", owner),)
        self.stride = (one_d.single(stride, "stride", owner),)
        self.padding = (one_d.single(padding, "padding", owner, 0),)
        self.output_padding = (one_d.single(output_padding, "output_padding", owner, 0),)
        self.dilation = (one_d.single(dilation, "dilation", owner),)
        if padding_mode != "zeros":
            raise ValueError(f"{owner}: only 'zeros' padding mode is supported, got {padding_mode!r}")
        self.padding_mode = padding_mode
        devices.check(device, owner)
        dtype = checks.float_dtype(dtype, owner)
        add_weight_and_bias(self, (self.in_channels, self.out_channels // self.groups, self.kernel_size[0]),
                            self.out_channels, bias, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        """Draw fresh weights with PyTorch's default scheme (weight first, then bias)."""
        init.layer_default_(self.weight, self.bias)

    def forward(self, x):
        """(N, C_in, L) -> (N, C_out, L_out); also (C_in, L) -> (C_out, L_out)."""
        return one_d.conv_transpose1d(x, self.weight, self.bias, self.stride[0], self.padding[0],
                                      self.output_padding[0], self.groups, self.dilation[0])

    def extra_repr(self):
        """The settings shown in this layer's repr (PyTorch's format)."""
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        for name, default in (("padding", (0,)), ("dilation", (1,)), ("output_padding", (0,))):
            if getattr(self, name) != default:
                text += f", {name}={getattr(self, name)}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        return text + (", bias=False" if self.bias is None else "")


class MaxPool1d(Module):
    """The largest value of each window of ``kernel_size`` (stride defaults to kernel_size)."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, kernel_size if stride is None else stride
        self.padding, self.dilation, self.ceil_mode = padding, dilation, ceil_mode
        self.return_indices = return_indices

    def forward(self, x):
        """(N, C, L) -> (N, C, L_out)."""
        return one_d.max_pool1d(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                                self.return_indices)

    def extra_repr(self):
        """The settings shown in this layer's repr (PyTorch's format)."""
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool1d(Module):
    """The mean of each window of ``kernel_size`` (stride defaults to kernel_size)."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__()
        self.kernel_size = (one_d.single(kernel_size, "kernel_size", "AvgPool1d"),)
        self.stride = self.kernel_size if stride is None else (one_d.single(stride, "stride", "AvgPool1d"),)
        self.padding = (one_d.single(padding, "padding", "AvgPool1d", 0),)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, x):
        """(N, C, L) -> (N, C, L_out)."""
        return one_d.avg_pool1d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                                self.count_include_pad)

    def extra_repr(self):
        """The settings shown in this layer's repr (PyTorch's format)."""
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool1d(Module):
    """Average pooling to ``output_size`` positions, whatever the input length."""

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, x):
        """(N, C, L) -> (N, C, output_size)."""
        return one_d.adaptive_avg_pool1d(x, self.output_size)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(AdaptiveAvgPool1d):
    """Max pooling to ``output_size`` positions, whatever the input length."""

    def __init__(self, output_size, return_indices=False):
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, x):
        """(N, C, L) -> (N, C, output_size)."""
        return one_d.adaptive_max_pool1d(x, self.output_size, self.return_indices)
