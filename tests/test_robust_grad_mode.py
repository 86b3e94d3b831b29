"""Grad mode is per thread and its switches always restore what was there, as in PyTorch."""

import threading

import pytest

import tinynet


def records(x):
    return (x * 2).requires_grad


def test_no_grad_in_one_thread_leaves_other_threads_recording():
    x = tinynet.ones(3, requires_grad=True)
    inside, entered, release = [], threading.Event(), threading.Event()

    def evaluate():
        with tinynet.no_grad():
            entered.set()
            release.wait(10)
            inside.append(records(x))

    worker = threading.Thread(target=evaluate)
    worker.start()
    assert entered.wait(10)
    try:
        assert tinynet.is_grad_enabled() and records(x)  # the main thread still records
    finally:
        release.set()
        worker.join(10)
    assert inside == [False]


def test_a_new_thread_starts_with_recording_on():
    seen = []
    with tinynet.no_grad():
        worker = threading.Thread(target=lambda: seen.append(tinynet.is_grad_enabled()))
        worker.start()
        worker.join(10)
    assert seen == [True]


def test_set_grad_enabled_as_a_call_and_as_a_context_manager():
    x = tinynet.ones(2, requires_grad=True)
    with tinynet.set_grad_enabled(False):
        assert not records(x)
    assert records(x)  # restored on exit
    try:
        tinynet.set_grad_enabled(False)  # as a plain call it switches until switched back
        assert not records(x)
    finally:
        tinynet.set_grad_enabled(True)
    with tinynet.no_grad():
        with tinynet.set_grad_enabled(True):
            assert records(x)
        assert not records(x)
    with pytest.raises(TypeError, match="expects a bool"):
        tinynet.set_grad_enabled("no")


def test_no_grad_decorator_covers_a_generators_body():
    x = tinynet.ones(2, requires_grad=True)

    @tinynet.no_grad()
    def batches():
        for _ in range(3):
            yield records(x), tinynet.is_grad_enabled()

    seen = []
    for recorded, enabled in batches():
        seen.append((recorded, enabled))
        assert tinynet.is_grad_enabled()  # the caller's own mode between steps
    assert seen == [(False, False)] * 3


def test_decorated_function_and_set_grad_enabled_decorator():
    x = tinynet.ones(2, requires_grad=True)

    @tinynet.set_grad_enabled(False)
    def evaluate():
        return records(x)

    assert tinynet.is_grad_enabled()  # decorating does not switch the mode
    assert evaluate() is False
    assert tinynet.is_grad_enabled()
