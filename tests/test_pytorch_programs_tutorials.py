"""PyTorch programs that learners copy, run on tinynet: (b) the "Learn the Basics" quickstart and (c) the
60-minute blitz "Neural Networks".  test_pytorch_programs.py says how these tests work and has (a) and the
helpers."""

import re

import numpy as np
import pytest

from tinynet.data import load_mnist
from test_pytorch_programs import (ACCELERATOR, LOAD_WEIGHTS_ONLY, MODULE_TO, TENSOR_TO, TYPE, assert_same_numbers,
                                   eval_numbers, missing, not_yet, one_thread, run)  # noqa: F401 (one_thread: a fixture)


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
