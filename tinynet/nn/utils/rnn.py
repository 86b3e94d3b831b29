"""``nn.utils.rnn.pad_sequence``: sequences of different lengths as one padded batch.

A batch of sentences or time series rarely has one length; a recurrent layer takes one tensor, so the shorter
sequences are padded at the end (or the start) with ``padding_value`` up to the longest.  Composed of ``pad`` and
``stack``, so gradients flow back into each sequence.  (Packed sequences, ``pack_padded_sequence``, are not in
tinynet: the recurrent layers run the padding steps too.)
"""

from tinynet.ops.operands import as_tensor
from tinynet.ops.shape import pad, stack

__all__ = ["pad_sequence"]


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Tensors of shape (L_i, *) -> one of (max L_i, B, *), or (B, max L_i, *) with ``batch_first``."""
    sequences = [as_tensor(s) for s in sequences]
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    trailing = {tuple(s.shape[1:]) for s in sequences}
    if any(s.ndim == 0 for s in sequences) or len(trailing) > 1:
        raise RuntimeError(f"pad_sequence: every sequence needs shape (L, *) with the same *, got "
                           f"{[tuple(s.shape) for s in sequences]}")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        missing = longest - s.shape[0]
        widths = [0, 0] * (s.ndim - 1) + ([0, missing] if padding_side == "right" else [missing, 0])
        padded.append(pad(s, widths, value=padding_value) if missing else s)
    return stack(padded, 0 if batch_first else 1)
