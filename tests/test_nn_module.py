"""Module base class and containers: registration, traversal, modes, hooks, state_dict, repr."""

import copy
import numpy as np
import pytest

import tinynet
from tinynet import nn
from tinynet.nn import functional as F


class TwoLayer(nn.Module):
    """A hand-written model with a child, a parameter and a buffer of its own."""

    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(3, 4)
        self.out = nn.Linear(4, 2)
        self.scale = nn.Parameter(np.ones(2, dtype=np.float32))
        self.register_buffer("calls", np.zeros(1))
        self.note = "not state"

    def forward(self, x):
        return self.out(F.relu(self.hidden(x))) * self.scale


def test_functional_importable_both_ways():
    from tinynet.nn import functional
    assert nn.F is functional
    assert nn.functional is functional


def test_attribute_assignment_registers_parameters_children_and_buffers():
    model = TwoLayer()
    assert list(model._parameters) == ["scale"]
    assert list(model._modules) == ["hidden", "out"]
    assert list(model._buffers) == ["calls"]
    assert "note" not in model._parameters and model.note == "not state"
    names = [name for name, _ in model.named_parameters()]
    assert names == ["scale", "hidden.weight", "hidden.bias", "out.weight", "out.bias"]
    assert model.num_parameters() == 2 + 3 * 4 + 4 + 4 * 2 + 2
    assert [name for name, _ in model.named_children()] == ["hidden", "out"]
    assert [name for name, _ in model.named_modules()] == ["", "hidden", "out"]
    assert list(model.children()) == [model.hidden, model.out]


def test_reassigning_an_attribute_moves_it_between_registries():
    model = TwoLayer()
    model.hidden = nn.Parameter(np.zeros(3, dtype=np.float32))
    assert "hidden" not in model._modules and "hidden" in model._parameters
    del model.hidden
    assert "hidden" not in model._parameters
    with pytest.raises(AttributeError, match="hidden"):
        model.hidden


def test_assigning_a_non_parameter_to_a_parameter_slot_is_an_error():
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="weight"):
        layer.weight = np.zeros((2, 2))
    layer.bias = None
    assert layer.bias is None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]


def test_forgetting_super_init_gives_a_clear_error():
    class Broken(nn.Module):
        def __init__(self):
            self.layer = nn.Linear(2, 2)

    with pytest.raises(RuntimeError, match="super"):
        Broken()


def test_shared_parameters_are_listed_once():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(model.parameters())) == 2
    assert len(list(model.modules())) == 3  # Sequential, Linear (once), ReLU


