"""Run a PyTorch program's source text on tinynet or on torch: only its import header differs.

Shared by the test files that run learners' programs (tests/test_programs_*.py).  A program gets
its data and, where it draws random initial weights, the *same* starting numbers in both
frameworks through names the test puts in its namespace (the stand-in for the dataset lines), so
that the two runs can be compared number for number.
"""

import re
import textwrap

import numpy as np
import pytest

import tinynet
from tinynet.data import load_mnist

HEADERS = {
    "tinynet": """
        import tinynet as torch
        import tinynet.nn as nn
        import tinynet.nn.functional as F
        import tinynet.optim as optim
        from tinynet.utils.data import DataLoader, Dataset, TensorDataset
    """,
    "torch": """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        import torch.optim as optim
        from torch.utils.data import DataLoader, Dataset, TensorDataset
    """,
}

IMPORT_LINE = re.compile(r"^(\s*(?:from|import) )torch(?=[.\s])", re.MULTILINE)

FRAMEWORKS = ("tinynet", "torch")


def run(program, framework, **names):
    """Execute ``program`` under ``framework``'s import header with ``names`` predefined; returns its
    namespace (skips the test when torch is asked for and not installed)."""
    if framework == "torch":
        pytest.importorskip("torch")
    source = textwrap.dedent(HEADERS[framework]) + textwrap.dedent(program)
    if framework == "tinynet":  # the program's own import lines, changed as a user changes them
        source = IMPORT_LINE.sub(r"\1tinynet", source)
    module = tinynet if framework == "tinynet" else __import__("torch")
    namespace = {"__name__": "__program__", "same_start": starter(module), **names}
    exec(compile(source, f"<{framework} program>", "exec"), namespace)
    return namespace


def starter(torch):
    """``same_start(model)``: give ``model`` starting weights that depend only on the names and shapes
    of its entries, so that a model built in either framework starts from the same numbers.  Entries
    that a layer fills with a constant (BatchNorm's weight, bias and running statistics) keep it."""

    def same_start(model):
        state = {}
        for index, (name, value) in enumerate(model.state_dict().items()):
            array = value.detach().numpy()
            if array.dtype.kind != "f" or (array.size > 1 and np.all(array == array.flat[0])):
                continue
            fan_in = int(np.prod(array.shape[1:])) if array.ndim > 1 else array.size
            rng = np.random.default_rng(index)
            bound = 1.0 / np.sqrt(fan_in)
            state[name] = torch.tensor(rng.uniform(-bound, bound, array.shape).astype(array.dtype))
        model.load_state_dict(state, strict=False)
        return model

    return same_start


def run_both(program, **names):
    """The namespaces of ``program`` run on tinynet and on torch, from the same ``names``."""
    return [run(program, framework, **names) for framework in FRAMEWORKS]


def mnist_arrays(split, count):
    """The first ``count`` MNIST images of ``split`` as float32 rows of 784 values in [0, 1] and
    their int64 labels (what the tutorials unpickle)."""
    images, labels = load_mnist(split)
    return (np.ascontiguousarray(images[:count].reshape(count, 784), dtype=np.float32),
            np.asarray(labels[:count], dtype=np.int64))


def as_numpy(value):
    """A tensor (of either framework), a number or a nested tuple/list of them, as numpy / floats."""
    if isinstance(value, (list, tuple)):
        return type(value)(as_numpy(v) for v in value)
    if hasattr(value, "detach"):
        return value.detach().numpy().copy()
    return value


def assert_close(tiny, ref, rtol=1e-4, atol=1e-5, what=""):
    """Values from the tinynet run equal those of the torch run (same dtype for arrays)."""
    tiny, ref = as_numpy(tiny), as_numpy(ref)
    if isinstance(ref, dict):
        assert isinstance(tiny, dict) and list(tiny) == list(ref), (what, tiny, ref)
        for key in ref:
            assert_close(tiny[key], ref[key], rtol, atol, f"{what}[{key!r}]")
        return
    if isinstance(ref, (list, tuple)):
        assert len(tiny) == len(ref), what
        for i, (a, b) in enumerate(zip(tiny, ref)):
            assert_close(a, b, rtol, atol, f"{what}[{i}]")
        return
    if type(ref).__name__ == "dtype" and type(ref).__module__ == "torch":  # torch.float32 against numpy's float32
        assert str(np.dtype(tiny)) == str(ref).replace("torch.", ""), (what, tiny, ref)
        return
    if ref is None or isinstance(ref, (str, bool, int)):
        assert tiny == ref and type(tiny) is type(ref), (what, tiny, ref)
        return
    if isinstance(ref, np.ndarray):
        assert isinstance(tiny, np.ndarray), (what, type(tiny))
        assert tiny.dtype == ref.dtype and tiny.shape == ref.shape, (what, tiny.dtype, ref.dtype, tiny.shape, ref.shape)
    np.testing.assert_allclose(tiny, ref, rtol=rtol, atol=atol, err_msg=what)


@pytest.fixture
def one_thread():
    """One thread in both frameworks: the numbers do not depend on it and a shared machine is faster so."""
    before = tinynet.get_num_threads()
    tinynet.set_num_threads(1)
    torch = None
    try:
        import torch
        torch_before = torch.get_num_threads()
        torch.set_num_threads(1)
    except ImportError:
        pass
    yield
    tinynet.set_num_threads(before)
    if torch is not None:
        torch.set_num_threads(torch_before)
