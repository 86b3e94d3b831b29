"""The direct convolution (csrc/conv2d_direct.c) against the float64 reference of test_conv2d.

The direct path serves float32 convolutions with stride 1, small images and
4 or more channels, on CPUs with AVX2; the shapes here are drawn so that it
does (test_conv2d draws few channels, which stay on im2col + GEMM).  On
other CPUs the same tests check the im2col path, which is then what runs.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinynet
from tinynet import kernels
from test_conv2d import check_against_reference, fixed_case, make_arrays, reference_conv, assert_close

try:
    from tinynet._tinynet_c import lib
except ImportError:
    lib = None

needs_c = pytest.mark.skipif(lib is None, reason="the C extension tinynet._tinynet_c is not built")


@st.composite
def direct_cases(draw):
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    return {
        "batch": draw(st.integers(1, 24)),
        "in_channels": draw(st.sampled_from([3, 8, 9, 12, 16, 17, 24, 32])),
        "out_channels": draw(st.sampled_from([4, 8, 10, 12, 16, 20, 32])),
        "size": (draw(st.integers(kh, 15)), draw(st.integers(kw, 15))),
        "kernel": (kh, kw),
        "stride": (1, 1),
        "pad": (draw(st.integers(0, kh - 1)), draw(st.integers(0, kw - 1))),
        "bias": draw(st.booleans()),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


@settings(max_examples=60, deadline=None)
@given(case=direct_cases())
def test_direct_shapes_match_reference(case):
    check_against_reference(case, np.float32)


# The small-image layers of the benchmarks' networks, with batches that span
# several groups of images (and a last group that is not full).
NAMED = [
    ("cnn6 4->8 14x14", (37, 4, 8, (14, 14), (3, 3), (1, 1), (1, 1))),
    ("cnn6 8->8 14x14", (21, 8, 8, (14, 14), (3, 3), (1, 1), (1, 1))),
    ("cnn6 8->16 7x7", (45, 8, 16, (7, 7), (3, 3), (1, 1), (1, 1))),
    ("cnn6 16->16 7x7", (23, 16, 16, (7, 7), (3, 3), (1, 1), (1, 1))),
    ("lenet conv2", (70, 6, 16, (12, 12), (5, 5), (1, 1), (0, 0))),
    ("non-square, 24 channels", (9, 24, 24, (5, 9), (3, 2), (1, 1), (2, 1))),
    ("1x1 kernel", (13, 16, 32, (6, 6), (1, 1), (1, 1), (0, 0))),
]


@pytest.mark.parametrize("name,spec", NAMED, ids=[name for name, _ in NAMED])
def test_direct_named_shapes(name, spec):
    check_against_reference(fixed_case(spec), np.float32)


@pytest.mark.parametrize("input_grad,weight_grad,bias_grad",
                         [(True, False, False), (False, True, False), (False, False, True), (True, False, True)])
def test_direct_backward_computes_only_what_is_asked(input_grad, weight_grad, bias_grad):
    case = fixed_case(NAMED[2][1])
    x, w, _ = make_arrays(case, np.float32)
    y_ref, grads = reference_conv(x, w, None, case["stride"], case["pad"])
    dy = np.random.default_rng(3).standard_normal(y_ref.shape).astype(np.float32)
    got = kernels.conv2d_backward(x, w, dy, case["stride"], case["pad"], input_grad, weight_grad, bias_grad)
    for asked, value, expected in zip((input_grad, weight_grad, bias_grad), got, grads(dy)):
        if asked:
            assert_close(value, expected, np.float32)
        else:
            assert value is None


@needs_c
def test_direct_gradients_do_not_depend_on_the_thread_count():
    """dW and db are sums over the batch, cut into chunks by the shape alone: bit for bit the same."""
    case = fixed_case((300, 16, 16, (7, 7), (3, 3), (1, 1), (1, 1)))
    x, w, b = make_arrays(case, np.float32)
    dy = np.random.default_rng(5).standard_normal((300, 16, 7, 7)).astype(np.float32)
    before = tinynet.get_num_threads()
    try:
        results = []
        for threads in (1, 2, 3):
            tinynet.set_num_threads(threads)
            results.append((kernels.conv2d_forward(x, w, b, padding=1),
                            *kernels.conv2d_backward(x, w, dy, padding=1)))
    finally:
        tinynet.set_num_threads(before)
    for other in results[1:]:
        for first, second in zip(results[0], other):
            np.testing.assert_array_equal(first, second)


@needs_c
def test_direct_and_im2col_paths_agree():
    """With the SIMD level forced to portable, the same call runs im2col + GEMM: both near the reference."""
    case = fixed_case(NAMED[3][1])
    x, w, b = make_arrays(case, np.float32)
    dy = np.random.default_rng(9).standard_normal((23, 16, 7, 7)).astype(np.float32)
    level = lib.tn_get_simd_level()
    try:
        outputs = []
        for forced in (level, 0):
            lib.tn_set_simd_level(forced)
            outputs.append((kernels.conv2d_forward(x, w, b, padding=1), *kernels.conv2d_backward(x, w, dy, padding=1)))
    finally:
        lib.tn_set_simd_level(level)
    for direct, im2col in zip(*outputs):
        assert_close(direct, im2col.astype(np.float64), np.float32)
