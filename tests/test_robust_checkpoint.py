"""Checkpoints lose nothing: a save killed half-way leaves the old file whole, and
load_state_dict refuses (changing nothing) keys, shapes and dtypes that do not fit."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import tinynet as tn
from tinynet import nn


@pytest.mark.skipif(sys.platform == "win32", reason="uses SIGKILL")
def test_save_killed_half_way_leaves_the_previous_checkpoint_intact(tmp_path):
    path = tmp_path / "model.npz"
    old = {"weight": np.arange(10, dtype=np.float32)}
    tn.save(old, path)
    # A child process that saves a big checkpoint over the same path, again and again.
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import numpy as np, tinynet
        big = {{"weight": np.ones(40_000_000, dtype=np.float32)}}
        while True:
            tinynet.save(big, {str(path)!r})
        """)], cwd=tmp_path)
    try:
        deadline = time.monotonic() + 60
        # Wait until it is in the middle of writing its temporary file, then kill it without warning.
        while not any(name.endswith(".tmp") for name in os.listdir(tmp_path)):
            assert child.poll() is None and time.monotonic() < deadline, "the saving child never started writing"
            time.sleep(0.005)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    loaded = tn.load(path)  # whole and readable: the old checkpoint, or (if the rename won the race) the new one
    assert list(loaded) == ["weight"]
    assert loaded["weight"].shape in [(10,), (40_000_000,)]
    if loaded["weight"].shape == (10,):
        np.testing.assert_array_equal(loaded["weight"], old["weight"])


def model():
    tn.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))


@pytest.mark.parametrize("change, words", [
    (lambda s: s.pop("0.bias"), 'Missing key(s) in state_dict: "0.bias".'),
    (lambda s: s.update(extra=np.zeros(1)), 'Unexpected key(s) in state_dict: "extra".'),
    (lambda s: s.update({"0.weight": np.zeros((3, 2), np.float32)}), "shape (3, 2) in the state_dict but (2, 3)"),
    (lambda s: s.update({"0.weight": np.zeros((2, 3), np.complex64)}), "dtype complex64; expected real numbers"),
    (lambda s: s.update({"0.bias": np.array(["a", "b"])}), "dtype <U1"),
    (lambda s: s.update({"1.num_batches_tracked": np.array(2.5)}), "fractional values"),
])
def test_load_state_dict_refuses_what_does_not_fit_and_changes_nothing(change, words):
    net = model()
    before = {key: np.array(value, copy=True) for key, value in net.state_dict().items()}
    state = {key: np.array(value, copy=True) + 1 for key, value in net.state_dict().items()}
    change(state)
    with pytest.raises(RuntimeError, match=None) as raised:
        net.load_state_dict(state)
    assert words in str(raised.value)
    for key, value in net.state_dict().items():
        np.testing.assert_array_equal(np.asarray(value), before[key])


def test_float64_checkpoint_loads_into_float32_model():
    """Casting between float widths is allowed (e.g. weights saved from a float64 gradient-check model)."""
    net = model()
    state = {key: np.asarray(value).astype(np.float64) + 1 for key, value in net.state_dict().items()}
    state["1.num_batches_tracked"] = np.array(3.0)  # a whole number stored as float: fine
    net.load_state_dict(state)
    assert net[0].weight.numpy().dtype == np.float32
    np.testing.assert_allclose(net[0].weight.numpy(), state["0.weight"], rtol=1e-6)


def temporaries(directory):
    return sorted(name for name in os.listdir(directory) if name.endswith(".tmp"))


@pytest.mark.skipif(sys.platform == "win32", reason="uses SIGKILL and flock")
def test_a_later_save_sweeps_the_temporary_a_killed_save_left(tmp_path):
    path = tmp_path / "model.npz"
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import numpy as np, tinynet
        big = {{"weight": np.ones(40_000_000, dtype=np.float32)}}
        while True:
            tinynet.save(big, {str(path)!r})
        """)], cwd=tmp_path)
    try:
        deadline = time.monotonic() + 60
        while not temporaries(tmp_path):
            assert child.poll() is None and time.monotonic() < deadline, "the saving child never started writing"
            time.sleep(0.005)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    if not temporaries(tmp_path):
        pytest.skip("the child finished its rename just before the kill; nothing was left to sweep")
    tn.save({"weight": np.arange(3.0)}, path)
    assert os.listdir(tmp_path) == ["model.npz"]
    np.testing.assert_array_equal(tn.load(path)["weight"], np.arange(3.0))


@pytest.mark.skipif(sys.platform == "win32", reason="uses flock")
def test_save_sweeps_only_its_own_targets_orphans_never_a_live_save(tmp_path):
    import fcntl

    path = tmp_path / "model.npz"
    orphan = tmp_path / ".model.npz.0123456789abcdef.tmp"  # a killed save's: nobody holds its lock
    live = tmp_path / ".model.npz.fedcba9876543210.tmp"  # a save in progress (elsewhere): locked
    others = [".model.npz.x.0123456789abcdef.tmp",  # the temporary of another target, model.npz.x
              ".model.npz.0123.tmp", "model.npz.0123456789abcdef.tmp", "notes.tmp"]
    for name in [orphan.name, live.name, *others]:
        (tmp_path / name).write_bytes(b"partial")
    holder = os.open(live, os.O_RDONLY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        tn.save({"w": np.zeros(2)}, path)
        assert sorted(os.listdir(tmp_path)) == sorted(["model.npz", live.name, *others])
    finally:
        os.close(holder)
    tn.save({"w": np.ones(2)}, path)  # the lock is gone: now it is an orphan too
    assert sorted(os.listdir(tmp_path)) == sorted(["model.npz", *others])
