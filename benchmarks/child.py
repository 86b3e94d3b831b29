"""One measurement in a child process of its own, its result read back as JSON.

The benchmarks time each library in processes of their own: in one process,
one library's worker threads (still spinning after a call) take the cores
from the other's, and a process's peak memory would mix the two.
"""

import json
import os
import subprocess
import sys

REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_child(module, *args, env=None):
    """Run ``python -m module --child args...`` from the repository root; return the JSON on its last output line.

    Raises RuntimeError, quoting the end of the child's stderr, when the child fails.
    """
    command = [sys.executable, "-m", module, "--child", *(str(a) for a in args)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPOSITORY, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[2:])} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
