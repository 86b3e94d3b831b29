"""tinynet.linalg and the square-matrix functions against PyTorch (values, shapes and gradients), float64
gradchecks (a singular matrix's determinant included), and the mistakes with PyTorch's exception types."""

import math

import numpy as np
import pytest

import tinynet
from op_helpers import OpCase, check_gradients
from test_ops_surface import compare_with_torch


def _both(name):
    """(tinynet's function, torch's) for a dotted name such as 'linalg.inv'."""
    def resolve(module):
        for part in name.split("."):
            module = getattr(module, part)
        return module
    return (lambda *args, **kwargs: resolve(tinynet)(*args, **kwargs),
            lambda *args, **kwargs: resolve(__import__("torch"))(*args, **kwargs))


def case(label, shapes, name, *args, low=-2.0, high=2.0, **kwargs):
    ours, theirs = _both(name)
    return OpCase(label, shapes, lambda *ts: ours(*ts, *args, **kwargs), lambda *ts: theirs(*ts, *args, **kwargs),
                  low=low, high=high)


def _well_conditioned(t):
    """A + 3 I: far from singular, so the comparisons do not hinge on rounding."""
    return t + 3 * tinynet.eye(t.shape[-1], dtype=t.dtype) if isinstance(t, tinynet.Tensor) else \
        t + 3 * __import__("torch").eye(t.shape[-1], dtype=t.dtype)


CASES = [
    OpCase("inv", [(3, 3)], lambda a: tinynet.linalg.inv(_well_conditioned(a)),
           lambda a: __import__("torch").linalg.inv(_well_conditioned(a))),
    OpCase("inverse batch", [(2, 3, 3)], lambda a: _well_conditioned(a).inverse(),
           lambda a: _well_conditioned(a).inverse()),
    case("det", [(3, 3)], "det"),
    case("det batch", [(2, 4, 4)], "linalg.det"),
    OpCase("slogdet", [(3, 3)], lambda a: tinynet.linalg.slogdet(a).logabsdet,
           lambda a: __import__("torch").linalg.slogdet(a).logabsdet),
    OpCase("logdet", [(3, 3)], lambda a: tinynet.logdet(a @ a.mT + tinynet.eye(3, dtype=a.dtype)),
           lambda a: __import__("torch").logdet(a @ a.mT + __import__("torch").eye(3, dtype=a.dtype))),
    OpCase("solve", [(3, 3), (3, 2)], lambda a, b: tinynet.linalg.solve(_well_conditioned(a), b),
           lambda a, b: __import__("torch").linalg.solve(_well_conditioned(a), b)),
    OpCase("solve vector", [(3, 3), (3,)], lambda a, b: tinynet.linalg.solve(_well_conditioned(a), b),
           lambda a, b: __import__("torch").linalg.solve(_well_conditioned(a), b)),
    OpCase("solve broadcast", [(2, 3, 3), (3, 2)], lambda a, b: tinynet.linalg.solve(_well_conditioned(a), b),
           lambda a, b: __import__("torch").linalg.solve(_well_conditioned(a), b)),
    case("norm", [(2, 3, 4)], "linalg.norm"),
    case("norm ord 1", [(3, 4)], "linalg.norm", 1),
    case("norm ord -inf", [(3, 4)], "linalg.norm", -math.inf),
    case("norm dims", [(2, 3, 4)], "linalg.norm", dim=(0, 2)),
    case("vector_norm 3", [(2, 3, 4)], "linalg.vector_norm", 3, dim=1),
    case("matrix_norm inf", [(2, 3, 4)], "linalg.matrix_norm", math.inf),
    case("matrix_norm fro keepdim", [(2, 3, 4)], "linalg.matrix_norm", keepdim=True),
]


@pytest.mark.parametrize("op_case", CASES, ids=repr)
def test_linalg_gradients(op_case):
    check_gradients(op_case)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("op_case", CASES, ids=repr)
def test_linalg_matches_torch(op_case, dtype, torch):
    compare_with_torch(op_case, torch, dtype)


def test_determinant_gradient_of_a_singular_matrix_is_its_cofactor_matrix():
    singular = tinynet.tensor([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]], dtype=tinynet.float64,
                              requires_grad=True)
    tinynet.det(singular).backward()
    cofactors = np.array([[(-1) ** (i + j) * np.linalg.det(np.delete(np.delete(singular.detach().numpy(), i, 0), j, 1))
                           for j in range(3)] for i in range(3)])
    np.testing.assert_allclose(singular.grad.numpy(), cofactors, atol=1e-12)
    assert tinynet.gradcheck(tinynet.det, [singular])


def test_linalg_mistakes():
    with pytest.raises(RuntimeError, match="singular"):
        tinynet.linalg.inv(tinynet.tensor([[1.0, 2.0], [2.0, 4.0]]))
    with pytest.raises(RuntimeError, match="square matrices"):
        tinynet.det(tinynet.ones(2, 3))
    with pytest.raises(RuntimeError, match="floating point"):
        tinynet.det(tinynet.ones(2, 2, dtype=tinynet.int64))
    with pytest.raises(RuntimeError, match="Incompatible shapes"):
        tinynet.linalg.solve(tinynet.ones(3, 3), tinynet.ones(4))
    with pytest.raises(NotImplementedError, match="singular values"):
        tinynet.linalg.matrix_norm(tinynet.ones(3, 3), 2)
    sign, logabsdet = tinynet.linalg.slogdet(tinynet.tensor([[0.0, 1.0], [1.0, 0.0]]))
    assert sign.item() == -1 and logabsdet.item() == 0


def test_singular_matrices_raise_a_linalg_error_as_torch_does(torch):
    for lib in (tinynet, torch):
        with pytest.raises(lib.linalg.LinAlgError, match="singular"):
            lib.linalg.solve(lib.zeros(2, 2), lib.ones(2))
    assert issubclass(tinynet.linalg.LinAlgError, RuntimeError)


def test_orders_no_matrix_norm_has_are_runtime_errors_as_in_torch(torch):
    for lib in (tinynet, torch):
        for order in (3, "foo"):
            with pytest.raises(RuntimeError, match="not supported"):
                lib.linalg.matrix_norm(lib.ones(3, 3), order)


def test_determinant_gradient_of_a_matrix_holding_nan_is_nan_as_in_torch(torch):
    """A NaN matrix has no SVD (numpy raised its own LinAlgError); its neighbour in the batch keeps its gradient."""
    batch = np.stack([[[1.0, np.nan], [0.0, 1.0]], 2 * np.eye(2)])
    gradients = []
    for lib in (tinynet, torch):
        matrices = lib.tensor(batch, requires_grad=True)
        lib.linalg.det(matrices).sum().backward()
        gradients.append(matrices.grad.numpy())
    np.testing.assert_array_equal(gradients[0], gradients[1])


def test_inf_norm_over_a_nonempty_dim_of_an_empty_tensor_is_empty(torch):
    for lib in (tinynet, torch):
        assert tuple(lib.linalg.vector_norm(lib.zeros(0, 3), float("inf"), dim=1).shape) == (0,)
        with pytest.raises(RuntimeError):
            lib.linalg.vector_norm(lib.zeros(0, 3), float("inf"), dim=0)
