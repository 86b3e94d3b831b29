"""Training speed taken by turns in one process: tinynet beside PyTorch and JAX on one workload.

bench_training runs each framework in a process of its own, so that each has its own peak memory and no
other library's threads.  Its ratios then carry the machine's drift between those processes: on a shared
virtual machine one program's speed can move by a quarter or more within seconds.  Here the frameworks run
in one process, on one thread, a chunk of ``steps`` training steps each in turn (turns.py; the order
rotating every round); each round gives tinynet's speed over each reference's, and the median over the rounds is the
figure, with its quartiles: every framework meets the same moments of the machine.

The steps are bench_training's (same models, weights, batches and SGD).  One thread only: JAX's thread
setting pins the process to one core, and several frameworks' worker threads would compete for the others.

    python -m benchmarks.training_turns [--workload mlp] [--rounds 60] [--steps 40]
"""

import argparse
import statistics

from benchmarks import bench_training, models
from benchmarks.turns import take_turns


def turns(workload, rounds, steps, frameworks):
    """{framework: [images/s of each of its chunks]}, the frameworks running ``steps`` steps each in turn."""
    from tinynet.data import load_mnist

    layers, batch = models.WORKLOADS[workload]["layers"], models.WORKLOADS[workload]["batch"]
    images, labels = load_mnist("train")
    # (JAX first: its thread setting must come before it is imported, and it pins the process to one core)
    order = sorted(frameworks, key=lambda framework: framework != "jax")
    step_of = {framework: bench_training.STEP_BUILDERS[framework](layers, models.initial_parameters(layers), 1)
               for framework in order}
    batches = bench_training.epoch_batches(images, labels, batch, bench_training.WARMUP_STEPS + rounds * steps)
    for step in step_of.values():  # warm-up (and JAX's compilation)
        for x, y in batches[:bench_training.WARMUP_STEPS]:
            step(x, y)
    def chunks(step):
        """Each call runs the next ``steps`` batches: every framework meets the same batches in a round."""
        position = bench_training.WARMUP_STEPS

        def run():
            nonlocal position
            for x, y in batches[position:position + steps]:
                step(x, y)
            position += steps
        return run
    seconds = take_turns({framework: chunks(step_of[framework]) for framework in frameworks}, rounds)
    return {framework: [steps * batch / s for s in times] for framework, times in seconds.items()}


def ratios(rates):
    """{reference: (median, lower quartile, upper quartile)} of tinynet's speed over the reference's, round by
    round."""
    summary = {}
    for framework, theirs in rates.items():
        if framework != "tinynet":
            per_round = [ours / other for ours, other in zip(rates["tinynet"], theirs)]
            low, _, high = statistics.quantiles(per_round, n=4) if len(per_round) > 1 else per_round * 3
            summary[framework] = (statistics.median(per_round), low, high)
    return summary


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workload", default="mlp", choices=sorted(models.WORKLOADS))
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--steps", type=int, default=40, help="training steps per framework per turn")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.steps < 1:
        parser.error(f"--rounds and --steps must be 1 or more, got {args.rounds} and {args.steps}")
    frameworks, skipped = bench_training.frameworks_to_run()
    for line in skipped:
        print(line)
    if len(frameworks) < 2:
        parser.error("no reference framework is installed: nothing to take turns with")
    rates = turns(args.workload, args.rounds, args.steps, frameworks)
    print(f"{args.workload}, one thread, {args.rounds} rounds of {args.steps} steps each, taking turns in one process")
    for framework, speeds in rates.items():
        print(f"  {bench_training.NAMES[framework]}: {statistics.median(speeds):,.0f} images/s (median chunk)")
    for framework, (middle, low, high) in ratios(rates).items():
        print(f"  tinynet/{bench_training.NAMES[framework]} speed: {middle:.2f} (quartiles {low:.2f}-{high:.2f})")


if __name__ == "__main__":
    main()
