"""ConvTranspose2d: the transposed ("fractionally strided") convolution layer of decoders and GAN generators
(the op is in ``tinynet/ops/conv_transpose.py``)."""

from tinynet import checks, devices
from tinynet.nn import init
from tinynet.nn.module import Module
from tinynet.nn.parameter import add_weight_and_bias
from tinynet.ops.conv_transpose import conv_transpose2d


class ConvTranspose2d(Module):
    """Transposed 2-D convolution, as PyTorch's: weight (C_in, C_out / groups, kh, kw) drawn
    kaiming_uniform(a=sqrt(5)) and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = C_out / groups * kh * kw.
    Output size: (in - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1 per dim."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        owner = "ConvTranspose2d"
        self.in_channels, self.out_channels, self.groups = checks.channels_and_groups(in_channels, out_channels,
                                                                                     groups, owner)
        self.kernel_size = checks.int_pair(kernel_size, "kernel_size", owner)
        self.stride = checks.int_pair(stride, "stride", owner)
        self.padding = checks.int_pair(padding, "padding", owner, 0)
        self.output_padding = checks.int_pair(output_padding, "output_padding", owner, 0)
        self.dilation = checks.int_pair(dilation, "dilation", owner)
        if padding_mode != "zeros":
            raise ValueError(f"{owner}: only 'zeros' padding mode is supported, got {padding_mode!r}")
        self.padding_mode = padding_mode
        devices.check(device, owner)
        dtype = checks.float_dtype(dtype, owner)
        add_weight_and_bias(self, (self.in_channels, self.out_channels // self.groups) + self.kernel_size,
                            self.out_channels, bias, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        """Draw fresh weights with PyTorch's default scheme (weight first, then bias)."""
        init.layer_default_(self.weight, self.bias)

    def forward(self, x, output_size=None):
        """(N, C_in, H, W) -> (N, C_out, H_out, W_out); also unbatched (C_in, H, W)."""
        if output_size is not None:
            raise NotImplementedError("ConvTranspose2d: output_size= is not supported by tinynet; set "
                                      "output_padding instead")
        return conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding, self.output_padding,
                                self.groups, self.dilation)

    def extra_repr(self):
        """The settings shown in this layer's repr (PyTorch's format)."""
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        for name, default in (("padding", (0, 0)), ("dilation", (1, 1)), ("output_padding", (0, 0))):
            if getattr(self, name) != default:
                text += f", {name}={getattr(self, name)}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        return text + (", bias=False" if self.bias is None else "")
