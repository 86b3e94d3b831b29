"""tinynet against PyTorch (reference only; skipped without torch).

Same weights, copied through state_dict as plain numpy arrays, must give the
same outputs, gradients, running statistics, and optimizer trajectories.
"""

import numpy as np
import pytest

import tinynet
from tinynet import nn, optim

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

TOLERANCE = {np.float64: dict(rtol=1e-9, atol=1e-11), np.float32: dict(rtol=1e-4, atol=1e-5)}
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}


def copy_weights(torch_model, tiny_model):
    """torch -> tinynet via numpy; the two state_dicts must have identical names and shapes."""
    torch_state = {name: value.detach().numpy().copy() for name, value in torch_model.state_dict().items()}
    tiny_state = tiny_model.state_dict()
    assert list(torch_state) == list(tiny_state)
    assert {k: v.shape for k, v in torch_state.items()} == {k: v.shape for k, v in tiny_state.items()}
    tiny_model.load_state_dict(torch_state)


def assert_close(tiny, reference, dtype, what):
    reference = reference.detach().numpy() if isinstance(reference, torch.Tensor) else reference
    tiny = tiny.numpy() if isinstance(tiny, tinynet.Tensor) else tiny
    scale = max(1.0, float(np.abs(reference).max())) if reference.size else 1.0
    tolerance = TOLERANCE[dtype]
    np.testing.assert_allclose(tiny, reference, rtol=tolerance["rtol"], atol=tolerance["atol"] * scale, err_msg=what)


def compare_forward_backward(torch_model, tiny_model, x, target, dtype):
    """Outputs, cross-entropy loss, input gradient and every parameter gradient agree."""
    x_torch = torch.tensor(x, requires_grad=True)
    out_torch = torch_model(x_torch)
    loss_torch = torch.nn.functional.cross_entropy(out_torch, torch.tensor(target))
    loss_torch.backward()

    x_tiny = tinynet.tensor(x, requires_grad=True)
    out_tiny = tiny_model(x_tiny)
    loss_tiny = nn.CrossEntropyLoss()(out_tiny, target)
    loss_tiny.backward()

    assert_close(out_tiny, out_torch, dtype, "output")
    assert_close(loss_tiny, loss_torch, dtype, "loss")
    assert_close(x_tiny.grad, x_torch.grad, dtype, "input gradient")
    torch_grads = dict(torch_model.named_parameters())
    for name, p in tiny_model.named_parameters():
        assert_close(p.grad, torch_grads[name].grad, dtype, f"gradient of {name}")
    torch_buffers = dict(torch_model.named_buffers())
    for name, buffer in tiny_model.named_buffers():
        assert_close(buffer, torch_buffers[name], dtype, f"buffer {name}")


# ---- MLPs -------------------------------------------------------------------------

