"""PyTorch programs that learners copy, run on tinynet with only the import and dataset lines changed.

Three programs, each written out below as PyTorch users know it (the same structure and idioms,
in our own words):

(a) pytorch/examples' ``mnist/main.py``, CPU path: a CNN with dropout, ``F.nll_loss`` on
    ``log_softmax``, Adadelta with StepLR, ``.to(device)``, ``pred.eq(target.view_as(pred))``;
(b) the "Learn the Basics" quickstart: ``nn.Flatten`` + ``nn.Sequential`` MLP, CrossEntropyLoss,
    SGD, ``(pred.argmax(1) == y).type(torch.float)``, saving and loading the state dict;
(c) the 60-minute blitz "Neural Networks": LeNet on a 32x32 input, ``grad_fn.next_functions``,
    ``net.zero_grad()``, the manual update ``f.data.sub_(f.grad.data * learning_rate)``.

Each program is one source text; only its import header (tinynet or torch) and its dataset lines
(a small MNIST subset instead of torchvision's download) differ.  Each test runs the program on
tinynet -- and, when torch is installed, on torch too -- and checks that tinynet learns as well;
a second test builds each program's own model in both frameworks with the same weights and
checks outputs, losses, gradients and one optimizer step agree.

A program that needs a part of the PyTorch surface that is not in tinynet yet (``torch.device``,
``Tensor.to``, ...) is marked xfail naming what is missing; once that part lands the test runs.
"""

