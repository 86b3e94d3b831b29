"""Checkpoints as PyTorch's tutorials save them: nested dicts with numbers, strings and tensors."""

import math

import numpy as np
import pytest

import tinynet
from tinynet.serialization import CheckpointError


def trained():
    model = tinynet.nn.Linear(3, 2)
    optimizer = tinynet.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(tinynet.ones(4, 3)).pow(2).sum().backward()
    optimizer.step()
    return model, optimizer


def test_a_checkpoint_dict_comes_back_as_it_was_saved(tmp_path):
    model, optimizer = trained()
    checkpoint = {"epoch": 5, "model_state_dict": model.state_dict(), "optimizer_state_dict": optimizer.state_dict(),
                  "loss": tinynet.tensor(0.25), "history": [1.5, 0.5], "arch": "linear", "best": None,
                  "shape": (3, 2), "flags": {"done": True, 7: -1}, "nan": math.nan, "raw": np.arange(3)}
    tinynet.save(checkpoint, tmp_path / "checkpoint.pt")
    loaded = tinynet.load(tmp_path / "checkpoint.pt", weights_only=True)
    assert list(loaded) == list(checkpoint)
    assert loaded["epoch"] == 5 and type(loaded["epoch"]) is int
    assert loaded["history"] == [1.5, 0.5] and loaded["arch"] == "linear" and loaded["best"] is None
    assert loaded["shape"] == (3, 2) and loaded["flags"] == {"done": True, 7: -1} and math.isnan(loaded["nan"])
    assert isinstance(loaded["loss"], tinynet.Tensor) and loaded["loss"].item() == 0.25
    assert isinstance(loaded["raw"], np.ndarray) and loaded["raw"].tolist() == [0, 1, 2]
    for name, value in model.state_dict().items():
        assert isinstance(loaded["model_state_dict"][name], tinynet.Tensor)
        np.testing.assert_array_equal(loaded["model_state_dict"][name].numpy(), value.numpy())
    fresh, fresh_optimizer = trained()
    fresh.load_state_dict(loaded["model_state_dict"])
    fresh_optimizer.load_state_dict(loaded["optimizer_state_dict"])
    np.testing.assert_array_equal(fresh.weight.detach().numpy(), model.weight.detach().numpy())
    assert fresh_optimizer.state_dict().keys() == optimizer.state_dict().keys()


def test_a_state_dict_of_tensors_loads_as_tensors_and_numpy_reads_the_file(tmp_path):
    model, _ = trained()
    tinynet.save(model.state_dict(), tmp_path / "model.pth")
    loaded = tinynet.load(tmp_path / "model.pth")
    assert list(loaded) == ["weight", "bias"] and all(isinstance(v, tinynet.Tensor) for v in loaded.values())
    with np.load(tmp_path / "model.pth") as archive:  # an ordinary .npz: members named by the keys
        np.testing.assert_array_equal(archive["weight"], model.weight.detach().numpy())
    tinynet.save(model.weight, tmp_path / "weight.pt")  # torch.save(tensor) works too
    np.testing.assert_array_equal(tinynet.load(tmp_path / "weight.pt").numpy(), model.weight.detach().numpy())


@pytest.mark.parametrize("checkpoint, error, match", [
    ({"model": object()}, TypeError, "model is a object"),
    ({"a": {1.5: 2}}, TypeError, "dict keys must be str or int"),
    ({"a/b": tinynet.zeros(1)}, ValueError, "'/'"),
    ({"a": {"b": tinynet.zeros(1)}, "a/b": 1, 0: {"x": tinynet.zeros(1)}, "0": {"x": tinynet.zeros(1)}},
     ValueError, "'/'|both be stored"),
    ({"0": {"x": tinynet.zeros(1)}, 0: {"x": tinynet.zeros(1)}}, ValueError, "both be stored as '0/x'"),
    ({"s": np.array(["text"])}, TypeError, "numeric array"),
])
def test_what_a_checkpoint_cannot_hold_is_refused_and_nothing_is_written(tmp_path, checkpoint, error, match):
    with pytest.raises(error, match=match):
        tinynet.save(checkpoint, tmp_path / "x.pt")
    assert list(tmp_path.iterdir()) == []


def test_a_damaged_structure_is_a_checkpoint_error(tmp_path):
    tinynet.save({"epoch": 1, "w": tinynet.zeros(2)}, tmp_path / "good.pt")
    with np.load(tmp_path / "good.pt") as archive:
        members = {name: archive[name] for name in archive.files}
    for structure in (b"{not json", b'{"dict": [["w", {"tensor": "missing"}]]}', b'{"eval": "1"}',
                      b'{"dict": [["w", {"value": [1, 2]}]]}', b'{"list": []}'):
        members["tinynet//structure"] = np.frombuffer(structure, np.uint8)
        np.savez(tmp_path / "bad.npz", **members)
        with pytest.raises(CheckpointError, match="structure is malformed"):
            tinynet.load(tmp_path / "bad.npz")


def test_an_optimizer_state_dict_has_pytorch_layout_and_loads_back(tmp_path, torch):
    results = []
    for lib in (tinynet, torch):
        model = lib.nn.Linear(3, 2)
        optimizer = lib.optim.SGD([{"params": [model.weight]}, {"params": [model.bias], "lr": 0.5}], lr=0.1,
                                  momentum=0.9)
        model(lib.ones(4, 3)).sum().backward()
        optimizer.step()
        results.append(optimizer.state_dict())
    ours, theirs = results
    assert list(ours) == list(theirs) == ["state", "param_groups"]
    assert [g["params"] for g in ours["param_groups"]] == [g["params"] for g in theirs["param_groups"]] == [[0], [1]]
    assert [g["lr"] for g in ours["param_groups"]] == [0.1, 0.5]
    assert set(ours["state"]) == set(theirs["state"]) == {0, 1}
    for i in (0, 1):
        np.testing.assert_allclose(ours["state"][i]["momentum_buffer"].numpy(),
                                   theirs["state"][i]["momentum_buffer"].numpy(), rtol=1e-6)
    tinynet.save(ours, tmp_path / "optimizer.pt")
    fresh = tinynet.optim.SGD([{"params": [tinynet.nn.Parameter(np.zeros((2, 3), np.float32))]},
                               {"params": [tinynet.nn.Parameter(np.zeros(2, np.float32))]}], lr=0.3, momentum=0.9)
    fresh.load_state_dict(tinynet.load(tmp_path / "optimizer.pt"))
    assert [g["lr"] for g in fresh.param_groups] == [0.1, 0.5]
    np.testing.assert_array_equal(fresh.state_dict()["state"][1]["momentum_buffer"].numpy(),
                                  ours["state"][1]["momentum_buffer"].numpy())
    one_group = tinynet.optim.SGD([tinynet.nn.Parameter(np.zeros(2))], lr=0.1)
    with pytest.raises(ValueError, match="parameter groups"):
        one_group.load_state_dict(ours)