ACTIVATION_PAIRS = [
    (nn.ReLU, torch.nn.ReLU), (nn.Tanh, torch.nn.Tanh), (nn.Sigmoid, torch.nn.Sigmoid),
    (lambda: nn.LeakyReLU(0.1), lambda: torch.nn.LeakyReLU(0.1)), (lambda: nn.ELU(0.5), lambda: torch.nn.ELU(0.5)),
    (nn.SiLU, torch.nn.SiLU), (nn.Softplus, torch.nn.Softplus),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", range(4))
def test_random_mlp_matches_torch(seed, dtype):
    rng = np.random.default_rng(seed)
    widths = [int(w) for w in rng.integers(2, 9, size=rng.integers(3, 5))]
    tiny_layers, torch_layers = [], []
    for i, (fan_in, fan_out) in enumerate(zip(widths, widths[1:])):
        tiny_layers.append(nn.Linear(fan_in, fan_out, dtype=dtype))
        torch_layers.append(torch.nn.Linear(fan_in, fan_out, dtype=TORCH_DTYPE[dtype]))
        if i < len(widths) - 2:
            tiny_act, torch_act = ACTIVATION_PAIRS[int(rng.integers(len(ACTIVATION_PAIRS)))]
            tiny_layers.append(tiny_act())
            torch_layers.append(torch_act())
    if rng.random() < 0.5:
        tiny_layers.insert(1, nn.BatchNorm1d(widths[1], dtype=dtype))
        torch_layers.insert(1, torch.nn.BatchNorm1d(widths[1], dtype=TORCH_DTYPE[dtype]))
    tiny_model, torch_model = nn.Sequential(*tiny_layers), torch.nn.Sequential(*torch_layers)
    copy_weights(torch_model, tiny_model)
    x = rng.standard_normal((7, widths[0])).astype(dtype)
    target = rng.integers(0, widths[-1], size=7)
    compare_forward_backward(torch_model, tiny_model, x, target, dtype)


# ---- CNNs with BatchNorm and residual blocks ------------------------------------------------

class TorchResidualBlock(torch.nn.Module):
    """The same block written with torch.nn, with the same child names."""

    def __init__(self, in_channels, out_channels, stride=1, dtype=torch.float32):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False, dtype=dtype)
        self.bn1 = torch.nn.BatchNorm2d(out_channels, dtype=dtype)
        self.conv2 = torch.nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False, dtype=dtype)
        self.bn2 = torch.nn.BatchNorm2d(out_channels, dtype=dtype)
        if stride != 1 or in_channels != out_channels:
            self.shortcut = torch.nn.Sequential(
                torch.nn.Conv2d(in_channels, out_channels, 1, stride, bias=False, dtype=dtype),
                torch.nn.BatchNorm2d(out_channels, dtype=dtype))
        else:
            self.shortcut = torch.nn.Identity()

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + self.shortcut(x))


def cnn_pair(dtype):
    t = TORCH_DTYPE[dtype]
    tiny = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1, dtype=dtype), nn.BatchNorm2d(4, dtype=dtype), nn.ReLU(),
        nn.ResidualBlock(4, 4, dtype=dtype), nn.ResidualBlock(4, 6, stride=2, dtype=dtype),
        nn.Conv2d(6, 5, 2, padding="same", dtype=dtype), nn.ELU(),
        nn.MaxPool2d(2), nn.Conv2d(5, 5, 2, padding="full", dtype=dtype), nn.AvgPool2d(2, stride=1),
        nn.Flatten(), nn.Dropout(0.0), nn.Linear(5 * 2 * 2, 3, dtype=dtype))
    torch_model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3, padding=1, dtype=t), torch.nn.BatchNorm2d(4, dtype=t), torch.nn.ReLU(),
        TorchResidualBlock(4, 4, dtype=t), TorchResidualBlock(4, 6, stride=2, dtype=t),
        torch.nn.Conv2d(6, 5, 2, padding="same", dtype=t), torch.nn.ELU(),
        torch.nn.MaxPool2d(2), torch.nn.Conv2d(5, 5, 2, padding=1, dtype=t), torch.nn.AvgPool2d(2, stride=1),
        torch.nn.Flatten(), torch.nn.Dropout(0.0), torch.nn.Linear(5 * 2 * 2, 3, dtype=t))
    return tiny, torch_model


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cnn_with_batchnorm_and_residual_blocks_matches_torch(dtype):
    rng = np.random.default_rng(5)
    tiny, torch_model = cnn_pair(dtype)
    copy_weights(torch_model, tiny)
    x = rng.standard_normal((4, 3, 8, 8)).astype(dtype)
    target = rng.integers(0, 3, size=4)
    # Train mode: batch statistics, running statistics updated (compared inside).
    compare_forward_backward(torch_model, tiny, x, target, dtype)
    # Eval mode: the running statistics just computed are used.
    tiny.eval()
    torch_model.eval()
    x2 = rng.standard_normal((2, 3, 8, 8)).astype(dtype)
    with torch.no_grad():
        expected = torch_model(torch.tensor(x2))
    with tinynet.no_grad():
        assert_close(tiny(tinynet.tensor(x2)), expected, dtype, "eval output")


