"""Batch normalisation: BatchNorm1d for (N, C) or (N, C, L), BatchNorm2d for (N, C, H, W), BatchNorm3d for
(N, C, D, H, W); and LayerNorm, RMSNorm and GroupNorm.

For each channel c, over the batch (and spatial positions):

    y = (x - mean_c) / sqrt(var_c + eps) * weight_c + bias_c

In training mode mean_c and var_c are the current batch's statistics (var
is the biased, divide-by-n variance), and running estimates are updated
in place:  running = (1 - momentum) * running + momentum * batch_stat, with
the *unbiased* variance (divide by n - 1), as in PyTorch (``momentum=None``:
the plain average of every batch so far, the k-th weighted 1/k).  In eval mode the
running estimates are used instead, so a single example gives a fixed
answer.  The math and its backward are in ``tinynet/ops/normalization.py``.

State (names as in PyTorch): parameters ``weight`` (init 1) and ``bias``
(init 0); buffers ``running_mean`` (0), ``running_var`` (1) and
``num_batches_tracked`` (how many training batches have been seen).

LayerNorm normalises each sample on its own, over its last dimensions
(``normalized_shape``), so it behaves the same in training and evaluation and
for any batch size -- the normalisation of transformers.
"""

import numpy as np

from tinynet import checks, devices
from tinynet.nn import init
from tinynet.nn.module import Module
from tinynet.nn.parameter import Parameter
from tinynet.ops import group_norm, normalization


def add_affine_parameters(module, shape, affine, bias, dtype):
    """The layer's ``weight`` (ones) and ``bias`` (zeros) of ``shape`` when ``affine``; ``bias=False`` keeps
    the scale without the shift, as in PyTorch; without ``affine`` both are None."""
    if affine:
        module.weight = Parameter(np.ones(shape, dtype=dtype))
        if bias:
            module.bias = Parameter(np.zeros(shape, dtype=dtype))
        else:
            module.register_parameter("bias", None)
    else:
        module.register_parameter("weight", None)
        module.register_parameter("bias", None)


def reset_affine_parameters(module):
    """Scale 1, shift 0: the layer starts as a pure normaliser."""
    if module.weight is not None:
        init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)


