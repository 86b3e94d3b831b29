"""tinynet.nn: layers and models built from Modules.

Reading order: module.py (the Module base: parameters, children, hooks,
state_dict) -> parameter.py -> init.py (weight initialisation) ->
containers.py (Sequential, ModuleList) -> the layers (linear.py, conv.py,
pooling.py, activation.py, dropout.py, normalization.py, flatten.py,
residual.py) -> loss.py.  Every layer's math, forward and backward, lives in
``functional.py`` (imported here as both ``functional`` and ``F``); the
Modules hold parameters and settings and check their inputs.
"""

from . import functional
from . import functional as F
from . import init
from .activation import ELU, Hardlim, LeakyReLU, LogSoftmax, Maxout, ReLU, Sigmoid, SiLU, Softmax, Softplus, Tanh
from .containers import ModuleList, Sequential
from .conv import Conv2d
from .dropout import Dropout
from .flatten import Flatten
from .linear import Identity, Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from .hooks import RemovableHandle
from .module import Module
from .normalization import BatchNorm1d, BatchNorm2d
from .parameter import Parameter
from .pooling import AvgPool2d, MaxPool2d
from .residual import PreActivationBlock, ResidualBlock

__all__ = [
    "functional", "F", "init", "Module", "RemovableHandle", "Parameter", "Sequential", "ModuleList",
    "Linear", "Identity", "Conv2d", "MaxPool2d", "AvgPool2d", "Flatten", "Dropout", "BatchNorm1d", "BatchNorm2d",
    "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "ELU", "SiLU", "Softplus", "Hardlim", "Maxout", "Softmax", "LogSoftmax",
    "ResidualBlock", "PreActivationBlock", "MSELoss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss",
]
