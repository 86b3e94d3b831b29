"""PyTorch's dtype and device API: dtype names, .to/.float/.long/.type, devices, cuda/accelerator, Module.to."""

import numpy as np
import pytest

import tinynet
from tinynet import nn


def test_dtype_names_are_numpy_dtypes_with_pytorchs_aliases():
    assert tinynet.float32 == np.float32 and tinynet.float64 == np.float64
    assert tinynet.float is tinynet.float32 and tinynet.double is tinynet.float64
    assert tinynet.long is tinynet.int64 and tinynet.int is tinynet.int32 and tinynet.short is tinynet.int16
    assert tinynet.bool == np.bool_ and tinynet.uint8 == np.uint8 and tinynet.int8 == np.int8
    x = tinynet.ones(2)
    assert x.dtype == tinynet.float32 and x.dtype == tinynet.float and x.dtype != tinynet.float64
    assert tinynet.finfo(tinynet.float32).eps == np.finfo(np.float32).eps
    assert tinynet.iinfo(tinynet.int64).max == 2 ** 63 - 1


@pytest.mark.parametrize("spelling, expected", [
    (tinynet.float64, "float64"), (np.float64, "float64"), ("float", "float32"), ("torch.float", "float32"),
    ("double", "float64"), ("long", "int64"), ("int", "int32"), ("torch.int64", "int64"), ("bool", "bool"),
    (float, "float64"), (int, "int64"), (bool, "bool"), ("uint8", "uint8"),
])
def test_dtype_arguments_accept_every_spelling(spelling, expected):
    assert str(tinynet.zeros(2, dtype=spelling).dtype) == expected
    assert str(tinynet.tensor([1, 0], dtype=spelling).dtype) == expected
    assert str(tinynet.ones(2).to(dtype=spelling).dtype) == expected  # positional strings are devices


def test_torch_dtype_objects_are_accepted(torch):
    assert tinynet.zeros(2, dtype=torch.float64).dtype == tinynet.float64
    assert tinynet.ones(2).to(torch.long).dtype == tinynet.int64


def test_unsupported_dtypes_are_clear_type_errors():
    for bad in ("float16", np.float16, "complex64", "not a dtype", 3):
        with pytest.raises(TypeError, match="dtype must be float32, float64, int64"):
            tinynet.zeros(2, dtype=bad)


def test_conversion_methods_match_torch(torch):
    array = np.array([[1.7, -2.2], [0.0, 3.9]], dtype=np.float32)
    x, tx = tinynet.tensor(array), torch.tensor(array)
    for name in ["float", "double", "long", "int", "bool"]:
        ours, theirs = getattr(x, name)(), getattr(tx, name)()
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    for dtype in ["float64", "int64", "int32", "int16", "int8", "uint8", "bool", "float32"]:
        assert x.to(getattr(tinynet, dtype)).type() == tx.to(getattr(torch, dtype)).type()
    assert x.type(tinynet.float64).dtype == tinynet.float64
    assert x.type("torch.DoubleTensor").dtype == tinynet.float64 and x.type("torch.LongTensor").dtype == tinynet.int64


def test_to_returns_self_when_nothing_changes_as_in_torch():
    x = tinynet.ones(2)
    assert x.to(tinynet.float32) is x and x.to("cpu") is x and x.to(tinynet.device("cpu")) is x
    assert x.float() is x and x.cpu() is x and x.type(tinynet.float32) is x
    copied = x.to(tinynet.float32, copy=True)
    assert copied is not x and np.array_equal(copied.numpy(), x.numpy())
    assert not np.shares_memory(copied.numpy(), x.numpy())


def test_to_accepts_pytorchs_argument_forms():
    x = tinynet.ones(2)
    assert x.to("cpu", tinynet.float64).dtype == tinynet.float64
    assert x.to(device="cpu", dtype=tinynet.float64).dtype == tinynet.float64
    assert x.to(tinynet.device("cpu"), tinynet.int64).dtype == tinynet.int64
    assert x.to(tinynet.tensor([1, 2])).dtype == tinynet.int64  # another tensor's dtype (and device)
    assert x.to(dtype=tinynet.float64, non_blocking=True).dtype == tinynet.float64
    with pytest.raises(TypeError):
        x.to(tinynet.float32, tinynet.float64)


def test_casts_between_floats_are_differentiable_and_to_integers_are_not():
    x = tinynet.tensor([1.5, 2.5], requires_grad=True)
    y = x.to(tinynet.float64)
    (y * 3).sum().backward()
    assert y.dtype == tinynet.float64 and x.grad.dtype == tinynet.float32 and x.grad.tolist() == [3.0, 3.0]
    labels = x.long()
    assert labels.tolist() == [1, 2] and not labels.requires_grad


