"""Tensors print as PyTorch prints them; and the small learner idioms added with the programs' tests:
``normal_``/``uniform_`` fills, in-place twins (``exp_`` ...), ``isclose``/``allclose``/``equal``,
``hstack``/``vstack``, ``f"{t:.2f}"``."""

import numpy as np
import pytest

import tinynet

RNG = np.random.default_rng(0)
PRINTED = [
    np.float32(1.23456789), np.array([1, 2]), np.array([True, False]), np.arange(6.).reshape(2, 3),
    np.array([1e-5, 1.0], np.float32), np.array([1.0, 2000.0], np.float32), np.array([1e9, 1.], np.float32),
    RNG.standard_normal((3, 4)).astype(np.float32), RNG.standard_normal((2, 2, 3)).astype(np.float32),
    RNG.standard_normal(30).astype(np.float32), RNG.standard_normal((40, 40)).astype(np.float32),
    np.arange(2000), np.array([np.nan, np.inf, -1.5], np.float32), np.array([np.nan, 1.], np.float32),
    np.zeros((0, 3), np.float32), np.zeros(0, np.int64), np.array([1, 2], np.int32), np.float64(2.5),
    np.array([1.5, 2.5]), np.array([-0.0, 0.0], np.float32), np.array(7), np.array([100000.0, 1.0], np.float32),
    (RNG.standard_normal((2, 3)) * 1000).astype(np.float32), np.array([[1, -20], [300, 4]]),
    RNG.standard_normal((2, 3, 2, 2)).astype(np.float32),
]


@pytest.mark.parametrize("index", range(len(PRINTED)))
def test_a_tensor_prints_as_in_pytorch(index, torch):
    values = PRINTED[index]
    assert repr(tinynet.tensor(values)) == repr(torch.tensor(values)).replace("torch.", "")


