"""``tinynet.cuda``: there is no GPU in tinynet, so ``is_available()`` is False and there are no devices.

PyTorch code often asks ``torch.cuda.is_available()`` to choose its device, and seeds the GPU's
generator beside the CPU's; both run unchanged (the seeding has nothing to seed).
"""


def is_available():
    """False: tinynet runs on the CPU only."""
    return False


def device_count():
    """0: tinynet has no GPUs."""
    return 0


def manual_seed(seed):
    """Nothing to seed (PyTorch, too, ignores this when no GPU is available); seed the CPU with tinynet.manual_seed."""


def manual_seed_all(seed):
    """Nothing to seed; see ``manual_seed``."""


def empty_cache():
    """Nothing to free: there is no GPU memory."""


def synchronize(device=None):
    """Nothing to wait for: tinynet computes on the CPU, each op finished when it returns."""