import inspect
import re
import sys
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
        from tinynet.optim.lr_scheduler import StepLR
        from tinynet.utils.data import DataLoader
    """,
    "torch": """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        import torch.optim as optim
        from torch.optim.lr_scheduler import StepLR
        from torch.utils.data import DataLoader
    """,
}


class SmallMNIST:
    """The dataset lines' stand-in for torchvision's MNIST: the first ``count`` images of a split, each
    ``transform(image)`` with image a float32 (1, 28, 28) array in [0, 1] (what ToTensor gives), and an
    int label."""

    def __init__(self, split, count, transform=None):
        images, labels = load_mnist(split)
        self.images, self.labels = images[:count], labels[:count]
        self.transform = transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        image = np.array(self.images[index])
        return (self.transform(image) if self.transform else image), int(self.labels[index])


def normalize(image):
    """transforms.Normalize((0.1307,), (0.3081,)) on a ToTensor'd image: MNIST's mean and std."""
    return (image - np.float32(0.1307)) / np.float32(0.3081)


def run(program, framework, name="__not_main__"):
    """Execute ``program`` under ``framework``'s import header; returns the program's namespace."""
    if framework == "torch":
        pytest.importorskip("torch")
    source = textwrap.dedent(HEADERS[framework]) + textwrap.dedent(program)
    namespace = {"__name__": name, "SmallMNIST": SmallMNIST, "normalize": normalize}
    exec(compile(source, f"<{framework} program>", "exec"), namespace)
    return namespace


@pytest.fixture
def one_thread():
    """Train on one thread in tinynet and torch: the results do not depend on it, and on a machine
    shared with other jobs two threads each can be several times slower."""
    tinynet_threads = tinynet.get_num_threads()
    tinynet.set_num_threads(1)
    try:
        import torch
    except ImportError:
        torch = None
    torch_threads = torch.get_num_threads() if torch else None
    if torch:
        torch.set_num_threads(1)
    yield
    tinynet.set_num_threads(tinynet_threads)
    if torch:
        torch.set_num_threads(torch_threads)


def missing(*probes):
    """The names of PyTorch features (name, check) that tinynet does not have yet."""
    absent = []
    for feature, check in probes:
        try:
            check()
        except Exception:  # any failure means the feature is not there (yet)
            absent.append(feature)
    return absent


def not_yet(features):
    return pytest.mark.xfail(bool(features), strict=True,
                             reason=f"needs {', '.join(features)} (another part of issue 12, not on main yet)")


DEVICE = ("torch.device", lambda: tinynet.device("cpu"))
ACCELERATOR = ("torch.accelerator.is_available/current_accelerator",
               lambda: (tinynet.accelerator.is_available(), tinynet.accelerator.current_accelerator()))
MODULE_TO = ("Module.to(device)", lambda: tinynet.nn.Linear(1, 1).to("cpu"))
TENSOR_TO = ("Tensor.to(device)", lambda: tinynet.zeros(1).to("cpu"))
VIEW_AS = ("Tensor.view_as", lambda: tinynet.zeros(2).view_as(tinynet.zeros(2)))
TYPE = ("Tensor.type(torch.float)", lambda: tinynet.zeros(1).type(tinynet.float))
LOAD_WEIGHTS_ONLY = ("torch.load(weights_only=True)",
                     lambda: inspect.signature(tinynet.load).parameters["weights_only"])


def eval_numbers(namespace, model, weights, inputs, loss_of, make_optimizer, update=None):
    """Output, loss, gradients and the weights after one update of ``model`` (eval mode: no dropout),
    from ``weights`` (numpy arrays by name) and ``inputs``; the same code for either framework."""
    torch = namespace["torch"]
    model.load_state_dict({name: torch.tensor(value) for name, value in weights.items()})
    model.eval()
    optimizer = make_optimizer(model)
    optimizer.zero_grad()
    output = model(*[torch.tensor(x) for x in inputs[:-1]])
    loss = loss_of(output, torch.tensor(inputs[-1]))
    loss.backward()
    grads = {name: p.grad.numpy().copy() for name, p in model.named_parameters()}
    update(model) if update else optimizer.step()
    after = {name: p.detach().numpy().copy() for name, p in model.named_parameters()}
    return output.detach().numpy(), loss.item(), grads, after


def assert_same_numbers(tiny, reference, rtol=2e-4, atol=2e-5):
    (out, loss, grads, after), (t_out, t_loss, t_grads, t_after) = tiny, reference
    np.testing.assert_allclose(out, t_out, rtol=rtol, atol=atol, err_msg="output")
    assert out.dtype == t_out.dtype
    assert loss == pytest.approx(t_loss, rel=rtol)
    assert grads.keys() == t_grads.keys()
    for name in grads:
        scale = max(1.0, float(np.abs(t_grads[name]).max()))
        np.testing.assert_allclose(grads[name], t_grads[name], rtol=rtol, atol=atol * scale, err_msg=f"grad {name}")
        np.testing.assert_allclose(after[name], t_after[name], rtol=rtol, atol=atol, err_msg=f"{name} after a step")


# ---- (a) pytorch/examples mnist/main.py, CPU path -------------------------------------------------

MNIST_MAIN = """
    import argparse


    class Net(nn.Module):
        def __init__(self):
            super(Net, self).__init__()
            self.conv1 = nn.Conv2d(1, 32, 3, 1)
            self.conv2 = nn.Conv2d(32, 64, 3, 1)
            self.dropout1 = nn.Dropout(0.25)
            self.dropout2 = nn.Dropout(0.5)
            self.fc1 = nn.Linear(9216, 128)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x):
            x = self.conv1(x)
            x = F.relu(x)
            x = self.conv2(x)
            x = F.relu(x)
            x = F.max_pool2d(x, 2)
            x = self.dropout1(x)
            x = torch.flatten(x, 1)
            x = self.fc1(x)
            x = F.relu(x)
            x = self.dropout2(x)
            x = self.fc2(x)
            output = F.log_softmax(x, dim=1)
            return output


    def train(args, model, device, train_loader, optimizer, epoch):
        model.train()
        for batch_idx, (data, target) in enumerate(train_loader):
            data, target = data.to(device), target.to(device)
            optimizer.zero_grad()
            output = model(data)
            loss = F.nll_loss(output, target)
            loss.backward()
            optimizer.step()
            if batch_idx % args.log_interval == 0:
                print('Train Epoch: {} [{}/{} ({:.0f}%)]\\tLoss: {:.6f}'.format(
                    epoch, batch_idx * len(data), len(train_loader.dataset),
                    100. * batch_idx / len(train_loader), loss.item()))
                if args.dry_run:
                    break


    def test(model, device, test_loader):
        model.eval()
        test_loss = 0
        correct = 0
        with torch.no_grad():
            for data, target in test_loader:
                data, target = data.to(device), target.to(device)
                output = model(data)
                test_loss += F.nll_loss(output, target, reduction='sum').item()  # sum up batch loss
                pred = output.argmax(dim=1, keepdim=True)  # index of the max log-probability
                correct += pred.eq(target.view_as(pred)).sum().item()

        test_loss /= len(test_loader.dataset)
        print('\\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\\n'.format(
            test_loss, correct, len(test_loader.dataset),
            100. * correct / len(test_loader.dataset)))


    def main():
        parser = argparse.ArgumentParser(description='PyTorch MNIST Example')
        parser.add_argument('--batch-size', type=int, default=64, metavar='N')
        parser.add_argument('--test-batch-size', type=int, default=1000, metavar='N')
        parser.add_argument('--epochs', type=int, default=14, metavar='N')
        parser.add_argument('--lr', type=float, default=1.0, metavar='LR')
        parser.add_argument('--gamma', type=float, default=0.7, metavar='M')
        parser.add_argument('--no-accel', action='store_true')
        parser.add_argument('--dry-run', action='store_true')
        parser.add_argument('--seed', type=int, default=1, metavar='S')
        parser.add_argument('--log-interval', type=int, default=10, metavar='N')
        parser.add_argument('--save-model', action='store_true')
        args = parser.parse_args()

        use_accel = not args.no_accel and torch.accelerator.is_available()

        torch.manual_seed(args.seed)

        if use_accel:
            device = torch.accelerator.current_accelerator()
        else:
            device = torch.device("cpu")

        train_kwargs = {'batch_size': args.batch_size}
        test_kwargs = {'batch_size': args.test_batch_size}
        if use_accel:
            accel_kwargs = {'num_workers': 1, 'persistent_workers': True, 'pin_memory': True, 'shuffle': True}
            train_kwargs.update(accel_kwargs)
            test_kwargs.update(accel_kwargs)

        dataset1 = SmallMNIST("train", 512, transform=normalize)      # dataset lines: a small MNIST subset
        dataset2 = SmallMNIST("test", 500, transform=normalize)
        train_loader = torch.utils.data.DataLoader(dataset1, **train_kwargs)
        test_loader = torch.utils.data.DataLoader(dataset2, **test_kwargs)

        model = Net().to(device)
        optimizer = optim.Adadelta(model.parameters(), lr=args.lr)

        scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
        for epoch in range(1, args.epochs + 1):
            train(args, model, device, train_loader, optimizer, epoch)
            test(model, device, test_loader)
            scheduler.step()

        if args.save_model:
            torch.save(model.state_dict(), "mnist_cnn.pt")


    if __name__ == '__main__':
        main()
