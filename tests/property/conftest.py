"""Hypothesis settings for the property tests.

The `ci` profile, loaded by default, runs 2,000 examples a test from a fixed seed, so every run
(and CI) tries the same inputs; `HYPOTHESIS_PROFILE=dev` runs 100 for a quick look, and
`HYPOTHESIS_PROFILE=explore` 2,000 fresh random ones. No example database is written.
"""

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": None,
    "database": None,
    "print_blob": True,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
settings.register_profile("ci", max_examples=2000, derandomize=True, **_COMMON)
settings.register_profile("dev", max_examples=100, derandomize=True, **_COMMON)
settings.register_profile("explore", max_examples=2000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def scratch() -> Iterator[Path]:
    """A folder for the files the examples write (hypothesis runs many examples per test function,
    so pytest's per-test `tmp_path` would be shared by all of them anyway)."""
    with tempfile.TemporaryDirectory(prefix="dumpling-property-") as folder:
        yield Path(folder)
