"""einsum: sums of products named by index letters, e.g. ``einsum("ij,jk->ik", a, b)`` is ``a @ b``.

The equation gives each operand one letter per dimension and the output its letters after ``->``:

    out[output letters] = sum over every other letter of  product over k of  operand_k[its letters]

Without ``->`` the output has the letters that appear exactly once, in alphabetical order (upper case first).
``...`` stands for the dimensions no letter names; they broadcast against each other, come first in an implicit
output, and are summed when an explicit output leaves them out.  A letter twice in one operand walks its
diagonal ("ii->i"); a letter of size 1 in one operand broadcasts against the same letter's size in another.

Derivative.  out is linear in each operand, so dL/d operand_k is the same kind of sum, with operand_k's place
taken by dL/dout:

    dL/d operand_k[its letters] = sum over every other letter of  dL/dout[output letters] * product over j != k of
                                  operand_j[its letters]

-- itself an einsum ("ij,jk->ik" gives dL/da = einsum("ik,jk->ij", dL/dout, b)).  A letter operand_k sums on its
own (in no other operand and not in the output) does not appear in that sum: each of its values got the same
gradient, so an array of ones with that letter stands in for it.  A repeated letter's gradient lands on the
diagonal it walked and is 0 elsewhere.  Broadcast sizes are expanded (``expand``) before the op, whose own
backward then sums the gradient back to the size-1 dimension.
"""

import string

import numpy as np

from tinynet.autograd.function import Function
from tinynet.ops.operands import as_tensor
from tinynet.ops.shape import expand
from tinynet.tensor import Tensor

__all__ = ["einsum", "bilinear"]

_LETTERS = string.ascii_uppercase + string.ascii_lowercase  # (PyTorch's order for an implicit output)


class Einsum(Function):
    """``np.einsum`` on operands whose letters all have one size; its gradients are einsums (module docstring)."""

    fresh_gradients = True

    @staticmethod
    def forward(ctx, *arrays, inputs, output):
        ctx.save_for_backward(*arrays)
        ctx.inputs, ctx.output = inputs, output
        # (optimize: numpy contracts pairs with BLAS, where its plain loop would take ages for a big product)
        result = np.einsum(",".join(inputs) + "->" + output, *arrays, optimize=len(arrays) > 1)
        # (np.einsum can return a view of its operand -- "ij->ji", "ii->i" -- which the output must not be)
        return np.array(result, copy=True) if any(np.may_share_memory(result, a) for a in arrays) else result

    @staticmethod
    def backward(ctx, grad):
        arrays = ctx.saved_tensors
        sizes = {letter: size for letters, array in zip(ctx.inputs, arrays)
                 for letter, size in zip(letters, array.shape)}
        grads = []
        for k, (letters, array) in enumerate(zip(ctx.inputs, arrays)):
            if not ctx.needs_input_grad[k]:
                grads.append(None)
                continue
            own = "".join(dict.fromkeys(letters))  # each letter once, in order
            terms = [ctx.output] + [ctx.inputs[j] for j in range(len(arrays)) if j != k]
            factors = [grad] + [arrays[j] for j in range(len(arrays)) if j != k]
            alone = "".join(letter for letter in own if not any(letter in term for term in terms))
            if alone:  # summed within operand k only: every value there gets the same gradient
                terms.append(alone)
                factors.append(np.ones([sizes[letter] for letter in alone], dtype=grad.dtype))
            summed = np.einsum(",".join(terms) + "->" + own, *factors, optimize=True)
            if own == letters:
                grads.append(np.array(summed, dtype=array.dtype, copy=True))
            else:  # a repeated letter: the gradient goes on the diagonal (einsum's view of it is writeable)
                full = np.zeros(array.shape, dtype=array.dtype)
                np.einsum(letters + "->" + own, full)[...] = summed
                grads.append(full)
        return tuple(grads)


def einsum(equation, *operands):
    """Sum products of the operands' elements as ``equation`` names them (module docstring).

    ``operands`` are tensors, or one list or tuple of them (``einsum("ii", [x])``), all of one dtype.
    """
    if isinstance(equation, Tensor):
        raise NotImplementedError("einsum(): tinynet takes an equation string, not the sublist form "
                                  "einsum(op, [0, 1], ...)")
    if not isinstance(equation, str):
        raise TypeError(f"einsum(): the equation must be a string, got {type(equation).__name__}")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    tensors = [as_tensor(operand) for operand in operands]
    if not tensors:
        raise RuntimeError("einsum(): must provide at least one operand")
    if len({t.dtype for t in tensors}) > 1:
        raise RuntimeError(f"einsum(): expected all operands to have one dtype, got "
                           f"{', '.join(str(t.dtype) for t in tensors)}")
    inputs, output = _parse(equation.replace(" ", ""), [t.ndim for t in tensors])
    sizes = _letter_sizes(inputs, [t.shape for t in tensors])
    for k, (letters, tensor) in enumerate(zip(inputs, tensors)):
        full = tuple(sizes[letter] for letter in letters)
        if tensor.shape != full:
            tensors[k] = expand(tensor, *full)
    if tensors[0].dtype.kind != "f":  # (integers and bools: a value only, as PyTorch computes them)
        arrays = [t._array for t in tensors]
        result = np.einsum(",".join(inputs) + "->" + output, *arrays)
        return Tensor._from_array(np.array(result, copy=True), False)
    return Einsum.apply(*tensors, inputs=tuple(inputs), output=output)


