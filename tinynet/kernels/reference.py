"""The numpy reference backend: every kernel's algorithm, written plainly.

Read this before csrc/: the C runs the same algorithms, with blocking,
packing, SIMD and threads added for speed.  It is also the oracle the tests
compare the C against, and what runs when the C extension could not be built
(or when ``TINYNET_BACKEND=numpy``).

Convolution is darknet's picture.  im2col copies every receptive field into a
column of one matrix, so the forward pass is one matrix product; the backward
pass is two matrix products (one for the weights, one for the columns) and
col2im, which adds each column's gradient back where im2col read it.
Pooling walks the kernel's offsets, keeping for every window the best value
so far and where it was (the argmax, which the backward pass scatters to).

All functions receive arguments already checked by the API modules (a
geometry ``g`` from geometry.py, arrays of matching shapes and dtypes).
"""

import numpy as np

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


# ---- the window offsets every kernel below walks ------------------------------

def _pad(x, g, value=0.0):
    return np.pad(x, ((0, 0), (0, 0), (g.pad_h, g.pad_h), (g.pad_w, g.pad_w)), constant_values=value)


def _tap(padded, g, p, q):
    """The element at offset (p, q) of every window: tap[n, c, i, j] = padded[n, c, i*sh + p, j*sw + q]."""
    return padded[:, :, p: p + g.stride_h * (g.out_h - 1) + 1: g.stride_h,
                  q: q + g.stride_w * (g.out_w - 1) + 1: g.stride_w]


def _crop(padded, g):
    return np.ascontiguousarray(padded[:, :, g.pad_h: g.pad_h + g.in_h, g.pad_w: g.pad_w + g.in_w])


# ---- convolution: im2col + GEMM, and back ---------------------------------------

def im2col(x, g):
    """col[(c, p, q), (n, i, j)] = x_padded[n, c, i*sh + p, j*sw + q]: one column per output position,
    holding the receptive field it sees."""
    padded = _pad(x, g)
    col = np.empty((g.in_channels, g.kernel_h, g.kernel_w, g.batch, g.out_h, g.out_w), dtype=x.dtype)
    for p in range(g.kernel_h):
        for q in range(g.kernel_w):
            col[:, p, q] = _tap(padded, g, p, q).transpose(1, 0, 2, 3)
    return col.reshape(g.in_channels * g.kernel_h * g.kernel_w, g.batch * g.out_h * g.out_w)


def col2im(col, g):
    """The adjoint of im2col: add every column entry back onto the input element it was copied from."""
    col = col.reshape(g.in_channels, g.kernel_h, g.kernel_w, g.batch, g.out_h, g.out_w)
    padded = np.zeros((g.batch, g.in_channels, g.in_h + 2 * g.pad_h, g.in_w + 2 * g.pad_w), dtype=col.dtype)
    for p in range(g.kernel_h):
        for q in range(g.kernel_w):
            _tap(padded, g, p, q)[...] += col[:, p, q].transpose(1, 0, 2, 3)  # (a view: adds into padded)
    return _crop(padded, g)


def conv2d_forward(g, x, w, bias):
    """y[n,o,i,j] = bias[o] + sum_{c,p,q} w[o,c,p,q] x_padded[n, c, i*sh + p, j*sw + q]:  Y = W col."""
    y = w.reshape(g.out_channels, -1) @ im2col(x, g)  # (C_out, N * out_h * out_w)
    y = y.reshape(g.out_channels, g.batch, g.out_h, g.out_w).transpose(1, 0, 2, 3)
    if bias is not None:
        y = y + bias.reshape(1, -1, 1, 1)
    return np.ascontiguousarray(y, dtype=x.dtype)


def conv2d_backward(g, x, w, dy, need_dx, need_dw, need_db):
    """With Y = W col:  dL/dW = dY col^T,  dL/dcol = W^T dY (then col2im),  dL/db = dY summed over positions."""
    dy_matrix = dy.transpose(1, 0, 2, 3).reshape(g.out_channels, -1)  # (C_out, N * out_h * out_w)
    dx = dw = db = None
    if need_dw:
        dw = (dy_matrix @ im2col(x, g).T).reshape(w.shape).astype(x.dtype, copy=False)
    if need_db:
        db = dy_matrix.sum(axis=1).astype(x.dtype, copy=False)
    if need_dx:
        dx = col2im(w.reshape(g.out_channels, -1).T @ dy_matrix, g)
    return dx, dw, db


