"""The fused kernels of a training step besides the linear layer: softmax cross-entropy with its gradient
(tinynet.kernels.cross_entropy) and the one-call optimizer steps (sgd_step, adam_step).

Each runs three ways on the same inputs: the C kernel, its plain C twin (tn_*_ref, swapped in for the fast
one), and the numpy reference backend; the optimizer steps must agree bit for bit (csrc/tinynet.h promises
so), cross-entropy to rounding, and cross-entropy also against a plain log-softmax.
"""

from types import SimpleNamespace

import numpy as np
import pytest

from tinynet import kernels
from tinynet.kernels import config
from tinynet.kernels import reference as reference_backend

try:
    from tinynet._tinynet_c import lib
    from tinynet.kernels import c_backend
except ImportError:  # no C extension: nothing here to compare
    lib = c_backend = None

pytestmark = pytest.mark.skipif(lib is None, reason="the C extension is not built")

DTYPES = [np.float32, np.float64]


def plain_c_twins(monkeypatch):
    """Make the C backend call each kernel's plain twin (tn_s..._ref) instead of the fast one."""
    for dtype, prefix in ((np.dtype(np.float32), "s"), (np.dtype(np.float64), "d")):
        kernels = vars(c_backend.KERNELS[dtype])
        twins = {name: getattr(lib, f"tn_{prefix}{name}_ref", kernel) for name, kernel in kernels.items()}
        monkeypatch.setitem(c_backend.KERNELS, dtype, SimpleNamespace(**twins))


def three_ways(monkeypatch, run):
    """run() with the C kernels, with their plain C twins, and with the numpy reference backend."""
    monkeypatch.setattr(config, "backend", c_backend)
    fast = run()
    with monkeypatch.context() as patch:
        plain_c_twins(patch)
        plain = run()
    monkeypatch.setattr(config, "backend", reference_backend)
    return fast, plain, run()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("rows, classes", [(1, 1), (5, 3), (64, 10), (7, 1000)])
def test_cross_entropy_three_ways_and_against_log_softmax(monkeypatch, dtype, rows, classes):
    rng = np.random.default_rng(rows * classes)
    logits = (rng.standard_normal((rows, classes)) * 5).astype(dtype)
    labels = rng.integers(0, classes, rows)
    results = three_ways(monkeypatch, lambda: kernels.cross_entropy(logits, labels, scale=0.5))
    z = logits.astype(np.float64)
    log_p = z - z.max(axis=1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(axis=1, keepdims=True))
    expected_loss = -log_p[np.arange(rows), labels].sum()
    expected_grad = 0.5 * (np.exp(log_p) - np.eye(classes)[labels])
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    for loss_sum, grad in results:
        assert grad.dtype == dtype and grad.shape == logits.shape
        np.testing.assert_allclose(loss_sum, expected_loss, rtol=tolerance, atol=tolerance)
        np.testing.assert_allclose(grad, expected_grad, rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("bad_label", [-1, 3, 2**40])
def test_cross_entropy_with_a_label_that_is_no_class_says_so_three_ways(monkeypatch, bad_label):
    logits, labels = np.zeros((4, 3), np.float32), np.array([0, 1, bad_label, 2])
    assert three_ways(monkeypatch, lambda: kernels.cross_entropy(logits, labels)) == (None, None, None)


def parameters(dtype, seed=0, sizes=(1, 7, 33, 300)):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(n).astype(dtype) for n in sizes]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("options", [
    dict(momentum=0.0, weight_decay=0.0, nesterov=False, maximize=False),
    dict(momentum=0.9, weight_decay=1e-2, nesterov=False, maximize=False),
    dict(momentum=0.9, weight_decay=0.0, nesterov=True, maximize=True),
])
def test_sgd_step_is_the_same_bit_for_bit_three_ways(monkeypatch, dtype, options):
    grads = parameters(dtype, seed=1)

    def two_steps():
        params = parameters(dtype)
        buffers = [np.empty_like(p) for p in params] if options["momentum"] else None
        for fresh in (True, False):  # the first step fills the momentum buffers, the second uses them
            skipped = kernels.sgd_step(params, grads, buffers, [fresh] * len(params), lr=0.1,
                                       weight_decay=options["weight_decay"], momentum=options["momentum"],
                                       dampening=0.0, nesterov=options["nesterov"], maximize=options["maximize"])
            assert skipped == []
        return params, buffers

    fast, plain, numpy_version = three_ways(monkeypatch, two_steps)
    for other in (plain, numpy_version):
        for a, b in zip(fast[0], other[0]):
            np.testing.assert_array_equal(a, b)
    assert not np.array_equal(fast[0][3], parameters(dtype)[3])  # (the step did move the parameters)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("amsgrad, decoupled, maximize", [(False, False, False), (True, True, False),
                                                          (False, True, True)])
