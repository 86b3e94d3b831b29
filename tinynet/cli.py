"""The ``tinynet`` command: run an example (or the tour) and write its figures.

    tinynet xor | bp | mnist-templates | mnist-hidden | cnn-activations | autoencoder | tour
            [--out DIR] [--epochs N] [--threads N] [--seed N] [--quick] [example options]

Each example prints what it measured and what its figures show, and writes
them to ``--out`` (default ``./tinynet-out/<name>``; the tour: ``./tinynet-tour``).
Exit status: 0 on success, 1 if the example failed, 2 on bad arguments,
130 when stopped with Ctrl-C.
"""

import argparse
import importlib
import sys
import time
from pathlib import Path

TOUR_MODULE = "tinynet.examples.tour"
EXIT_OK, EXIT_FAILED, EXIT_BAD_ARGS, EXIT_INTERRUPTED = 0, 1, 2, 130


def _positive_int(text):
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _non_negative_int(text):
    """argparse type: an integer >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {value}")
    return value


def _commands():
    """[(command name, module name)] for every example, then the tour."""
    from tinynet.examples import EXAMPLES

    return list(EXAMPLES.items()) + [("tour", TOUR_MODULE)]


def _add_common_options(parser, name):
    """The options every subcommand has."""
    default_out = Path("tinynet-tour") if name == "tour" else Path("tinynet-out") / name
    parser.add_argument("--out", type=Path, default=default_out, metavar="DIR",
                        help=f"folder for the figures (default: ./{default_out})")
    parser.add_argument("--epochs", type=_positive_int, default=None, metavar="N",
                        help="training epochs (default: the example's own)")
    parser.add_argument("--threads", type=_positive_int, default=None, metavar="N",
                        help="threads for the C kernels (default: all cores)")
    parser.add_argument("--seed", type=_non_negative_int, default=0, metavar="N",
                        help="random seed; the same seed gives the same run (default 0)")
    parser.add_argument("--quick", action="store_true",
                        help="tiny settings (a few seconds): checks that everything runs")


def build_parser():
    """The argparse parser with one subcommand per example plus ``tour``.

    An example module that fails to import still gets a subcommand, which
    reports the import error when run.
    """
    import tinynet

    parser = argparse.ArgumentParser(
        prog="tinynet",
        description="tinynet: train small networks from scratch and see what their hidden layers learn.",
        epilog="Run 'tinynet <command> --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"tinynet {tinynet.__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="command", required=True)
    for name, module_name in _commands():
        try:
            module = importlib.import_module(module_name)
            summary, error = getattr(module, "SUMMARY", ""), None
        except Exception as import_error:  # a broken example must not break the others
            module, error = None, f"{type(import_error).__name__}: {import_error}"
            summary = f"(unavailable: {error})"
        sub = subparsers.add_parser(name, help=summary, description=summary)
        _add_common_options(sub, name)
        if module is not None and hasattr(module, "add_arguments"):
            module.add_arguments(sub)
        sub.set_defaults(module=module, import_error=error)
    return parser


def main(argv=None):
    """Entry point of the ``tinynet`` console script; returns the exit status."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_request:  # --help (0) or bad arguments (2)
        return exit_request.code if isinstance(exit_request.code, int) else EXIT_BAD_ARGS
    if args.module is None:
        print(f"tinynet {args.command}: this example could not be loaded: {args.import_error}", file=sys.stderr)
        return EXIT_FAILED

    import tinynet

    if args.threads is not None:
        tinynet.set_num_threads(args.threads)
    common = {"command", "module", "import_error", "out", "epochs", "threads", "seed", "quick"}
    options = {key: value for key, value in vars(args).items() if key not in common}
    started = time.perf_counter()
    try:
        result = args.module.run(args.out, epochs=args.epochs, seed=args.seed, quick=args.quick, **options)
    except KeyboardInterrupt:
        print(f"\ntinynet {args.command}: stopped by Ctrl-C", file=sys.stderr)
        return EXIT_INTERRUPTED
    except tinynet.NonFiniteLossError as diverged:
        print(f"\ntinynet {args.command}: {diverged}", file=sys.stderr)
        return EXIT_FAILED
    seconds = time.perf_counter() - started
    figures = getattr(result, "figures", [])
    print(f"\n{args.command}: {len(figures)} figure(s) in {args.out} ({seconds:.1f} s)")
    for figure in figures:
        print(f"  {figure.path}  {figure.title}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
