"""``tinynet.amp``: mixed-precision training's two helpers, for code written to switch them on and off.

Mixed precision computes in 16-bit floats where that is safe, to go faster on GPUs; tinynet computes in float32
and float64 only.  So:

- ``autocast`` (also ``tinynet.autocast``) changes nothing: inside it everything runs in full precision.  With
  ``enabled=True`` it says so once with a UserWarning; for device "cuda" it warns that CUDA is not available
  and disables itself, as PyTorch does on a machine without a GPU.
- ``GradScaler`` does what PyTorch's does: with ``enabled=True`` (and the CPU as its device) ``scale(loss)``
  multiplies the loss by the scale, ``unscale_(optimizer)`` divides the gradients back, ``step(optimizer)``
  skips the step when a gradient is inf or NaN, and ``update()`` halves the scale after such a step and
  doubles it after ``growth_interval`` clean ones.  Disabled (or asked for "cuda", which it then turns off
  with PyTorch's warning), every method is a pass-through: ``scaler.scale(loss).backward();
  scaler.step(optimizer); scaler.update()`` is then plain training.
"""

import warnings

import numpy as np

__all__ = ["autocast", "GradScaler"]


class autocast:  # noqa: N801  (PyTorch's name; a context manager and a decorator)
    """``with autocast(device_type, dtype=None, enabled=True):`` or ``@autocast(...)``: full precision inside."""

    def __init__(self, device_type="cpu", dtype=None, enabled=True, cache_enabled=None):
        if str(device_type).startswith("cuda") and enabled:
            warnings.warn("User provided device_type of 'cuda', but CUDA is not available. Disabling",
                          UserWarning, stacklevel=2)
            enabled = False
        if enabled:
            warnings.warn("tinynet has no 16-bit floats: autocast runs everything in full precision",
                          UserWarning, stacklevel=2)
        self.device, self.fast_dtype, self._enabled = str(device_type), dtype, bool(enabled)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def __call__(self, function):
        def wrapper(*args, **kwargs):
            with self:
                return function(*args, **kwargs)
        wrapper.__name__, wrapper.__doc__ = getattr(function, "__name__", "wrapper"), function.__doc__
        return wrapper


class GradScaler:
    """Loss scaling with PyTorch's methods and rules (module docstring)."""

    def __init__(self, device="cpu", init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000,
                 enabled=True):
        if str(device).startswith("cuda") and enabled:
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
                          UserWarning, stacklevel=2)
            enabled = False
        self._enabled = bool(enabled)
        if self._enabled and not growth_factor > 1.0:  # (PyTorch's assertions, kept under python -O)
            raise AssertionError(f"The growth factor must be > 1.0, got {growth_factor}")
        if self._enabled and not backoff_factor < 1.0:
            raise AssertionError(f"The backoff factor must be < 1.0, got {backoff_factor}")
        self._scale, self._growth_factor, self._backoff_factor = float(init_scale), growth_factor, backoff_factor
        self._growth_interval, self._growth_tracker = int(growth_interval), 0
        self._found_inf = {}  # id(optimizer) -> whether its unscaled gradients held an inf or NaN
        self._stepped = set()  # id(optimizer) of those step() was called for since the last update()

    def is_enabled(self):
        """Whether the scaler scales at all."""
        return self._enabled

    def get_scale(self):
        """The current scale (1.0 when disabled)."""
        return self._scale if self._enabled else 1.0

    def scale(self, outputs):
        """outputs * scale (a tensor, or lists and tuples of them); outputs unchanged when disabled."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(value) for value in outputs)
        if not hasattr(outputs, "backward"):
            raise ValueError(f"outputs must be a Tensor or an iterable of Tensors, got {type(outputs).__name__}")
        return outputs * self._scale

    def unscale_(self, optimizer):
        """Divide the optimizer's gradients by the scale, in place, once per step (before clipping them)."""
        if not self._enabled:
            return
        if id(optimizer) in self._stepped:
            raise RuntimeError("unscale_() is being called after step().")
        if id(optimizer) in self._found_inf:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        found = False
        for group in optimizer.param_groups:
            for parameter in group["params"]:
                if parameter.grad is not None:
                    grad = parameter.grad._array
                    grad *= 1.0 / self._scale
                    found = found or not np.isfinite(grad).all()
        self._found_inf[id(optimizer)] = found

    def step(self, optimizer, *args, **kwargs):
        """optimizer.step(), unless a gradient is inf or NaN (then the step is skipped and None returned)."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if id(optimizer) in self._stepped:  # (a second step would apply the same gradients again)
            raise RuntimeError("step() has already been called since the last update().")
        if id(optimizer) not in self._found_inf:
            self.unscale_(optimizer)
        self._stepped.add(id(optimizer))
        return None if self._found_inf[id(optimizer)] else optimizer.step(*args, **kwargs)

    def update(self, new_scale=None):
        """After each step: halve the scale if a step was skipped, double it after growth_interval clean steps."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale.item() if hasattr(new_scale, "item") else new_scale)
        elif not self._found_inf:  # (no step to judge the scale by: PyTorch's assertion)
            raise AssertionError("No inf checks were recorded prior to update.")
        elif any(self._found_inf.values()):
            self._scale *= self._backoff_factor
            self._growth_tracker = 0
        else:
            self._growth_tracker += 1
            if self._growth_tracker == self._growth_interval:
                self._scale *= self._growth_factor
                self._growth_tracker = 0
        self._found_inf, self._stepped = {}, set()

    def state_dict(self):
        """The scale and its bookkeeping (empty when disabled), as PyTorch names them."""
        if not self._enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth_factor, "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval, "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict):
        """Take back what state_dict gave."""
        if not self._enabled:
            return
        self._scale = float(state_dict["scale"])
        self._growth_factor, self._backoff_factor = state_dict["growth_factor"], state_dict["backoff_factor"]
        self._growth_interval, self._growth_tracker = state_dict["growth_interval"], state_dict["_growth_tracker"]
