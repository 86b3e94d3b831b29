"""A one-line progress bar for training loops, and ``fit``: the standard training loop with one.

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


class NonFiniteLossError(FloatingPointError):
    """Raised by ``fit`` when the loss becomes NaN or infinite (training has diverged)."""


def fit(model, loader, loss_fn, optimizer, epochs=1, on_step=None, progress=True, history=None):
    """Train ``model`` for ``epochs`` passes over ``loader``; returns the history dict.

    Each step is the textbook loop: clear the gradients, forward pass,
    loss, ``loss.backward()`` (the chain rule, dL/d every parameter), and an
    optimizer step.

    Parameters
    ----------
    model : callable (usually a tinynet.nn.Module)
        Maps a batch of inputs to outputs; put in training mode if it has ``train()``.
    loader : iterable of (x, y) batches, e.g. a ``tinynet.data.DataLoader``
    loss_fn : callable
        ``loss_fn(model(x), y)`` must return a scalar Tensor.
    optimizer : object with ``zero_grad()`` and ``step()``
    epochs : int
    on_step : callable or None
        Called as ``on_step(step, loss)`` after every step (step counts from 1
        over all epochs; loss is a float).
    progress : bool
        Show a ``ProgressBar`` on stderr.
    history : dict or None
        A dict to append to.  Pass your own to keep what was recorded if Ctrl-C
        interrupts training: ``fit`` lets the KeyboardInterrupt through.

    Returns
    -------
    dict with ``loss`` (one float per step), ``epoch_end_step`` (step count
    at the end of each epoch), ``images_per_second`` (one per epoch) and
    ``seconds`` (training time so far).

    If the loss becomes NaN or infinite, ``fit`` raises ``NonFiniteLossError``
    before that step's backward pass and update, so the parameters are those
    that last gave a finite loss and ``history`` ends with the bad loss.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 0:
        raise ValueError(f"fit expects epochs to be a non-negative integer, got {epochs!r}")
    missing = [method for method in ("zero_grad", "step") if not callable(getattr(optimizer, method, None))]
    if missing:
        raise TypeError(f"fit expects an optimizer with zero_grad() and step(); "
                        f"{type(optimizer).__name__} lacks {', '.join(missing)}()")
    if history is None:
        history = {}
    for key in ("loss", "epoch_end_step", "images_per_second"):
        history.setdefault(key, [])
    history.setdefault("seconds", 0.0)
    if hasattr(model, "train") and callable(model.train):
        model.train()
    steps_per_epoch = len(loader) if hasattr(loader, "__len__") else None
    total = steps_per_epoch * epochs if steps_per_epoch is not None else None
    bar = ProgressBar(total=total, unit="steps", desc="training") if progress else None
    started = time.perf_counter()
    try:
        for epoch in range(epochs):
            epoch_start, epoch_images = time.perf_counter(), 0
            if bar is not None:
                bar.desc = f"epoch {epoch + 1}/{epochs}"
            for x, y in loader:
                optimizer.zero_grad()
                loss = loss_fn(model(x), y)
                loss_value = float(loss.item())
                if not math.isfinite(loss_value):
                    history["loss"].append(loss_value)
                    raise NonFiniteLossError(
                        f"loss became {loss_value} at step {len(history['loss'])} (epoch {epoch + 1}); "
                        "training stopped before updating the parameters with it. Try a smaller learning "
                        "rate, or find the op that made it with tinynet.detect_anomaly()"
                    )
                loss.backward()
                optimizer.step()
                batch_images = len(x)
                epoch_images += batch_images
                history["loss"].append(loss_value)
                if bar is not None:
                    bar.update(loss=loss_value, items=batch_images)
                if on_step is not None:
                    on_step(len(history["loss"]), loss_value)
            history["epoch_end_step"].append(len(history["loss"]))
            history["images_per_second"].append(epoch_images / max(time.perf_counter() - epoch_start, 1e-9))
    finally:
        history["seconds"] += time.perf_counter() - started
        if bar is not None:
            bar.close()
    return history
