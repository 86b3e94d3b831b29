"""The tutorial "What is torch.nn really?", run on tinynet and on torch with the same data and weights.

The program below follows the tutorial step by step (in our own words): a logistic regression on
MNIST written from scratch -- weights made with ``randn`` and ``requires_grad_``, ``x @ w``, a
hand-written ``log_softmax`` and negative log-likelihood by ``input[range(n), target]``, a manual SGD
step under ``no_grad`` -- then refactored with ``F.cross_entropy``, ``nn.Module`` and
``nn.Parameter``, ``nn.Linear``, ``optim``, ``TensorDataset`` and ``DataLoader``, a validation loop,
``fit``/``get_data``/``loss_batch``, a CNN with ``view(-1, 1, 28, 28)`` and ``F.avg_pool2d``, the same
CNN as ``nn.Sequential`` with a ``Lambda`` module, a wrapped DataLoader, and ``nn.AdaptiveAvgPool2d``.

The dataset lines are replaced by ``x_train, y_train, x_valid, y_valid`` arrays, and after each
random initialisation a line gives both frameworks the same starting weights (``W0`` and
``same_start``).  Every loss the program computes is appended to ``log``; the test compares the logs.
"""

import numpy as np
import pytest

from program_helpers import assert_close, mnist_arrays, one_thread, run_both  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("one_thread")

NN_REALLY = """
    import math

    log = []
    x_train, y_train, x_valid, y_valid = map(torch.tensor, (x_train, y_train, x_valid, y_valid))
    n, c = x_train.shape
    log.append((n, c, tuple(x_train.shape), y_train.min().item(), y_train.max().item()))

    # -- a neural net from scratch --
    weights = torch.randn(784, 10) / math.sqrt(784)
    weights = torch.tensor(W0)                     # (the same start in both frameworks)
    weights.requires_grad_()
    bias = torch.zeros(10, requires_grad=True)

    def log_softmax(x):
        return x - x.exp().sum(-1).log().unsqueeze(-1)

    def model(xb):
        return log_softmax(xb @ weights + bias)

    bs = 64
    xb = x_train[0:bs]
    preds = model(xb)
    log.append((preds[0], preds.shape))

    def nll(input, target):
        return -input[range(target.shape[0]), target].mean()

    loss_func = nll
    yb = y_train[0:bs]
    log.append(loss_func(preds, yb))

    def accuracy(out, yb):
        preds = torch.argmax(out, dim=1)
        return (preds == yb).float().mean()

    log.append(accuracy(preds, yb))

    lr = 0.5
    epochs = 2
    for epoch in range(epochs):
        for i in range((n - 1) // bs + 1):
            start_i = i * bs
            end_i = start_i + bs
            xb = x_train[start_i:end_i]
            yb = y_train[start_i:end_i]
            pred = model(xb)
            loss = loss_func(pred, yb)

            loss.backward()
            with torch.no_grad():
                weights -= weights.grad * lr
                bias -= bias.grad * lr
                weights.grad.zero_()
                bias.grad.zero_()

    log.append((loss_func(model(xb), yb), accuracy(model(xb), yb)))

    # -- torch.nn.functional --
    loss_func = F.cross_entropy

    def model(xb):
        return xb @ weights + bias

    log.append((loss_func(model(xb), yb), accuracy(model(xb), yb)))

    # -- nn.Module --
    from torch import nn

    class Mnist_Logistic(nn.Module):
        def __init__(self):
            super().__init__()
            self.weights = nn.Parameter(torch.randn(784, 10) / math.sqrt(784))
            self.bias = nn.Parameter(torch.zeros(10))

        def forward(self, xb):
            return xb @ self.weights + self.bias

    model = same_start(Mnist_Logistic())
    log.append(loss_func(model(xb), yb))

    def fit():
        for epoch in range(epochs):
            for i in range((n - 1) // bs + 1):
                start_i = i * bs
                end_i = start_i + bs
                xb = x_train[start_i:end_i]
                yb = y_train[start_i:end_i]
                pred = model(xb)
                loss = loss_func(pred, yb)

                loss.backward()
                with torch.no_grad():
                    for p in model.parameters():
                        p -= p.grad * lr
                    model.zero_grad()

    fit()
    log.append(loss_func(model(xb), yb))

    # -- nn.Linear --
    class Mnist_Logistic(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(784, 10)

        def forward(self, xb):
            return self.lin(xb)

    model = same_start(Mnist_Logistic())
    log.append(loss_func(model(xb), yb))
    fit()
    log.append(loss_func(model(xb), yb))

    # -- optim --
    from torch import optim

    def get_model():
        model = same_start(Mnist_Logistic())
        return model, optim.SGD(model.parameters(), lr=lr)

    model, opt = get_model()
    log.append(loss_func(model(xb), yb))

    for epoch in range(epochs):
        for i in range((n - 1) // bs + 1):
            start_i = i * bs
            end_i = start_i + bs
            xb = x_train[start_i:end_i]
            yb = y_train[start_i:end_i]
            pred = model(xb)
            loss = loss_func(pred, yb)

            loss.backward()
            opt.step()
            opt.zero_grad()

    log.append(loss_func(model(xb), yb))

    # -- Dataset and DataLoader --
    from torch.utils.data import TensorDataset, DataLoader

    train_ds = TensorDataset(x_train, y_train)
    model, opt = get_model()
    for epoch in range(epochs):
        for i in range((n - 1) // bs + 1):
            xb, yb = train_ds[i * bs: i * bs + bs]
            pred = model(xb)
            loss = loss_func(pred, yb)
            loss.backward()
            opt.step()
            opt.zero_grad()
    log.append(loss_func(model(xb), yb))

    train_dl = DataLoader(train_ds, batch_size=bs)
    model, opt = get_model()
    for epoch in range(epochs):
        for xb, yb in train_dl:
            pred = model(xb)
            loss = loss_func(pred, yb)
            loss.backward()
            opt.step()
            opt.zero_grad()
    log.append(loss_func(model(xb), yb))

    # -- validation --
    valid_ds = TensorDataset(x_valid, y_valid)
    valid_dl = DataLoader(valid_ds, batch_size=bs * 2)

    model, opt = get_model()
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_dl:
            pred = model(xb)
            loss = loss_func(pred, yb)
            loss.backward()
            opt.step()
            opt.zero_grad()

        model.eval()
        with torch.no_grad():
            valid_loss = sum(loss_func(model(xb), yb) for xb, yb in valid_dl)

        print(epoch, valid_loss / len(valid_dl))
        log.append(valid_loss / len(valid_dl))

    # -- fit() and get_data() --
    import numpy as np

    def loss_batch(model, loss_func, xb, yb, opt=None):
        loss = loss_func(model(xb), yb)
        if opt is not None:
            loss.backward()
            opt.step()
            opt.zero_grad()
        return loss.item(), len(xb)

    def fit(epochs, model, loss_func, opt, train_dl, valid_dl):
        for epoch in range(epochs):
            model.train()
            for xb, yb in train_dl:
                loss_batch(model, loss_func, xb, yb, opt)

            model.eval()
            with torch.no_grad():
                losses, nums = zip(*[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl])
            val_loss = np.sum(np.multiply(losses, nums)) / np.sum(nums)
            print(epoch, val_loss)
            log.append(val_loss)

    def get_data(train_ds, valid_ds, bs):
        return (
            DataLoader(train_ds, batch_size=bs, shuffle=SHUFFLE),   # the tutorial shuffles
            DataLoader(valid_ds, batch_size=bs * 2),
        )

    train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
    model, opt = get_model()
    fit(epochs, model, loss_func, opt, train_dl, valid_dl)

    # -- a CNN --
    class Mnist_CNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1)
            self.conv2 = nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1)
            self.conv3 = nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1)

        def forward(self, xb):
            xb = xb.view(-1, 1, 28, 28)
            xb = F.relu(self.conv1(xb))
            xb = F.relu(self.conv2(xb))
            xb = F.relu(self.conv3(xb))
            xb = F.avg_pool2d(xb, 4)
            return xb.view(-1, xb.size(1))

    lr = 0.1
    model = same_start(Mnist_CNN())
    opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    fit(epochs, model, loss_func, opt, train_dl, valid_dl)

    # -- nn.Sequential --
    class Lambda(nn.Module):
        def __init__(self, func):
            super().__init__()
            self.func = func

        def forward(self, x):
            return self.func(x)

    def preprocess(x):
        return x.view(-1, 1, 28, 28)

    model = nn.Sequential(
        Lambda(preprocess),
        nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),
        nn.ReLU(),
        nn.AvgPool2d(4),
        Lambda(lambda x: x.view(x.size(0), -1)),
    )
    same_start(model)
    opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    fit(epochs, model, loss_func, opt, train_dl, valid_dl)

    # -- wrapping the DataLoader; nn.AdaptiveAvgPool2d; the device --
    dev = torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")

    def preprocess(x, y):
        return x.view(-1, 1, 28, 28).to(dev), y.to(dev)

    class WrappedDataLoader:
        def __init__(self, dl, func):
            self.dl = dl
            self.func = func

        def __len__(self):
            return len(self.dl)

        def __iter__(self):
            for b in self.dl:
                yield (self.func(*b))

    train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
    train_dl = WrappedDataLoader(train_dl, preprocess)
    valid_dl = WrappedDataLoader(valid_dl, preprocess)

    model = nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        Lambda(lambda x: x.view(x.size(0), -1)),
    )
    same_start(model)
    model.to(dev)
    opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    fit(epochs, model, loss_func, opt, train_dl, valid_dl)
"""


