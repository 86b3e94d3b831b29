"""Shared pytest setup: say which backend the tests run on, and keep hypothesis quick."""

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
    # CI sets TINYNET_REQUIRE_C=1 so that a broken C build cannot hide behind the numpy fallback.
    if os.environ.get("TINYNET_REQUIRE_C") == "1" and tinynet.build_info()["backend"] != "c":
        pytest.exit("TINYNET_REQUIRE_C=1 but tinynet is running on the numpy backend: " + str(tinynet.build_info()), 3)
