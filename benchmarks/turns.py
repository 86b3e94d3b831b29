"""Taking turns: several pieces of work run in one process, one after another, round after round, each timed.

On a shared virtual machine a process's speed can drift by a quarter or more between seconds, so two
processes a second apart can meet different machines.  Work that takes turns in one process meets the same
moments; who goes first rotates from round to round, so that none always runs right after the same other.
bench_gemm (tinynet against numpy), bench_busy (2 threads against 1) and training_turns (tinynet against
PyTorch and JAX) measure this way.
"""

from time import perf_counter


def take_turns(runs, rounds):
    """{name: [seconds of each of its runs]} for ``runs`` ({name: callable}), each called once a round for
    ``rounds`` rounds, the first of a round rotating through them in the order given."""
    names = list(runs)
    seconds = {name: [] for name in names}
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            start = perf_counter()
            runs[name]()
            seconds[name].append(perf_counter() - start)
    return seconds
