"""``tinynet.accelerator``: PyTorch's device-agnostic question "is there a GPU-like device?" -- no.

Code such as ``device = torch.accelerator.current_accelerator() if torch.accelerator.is_available()
else torch.device("cpu")`` picks the CPU on tinynet unchanged.
"""


def is_available():
    """False: tinynet runs on the CPU only."""
    return False


def current_accelerator(check_available=False):
    """None: there is no accelerator."""
    return None


def device_count():
    """0: there is no accelerator."""
    return 0
