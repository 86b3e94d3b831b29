"""``tinynet.special``: PyTorch's ``torch.special`` names for the special functions tinynet has, and two short
compositions of them (so autograd differentiates them):

    entr(x) = -x log x  (0 at 0, -inf below 0)        ndtr(x) = the standard normal CDF = (1 + erf(x / sqrt 2)) / 2

The functions themselves live with their derivatives in tinynet/ops (special_functions.py, trig_hyperbolic.py,
elementwise_math.py, activations.py).
"""

import math

import numpy as np

from tinynet.ops import elementwise
from tinynet.ops.activations import log_softmax, sigmoid, softmax
from tinynet.ops.elementwise_math import exp2, expm1, log1p
from tinynet.ops.operands import float_input
from tinynet.ops.piecewise import round
from tinynet.ops.reduce import logsumexp
from tinynet.ops.special_functions import digamma, erfc, erfinv, lgamma, logit, sinc, xlogy
from tinynet.ops.trig_hyperbolic import erf
from tinynet.tensor import Tensor

__all__ = ["expit", "logit", "erf", "erfc", "erfinv", "gammaln", "digamma", "psi", "xlogy", "sinc", "exp2",
           "expm1", "log1p", "round", "logsumexp", "softmax", "log_softmax", "entr", "ndtr"]

expit = sigmoid
gammaln = lgamma
psi = digamma


def entr(input):
    """The entropy term -x log x elementwise: 0 at x = 0, -inf for x < 0 (as PyTorch's)."""
    x = float_input(input)
    negative = Tensor._from_array(x._array < 0, False)
    inside = elementwise.where(negative, 1.0, x)  # (no log of a negative number, even in the unused branch)
    terms = elementwise.sub(0.0, xlogy(inside, inside))  # (0 - 0 is +0, as PyTorch prints entr(0))
    return elementwise.where(negative, -np.inf, terms)


def ndtr(input):
    """The standard normal distribution's CDF: P(Z <= x) = (1 + erf(x / sqrt 2)) / 2."""
    return elementwise.mul(elementwise.add(erf(elementwise.div(float_input(input), math.sqrt(2))), 1.0), 0.5)