# ---- pooling: loops over the window's offsets -------------------------------------

def _inside(g):
    """inside[p, q][i, j]: whether window (i, j)'s element at offset (p, q) is in the image (not padding)."""
    rows = np.arange(g.out_h)[:, None] * g.stride_h - g.pad_h
    cols = np.arange(g.out_w)[None, :] * g.stride_w - g.pad_w
    return {(p, q): ((0 <= rows + p) & (rows + p < g.in_h)) & ((0 <= cols + q) & (cols + q < g.in_w))
            for p in range(g.kernel_h) for q in range(g.kernel_w)}


def max_pool2d_forward(g, x):
    """y = the largest value of each window; argmax = where it was, as row * in_w + col in the input plane.

    The first in-bounds element of a window starts as its best; a later one replaces it only if
    strictly larger (so ties go to the first in row-major order), or if it is a NaN (a NaN anywhere
    makes the maximum NaN, and the last NaN holds the argmax, as in PyTorch).
    """
    padded = _pad(x, g, value=-np.inf)
    shape = (g.batch, g.channels, g.out_h, g.out_w)
    best = np.full(shape, -np.inf, dtype=x.dtype)
    argmax = np.zeros(shape, dtype=np.int32)
    seen = np.zeros((g.out_h, g.out_w), dtype=bool)
    rows = np.arange(g.out_h)[:, None] * g.stride_h - g.pad_h
    cols = np.arange(g.out_w)[None, :] * g.stride_w - g.pad_w
    for (p, q), inside in _inside(g).items():
        value = _tap(padded, g, p, q)
        take = inside & (~seen | (value > best) | np.isnan(value))
        best = np.where(take, value, best)
        argmax = np.where(take, (rows + p) * g.in_w + (cols + q), argmax).astype(np.int32)
        seen |= inside
    return np.ascontiguousarray(best), np.ascontiguousarray(argmax)


def max_pool2d_backward(g, dy, argmax):
    """dL/dx[k] = sum of dy over the outputs whose argmax is k (windows may overlap)."""
    planes = g.batch * g.channels
    dx = np.zeros((planes, g.in_h * g.in_w), dtype=dy.dtype)
    np.add.at(dx, (np.arange(planes)[:, None], argmax.reshape(planes, -1)), dy.reshape(planes, -1))
    return dx.reshape(g.batch, g.channels, g.in_h, g.in_w)


def _avg_divisors(g, dtype, count_include_pad):
    """How many elements each output averages over: the whole kernel, or only the in-bounds part."""
    if count_include_pad:
        return dtype.type(g.kernel_h * g.kernel_w)
    return sum(inside.astype(dtype) for inside in _inside(g).values())


def avg_pool2d_forward(g, x, count_include_pad):
    """y = (sum of the window, zero padding) / divisor."""
    padded = _pad(x, g)
    total = np.zeros((g.batch, g.channels, g.out_h, g.out_w), dtype=x.dtype)
    for p in range(g.kernel_h):
        for q in range(g.kernel_w):
            total += _tap(padded, g, p, q)
    return np.ascontiguousarray(total / _avg_divisors(g, x.dtype, count_include_pad), dtype=x.dtype)


def avg_pool2d_backward(g, dy, count_include_pad):
    """dL/dx = each output's dy / divisor, added to every element of its window."""
    share = dy / _avg_divisors(g, dy.dtype, count_include_pad)
    padded = np.zeros((g.batch, g.channels, g.in_h + 2 * g.pad_h, g.in_w + 2 * g.pad_w), dtype=dy.dtype)
    for p in range(g.kernel_h):
        for q in range(g.kernel_w):
            _tap(padded, g, p, q)[...] += share
    return _crop(padded, g)


