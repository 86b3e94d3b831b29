"""Shared pytest setup: say which backend the tests run on, keep hypothesis quick, train on one thread."""

import os

import pytest
from hypothesis import HealthCheck, settings

import tinynet

settings.register_profile(
    "tinynet", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("tinynet")


def pytest_report_header(config):
    info = tinynet.build_info()
    return "tinynet: " + ", ".join(f"{key}={value}" for key, value in info.items())


def pytest_sessionstart(session):
    # Tests that compare 1 thread with 2 or 3 must really run those threads, even when the machine is
    # busy; test_busy_elsewhere.py tests the watch that would otherwise take threads away, in fresh processes.
    tinynet.kernels.set_share_cores(False)
    # CI sets TINYNET_REQUIRE_C=1 so that a broken C build cannot hide behind the numpy fallback.
    if os.environ.get("TINYNET_REQUIRE_C") == "1" and tinynet.build_info()["backend"] != "c":
        pytest.exit("TINYNET_REQUIRE_C=1 but tinynet is running on the numpy backend: " + str(tinynet.build_info()), 3)


@pytest.fixture
def restore_settings():
    """Put the kernels' SIMD path and thread count back however a test leaves them."""
    from tinynet._tinynet_c import lib  # (only tests of the C kernels ask for this fixture)

    simd, threads = lib.tn_get_simd_level(), tinynet.get_num_threads()
    yield
    lib.tn_set_simd_level(simd)
    tinynet.set_num_threads(threads)


@pytest.fixture
def at_level(restore_settings):
    """Run the C kernels at a SIMD level, a TN_SIMD_* number (the settings are put back after the test)."""
    from tinynet._tinynet_c import lib

    def set_level(level):
        assert lib.tn_set_simd_level(level) == level
    return set_level


@pytest.fixture
def one_thread():
    """Train on one core: the suite runs beside other work on a 2-core machine, where two OpenMP
    threads competing for a busy core make small GEMMs many times slower.  A test module that
    trains opts in with ``pytestmark = pytest.mark.usefixtures("one_thread")``."""
    before = tinynet.get_num_threads()
    tinynet.set_num_threads(1)
    yield
    tinynet.set_num_threads(before)


@pytest.fixture
def torch():
    """PyTorch, for comparison tests; they skip when it is not installed."""
    return pytest.importorskip("torch")
