"""tinynet.data: IDX reading (valid, corrupt, truncated), the bundled MNIST, and DataLoader batching."""

import gzip
import os
import subprocess
import sys
import textwrap
import threading
import tracemalloc
import zlib

import numpy as np
import pytest

import tinynet
from tinynet.data import DataLoader, TensorDataset, load_mnist, read_idx, write_idx
from tinynet.data.idx import IDX_TYPES


def header(type_code, dims):
    """An IDX header written out by hand (so the tests do not trust write_idx)."""
    return bytes([0, 0, type_code, len(dims)]) + b"".join(int(d).to_bytes(4, "big") for d in dims)


# ---------------------------------------------------------------- read_idx

def test_read_raw_ubyte_file(tmp_path):
    values = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    path = tmp_path / "raw.idx"
    path.write_bytes(header(0x08, (2, 3, 4)) + values.tobytes())
    result = read_idx(path)
    assert result.dtype == np.uint8
    np.testing.assert_array_equal(result, values)


def test_read_gzip_detected_by_magic_not_name(tmp_path):
    values = np.array([[7, 200], [0, 255]], dtype=np.uint8)
    path = tmp_path / "no_gz_suffix.idx"
    path.write_bytes(gzip.compress(header(0x08, (2, 2)) + values.tobytes()))
    np.testing.assert_array_equal(read_idx(str(path)), values)


@pytest.mark.parametrize("type_code", sorted(IDX_TYPES))
def test_read_every_type_big_endian(tmp_path, type_code):
    big_endian = IDX_TYPES[type_code]
    values = np.array([[-3, 1], [5, 100]]) if big_endian.kind != "u" else np.array([[3, 1], [5, 100]])
    values = values.astype(big_endian)
    path = tmp_path / "typed.idx"
    path.write_bytes(header(type_code, (2, 2)) + values.tobytes())
    result = read_idx(path)
    assert result.dtype == big_endian.newbyteorder("=")
    assert result.dtype.isnative
    np.testing.assert_array_equal(result, values.astype(result.dtype))


def test_write_then_read_round_trip(tmp_path):
    values = np.random.default_rng(0).normal(size=(3, 5)).astype(np.float32)
    write_idx(tmp_path / "a.idx.gz", values)
    assert (tmp_path / "a.idx.gz").read_bytes()[:2] == b"\x1f\x8b"
    np.testing.assert_array_equal(read_idx(tmp_path / "a.idx.gz"), values)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x01\x00\x08\x01\x00\x00\x00\x01\x05", "two zero bytes"),
        (b"\x00\x00\x07\x01\x00\x00\x00\x01\x05", "type code 0x07"),
        (b"\x00\x00\x08\x00", "at least 1 dimension"),
        (b"\x00\x00", "4-byte IDX magic"),
        (b"\x00\x00\x08\x03\x00\x00\x00\x02", "truncated header"),
    ],
)
def test_rejects_bad_headers(tmp_path, content, message):
    path = tmp_path / "bad.idx"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        read_idx(path)


def test_rejects_truncated_data_saying_expected_and_found(tmp_path):
    path = tmp_path / "short.idx"
    path.write_bytes(header(0x08, (10, 28, 28)) + bytes(10 * 28 * 28 - 1))
    with pytest.raises(ValueError, match=r"truncated.*need 7840 data bytes, found 7839"):
        read_idx(path)


def test_rejects_truncated_multibyte_data(tmp_path):
    path = tmp_path / "short_int.idx"
    path.write_bytes(header(0x0C, (3,)) + bytes(11))  # three int32 need 12 bytes
    with pytest.raises(ValueError, match="need 12 data bytes, found 11"):
        read_idx(path)


def test_rejects_extra_bytes(tmp_path):
    path = tmp_path / "long.idx"
    path.write_bytes(header(0x08, (4,)) + bytes(5))
    with pytest.raises(ValueError, match="extra bytes.*need 4 data bytes, found 5"):
        read_idx(path)


def test_rejects_wrong_dims_for_the_data(tmp_path):
    # Header claims 3x3 but the data is 2x2: must not silently reshape.
    path = tmp_path / "dims.idx"
    path.write_bytes(header(0x08, (3, 3)) + bytes(4))
    with pytest.raises(ValueError, match=r"\(3, 3\)"):
        read_idx(path)