def test_train_and_eval_reach_every_descendant():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(0.5), nn.BatchNorm1d(2)))
    model.eval()
    assert all(not m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    with pytest.raises(TypeError):
        model.train("yes")


def test_zero_grad_clears_every_gradient():
    model = TwoLayer()
    model(tinynet.tensor(np.ones((5, 3), dtype=np.float32))).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_to_double_converts_parameters_and_float_buffers_only():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    before = model.state_dict()
    model.double()
    after = model.state_dict()
    for name in before:
        np.testing.assert_array_equal(after[name], before[name])
    assert after["0.weight"].dtype == np.float64
    assert after["1.running_var"].dtype == np.float64
    assert after["1.num_batches_tracked"].dtype == np.int64
    assert model(tinynet.tensor(np.ones((4, 2)))).dtype == np.float64


# ---- hooks -------------------------------------------------------------------

def test_forward_hooks_fire_for_every_nested_module_in_call_order():
    model = nn.Sequential(nn.Linear(3, 4), nn.Sequential(nn.ReLU(), nn.Linear(4, 2)))
    seen = []
    handles = [m.register_forward_hook(lambda module, inputs, output: seen.append((module, output.shape)))
               for m in model.modules()]
    x = tinynet.tensor(np.ones((5, 3), dtype=np.float32))
    model(x)
    inner = model[1]
    assert [m for m, _ in seen] == [model[0], inner[0], inner[1], inner, model]
    assert [shape for _, shape in seen] == [(5, 4), (5, 4), (5, 2), (5, 2), (5, 2)]
    for handle in handles:
        handle.remove()
    seen.clear()
    model(x)
    assert seen == []


def test_hook_receives_inputs_and_can_replace_output():
    layer = nn.Linear(2, 2)
    received = {}

    def hook(module, inputs, output):
        received["inputs"] = inputs
        return output * 0

    handle = layer.register_forward_hook(hook)
    x = tinynet.tensor(np.ones((1, 2), dtype=np.float32))
    out = layer(x)
    assert received["inputs"][0] is x
    assert np.all(out.numpy() == 0)
    handle.remove()
    handle.remove()  # harmless
    assert np.any(layer(x).numpy() != 0)


def test_forward_pre_hook_can_replace_inputs():
    layer = nn.Identity()
    layer.register_forward_pre_hook(lambda module, inputs: inputs[0] + 1)
    assert layer(tinynet.tensor(np.zeros(3))).numpy().tolist() == [1, 1, 1]


def test_register_hook_rejects_non_callables():
    with pytest.raises(TypeError):
        nn.ReLU().register_forward_hook(42)


# ---- state_dict ----------------------------------------------------------------

def test_state_dict_names_follow_pytorch_and_share_memory_as_in_pytorch():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(8, 2))
    state = model.state_dict()
    assert list(state) == ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                           "1.num_batches_tracked", "4.weight", "4.bias"]
    assert all(isinstance(v, tinynet.Tensor) and not v.requires_grad for v in state.values())
    assert state["1.num_batches_tracked"].shape == () and state["1.num_batches_tracked"].dtype == np.int64
    assert state["0.weight"].size() == (2, 1, 3, 3)
    # As in PyTorch, the tensors share memory with the model; copy.deepcopy takes a snapshot.
    snapshot = copy.deepcopy(state)
    old = snapshot["0.weight"].numpy().copy()
    model[0].weight.data += 1
    np.testing.assert_array_equal(state["0.weight"].numpy(), old + 1)
    np.testing.assert_array_equal(snapshot["0.weight"].numpy(), old)


def test_load_state_dict_roundtrip_in_place():
    source, target = TwoLayer(), TwoLayer()
    source.scale.data[:] = [2.0, 3.0]
    weight_object = target.hidden.weight
    weight_array = target.hidden.weight.numpy()
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    for name, value in source.state_dict().items():
        np.testing.assert_array_equal(target.state_dict()[name], value)
    # Same Parameter objects and arrays: an optimizer built before loading still updates the model.
    assert target.hidden.weight is weight_object and np.shares_memory(target.hidden.weight.numpy(), weight_array)


def test_load_state_dict_casts_dtype_to_the_model():
    model = nn.Linear(2, 2)
    state = {k: v.astype(np.float64) + 1 for k, v in model.state_dict().items()}
    model.load_state_dict(state)
    assert model.weight.dtype == np.float32
    np.testing.assert_allclose(model.weight.numpy(), state["weight"], rtol=1e-6)


def test_load_state_dict_names_missing_unexpected_and_misshaped_keys():
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    state = model.state_dict()
    before = model.state_dict()
    del state["1.bias"]
    state["2.weight"] = np.zeros(3)
    state["0.weight"] = np.zeros((5, 3))
    with pytest.raises(RuntimeError) as error:  # PyTorch's exception type and wording
        model.load_state_dict(state)
    message = str(error.value)
    assert message.startswith("Error(s) in loading state_dict for Sequential:")
    assert 'Missing key(s) in state_dict: "1.bias".' in message
    assert 'Unexpected key(s) in state_dict: "2.weight".' in message
    assert "'0.weight'" in message and "(5, 3)" in message and "(4, 3)" in message
    # Nothing was changed by the failed load.
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


