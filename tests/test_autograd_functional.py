"""tinynet.autograd.functional.jacobian and vjp against torch.autograd.functional: the same values and the same
nesting of tuples for one or several inputs and outputs; second-order functions refuse with the reason."""

import numpy as np
import pytest

import tinynet

RNG = np.random.default_rng(0)
A, B, M = RNG.standard_normal(3), RNG.standard_normal(3), RNG.standard_normal((2, 3))


def _nested(value):
    """Tensors to numpy arrays, keeping the tuple structure."""
    return tuple(_nested(v) for v in value) if isinstance(value, tuple) else value.detach().numpy()


def _assert_same(mine, reference):
    assert isinstance(mine, tuple) == isinstance(reference, tuple)
    if isinstance(reference, tuple):
        assert len(mine) == len(reference)
        for a, b in zip(mine, reference):
            _assert_same(a, b)
    else:
        assert mine.shape == reference.shape
        np.testing.assert_allclose(mine, reference, rtol=1e-12, atol=1e-12)


CASES = [
    (lambda m, x: x ** 2 * x.sum(), [A]),
    (lambda m, x: m.tanh(x @ x.T), [M]),
    (lambda m, x: x.sum(), [M]),
    (lambda m, a, b: a * b, [A, B]),
    (lambda m, a: (a * 2, a.sum()), [A]),
    (lambda m, a, b: (a * b, (a - b).pow(2).sum()), [A, B]),
    (lambda m, a: m.ones(2, dtype=a.dtype), [A]),  # (an output that does not depend on the input: zeros)
]


@pytest.mark.parametrize("index", range(len(CASES)))
def test_jacobian_and_vjp_match_torch(index, torch):
    build, arrays = CASES[index]
    for lib in (tinynet, torch):
        assert hasattr(lib.autograd.functional, "jacobian")
    single = len(arrays) == 1

    def call(lib, name, *extra):
        inputs = lib.tensor(arrays[0]) if single else tuple(lib.tensor(a) for a in arrays)
        return getattr(lib.autograd.functional, name)(lambda *xs: build(lib, *xs), inputs, *extra)
    _assert_same(_nested(call(tinynet, "jacobian")), _nested(call(torch, "jacobian")))
    outputs = build(torch, *[torch.tensor(a) for a in arrays])
    weights = [RNG.standard_normal(tuple(o.shape)) for o in (outputs if isinstance(outputs, tuple) else (outputs,))]
    pack = (lambda lib: lib.tensor(weights[0])) if not isinstance(outputs, tuple) else \
        (lambda lib: tuple(lib.tensor(w) for w in weights))
    _assert_same(_nested(call(tinynet, "vjp", pack(tinynet))), _nested(call(torch, "vjp", pack(torch))))


def test_second_order_functions_refuse():
    with pytest.raises(NotImplementedError, match="gradients of gradients"):
        tinynet.autograd.functional.hessian(lambda x: (x ** 3).sum(), tinynet.tensor(A))
    with pytest.raises(NotImplementedError):
        tinynet.autograd.functional.jacobian(lambda x: x, tinynet.tensor(A), create_graph=True)


@pytest.mark.parametrize("call", [
    lambda lib, x, y: lib.autograd.functional.jacobian(lambda a: lib.ones(2), x, strict=True),
    lambda lib, x, y: lib.autograd.functional.jacobian(lambda a, b: a * 2, (x, y), strict=True),
    lambda lib, x, y: lib.autograd.functional.vjp(lambda a, b: a * 2, (x, y), x, strict=True),
    lambda lib, x, y: lib.autograd.functional.vjp(lambda a: (a, a * 2), x, x),
])
def test_strict_mode_and_a_short_v_raise_as_in_torch(call, torch):
    """strict=True returned zeros for an output independent of an input; a v shorter than the outputs was cut."""
    for lib in (torch, tinynet):
        with pytest.raises(RuntimeError):
            call(lib, lib.tensor(A), lib.tensor(B))
