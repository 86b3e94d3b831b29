"""Grad mode: whether ops record the graph that backward() needs.

Recording is on by default.  Turn it off for evaluation and for optimizer
updates, where no gradient is wanted and saving values for backward would
only cost memory::

    with tinynet.no_grad():
        prediction = model(x)

The switch is kept per thread, as in PyTorch: ``no_grad()`` in a data-loading
thread does not stop the training thread from recording, and every new thread
starts with recording on.
"""

import functools
import inspect
import threading


class _GradMode(threading.local):
    enabled = True  # the class attribute is each new thread's starting value


# ``state.enabled`` is this thread's switch (read directly by Function.apply, the hottest path).
state = _GradMode()


def is_grad_enabled():
    """True if ops in this thread currently record the graph that backward() needs."""
    return state.enabled


def _set_enabled(enabled):
    state.enabled = bool(enabled)


class _Switch:
    """Context manager: set the mode on entry, restore the previous one on exit."""

    def __init__(self, mode):
        self.mode = mode

    def __enter__(self):
        self.previous = is_grad_enabled()
        _set_enabled(self.mode)
        return self

    def __exit__(self, *exc_info):
        _set_enabled(self.previous)
        return False

    def __call__(self, function):
        """As a decorator: run the whole function -- or, for a generator, every step of it -- in the mode."""
        return _in_mode(self.mode, function)


def _in_mode(mode, function):
    if not inspect.isgeneratorfunction(function):
        @functools.wraps(function)
        def function_in_mode(*args, **kwargs):
            with _Switch(mode):
                return function(*args, **kwargs)
        return function_in_mode

    @functools.wraps(function)
    def generator_in_mode(*args, **kwargs):
        # A generator's body runs at each next(), not when it is called: switch the mode around
        # every resumption, and give the caller back its own mode in between.
        generator = function(*args, **kwargs)
        try:
            with _Switch(mode):
                value = next(generator)
            while True:
                try:
                    sent = yield value
                except GeneratorExit:
                    generator.close()
                    raise
                except BaseException as error:  # thrown in by the caller: hand it to the body
                    with _Switch(mode):
                        value = generator.throw(error)
                else:
                    with _Switch(mode):
                        value = generator.send(sent)
        except StopIteration as finished:
            return finished.value
    return generator_in_mode


class no_grad(_Switch):
    """Context manager (and decorator) in which ops record no graph.

    Results have ``requires_grad=False`` and nothing is saved for a backward pass::

        with tinynet.no_grad():
            prediction = model(x)

        @tinynet.no_grad()
        def evaluate(model, x): ...
    """

    def __init__(self):
        super().__init__(False)


class enable_grad(_Switch):
    """Context manager (and decorator) that turns graph recording back on, e.g. inside no_grad."""

    def __init__(self):
        super().__init__(True)


class set_grad_enabled(_Switch):
    """Switch recording on or off: as a call (``set_grad_enabled(False)`` holds until switched back),
    or as a context manager / decorator that restores the previous mode afterwards.

    As in PyTorch the mode changes as soon as ``set_grad_enabled(mode)`` is called,
    and leaving its ``with`` block restores what was there before the call.
    """

    def __init__(self, mode):
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled expects a bool, got {mode!r}")
        super().__init__(mode)
        self.previous = is_grad_enabled()
        _set_enabled(mode)

    def __enter__(self):
        return self  # already switched by __init__

    def __call__(self, function):
        _set_enabled(self.previous)  # used as a decorator, creating it must not switch the mode
        return _in_mode(self.mode, function)


class inference_mode(_Switch):
    """Like ``no_grad`` (PyTorch's faster variant of it; here the two are the same):
    ``with tinynet.inference_mode():`` or ``@tinynet.inference_mode()``."""

    def __init__(self, mode=True):
        if not isinstance(mode, bool):
            raise TypeError(f"inference_mode expects a bool, got {mode!r}")
        super().__init__(not mode)
