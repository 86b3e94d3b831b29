"""tinynet benchmark suite: run with `python -m benchmarks`."""