def test_gradient_suffixes_and_print_options_follow_pytorch(torch):
    for lib in (tinynet, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        assert repr(x) == "tensor([1., 2.], requires_grad=True)"
        assert repr(x * 2).startswith("tensor([2., 4.], grad_fn=<MulBackward")
        assert f"{lib.tensor(2.5):.2f}" == "2.50" and f"{lib.tensor([1.5])}" == "tensor([1.5000])"
        with pytest.raises(TypeError, match="unsupported format string"):
            f"{lib.tensor([1.5]):.2f}"
    values = np.array([1.0 / 3, 2.0], np.float32)
    try:
        for lib in (tinynet, torch):
            lib.set_printoptions(precision=2)
        assert repr(tinynet.tensor(values)) == repr(torch.tensor(values)) == "tensor([0.33, 2.00])"
    finally:
        for lib in (tinynet, torch):
            lib.set_printoptions(profile="default")
    assert repr(tinynet.tensor(values)) == "tensor([0.3333, 2.0000])"


def test_normal_and_uniform_fill_in_place_from_the_seeded_generator():
    layer = tinynet.nn.Linear(50, 40)
    tinynet.manual_seed(3)
    assert layer.weight.data.normal_(0.0, 0.02) is not None
    first = layer.weight.detach().numpy().copy()
    assert abs(first.std() - 0.02) < 0.002 and abs(first.mean()) < 0.002
    tinynet.manual_seed(3)
    layer.weight.data.normal_(0.0, 0.02)
    np.testing.assert_array_equal(layer.weight.detach().numpy(), first)
    layer.bias.data.uniform_(-0.1, 0.1)
    bias = layer.bias.detach().numpy()
    assert bias.min() >= -0.1 and bias.max() < 0.1 and bias.std() > 0.02 and bias.dtype == np.float32


def test_fills_refuse_what_pytorch_refuses(torch):
    for lib in (tinynet, torch):
        leaf = lib.zeros(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            leaf.normal_()
        with lib.no_grad():
            leaf.uniform_(0, 1)
        with pytest.raises(RuntimeError, match="std >= 0.0"):
            lib.zeros(2).normal_(0, -1)
        with pytest.raises(RuntimeError, match="from.*to"):
            lib.zeros(2).uniform_(1, 0)
    with pytest.raises(NotImplementedError, match="float"):
        tinynet.zeros(2, dtype=tinynet.int64).normal_()


@pytest.mark.parametrize("name", ["exp_", "log_", "sqrt_", "abs_", "neg_", "sigmoid_", "tanh_", "square_",
                                  "reciprocal_", "floor_", "ceil_", "trunc_", "round_", "sign_"])
def test_inplace_twins_change_the_tensor_and_differentiate_like_torch(name, torch):
    values = np.random.default_rng(1).uniform(0.5, 2.0, (3, 4))
    results = []
    for lib in (tinynet, torch):
        leaf = lib.tensor(values, requires_grad=True)
        y = leaf * 1.5
        returned = getattr(y, name)()
        assert returned is y
        (y * y).sum().backward()
        results.append((y.detach().numpy(), leaf.grad.numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12, atol=1e-12)


def test_isclose_allclose_equal_match_torch(torch):
    a = np.array([1.0, 2.0, np.nan, 4.0])
    b = np.array([1.0 + 1e-9, 2.1, np.nan, 4.0])
    for kwargs in ({}, {"equal_nan": True}, {"rtol": 0.1}, {"atol": 0.2, "rtol": 0}):
        ours = tinynet.isclose(tinynet.tensor(a), tinynet.tensor(b), **kwargs)
        theirs = torch.isclose(torch.tensor(a), torch.tensor(b), **kwargs)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert tinynet.allclose(tinynet.tensor(a), tinynet.tensor(b), **kwargs) == \
            torch.allclose(torch.tensor(a), torch.tensor(b), **kwargs)
    for x, y in ((a[:2], a[:2]), (a[:2], b[:2]), (a[:2], a[:3]), (np.ones((2, 1)), np.ones(2))):
        assert tinynet.equal(tinynet.tensor(x), tinynet.tensor(y)) == torch.equal(torch.tensor(x), torch.tensor(y))
        assert tinynet.tensor(x).equal(tinynet.tensor(y)) == torch.tensor(x).equal(torch.tensor(y))
    for lib in (tinynet, torch):
        with pytest.raises(TypeError, match="must be Tensor"):
            lib.isclose(lib.ones(1), 1.0)


@pytest.mark.parametrize("shapes", [[(3,), (2,)], [(2, 3), (2, 1)], [(), (2,)], [(3,), (1, 3)], [(2, 2, 1), (2, 2, 3)]])
@pytest.mark.parametrize("name", ["hstack", "vstack"])
def test_hstack_vstack_match_torch_with_gradients(name, shapes, torch):
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal(shape) for shape in shapes]
    results = []
    for lib in (tinynet, torch):
        tensors = [lib.tensor(a, requires_grad=True) for a in arrays]
        try:
            out = getattr(lib, name)(tensors)
        except (RuntimeError, ValueError, IndexError):
            results.append(None)
            continue
        (out * lib.arange(out.numel(), dtype=lib.float64).reshape(out.shape)).sum().backward()
        results.append((out.detach().numpy(), [t.grad.numpy() for t in tensors]))
    if results[1] is None:
        assert results[0] is None
        return
    np.testing.assert_array_equal(results[0][0], results[1][0])
    for ours, theirs in zip(results[0][1], results[1][1]):
        np.testing.assert_array_equal(ours, theirs)


def test_sequential_items_can_be_replaced_and_deleted_as_in_torch(torch):
    from collections import OrderedDict
    for lib in (tinynet, torch):
        model = lib.nn.Sequential(lib.nn.Linear(4, 3), lib.nn.ReLU(), lib.nn.Tanh(), lib.nn.Linear(3, 2))
        model[-1] = lib.nn.Linear(3, 5)
        assert model[3].out_features == 5 and [name for name, _ in model.named_parameters()][-1] == "3.bias"
        del model[1:3]
        assert list(model._modules) == ["0", "1"] and model(lib.zeros(2, 4)).shape == (2, 5)
        named = lib.nn.Sequential(OrderedDict([("fc", lib.nn.Linear(1, 1)), ("act", lib.nn.ReLU())]))
        del named[0]
        assert list(named._modules) == ["0"]
        with pytest.raises(IndexError):
            model[5] = lib.nn.ReLU()
        with pytest.raises(TypeError):
            model[0] = 3


def test_scatter_counts_a_0d_index_as_one_element_as_torch_does(torch):
    # The "Transforms" tutorial's one-hot target: torch.zeros(10).scatter_(0, torch.tensor(y), value=1)
    for lib in (tinynet, torch):
        assert lib.zeros(10).scatter_(0, lib.tensor(3), value=1).tolist() == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
        src = lib.tensor(5.0, requires_grad=True)
        lib.zeros(4).scatter(0, lib.tensor(1), src).sum().backward()
        assert src.grad.item() == 1.0
        with pytest.raises(RuntimeError, match="same number of dimensions"):
            lib.zeros(3, 2).scatter(0, lib.tensor(1), 1.0)


@pytest.mark.parametrize("name", ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "ByteTensor",
                                  "BoolTensor"])
def test_legacy_tensor_types_make_and_recognise_tensors_as_in_torch(name, torch):
    data = [[1.0, 0.0], [3.0, 4.0]]
    for lib in (tinynet, torch):
        kind = getattr(lib, name)
        made = kind(data)
        expected = np.array(data).astype(str(made.dtype).replace("torch.", "")).tolist()
        assert isinstance(made, kind) and made.tolist() == expected
        assert kind(np.array(data)).shape == (2, 2) and kind(2, 3).shape == (2, 3) and kind().shape == (0,)
        converted = lib.tensor(data).type(kind)
        assert isinstance(converted, kind) and converted.type() == f"torch.{name}"
        assert not isinstance(lib.zeros(1, dtype=lib.int8), kind)
    assert str(getattr(tinynet, name)(data).dtype) == str(getattr(torch, name)(data).dtype).replace("torch.", "")


def test_relu_gives_positive_zeros_as_torch_does(torch):
    # -0.0 would print as "-0." where PyTorch prints "0."
    for inplace in (False, True):
        values = np.array([-2.0, -1e-30, 0.0, 3.0, np.nan], np.float32)
        ours = tinynet.nn.functional.relu(tinynet.tensor(values), inplace=inplace).numpy()
        theirs = torch.nn.functional.relu(torch.tensor(values), inplace=inplace).numpy()
        np.testing.assert_array_equal(np.signbit(ours[:4]), np.signbit(theirs[:4]))
        assert np.isnan(ours[4]) and np.isnan(theirs[4])
    assert repr(tinynet.relu(tinynet.tensor([-1.0, 2.0]))) == "tensor([0., 2.])"


MATRIX_PARTS = [
    ("diag of a vector", lambda lib, x: lib.diag(x), (4,)),
    ("diag above", lambda lib, x: lib.diag(x, 2), (3,)),
    ("diag below", lambda lib, x: lib.diag(x, -1), (3,)),
    ("diag of a matrix", lambda lib, x: lib.diag(x), (3, 5)),
    ("diag of a matrix, offset", lambda lib, x: x.diag(-2), (4, 3)),
    ("diagonal", lambda lib, x: x.diagonal(1), (3, 3)),
    ("trace", lambda lib, x: lib.trace(x), (3, 4)),
    ("tril", lambda lib, x: lib.tril(x), (2, 3, 4)),
    ("tril below", lambda lib, x: x.tril(-1), (4, 4)),
    ("triu above", lambda lib, x: lib.triu(x, diagonal=1), (3, 5)),
]


@pytest.mark.parametrize("name, function, shape", MATRIX_PARTS, ids=[case[0] for case in MATRIX_PARTS])
def test_matrix_parts_match_torch_and_pass_gradcheck(name, function, shape, torch):
    values = np.random.default_rng(5).standard_normal(shape) - 0.5
    assert tinynet.gradcheck(lambda x: function(tinynet, x), (tinynet.tensor(values, requires_grad=True),))
    results = []
    for lib in (tinynet, torch):
        x = lib.tensor(values, requires_grad=True)
        out = function(lib, x)
        (out * out).sum().backward()
        results.append((out.detach().numpy(), x.grad.numpy()))
    np.testing.assert_array_equal(np.signbit(results[0][0]), np.signbit(results[1][0]))  # zeros are +0.0
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12)


