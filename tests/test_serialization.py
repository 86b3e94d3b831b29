"""tinynet.save / tinynet.load: roundtrip, atomic writes, and refusal of pickled content."""

import os

import numpy as np
import pytest

import tinynet
from tinynet import nn


def small_model():
    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(8, 3))


def test_model_roundtrip_preserves_names_order_values_and_dtypes(tmp_path):
    tinynet.manual_seed(0)
    model = small_model()
    model(tinynet.tensor(np.random.default_rng(0).random((4, 1, 4, 4), dtype=np.float32)))  # move BN stats
    path = tmp_path / "model.npz"
    tinynet.save(model.state_dict(), path)
    loaded = tinynet.load(path)
    original = model.state_dict()
    assert list(loaded) == list(original)
    for name, value in original.items():
        assert loaded[name].dtype == value.dtype and loaded[name].shape == value.shape
        np.testing.assert_array_equal(loaded[name], value)
    assert int(loaded["1.num_batches_tracked"]) == 1

    tinynet.manual_seed(1)
    fresh = small_model()
    fresh.load_state_dict(loaded)
    x = tinynet.tensor(np.random.default_rng(1).random((2, 1, 4, 4), dtype=np.float32))
    model.eval()
    fresh.eval()
    np.testing.assert_array_equal(fresh(x).numpy(), model(x).numpy())


def test_save_writes_exactly_the_given_path_and_accepts_tensors(tmp_path):
    path = tmp_path / "weights.checkpoint"
    tinynet.save({"w": tinynet.tensor(np.arange(3.0)), "ints": np.arange(4, dtype=np.int32)}, str(path))
    assert os.listdir(tmp_path) == ["weights.checkpoint"]  # no ".npz" appended, no temp files left
    loaded = tinynet.load(path)
    np.testing.assert_array_equal(loaded["w"], np.arange(3.0))
    assert loaded["ints"].dtype == np.int32


def test_file_readable_by_plain_numpy(tmp_path):
    path = tmp_path / "m.npz"
    tinynet.save({"a.b": np.ones((2, 2), dtype=np.float32)}, path)
    with np.load(path, allow_pickle=False) as archive:
        assert archive.files == ["a.b"]
        assert archive["a.b"].dtype == np.float32


def test_save_rejects_bad_input(tmp_path):
    with pytest.raises(TypeError, match="a checkpoint holds tensors"):
        tinynet.save([np.zeros(2), {1, 2}], tmp_path / "x.npz")  # a set is not one of torch.load's safe types
    with pytest.raises(TypeError, match="object"):
        tinynet.save({"bad": np.array([{}, 1], dtype=object)}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="strings"):
        tinynet.save({3: np.zeros(2)}, tmp_path / "x.npz")
    with pytest.raises(ValueError, match="/"):
        tinynet.save({"a/b": np.zeros(2)}, tmp_path / "x.npz")
    assert os.listdir(tmp_path) == []


def test_failed_save_leaves_previous_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    tinynet.save({"w": np.arange(5.0)}, path)
    before = path.read_bytes()

    calls = []

    def write_then_fail(member, array, allow_pickle=False):
        calls.append(array.shape)
        if len(calls) == 2:  # fail half-way, after the first array is written
            member.write(b"partial")
            raise OSError("disk full (simulated)")
        return real_write_array(member, array, allow_pickle=allow_pickle)

    real_write_array = np.lib.format.write_array
    monkeypatch.setattr(np.lib.format, "write_array", write_then_fail)
    with pytest.raises(OSError, match="simulated"):
        tinynet.save({"w": np.zeros(5), "v": np.zeros(3)}, path)
    monkeypatch.undo()

    assert len(calls) == 2
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.npz"]  # the temporary file was removed
    np.testing.assert_array_equal(tinynet.load(path)["w"], np.arange(5.0))


def test_load_refuses_object_arrays(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, weights=np.zeros(2), payload=np.array([{"x": 1}], dtype=object))
    with pytest.raises(ValueError, match="object array"):
        tinynet.load(path)


