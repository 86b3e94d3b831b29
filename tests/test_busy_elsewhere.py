"""Fewer threads while other programs keep cores busy (csrc/common/busy_elsewhere.c).

The arithmetic is checked directly: how many threads for a given load, and
the busy ticks read from a /proc/stat text.  The watch itself runs in a
fresh process (the suite turns it off, tests/conftest.py) with one process
spinning on one CPU, and must then give kernels one thread fewer.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

import tinynet

try:
    from tinynet._tinynet_c import ffi, lib
except ImportError:  # the C extension was not built
    ffi = lib = None

pytestmark = pytest.mark.skipif(lib is None, reason="the C extension tinynet._tinynet_c is not built")


@pytest.mark.parametrize("requested, usable, busy, expected", [
    (2, 2, 0.0, 2),      # idle machine: what was asked
    (2, 2, 0.49, 2),     # less than half a core: not counted
    (2, 2, 0.5, 1),      # half a core or more: one core fewer
    (2, 2, 1.0, 1),
    (2, 2, 2.0, 1),      # every core busy: still one thread
    (2, 2, 7.5, 1),
    (4, 8, 3.0, 4),      # enough cores free for what was asked
    (8, 8, 3.0, 5),
    (8, 8, 3.6, 4),      # rounded to the nearest core
    (1, 2, 0.0, 1),
    (0, 2, 0.0, 1),      # (never fewer than one)
    (2, 2, float("nan"), 2),  # no measurement: what was asked
])
def test_threads_for_a_load(requested, usable, busy, expected):
    assert lib.tn_threads_given_load(requested, usable, busy) == expected


STAT = b"""cpu  900 10 300 5000 20 0 5 7 0 0
cpu0 100 1 50 2500 10 0 2 3 0 0
cpu1 800 9 250 2500 10 0 3 4 0 0
intr 12345 0 0
ctxt 999
"""


def busy_ticks(text, counted):
    flags = np.array(counted, dtype=np.uint8)
    return lib.tn_stat_busy_ticks(text, len(text), ffi.cast("unsigned char *", flags.ctypes.data), len(flags))


def test_busy_ticks_sum_user_nice_system_irq_softirq_steal_of_the_counted_cpus():
    assert busy_ticks(STAT, [1, 0]) == 100 + 1 + 50 + 0 + 2 + 3
    assert busy_ticks(STAT, [0, 1]) == 800 + 9 + 250 + 0 + 3 + 4
    assert busy_ticks(STAT, [1, 1]) == busy_ticks(STAT, [1, 0]) + busy_ticks(STAT, [0, 1])


@pytest.mark.parametrize("text", [b"", b"cpu  1 2 3 4 5 6 7\n", b"garbage\n\n", b"cpu0 1 2\n", b"cpu7 1 2 3 4 5 6 7 8\n"])
def test_no_counted_cpu_line_is_no_measurement(text):
    assert busy_ticks(text, [1, 1]) == -1


def test_an_old_kernel_without_steal_still_counts():
    assert busy_ticks(b"cpu0 10 20 30 40 50 60 70\n", [1]) == 10 + 20 + 30 + 60 + 70


def test_a_line_longer_than_the_parser_reads_is_cut_not_overrun():
    text = b"cpu0 1 2 3 4 5 6 7 8" + b" 9" * 500 + b"\n"
    assert busy_ticks(text, [1]) == 1 + 2 + 3 + 6 + 7 + 8


def test_the_setting_is_checked():
    with pytest.raises(TypeError, match="True or False"):
        tinynet.kernels.set_share_cores(1)


WATCH = """
import time, tinynet
from tinynet._tinynet_c import lib
a = tinynet.randn(256, 256)
end = time.monotonic() + 1.2
while time.monotonic() < end:
    a @ a
print(lib.tn_threads_now(), lib.tn_cores_busy_elsewhere(), tinynet.get_num_threads())
"""


def run_watch(cwd, **env):
    """A fresh interpreter, outside the source tree (so the installed package, with its C kernels, runs)."""
    environ = dict(os.environ, TINYNET_NUM_THREADS="2", **env)
    done = subprocess.run([sys.executable, "-c", WATCH], env=environ, capture_output=True, text=True, timeout=120,
                          cwd=cwd)
    assert done.returncode == 0, done.stderr
    threads_now, busy, asked = done.stdout.split()
    return int(threads_now), float(busy), int(asked)


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2
                    or not os.path.exists("/proc/stat") or not tinynet.build_info().get("openmp"),
                    reason="needs Linux, OpenMP and 2 CPUs")
def test_a_program_spinning_on_a_core_takes_one_thread_away(tmp_path):
    cpu = max(os.sched_getaffinity(0))
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        os.sched_setaffinity(spinner.pid, {cpu})
        threads_now, busy, asked = run_watch(tmp_path)
        _, _, off_asked = off = run_watch(tmp_path, TINYNET_SHARE_CORES="off")
    finally:
        spinner.kill()
        spinner.wait()
    assert asked == 2 and busy >= 0.5 and threads_now == 1
    assert off[0] == off_asked == 2  # the watch turned off: what was asked


def test_a_bad_environment_setting_is_refused(tmp_path):
    done = subprocess.run([sys.executable, "-c", "import tinynet"], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, TINYNET_SHARE_CORES="maybe"), cwd=tmp_path)
    assert done.returncode != 0 and "TINYNET_SHARE_CORES must be 'on' or 'off'" in done.stderr
