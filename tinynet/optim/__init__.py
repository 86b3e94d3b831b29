"""tinynet.optim: optimizers that update parameters from their gradients, and learning-rate schedules.

Reading order: optimizer.py (parameter groups, zero_grad, saving) -> sgd.py ->
adam.py (Adam, AdamW) -> rmsprop.py -> adagrad.py -> adadelta.py -> adamax.py, nadam.py,
radam.py, rprop.py, asgd.py, lbfgs.py (steps with a closure), then the
schedules (lr_scheduler.py lists them).  A training step is always::

    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()

and, once per epoch, ``scheduler.step()``.
"""

from tinynet.optim import lr_scheduler
from tinynet.optim.adadelta import Adadelta
from tinynet.optim.adagrad import Adagrad
from tinynet.optim.adam import Adam, AdamW
from tinynet.optim.adamax import Adamax
from tinynet.optim.asgd import ASGD
from tinynet.optim.lbfgs import LBFGS
from tinynet.optim.lr_scheduler import *  # noqa: F401,F403  (the schedules, also as tinynet.optim.StepLR)
from tinynet.optim.nadam import NAdam
from tinynet.optim.optimizer import Optimizer
from tinynet.optim.radam import RAdam
from tinynet.optim.rmsprop import RMSprop
from tinynet.optim.rprop import Rprop
from tinynet.optim.sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "Rprop",
           "ASGD", "LBFGS", "lr_scheduler"] \
    + lr_scheduler.__all__