def test_load_refuses_a_pickle_file(tmp_path):
    import pickle

    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps({"weight": [1.0, 2.0]}))
    with pytest.raises(ValueError, match="pickle"):
        tinynet.load(path)


def test_load_rejects_single_arrays_and_garbage(tmp_path):
    npy = tmp_path / "single.npy"
    np.save(npy, np.zeros(3))
    with pytest.raises(ValueError, match="npz"):
        tinynet.load(npy)
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(ValueError):
        tinynet.load(garbage)
    with pytest.raises(FileNotFoundError):
        tinynet.load(tmp_path / "missing.npz")


def test_load_reports_a_truncated_archive(tmp_path):
    path = tmp_path / "m.npz"
    tinynet.save({"w": np.arange(1000.0)}, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError):
        tinynet.load(path)


@pytest.mark.parametrize("key, words", [
    ("a\0b", "NUL byte"),
    ("bad\udcff", "UTF-8"),
    ("k" * 70000, "too long"),
])
def test_save_refuses_keys_that_would_not_come_back_unchanged(tmp_path, key, words):
    with pytest.raises(ValueError, match=words):
        tinynet.save({key: np.zeros(2)}, tmp_path / "x.npz")
    assert os.listdir(tmp_path) == []


def test_unusual_but_valid_keys_round_trip_exactly(tmp_path):
    keys = ["layer.0.weight", "ünïcödé σ", "with space", "tab\tand\nnewline", "w.npy", "..", "k" * 60000]
    path = tmp_path / "keys.npz"
    tinynet.save({key: np.full(2, i) for i, key in enumerate(keys)}, path)
    loaded = tinynet.load(path)
    assert list(loaded) == keys
    for i, key in enumerate(keys):
        np.testing.assert_array_equal(loaded[key], np.full(2, i))


def test_bytes_and_pathlike_paths_work_for_save_and_load(tmp_path):
    path = os.fsencode(tmp_path / "model.npz")
    tinynet.save({"w": np.arange(2.0)}, path)
    np.testing.assert_array_equal(tinynet.load(path)["w"], np.arange(2.0))
    assert os.listdir(tmp_path) == ["model.npz"]
    with pytest.raises(TypeError, match="file path"):
        tinynet.save({"w": np.zeros(1)}, 3)


def test_save_and_load_through_file_objects(tmp_path):
    """As torch.save/torch.load take them: io.BytesIO, files opened "wb"/"rb", an archive after other bytes."""
    import io

    checkpoint = {"epoch": 3, "model_state_dict": nn.Linear(3, 2).state_dict(), "loss": 0.25}
    buffer = io.BytesIO()
    tinynet.save(checkpoint, buffer)
    buffer.seek(0)
    loaded = tinynet.load(buffer)
    assert loaded["epoch"] == 3 and loaded["loss"] == 0.25
    for name, value in checkpoint["model_state_dict"].items():
        np.testing.assert_array_equal(loaded["model_state_dict"][name].numpy(), value.numpy())

    with open(tmp_path / "after_a_header.bin", "wb") as file:
        file.write(b"my own header\n")
        tinynet.save({"w": np.arange(4.0)}, file)
    with open(tmp_path / "after_a_header.bin", "rb") as file:
        assert file.readline() == b"my own header\n"
        np.testing.assert_array_equal(tinynet.load(file)["w"], np.arange(4.0))

    with pytest.raises(tinynet.serialization.CheckpointError, match="truncated or corrupt"):
        tinynet.load(io.BytesIO(buffer.getvalue()[:-30]))
    with pytest.raises(tinynet.serialization.CheckpointError, match="empty"):
        tinynet.load(io.BytesIO())


def test_load_refuses_file_objects_it_cannot_read(tmp_path):
    import io

    class Stream(io.RawIOBase):  # a pipe-like object: readable, not seekable
        def readable(self):
            return True

        def readinto(self, buffer):
            return 0

    with pytest.raises(ValueError, match="cannot seek"):
        tinynet.load(Stream())
    tinynet.save({"w": np.ones(2)}, tmp_path / "w.npz")
    with open(tmp_path / "w.npz", encoding="latin-1") as text:
        with pytest.raises(TypeError, match="text mode"):
            tinynet.load(text)