def test_adam_step_is_the_same_bit_for_bit_three_ways(monkeypatch, dtype, amsgrad, decoupled, maximize):
    grads = parameters(dtype, seed=2)

    def two_steps():
        params = parameters(dtype)
        moments = [[np.zeros_like(p) for p in params] for _ in range(3 if amsgrad else 2)]
        for step in (1, 2):
            skipped = kernels.adam_step(params, grads, moments[0], moments[1], moments[2] if amsgrad else None,
                                        [step] * len(params), lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8,
                                        weight_decay=0.1, decoupled=decoupled, maximize=maximize)
            assert skipped == []
        return params + moments[0] + moments[1]

    fast, plain, numpy_version = three_ways(monkeypatch, two_steps)
    for other in (plain, numpy_version):
        for a, b in zip(fast, other):
            np.testing.assert_array_equal(a, b)


def test_a_parameter_whose_arrays_overlap_is_left_to_the_caller(monkeypatch):
    params = parameters(np.float64)
    grads = [p.copy() for p in params]
    grads[2] = params[2]  # the gradient is the parameter itself
    before = params[2].copy()
    for backend in (c_backend, reference_backend):
        monkeypatch.setattr(config, "backend", backend)
        assert kernels.sgd_step(params, grads, None, [False] * 4, 0.1, 0.0, 0.0, 0.0, False, False) == [2]
        np.testing.assert_array_equal(params[2], before)



@pytest.mark.parametrize("mixed", [False, True])
def test_sgd_step_takes_every_parameter_c_can_and_returns_the_others(monkeypatch, mixed):
    """Four parameters, all float32 (one C call takes them all) or mixed: a float64 one (a second call), one
    with a strided gradient and one read-only (both left to the caller, untouched).  Those taken get the
    reference backend's numbers."""
    rng = np.random.default_rng(8)
    params = [rng.standard_normal(shape).astype(np.float32) for shape in (6, (2, 3), 5, 4)]
    grads = [rng.standard_normal(p.shape).astype(np.float32) for p in params]
    if mixed:
        params[1], grads[1] = params[1].astype(np.float64), grads[1].astype(np.float64)
        grads[2] = np.repeat(grads[2], 2)[::2]
    originals = [p.copy() for p in params]
    if mixed:
        params[3].flags.writeable = False
    settings = 0.1, 0.01, 0.9, 0.0, False, False  # lr, weight decay, momentum, dampening, nesterov, maximize
    monkeypatch.setattr(config, "backend", c_backend)
    left = kernels.sgd_step(params, grads, [np.empty_like(p) for p in params], [True] * 4, *settings)
    assert left == ([2, 3] if mixed else [])
    taken = [k for k in range(4) if k not in left]
    expected = [originals[k].copy() for k in taken]
    reference_backend.sgd_step(expected, [grads[k] for k in taken], [np.empty_like(e) for e in expected],
                               [True] * len(taken), *settings)
    for k, values in zip(taken, expected):
        np.testing.assert_array_equal(params[k], values)
    for k in left:
        np.testing.assert_array_equal(params[k], originals[k])
