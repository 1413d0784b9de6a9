"""pipeline.memory: the fixed mmap threshold that keeps the heap from growing."""
import platform

import pytest

from pipeline.memory import ENV, fix_mmap_threshold


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="a glibc setting")
def test_threshold_is_off_by_default_and_set_when_asked(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    assert fix_mmap_threshold() is False  # glibc's adaptive default
    monkeypatch.setenv(ENV, str(8 * 1024 * 1024))
    assert fix_mmap_threshold() is True
    monkeypatch.setenv(ENV, "0")
    assert fix_mmap_threshold() is False
    monkeypatch.setenv(ENV, "not a number")  # falls back to the default, does not raise
    assert fix_mmap_threshold() is False
