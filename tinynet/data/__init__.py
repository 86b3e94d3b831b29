"""Data: reading IDX files, the bundled MNIST digits, and mini-batch loading.

``tinynet.data.DataLoader`` is the examples' short form of
``tinynet.utils.data.DataLoader`` (PyTorch's arguments live there).

MNIST: Y. LeCun, C. Cortes and C. J. C. Burges, CC BY-SA 3.0.
"""

from tinynet.data.idx import parse_idx, read_idx, write_idx
from tinynet.data.loader import DataLoader
from tinynet.data.mnist import load_mnist
from tinynet.utils.data import TensorDataset

__all__ = ["DataLoader", "TensorDataset", "load_mnist", "parse_idx", "read_idx", "write_idx"]
