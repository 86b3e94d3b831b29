"""Matrix products: matmul (numpy's @ semantics), the linear layer x @ W^T + b, and that layer with its ReLU.

2-D floating-point products go to ``tinynet.kernels.gemm`` -- the C GEMM --
with transposes passed as flags rather than copied.  Batched and 1-D cases
use numpy's matmul.

For C = A B:  dL/dA = dL/dC B^T   and   dL/dB = A^T dL/dC.
"""

import math

import numpy as np

from tinynet import kernels
from tinynet.autograd.function import Function
from tinynet.kernels import config
from tinynet.ops.broadcasting import sum_to_shape
from tinynet.ops.operands import as_tensor
from tinynet.ops.out import into

__all__ = ["matmul", "linear"]

_GEMM_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _uses_gemm(a, b):
    return a.ndim == 2 and b.ndim == 2 and a.dtype is b.dtype and a.dtype in _GEMM_DTYPES


def gemm_product(a, b, trans_a=False, trans_b=False):
    """op(a) @ op(b) through the C GEMM, reading a transposed view's memory directly instead of copying it."""
    # A transposed view (x.T) is Fortran-ordered: its .T is C-contiguous, so hand GEMM that with the flag flipped.
    if not a.flags.c_contiguous and a.flags.f_contiguous:
        a, trans_a = a.T, not trans_a
    if not b.flags.c_contiguous and b.flags.f_contiguous:
        b, trans_b = b.T, not trans_b
    return kernels.gemm(a, b, trans_a=trans_a, trans_b=trans_b)


class MatMul(Function):
    """a @ b with numpy's rules: 1-D operands are treated as a row (left) or column (right) vector,
    leading dimensions broadcast as a batch.

    dL/da = dL/dout @ b^T,  dL/db = a^T @ dL/dout  (batch axes summed back to each operand's shape).
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        if _uses_gemm(a, b):
            return gemm_product(a, b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        if _uses_gemm(a, b):
            return (gemm_product(grad, b, trans_b=True) if need_a else None,
                    gemm_product(a, grad, trans_a=True) if need_b else None)
        # Make both operands at least 2-D (a vector a becomes a 1 x k row, b a k x 1 column),
        # and give grad the matching axes, so one formula covers every case.
        a2 = a[np.newaxis, :] if a.ndim == 1 else a
        b2 = b[:, np.newaxis] if b.ndim == 1 else b
        if b.ndim == 1:  # (this one first: for vector @ vector grad is 0-d)
            grad = np.expand_dims(grad, -1)
        if a.ndim == 1:
            grad = np.expand_dims(grad, -2)
        grad_a = grad_b = None
        if need_a:
            grad_a = sum_to_shape(np.matmul(grad, np.swapaxes(b2, -1, -2)), a2.shape).reshape(a.shape)
        if need_b:
            grad_b = sum_to_shape(np.matmul(np.swapaxes(a2, -1, -2), grad), b2.shape).reshape(b.shape)
        return grad_a, grad_b


def matmul(input, other, *, out=None):
    """Matrix product with numpy's @ rules (1-D operands as vectors, leading dimensions as a batch)."""
    input, other = as_tensor(input), as_tensor(other)
    a, b = input._array, other._array
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"matmul needs operands with at least 1 dimension, got shapes {a.shape} and {b.shape}")
    if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
        raise RuntimeError(f"matmul: shapes {a.shape} and {b.shape} do not line up (inner dimensions differ)")
    if a.dtype != b.dtype:  # PyTorch does not promote a matrix product's operands: float32 @ float64 is refused
        raise RuntimeError(f"matmul: expected both operands to have the same dtype, but got {a.dtype} and {b.dtype}")
    result = MatMul.apply(input, other)
    return result if out is None else into(out, result, "matmul", same_dtype=True)


