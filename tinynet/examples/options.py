"""Argument types for the examples' command-line options: a bad value is refused while the command
line is read, with one line naming the option, what it expects and what it got -- before any data
is loaded or any training starts.

    parser.add_argument("--lr", type=positive_float, default=None, help="learning rate")
"""

import argparse
import math


def _number(text, convert, what):
    try:
        return convert(text)
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None


def positive_int(text):
    """An integer >= 1 (epochs, batch size, number of images)."""
    value = _number(text, int, "a positive integer")
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def non_negative_int(text):
    """An integer >= 0 (a seed, a count where 0 means none)."""
    value = _number(text, int, "a non-negative integer")
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {value}")
    return value


def positive_float(text):
    """A finite number > 0 (a learning rate): nan, inf, 0 and negative numbers are refused."""
    value = _number(text, float, "a positive number")
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive finite number, got {text!r}")
    return value


def non_negative_float(text):
    """A finite number >= 0 (a weight decay)."""
    value = _number(text, float, "a non-negative number")
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative finite number, got {text!r}")
    return value
