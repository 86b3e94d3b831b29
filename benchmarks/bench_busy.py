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

    python -m benchmarks.bench_busy [--quick]      (or: python -m benchmarks --busy)
"""

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import time

from benchmarks import bench_training, report

WORKLOADS = ("mlp", "lenet5")
THREADS = (1, 2)
ROUNDS = 3  # 1 with --quick


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
                rows.append({"workload": workload, "framework": bench_training.NAMES[framework],
                             "1-thread img/s": speed[1], "2-thread img/s": speed[2],
                             "2-thread/1-thread speed": report.speed_ratio(speed[2], speed[1]),
                             "competitor CPU %": share, "details": {"competitor_cpu": cpu, "runs": runs}})
                print(f"  busy {workload} {framework}: {rows[-1]['2-thread/1-thread speed']}", file=sys.stderr)
    return rows


def notes(rows):
    import tinynet  # already imported by the preflight check; its children inherit the same environment

    return ["one other process spins on one core throughout (competitor CPU %: its share of a core); "
            "2-thread/1-thread speed = images/s at 2 threads / images/s at 1 thread under that load "
            "(below 1: the second thread hurts)",
            "tinynet's OpenMP threads wait between kernels with: "
            + str(tinynet.build_info().get("openmp_wait", "no OpenMP"))]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a sixth of an epoch, one round")
    args = parser.parse_args(argv)
    from benchmarks import preflight

    preflight.check_c_backend()
    rows = run(quick=args.quick)
    print(report.markdown(rows, notes(rows)))


if __name__ == "__main__":
    main()
