"""bench.peaks: each process's peak and the tree's, from /proc (how BENCHMARKS.md
measures the worker and its tagger process apart)."""
import sys

from bench.peaks import measure

# a parent that holds 200 MB, and a child of it that holds 120 MB, both for a while
CHILD = "b = bytearray(120 << 20); import time; time.sleep(1.5)"
PARENT = ("import subprocess, sys, time; b = bytearray(200 << 20); "
          f"p = subprocess.Popen([sys.executable, '-c', {CHILD!r}]); p.wait(); del b; time.sleep(0.3)")


def test_peaks_of_each_process_and_of_the_tree():
    res = measure([sys.executable, "-c", PARENT], every=0.1)
    assert res["rc"] == 0
    peaks = sorted(p["peak_mb"] for p in res["processes"])
    assert len(peaks) == 2
    assert 120 <= peaks[0] < 200 <= peaks[1] < 300
    assert res["tree_peak_mb"] >= 320  # both held at once
