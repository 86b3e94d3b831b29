"""Training on a busy machine: 2 threads against 1 while another process keeps one core busy.

On a machine shared with other work, an OpenMP team of as many threads as
cores has one thread waiting for a core that is not free, and every parallel
region waits for that thread.  This benchmark makes that happen on purpose: a
child process spins in a Python loop, pinned to the last CPU this process may
use, while the MLP and LeNet-5 of bench_training train at 1 and then 2
threads (each run in a fresh process, the thread counts taking turns).

``2-thread/1-thread speed`` is each framework's own 2-thread images/s over its
1-thread images/s under that load: below 1, the second thread costs more than
it gives.  How tinynet's OpenMP threads wait between kernels decides most of
it (docs/threads-and-processes.md); the notes say which setting was in force.
Set ``OMP_WAIT_POLICY`` or ``GOMP_SPINCOUNT`` before the run to measure
another (``GOMP_SPINCOUNT=300000`` is GNU libgomp's own default: spinning).
``competitor CPU %`` is the spinning process's share of one core over the
measurement (about 100 when it really kept a core busy).

The same ratio taken in separate processes moves with whatever else the
machine's host runs: on a shared VM one process's speed can drift by half
between seconds, more than the effect measured.  So ``taking turns`` measures
it a second way, robust to that drift: one process trains on, switching
between 1 and 2 threads every TURN_STEPS steps, and the figure is the median,
over TURNS pairs of neighbouring turns, of the 2-thread turn's speed over the
1-thread turn's.  It shows what the second thread costs or gives once training
runs; the separate processes also count a program's first moments, before
tinynet has measured the load.

    python -m benchmarks.bench_busy [--quick]      (or: python -m benchmarks --busy)
"""

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time

from benchmarks import bench_training, models, report, turns
from benchmarks.child import run_child

WORKLOADS = ("mlp", "lenet5")
THREADS = (1, 2)
ROUNDS = 3  # 1 with --quick
TURN_STEPS = 15  # steps per turn at one thread count: 0.1-0.3 s of the MLP or LeNet-5
TURNS = 40  # pairs of turns (12 with --quick)
SET_THREADS = {"tinynet": "tinynet.set_num_threads", "torch": "torch.set_num_threads"}


def cpu_seconds(pid):
    """CPU time (user + system) a process has used so far, from /proc; None where there is no /proc."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    except (OSError, ValueError, IndexError):
        return None


@contextlib.contextmanager
def busy_core():
    """Run a process that spins on one CPU for the duration of the block; yields (pid, cpu).

    The spinner is pinned to the last CPU this process may use (where the
    system allows pinning) and is ended, by its own pid, when the block exits.
    """
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else [None]
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        if cpus[-1] is not None:
            os.sched_setaffinity(spinner.pid, {cpus[-1]})
        yield spinner.pid, cpus[-1]
    finally:
        spinner.kill()
        spinner.wait()


def turns_child(framework, workload, quick):
    """In a child process: train at 1 and 2 threads by turns; print the paired 2-thread/1-thread ratios as JSON."""
    import importlib

    from tinynet.data import load_mnist

    module, function = SET_THREADS[framework].split(".")
    set_threads = getattr(importlib.import_module(module), function)
    layers, batch = models.WORKLOADS[workload]["layers"], models.WORKLOADS[workload]["batch"]
    images, labels = load_mnist("train")
    step = bench_training.STEP_BUILDERS[framework](layers, models.initial_parameters(layers), max(THREADS))
    batches = bench_training.epoch_batches(images, labels, batch, len(images) // batch)
    position = 0

    def turn(threads):
        def run():  # (setting the thread count takes microseconds of a turn's 0.1-0.3 s)
            nonlocal position
            set_threads(threads)
            for _ in range(TURN_STEPS):
                step(*batches[position % len(batches)])
                position += 1
        return run

    turn(max(THREADS))()  # warm-up
    seconds = turns.take_turns({n: turn(n) for n in sorted(THREADS, reverse=True)}, 12 if quick else TURNS)
    ratios = [one / two for one, two in zip(seconds[1], seconds[2])]  # the 2-thread turn's speed over the 1-thread's
    print(json.dumps({"ratios": ratios}))


def taking_turns(framework, workload, quick):
    """The median paired 2-thread/1-thread speed of one child process taking turns; None if it failed."""
    try:
        return statistics.median(run_child("benchmarks.bench_busy", framework, workload, int(quick))["ratios"])
    except RuntimeError as failure:
        print(f"  {failure}", file=sys.stderr)
        return None


def run(threads=THREADS, quick=False):
    """One row per workload and framework: images/s at 1 and 2 threads under load, and their ratio.

    ``threads`` is accepted for the suite's sake; this benchmark always
    compares 2 threads with 1.
    """
    if (os.cpu_count() or 1) < 2:
        print("busy-machine benchmark skipped: it needs at least 2 CPUs", file=sys.stderr)
        return []
    frameworks = [f for f in bench_training.frameworks_to_run()[0] if f != "jax"]  # tinynet, PyTorch
    rows = []
    with busy_core() as (pid, cpu):
        time.sleep(0.2)  # let the spinner start
        for workload in WORKLOADS:
            for framework in frameworks:
                runs = {n: [] for n in THREADS}
                wall, cpu_before = time.perf_counter(), cpu_seconds(pid)
                for _ in range(1 if quick else ROUNDS):
                    for n in THREADS:
                        runs[n].append(bench_training.measure(framework, workload, n, quick))
                spun = cpu_seconds(pid)
                share = (spun - cpu_before) / (time.perf_counter() - wall) * 100 if spun is not None else None
                speed = {n: None if None in runs[n] else statistics.median(r["images_per_s"] for r in runs[n])
                         for n in THREADS}
                turns = taking_turns(framework, workload, quick)
                rows.append({"workload": workload, "framework": bench_training.NAMES[framework],
                             "1-thread img/s": speed[1], "2-thread img/s": speed[2],
                             "2-thread/1-thread speed": report.speed_ratio(speed[2], speed[1]),
                             "taking turns": turns,
                             "competitor CPU %": share, "details": {"competitor_cpu": cpu, "runs": runs}})
                print(f"  busy {workload} {framework}: {rows[-1]['2-thread/1-thread speed']}, taking turns {turns}",
                      file=sys.stderr)
    return rows


def notes(rows):
    import tinynet  # already imported by the preflight check; its children inherit the same environment

    return ["one other process spins on one core throughout (competitor CPU %: its share of a core); "
            "2-thread/1-thread speed = images/s at 2 threads / images/s at 1 thread under that load "
            "(below 1: the second thread hurts), each in processes of their own",
            f"taking turns = the same ratio in one process switching between 1 and 2 threads every "
            f"{TURN_STEPS} steps: the median over pairs of neighbouring turns",
            "tinynet's OpenMP threads wait between kernels with: "
            + str(tinynet.build_info().get("openmp_wait", "no OpenMP"))]


def main(argv=None):
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "--child":
        turns_child(sys.argv[2], sys.argv[3], bool(int(sys.argv[4])))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a sixth of an epoch, one round")
    args = parser.parse_args(argv)
    from benchmarks import preflight

    preflight.check_c_backend()
    rows = run(quick=args.quick)
    print(report.markdown(rows, notes(rows)))


if __name__ == "__main__":
    main()
