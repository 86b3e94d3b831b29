"""``fit``: the textbook training loop, with a progress bar.

For each batch: clear the gradients, forward pass, loss, ``loss.backward()``
(the chain rule: dL/d every parameter), and an optimizer step.  ``fit`` adds
the things a real loop needs -- a progress bar, a history of the loss, a stop
with a clear error when the loss stops being a number, and Ctrl-C that keeps
what was learned so far.
"""

import math
import numbers
import time

from tinynet.progress import ProgressBar


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
