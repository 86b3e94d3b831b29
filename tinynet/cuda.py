"""``tinynet.cuda``: there is no GPU in tinynet, so ``is_available()`` is False and there are no devices.

PyTorch code often asks ``torch.cuda.is_available()`` to choose its device, and seeds the GPU's
generator beside the CPU's; both run unchanged (the seeding has nothing to seed).  ``cuda.amp``'s autocast
and GradScaler turn themselves off with PyTorch's warning, as on a machine without a GPU.
"""

from types import SimpleNamespace

from tinynet import amp as _amp


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


def _cuda_autocast(enabled=True, dtype=None, cache_enabled=None):
    """``torch.cuda.amp.autocast``: autocast for device "cuda", which turns itself off here (tinynet.amp)."""
    return _amp.autocast("cuda", dtype, enabled, cache_enabled)


def _cuda_grad_scaler(*args, **kwargs):
    """``torch.cuda.amp.GradScaler``: a GradScaler for device "cuda", which turns itself off here (tinynet.amp)."""
    return _amp.GradScaler("cuda", *args, **kwargs)


amp = SimpleNamespace(autocast=_cuda_autocast, GradScaler=_cuda_grad_scaler)  # (torch.cuda.amp)
