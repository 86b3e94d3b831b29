"""``tinynet.distributions``: the probability distributions VAEs and policy-gradient code reach for.

Normal(loc, scale), Uniform(low, high), Bernoulli(probs | logits) and Categorical(probs | logits), with PyTorch's
methods:

    sample(shape)    draws, no gradient                    rsample(shape)   Normal: loc + scale * eps,
    log_prob(value)  the log density / mass at value                        eps ~ N(0, 1): differentiable in loc
    entropy()        mean, variance, stddev                                 and scale (the VAE's trick);
                                                                            Uniform: low + (high - low) u

and ``kl_divergence(p, q)`` for two Normals, two Bernoullis or two Categoricals.  Each is written with tinynet's
ops, so gradients flow from log_prob, entropy, rsample and the divergence into the parameters (REINFORCE's
``-log_prob(action) * reward`` among them).  Parameters broadcast against each other; ``batch_shape`` is their
shape (Categorical's without its last dim, the categories).  Draws come from tinynet's generator
(``tinynet.manual_seed``), so they differ from PyTorch's numbers.  Invalid parameters (a negative scale,
probabilities outside [0, 1] or not summing to 1, a NaN) are a ValueError, as PyTorch's argument validation
gives, and so is a value outside the support given to log_prob (a category that does not exist, a Bernoulli
outcome other than 0 or 1); ``validate_args=False`` skips both checks.
"""

import math
import numbers

import numpy as np

from tinynet import dtypes, random
from tinynet.ops import activations
from tinynet.ops.elementwise import where
from tinynet.ops.loss_binary import binary_cross_entropy_with_logits
from tinynet.ops.grids import broadcast_tensors
from tinynet.ops.operands import as_tensor
from tinynet.size import Size
from tinynet.tensor import Tensor

__all__ = ["Distribution", "Normal", "Uniform", "Bernoulli", "Categorical", "kl_divergence"]


def _parameter(value, dtype=None):
    """A parameter as a float tensor: a Python number becomes a 0-d tensor of ``dtype`` (that of the other
    parameters, or the default dtype), as PyTorch's broadcast_all makes it."""
    if isinstance(value, numbers.Number) and not isinstance(value, Tensor):
        return Tensor._from_array(np.asarray(float(value), dtype=dtype or dtypes.get_default_dtype()), False)
    tensor = as_tensor(value)
    return tensor if tensor.dtype.kind == "f" else tensor.float()


def _invalid(name, tensor, distribution, constraint):
    return ValueError(f"Expected parameter {name} (Tensor of shape {tuple(tensor.shape)}) of distribution "
                      f"{distribution} to satisfy the constraint {constraint}, but found invalid values:\n{tensor}")


def _outside_support(value, distribution, support):
    return ValueError(f"Expected value argument (Tensor of shape {tuple(value.shape)}) to be within the support "
                      f"({support}) of the distribution {distribution}, but found invalid values:\n{value}")


def _one_of(probs, logits):
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")


def _clamped(probs):
    """probs kept inside [eps, 1 - eps], so that their logs stay finite (PyTorch's clamp_probs)."""
    eps = float(np.finfo(probs.dtype).eps)
    return probs.clamp(eps, 1 - eps)



class Distribution:
    """What every distribution has: batch_shape, event_shape, sample(shape) and the shape of a draw."""

    batch_shape = event_shape = Size(())
    _validate = True  # (PyTorch validates arguments unless told validate_args=False)

    def _checked_value(self, value, inside, support):
        """log_prob's value as a tensor, refused (ValueError) where ``inside`` says it is outside the support."""
        value = as_tensor(value)
        if self._validate and not inside(value._array).all():
            raise _outside_support(value, self, support)
        return value

    def _draw_shape(self, sample_shape):
        sample_shape = tuple(sample_shape) if not isinstance(sample_shape, numbers.Integral) else (sample_shape,)
        return sample_shape + tuple(self.batch_shape) + tuple(self.event_shape)

    @property
    def stddev(self):
        """The standard deviation: the square root of the variance."""
        return self.variance.sqrt()

    def __repr__(self):
        fields = ", ".join(f"{name}: {self._describe(getattr(self, name))}" for name in self._shown)
        return f"{type(self).__name__}({fields})"

    @staticmethod
    def _describe(tensor):
        return f"{tensor.item()}" if tensor.ndim == 0 else f"tinynet.Size({list(tensor.shape)})"


