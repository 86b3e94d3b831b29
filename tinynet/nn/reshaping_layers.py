"""Layers without parameters that gate, shrink, rearrange or normalise locally, each holding its settings and
calling the function of the same name in ``nn.functional``:

    GLU(dim)                  a * sigmoid(b) for the two halves of the input along dim
    Softshrink / Hardshrink   shrink towards 0 by lambd / zero out |x| <= lambd
    PixelShuffle(r)           (N, C r^2, H, W) -> (N, C, H r, W r); PixelUnshuffle undoes it
    ChannelShuffle(g)         the channels read as a (g, C / g) table down its columns (ShuffleNet)
    Unfold / Fold             image -> patch columns (im2col) and back (col2im, overlaps summed)
    LocalResponseNorm         AlexNet's normalisation across neighbouring channels
"""

from tinynet import checks
from tinynet.nn.module import Module
from tinynet.ops import local_norms, patches, shrink_glu


class GLU(Module):
    """The gated linear unit over ``dim``: the first half of the input times sigmoid of the second."""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = checks.integer(dim, "dim", "GLU")

    def forward(self, x):
        """glu(x, dim)."""
        return shrink_glu.glu(x, self.dim)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"dim={self.dim}"


class Softshrink(Module):
    """x - lambd above lambd, x + lambd below -lambd, 0 in between."""

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = checks.real_number(lambd, "lambd", "Softshrink")

    def forward(self, x):
        """softshrink(x, lambd)."""
        return shrink_glu.softshrink(x, self.lambd)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return str(self.lambd)


class Hardshrink(Softshrink):
    """x where |x| > lambd, 0 elsewhere."""

    def forward(self, x):
        """hardshrink(x, lambd)."""
        return shrink_glu.hardshrink(x, self.lambd)


class PixelShuffle(Module):
    """(*, C * r^2, H, W) -> (*, C, H * r, W * r), r = upscale_factor (sub-pixel convolution's upsampling)."""

    def __init__(self, upscale_factor):
        super().__init__()
        self.upscale_factor = checks.positive_int(upscale_factor, "upscale_factor", "PixelShuffle")

    def forward(self, x):
        """pixel_shuffle(x, upscale_factor)."""
        return patches.pixel_shuffle(x, self.upscale_factor)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """(*, C, H * r, W * r) -> (*, C * r^2, H, W), r = downscale_factor."""

    def __init__(self, downscale_factor):
        super().__init__()
        self.downscale_factor = checks.positive_int(downscale_factor, "downscale_factor", "PixelUnshuffle")

    def forward(self, x):
        """pixel_unshuffle(x, downscale_factor)."""
        return patches.pixel_unshuffle(x, self.downscale_factor)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"downscale_factor={self.downscale_factor}"


class ChannelShuffle(Module):
    """Interleave the channels of ``groups`` groups: channel_shuffle(x, groups)."""

    def __init__(self, groups):
        super().__init__()
        self.groups = checks.integer(groups, "groups", "ChannelShuffle")

    def forward(self, x):
        """channel_shuffle(x, groups)."""
        return patches.channel_shuffle(x, self.groups)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"groups={self.groups}"


class Unfold(Module):
    """Every kernel-sized patch of (N, C, H, W) as a column of (N, C * kh * kw, L)."""

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, x):
        """unfold(x, kernel_size, dilation, padding, stride)."""
        return patches.unfold(x, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
                f"stride={self.stride}")


class Fold(Unfold):
    """Patch columns (N, C * kh * kw, L) summed back into (N, C, H, W) images of ``output_size``."""

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__(kernel_size, dilation, padding, stride)
        self.output_size = output_size

    def forward(self, x):
        """fold(x, output_size, kernel_size, dilation, padding, stride)."""
        return patches.fold(x, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"output_size={self.output_size}, " + super().extra_repr()


class LocalResponseNorm(Module):
    """Each channel divided by (k + alpha * mean of the squares of the ``size`` channels around it)^beta."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size = checks.positive_int(size, "size", "LocalResponseNorm")
        self.alpha = checks.real_number(alpha, "alpha", "LocalResponseNorm")
        self.beta = checks.real_number(beta, "beta", "LocalResponseNorm")
        self.k = checks.real_number(k, "k", "LocalResponseNorm")

    def forward(self, x):
        """local_response_norm(x, size, alpha, beta, k)."""
        return local_norms.local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
