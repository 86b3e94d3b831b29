"""Corner cases where tinynet once differed from PyTorch, each one line: same values, shape and dtype -- or same error.

Each case builds its result with ``lib`` standing for either ``torch`` or
``tinynet`` (the same code runs on both, as learner code does after
``import tinynet as torch``); the test runs it on both and compares.  The
inputs are the ones a differential fuzzer found: integer and bool tensors,
0-d and empty tensors, odd dims, mixed dtypes.
"""

import numpy as np
import pytest

import tinynet

pytestmark = [pytest.mark.filterwarnings("ignore:Implicit dimension choice"),  # (softmax without a dim, below)
              pytest.mark.filterwarnings("ignore:indexing with dtype")]  # (a uint8 mask, below)


def grad_of(lib, fn, values, dtype="float64"):
    """The gradient of sum(fn(x) * w) at x = values (w fixed), for comparing backward passes."""
    x = lib.tensor(np.array(values, dtype=dtype), requires_grad=True)
    out = fn(x)
    weights = np.linspace(-1.0, 1.0, out.numel()).reshape(tuple(out.shape))
    (out * lib.tensor(weights, dtype=out.dtype)).sum().backward()
    return x.grad


def gradient_after_changing(lib, op):
    """x's gradient through z = op(y), y = 2 x, when y is changed in place after z was made (op saved only
    what its backward reads, so the change is harmless, as in PyTorch)."""
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = op(y)
    y.add_(1)
    z.sum().backward()
    return x.grad


def batch_norm_with_tensor_buffers(lib, shape):
    """F.batch_norm with Tensor running statistics: the training output, the updated statistics, the eval output."""
    x = lib.tensor(np.linspace(-2.0, 3.0, int(np.prod(shape))).reshape(shape) ** 2)
    mean, var = lib.zeros(shape[1], dtype=lib.float64), lib.ones(shape[1], dtype=lib.float64)
    trained = lib.nn.functional.batch_norm(x, mean, var, training=True, momentum=0.3)
    return trained, mean, var, lib.nn.functional.batch_norm(x, mean, var)


