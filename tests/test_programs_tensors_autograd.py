"""The "Tensors" and "Automatic differentiation" tutorials of "Learn the Basics", and the blitz
"Autograd" page, run on tinynet and on torch (in our own words, the same steps and idioms).

Every value a step makes is appended to ``log``; the test compares the two logs entry by entry
(values, shapes and dtypes).  Random tensors come from the same numpy arrays in both runs.
"""

import numpy as np
import pytest

from program_helpers import assert_close, run_both

TENSORS = """
    import numpy as np

    log = []
    data = [[1, 2], [3, 4]]
    x_data = torch.tensor(data)
    log.append(x_data)

    np_array = np.array(data)
    x_np = torch.from_numpy(np_array)
    log.append(x_np)

    x_ones = torch.ones_like(x_data)  # keeps the properties of x_data
    log.append(x_ones)
    x_rand = torch.rand_like(x_data, dtype=torch.float)  # overrides the datatype of x_data
    log.append((x_rand.shape, x_rand.dtype))

    shape = (2, 3,)
    rand_tensor = torch.rand(shape)
    ones_tensor = torch.ones(shape)
    zeros_tensor = torch.zeros(shape)
    log.append((rand_tensor.shape, ones_tensor, zeros_tensor))

    tensor = torch.rand(3, 4)
    log.append((tuple(tensor.shape), tensor.dtype, str(tensor.device)))

    tensor = torch.ones(4, 4)
    log.append((tensor[0], tensor[:, 0], tensor[..., -1]))
    tensor[:, 1] = 0
    log.append(tensor)

    t1 = torch.cat([tensor, tensor, tensor], dim=1)
    log.append(t1)
    log.append(torch.stack([tensor, tensor]).shape)

    tensor = torch.tensor(START)   # (the same "random" values in both frameworks)
    # matrix multiplication: y1, y2, y3 have the same value
    y1 = tensor @ tensor.T
    y2 = tensor.matmul(tensor.T)
    y3 = torch.rand_like(y1)
    torch.matmul(tensor, tensor.T, out=y3)
    log.append((y1, y2, y3))

    # element-wise product: z1, z2, z3 have the same value
    z1 = tensor * tensor
    z2 = tensor.mul(tensor)
    z3 = torch.rand_like(tensor)
    torch.mul(tensor, tensor, out=z3)
    log.append((z1, z2, z3))

    agg = tensor.sum()
    agg_item = agg.item()
    log.append((agg_item, type(agg_item).__name__))

    log.append(tensor.add(5))
    tensor.add_(5)
    log.append(tensor)

    t = torch.ones(5)
    n = t.numpy()
    t.add_(1)
    log.append((t, n.copy()))        # the numpy array shares the tensor's memory

    n = np.ones(5)
    t = torch.from_numpy(n)
    np.add(n, 1, out=n)
    log.append((t, n.copy()))        # and the tensor shares the array's

    # more of what the tutorial's readers try next
    x = torch.arange(12).reshape(3, 4)
    log.append((x, x.dtype, x.T, x.t(), x.transpose(0, 1), x.permute(1, 0), x.flatten(), x[1:, ::2]))
    log.append((x.sum(dim=0), x.float().mean(dim=1), x.max(), x.argmax(), x.max(dim=1).values,
                x.max(dim=1).indices, torch.max(x, 1)[1]))
    log.append((x.size(), x.size(1), x.shape[0], x.numel(), x.dim(), x.ndim, x.tolist()))
    log.append((x.view(-1), x.view(2, 6), x.unsqueeze(0).shape, x.unsqueeze(-1).squeeze().shape))
    log.append((torch.zeros(2, 3, dtype=torch.int64), torch.full((2, 2), 7.0), torch.eye(3),
                torch.linspace(0, 1, 5), torch.arange(0, 10, 2), torch.empty(2, 3).shape))
    y = x.float()
    y[y > 5] = 0
    log.append(y)
    log.append((torch.where(y > 2, y, torch.zeros_like(y)), y.clamp(min=1, max=3), y.abs(), -y))
    log.append((x.float().std(), x.float().var(dim=0), x.float().norm(), torch.exp(y), torch.sqrt(y)))
    log.append((x == 3, (x > 5).sum(), (x > 5).any(), (x >= 0).all(), x.eq(3).nonzero()))
    log.append((torch.tensor([1.5, 2.5]).int(), torch.tensor([1, 2]).float() / 2, torch.tensor([3, 4]) / 2))
    a, b = torch.tensor(START).chunk(2, dim=1)
    log.append((a, b, torch.tensor(START).split(1), torch.tensor(START)[[0, 2]]))
"""

