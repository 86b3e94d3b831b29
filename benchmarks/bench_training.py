"""End-to-end training speed: one epoch of MNIST, images per second, tinynet beside PyTorch.

Three workloads, each with SGD (momentum 0.9) and cross-entropy, the same model
in both frameworks (the layer names are the same, so one description builds
both):

  * mlp     784-128-10, ReLU, batch 64
  * lenet5  conv 6@5x5, ReLU, maxpool 2, conv 16@5x5, ReLU, maxpool 2, 120, 84, 10; batch 64
  * cnn6    six 3x3 tanh convs (4, 4, 8, 8, 16, 16 channels, maxpool 2 after the 2nd and 4th), 64, 32, 10;
            batch 1024

Each measurement runs in a fresh subprocess, so its peak memory (RSS) is its
own.  The epoch is timed in equal chunks of steps after a short warm-up, and
the median chunk's images/s is a run's figure.  Each framework runs three
times, the two taking turns, and the median run is reported (one run's
figure can be a third off on a shared machine).

    python -m benchmarks.bench_training [--quick] [--threads 1 2] [--only mlp]
"""

import argparse
import json
import os
import resource
import statistics
import sys
import time

try:
    from benchmarks.child import run_child
except ImportError:  # run as a script (python benchmarks/bench_x.py): this folder is on the path
    from child import run_child

WORKLOADS = {
    "mlp": {
        "batch": 64,
        "layers": [("Flatten",), ("Linear", 784, 128), ("ReLU",), ("Linear", 128, 10)],
    },
    "lenet5": {
        "batch": 64,
        "layers": [
            ("Conv2d", 1, 6, 5), ("ReLU",), ("MaxPool2d", 2),
            ("Conv2d", 6, 16, 5), ("ReLU",), ("MaxPool2d", 2),
            ("Flatten",), ("Linear", 256, 120), ("ReLU",), ("Linear", 120, 84), ("ReLU",), ("Linear", 84, 10),
        ],
    },
    "cnn6": {
        "batch": 1024,
        "layers": [
            ("Conv2d", 1, 4, 3, 1), ("Tanh",), ("Conv2d", 4, 4, 3, 1), ("Tanh",), ("MaxPool2d", 2),
            ("Conv2d", 4, 8, 3, 1), ("Tanh",), ("Conv2d", 8, 8, 3, 1), ("Tanh",), ("MaxPool2d", 2),
            ("Conv2d", 8, 16, 3, 1), ("Tanh",), ("Conv2d", 16, 16, 3, 1), ("Tanh",),
            ("Flatten",), ("Linear", 784, 64), ("Tanh",), ("Linear", 64, 32), ("Tanh",), ("Linear", 32, 10),
        ],
    },
}

LEARNING_RATE = 0.01
MOMENTUM = 0.9
WARMUP_STEPS = 3
CHUNKS = 5


def build_model(nn, layers):
    """The same Sequential in either framework: tinynet.nn and torch.nn share these names."""
    modules = []
    for kind, *args in layers:
        if kind == "Conv2d":
            in_channels, out_channels, kernel, *padding = args
            modules.append(nn.Conv2d(in_channels, out_channels, kernel, padding=padding[0] if padding else 0))
        else:
            modules.append(getattr(nn, kind)(*args))
    return nn.Sequential(*modules)


