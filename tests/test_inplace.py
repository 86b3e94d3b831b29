"""In-place operations and the version counter: values and gradients as in PyTorch, and an error -- never a
silently wrong gradient -- when a value saved for backward was changed before backward ran."""

import numpy as np
import pytest

import tinynet
from op_helpers import OpCase, check_against_torch, check_gradients
from tinynet import nn, optim


def _then(fn):
    """Apply the in-place ``fn`` to a non-leaf copy of the first input (a leaf that requires grad may not be
    changed in place), then use the result in a further op so backward passes through the change."""
    def case(a, *rest):
        y = a * 1.5
        fn(y, *rest)
        return y * a
    return case


INPLACE_CASES = [
    OpCase("add_", [(3, 4), (3, 4)], _then(lambda y, b: y.add_(b))),
    OpCase("add_alpha", [(3, 4), (4,)], _then(lambda y, b: y.add_(b, alpha=-0.5))),
    OpCase("sub_", [(3, 4), (1, 4)], _then(lambda y, b: y.sub_(b))),
    OpCase("mul_", [(3, 4), (3, 1)], _then(lambda y, b: y.mul_(b))),
    OpCase("div_", [(3, 4), (3, 4)], _then(lambda y, b: y.div_(b)), low=0.5),
    OpCase("iadd", [(3, 4), (3, 4)], _then(lambda y, b: y.__iadd__(b))),
    OpCase("imul_scalar", [(3, 4)], _then(lambda y: y.__imul__(3.0))),
    OpCase("clamp_", [(3, 4)], _then(lambda y: y.clamp_(-0.5, 1.0)), away_from=(-1 / 3, 2 / 3)),
    OpCase("fill_", [(3, 4)], _then(lambda y: y.fill_(2.0))),
    OpCase("zero_", [(3, 4)], _then(lambda y: y.zero_())),
    OpCase("copy_", [(3, 4), (4,)], _then(lambda y, b: y.copy_(b))),
    OpCase("setitem_value_tensor", [(3, 4), (4,)], _then(lambda y, b: y.__setitem__(1, b))),
    OpCase("setitem_slice_number", [(3, 4)], _then(lambda y: y.__setitem__((slice(None), 2), 7.0))),
    OpCase("setitem_mask", [(3, 4)], _then(lambda y: y.__setitem__(y > 0.5, 0.0)), away_from=(1 / 3,),
           compare_with_torch=False),
]


@pytest.mark.parametrize("case", INPLACE_CASES, ids=repr)
def test_inplace_gradcheck(case):
    check_gradients(case)


@pytest.mark.parametrize("case", [c for c in INPLACE_CASES if c.compare_with_torch], ids=repr)
def test_inplace_matches_torch(case, torch):
    check_against_torch(case, torch)


def test_a_leaf_that_requires_grad_cannot_change_in_place_outside_no_grad():
    w = tinynet.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        w.add_(1)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w[0] = 5.0
    with tinynet.no_grad():
        w -= 0.5  # as an optimizer does
        w[1] = 7.0
    np.testing.assert_array_equal(w.numpy(), [0.5, 7.0, 0.5])
    assert w.requires_grad and w.is_leaf


def test_manual_sgd_step_changes_the_parameter_itself():
    model = nn.Linear(3, 1)
    before = model.weight.numpy().copy()
    loss = model(tinynet.ones(2, 3)).sum()
    loss.backward()
    with tinynet.no_grad():
        for param in model.parameters():
            param -= 0.1 * param.grad  # the tutorials' update: must change the model, not rebind the name
    np.testing.assert_allclose(model.weight.numpy(), before - 0.1 * model.weight.grad.numpy())


def test_changing_a_saved_value_in_place_makes_backward_raise():
    x = tinynet.randn(3, requires_grad=True)
    y = x.exp()  # exp saves its output
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*output of ExpBackward"):
        y.sum().backward()
    a = tinynet.randn(3, requires_grad=True)
    b = tinynet.randn(3)
    c = a * b  # mul saves both inputs
    b.mul_(2)
    with pytest.raises(RuntimeError, match=r"\[FloatTensor \[3\]\], which is input 1 of MulBackward, is at version 1"):
        c.sum().backward()