class Linear(Function):
    """y = x @ W^T + b for x of shape (..., in), W of shape (out, in), b of shape (out,) or None.

    dL/dx = dL/dy @ W,  dL/dW = dL/dy^T @ x (summed over all leading axes),  dL/db = sum of dL/dy over rows.
    """

    # With fused kernels on (tinynet.set_fused_kernels) each pass is one kernel call
    # (tinynet.kernels.linear_forward / linear_backward); off, the GEMMs and the sum written out below.
    # (A comment, not the docstring: trace_backward and the tour show the docstring as the derivative.)

    fresh_gradients = True  # (each gradient a new array, or a reshaped view of one)

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        rows = x.reshape(math.prod(x.shape[:-1]), x.shape[-1])  # (not -1: numpy cannot infer it for 0 features)
        ctx.save_for_backward(rows, weight)
        ctx.fused = config.fused and (bias is None or bias.dtype == x.dtype)  # (else out += bias casts b)
        if ctx.fused:
            out = kernels.linear_forward(rows, weight, bias)
        else:
            out = gemm_product(rows, weight, trans_b=True)
            if bias is not None:
                out += bias
        return out.reshape(x.shape[:-1] + (weight.shape[0],))

    @staticmethod
    def backward(ctx, grad):
        rows, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        grad_rows = grad.reshape(math.prod(grad.shape[:-1]), weight.shape[0])
        if ctx.fused and grad.dtype == rows.dtype:
            grad_x, grad_w, grad_b = kernels.linear_backward(rows, weight, grad_rows, None, need_x, need_w, need_b)
        else:
            grad_rows = np.ascontiguousarray(grad_rows)
            grad_x = gemm_product(grad_rows, weight) if need_x else None
            grad_w = gemm_product(grad_rows, rows, trans_a=True) if need_w else None
            grad_b = grad_rows.sum(axis=0) if need_b else None
        return None if grad_x is None else grad_x.reshape(ctx.parents[0]._array.shape), grad_w, grad_b


class LinearReLU(Function):
    """y = relu(x @ W^T + b) for x of shape (N, in), W (out, in), b (out,) or None: a Linear and the ReLU
    after it as one op, one kernel call each way (tinynet.kernels.linear_forward / linear_backward).

    With z = x @ W^T + b and dL/dz = dL/dy * [y > 0] (y > 0 exactly where z > 0):
    dL/dx = dL/dz @ W,  dL/dW = dL/dz^T @ x,  dL/db = sum of dL/dz over rows.

    ``nn.Sequential`` runs a Linear followed by a ReLU as this op when fused kernels are on; with them off
    (``tinynet.set_fused_kernels(False)``) the same layers run as Linear then ReLU, two nodes in the graph.
    """

    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        y = kernels.linear_forward(x, weight, bias, relu=True)
        ctx.save_for_backward(x, weight, y)  # (y itself: backward refuses if it was changed in place)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, weight, y = ctx.saved_tensors
        grad = grad.astype(y.dtype, copy=False)  # (a tensor hook may have returned another float dtype)
        need_x, need_w, *need_b = ctx.needs_input_grad  # (no bias given: no third input)
        return kernels.linear_backward(x, weight, grad, y, need_x, need_w, need_b == [True])[:len(ctx.parents)]


def linear(input, weight, bias=None):
    """input @ weight.T + bias, with weight of shape (out_features, in_features) and input of shape (..., in_features)."""
    input = as_tensor(input)
    x, w = input._array, as_tensor(weight)._array  # (checked on the arrays: a Tensor's shape is a property call)
    if w.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), got shape {w.shape}")
    if x.ndim == 0 or x.shape[-1] != w.shape[1]:
        raise RuntimeError(f"linear: input shape {x.shape} does not end in in_features={w.shape[1]} "
                         f"(weight shape {w.shape})")
    if bias is not None and bias.shape != (w.shape[0],):
        raise RuntimeError(f"linear: bias must have shape ({w.shape[0]},), got {bias.shape}")
    if x.dtype != w.dtype:  # (PyTorch converts neither; a RuntimeError, as its matrix product raises)
        raise RuntimeError(f"linear: expected input and weight to have the same dtype, but got input {x.dtype} "
                           f"and weight {w.dtype}")
    return Linear.apply(input, weight, bias)