def test_unique_and_bincount_match_torch(torch):
    values = np.array([[3, 1, 3], [2, 7, 1]])
    for kwargs in ({}, {"return_counts": True}, {"return_inverse": True, "return_counts": True}):
        ours, theirs = tinynet.unique(tinynet.tensor(values), **kwargs), torch.unique(torch.tensor(values), **kwargs)
        ours, theirs = (ours, theirs) if isinstance(theirs, tuple) else ((ours,), (theirs,))
        assert [o.tolist() for o in ours] == [t.tolist() for t in theirs]
    with_nan = np.array([np.nan, 1.0, np.nan, 1.0])  # (each NaN is a value of its own: numpy merged them)
    ours = tinynet.unique(tinynet.tensor(with_nan), return_inverse=True, return_counts=True)
    theirs = torch.unique(torch.tensor(with_nan), return_inverse=True, return_counts=True)
    for mine, reference in zip(ours, theirs):
        np.testing.assert_array_equal(mine.numpy(), reference.numpy())
    labels, weights = np.array([0, 1, 1, 4]), np.array([0.5, 1.0, 2.0, 0.25], np.float32)
    for args in ({}, {"minlength": 7}, {"weights": weights}):
        ours = tinynet.bincount(tinynet.tensor(labels), **{k: tinynet.tensor(v) if k == "weights" else v
                                                            for k, v in args.items()})
        theirs = torch.bincount(torch.tensor(labels), **{k: torch.tensor(v) if k == "weights" else v
                                                         for k, v in args.items()})
        assert ours.tolist() == theirs.tolist() and str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    for lib in (tinynet, torch):
        for bad in (lib.tensor([-1, 2]), lib.tensor([[1]]), lib.tensor([1.5])):
            with pytest.raises(RuntimeError, match="1-d non-negative integral|not implemented for"):
                lib.bincount(bad)
        with pytest.raises(RuntimeError, match="1D or 2D"):
            lib.diag(lib.zeros(2, 2, 2))


