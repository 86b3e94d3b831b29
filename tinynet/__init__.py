"""tinynet: a small, fast, from-scratch deep-learning framework.

Reading map: tensor.py (the Tensor) -> autograd.py (the graph and backward)
-> ops/ (each op's forward and backward) -> kernels.py (checked calls into C)
-> backends/ (numpy reference and the C binding) -> csrc/ (the C kernels).
nn/ and optim/ are built on top; data/, viz/, examples/ and cli.py on top of those.
"""

__version__ = "0.1.0"

from tinynet.random import manual_seed
from tinynet.runtime import build_info, get_num_threads, set_num_threads