# ---- optimizer steps, parameter by parameter --------------------------------------
# The operations of tinynet/optim/sgd.py and adam.py, in their order: numpy rounds a Python float to the
# array's dtype before multiplying, as the C does with its scalars.

def _overlapping(*arrays):
    """Whether any two of the arrays (None entries aside) share memory."""
    arrays = [a for a in arrays if a is not None]
    return any(np.may_share_memory(a, b) for i, a in enumerate(arrays) for b in arrays[i + 1:])


def sgd_step(params, grads, buffers, fresh, lr, weight_decay, momentum, dampening, nesterov, maximize):
    """p -= lr * g, with g the gradient after maximize, weight decay and (Nesterov) momentum.  A parameter
    whose arrays share memory is skipped; returns their positions."""
    skipped = [k for k in range(len(params))
               if _overlapping(params[k], grads[k], None if buffers is None else buffers[k])]
    for k, (p, g) in enumerate(zip(params, grads)):
        if k in skipped:
            continue
        g = -g if maximize else g
        if weight_decay != 0:
            g = g + weight_decay * p
        if buffers is not None:
            b = buffers[k]
            if fresh[k]:
                b[...] = g
            else:
                b *= momentum
                b += (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        p -= lr * g
    return skipped


def adam_step(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, lr, beta1, beta2, eps, weight_decay,
              decoupled, maximize):
    """p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps), the moments m and v updated first.
    A parameter whose arrays share memory is skipped; returns their positions."""
    v_maxes = max_exp_avg_sqs or [None] * len(params)
    skipped = [k for k in range(len(params))
               if _overlapping(params[k], grads[k], exp_avgs[k], exp_avg_sqs[k], v_maxes[k])]
    for k, (p, g) in enumerate(zip(params, grads)):
        if k in skipped:
            continue
        g = -g if maximize else g
        if weight_decay != 0 and decoupled:
            p *= 1 - lr * weight_decay
        elif weight_decay != 0:
            g = g + weight_decay * p
        m, v = exp_avgs[k], exp_avg_sqs[k]
        m *= beta1
        m += (1 - beta1) * g
        v *= beta2
        v += (1 - beta2) * g * g
        if max_exp_avg_sqs is not None:
            np.maximum(max_exp_avg_sqs[k], v, out=max_exp_avg_sqs[k])
            v = max_exp_avg_sqs[k]
        denominator = np.sqrt(v) / np.sqrt(1 - beta2 ** steps[k]) + eps
        p -= ((lr / (1 - beta1 ** steps[k])) * m / denominator).astype(p.dtype, copy=False)
    return skipped


# ---- softmax cross-entropy against class labels ---------------------------------------

def cross_entropy(logits, labels, scale, want_grad):
    """sum_n (log sum_c exp(z_nc) - z_n,t_n) and scale * (softmax(z) - one_hot(t)); None if a label is not a class."""
    rows, classes = logits.shape
    if labels.min() < 0 or labels.max() >= classes:
        return None
    shifted = logits - logits.max(axis=1, keepdims=True)  # so that no exp overflows
    exps = np.exp(shifted.astype(np.float64))
    sums = exps.sum(axis=1)
    items = np.arange(rows)
    loss_sum = float((np.log(sums) - shifted[items, labels]).sum())
    if not want_grad:
        return loss_sum, None
    grad = exps / sums[:, None]
    grad[items, labels] -= 1
    return loss_sum, (scale * grad).astype(logits.dtype)


# ---- a fully connected layer (with its ReLU) -------------------------------------------

def linear_forward(x, w, b, relu, y):
    """y <- x w^T + b, then y * [y > 0] with the ReLU."""
    np.matmul(x, w.T, out=y)
    if b is not None:
        y += b
    if relu:
        y *= y > 0


def linear_backward(x, w, y, dy, dx, dw, db):
    """dz = dy * [y > 0] (with the ReLU, y its output) or dy; dx <- dz w, dw <- dz^T x, db <- sum of dz's rows."""
    dz = dy if y is None else dy * (y > 0)
    if dx is not None:
        np.matmul(dz, w, out=dx)
    if dw is not None:
        np.matmul(dz.T, x, out=dw)
    if db is not None:
        db[...] = dz.sum(axis=0)


# ---- the ReLU over a whole array ----------------------------------------------------------------

def relu_forward(x, y, positive):
    """y <- max(x, 0) (NaN stays NaN), positive <- [x > 0]."""
    np.greater(x, 0, out=positive)
    np.maximum(x, 0, out=y)


def relu_backward(dy, positive, dx):
    """dx <- dy * positive (inf * 0 is NaN, as in C: no warning)."""
    with np.errstate(invalid="ignore"):
        np.multiply(dy, positive, out=dx)


def add(a, b, out):
    """out <- a + b (out may be a); inf + -inf is NaN and a sum past the largest float inf, as in C: no warning."""
    with np.errstate(invalid="ignore", over="ignore"):
        np.add(a, b, out=out)


def tanh_forward(x, y):
    """y <- tanh(x): numpy's (the C kernel takes other steps to within 2 ulp of the same: tanh_math.h)."""
    np.tanh(x, out=y)


def tanh_backward(y, dy, dx):
    """dx <- dy - dy * y * y (= dy (1 - y^2) for y = tanh(x)), in that order (inf * 0 is NaN: no warning)."""
    with np.errstate(invalid="ignore", over="ignore"):
        np.subtract(dy, dy * y * y, out=dx)


# ---- batch normalization: per-channel statistics, and the chain rule through them ------------

def _per_channel(x):
    """x (N, C, ...) as (N, C, M'), and the shape that broadcasts a (C,) vector against it."""
    return x.reshape(x.shape[0], x.shape[1], -1), (1, -1, 1)


def batch_norm_forward(g, x, weight, bias, mean, var, eps, training, relu):
    """y = weight * (x - mean) / sqrt(var + eps) + bias (then max(y, 0) with relu), per channel.

    In training mean and var are the batch's, over N and the plane (var biased: divided by M).
    """
    values, vector = _per_channel(x)
    if training:
        mean = values.mean(axis=(0, 2), dtype=np.float64).astype(x.dtype)
        var = ((values - mean.reshape(vector)) ** 2).mean(axis=(0, 2), dtype=np.float64).astype(x.dtype)
    inv_std = (1 / np.sqrt(var.astype(np.float64) + eps)).astype(x.dtype)
    y = (values - mean.reshape(vector)) * inv_std.reshape(vector)
    if weight is not None:
        y = y * weight.reshape(vector)
    if bias is not None:
        y = y + bias.reshape(vector)
    if relu:
        y = np.maximum(y, 0)
    return np.ascontiguousarray(y.reshape(x.shape), dtype=x.dtype), mean, var, inv_std


def batch_norm_backward(g, x, dy, mean, inv_std, weight, bias, training, relu, need_dx, need_dw, need_db):
    """With g = dL/dy (zero where the ReLU, if any, cut y off) and x_hat = (x - mean) * inv_std:
    dL/dbias = sum(g), dL/dweight = sum(g x_hat), and in training
    dL/dx = weight * inv_std * (g - mean(g) - x_hat mean(g x_hat))  (mean and var depend on x too),
    else dL/dx = weight * inv_std * g."""
    values, vector = _per_channel(x)
    grad = dy.reshape(values.shape)
    x_hat = (values - mean.reshape(vector)) * inv_std.reshape(vector)
    scale = inv_std if weight is None else weight * inv_std
    if relu:
        shift = (0 if bias is None else bias) - mean * scale
        grad = np.where(values * scale.reshape(vector) + shift.reshape(vector) > 0, grad, 0)
    dx = dw = db = None
    if need_db:
        db = grad.sum(axis=(0, 2)).astype(x.dtype)
    if need_dw:
        dw = (grad * x_hat).sum(axis=(0, 2)).astype(x.dtype)
    if need_dx:
        if training:
            grad = grad - grad.mean(axis=(0, 2), keepdims=True) - x_hat * (grad * x_hat).mean(axis=(0, 2), keepdims=True)
        dx = np.ascontiguousarray((grad * scale.reshape(vector)).reshape(x.shape), dtype=x.dtype)
    return dx, dw, db