"""

MNIST_MISSING = missing(DEVICE, ACCELERATOR, MODULE_TO, TENSOR_TO, VIEW_AS)


def mnist_accuracy(framework, capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["main.py", "--epochs", "1"])
    namespace = run(MNIST_MAIN, framework, name="__main__")
    printed = capsys.readouterr().out
    found = re.search(r"Accuracy: (\d+)/(\d+)", printed)
    assert found, printed
    assert "Train Epoch: 1 [0/512 (0%)]" in printed, printed
    return int(found.group(1)) / int(found.group(2)), namespace


@not_yet(MNIST_MISSING)
def test_mnist_example_trains_on_tinynet_as_on_torch(capsys, monkeypatch, one_thread):
    accuracy, _ = mnist_accuracy("tinynet", capsys, monkeypatch)
    assert accuracy > 0.5  # 10% is chance; one short epoch of Adadelta (8 steps) gets to about 60%
    pytest.importorskip("torch")
    torch_accuracy, _ = mnist_accuracy("torch", capsys, monkeypatch)
    assert accuracy > torch_accuracy - 0.15, (accuracy, torch_accuracy)


def test_mnist_example_model_gives_torch_numbers():
    tiny, ref = run(MNIST_MAIN, "tinynet"), run(MNIST_MAIN, "torch")
    reference_model = ref["Net"]()
    weights = {name: value.detach().numpy().copy() for name, value in reference_model.state_dict().items()}
    images, labels = load_mnist("train")
    inputs = (normalize(images[:8]), labels[:8])
    results = [eval_numbers(ns, ns["Net"](), weights, inputs, lambda out, y, ns=ns: ns["F"].nll_loss(out, y),
                            lambda model, ns=ns: ns["optim"].Adadelta(model.parameters(), lr=1.0))
               for ns in (tiny, ref)]
    assert_same_numbers(*results)


# ---- (b) the "Learn the Basics" quickstart --------------------------------------------------------

QUICKSTART = """
    training_data = SmallMNIST("train", 1200, transform=torch.tensor)   # dataset lines: MNIST, not FashionMNIST
    test_data = SmallMNIST("test", 400, transform=torch.tensor)

    batch_size = 64

    train_dataloader = DataLoader(training_data, batch_size=batch_size)
    test_dataloader = DataLoader(test_data, batch_size=batch_size)

    for X, y in test_dataloader:
        print(f"Shape of X [N, C, H, W]: {X.shape}")
        print(f"Shape of y: {y.shape} {y.dtype}")
        break

    device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
    print(f"Using {device} device")


    class NeuralNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(
                nn.Linear(28 * 28, 512),
                nn.ReLU(),
                nn.Linear(512, 512),
                nn.ReLU(),
                nn.Linear(512, 10)
            )

        def forward(self, x):
            x = self.flatten(x)
            logits = self.linear_relu_stack(x)
            return logits


    model = NeuralNetwork().to(device)
    print(model)

    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)


    def train(dataloader, model, loss_fn, optimizer):
        size = len(dataloader.dataset)
        model.train()
        for batch, (X, y) in enumerate(dataloader):
            X, y = X.to(device), y.to(device)

            pred = model(X)
            loss = loss_fn(pred, y)

            loss.backward()
            optimizer.step()
            optimizer.zero_grad()

            if batch % 100 == 0:
                loss, current = loss.item(), (batch + 1) * len(X)
                print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")


    def test(dataloader, model, loss_fn):
        size = len(dataloader.dataset)
        num_batches = len(dataloader)
        model.eval()
        test_loss, correct = 0, 0
        with torch.no_grad():
            for X, y in dataloader:
                X, y = X.to(device), y.to(device)
                pred = model(X)
                test_loss += loss_fn(pred, y).item()
                correct += (pred.argmax(1) == y).type(torch.float).sum().item()
        test_loss /= num_batches
        correct /= size
        print(f"Test Error: \\n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \\n")


    epochs = 5
    for t in range(epochs):
        print(f"Epoch {t+1}\\n-------------------------------")
        train(train_dataloader, model, loss_fn, optimizer)
        test(test_dataloader, model, loss_fn)
    print("Done!")

    torch.save(model.state_dict(), "model.pth")
    print("Saved PyTorch Model State to model.pth")

    model = NeuralNetwork().to(device)
    model.load_state_dict(torch.load("model.pth", weights_only=True))

    classes = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

    model.eval()
    x, y = test_data[0][0], test_data[0][1]
    with torch.no_grad():
        x = x.to(device)
        pred = model(x)
        predicted, actual = classes[pred[0].argmax(0)], classes[y]
        print(f'Predicted: "{predicted}", Actual: "{actual}"')
