"""Every differentiable op, one family per file.

Each op is a ``tinynet.autograd.Function`` subclass whose ``forward`` computes
with numpy (or ``tinynet.kernels``) and saves what its ``backward`` needs, and
whose docstring states the derivative that ``backward`` applies.  The Tensor
methods (``x.exp()``, ``x + y``) and the functions in ``tinynet`` and
``tinynet.nn.functional`` are thin wrappers around ``SomeOp.apply``.
"""
