"""A one-line progress bar for loops (``fit`` in training.py uses it).

On a terminal the bar rewrites a single stderr line in place with a carriage
return (no ANSI escape codes):

    epoch 2/5  312/469 batches  loss 0.2841  10532 img/s  ETA 0:03

When stderr is not a terminal (a log file, a pipe, a test) it prints one
full line each time another 10 % is done, and a last line at the end, so
logs stay readable.  Ctrl-C (KeyboardInterrupt) is never swallowed: the bar
finishes its line and the exception reaches the caller.
"""

import math
import numbers
import sys
import time


def _format_seconds(seconds):
    """m:ss, or h:mm:ss from an hour up."""
    seconds = int(round(seconds))
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ProgressBar:
    """Shows how far a loop has got: step counter, latest loss, items (images) per second and ETA.

    Use it by hand::

        bar = ProgressBar(total=len(loader), desc="epoch 1")
        for x, y in loader:
            ...
            bar.update(loss=loss.item(), items=len(x))
        bar.close()

    or wrap an iterable (see ``progress``) and call ``bar.set(loss=...)`` inside.

    Parameters
    ----------
    iterable : iterable or None
        If given, iterating over the bar iterates over it, counting one step per item.
    total : int or None
        Number of steps expected (taken from ``len(iterable)`` when possible);
        without it there is no percentage or ETA.
    desc : str
        Text at the start of the line.
    unit : str
        Name of one step ("batches", "steps").
    stream : file-like
        Where to write (default ``sys.stderr``).
    every_percent : int
        When the stream is not a terminal, print a line each time this many percent more is done.
    min_interval : float
        On a terminal, redraw at most this often (seconds).
    """

    def __init__(self, iterable=None, total=None, desc="", unit="batches", stream=None,
                 every_percent=10, min_interval=0.1):
        if total is None and iterable is not None and hasattr(iterable, "__len__"):
            total = len(iterable)
        if total is not None and (isinstance(total, bool) or not isinstance(total, numbers.Integral) or total < 0):
            raise ValueError(f"ProgressBar expects total to be None or a non-negative integer, got {total!r}")
        if not (isinstance(every_percent, numbers.Integral) and 1 <= every_percent <= 100):
            raise ValueError(f"ProgressBar expects every_percent in 1..100, got {every_percent!r}")
        self.iterable = iterable
        self.total = None if total is None else int(total)
        self.desc = str(desc)
        self.unit = unit
        self.stream = sys.stderr if stream is None else stream
        self.every_percent = int(every_percent)
        self.min_interval = float(min_interval)
        isatty = getattr(self.stream, "isatty", None)
        self.is_terminal = bool(isatty and isatty())
        self.count = 0
        self.items = 0
        self.loss = None
        self.start_time = time.perf_counter()
        self.closed = False
        self._last_draw = -math.inf
        self._last_percent_printed = 0
        self._width = 0

    # -- state -------------------------------------------------------------------------

    def set(self, loss=None, items=None):
        """Record the latest loss and/or how many items (images) the current step processed."""
        if loss is not None:
            self.loss = float(loss)
        if items is not None:
            self.items += int(items)

    def update(self, steps=1, loss=None, items=None):
        """Count ``steps`` more steps done, optionally with the latest loss and items processed."""
        self.count += int(steps)
        self.set(loss=loss, items=items)
        self._maybe_draw()

    def elapsed(self):
        """Seconds since the bar was created."""
        return time.perf_counter() - self.start_time

    def items_per_second(self):
        """Items (images) processed per second so far, or None before any were counted."""
        elapsed = self.elapsed()
        return self.items / elapsed if self.items and elapsed > 0 else None

    def line(self):
        """The text of the bar as it stands now."""
        parts = [self.desc] if self.desc else []
        if self.total:
            width = len(str(self.total))
            parts.append(f"{self.count:>{width}}/{self.total} {self.unit} ({100 * self.count // self.total:3d}%)")
        else:
            parts.append(f"{self.count} {self.unit}")
        if self.loss is not None:
            parts.append(f"loss {self.loss:.4f}")
        rate = self.items_per_second()
        if rate is not None:
            parts.append(f"{rate:.0f} img/s")
        if self.total and 0 < self.count < self.total:
            remaining = self.elapsed() / self.count * (self.total - self.count)
            parts.append(f"ETA {_format_seconds(remaining)}")
        elif self.count:
            parts.append(f"in {_format_seconds(self.elapsed())}")
        return "  ".join(parts)

    # -- drawing -----------------------------------------------------------------------

    def _maybe_draw(self):
        """Redraw on a terminal (throttled); on a log, print a line per ``every_percent`` crossed."""
        if self.is_terminal:
            now = time.perf_counter()
            if now - self._last_draw >= self.min_interval:
                self._last_draw = now
                self._draw_in_place()
        elif self.total:
            percent = 100 * self.count // self.total
            step = percent // self.every_percent * self.every_percent
            if step > self._last_percent_printed and self.count < self.total:
                self._last_percent_printed = step
                self._write(self.line() + "\n")

    def _draw_in_place(self):
        """Overwrite the terminal line: carriage return, the text, spaces over any longer old text."""
        text = self.line()
        padding = " " * max(0, self._width - len(text))
        self._width = len(text)
        self._write("\r" + text + padding)

    def _write(self, text):
        self.stream.write(text)
        self.stream.flush()

    def close(self):
        """Draw the final state and end the line; safe to call twice."""
        if self.closed:
            return
        self.closed = True
        if self.is_terminal:
            self._draw_in_place()
            self._write("\n")
        else:
            self._write(self.line() + "\n")

    # -- use as an iterable or context manager -----------------------------------------

    def __iter__(self):
        """Iterate over the wrapped iterable, counting a step after each item is processed."""
        if self.iterable is None:
            raise TypeError("this ProgressBar wraps no iterable; call update() instead")
        try:
            first = True
            for item in self.iterable:
                if not first:
                    self.update()
                first = False
                yield item
            if not first:
                self.update()
        finally:
            # Also on KeyboardInterrupt or break: finish the line so what follows starts cleanly.
            self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False  # never swallow exceptions (Ctrl-C included)


def progress(iterable, total=None, desc="", **options):
    """Wrap ``iterable`` in a ``ProgressBar``: ``for batch in progress(loader, desc="epoch 1"): ...``.

    Inside the loop, report the loss with ``bar.set(loss=..., items=...)`` on the
    returned bar.  Options are those of ``ProgressBar``.
    """
    return ProgressBar(iterable, total=total, desc=desc, **options)