class Normal(Distribution):
    """N(loc, scale^2): density exp(-(x - loc)^2 / (2 scale^2)) / (scale sqrt(2 pi))."""

    _shown = ("loc", "scale")

    def __init__(self, loc, scale, validate_args=None):
        given = [value for value in (loc, scale) if isinstance(value, Tensor)]
        dtype = given[0].dtype if given else None
        self.loc, self.scale = broadcast_tensors(_parameter(loc, dtype), _parameter(scale, dtype))
        self._validate = validate_args is not False
        if self._validate and np.isnan(self.loc._array).any():
            raise _invalid("loc", self.loc, self, "Real()")
        if self._validate and not (self.scale._array > 0).all():
            raise _invalid("scale", self.scale, self, "GreaterThan(lower_bound=0.0)")
        self.batch_shape = Size(self.loc.shape)

    @property
    def mean(self):
        return self.loc

    @property
    def variance(self):
        return self.scale ** 2

    def sample(self, sample_shape=()):
        """Draws of shape sample_shape + batch_shape, not differentiable."""
        return self.rsample(sample_shape).detach()

    def rsample(self, sample_shape=()):
        """loc + scale * eps with eps ~ N(0, 1): a draw through which gradients reach loc and scale."""
        eps = random.default_generator().standard_normal(self._draw_shape(sample_shape)).astype(self.loc.dtype)
        return self.loc + self.scale * Tensor._from_array(eps, False)

    def log_prob(self, value):
        """log density: -(x - loc)^2 / (2 scale^2) - log(scale) - log(2 pi) / 2."""
        value = self._checked_value(value, lambda x: ~np.isnan(x), "Real()")
        return -((value - self.loc) ** 2) / (2 * self.variance) - self.scale.log() - math.log(math.sqrt(2 * math.pi))

    def entropy(self):
        """1/2 + log(2 pi)/2 + log(scale)."""
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()


class Uniform(Distribution):
    """Uniform on [low, high): density 1 / (high - low) there, 0 elsewhere."""

    _shown = ("low", "high")

    def __init__(self, low, high, validate_args=None):
        given = [value for value in (low, high) if isinstance(value, Tensor)]
        dtype = given[0].dtype if given else None
        self.low, self.high = broadcast_tensors(_parameter(low, dtype), _parameter(high, dtype))
        if validate_args is not False and not (self.low._array < self.high._array).all():
            raise _invalid("low", self.low, f"Uniform(low: {self.low}, high: {self.high})",
                           f"LessThan(upper_bound={self.high})")
        self.batch_shape = Size(self.low.shape)

    @property
    def mean(self):
        return (self.high + self.low) / 2

    @property
    def variance(self):
        return (self.high - self.low) ** 2 / 12

    def sample(self, sample_shape=()):
        """Draws of shape sample_shape + batch_shape, not differentiable."""
        return self.rsample(sample_shape).detach()

    def rsample(self, sample_shape=()):
        """low + (high - low) u with u ~ U[0, 1): a draw through which gradients reach low and high."""
        u = random.default_generator().random(self._draw_shape(sample_shape)).astype(self.low.dtype)
        return self.low + (self.high - self.low) * Tensor._from_array(u, False)

    def log_prob(self, value):
        """-log(high - low); a value outside [low, high) is a ValueError, as PyTorch's validation gives."""
        value = as_tensor(value)
        inside = (self.low._array <= value._array) & (value._array < self.high._array)
        if not inside.all():
            raise ValueError(f"Expected value argument (Tensor of shape {tuple(value.shape)}) to be within the "
                             f"support (Interval(lower_bound={self.low}, upper_bound={self.high})) of the "
                             f"distribution {self}, but found invalid values:\n{value}")
        shape = np.broadcast_shapes(tuple(value.shape), tuple(self.batch_shape))
        return (-(self.high - self.low).log()).broadcast_to(shape)

    def cdf(self, value):
        """P(X <= value) = (value - low) / (high - low), clamped to [0, 1]."""
        return ((as_tensor(value) - self.low) / (self.high - self.low)).clamp(0, 1)

    def icdf(self, value):
        """The value with cdf ``value``: low + value (high - low)."""
        return self.low + as_tensor(value) * (self.high - self.low)

    def entropy(self):
        """log(high - low)."""
        return (self.high - self.low).log()


class Bernoulli(Distribution):
    """1 with probability p, else 0 (given as ``probs`` p or ``logits`` log(p / (1 - p)))."""

    _shown = ("probs", "logits")

    def __init__(self, probs=None, logits=None, validate_args=None):
        _one_of(probs, logits)
        self._validate = validate_args is not False
        if probs is not None:
            self.probs = _parameter(probs)
            if self._validate and not ((self.probs._array >= 0) & (self.probs._array <= 1)).all():
                raise _invalid("probs", self.probs, f"Bernoulli(probs: {tuple(self.probs.shape)})",
                               "Interval(lower_bound=0.0, upper_bound=1.0)")
            clamped = _clamped(self.probs)
            self.logits = clamped.log() - (-clamped).log1p()  # log(p / (1 - p))
        else:
            self.logits = _parameter(logits)
            if self._validate and np.isnan(self.logits._array).any():
                raise _invalid("logits", self.logits, f"Bernoulli(logits: {tuple(self.logits.shape)})", "Real()")
            self.probs = activations.sigmoid(self.logits)
        self.batch_shape = Size(self.probs.shape)

    @property
    def mean(self):
        return self.probs

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        """0/1 draws (in the parameters' float dtype), not differentiable."""
        p = np.broadcast_to(self.probs._array, self._draw_shape(sample_shape))
        return Tensor._from_array((random.default_generator().random(p.shape) < p).astype(p.dtype), False)

    def log_prob(self, value):
        """value * log p + (1 - value) * log(1 - p), i.e. minus the binary cross-entropy with logits."""
        value = self._checked_value(value, lambda x: (x == 0) | (x == 1), "Boolean()")
        logits, value = broadcast_tensors(self.logits, value.to(self.logits.dtype))
        return -binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self):
        """-(p log p + (1 - p) log(1 - p))."""
        return binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")