@pytest.mark.parametrize("kernel, padding, torch_padding", [
    (3, "same", "same"), (4, "same", "same"), ((2, 3), "same", "same"), (3, "valid", "valid"),
    (3, "full", 2), ((2, 4), "full", (1, 3)), ((3, 1), (2, 0), (2, 0)),
])
def test_conv_padding_modes_match_torch(kernel, padding, torch_padding):
    rng = np.random.default_rng(2)
    tiny = nn.Conv2d(2, 3, kernel, padding=padding, dtype=np.float64)
    reference = torch.nn.Conv2d(2, 3, kernel, padding=torch_padding, dtype=torch.float64)
    copy_weights(reference, tiny)
    x = rng.standard_normal((2, 2, 6, 5))
    x_tiny, x_torch = tinynet.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y_tiny, y_torch = tiny(x_tiny), reference(x_torch)
    assert y_tiny.shape == tuple(y_torch.shape)
    g = rng.standard_normal(y_tiny.shape)
    y_tiny.backward(g)
    y_torch.backward(torch.tensor(g))
    assert_close(y_tiny, y_torch, np.float64, "conv output")
    assert_close(x_tiny.grad, x_torch.grad, np.float64, "conv input gradient")
    assert_close(tiny.weight.grad, reference.weight.grad, np.float64, "conv weight gradient")


@pytest.mark.parametrize("tiny_fn, torch_fn", [
    (nn.Softmax(dim=1), torch.nn.Softmax(dim=1)), (nn.LogSoftmax(dim=0), torch.nn.LogSoftmax(dim=0)),
    (nn.Softplus(), torch.nn.Softplus()), (nn.SiLU(), torch.nn.SiLU()), (nn.ELU(), torch.nn.ELU()),
], ids=lambda m: type(m).__name__)
def test_activation_modules_match_torch(tiny_fn, torch_fn):
    x = np.random.default_rng(3).standard_normal((4, 5)) * 3
    assert_close(tiny_fn(tinynet.tensor(x)), torch_fn(torch.tensor(x)), np.float64, type(tiny_fn).__name__)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_loss_modules_match_torch(reduction):
    rng = np.random.default_rng(4)
    logits = rng.standard_normal((5, 3))
    labels = rng.integers(0, 3, size=5)
    target = rng.random((5, 3))
    probabilities = 1 / (1 + np.exp(-logits))
    t = torch.tensor
    pairs = [
        (nn.CrossEntropyLoss, torch.nn.CrossEntropyLoss, logits, labels),
        (nn.NLLLoss, torch.nn.NLLLoss, np.log(probabilities / probabilities.sum(1, keepdims=True)), labels),
        (nn.MSELoss, torch.nn.MSELoss, logits, target),
        (nn.BCELoss, torch.nn.BCELoss, probabilities, target),
        (nn.BCEWithLogitsLoss, torch.nn.BCEWithLogitsLoss, logits, target),
    ]
    for tiny_class, torch_class, prediction, goal in pairs:
        tiny_target = goal if goal.dtype.kind == "i" else tinynet.tensor(goal)
        expected = torch_class(reduction=reduction)(t(prediction), t(goal))
        got = tiny_class(reduction=reduction)(tinynet.tensor(prediction), tiny_target)
        assert_close(got, expected, np.float64, tiny_class.__name__)


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5)])
def test_batchnorm1d_matches_torch_train_then_eval(shape):
    rng = np.random.default_rng(6)
    tiny, reference = nn.BatchNorm1d(3, momentum=0.3, dtype=np.float64), torch.nn.BatchNorm1d(
        3, momentum=0.3, dtype=torch.float64)
    reference.weight.data.uniform_(0.5, 1.5)
    copy_weights(reference, tiny)
    for _ in range(2):
        x = rng.standard_normal(shape) * 2 + 1
        x_tiny, x_torch = tinynet.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y_tiny, y_torch = tiny(x_tiny), reference(x_torch)
        g = rng.standard_normal(shape)
        y_tiny.backward(g)
        y_torch.backward(torch.tensor(g))
        assert_close(y_tiny, y_torch, np.float64, "train output")
        assert_close(x_tiny.grad, x_torch.grad, np.float64, "input gradient")
        assert_close(tiny.weight.grad, reference.weight.grad, np.float64, "weight gradient")
    for name, value in reference.state_dict().items():
        assert_close(tiny.state_dict()[name], value, np.float64, name)
    tiny.eval()
    reference.eval()
    x = rng.standard_normal(shape)
    assert_close(tiny(tinynet.tensor(x)), reference(torch.tensor(x)), np.float64, "eval output")


