"""tinynet.load on hostile files: every way a file can be wrong gets a CheckpointError naming the file,
the member and the problem; nothing blocks, allocates what the file cannot hold, or is unpickled."""

import io
import os
import pickle
import struct
import sys
import threading
import zipfile
import zlib

import numpy as np
import pytest

import tinynet
from tinynet.serialization import CheckpointError

# ---- building archives byte by byte, so each field can lie -------------------------------------


def npy(array):
    """The bytes of ``array`` as an .npy file, as numpy writes it."""
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()


def npy_with_header(header, data=b""):
    """An .npy version 1.0 file with the given header text (padded as numpy pads it) and data bytes."""
    text = header.encode("latin1")
    text += b" " * (-(10 + len(text) + 1) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + data


def zip_bytes(*members):
    """A zip archive of ``members``: dicts with name and data, and optionally method (0 stored, 8 deflate,
    or any number, data then taken as is), flags, and the sizes and CRC its index should claim."""
    body, index = b"", b""
    for member in members:
        name = member["name"].encode("utf-8")
        data = member["data"]
        method = member.get("method", 0)
        stored = zlib.compressobj(9, zlib.DEFLATED, -15) if method == 8 else None
        payload = stored.compress(data) + stored.flush() if stored else data
        crc = member.get("crc", zlib.crc32(data))
        size = member.get("size", len(data))
        compressed = member.get("compressed", len(payload))
        flags = member.get("flags", 0)
        fields = (20, flags, method, 0, 0x21, crc, compressed, size, len(name), 0)
        offset = len(body)
        body += struct.pack("<4s5H3L2H", b"PK\x03\x04", *fields) + name + payload
        index += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, *fields, 0, 0, 0, 0, offset) + name
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(index), len(body), 0)
    return body + index + end


def write(tmp_path, content, name="bad.npz"):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def assert_refused(path, *words):
    """load raises CheckpointError (a ValueError and a pickle.UnpicklingError) naming the file and ``words``."""
    with pytest.raises(CheckpointError) as raised:
        tinynet.load(path)
    message = str(raised.value)
    assert isinstance(raised.value, ValueError) and isinstance(raised.value, pickle.UnpicklingError)
    assert str(path) in message
    for word in words:
        assert word in message
    return message


GOOD = npy(np.arange(3.0))

# ---- the file as a whole ------------------------------------------------------------------------


@pytest.mark.parametrize("content, words", [
    (b"", ["empty (0 bytes)"]),
    (b"weight = [1.0, 2.0]\n", ["a text file", "weight = "]),
    (b"\x1f\x8b\x08\x00" + bytes(20), ["gzip-compressed"]),
    (pickle.dumps({"w": [1.0]}), ["pickled data", "never loaded"]),
    (GOOD, ["a single .npy array"]),
    (bytes(range(200, 256)), ["not a zip archive", "c8 c9 ca"]),
    (zip_bytes({"name": "w.npy", "data": GOOD})[:-30], ["truncated or corrupt zip archive"]),
])
def test_a_file_that_is_not_an_archive_is_named_for_what_it_is(tmp_path, content, words):
    assert_refused(write(tmp_path, content), *words)


def test_a_directory_is_refused_as_open_refuses_it(tmp_path):
    with pytest.raises(IsADirectoryError):
        tinynet.load(tmp_path)


