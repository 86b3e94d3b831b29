"""Devices: tinynet computes on the CPU, so "cpu" is the one device there is.

``tinynet.device("cpu")``, ``tensor.device`` and ``.to("cpu")`` exist so that
PyTorch code which picks a device and moves its model and tensors there runs
unchanged.  Asking for any other device ("cuda", "mps", ...) is a
RuntimeError that says so, rather than silently computing somewhere else
than the code asked for.  ``tinynet.cuda.is_available()`` and
``tinynet.accelerator.is_available()`` answer False, so code that checks
first picks the CPU by itself.
"""

import numbers

# Device types PyTorch knows; tinynet has none of them but the CPU.
_OTHER_DEVICE_TYPES = ("cuda", "mps", "xpu", "hip", "ipu", "mtia", "hpu", "xla", "meta", "vulkan", "maia",
                       "privateuseone", "mkldnn", "opengl", "opencl", "ideep", "ve", "fpga", "lazy")


def _not_available(name):
    return RuntimeError(f"tinynet runs on the CPU only: device {name!r} is not available. Use 'cpu' "
                        f"(tinynet.cuda.is_available() and tinynet.accelerator.is_available() are False).")


class device:  # noqa: N801  (PyTorch's name)
    """A device: ``device("cpu")``, ``device("cpu:0")`` or ``device("cpu", 0)``; ``str(d)`` is ``"cpu"``."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):  # noqa: A002  (PyTorch's argument name)
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        elif isinstance(type, numbers.Integral) and not isinstance(type, bool):
            raise _not_available(f"cuda:{type}")  # PyTorch reads a bare number as an accelerator's index
        elif not isinstance(type, str):
            raise TypeError(f"device: expected a device string such as 'cpu' or a tinynet.device, got {type!r}")
        name, _, number = type.partition(":")
        if name in _OTHER_DEVICE_TYPES:
            raise _not_available(type)
        if name != "cpu":
            raise RuntimeError(f"device: expected the device type 'cpu' at the start of the device string, "
                               f"got {type!r}")
        if number:
            if not number.isdigit() or index is not None:
                raise RuntimeError(f"device: invalid device string {type!r} (expected 'cpu' or 'cpu:<index>')")
            index = int(number)
        if index is not None and (isinstance(index, bool) or not isinstance(index, numbers.Integral) or index < 0):
            raise RuntimeError(f"device: the index must be a non-negative integer, got {index!r}")
        self.type = "cpu"
        self.index = None if index is None else int(index)

    def __eq__(self, other):
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        return f"device(type={self.type!r})" if self.index is None else \
            f"device(type={self.type!r}, index={self.index})"


CPU = device("cpu")


def check(value, owner=None):
    """A device argument (None, a device, or a string such as "cpu") -> the CPU device, or a RuntimeError."""
    if value is None or value is CPU:
        return CPU
    checked = value if isinstance(value, device) else device(value)
    return checked