def test_huge_dims_are_rejected_without_allocating(tmp_path):
    path = tmp_path / "huge.idx"
    path.write_bytes(header(0x0E, (2**32 - 1, 2**32 - 1, 2**32 - 1)) + bytes(8))
    with pytest.raises(ValueError, match="truncated"):
        read_idx(path)


def test_rejects_corrupt_gzip(tmp_path):
    compressed = gzip.compress(header(0x08, (100,)) + bytes(range(100)))
    path = tmp_path / "cut.gz"
    path.write_bytes(compressed[: len(compressed) // 2])
    with pytest.raises(ValueError, match="corrupt gzip"):
        read_idx(path)


def gzip_of(header_bytes, zero_bytes):
    """A gzip file of ``header_bytes`` followed by ``zero_bytes`` zeros, built without holding the zeros."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip framing
    parts = [compressor.compress(header_bytes)]
    chunk = bytes(1 << 20)
    for start in range(0, zero_bytes, len(chunk)):
        parts.append(compressor.compress(chunk[:zero_bytes - start]))
    parts.append(compressor.flush())
    return b"".join(parts)


def test_a_gzip_bomb_is_not_decompressed_past_what_the_header_declares(tmp_path):
    """200 MB of zeros behind a header that declares 100 bytes: reading stops at byte 101."""
    path = tmp_path / "bomb.idx.gz"
    path.write_bytes(gzip_of(header(0x08, (100,)), 200 * 2**20))
    assert path.stat().st_size < 300_000
    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as raised:
            read_idx(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20
    assert "extra bytes after the data: dimensions (100,) of uint8" in str(raised.value)
    assert "need 100 data bytes, found more" in str(raised.value)


def test_a_gzip_header_declaring_more_than_the_file_can_hold_is_refused_before_reading(tmp_path):
    path = tmp_path / "liar.idx.gz"
    path.write_bytes(gzip_of(header(0x0E, (2**31, 2**31)), 1000))
    with pytest.raises(ValueError, match=r"more than this gzip file can expand to.*header is wrong"):
        read_idx(path)


def test_gzip_round_trip_of_a_larger_array(tmp_path):
    values = np.random.default_rng(0).integers(0, 256, size=(300, 28, 28), dtype=np.uint8)
    write_idx(tmp_path / "big.idx.gz", values)
    np.testing.assert_array_equal(read_idx(tmp_path / "big.idx.gz"), values)


def test_refuses_a_directory(tmp_path):
    with pytest.raises(IsADirectoryError):
        read_idx(tmp_path)


@pytest.mark.skipif(not os.path.exists("/dev/zero") or sys.platform == "win32", reason="needs /dev/zero")
def test_refuses_an_endless_device():
    # In a child with 2 GiB of address space: reading /dev/zero to the end would otherwise fill all memory.
    child = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
        from tinynet.data import read_idx
        try:
            read_idx("/dev/zero")
        except OSError as error:
            print(error)
        """)], capture_output=True, text=True, timeout=120)
    assert "is a character device; only regular files are read" in child.stdout, child.stderr[-2000:]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_refuses_a_fifo_without_blocking(tmp_path):
    fifo = tmp_path / "labels.idx"
    os.mkfifo(fifo)
    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(pytest.raises(OSError, read_idx, fifo)), daemon=True)
    worker.start()
    worker.join(timeout=10)
    if worker.is_alive():  # blocked in open(): give it a writer so the thread can finish, then fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(timeout=10)
        pytest.fail("read_idx blocked on a FIFO")
    assert "FIFO" in str(outcome[0].value)


def test_rejects_non_path():
    with pytest.raises(TypeError, match="file path"):
        read_idx(12)


