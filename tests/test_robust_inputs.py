"""Arguments that used to get through: flags that are not bools, scales beyond a double, misaligned
views, values that do not fit an integer buffer, thread counts the OpenMP runtime cannot start."""

import os
import subprocess
import sys

import numpy as np
import pytest

import tinynet
from tinynet import kernels, nn


def misaligned(shape, dtype=np.float32, seed=0):
    """An array of ``shape`` whose data starts one byte past an aligned address (so C would read it misaligned)."""
    values = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    raw = np.zeros(values.nbytes + 1, dtype=np.uint8)
    view = np.frombuffer(raw.data, dtype=dtype, count=values.size, offset=1).reshape(shape)
    view[...] = values
    assert not view.flags.aligned
    return view


@pytest.mark.parametrize("flag", ["N", "T", 1, None])
def test_gemm_transpose_flags_must_be_bools(flag):
    with pytest.raises(TypeError, match="trans_a must be True or False"):
        kernels.gemm(np.ones((2, 3), np.float32), np.ones((3, 2), np.float32), trans_a=flag)


def test_gemm_scale_beyond_a_double_is_a_clear_error():
    with pytest.raises(ValueError, match="alpha=1000000.* too large"):
        kernels.gemm(np.ones((2, 2)), np.ones((2, 2)), alpha=10**400)
    with pytest.raises(ValueError, match="beta must be finite"):
        kernels.gemm(np.ones((2, 2)), np.ones((2, 2)), beta=float("nan"), out=np.zeros((2, 2)))


def test_gemm_names_a_0d_array_as_0d():
    with pytest.raises(ValueError, match=r"a must be 2-D \(a matrix\), got shape \(\)"):
        kernels.gemm(np.array(1.0), np.ones((1, 1)))


def test_misaligned_inputs_are_copied_before_c_reads_them():
    a, b = misaligned((13, 7)), misaligned((7, 5), seed=1)
    np.testing.assert_allclose(kernels.gemm(a, b), a.astype(np.float64) @ b, rtol=1e-5, atol=1e-5)
    x, w = misaligned((2, 3, 6, 6)), misaligned((4, 3, 3, 3), seed=2)
    aligned = kernels.conv2d_forward(x.copy(), w.copy(), padding=1)
    np.testing.assert_array_equal(kernels.conv2d_forward(x, w, padding=1), aligned)
    y, argmax = kernels.max_pool2d_forward(x, 2)
    np.testing.assert_array_equal(y, kernels.max_pool2d_forward(x.copy(), 2)[0])
    dx = kernels.max_pool2d_backward(misaligned(y.shape, seed=3), argmax, x.shape, 2)
    assert dx.shape == x.shape and np.isfinite(dx).all()


def test_load_state_dict_refuses_values_outside_an_integer_buffer():
    model = nn.BatchNorm1d(3)
    state = model.state_dict()
    before = {key: value.clone() for key, value in state.items()}
    state["num_batches_tracked"] = np.array(1e20)
    with pytest.raises(RuntimeError, match="outside the range of the model's int64 'num_batches_tracked'"):
        model.load_state_dict(state)
    for key, value in model.state_dict().items():  # nothing changed
        np.testing.assert_array_equal(value, before[key])
    state["num_batches_tracked"] = np.array(7.0)  # a whole number that fits is fine
    model.load_state_dict(state)
    assert model.num_batches_tracked == 7


@pytest.mark.parametrize("n", [0, -1, 10**6, 2**31, 2**64])
def test_thread_counts_out_of_range_are_refused(n):
    before = tinynet.get_num_threads()
    with pytest.raises(ValueError, match="set_num_threads expects a number of threads from 1 to 1024"):
        tinynet.set_num_threads(n)
    assert tinynet.get_num_threads() == before


def test_thread_count_from_the_environment_is_checked_and_named(tmp_path):
    env = dict(os.environ, TINYNET_NUM_THREADS="99999999999")
    done = subprocess.run([sys.executable, "-c", "import tinynet"], env=env, capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert done.returncode != 0
    assert "TINYNET_NUM_THREADS must be a whole number from 1 to 1024, got '99999999999'" in done.stderr
    assert "OverflowError" not in done.stderr


def test_dropout_accepts_a_numpy_probability():
    x = tinynet.ones(100)
    tinynet.manual_seed(0)
    y = tinynet.nn.functional.dropout(x, p=np.float32(0.5))
    assert set(np.unique(y.numpy())) <= {0.0, 2.0}
    assert nn.Dropout(np.float64(0.25)).p == 0.25
