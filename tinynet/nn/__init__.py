"""tinynet.nn: layers and models built from Modules.

Reading order: module.py (the Module base: parameters, children, hooks,
state_dict) -> parameter.py -> init.py (weight initialisation) ->
containers.py (Sequential, ModuleList, ModuleDict) and parameter_containers.py
(ParameterList, ParameterDict) -> the layers (linear.py, conv.py, pooling.py,
activation.py, dropout.py, normalization.py, flatten.py, embedding.py,
residual.py, reshaping_layers.py) -> loss.py, loss_margin.py; utils/ (gradient clipping, parameters as a
vector).  Every layer's math, forward and backward, lives in the ops that
``functional.py`` re-exports (imported here as both ``functional`` and ``F``);
the Modules hold parameters and settings and check their inputs.
"""

from . import functional
from . import functional as F
from . import init, utils
from .activation import (
    CELU, ELU, GELU, Hardlim, Hardsigmoid, Hardswish, Hardtanh, LeakyReLU, LogSigmoid, LogSoftmax, Mish, PReLU, ReLU,
    ReLU6, SELU, Sigmoid, SiLU, Softmax, Softmax2d, Softmin, Softplus, Softsign, Tanh, Tanhshrink, Threshold,
)
from .containers import ModuleDict, ModuleList, Sequential
from .conv import Conv2d
from .dropout import AlphaDropout, Dropout, Dropout1d, Dropout2d, Dropout3d
from .embedding import Embedding, EmbeddingBag
from .lazy import LazyLinear
from .flatten import Flatten, Unflatten
from .linear import Bilinear, Identity, Linear
from .loss import (
    BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss, MSELoss, NLLLoss, SmoothL1Loss,
)
from .hooks import RemovableHandle
from .module import Module
from .normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm, LayerNorm, RMSNorm
from .parameter import Parameter
from .parameter_containers import ParameterDict, ParameterList
from .pooling import AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, MaxPool2d, MaxUnpool2d
from .maxout import Maxout
from .distance import CosineSimilarity, PairwiseDistance
from .upsampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d
from .conv_transpose import ConvTranspose2d
from .instance_norm import InstanceNorm1d, InstanceNorm2d
from .padding import (CircularPad1d, CircularPad2d, ConstantPad1d, ConstantPad2d, ReflectionPad1d, ReflectionPad2d,
                      ReplicationPad1d, ReplicationPad2d, ZeroPad1d, ZeroPad2d)
from .one_d import AdaptiveAvgPool1d, AdaptiveMaxPool1d, AvgPool1d, Conv1d, ConvTranspose1d, MaxPool1d
from .attention import MultiheadAttention
from .recurrent import GRU, LSTM, RNN, RNNBase
from .recurrent_cells import GRUCell, LSTMCell, RNNCell
from .residual import PreActivationBlock, ResidualBlock
from .transformer import (
    Transformer, TransformerDecoder, TransformerDecoderLayer, TransformerEncoder, TransformerEncoderLayer,
)
from .reshaping_layers import (GLU, ChannelShuffle, Fold, Hardshrink, LocalResponseNorm, PixelShuffle, PixelUnshuffle,
                               Softshrink, Unfold)
from .loss_margin import (
    CosineEmbeddingLoss, GaussianNLLLoss, HingeEmbeddingLoss, MarginRankingLoss, MultiLabelSoftMarginLoss,
    MultiMarginLoss, PoissonNLLLoss, SoftMarginLoss, TripletMarginLoss,
)

__all__ = [
    "functional", "F", "init", "utils", "Module", "RemovableHandle", "Parameter", "Sequential", "ModuleList",
    "ModuleDict", "ParameterList", "ParameterDict",
    "Linear", "Identity", "Conv2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d",
    "Flatten", "Unflatten", "Dropout", "Dropout2d", "BatchNorm1d", "BatchNorm2d", "GroupNorm", "LayerNorm", "Embedding", "EmbeddingBag",
    "Sigmoid", "Tanh", "ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "SELU", "SiLU", "GELU", "Mish", "Softplus",
    "Hardtanh", "Hardlim", "LogSigmoid", "Softmax", "LogSoftmax", "Maxout", "ResidualBlock", "PreActivationBlock",
    "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "KLDivLoss", "CrossEntropyLoss", "NLLLoss", "BCELoss",
    "BCEWithLogitsLoss", "CosineSimilarity", "PairwiseDistance", "Upsample", "Hardsigmoid", "Hardswish", "Softsign",
    "Tanhshrink", "Softmin", "Threshold", "Conv1d", "MaxPool1d", "AvgPool1d", "AdaptiveAvgPool1d", "AdaptiveMaxPool1d",
    "ConvTranspose2d", "InstanceNorm1d", "InstanceNorm2d", "ZeroPad2d", "ConstantPad2d", "ReflectionPad2d",
    "ReplicationPad2d", "AlphaDropout", "UpsamplingNearest2d", "UpsamplingBilinear2d", "GLU", "Softshrink",
    "Hardshrink", "PixelShuffle",
    "PixelUnshuffle", "Unfold", "Fold", "LocalResponseNorm", "MarginRankingLoss", "HingeEmbeddingLoss",
    "SoftMarginLoss", "CosineEmbeddingLoss", "TripletMarginLoss", "GaussianNLLLoss", "PoissonNLLLoss",
    "RNNBase", "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell", "MultiheadAttention", "Transformer",
    "TransformerEncoder", "TransformerEncoderLayer", "TransformerDecoder", "TransformerDecoderLayer",
    "MultiLabelSoftMarginLoss", "MultiMarginLoss", "Bilinear", "MaxUnpool2d",
    "ZeroPad1d", "ConstantPad1d", "ReflectionPad1d", "ReplicationPad1d", "CircularPad1d", "CircularPad2d",
    "Dropout1d", "Dropout3d", "RMSNorm", "Softmax2d", "ChannelShuffle", "BatchNorm3d", "LazyLinear", "ConvTranspose1d",
]
