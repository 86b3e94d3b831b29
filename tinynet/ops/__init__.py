"""Every differentiable op, one family per file -- each op's Function and its public function together.

A Function subclass (``autograd/function.py``) holds the math: ``forward``
computes with numpy (or ``tinynet.kernels`` for matmul, convolution and
pooling) and saves what ``backward`` needs, and its docstring states the
derivative that ``backward`` applies.  Beside it, the op's public function
(``exp``, ``conv2d``, ``cross_entropy``...) checks the user's arguments once
and calls ``Function.apply``.  ``tinynet.exp``, ``tinynet.nn.functional.relu``
and the Tensor methods (``tensor_methods.py``) are those same functions; each
family lists its public functions in ``__all__``, which ``tinynet/__init__.py``
re-exports.

    elementwise.py    + - * / **, exp, log, sqrt, abs, clamp, maximum, minimum, where
    compare.py        == != < <= > >= (bool results, no gradient)
    promotion.py      the result dtype of a binary op (PyTorch's type promotion), used by elementwise.py
    reduce.py         sum, mean, prod, amax, amin, var, std, logsumexp, any, all, cumsum
    norms.py          norm
    sort.py           max, min (with a dim: values and indices), argmax, argmin, sort, argsort, topk,
                      kthvalue, median, mode
    shape.py          reshape, flatten, permute, transpose, squeeze, unsqueeze, indexing, cat, stack, pad
    matmul.py         matmul, linear
    activations.py    sigmoid, tanh, relu, leaky_relu, elu, silu, softplus, hardlim, softmax, log_softmax
    conv.py, pool.py  conv2d, max_pool2d, avg_pool2d (through tinynet.kernels)
    normalization.py  batch_norm
    dropout.py        dropout
    loss.py           mse_loss, cross_entropy, nll_loss, binary_cross_entropy(_with_logits)
    cast.py           to, type, float, double, long, int, bool, cpu; is_tensor, is_floating_point, numel
"""
