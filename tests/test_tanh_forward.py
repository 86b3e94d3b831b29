"""float32 tanh's forward in C (tinynet.kernels.tanh.tanh_forward, csrc/elementwise/tanh_forward.c).

The kernel must stay within 2 units in the last place (ulp) of tanh computed in double and rounded to float32,
keep NaN, +-inf, +-0 and subnormals right, and give the same bits at every SIMD level, on 1 and 2 threads and
at any length (the AVX2 loop takes 8 numbers at a time, the plain loop the rest): the same bits as the
steps of csrc/elementwise/tanh_math.h written out below in numpy, each fused multiply-add rounded once as
the C's fmaf and FMA instructions round it.  The two polynomials are fits (minimax), so their coefficients
are stated here as in the header, and checked against the functions they stand for.  The tanh op takes it for float32 at the AVX2 level (tanh_kernel.forward_pays) and still
matches PyTorch (test_tanh_kernel.py).
"""

import math
from fractions import Fraction

import numpy as np
import pytest

import tinynet
from tinynet.kernels import config
from tinynet.kernels import reference as reference_backend
from tinynet.kernels import tanh as tanh_kernel

try:
    from tinynet._tinynet_c import lib
except ImportError:  # the C extension was not built: the C-only tests skip
    lib = None

needs_c = pytest.mark.skipif(lib is None or config.backend is reference_backend,
                             reason="the C kernels are not built or not in use")

F32 = np.float32


def as_float(value):
    """A Fraction as the nearest float32."""
    return F32(value.numerator / value.denominator)


# tanh a = a + a^3 p(a^2) below 0.55, and e^r = 1 + r g(r): p and g from the highest power down
SERIES = np.array([-0.006242849, 0.021050714, -0.053847548, 0.13332544, -0.33333316], F32)
EXP_SERIES = np.array([0.0013818268, 0.008368531, 0.041668292, 0.16666523, 0.49999994, 1.0], F32)
LN2_HIGH = F32(math.ldexp(round(math.frexp(math.log(2))[0] * 2 ** 16), math.frexp(math.log(2))[1] - 16))
LN2_LOW = F32(math.log(2) - float(LN2_HIGH))


def fma32(a, b, c):
    """float32 a * b + c rounded once, as an FMA rounds it.  The product of two float32s is exact in
    float64; the float64 sum's own rounding error is recovered (two-sum), which settles the one case where
    rounding twice could differ from rounding once: a sum landing exactly halfway between two float32s."""
    a, b, c = (np.asarray(v).astype(np.float64) for v in (a, b, c))
    with np.errstate(invalid="ignore", over="ignore"):
        product = a * b
        total = product + c
        back = total - product
        error = (product - (total - back)) + (c - back)  # total + error == product + c exactly
        rounded = total.astype(F32)
    halfway = (total.view(np.int64) & 0x1FFFFFFF) == 0x10000000  # the 29 bits below float32's fraction: 1000...
    up = halfway & (error > 0) & (rounded.astype(np.float64) < total)
    down = halfway & (error < 0) & (rounded.astype(np.float64) > total)
    rounded = np.where(up, np.nextafter(rounded, F32(np.inf)), rounded)
    return np.where(down, np.nextafter(rounded, F32(-np.inf)), rounded)


def horner32(coefficients, x):
    p = np.full_like(x, coefficients[0])
    for c in coefficients[1:]:
        p = fma32(p, x, c)
    return p


def tanh_step_by_step(x):
    """tanh_math.h's steps in numpy float32: a multiply or add rounded once, a fused multiply-add once."""
    a = np.abs(x)
    with np.errstate(invalid="ignore", over="ignore"):
        s = a * a
        series = fma32(a * s, horner32(SERIES, s), a)
        y = np.minimum(a + a, F32(20))
        k = np.rint(y * F32(1 / math.log(2)))
        r = fma32(-k, LN2_LOW, fma32(-k, LN2_HIGH, y))
        q = fma32(r, horner32(EXP_SERIES, r), F32(1))
        e = np.ldexp(q, np.nan_to_num(k).astype(np.int32))
        exp_form = F32(1) - F32(2) / (e + F32(1))
    return np.copysign(np.where(a >= F32(0.55), exp_form, series), x)


def test_the_polynomials_are_close_fits():
    """Without rounding, a + a^3 p(a^2) is within 2e-9 of tanh a on [0, 0.55], and 1 + r g(r) of e^r on
    |r| <= ln(2)/2: far below float32's 6e-8, so the error left is the arithmetic's."""
    a = np.linspace(1e-6, 0.55, 100_001)
    series = a + a ** 3 * np.polyval(SERIES.astype(np.float64), a * a)
    assert np.max(np.abs(series / np.tanh(a) - 1)) < 2e-9
    r = np.linspace(-math.log(2) / 2, math.log(2) / 2, 100_001)
    assert np.max(np.abs((1 + r * np.polyval(EXP_SERIES.astype(np.float64), r)) / np.exp(r) - 1)) < 4e-9


def ulps_apart(a, b):
    """How many float32 values lie between a and b (both finite, of one sign)."""
    return np.abs(a.view(np.int32).astype(np.int64) - b.view(np.int32).astype(np.int64))


SPECIALS = np.array([np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-45, -1e-45, 1.17e-38, 3e-39, 0.55, -0.55,
                     0.5493061, 9.0, 9.02, 10.0, 44.0, 89.0, 3.4e38, -3.4e38], np.float32)
EXPECTED_SPECIALS = np.tanh(SPECIALS.astype(np.float64)).astype(np.float32)


