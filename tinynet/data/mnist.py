"""The MNIST handwritten digits, shipped inside the package.

MNIST is by Yann LeCun, Corinna Cortes and Christopher J. C. Burges, and is
available under the Creative Commons Attribution-Share Alike 3.0 license.
The four original IDX files live, gzip-compressed, in ``tinynet/data/mnist/``.

Train: 60,000 images; test: 10,000.  Each image is 28x28 grey levels.
"""

from pathlib import Path

import numpy as np

from tinynet.data.idx import read_idx

MNIST_DIR = Path(__file__).resolve().parent / "mnist"

_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}

# Decoded arrays, one entry per split: decompressing and scaling 60,000 images
# takes about a second, and the examples and tests ask for them many times.
_cache = {}


def load_mnist(split="train"):
    """Load MNIST as ``(images, labels)``.

    Parameters
    ----------
    split : "train" or "test"
        60,000 training or 10,000 test images.

    Returns
    -------
    images : numpy.ndarray, float32, shape (N, 1, 28, 28)
        Grey levels scaled to [0, 1] (0 = background, 1 = ink), in NCHW layout
        so they go straight into ``Conv2d``; use ``images.reshape(N, 784)`` for
        fully connected networks.
    labels : numpy.ndarray, int64, shape (N,)
        The digit 0-9 shown in each image.

    The arrays are cached for the life of the process and shared between
    callers, so they are read-only; take ``.copy()`` before changing them.

    Data: MNIST by Y. LeCun, C. Cortes and C. J. C. Burges (CC BY-SA 3.0).
    """
    if not isinstance(split, str):
        raise TypeError(f"load_mnist expects split to be 'train' or 'test', got {type(split).__name__}")
    if split not in _FILES:
        raise ValueError(f"load_mnist expects split to be 'train' or 'test', got {split!r}")
    if split not in _cache:
        _cache[split] = _decode(split)
    return _cache[split]


def _decode(split):
    """Read one split from the package's IDX files and check it is what MNIST should be."""
    image_file, label_file = _FILES[split]
    raw_images = read_idx(MNIST_DIR / image_file)
    raw_labels = read_idx(MNIST_DIR / label_file)
    if raw_images.dtype != np.uint8 or raw_images.ndim != 3 or raw_images.shape[1:] != (28, 28):
        raise ValueError(
            f"{image_file}: expected uint8 images of shape (N, 28, 28), "
            f"found {raw_images.dtype} of shape {raw_images.shape}"
        )
    if raw_labels.dtype != np.uint8 or raw_labels.shape != raw_images.shape[:1]:
        raise ValueError(
            f"{label_file}: expected {raw_images.shape[0]} uint8 labels, "
            f"found {raw_labels.dtype} of shape {raw_labels.shape}"
        )
    if raw_labels.max() > 9:
        raise ValueError(f"{label_file}: expected digit labels 0-9, found {int(raw_labels.max())}")
    images = (raw_images.astype(np.float32) / np.float32(255.0)).reshape(-1, 1, 28, 28)
    labels = raw_labels.astype(np.int64)
    images.flags.writeable = False
    labels.flags.writeable = False
    return images, labels
