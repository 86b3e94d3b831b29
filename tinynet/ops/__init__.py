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

    inplace.py        in-place twins (add_, exp_, ...), fill_, zero_, copy_, normal_, uniform_ (version counted)
    out.py            out=: writing a result into a given tensor (add, sub, mul, div, matmul)
    elementwise.py    + - * / **, exp, log, sqrt, abs, clamp, maximum, minimum, where
    elementwise_math.py  square, rsqrt, reciprocal, sin, cos, tan, atan2, log2/log10/log1p, expm1, exp2, lerp, addcmul
    division.py       div (rounding_mode), floor_divide (//), remainder (%), fmod
    trig_hyperbolic.py  asin, acos, atan, sinh, cosh, asinh, acosh, atanh, erf
    piecewise.py      floor, ceil, round, trunc, frac, sign, clamp_min, clamp_max, isnan, isinf, isfinite
    compare.py        == != < <= > >= (bool results, no gradient), isclose, allclose, equal
    logical.py        ~ & | ^ on masks and integers, logical_not/and/or/xor (no gradient)
    promotion.py      the result dtype of a binary op (PyTorch's type promotion), used by elementwise.py
    reduce.py         sum, mean, prod, amax, amin, var, std, logsumexp, any, all, cumsum
    norms.py          norm
    sort.py           max, min (with a dim: values and indices), argmax, argmin, nonzero, sort, argsort, topk,
                      kthvalue, median, mode
    shape.py          reshape, flatten, permute, transpose, squeeze, unsqueeze, expand, movedim, t, indexing,
                      cat, stack, pad
    masks.py          tril, triu, masked_select, nonzero, argwhere
    rearrange.py      clone, contiguous, flip, roll, repeat, tile, hstack, vstack (copies)
    indexing.py       gather, scatter, take_along_dim, index_select, masked_fill, narrow, split, chunk, unbind, one_hot
    grids.py          broadcast_to, broadcast_tensors, meshgrid, select, unflatten, rot90, atleast_*d, column_stack,
                      dstack; squeeze_, unsqueeze_, detach_
    index_add.py      index_add, index_copy (and in-place twins), repeat_interleave, take
    counting.py       cumprod; count_nonzero, searchsorted, bucketize, histc (no gradient)
    pairwise_math.py  true_divide, addmm, dist, cdist, cross, fmax, fmin, hypot, nan_to_num (compositions)
    sampling.py       multinomial, bernoulli(_), normal, random_, get_rng_state, set_rng_state (tinynet's generator)
    matmul.py         matmul, linear
    distances.py      cosine_similarity, pairwise_distance (compositions)
    interpolate.py    interpolate (nearest: indexing)
    matrix_parts.py   diag, diagonal, trace, tril, triu (compositions); unique, bincount (counting)
    linalg.py         mm, bmm, mv, dot, inner, outer (matmul with PyTorch's checks), normalize
    activations.py    sigmoid, tanh, relu, leaky_relu, elu, silu, softplus, hardlim, softmax, log_softmax,
                      hardtanh, relu6, prelu
    hard_activations.py  hardsigmoid, hardswish, softsign, tanhshrink, celu, softmin, threshold
    smooth_activations.py  gelu, mish, selu, logsigmoid (special.py: the normal CDF that gelu needs)
    conv.py, pool.py  conv2d (groups, dilation), max_pool2d, avg_pool2d (ceil_mode) through tinynet.kernels
    adaptive_pool.py  adaptive_avg_pool2d, adaptive_max_pool2d
    conv_transpose.py conv_transpose2d (zero-spread, pad, conv2d with the flipped kernel)
    one_d.py          conv1d, max_pool1d, avg_pool1d, adaptive_*_pool1d (the 2-D ops on a height of one)
    normalization.py  batch_norm, layer_norm (group_norm.py: group_norm, composed of layer_norm)
    dropout.py        dropout, dropout2d, alpha_dropout
    shrink_glu.py     glu, softshrink, hardshrink (compositions)
    patches.py        pixel_shuffle, pixel_unshuffle, unfold (im2col), fold (col2im)
    local_norms.py    local_response_norm, instance_norm (compositions)
    loss_margin.py    margin_ranking, hinge_embedding, soft_margin, cosine_embedding, triplet_margin, gaussian_nll,
                      poisson_nll losses (compositions)
    embedding.py      embedding
    loss.py           mse_loss, l1_loss, smooth_l1_loss, huber_loss, kl_div (and the helpers of every loss)
    loss_binary.py    binary_cross_entropy(_with_logits)
    loss_classification.py  cross_entropy, nll_loss
    cast.py           to, type, float, double, long, int, bool, cpu; is_tensor, is_floating_point, numel
"""