def peak_rss_mib():
    """This process's peak resident memory so far, in MiB.

    On Linux from /proc/self/status (VmHWM, the peak of this program's own
    memory): getrusage's ru_maxrss would also count the parent's memory at the
    moment it forked this child, which in `python -m benchmarks` -- a parent
    that has imported torch -- is more than a tinynet run ever uses.
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


def train_tinynet(workload, images, labels, threads):
    import tinynet
    from tinynet import nn, optim
    from tinynet.nn import functional as F

    tinynet.set_num_threads(threads)
    tinynet.manual_seed(0)
    model = build_model(nn, WORKLOADS[workload]["layers"])
    optimizer = optim.SGD(model.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM)

    def step(x, y):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(tinynet.Tensor(x)), tinynet.Tensor(y))
        loss.backward()
        optimizer.step()
        return loss.item()

    return timed_epoch(step, images, labels, WORKLOADS[workload]["batch"])


def train_torch(workload, images, labels, threads):
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = build_model(torch.nn, WORKLOADS[workload]["layers"])
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM)
    loss_fn = torch.nn.functional.cross_entropy

    def step(x, y):
        optimizer.zero_grad()
        loss = loss_fn(model(torch.from_numpy(x)), torch.from_numpy(y))
        loss.backward()
        optimizer.step()
        return loss.item()

    return timed_epoch(step, images, labels, WORKLOADS[workload]["batch"])


def timed_epoch(step, images, labels, batch):
    """Run one pass over the data; return the median images/s over CHUNKS equal chunks of steps."""
    steps = len(images) // batch
    batches = [(images[i * batch:(i + 1) * batch], labels[i * batch:(i + 1) * batch]) for i in range(steps)]
    for x, y in batches[:WARMUP_STEPS]:
        step(x, y)
    per_chunk = max(1, (steps - WARMUP_STEPS) // CHUNKS)
    rates, losses = [], []
    for c in range(CHUNKS):
        chunk = batches[WARMUP_STEPS + c * per_chunk: WARMUP_STEPS + (c + 1) * per_chunk]
        if not chunk:
            break
        start = time.perf_counter()
        for x, y in chunk:
            losses.append(step(x, y))
        rates.append(len(chunk) * batch / (time.perf_counter() - start))
    return {"images_per_s": statistics.median(rates), "final_loss": float(losses[-1]), "steps": steps}


def child_main(framework, workload, threads, images_used):
    """Run in a subprocess: one framework, one workload, one thread count; print a JSON line."""
    from tinynet.data import load_mnist

    images, labels = load_mnist("train")
    images, labels = images[:images_used], labels[:images_used]
    train = train_tinynet if framework == "tinynet" else train_torch
    result = train(workload, images, labels, threads)
    result.update(framework=framework, workload=workload, threads=threads, peak_rss_mib=peak_rss_mib())
    print(json.dumps(result))


def measure(framework, workload, threads, images_used):
    """One measurement in a fresh subprocess (its own peak memory); None if it failed."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    try:
        return run_child("benchmarks.bench_training", framework, workload, threads, images_used, env=env)
    except RuntimeError as failure:
        print(f"  {failure}", file=sys.stderr)
        return None


ROUNDS = 3  # runs per framework, workload and thread count


def summary(runs):
    """The median images/s and the largest peak memory of a few runs; None if any failed (or there were none)."""
    if not runs or any(run is None for run in runs):
        return None
    return {"images_per_s": statistics.median(run["images_per_s"] for run in runs),
            "peak_rss_mib": max(run["peak_rss_mib"] for run in runs)}


def torch_available():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def run(threads=(1, 2), quick=False, only=None):
    """Measure every workload at every thread count; rows of tinynet and PyTorch figures with the ratio."""
    images_used = 10_240 if quick else 60_000
    rows = []
    for workload in WORKLOADS:
        if only and workload not in only:
            continue
        for n in threads:
            runs = {"tinynet": [], "torch": []}
            for _ in range(ROUNDS):  # the frameworks take turns, so both meet the machine's ups and downs
                for framework in runs:
                    if framework == "tinynet" or torch_available():
                        runs[framework].append(measure(framework, workload, n, images_used))
            ours, theirs = summary(runs["tinynet"]), summary(runs["torch"])
            row = {"workload": workload, "batch": WORKLOADS[workload]["batch"], "threads": n,
                   "tinynet_img_s": ours and ours["images_per_s"], "torch_img_s": theirs and theirs["images_per_s"],
                   "tinynet_rss_mib": ours and ours["peak_rss_mib"], "torch_rss_mib": theirs and theirs["peak_rss_mib"]}
            if ours and theirs:
                row["ratio"] = ours["images_per_s"] / theirs["images_per_s"]
            rows.append(row)
            print(f"  {workload} threads={n}: {row}", file=sys.stderr)
    return rows


def markdown(rows):
    lines = ["| workload | batch | threads | tinynet img/s | PyTorch img/s | ratio | tinynet RSS MiB | PyTorch RSS MiB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    fmt = lambda v, spec: "-" if v is None else format(v, spec)
    for r in rows:
        lines.append(f"| {r['workload']} | {r['batch']} | {r['threads']} | {fmt(r['tinynet_img_s'], ',.0f')} | "
                     f"{fmt(r['torch_img_s'], ',.0f')} | {fmt(r.get('ratio'), '.2f')} | "
                     f"{fmt(r['tinynet_rss_mib'], '.0f')} | {fmt(r['torch_rss_mib'], '.0f')} |")
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_main(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a sixth of an epoch instead of a whole one")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--only", nargs="+", choices=sorted(WORKLOADS))
    args = parser.parse_args()
    print(markdown(run(tuple(args.threads), args.quick, args.only)))
