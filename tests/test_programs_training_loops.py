"""The "Optimizing Model Parameters" and "Save and Load the Model" tutorials, the "Saving and loading a
general checkpoint" recipe, and a learner's training script, run on tinynet and on torch.

Each program is written as those pages and typical learners' scripts write it (in our own words),
with the dataset lines replaced by small MNIST slices and ``same_start(model)`` after each model is
built so both frameworks start from the same weights.  Every printed number and every value kept in
``log`` must agree.
"""

import re

import numpy as np
import pytest

from program_helpers import assert_close, mnist_arrays, one_thread, run  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("one_thread")

OPTIMIZATION_LOOP = """
    log = []
    train_dataloader = DataLoader(TensorDataset(torch.tensor(x_train).view(-1, 1, 28, 28), torch.tensor(y_train)),
                                  batch_size=64)
    test_dataloader = DataLoader(TensorDataset(torch.tensor(x_test).view(-1, 1, 28, 28), torch.tensor(y_test)),
                                 batch_size=64)


    class NeuralNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(
                nn.Linear(28*28, 512),
                nn.ReLU(),
                nn.Linear(512, 512),
                nn.ReLU(),
                nn.Linear(512, 10),
            )

        def forward(self, x):
            x = self.flatten(x)
            logits = self.linear_relu_stack(x)
            return logits

    model = same_start(NeuralNetwork())

    learning_rate = 1e-3
    batch_size = 64
    epochs = 3

    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)


    def train_loop(dataloader, model, loss_fn, optimizer):
        size = len(dataloader.dataset)
        # Set the model to training mode - important for batch normalization and dropout layers
        model.train()
        for batch, (X, y) in enumerate(dataloader):
            # Compute prediction and loss
            pred = model(X)
            loss = loss_fn(pred, y)

            # Backpropagation
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()

            if batch % 2 == 0:
                loss, current = loss.item(), batch * batch_size + len(X)
                print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")


    def test_loop(dataloader, model, loss_fn):
        model.eval()
        size = len(dataloader.dataset)
        num_batches = len(dataloader)
        test_loss, correct = 0, 0

        with torch.no_grad():
            for X, y in dataloader:
                pred = model(X)
                test_loss += loss_fn(pred, y).item()
                correct += (pred.argmax(1) == y).type(torch.float).sum().item()

        test_loss /= num_batches
        correct /= size
        print(f"Test Error: \\n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \\n")
        log.append((test_loss, correct))


    for t in range(epochs):
        print(f"Epoch {t+1}\\n-------------------------------")
        train_loop(train_dataloader, model, loss_fn, optimizer)
        test_loop(test_dataloader, model, loss_fn)
    print("Done!")

    # -- Save and Load the Model --
    torch.save(model.state_dict(), 'model_weights.pth')
    model = NeuralNetwork()
    model.load_state_dict(torch.load('model_weights.pth', weights_only=True))
    model.eval()
    test_loop(test_dataloader, model, loss_fn)

    # -- the recipe: what a state_dict holds --
    print("Model's state_dict:")
    for param_tensor in model.state_dict():
        print(param_tensor, "\\t", model.state_dict()[param_tensor].size())
        log.append((param_tensor, tuple(model.state_dict()[param_tensor].size())))
    optimizer = optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
    print("Optimizer's param_groups:", [g["lr"] for g in optimizer.param_groups])
    for var_name in optimizer.state_dict():
        log.append(var_name)
    log.append(optimizer.state_dict()['param_groups'][0]['lr'])
    log.append(optimizer.state_dict()['param_groups'][0]['params'])

    # -- the recipe: a general checkpoint --
    EPOCH = 5
    PATH = "model.pt"
    X, y = next(iter(train_dataloader))
    optimizer.zero_grad()
    LOSS = loss_fn(model(X), y)
    LOSS.backward()
    optimizer.step()

    torch.save({
                'epoch': EPOCH,
                'model_state_dict': model.state_dict(),
                'optimizer_state_dict': optimizer.state_dict(),
                'loss': LOSS,
                }, PATH)

    model = NeuralNetwork()
    optimizer = optim.SGD(model.parameters(), lr=0.001, momentum=0.9)

    checkpoint = torch.load(PATH, weights_only=True)
    model.load_state_dict(checkpoint['model_state_dict'])
    optimizer.load_state_dict(checkpoint['optimizer_state_dict'])
    epoch = checkpoint['epoch']
    loss = checkpoint['loss']
    log.append((epoch, loss))
    log.append(sorted(checkpoint['optimizer_state_dict']['state'][0]))
    log.append(checkpoint['optimizer_state_dict']['state'][0]['momentum_buffer'].clone())

    model.train()
    for step in range(3):   # resume: the momentum buffers came back too
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        log.append(loss.item())
    model.eval()
    test_loop(test_dataloader, model, loss_fn)
"""


def mnist_names(train=256, test=128):
    x_train, y_train = mnist_arrays("train", train)
    x_test, y_test = mnist_arrays("test", test)
    return dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)


def printed_numbers(text):
    return [float(x) for x in re.findall(r"-?\d+\.\d+(?:e[-+]\d+)?", text)]


def compare_runs(program, capsys, tmp_path, monkeypatch, rtol=2e-4, same_text=False, **names):
    """Run ``program`` on tinynet and on torch (each in a folder of its own); the values in ``log`` and the
    numbers printed must agree, and with ``same_text`` the printed text must be identical."""
    results = []
    for framework in ("tinynet", "torch"):
        (tmp_path / framework).mkdir()
        monkeypatch.chdir(tmp_path / framework)
        capsys.readouterr()
        namespace = run(program, framework, **names)
        results.append((namespace, capsys.readouterr().out))
    (tiny, tiny_out), (ref, ref_out) = results
    assert len(tiny["log"]) == len(ref["log"])
    for step, (a, b) in enumerate(zip(tiny["log"], ref["log"])):
        assert_close(a, b, rtol=rtol, atol=1e-5, what=f"log entry {step}")
    tiny_numbers, ref_numbers = printed_numbers(tiny_out), printed_numbers(ref_out)
    assert len(tiny_numbers) == len(ref_numbers) > 0, (tiny_out, ref_out)
    np.testing.assert_allclose(tiny_numbers, ref_numbers, rtol=rtol, atol=1e-5)
    if same_text:  # the same text once the numbers (compared above, to rtol) are masked, the library's name
        # (torch.Size, tinynet.Size) left out and the names of backward nodes too (tinynet's differ: LinearBackward
        # for AddmmBackward0)
        def masked(text):
            text = re.sub(r"(torch|tinynet)\.Size", "Size", text)
            text = re.sub(r"grad_fn=<\w+>", "grad_fn=<...>", text)
            return re.sub(r"-?\d+\.\d+(?:e[-+]\d+)?", "#", text).splitlines()
        assert masked(tiny_out) == masked(ref_out)
    return tiny, ref, tiny_out


def test_optimization_loop_and_saving_tutorials_give_torch_numbers(capsys, tmp_path, monkeypatch):
    tiny, _, printed = compare_runs(OPTIMIZATION_LOOP, capsys, tmp_path, monkeypatch, same_text=True, **mnist_names())
    assert "Done!" in printed and "linear_relu_stack.0.weight" in printed
    assert tiny["log"][-2] < tiny["log"][-4]  # resumed training went on lowering the loss
    assert "state" in tiny["log"] and "param_groups" in tiny["log"]
