"""Make the pictures in docs/figures/ with tinynet itself: ``python docs/make_figures.py [out_dir]``.

  graph_222.png       the 2-2-2 network of backprop-by-hand.md, drawn by tinynet.viz.draw_graph
                      after a backward pass, with every node's gradient norm
  graph_cnn.png       the same for a small CNN (conv, relu, max pool, flatten, linear, cross-entropy)
  im2col.png          a 4x4 image, a 3x3 kernel: the im2col matrix (one column per receptive field)
  col2im.png          backward of a convolution: dL/dcol = W^T G scattered back by col2im;
                      and how many receptive fields hold each pixel
  pool_backward.png   max pooling's backward (each gradient to its window's argmax) beside average pooling's

Every number in the pictures is computed by tinynet's kernels.  The im2col
matrix, for instance, comes from ``tinynet.kernels.conv2d_forward`` with
one-hot kernels: a kernel that is 1 at tap (p, q) and 0 elsewhere copies
x[i + p, j + q] to output (i, j) -- exactly row (p, q) of im2col.  And
col2im, the adjoint of im2col, is that convolution's input gradient.
"""

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a checkout without installing

import tinynet  # noqa: E402
from tinynet import kernels, nn, viz  # noqa: E402
from tinynet.examples import bp  # noqa: E402
from tinynet.viz.style import RED_WHITE_BLUE, new_figure, savefig, symmetric_limit  # noqa: E402


def one_hot_kernels(kernel_h, kernel_w, dtype=np.float64):
    """(kh*kw, 1, kh, kw) weights, kernel t = 1 at tap t: convolving with them is im2col of a 1-channel image."""
    return np.eye(kernel_h * kernel_w, dtype=dtype).reshape(kernel_h * kernel_w, 1, kernel_h, kernel_w)


def im2col(image, kernel_h, kernel_w, padding=0):
    """The im2col matrix (kh*kw rows, out_h*out_w columns) of a 1-channel image, via tinynet's conv2d kernel."""
    x = image[None, None].astype(np.float64)
    taps = kernels.conv2d_forward(x, one_hot_kernels(kernel_h, kernel_w), padding=padding)
    return taps[0].reshape(kernel_h * kernel_w, -1)


def col2im(col, image_shape, kernel_h, kernel_w, padding=0):
    """col2im of a (kh*kw, out_h*out_w) matrix: each entry added to the pixel im2col took it from."""
    x = np.zeros((1, 1) + tuple(image_shape))
    weight = one_hot_kernels(kernel_h, kernel_w)
    out_h = image_shape[0] + 2 * padding - kernel_h + 1
    grad_taps = col.reshape(1, kernel_h * kernel_w, out_h, -1)
    grad_x, _, _ = kernels.conv2d_backward(x, weight, grad_taps, padding=padding, weight_grad=False, bias_grad=False)
    return grad_x[0, 0]


def annotated(ax, matrix, title, fmt="{:g}", cmap=None, limit=None, highlight=None, xlabel=None, ylabel=None):
    """A matrix as coloured cells with its numbers written in; ``highlight``: boolean mask of cells to outline."""
    matrix = np.asarray(matrix, dtype=float)
    limit = limit if limit is not None else symmetric_limit(matrix)
    # Signed values on red-white-blue around 0; plain values (cmap given) from white at 0 up to limit.
    ax.imshow(matrix, cmap=cmap or RED_WHITE_BLUE, vmin=0 if cmap else -limit, vmax=limit)
    for (i, j), value in np.ndenumerate(matrix):
        ax.text(j, i, fmt.format(value + 0.0), ha="center", va="center", fontsize=8)  # + 0.0: no "-0"
    if highlight is not None:
        from matplotlib.patches import Rectangle

        for i, j in zip(*np.nonzero(highlight)):
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="black", linewidth=2))
    ax.set_title(title, fontsize=9)
    ax.set_xticks(range(matrix.shape[1]))
    ax.set_yticks(range(matrix.shape[0]))
    ax.tick_params(labelsize=7, length=0)
    if xlabel:
        ax.set_xlabel(xlabel, fontsize=8)
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=8)


def figure_graph(out_dir):
    """The 2-2-2 network's graph after backward, every box with its gradient norm."""
    model, loss = bp.hand_network_loss()
    with viz.record_gradients() as gradients:
        loss.backward()
    return viz.draw_graph(loss, out_dir / "graph_222.png", names=model, gradients=gradients,
                          title="2-2-2 sigmoid network, MSE loss: the graph backward walks (right to left)")


def small_cnn():
    """conv 1->2 3x3, relu, max pool 2, flatten, linear 8->3: the CNN at the end of backprop-by-hand.md."""
    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8, 3))


def figure_graph_cnn(out_dir):
    """A small CNN's graph on a batch of two 6x6 images, after backward."""
    tinynet.manual_seed(0)
    model = small_cnn()
    loss = nn.CrossEntropyLoss()(model(tinynet.randn(2, 1, 6, 6)), tinynet.tensor(np.array([0, 2])))
    with viz.record_gradients() as gradients:
        loss.backward()
    return viz.draw_graph(loss, out_dir / "graph_cnn.png", names=model, gradients=gradients,
                          title="a small CNN: conv, relu, max pool, flatten, linear, cross-entropy")


