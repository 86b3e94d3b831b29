"""Type promotion and the default dtype, checked against PyTorch over a grid of operand kinds and dtypes.

The operands: an n-d tensor, a 0-d tensor or a Python number, of every dtype
tinynet has.  For each pair, ``tinynet.result_type`` must equal
``torch.result_type``, and the binary ops must produce that dtype with
PyTorch's values.
"""

import itertools

import numpy as np
import pytest

import tinynet

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float32", "float64"]
NUMBERS = [True, 3, 2.5]


def operands(torch):
    """(label, tinynet operand, torch operand) for each kind of operand."""
    result = []
    for dtype in DTYPES:
        values = np.array([True, False]) if dtype == "bool" else np.array([1, 2])
        array = values.astype(dtype)
        result.append((f"{dtype}[2]", tinynet.tensor(array), torch.tensor(array)))
        result.append((f"{dtype}[]", tinynet.tensor(array[1]), torch.tensor(array[1])))
    result += [(repr(n), n, n) for n in NUMBERS]
    return result


def pairs(torch):
    kinds = operands(torch)
    for (label_a, a, ta), (label_b, b, tb) in itertools.product(kinds, kinds):
        if isinstance(a, tinynet.Tensor) or isinstance(b, tinynet.Tensor):
            yield f"{label_a} with {label_b}", (a, ta), (b, tb)


def torch_name(dtype):
    return str(dtype).replace("torch.", "")


def test_result_type_matches_torch_on_the_grid(torch):
    checked = 0
    for label, (a, ta), (b, tb) in pairs(torch):
        assert str(tinynet.result_type(a, b)) == torch_name(torch.result_type(ta, tb)), label
        checked += 1
    assert checked == 16 * 16 + 2 * 16 * 3


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # 0 / 0 on the grid
@pytest.mark.parametrize("op", ["add", "mul", "div", "maximum", "minimum", "pow", "sub", "where"])
def test_binary_ops_give_torch_dtypes_and_values(op, torch):
    """Same dtype and values as PyTorch for every pair -- or, where PyTorch refuses a pair, the same error type."""
    def run(module, condition, a, b):
        if op == "where":
            return module.where(condition, a, b)
        return getattr(module, op)(a, b)

    condition = np.array([True, False])
    for label, (a, ta), (b, tb) in pairs(torch):
        if op in ("maximum", "minimum") and not (isinstance(a, tinynet.Tensor) and isinstance(b, tinynet.Tensor)):
            continue  # PyTorch's maximum takes two tensors
        try:
            theirs = run(torch, torch.tensor(condition), ta, tb)
        except RuntimeError as error:  # e.g. bool - bool, pow of two bools
            with pytest.raises(type(error)):
                run(tinynet, tinynet.tensor(condition), a, b)
            continue
        ours = run(tinynet, tinynet.tensor(condition), a, b)
        assert torch_name(theirs.dtype) == str(ours.dtype), f"{op}: {label}"
        np.testing.assert_allclose(ours.numpy().astype(float), theirs.numpy().astype(float), rtol=1e-6,
                                   err_msg=f"{op}: {label}")


def test_operators_follow_the_same_rules():
    ints, floats = tinynet.tensor([1, 2, 3]), tinynet.ones(3)
    assert (ints * 2.5).dtype == tinynet.float32        # int tensor with a Python float: the default dtype
    assert (ints / 2).dtype == tinynet.float32          # true division of integers
    assert (ints / ints).dtype == tinynet.float32
    assert (ints + ints).dtype == tinynet.int64 and (ints * 2).dtype == tinynet.int64
    assert (tinynet.tensor([True, False]) + 1).dtype == tinynet.int64
    assert (floats + tinynet.tensor(1.0, dtype=tinynet.float64)).dtype == tinynet.float32  # a 0-d tensor is weak
    assert (floats + tinynet.ones(3, dtype=tinynet.float64)).dtype == tinynet.float64
    assert (2.5 - ints).dtype == tinynet.float32 and (1 / ints).dtype == tinynet.float32
    assert (ints ** 0.5).dtype == tinynet.float32 and (ints ** 2).dtype == tinynet.int64
    np.testing.assert_allclose((ints / 2).numpy(), [0.5, 1.0, 1.5])
    with pytest.raises(RuntimeError, match="negative integer powers"):
        ints ** -1
    with pytest.raises(RuntimeError, match="bool tensor"):
        -tinynet.tensor([True])


