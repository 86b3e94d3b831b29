"""End-to-end training speed on MNIST, images per second: tinynet beside PyTorch and JAX.

Four workloads (models.py describes them), each trained with cross-entropy and
SGD (lr 0.01, momentum 0.9), from the same starting weights in every framework:

  * mlp       784-128-10, ReLU, batch 64
  * lenet5    conv 6@5x5, ReLU, maxpool 2, conv 16@5x5, ReLU, maxpool 2, 120, 84, 10; batch 64
  * cnn6      six 3x3 tanh convs (4, 4, 8, 8, 16, 16 channels, maxpool 2 after the 2nd and 4th), 64, 32, 10;
              batch 1024
  * resnet10  3x3 conv 64 + BatchNorm + ReLU, one BasicBlock per stage (64, 128, 256, 512 channels; 1x1
              projection shortcuts where the shape changes), global average pooling, 10; batch 64

PyTorch runs its eager autograd, JAX a ``jax.jit``-compiled step (forward,
backward and the SGD update in one XLA program).  Each measurement runs in a
fresh process of its own (its own peak memory, and no other library's worker
threads).  After a few warm-up steps (which include JAX's compilation) the
steps are timed in equal chunks and the median chunk's images/s is the run's
figure: one epoch for the small models, a fixed number of steps for ResNet-10
(whose step costs a thousand times the MLP's: the MFLOP/img/step column,
counted from the model's shapes by models.flops_per_image).  The frameworks take turns, ROUNDS
times, and the median run is reported.  ``--epoch N`` trains the small models
N - 1 epochs untimed first and times the Nth: later epochs can run at another
speed (momentum buffers sink into the subnormal floats, which x86 cores
multiply in microcode: docs/c-kernels.md).

``% of peak`` = images/s x FLOP per image per step / (the core's peak x
threads), where the core's peak is the best one-thread float32 GEMM speed,
tinynet's or numpy's, measured in the same run (bench_gemm.peak).  The FLOPs
are those of the convolutions and linear layers as defined (a direct sum);
an algorithm that needs fewer multiply-adds for the same result (tinynet's
Winograd convolution for ResNet's 3x3 layers) can show more than 100 %.

    python -m benchmarks.bench_training [--quick] [--threads 1 2] [--only mlp resnet10] [--epoch 2]
"""

import argparse
import importlib.util
import json
import os
import resource
import statistics
import sys
import time

from benchmarks import models, report
from benchmarks.child import run_child

LEARNING_RATE = 0.01
MOMENTUM = 0.9
WARMUP_STEPS = 3
CHUNKS = 5
ROUNDS = 3  # runs per framework, workload and thread count (1 with --quick)
QUICK_IMAGES = 10_240  # a sixth of an epoch
FIXED_STEPS_PER_CHUNK = {"resnet10": (2, 1)}  # workload -> steps per chunk (full run, --quick); others: one epoch

NAMES = {"tinynet": "tinynet", "torch": "PyTorch", "jax": "JAX"}
INSTALL = {"torch": "pip install torch", "jax": 'pip install -e ".[bench-jax]"'}


def peak_rss_mib():
    """This process's peak resident memory so far, in MiB.

    On Linux from /proc/self/status (VmHWM, the peak of this program's own
    memory): getrusage's ru_maxrss would also count the parent's memory at the
    moment it forked this child.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def tinynet_step(layers, arrays, threads):
    import tinynet
    from tinynet import nn, optim
    from tinynet.nn import functional as F

    tinynet.set_num_threads(threads)
    model = models.load_parameters(models.build_model(nn, layers), arrays)
    optimizer = optim.SGD(model.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM)

    def step(x, y):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(tinynet.from_numpy(x)), tinynet.from_numpy(y))
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def torch_step(layers, arrays, threads):
    import torch

    torch.set_num_threads(threads)
    model = models.load_parameters(models.build_model(torch.nn, layers), arrays, torch.from_numpy)
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM)

    def step(x, y):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(torch.from_numpy(x)), torch.from_numpy(y))
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def jax_step(layers, arrays, threads):
    from benchmarks import jax_training

    jax_training.limit_threads(threads)  # before jax is imported
    import jax.numpy as jnp

    compiled = jax_training.training_step(layers, LEARNING_RATE, MOMENTUM)
    state = jax_training.initial_state(layers, arrays)

    def step(x, y):
        nonlocal state
        state, loss = compiled(state, jnp.asarray(x), jnp.asarray(y, dtype=jnp.int32))
        return float(loss)  # waits for the step, as .item() does in the others

    return step


STEP_BUILDERS = {"tinynet": tinynet_step, "torch": torch_step, "jax": jax_step}


def timed_steps(step, batches, warmup, per_chunk):
    """Warm up, then time CHUNKS chunks of ``per_chunk`` steps; the median chunk's images/s and the losses."""
    batch = len(batches[0][0])
    losses = [step(x, y) for x, y in batches[:warmup]]
    rates, cpu, wall = [], 0.0, 0.0
    for c in range(CHUNKS):
        chunk = batches[warmup + c * per_chunk: warmup + (c + 1) * per_chunk]
        start, start_cpu = time.perf_counter(), time.process_time()
        losses += [step(x, y) for x, y in chunk]
        seconds = time.perf_counter() - start
        cpu, wall = cpu + time.process_time() - start_cpu, wall + seconds
        rates.append(len(chunk) * batch / seconds)
    return {"images_per_s": statistics.median(rates), "first_loss": losses[0], "final_loss": losses[-1],
            "steps": len(losses), "cpu_per_wall": cpu / wall}


