"""OpenMP's wait policy: a short spin by default (tinynet/kernels/openmp_wait.py), the user's choice kept, reported."""

import os
import subprocess
import sys

import pytest

import tinynet
from tinynet.kernels import openmp_wait

needs_openmp = pytest.mark.skipif(not tinynet.build_info().get("openmp"),
                                  reason="the C kernels were built without OpenMP")

REPORT = ("import os, tinynet; print(tinynet.build_info()['openmp_wait']); "
          "print(os.environ.get('OMP_WAIT_POLICY'), os.environ.get('GOMP_SPINCOUNT'))")


def run_child(tmp_path, script, **env):
    """A fresh interpreter (the runtime reads its environment once), outside the source tree."""
    environ = {k: v for k, v in os.environ.items() if k not in openmp_wait.USER_SETTINGS + ("OMP_DISPLAY_ENV",)}
    done = subprocess.run([sys.executable, "-c", script], env=dict(environ, **env), capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return done


def fake_maps(tmp_path, *paths):
    maps = tmp_path / "maps"
    maps.write_text("".join(f"7f00-7f01 r-xp 00000000 08:01 1 {p}\n" for p in paths) + "7f02-7f03 rw-p 0 0:0 0\n")
    return str(maps)


def test_a_short_spin_is_set_around_the_block_and_taken_out_after(tmp_path):
    environ = {}
    with openmp_wait.default_policy(environ, fake_maps(tmp_path, "/usr/lib/libc.so.6")) as setting:
        assert environ == {"GOMP_SPINCOUNT": "30000"}
    assert environ == {}
    assert setting.description == "GOMP_SPINCOUNT=30000 (tinynet's default)"


@pytest.mark.parametrize("name, value", [("OMP_WAIT_POLICY", "active"), ("GOMP_SPINCOUNT", "1000")])
def test_the_users_choice_is_kept(tmp_path, name, value):
    environ = {name: value}
    with openmp_wait.default_policy(environ, fake_maps(tmp_path)) as setting:
        assert environ == {name: value}
    assert environ == {name: value}
    assert setting.description == f"{name}={value} (from the environment)"


def test_nothing_is_set_when_a_runtime_is_already_loaded(tmp_path):
    environ = {}
    maps = fake_maps(tmp_path, "/site-packages/torch/lib/libgomp.so.1")
    assert openmp_wait.loaded_runtimes(maps) == ["/site-packages/torch/lib/libgomp.so.1"]
    with openmp_wait.default_policy(environ, maps) as setting:
        assert environ == {}
    assert "libgomp.so.1 was loaded before tinynet" in setting.description


def test_unreadable_maps_mean_unknown_not_loaded(tmp_path):
    assert openmp_wait.loaded_runtimes(str(tmp_path / "missing")) is None


@needs_openmp
def test_import_reports_the_default_and_leaves_the_environment_alone(tmp_path):
    lines = run_child(tmp_path, REPORT).stdout.splitlines()
    assert lines == ["GOMP_SPINCOUNT=30000 (tinynet's default)", "None None"]


@needs_openmp
def test_import_reports_the_users_setting(tmp_path):
    lines = run_child(tmp_path, REPORT, OMP_WAIT_POLICY="active").stdout.splitlines()
    assert lines == ["OMP_WAIT_POLICY=active (from the environment)", "active None"]


@needs_openmp
def test_the_runtime_really_reads_the_short_spin(tmp_path):
    # OMP_DISPLAY_ENV makes the runtime print the settings it initialised with (GNU: a spin count of 0
    # means passive; its own default, with nothing set, is 300000).
    done = run_child(tmp_path, "import tinynet", OMP_DISPLAY_ENV="verbose")
    if "GOMP_SPINCOUNT" not in done.stderr:
        pytest.skip("the OpenMP runtime is not GNU libgomp")
    assert "GOMP_SPINCOUNT = '30000'" in done.stderr
    passive = run_child(tmp_path, "import tinynet", OMP_DISPLAY_ENV="verbose", OMP_WAIT_POLICY="passive")
    assert "GOMP_SPINCOUNT = '0'" in passive.stderr


CONV_BITS = """
import hashlib, numpy as np, tinynet
tinynet.set_num_threads(2)
rng = np.random.default_rng(0)
x = tinynet.tensor(rng.standard_normal((8, 3, 12, 12)).astype(np.float32), requires_grad=True)
w = tinynet.tensor(rng.standard_normal((5, 3, 3, 3)).astype(np.float32), requires_grad=True)
a = tinynet.tensor(rng.standard_normal((70, 300)).astype(np.float32))
y = tinynet.nn.functional.max_pool2d(tinynet.nn.functional.conv2d(x, w, padding=1), 2)
y.sum().backward()
print(hashlib.sha256(b"".join(np.ascontiguousarray(t).tobytes()
      for t in (y.detach().numpy(), x.grad.numpy(), w.grad.numpy(), (a @ a.T).numpy()))).hexdigest())
"""


@needs_openmp
def test_results_are_the_same_bits_whatever_the_policy(tmp_path):
    default = run_child(tmp_path, CONV_BITS).stdout
    passive = run_child(tmp_path, CONV_BITS, OMP_WAIT_POLICY="passive").stdout
    active = run_child(tmp_path, CONV_BITS, OMP_WAIT_POLICY="active").stdout
    one_thread = run_child(tmp_path, CONV_BITS.replace("set_num_threads(2)", "set_num_threads(1)")).stdout
    assert default == passive == active == one_thread