def test_memory_layout_questions_answer_as_torch_does(torch):
    for lib in (tinynet, torch):
        x = lib.ones(2, 3)
        assert x.is_contiguous() and not x.T.is_contiguous() and x.T.contiguous().is_contiguous()
        assert x.stride() == (3, 1) and x.T.stride() == (1, 3) and x.stride(1) == 1
        assert x.unsqueeze(0).expand(4, 2, 3).stride()[0] == 0
        assert x.element_size() == 4 and x.nbytes == 24


def test_compile_and_determinism_switches_change_nothing():
    model = tinynet.nn.Linear(2, 2)
    assert tinynet.compile(model) is model and tinynet.compile(mode="reduce-overhead")(model) is model
    before = tinynet.are_deterministic_algorithms_enabled()
    tinynet.use_deterministic_algorithms(True)
    assert tinynet.are_deterministic_algorithms_enabled()
    tinynet.use_deterministic_algorithms(before)
    with pytest.raises(TypeError):
        tinynet.use_deterministic_algorithms("yes")
    tinynet.cuda.empty_cache()
    tinynet.cuda.synchronize()


def test_module_freezing_lookup_and_zero_grad_as_in_torch(torch):
    for lib in (tinynet, torch):
        model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Linear(4, 2)))
        assert model.requires_grad_(False) is model and not any(p.requires_grad for p in model.parameters())
        model[1].requires_grad_()
        assert [n for n, p in model.named_parameters() if p.requires_grad] == ["1.1.weight", "1.1.bias"]
        assert model.get_submodule("1.1") is model[1][1] and model.get_submodule("") is model
        assert model.get_parameter("1.1.bias") is model[1][1].bias
        with pytest.raises(AttributeError):
            model.get_submodule("1.5")
        with pytest.raises(AttributeError):
            model.get_parameter("0.scale")
        model(lib.ones(2, 3)).sum().backward()
        model.zero_grad(set_to_none=False)
        assert model[1][1].weight.grad is not None and model[1][1].weight.grad.abs().sum().item() == 0
        model.zero_grad()
        assert model[1][1].weight.grad is None
        model.register_module("extra", lib.nn.Tanh())
        assert isinstance(model.extra, lib.nn.Tanh)