def test_gradients_flow_back_in_each_inputs_own_dtype(torch):
    a = tinynet.tensor([1.0, 2.0], requires_grad=True)
    b = tinynet.tensor([3.0, 4.0], dtype=tinynet.float64, requires_grad=True)
    ta = torch.tensor([1.0, 2.0], requires_grad=True)
    tb = torch.tensor([3.0, 4.0], dtype=torch.float64, requires_grad=True)
    out, tout = a * b + a / b, ta * tb + ta / tb
    assert out.dtype == tinynet.float64
    out.sum().backward()
    tout.sum().backward()
    assert a.grad.dtype == tinynet.float32 and b.grad.dtype == tinynet.float64
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-12)
    labels = tinynet.tensor([0, 1])  # an integer operand gets no gradient, the float one does
    c = tinynet.tensor([0.5, 1.5], requires_grad=True)
    (c * labels).sum().backward()
    np.testing.assert_array_equal(c.grad.numpy(), [0.0, 1.0])


def test_promote_types_and_can_cast_match_torch(torch):
    for first, second in itertools.product(DTYPES, DTYPES):
        ours = tinynet.promote_types(getattr(tinynet, first if first != "bool" else "bool"), second)
        assert str(ours) == torch_name(torch.promote_types(getattr(torch, first), getattr(torch, second)))
        assert tinynet.can_cast(first, second) == torch.can_cast(getattr(torch, first), getattr(torch, second))


@pytest.fixture
def default_float64():
    tinynet.set_default_dtype(tinynet.float64)
    yield
    tinynet.set_default_dtype(tinynet.float32)


def test_default_dtype_is_float32_and_labels_are_int64():
    assert tinynet.get_default_dtype() == tinynet.float32
    assert tinynet.tensor([1, 2]).dtype == tinynet.int64
    assert tinynet.tensor([1.5]).dtype == tinynet.float32
    assert tinynet.tensor([True]).dtype == tinynet.bool
    assert tinynet.tensor(np.array([1.5])).dtype == tinynet.float64  # an ndarray keeps its dtype
    assert tinynet.full((2,), 1).dtype == tinynet.int64 and tinynet.full((2,), 1.0).dtype == tinynet.float32
    assert tinynet.full((2,), True).dtype == tinynet.bool


def test_set_default_dtype_is_honoured_by_constructors_and_promotion(default_float64, torch):
    assert tinynet.get_default_dtype() == tinynet.float64
    made = [tinynet.tensor([1.5]), tinynet.zeros(2), tinynet.ones(2), tinynet.randn(2), tinynet.rand(2),
            tinynet.eye(2), tinynet.arange(0, 1, 0.5), tinynet.full((2,), 0.5), tinynet.tensor([0.5])]
    assert all(t.dtype == tinynet.float64 for t in made)
    assert (tinynet.tensor([1, 2]) * 0.5).dtype == tinynet.float64
    assert (tinynet.tensor([1, 2]) / 2).dtype == tinynet.float64
    assert tinynet.result_type(tinynet.tensor([1]), 1.0) == tinynet.float64
    assert (tinynet.ones(2, dtype=tinynet.float32) * 2.5).dtype == tinynet.float32  # a float tensor keeps its own


def test_set_default_dtype_accepts_only_float_dtypes():
    with pytest.raises(TypeError, match="floating-point"):
        tinynet.set_default_dtype(tinynet.int64)
    with pytest.raises(TypeError, match="dtype must be"):
        tinynet.set_default_dtype("float16")
    assert tinynet.get_default_dtype() == tinynet.float32


def test_numpy_scalars_act_like_python_numbers():
    x = tinynet.ones(3)
    for y in (x * np.float64(2.5), np.float64(3.0) / x, x ** np.int64(2), tinynet.maximum(x, np.float64(0))):
        assert y.dtype == tinynet.float32
    assert (tinynet.tensor([1, 2]) * np.float64(0.5)).dtype == tinynet.float32
    with pytest.raises(TypeError, match="complex"):
        x * 1j