def test_saving_to_a_directory_is_refused_before_anything_is_written(tmp_path):
    """It used to write the whole archive to a temporary beside the directory, then fail to rename it."""
    with pytest.raises(IsADirectoryError, match="the target is a directory"):
        tinynet.save({"w": tinynet.ones(3)}, tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "model.npz"
    os.mkfifo(fifo)
    outcome = []

    def load():
        try:
            tinynet.load(fifo)
        except BaseException as error:  # recorded, checked below
            outcome.append(error)

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(timeout=10)
    if worker.is_alive():  # blocked in open(): give it a writer so the thread can finish, then fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(timeout=10)
        pytest.fail("tinynet.load blocked on a FIFO")
    assert len(outcome) == 1 and isinstance(outcome[0], OSError)
    assert "FIFO" in str(outcome[0]) and "regular file" in str(outcome[0])


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_an_endless_device_is_refused():
    with pytest.raises(OSError, match="character device"):
        tinynet.load("/dev/zero")


# ---- each member --------------------------------------------------------------------------------

TIB4 = 4 * 2**40 // 8  # float64 elements in 4 TiB


@pytest.mark.parametrize("member, words", [
    ({"name": "w.npy", "data": npy(np.arange(1000.0))[:-200]},
     ["array 'w'", "truncated", "shape (1000,) of float64 (8000 bytes)", "holds 7800 data bytes"]),
    ({"name": "w.npy", "data": npy(np.arange(3.0)) + b"junk"}, ["extra bytes after the data"]),
    ({"name": "w.npy", "data": npy_with_header(f"{{'descr': '<f8', 'fortran_order': False, 'shape': ({TIB4},), }}",
                                               bytes(800))},
     [f"shape ({TIB4},) of float64 ({4 * 2**40} bytes)", "holds 800 data bytes"]),
    ({"name": "w.npy", "data": npy_with_header("{'descr': '<f8', 'fortran_order': False, 'shape': (3,")},
     ["malformed .npy header"]),
    ({"name": "w.npy", "data": npy_with_header("{'descr': '<f8', 'fortran_order': False, 'shape': (-3,), }")},
     ["negative dimension"]),
    ({"name": "w.npy", "data": npy_with_header("{'descr': 'not a dtype', 'fortran_order': False, 'shape': (), }")},
     ["malformed .npy header"]),
    ({"name": "w.npy", "data": npy_with_header("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }",
                                               pickle.dumps([{}]))},
     ["object array", "never loaded"]),
    ({"name": "w.npy", "data": npy(np.array(["ab", "cd"]))}, ["dtype <U2 is not a number"]),
    ({"name": "w.npy", "data": npy(np.zeros(2, dtype=[("a", "<f4")]))}, ["is not a number"]),
    ({"name": "w.npy", "data": b"hello, this is not an array"}, ["array 'w'", "not an .npy array"]),
    ({"name": "notes.txt", "data": b"hello"}, ["member 'notes.txt' is not an .npy array"]),
    ({"name": "archive/data.pkl", "data": pickle.dumps({"w": 1})}, ["pickled data", "torch.save"]),
    ({"name": "w.npy", "data": GOOD, "flags": 0x1}, ["member 'w.npy' is encrypted"]),
    ({"name": "w.npy", "data": GOOD, "method": 77}, ["an unknown method (zip method 77)", "stored and deflate"]),
    ({"name": "w.npy", "data": GOOD, "method": 99, "flags": 0x1}, ["encrypted"]),
    ({"name": "w.npy", "data": GOOD, "size": 2**32 - 2}, ["corrupt: stored uncompressed", "4294967294"]),
    ({"name": "w.npy", "data": GOOD, "method": 8, "size": 2**32 - 2}, ["more than deflate can produce"]),
    ({"name": "w.npy", "data": GOOD, "compressed": len(GOOD) + 10**6, "size": len(GOOD) + 10**6},
     ["extends past the end of the file"]),
    ({"name": "w.npy", "data": GOOD, "crc": 12345}, ["array 'w'", "corrupt", "CRC"]),
])
def test_a_bad_member_is_named_with_its_problem(tmp_path, member, words):
    assert_refused(write(tmp_path, zip_bytes({"name": "fine.npy", "data": GOOD}, member)), *words)


def test_bzip2_members_are_refused_with_the_method_named(tmp_path):
    path = tmp_path / "bz.npz"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_BZIP2) as archive:
        archive.writestr("w.npy", GOOD)
    assert_refused(path, "bzip2 (zip method 12)")


def test_a_member_twice_and_overlapping_members_are_refused(tmp_path):
    twice = zip_bytes({"name": "w.npy", "data": GOOD}, {"name": "w.npy", "data": GOOD})
    assert_refused(write(tmp_path, twice), "appears twice")
    # Two index entries pointing at the same bytes: the classic way to make a small zip expand hugely.
    archive = bytearray(zip_bytes({"name": "a.npy", "data": GOOD}, {"name": "b.npy", "data": GOOD}))
    second_entry = archive.rindex(b"PK\x01\x02")
    archive[second_entry + 42:second_entry + 46] = struct.pack("<L", 0)  # b's data offset := a's
    assert_refused(write(tmp_path, bytes(archive), "overlap.npz"), "overlaps the next member")


