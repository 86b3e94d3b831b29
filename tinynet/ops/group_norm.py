"""Group normalization: each sample's channels split into groups, each group normalized on its own.

y = (x - mean_g) / sqrt(var_g + eps) * weight[c] + bias[c], where mean_g and the biased var_g run
over the channels of group g and all their positions.  It is a layer norm of the input reshaped to
(N, groups, channels_per_group * positions), reshaped back, then scaled and shifted per channel --
so it is composed of those ops and its derivative follows from theirs.  One group is a layer norm
over (C, H, W) with per-channel affine; C groups is instance normalization.
"""

from tinynet import checks
from tinynet.ops.elementwise import add, mul
from tinynet.ops.normalization import layer_norm
from tinynet.ops.operands import as_tensor

__all__ = ["group_norm"]


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalize ``input`` (N, C, *) over groups of C // num_groups channels, then scale by weight (C,)
    and shift by bias (C,); as ``torch.nn.functional.group_norm``."""
    input = as_tensor(input)
    num_groups = checks.integer(num_groups, "num_groups", "group_norm", minimum=1)
    if input.ndim < 2:
        raise RuntimeError(f"group_norm: expected an input of shape (N, C, *) with at least 2 dimensions, "
                           f"got shape {list(input.shape)}")
    batch, channels = input.shape[0], input.shape[1]
    if channels % num_groups:
        raise RuntimeError(f"group_norm: expected number of channels in input to be divisible by num_groups, "
                           f"but got input of shape {list(input.shape)} and num_groups={num_groups}")
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None and tuple(value.shape) != (channels,):
            raise RuntimeError(f"group_norm: expected {name} to be a vector of size {channels} (the channels), "
                               f"got shape {list(value.shape)}")
    grouped = input.reshape(batch, num_groups, -1)
    output = layer_norm(grouped, (grouped.shape[-1],), eps=eps).reshape(input.shape)
    per_channel = (1, channels) + (1,) * (input.ndim - 2)
    if weight is not None:
        output = mul(output, weight.reshape(per_channel))
    if bias is not None:
        output = add(output, bias.reshape(per_channel))
    return output