def test_device_objects_behave_like_torchs(torch):
    cpu = tinynet.device("cpu")
    assert str(cpu) == "cpu" and repr(cpu) == repr(torch.device("cpu")) and cpu.type == "cpu" and cpu.index is None
    assert str(tinynet.device("cpu:0")) == "cpu:0" and tinynet.device("cpu", 0).index == 0
    assert tinynet.device(cpu) == cpu and cpu != tinynet.device("cpu:0") and len({cpu, tinynet.device("cpu")}) == 1
    assert tinynet.ones(2).device == cpu and str(tinynet.ones(2).device) == "cpu"
    assert not tinynet.ones(2).is_cuda


@pytest.mark.parametrize("call", [
    lambda: tinynet.device("cuda"), lambda: tinynet.device("cuda:0"), lambda: tinynet.device("mps"),
    lambda: tinynet.device(0), lambda: tinynet.ones(2).to("cuda"), lambda: tinynet.ones(2).cuda(),
    lambda: tinynet.ones(2).to("mps"), lambda: tinynet.zeros(2, device="cuda"),
    lambda: tinynet.tensor([1.0], device="cuda"), lambda: nn.Linear(2, 2).to("cuda"),
    lambda: nn.Linear(2, 2).to(device="cuda"), lambda: nn.Linear(2, 2).cuda(),
], ids=["device cuda", "device cuda:0", "device mps", "device 0", "to cuda", ".cuda()", "to mps", "zeros on cuda",
        "tensor on cuda", "Module.to cuda", "Module.to device=cuda", "Module.cuda()"])
def test_asking_for_a_gpu_says_tinynet_runs_on_the_cpu(call):
    with pytest.raises(RuntimeError, match="tinynet runs on the CPU only"):
        call()


def test_bad_device_strings_are_runtime_errors():
    for bad in ("gpu", "cpu:x", "cpu:-1", "CPU"):
        with pytest.raises(RuntimeError, match="device"):
            tinynet.device(bad)
    with pytest.raises(TypeError, match="device string"):
        tinynet.device(1.5)


def test_cuda_accelerator_and_backends_answer_no():
    assert tinynet.cuda.is_available() is False and tinynet.cuda.device_count() == 0
    assert tinynet.accelerator.is_available() is False and tinynet.accelerator.current_accelerator() is None
    assert tinynet.backends.mps.is_available() is False
    tinynet.cuda.manual_seed(1)  # nothing to seed, no error (as in PyTorch without a GPU)
    tinynet.backends.cudnn.deterministic = True


def test_the_usual_device_selection_idioms_pick_the_cpu():
    device = tinynet.device("cuda" if tinynet.cuda.is_available() else "cpu")
    other = tinynet.accelerator.current_accelerator().type if tinynet.accelerator.is_available() else "cpu"
    model = nn.Linear(3, 2).to(device)
    data = tinynet.randn(4, 3).to(device)
    assert model(data).device == tinynet.device(other) == device


def test_constructors_take_a_cpu_device():
    assert tinynet.zeros(2, device="cpu").shape == (2,) and tinynet.ones(2, device=tinynet.device("cpu")).ndim == 1
    assert tinynet.randn(2, device="cpu").shape == (2,) and tinynet.arange(3, device="cpu").tolist() == [0, 1, 2]
    assert tinynet.tensor([1], device="cpu").tolist() == [1]
    assert tinynet.zeros_like(tinynet.ones(2), dtype=tinynet.int64, device="cpu").dtype == tinynet.int64


def test_module_to_converts_parameters_and_accepts_devices():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    assert model.to("cpu") is model and model.to(tinynet.device("cpu")) is model and model.cpu() is model
    model.to(tinynet.float64)
    assert all(p.dtype == tinynet.float64 for p in model.parameters())
    assert all(b.dtype == np.float64 for b in model.buffers() if b.dtype.kind == "f")
    model.to("cpu", tinynet.float32)
    assert all(p.dtype == tinynet.float32 for p in model.parameters())
    model.to(dtype="double")
    assert all(p.dtype == tinynet.float64 for p in model.parameters())
    model.to(tinynet.ones(1))  # another tensor's dtype
    assert all(p.dtype == tinynet.float32 for p in model.parameters())
    with pytest.raises(TypeError, match="floating-point"):
        model.to(tinynet.int64)


def test_is_tensor_is_floating_point_and_numel():
    x = tinynet.ones(2, 3)
    assert tinynet.is_tensor(x) and tinynet.is_tensor(nn.Linear(2, 2).weight) and not tinynet.is_tensor([1.0])
    assert tinynet.is_floating_point(x) and x.is_floating_point() and not tinynet.tensor([1]).is_floating_point()
    assert tinynet.numel(x) == 6