def test_nothing_is_allocated_for_a_size_the_file_cannot_hold(tmp_path):
    """A 1 KB file whose header declares a 4 TiB array: refused before numpy is asked for memory."""
    import tracemalloc

    header = f"{{'descr': '<f8', 'fortran_order': False, 'shape': ({TIB4},), }}"
    path = write(tmp_path, zip_bytes({"name": "w.npy", "data": npy_with_header(header, bytes(800))}))
    assert path.stat().st_size < 1100
    tracemalloc.start()
    try:
        with pytest.raises(CheckpointError):
            tinynet.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20


def test_mutated_checkpoints_load_or_raise_checkpoint_error(tmp_path):
    """Random damage to a real checkpoint: either it still loads (into numeric arrays) or the error is
    a CheckpointError; never another exception, a hang or a huge allocation."""
    original = tmp_path / "model.npz"
    tinynet.save({"w": np.arange(64, dtype=np.float32).reshape(8, 8), "b": np.arange(5), "s": np.array(2.5)},
                 original)
    compressed = tmp_path / "compressed.npz"
    np.savez_compressed(compressed, w=np.arange(300.0), b=np.ones(7, dtype=bool))
    rng = np.random.default_rng(0)
    outcomes = {"loaded": 0, "refused": 0}
    for source in (original.read_bytes(), compressed.read_bytes()):
        for trial in range(150):
            data = bytearray(source)
            kind = trial % 3
            if kind == 0:  # flip a few bytes
                for position in rng.integers(0, len(data), size=rng.integers(1, 4)):
                    data[position] = int(rng.integers(0, 256))
            elif kind == 1:  # cut the file short
                del data[int(rng.integers(0, len(data))):]
            else:  # insert junk
                position = int(rng.integers(0, len(data)))
                data[position:position] = rng.bytes(int(rng.integers(1, 9)))
            path = write(tmp_path, bytes(data), "mutated.npz")
            try:
                loaded = tinynet.load(path)
            except CheckpointError:
                outcomes["refused"] += 1
                continue
            outcomes["loaded"] += 1
            assert all(isinstance(value, np.ndarray) and value.dtype.kind in "biufc" for value in loaded.values())
    assert outcomes["refused"] > 100  # the mutations really did damage the files


# ---- what must still load -----------------------------------------------------------------------


def test_numpy_written_variants_load_exactly(tmp_path):
    fortran = np.asfortranarray(np.arange(12.0).reshape(3, 4))
    arrays = {"fortran": fortran, "big_endian": np.arange(4, dtype=">i4"), "flags": np.array([True, False]),
              "complex": np.array([1 + 2j]), "empty": np.zeros((0, 3), np.float32), "scalar": np.float16(1.5)}
    for save in (np.savez, np.savez_compressed):
        path = tmp_path / f"{save.__name__}.npz"
        save(path, **arrays)
        loaded = tinynet.load(path)
        assert list(loaded) == list(arrays)
        for name, value in arrays.items():
            assert loaded[name].dtype == np.asarray(value).dtype and loaded[name].shape == np.shape(value)
            np.testing.assert_array_equal(loaded[name], value)
    version2 = io.BytesIO()
    np.lib.format.write_array(version2, np.arange(3.0), version=(2, 0))
    path = write(tmp_path, zip_bytes({"name": "w.npy", "data": version2.getvalue()}), "v2.npz")
    np.testing.assert_array_equal(tinynet.load(path)["w"], np.arange(3.0))
    empty = write(tmp_path, zip_bytes(), "empty_archive.npz")
    assert tinynet.load(empty) == {}


def test_load_names_a_bad_path_type():
    with pytest.raises(TypeError, match="file path"):
        tinynet.load(3)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_an_unreadable_file_gives_permission_error(tmp_path):
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.skip("root reads everything")
    path = tmp_path / "model.npz"
    tinynet.save({"w": np.zeros(2)}, path)
    path.chmod(0)
    with pytest.raises(PermissionError):
        tinynet.load(path)


def test_the_checkpoints_doc_runs_and_its_example_error_is_what_load_says(capsys):
    from pathlib import Path
    import re

    text = (Path(__file__).resolve().parent.parent / "docs" / "checkpoints.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    assert len(blocks) == 2
    namespace = {"__name__": "docs_checkpoints"}
    for block in blocks:
        exec(compile(block, "docs/checkpoints.md", "exec"), namespace)
    printed = capsys.readouterr().out
    assert "notes.npz'): a text file (it starts with 'not a checkpoint\\n')" in printed
