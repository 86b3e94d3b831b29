"""Training sanity: the pieces together (layers + losses + backward + optimizers) actually learn."""

import numpy as np
import pytest

import tinynet
from tinynet import nn, optim


def test_two_two_one_sigmoid_net_solves_xor():
    # A 2-2-1 sigmoid net has bad local minima for some initialisations; this seed is one that works.
    tinynet.manual_seed(0)
    x = tinynet.tensor(np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32))
    y = tinynet.tensor(np.array([[0], [1], [1], [0]], dtype=np.float32))
    model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())
    optimizer = optim.Adam(model.parameters(), lr=0.1)
    loss_fn = nn.BCELoss()
    first = loss_fn(model(x), y).item()
    for _ in range(600):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    assert first > 0.6  # near log(2): the untrained net knows nothing
    assert loss.item() < 0.02
    with tinynet.no_grad():
        prediction = model(x).numpy()
    np.testing.assert_array_equal(prediction > 0.5, y.numpy() > 0.5)


def first_mnist_digits(n):
    from tinynet.data import load_mnist

    images, labels = load_mnist("train")
    return np.ascontiguousarray(images[:n]), np.array(labels[:n])


def test_small_cnn_overfits_64_mnist_digits():
    images, labels = first_mnist_digits(64)
    assert images.shape == (64, 1, 28, 28) and images.dtype == np.float32
    tinynet.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 7 * 7, 10),
    )
    optimizer = optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss()
    x = tinynet.tensor(images)
    losses = []
    for _ in range(40):
        optimizer.zero_grad()
        loss = loss_fn(model(x), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[0] > 2.0  # about log(10) at the start
    assert losses[-1] < 0.1
    model.eval()
    with tinynet.no_grad():
        accuracy = (model(x).numpy().argmax(axis=1) == labels).mean()
    assert accuracy == 1.0


def test_batchnorm_dropout_net_trains_with_sgd_and_schedule_then_predicts_deterministically():
    """Two Gaussian blobs: a BN + Dropout MLP trained with SGD + cosine schedule separates them."""
    rng = np.random.default_rng(0)
    tinynet.manual_seed(0)
    centres = np.array([[2.0, 0.0], [-2.0, 0.0]])
    labels = rng.integers(0, 2, size=128)
    points = (centres[labels] + rng.standard_normal((128, 2))).astype(np.float32)
    model = nn.Sequential(nn.Linear(2, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 2))
    optimizer = optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
    schedule = optim.CosineAnnealingLR(optimizer, T_max=30)
    x = tinynet.tensor(points)
    for _ in range(30):
        optimizer.zero_grad()
        nn.CrossEntropyLoss()(model(x), labels).backward()
        optimizer.step()
        schedule.step()
    assert schedule.get_last_lr()[0] == pytest.approx(0.0, abs=1e-12)
    model.eval()
    with tinynet.no_grad():
        first, second = model(x).numpy(), model(x).numpy()
    np.testing.assert_array_equal(first, second)  # eval: no dropout, running statistics
    # The Bayes-optimal classifier (sign of the first coordinate) is right ~98% of the time here.
    assert (first.argmax(axis=1) == labels).mean() > 0.9