AUTOGRAD = """
    log = []
    x = torch.ones(5)  # input tensor
    y = torch.zeros(3)  # expected output
    w = torch.tensor(W, requires_grad=True)   # (the tutorial draws randn; the same values here)
    b = torch.tensor(B, requires_grad=True)
    z = torch.matmul(x, w) + b
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
    log.append((z, loss))
    log.append((z.grad_fn is not None, loss.grad_fn is not None, w.is_leaf, z.is_leaf, z.requires_grad))

    loss.backward()
    log.append((w.grad, b.grad))

    z = torch.matmul(x, w) + b
    log.append(z.requires_grad)
    with torch.no_grad():
        z = torch.matmul(x, w) + b
    log.append(z.requires_grad)

    z = torch.matmul(x, w) + b
    z_det = z.detach()
    log.append((z_det.requires_grad, z_det))

    # tensor gradients and Jacobian products
    inp = torch.eye(4, 5, requires_grad=True)
    out = (inp + 1).pow(2).t()
    out.backward(torch.ones_like(out), retain_graph=True)
    log.append(inp.grad.clone())
    out.backward(torch.ones_like(out))
    log.append(inp.grad.clone())
    inp.grad.zero_()
    out = (inp + 1).pow(2).t()
    out.backward(torch.ones_like(out), retain_graph=True)
    log.append(inp.grad)

    # the blitz: a vector-Jacobian product with backward(gradient=v)
    a = torch.tensor([2., 3.], requires_grad=True)
    b = torch.tensor([6., 4.], requires_grad=True)
    Q = 3 * a ** 3 - b ** 2
    external_grad = torch.tensor([1., 1.])
    Q.backward(gradient=external_grad)
    log.append((a.grad, b.grad, 9 * a ** 2 == a.grad, -2 * b == b.grad))

    x = torch.tensor(X3, requires_grad=True)
    y = x * 2
    while y.data.norm() < 1000:
        y = y * 2
    v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
    y.backward(v)
    log.append((y, x.grad))

    log.append((x.requires_grad, (x ** 2).requires_grad))
    with torch.no_grad():
        log.append((x ** 2).requires_grad)
    y = x.detach()
    log.append((y.requires_grad, x.eq(y).all()))

    # requires_grad_, grad accumulation, zeroing, retain_grad, hooks
    a = torch.tensor(X3)
    a = ((a * 3) / (a - 1))
    log.append(a.requires_grad)
    a.requires_grad_(True)
    log.append(a.requires_grad)
    b = (a * a).sum()
    log.append(b.grad_fn is not None)

    p = torch.tensor(X3, requires_grad=True)
    for _ in range(2):
        s = (p * p).sum()
        s.backward()
    log.append(p.grad.clone())
    p.grad = None
    h = p * 3
    h.retain_grad()
    seen = []
    handle = p.register_hook(lambda grad: seen.append(grad.clone()))
    (h ** 2).mean().backward()
    handle.remove()
    log.append((h.grad, p.grad, seen[0]))
    g, = torch.autograd.grad((p ** 3).sum(), p)
    log.append(g)
    with torch.set_grad_enabled(False):
        log.append((p * 2).requires_grad)
    torch.set_grad_enabled(True)
    log.append(torch.is_grad_enabled())
"""


def test_tensors_tutorial_gives_torch_values():
    start = np.random.default_rng(1).standard_normal((4, 4)).astype(np.float32)
    tiny, ref = run_both(TENSORS, START=start)
    assert len(tiny["log"]) == len(ref["log"])
    for step, (a, b) in enumerate(zip(tiny["log"], ref["log"])):
        assert_close(normalised(a), normalised(b), rtol=1e-6, atol=1e-6, what=f"log entry {step}")


def normalised(entry):
    """Sizes as tuples and dtypes/devices as strings, so both frameworks' spellings compare equal."""
    if isinstance(entry, (list, tuple)) and type(entry).__name__ in ("Size", "tuple", "list") and \
            all(isinstance(v, int) for v in entry):
        return tuple(entry)
    if isinstance(entry, (list, tuple)):
        return tuple(normalised(v) for v in entry)
    if type(entry).__name__ in ("dtype",) or "dtype" in type(entry).__name__.lower():
        return str(entry).replace("torch.", "")
    return entry


def test_autograd_tutorials_give_torch_values_and_gradients():
    rng = np.random.default_rng(2)
    names = dict(W=rng.standard_normal((5, 3)).astype(np.float32), B=rng.standard_normal(3).astype(np.float32),
                 X3=rng.standard_normal(3).astype(np.float32))
    tiny, ref = run_both(AUTOGRAD, **names)
    assert len(tiny["log"]) == len(ref["log"])
    for step, (a, b) in enumerate(zip(tiny["log"], ref["log"])):
        assert_close(normalised(a), normalised(b), rtol=1e-5, atol=1e-6, what=f"log entry {step}")