def test_load_state_dict_non_strict_reports_instead_of_raising():
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    state = model.state_dict()
    del state["1.bias"]
    state["extra"] = np.zeros(1)
    state["0.weight"] = np.full((4, 3), 7.0)
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["1.bias"] and result.unexpected_keys == ["extra"]
    assert np.all(model[0].weight.numpy() == 7.0)


def test_load_state_dict_rejects_non_dicts_and_object_arrays():
    model = nn.Linear(1, 1)
    with pytest.raises(TypeError):
        model.load_state_dict([1, 2])
    with pytest.raises(RuntimeError, match="object"):
        model.load_state_dict({"weight": np.array([[None]], dtype=object), "bias": np.zeros(1)})


def test_batchnorm_buffers_load():
    bn = nn.BatchNorm2d(3)
    state = bn.state_dict()
    state["running_mean"] = np.array([1.0, 2.0, 3.0])
    state["num_batches_tracked"] = np.array(17)
    bn.load_state_dict(state)
    np.testing.assert_array_equal(bn.running_mean, [1, 2, 3])
    assert int(bn.num_batches_tracked) == 17


# ---- containers ------------------------------------------------------------------

def test_sequential_indexing_len_iteration_and_slicing():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)]
    model = nn.Sequential(*layers)
    assert len(model) == 3 and list(model) == layers
    assert model[0] is layers[0] and model[-1] is layers[2]
    head = model[1:]
    assert isinstance(head, nn.Sequential) and list(head) == layers[1:]
    with pytest.raises(IndexError):
        model[3]
    with pytest.raises(TypeError):
        nn.Sequential(nn.ReLU(), "not a module")
    x = tinynet.tensor(np.ones((4, 2), dtype=np.float32))
    np.testing.assert_allclose(model(x).numpy(), layers[2](layers[1](layers[0](x))).numpy())


def test_sequential_from_dict_uses_the_given_names():
    from collections import OrderedDict
    model = nn.Sequential(OrderedDict([("features", nn.Linear(2, 3)), ("act", nn.Tanh())]))
    assert list(model.state_dict()) == ["features.weight", "features.bias"]


def test_module_list_registers_members():
    blocks = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(blocks) == 3 and len(list(blocks.parameters())) == 6
    blocks.append(nn.Linear(2, 1))
    blocks.insert(0, nn.ReLU())
    assert [type(m).__name__ for m in blocks] == ["ReLU", "Linear", "Linear", "Linear", "Linear"]
    del blocks[0]
    assert list(blocks._modules) == ["0", "1", "2", "3"]
    holder = nn.Module()
    holder.blocks = blocks
    assert "blocks.3.weight" in holder.state_dict()
    with pytest.raises(NotImplementedError):
        blocks(tinynet.tensor(np.ones(2)))


# ---- repr -----------------------------------------------------------------------------

def test_repr_is_nested_and_pytorch_like():
    model = nn.Sequential(nn.Linear(784, 10), nn.Sequential(nn.ReLU(), nn.Dropout(0.25)))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=784, out_features=10, bias=True)\n"
        "  (1): Sequential(\n"
        "    (0): ReLU()\n"
        "    (1): Dropout(p=0.25, inplace=False)\n"
        "  )\n"
        ")"
    )
    assert repr(nn.Conv2d(1, 8, 3, padding="same", bias=False)) == (
        "Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=same, bias=False)")  # (PyTorch's: unquoted)


def test_a_failed_load_state_dict_is_the_runtime_error_torch_code_catches(torch):
    """PyTorch raises RuntimeError (code falls back to strict=False on it); tinynet's error is that too."""
    for lib in (torch, tinynet):
        with pytest.raises(RuntimeError, match="size mismatch|has shape"):
            lib.nn.Linear(2, 3).load_state_dict({"weight": lib.zeros(2, 3), "bias": lib.zeros(3)})