def test_upsample_and_distance_modules_match_torch(torch):
    values = np.random.default_rng(6).standard_normal((2, 3, 4, 4)).astype(np.float32)
    for build in (lambda nn: nn.Upsample(scale_factor=2), lambda nn: nn.Upsample(size=(5, 6))):
        ours, theirs = build(tinynet.nn), build(torch.nn)
        assert repr(ours) == repr(theirs)
        np.testing.assert_array_equal(ours(tinynet.tensor(values)).numpy(), theirs(torch.tensor(values)).numpy())
    a, b = values.reshape(2, -1), values[::-1].reshape(2, -1).copy()
    for name in ("CosineSimilarity", "PairwiseDistance"):
        ours = getattr(tinynet.nn, name)()(tinynet.tensor(a), tinynet.tensor(b)).numpy()
        theirs = getattr(torch.nn, name)()(torch.tensor(a), torch.tensor(b)).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-5)
    for lib in (tinynet, torch):
        with pytest.raises(ValueError, match="align_corners option can only be set"):
            lib.nn.functional.interpolate(lib.zeros(1, 1, 2, 2), scale_factor=2, align_corners=True)
        with pytest.raises(NotImplementedError, match="needs 3D input"):
            lib.nn.functional.interpolate(lib.zeros(1, 1, 2, 2), scale_factor=2, mode="linear")
        with pytest.raises(ValueError):
            lib.nn.functional.interpolate(lib.zeros(1, 1, 2, 2))
        with pytest.raises(RuntimeError, match="sizes should be greater than 0"):
            lib.nn.functional.interpolate(lib.zeros(1, 1, 5, 5), scale_factor=0.1, mode="bilinear")
    with pytest.raises(NotImplementedError, match="antialias"):
        tinynet.nn.functional.interpolate(tinynet.zeros(1, 1, 4, 4), scale_factor=0.5, mode="bilinear",
                                          antialias=True)


def test_a_0d_integer_tensor_index_gives_a_view_as_in_torch(torch):
    for lib in (tinynet, torch):
        x = lib.zeros(3, 3)
        row = x[lib.tensor(1)]
        row += 1
        assert x.sum().item() == 3.0  # the row was a view
        copy = x[lib.tensor([1])]
        copy += 1
        assert x.sum().item() == 3.0  # a 1-d index tensor copies
        confusion = lib.zeros(3, 3)  # the confusion-matrix loop learners write
        for t, p in zip(lib.tensor([0, 1, 2, 1]).view(-1), lib.tensor([0, 2, 2, 1]).view(-1)):
            confusion[t.long(), p.long()] += 1
        assert confusion.tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
        assert confusion.diag().sum().item() / confusion.sum().item() == 0.75


@pytest.mark.parametrize("build", [lambda nn: nn.Hardsigmoid(), lambda nn: nn.Hardswish(inplace=True),
                                   lambda nn: nn.Softsign(), lambda nn: nn.Tanhshrink(), lambda nn: nn.Softmin(dim=1),
                                   lambda nn: nn.Threshold(0.1, 20.0)])