def test_a_saved_output_changed_through_a_view_made_before_or_after_is_caught():
    # The output's version counter is made lazily, by whichever comes first: a view or the change itself.
    for make_view_first in (True, False):
        x = tinynet.randn(3, requires_grad=True)
        y = x.tanh()  # tanh saves its output
        view = y.detach() if make_view_first else None
        (view if make_view_first else y.detach()).mul_(2)
        with pytest.raises(RuntimeError, match="output of TanhBackward, is at version 1"):
            y.sum().backward()
    x = tinynet.randn(3, requires_grad=True)
    y = x.sigmoid()
    unchanged_view = y.detach()  # a counter, but no change: backward runs and is right
    y.sum().backward()
    s = 1 / (1 + np.exp(-x.detach().numpy()))
    np.testing.assert_allclose(x.grad.numpy(), s * (1 - s), rtol=1e-6)
    assert unchanged_view._version_number == 0


def test_changes_elsewhere_do_not_disturb_backward_and_later_changes_are_caught():
    x = tinynet.randn(3, requires_grad=True)
    y = (x * x).sum()
    tinynet.zeros(3).add_(1)  # an in-place change of an unrelated tensor: backward must still run
    y.backward(retain_graph=True)
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.detach().numpy(), rtol=1e-6)
    with tinynet.no_grad():
        x.add_(1)  # now a saved value itself changes: the retained graph must refuse
    with pytest.raises(RuntimeError, match="which is input 0 of MulBackward, is at version 1; expected version 0"):
        y.backward()


def test_optimizer_step_between_forward_and_backward_is_caught():
    model = nn.Linear(4, 2)
    opt = optim.SGD(model.parameters(), lr=0.1)
    x = tinynet.randn(5, 4)
    first = model(x).pow(2).sum()
    second = model(x).pow(2).sum()
    first.backward()
    opt.step()  # changes the weight second's graph saved
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        second.backward()


def test_edits_through_data_change_the_tensor_and_count_as_changes():
    w = tinynet.randn(3, requires_grad=True)
    y = (w * w).sum()
    w.data.mul_(0)  # PyTorch's idiom for changing values behind autograd's back
    assert np.all(w.numpy() == 0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()
    w.data = tinynet.ones(2)  # replaces the values, shape and all
    assert w.shape == (2,) and w.requires_grad


def test_numpy_of_a_tensor_that_requires_grad_is_read_only():
    w = tinynet.ones(3, requires_grad=True)
    with pytest.raises(ValueError, match="read-only"):
        w.numpy()[0] = 5
    w.detach().numpy()[0] = 5  # detach() gives a writable view of the same memory
    assert w.numpy()[0] == 5


def test_views_share_memory_and_version_with_their_base():
    x = tinynet.zeros(2, 3)
    row, column, flat, transposed = x[0], x[:, 1], x.view(6), x.T
    row.fill_(1.0)
    column.add_(2.0)
    flat[5] = 9.0
    transposed[0, 1] = 4.0
    np.testing.assert_array_equal(x.numpy(), [[1, 3, 1], [4, 2, 9]])
    assert x._version_number == row._version_number == 4
    assert x[0, 0].shape == () and x[0, 0]._version is x._version  # even one element is a view


def test_an_inplace_change_keeps_earlier_gradients_right():
    # z used y before y was doubled in place: dz/dy is 1 through z, and 2 through the new y.
    x = tinynet.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1.0
    z = y + 1
    y.mul_(2)
    (z.sum() + y.sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_inplace_dtype_and_shape_rules_follow_pytorch():
    labels = tinynet.tensor([1, 2, 3])
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type int64"):
        labels.add_(0.5)
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        tinynet.zeros(3).add_(tinynet.ones(2, 3))


def test_uniform_and_normal_fill_in_place_from_the_seeded_generator():
    tinynet.manual_seed(3)
    x = tinynet.zeros(20000)
    assert x.uniform_(-1.0, 3.0) is x
    values = x.numpy()
    assert values.min() >= -1.0 and values.max() < 3.0 and abs(values.mean() - 1.0) < 0.05
    tinynet.manual_seed(3)
    assert np.array_equal(tinynet.zeros(20000).uniform_(-1.0, 3.0).numpy(), values)  # the seed decides
    weight = tinynet.nn.Linear(200, 100).weight
    version = weight._version.value
    weight.data.normal_(0.5, 0.02)  # the usual way to initialise a layer by hand
    assert abs(weight.numpy().mean() - 0.5) < 0.002 and abs(weight.numpy().std() - 0.02) < 0.002
    assert weight._version.value > version
    assert tinynet.zeros(3, dtype=tinynet.float64).normal_().dtype == tinynet.float64
