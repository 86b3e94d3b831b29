"""The ``tinynet`` command: run an example (or the tour) and write its figures.

    tinynet <example> | tour [--out DIR] [--epochs N] [--threads N] [--seed N] [--quick] [example options]
    (``tinynet --help`` lists the examples)

Each example prints what it measured and what its figures show, and writes
them to ``--out`` (default ``./tinynet-out/<name>``; the tour: ``./tinynet-tour``).
A bad option or an ``--out`` that cannot be written is reported in one line
before anything runs.  Exit status: 0 on success, 1 if the example failed, 2 on
bad arguments, 130 when stopped with Ctrl-C.
"""

import argparse
import importlib
import sys
import tempfile
import time
from pathlib import Path

from tinynet.examples.options import non_negative_int, positive_int

TOUR_MODULE = "tinynet.examples.tour"
EXIT_OK, EXIT_FAILED, EXIT_BAD_ARGS, EXIT_INTERRUPTED = 0, 1, 2, 130


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line: what is wrong, and where to read the options."""

    def error(self, message):
        print(f"{self.prog}: error: {message} (see '{self.prog} --help')", file=sys.stderr)
        raise SystemExit(EXIT_BAD_ARGS)


def check_out_dir(path):
    """Create the output folder ``path`` if needed and check that files can be written in it.

    Returns None if it can, else one line saying what is wrong (checked before any training starts).
    """
    if path.exists() and not path.is_dir():
        return f"--out {path}: this is a file, not a folder"
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as error:
        return f"--out {path}: cannot write there ({error.strerror or error})"
    return None


def _commands():
    """[(command name, module name)] for every example, then the tour."""
    from tinynet.examples import EXAMPLES

    return list(EXAMPLES.items()) + [("tour", TOUR_MODULE)]


def _add_common_options(parser, name):
    """The options every subcommand has."""
    default_out = Path("tinynet-tour") if name == "tour" else Path("tinynet-out") / name
    parser.add_argument("--out", type=Path, default=default_out, metavar="DIR",
                        help=f"folder for the figures (default: ./{default_out})")
    parser.add_argument("--epochs", type=positive_int, default=None, metavar="N",
                        help="training epochs (default: the example's own)")
    parser.add_argument("--threads", type=positive_int, default=None, metavar="N",
                        help="threads for the C kernels (default: all cores)")
    parser.add_argument("--seed", type=non_negative_int, default=0, metavar="N",
                        help="random seed; the same seed gives the same run (default 0)")
    parser.add_argument("--quick", action="store_true",
                        help="tiny settings (a few seconds): checks that everything runs")


def build_parser():
    """The argparse parser with one subcommand per example plus ``tour``.

    An example module that fails to import still gets a subcommand, which
    reports the import error when run.
    """
    import tinynet

    parser = _Parser(
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
    problem = check_out_dir(args.out)
    if problem:
        print(f"tinynet {args.command}: error: {problem}", file=sys.stderr)
        return EXIT_BAD_ARGS

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
    files = result.files()
    print(f"\n{args.command}: {len(files)} file(s) in {args.out} ({seconds:.1f} s)")
    for path in files:
        print(f"  {path}")
    if result.interrupted:
        print(f"tinynet {args.command}: stopped by Ctrl-C; the files above hold what was made", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
