"""Checkpoints that are more than a flat dict of arrays: ``{"epoch": 5, "model_state_dict": ...}``.

PyTorch's tutorials save a dict holding the epoch, the loss, the model's and the optimizer's state
dicts; ``torch.load(path, weights_only=True)`` gives back the same nesting of dicts, lists and
tuples, with numbers, strings and tensors at the leaves.  tinynet keeps its file an ordinary
``.npz`` and never pickles: each tensor or array becomes one ``.npy`` member, named by its path
("model_state_dict/fc.weight"), and the nesting -- container kinds, keys, and the plain Python
values -- is one more member, ``STRUCTURE``, holding JSON text as bytes.  Reading it back is
``json.loads`` and a walk that accepts only the node kinds below: data, never code.

Node kinds: {"tensor": member} and {"array": member} (a Tensor and a numpy array, which come back
as what they were); {"dict": [[key, node], ...]} with str or int keys; {"list": [nodes]};
{"tuple": [nodes]}; {"value": x} for None, bool, int, float and str.
"""

import json
import numbers

import numpy as np

from tinynet.tensor import Tensor

STRUCTURE = "tinynet//structure"  # no path has an empty part, so no leaf can be named this
MAX_DEPTH = 100


def flatten(obj, check_key):
    """(members, structure): ``members`` a dict name -> numpy array of every tensor and array in ``obj``,
    and ``structure`` the uint8 array of the JSON that describes the rest; raises TypeError for a value a
    checkpoint cannot hold and ValueError for keys that would make two members' names collide.
    ``check_key(key)`` refuses a str key that cannot be part of a member's name."""
    members = {}

    def node(value, path):
        if len(path) > MAX_DEPTH:
            raise ValueError(f"save: the checkpoint nests deeper than {MAX_DEPTH} levels (a cycle?)")
        if isinstance(value, (Tensor, np.ndarray, np.generic)) and not isinstance(value, (np.str_, np.bytes_)):
            return {("tensor" if isinstance(value, Tensor) else "array"): leaf(value, path)}
        if value is None or isinstance(value, (bool, str)):
            return {"value": value}
        if isinstance(value, numbers.Integral):
            return {"value": int(value)}
        if isinstance(value, numbers.Real):
            return {"value": float(value)}
        if isinstance(value, dict):
            return {"dict": [[checked_key(key, path, check_key), node(item, path + [str(key)])]
                             for key, item in value.items()]}
        if isinstance(value, (list, tuple)):
            return {type(value).__name__ if type(value) in (list, tuple) else "list":
                    [node(item, path + [str(i)]) for i, item in enumerate(value)]}
        raise TypeError(f"save: {'/'.join(path) or 'the object'} is a {type(value).__name__}; a checkpoint holds "
                        "tensors, arrays, numbers, strings, None, and dicts, lists and tuples of them")

    def leaf(value, path):
        array = value.detach().numpy() if isinstance(value, Tensor) else np.asarray(value)
        if array.dtype.hasobject or array.dtype.kind not in "biufc":
            raise TypeError(f"save: {'/'.join(path)} must be a numeric array, got dtype {array.dtype}")
        name = "/".join(path) if path else "tensor"
        if name in members:
            raise ValueError(f"save: two entries would both be stored as {name!r}; rename one key")
        members[name] = array
        return name

    structure = json.dumps(node(obj, []))
    return members, np.frombuffer(structure.encode("utf-8"), dtype=np.uint8)


def checked_key(key, path, check_key):
    """A dict key a checkpoint can hold: a str that ``check_key`` accepts (no '/': it separates the parts
    of a member's name), or an int (PyTorch's optimizers number their parameters)."""
    if isinstance(key, bool) or not isinstance(key, (str, int)):
        raise TypeError(f"save: dict keys must be str or int, got {type(key).__name__} {key!r} in "
                        f"{'/'.join(path) or 'the object'}")
    if isinstance(key, str):
        check_key(key)
    return key


def rebuild(structure, members, where, error_type):
    """The object ``flatten`` described, from the ``structure`` array and the ``members`` arrays read back;
    anything malformed raises ``error_type`` naming ``where``."""
    def fail(problem):
        raise error_type(f"{where}: the checkpoint's structure is malformed: {problem}")

    if structure.dtype != np.uint8 or structure.ndim != 1:
        fail(f"expected JSON bytes, got a {structure.dtype} array of shape {structure.shape}")
    try:
        tree = json.loads(structure.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        fail(f"not JSON ({error})")
    used = set()

    def build(node, depth):
        if depth > MAX_DEPTH or not isinstance(node, dict) or len(node) != 1:
            fail(f"unexpected node {str(node)[:80]}")
        (kind, content), = node.items()
        if kind in ("tensor", "array"):
            if not isinstance(content, str) or content not in members or content in used:
                fail(f"member {content!r} is missing or used twice")
            used.add(content)
            return Tensor._from_data(members[content]) if kind == "tensor" else members[content]
        if kind == "value":
            if content is not None and not isinstance(content, (bool, int, float, str)):
                fail(f"unexpected value {str(content)[:80]}")
            return content
        if kind in ("list", "tuple") and isinstance(content, list):
            items = [build(item, depth + 1) for item in content]
            return items if kind == "list" else tuple(items)
        if kind == "dict" and isinstance(content, list):
            result = {}
            for pair in content:
                if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], (str, int))
                        and not isinstance(pair[0], bool)):
                    fail(f"unexpected dict entry {str(pair)[:80]}")
                result[pair[0]] = build(pair[1], depth + 1)
            return result
        fail(f"unknown node kind {kind!r}")

    result = build(tree, 0)
    if used != set(members):
        fail(f"members not named by the structure: {sorted(set(members) - used)[:5]}")
    return result
