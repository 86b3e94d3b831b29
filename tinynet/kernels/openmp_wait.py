"""What OpenMP's worker threads do between two kernels: spin briefly, then sleep, unless the user chose.

Between two parallel regions an OpenMP worker waits for the next one.  GNU
libgomp, by default, first spins (300,000 rounds of a pause instruction,
milliseconds) and only then sleeps.  Spinning is what lets the next kernel
start at once: on the 2-core VM we measure on, waking a sleeping worker takes
about 100 us, longer than a whole 64 x 784 x 128 product.  But a worker that
spins for milliseconds after every kernel takes a core for good, and on a
busy machine that core is one another program -- or tinynet's own Python
thread -- needed: with one other process keeping a core busy, two threads
trained LeNet-5 at 0.10-0.17 of one thread's speed with libgomp's default.

So tinynet asks for a short spin, GOMP_SPINCOUNT=30000 (about 0.3 ms here):
long enough to bridge the gap between the kernels of a training step, short
enough that a worker no longer needed soon sleeps.  What keeps a busy machine
from suffering is the other half (csrc/common/busy_elsewhere.c): while other
programs keep cores busy, kernels use fewer threads, so the workers left out
sleep.  Measured on that VM (quick runs of bench_training and bench_busy):
LeNet-5 on 2 threads trained at about 20,700 images/s with passive waiting
(OMP_WAIT_POLICY=passive, tinynet's earlier default), 24,000 with
GOMP_SPINCOUNT=3000 and 27,300-28,900 with 30000; with a spinning process on
one core, 2 threads ran at 0.99 (LeNet-5) and 1.03 (MLP) of one thread.

The runtime reads its environment once, when it is loaded, which happens when
tinynet's C extension is imported.  So, when the user set neither
OMP_WAIT_POLICY nor GOMP_SPINCOUNT, ``default_policy()`` puts
GOMP_SPINCOUNT=30000 in the environment around that import and then takes it
out again: the processes the program starts see the environment it was given.
A library loaded later that links the same runtime (PyTorch, imported after
tinynet) shares the setting.  If an OpenMP runtime is already loaded (PyTorch,
imported before tinynet, brings its own libgomp, which tinynet then shares),
that runtime has read its environment already and nothing is changed: the
description says so.
"""

import contextlib
import os

USER_SETTINGS = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")  # what the user may have chosen
DEFAULT = ("GOMP_SPINCOUNT", "30000")  # tinynet's choice when the user chose nothing
RUNTIME_NAMES = ("libgomp", "libomp", "libiomp")  # GNU, LLVM and Intel OpenMP runtimes


class Setting:
    """Which wait policy the OpenMP runtime was loaded with, in words (``build_info()["openmp_wait"]``)."""

    def __init__(self, description):
        self.description = description


def loaded_runtimes(maps_path="/proc/self/maps"):
    """File names of the OpenMP runtimes already loaded in this process; None where that cannot be read."""
    try:
        with open(maps_path) as maps:
            paths = {line.split()[-1] for line in maps if "/" in line}
    except OSError:
        return None
    return sorted(p for p in paths if os.path.basename(p).startswith(RUNTIME_NAMES))


@contextlib.contextmanager
def default_policy(environ=os.environ, maps_path="/proc/self/maps"):
    """Around loading the OpenMP runtime: GOMP_SPINCOUNT=30000 unless the user chose; yields a Setting."""
    chosen = [f"{name}={environ[name]}" for name in USER_SETTINGS if environ.get(name, "").strip()]
    already = loaded_runtimes(maps_path)
    if chosen:
        yield Setting(f"{', '.join(chosen)} (from the environment)")
        return
    if already:
        yield Setting(f"the runtime's own default: {os.path.basename(already[0])} was loaded before tinynet "
                      "(by another library, e.g. PyTorch imported first)")
        return
    name, value = DEFAULT
    environ[name] = value
    try:
        yield Setting(f"{name}={value} (tinynet's default)")
    finally:
        environ.pop(name, None)
