"""The float optimizer steps near the subnormal numbers (csrc/optim/subnormals_avx512.c).

A momentum buffer (or Adam's moments) whose gradient stays 0 shrinks each step down into the subnormal
floats, which x86 cores multiply in microcode; the SIMD loops make the products of such a vector in double
instead, which must give the very bits of the float products.  So: at every SIMD level, tn_ssgd_step and
tn_sadam_step against their plain twins (tn_s..._ref), bit for bit, on arrays full of subnormals, numbers
just above them, zeros of both signs, infinities and NaN, with every setting of the step, over lengths that
end inside a vector and stretches with and without such numbers.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

try:
    from tinynet._tinynet_c import ffi, lib
except ImportError:
    lib = None

pytestmark = pytest.mark.skipif(lib is None, reason="the C extension is not built")

TINY = np.finfo(np.float32).tiny  # 2^-126, the smallest normal float


def simd_levels():
    return list(range(lib.tn_cpu_simd_level() + 1))


def awkward_floats(rng, size, subnormal_share):
    """Normal numbers of all sizes, with a share of subnormals and numbers just above them, signed zeros,
    infinities and NaN mixed in."""
    values = (rng.standard_normal(size) * 10.0 ** rng.integers(-30, 5, size)).astype(np.float32)
    kinds = rng.random(size)
    subnormal = kinds < subnormal_share
    values[subnormal] = (rng.integers(1, 2**23, subnormal.sum()) * np.float64(2.0**-149)).astype(np.float32)
    values[subnormal] *= rng.choice(np.float32([-1, 1]), subnormal.sum())
    near = (kinds >= subnormal_share) & (kinds < 2 * subnormal_share)
    values[near] = (TINY * rng.uniform(1, 2**12, near.sum())).astype(np.float32)
    rare = rng.random(size)
    values[rare < 0.01] = 0.0
    values[(rare >= 0.01) & (rare < 0.02)] = -0.0
    values[(rare >= 0.02) & (rare < 0.025)] = np.inf
    values[(rare >= 0.025) & (rare < 0.03)] = np.nan
    return values


def pointer_arrays(*groups):
    return [ffi.new("float*[]", [ffi.from_buffer("float[]", a) for a in group]) for group in groups]


def at_every_simd_level(run):
    """[run() at each SIMD level this CPU has], the level put back after."""
    level = lib.tn_get_simd_level()
    try:
        results = []
        for simd in simd_levels():
            assert lib.tn_set_simd_level(simd) == simd
            results.append(run())
        return results
    finally:
        lib.tn_set_simd_level(level)


def one_step(entry, arrays, fresh, options):
    """params and buffers after tn_ssgd_step (or its _ref twin) on copies of ``arrays``."""
    params, grads, buffers = ([a.copy() for a in group] for group in arrays)
    count = len(params)
    pointers = pointer_arrays(params, grads, buffers)
    skipped = ffi.new("int32_t[]", count)
    entry(count, *pointers, ffi.new("int32_t[]", [fresh] * count), ffi.new("int64_t[]", [a.size for a in params]),
          options["lr"], options["weight_decay"], options["momentum"], options["dampening"],
          options["nesterov"], options["maximize"], skipped)
    assert list(skipped) == [0] * count
    return params, buffers


def assert_same_bits(got, expected):
    """Bit for bit, except a NaN's sign bit: the compiler may move a negation across a product (-g * lr as
    g * -lr), which changes nothing else (the plain loops of update.inc and reference.inc do so)."""
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
        bits = lambda x: np.where(np.isnan(x), 0, x.view(np.uint32))
        np.testing.assert_array_equal(bits(a), bits(b))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1),
       sizes=st.lists(st.integers(1, 70) | st.sampled_from([512, 1100]), min_size=1, max_size=3),
       subnormal_share=st.sampled_from([0.0, 0.02, 0.3, 1.0]), fresh=st.booleans(),
       lr=st.sampled_from([0.1, 0.01, 1e-30]), weight_decay=st.sampled_from([0.0, 1e-4]),
       momentum=st.sampled_from([0.9, 0.5]), dampening=st.sampled_from([0.0, 0.1]), nesterov=st.booleans(),
       maximize=st.booleans())
def test_the_step_near_subnormals_is_the_plain_steps_bit_for_bit(seed, sizes, subnormal_share, fresh, lr,
                                                                  weight_decay, momentum, dampening, nesterov,
                                                                  maximize):
    rng = np.random.default_rng(seed)
    arrays = [[awkward_floats(rng, n, subnormal_share) for n in sizes] for _ in range(3)]
    options = dict(lr=lr, weight_decay=weight_decay, momentum=momentum, dampening=dampening,
                   nesterov=nesterov and dampening == 0, maximize=maximize)
    expected = one_step(lib.tn_ssgd_step_ref, arrays, fresh, options)
    for got in at_every_simd_level(lambda: one_step(lib.tn_ssgd_step, arrays, fresh, options)):
        assert_same_bits(got[0], expected[0])
        assert_same_bits(got[1], expected[1])


def test_a_decaying_buffer_sinks_into_the_subnormals_as_in_the_plain_step():
    """The case that made the loops: a zero gradient, 300 steps of b = 0.9 b from about 1e-30: subnormal
    from step 80 or so, and there to stay (0.9 times the smallest subnormal rounds back to it), at every
    SIMD level, on buffers of 1,000, 17 and 1 numbers."""
    rng = np.random.default_rng(0)
    start = [(rng.uniform(0.5, 1.5, n) * 1e-30).astype(np.float32) for n in (1000, 17, 1)]
    options = dict(lr=0.01, weight_decay=0.0, momentum=0.9, dampening=0.0, nesterov=False, maximize=False)
    zeros = [np.zeros_like(b) for b in start]
    params = [rng.standard_normal(b.size).astype(np.float32) for b in start]
    expected = (params, start)
    seen_subnormal = False
    for _ in range(300):
        expected = one_step(lib.tn_ssgd_step_ref, (expected[0], zeros, expected[1]), False, options)
        seen_subnormal |= any(((b != 0) & (np.abs(b) < TINY)).any() for b in expected[1])
    assert seen_subnormal and all((np.abs(b) < TINY).all() for b in expected[1])

    def run():
        got = (params, start)
        for _ in range(300):
            got = one_step(lib.tn_ssgd_step, (got[0], zeros, got[1]), False, options)
        return got
    for got in at_every_simd_level(run):
        assert_same_bits(got[0], expected[0])
        assert_same_bits(got[1], expected[1])


def adam_step(entry, arrays, step, options):
    """params, moments (and largest second moments) after tn_sadam_step (or its _ref twin) on copies."""
    params, grads, means, squares, largest = ([a.copy() for a in group] for group in arrays)
    count = len(params)
    skipped = ffi.new("int32_t[]", count)
    pointers = pointer_arrays(params, grads, means, squares)
    entry(count, *pointers, pointer_arrays(largest)[0] if options["amsgrad"] else ffi.NULL,
          ffi.new("int64_t[]", [a.size for a in params]), ffi.new("int64_t[]", [step] * count), options["lr"],
          options["beta1"], options["beta2"], options["eps"], options["weight_decay"], options["decoupled"],
          options["maximize"], skipped)
    assert list(skipped) == [0] * count
    return params + means + squares + (largest if options["amsgrad"] else [])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1),
       sizes=st.lists(st.integers(1, 70) | st.sampled_from([512, 1100]), min_size=1, max_size=3),
       subnormal_share=st.sampled_from([0.0, 0.02, 0.3, 1.0]), step=st.sampled_from([1, 7, 1000]),
       lr=st.sampled_from([1e-3, 0.1]), betas=st.sampled_from([(0.9, 0.999), (0.5, 0.9)]),
       weight_decay=st.sampled_from([0.0, 1e-2]), decoupled=st.booleans(), amsgrad=st.booleans(),
       maximize=st.booleans())
def test_adams_step_near_subnormals_is_the_plain_steps_bit_for_bit(seed, sizes, subnormal_share, step, lr, betas,
                                                                     weight_decay, decoupled, amsgrad, maximize):
    rng = np.random.default_rng(seed)
    arrays = [[awkward_floats(rng, n, subnormal_share) for n in sizes] for _ in range(5)]
    arrays[3] = [np.abs(a) for a in arrays[3]]  # second moments (and the largest of them) are not negative
    arrays[4] = [np.abs(a) for a in arrays[4]]
    options = dict(lr=lr, beta1=betas[0], beta2=betas[1], eps=1e-8, weight_decay=weight_decay,
                   decoupled=decoupled, amsgrad=amsgrad, maximize=maximize)
    expected = adam_step(lib.tn_sadam_step_ref, arrays, step, options)
    for got in at_every_simd_level(lambda: adam_step(lib.tn_sadam_step, arrays, step, options)):
        assert_same_bits(got, expected)


def test_adams_moments_sink_into_the_subnormals_as_in_the_plain_step():
    """Adam with a zero gradient for 300 steps from moments of about 1e-30: m (times 0.9 a step) turns
    subnormal, at every SIMD level the same bits as the plain step."""
    rng = np.random.default_rng(1)
    sizes = (1000, 17, 1)
    start = [[rng.standard_normal(n).astype(np.float32) for n in sizes],
             [np.zeros(n, np.float32) for n in sizes],
             [(rng.uniform(0.5, 1.5, n) * 1e-30).astype(np.float32) for n in sizes],
             [(rng.uniform(0.5, 1.5, n) * 1e-30).astype(np.float32) for n in sizes],
             [np.zeros(n, np.float32) for n in sizes]]
    options = dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, decoupled=False, amsgrad=True,
                   maximize=False)

    def run(entry):
        arrays = start
        for step in range(1, 301):
            out = adam_step(entry, arrays, step, options)
            arrays = [out[0:3], arrays[1], out[3:6], out[6:9], out[9:12]]
        return arrays

    expected = run(lib.tn_sadam_step_ref)
    assert any(((m != 0) & (np.abs(m) < TINY)).any() for m in expected[2])
    for got in at_every_simd_level(lambda: run(lib.tn_sadam_step)):
        for group, expected_group in zip(got, expected):
            assert_same_bits(group, expected_group)