def step_plan(workload, quick, images_available=60_000, epoch=1):
    """(warm-up steps, steps per chunk): one epoch (a sixth with --quick), the ``epoch``-th after as many
    epochs untimed, or fixed steps for the big model."""
    if workload in FIXED_STEPS_PER_CHUNK:
        return WARMUP_STEPS, FIXED_STEPS_PER_CHUNK[workload][1 if quick else 0]
    batch = models.WORKLOADS[workload]["batch"]
    steps = (QUICK_IMAGES if quick else images_available) // batch
    return (epoch - 1) * (images_available // batch) + WARMUP_STEPS, max(1, (steps - WARMUP_STEPS) // CHUNKS)


def epoch_batches(images, labels, batch, steps):
    """The (images, labels) of ``steps`` batches in order, from the start again after each whole epoch."""
    per_epoch = len(images) // batch
    return [(images[i % per_epoch * batch:(i % per_epoch + 1) * batch],
             labels[i % per_epoch * batch:(i % per_epoch + 1) * batch]) for i in range(steps)]


def child_main(framework, workload, threads, quick, epoch=1):
    """In a fresh process: time one framework on one workload at one thread count; print a JSON line."""
    from tinynet.data import load_mnist

    layers, batch = models.WORKLOADS[workload]["layers"], models.WORKLOADS[workload]["batch"]
    images, labels = load_mnist("train")
    warmup, per_chunk = step_plan(workload, quick, len(images), epoch)
    batches = epoch_batches(images, labels, batch, warmup + CHUNKS * per_chunk)
    step = STEP_BUILDERS[framework](layers, models.initial_parameters(layers), threads)
    result = timed_steps(step, batches, warmup, per_chunk)
    result.update(framework=framework, workload=workload, threads=threads, epoch=epoch, peak_rss_mib=peak_rss_mib())
    print(json.dumps(result))


def measure(framework, workload, threads, quick, epoch=1):
    """One run in a fresh process; None (and the failure on stderr) if it failed."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    try:
        return run_child("benchmarks.bench_training", framework, workload, threads, int(quick), epoch, env=env)
    except RuntimeError as failure:
        print(f"  {failure}", file=sys.stderr)
        return None


def installed(module):
    """Whether ``module`` can be found, without importing it (importing torch or jax here costs seconds)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def frameworks_to_run():
    """tinynet and the references that are installed, and one line per reference skipped."""
    frameworks, skipped = ["tinynet"], []
    for reference in ("torch", "jax"):
        if installed(reference):
            frameworks.append(reference)
        else:
            skipped.append(f"{NAMES[reference]} column skipped: {reference} is not installed ({INSTALL[reference]})")
    return frameworks, skipped


def median_run(runs):
    """The median images/s and largest peak memory of a framework's runs; None if any failed."""
    if not runs or any(run is None for run in runs):
        return None
    return {"images_per_s": statistics.median(run["images_per_s"] for run in runs),
            "peak_rss_mib": max(run["peak_rss_mib"] for run in runs),
            "first_loss": runs[0]["first_loss"]}


def workload_row(workload, threads, summaries, frameworks, peak_gflops):
    """One table row: each framework's images/s, tinynet's speed ratio to each reference, % of peak, memory."""
    flops = models.flops_per_image(models.WORKLOADS[workload]["layers"])["step"]
    row = {"workload": workload, "batch": models.WORKLOADS[workload]["batch"], "MFLOP/img/step": flops / 1e6,
           "threads": threads}
    speed = {f: summaries[f] and summaries[f]["images_per_s"] for f in frameworks}
    for f in frameworks:
        row[f"{NAMES[f]} img/s"] = speed[f]
    for f in frameworks[1:]:
        row[report.ratio_column(NAMES[f])] = report.speed_ratio(speed["tinynet"], speed[f])
    for f in frameworks:
        row[f"{NAMES[f]} % of peak"] = speed[f] and 100 * speed[f] * flops / (peak_gflops * 1e9 * threads)
    for f in frameworks:
        row[f"{NAMES[f]} MiB"] = summaries[f] and summaries[f]["peak_rss_mib"]
    losses = {f: summaries[f]["first_loss"] for f in frameworks if summaries[f]}
    row["details"] = {"peak_gflops_per_core": peak_gflops, "first_step_loss": losses}
    return row


def losses_agree(losses, tolerance=1e-3):
    """Whether the frameworks' first-step losses (same weights, same batch) agree to ``tolerance`` (relative)."""
    values = list(losses.values())
    return all(abs(v - values[0]) <= tolerance * max(1.0, abs(values[0])) for v in values)


def run(threads=(1, 2), quick=False, only=None, peak_gflops=None, epoch=1):
    """Measure every workload at every thread count (the ``epoch``-th epoch); one row each (see workload_row)."""
    if peak_gflops is None:
        from benchmarks import bench_gemm

        peak_gflops = bench_gemm.measure_peak(quick)
    frameworks, skipped = frameworks_to_run()
    for line in skipped:
        print(line, file=sys.stderr)
    rows = []
    for workload in models.WORKLOADS:
        if only and workload not in only:
            continue
        for n in threads:
            runs = {f: [] for f in frameworks}
            for _ in range(1 if quick else ROUNDS):  # taking turns, all meet the machine's ups and downs
                for framework in frameworks:
                    runs[framework].append(measure(framework, workload, n, quick, epoch))
            row = workload_row(workload, n, {f: median_run(runs[f]) for f in frameworks}, frameworks, peak_gflops)
            row["details"].update(skipped=skipped, runs=runs)
            if not losses_agree(row["details"]["first_step_loss"]):
                print(f"  warning: {workload}: the first-step losses differ: {row['details']['first_step_loss']}",
                      file=sys.stderr)
            rows.append(row)
            print(f"  {workload} threads={n}: " + ", ".join(f"{k} {v:.4g}" for k, v in row.items()
                                                           if isinstance(v, float)), file=sys.stderr)
    return rows


def notes(rows):
    """The lines under the table: what % of peak means here, what was skipped, any loss that disagreed."""
    if not rows:
        return []
    details = rows[0]["details"]
    lines = [f"% of peak = img/s x FLOP/img/step / ({details['peak_gflops_per_core']:.1f} GFLOP/s x threads): "
             "the best one-thread float32 GEMM (tinynet or numpy, 512 or larger) in this run; FLOPs count the "
             "conv and linear multiply-adds of forward and backward as defined (a direct sum; Winograd's "
             "convolution needs fewer)"] + details.get("skipped", [])
    for row in rows:
        if not losses_agree(row["details"]["first_step_loss"]):
            lines.append(f"{row['workload']} ({row['threads']} threads): first-step losses differ between "
                         f"frameworks: {row['details']['first_step_loss']}")
    return lines


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_main(sys.argv[2], sys.argv[3], int(sys.argv[4]), bool(int(sys.argv[5])), int(sys.argv[6]))
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a sixth of an epoch, fewer ResNet steps, one round")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--only", nargs="+", choices=sorted(models.WORKLOADS))
    parser.add_argument("--epoch", type=int, default=1,
                        help="time the small models' N-th epoch, after N - 1 untimed (default 1)")
    args = parser.parse_args()
    if args.epoch < 1:
        parser.error(f"--epoch must be 1 or more, got {args.epoch}")
    from benchmarks import preflight

    preflight.check_c_backend()
    result_rows = run(tuple(args.threads), args.quick, args.only, epoch=args.epoch)
    later = [f"the small models' epoch {args.epoch} timed, after {args.epoch - 1} untimed"] if args.epoch > 1 else []
    print(report.markdown(result_rows, notes(result_rows) + later))