def test_mobile_net_activation_modules_match_torch(build, torch):
    values = np.random.default_rng(7).uniform(-5, 5, (4, 6)).astype(np.float32)
    ours, theirs = build(tinynet.nn), build(torch.nn)
    assert repr(ours) == repr(theirs)
    np.testing.assert_allclose(ours(tinynet.tensor(values)).numpy(), theirs(torch.tensor(values)).numpy(),
                               rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("build", [
    lambda nn: nn.Conv1d(4, 6, 3), lambda nn: nn.Conv1d(4, 6, 3, stride=2, padding=1, bias=False),
    lambda nn: nn.Conv1d(4, 6, 3, padding="same", dilation=2, groups=2), lambda nn: nn.MaxPool1d(2),
    lambda nn: nn.AvgPool1d(3, 2), lambda nn: nn.AdaptiveAvgPool1d(1), lambda nn: nn.AdaptiveMaxPool1d(2)])
def test_1d_layers_match_torch(build, torch):
    ours, theirs = build(tinynet.nn), build(torch.nn)
    assert repr(ours) == repr(theirs)
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    if hasattr(theirs, "weight"):
        ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    values = np.random.default_rng(8).standard_normal((2, 4, 12)).astype(np.float32)
    np.testing.assert_allclose(ours(tinynet.tensor(values)).detach().numpy(),
                               theirs(torch.tensor(values)).detach().numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("build", [lambda nn: nn.ConvTranspose2d(4, 6, 4, stride=2, padding=1, bias=False),
                                   lambda nn: nn.ConvTranspose2d(4, 2, 3, stride=2, output_padding=1, groups=2),
                                   lambda nn: nn.ConvTranspose2d(4, 3, (2, 3), dilation=2)])
def test_conv_transpose_layer_matches_torch(build, torch):
    ours, theirs = build(tinynet.nn), build(torch.nn)
    assert repr(ours) == repr(theirs)
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    values = np.random.default_rng(9).standard_normal((2, 4, 5, 5)).astype(np.float32)
    np.testing.assert_allclose(ours(tinynet.tensor(values)).detach().numpy(),
                               theirs(torch.tensor(values)).detach().numpy(), rtol=1e-4, atol=1e-5)
    for lib in (tinynet, torch):
        with pytest.raises(RuntimeError, match="output padding must be smaller"):
            lib.nn.functional.conv_transpose2d(lib.zeros(1, 1, 3, 3), lib.zeros(1, 1, 3, 3), output_padding=1)


@pytest.mark.parametrize("kwargs", [{}, {"bias": False}, {"affine": False}])
def test_batchnorm_bias_switch_matches_torch(kwargs, torch):
    values = np.random.default_rng(13).standard_normal((4, 3, 2, 2)).astype(np.float32)
    ours, theirs = tinynet.nn.BatchNorm2d(3, **kwargs), torch.nn.BatchNorm2d(3, **kwargs)
    assert repr(ours) == repr(theirs) and list(ours.state_dict()) == list(theirs.state_dict())
    x, y = tinynet.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    (ours(x) ** 3).sum().backward()
    (theirs(y) ** 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy(), rtol=1e-4, atol=1e-5)
    for a, b in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_comparing_a_tensor_with_none_gives_a_python_bool_as_in_torch(torch):
    for lib in (tinynet, torch):
        x = lib.tensor([1.0, 2.0])
        assert (x == None) is False and (x != None) is True  # noqa: E711 (the point of the test)
        assert x not in [None, "a"] and (None == x) is False  # noqa: E711


@pytest.mark.parametrize("build, shape", [
    (lambda nn: nn.ZeroPad2d(2), (1, 2, 3, 4)), (lambda nn: nn.ZeroPad2d((1, 0, 2, 1)), (2, 3, 3)),
    (lambda nn: nn.ConstantPad2d(1, 3.5), (1, 2, 3, 3)), (lambda nn: nn.ReflectionPad2d(1), (1, 2, 3, 4)),
    (lambda nn: nn.ReplicationPad2d((2, 1, 0, 1)), (1, 1, 3, 3)), (lambda nn: nn.InstanceNorm2d(3), (2, 3, 4, 5)),
    (lambda nn: nn.InstanceNorm2d(3, affine=True), (3, 4, 5)), (lambda nn: nn.InstanceNorm1d(2), (4, 2, 6))])
def test_padding_and_instance_norm_layers_match_torch(build, shape, torch):
    values = np.random.default_rng(14).standard_normal(shape)
    ours, theirs = build(tinynet.nn), build(torch.nn)
    assert repr(ours) == repr(theirs)
    ours, theirs = ours.double(), theirs.double()
    x, y = tinynet.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    (ours(x) ** 3).sum().backward()
    (theirs(y) ** 3).sum().backward()
    np.testing.assert_allclose(ours(x).detach().numpy(), theirs(y).detach().numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy(), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("call", [lambda lib: lib.nn.InstanceNorm1d(3)(lib.zeros(2, 3, 1)),
                                  lambda lib: lib.nn.InstanceNorm2d(3, affine=True)(lib.zeros(3, 1, 1)),
                                  lambda lib: lib.nn.functional.instance_norm(lib.zeros(2, 3, 1, 1))])
def test_instance_norm_of_one_position_is_refused_as_in_torch(call, torch):
    """One position per channel has variance 0: tinynet gave zeros where PyTorch raises a ValueError."""
    for lib in (torch, tinynet):
        with pytest.raises(ValueError, match="more than 1 spatial element"):
            call(lib)
