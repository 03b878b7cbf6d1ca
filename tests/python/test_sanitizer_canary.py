"""The sanitized-build canary: under `make test-asan-python` the extension carries a deliberate heap
overflow, and AddressSanitizer must abort on it with its report. A sanitized run in which the sanitizer
is silently off therefore fails here instead of passing."""
import os
import subprocess
import sys

import pytest

import ndbridge as ndb

EXPECT_SANITIZER = os.environ.get("NDBRIDGE_EXPECT_SANITIZER") == "1"
HAS_CANARY = hasattr(ndb._core, "_sanitizer_canary_overflow")


def test_sanitized_run_uses_the_sanitized_extension():
    if not EXPECT_SANITIZER:
        pytest.skip("not a sanitized run (make test-asan-python sets NDBRIDGE_EXPECT_SANITIZER=1)")
    assert HAS_CANARY, f"the extension at {ndb._core.__file__} is not the sanitized build"


def test_heap_overflow_is_caught_by_address_sanitizer():
    if not HAS_CANARY:
        pytest.skip("the canary exists only in the sanitized build (make test-asan-python)")
    code = "import ndbridge._core as c; c._sanitizer_canary_overflow(3); print('not caught')"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert run.returncode != 0, "the deliberate out-of-bounds write went unnoticed"
    assert "not caught" not in run.stdout
    assert "ERROR: AddressSanitizer: heap-buffer-overflow" in run.stderr, run.stderr[-2000:]
    assert "WRITE of size 1" in run.stderr