class _BatchNorm(Module):
    """Parameters, buffers and the forward shared by BatchNorm1d and BatchNorm2d."""

    _ranks = ()  # accepted input ranks, set by subclasses

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None,
                 dtype=None, *, bias=True):
        super().__init__()
        owner = type(self).__name__
        self.num_features = checks.positive_int(num_features, "num_features", owner)
        self.eps = checks.real_number(eps, "eps", owner)
        if self.eps <= 0:
            raise ValueError(f"{owner}: eps must be > 0, got {eps}")
        # (None: a cumulative average, each batch weighted 1 / num_batches_tracked, as in PyTorch)
        self.momentum = None if momentum is None else checks.probability(momentum, "momentum", owner)
        self.affine = bool(affine)
        self.track_running_stats = bool(track_running_stats)
        devices.check(device, owner)
        dtype = checks.float_dtype(dtype, owner)
        add_affine_parameters(self, self.num_features, self.affine, bias, dtype)
        if self.track_running_stats:
            self.register_buffer("running_mean", np.zeros(self.num_features, dtype=dtype))
            self.register_buffer("running_var", np.ones(self.num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        else:  # (always the batch's statistics, in evaluation too)
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)
        self.reset_parameters()

    def reset_running_stats(self):
        """Forget the running statistics: mean 0, variance 1, no batches seen."""
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self):
        """Running statistics reset; scale 1, shift 0 (the layer starts as a pure normaliser)."""
        self.reset_running_stats()
        reset_affine_parameters(self)

    def forward(self, x):
        """Normalise each channel (dim 1) with batch statistics (training) or running ones (eval)."""
        owner = type(self).__name__
        shape = checks.tensor_shape(x, owner)
        if len(shape) not in self._ranks:
            expected = " or ".join(f"{rank}-D" for rank in self._ranks)
            raise ValueError(f"{owner} expects a {expected} input, got shape {shape}")
        if shape[1] != self.num_features:
            raise RuntimeError(f"{owner}({self.num_features}) expects input with {self.num_features} channels "
                               f"(dim 1), got shape {shape}")
        if self._uses_batch_statistics():
            values_per_channel = int(np.prod(shape)) // shape[1]
            if values_per_channel < 2:
                raise ValueError(f"{owner} in training mode needs more than one value per channel to compute a "
                                 f"variance, got input shape {shape}")
        if self.training and self.track_running_stats:
            self.num_batches_tracked.add_(1)
        if len(shape) == 3:
            # (N, C, L) has the same per-channel statistics as the image (N, C, L, 1).
            return self._normalize(x.reshape(shape + (1,))).reshape(shape)
        if len(shape) == 5:
            # (N, C, D, H, W) has the same per-channel statistics as the image (N, C, D, H W).
            return self._normalize(x.reshape(shape[:3] + (shape[3] * shape[4],))).reshape(shape)
        return self._normalize(x)

    def _uses_batch_statistics(self):
        """In training, or without running statistics to use (track_running_stats=False), as in PyTorch."""
        return self.training or not self.track_running_stats

    def _normalize(self, x):
        momentum = self.momentum
        if momentum is None:  # the cumulative moving average: batch k counts 1/k
            momentum = 1.0 / float(self.num_batches_tracked) if self.training and self.track_running_stats else 0.0
        return normalization.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                                        self._uses_batch_statistics(), momentum, self.eps)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) features or (N, C, L) sequences, per channel C."""

    _ranks = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) images, per channel C (statistics over N, H and W)."""

    _ranks = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of (N, C, D, H, W) volumes, per channel C (statistics over N, D, H and W)."""

    _ranks = (5,)


class LayerNorm(Module):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, statistics over the last len(normalized_shape) dims.

    ``weight`` (init 1) and ``bias`` (init 0) have shape normalized_shape; ``elementwise_affine=False`` drops
    both, ``bias=False`` only the bias (as in PyTorch).
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None):
        super().__init__()
        owner = "LayerNorm"
        self.normalized_shape = normalization.normalized_shape_tuple(normalized_shape, owner)
        self.eps = checks.real_number(eps, "eps", owner)
        self.elementwise_affine = bool(elementwise_affine)
        devices.check(device, owner)
        dtype = checks.float_dtype(dtype, owner)
        add_affine_parameters(self, self.normalized_shape, self.elementwise_affine, bias, dtype)

    def reset_parameters(self):
        """Scale 1, shift 0."""
        reset_affine_parameters(self)

    def forward(self, x):
        """Normalise each sample over its last dims, then scale and shift."""
        return normalization.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class RMSNorm(Module):
    """y = x / sqrt(mean(x^2) + eps) * weight over the last len(normalized_shape) dims (LayerNorm without the
    centring and the shift, as in LLaMA-style transformers); ``weight`` (init 1) unless
    ``elementwise_affine=False``; eps None means the input dtype's machine epsilon."""

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None, dtype=None):
        super().__init__()
        owner = "RMSNorm"
        self.normalized_shape = normalization.normalized_shape_tuple(normalized_shape, owner)
        self.eps = None if eps is None else checks.real_number(eps, "eps", owner)
        self.elementwise_affine = bool(elementwise_affine)
        devices.check(device, owner)
        dtype = checks.float_dtype(dtype, owner)
        add_affine_parameters(self, self.normalized_shape, self.elementwise_affine, False, dtype)

    def reset_parameters(self):
        """Scale 1."""
        reset_affine_parameters(self)

    def forward(self, x):
        """Divide each sample by the root mean square of its last dims, then scale."""
        return normalization.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class GroupNorm(Module):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, statistics over each group of
    num_channels // num_groups channels of a sample (and all their positions).

    ``weight`` (init 1) and ``bias`` (init 0) have one entry per channel; ``affine=False`` drops both,
    ``bias=False`` only the bias (as in PyTorch).  The same in training and evaluation: there are no
    running statistics.
    """

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        owner = "GroupNorm"
        self.num_groups = checks.integer(num_groups, "num_groups", owner, minimum=1)
        self.num_channels = checks.integer(num_channels, "num_channels", owner, minimum=1)
        if self.num_channels % self.num_groups:
            raise ValueError(f"GroupNorm: num_channels ({self.num_channels}) must be divisible by "
                             f"num_groups ({self.num_groups})")
        self.eps = checks.real_number(eps, "eps", owner)
        self.affine = bool(affine)
        devices.check(device, owner)
        dtype = checks.float_dtype(dtype, owner)
        add_affine_parameters(self, self.num_channels, self.affine, bias, dtype)

    def reset_parameters(self):
        """Scale 1, shift 0."""
        reset_affine_parameters(self)

    def forward(self, x):
        """Normalise each group of channels of each sample, then scale and shift each channel."""
        return group_norm.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")
