"""tinynet.optim: optimizers that update parameters from their gradients, and learning-rate schedules.

Reading order: optimizer.py (parameter groups, zero_grad) -> sgd.py ->
adam.py -> lr_scheduler.py.  A training step is always::

    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
"""

from .adam import Adam
from .lr_scheduler import CosineAnnealingLR, LRScheduler, StepLR
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "LRScheduler", "StepLR", "CosineAnnealingLR"]
