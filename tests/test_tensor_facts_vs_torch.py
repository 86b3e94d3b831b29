"""Facts about a tensor and its memory that learners print, against PyTorch: storage_offset, data_ptr of views,
itemsize, short/byte/char, is_cpu, is_signed, is_same_size, retains_grad; and printing with
set_printoptions(sci_mode=...) forced either way.
"""

import numpy as np
import pytest

import tinynet


def facts(lib):
    x = lib.arange(12).view(3, 4)
    y = lib.ones(2, requires_grad=True) * 2
    before = y.retains_grad
    y.retain_grad()
    return [x[1].storage_offset(), x[:, 2].storage_offset(), x[1:, 1:][1].storage_offset(), x.t().storage_offset(),
            x.data_ptr() == x.view(-1).data_ptr(), x[1].data_ptr() - x.data_ptr(), x.itemsize, x.float().itemsize,
            str(x.float().short().dtype), str(x.byte().dtype), str(x.char().dtype), x.is_cpu, x.is_signed(),
            x.byte().is_signed(), x.float().is_signed(), x.is_same_size(x.clone()), x.is_same_size(x.t()), before,
            y.retains_grad, lib.ones(2, requires_grad=True).retains_grad]


def test_tensor_facts_match_torch(torch):
    ours, theirs = facts(tinynet), facts(torch)
    assert [str(value).replace("torch.", "") for value in ours] == [str(value).replace("torch.", "") for value in theirs]


@pytest.mark.parametrize("values", [[1e-8, 1.0], [1e-8, 123.5], [1e10, 1.0], [0.001, 1000.0], [0.0, 2.5], [3.0, 4.0],
                                    [float("nan"), 1.5e-3]])
@pytest.mark.parametrize("sci_mode", [False, True, None])
def test_printing_with_sci_mode_forced_matches_torch(torch, values, sci_mode):
    texts = []
    for lib in (tinynet, torch):
        lib.set_printoptions(sci_mode=sci_mode)
        try:
            texts.append(repr(lib.tensor(values)))
        finally:
            lib.set_printoptions(sci_mode=None)
    assert texts[0] == texts[1]


def test_short_byte_char_convert_values_as_torch(torch):
    values = np.array([-3.7, 0.2, 130.9, 300.0])
    for name in ("short", "char"):
        ours = getattr(tinynet.tensor(values[:3]), name)()
        theirs = getattr(torch.tensor(values[:3]), name)()
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    np.testing.assert_array_equal(tinynet.tensor([0.2, 130.9, 255.0]).byte().numpy(),
                                  torch.tensor([0.2, 130.9, 255.0]).byte().numpy())


def test_slices_and_sums_of_sizes_are_sizes_as_in_torch(torch):
    for lib in (tinynet, torch):
        shape = lib.zeros(2, 3, 4).shape
        for made in (shape[1:], shape[::-1], shape + (5,), (1,) + shape, shape * 2):
            assert type(made) is lib.Size, made
        assert type(shape[0]) is int and shape[-1] == 4
    assert repr(tinynet.zeros(2, 3, 4).shape[1:]) == "tinynet.Size([3, 4])"
    assert tuple(tinynet.zeros(2, 3).shape + (7,)) == (2, 3, 7)
