"""The numpy reference backend: every kernel written plainly with numpy.

Read this file first: it says what each C kernel computes, without the
blocking, packing and threads that make the C fast.  It is also the oracle
the tests compare the C against, and what runs when the C extension could not
be built (or when ``TINYNET_BACKEND=numpy``).

All functions receive arguments already checked by ``tinynet.kernels``.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

NAME = "numpy"


# ---- GEMM ---------------------------------------------------------------

def gemm(a, b, trans_a, trans_b, alpha, beta, c):
    """c <- alpha * op(a) @ op(b) + beta * c, in place.  When beta == 0, c is not read."""
    product = (a.T if trans_a else a) @ (b.T if trans_b else b)
    if beta == 0:
        np.multiply(product, alpha, out=c, casting="same_kind")
    else:
        c *= beta
        c += alpha * product


# ---- convolution ----------------------------------------------------------

def _windows(x_padded, kernel_h, kernel_w, stride_h, stride_w):
    """View of every receptive field: shape (N, C, out_h, out_w, kernel_h, kernel_w).

    This is im2col without the copy: window [n, c, i, j] is the kernel-sized
    patch of channel c whose top-left corner is at (i*stride_h, j*stride_w)."""
    windows = sliding_window_view(x_padded, (kernel_h, kernel_w), axis=(2, 3))
    return windows[:, :, ::stride_h, ::stride_w]


def _pad_spatial(x, pad_h, pad_w, value=0.0):
    return np.pad(x, ((0, 0), (0, 0), (pad_h, pad_h), (pad_w, pad_w)), constant_values=value)


def conv2d_forward(g, x, w, bias):
    """y[n,o,i,j] = bias[o] + sum_{c,p,q} w[o,c,p,q] * x_padded[n, c, i*sh + p, j*sw + q]"""
    windows = _windows(_pad_spatial(x, g.pad_h, g.pad_w), g.kernel_h, g.kernel_w, g.stride_h, g.stride_w)
    windows = windows[:, :, : g.out_h, : g.out_w]
    y = np.einsum("ncijpq,ocpq->noij", windows, w, optimize=True)
    if bias is not None:
        y += bias.reshape(1, -1, 1, 1)
    return np.ascontiguousarray(y, dtype=x.dtype)


def conv2d_backward(g, x, w, dy, need_dx, need_dw, need_db):
    """The three gradients of a convolution.

    dL/dw[o,c,p,q] = sum_{n,i,j} dy[n,o,i,j] * x_padded[n, c, i*sh + p, j*sw + q]
    dL/db[o]       = sum_{n,i,j} dy[n,o,i,j]
    dL/dx          = every window's share w[o,c,p,q] * dy[n,o,i,j], added back
                     where the window read it (col2im), then the padding cut off.
    """
    dx = dw = db = None
    if need_dw:
        windows = _windows(_pad_spatial(x, g.pad_h, g.pad_w), g.kernel_h, g.kernel_w, g.stride_h, g.stride_w)
        windows = windows[:, :, : g.out_h, : g.out_w]
        dw = np.ascontiguousarray(np.einsum("noij,ncijpq->ocpq", dy, windows, optimize=True), dtype=x.dtype)
    if need_db:
        db = dy.sum(axis=(0, 2, 3)).astype(x.dtype)
    if need_dx:
        window_grads = np.einsum("noij,ocpq->ncijpq", dy, w, optimize=True)
        dx_padded = np.zeros((g.batch, g.in_channels, g.in_h + 2 * g.pad_h, g.in_w + 2 * g.pad_w), dtype=x.dtype)
        rows_end = g.stride_h * (g.out_h - 1) + 1
        cols_end = g.stride_w * (g.out_w - 1) + 1
        for p in range(g.kernel_h):
            for q in range(g.kernel_w):
                dx_padded[:, :, p : p + rows_end : g.stride_h, q : q + cols_end : g.stride_w] += window_grads[..., p, q]
        dx = np.ascontiguousarray(dx_padded[:, :, g.pad_h : g.pad_h + g.in_h, g.pad_w : g.pad_w + g.in_w])
    return dx, dw, db


# ---- pooling ----------------------------------------------------------------

def max_pool2d_forward(g, x):
    """y = the largest value in each window (padding counts as -inf); argmax = where it was,
    as row * in_w + col in the input plane, the first one in row-major order on ties."""
    padded = _pad_spatial(x, g.pad_h, g.pad_w, value=-np.inf)
    windows = _windows(padded, g.kernel_h, g.kernel_w, g.stride_h, g.stride_w)[:, :, : g.out_h, : g.out_w]
    flat = windows.reshape(g.batch, g.channels, g.out_h, g.out_w, g.kernel_h * g.kernel_w)
    y = flat.max(axis=-1)  # NaN if the window holds one, as in PyTorch
    # Where the maximum is: the first in-bounds element equal to it.  (In-bounds only: when
    # every real element of a window is -inf, a padding cell ties with them but is not an input.)
    inside = _windows(_pad_spatial(np.ones((1, 1, g.in_h, g.in_w), dtype=bool), g.pad_h, g.pad_w),
                      g.kernel_h, g.kernel_w, g.stride_h, g.stride_w)[:, :, : g.out_h, : g.out_w]
    inside = inside.reshape(1, 1, g.out_h, g.out_w, g.kernel_h * g.kernel_w)
    is_max = (flat == y[..., None]) | (np.isnan(flat) & np.isnan(y)[..., None])
    best = (is_max & inside).argmax(axis=-1)  # first True: ties go to the lowest index
    p, q = np.divmod(best, g.kernel_w)
    rows = np.arange(g.out_h).reshape(-1, 1) * g.stride_h - g.pad_h + p
    cols = np.arange(g.out_w).reshape(1, -1) * g.stride_w - g.pad_w + q
    argmax = (rows * g.in_w + cols).astype(np.int32)
    return np.ascontiguousarray(y, dtype=x.dtype), argmax


def max_pool2d_backward(g, dy, argmax):
    """dL/dx[k] = sum of dy over the outputs whose argmax is k (windows may overlap)."""
    planes = g.batch * g.channels
    dx = np.zeros((planes, g.in_h * g.in_w), dtype=dy.dtype)
    plane_index = np.arange(planes).reshape(-1, 1)
    np.add.at(dx, (plane_index, argmax.reshape(planes, -1)), dy.reshape(planes, -1))
    return dx.reshape(g.batch, g.channels, g.in_h, g.in_w)


def _avg_divisors(g, dtype, count_include_pad):
    """How many elements each output averages over: the whole kernel, or only the in-bounds part."""
    if count_include_pad:
        return np.asarray(g.kernel_h * g.kernel_w, dtype=dtype)
    ones = _pad_spatial(np.ones((1, 1, g.in_h, g.in_w), dtype=dtype), g.pad_h, g.pad_w)
    windows = _windows(ones, g.kernel_h, g.kernel_w, g.stride_h, g.stride_w)[:, :, : g.out_h, : g.out_w]
    return windows.sum(axis=(-1, -2))


def avg_pool2d_forward(g, x, count_include_pad):
    """y = sum of the window / divisor (zero padding)."""
    windows = _windows(_pad_spatial(x, g.pad_h, g.pad_w), g.kernel_h, g.kernel_w, g.stride_h, g.stride_w)
    sums = windows[:, :, : g.out_h, : g.out_w].sum(axis=(-1, -2))
    return np.ascontiguousarray(sums / _avg_divisors(g, x.dtype, count_include_pad), dtype=x.dtype)


def avg_pool2d_backward(g, dy, count_include_pad):
    """dL/dx = each output's dy / divisor, spread over every element of its window."""
    share = dy / _avg_divisors(g, dy.dtype, count_include_pad)
    padded = np.zeros((g.batch, g.channels, g.in_h + 2 * g.pad_h, g.in_w + 2 * g.pad_w), dtype=dy.dtype)
    rows_end = g.stride_h * (g.out_h - 1) + 1
    cols_end = g.stride_w * (g.out_w - 1) + 1
    for p in range(g.kernel_h):
        for q in range(g.kernel_w):
            padded[:, :, p : p + rows_end : g.stride_h, q : q + cols_end : g.stride_w] += share
    return np.ascontiguousarray(padded[:, :, g.pad_h : g.pad_h + g.in_h, g.pad_w : g.pad_w + g.in_w])