def data():
    x_train, y_train = mnist_arrays("train", 320)
    x_valid, y_valid = mnist_arrays("test", 128)
    w0 = np.random.default_rng(0).standard_normal((784, 10)).astype(np.float32) / np.float32(28)
    return dict(x_train=x_train, y_train=y_train, x_valid=x_valid, y_valid=y_valid, W0=w0)


def test_nn_really_tutorial_gives_torch_numbers():
    tiny, ref = run_both(NN_REALLY, SHUFFLE=False, **data())
    assert len(tiny["log"]) == len(ref["log"]) == 24
    for step, (a, b) in enumerate(zip(tiny["log"], ref["log"])):
        assert_close(a, b, rtol=2e-4, atol=2e-5, what=f"log entry {step}")
    # The logistic regression learned: its validation loss is well under chance's ln(10) = 2.3.
    # (The CNNs, 10 steps each from their tiny start, stay near 2.3 in both frameworks.)
    assert tiny["log"][16] < 1.5


def test_nn_really_tutorial_learns_with_shuffled_batches_as_torch_does():
    tiny, ref = run_both(NN_REALLY, SHUFFLE=True, **data())
    # Different shuffles give different numbers; what must hold is that tinynet learns as well.
    for a, b in zip(tiny["log"][-6:], ref["log"][-6:]):
        assert abs(a - b) < 0.25, (tiny["log"][-6:], ref["log"][-6:])