INTEGER_DIVISIONS = [
    ("//", lambda lib, a, b: a // b),
    ("%", lambda lib, a, b: a % b),
    ("div trunc", lambda lib, a, b: lib.div(a, b, rounding_mode="trunc")),
    ("fmod", lambda lib, a, b: lib.fmod(a, b)),
    ("remainder by -4", lambda lib, a, b: a.remainder(-4)),
    ("float // int tensor", lambda lib, a, b: 7.5 // b),
    ("// 0 of an empty tensor", lambda lib, a, b: a[:0] // 0),
]


SAME_RESULT = [
    # cat leaves out 1-D tensors with no elements (a loop's torch.tensor([]) start), their dtype still counted
    ("cat([tensor([]), int64 (2, 3)])", lambda lib: lib.cat([lib.tensor([]), lib.ones(2, 3, dtype=lib.int64)])),
    ("cat([(2, 3), tensor([]), (1, 3)])", lambda lib: lib.cat([lib.ones(2, 3), lib.tensor([]), lib.zeros(1, 3)])),
    ("cat([tensor([]), (2, 3)], dim=1)", lambda lib: lib.cat([lib.tensor([]), lib.ones(2, 3)], 1)),
    # an int64 arange truncates its start, end and step first, as PyTorch does (5.5 counted a sixth element)
    ("arange(0, 5.5, 1, dtype=int64)", lambda lib: lib.arange(0, 5.5, 1, dtype=lib.int64)),
    ("arange(-2.5, 2.5, 1.5, dtype=int64)", lambda lib: lib.arange(-2.5, 2.5, 1.5, dtype=lib.int64)),
    # a uint8 tensor index is a mask in PyTorch (deprecated, with a warning), not a list of positions
    ("x[uint8 tensor]", lambda lib: lib.arange(4.0)[lib.tensor([1, 0, 1, 1], dtype=lib.uint8)]),
    # float32 std/var square the deviations in float64, as PyTorch: the std of values near 1e30 fits in float32
    ("std of float32 values near 1e30", lambda lib: lib.tensor([1e30, -1e30, 3e29, 2e30]).std()),
    ("var of float32 values near 1e30 (inf)", lambda lib: lib.tensor([1e30, -1e30, 3e29, 2e30]).var()),
    ("std of float32 values near 1e30: gradient", lambda lib: grad_of(
        lib, lambda x: x.std(), [1e30, -1e30, 3e29, 2e30], dtype="float32")),
    # a float-valued op of an integer or bool tensor gives the default dtype (float32)
    ("exp of int64", lambda lib: lib.tensor([1, 2]).exp()),
    ("log of bool", lambda lib: lib.tensor([True, False]).log()),
    ("sqrt of 0-d int64", lambda lib: lib.sqrt(lib.tensor(4))),
    ("clamp int64 with a float bound", lambda lib: lib.tensor([1, 2, 3]).clamp(min=1.5)),
    ("clamp_max bool with a float bound", lambda lib: lib.tensor([True, False]).clamp_max(0.5)),
    ("clamp bool with int bounds", lambda lib: lib.tensor([True, False]).clamp(-1, 1)),
    # F.batch_norm takes Tensor running statistics (and updates them in place) and (N, C, L) inputs
    ("batch_norm (N, C)", lambda lib: batch_norm_with_tensor_buffers(lib, (4, 3))),
    ("batch_norm (N, C, L)", lambda lib: batch_norm_with_tensor_buffers(lib, (4, 3, 5))),
    ("batch_norm (N, C, L): gradient", lambda lib: grad_of(
        lib, lambda x: lib.nn.functional.batch_norm(x, None, None, training=True),
        np.arange(24.0).reshape(2, 3, 4) ** 2)),
    # a softmax over a dim of size 0 is empty
    ("softmax over an empty dim", lambda lib: lib.zeros(0, 3).softmax(0)),
    ("log_softmax over an empty dim", lambda lib: lib.nn.functional.log_softmax(lib.zeros(2, 0), dim=1)),
    # softmax without a dim: PyTorch's deprecated implicit choice (dim 0 for a 3-D input, dim 1 for 4-D)
    *[(f"{name} without a dim, {len(shape)}-D", lambda lib, make=make, shape=shape: make(lib)(
        lib.tensor(np.linspace(-1.0, 2.0, int(np.prod(shape))).reshape(shape))))
      for name, make in [("F.softmax", lambda lib: lib.nn.functional.softmax),
                         ("F.log_softmax", lambda lib: lib.nn.functional.log_softmax),
                         ("nn.Softmax()", lambda lib: lib.nn.Softmax()),
                         ("nn.LogSoftmax()", lambda lib: lib.nn.LogSoftmax())]
      for shape in [(3,), (2, 3), (2, 3, 4), (2, 3, 2, 2)]],
    # any/all over dim=() reduce nothing (sum over dim=() reduces everything)
    ("any over dim=()", lambda lib: lib.tensor([0.0, 2.0, 0.0]).any(dim=())),
    ("all over dim=(), keepdim", lambda lib: lib.tensor([[0, 1], [1, 1]]).all(dim=(), keepdim=True)),
    ("sum over dim=()", lambda lib: lib.tensor([[0, 1], [1, 1]]).sum(dim=())),
    # a 0-d tensor's dim 0 (or -1) is itself
    ("prod of a 0-d tensor over dim 0", lambda lib: lib.tensor(3.0).prod(0)),
    ("prod of a 0-d tensor over dim -1, keepdim", lambda lib: lib.tensor(3).prod(-1, keepdim=True)),
    # cat and stack promote mixed dtypes
    ("cat int64 with float32", lambda lib: lib.cat([lib.tensor([1, 2]), lib.tensor([1.5])])),
    ("cat float32 with float64", lambda lib: lib.cat([lib.tensor([1.5]), lib.tensor([2.5], dtype=lib.float64)])),
    ("stack bool with int64", lambda lib: lib.stack([lib.tensor([True]), lib.tensor([3])], 1)),
    ("cat mixed dtypes: gradient", lambda lib: grad_of(
        lib, lambda x: lib.cat([x, lib.tensor([1.5], dtype=lib.float32)]), [1.0, 2.0])),
    # alpha scales other in the dtype input and other promote to
    ("add bool tensors, alpha=2", lambda lib: lib.add(lib.tensor([True, False]), lib.tensor([True, True]), alpha=2)),
    ("sub float64 0-d, int64 tensor, alpha=0.5",
     lambda lib: lib.sub(lib.tensor(2.0, dtype=lib.float64), lib.tensor([[1, 2]]), alpha=0.5)),
    ("sub float32 0-d, Python int, alpha=0.5", lambda lib: lib.tensor(1.0).sub(2, alpha=0.5)),
    ("add int64 tensors, alpha=3", lambda lib: lib.tensor([1, 2]).add(lib.tensor([3, 4]), alpha=3)),
    ("add with alpha: gradient", lambda lib: grad_of(lib, lambda x: x.add(x * x, alpha=-0.5), [1.0, 2.0])),
    # rounded division and remainders: integers stay integers, signs as in Python (floor) or C (trunc, fmod)
    *[(f"{name} of int64 tensors",
       lambda lib, op=op: op(lib, lib.tensor([5, -3, 7, -7, 0]), lib.tensor([2, 2, -2, -2, 3])))
      for name, op in INTEGER_DIVISIONS],
    ("// and % of floats, by zero too", lambda lib: [
        op(lib.tensor([5.0, -3.0, 7.5, 1.0]), lib.tensor([2.0, 2.0, -2.0, 0.0]))
        for op in (lambda a, b: a // b, lambda a, b: a % b, lambda a, b: a.fmod(b))]),
    # atan2 promotes like the other binary ops (a 0-d float64 does not widen a float32 tensor)
    ("atan2(0-d float64, float32)", lambda lib: lib.atan2(lib.tensor(1.0, dtype=lib.float64), lib.ones(2))),
    ("atan2(int64, int64)", lambda lib: lib.atan2(lib.tensor([1, -1]), lib.tensor([2, 2]))),
    # integer tensors to negative integer tensor powers: C's integer answers (0, or +-1 for a base of +-1)
    ("int64 ** negative int64", lambda lib: lib.tensor([2, 1, -1, 0, -2]) ** lib.tensor([-1, -2, -3, -1, -2])),
    ("2 ** int64 with a negative entry", lambda lib: 2 ** lib.tensor([-1, 2])),
    ("bool ** int64", lambda lib: lib.tensor([True, False]) ** lib.tensor([2, -1])),
    ("int64 ** int64", lambda lib: lib.tensor([3, 2]) ** lib.tensor([2, 3])),
    # where with two Python numbers: a float means the default dtype
    ("where(mask, 1.5, 0)", lambda lib: lib.where(lib.tensor([True, False]), 1.5, 0)),
    ("where(mask, 1, 0)", lambda lib: lib.where(lib.tensor([True, False]), 1, 0)),
    # logic on masks and integers
    ("~mask", lambda lib: ~lib.tensor([True, False])),
    ("~ of int64", lambda lib: ~lib.tensor([1, 0])),
    ("mask & mask", lambda lib: (lib.tensor([1, 2]) > 1) & (lib.tensor([1, 2]) < 3)),
    ("int64 & bool", lambda lib: lib.tensor([1, 6]) & True),
    ("int64 | bool tensor", lambda lib: lib.tensor([1, 2]) | lib.tensor([True, False])),
    ("3 & int64", lambda lib: 3 & lib.tensor([1, 2])),
    ("mask ^ True", lambda lib: lib.tensor([True, False]) ^ True),
    ("x[~mask]", lambda lib: lib.tensor([1.0, 2.0])[~(lib.tensor([1.0, 2.0]) > 1)]),
    ("logical_and of float and int64", lambda lib: lib.logical_and(lib.tensor([1.0, 0.0]), lib.tensor([2, 2]))),
    ("logical_not of floats", lambda lib: lib.logical_not(lib.tensor([0.0, 2.0]))),
    ("abs() of a tensor", lambda lib: abs(lib.tensor([-1.5, 2.0]))),
    # a difference loss of mixed dtypes has the promoted dtype (huber_loss: the input's), gradients in each own
    *[(f"{name}({a}, {b})", lambda lib, name=name, a=a, b=b: getattr(lib.nn.functional, name)(
        lib.tensor([0.5, -1.0, 2.0], dtype=getattr(lib, a)), lib.tensor([1, 1, 1], dtype=getattr(lib, b))))
      for name in ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"]
      for a, b in [("float32", "int64"), ("float32", "float64"), ("float64", "float32")]],
    ("mse_loss(float64, float32): gradient", lambda lib: grad_of(
        lib, lambda x: lib.nn.functional.mse_loss(x, lib.tensor([1.0, 2.0]), reduction="none"), [0.5, -1.0])),
    # in-place twins of the unary ops (values, and gradients through them)
    *[(f"x.{name}_()", lambda lib, name=name: getattr(lib.tensor([1.6, -2.5, 0.25]), name + "_")())
      for name in ["neg", "abs", "exp", "sigmoid", "tanh", "floor", "ceil", "round", "trunc", "sign", "square",
                   "reciprocal"]],
    ("x.sqrt_(), x.log_()", lambda lib: [lib.tensor([4.0, 0.5]).sqrt_(), lib.tensor([4.0, 0.5]).log_()]),
    ("x.remainder_(3), x.floor_divide_(2)", lambda lib: [lib.tensor([7, -7]).remainder_(3),
                                                        lib.tensor([7, -7]).floor_divide_(2)]),
    ("x.addcdiv_, x.lerp_", lambda lib: [
        lib.tensor([1.0, 2.0]).addcdiv_(lib.tensor([1.0, 2.0]), lib.tensor([3.0, 4.0])),
        lib.tensor([1.0, 2.0]).lerp_(lib.tensor([3.0, 3.0]), 0.25)]),
    ("sigmoid_ of a non-leaf: gradient", lambda lib: grad_of(lib, lambda x: (x * 1).sigmoid_() * x, [0.5, -1.0])),
    # an op that does not need a value for backward does not mind its being changed afterwards
    ("y * 3, then y changed in place: gradient", lambda lib: gradient_after_changing(lib, lambda y: y * 3)),
    ("y / 4, then y changed in place: gradient", lambda lib: gradient_after_changing(lib, lambda y: y / 4)),
    ("y * constant tensor, then y changed in place: gradient",
     lambda lib: gradient_after_changing(lib, lambda y: y * lib.tensor([3.0, 5.0]))),
    # activations added after fuzzing found them missing (values and gradients, kinks included)
    *[(f"{name}: values and gradient", lambda lib, f=f: [
        f(lib.nn.functional, lib.tensor(np.linspace(-4.0, 4.0, 9))),
        grad_of(lib, lambda x: f(lib.nn.functional, x), np.linspace(-4.0, 4.0, 9))])
      for name, f in [("hardsigmoid", lambda F, x: F.hardsigmoid(x)), ("hardswish", lambda F, x: F.hardswish(x)),
                      ("softsign", lambda F, x: F.softsign(x)), ("celu", lambda F, x: F.celu(x, 0.7)),
                      ("softmin", lambda F, x: F.softmin(x, 0)),
                      ("threshold", lambda F, x: F.threshold(x, 1.0, -5.0))]],
    *[(f"nn.{name}", lambda lib, name=name, args=args: getattr(lib.nn, name)(*args)(
        lib.tensor([[-4.0, -1.0, 0.5, 3.5]])))
      for name, args in [("Hardsigmoid", ()), ("Hardswish", ()), ("Softsign", ()), ("CELU", (2.0,)), ("Softmin", (1,)),
                         ("Threshold", (0.0, 9.0))]],
    ("tril/triu, nonzero, masked_select", lambda lib: [
        lib.tensor(np.arange(12.0).reshape(3, 4)).tril(1), lib.triu(lib.ones(2, 3, 3, dtype=lib.bool), -1),
        lib.tensor([[0, 2], [3, 0]]).nonzero(), lib.tensor([[0, 2], [3, 0]]).nonzero(as_tuple=True),
        lib.masked_select(lib.tensor(np.arange(6.0).reshape(2, 3)), lib.tensor([True, False, True]))]),
    ("isclose, allclose, equal, type_as, is_contiguous", lambda lib: [
        lib.isclose(lib.tensor([1.0, float("nan"), 2.0]), lib.tensor([1.000001, float("nan"), 2.1])),
        lib.allclose(lib.tensor([1.0]), lib.tensor([1.0 + 1e-9])),
        lib.equal(lib.tensor([1, 2]), lib.tensor([1, 2])),
        lib.tensor([1, 2]).type_as(lib.zeros(1, dtype=lib.float64)), lib.zeros(2, 3).t().is_contiguous()]),
    # inverse trigonometric and hyperbolic functions: NaN outside the domain, float32 for integers
    *[(f"{name} of [-2, -1, 0, 1, 2] (int64 and float64)", lambda lib, name=name: [
        getattr(lib, name)(lib.tensor([-2, -1, 0, 1, 2])),
        getattr(lib.tensor([-2.0, -1.0, 0.0, 1.0, 2.0], dtype=lib.float64), name)()])
      for name in ["asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "erf"]],
    # Size: a tuple that shapes compare equal to
    ("Size", lambda lib: [lib.zeros(lib.Size([2, 3])).shape == lib.Size([2, 3]), lib.Size([2, 3]).numel(),
                          lib.zeros(2, 3).shape == (2, 3), len(lib.Size([4, 0, 1])), lib.Size([]) == ()]),
    # a mean loss over items that are all ignored is NaN, and its gradient is zero (not NaN)
    *[(f"{name}, every target ignored: gradient", lambda lib, loss=loss: grad_of(
        lib, lambda x: loss(lib.nn.functional, x, lib.tensor([1, 1, 1])), np.arange(12.0).reshape(3, 4) / 7))
      for name, loss in [
          ("cross_entropy", lambda F, x, t: F.cross_entropy(x, t, ignore_index=1)),
          ("cross_entropy smoothed", lambda F, x, t: F.cross_entropy(x, t, ignore_index=1, label_smoothing=0.1)),
          ("cross_entropy weighted", lambda F, x, t: F.cross_entropy(x, t, ignore_index=1, weight=x.new_ones(4))),
          ("nll_loss", lambda F, x, t: F.nll_loss(x, t, ignore_index=1))]],
]


def assert_same(got, expected, torch, label):
    if isinstance(expected, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(expected), label
        for g, e in zip(got, expected):
            assert_same(g, e, torch, label)
        return
    if not isinstance(expected, torch.Tensor):
        assert type(got) is type(expected) and got == expected, label
        return
    assert isinstance(got, tinynet.Tensor), label
    assert tuple(got.shape) == tuple(expected.shape), label
    assert str(got.dtype) == str(expected.dtype).replace("torch.", ""), label
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), rtol=1e-6, atol=1e-7,
                               err_msg=label)


@pytest.mark.parametrize("label, build", SAME_RESULT, ids=[case[0] for case in SAME_RESULT])
def test_same_result_as_torch(label, build, torch):
    assert_same(build(tinynet), build(torch), torch, label)


SAME_ERROR = [
    # a slice must step forward (numpy would reverse)
    ("x[::-1]", lambda lib: lib.tensor([1.0, 2.0, 3.0])[::-1], ValueError),
    ("x[:, ::-2]", lambda lib: lib.zeros(2, 3)[:, ::-2], ValueError),
    ("x[::-1] = v", lambda lib: lib.zeros(3).__setitem__(slice(None, None, -1), 1.0), ValueError),
    ("add int64 tensors, alpha=0.5", lambda lib: lib.tensor([1]).add(lib.tensor([2]), alpha=0.5), RuntimeError),
    ("integer // 0", lambda lib: lib.tensor([1, 2]) // 0, RuntimeError),
    # a convolution's or pooling's kernel size, stride, padding or dilation out of range (tinynet: when made)
    ("Conv2d stride 0", lambda lib: lib.nn.Conv2d(3, 4, 3, stride=0)(lib.zeros(1, 3, 8, 8)), RuntimeError),
    ("Conv2d padding -1", lambda lib: lib.nn.Conv2d(3, 4, 3, padding=-1)(lib.zeros(1, 3, 8, 8)), RuntimeError),
    ("Conv2d dilation 0", lambda lib: lib.nn.Conv2d(3, 4, 3, dilation=0)(lib.zeros(1, 3, 8, 8)), RuntimeError),
    ("F.conv2d stride 0", lambda lib: lib.nn.functional.conv2d(lib.zeros(1, 3, 8, 8), lib.zeros(4, 3, 3, 3),
                                                               stride=0), RuntimeError),
    ("MaxPool2d stride 0", lambda lib: lib.nn.MaxPool2d(2, stride=0)(lib.zeros(1, 3, 8, 8)), RuntimeError),
    ("F.avg_pool2d padding -1", lambda lib: lib.nn.functional.avg_pool2d(lib.zeros(1, 3, 8, 8), 2, padding=-1),
     RuntimeError),
    ("integer % a zero tensor", lambda lib: lib.tensor([1, 2]) % lib.tensor([1, 0]), RuntimeError),
    ("div with an unknown rounding_mode", lambda lib: lib.tensor([1.0]).div(2, rounding_mode="round"), RuntimeError),
    ("backward through //", lambda lib: (lib.tensor([1.5], requires_grad=True) // 2).sum().backward(), RuntimeError),
    ("~ of a float tensor", lambda lib: ~lib.tensor([1.0]), TypeError),
    ("& of float tensors", lambda lib: lib.tensor([1.0]) & lib.tensor([1.0]), NotImplementedError),
    ("clamp with neither bound", lambda lib: lib.tensor([1.0]).clamp(), RuntimeError),
    ("bool() of a 2-element tensor", lambda lib: bool(lib.tensor([1.0, 2.0])), RuntimeError),
    ("an int64 tensor that requires grad", lambda lib: lib.tensor([1, 2]).requires_grad_(), RuntimeError),
    ("zeros(-1)", lambda lib: lib.zeros(-1), RuntimeError),
    ("randn of dtype int64 (each draw truncated)", lambda lib: lib.randn(3, dtype=lib.int64), NotImplementedError),
    ("rand of dtype bool", lambda lib: lib.rand(3, dtype=lib.bool), NotImplementedError),
    ("arange(0, nan)", lambda lib: lib.arange(0, float("nan")), RuntimeError),
    ("arange(0, inf)", lambda lib: lib.arange(0, float("inf")), RuntimeError),
    ("tensor([2**63]) (numpy: uint64)", lambda lib: lib.tensor([2 ** 63]), ValueError),
    ("tensor(2**64) (numpy: object)", lambda lib: lib.tensor(2 ** 64), ValueError),
    ("copy_ from a shape that does not broadcast", lambda lib: lib.zeros(2).copy_(lib.ones(3)), RuntimeError),
    ("exp_ of an int64 tensor", lambda lib: lib.tensor([1, 2]).exp_(), RuntimeError),
    ("x[:] = a value of the wrong shape", lambda lib: lib.zeros(3).__setitem__(slice(None), lib.ones(2)), RuntimeError),
    # reductions of empty tensors that have no answer
    ("amax() of an empty tensor", lambda lib: lib.zeros(0).amax(), RuntimeError),
    ("amax over an empty dim", lambda lib: lib.zeros(0, 3).amax(0), IndexError),
    ("argmax() of an empty tensor", lambda lib: lib.zeros(0).argmax(), IndexError),
    ("max() of an empty tensor", lambda lib: lib.zeros(0).max(), RuntimeError),
    ("kthvalue over an empty dim", lambda lib: lib.zeros(0).kthvalue(1), IndexError),
    ("inf-norm of an empty tensor", lambda lib: lib.zeros(0).norm(float("inf")), RuntimeError),
    ("topk of an empty tensor", lambda lib: lib.zeros(0).topk(1), RuntimeError),
    ("sub an int64 0-d tensor and a number, alpha=0.5", lambda lib: lib.tensor(1).sub(2, alpha=0.5), RuntimeError),
    ("stack of no tensors", lambda lib: lib.stack([]), RuntimeError),
    ("multi_margin_loss with a class out of range",
     lambda lib: lib.nn.functional.multi_margin_loss(lib.zeros(2, 3), lib.tensor([0, 3])), RuntimeError),
    ("where with an int64 condition", lambda lib: lib.where(lib.tensor([1, 0]), lib.ones(2), lib.zeros(2)),
     RuntimeError),
    ("cat of 0-d tensors", lambda lib: lib.cat([lib.tensor(1.0), lib.tensor(2.0)]), RuntimeError),
    ("backward with a gradient of the wrong shape",
     lambda lib: (lib.tensor([1.0, 2.0], requires_grad=True) * 2).backward(lib.ones(3)), RuntimeError),
    ("y * y, then y changed in place: backward", lambda lib: gradient_after_changing(lib, lambda y: y * y),
     RuntimeError),
    ("normal_ of a leaf that requires grad", lambda lib: lib.zeros(2, requires_grad=True).normal_(), RuntimeError),
    ("uniform_ with from > to", lambda lib: lib.zeros(2).uniform_(1.0, 0.0), RuntimeError),
    ("normal_ with std < 0", lambda lib: lib.zeros(2).normal_(0.0, -1.0), RuntimeError),
    ("item() of a 2-element tensor", lambda lib: lib.zeros(2).item(), RuntimeError),
    ("relu of a bool tensor", lambda lib: lib.relu(lib.tensor([True])), RuntimeError),
    ("relu6 of a bool tensor", lambda lib: lib.nn.functional.relu6(lib.tensor([True])), RuntimeError),
    ("hardtanh of a bool tensor", lambda lib: lib.nn.functional.hardtanh(lib.tensor([True])), RuntimeError),
    ("abs of a bool tensor", lambda lib: lib.tensor([True]).abs(), NotImplementedError),
    ("int64 ** -1", lambda lib: lib.tensor([2]) ** -1, RuntimeError),
    # dims that do not exist
    ("transpose of a 0-d tensor, dim 1", lambda lib: lib.tensor(2.0).transpose(0, 1), IndexError),
    ("transpose of a vector, dim 2", lambda lib: lib.zeros(3).transpose(0, 2), IndexError),
    ("split of a 0-d tensor", lambda lib: lib.tensor(2.0).split(1), RuntimeError),
    ("chunk of a 0-d tensor", lambda lib: lib.tensor(2.0).chunk(2), RuntimeError),
    ("narrow of a 0-d tensor", lambda lib: lib.tensor(2.0).narrow(0, 0, 1), RuntimeError),
    # shapes that do not fit: RuntimeError in PyTorch (numpy would say ValueError)
    ("+ of shapes that do not broadcast", lambda lib: lib.zeros(2, 3) + lib.zeros(4), RuntimeError),
    ("maximum of shapes that do not broadcast", lambda lib: lib.maximum(lib.zeros(2, 3), lib.zeros(4)), RuntimeError),
    ("== of shapes that do not broadcast", lambda lib: lib.zeros(2, 3) == lib.zeros(4), RuntimeError),
    ("reshape to the wrong size", lambda lib: lib.zeros(2, 3).reshape(4, -1), RuntimeError),
    ("reshape with a size of -2", lambda lib: lib.zeros(6).reshape(-2, 3), RuntimeError),
    ("view with two sizes of -1", lambda lib: lib.zeros(6).view(-1, -1), RuntimeError),
    ("view of a 0-d tensor as (0, -1)", lambda lib: lib.tensor(1.0).view(0, -1), RuntimeError),
    ("permute with a repeated dim", lambda lib: lib.zeros(2, 3).permute(0, 0), RuntimeError),
    ("matmul of misaligned matrices", lambda lib: lib.zeros(2, 3) @ lib.zeros(2, 3), RuntimeError),
    ("matmul of float32 and float64", lambda lib: lib.ones(2, 3) @ lib.ones(3, 2, dtype=lib.float64), RuntimeError),
    ("matmul of int64 and float32", lambda lib: lib.ones(2, 3, dtype=lib.int64) @ lib.ones(3, 2), RuntimeError),
    ("linear of float64 input, float32 weight",
     lambda lib: lib.nn.functional.linear(lib.ones(2, 3, dtype=lib.float64), lib.ones(4, 3)), RuntimeError),
    ("matmul of 0-d tensors", lambda lib: lib.tensor(1.0) @ lib.tensor(2.0), RuntimeError),
    ("linear with the wrong in_features", lambda lib: lib.nn.functional.linear(lib.zeros(2, 3), lib.zeros(4, 2)),
     RuntimeError),
    ("pad with an odd number of widths", lambda lib: lib.nn.functional.pad(lib.zeros(2, 3), (1,)), RuntimeError),
    ("cat of mismatched shapes", lambda lib: lib.cat([lib.zeros(2, 3), lib.zeros(1, 2)], 0), RuntimeError),
    ("stack of mismatched shapes", lambda lib: lib.stack([lib.zeros(2, 3), lib.zeros(1, 3)]), RuntimeError),
]


@pytest.mark.parametrize("label, build, error", SAME_ERROR, ids=[case[0] for case in SAME_ERROR])
def test_same_error_as_torch(label, build, error, torch):
    with pytest.raises(error):
        build(torch)
    with pytest.raises(error):
        build(tinynet)


def test_softmax_without_a_dim_warns_as_pytorch_does():
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        tinynet.nn.functional.softmax(tinynet.zeros(2, 3))