# ---------------------------------------------------------------- MNIST

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.mark.parametrize("split, counts", [("train", TRAIN_COUNTS), ("test", TEST_COUNTS)])
def test_load_mnist(split, counts):
    images, labels = load_mnist(split)
    n = sum(counts)
    assert images.shape == (n, 1, 28, 28) and images.dtype == np.float32
    assert labels.shape == (n,) and labels.dtype == np.int64
    assert images.min() == 0.0 and images.max() == 1.0
    assert np.bincount(labels, minlength=10).tolist() == counts
    # Ink is a minority of pixels, and every image has some.
    ink = images.reshape(n, -1).mean(axis=1)
    assert 0.05 < ink.mean() < 0.25 and ink.min() > 0


def test_load_mnist_is_cached_and_read_only():
    images, labels = load_mnist("test")
    assert load_mnist("test")[0] is images
    with pytest.raises(ValueError):
        images[0, 0, 0, 0] = 1.0


def test_load_mnist_rejects_unknown_split():
    with pytest.raises(ValueError, match="'train' or 'test'.*'validation'"):
        load_mnist("validation")
    with pytest.raises(TypeError):
        load_mnist(1)


# ---------------------------------------------------------------- DataLoader

def make_arrays(n=10):
    x = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    y = np.arange(n, dtype=np.int64)
    return x, y


def test_batches_in_order_with_short_last_batch():
    x, y = make_arrays(10)
    loader = DataLoader((x, y), batch_size=4, as_tensors=False)
    batches = list(loader)
    assert len(loader) == 3 == len(batches)
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y)
    np.testing.assert_array_equal(batches[1][0], x[4:8])


def test_drop_last():
    x, y = make_arrays(10)
    loader = DataLoader((x, y), batch_size=4, drop_last=True, as_tensors=False)
    assert len(loader) == 2
    assert [len(b[1]) for b in loader] == [4, 4]


def test_shuffle_visits_each_example_once_and_keeps_pairs_together():
    x, y = make_arrays(50)
    loader = DataLoader(TensorDataset(x, y), batch_size=7, shuffle=True, seed=3, as_tensors=False)
    seen = np.concatenate([b[1] for b in loader])
    assert sorted(seen.tolist()) == list(range(50))
    assert seen.tolist() != list(range(50))
    for bx, by in loader:
        np.testing.assert_array_equal(bx, x[by])


def test_shuffle_with_seed_is_deterministic_and_differs_per_epoch():
    x, y = make_arrays(40)
    first = DataLoader((x, y), batch_size=8, shuffle=True, seed=1, as_tensors=False)
    second = DataLoader((x, y), batch_size=8, shuffle=True, seed=1, as_tensors=False)
    epoch1 = np.concatenate([b[1] for b in first])
    assert np.array_equal(epoch1, np.concatenate([b[1] for b in second]))
    epoch2 = np.concatenate([b[1] for b in first])
    assert not np.array_equal(epoch1, epoch2)


def test_shuffle_without_seed_follows_manual_seed():
    x, y = make_arrays(40)
    loader = DataLoader((x, y), batch_size=40, shuffle=True, as_tensors=False)
    tinynet.manual_seed(5)
    a = next(iter(loader))[1]
    tinynet.manual_seed(5)
    b = next(iter(loader))[1]
    tinynet.manual_seed(6)
    c = next(iter(loader))[1]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_yields_tensors_by_default():
    tensor_module = pytest.importorskip("tinynet.tensor")
    x, y = make_arrays(6)
    bx, by = next(iter(DataLoader((x, y), batch_size=4)))
    assert isinstance(bx, tensor_module.Tensor) and isinstance(by, tensor_module.Tensor)
    assert bx.shape == (4, 2)
    np.testing.assert_array_equal(by.numpy(), y[:4])


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"batch_size": 0}, ValueError),
        ({"batch_size": 2.5}, TypeError),
        ({"batch_size": True}, TypeError),
        ({"seed": -1}, ValueError),
    ],
)
def test_loader_rejects_bad_arguments(kwargs, error):
    with pytest.raises(error):
        DataLoader(make_arrays(4), **kwargs)


def test_loader_rejects_mismatched_or_wrong_inputs():
    with pytest.raises(ValueError, match="equal length"):
        DataLoader((np.zeros((3, 2)), np.zeros(4)))
    with pytest.raises(TypeError, match="TensorDataset or a tuple"):
        DataLoader(np.zeros((3, 2)))
