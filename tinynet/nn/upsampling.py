"""Upsample, UpsamplingNearest2d, UpsamplingBilinear2d: resize feature maps, as in decoders and U-Net-style nets
(``tinynet/ops/interpolate.py`` has the modes)."""

from tinynet.nn.module import Module
from tinynet.ops.interpolate import interpolate


class Upsample(Module):
    """``interpolate(x, size, scale_factor, mode, align_corners)`` as a layer (no parameters)."""

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        self.size, self.mode, self.align_corners = size, mode, align_corners
        self.scale_factor = float(scale_factor) if isinstance(scale_factor, (int, float)) else scale_factor
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, x):
        """Resize ``x``'s spatial dims."""
        return interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners,
                           self.recompute_scale_factor)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        which = f"scale_factor={self.scale_factor}" if self.scale_factor is not None else f"size={self.size}"
        return f"{which}, mode='{self.mode}'"


class UpsamplingNearest2d(Upsample):
    """Nearest-neighbour upsampling of (N, C, H, W) images to ``size`` or by ``scale_factor`` (Upsample's
    nearest mode under its older name)."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear upsampling of (N, C, H, W) images with align_corners=True (Upsample's bilinear mode under its
    older name)."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
