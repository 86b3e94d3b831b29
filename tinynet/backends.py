"""``tinynet.backends``: the answers PyTorch code asks of its backends before choosing a device.

``backends.mps.is_available()`` is False (tinynet runs on the CPU only).  ``backends.cudnn``'s
switches (``deterministic``, ``benchmark``) may be set, as scripts do for reproducibility; they
change nothing, because tinynet has no cuDNN (with a fixed seed its runs repeat bit for bit
already; see docs/determinism.md).
"""


class _Unavailable:
    """A backend tinynet does not have."""

    def __init__(self, name):
        self.name = name
        self.enabled = False
        self.deterministic = False
        self.benchmark = False

    def is_available(self):
        """False: tinynet runs on the CPU only."""
        return False

    def is_built(self):
        """False: tinynet is not built with this backend."""
        return False

    def __repr__(self):
        return f"<tinynet.backends.{self.name}: not available, tinynet runs on the CPU>"


mps = _Unavailable("mps")
cudnn = _Unavailable("cudnn")
