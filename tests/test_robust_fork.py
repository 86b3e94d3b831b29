"""Kernels keep working in processes forked after they ran: os.fork and multiprocessing pools with 'fork'.

Each scenario runs in a fresh Python process with a time limit, so a regression (a child stuck in the
OpenMP runtime) fails the test instead of hanging the suite.
"""

import os
import subprocess
import sys
import textwrap

import pytest

import tinynet

pytestmark = pytest.mark.skipif(not hasattr(os, "fork") or tinynet.build_info()["backend"] != "c",
                                reason="needs os.fork and the C kernels")

PRELUDE = """
import os, sys, multiprocessing
import numpy as np
import tinynet
from tinynet import kernels
tinynet.set_num_threads(2)
a = np.random.default_rng(0).standard_normal((256, 256)).astype(np.float32)
x = np.random.default_rng(1).standard_normal((4, 3, 28, 28)).astype(np.float32)
w = np.random.default_rng(2).standard_normal((8, 3, 3, 3)).astype(np.float32)
expected = kernels.gemm(a, a)   # the parent's kernels start their threads
kernels.conv2d_forward(x, w)

def work(seed):
    got = kernels.gemm(a, a)
    y = kernels.conv2d_forward(x, w, padding=1)
    return float(np.abs(got - expected).max()), y.shape, tinynet.get_num_threads()
"""


def run(script, tmp_path):
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(PRELUDE) + textwrap.dedent(script)],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_os_fork_child_runs_kernels(tmp_path):
    out = run("""
        pid = os.fork()
        if pid == 0:
            error, shape, threads = work(0)
            os._exit(0 if error == 0 and shape == (4, 8, 28, 28) and threads == 1 else 3)
        _, status = os.waitpid(pid, 0)
        print("child", os.waitstatus_to_exitcode(status), "parent threads", tinynet.get_num_threads())
        """, tmp_path)
    assert "child 0 parent threads 2" in out


def test_multiprocessing_pool_with_fork(tmp_path):
    out = run("""
        with multiprocessing.get_context("fork").Pool(2) as pool:
            results = pool.map(work, range(4))
        print(sorted(set((error, threads) for error, _, threads in results)))
        print(float(np.abs(kernels.gemm(a, a) - expected).max()))   # the parent still works, on its threads
        """, tmp_path)
    assert out.split("\n")[:2] == ["[(0.0, 1)]", "0.0"]


def test_more_threads_in_a_forked_child_are_refused_with_a_reason(tmp_path):
    out = run("""
        pid = os.fork()
        if pid == 0:
            try:
                tinynet.set_num_threads(2)
            except RuntimeError as error:
                os._exit(0 if "forked after tinynet's kernels had started" in str(error) and "spawn" in str(error) else 4)
            os._exit(5)
        _, status = os.waitpid(pid, 0)
        print("child", os.waitstatus_to_exitcode(status))
        """, tmp_path)
    assert "child 0" in out