class Categorical(Distribution):
    """One of K categories (the last dim of ``probs`` or ``logits``), category k with probability p_k."""

    _shown = ("probs", "logits")

    def __init__(self, probs=None, logits=None, validate_args=None):
        _one_of(probs, logits)
        self._validate = validate_args is not False
        if probs is not None:
            probs = _parameter(probs)
            if probs.ndim == 0:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)  # (PyTorch normalises, then validates)
            # (a NaN, from all zeros or an infinity, fails the test; so do no categories at all)
            if self._validate and (not (self.probs._array >= 0).all() or probs.shape[-1] == 0):
                raise _invalid("probs", self.probs, f"Categorical(probs: {tuple(probs.shape)})", "Simplex()")
            self.logits = _clamped(self.probs).log()
        else:
            logits = _parameter(logits)
            if logits.ndim == 0:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            with np.errstate(invalid="ignore"):  # (an infinite logit gives NaN, refused just below)
                self.logits = logits - logits.logsumexp(-1, keepdim=True)
            if self._validate and (np.isnan(self.logits._array).any() or logits.shape[-1] == 0):
                raise _invalid("logits", self.logits, f"Categorical(logits: {tuple(logits.shape)})",
                               "IndependentConstraint(Real(), 1)")
            self.probs = activations.softmax(self.logits, -1)
        self.batch_shape = Size(self.probs.shape[:-1])

    def sample(self, sample_shape=()):
        """Category indices (int64), of shape sample_shape + batch_shape: inverse-CDF draws."""
        shape = self._draw_shape(sample_shape)
        cumulative = np.cumsum(self.probs._array, axis=-1)
        u = random.default_generator().random(shape + (1,)) * cumulative[..., -1:]
        picks = (np.broadcast_to(cumulative, shape + cumulative.shape[-1:]) <= u).sum(-1)
        return Tensor._from_array(np.minimum(picks, cumulative.shape[-1] - 1).astype(np.int64), False)

    def log_prob(self, value):
        """log p_value, read from the normalised logits (value: int64 category indices)."""
        last = self.probs.shape[-1] - 1
        value = self._checked_value(value, lambda x: (x % 1 == 0) & (x >= 0) & (x <= last),
                                    f"IntegerInterval(lower_bound=0, upper_bound={last})")
        logits, index = broadcast_tensors(self.logits, value.unsqueeze(-1).long())
        return logits.gather(-1, index[..., :1]).squeeze(-1)

    def entropy(self):
        """-sum_k p_k log p_k, where 0 log 0 = 0: a logit of -inf (p_k = 0) is read as the most negative float."""
        finite_logits = self.logits.clamp(min=float(np.finfo(self.logits.dtype).min))
        return -(self.probs * finite_logits).sum(-1)

    @property
    def mean(self):
        raise NotImplementedError("Categorical has no mean in PyTorch (the categories are labels); use probs")


def kl_divergence(p, q):
    """KL(p || q) = E_p[log p(x) - log q(x)] for two distributions of one family (Normal, Bernoulli,
    Categorical), in closed form."""
    if isinstance(p, Normal) and isinstance(q, Normal):
        ratio = (p.scale / q.scale) ** 2
        return 0.5 * (ratio + ((p.loc - q.loc) / q.scale) ** 2 - 1 - ratio.log())
    # Each term p_k log(p_k / q_k) is 0 where p_k = 0 and infinite where only q_k = 0 (the clamped logits would
    # give a large finite number there, and -inf logits NaN).
    if isinstance(p, Bernoulli) and isinstance(q, Bernoulli):  # (softplus(-l) = -log p, softplus(l) = -log(1 - p))
        ones = p.probs * (activations.softplus(-q.logits) - activations.softplus(-p.logits))
        zeros = (1 - p.probs) * (activations.softplus(q.logits) - activations.softplus(p.logits))
        return _zero_or_infinite(ones, p.probs, q.probs, 0) + _zero_or_infinite(zeros, p.probs, q.probs, 1)
    if isinstance(p, Categorical) and isinstance(q, Categorical):
        with np.errstate(invalid="ignore"):  # (0 * -inf, replaced by 0)
            terms = p.probs * (p.logits - q.logits)
        return _zero_or_infinite(terms, p.probs, q.probs, 0).sum(-1)
    raise NotImplementedError(f"kl_divergence: no formula for {type(p).__name__} and {type(q).__name__} in "
                              "tinynet (Normal, Bernoulli and Categorical pairs have one)")


def _zero_or_infinite(terms, p_probs, q_probs, impossible):
    """The terms of a divergence with 0 where p is ``impossible`` (p log(p / q) -> 0) and inf where only q is."""
    shape = terms.shape
    terms = where(np.broadcast_to(q_probs._array == impossible, shape), math.inf, terms)
    return where(np.broadcast_to(p_probs._array == impossible, shape), 0.0, terms)