"""

QUICKSTART_MISSING = missing(ACCELERATOR, MODULE_TO, TENSOR_TO, TYPE, LOAD_WEIGHTS_ONLY)


def quickstart_losses(framework, capsys, monkeypatch, tmp_path):
    """The average test loss after each of the quickstart's 5 epochs."""
    (tmp_path / framework).mkdir()
    monkeypatch.chdir(tmp_path / framework)
    namespace = run(QUICKSTART, framework)
    printed = capsys.readouterr().out
    losses = [float(loss) for loss in re.findall(r"Accuracy: [\d.]+%, Avg loss: ([\d.]+)", printed)]
    assert len(losses) == 5, printed
    assert "Shape of X [N, C, H, W]:" in printed and "Predicted:" in printed, printed
    assert namespace["predicted"] in namespace["classes"]
    return losses


@not_yet(QUICKSTART_MISSING)
def test_quickstart_trains_on_tinynet_as_on_torch(capsys, monkeypatch, tmp_path, one_thread):
    # Plain SGD at lr 1e-3 moves slowly: over 5 short epochs the test loss falls by about 0.003 a run,
    # and accuracy stays near chance.  What must hold: it falls every epoch, about as fast as in torch.
    losses = quickstart_losses("tinynet", capsys, monkeypatch, tmp_path)
    assert all(later < earlier for earlier, later in zip(losses, losses[1:])), losses
    pytest.importorskip("torch")
    torch_losses = quickstart_losses("torch", capsys, monkeypatch, tmp_path)
    assert losses[0] - losses[-1] > 0.5 * (torch_losses[0] - torch_losses[-1]), (losses, torch_losses)


def quickstart_definitions(framework):
    """The quickstart's model class, without running its data loading and training."""
    start = QUICKSTART.index("    class NeuralNetwork")
    return run(QUICKSTART[start:QUICKSTART.index("    model = NeuralNetwork()")], framework)


def test_quickstart_model_gives_torch_numbers():
    tiny, ref = quickstart_definitions("tinynet"), quickstart_definitions("torch")
    weights = {name: value.detach().numpy().copy() for name, value in ref["NeuralNetwork"]().state_dict().items()}
    images, labels = load_mnist("test")
    inputs = (images[:16], labels[:16])
    results = [eval_numbers(ns, ns["NeuralNetwork"](), weights, inputs,
                            lambda out, y, ns=ns: ns["nn"].CrossEntropyLoss()(out, y),
                            lambda model, ns=ns: ns["torch"].optim.SGD(model.parameters(), lr=1e-3))
               for ns in (tiny, ref)]
    assert_same_numbers(*results)


# ---- (c) the 60-minute blitz: "Neural Networks" ---------------------------------------------------