def _parse(equation, ndims):
    """The equation with every ``...`` written out as letters: (one letter string per operand, the output's)."""
    left, arrow, right = equation.partition("->")
    terms = left.split(",")
    if len(terms) != len(ndims):
        more = "more" if len(ndims) > len(terms) else "fewer"
        raise RuntimeError(f"einsum(): {more} operands were provided than specified in the equation "
                           f"({len(terms)} in '{equation}', {len(ndims)} given)")
    for index, char in enumerate(equation):
        if char not in _LETTERS and char not in ".,->":
            raise RuntimeError(f"einsum(): invalid subscript given at index {index} in the equation string, "
                               f"subscripts must be in [a-zA-Z], got '{char}'")
    named = set("".join(terms).replace(".", ""))
    spare = [letter for letter in _LETTERS if letter not in named and letter not in right]
    ellipsis_dims = 0
    for k, (term, ndim) in enumerate(zip(terms, ndims)):
        letters = term.replace("...", "")
        if "." in letters or term.count("...") > 1:
            raise RuntimeError(f"einsum(): found '.' for operand {k} that is not part of any ellipsis")
        if "..." not in term and len(letters) != ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(letters)}) does not match "
                               f"the number of dimensions ({ndim}) for operand {k} and no ellipsis was given")
        if "..." in term:
            if len(letters) > ndim:
                raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(letters)}) is more "
                                   f"than the number of dimensions ({ndim}) for operand {k}")
            ellipsis_dims = max(ellipsis_dims, ndim - len(letters))
    if ellipsis_dims > len(spare):
        raise RuntimeError(f"einsum(): the ellipsis covers {ellipsis_dims} dimensions, more than the {len(spare)} "
                           "subscripts left unused")
    broadcast = "".join(spare[:ellipsis_dims])  # (aligned on the right, as broadcasting aligns shapes)
    inputs = [term.replace("...", broadcast[ellipsis_dims - (ndim - len(term.replace("...", ""))):])
              for term, ndim in zip(terms, ndims)]
    if not arrow:
        once = sorted((letter for letter in named if left.count(letter) == 1), key=_LETTERS.index)
        return inputs, broadcast + "".join(once)
    if "." in right.replace("...", "") or right.count("...") > 1:
        raise RuntimeError("einsum(): found '.' for output but it is not part of any ellipsis")
    for letter in right.replace("...", ""):
        if right.count(letter) > 1:
            raise RuntimeError(f"einsum(): output subscript {letter} appears more than once in the output")
        if letter not in named:
            raise RuntimeError(f"einsum(): output subscript {letter} does not appear in the equation for any input "
                               "operand")
    return inputs, right.replace("...", broadcast) if "..." in right else right


def _letter_sizes(inputs, shapes):
    """Each letter's size: its size in every operand that has it, those of size 1 broadcasting to the rest."""
    for letters, shape in zip(inputs, shapes):  # a letter repeated in one operand walks a diagonal: sizes must match
        for letter in set(letters):
            own = {size for named, size in zip(letters, shape) if named == letter}
            if len(own) > 1:
                raise RuntimeError(f"einsum(): subscript {letter} is repeated for an operand but the sizes don't "
                                   f"match, {min(own)} != {max(own)}")
    sizes = {}
    for k, (letters, shape) in enumerate(zip(inputs, shapes)):
        for letter, size in zip(letters, shape):
            known = sizes.setdefault(letter, size)
            if size != known and 1 not in (size, known):
                raise RuntimeError(f"einsum(): operands do not broadcast: subscript {letter} has size {known} in one "
                                   f"place and {size} in operand {k} (shapes {[tuple(s) for s in shapes]})")
            if known == 1:  # (a size-1 letter takes the other size: 0 as well)
                sizes[letter] = size
    return sizes


def bilinear(input1, input2, weight, bias=None):
    """y_o = sum over i, j of input1_i W_oij input2_j (+ b_o), for inputs (..., in1) and (..., in2) and W (out, in1,
    in2): ``einsum("...i,oij,...j->...o")``, so its gradient is einsum's."""
    input1, input2, weight = as_tensor(input1), as_tensor(input2), as_tensor(weight)
    if weight.ndim != 3 or input1.shape[-1:] != weight.shape[1:2] or input2.shape[-1:] != weight.shape[2:]:
        raise RuntimeError(f"bilinear(): input1 {tuple(input1.shape)}, input2 {tuple(input2.shape)} and weight "
                           f"{tuple(weight.shape)} do not fit: weight must be (out, in1, in2)")
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(f"bilinear(): input1 and input2 must have the same leading dims, got {tuple(input1.shape)} "
                           f"and {tuple(input2.shape)}")
    out = einsum("...i,oij,...j->...o", input1, weight, input2)
    return out if bias is None else out + bias
