"""optim.LBFGS against torch.optim.LBFGS (no line search): the same parameters after several steps on the
Rosenbrock function, a least-squares fit of a small network and an image optimised towards a target as in the
neural-style-transfer tutorial; the loss step returns; history limits; options and mistakes as PyTorch's."""

import numpy as np
import pytest

import tinynet


def run(lib, start, loss_of, steps, dtype=np.float64, **options):
    x = lib.nn.Parameter(lib.tensor(start.astype(dtype)))
    optimizer = lib.optim.LBFGS([x], **options)
    returned = []

    def closure():
        optimizer.zero_grad()
        loss = loss_of(lib, x)
        loss.backward()
        return loss

    for _ in range(steps):
        returned.append(optimizer.step(closure).item())
    return x.detach().numpy(), returned, optimizer.state[x]["func_evals"], optimizer.state[x]["n_iter"]


def rosenbrock(lib, x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


@pytest.mark.parametrize("options", [{}, {"lr": 0.5, "max_iter": 7}, {"history_size": 3, "max_iter": 10},
                                     {"max_eval": 9}, {"tolerance_change": 1e-3}])
def test_rosenbrock_steps_match_torch(torch, options):
    start = np.array([-1.2, 1.0])
    ours = run(tinynet, start, rosenbrock, 4, **options)
    theirs = run(torch, start, rosenbrock, 4, **options)
    # (near the minimum the last digits of a dot product's rounding show, so not to the last bit)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-5, atol=1e-10)
    assert ours[2:] == theirs[2:]  # the same number of evaluations and iterations


def test_a_small_network_fits_as_in_torch(torch):
    rng = np.random.default_rng(0)
    inputs, targets = rng.normal(size=(16, 3)), rng.normal(size=(16, 1))
    results = []
    for lib in (tinynet, torch):
        lib.manual_seed(0)
        model = lib.nn.Sequential(lib.nn.Linear(3, 8), lib.nn.Tanh(), lib.nn.Linear(8, 1)).double()
        results.append(model)
    results[0].load_state_dict({key: value.numpy() for key, value in results[1].state_dict().items()})
    losses = []
    for lib, model in zip((tinynet, torch), results):
        optimizer = lib.optim.LBFGS(model.parameters(), lr=1, max_iter=10, history_size=5)
        x, y = lib.tensor(inputs), lib.tensor(targets)

        def closure():
            optimizer.zero_grad()
            loss = lib.nn.functional.mse_loss(model(x), y)
            loss.backward()
            return loss

        before = closure().item()
        for _ in range(3):
            optimizer.step(closure)
        losses.append(closure().item())
    assert losses[0] == pytest.approx(losses[1], rel=1e-7)
    assert losses[0] < 0.5 * before  # (and it did fit: the loss at least halved)


def test_image_optimised_towards_a_target_as_in_style_transfer(torch):
    """The tutorial's loop: optim.LBFGS([input_img]) and a closure that clamps the image and returns the loss."""
    rng = np.random.default_rng(1)
    image, target = rng.uniform(size=(1, 3, 6, 6)).astype(np.float32), rng.uniform(size=(1, 3, 6, 6))
    finals = []
    for lib in (tinynet, torch):
        input_img = lib.tensor(image).requires_grad_(True)
        optimizer = lib.optim.LBFGS([input_img])
        goal = lib.tensor(target.astype(np.float32))

        def closure():
            with lib.no_grad():
                input_img.clamp_(0, 1)
            optimizer.zero_grad()
            loss = lib.nn.functional.mse_loss(input_img, goal) * 1000
            loss.backward()
            return loss

        for _ in range(2):
            optimizer.step(closure)
        finals.append(input_img.detach().numpy())
    np.testing.assert_allclose(finals[0], finals[1], rtol=1e-4, atol=1e-5)


def test_state_dict_round_trip_continues_the_same_way():
    def make():
        x = tinynet.nn.Parameter(tinynet.tensor([-1.2, 1.0], dtype=tinynet.float64))
        return x, tinynet.optim.LBFGS([x], max_iter=3, history_size=4)

    def closure_for(x, optimizer):
        def closure():
            optimizer.zero_grad()
            loss = rosenbrock(tinynet, x)
            loss.backward()
            return loss
        return closure

    x, optimizer = make()
    optimizer.step(closure_for(x, optimizer))
    saved, values = optimizer.state_dict(), x.detach().numpy().copy()
    optimizer.step(closure_for(x, optimizer))
    y, restored = make()
    with tinynet.no_grad():
        y.copy_(tinynet.tensor(values))
    restored.load_state_dict(saved)
    assert restored.param_groups[0]["max_iter"] == 3
    restored.step(closure_for(y, restored))
    np.testing.assert_array_equal(y.detach().numpy(), x.detach().numpy())


def test_mistakes_as_in_torch(torch):
    x = tinynet.nn.Parameter(tinynet.zeros(2))
    with pytest.raises(TypeError):  # step needs a closure
        tinynet.optim.LBFGS([x]).step()
    with pytest.raises(TypeError):
        torch.optim.LBFGS([torch.nn.Parameter(torch.zeros(2))]).step()
    with pytest.raises(ValueError):
        tinynet.optim.LBFGS([{"params": [x]}, {"params": [tinynet.nn.Parameter(tinynet.zeros(1))]}])
    with pytest.raises(ValueError):
        torch.optim.LBFGS([{"params": [torch.nn.Parameter(torch.zeros(2))]},
                           {"params": [torch.nn.Parameter(torch.zeros(1))]}])
    with pytest.raises(NotImplementedError, match="line search"):
        tinynet.optim.LBFGS([x], line_search_fn="strong_wolfe")
