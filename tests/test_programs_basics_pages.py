"""The "Datasets & DataLoaders", "Transforms" and "Build the Neural Network" pages of "Learn the Basics",
and a fine-tuning script (frozen layers, a new head), run on tinynet and on torch (in our own words).

A user-written map-style ``Dataset`` (``__len__``/``__getitem__``, a ``transform`` and a
``target_transform``), ``next(iter(dataloader))``, the one-hot target transform built with
``torch.zeros(10).scatter_(0, torch.tensor(y), value=1)``, the model-building walk-through
(``nn.Flatten``, ``nn.Linear``, ``nn.ReLU``, ``nn.Sequential``, ``nn.Softmax(dim=1)``,
``named_parameters`` with ``param[:2]``), then freezing with ``requires_grad = False``, replacing
the head and optimizing ``filter(lambda p: p.requires_grad, ...)``.  Numbers printed and kept in
``log`` must agree.
"""

import numpy as np
import pytest

from program_helpers import mnist_arrays, one_thread  # noqa: F401 (fixture)
from test_programs_training_loops import compare_runs

pytestmark = pytest.mark.usefixtures("one_thread")

BASICS = """
    log = []

    class CustomImageDataset(Dataset):
        def __init__(self, images, labels, transform=None, target_transform=None):
            self.img_labels = labels
            self.images = images
            self.transform = transform
            self.target_transform = target_transform

        def __len__(self):
            return len(self.img_labels)

        def __getitem__(self, idx):
            image = self.images[idx].reshape(1, 28, 28)
            label = int(self.img_labels[idx])
            if self.transform:
                image = self.transform(image)
            if self.target_transform:
                label = self.target_transform(label)
            return image, label

    def to_tensor(image):          # what ToTensor() gives for an image already scaled to [0, 1]
        return torch.from_numpy(image.astype(np.float32))

    def one_hot(y):
        return torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1)

    import numpy as np
    training_data = CustomImageDataset(x_train, y_train, transform=to_tensor, target_transform=one_hot)
    train_dataloader = DataLoader(training_data, batch_size=16, shuffle=False)

    train_features, train_labels = next(iter(train_dataloader))
    print(f"Feature batch shape: {tuple(train_features.size())}")
    print(f"Labels batch shape: {tuple(train_labels.size())}")
    img = train_features[0].squeeze()
    label = train_labels[0]
    log.append((img.shape, label, train_labels.dtype, train_features.dtype))

    # -- Build the Neural Network --
    device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"

    class NeuralNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(
                nn.Linear(28*28, 64),
                nn.ReLU(),
                nn.Linear(64, 64),
                nn.ReLU(),
                nn.Linear(64, 10),
            )

        def forward(self, x):
            x = self.flatten(x)
            logits = self.linear_relu_stack(x)
            return logits

    model = same_start(NeuralNetwork()).to(device)
    X = train_features[:1]
    logits = model(X)
    pred_probab = nn.Softmax(dim=1)(logits)
    y_pred = pred_probab.argmax(1)
    print(f"Predicted class: {y_pred}")
    log.append((logits, pred_probab, y_pred))

    input_image = train_features[:3, 0]
    flatten = nn.Flatten()
    flat_image = flatten(input_image)
    layer1 = same_start(nn.Linear(in_features=28*28, out_features=20))
    hidden1 = layer1(flat_image)
    print(f"Before ReLU: {hidden1}\\n\\n")
    hidden1 = nn.ReLU()(hidden1)
    print(f"After ReLU: {hidden1}")
    seq_modules = nn.Sequential(flatten, layer1, nn.ReLU(), same_start(nn.Linear(20, 10)))
    logits = seq_modules(input_image)
    softmax = nn.Softmax(dim=1)
    pred_probab = softmax(logits)
    log.append((flat_image.shape, hidden1, pred_probab))

    print(f"Model structure: {model}\\n\\n")
    for name, param in model.named_parameters():
        print(f"Layer: {name} | Size: {tuple(param.size())} | Values : {param[:2]} \\n")

    # -- fine-tuning: freeze the body, replace the head --
    for param in model.parameters():
        param.requires_grad = False
    num_ftrs = model.linear_relu_stack[4].in_features
    model.linear_relu_stack[4] = same_start(nn.Linear(num_ftrs, 10))
    trainable = [name for name, p in model.named_parameters() if p.requires_grad]
    print("training", trainable)
    optimizer = optim.SGD(filter(lambda p: p.requires_grad, model.parameters()), lr=0.1, momentum=0.9)
    criterion = nn.CrossEntropyLoss()
    frozen_before = model.linear_relu_stack[0].weight.clone()
    for epoch in range(2):
        for inputs, targets in train_dataloader:
            labels = targets.argmax(dim=1)
            optimizer.zero_grad()
            outputs = model(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
        print(f"epoch {epoch}: loss {loss.item():.4f}")
        log.append(loss)
    log.append((torch.equal(frozen_before, model.linear_relu_stack[0].weight),
                model.linear_relu_stack[0].weight.grad is None))
"""


def test_basics_pages_and_fine_tuning_give_torch_numbers(capsys, tmp_path, monkeypatch):
    x_train, y_train = mnist_arrays("train", 96)
    tiny, _, printed = compare_runs(BASICS, capsys, tmp_path, monkeypatch, same_text=True, rtol=1e-3, x_train=x_train,
                                    y_train=y_train)
    assert tiny["log"][-1] == (True, True)  # the frozen layer neither changed nor got a gradient
    assert "training ['linear_relu_stack.4.weight', 'linear_relu_stack.4.bias']" in printed
    assert float(tiny["log"][-2]) < float(tiny["log"][-3]) or float(tiny["log"][-2]) < 2.0