def every_256th_float_to(limit):
    """Every 256th float32 from 0 to ``limit`` (beyond 9.02 tanh is 1.0 in float32), and their negatives."""
    bits = np.arange(0, int(F32(limit).view(np.int32)) + 1, 256, dtype=np.int32)
    positive = bits.view(np.float32)
    return np.concatenate([positive, -positive])


@needs_c
def test_within_2_ulp_of_tanh_rounded_to_float32():
    x = every_256th_float_to(10.5)  # 8.5 million numbers: every exponent, both branches and their border
    y = tanh_kernel.tanh_forward(x)
    exact = np.tanh(x.astype(np.float64)).astype(np.float32)
    off = ulps_apart(y, exact)
    assert off.max() <= 2
    assert np.mean(off == 0) > 0.99  # nearly every number is tanh correctly rounded


@needs_c
def test_special_values():
    y = tanh_kernel.tanh_forward(SPECIALS)
    assert np.isnan(y[:2]).all()
    np.testing.assert_array_equal(y[2:], EXPECTED_SPECIALS[2:])  # +-inf -> +-1, tiny -> itself, big -> +-1
    np.testing.assert_array_equal(np.signbit(y[2:]), np.signbit(SPECIALS[2:]))  # -0.0 stays -0.0


@needs_c
@pytest.mark.parametrize("n", [1, 7, 8, 9, 31, 1 << 15, (1 << 16) + 13, 5 * (1 << 15) + 3])
def test_the_same_bits_as_the_steps_at_every_simd_level_and_thread_count(at_level, n):
    rng = np.random.default_rng(n)
    x = (rng.standard_normal(n) * rng.choice([0.1, 1, 4], n)).astype(np.float32)
    x[: min(n, len(SPECIALS))] = SPECIALS[: min(n, len(SPECIALS))]
    expected = tanh_step_by_step(x)
    for level in range(lib.tn_cpu_simd_level() + 1):
        at_level(level)
        for threads in (1, 2):
            tinynet.set_num_threads(threads)
            y = tanh_kernel.tanh_forward(x)
            np.testing.assert_array_equal(y.view(np.int32), expected.view(np.int32),
                                          err_msg=f"SIMD level {level}, {threads} threads")


def test_any_layout_and_shape_and_empty():
    x = np.random.default_rng(1).standard_normal((6, 40, 3)).astype(np.float32)
    strided = x[:, ::3, 1]
    y = tanh_kernel.tanh_forward(strided)
    assert y.shape == strided.shape and y.dtype == np.float32
    np.testing.assert_array_equal(y, tanh_kernel.tanh_forward(np.ascontiguousarray(strided)))
    np.testing.assert_allclose(y, np.tanh(strided), rtol=3e-7, atol=0)
    assert tanh_kernel.tanh_forward(np.zeros((0, 3), np.float32)).shape == (0, 3)
    scalar = tanh_kernel.tanh_forward(np.array(0.5, np.float32))
    assert scalar.shape == () and abs(scalar - np.tanh(0.5)) <= 3e-7 * np.tanh(0.5)


@pytest.mark.parametrize("shape", [(), (1,), (3, 1, 2)])
def test_the_op_keeps_the_shape_and_its_gradient(shape, at_level):
    if lib is not None and lib.tn_cpu_simd_level() >= 1:
        at_level(1)  # (where the op takes the kernel)
    x = tinynet.tensor(np.full(shape, 0.5, np.float32), requires_grad=True)
    y = tinynet.tanh(x)
    assert tuple(y.shape) == shape and y.dtype == tinynet.float32
    y.sum().backward()
    assert tuple(x.grad.shape) == shape
    np.testing.assert_allclose(x.grad.numpy(), 1 - np.tanh(0.5) ** 2, rtol=1e-6)


@pytest.mark.parametrize("bad", [np.zeros(4), np.zeros(4, np.int32), [0.5, 1.0]])
def test_not_float32_is_refused(bad):
    with pytest.raises(TypeError, match="tanh_forward: expected a float32 numpy array"):
        tanh_kernel.tanh_forward(bad)


def test_the_numpy_backend_gives_numpys_tanh(monkeypatch):
    x = np.random.default_rng(2).standard_normal(1000).astype(np.float32)
    monkeypatch.setattr(config, "backend", reference_backend)
    np.testing.assert_array_equal(tanh_kernel.tanh_forward(x), np.tanh(x))


@needs_c
def test_the_op_takes_the_kernel_for_float32_at_the_avx2_level_only(at_level, monkeypatch):
    if lib.tn_cpu_simd_level() < 1:
        pytest.skip("the CPU has no AVX2")
    calls = []
    real = tanh_kernel.tanh_forward
    monkeypatch.setattr(tanh_kernel, "tanh_forward", lambda x: calls.append(x.dtype) or real(x))
    x32 = np.random.default_rng(3).standard_normal((5, 7)).astype(np.float32)
    at_level(1)
    np.testing.assert_array_equal(tinynet.tanh(tinynet.tensor(x32)).numpy(), real(x32))
    x64 = x32.astype(np.float64)
    np.testing.assert_array_equal(tinynet.tanh(tinynet.tensor(x64)).numpy(), np.tanh(x64))
    assert calls == [np.dtype(np.float32)]
    for level in {0, lib.tn_cpu_simd_level()} - {1}:  # the plain loop (slower than numpy's), AVX-512 (unmeasured)
        at_level(level)
        np.testing.assert_array_equal(tinynet.tanh(tinynet.tensor(x32)).numpy(), np.tanh(x32))
    assert calls == [np.dtype(np.float32)]