def test_state_dict_names_and_shapes_match_torch():
    tiny, torch_model = cnn_pair(np.float32)
    torch_state = torch_model.state_dict()
    tiny_state = tiny.state_dict()
    assert list(tiny_state) == list(torch_state)
    for name, value in torch_state.items():
        assert tiny_state[name].shape == tuple(value.shape), name
        assert tiny_state[name].dtype == value.numpy().dtype, name


# ---- optimizer trajectories -------------------------------------------------------------------

def run_trajectory(tiny_opt_factory, torch_opt_factory, steps=6):
    rng = np.random.default_rng(7)
    tiny_model = nn.Sequential(nn.Linear(4, 6, dtype=np.float64), nn.Tanh(), nn.Linear(6, 3, dtype=np.float64))
    torch_model = torch.nn.Sequential(torch.nn.Linear(4, 6, dtype=torch.float64), torch.nn.Tanh(),
                                      torch.nn.Linear(6, 3, dtype=torch.float64))
    copy_weights(torch_model, tiny_model)
    tiny_opt, torch_opt = tiny_opt_factory(tiny_model.parameters()), torch_opt_factory(torch_model.parameters())
    for step in range(steps):
        x = rng.standard_normal((8, 4))
        y = rng.integers(0, 3, size=8)
        tiny_opt.zero_grad()
        nn.CrossEntropyLoss()(tiny_model(tinynet.tensor(x)), y).backward()
        tiny_opt.step()
        torch_opt.zero_grad()
        torch.nn.functional.cross_entropy(torch_model(torch.tensor(x)), torch.tensor(y)).backward()
        torch_opt.step()
        torch_state = torch_model.state_dict()
        for name, value in tiny_model.state_dict().items():
            np.testing.assert_allclose(value, torch_state[name].numpy(), rtol=1e-9, atol=1e-12,
                                       err_msg=f"{name} after step {step + 1}")


@pytest.mark.parametrize("options", [
    dict(lr=0.1), dict(lr=0.1, momentum=0.9), dict(lr=0.05, momentum=0.9, nesterov=True),
    dict(lr=0.1, momentum=0.8, dampening=0.3, weight_decay=0.01), dict(lr=0.1, weight_decay=0.1),
], ids=str)
def test_sgd_trajectory_matches_torch(options):
    run_trajectory(lambda ps: optim.SGD(ps, **options), lambda ps: torch.optim.SGD(ps, **options))


@pytest.mark.parametrize("options", [
    dict(), dict(lr=0.01, betas=(0.8, 0.95)), dict(lr=0.02, eps=1e-6, weight_decay=0.05),
], ids=str)
def test_adam_trajectory_matches_torch(options):
    run_trajectory(lambda ps: optim.Adam(ps, **options), lambda ps: torch.optim.Adam(ps, **options))


@pytest.mark.parametrize("make_tiny, make_torch", [
    (lambda o: optim.StepLR(o, step_size=4, gamma=0.3), lambda o: torch.optim.lr_scheduler.StepLR(o, 4, 0.3)),
    (lambda o: optim.CosineAnnealingLR(o, T_max=10, eta_min=0.01),
     lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.01)),
])
def test_lr_schedules_match_torch(make_tiny, make_torch):
    tiny_opt = optim.SGD([nn.Parameter(np.zeros(1))], lr=0.5)
    torch_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5)
    tiny_sched, torch_sched = make_tiny(tiny_opt), make_torch(torch_opt)
    for _ in range(10):
        assert tiny_sched.get_last_lr()[0] == pytest.approx(torch_sched.get_last_lr()[0], rel=1e-9, abs=1e-15)
        torch_opt.step()
        tiny_sched.step()
        torch_sched.step()
