"""Autograd: recording ops into a graph and running the chain rule backwards.

Reading order:
  grad_mode.py  -- whether ops record at all (no_grad, enable_grad, set_grad_enabled);
  function.py   -- Function (an op's forward/backward pair on numpy arrays, what every op in
                   tinynet/ops is) and Node (one recorded use of it);
  engine.py     -- backward() and grad(): the topological order and the chain rule, node by node;
  hooks.py      -- where tools listen in;
and what is built on them: custom.py (``tinynet.autograd.Function``: PyTorch's API for your own
ops, with Tensors in and out), gradcheck.py (backward against finite differences), anomaly.py
(stop at the first NaN), trace.py (print the chain rule as it runs), functional.py (the Jacobian of a whole
function, one backward pass per output element).
"""

from tinynet.autograd import functional
from tinynet.autograd.anomaly import AnomalyError, detect_anomaly
from tinynet.autograd.custom import Function, FunctionCtx
from tinynet.autograd.engine import backward, grad
from tinynet.autograd.function import Node
from tinynet.autograd.gradcheck import GradcheckError, central_difference, gradcheck
from tinynet.autograd.grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from tinynet.autograd.trace import trace_backward

__all__ = [
    "Function", "FunctionCtx", "Node", "backward", "grad", "no_grad", "enable_grad", "set_grad_enabled",
    "is_grad_enabled", "inference_mode",
    "gradcheck", "central_difference", "GradcheckError", "detect_anomaly", "AnomalyError", "trace_backward",
    "functional",
]
