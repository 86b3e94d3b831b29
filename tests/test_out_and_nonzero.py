"""``out=`` on the arithmetic ops and matmul, ``nonzero``/``argwhere`` and GroupNorm, compared with PyTorch."""

import numpy as np
import pytest

import tinynet

OPS = ["add", "sub", "mul", "div", "matmul"]


def operands(name, rng):
    if name == "matmul":
        return rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal((4, 2)).astype(np.float32)
    return rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal((4,)).astype(np.float32) + 3


@pytest.mark.parametrize("name", OPS)
def test_out_writes_into_the_given_tensor_as_torch_does(name, torch):
    a, b = operands(name, np.random.default_rng(0))
    results = []
    for lib in (tinynet, torch):
        # matmul: out is resized (a warning, as it was not empty); the others cast float32 into float64
        out = lib.zeros(1) if name == "matmul" else lib.zeros(0, dtype=lib.float64)
        with pytest.warns(UserWarning, match="resized") if name == "matmul" else _no_warning():
            returned = getattr(lib, name)(lib.tensor(a), lib.tensor(b), out=out)
        assert returned is out
        results.append(out.numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-6)
    assert results[0].dtype == results[1].dtype and results[0].shape == results[1].shape


class _no_warning:
    def __enter__(self):
        import warnings
        self.catcher = warnings.catch_warnings()
        self.catcher.__enter__()
        warnings.simplefilter("error")

    def __exit__(self, *exc):
        self.catcher.__exit__(*exc)


def test_out_keeps_the_tensor_object_and_bumps_its_version():
    out = tinynet.zeros(2)
    before = out._version_counter().value if hasattr(out, "_version_counter") else None
    tinynet.add(tinynet.ones(2), 1, out=out)
    assert out.tolist() == [2.0, 2.0]
    if before is not None:
        assert out._version_counter().value > before


@pytest.mark.parametrize("name", OPS)
def test_out_mistakes_raise_what_torch_raises(name, torch):
    a, b = operands(name, np.random.default_rng(1))
    for lib in (tinynet, torch):
        grad_a = lib.tensor(a, requires_grad=True)
        with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
            getattr(lib, name)(grad_a, lib.tensor(b), out=lib.empty(0))
        with lib.no_grad():  # under no_grad it is fine
            getattr(lib, name)(grad_a, lib.tensor(b), out=lib.empty(0))
        with pytest.raises(RuntimeError, match="(?i)expected out tensor to have dtype|can't be cast to the desired"):
            getattr(lib, name)(lib.tensor(a), lib.tensor(b), out=lib.empty(0, dtype=lib.int64))
        with pytest.raises(TypeError, match="must be Tensor|invalid combination of arguments"):
            getattr(lib, name)(lib.tensor(a), lib.tensor(b), out=np.zeros(1))


@pytest.mark.parametrize("shape", [(), (5,), (3, 4), (2, 3, 4)])
def test_nonzero_and_argwhere_match_torch(shape, torch):
    rng = np.random.default_rng(len(shape))
    for values in (rng.integers(-1, 2, size=shape).astype(np.float32), np.zeros(shape, np.float32)):
        ours, theirs = tinynet.tensor(values), torch.tensor(values)
        for got, expected in ((ours.nonzero(), theirs.nonzero()), (tinynet.argwhere(ours), torch.argwhere(theirs)),
                              (tinynet.nonzero(ours > 0), torch.nonzero(theirs > 0))):
            assert got.dtype == np.int64 and got.shape == tuple(expected.shape)
            np.testing.assert_array_equal(got.numpy(), expected.numpy())
        got, expected = ours.nonzero(as_tuple=True), theirs.nonzero(as_tuple=True)
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            np.testing.assert_array_equal(g.numpy(), e.numpy())
        if values.ndim:
            np.testing.assert_array_equal(ours[ours.nonzero(as_tuple=True)].numpy(),
                                          theirs[theirs.nonzero(as_tuple=True)].numpy())


def test_group_norm_module_matches_torch_and_refuses_bad_groups(torch):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 6, 4, 4)).astype(np.float32)
    ours, theirs = tinynet.nn.GroupNorm(3, 6), torch.nn.GroupNorm(3, 6)
    weight, bias = rng.standard_normal(6).astype(np.float32), rng.standard_normal(6).astype(np.float32)
    ours.load_state_dict({"weight": weight, "bias": bias})
    theirs.load_state_dict({"weight": torch.tensor(weight), "bias": torch.tensor(bias)})
    assert list(ours.state_dict()) == list(theirs.state_dict()) and repr(ours) == repr(theirs)
    np.testing.assert_allclose(ours(tinynet.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)
    for lib in (tinynet, torch):
        with pytest.raises(ValueError, match="divisible"):
            lib.nn.GroupNorm(4, 6)
        with pytest.raises(RuntimeError, match="(?i)expected number of channels in input to be divisible"):
            lib.nn.functional.group_norm(lib.zeros(2, 6, 3), 4)
