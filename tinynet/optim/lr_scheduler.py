"""Learning-rate schedules, under the module name PyTorch gives them (``torch.optim.lr_scheduler``).

Each idea lives in its own file; this module gathers them, so that both
``tinynet.optim.lr_scheduler.StepLR`` and ``tinynet.optim.StepLR`` work:

    scheduler.py                 the base class: chaining, get_last_lr, state_dict
    multiplicative_schedules.py  LambdaLR MultiplicativeLR StepLR MultiStepLR ExponentialLR
                                 ConstantLR LinearLR PolynomialLR
    cosine_schedules.py          CosineAnnealingLR CosineAnnealingWarmRestarts OneCycleLR
    cyclic.py                    CyclicLR
    plateau.py                   ReduceLROnPlateau
    combined_schedules.py        SequentialLR ChainedScheduler
"""

from tinynet.optim.combined_schedules import ChainedScheduler, SequentialLR
from tinynet.optim.cosine_schedules import CosineAnnealingLR, CosineAnnealingWarmRestarts, OneCycleLR
from tinynet.optim.multiplicative_schedules import (
    ConstantLR, ExponentialLR, LambdaLR, LinearLR, MultiplicativeLR, MultiStepLR, PolynomialLR, StepLR,
)
from tinynet.optim.cyclic import CyclicLR
from tinynet.optim.plateau import ReduceLROnPlateau
from tinynet.optim.scheduler import LRScheduler

__all__ = [
    "LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ExponentialLR", "ConstantLR",
    "LinearLR", "PolynomialLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "OneCycleLR",
    "ReduceLROnPlateau", "SequentialLR", "ChainedScheduler", "CyclicLR",
]
