"""nn.utils.get_total_norm and clip_grads_with_norm_ (the two halves of clip_grad_norm_) against PyTorch, and
nn.init.sparse_'s zeros per column and spread."""

import math

import numpy as np
import pytest

import tinynet


def grads_of(lib, seed=0):
    rng = np.random.default_rng(seed)
    params = [lib.nn.Parameter(lib.tensor(rng.normal(size=shape))) for shape in ((3, 4), (4,), (2, 2))]
    for p in params:
        p.grad = lib.tensor(rng.normal(size=tuple(p.shape)) * 3)
    return params


@pytest.mark.parametrize("norm_type", [2.0, 1, math.inf, 3.5])
def test_total_norm_and_clipping_match_torch(torch, norm_type):
    results = []
    for lib in (tinynet, torch):
        params = grads_of(lib)
        total = lib.nn.utils.get_total_norm([p.grad for p in params], norm_type=norm_type)
        lib.nn.utils.clip_grads_with_norm_(params[:2], max_norm=1.0, total_norm=total)
        results.append([total.numpy()] + [p.grad.numpy() for p in params])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_clip_grad_norm_is_the_two_halves(torch):
    results = []
    for lib in (tinynet, torch):
        params = grads_of(lib, seed=1)
        total = lib.nn.utils.clip_grad_norm_(params, max_norm=0.5)
        results.append([total.numpy()] + [p.grad.numpy() for p in params])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    for lib in (tinynet, torch):
        with pytest.raises(RuntimeError):
            lib.nn.utils.get_total_norm([lib.tensor([float("nan"), 1.0])], error_if_nonfinite=True)
        assert lib.nn.utils.get_total_norm([]).item() == 0.0


def test_sparse_init_zeroes_the_same_count_per_column_as_torch(torch):
    tinynet.manual_seed(0)
    ours = tinynet.nn.init.sparse_(tinynet.empty(10, 400), sparsity=0.25, std=0.5).numpy()
    theirs = torch.nn.init.sparse_(torch.empty(10, 400), sparsity=0.25, std=0.5).numpy()
    np.testing.assert_array_equal((ours == 0).sum(0), (theirs == 0).sum(0))  # ceil(0.25 * 10) = 3 each
    assert abs(ours[ours != 0].std() - 0.5) < 0.03
    for lib in (tinynet, torch):
        with pytest.raises(ValueError):
            lib.nn.init.sparse_(lib.empty(2, 3, 4), sparsity=0.5)
