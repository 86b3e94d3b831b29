"""TINYNET_MALLOC: tinynet asks glibc to keep freed memory (csrc/runtime.c) unless told not to."""

import os
import platform
import subprocess
import sys

import pytest

import tinynet

SCRIPT = "import tinynet; print(tinynet.build_info().get('malloc_keeps_freed_memory'))"


def run_child(tmp_path, **env):
    # Outside the source tree, so the child imports the installed package (with its C extension).
    return subprocess.run([sys.executable, "-c", SCRIPT], env=dict(os.environ, **env), capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)


needs_c_on_glibc = pytest.mark.skipif(
    tinynet.build_info()["backend"] != "c" or platform.libc_ver()[0] != "glibc",
    reason="the setting is made by the C backend, with glibc")


@needs_c_on_glibc
def test_freed_memory_is_kept_by_default(tmp_path):
    done = run_child(tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"


@needs_c_on_glibc
def test_malloc_default_leaves_malloc_alone(tmp_path):
    done = run_child(tmp_path, TINYNET_MALLOC="default")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_a_bad_malloc_setting_is_refused(tmp_path):
    done = run_child(tmp_path, TINYNET_MALLOC="sometimes")
    if tinynet.build_info()["backend"] != "c":
        pytest.skip("only the C backend reads TINYNET_MALLOC")
    assert done.returncode != 0
    assert "TINYNET_MALLOC must be 'keep' or 'default', got 'sometimes'" in done.stderr