def figure_im2col(out_dir):
    """A 4x4 image with values 1..16 and the 9 x 4 im2col matrix of its 3x3 windows."""
    image = np.arange(1, 17, dtype=np.float64).reshape(4, 4)
    col = im2col(image, 3, 3)
    fig = new_figure(8.2, 3.4)
    left, right = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    window = np.zeros((4, 4), dtype=bool)
    window[0:3, 1:4] = True  # the receptive field of output pixel (0, 1)
    annotated(left, image, "x (4x4); outlined: the window of output (0, 1)", cmap="Greys", limit=30,
              highlight=window)
    column = np.zeros_like(col, dtype=bool)
    column[:, 1] = True
    annotated(right, col, "im2col: col[(p,q), (i,j)] = x[i+p, j+q]", cmap="Greys", limit=30, highlight=column,
              xlabel="output pixel (i,j) = 0,0  0,1  1,0  1,1", ylabel="kernel tap (p,q), row-major")
    right.set_xticks(range(4), ["0,0", "0,1", "1,0", "1,1"])
    right.set_yticks(range(9), [f"{p},{q}" for p in range(3) for q in range(3)])
    return savefig(fig, out_dir / "im2col.png", dpi=110)


def figure_col2im(out_dir):
    """Backward of a 3x3 convolution on a 4x4 image: G -> W^T G -> col2im; and the window count per pixel."""
    weight = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])  # a Sobel kernel
    grad_out = np.array([[1.0, -1.0], [0.5, 2.0]])                              # G = dL/dy, 2x2
    grad_col = np.outer(weight.reshape(9), grad_out.reshape(4))                # W^T G: (9 x 1) (1 x 4)
    grad_x = col2im(grad_col, (4, 4), 3, 3)
    # Check against the convolution kernel's own backward (the same numbers, computed without col2im).
    direct, _, _ = kernels.conv2d_backward(np.zeros((1, 1, 4, 4)), weight[None, None], grad_out[None, None],
                                           weight_grad=False, bias_grad=False)
    np.testing.assert_allclose(grad_x, direct[0, 0], atol=1e-12)
    counts = col2im(np.ones((9, 25)), (5, 5), 3, 3, padding=1)
    fig = new_figure(11.5, 3.1)
    axes = [fig.add_subplot(1, 4, i + 1, aspect="equal") for i in range(4)]
    annotated(axes[0], grad_out, "G = dL/dy (2x2)")
    annotated(axes[1], grad_col, "dL/dcol = W^T G (9x4)")
    axes[1].set_xticks(range(4), ["0,0", "0,1", "1,0", "1,1"])
    axes[1].set_yticks(range(9), [f"{p},{q}" for p in range(3) for q in range(3)])
    annotated(axes[2], grad_x, "dL/dx = col2im(dL/dcol) (4x4)")
    annotated(axes[3], counts, "col2im(ones): windows per pixel\n(5x5, 3x3 kernel, padding 1)", cmap="Greys",
              limit=15)
    fig.subplots_adjust(wspace=0.35)
    return savefig(fig, out_dir / "col2im.png", dpi=110)


def figure_pool_backward(out_dir):
    """Max pooling 2x2 of a 4x4 input: forward, argmax, and the backward scatter; average pooling's spread."""
    x = np.array([[1.0, 3.0, 2.0, 0.0], [4.0, 2.0, 1.0, 5.0], [0.0, 6.0, 2.0, 2.0], [1.0, 2.0, 7.0, 3.0]])
    grad_out = np.array([[0.5, -1.0], [2.0, 1.5]])
    y, argmax = kernels.max_pool2d_forward(x[None, None], 2)
    grad_max = kernels.max_pool2d_backward(grad_out[None, None], argmax, (1, 1, 4, 4), 2)[0, 0]
    grad_avg = kernels.avg_pool2d_backward(grad_out[None, None], (1, 1, 4, 4), 2)[0, 0]
    picked = np.zeros(16, dtype=bool)
    picked[argmax.reshape(-1)] = True
    picked = picked.reshape(4, 4)
    fig = new_figure(11.5, 3.1)
    axes = [fig.add_subplot(1, 4, i + 1) for i in range(4)]
    annotated(axes[0], x, "x; outlined: each 2x2 window's max", cmap="Greys", limit=12, highlight=picked)
    annotated(axes[1], y[0, 0], f"y = max_pool(x)\nargmax (flat) = {argmax.reshape(-1).tolist()}", cmap="Greys",
              limit=12)
    annotated(axes[2], grad_max, "max pool: dL/dx\n(dL/dy sent to the argmax)", highlight=picked)
    annotated(axes[3], grad_avg, "avg pool: dL/dx\n(dL/dy / 4 to all four)", fmt="{:.3g}")
    fig.suptitle(f"2x2 pooling, stride 2, of a 4x4 input; the same dL/dy = {grad_out.tolist()} for both backward "
                 "passes", fontsize=9, y=1.04)
    fig.subplots_adjust(wspace=0.35)
    return savefig(fig, out_dir / "pool_backward.png", dpi=110)


def make_all(out_dir):
    """Write every figure to ``out_dir``; returns their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [figure_graph(out_dir), figure_graph_cnn(out_dir), figure_im2col(out_dir), figure_col2im(out_dir),
            figure_pool_backward(out_dir)]


if __name__ == "__main__":
    for path in make_all(sys.argv[1] if len(sys.argv) > 1 else HERE / "figures"):
        print(path)
