"""einsum against PyTorch (values, shapes, dtypes and every input's gradient, float32 and float64) and a float64
gradcheck, over the equations learner code writes: products, traces and diagonals, transposes, sums, batched and
attention-shaped products, ellipses that broadcast, implicit outputs; then the mistakes, with PyTorch's messages."""

import numpy as np
import pytest

import tinynet
from op_helpers import OpCase, check_gradients
from test_ops_surface import compare_with_torch

EQUATIONS = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("ij,jk", [(3, 4), (4, 5)]),  # implicit output: the letters seen once, in order
    ("ba", [(3, 4)]),  # implicit: alphabetical, so a transpose
    ("Ab,bA->", [(3, 4), (4, 3)]),  # upper case sorts first
    ("ii->i", [(4, 4)]),
    ("ii", [(4, 4)]),  # the trace
    ("iji->j", [(3, 4, 3)]),
    ("...ii->...i", [(2, 3, 3)]),
    ("ij->", [(3, 4)]),
    ("ij->j", [(3, 4)]),
    ("ij->ji", [(3, 4)]),
    ("i,i->", [(5,), (5,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ij,ij,ij->i", [(3, 4), (3, 4), (3, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),  # a bilinear layer
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("bhqd,bhkd->bhqk", [(2, 3, 4, 5), (2, 3, 6, 5)]),  # attention scores
    ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)]),
    ("...ij,...jk", [(1, 3, 4), (6, 4, 5)]),  # the size-1 batch broadcasts
    ("ij,kj->ik", [(1, 4), (5, 4)]),
    ("ij,j->i", [(3, 1), (4,)]),  # a letter of size 1 broadcasts too
    ("i...->...", [(3, 4, 5)]),
    ("...", [(2, 3)]),
    ("...->", [(2, 3)]),
    (" ij , jk -> ik ", [(2, 3), (3, 2)]),  # spaces are ignored
]
CASES = [OpCase(f"einsum {equation!r}", shapes, lambda *ts, e=equation: tinynet.einsum(e, *ts),
                lambda *ts, e=equation: __import__("torch").einsum(e, *ts)) for equation, shapes in EQUATIONS]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_einsum_gradients(case):
    check_gradients(case)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES, ids=repr)
def test_einsum_matches_torch(case, dtype, torch):
    compare_with_torch(case, torch, dtype)


def test_einsum_forms_and_types(torch):
    a, b = np.arange(6).reshape(2, 3), np.arange(6).reshape(3, 2)
    ours = tinynet.einsum("ij,jk", [tinynet.tensor(a), tinynet.tensor(b)])  # one list of operands
    theirs = torch.einsum("ij,jk", [torch.tensor(a), torch.tensor(b)])
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.dtype == tinynet.int64 and not ours.requires_grad
    x = tinynet.ones(3, 3, requires_grad=True)
    transposed = tinynet.einsum("ij->ji", x)
    transposed.add_(1)  # its own memory: x and its graph are untouched
    assert x.sum().item() == 9
    diagonal = tinynet.einsum("ii->i", x)
    diagonal.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.eye(3))


@pytest.mark.parametrize("equation, shapes, message", [
    ("ij,jk->ik", [(3, 4), (5, 5)], "subscript j has size 4 in one place and 5"),
    ("ij->k", [(3, 4)], "output subscript k does not appear"),
    ("ij->ii", [(3, 3)], "output subscript i appears more than once"),
    ("ijk", [(3, 4)], "the number of subscripts in the equation (3) does not match the number of dimensions (2)"),
    ("ij,jk", [(3, 4)], "fewer operands were provided"),
    ("i", [(3,), (3,)], "more operands were provided"),
    ("i1", [(3, 3)], "invalid subscript given at index 1"),
    ("ii", [(3, 4)], "subscript i is repeated for an operand but the sizes don't match, 3 != 4"),
    ("..i..", [(3,)], "not part of any ellipsis"),
    ("i...j->...", [(3,)], "more than the number of dimensions (1)"),
])
def test_einsum_mistakes_raise_runtime_error(equation, shapes, message, torch):
    operands = [np.ones(shape) for shape in shapes]
    with pytest.raises(RuntimeError):
        torch.einsum(equation, *[torch.tensor(o) for o in operands])
    with pytest.raises(RuntimeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        tinynet.einsum(equation, *[tinynet.tensor(o) for o in operands])


def test_einsum_refuses_mixed_dtypes_and_non_strings():
    with pytest.raises(RuntimeError, match="one dtype"):
        tinynet.einsum("i,i->", tinynet.ones(3), tinynet.ones(3, dtype=tinynet.float64))
    with pytest.raises(NotImplementedError, match="sublist"):
        tinynet.einsum(tinynet.ones(3), [0])
    with pytest.raises(TypeError, match="must be a string"):
        tinynet.einsum(3, tinynet.ones(3))


def test_einsum_ellipsis_beyond_the_letters_is_refused():
    with pytest.raises(RuntimeError, match="more than the 52 subscripts"):
        tinynet.einsum("...", tinynet.tensor(np.zeros((1,) * 60)))
    assert tinynet.einsum("...->", tinynet.tensor(np.ones((1,) * 50))).item() == 1
