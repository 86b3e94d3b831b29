"""Module backward hooks: ``register_full_backward_hook`` and ``register_full_backward_pre_hook``.

A full backward hook is called as ``hook(module, grad_input, grad_output)`` once the gradients of the loss with
respect to the module's inputs have been computed: the way to watch what flows back through a layer (Grad-CAM
reads a convolution's grad_output this way).  A pre-hook, ``hook(module, grad_output)``, is called as soon as
the gradients with respect to the module's outputs are known.  Either may return new gradients to use instead.

How: around a call of a module that has such hooks, each tensor input and output passes through an identity op
(``_Watch``) that changes nothing going forward and, going backward, hands the gradient reaching it to the
call's ``_Watcher``.  Backpropagation reaches the outputs' identities before anything inside the module and the
inputs' identities after everything in it, so by then the watcher holds grad_output and then grad_input.
Inputs that do not require a gradient have None in grad_input; when none does, the hook is called with the
outputs' gradients.  (Each identity is a node of its own, so a hook that returns replacements can do so only
for a module with one input that needs a gradient and one output: tinynet refuses it elsewhere.)
"""

import warnings

from tinynet.autograd.function import ViewFunction
from tinynet.tensor import Tensor


class _Watch(ViewFunction):
    """y = x; backward: dL/dx = dL/dy, after the watcher has seen it (and perhaps replaced it)."""

    @staticmethod
    def forward(ctx, x, watcher, side, index):
        ctx.watcher, ctx.side, ctx.index = watcher, side, index
        return x

    @staticmethod
    def backward(ctx, grad):
        wrapped = Tensor._from_array(grad, False)
        seen = ctx.watcher.outputs_seen(ctx.index, wrapped) if ctx.side == "output" else \
            ctx.watcher.input_seen(ctx.index, wrapped)
        return seen._array if isinstance(seen, Tensor) else seen


class _Watcher:
    """One module call's gradients, gathered as backpropagation reaches them, and the hooks to give them to."""

    def __init__(self, module, input_count):
        self.module = module
        self.grad_input, self.grad_output = [None] * input_count, []
        self.inputs_waiting = self.outputs_waiting = 0

    def watch_inputs(self, inputs):
        """The inputs, each tensor that requires grad behind an identity that reports its gradient."""
        watched = []
        for index, value in enumerate(inputs):
            if isinstance(value, Tensor) and value.requires_grad:
                self.inputs_waiting += 1
                value = _Watch.apply(value, watcher=self, side="input", index=index)
            watched.append(value)
        return tuple(watched)

    def watch_outputs(self, output):
        """The output (a tensor, or tuples and lists of them), each tensor behind a reporting identity."""
        if isinstance(output, Tensor):
            if not output.requires_grad:
                return output
            self.grad_output.append(None)
            self.outputs_waiting += 1
            return _Watch.apply(output, watcher=self, side="output", index=len(self.grad_output) - 1)
        if isinstance(output, (tuple, list)):
            return type(output)(self.watch_outputs(value) for value in output)
        return output

    def outputs_seen(self, index, grad):
        """An output's gradient arrived: once all have, the pre-hooks (and, with no input to wait for, the hooks)."""
        self.grad_output[index] = grad
        self.outputs_waiting -= 1
        if self.outputs_waiting:
            return grad
        for hook in list(self.module._backward_pre_hooks.values()):
            replaced = hook(self.module, tuple(self.grad_output))
            if replaced is not None:
                self.grad_output = list(self._one_replacement(replaced, self.grad_output, "pre-hook"))
        if not self.inputs_waiting and self.module._backward_hooks:
            warnings.warn("Full backward hook is firing when gradients are computed with respect to module outputs "
                          "since no inputs require gradients.", UserWarning, stacklevel=2)
            self._call_hooks()
        return self.grad_output[index]

    def input_seen(self, index, grad):
        """An input's gradient arrived: once all have, the hooks, whose answer may replace grad_input."""
        self.grad_input[index] = grad
        self.inputs_waiting -= 1
        if not self.inputs_waiting:
            self._call_hooks()
        return self.grad_input[index]

    def _call_hooks(self):
        for hook in list(self.module._backward_hooks.values()):
            replaced = hook(self.module, tuple(self.grad_input), tuple(self.grad_output))
            if replaced is not None:
                self.grad_input = list(self._one_replacement(replaced, self.grad_input, "hook"))

    def _one_replacement(self, replaced, current, kind):
        replaced = tuple(replaced) if isinstance(replaced, (tuple, list)) else (replaced,)
        if len(replaced) != len(current):
            raise RuntimeError(f"backward {kind} of {type(self.module).__name__} returned {len(replaced)} gradients "
                               f"for {len(current)}")
        if sum(grad is not None for grad in current) > 1:
            raise NotImplementedError(f"a backward {kind} that returns new gradients works in tinynet only for a "
                                      "module with one input that needs a gradient and one output")
        return [value if value is None or isinstance(value, Tensor) else Tensor._from_data(value)
                for value in replaced]


def watch(module, inputs):
    """(the inputs to call forward with, the watcher to give the output to) for a module with backward hooks."""
    watcher = _Watcher(module, len(inputs))
    return watcher.watch_inputs(inputs), watcher
