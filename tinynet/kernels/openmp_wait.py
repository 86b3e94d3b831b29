"""What OpenMP's worker threads do between two kernels: sleep, unless the user chose otherwise.

Between two parallel regions an OpenMP worker waits for the next one.  GNU
libgomp, by default, first spins (300,000 rounds of a pause instruction, a
few milliseconds) and only then sleeps.  On an idle machine that saves the few
microseconds of waking a sleeping thread.  On a busy one it is ruinous: a
training step starts a kernel every few hundred microseconds, so the worker
never gets to sleep, and the core it spins on is one that another program --
or tinynet's own Python thread, running the numpy code between kernels --
needed.  On a 2-core machine with one other process keeping a core busy, two
threads trained LeNet-5 at 0.10-0.17 of one thread's speed with libgomp's
default, and at 1.5-3.5 of it with passive waiting (docs/threads-and-processes.md
has the figures).  A bounded spin (GOMP_SPINCOUNT=10000, about 0.1 ms) kept
part of the loss (0.5-0.7 with two busy processes), so tinynet chooses passive.

The runtime reads its environment once, when it is loaded, which happens when
tinynet's C extension is imported.  So, when the user set neither
OMP_WAIT_POLICY nor GOMP_SPINCOUNT, ``default_policy()`` puts
OMP_WAIT_POLICY=passive in the environment around that import and then takes it
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
DEFAULT = ("OMP_WAIT_POLICY", "passive")  # tinynet's choice when the user chose nothing
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
    """Around loading the OpenMP runtime: OMP_WAIT_POLICY=passive unless the user chose; yields a Setting."""
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