BLITZ = """
    class Net(nn.Module):

        def __init__(self):
            super(Net, self).__init__()
            # 1 input image channel, 6 output channels, 5x5 square convolution kernel
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            # an affine operation: y = Wx + b
            self.fc1 = nn.Linear(16 * 5 * 5, 120)  # 5*5 from image dimension
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, input):
            c1 = F.relu(self.conv1(input))
            s2 = F.max_pool2d(c1, (2, 2))
            c3 = F.relu(self.conv2(s2))
            s4 = F.max_pool2d(c3, 2)
            s4 = torch.flatten(s4, 1)
            f5 = F.relu(self.fc1(s4))
            f6 = F.relu(self.fc2(f5))
            output = self.fc3(f6)
            return output


    net = Net()
    print(net)

    params = list(net.parameters())
    print(len(params))
    print(params[0].size())  # conv1's .weight

    input = torch.randn(1, 1, 32, 32)
    out = net(input)
    print(out)

    net.zero_grad()
    out.backward(torch.randn(1, 10))

    output = net(input)
    target = torch.randn(10)  # a dummy target, for example
    target = target.view(1, -1)  # make it the same shape as output
    criterion = nn.MSELoss()

    loss = criterion(output, target)
    print(loss)

    print(loss.grad_fn)  # MSELoss
    print(loss.grad_fn.next_functions[0][0])  # Linear
    print(loss.grad_fn.next_functions[0][0].next_functions[0][0])  # ReLU

    net.zero_grad()  # zeroes the gradient buffers of all parameters
    print('conv1.bias.grad before backward')
    print(net.conv1.bias.grad)
    bias_grad_before = net.conv1.bias.grad

    loss.backward()

    print('conv1.bias.grad after backward')
    print(net.conv1.bias.grad)

    learning_rate = 0.01
    weights_before = [f.detach().numpy().copy() for f in net.parameters()]   # (test instrumentation)
    grads = [f.grad.detach().numpy().copy() for f in net.parameters()]       # (test instrumentation)
    for f in net.parameters():
        f.data.sub_(f.grad.data * learning_rate)

    import torch.optim as optim

    # create your optimizer
    optimizer = optim.SGD(net.parameters(), lr=0.01)

    # in your training loop:
    optimizer.zero_grad()   # zero the gradient buffers
    output = net(input)
    loss = criterion(output, target)
    loss.backward()
    optimizer.step()    # Does the update
"""

BLITZ_MISSING = missing()


def blitz(framework):
    program = BLITZ if framework == "torch" else BLITZ.replace("import torch.optim as optim",
                                                               "import tinynet.optim as optim")
    return run(program, framework)


@not_yet(BLITZ_MISSING)
def test_blitz_neural_networks_runs_on_tinynet(capsys):
    namespace = blitz("tinynet")
    net, loss = namespace["net"], namespace["loss"]
    assert len(namespace["params"]) == 10 and tuple(namespace["params"][0].size()) == (6, 1, 5, 5)
    assert namespace["out"].shape == (1, 10)
    assert namespace["bias_grad_before"] is None  # zero_grad sets gradients to None, as PyTorch 2 does
    assert net.conv1.bias.grad is not None and tuple(net.conv1.bias.grad.shape) == (6,)
    first = loss.grad_fn.next_functions[0][0]
    assert first is not None and first.next_functions[0][0] is not None
    # The manual step moved each weight by -0.01 * its gradient, then optimizer.step() by -0.01 * the next one.
    for before, grad, p in zip(namespace["weights_before"], namespace["grads"], net.parameters()):
        assert np.abs(grad).sum() > 0
        expected = before - np.float32(0.01) * grad - np.float32(0.01) * p.grad.numpy()
        np.testing.assert_allclose(p.detach().numpy(), expected, rtol=1e-5, atol=1e-7)
    assert "conv1.bias.grad after backward" in capsys.readouterr().out


def test_blitz_network_gives_torch_numbers_for_the_same_weights_and_input():
    tiny, ref = blitz("tinynet"), blitz("torch")
    weights = {name: value.detach().numpy().copy() for name, value in ref["Net"]().state_dict().items()}
    rng = np.random.default_rng(0)
    inputs = (rng.standard_normal((1, 1, 32, 32)).astype(np.float32), rng.standard_normal((1, 10)).astype(np.float32))

    def manual_sgd(net):
        for f in net.parameters():
            f.data.sub_(f.grad.data * 0.01)

    results = [eval_numbers(ns, ns["Net"](), weights, inputs, lambda out, t, ns=ns: ns["nn"].MSELoss()(out, t),
                            lambda net, ns=ns: ns["optim"].SGD(net.parameters(), lr=0.01), update=manual_sgd)
               for ns in (tiny, ref)]
    assert_same_numbers(*results)
