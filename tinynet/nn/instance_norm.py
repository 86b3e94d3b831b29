"""InstanceNorm1d/2d: each channel of each sample normalised on its own (style transfer's normalisation).

Without running statistics (PyTorch's default, ``track_running_stats=False``) this is group
normalisation with one group per channel (``F.instance_norm``, which reuses ``group_norm``); ``affine=True``
adds a scale and shift per channel.
"""

from tinynet import checks, devices
from tinynet.nn.module import Module
from tinynet.nn.normalization import add_affine_parameters, reset_affine_parameters
from tinynet.ops.local_norms import instance_norm


class _InstanceNorm(Module):
    _ranks = ()

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False, device=None,
                 dtype=None, *, bias=True):
        super().__init__()
        owner = type(self).__name__
        self.num_features = checks.positive_int(num_features, "num_features", owner)
        self.eps = checks.real_number(eps, "eps", owner)
        self.momentum = momentum
        self.affine = bool(affine)
        if track_running_stats:
            raise NotImplementedError(f"{owner}: track_running_stats=True is not supported by tinynet")
        self.track_running_stats = False
        devices.check(device, owner)
        dtype = checks.float_dtype(dtype, owner)
        add_affine_parameters(self, self.num_features, self.affine, bias, dtype)

    def reset_parameters(self):
        """Scale 1, shift 0."""
        reset_affine_parameters(self)

    def forward(self, x):
        """Normalise each channel of each sample over its positions (unbatched input too)."""
        shape = checks.tensor_shape(x, type(self).__name__)
        if len(shape) == self._ranks[0]:  # unbatched (C, ...)
            return self.forward(x.unsqueeze(0)).squeeze(0)
        if len(shape) != self._ranks[1] or shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}({self.num_features}) expects a {self._ranks[1]}-D input with "
                             f"{self.num_features} channels, got shape {shape}")
        return instance_norm(x, weight=self.weight, bias=self.bias, eps=self.eps)

    def extra_repr(self):
        """The settings shown in this layer's repr (PyTorch's format)."""
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of (N, C, L) or (C, L) signals."""

    _ranks = (2, 3)


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of (N, C, H, W) or (C, H, W) images."""

    _ranks = (3, 4)
