"""What learners print and how they edit containers, against PyTorch: a ModuleList of repeated blocks prints each
run of equal members once (``(1-3): 3 x Linear(...)``), a ParameterList indents as PyTorch's does, the named tuples
of max/sort/topk print one field a line; Sequential's insert/extend/pop/+ and ModuleList's pop/+ change the
children as PyTorch's do.

Each case is built from a namespace (tinynet or torch) and the printed texts are compared with the framework's
name made the same.
"""

import numpy as np
import pytest

import tinynet


def same_text(ours, theirs):
    assert str(ours).replace("tinynet", "torch") == str(theirs)


@pytest.mark.parametrize("build", [
    lambda nn: nn.ModuleList([nn.Identity()] + [nn.Linear(2, 2) for _ in range(3)] + [nn.Tanh(), nn.Sigmoid()]),
    lambda nn: nn.ModuleList([nn.Sequential(nn.Linear(3, 3), nn.ReLU()) for _ in range(4)]),
    lambda nn: nn.ModuleList([nn.ReLU(), nn.Tanh(), nn.ReLU()]),
    lambda nn: nn.ModuleList(),
    lambda nn: nn.Sequential(nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)]), nn.Linear(2, 2), nn.Linear(2, 2)),
    lambda nn: nn.ParameterList([nn.Parameter(nn.init.zeros_(nn.Linear(2, 2).weight)) for _ in range(2)]),
])
def test_container_reprs_match_torch(torch, build):
    same_text(repr(build(tinynet.nn)), repr(build(torch.nn)))


@pytest.mark.parametrize("call", [
    lambda lib, x: lib.max(x, dim=1),
    lambda lib, x: x.min(0),
    lambda lib, x: lib.sort(x, dim=1, descending=True),
    lambda lib, x: x.topk(1),
    lambda lib, x: x.median(dim=1),
    lambda lib, x: x.kthvalue(2, dim=1),
])
def test_value_index_results_print_as_in_torch(torch, call):
    values = np.array([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]], dtype=np.float32)
    ours, theirs = call(tinynet, tinynet.tensor(values)), call(torch, torch.tensor(values))
    same_text(repr(ours), repr(theirs))
    same_text(str(ours), str(theirs))
    values_ours, indices_ours = ours  # still a tuple of two
    assert values_ours is ours.values and indices_ours is ours.indices


def layer_sizes(container):
    return [module.out_features if hasattr(module, "out_features") else type(module).__name__
            for module in container]


def test_sequential_editing_matches_torch(torch):
    results = []
    for nn in (tinynet.nn, torch.nn):
        model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
        steps = [layer_sizes(model.insert(1, nn.Dropout(0.5)))]
        model.insert(-1, nn.Linear(3, 3))
        steps.append(layer_sizes(model))
        steps.append(layer_sizes(model.extend([nn.Sigmoid(), nn.Identity()])))
        popped = model.pop(0)
        steps.append((popped.out_features, layer_sizes(model), list(model.state_dict())))
        joined = model + nn.Sequential(nn.Tanh())
        steps.append((type(joined).__name__, layer_sizes(joined), joined[0] is model[0]))
        with pytest.raises(IndexError):
            model.insert(len(model) + 1, nn.ReLU())
        results.append(steps)
    assert results[0] == results[1]


def test_module_list_pop_and_add_match_torch(torch):
    results = []
    for nn in (tinynet.nn, torch.nn):
        blocks = nn.ModuleList([nn.Linear(2, k) for k in (1, 2, 3, 4)])
        popped = blocks.pop(1)
        joined = blocks + nn.ModuleList([nn.Linear(2, 5)])
        blocks.insert(0, nn.Linear(2, 9))
        results.append((popped.out_features, layer_sizes(blocks), type(joined).__name__, layer_sizes(joined)))
    assert results[0] == results[1]
